"""Stride-1 forecast windows over the splits of a protocol, read lazily (the one place windows are cut).

A ``Segment`` is frames ``[start, stop)`` of one split of one condition (context frames included),
read on demand from an array-like that may be a lazily opened xarray/zarr variable, optionally a
chunk of neurons at a time, so fitting and scoring can stream. Window ``k`` of a segment reads
frames ``[start + k, start + k + C)`` and predicts ``[start + k + C, start + k + C + H)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from neurocast.data.protocol import Protocol, n_windows
from neurocast.errors import FormatError

__all__ = ["Segment", "WindowMeta", "finite_segments", "segments_for", "valid_windows"]


def _window_view(data: np.ndarray, length: int) -> np.ndarray:
    """Every stride-1 window of ``length`` frames of ``data`` (time, ...), a view (W, length, ...)."""
    view = np.lib.stride_tricks.sliding_window_view(data, length, axis=0)  # (W, ..., length)
    return np.moveaxis(view, -1, 1)


@dataclass(frozen=True)
class Segment:
    """Frames ``[start, stop)`` of one split of one condition (context frames included).

    source: array-like shaped (time, neuron) — numpy, or a lazy xarray DataArray; only the
    requested frames are read. stimulus: optional array-like (time, covariate) or None.
    condition_start: first frame of the condition (``start - condition_start`` is the
    frame-in-condition of ``start``). context, horizon: the window shape (C, H).
    """

    source: object
    condition: str
    split: str
    start: int
    stop: int
    condition_start: int
    context: int
    horizon: int
    stimulus: object = None
    heldout: bool = False

    @property
    def n_frames(self) -> int:
        return self.stop - self.start

    @property
    def n_neurons(self) -> int:
        return int(self.source.shape[1])

    @property
    def n_windows(self) -> int:
        return n_windows(self.start, self.stop, self.context, self.horizon)

    def load(self, neurons: slice | np.ndarray = slice(None)) -> np.ndarray:
        """The segment's frames as float32 (time, neuron) — all neurons or a chunk of them."""
        block = self.source[self.start:self.stop]
        if not (isinstance(neurons, slice) and neurons == slice(None)):
            block = block[:, neurons]
        return np.ascontiguousarray(np.asarray(block), dtype=np.float32)

    def load_stimulus(self) -> np.ndarray | None:
        """Stimulus covariates of the segment's frames, (time, covariate) float32, or None."""
        if self.stimulus is None:
            return None
        return np.asarray(self.stimulus[self.start:self.stop], dtype=np.float32)

    def windows(self, data: np.ndarray, batch: int) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Batches of stride-1 windows of loaded ``data`` (time, neuron) of this segment.

        Yields (first_window, context (b, C, neuron), target (b, H, neuron)); both are views.
        """
        c = self.context
        view = _window_view(data, c + self.horizon)  # (W, C+H, neuron)
        for first in range(0, self.n_windows, batch):
            win = view[first:first + batch]
            yield first, win[:, :c], win[:, c:]

    def target_windows(self, values) -> np.ndarray:
        """The target part of every window of a per-frame array (e.g. a bool mask), a view.

        values: array-like (time, neuron) over the whole recording; only this segment's
        frames are read. Returns (n_windows, H, neuron). Raises FormatError on a shape mismatch.
        """
        block = np.asarray(values[self.start:self.stop])
        if block.shape[0] != self.n_frames:
            raise FormatError(f"an array of {block.shape[0]} frames for a segment of {self.n_frames}",
                              "give a (time, neuron) array covering every frame of the dataset")
        return _window_view(block, self.context + self.horizon)[:, self.context:]

    def meta(self, first: int, n: int) -> WindowMeta:
        """WindowMeta of windows first..first+n-1."""
        offset = self.start - self.condition_start + self.context + first
        return WindowMeta(self.condition, offset + np.arange(n, dtype=np.int64), self.heldout)


@dataclass(frozen=True)
class WindowMeta:
    """What is being forecast: the condition and the frame-in-condition of each first target.

    target_frame: shape (batch,), int64, frames counted from the condition's start.
    """

    condition: str
    target_frame: np.ndarray
    heldout: bool = False




def segments_for(source, protocol: Protocol, split: str, *, stimulus=None) -> list[Segment]:
    """The segments of one split ('train', 'val' or 'test') of a protocol over ``source``.

    source: array-like (time, neuron) with at least ``protocol.n_frames`` frames.
    Training splits (train, val) come from training conditions only; test from every condition.
    """
    if source.shape[0] != protocol.n_frames:
        raise FormatError(f"the data has {source.shape[0]} frames, the protocol covers {protocol.n_frames}",
                          "build the protocol from this dataset (protocol_for_dataset)")
    return [
        Segment(source, r.condition, r.split, r.start, r.stop, r.condition_start,
                protocol.context, protocol.horizon, stimulus, r.heldout)
        for r in protocol.splits() if r.split == split
    ]


def valid_windows(seg: Segment, bad_frames: np.ndarray) -> np.ndarray:
    """bool (n_windows,): True for the windows of ``seg`` that touch no bad frame.

    bad_frames: bool (time,) over the whole recording, True where a frame holds NaN/inf.
    Window k reads frames [start + k, start + k + C + H): context and target.
    """
    bad = np.asarray(bad_frames[seg.start:seg.stop], dtype=np.int64)
    length = seg.context + seg.horizon
    if seg.n_windows == 0:
        return np.zeros(0, dtype=bool)
    cum = np.concatenate([[0], np.cumsum(bad)])
    return (cum[length:length + seg.n_windows] - cum[:seg.n_windows]) == 0


def finite_segments(segments: list[Segment], bad_frames: np.ndarray) -> list[Segment]:
    """The segments cut at bad frames (NaN/inf): the runs of clean frames that hold a window.

    Every window of the result is a window of the input that touches no bad frame, and every
    such window is in the result (fitting on the result = leaving out windows that touch a NaN).
    Each piece keeps its condition and ``condition_start`` (frame-in-condition stays right).
    """
    out = []
    for seg in segments:
        bad = np.asarray(bad_frames[seg.start:seg.stop], dtype=bool)
        if not bad.any():
            out.append(seg)
            continue
        change = np.diff(np.concatenate([[1], bad.astype(np.int8), [1]]))
        for a, b in zip(np.flatnonzero(change == -1), np.flatnonzero(change == 1), strict=True):
            piece = dataclasses.replace(seg, start=seg.start + int(a), stop=seg.start + int(b))
            if piece.n_windows > 0:
                out.append(piece)
    return out
