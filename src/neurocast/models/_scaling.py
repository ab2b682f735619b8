"""A per-neuron affine map of the traces, for models whose fit depends on the traces' units.

The learned models (initial weights, AdamW's step size, early stopping's absolute
``min_delta``) and the ridge models (penalties relative to the features' energy, one penalty
for trace and stimulus features) are tuned for ΔF/F, whose values sit within a few units of
zero with every neuron on one footing. Real files also hold raw fluorescence (each neuron on
its own baseline of hundreds to thousands of counts), ΔF/F in percent, or volts. A model
fitted on traces far from ΔF/F's scale first maps each neuron to z = (x − mean) / s.d. of its
train frames, and maps its forecasts back; traces already on that scale (|mean| ≤ 1 and
0.01 ≤ s.d. ≤ 10 over all neurons: ΔF/F, z-scored BOLD, ZAPBench's traces) are used as they
are, so the models stay as published on them. Scores are always in the data's units.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from neurocast.data import Segment, WindowMeta

__all__ = ["TraceScale"]

#: Traces with |mean| at most this and a standard deviation in this range (over all neurons)
#: are used as they are.
DFF_MEAN_MAX = 1.0
DFF_STD_RANGE = (0.01, 10.0)
#: A neuron's s.d. is taken as at least this share of the median live neuron's: a nearly flat
#: trace is not blown up into unit-variance noise (and a model mixing neurons is not fed its
#: jumps). A trace constant in the train frames gets the median live neuron's s.d.: it is 0 in
#: the model's units there whatever its scale, and a change in later frames (a ROI lost while
#: the model was fitted, found again) reaches the model in a typical neuron's units.
MIN_STD_SHARE = 0.01
#: Values read to measure the train frames (every neuron): 128 MB as float64, about 4.5 times
#: that (0.55 GB, measured at 138,639 neurons) at the peak of the measurement (the NaN-aware
#: per-neuron statistics copy the sample); in this many runs of consecutive frames when there
#: are more.
_SAMPLE_VALUES = 2**24
_SAMPLE_RUNS = 8


class TraceScale:
    """z = (x − offset) / scale per neuron: the traces as a model sees them.

    offset, scale: float64 (neuron,), or both None for the identity (the traces as they are).
    """

    def __init__(self, offset=None, scale=None):
        if (offset is None) != (scale is None):
            raise ValueError("give both offset and scale, or neither")
        self.offset = None if offset is None else np.asarray(offset, np.float64)
        self.scale = None if scale is None else np.asarray(scale, np.float64)

    @property
    def identity(self) -> bool:
        return self.offset is None

    def __eq__(self, other) -> bool:
        if not isinstance(other, TraceScale):
            return NotImplemented
        if self.identity or other.identity:
            return self.identity and other.identity
        return np.array_equal(self.offset, other.offset) and np.array_equal(self.scale, other.scale)

    __hash__ = None

    def __repr__(self) -> str:
        if self.identity:
            return "TraceScale(identity)"
        return (f"TraceScale({self.offset.size} neurons, offset median {np.median(self.offset):g}, "
                f"scale median {np.median(self.scale):g})")

    @classmethod
    def of(cls, segments: Sequence[Segment]) -> TraceScale:
        """The map for models fitted on ``segments`` (train frames): identity on ΔF/F's scale,
        else each neuron's mean and s.d. Measured on every frame if they hold at most 2**24
        values, else on ``_SAMPLE_RUNS`` runs of consecutive frames spread evenly over them
        (runs, not every k-th frame: a pattern with period k would be missed, and a store
        chunked along time is read only where the runs are). NaN/inf are left out; a neuron
        without a finite value gets the mean and s.d. of all."""
        segments = [s for s in segments if s.n_frames > 0]
        if not segments:
            return cls()
        total = sum(s.n_frames for s in segments)
        run = max(1, _SAMPLE_VALUES // segments[0].n_neurons // _SAMPLE_RUNS)
        if total * segments[0].n_neurons <= _SAMPLE_VALUES or run * _SAMPLE_RUNS >= total:
            picks = [(s, s.start, s.stop) for s in segments]
        else:  # run starts evenly spaced over the segments' frames laid end to end
            ends = np.cumsum([s.n_frames for s in segments])
            picks = []
            for first in np.linspace(0, total - run, _SAMPLE_RUNS).astype(np.int64):
                k = int(np.searchsorted(ends, first, side="right"))
                seg = segments[k]
                lo = seg.start + int(first - (ends[k] - seg.n_frames))
                picks.append((seg, lo, min(seg.stop, lo + run)))
        x = np.concatenate([np.asarray(seg.source[lo:hi], np.float64) for seg, lo, hi in picks])
        finite = np.isfinite(x)
        if not finite.any():
            return cls()
        values = x[finite]
        mean, std = float(values.mean()), float(values.std())
        if abs(mean) <= DFF_MEAN_MAX and DFF_STD_RANGE[0] <= std <= DFF_STD_RANGE[1]:
            return cls()
        x[~finite] = np.nan
        seen = finite.any(axis=0)
        offset = np.full(x.shape[1], mean)
        scale = np.full(x.shape[1], std if std > 0 else 1.0)
        offset[seen] = np.nanmean(x[:, seen], axis=0)
        scale[seen] = np.nanstd(x[:, seen], axis=0)
        live = scale[seen & (scale > 0)]
        typical = float(np.median(live)) if live.size else 1.0
        scale = np.where(scale > 0, np.maximum(scale, MIN_STD_SHARE * typical), typical)
        return cls(offset, scale)

    def to_model(self, x: np.ndarray) -> np.ndarray:
        """Traces (..., neuron) in the data's units → the model's, float32."""
        if self.identity:
            return x
        return ((np.asarray(x, np.float64) - self.offset) / self.scale).astype(np.float32)

    def to_data(self, z: np.ndarray) -> np.ndarray:
        """Forecasts (..., neuron) in the model's units → the data's, float32."""
        if self.identity:
            return z
        return (np.asarray(z, np.float64) * self.scale + self.offset).astype(np.float32)

    def context_to_model(self, context: np.ndarray, meta: WindowMeta | None) -> np.ndarray:
        """A forecast context (batch, C, neuron) → the model's units. Held-out neurons
        (``meta.hidden``), zeros in the context the bench gives, stay zeros (their mean), not
        −offset / scale."""
        if self.identity:
            return context
        z = self.to_model(context)
        if meta is not None and meta.hidden is not None:
            z[..., np.asarray(meta.hidden, bool)] = 0.0
        return z

    def segments(self, segments: Sequence[Segment]) -> list[Segment]:
        """The segments with their frames read through ``to_model`` (lazily, as they are read)."""
        if self.identity:
            return list(segments)
        return [dataclasses.replace(s, source=_Scaled(s.source, self)) for s in segments]

    def subset(self, neurons) -> TraceScale:
        """The map of some neurons (an index along ``neuron``: slice, int array, ...)."""
        return self if self.identity else TraceScale(self.offset[neurons], self.scale[neurons])

    def summary(self) -> str:
        """One line for a fitted model's record: 'identity', or what was mapped."""
        if self.identity:
            return "identity (ΔF/F's scale)"
        return (f"per-neuron mean and s.d. of the train frames (medians {np.median(self.offset):.4g} "
                f"and {np.median(self.scale):.4g})")


class _Scaled:
    """A (time, neuron) array-like read through ``TraceScale.to_model``, float32.

    Indexing is lazy, as the source's own: ``scaled[key]`` is the source's ``[key]``, still
    unread, with the map of the neurons it selects; ``np.asarray`` reads it and maps it. So
    ``Segment.load``'s frames then neuron chunk read only that chunk of a lazily read store
    (linear streams over neuron chunks).
    """

    def __init__(self, source, scale: TraceScale):
        self.source, self.map = source, scale
        self.shape = tuple(source.shape)
        self.ndim = len(self.shape)
        self.dtype = np.dtype(np.float32)

    def __getitem__(self, key):
        neurons = key[1] if isinstance(key, tuple) and len(key) > 1 else slice(None)
        return _Scaled(self.source[key], self.map.subset(neurons))

    def __array__(self, dtype=None, copy=None):
        z = self.map.to_model(np.asarray(self.source))
        return z if dtype is None else z.astype(dtype, copy=False)
