"""Evaluate a forecaster on the test sets of a protocol, streaming windows in batches."""

from __future__ import annotations

import numpy as np

from neurocast._progress import progress
from neurocast.bench._metrics import WindowStats
from neurocast.data import segments_for, valid_windows
from neurocast.errors import FormatError, NonFiniteError, unknown_name
from neurocast.models import Forecaster

__all__ = ["batch_windows_for", "evaluate", "score_segment", "valid_runs"]

# Forecast values held in memory per batch (float32): 2**25 values = 128 MiB.
_BATCH_VALUES = 1 << 25
# A model's ``predict_batch`` may raise the batch up to this many times the default (1 GiB).
_MAX_BATCH_FACTOR = 8


def batch_windows_for(horizon: int, n_neurons: int, context: int = 0, model: Forecaster | None = None) -> int:
    """Windows per batch so that a batch of forecasts stays near 128 MiB.

    With ``model``: at least its ``predict_batch`` (the batch it needs to be fast), as long as
    that stays within 8 times the default (1 GiB of forecasts).
    """
    default = max(1, _BATCH_VALUES // max(1, (horizon + context) * n_neurons))
    wanted = None if model is None else model.predict_batch
    if wanted is None or wanted <= default:
        return default
    return min(int(wanted), _MAX_BATCH_FACTOR * default)


def evaluate(model: Forecaster, source, protocol, *, stimulus=None, mask=None,
             groups: np.ndarray | None = None, group_names=("all",), statistics=None,
             conditions=None, batch_windows: int | None = None,
             label: str | None = None, skip_frames: np.ndarray | None = None,
             breaks: np.ndarray | None = None) -> dict[str, WindowStats]:
    """Score a fitted forecaster on the test sets of ``protocol``.

    source: array-like (time, neuron) of traces (numpy or a lazy xarray variable; each test
    range is read once). stimulus: optional (time, covariate) array-like for models that use it.
    mask: optional bool array-like (time, neuron): True where a target value counts.
    groups: optional int (neuron,) group index per neuron, with ``group_names``.
    statistics: names in STATISTICS to gather (default: those of every registered metric).
    conditions: evaluate only these test sets (default all): shards computed separately
    merge into the same scorecard bit for bit.
    batch_windows: windows per predict call (default: ~128 MiB of forecasts, more if the model
    asks for it with ``predict_batch``; ``batch_windows_for``).
    skip_frames: optional bool (time,), True for frames holding NaN/inf: windows whose context
    or target touches one are not predicted and not scored (their rows keep a count of 0 and
    are left out of the means; ``WindowStats.n_scored`` counts the others).
    breaks: optional bool (time,), True at the first frame after a pause in acquisition
    (``data._windows.pause_breaks``): windows across a pause are left out the same way.
    Held-out neurons (``protocol.heldout_neurons``): the model sees their context values as
    zeros (and ``meta.hidden`` marking them), and only their forecasts are scored.
    Returns {condition: WindowStats} in protocol order. Raises FormatError if the forecaster
    returns the wrong shape, NonFiniteError on NaN/inf in counted entries.
    """
    tests = segments_for(source, protocol, "test", stimulus=stimulus)
    if conditions is not None:
        for c in conditions:
            if c not in protocol.conditions:
                raise unknown_name("condition", c, protocol.conditions)
        tests = [s for s in tests if s.condition in conditions]
    n_neurons = int(source.shape[1])
    h = protocol.horizon
    batch = batch_windows or batch_windows_for(h, n_neurons, model=model)
    total = sum(s.n_windows for s in tests)
    out: dict[str, WindowStats] = {}
    with progress(total, f"evaluate {label or model.name}", "window") as bar:
        for seg in tests:
            stats = WindowStats(seg.n_windows, h, group_names, groups, statistics)
            valid = (None if skip_frames is None and breaks is None
                     else valid_windows(seg, skip_frames, breaks))
            score_segment(model, seg, stats, batch, mask=mask, valid=valid, on_batch=bar.update)
            out[seg.condition] = stats
    return out


def score_segment(model: Forecaster, seg, stats: WindowStats, batch: int, *, mask=None,
                  valid: np.ndarray | None = None, on_batch=None) -> None:
    """Add the statistics of the windows of one test segment to ``stats`` (rows 0.., in batches
    of ``batch`` windows; the segment is read once). on_batch(n) is called per batch.

    mask: optional bool (time, neuron) over the whole recording, True where a target counts.
    Held-out neurons (``seg.hidden``) are zeros in the context the model sees, and only they
    are scored. valid: optional bool (n_windows,): False for windows that must not be predicted
    nor scored (they touch a NaN frame or cross a pause); a batch holding such windows is
    predicted run by run of valid ones.
    """
    n_neurons = seg.n_neurons
    data = seg.load()
    target_mask = None if mask is None else seg.target_windows(mask).astype(bool, copy=False)
    if target_mask is not None and target_mask.shape[2:] != (n_neurons,):
        raise FormatError(f"mask has shape {np.shape(mask)} for traces of {n_neurons} neurons",
                          "give a (time, neuron) boolean mask")
    for first, ctx, tgt in seg.windows(data, batch):
        for a, b in valid_runs(valid, first, ctx.shape[0]):
            whole = a == 0 and b == ctx.shape[0]  # the usual case: the batch as it is, no copy
            c = ctx if whole else np.ascontiguousarray(ctx[a:b])
            if seg.hidden is not None:  # held-out neurons: zeros in the context (a copy)
                c = np.where(seg.hidden, np.float32(0.0), c)
            pred = model.predict(c, seg.meta(first + int(a), int(b - a)))
            expected = (int(b - a), seg.horizon, n_neurons)
            if getattr(pred, "shape", None) != expected:
                raise FormatError(
                    f"model {model.name!r} returned forecasts of shape {getattr(pred, 'shape', None)}, "
                    f"expected (batch, horizon, neuron) = {expected}",
                    "predict must return one frame per step ahead for every neuron",
                )
            sub_mask = None if target_mask is None else target_mask[first + a:first + b]
            t = tgt if whole else tgt[a:b]
            if seg.hidden is not None:  # ... and only they are scored
                scored = np.broadcast_to(seg.hidden, t.shape)
                sub_mask = scored if sub_mask is None else sub_mask & scored
            try:
                stats.add(first + int(a), pred, t, mask=sub_mask)
            except NonFiniteError as err:  # NaN among the forecasts or targets: name the model
                raise NonFiniteError(f"model {model.name!r}, condition {seg.condition!r}: "
                                     f"{err.message}", err.hint) from None
        if on_batch is not None:
            on_batch(ctx.shape[0])


def valid_runs(valid: np.ndarray | None, first: int, n: int) -> list[tuple[int, int]]:
    """The runs [a, b) of valid windows among windows first..first+n-1 of a batch (positions in
    the batch): [(0, n)] when ``valid`` (bool (n_windows,) of the segment) is None."""
    if valid is None:
        return [(0, n)]
    change = np.diff(np.concatenate([[0], valid[first:first + n].astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(change == 1).tolist(), np.flatnonzero(change == -1).tolist(),
                    strict=True))
