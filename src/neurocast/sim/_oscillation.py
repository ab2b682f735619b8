"""Is a network oscillating? Amplitude, period and dimensionality of voltage traces (private)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neurocast._numbers import is_finite_real
from neurocast.errors import ConfigError, NonFiniteError

__all__ = ["Oscillation", "measure_oscillation"]


@dataclass(frozen=True)
class Oscillation:
    """What ``measure_oscillation`` found in (T, N) traces.

    amplitude_mv: the largest standard deviation over time of one neuron (mV); ~0 at a fixed point.
    period_ms: the period of the first principal component, from its autocorrelation (the lag
      of its first positive peak after its first zero crossing, within half the window); NaN if
      there is none (no oscillation in the window).
    peak_autocorrelation: the autocorrelation at that lag (1 for a perfectly periodic trace).
    two_mode_fraction: the fraction of the variance in the top two principal components
      (near 1 for a low-dimensional, limit-cycle oscillation).
    """

    amplitude_mv: float
    period_ms: float
    peak_autocorrelation: float
    two_mode_fraction: float


def measure_oscillation(v_mv, dt_ms: float) -> Oscillation:
    """Measure the oscillation of voltage traces ``v_mv`` (T, N) float, sampled every ``dt_ms``.

    Drop the transient before calling (pass only the part of the run to judge). The mean of
    each neuron is removed; the period is read off the autocorrelation of the first principal
    component, so it is the network's common rhythm, not one neuron's. ConfigError for fewer
    than 8 samples or dt_ms <= 0; NonFiniteError for NaN or inf values.
    """
    v = np.asarray(v_mv, dtype=np.float64)
    if v.ndim != 2 or v.shape[0] < 8 or v.shape[1] < 1:
        raise ConfigError(f"v_mv must be (time, neuron) with at least 8 samples, got shape {v.shape}")
    if not (is_finite_real(dt_ms) and dt_ms > 0):
        raise ConfigError(f"dt_ms must be a finite number > 0, got {dt_ms!r}")
    if not np.isfinite(v).all():
        raise NonFiniteError("v_mv holds NaN or inf")
    x = v - v.mean(axis=0)
    amplitude = float(x.std(axis=0).max())
    u, sv, _ = np.linalg.svd(x, full_matrices=False)
    power = sv**2
    if power.sum() <= 0 or amplitude < 1e-9:
        return Oscillation(amplitude, math.nan, 0.0, 1.0)
    pc = u[:, 0] * sv[0]
    n = len(pc)
    spectrum = np.fft.rfft(pc, 2 * n)
    acf = np.fft.irfft(np.abs(spectrum) ** 2)[:n]
    acf = acf / acf[0] * n / (n - np.arange(n))  # unbiased: each lag over its own overlap
    half = n // 2  # lags up to half the window are estimated from enough overlap
    below = np.flatnonzero(acf[:half] < 0)
    period, peak = math.nan, 0.0
    if below.size:
        seg = acf[below[0]:half]
        tops = np.flatnonzero((seg[1:-1] > 0) & (seg[1:-1] >= seg[:-2]) & (seg[1:-1] >= seg[2:])) + 1
        if tops.size:
            lag = below[0] + int(tops[0])
            period, peak = lag * float(dt_ms), float(acf[lag])
    return Oscillation(amplitude, period, peak, float(power[:2].sum() / power.sum()))
