"""Evaluation on a Dask cluster: test windows in chunks, each a task reading only its frames.

The fitted forecasters are sent to the workers once; every task opens the dataset store lazily
(cached per worker), reads the frames of one chunk of windows of one test set, scores them with
``score_segment`` (the in-memory code path) and returns those windows' rows of the additive
statistics. The rows are disjoint, so the gathered ``WindowStats`` — and the scorecard — are
identical bit for bit to the in-memory evaluation: chunks are whole multiples of the in-memory
batch and start on its batch boundaries, so every ``predict`` call sees the same windows.
Memory per task is one chunk of frames plus one batch of forecasts, whatever the dataset size.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np

from neurocast._progress import progress as progress_bar
from neurocast.bench._evaluate import batch_windows_for, score_segment
from neurocast.bench._metrics import WindowStats
from neurocast.data import Protocol, open_dataset, segments_for
from neurocast.data._windows import valid_windows
from neurocast.errors import ConfigError

__all__ = ["DEFAULT_CHUNK_BATCHES", "check_cluster_run", "evaluate_on_cluster"]

#: windows per task, in in-memory batches (a batch is ~128 MiB of forecasts).
DEFAULT_CHUNK_BATCHES = 4

_DATASETS: dict[str, object] = {}
_DATASETS_LOCK = threading.Lock()


def _worker_dataset(path: str):
    """The lazily opened dataset of ``path`` on this worker (opened once; the client checked it)."""
    with _DATASETS_LOCK:
        if path not in _DATASETS:
            _DATASETS.clear()  # one dataset at a time per worker
            _DATASETS[path] = open_dataset(path, allow_nan=True)
        return _DATASETS[path]


def _score_chunk(models: dict, path: str, protocol: Protocol, condition: str, w0: int, w1: int,
                 batch: int, groups, group_names, statistics, valid=None):
    """Statistics rows [w0, w1) of one test set for every model: {model: (sums, count)}.
    valid: None, or bool (w1 - w0,): the windows scored (the others touch a NaN frame or cross
    a pause, and are neither read into a forecast nor scored)."""
    ds = _worker_dataset(path)
    stimulus = ds["stimulus"] if "stimulus" in ds else None  # as run_benchmark
    (seg,) = [s for s in segments_for(ds["traces"], protocol, "test", stimulus=stimulus)
              if s.condition == condition]
    h = protocol.horizon
    # the windows w0..w1-1 of the test set: frames start + w0 .. start + w1 - 1 + C + H
    sub = replace(seg, start=seg.start + w0, stop=seg.start + w1 - 1 + seg.context + h)
    out = {}
    for name, model in models.items():
        stats = WindowStats(w1 - w0, h, group_names, groups, statistics)
        score_segment(model, sub, stats, batch, valid=valid)
        out[name] = (stats.sums, stats.count)
    return out


def check_cluster_run(path, *, mask=None, left_out: dict | None = None, cv_folds: int = 0) -> None:
    """Raise ConfigError, before anything is fitted, naming what of a benchmark run the Dask
    evaluation does not support: a dataset not stored on disk (``path`` None: the workers read
    the store), a mask, neurons left out of scoring (``left_out``: {reason: [names]}, reasons
    'constant' and 'nan'; the workers score every neuron of the store) and folds. NaN skipping
    and pauses are supported (``evaluate_on_cluster(..., skip_frames=, breaks=)``)."""
    kinds = {"constant": ("dead/constant channel(s)", "keep the constant channels with "
                          "--keep-constant (not possible for a channel with no value at all)"),
             "nan": ("neuron(s) holding NaN", "skip the NaN windows instead (--nan skip-windows)")}
    needs, fixes = [], []
    if path is None:
        needs.append("a dataset stored on disk (this one is in memory)")
        fixes.append("open the dataset from its store")
    if mask is not None:
        needs.append("no mask")
        fixes.append("leave out the mask")
    left = [(k, len(v)) for k, v in (left_out or {}).items() if len(v)]
    if left:
        needs.append("every neuron scored (left out: "
                     + ", ".join(f"{n} {kinds[k][0]}" for k, n in left) + ")")
        fixes.extend(kinds[k][1] for k, _ in left)
    if cv_folds:
        needs.append("no folds")
        fixes.append("leave out --folds")
    if needs:
        listed = needs[0] if len(needs) == 1 else f"{', '.join(needs[:-1])} and {needs[-1]}"
        raise ConfigError(f"evaluation on a Dask cluster needs {listed}", f"{'; '.join(fixes)}; "
                          "or score in memory (leave out --dask and --scheduler)")


def evaluate_on_cluster(models: dict, path, protocol: Protocol, *, client, groups=None,
                        group_names=("all",), statistics=None, batch_windows: int | None = None,
                        chunk_windows: int | None = None, progress: bool = True,
                        skip_frames: np.ndarray | None = None,
                        breaks: np.ndarray | None = None) -> dict[str, dict[str, WindowStats]]:
    """Score fitted forecasters on every test set of ``protocol`` with Dask tasks.

    models: {name: fitted Forecaster}. path: the dataset store (readable by every worker).
    client: a ``distributed.Client``. groups/group_names/statistics: as ``evaluate``.
    batch_windows: windows per predict call (default: as ``evaluate``, ~128 MiB of forecasts).
    chunk_windows: windows per task, rounded up to whole batches (default 4 batches).
    skip_frames: optional bool (time,), True for frames holding NaN/inf (over the store's
    neurons); breaks: optional bool (time,), True at the first frame after a pause in
    acquisition: the windows touching a skipped frame or crossing a pause are not predicted nor
    scored (as ``evaluate(..., skip_frames=, breaks=)``; their rows keep a count of 0).
    Returns {model: {condition: WindowStats}} equal bit for bit to ``evaluate`` per model.
    """

    ds = open_dataset(path, allow_nan=True)
    n_neurons = int(ds.sizes["neuron"])
    h = protocol.horizon
    batch = batch_windows or batch_windows_for(h, n_neurons)
    if chunk_windows is not None and (isinstance(chunk_windows, bool) or not isinstance(
            chunk_windows, (int, np.integer)) or chunk_windows < 1):
        raise ConfigError(f"chunk_windows must be a positive integer, not {chunk_windows!r}")
    per = -(-(chunk_windows or DEFAULT_CHUNK_BATCHES * batch) // batch) * batch  # whole batches
    tests = segments_for(ds["traces"], protocol, "test")
    results = {name: {s.condition: WindowStats(s.n_windows, h, group_names, groups, statistics)
                      for s in tests} for name in models}
    shared = client.scatter(dict(models), broadcast=True)
    futures = {}
    for seg in tests:
        valid = (None if skip_frames is None and breaks is None
                 else valid_windows(seg, skip_frames, breaks))
        for w0 in range(0, seg.n_windows, per):
            w1 = min(seg.n_windows, w0 + per)
            part = None if valid is None or valid[w0:w1].all() else valid[w0:w1]
            fut = client.submit(_score_chunk, shared, str(path), protocol, seg.condition, w0, w1,
                                batch, groups, group_names, statistics, part, pure=False)
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

