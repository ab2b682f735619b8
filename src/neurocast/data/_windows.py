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

from neurocast.data._loading import pause_intervals  # the one rule for what a pause is
from neurocast.data.protocol import Protocol, n_windows
from neurocast.errors import FormatError

__all__ = ["Segment", "WindowMeta", "finite_segments", "pause_breaks", "segments_for", "valid_windows"]


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
    hidden: optional bool (neuron,): held-out neurons (``Protocol.heldout_neurons``), recorded in
    the train and val frames but hidden from the context of test windows and the only ones scored.
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
    hidden: np.ndarray | None = None

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
        """WindowMeta of windows first..first+n-1 (with their stimulus covariates, if any)."""
        offset = self.start - self.condition_start + self.context + first
        stim = None
        if self.stimulus is not None:
            lo = self.start + first
            block = np.asarray(self.stimulus[lo:lo + n - 1 + self.context + self.horizon], dtype=np.float32)
            stim = _window_view(block, self.context + self.horizon)
        return WindowMeta(self.condition, offset + np.arange(n, dtype=np.int64), self.heldout, stim,
                          self.hidden)


@dataclass(frozen=True)
class WindowMeta:
    """What is being forecast: the condition and the frame-in-condition of each first target.

    target_frame: shape (batch,), int64, frames counted from the condition's start.
    stimulus: the stimulus covariates over each window's context and target frames,
    (batch, C + H, covariate) float32, or None if the dataset has none (the stimulus plan is
    known in advance, so forecasts may use its future values).
    hidden: bool (neuron,) held-out neurons whose context values are hidden (zeros), or None.
    """

    condition: str
    target_frame: np.ndarray
    heldout: bool = False
    stimulus: np.ndarray | None = None
    hidden: np.ndarray | None = None




def segments_for(source, protocol: Protocol, split: str, *, stimulus=None) -> list[Segment]:
    """The segments of one split ('train', 'val' or 'test') of a protocol over ``source``.

    source: array-like (time, neuron) with at least ``protocol.n_frames`` frames.
    Training splits (train, val) come from training conditions only; test from every condition.
    With ``protocol.heldout_neurons`` every segment carries the held-out neurons (``hidden``).
    """
    if source.shape[0] != protocol.n_frames:
        raise FormatError(f"the data has {source.shape[0]} frames, the protocol covers {protocol.n_frames}",
                          "build the protocol from this dataset (protocol_for_dataset)")
    hidden = protocol.hidden_neurons(int(source.shape[1]))
    return [
        Segment(source, r.condition, r.split, r.start, r.stop, r.condition_start,
                protocol.context, protocol.horizon, stimulus, r.heldout, hidden)
        for r in protocol.splits() if r.split == split
    ]


def pause_breaks(time_s) -> np.ndarray | None:
    """bool (time,): True at the first frame after each pause in acquisition, or None if none.

    time_s: the frame times (s), e.g. a Dataset's ``time``. A pause is a frame interval that
    ``pause_intervals`` calls one (much longer than the intervals around it; the rule of the
    import notes and of ``infer``). Frames ``p`` and ``p + 1`` across a pause are not
    consecutive: no window may hold both (``valid_windows``, ``finite_segments`` cut there).
    Fewer than 3 frames have no pause.
    """
    t = np.asarray(time_s, dtype=np.float64)
    if t.size < 3:
        return None
    paused = pause_intervals(np.diff(t))
    if not paused.any():
        return None
    return np.concatenate([[False], paused])


def _runs(seg: Segment, bad_frames, breaks) -> tuple[np.ndarray, np.ndarray]:
    """(first, stop) int arrays: the runs ``[first, stop)`` (frames counted from ``seg.start``)
    of the segment's frames that are not bad, cut before every break frame.

    bad_frames, breaks: bool (time,) over the whole recording, or None (no such frames).
    The one place where windows are kept from NaN frames and from pauses alike.
    """
    n = seg.n_frames
    if n <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    bad = (np.zeros(n, dtype=bool) if bad_frames is None
           else np.asarray(bad_frames[seg.start:seg.stop], dtype=bool))
    cut = (np.zeros(n, dtype=bool) if breaks is None
           else np.asarray(breaks[seg.start:seg.stop], dtype=bool))
    good = ~bad
    begins = good & (np.concatenate([[True], bad[:-1]]) | cut)
    ends = good & np.concatenate([bad[1:] | cut[1:], [True]])
    return np.flatnonzero(begins), np.flatnonzero(ends) + 1


def valid_windows(seg: Segment, bad_frames: np.ndarray | None = None,
                  breaks: np.ndarray | None = None) -> np.ndarray:
    """bool (n_windows,): True for the windows of ``seg`` that touch no bad frame and cross no
    pause.

    bad_frames: bool (time,) over the whole recording, True where a frame holds NaN/inf, or None.
    breaks: bool (time,) over the whole recording, True at the first frame after a pause in
    acquisition (``pause_breaks``), or None. Window k reads frames [start + k, start + k + C + H):
    context and target; it crosses a pause if a frame other than its first is a break frame
    (the pause lies between frames p and p + 1 with start + k ≤ p < start + k + C + H − 1).
    """
    length = seg.context + seg.horizon
    n = seg.n_windows
    if n == 0:
        return np.zeros(0, dtype=bool)
    first, stop = _runs(seg, bad_frames, breaks)
    hold = stop - first >= length  # the runs long enough for a window
    edges = np.zeros(n + 1, dtype=np.int64)  # +1 where a run's windows begin, -1 past its last
    np.add.at(edges, first[hold], 1)
    np.add.at(edges, stop[hold] - length + 1, -1)
    return np.cumsum(edges[:n]) > 0


def finite_segments(segments: list[Segment], bad_frames: np.ndarray | None = None,
                    breaks: np.ndarray | None = None) -> list[Segment]:
    """The segments cut at bad frames (NaN/inf) and at pauses: the runs of clean, consecutive
    frames that hold a window.

    bad_frames, breaks: as ``valid_windows`` (None: none). A bad frame is left out; a pause cuts
    between its two sides, each frame staying in the piece on its side. Every window of the
    result is a window of the input that touches no bad frame and crosses no pause, and every
    such window is in the result (fitting on the result = leaving out those windows).
    Each piece keeps its condition and ``condition_start`` (frame-in-condition stays right);
    a segment with nothing to cut is returned as it is.
    """
    out = []
    for seg in segments:
        bad = bad_frames is not None and bool(np.any(bad_frames[seg.start:seg.stop]))
        cut = breaks is not None and bool(np.any(breaks[seg.start + 1:seg.stop]))
        if not (bad or cut):
            out.append(seg)
            continue
        for a, b in zip(*_runs(seg, bad_frames, breaks), strict=True):
            piece = dataclasses.replace(seg, start=seg.start + int(a), stop=seg.start + int(b))
            if piece.n_windows > 0:
                out.append(piece)
    return out
