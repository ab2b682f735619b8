"""Synthetic connectomes with fly-like statistics, and the built-in ``fly-synth``.

The generator (``random_connectome``) draws, for N neurons:

* an out-degree per neuron, lognormal (heavy tail), scaled so the total number of
  connections is exactly ``round(N * mean_out_degree)``;
* an in-degree *propensity* per neuron, lognormal and correlated with the out-degree
  (hubs both send and receive: the fly's rich club, Lin et al. 2024);
* modules: contiguous blocks of ``module_size`` neuron positions (a stand-in for neuropils
  and cell-type circuits); a fraction ``local_fraction`` of each neuron's targets lie in
  its own module, the rest anywhere in the brain, both chosen in proportion to the
  in-degree propensity, without duplicates and without self-connections;
* a synapse count per connection, ``ceil`` of a lognormal with tail width ``count_sigma``,
  its location solved so that the mean count is exactly ``mean_count`` in expectation;
  connections inside a module are ``exp(local_count_shift)`` times stronger in median (the
  synapse budget sits in local circuits, so activity spreads within a module and stays
  bounded by it), and a part ``strength_sigma`` of the spread belongs to the neurons (strong
  neurons send and receive strong connections);
* a sign per neuron (Dale's law): excitatory neurons release acetylcholine, inhibitory ones
  GABA or glutamate (glutamate is inhibitory in the fly, through GluCl; Shiu et al. 2024).

The rows are built directly in CSR form by a numba kernel, in parallel over presynaptic
neurons, each row with its own counter-seeded random stream: the result depends on the
seed only, never on the number of threads.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import zipfile
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
from numba import njit, prange

from neurocast._cache import cache_dir
from neurocast._numbers import is_finite_real, is_whole
from neurocast._progress import progress
from neurocast.connectome._connectome import Connectome
from neurocast.errors import ConfigError

__all__ = [
    "FLY_SYNTH",
    "GENERATOR_VERSION",
    "SyntheticParams",
    "fly_synth",
    "psp_peak_factor",
    "random_connectome",
]

#: Bump when the generator's output for given parameters changes (invalidates caches).
GENERATOR_VERSION = 2

_U64 = np.uint64
_GOLDEN = _U64(0x9E3779B97F4A7C15)
_MIX1 = _U64(0xBF58476D1CE4E5B9)
_MIX2 = _U64(0x94D049BB133111EB)


@dataclass(frozen=True)
class SyntheticParams:
    """Parameters of ``random_connectome`` (all defaults live here).

    n_neurons: number of neurons N (>= 2).
    mean_out_degree: connections per neuron; the total is exactly round(N * mean_out_degree).
    out_degree_sigma: sigma of the lognormal out-degree (0 = every neuron the same degree).
    in_degree_sigma: sigma of the lognormal in-degree propensity (0 = uniform targets).
    degree_correlation: correlation (-1..1) of the log in-propensity with the log out-degree.
    max_out_degree: cap on a neuron's out-degree; 0 means (N - 1) // 2.
    module_size: neurons per module (contiguous positions); >= 2.
    local_fraction: share of each neuron's draws aimed inside its own module (0..1).
    mean_count: mean synapse count per connection (> 1).
    count_sigma: sigma of the lognormal synapse count over all connections (tail width; > 0).
    strength_sigma: part of count_sigma carried by the neurons rather than the connection:
      each neuron has a log-strength xi ~ N(0, 1) and a connection's log-median count gets
      strength_sigma * (xi_pre + xi_post) / sqrt(2), so strong neurons send and receive strong
      connections (chains of strong paths); the rest, sqrt(count_sigma^2 - strength_sigma^2),
      is per connection. 0 <= strength_sigma <= count_sigma; the marginal is unchanged.
    local_count_shift: added to the log-median count of connections inside a module (both
      neurons in the same block of module_size positions): strong local circuits whose
      activity is bounded by the module (calibrated with the simulator, docs/synthetic.md).
    max_count: largest synapse count drawn (counts are clipped there).
    excitatory_fraction: share of excitatory (acetylcholine) neurons (0..1).
    glutamate_fraction: share of the inhibitory neurons labelled glutamate (rest GABA).
    seed: seed of every random choice; same parameters and seed, same connectome.
    """

    n_neurons: int
    mean_out_degree: float
    out_degree_sigma: float = 1.0
    in_degree_sigma: float = 1.0
    degree_correlation: float = 0.5
    max_out_degree: int = 0
    module_size: int = 200
    local_fraction: float = 0.3
    mean_count: float = 3.3
    count_sigma: float = 1.3
    strength_sigma: float = 1.0
    local_count_shift: float = 4.0
    max_count: int = 10_000
    excitatory_fraction: float = 0.7
    glutamate_fraction: float = 0.5
    seed: int = 0

    def __post_init__(self):
        def need(ok: bool, what: str, hint: str) -> None:
            if not ok:
                raise ConfigError(what, hint)

        for name in ("mean_out_degree", "out_degree_sigma", "in_degree_sigma", "degree_correlation",
                     "local_fraction", "mean_count", "count_sigma", "strength_sigma", "local_count_shift",
                     "excitatory_fraction", "glutamate_fraction"):
            v = getattr(self, name)
            need(is_finite_real(v),
                 f"{name} must be a finite number, not {v!r}", "pass a float")
        for name in ("n_neurons", "max_out_degree", "module_size", "max_count", "seed"):
            v = getattr(self, name)
            need(is_whole(v),
                 f"{name} must be an integer, not {v!r}", "pass an int")
        n = self.n_neurons
        need(n >= 2, f"n_neurons must be at least 2, not {n}", "pass n_neurons >= 2")
        need(n < 2**31 - 1, f"n_neurons ({n}) exceeds the int32 range", "use fewer neurons")
        cap = self.out_degree_cap
        need(0 < self.mean_out_degree <= cap,
             f"mean_out_degree must lie in (0, {cap}] for {n} neurons, not {self.mean_out_degree}",
             "lower mean_out_degree or raise max_out_degree (at most n_neurons - 1)")
        need(0 <= self.max_out_degree <= n - 1,
             f"max_out_degree must lie in 0..{n - 1}, not {self.max_out_degree}",
             "0 means (n_neurons - 1) // 2")
        need(n * self.mean_out_degree < 2**31 - 1,
             f"{n} x {self.mean_out_degree} connections exceed the int32 range of CSR indices",
             "use fewer neurons or a lower mean_out_degree")
        need(self.out_degree_sigma >= 0 and self.in_degree_sigma >= 0,
             "out_degree_sigma and in_degree_sigma must be >= 0", "0 gives equal degrees")
        need(-1 <= self.degree_correlation <= 1,
             f"degree_correlation must lie in -1..1, not {self.degree_correlation}", "e.g. 0.5")
        need(self.module_size >= 2, f"module_size must be at least 2, not {self.module_size}",
             f"use n_neurons ({n}) for a single module")
        need(0 <= self.local_fraction <= 1,
             f"local_fraction must lie in 0..1, not {self.local_fraction}", "e.g. 0.5")
        need(self.mean_count > 1, f"mean_count must exceed 1, not {self.mean_count}",
             "every connection has at least one synapse")
        need(self.count_sigma > 0, f"count_sigma must be positive, not {self.count_sigma}",
             "e.g. 1.3 (FlyWire-like tail)")
        need(0 <= self.strength_sigma <= self.count_sigma,
             f"strength_sigma must lie in 0..count_sigma ({self.count_sigma}), not {self.strength_sigma}",
             "it is the share of the count spread carried by neurons")
        need(2 <= self.max_count < 2**31 - 1 and self.max_count > self.mean_count,
             f"max_count must lie between mean_count and 2**31 - 2, not {self.max_count}",
             "e.g. 10000")
        need(0 <= self.excitatory_fraction <= 1 and 0 <= self.glutamate_fraction <= 1,
             "excitatory_fraction and glutamate_fraction must lie in 0..1", "e.g. 0.7 and 0.5")
        need(0 <= self.seed < 2**63, f"seed must lie in 0..2**63 - 1, not {self.seed}",
             "pass a non-negative int")

    @property
    def out_degree_cap(self) -> int:
        """The effective cap on out-degree: ``max_out_degree`` or (N - 1) // 2 if that is 0."""
        return self.max_out_degree or max((self.n_neurons - 1) // 2, 1)

    def key(self) -> str:
        """A short hash of generator version and parameters (used to name cache files); a NumPy
        integer hashes as the same Python int (seed=np.int64(3) is seed=3)."""
        text = json.dumps({"v": GENERATOR_VERSION, **asdict(self)}, sort_keys=True,
                          default=lambda v: int(v) if isinstance(v, np.integer) else float(v))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


#: FlyWire v783 as used by Shiu et al. 2024: 138,639 neurons, 15,091,983 connections
#: (mean count 3.3, ~70 % excitatory). Structure knobs: see docs/synthetic.md.
FLY_SYNTH = SyntheticParams(n_neurons=138_639, mean_out_degree=15_091_983 / 138_639, seed=783)


# ---------------------------------------------------------------------------------- science
def psp_peak_factor(tau_m_ms: float = 20.0, tau_syn_ms: float = 5.0) -> float:
    """Peak of the membrane response to one synaptic event, per mV of weight (dimensionless).

    For dv/dt = (-v + g)/tau_m, dg/dt = -g/tau_syn and a jump g += w at t = 0,
    v(t) = w r/(1 - r) (exp(-t/tau_m) - exp(-t/tau_syn)) with r = tau_syn/tau_m, which peaks
    at t* = tau_m tau_syn ln(tau_m/tau_syn)/(tau_m - tau_syn) with value w r^(1/(1 - r)).
    For tau_m = 20 ms, tau_syn = 5 ms: t* = 9.24 ms, factor 0.25^(4/3) = 0.1575.
    """
    if not (tau_m_ms > 0 and tau_syn_ms > 0):
        raise ConfigError("time constants must be positive", f"got tau_m_ms={tau_m_ms}, tau_syn_ms={tau_syn_ms}")
    if tau_m_ms == tau_syn_ms:
        return float(np.exp(-1.0))  # the limit r -> 1 (alpha function)
    r = tau_syn_ms / tau_m_ms
    return float(r ** (1.0 / (1.0 - r)))


def _ceil_lognormal_mean(mu: float, sigma: float, max_count: int) -> float:
    """E[min(ceil(exp(mu + sigma Z)), max_count)] for standard normal Z (exact sum)."""
    # scipy is slow to import and needed only here
    from scipy.special import ndtr

    k = np.arange(1, max_count, dtype=np.float64)
    return float(1.0 + ndtr((mu - np.log(k)) / sigma).sum())


def _solve_count_mu(p: SyntheticParams, share_local: float) -> float:
    """Log-median of the counts between modules, so that the mean count over all connections
    is ``p.mean_count`` when a share ``share_local`` of connections lies inside modules."""

    def mean(mu: float) -> float:
        return (share_local * _ceil_lognormal_mean(mu + p.local_count_shift, p.count_sigma, p.max_count)
                + (1 - share_local) * _ceil_lognormal_mean(mu, p.count_sigma, p.max_count))

    lo, hi = -30.0, float(np.log(p.max_count))
    if mean(hi) < p.mean_count:
        raise ConfigError(f"mean_count {p.mean_count} is unreachable with max_count {p.max_count}",
                          "raise max_count or lower count_sigma")
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if mean(mid) < p.mean_count else (lo, mid)
    return 0.5 * (lo + hi)


def _out_degrees(weights: np.ndarray, total: int, cap: int) -> np.ndarray:
    """Integer degrees in 1..cap proportional to ``weights`` and summing to ``total`` exactly."""
    n = len(weights)
    lo, hi = 0.0, float(cap) * n / weights.sum() * 1e3 + 1.0
    for _ in range(100):  # the clipped sum is monotone in the scale
        s = 0.5 * (lo + hi)
        if np.clip(weights * s, 1.0, cap).sum() < total:
            lo = s
        else:
            hi = s
    x = np.clip(weights * hi, 1.0, cap)
    deg = np.floor(x).astype(np.int64)
    missing = total - int(deg.sum())
    if missing > 0:  # largest remainders first, among rows below the cap
        frac = np.where(deg < cap, x - deg, -1.0)
        deg[np.argsort(-frac, kind="stable")[:missing]] += 1
    elif missing < 0:
        frac = np.where(deg > 1, x - deg, 2.0)
        deg[np.argsort(frac, kind="stable")[:-missing]] -= 1
    return deg


# ---------------------------------------------------------------------------------- kernels
@njit(cache=True, inline="always")
def _mix(z):
    z = (z ^ (z >> _U64(30))) * _MIX1
    z = (z ^ (z >> _U64(27))) * _MIX2
    return z ^ (z >> _U64(31))


@njit(cache=True, inline="always")
def _uniform(state):
    """One splitmix64 step: returns (new state, uniform float in [0, 1))."""
    state = state + _GOLDEN
    return state, float(_mix(state) >> _U64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def _draw(cdf, a, b, u):
    """Position in [a, b) drawn with probability proportional to cdf[j+1] - cdf[j]."""
    x = cdf[a] + u * (cdf[b] - cdf[a])
    j = np.searchsorted(cdf, x, side="right") - 1
    if j < a:
        j = a
    if j > b - 1:
        j = b - 1
    return j


@njit(cache=True)
def _row_state(seed, i, stream):
    """Independent random stream for row i (stream 0: targets, 1: counts)."""
    return _mix(seed ^ _mix(_U64(i) * _GOLDEN + _U64(stream + 1)))


@njit(cache=True, parallel=True)
def _fill_targets(row_lo, row_hi, indptr, cdf, module_size, local_fraction, seed, indices, n_local):
    """Fill CSR rows row_lo..row_hi-1 of ``indices`` with sorted unique targets, never the row itself.

    Each draw aims inside the row's module with probability local_fraction, else anywhere;
    the target is picked with probability proportional to its in-degree propensity (cdf).
    Duplicates and self-connections are dropped and redrawn until the row holds its degree;
    a row whose module is exhausted takes the rest of its targets from the whole brain.
    Writes the number of targets in the row's module (module start <= target < module end) to n_local[i].
    """
    n = len(cdf) - 1
    for i in prange(row_lo, row_hi):
        start = indptr[i]
        d = indptr[i + 1] - start
        state = _row_state(seed, i, 0)
        a = (i // module_size) * module_size
        b = min(a + module_size, n)
        buf = np.empty(d, dtype=np.int32)
        filled = 0
        local_full = False  # once the module holds no more new targets, draw globally
        while filled < d:
            for k in range(filled, d):
                state, u = _uniform(state)
                state, v = _uniform(state)
                if u < local_fraction and not local_full:
                    buf[k] = _draw(cdf, a, b, v)
                else:
                    buf[k] = _draw(cdf, 0, n, v)
            buf.sort()
            filled = 0
            last = -1
            in_module = 0
            for k in range(d):
                t = buf[k]
                if t != last and t != i:
                    buf[filled] = t
                    filled += 1
                    if a <= t < b:
                        in_module += 1
                last = t
            local_full = in_module >= b - a - 1
        local = 0
        for k in range(d):
            indices[start + k] = buf[k]
            if a <= buf[k] < b:
                local += 1
        n_local[i] = local


@njit(cache=True, parallel=True)
def _fill_counts(row_lo, row_hi, indptr, indices, module_size, mu, sigma, shift, max_count,
                 strength, sign, seed, count, weight):
    """Synapse counts ceil(exp(mu [+ shift inside the module] + strength[pre] + strength[post]
    + sigma Z)), clipped to 1..max_count, and weights sign[pre] * count."""
    for i in prange(row_lo, row_hi):
        state = _row_state(seed, i, 1)
        a = (i // module_size) * module_size
        b = a + module_size
        for e in range(indptr[i], indptr[i + 1]):
            state, u1 = _uniform(state)
            state, u2 = _uniform(state)
            z = np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)
            t = indices[e]
            m = mu + strength[i] + strength[t] + (shift if a <= t < b else 0.0)
            c = min(max(np.ceil(np.exp(m + sigma * z)), 1.0), float(max_count))
            count[e] = np.int32(c)
            weight[e] = np.float32(sign[i] * c)


# ---------------------------------------------------------------------------------- public
def _neuron_table(p: SyntheticParams, rng: np.random.Generator) -> pd.DataFrame:
    """Neuron table: ids 0..N-1, names 'n000000', type 'mNNNN.<transmitter>', Dale's-law signs."""
    n = p.n_neurons
    excitatory = rng.random(n) < p.excitatory_fraction
    glutamate = rng.random(n) < p.glutamate_fraction
    transmitter = np.where(excitatory, "ACh", np.where(glutamate, "Glu", "GABA")).astype(object)
    width = len(str(n - 1))
    pos = pd.Series(np.arange(n)).astype(str)
    module = pd.Series(np.arange(n) // p.module_size).astype(str)
    mwidth = len(str((n - 1) // p.module_size))
    return pd.DataFrame({
        "id": np.arange(n, dtype=np.int64),
        "name": ("n" + pos.str.zfill(width)).to_numpy(dtype=object),
        "type": ("m" + module.str.zfill(mwidth) + "." + transmitter).to_numpy(dtype=object),
        "transmitter": transmitter,
        "sign": np.where(excitatory, 1, -1).astype(np.int8),
    })


def generate(p: SyntheticParams, *, name: str = "") -> Connectome:
    """Build the connectome described by ``p`` (see the module docstring for the model)."""

    n = p.n_neurons
    rng = np.random.default_rng(p.seed)
    table = _neuron_table(p, rng)
    z_out = rng.standard_normal(n)
    z_in = p.degree_correlation * z_out + np.sqrt(1 - p.degree_correlation**2) * rng.standard_normal(n)
    total = round(n * p.mean_out_degree)
    deg = _out_degrees(np.exp(p.out_degree_sigma * z_out), total, p.out_degree_cap)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(deg, out=indptr[1:])
    propensity = np.exp(p.in_degree_sigma * z_in)  # relative chance to be chosen as a target
    cdf = np.zeros(n + 1, dtype=np.float64)
    np.cumsum(propensity / propensity.sum(), out=cdf[1:])
    sign = table["sign"].to_numpy().astype(np.float32)
    strength = (p.strength_sigma / np.sqrt(2.0)) * rng.standard_normal(n)  # log units
    noise_sigma = float(np.sqrt(p.count_sigma**2 - p.strength_sigma**2))
    row_seed = _U64(int(rng.integers(0, 2**63)))

    indices = np.empty(total, dtype=np.int32)
    count = np.empty(total, dtype=np.int32)
    weight = np.empty(total, dtype=np.float32)
    n_chunks = max(1, min(16, total // 1_000_000))
    bounds = np.linspace(0, n, n_chunks + 1).astype(np.int64)
    n_local = np.zeros(n, dtype=np.int32)
    with progress(total=2 * total, desc="generating connectome", unit="conn") as bar:
        for lo, hi in itertools.pairwise(bounds.tolist()):
            _fill_targets(lo, hi, indptr, cdf, p.module_size, p.local_fraction, row_seed,
                          indices, n_local)
            bar.update(int(indptr[hi] - indptr[lo]))
        mu = _solve_count_mu(p, n_local.sum(dtype=np.int64) / max(total, 1))
        for lo, hi in itertools.pairwise(bounds.tolist()):
            _fill_counts(lo, hi, indptr, indices, p.module_size, mu, noise_sigma,
                         p.local_count_shift, p.max_count, strength, sign, row_seed, count, weight)
            bar.update(int(indptr[hi] - indptr[lo]))
    attrs = {"generator": "neurocast.random_connectome", "generator_version": GENERATOR_VERSION,
             "params": asdict(p), "source": "synthetic (neurocast.connectome.random_connectome)"}
    return Connectome(table, indptr, indices, count, weight, name=name, attrs=attrs)


def random_connectome(
    n_neurons: int,
    mean_out_degree: float,
    *,
    seed: int = 0,
    name: str = "",
    **knobs,
) -> Connectome:
    """A random connectome with heavy-tailed degrees and synapse counts, modules and Dale's law.

    n_neurons: N; mean_out_degree: connections per neuron (total exactly round(N * mean)).
    seed: same seed (and knobs), identical connectome (``Connectome.equals``).
    knobs: any other field of ``SyntheticParams`` (out_degree_sigma, in_degree_sigma,
      degree_correlation, max_out_degree, module_size, local_fraction, mean_count,
      count_sigma, strength_sigma, local_count_shift, max_count, excitatory_fraction, glutamate_fraction);
      unknown names raise ConfigError.

    Returns a Connectome with CSR arrays (indices int32, count int32 >= 1, weight float32 =
    sign of the presynaptic neuron x count), no self-connections and no repeated pairs;
    neuron table: id 0..N-1, name 'n<position>', type 'm<module>.<transmitter>',
    transmitter ACh (sign +1), GABA or Glu (sign -1).
    """
    fields = set(SyntheticParams.__dataclass_fields__) - {"n_neurons", "mean_out_degree", "seed"}
    unknown = sorted(set(knobs) - fields)
    if unknown:
        raise ConfigError(f"unknown random_connectome parameter(s): {', '.join(unknown)}",
                          f"known: {', '.join(sorted(fields))}")
    p = SyntheticParams(n_neurons=n_neurons, mean_out_degree=mean_out_degree, seed=seed, **knobs)
    return generate(p, name=name)


def fly_synth(*, cache: bool = True, **overrides) -> Connectome:
    """The built-in ``fly-synth``: FlyWire v783 size (138,639 neurons, ~15.1 M connections).

    overrides: fields of ``SyntheticParams`` replacing those of ``FLY_SYNTH`` (e.g. a
    calibration of count_sigma); each distinct parameter set gets its own cache file.
    cache: load from / save to ``neurocast._cache.cache_dir()`` as
      ``fly-synth-<hash of generator version and parameters>.npz`` (written atomically).
    """

    unknown = sorted(set(overrides) - set(SyntheticParams.__dataclass_fields__))
    if unknown:
        raise ConfigError(f"unknown fly_synth parameter(s): {', '.join(unknown)}",
                          f"known: {', '.join(SyntheticParams.__dataclass_fields__)}")
    p = replace(FLY_SYNTH, **overrides)
    if not cache:
        return generate(p, name="fly-synth")
    path = cache_dir() / f"fly-synth-{p.key()}.npz"
    if path.is_file():
        try:
            return Connectome.load(path)
        except (ValueError, OSError, KeyError, zipfile.BadZipFile, EOFError):
            pass  # damaged, truncated or foreign file: rebuild and replace it
    c = generate(p, name="fly-synth")
    c.save(path)
    return c
