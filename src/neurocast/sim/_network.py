"""Network (a Connectome prepared for simulation), neuron selection and input descriptions."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from neurocast._numbers import is_finite_real, is_real
from neurocast._selection import flag_mask, glob_mask, is_pattern, series_values
from neurocast.connectome import BUILTINS, Connectome, load_connectome
from neurocast.errors import ConfigError, NonFiniteError, UnknownNameError, unknown_name
from neurocast.sim._params import ShiuParams, is_whole_steps

__all__ = ["NEURON_PARAMS", "Network", "PoissonInput", "build_network", "check_disjoint",
           "random_pick", "resolve_neurons"]

NeuronSelection = str | int | Iterable | np.ndarray | None
# the most steps one run may take: 3.2 years simulated at 0.1 ms, hours of wall time even when
# nothing spikes (~20 ns a step); a larger request is a mistake, refused without probing
MAX_STEPS = 10**12


def random_pick(connectome, text: str, what: str = "selection") -> int | None:
    """K of a random pick written ``random:K`` (lowercase 'random:' and a whole number), else
    None: the text is a name. Raises ConfigError for K outside 1..N, and for a neuron named
    like a pick (which of the two is meant is unclear). ``what`` names the option in messages."""
    found = re.fullmatch(r"random:([0-9]+)", text)
    if found is None:
        return None
    named = connectome.positions_named(text)
    if len(named):
        nid = connectome.ids[named[0]]
        raise ConfigError(f"{what} {text!r} is a random pick and the name of the neuron with id {nid}",
                          f"give that neuron by its id ({nid}; in Python also as a list, "
                          f"[{text!r}]), or rename it")
    k, n = int(found[1]), connectome.n_neurons
    if not 1 <= k <= n:
        raise ConfigError(f"{what} random:{k} " + ("picks no neuron" if k == 0 else
                          f"asks for more neurons than the network has ({n})"),
                          f"use random:K with 1 <= K <= {n}")
    return k


def check_disjoint(connectome, driven, silenced, hint: str) -> None:
    """Refuse neurons (positions) both driven and silenced: a silenced neuron still fires when
    driven, but reaches no other neuron. ConfigError naming them, with ``hint``."""
    both = np.intersect1d(np.asarray(driven, np.int64), np.asarray(silenced, np.int64))
    if len(both):
        names = ", ".join(str(connectome.names[i]) for i in both[:5]) + (", ..." if len(both) > 5 else "")
        raise ConfigError(f"{len(both)} neuron(s) both driven and silenced: {names}; a silenced "
                          "neuron still fires when driven, but reaches no other neuron", hint)


def resolve_neurons(connectome, neurons: NeuronSelection, *, seed: int = 0) -> np.ndarray:
    """Neuron positions (sorted unique int64 array) from a user selection.

    neurons may be:
      - None or an empty sequence: no neurons;
      - a name or id, or a list of names/ids (strings match names first, then ids;
        Python ints are ids) — unknown ones raise UnknownNameError listing near matches;
      - a name pattern, alone or in a list: a string holding ``*``, ``?`` or ``[`` that is no
        neuron's exact name or id is matched fnmatch-style against the names, case included
        (``"ASH*"``, ``"AVA[LR]"``, as a stimulus plan's ``Drive``); one that matches nothing
        raises UnknownNameError naming it and close names (``Connectome.index_of``);
      - a NumPy integer array: neuron *positions* 0..N-1;
      - a boolean mask with one flag per neuron: a NumPy bool array, a pandas Series or Index
        of bool dtype, a list or tuple of bools (``flag_mask``). A Series is matched to the
        neurons by its index: the default 0..N-1 (``connectome.neurons``' own) in order, or the
        neuron names; any other index is refused (``series_values``). A lone True/False, and
        flags mixed with names or ids, are refused: a flag is never the id 1 or 0;
      - the string ``"random:K"`` (exactly so, 1 <= K <= N; ``random_pick``): K distinct
        neurons drawn with ``seed``. Any other string, and "random:K" inside a list, is a name.
    """
    n = connectome.n_neurons
    if neurons is None:
        return np.zeros(0, dtype=np.int64)
    if isinstance(neurons, str) and (k := random_pick(connectome, neurons)) is not None:
        rng = np.random.default_rng([int(seed), 0x5E1EC7])
        return np.sort(rng.choice(n, size=k, replace=False)).astype(np.int64)
    if (mask := flag_mask(connectome, neurons)) is not None:
        return np.flatnonzero(mask).astype(np.int64)
    if isinstance(neurons, np.ndarray):
        if neurons.dtype.kind in "iu":
            pos = neurons.astype(np.int64).ravel()
            if len(pos) and (pos.min() < 0 or pos.max() >= n):
                bad = pos[(pos < 0) | (pos >= n)][0]
                raise ConfigError(f"neuron position {bad} is outside 0..{n - 1}",
                                  "NumPy integer arrays are positions; pass names or Python ints for ids")
            return np.unique(pos)
        if neurons.dtype.kind in "OU":
            neurons = neurons.tolist()
        else:
            raise ConfigError(f"cannot select neurons from an array of dtype {neurons.dtype}",
                              "pass names, ids, integer positions or a boolean mask")
    if isinstance(neurons, (str, int, np.integer)):
        neurons = [neurons]
    neurons = list(neurons)
    if not neurons:
        return np.zeros(0, dtype=np.int64)
    if (mask := flag_mask(connectome, neurons)) is not None:  # flags from an iterable or object array
        return np.flatnonzero(mask).astype(np.int64)
    try:
        return np.unique(connectome.index_of(neurons))
    except UnknownNameError:
        names = connectome.names
        _check_absent_here(connectome, [n for n in neurons if isinstance(n, str) and not (
            is_pattern(n) and not len(connectome.positions_named(n)) and glob_mask(names, n).any())])
        raise


def _check_absent_here(connectome, names: list[str]) -> None:
    """For a built-in connectome: raise UnknownNameError saying that the names it lacks are
    neurons of its sibling built-ins (same species prefix, e.g. celegans-witvliet2021, a brain
    volume, lacks PLML, which celegans-cook2019 has), if each of them is; else return, and the
    caller's near-match error stands. A name unknown to all of them is reported first, with its
    near matches (``index_of``)."""
    here = getattr(connectome, "name", "") or ""
    if here not in BUILTINS:
        return
    missing = [n for n in dict.fromkeys(names) if not len(connectome.positions_named(n))]
    family = here.split("-")[0]
    siblings = [load_connectome(b) for b in BUILTINS if b != here and b.split("-")[0] == family]
    if not missing or not siblings:
        return
    holders = {n: [s.name for s in siblings if len(s.positions_named(n))] for n in missing}
    typos = [n for n in missing if not holders[n]]
    if typos:
        connectome.index_of(typos[:1])  # raises UnknownNameError with the near matches
    where = [s.name for s in siblings if all(s.name in holders[n] for n in missing)]
    shown = ", ".join(map(repr, missing[:5])) + (", ..." if len(missing) > 5 else "")
    they = "it is a neuron" if len(missing) == 1 else "they are neurons"
    raise UnknownNameError(
        f"{here} has no neuron {shown}: {they} of " + (", ".join(where) or "its sibling connectomes")
        + ", not of this one",
        f"choose neurons that {here} has, or use " + (where[0] if where else "another connectome"))


@dataclass(frozen=True, eq=False)
class Network:
    """A connectome ready to simulate: synapse arrays plus model parameters.

    indptr  int64 (N + 1,): CSR row pointers by presynaptic neuron (shared with the connectome).
    indices int32 (E,): postsynaptic positions.
    weight  float32 (E,): signed synapse count; rows of silenced neurons are zero. The jump of g
            is ``params.w_syn_mv × weight`` mV, so changing parameters never touches these arrays.
    params: ShiuParams.
    connectome: the source Connectome (names, ids, neuron table).
    silenced: int64 positions whose outgoing weights are zero.
    neuron_params: per-neuron overrides {name: float64 (N,)} of v_rest_mv, v_threshold_mv,
      v_reset_mv, refractory_ms and i_ext_mv (see ``build_network``); empty for the preset.
    delay_steps: None (every connection has ``params.delay_ms``) or int32 (E,) per-connection
      delays in steps of the build-time dt_ms; rows are then ordered by delay.

    Use ``build_network`` to make one and ``with_params`` to change parameters cheaply.
    """

    connectome: object
    indptr: np.ndarray
    indices: np.ndarray
    weight: np.ndarray
    params: ShiuParams
    silenced: np.ndarray
    neuron_params: dict = field(default_factory=dict)
    delay_steps: np.ndarray | None = None

    def delay_segments(self) -> tuple[np.ndarray, int, int]:
        """(seg int64 (N, K + 1), dmin, dmax): connections of neuron i with delay dmin + k steps
        are seg[i, k]:seg[i, k + 1]. One range per neuron for a homogeneous delay."""
        if self.delay_steps is None:
            d = self.params.delay_steps
            return self._rows, d, d
        return self._segments

    @cached_property
    def sorted_rows(self) -> bool:
        """Whether the postsynaptic positions ascend within each (neuron, delay) range of
        ``delay_segments`` (always so for ``build_network``: a Connectome's rows are sorted, and
        the reordering by delay is stable). The event-driven engine uses threads only then."""
        seg, _, _ = self.delay_segments()
        down = np.flatnonzero(np.diff(self.indices) < 0) + 1  # positions below their predecessor
        starts = seg[:, :-1].ravel()  # first position of each range (non-decreasing)
        at = np.searchsorted(starts, down)
        return bool(np.all((at < len(starts)) & (starts[np.minimum(at, len(starts) - 1)] == down)))

    @cached_property
    def kept_records(self) -> list:
        """One slot for the simulator's per-neuron parameter records of the last driven set
        (``_simulate._parameter_records``); None until a run fills it."""
        return [None]

    @cached_property
    def _rows(self) -> np.ndarray:
        rows = np.stack([self.indptr[:-1], self.indptr[1:]], axis=1)
        rows.flags.writeable = False
        return rows

    @cached_property
    def _segments(self) -> tuple[np.ndarray, int, int]:
        d = self.delay_steps
        n = self.n_neurons
        if len(d) == 0:
            return np.stack([self.indptr[:-1], self.indptr[1:]], axis=1), 1, 1
        dmin, dmax = int(d.min()), int(d.max())
        k = dmax - dmin + 1
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.indptr))
        counts = np.bincount(rows * k + (d - dmin), minlength=n * k).reshape(n, k)
        seg = np.empty((n, k + 1), dtype=np.int64)
        seg[:, 0] = self.indptr[:-1]
        np.cumsum(counts, axis=1, out=seg[:, 1:])
        seg[:, 1:] += self.indptr[:-1, None]
        return seg, dmin, dmax

    @property
    def n_neurons(self) -> int:
        return len(self.indptr) - 1

    @property
    def n_connections(self) -> int:
        return len(self.indices)

    @property
    def nbytes(self) -> int:
        """Bytes of the synapse arrays (shared arrays counted once)."""
        return int(self.indptr.nbytes + self.indices.nbytes + self.weight.nbytes)

    def with_params(self, params: ShiuParams | None = None, **changes) -> Network:
        """The same network with other parameters (no synapse array is copied).

        Either a full ShiuParams or keyword changes, e.g. ``net.with_params(rate_hz=50)``.
        """
        p = params if params is not None else self.params
        if changes:
            p = p.replace(**changes)
        if not isinstance(p, ShiuParams):
            raise ConfigError(f"params must be a ShiuParams, not {type(p).__name__}")
        if self.delay_steps is not None and p.dt_ms != self.params.dt_ms:
            raise ConfigError("this network has per-connection delays in steps of "
                              f"dt_ms={self.params.dt_ms}; dt_ms cannot change",
                              "build the network again with the new params")
        return Network(self.connectome, self.indptr, self.indices, self.weight, p, self.silenced,
                       self.neuron_params, self.delay_steps)

    def neuron_values(self, name: str) -> np.ndarray:
        """float64 (N,) per-neuron value of v_rest_mv, v_threshold_mv, v_reset_mv,
        refractory_ms or i_ext_mv (the override if given, else the ShiuParams value; i_ext 0)."""
        if name not in NEURON_PARAMS:
            raise unknown_name("per-neuron parameter", name, NEURON_PARAMS)
        if name in self.neuron_params:
            return self.neuron_params[name]
        return np.full(self.n_neurons, 0.0 if name == "i_ext_mv" else getattr(self.params, name))

    def resolve(self, neurons: NeuronSelection, *, seed: int = 0) -> np.ndarray:
        """Positions of a neuron selection; see ``resolve_neurons``."""
        return resolve_neurons(self.connectome, neurons, seed=seed)

    def __repr__(self) -> str:
        return (f"Network({getattr(self.connectome, 'name', '')!r}: {self.n_neurons} neurons, "
                f"{self.n_connections} connections, {len(self.silenced)} silenced)")


NEURON_PARAMS = ("v_rest_mv", "v_threshold_mv", "v_reset_mv", "refractory_ms", "i_ext_mv")


def _check_neuron_params(neuron_params, n: int, params: ShiuParams, connectome=None) -> dict:
    """Validate per-neuron overrides: known names, scalar or shape (N,), finite, consistent.
    A pandas Series is matched to the connectome's neurons by its index (``series_values``)."""

    out = {}
    for name, val in (neuron_params or {}).items():
        if name not in NEURON_PARAMS:
            raise unknown_name("per-neuron parameter", name, NEURON_PARAMS)
        if isinstance(val, pd.Series) and connectome is not None:
            val = series_values(val, connectome, f"per-neuron {name}")
        arr = np.asarray(val, dtype=np.float64)
        if arr.ndim == 0:
            arr = np.full(n, float(arr))
        if arr.shape != (n,):
            raise ConfigError(f"per-neuron {name} must be a number or shape ({n},), not {arr.shape}")
        if not np.isfinite(arr).all():
            raise NonFiniteError(f"per-neuron {name} holds NaN or infinity")
        arr = arr.copy()
        arr.flags.writeable = False
        out[name] = arr
    net = Network(None, np.zeros(n + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32),
                  params, np.zeros(0, np.int64), out)
    rest, thr, reset = (net.neuron_values(k) for k in ("v_rest_mv", "v_threshold_mv", "v_reset_mv"))
    for lo, lo_name in ((rest, "v_rest_mv"), (reset, "v_reset_mv")):
        bad = np.flatnonzero(thr <= lo)
        if len(bad):
            raise ConfigError(f"v_threshold_mv must exceed {lo_name} for every neuron; position {bad[0]} "
                              f"has {thr[bad[0]]} <= {lo[bad[0]]}")
    if np.any(net.neuron_values("refractory_ms") < 0):
        raise ConfigError("per-neuron refractory_ms must be >= 0")
    return out


def refractory_steps(net: Network) -> np.ndarray:
    """Per-neuron refractory period in steps, float64 (N,); ConfigError unless whole steps."""
    ref_ms = net.neuron_values("refractory_ms")
    k = ref_ms / net.params.dt_ms
    bad = np.flatnonzero(np.abs(k - np.round(k)) > 1e-9 * np.maximum(1.0, k))
    if len(bad):
        raise ConfigError(f"dt_ms ({net.params.dt_ms}) does not divide refractory_ms "
                          f"({ref_ms[bad[0]]}) of neuron position {bad[0]}",
                          "use refractory periods that are whole numbers of steps")
    return np.round(k)


def _check_delays(delays_ms, n_conn: int, dt_ms: float) -> np.ndarray:
    """Per-connection delays in ms -> int32 steps; ConfigError unless finite, >= dt, whole steps."""
    d = np.asarray(delays_ms, dtype=np.float64)
    if d.ndim == 0:
        d = np.full(n_conn, float(d))
    if d.shape != (n_conn,):
        raise ConfigError(f"delays_ms must be a number or shape ({n_conn},) (one per connection), "
                          f"not {d.shape}")
    if not np.isfinite(d).all():
        raise NonFiniteError("delays_ms holds NaN or infinity")
    k = d / dt_ms
    steps = np.round(k)
    bad = np.flatnonzero((np.abs(k - steps) > 1e-9 * np.maximum(1.0, k)) | (steps < 1))
    if len(bad):
        raise ConfigError(f"delay {d[bad[0]]} ms of connection {bad[0]} is not a whole number >= 1 "
                          f"of steps of dt_ms={dt_ms}",
                          "round the delays to the time step (and use at least one step)")
    if steps.max(initial=0) > 10_000:
        raise ConfigError(f"delays up to {d.max()} ms ({int(steps.max())} steps) are too long",
                          "use delays of at most 10,000 steps")
    return steps.astype(np.int32)


def check_signed(connectome: Connectome) -> None:
    """ConfigError when every connection has weight 0 (signs unknown: an edge list read without
    its sign or transmitter column), since no spike would then reach another neuron."""
    if connectome.n_connections and not np.any(connectome.weight):
        raise ConfigError(
            f"all {connectome.n_connections:,} connections of '{connectome.name}' have weight 0"
            + ("" if connectome.weighted else " (their signs are unknown)")
            + ", so no spike would reach another neuron",
            "give the signs: a sign column (+1/-1) or a transmitter column (ACh, GABA, "
            "glutamate) in the edge table (--columns ...,sign=COLUMN or transmitter=COLUMN), "
            "or a neuron table with them (--neurons)")


def build_network(connectome, params: ShiuParams | None = None, *,
                  silence: NeuronSelection = None, neuron_params: dict | None = None,
                  delays_ms=None) -> Network:
    """Prepare a Connectome for simulation with the Shiu et al. model.

    connectome: a neurocast Connectome (chemical synapses are used; gap junctions are ignored,
      as in Shiu et al.).
    params: ShiuParams (default: the published values).
    silence: neurons whose outgoing synapses get weight 0 (names, ids, positions; see
      ``resolve_neurons``).
    neuron_params: optional per-neuron overrides, each a number or a float array (N,):
      v_rest_mv, v_threshold_mv, v_reset_mv, refractory_ms, and i_ext_mv — a constant external
      drive in mV of steady-state depolarisation (R·I), i.e. dv/dt = (v_rest + i_ext - v + g)/tau_m.
      The time constants, delay and weights stay global. Not supported by the Brian2 peer.
      A pandas Series is matched to the neurons by its index: the default 0..N-1 in order (as
      ``connectome.neurons`` has), or the neuron names (each once, every neuron); another index
      (ids, some names only) is refused with the fix (``.reindex(connectome.names).to_numpy()``).
    delays_ms: optional per-connection synaptic delays (ms), a number or an array (E,) in the
      connectome's CSR order; whole numbers (>= 1) of steps of ``params.dt_ms``. Replaces
      ``params.delay_ms``; rows are reordered by delay (a copy of indices and weights).
    Returns a Network sharing the connectome's CSR arrays (a copy only when silencing or
    reordering by delay).
    """

    if not isinstance(connectome, Connectome):
        raise ConfigError(f"build_network needs a Connectome, not {type(connectome).__name__}",
                          "load one with neurocast.connectome.load_connectome(NAME_OR_PATH)")
    params = ShiuParams() if params is None else params
    if not isinstance(params, ShiuParams):
        raise ConfigError(f"params must be a ShiuParams, not {type(params).__name__}")
    check_signed(connectome)
    silenced = resolve_neurons(connectome, silence)
    indices, weight, delay_steps = connectome.indices, connectome.weight, None
    if delays_ms is not None:
        delay_steps = _check_delays(delays_ms, connectome.n_connections, params.dt_ms)
        rows = np.repeat(np.arange(connectome.n_neurons), np.diff(connectome.indptr))
        order = np.lexsort((delay_steps, rows))  # by row, then delay (stable)
        indices, weight, delay_steps = indices[order], weight[order], delay_steps[order]
    if len(silenced):
        weight = weight.copy() if delay_steps is None else weight
        mask = np.zeros(connectome.n_neurons, dtype=bool)
        mask[silenced] = True
        weight[np.repeat(mask, np.diff(connectome.indptr))] = 0.0
    for a in (indices, weight, delay_steps):
        if a is not None and a.flags.writeable:
            a.flags.writeable = False
    per_neuron = _check_neuron_params(neuron_params, connectome.n_neurons, params, connectome)
    return Network(connectome, connectome.indptr, indices, weight, params, silenced, per_neuron,
                   delay_steps)


@dataclass(frozen=True, eq=False)
class PoissonInput:
    """Independent Poisson event trains added to ``v`` of some neurons.

    neurons: selection (names, ids, positions; see ``resolve_neurons``), resolved at simulate time.
    rate_hz: events per second per neuron (>= 0, finite; at most one per step).
    weight_mv: jump of v per event (mV; may be negative).
    start_ms, stop_ms: active window [start, stop) in ms; stop None = until the end.
    Each is a number, Python's or NumPy's, stored as a float (as in ShiuParams); text and flags
    (True) are refused.

    Events are a Bernoulli process on the time grid (probability rate·dt per step), the same
    law as Brian2's PoissonInput(N=1). Events reaching a refractory neuron are lost.
    """

    neurons: object
    rate_hz: float
    weight_mv: float
    start_ms: float = 0.0
    stop_ms: float | None = None

    def __post_init__(self):
        for name in ("rate_hz", "weight_mv", "start_ms"):
            val = getattr(self, name)
            if not is_real(val):
                raise ConfigError(f"PoissonInput.{name} must be a number, not {val!r}")
            if not is_finite_real(val):
                raise NonFiniteError(f"PoissonInput.{name} must be finite, not {val}")
            object.__setattr__(self, name, float(val))  # NumPy scalars stored as floats, as in ShiuParams
        if self.rate_hz < 0:
            raise ConfigError(f"PoissonInput.rate_hz must be >= 0, not {self.rate_hz}")
        if self.start_ms < 0:
            raise ConfigError(f"PoissonInput.start_ms must be >= 0, not {self.start_ms}")
        if self.stop_ms is not None:
            if not is_real(self.stop_ms):
                raise ConfigError(f"PoissonInput.stop_ms must be a number or None, not {self.stop_ms!r}")
            if not is_finite_real(self.stop_ms):
                raise NonFiniteError(f"PoissonInput.stop_ms must be finite or None, not {self.stop_ms}")
            object.__setattr__(self, "stop_ms", float(self.stop_ms))
            if self.stop_ms < self.start_ms:
                raise ConfigError(f"PoissonInput.stop_ms ({self.stop_ms}) is before start_ms ({self.start_ms})")


def check_rate(rate_hz, dt_ms: float, what: str = "rate_hz") -> float:
    """Validate a Poisson rate: finite, >= 0, at most one event per step. Returns float."""
    try:
        rate = float(rate_hz)
    except (TypeError, ValueError):
        raise ConfigError(f"{what} must be a number, not {rate_hz!r}") from None
    if not math.isfinite(rate):
        raise NonFiniteError(f"{what} must be finite, not {rate}")
    if rate < 0:
        raise ConfigError(f"{what} must be >= 0, not {rate}", "rates are events per second")
    if rate * dt_ms / 1000.0 > 1.0:
        raise ConfigError(f"{what} ({rate} Hz) exceeds one event per step of {dt_ms} ms",
                          f"use a rate <= {1000.0 / dt_ms:g} Hz")
    return rate


def check_duration(duration, dt_ms: float, *, name: str = "duration_ms", unit_ms: float = 1.0) -> int:
    """Number of steps of ``dt_ms`` in a duration; raises ConfigError unless positive, a whole
    number of steps and at most MAX_STEPS.

    duration: the duration in units of ``unit_ms`` ms (ms by default; the CLI passes seconds,
    ``unit_ms=1000``); name: how the error messages and hints call it (``"--duration"``).
    """
    unit = {1.0: " ms", 1000.0: " s"}.get(unit_ms, f" x {unit_ms:g} ms")
    try:
        d = float(duration)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, not {duration!r}") from None
    if not math.isfinite(d) or d <= 0:
        raise ConfigError(f"{name} must be positive and finite, not {duration}",
                          f"give the simulated time, e.g. {name} {1000 / unit_ms:g} for one second")
    k = d * unit_ms / dt_ms
    if k > MAX_STEPS:
        raise ConfigError(
            f"{name} {d:g}{unit} is {k:.3g} steps of {dt_ms} ms, more than the {MAX_STEPS:.0e} "
            f"steps one run may take ({MAX_STEPS * dt_ms / 1000 / 86400 / 365.25:.3g} years simulated)",
            f"use {name} <= {MAX_STEPS * dt_ms / unit_ms:.3g}")
    if not is_whole_steps(d * unit_ms, dt_ms):
        raise ConfigError(f"{name} {d:g}{unit} is not a whole number of {dt_ms} ms steps",
                          f"e.g. {name} {max(1, round(k)) * dt_ms / unit_ms:g}")
    return round(k)
