"""Calcium indicator presets: published kinetics and calcium affinity (private).

Each preset gives the response of a GCaMP-family indicator to one action potential
(time to peak and half-decay time of the 1-AP ΔF/F transient, and its peak ΔF/F) and the
indicator's calcium titration (apparent Kd, Hill coefficient, dynamic range Fmax/Fmin).
The observation model combines them (see ``neurocast.observe``):

    Ca(t)  = Ca_rest + ΔCa · Σ_spikes k(t − t_spike)          (nM)
    F(Ca)  ∝ 1 + (R − 1) · Ca^n / (Ca^n + Kd^n)               (saturating Hill response)

with k a difference of exponentials of peak 1. ``ΔCa`` (calcium per spike) and the two
time constants of k are *solved* so that the modelled 1-AP transient reproduces the
preset's peak ΔF/F, time to peak and half-decay exactly; the Hill curve then sets how
responses to bursts saturate. ``Indicator.half_rise_ms`` reports the resulting half-rise.

References (kinetics and 1-AP amplitudes: approximate means of 1-AP responses in mouse V1
layer-2/3 neurons in vivo, rounded; titrations: purified protein). Kinetics vary 1.5–2×
with cell type, temperature and expression level, so treat them as typical, not exact:
  Chen T.-W. et al. 2013, "Ultrasensitive fluorescent proteins for imaging neuronal
    activity", Nature 499:295–300 (GCaMP6s, GCaMP6f).
  Dana H. et al. 2019, "High-performance calcium sensors for imaging activity in neuronal
    populations and microcompartments", Nat. Methods 16:649–657 (jGCaMP7f).
  Zhang Y. et al. 2023, "Fast and sensitive GCaMP calcium indicators for imaging neural
    populations", Nature 615:884–891 (jGCaMP8m).
Resting free calcium: ~50 nM (Maravall et al. 2000, Biophys. J. 78:2655).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from neurocast._defaults import DEFAULT_INDICATOR
from neurocast.errors import ConfigError, unknown_name

__all__ = ["DEFAULT_INDICATOR", "INDICATORS", "Indicator", "get_indicator"]


@dataclass(frozen=True)
class Indicator:
    """A calcium indicator: 1-AP transient shape and amplitude, and its Hill titration.

    peak_ms: time from the spike to the peak of the 1-AP transient (ms).
    half_decay_ms: time from the 1-AP peak down to half of it (ms).
    dff_1ap: peak ΔF/F of the 1-AP transient (dimensionless, e.g. 0.23 = 23 %).
    kd_nm: apparent dissociation constant (nM); hill_n: Hill coefficient;
    dynamic_range: Fmax / Fmin of the purified protein.
    ca_rest_nm: resting free calcium (nM).
    """

    name: str
    peak_ms: float
    half_decay_ms: float
    dff_1ap: float
    kd_nm: float
    hill_n: float
    dynamic_range: float
    ca_rest_nm: float = 50.0
    reference: str = ""

    def __post_init__(self):
        for field in ("peak_ms", "half_decay_ms", "dff_1ap", "kd_nm", "hill_n", "ca_rest_nm"):
            if not getattr(self, field) > 0:
                raise ConfigError(f"indicator {self.name!r}: {field} must be > 0, got {getattr(self, field)}")
        if not self.half_decay_ms > 1.7 * self.peak_ms:
            raise ConfigError(
                f"indicator {self.name!r}: half_decay_ms ({self.half_decay_ms}) must exceed 1.7 × peak_ms "
                f"({self.peak_ms}); slower rises cannot be made with a difference of exponentials"
            )
        if self.dynamic_range <= 1:
            raise ConfigError(f"indicator {self.name!r}: dynamic_range (Fmax/Fmin) must be > 1")
        if self.dff_1ap >= self.max_dff:
            raise ConfigError(
                f"indicator {self.name!r}: dff_1ap ({self.dff_1ap}) must be below the saturating "
                f"ΔF/F {self.max_dff:.3g} set by dynamic_range, kd_nm and ca_rest_nm"
            )

    # ------------------------------------------------------------------ titration
    def hill(self, ca_nm):
        """Fraction of indicator bound, Ca^n / (Ca^n + Kd^n); any shape, float."""
        r = (np.asarray(ca_nm, dtype=np.float64) / self.kd_nm) ** self.hill_n
        return r / (1.0 + r)

    def brightness(self, ca_nm):
        """Fluorescence relative to the resting level, F(Ca) / F(Ca_rest); any shape."""
        return (1.0 + (self.dynamic_range - 1.0) * self.hill(ca_nm)) / self._f_rest

    @property
    def _f_rest(self) -> float:
        return float(1.0 + (self.dynamic_range - 1.0) * self.hill(self.ca_rest_nm))

    @property
    def max_dff(self) -> float:
        """ΔF/F at saturation (all indicator bound), relative to rest."""
        return self.dynamic_range / self._f_rest - 1.0

    @property
    def dca_per_spike_nm(self) -> float:
        """Calcium step per spike (nM) such that one spike gives a peak ΔF/F of dff_1ap."""
        # invert F(Ca)/F_rest = 1 + dff_1ap for the bound fraction, then the Hill curve
        h = ((1.0 + self.dff_1ap) * self._f_rest - 1.0) / (self.dynamic_range - 1.0)
        ca = self.kd_nm * (h / (1.0 - h)) ** (1.0 / self.hill_n)
        return float(ca - self.ca_rest_nm)

    # ------------------------------------------------------------------ kinetics
    @property
    def tau_ms(self) -> tuple[float, float]:
        """(tau_rise_ms, tau_decay_ms) of the calcium kernel, solved to match the preset."""
        return _solve_taus(self)

    @property
    def half_rise_ms(self) -> float:
        """Time from the spike to half of the 1-AP peak (ms), as modelled."""
        t = np.linspace(0.0, 3.0 * self.peak_ms, 30001)
        return transient_times(t, self.response_1ap(t))[0]

    def kernel(self, t_ms):
        """Calcium kernel k(t) (peak 1, zero for t < 0) at times t_ms; any shape, float64."""
        tr, td = self.tau_ms
        t = np.asarray(t_ms, dtype=np.float64)
        peak = _kernel_peak(tr, td)
        k = (np.exp(-np.maximum(t, 0) / td) - np.exp(-np.maximum(t, 0) / tr)) / peak
        return np.where(t >= 0, k, 0.0)

    def response_1ap(self, t_ms):
        """Noise-free ΔF/F of one spike at t = 0 at times t_ms (the preset's transient)."""
        ca = self.ca_rest_nm + self.dca_per_spike_nm * self.kernel(t_ms)
        return self.brightness(ca) - 1.0


def _kernel_peak(tr: float, td: float) -> float:
    t_peak = tr * td / (td - tr) * np.log(td / tr)
    return float(np.exp(-t_peak / td) - np.exp(-t_peak / tr))


def transient_times(t_ms: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Half-rise (spike to half peak), time to peak, half-decay (peak to half peak), in ms.

    t_ms: (T,) increasing times starting at the spike; y: (T,) response. Linear interpolation
    between samples; the peak time is the sample of the maximum. Half-decay is NaN if the
    transient does not fall to half its peak within t_ms.
    """
    i_peak = int(np.argmax(y))
    half = y[i_peak] / 2.0
    up = np.flatnonzero(y[: i_peak + 1] >= half)[0]
    t_up = t_ms[up] if up == 0 else np.interp(half, y[up - 1: up + 1], t_ms[up - 1: up + 1])
    below = np.flatnonzero(y[i_peak:] <= half)
    if len(below) == 0:  # the transient has not decayed to half within t_ms
        return float(t_up), float(t_ms[i_peak]), float("nan")
    down = i_peak + below[0]
    t_down = np.interp(half, y[down - 1: down + 1][::-1], t_ms[down - 1: down + 1][::-1])
    return float(t_up), float(t_ms[i_peak]), float(t_down - t_ms[i_peak])


@functools.lru_cache(maxsize=64)
def _solve_taus(ind: Indicator) -> tuple[float, float]:
    """Find kernel time constants whose 1-AP ΔF/F has the preset's time to peak and half-decay."""
    from scipy.optimize import least_squares

    dca = ind.dca_per_spike_nm
    span = 8.0 * ind.half_decay_ms + 4.0 * ind.peak_ms
    t = np.linspace(0.0, span, 40001)

    def residual(log_taus):
        tr, td = np.exp(log_taus)
        if td <= tr * 1.001:
            return np.array([10.0, 10.0])
        k = (np.exp(-t / td) - np.exp(-t / tr)) / _kernel_peak(tr, td)
        y = ind.brightness(ind.ca_rest_nm + dca * k) - 1.0
        # time of the peak from the analytic kernel peak (the nonlinearity is monotone)
        t_peak = tr * td / (td - tr) * np.log(td / tr)
        decay = transient_times(t, y)[2]
        return np.log([t_peak / ind.peak_ms, decay / ind.half_decay_ms])

    x0 = np.log([ind.peak_ms / 3.0, ind.half_decay_ms / np.log(2.0)])
    fit = least_squares(residual, x0, xtol=1e-12, ftol=1e-12, diff_step=1e-4)
    if np.max(np.abs(fit.fun)) > 1e-3:
        raise ConfigError(f"indicator {ind.name!r}: no kernel reproduces its time to peak and half-decay")
    tr, td = np.exp(fit.x)
    return float(tr), float(td)


INDICATORS: dict[str, Indicator] = {
    ind.name: ind
    for ind in (
        Indicator("gcamp6s", peak_ms=180.0, half_decay_ms=550.0, dff_1ap=0.23,
                  kd_nm=144.0, hill_n=2.90, dynamic_range=63.2,
                  reference="Chen et al. 2013, Nature 499:295"),
        Indicator("gcamp6f", peak_ms=45.0, half_decay_ms=142.0, dff_1ap=0.19,
                  kd_nm=375.0, hill_n=2.27, dynamic_range=51.8,
                  reference="Chen et al. 2013, Nature 499:295"),
        Indicator("jgcamp7f", peak_ms=50.0, half_decay_ms=265.0, dff_1ap=0.21,
                  kd_nm=174.0, hill_n=2.30, dynamic_range=30.2,
                  reference="Dana et al. 2019, Nat. Methods 16:649"),
        Indicator("jgcamp8m", peak_ms=25.0, half_decay_ms=118.0, dff_1ap=0.35,
                  kd_nm=108.0, hill_n=1.92, dynamic_range=45.0,
                  reference="Zhang et al. 2023, Nature 615:884"),
    )
}


def get_indicator(indicator: str | Indicator) -> Indicator:
    """An Indicator from a preset name (case-insensitive) or an Indicator itself.

    Raises UnknownNameError listing the presets for an unknown name.
    """
    if isinstance(indicator, Indicator):
        return indicator
    key = str(indicator).lower()
    if key not in INDICATORS:
        raise unknown_name("indicator", indicator, INDICATORS)
    return INDICATORS[key]
