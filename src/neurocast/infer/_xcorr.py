"""Spike-count cross-correlograms, for recordings that carry spike counts (private)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocast._numbers import is_whole
from neurocast.errors import ConfigError
from neurocast.infer._activity import Activity, lagged_rows, standardise
from neurocast.infer._linalg import check_dense_fits, gram
from neurocast.infer._registry import InferenceMethod


@dataclass(frozen=True)
class SpikeCrossCorrelogram(InferenceMethod):
    """Spike-count cross-correlograms (needs ``spike_counts``): sum of the normalised
    cross-correlation of counts at lags 0..max_lag frames, neuron i leading neuron j.

    score(i→j) = Σ_{k=0..max_lag} corr(n_i(t), n_j(t + k)). Lag 0 is symmetric; the lags ≥ 1
    give the direction (i→j scores higher than j→i when i's spikes precede j's). Signed.
    """

    max_lag: int = 1

    name = "xcorr"
    directed = True
    signed = True
    needs_spikes = True
    summary = "spike-count cross-correlogram, lags 0..max_lag frames (needs spike counts)"

    def __post_init__(self):
        if not is_whole(self.max_lag) or self.max_lag < 0:
            raise ConfigError(f"xcorr: max_lag must be an integer >= 0, not {self.max_lag!r}")

    def infer(self, activity: Activity) -> np.ndarray:
        if activity.spike_counts is None:
            raise ConfigError("method 'xcorr' needs spike counts, and this recording has none",
                              "record with spike counts (neurocast record keeps them), or choose "
                              "another method")
        check_dense_fits(activity.n_neurons, self.name)
        x = standardise(activity.spike_counts)
        out = gram(x)
        for k in range(1, self.max_lag + 1):
            out += gram(*lagged_rows(x, activity, k, self.name))
        np.fill_diagonal(out, 0.0)
        return out
