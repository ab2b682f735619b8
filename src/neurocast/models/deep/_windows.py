"""Training windows streamed from lazily read segments, in a seeded order.

A ``WindowStream`` serves the stride-1 windows (C + H frames) of a list of segments:

* If all their frames fit ``budget_bytes``, they are read once, concatenated into one
  (frames, neuron) array and kept ("resident"); every epoch visits all windows of all segments
  in one random permutation (ZAPBench's full shuffle).
* Otherwise each segment is cut into blocks of contiguous frames of about half the budget,
  overlapping by C + H − 1 frames so that every window lies in exactly one block; an epoch
  reads the blocks in random order and visits the windows of each block in random order.
  Each frame is then read about once per epoch (not C + H times, as reading every window
  separately from the store would), and memory stays within the budget.

Frames are checked for NaN/inf when read: a non-finite frame raises NonFiniteError naming
the split and condition. Only the frames of the given segments are ever read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from neurocast.data import Segment
from neurocast.errors import FormatError, NonFiniteError

__all__ = ["WindowStream"]


@dataclass(frozen=True)
class _Block:
    """Pieces (segment index, first frame, stop frame) read and concatenated into one array.

    starts: first frame (within the concatenated array) of every window of the block.
    """

    pieces: tuple[tuple[int, int, int], ...]
    starts: np.ndarray


class WindowStream:
    """The windows of ``segments`` (all with the same C, H and neurons) for training or validation.

    budget_bytes: memory allowed for frames held at once (traces and stimulus, float32).
    what: 'train' or 'val', for messages. with_stimulus: also serve the stimulus covariates
    (segments must have them).
    """

    def __init__(self, segments: Sequence[Segment], *, budget_bytes: float, what: str,
                 with_stimulus: bool = False):
        segs = [s for s in segments if s.n_windows > 0]
        if not segs:
            raise FormatError(f"no {what} windows: every {what} range is shorter than C + H frames",
                              "use a shorter --context/--horizon or longer conditions")
        self.segments = segs
        self.what = what
        self.context, self.horizon = segs[0].context, segs[0].horizon
        self.n_neurons = segs[0].n_neurons
        self.with_stimulus = with_stimulus
        if with_stimulus and any(s.stimulus is None for s in segs):
            raise FormatError("this model needs stimulus covariates; the dataset has none",
                              "use a dataset with a 'stimulus' variable, or another model")
        self.n_covariates = int(segs[0].stimulus.shape[1]) if with_stimulus else 0
        length = self.context + self.horizon
        frame_bytes = 4 * (self.n_neurons + self.n_covariates)
        total = sum(s.n_frames for s in segs) * frame_bytes
        self.resident = total <= budget_bytes
        if self.resident:
            pieces, starts, offset = [], [], 0
            for i, s in enumerate(segs):
                pieces.append((i, 0, s.n_frames))
                starts.append(offset + np.arange(s.n_windows, dtype=np.int64))
                offset += s.n_frames
            self.blocks = [_Block(tuple(pieces), np.concatenate(starts))]
        else:
            frames = max(length + 63, int(budget_bytes // 2 // frame_bytes))
            self.blocks = []
            for i, s in enumerate(segs):
                for lo in range(0, s.n_windows, frames - length + 1):
                    hi = min(s.n_frames, lo + frames)
                    self.blocks.append(_Block(((i, lo, hi),), np.arange(hi - lo - length + 1)))
        self._kept: dict[int, tuple] = {}

    @property
    def n_windows(self) -> int:
        return int(sum(b.starts.size for b in self.blocks))

    def load(self, index: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Frames (frames, neuron) and stimulus (frames, covariate) or None of block ``index``.

        Resident blocks are read once and kept. Raises NonFiniteError on NaN/inf.
        """
        if index in self._kept:
            return self._kept[index]
        traces, stims = [], []
        for seg_i, lo, hi in self.blocks[index].pieces:
            seg = self.segments[seg_i]
            part = np.asarray(seg.source[seg.start + lo:seg.start + hi], dtype=np.float32)
            if not np.isfinite(part).all():
                raise NonFiniteError(
                    f"the {self.what} frames of condition {seg.condition!r} (frames "
                    f"{seg.start + lo}..{seg.start + hi - 1}) hold NaN or inf",
                    "training needs finite train and val frames (val drives early stopping); "
                    "fill or drop them first",
                )
            traces.append(part)
            if self.with_stimulus:
                stims.append(np.asarray(seg.stimulus[seg.start + lo:seg.start + hi], dtype=np.float32))
        out = (np.ascontiguousarray(np.concatenate(traces)),
               np.ascontiguousarray(np.concatenate(stims)) if stims else None)
        if self.resident:
            self._kept[index] = out
        return out

    def batches(self, batch_size: int, rng: np.random.Generator | None = None,
                ) -> Iterator[tuple[int, np.ndarray]]:
        """(block index, window starts within the block) per batch, for one epoch.

        rng: shuffle blocks and windows (and drop each block's last incomplete batch, so
        every step sees ``batch_size`` windows); None: every window in order, last batch short.
        """
        order = range(len(self.blocks)) if rng is None else rng.permutation(len(self.blocks))
        for b in order:
            starts = self.blocks[b].starts
            if rng is not None:
                starts = rng.permutation(starts)
                stop = starts.size - starts.size % batch_size
            else:
                stop = starts.size
            for lo in range(0, stop, batch_size):
                yield int(b), starts[lo:lo + batch_size]
