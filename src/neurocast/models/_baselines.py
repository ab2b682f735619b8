"""Baselines with nothing (naive, mean) or little (stimulus) to fit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neurocast.data import DEFAULT_HORIZON, Segment, WindowMeta
from neurocast.errors import ConfigError, FormatError
from neurocast.models._base import Forecaster

__all__ = ["MeanForecaster", "NaiveForecaster", "StimulusConfig", "StimulusForecaster"]


class NaiveForecaster(Forecaster):
    """Persistence: every step ahead repeats the last context frame."""

    name = "naive"
    description = "repeat the last context frame"
    uses_val = False

    def predict(self, context, meta=None):
        """context (batch, C, neuron) → (batch, H, neuron), a broadcast view of the last frame."""
        context = self._check_context(context)
        last = context[:, -1:, :]
        return np.broadcast_to(last, (context.shape[0], self.horizon, context.shape[2]))


class MeanForecaster(Forecaster):
    """Every step ahead is the mean of the context frames (ZAPBench's 'mean' baseline)."""

    name = "mean"
    description = "mean of the context frames"
    uses_val = False

    def predict(self, context, meta=None):
        """context (batch, C, neuron) → (batch, H, neuron), a broadcast view of the context mean."""
        context = self._check_context(context)
        mean = context.mean(axis=1, keepdims=True, dtype=np.float32)
        return np.broadcast_to(mean, (context.shape[0], self.horizon, context.shape[2]))


@dataclass(frozen=True)
class StimulusConfig:
    """Stimulus baseline settings.

    max_period: longest stimulus period (frames) searched for in the covariates.
    min_repeats: the train split must hold at least this many periods to use one.
    """

    max_period: int = 512
    min_repeats: int = 2

    def __post_init__(self):
        if self.max_period < 2:
            raise ConfigError(f"max_period must be at least 2 frames, not {self.max_period}")
        if self.min_repeats < 1:
            raise ConfigError(f"min_repeats must be at least 1, not {self.min_repeats}")


def stimulus_period(stim: np.ndarray | None, max_period: int, min_repeats: int) -> int | None:
    """Smallest P with stim[t] == stim[t + P] for every frame: the stimulus period, or None.

    stim: (time, covariate). None when there are no covariates, the stimulus is constant
    (P would be 1: no structure to average over) or no period repeats ``min_repeats`` times.
    """
    if stim is None or stim.shape[1] == 0:
        return None
    t = stim.shape[0]
    if np.all(stim == stim[:1]):
        return None
    for p in range(2, min(max_period, t // max(min_repeats, 1)) + 1):
        if np.array_equal(stim[p:], stim[:-p]):
            return p
    return None


def stimulus_columns(seg: Segment) -> np.ndarray | None:
    """The segment's stimulus covariates (frame, covariate) without behavioural-state columns.

    Columns named ``state:<name>`` (the animal's arousal or locomotor state, drawn per
    recording) are not part of the presented stimulus and do not repeat with it; they are
    dropped when the covariates carry names (a DataArray with a ``covariate`` coordinate).
    """
    stim = seg.load_stimulus()
    names = getattr(seg.stimulus, "coords", {}).get("covariate") if stim is not None else None
    if names is None:
        return stim
    keep = ~np.char.startswith(np.asarray(names.values).astype(str), "state:")
    return stim[:, keep]


class StimulusForecaster(Forecaster):
    """ZAPBench's stimulus baseline: the mean response over the stimulus repeats of each
    condition, at the target frame's place in the repeat, learned from the train split only.

    For each training condition the train frames are grouped by their phase within the
    stimulus repeat period (frame-in-condition mod P, with P the period of the condition's
    stimulus covariates, ``state:`` columns left out); the forecast for a target frame is the
    per-neuron mean train response at its phase. Conditions without a repeating stimulus
    (ZAPBench's open loop and dark) use their mean train response; held-out (or unseen)
    conditions use the mean over all train frames. Ignores the context. ZAPBench's released
    array averages over every repeat, test frames included; here the val and test frames are
    never used (no leak).
    It needs the stimulus covariates: segments built without them (``segments_for`` without
    ``stimulus=``) are a ConfigError in ``fit`` and ``predict`` (not a silent per-condition
    mean); a recording with no stimulus has none to give (``run_benchmark`` leaves this model
    out there, with a note). Covariates that do not repeat (constant, or zero columns) give
    the condition's mean train response.
    """

    name = "stimulus"
    description = "mean train response per stimulus phase of the condition"
    uses_val = False

    config_class = StimulusConfig

    def __init__(self, horizon: int = DEFAULT_HORIZON, cfg: StimulusConfig | None = None):
        super().__init__(horizon, cfg)
        self.tables: dict[str, tuple[int, np.ndarray]] = {}  # condition -> (period, (P, neuron))
        self.global_mean: np.ndarray | None = None

    def fit(self, train: Sequence[Segment], val: Sequence[Segment]):
        """Per-phase means of the train frames of each condition (from the train split only).

        A condition may come in several train segments (pieces between NaN gaps, the blocks of
        cross-validation): their frames are pooled by phase; the period is found on the
        condition's longest segment. Raises ConfigError for segments without stimulus covariates.
        """
        if any(seg.stimulus is None for seg in train):
            raise ConfigError("the stimulus baseline averages over the stimulus repeats, and these train "
                              "segments carry no stimulus covariates",
                              "build them with segments_for(traces, protocol, 'train', "
                              "stimulus=ds['stimulus']) (and the test segments likewise); a recording "
                              "without stimulus covariates has none: use another model, e.g. mean")
        by_condition: dict[str, list[Segment]] = {}
        for seg in train:
            by_condition.setdefault(seg.condition, []).append(seg)
        total, frames = None, 0
        for condition, segs in by_condition.items():
            longest = max(segs, key=lambda g: g.n_frames)
            period = stimulus_period(stimulus_columns(longest), self.cfg.max_period, self.cfg.min_repeats)
            p = period or 1
            sums, counts = None, np.zeros((p, 1))
            for seg in segs:
                data = seg.load().astype(np.float64)
                phase = (seg.start - seg.condition_start + np.arange(seg.n_frames)) % p
                part = np.zeros((p, data.shape[1]))
                np.add.at(part, phase, data)  # per-phase sums, vectorised over frames
                sums = part if sums is None else sums + part
                counts[:, 0] += np.bincount(phase, minlength=p)
                frames += seg.n_frames
            self.tables[condition] = (p, (sums / np.maximum(counts, 1)).astype(np.float32))
            total = sums.sum(axis=0) if total is None else total + sums.sum(axis=0)
        if total is None:
            raise FormatError("the stimulus baseline got no train frames",
                              "check that the protocol has training conditions")
        self.global_mean = (total / frames).astype(np.float32)
        self.fitted = {"periods": {c: t[0] for c, t in self.tables.items()}}
        return self

    def predict(self, context, meta: WindowMeta | None = None):
        """context (batch, C, neuron) (unused but for its shape) → (batch, H, neuron).

        meta: the windows' WindowMeta (``Segment.meta``) of segments built with ``stimulus=``;
        without it, or without its covariates, a ConfigError (the place of each target frame in
        the stimulus repeat is then unknown or unchecked).
        """
        context = self._check_context(context)
        if self.global_mean is None:
            raise FormatError("the stimulus baseline must be fitted before predicting",
                              "call fit(train, val) first")
        if meta is None:
            raise ConfigError("the stimulus baseline forecasts each target frame from its place in "
                              "the stimulus repeat, and was given no meta (condition, frame, covariates)",
                              "pass meta=seg.meta(first, n) of segments built with "
                              "segments_for(traces, protocol, 'test', stimulus=ds['stimulus'])")
        if meta.stimulus is None:
            raise ConfigError("the stimulus baseline was asked to forecast windows without stimulus "
                              "covariates (segments built without stimulus=)",
                              "build the segments with segments_for(traces, protocol, 'test', "
                              "stimulus=ds['stimulus'])")
        b, _, n = context.shape
        if meta.condition not in self.tables:
            return np.broadcast_to(self.global_mean, (b, self.horizon, n))
        period, table = self.tables[meta.condition]
        frames = meta.target_frame[:, None] + np.arange(self.horizon)[None, :]
        return table[frames % period]
