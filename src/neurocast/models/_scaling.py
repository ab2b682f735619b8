"""One global affine map of the traces, for models whose fit depends on the traces' scale.

The learned models (initial weights, AdamW's step size, early stopping's absolute
``min_delta``) and the connectome-linear ridge (one penalty for trace and stimulus features)
are tuned for ΔF/F, whose values sit within a few units of zero. Real files also hold raw
fluorescence (hundreds to thousands of counts on a baseline), ΔF/F in percent, or volts. A model
fitted on traces far from ΔF/F's scale first maps them to z = (x − offset) / scale with the
mean and standard deviation of its train frames, and maps its forecasts back; traces already on
that scale (|mean| ≤ 1 and 0.01 ≤ s.d. ≤ 10: ΔF/F, z-scored BOLD, ZAPBench's traces) are used
as they are, so the models stay as published on them. Scores are always in the data's units.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neurocast.data import Segment

__all__ = ["TraceScale"]

#: Traces with |mean| at most this and a standard deviation in this range are used as they are.
DFF_MEAN_MAX = 1.0
DFF_STD_RANGE = (0.01, 10.0)
#: Values read to measure the train frames (every neuron): 128 MB as float64, about twice that
#: at the peak of the measurement; in this many runs of consecutive frames when there are more.
_SAMPLE_VALUES = 2**24
_SAMPLE_RUNS = 8


@dataclass(frozen=True)
class TraceScale:
    """z = (x − offset) / scale, the traces as a model sees them; identity by default."""

    offset: float = 0.0
    scale: float = 1.0

    @property
    def identity(self) -> bool:
        return self.offset == 0.0 and self.scale == 1.0

    @classmethod
    def of(cls, segments: Sequence[Segment]) -> TraceScale:
        """The map for models fitted on ``segments`` (train frames): identity on ΔF/F's scale,
        else their mean and s.d. Measured on every frame if they hold at most 2**24 values,
        else on ``_SAMPLE_RUNS`` runs of consecutive frames spread evenly over them (runs, not
        every k-th frame: a pattern with period k would be missed, and a store chunked along
        time is read only where the runs are)."""
        segments = [s for s in segments if s.n_frames > 0]
        if not segments:
            return cls()
        total = sum(s.n_frames for s in segments)
        run = max(1, min(total, _SAMPLE_VALUES // segments[0].n_neurons) // _SAMPLE_RUNS)
        if run * _SAMPLE_RUNS >= total:
            picks = [(s, s.start, s.stop) for s in segments]
        else:  # run starts evenly spaced over the segments' frames laid end to end
            ends = np.cumsum([s.n_frames for s in segments])
            picks = []
            for first in np.linspace(0, total - run, _SAMPLE_RUNS).astype(np.int64):
                k = int(np.searchsorted(ends, first, side="right"))
                seg = segments[k]
                lo = seg.start + int(first - (ends[k] - seg.n_frames))
                picks.append((seg, lo, min(seg.stop, lo + run)))
        x = np.concatenate([np.asarray(seg.source[lo:hi], np.float64).ravel()
                            for seg, lo, hi in picks])
        x = x[np.isfinite(x)]
        if not x.size:
            return cls()
        mean, std = float(x.mean()), float(x.std())
        if abs(mean) <= DFF_MEAN_MAX and DFF_STD_RANGE[0] <= std <= DFF_STD_RANGE[1]:
            return cls()
        return cls(float(mean), std if std > 0 else 1.0)

    def to_model(self, x: np.ndarray) -> np.ndarray:
        """Traces (any shape) in the data's units → the model's, float32."""
        if self.identity:
            return x
        return ((np.asarray(x, np.float64) - self.offset) / self.scale).astype(np.float32)

    def to_data(self, z: np.ndarray) -> np.ndarray:
        """Forecasts in the model's units → the data's, float32."""
        if self.identity:
            return z
        return (np.asarray(z, np.float64) * self.scale + self.offset).astype(np.float32)

    def segments(self, segments: Sequence[Segment]) -> list[Segment]:
        """The segments with their frames read through ``to_model`` (lazily, as they are read)."""
        if self.identity:
            return list(segments)
        return [dataclasses.replace(s, source=_Scaled(s.source, self)) for s in segments]

    def as_dict(self) -> dict:
        return {"offset": self.offset, "scale": self.scale}


class _Scaled:
    """A (time, neuron) array-like read through ``TraceScale.to_model``, float32.

    Indexing is lazy, as the source's own: ``scaled[key]`` is the source's ``[key]``, still
    unread; ``np.asarray`` reads it and maps it. So ``Segment.load``'s frames then neuron chunk
    read only that chunk of a lazily read store (linear streams over neuron chunks).
    """

    def __init__(self, source, scale: TraceScale):
        self.source, self.map = source, scale
        self.shape = tuple(source.shape)
        self.ndim = len(self.shape)
        self.dtype = np.dtype(np.float32)

    def __getitem__(self, key):
        return _Scaled(self.source[key], self.map)

    def __array__(self, dtype=None, copy=None):
        z = self.map.to_model(np.asarray(self.source))
        return z if dtype is None else z.astype(dtype, copy=False)
