"""Screens of many experiments (silence each, stimulate each, parameter grids) as Dask tasks.

An ``Experiment`` is one simulation setting; ``run_experiments`` runs each of them for
``n_trials`` trials (through ``run_trials``, trial k with seed + k) as one task on a Dask
cluster and gathers the firing rates into one tidy ``xarray.Dataset`` (experiment × neuron).
Each worker loads the connectome and builds the network once (a worker-local cache keyed by
the network source and the parameters) and reuses it for every task it runs; silencing a
neuron zeroes its outgoing weights in a worker-local copy for the task and restores them after.
The result equals running the same experiments one by one with ``simulate``.
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path

import numpy as np

from neurocast._dask import dask_client
from neurocast._files import atomic_path
from neurocast._numbers import is_whole
from neurocast._progress import progress as progress_bar
from neurocast.connectome import Connectome, load_connectome
from neurocast.errors import ConfigError, unknown_name
from neurocast.sim._experiments import run_trials
from neurocast.sim._network import (
    Network,
    build_network,
    check_disjoint,
    check_duration,
    check_signed,
)
from neurocast.sim._params import ShiuParams

__all__ = ["SWEEP_KINDS", "Experiment", "check_experiments", "each_experiments", "grid_experiments",
           "run_experiments", "save_sweep"]

SWEEP_KINDS = ("silence:each", "stimulate:each")
POSITIONS_LISTED = 10_000  # attrs list up to this many driven / silenced positions, else count them


@dataclass(frozen=True)
class Experiment:
    """One simulation setting of a screen.

    label: short text naming it (e.g. "silence DNa02"). stimulate, silence: neuron positions
    (int tuples; silence adds to the network's base silencing). changes: ShiuParams changes as
    (name, value) pairs (e.g. (("w_syn_mv", 0.3),)); "rate_hz" is the drive's rate.
    kind, target, param, value: what is varied, for the coordinates of the result
    (target: the position varied by silence:each / stimulate:each, else -1).
    """

    label: str
    stimulate: tuple[int, ...] = ()
    silence: tuple[int, ...] = ()
    changes: tuple[tuple[str, float], ...] = ()
    kind: str = "base"
    target: int = -1
    param: str = ""
    value: float = float("nan")

    def __post_init__(self):
        names = ShiuParams.__dataclass_fields__
        for name, _ in self.changes:
            if name not in names:
                raise unknown_name("model parameter", name, names)


def each_experiments(connectome, kind: str, neurons: np.ndarray, *,
                     stimulate: np.ndarray = ()) -> list[Experiment]:
    """One experiment per neuron of ``neurons`` (positions): kind "silence:each" silences it
    (while ``stimulate`` is driven), "stimulate:each" drives it (together with ``stimulate``)."""
    if kind not in SWEEP_KINDS:
        raise unknown_name("sweep", kind, SWEEP_KINDS)
    neurons = np.asarray(neurons, dtype=np.int64)
    if len(neurons) == 0:
        raise ConfigError(f"--sweep {kind} needs neurons", "name them with --of NAMES or --of random:K")
    base = tuple(int(i) for i in np.asarray(stimulate, dtype=np.int64))
    names = connectome.names
    out = []
    for i in neurons.tolist():
        if kind == "silence:each":
            out.append(Experiment(f"silence {names[i]}", stimulate=base, silence=(i,),
                                  kind=kind, target=i))
        else:
            drive = tuple(sorted(set(base) | {i}))
            out.append(Experiment(f"stimulate {names[i]}", stimulate=drive, kind=kind, target=i))
    return out


def grid_experiments(param: str, values, *, stimulate: np.ndarray = ()) -> list[Experiment]:
    """One experiment per value of a ShiuParams field (e.g. "w_syn_mv", or "rate_hz" for the
    drive's rate), each driving ``stimulate``."""
    values = [float(v) for v in values]
    if not values:
        raise ConfigError(f"the grid of {param} has no value", f"e.g. --sweep {param}=0.2,0.3")
    base = tuple(int(i) for i in np.asarray(stimulate, dtype=np.int64))
    return [Experiment(f"{param}={v:g}", stimulate=base, changes=((param, v),), kind="grid",
                       param=param, value=v) for v in values]


# ---------------------------------------------------------------------------- on the workers
@dataclass
class _WorkerNetwork:
    """A worker's network: built once, with a private weight copy for silencing experiments."""

    net: Network
    weight: np.ndarray = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        self.weight = self.net.weight.copy()


_NETWORKS: OrderedDict[tuple, _WorkerNetwork] = OrderedDict()
_NETWORKS_LOCK = threading.Lock()
_NETWORKS_KEPT = 2  # networks a worker keeps (least recently used dropped): bounded memory


def _worker_network(key: str, source, params: ShiuParams, silence: tuple[int, ...]) -> _WorkerNetwork:
    """The cached network of (key, params, base silencing), loaded and built on first use.

    key names the connectome: its built-in name or path, or a token of a scattered
    Connectome's content. source: that name/path or the Connectome itself.
    """
    cache_key = (key, params, silence)
    with _NETWORKS_LOCK:
        if cache_key not in _NETWORKS:
            con = source if isinstance(source, Connectome) else load_connectome(source)
            net = build_network(con, params, silence=np.array(silence, np.int64))
            _NETWORKS[cache_key] = _WorkerNetwork(net)
            while len(_NETWORKS) > _NETWORKS_KEPT:
                _NETWORKS.popitem(last=False)
        _NETWORKS.move_to_end(cache_key)
        return _NETWORKS[cache_key]


def cached_networks() -> list[str]:
    """On a worker (``client.run(cached_networks)``): the connectome keys of its cached networks."""
    with _NETWORKS_LOCK:
        return [k[0] for k in _NETWORKS]


def clear_cached_networks() -> None:
    """On a worker (``client.run(clear_cached_networks)``): drop its cached networks."""
    with _NETWORKS_LOCK:
        _NETWORKS.clear()


def _experiment_counts(key: str, source, params: ShiuParams, base_silence: tuple[int, ...], exp: Experiment,
                       duration_ms: float, n_trials: int, seed: int, mode: str):
    """Run one experiment's trials; returns (positions int32, spike counts int32 summed over
    trials) of the neurons that spiked, and the run time in seconds."""
    t0 = time.perf_counter()
    wn = _worker_network(key, source, params, base_silence)
    base = wn.net
    changes = dict(exp.changes)
    rate = changes.pop("rate_hz", None)
    with wn.lock:  # the weight copy is shared by the tasks of this worker's threads
        extra = np.setdiff1d(np.asarray(exp.silence, np.int64), base.silenced)
        ranges = [(int(base.indptr[i]), int(base.indptr[i + 1])) for i in extra]
        for lo, hi in ranges:
            wn.weight[lo:hi] = 0.0
        try:
            net = Network(base.connectome, base.indptr, base.indices, wn.weight,
                          base.params.replace(**changes) if changes else base.params,
                          np.union1d(base.silenced, extra), base.neuron_params, base.delay_steps)
            # one thread per task: the workers' tasks already use the cores (same spikes)
            trials = run_trials(net, duration_ms, n_trials, seed=seed, n_jobs=1, threads=1,
                                stimulate=np.asarray(exp.stimulate, np.int64), rate_hz=rate, mode=mode)
        finally:
            for lo, hi in ranges:
                wn.weight[lo:hi] = base.weight[lo:hi]
    counts = np.zeros(base.n_neurons, np.int64)
    for s in trials:
        counts += s.counts()
    pos = np.flatnonzero(counts).astype(np.int32)
    return pos, counts[pos].astype(np.int32), time.perf_counter() - t0


# ---------------------------------------------------------------------------- on the client
def check_experiments(connectome, experiments: list[Experiment], *, params: ShiuParams | None = None,
                      silence=()) -> None:
    """Refuse, before anything runs, an experiment that cannot run: a position outside the
    network, a driven neuron that is silenced (by the experiment or by ``silence``, positions
    silenced in every experiment), or a parameter change that ``params`` (default: published)
    does not accept, or a connectome without signs (``check_signed``). ``run_experiments``
    calls it; the command line calls it before it starts a cluster. Raises ConfigError naming
    the experiment."""
    params = ShiuParams() if params is None else params
    check_signed(connectome)
    n = connectome.n_neurons
    base_silence = tuple(int(i) for i in np.asarray(silence, np.int64))
    base, checked = set(base_silence), set()  # each distinct parameter change validated once
    for exp in experiments:
        for i in (*exp.stimulate, *exp.silence):
            if not 0 <= i < n:
                raise ConfigError(f"experiment {exp.label!r} names position {i}, outside 0..{n - 1}")
        driven = set(exp.stimulate)
        if driven & base or driven.intersection(exp.silence):  # the message names the neurons
            check_disjoint(connectome, exp.stimulate, (*exp.silence, *base_silence),
                           f"experiment {exp.label!r} drives a silenced neuron: leave the driven "
                           "(--stimulate) neurons out of --of for silence:each, the silenced "
                           "(--silence) ones for stimulate:each")
        if exp.changes not in checked:
            params.replace(**dict(exp.changes))
            checked.add(exp.changes)


def run_experiments(network, experiments: list[Experiment], duration_ms: float, *,
                    params: ShiuParams | None = None, silence=(), n_trials: int = 1, seed: int = 0,
                    mode: str = "fast", client=None, scheduler: str | None = None,
                    n_workers: int = 2, progress: bool = False):
    """Run every experiment (``n_trials`` trials each) as a task on a Dask cluster.

    network: a built-in connectome name or a connectome file path (each worker loads it), or
      a Connectome (sent to the workers once). params: ShiuParams (default: published).
    silence: positions silenced in every experiment. Trial k of every experiment uses seed
      ``seed + k`` (common random numbers, as ``sweep``).
    client: a ``distributed.Client`` to use; else ``scheduler`` (an address) or a new
      LocalCluster of ``n_workers`` processes.
    Returns an xarray.Dataset with ``rate_hz`` float32 (experiment, neuron), the mean rate over
    trials (Hz), ``n_spikes`` int64 (experiment,), coordinates ``label``, ``kind``, ``target``
    (neuron position or -1), ``param``, ``value`` per experiment and ``neuron`` (names), and
    attrs network, duration_ms, n_trials, seed, mode, model, stimulated (positions driven in
    every experiment; a stimulate:each experiment drives its ``target`` too), rate_hz (the
    drive's rate, Hz, unless a rate_hz grid sets it: then ``value``), silenced (``silence``;
    positions are listed up to 10,000, else counted, as in a spike file's attrs), task_s
    (summed worker time, s), wall_s (s). Identical to calling ``simulate`` experiment by
    experiment. Raises ConfigError for an experiment that cannot run (``check_experiments``)
    before a cluster is used.
    """

    if not experiments:
        raise ConfigError("no experiments to run")
    if not is_whole(n_trials) or n_trials < 1:
        raise ConfigError(f"n_trials must be a positive integer, not {n_trials!r}")
    if not is_whole(seed) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, not {seed!r}")
    params = ShiuParams() if params is None else params
    check_duration(duration_ms, params.dt_ms)
    con = network if isinstance(network, Connectome) else load_connectome(network)
    n = con.n_neurons
    base_silence = tuple(int(i) for i in np.unique(np.asarray(silence, np.int64)))
    check_experiments(con, experiments, params=params, silence=base_silence)  # here, not on a worker
    t0 = time.perf_counter()
    counts = np.zeros((len(experiments), n), np.int32)  # spikes per neuron, summed over trials
    task_s = 0.0
    given = contextlib.nullcontext(client) if client is not None else None
    with given or dask_client(scheduler, n_workers=n_workers) as cl:
        from distributed import as_completed  # heavy optional dependency

        if isinstance(network, Connectome):
            from dask.base import tokenize

            # a fresh key per call: re-scattering under a shared content-hash key races the
            # release of the previous call's copy ("lost dependencies"); workers cache networks
            # by the content token instead, so a repeated connectome is still built once
            source = cl.scatter(con, broadcast=True, hash=False)
            key = "Connectome-" + tokenize(con.neurons, con.indptr, con.indices, con.count, con.weight,
                                             con.gap_indptr, con.gap_indices, con.gap_count)
        else:
            source = key = str(network)
        futures = {cl.submit(_experiment_counts, key, source, params, base_silence, exp, float(duration_ms),
                             int(n_trials), int(seed), mode, pure=False): k
                   for k, exp in enumerate(experiments)}
        with progress_bar(total=len(futures) if progress else 0, desc="experiments",
                          unit="exp") as bar:
            for fut in as_completed(futures):
                pos, cnt, secs = fut.result()
                counts[futures[fut], pos] = cnt
                task_s += secs
                bar.update(1)
    return _result(con, experiments, counts, float(duration_ms), int(n_trials), int(seed), mode,
                   params, base_silence, task_s, time.perf_counter() - t0)


def _positions_attr(positions: np.ndarray) -> list[int] | int:
    """Neuron positions as a spike file's attrs record them: the list, or its length if it
    holds more than POSITIONS_LISTED."""
    return positions.tolist() if len(positions) <= POSITIONS_LISTED else len(positions)


def _result(con, experiments, counts, duration_ms, n_trials, seed, mode, params, base_silence,
            task_s, wall_s):
    """The tidy Dataset of a screen (see ``run_experiments``)."""
    # xarray: only for a screen's results (the sim layer does not need it otherwise)
    import xarray as xr

    rates = np.empty(counts.shape, np.float32)
    for a in range(0, len(rates), 256):  # in blocks: no float64 copy of the whole screen
        rates[a:a + 256] = counts[a:a + 256] / (n_trials * duration_ms / 1000.0)
    coords = {
        "experiment": np.arange(len(experiments)),
        "label": ("experiment", [e.label for e in experiments]),
        "kind": ("experiment", [e.kind for e in experiments]),
        "target": ("experiment", np.array([e.target for e in experiments], np.int64)),
        "param": ("experiment", [e.param for e in experiments]),
        "value": ("experiment", np.array([e.value for e in experiments], np.float64)),
        "neuron": np.asarray(con.names).astype(str),
    }
    driven = reduce(np.intersect1d, (np.asarray(e.stimulate, np.int64) for e in experiments))
    attrs = {"network": getattr(con, "name", "") or "", "duration_ms": duration_ms,
             "n_trials": n_trials, "seed": seed, "mode": mode, "model": params.preset_name(),
             "stimulated": _positions_attr(driven), "rate_hz": float(params.rate_hz),
             "silenced": _positions_attr(np.asarray(base_silence, np.int64)),
             "task_s": round(task_s, 6), "wall_s": round(wall_s, 6)}
    return xr.Dataset({"rate_hz": (("experiment", "neuron"), rates),
                       "n_spikes": ("experiment", counts.sum(axis=1, dtype=np.int64))}, coords=coords, attrs=attrs)


def save_sweep(ds, path):
    """Write a screen's Dataset (``run_experiments``) as a zarr store, atomically. Returns the path."""

    path = Path(path)
    strings = {name: (var.dims, var.values.astype(object)) for name, var in ds.variables.items()
               if var.dtype.kind == "U"}  # as object arrays: zarr v3's 'string' type
    ds = ds.assign_coords({k: v for k, v in strings.items() if k in ds.coords})
    ds = ds.assign({k: v for k, v in strings.items() if k not in ds.coords})
    with atomic_path(path) as tmp, warnings.catch_warnings():
        # consolidated metadata (so plain xarray.open_zarr opens it silently); zarr notes that
        # it is not yet part of the v3 spec, which xarray and zarr read all the same
        warnings.filterwarnings("ignore", message=r"Consolidated metadata is currently not part")
        ds.to_zarr(tmp, mode="w", zarr_format=3, consolidated=True)
    return path
