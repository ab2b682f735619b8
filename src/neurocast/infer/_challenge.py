"""The Connectomics Challenge (2014) winners' recipe: filter, threshold, weight, partial correlation (private).

Sutera et al. (2014), "Simple connectome inference from partial correlation statistics in
calcium imaging" (arXiv:1406.7865), the winning team's simplified method:

1. low-pass filter  f(t) = y(t−1) + y(t) + y(t+1)               (smooths shot noise)
2. derivative       g(t) = f(t) − f(t−1)                         (onsets of calcium transients)
3. hard threshold   h(t) = g(t) if g(t) ≥ τ else 0               (keeps the spike-like peaks)
4. weighting        w_i(t) = (h_i(t) + 1) ** (1 + 1 / Σ_j h_j(t)) − 1
                    (peaks in quiet frames count more than peaks during population bursts)
5. partial correlation of the weighted signals (here with the Ledoit–Wolf precision; the
   winners used a PCA-regularised inverse), averaged over several thresholds τ.

neurocast's ΔF/F scale differs from the Challenge's raw fluorescence, so each trace is z-scored
before step 1 (the weighting of step 4 depends on the size of the values: on unscaled traces a
change of unit could turn the ranking upside down) and τ is expressed in robust standard
deviations (1.4826 × median absolute deviation) of each neuron's derivative g.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocast.errors import ConfigError
from neurocast.infer._activity import Activity, standardise
from neurocast.infer._linalg import check_dense_fits
from neurocast.infer._partial import partial_correlation
from neurocast.infer._registry import InferenceMethod


def challenge_signal(traces: np.ndarray, threshold_sd: float,
                     segment_starts: np.ndarray = ()) -> np.ndarray:
    """Steps 1–4 of the recipe on (time, neuron) traces; returns float32 (time, neuron) ≥ 0.

    The traces are z-scored first, so the weighting (step 4, which depends on the size of the
    values) gives the same result in any unit (ΔF/F, %, raw F). segment_starts: int positions of
    the frames that follow a gap; g(t) reads y(t−2..t+1), so it is 0 where that spans a gap.
    """
    y = standardise(traces)
    f = y.copy()
    f[1:] += y[:-1]
    f[:-1] += y[1:]
    g = np.zeros_like(f)
    np.subtract(f[1:], f[:-1], out=g[1:])
    del f, y
    starts = np.asarray(segment_starts, dtype=np.int64)
    g[np.clip(np.concatenate([starts - 1, starts, starts + 1]), 0, len(g) - 1)] = 0.0
    med = np.median(g, axis=0)
    mad = np.median(np.abs(g - med), axis=0) * np.float32(1.4826)
    tau = med + np.float32(threshold_sd) * np.where(mad > 0, mad, np.inf)
    g[g < tau] = 0.0
    pop = g.sum(axis=1, dtype=np.float64)
    expo = (1.0 + 1.0 / np.where(pop > 0, pop, np.inf)).astype(np.float32)[:, None]
    active = g > 0
    g[active] = np.power(g + 1.0, expo)[active] - 1.0
    return g


@dataclass(frozen=True)
class ChallengeRecipe(InferenceMethod):
    """The Connectomics Challenge winners' recipe (Sutera et al. 2014): filter and derivative,
    hard threshold, weighting by population activity, partial correlation; averaged over the
    thresholds ``thresholds_sd`` (robust s.d. of each neuron's derivative). Undirected, signed.
    """

    thresholds_sd: tuple[float, ...] = (1.0, 2.0)

    name = "challenge"
    directed = False
    signed = True
    summary = "Connectomics Challenge winners' recipe (filter, threshold, weight, partial corr.)"

    def __post_init__(self):
        th = tuple(float(t) for t in np.atleast_1d(self.thresholds_sd))
        if not th or not all(np.isfinite(t) and t >= 0 for t in th):
            raise ConfigError(f"challenge: thresholds_sd must be finite numbers >= 0, not {self.thresholds_sd!r}")
        object.__setattr__(self, "thresholds_sd", th)

    def infer(self, activity: Activity) -> np.ndarray:
        check_dense_fits(activity.n_neurons, self.name)
        out = None
        for tau in self.thresholds_sd:
            x = standardise(challenge_signal(activity.traces, tau, activity.segment_starts),
                            copy=False)
            pc = partial_correlation(x)
            del x
            if out is None:
                out = pc
            else:
                out += pc
                del pc
        out /= np.float32(len(self.thresholds_sd))
        return out
