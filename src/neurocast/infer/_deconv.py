"""Lagged ridge regression after a first-order (AR(1)) calcium deconvolution (private)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocast.infer._activity import Activity, lagged_rows, standardise
from neurocast.infer._linalg import check_dense_fits
from neurocast.infer._registry import InferenceMethod, check_positive
from neurocast.infer._ridge import lagged_ridge
from neurocast.observe import INDICATORS


def ar1_deconvolve(traces: np.ndarray, gamma: np.ndarray | float,
                   segment_starts: np.ndarray = ()) -> np.ndarray:
    """First-order autoregressive deconvolution: s(t) = max(0, y(t) − γ·y(t−1)), float32.

    traces y: (time, neuron); gamma: the calcium decay per frame, scalar or (neuron,), in [0, 1).
    If calcium follows c(t) = γ·c(t−1) + s(t) (each spike adds a jump that decays with time
    constant τ, γ = exp(−dt/τ)), this recovers s up to noise; negative innovations (noise, the
    decay of the normalised baseline) are cut at 0. Row 0 is 0, and so is every row in
    ``segment_starts`` (int positions of the frames that follow a gap: no frame before them).
    Returns (time, neuron).
    """
    y = np.asarray(traces, dtype=np.float32)
    g = np.asarray(gamma, dtype=np.float32)
    out = np.empty_like(y)
    out[0] = 0.0
    np.multiply(y[:-1], g, out=out[1:])
    np.subtract(y[1:], out[1:], out=out[1:])
    np.maximum(out, 0.0, out=out)
    out[np.asarray(segment_starts, dtype=np.int64)] = 0.0
    return out


def decay_per_frame(activity: Activity) -> np.ndarray:
    """γ = exp(−dt/τ) per neuron: τ from the recording's indicator preset if known, else γ from
    each trace's lag-1 autocorrelation over consecutive frames (clipped to [0, 0.98]).
    float32 (neuron,)."""
    ind = INDICATORS.get(activity.indicator.lower()) if activity.indicator else None
    if ind is not None:
        tau_s = ind.half_decay_ms / 1000.0 / np.log(2.0)
        return np.full(activity.n_neurons, np.exp(-activity.dt_s / tau_s), dtype=np.float32)
    past, now = lagged_rows(standardise(activity.traces), activity, 1, DeconvolvedRidge.name)
    r = np.einsum("ij,ij->j", past, now, dtype=np.float64) / past.shape[0]
    return np.clip(r, 0.0, 0.98).astype(np.float32)


@dataclass(frozen=True)
class DeconvolvedRidge(InferenceMethod):
    """Lagged ridge regression after first-order (AR(1)) calcium deconvolution of every trace.

    The deconvolution s(t) = max(0, y(t) − γ·y(t−1)) uses γ = exp(−dt/τ) with τ the indicator's
    decay time constant (half-decay / ln 2, from ``neurocast.observe.INDICATORS``) when the
    recording names its indicator, else each trace's lag-1 autocorrelation.
    alpha: ridge penalty as in 'ridge'. Directed and signed.
    """

    alpha: float = 0.1

    name = "ridge-deconv"
    directed = True
    signed = True
    summary = "lagged ridge regression on AR(1)-deconvolved traces (directed, signed)"

    def __post_init__(self):
        check_positive(self.name, alpha=self.alpha)

    def infer(self, activity: Activity) -> np.ndarray:
        check_dense_fits(activity.n_neurons, self.name)
        s = ar1_deconvolve(activity.traces, decay_per_frame(activity), activity.segment_starts)
        return lagged_ridge(standardise(s, copy=False), self.alpha, activity, self.name)
