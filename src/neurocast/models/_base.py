"""The forecaster interface and the lazily read data segments models are fitted on.

A ``Forecaster`` has ``fit(train, val)`` and ``predict(context, meta)``:

* ``train`` and ``val`` are sequences of ``Segment``: frames ``[start, stop)`` of one split of
  one condition, read on demand (``load``) from an array-like that may be a lazily opened
  xarray/zarr variable, optionally a chunk of neurons at a time, so fitting can stream.
* ``predict`` maps a context batch shaped (batch, C, neuron) to a forecast shaped
  (batch, H, neuron); ``meta`` says which condition and frames are being forecast (the
  stimulus baseline needs it; others ignore it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from neurocast.data.protocol import ZAPBENCH, n_windows
from neurocast.errors import ConfigError, FormatError

__all__ = ["Forecaster", "Segment", "WindowMeta", "segments_for"]


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
        c, h = self.context, self.horizon
        view = np.lib.stride_tricks.sliding_window_view(data, c + h, axis=0)  # (W, N, C+H)
        view = view.transpose(0, 2, 1)  # (W, C+H, N)
        for first in range(0, self.n_windows, batch):
            win = view[first:first + batch]
            yield first, win[:, :c], win[:, c:]

    def meta(self, first: int, n: int) -> WindowMeta:
        """WindowMeta of windows first..first+n-1 (with the stimulus of their target frames)."""
        offset = self.start - self.condition_start + self.context + first
        future = None
        if self.stimulus is not None:
            lo = self.start + self.context + first
            stim = np.asarray(self.stimulus[lo:lo + n + self.horizon - 1], dtype=np.float32)
            future = np.lib.stride_tricks.sliding_window_view(stim, self.horizon, axis=0)
            future = future.transpose(0, 2, 1)  # (n, H, covariate)
        return WindowMeta(self.condition, offset + np.arange(n, dtype=np.int64), self.heldout, future)


@dataclass(frozen=True)
class WindowMeta:
    """What is being forecast: the condition and the frame-in-condition of each first target.

    target_frame: shape (batch,), int64, frames counted from the condition's start.
    stimulus: the stimulus covariates of the target frames, (batch, H, covariate) float32, or
    None when the dataset has none (models forecasting from future covariates need them).
    """

    condition: str
    target_frame: np.ndarray
    heldout: bool = False
    stimulus: np.ndarray | None = None


class Forecaster:
    """Base class: ``fit(train, val)`` then ``predict(context, meta)``.

    horizon: frames forecast per window (H; default ZAPBench's 32). cfg: the model's settings,
    an instance of ``config_class`` (default: ``config_class()``); models without settings
    have ``config_class = None`` and ``cfg`` None.
    Subclasses set ``name``, ``description`` (and ``config_class``) and override ``predict``
    (and ``fit`` if they learn anything). ``fitted`` (dict) records what was chosen during
    fitting (e.g. the ridge penalty), for the scorecard's provenance.
    """

    name = "forecaster"
    description = ""
    config_class: type | None = None

    def __init__(self, horizon: int = ZAPBENCH.horizon, cfg=None):
        if int(horizon) < 1:
            raise ConfigError(f"horizon must be at least 1 frame, not {horizon}")
        self.horizon = int(horizon)
        if cfg is None:
            cfg = None if self.config_class is None else self.config_class()
        elif self.config_class is None or not isinstance(cfg, self.config_class):
            want = "no settings" if self.config_class is None else f"a {self.config_class.__name__}"
            raise ConfigError(f"model {self.name!r} takes {want}, not a {type(cfg).__name__}")
        self.cfg = cfg
        self.fitted: dict = {}

    def fit(self, train: Sequence[Segment], val: Sequence[Segment]) -> Forecaster:
        """Learn from the train segments, choose hyper-parameters on val. Returns self."""
        return self

    def predict(self, context: np.ndarray, meta: WindowMeta | None = None) -> np.ndarray:
        """Forecast: context (batch, C, neuron) float32 → (batch, H, neuron) float32."""
        raise NotImplementedError

    def config(self) -> dict:
        """The model's configuration as a JSON-ready dict (for provenance)."""
        return {} if self.cfg is None else dict(self.cfg.__dict__)

    @staticmethod
    def _check_context(context: np.ndarray) -> np.ndarray:
        if context.ndim != 3:
            raise FormatError(f"context must be shaped (batch, time, neuron), not {context.shape}")
        return context


def segments_for(source, protocol, split: str, *, stimulus=None) -> list[Segment]:
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
