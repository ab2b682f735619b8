"""Evaluation on a Dask cluster: test windows in chunks, each a task reading only its frames.

The fitted forecasters are sent to the workers once; every task opens the dataset store lazily
(cached per worker), reads the frames of one chunk of windows of one test set — of the scored
neurons only, when some are left out (dead or constant channels, neurons holding NaN) — scores
them with ``score_segment`` (the in-memory code path) and returns those windows' rows of the
additive statistics. The rows are disjoint, so the gathered ``WindowStats`` — and the scorecard —
are identical bit for bit to the in-memory evaluation: each model predicts in its in-memory
batches, and chunks are whole multiples of every model's batch, so every ``predict`` call sees
the same windows.
Memory per task is one chunk of frames plus one batch of forecasts, whatever the dataset size.
"""

from __future__ import annotations

import math
import threading
from dataclasses import replace

import numpy as np
import pandas as pd

from neurocast._numbers import is_whole
from neurocast._progress import progress as progress_bar
from neurocast.bench._evaluate import batch_windows_for, score_segment
from neurocast.bench._metrics import WindowStats
from neurocast.data import Protocol, as_str, open_dataset, segments_for, valid_windows
from neurocast.errors import ConfigError

__all__ = ["DEFAULT_CHUNK_BATCHES", "check_cluster_run", "evaluate_on_cluster"]

#: windows per task, in in-memory batches (a batch is ~128 MiB of forecasts).
DEFAULT_CHUNK_BATCHES = 4
#: chunks are whole batches of every model only while that is at most this many of the largest
#: batch (batches of 31 and 32 windows would need chunks of 992); beyond, whole largest batches
MAX_LCM_BATCHES = 8

_DATASETS: dict[str, object] = {}
_DATASETS_LOCK = threading.Lock()


def _worker_dataset(path: str):
    """The lazily opened dataset of ``path`` on this worker (opened once; the client checked it)."""
    with _DATASETS_LOCK:
        if path not in _DATASETS:
            _DATASETS.clear()  # one dataset at a time per worker
            _DATASETS[path] = open_dataset(path, allow_nan=True)
        return _DATASETS[path]


def _scored_traces(ds, neurons: np.ndarray | None):
    """The traces of the scored neurons, lazily: every neuron (``neurons`` None) or the store's
    neurons at positions ``neurons`` (int), selected as ``run_benchmark`` selects them, so that
    held-out neurons, groups and forecasts line up with the in-memory evaluation."""
    return ds["traces"] if neurons is None else ds["traces"].isel(neuron=neurons)


def _score_chunk(models: dict, path: str, protocol: Protocol, condition: str, w0: int, w1: int,
                 batches: dict, groups, group_names, statistics, valid=None, neurons=None):
    """Statistics rows [w0, w1) of one test set for every model: {model: (sums, count)}.
    batches: {model: windows per predict call}.
    valid: None, or bool (w1 - w0,): the windows scored (the others touch a NaN frame or cross
    a pause, and are neither read into a forecast nor scored). neurons: None (every neuron of
    the store) or int (kept,): the columns read, forecast and scored."""
    ds = _worker_dataset(path)
    stimulus = ds["stimulus"] if "stimulus" in ds else None  # as run_benchmark
    traces = _scored_traces(ds, neurons)
    (seg,) = [s for s in segments_for(traces, protocol, "test", stimulus=stimulus)
              if s.condition == condition]
    h = protocol.horizon
    # the windows w0..w1-1 of the test set: frames start + w0 .. start + w1 - 1 + C + H
    sub = replace(seg, start=seg.start + w0, stop=seg.start + w1 - 1 + seg.context + h)
    out = {}
    for name, model in models.items():
        stats = WindowStats(w1 - w0, h, group_names, groups, statistics)
        score_segment(model, sub, stats, batches[name], valid=valid)
        out[name] = (stats.sums, stats.count)
    return out


def check_cluster_run(path, *, mask=None, cv_folds: int = 0) -> None:
    """Raise ConfigError, before anything is fitted, naming what of a benchmark run the Dask
    evaluation does not support: a dataset not stored on disk (``path`` None: the workers read
    the store), a mask and folds. NaN skipping, pauses and neurons left out of scoring (dead or
    constant channels, neurons holding NaN) are supported (``evaluate_on_cluster(...,
    skip_frames=, breaks=, neurons=)``)."""
    needs, fixes = [], []
    if path is None:
        needs.append("a dataset stored on disk (this one is in memory)")
        fixes.append("open the dataset from its store")
    if mask is not None:
        needs.append("no mask")
        fixes.append("leave out the mask")
    if cv_folds:
        needs.append("no folds")
        fixes.append("leave out --folds")
    if needs:
        listed = needs[0] if len(needs) == 1 else f"{', '.join(needs[:-1])} and {needs[-1]}"
        raise ConfigError(f"evaluation on a Dask cluster needs {listed}", f"{'; '.join(fixes)}; "
                          "or score in memory (leave out --dask and --scheduler)")


def _kept_neurons(neurons, names: np.ndarray) -> np.ndarray | None:
    """``neurons`` (None, neuron names, int positions or a bool (neuron,) mask of the store's
    neurons ``names``) as None (every neuron, in store order) or int64 (kept,) store positions
    without repeats, in the order given. Raises ConfigError otherwise."""
    if neurons is None:
        return None
    arr = np.asarray(neurons)
    n = names.size
    if arr.ndim != 1 or arr.size == 0:
        raise ConfigError(f"neurons must list at least one neuron, not an array shaped {arr.shape}",
                          "e.g. neurons=np.flatnonzero(keep)")
    if arr.dtype.kind in "UOST":
        arr = as_str(arr)
        pos = pd.Index(names).get_indexer(arr)
        if (pos < 0).any():
            missing = arr[pos < 0]
            raise ConfigError(f"{missing.size} of the scored neurons are not in the store (e.g. "
                              f"{', '.join(missing[:3])})", "score the neurons of the store the "
                              "workers read (open the dataset from it)")
        arr = pos
    elif arr.dtype == bool:
        if arr.shape != (n,):
            raise ConfigError(f"neurons is a bool array of shape {arr.shape}, the store holds "
                              f"{n} neurons", f"give a bool array of shape ({n},)")
        arr = np.flatnonzero(arr)
    elif not np.issubdtype(arr.dtype, np.integer):
        raise ConfigError(f"neurons must be names, int positions or a bool mask, not {arr.dtype}",
                          "e.g. neurons=np.flatnonzero(keep)")
    arr = arr.astype(np.int64)
    if arr.size == 0:
        raise ConfigError("neurons selects no neuron", "keep at least one neuron")
    if arr.min() < 0 or arr.max() >= n or np.unique(arr).size != arr.size:
        raise ConfigError(f"neurons must be positions in 0..{n - 1} without repeats",
                          "e.g. neurons=np.flatnonzero(keep)")
    return None if np.array_equal(arr, np.arange(n)) else arr


def evaluate_on_cluster(models: dict, path, protocol: Protocol, *, client, groups=None,
                        group_names=("all",), statistics=None, batch_windows: int | None = None,
                        chunk_windows: int | None = None, progress: bool = True,
                        skip_frames: np.ndarray | None = None, breaks: np.ndarray | None = None,
                        neurons: np.ndarray | None = None) -> dict[str, dict[str, WindowStats]]:
    """Score fitted forecasters on every test set of ``protocol`` with Dask tasks.

    models: {name: fitted Forecaster}. path: the dataset store (readable by every worker).
    client: a ``distributed.Client``. groups/group_names/statistics: as ``evaluate``.
    batch_windows: windows per predict call (default: each model's as ``evaluate`` chooses it,
    ~128 MiB of forecasts or the model's ``predict_batch``).
    chunk_windows: windows per task, rounded up to whole batches of every model (default 4
    batches of the largest; when the least common multiple of the batches exceeds
    ``MAX_LCM_BATCHES`` largest batches, to whole largest batches: a model of another batch then
    predicts some windows in smaller calls, which changes a forecast only in its last bits if
    at all).
    skip_frames: optional bool (time,), True for frames holding NaN/inf (among the scored
    neurons); breaks: optional bool (time,), True at the first frame after a pause in
    acquisition: the windows touching a skipped frame or crossing a pause are not predicted nor
    scored (as ``evaluate(..., skip_frames=, breaks=)``; their rows keep a count of 0).
    neurons: the neurons scored, in the order the models forecast them: None for every neuron
    of the store, else their names (the store's ``neuron`` coordinate), int positions in the
    store or a bool (neuron,) mask (e.g. ``run_benchmark`` passes the names of the neurons it
    kept: dead/constant channels and neurons holding NaN left out). The models must forecast
    exactly these columns (fitted on the same traces), and ``groups`` and the held-out neurons
    (``protocol.heldout_neurons``) are over them; each task reads only their columns.
    Returns {model: {condition: WindowStats}} equal bit for bit to ``evaluate`` per model, on
    the store's traces of ``neurons``. Raises ConfigError for bad ``neurons``, ``groups`` of
    another length or a bad ``chunk_windows``.
    """

    ds = open_dataset(path, allow_nan=True)
    neurons = _kept_neurons(neurons, as_str(ds["neuron"].values))
    traces = _scored_traces(ds, neurons)
    n_neurons = int(traces.shape[1])
    if groups is not None and np.shape(groups) != (n_neurons,):
        raise ConfigError(f"groups has shape {np.shape(groups)} for {n_neurons} scored neurons",
                          "give one group index per scored neuron")
    h = protocol.horizon
    batches = {name: batch_windows or batch_windows_for(h, n_neurons, model=model)
               for name, model in models.items()}
    largest = max(batches.values(), default=1)
    whole = math.lcm(*batches.values())  # chunks of whole batches of every model ...
    if whole > MAX_LCM_BATCHES * largest:  # ... unless that makes chunks far larger than asked
        whole = largest
    if chunk_windows is not None and not (is_whole(chunk_windows) and chunk_windows >= 1):
        raise ConfigError(f"chunk_windows must be a positive integer, not {chunk_windows!r}")
    if chunk_windows is not None:  # a NumPy integer as a Python int: np.uint64 rounds up wrongly
        chunk_windows = int(chunk_windows)
    target = chunk_windows or DEFAULT_CHUNK_BATCHES * largest
    per = -(-target // whole) * whole
    tests = segments_for(traces, protocol, "test")
    results = {name: {s.condition: WindowStats(s.n_windows, h, group_names, groups, statistics)
                      for s in tests} for name in models}
    shared = client.scatter(dict(models), broadcast=True)
    # the kept positions go to every worker once, not with each task (~8 bytes per neuron)
    kept = None if neurons is None else client.scatter(neurons, broadcast=True)
    futures = {}
    for seg in tests:
        valid = (None if skip_frames is None and breaks is None
                 else valid_windows(seg, skip_frames, breaks))
        for w0 in range(0, seg.n_windows, per):
            w1 = min(seg.n_windows, w0 + per)
            part = None if valid is None or valid[w0:w1].all() else valid[w0:w1]
            fut = client.submit(_score_chunk, shared, str(path), protocol, seg.condition, w0, w1,
                                batches, groups, group_names, statistics, part, kept, pure=False)
            futures[fut] = (seg.condition, w0, w1)
    from distributed import as_completed  # heavy optional dependency

    total = sum(s.n_windows for s in tests) * len(models)
    with progress_bar(total if progress else 0, "evaluate on the cluster", "window") as bar:
        for fut in as_completed(futures):
            condition, w0, w1 = futures[fut]
            for name, (sums, count) in fut.result().items():
                stats = results[name][condition]
                for key, rows in sums.items():
                    stats.sums[key][w0:w1] = rows
                stats.count[w0:w1] = count
            bar.update((w1 - w0) * len(models))
    return results

