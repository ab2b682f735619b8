"""A graded-potential C. elegans network: gap junctions and graded chemical synapses (private).

The model of Kunert, Shlizerman & Kutz (2014, Phys. Rev. E 89:052805), on any Connectome with
a gap-junction layer. For neuron i (V in mV, t in s, conductances in pS, C in pF):

    C dV_i/dt = −G_c (V_i − E_cell) − Σ_j G^g_ij (V_i − V_j) − Σ_j G^s_ij s_j (V_i − E_ij)
                + I_ext,i + I_noise,i
    ds_i/dt   = a_r φ_i(V_i) (1 − s_i) − a_d s_i,     φ_i(V) = 1 / (1 + exp(−β (V − V^th_i)))

G^g_ij = g_gap · (gap-junction contacts of the pair), G^s_ij = g_syn · (synapses j → i);
E_ij = E_exc for a connection with positive weight, E_inh for a negative one; connections of
weight 0 (sign unknown) carry no fast current. V^th_i is set so that every φ_i is ½ at an
equilibrium: V^eq solves the linear system above with s_j = a_r / (a_r + 2 a_d), and
V^th = V^eq. ``threshold="rest"`` (default) takes the equilibrium without input;
``threshold="input"`` the equilibrium under the constant current ``i_ext_pa``, as the code of
Kunert et al. and its successors does (they solve for V^th with the stimulus in the right-hand
side). Only the "input" construction shows the paper's induced oscillations (docs/simulator.md).
Every run starts at the equilibrium without input (V^eq, s = s_rest), so a constant current
switched on at t = 0 moves the network from there.

Numerics: the gap-junction coupling makes the system stiff (hub neurons have τ ≪ 1 ms), so V
is advanced by implicit (backward) Euler with s from the previous step: each step solves the
sparse symmetric positive-definite system (C/dt + G_c + Σ_j G^s_ij s_j + L_gap) V = rhs by
Jacobi-preconditioned conjugate gradients (numba), warm-started from the previous V (about 20
iterations per step on the worm under drive at cg_tol 1e-5; attrs ``cg_iterations``). s is
advanced exactly for the step's φ.

Inputs: a graded neuron integrates many small inputs, so a ``PoissonInput`` (rate r, weight w)
acts as its mean current C · w · r while its window lasts (1.5 pF · 1000 mV · 100 Hz = 150 pA),
without shot noise; the same plan drives the LIF model with events and this one with currents.

Readout: graded neurons do not spike. For the calcium observation model each neuron emits
calcium-influx *events* at the rate ``event_rate_max_hz · φ_i(V_i)`` (its synaptic activation,
so ½ of the maximum at rest), returned as ``Spikes``; the indicator turns them into calcium
exactly as it does spikes. The events are regularly spaced (an accumulator crosses 1; a random
initial phase per neuron) by default, a Poisson process with ``poisson_events=True``.

Current noise (optional): an Ornstein–Uhlenbeck current per neuron, standard deviation
``noise_pa`` and correlation time ``noise_tau_ms``, independent between neurons.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np
from numba import njit

from neurocast._numbers import is_finite_real, is_real, is_whole
from neurocast.errors import ConfigError, NonFiniteError
from neurocast.sim._network import PoissonInput, check_duration, resolve_neurons
from neurocast.spikes import Spikes

__all__ = ["THRESHOLDS", "GradedNetwork", "GradedParams", "GradedTrace", "build_graded_network",
           "graded_equilibrium", "simulate_graded", "simulate_graded_chunks"]

#: How the sigmoid thresholds V^th are set: the equilibrium without input ("rest") or under the
#: run's constant current ``i_ext_pa`` ("input", Kunert et al.'s construction).
THRESHOLDS = ("rest", "input")


@dataclass(frozen=True)
class GradedParams:
    """Parameters of the graded model (defaults: Kunert et al. 2014's, except c_pf: 1.5 pF as in
    the Neural Interactome, where Kunert's code has 1.0; docs/simulator.md).

    c_pf: membrane capacitance (pF). g_leak_ps: membrane (leak) conductance G_c (pS).
    e_leak_mv: leak reversal E_cell (mV). g_gap_ps, g_syn_ps: conductance per gap-junction
    contact and per chemical synapse (pS). e_exc_mv, e_inh_mv: synaptic reversal potentials.
    rise_per_s, decay_per_s: a_r and a_d of the synaptic activation (1/s).
    beta_per_mv: steepness β of the activation sigmoid (1/mV).
    dt_ms: integration step (ms). noise_pa, noise_tau_ms: OU current noise (pA, ms; 0: none).
    event_rate_max_hz: calcium-event rate of a fully activated neuron (Hz).
    poisson_events: False: regularly spaced events (the rate only); True: a Poisson process.
    cg_tol: relative residual at which the per-step linear solve stops.

    Every value is a number, Python's or NumPy's (np.float32, np.int64 from an array), stored
    as a float; text and flags (True) are refused.
    """

    c_pf: float = 1.5
    g_leak_ps: float = 10.0
    e_leak_mv: float = -35.0
    g_gap_ps: float = 100.0
    g_syn_ps: float = 100.0
    e_exc_mv: float = 0.0
    e_inh_mv: float = -48.0
    rise_per_s: float = 1.0
    decay_per_s: float = 5.0
    beta_per_mv: float = 0.125
    dt_ms: float = 10.0
    noise_pa: float = 0.0
    noise_tau_ms: float = 1000.0
    event_rate_max_hz: float = 10.0
    poisson_events: bool = False
    cg_tol: float = 1e-5

    def __post_init__(self):
        positive = ("c_pf", "g_leak_ps", "rise_per_s", "decay_per_s", "beta_per_mv", "dt_ms",
                    "noise_tau_ms", "event_rate_max_hz", "cg_tol")
        for name in positive:
            v = getattr(self, name)
            if not (is_finite_real(v) and v > 0):
                raise ConfigError(f"GradedParams.{name} must be a finite number > 0, got {v!r}")
        non_negative = ("g_gap_ps", "g_syn_ps", "noise_pa")
        for name in non_negative:
            v = getattr(self, name)
            if not (is_finite_real(v) and v >= 0):
                raise ConfigError(f"GradedParams.{name} must be a finite number >= 0, got {v!r}")
        reversals = ("e_leak_mv", "e_exc_mv", "e_inh_mv")
        for name in reversals:
            v = getattr(self, name)
            if not is_real(v):
                raise ConfigError(f"GradedParams.{name} must be a number, got {v!r}")
            if not is_finite_real(v):
                raise NonFiniteError(f"GradedParams.{name} must be finite")
        for name in positive + non_negative + reversals:  # NumPy scalars stored as floats, as in ShiuParams
            object.__setattr__(self, name, float(getattr(self, name)))
        if self.event_rate_max_hz * self.dt_ms / 1000.0 > 1.0:
            raise ConfigError("event_rate_max_hz · dt_ms must stay below one event per step",
                              "lower event_rate_max_hz or dt_ms")

    def replace(self, **changes) -> GradedParams:
        return replace(self, **changes)

    @property
    def s_rest(self) -> float:
        """Synaptic activation at the equilibrium (φ = ½): a_r / (a_r + 2 a_d)."""
        return self.rise_per_s / (self.rise_per_s + 2.0 * self.decay_per_s)


@dataclass(frozen=True)
class _Arrays:
    """The connectome as the integrator needs it (CSR by postsynaptic neuron)."""

    syn_ptr: np.ndarray   # int64 (n+1,) incoming chemical connections of each neuron
    syn_pre: np.ndarray   # int32 presynaptic neuron of each
    syn_g: np.ndarray     # float64 conductance G^s (pS)
    syn_e: np.ndarray     # float64 reversal (mV)
    gap_ptr: np.ndarray   # int64 (n+1,)
    gap_nb: np.ndarray    # int32 neighbour
    gap_g: np.ndarray     # float64 G^g (pS), symmetric
    v_th: np.ndarray      # float64 (n,) thresholds = equilibrium voltages


def _arrays(connectome, p: GradedParams) -> _Arrays:
    n = connectome.n_neurons
    w = np.asarray(connectome.weight, dtype=np.float64)
    count = np.asarray(connectome.count, dtype=np.float64)
    keep = w != 0
    rows = np.repeat(np.arange(n), np.diff(connectome.indptr))[keep]
    cols = np.asarray(connectome.indices, dtype=np.int64)[keep]
    g = p.g_syn_ps * count[keep]
    e = np.where(w[keep] > 0, p.e_exc_mv, p.e_inh_mv)
    by_post = np.lexsort((rows, cols))
    syn_ptr = np.searchsorted(cols[by_post], np.arange(n + 1)).astype(np.int64)
    gap_rows = np.repeat(np.arange(n), np.diff(connectome.gap_indptr))
    gap_nb = np.asarray(connectome.gap_indices, dtype=np.int32)
    gap_g = p.g_gap_ps * np.asarray(connectome.gap_count, dtype=np.float64)
    self_pair = gap_rows == gap_nb  # a neuron coupled to itself carries no current
    gap_g = np.where(self_pair, 0.0, gap_g)
    arr = _Arrays(syn_ptr, rows[by_post].astype(np.int32), g[by_post], e[by_post],
                  np.asarray(connectome.gap_indptr, dtype=np.int64), gap_nb, gap_g, np.zeros(n))
    return replace(arr, v_th=_equilibrium(arr, p, np.zeros(n)))


def _equilibrium(arr: _Arrays, p: GradedParams, ext_fa: np.ndarray) -> np.ndarray:
    """float64 (N,) V (mV) solving (G_c + Σ_j G^s_ij s0 + L) V = G_c E_cell + Σ_j G^s_ij s0 E_ij + I
    with every s_j = s0 = s_rest and the constant current ``ext_fa`` (fA) (sparse direct solve)."""
    import scipy.sparse as sp  # scipy is slow to import; only graded equilibria need it
    from scipy.sparse.linalg import spsolve

    n = len(ext_fa)
    s0 = p.s_rest
    post = np.repeat(np.arange(n), np.diff(arr.syn_ptr))
    gs_in = np.bincount(post, weights=arr.syn_g, minlength=n)
    ge_in = np.bincount(post, weights=arr.syn_g * arr.syn_e, minlength=n)
    gap_rows = np.repeat(np.arange(n), np.diff(arr.gap_ptr))
    lap = sp.csr_matrix((-arr.gap_g, (gap_rows, arr.gap_nb)), shape=(n, n))
    deg = -np.asarray(lap.sum(axis=1)).ravel()
    a = (lap + sp.diags(p.g_leak_ps + s0 * gs_in + deg)).tocsc()
    b = p.g_leak_ps * p.e_leak_mv + s0 * ge_in + ext_fa
    if n > 1:
        return np.asarray(spsolve(a, b), dtype=np.float64)
    return b / np.asarray(a.diagonal())


@dataclass(frozen=True)
class GradedNetwork:
    """A connectome prepared for the graded model: the ``connectome``, its ``params`` and the
    integrator's arrays (conductances by postsynaptic neuron, thresholds V^th = V^eq)."""

    connectome: object
    params: GradedParams
    arrays: _Arrays = field(repr=False)

    @property
    def n_neurons(self) -> int:
        return int(self.connectome.n_neurons)


def build_graded_network(connectome, params: GradedParams | None = None) -> GradedNetwork:
    """Prepare ``connectome`` (chemical synapses with signed weights, gap junctions optional) for
    the graded model with ``params`` (default: the published values). Solves the equilibrium once
    (sparse direct solve), so runs on the same network skip it. ConfigError for other params types."""
    p = GradedParams() if params is None else params
    if not isinstance(p, GradedParams):
        raise ConfigError(f"params must be GradedParams, not {type(p).__name__}",
                          "the graded model takes neurocast.sim.GradedParams")
    return GradedNetwork(connectome, p, _arrays(connectome, p))


def _network(network, params) -> GradedNetwork:
    """A GradedNetwork from a GradedNetwork (``params`` None or equal to its own) or a Connectome."""
    if isinstance(network, GradedNetwork):
        if params is not None and params != network.params:
            raise ConfigError("a GradedNetwork carries its own parameters; params differ from them",
                              "pass params to build_graded_network, or a Connectome here")
        return network
    return build_graded_network(network, params)


def graded_equilibrium(connectome, params: GradedParams | None = None, *, i_ext_pa=None) -> np.ndarray:
    """float64 (N,): the equilibrium voltages (mV) with every s = s_rest, without input (the
    thresholds V^th of ``threshold="rest"``) or under the constant current ``i_ext_pa`` (pA, scalar
    or (N,); the thresholds of ``threshold="input"``). NonFiniteError for NaN or inf currents."""
    net = _network(connectome, params)
    if i_ext_pa is None:
        return net.arrays.v_th.copy()
    ext = np.broadcast_to(np.asarray(i_ext_pa, np.float64), (net.n_neurons,))
    if not np.isfinite(ext).all():
        raise NonFiniteError("i_ext_pa holds NaN or inf")
    return _equilibrium(net.arrays, net.params, ext * 1000.0)


@njit(cache=True)
def _matvec(x, diag, gap_ptr, gap_nb, gap_g, out):
    n = x.shape[0]
    for i in range(n):
        acc = diag[i] * x[i]
        for k in range(gap_ptr[i], gap_ptr[i + 1]):
            acc -= gap_g[k] * x[gap_nb[k]]
        out[i] = acc


@njit(cache=True)
def _run_block(v, s, noise, acc, uniforms, poisson, syn_ptr, syn_pre, syn_g, syn_e, gap_ptr, gap_nb, gap_g, gap_deg, v_th,
               ev_step, ev_neu, ev_w, cur, draws, cg_iters, n_steps, step0, c_pf, g_leak, e_leak, a_r, a_d, beta,
               dt_s, noise_sd_fa, noise_decay, rate_max, cg_tol, rec_every, rec_v, rec_s, out_step,
               out_neu):
    """Advance n_steps; returns the number of events written to out_step/out_neu (-1: full)."""
    n = v.shape[0]
    diag = np.empty(n)
    rhs = np.empty(n)
    r = np.empty(n)
    z = np.empty(n)
    pdir = np.empty(n)
    ap = np.empty(n)
    c_dt = c_pf / dt_s
    k_ev = 0
    n_out = 0
    noise_in = math.sqrt(1.0 - noise_decay * noise_decay)
    for t in range(n_steps):
        step = step0 + t
        while k_ev < ev_step.shape[0] and ev_step[k_ev] <= step:
            cur[ev_neu[k_ev]] += ev_w[k_ev]
            k_ev += 1
        # synaptic activation: exact for this step's phi
        for i in range(n):
            phi = 1.0 / (1.0 + math.exp(-beta * (v[i] - v_th[i])))
            lam = a_r * phi + a_d
            s_inf = a_r * phi / lam
            s[i] = s_inf + (s[i] - s_inf) * math.exp(-lam * dt_s)
            # calcium events: regular (an accumulator crossing 1) or Poisson (Bernoulli per step)
            fire = False
            if poisson:
                fire = uniforms[t, i] < rate_max * phi * dt_s
            else:
                acc[i] += rate_max * phi * dt_s
                if acc[i] >= 1.0:
                    acc[i] -= 1.0
                    fire = True
            if fire:
                if n_out < out_step.shape[0]:
                    out_step[n_out] = step
                    out_neu[n_out] = i
                n_out += 1
            if noise_sd_fa > 0.0:
                noise[i] = noise[i] * noise_decay + noise_sd_fa * noise_in * draws[t, i]
        # implicit Euler: (C/dt + G_c + Σ G^s s + L) V = C/dt V + G_c E + Σ G^s s E + I
        for i in range(n):
            d = c_dt + g_leak + gap_deg[i]
            b = c_dt * v[i] + g_leak * e_leak + cur[i] + noise[i]
            for k in range(syn_ptr[i], syn_ptr[i + 1]):
                gs = syn_g[k] * s[syn_pre[k]]
                d += gs
                b += gs * syn_e[k]
            diag[i] = d
            rhs[i] = b
        # conjugate gradients, Jacobi preconditioner, warm start at v
        _matvec(v, diag, gap_ptr, gap_nb, gap_g, ap)
        bnorm = 0.0
        for i in range(n):
            r[i] = rhs[i] - ap[i]
            bnorm += rhs[i] * rhs[i]
        for i in range(n):
            z[i] = r[i] / diag[i]
            pdir[i] = z[i]
        rz = 0.0
        for i in range(n):
            rz += r[i] * z[i]
        tol2 = cg_tol * cg_tol * bnorm
        for _ in range(200):
            rr = 0.0
            for i in range(n):
                rr += r[i] * r[i]
            if rr <= tol2:
                break
            cg_iters[0] += 1
            _matvec(pdir, diag, gap_ptr, gap_nb, gap_g, ap)
            pap = 0.0
            for i in range(n):
                pap += pdir[i] * ap[i]
            alpha = rz / pap
            for i in range(n):
                v[i] += alpha * pdir[i]
                r[i] -= alpha * ap[i]
                z[i] = r[i] / diag[i]
            rz_new = 0.0
            for i in range(n):
                rz_new += r[i] * z[i]
            beta_cg = rz_new / rz
            rz = rz_new
            for i in range(n):
                pdir[i] = z[i] + beta_cg * pdir[i]
        if rec_every > 0 and (t + 1) % rec_every == 0:
            row = (t + 1) // rec_every - 1
            for i in range(n):
                rec_v[row, i] = v[i]
                rec_s[row, i] = s[i]
    return n_out if n_out <= out_step.shape[0] else -1


@dataclass(frozen=True)
class GradedTrace:
    """A graded run sampled every ``sample_ms``: ``t_ms`` (T,), ``v_mv`` and ``s`` (T, N), ``events``."""

    t_ms: np.ndarray
    v_mv: np.ndarray
    s: np.ndarray
    events: object


def _prepare(connectome, p, inputs, seed, duration_ms, i_ext_pa):
    """(n_steps, switch events (step int64, neuron int32, delta fA float64) sorted, ext fA)."""

    if not is_whole(seed) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, not {seed!r}")
    n_steps = check_duration(duration_ms, p.dt_ms)
    n = connectome.n_neurons
    if isinstance(inputs, PoissonInput):
        inputs = (inputs,)
    steps, neurons, delta = [], [], []
    for k, inp in enumerate(inputs or ()):
        if not isinstance(inp, PoissonInput):
            raise ConfigError(f"inputs[{k}] is a {type(inp).__name__}, not a PoissonInput")
        lo = round(inp.start_ms / p.dt_ms)
        hi = n_steps if inp.stop_ms is None else min(n_steps, round(inp.stop_ms / p.dt_ms))
        if hi <= lo or inp.rate_hz == 0:
            continue
        pos = resolve_neurons(connectome, inp.neurons, seed=int(seed)).astype(np.int32)
        amp = p.c_pf * float(inp.weight_mv) * float(inp.rate_hz)  # fA
        steps += [np.full(len(pos), lo), np.full(len(pos), hi)]
        neurons += [pos, pos]
        delta += [np.full(len(pos), amp), np.full(len(pos), -amp)]
    ext = np.zeros(n) if i_ext_pa is None else np.broadcast_to(np.asarray(i_ext_pa, np.float64), (n,)).copy()
    if not np.isfinite(ext).all():
        raise NonFiniteError("i_ext_pa holds NaN or inf")
    if steps:
        st = np.concatenate(steps).astype(np.int64)
        order = np.argsort(st, kind="stable")
        ev = (st[order], np.concatenate(neurons)[order], np.concatenate(delta)[order])
    else:
        ev = (np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0))
    return n_steps, ev, ext * 1000.0


def _chunks(net: GradedNetwork, duration_ms, chunk_ms, inputs, seed, i_ext_pa, sample_every, threshold):
    """Yield (events Spikes of the chunk, start_step, sampled v, sampled s) chunk by chunk."""

    if threshold not in THRESHOLDS:
        raise ConfigError(f"unknown threshold {threshold!r}; valid: {', '.join(THRESHOLDS)}",
                          "'rest': V^th = equilibrium without input; 'input': under the constant i_ext_pa")
    p, arr, n = net.params, net.arrays, net.n_neurons
    n_steps, (sw_step, sw_neu, sw_delta), cur = _prepare(net.connectome, p, inputs, seed, duration_ms, i_ext_pa)
    v_th = arr.v_th if threshold == "rest" or not cur.any() else _equilibrium(arr, p, cur)
    v = arr.v_th.copy()  # every run starts at the equilibrium without input
    s = np.full(n, p.s_rest)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 7]))
    noise = rng.standard_normal(n) * p.noise_pa * 1000.0
    acc = rng.random(n)  # phases of the regular event readout
    gap_deg = np.bincount(np.repeat(np.arange(n), np.diff(arr.gap_ptr)), weights=arr.gap_g, minlength=n)
    cg_iters = np.zeros(1, np.int64)
    chunk = max(1, round(chunk_ms / p.dt_ms)) if chunk_ms else n_steps
    if sample_every:
        chunk = max(sample_every, chunk - chunk % sample_every)
    dt_s = p.dt_ms / 1000.0
    decay = math.exp(-p.dt_ms / p.noise_tau_ms)
    mean = n * chunk * p.event_rate_max_hz * dt_s  # events per chunk at most (every φ = 1)
    cap = int(mean + 12.0 * math.sqrt(mean) + 64)
    out_step, out_neu = np.empty(cap, np.int64), np.empty(cap, np.int32)
    for lo in range(0, n_steps, chunk):
        hi = min(n_steps, lo + chunk)
        a, b = np.searchsorted(sw_step, [lo, hi])
        k = (hi - lo) // sample_every if sample_every else 0
        rec_v, rec_s = np.empty((k, n)), np.empty((k, n))
        draws = rng.standard_normal((hi - lo, n)) if p.noise_pa > 0 else np.zeros((0, n))
        uniforms = rng.random((hi - lo, n)) if p.poisson_events else np.zeros((0, n))
        m = _run_block(v, s, noise, acc, uniforms, p.poisson_events, arr.syn_ptr, arr.syn_pre, arr.syn_g, arr.syn_e, arr.gap_ptr,
                       arr.gap_nb, arr.gap_g, gap_deg, v_th, sw_step[a:b], sw_neu[a:b], sw_delta[a:b], cur,
                       draws, cg_iters, hi - lo, lo, p.c_pf, p.g_leak_ps, p.e_leak_mv, p.rise_per_s,
                       p.decay_per_s, p.beta_per_mv, dt_s, p.noise_pa * 1000.0, decay, p.event_rate_max_hz,
                       p.cg_tol, sample_every or 0, rec_v, rec_s, out_step, out_neu)
        if m < 0:  # more than 12 standard deviations above the largest possible mean
            raise RuntimeError("graded event buffer overflow")
        if not np.isfinite(v).all():
            raise NonFiniteError("the graded network diverged (V is not finite)",
                                 "lower the input currents or the integration step dt_ms")
        sp = Spikes(out_step[:m] - lo, out_neu[:m].copy(), n, p.dt_ms, (hi - lo) * p.dt_ms,
                    {"model": "graded-kunert", "seed": int(seed), "start_step": lo, "start_ms": lo * p.dt_ms,
                     "cg_iterations": int(cg_iters[0])})
        yield sp, lo, rec_v, rec_s


def simulate_graded_chunks(network, duration_ms: float, chunk_ms: float, *, params: GradedParams | None = None,
                           inputs=(), seed: int = 0, i_ext_pa=None, threshold: str = "rest") -> Iterator:
    """Run the graded model and yield its calcium events chunk by chunk (continuous state).

    network: a ``GradedNetwork`` (``build_graded_network``; ``params`` then None or equal to its
      own) or a Connectome (chemical synapses with signed weights; gap junctions optional),
      prepared with ``params`` (default: the published values).
    inputs: ``PoissonInput`` objects, applied as their mean current C · weight_mv · rate_hz.
    i_ext_pa: constant injected current, scalar or float (N,) (pA).
    threshold: "rest" (default): V^th = the equilibrium without input; "input": V^th = the
      equilibrium under ``i_ext_pa`` (Kunert et al.'s construction, which the paper's induced
      oscillations need; module docstring). ConfigError for other values.
    Yields ``Spikes`` (the events; steps from the chunk's start, ``attrs["start_step"]``).
    Same seed, same result. Raises NonFiniteError if V diverges.
    """
    net = _network(network, params)
    for sp, _, _, _ in _chunks(net, duration_ms, chunk_ms, inputs, seed, i_ext_pa, 0, threshold):
        yield sp


def simulate_graded(network, duration_ms: float, *, params: GradedParams | None = None, inputs=(),
                    seed: int = 0, i_ext_pa=None, sample_ms: float | None = None,
                    threshold: str = "rest") -> GradedTrace:
    """Run the graded model; V and s sampled every ``sample_ms`` (default: every step).

    Returns a GradedTrace: ``t_ms`` (T,) the end of each sample, ``v_mv`` and ``s`` float64
    (T, N), ``events`` the calcium events of the whole run (``Spikes``). Arguments as
    ``simulate_graded_chunks``. The run starts at the equilibrium without input (V = V^eq,
    s = s_rest), which is V^th when ``threshold="rest"``.
    """
    net = _network(network, params)
    p = net.params
    every = 1 if sample_ms is None else max(1, round(sample_ms / p.dt_ms))
    vs, ss, st, ne = [], [], [], []
    n_steps = 0
    for sp, lo, rv, rs in _chunks(net, duration_ms, 5_000 * p.dt_ms, inputs, seed, i_ext_pa, every, threshold):
        vs.append(rv)
        ss.append(rs)
        st.append(sp.steps + lo)
        ne.append(sp.neurons)
        n_steps = lo + sp.n_steps
    v = np.concatenate(vs)
    t_ms = (np.arange(1, len(v) + 1) * every) * p.dt_ms
    events = Spikes(np.concatenate(st), np.concatenate(ne), net.n_neurons, p.dt_ms, n_steps * p.dt_ms,
                    {"model": "graded-kunert", "seed": int(seed)})
    return GradedTrace(t_ms, v, np.concatenate(ss), events)
