"""Evaluate a forecaster on the test sets of a protocol, streaming windows in batches."""

from __future__ import annotations

import numpy as np

from neurocast._progress import progress
from neurocast.bench._metrics import WindowStats
from neurocast.data import segments_for
from neurocast.data._windows import valid_windows
from neurocast.errors import FormatError, unknown_name
from neurocast.models import Forecaster

__all__ = ["batch_windows_for", "evaluate"]

# Forecast values held in memory per batch (float32): 2**25 values = 128 MiB.
_BATCH_VALUES = 1 << 25


def batch_windows_for(horizon: int, n_neurons: int, context: int = 0) -> int:
    """Windows per batch so that a batch of forecasts stays near 128 MiB."""
    return max(1, _BATCH_VALUES // max(1, (horizon + context) * n_neurons))


def evaluate(model: Forecaster, source, protocol, *, stimulus=None, mask=None,
             groups: np.ndarray | None = None, group_names=("all",), statistics=None,
             conditions=None, batch_windows: int | None = None,
             label: str | None = None, skip_frames: np.ndarray | None = None) -> dict[str, WindowStats]:
    """Score a fitted forecaster on the test sets of ``protocol``.

    source: array-like (time, neuron) of traces (numpy or a lazy xarray variable; each test
    range is read once). stimulus: optional (time, covariate) array-like for models that use it.
    mask: optional bool array-like (time, neuron): True where a target value counts.
    groups: optional int (neuron,) group index per neuron, with ``group_names``.
    statistics: names in STATISTICS to gather (default: those of every registered metric).
    conditions: evaluate only these test sets (default all): shards computed separately
    merge into the same scorecard bit for bit.
    batch_windows: windows per predict call (default: ~128 MiB of forecasts).
    skip_frames: optional bool (time,), True for frames holding NaN/inf: windows whose context
    or target touches one are not predicted and not scored (their rows keep a count of 0 and
    are left out of the means; ``WindowStats.n_scored`` counts the others).
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
    batch = batch_windows or batch_windows_for(h, n_neurons)
    total = sum(s.n_windows for s in tests)
    out: dict[str, WindowStats] = {}
    with progress(total, f"evaluate {label or model.name}", "window") as bar:
        for seg in tests:
            stats = WindowStats(seg.n_windows, h, group_names, groups, statistics)
            data = seg.load()
            target_mask = None if mask is None else seg.target_windows(mask).astype(bool, copy=False)
            if target_mask is not None and target_mask.shape[2:] != (n_neurons,):
                raise FormatError(f"mask has shape {np.shape(mask)} for traces of {n_neurons} neurons",
                                  "give a (time, neuron) boolean mask")
            valid = None if skip_frames is None else valid_windows(seg, skip_frames)
            for first, ctx, tgt in seg.windows(data, batch):
                if valid is not None and not valid[first:first + ctx.shape[0]].all():
                    _add_valid(model, seg, stats, first, ctx, tgt, valid, target_mask, h, bar)
                    continue
                pred = model.predict(ctx, seg.meta(first, ctx.shape[0]))
                expected = (ctx.shape[0], h, n_neurons)
                if getattr(pred, "shape", None) != expected:
                    raise FormatError(
                        f"model {model.name!r} returned forecasts of shape {getattr(pred, 'shape', None)}, "
                        f"expected (batch, horizon, neuron) = {expected}",
                        "predict must return one frame per step ahead for every neuron",
                    )
                sub_mask = None if target_mask is None else target_mask[first:first + ctx.shape[0]]
                stats.add(first, pred, tgt, mask=sub_mask)
                bar.update(ctx.shape[0])
            out[seg.condition] = stats
    return out


def _add_valid(model, seg, stats, first, ctx, tgt, valid, target_mask, h, bar) -> None:
    """Score only the windows of a batch that touch no NaN frame, run by contiguous run."""
    ok = valid[first:first + ctx.shape[0]]
    change = np.diff(np.concatenate([[0], ok.astype(np.int8), [0]]))
    for a, b in zip(np.flatnonzero(change == 1), np.flatnonzero(change == -1), strict=True):
        c = np.ascontiguousarray(ctx[a:b])
        pred = model.predict(c, seg.meta(first + int(a), int(b - a)))
        if getattr(pred, "shape", None) != (b - a, h, ctx.shape[2]):
            raise FormatError(f"model {model.name!r} returned forecasts of shape {getattr(pred, 'shape', None)}",
                              "predict must return one frame per step ahead for every neuron")
        sub_mask = None if target_mask is None else target_mask[first + a:first + b]
        stats.add(first + int(a), pred, tgt[a:b], mask=sub_mask)
    bar.update(ctx.shape[0])
