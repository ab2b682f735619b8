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

Sources (marks: [P] the authors' own repository or text, [S] software that ships the
constant, [D] derived by arithmetic from those; docs/recordings.md cites each constant):
  Kinetics and 1-AP peak ΔF/F [P]/[D]: Zhang Y. et al. 2023, "Fast and sensitive GCaMP calcium
    indicators for imaging neural populations", Nature 615:884–891, Table S8: the
    spike-to-fluorescence model fitted to mouse V1 in vivo (GitHub zqwei/Spike2Fluorescence_jGCaMP8,
    parameter_fits.csv); the time to peak, half-decay and peak ΔF/F of its 1-AP response are
    derived from that model [D]. In vivo decay depends on preparation and cell type (analysis
    software assumes up to ~2x slower decays): treat them as typical, not exact.
  Titration (Kd, Hill n, Fmax/Fmin) and resting calcium 50 nM [S]: the NAOMi simulator
    (Song et al. 2021), citing Badura et al. 2014. No jGCaMP8 Kd was found; the jGCaMP8 presets
    use jGCaMP7f's titration as a stand-in (it only shapes the saturation of bursts).
  Cell-to-cell spread of the 1-AP amplitude, 25–50 % (s.d. / mean) [P]: the Zhang et al. 2023
    culture screen (ilyakolb/jGCaMP8-neuron-culture-screen); ``ObserveConfig.amplitude_cv``.
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
    ca_rest_nm: float = 50.0  # NAOMi's resting calcium [S]
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
        return float(self.dca_for_dff(self.dff_1ap))

    def dca_for_dff(self, dff):
        """Calcium step (nM) whose peak gives ΔF/F ``dff`` (any shape, each in (0, max_dff))."""
        # invert F(Ca)/F_rest = 1 + dff for the bound fraction, then the Hill curve
        h = ((1.0 + np.asarray(dff, dtype=np.float64)) * self._f_rest - 1.0) / (self.dynamic_range - 1.0)
        ca = self.kd_nm * (h / (1.0 - h)) ** (1.0 / self.hill_n)
        return ca - self.ca_rest_nm

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
    # scipy is slow to import and needed only here
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


_ZHANG_2023 = ("Zhang et al. 2023, Nature 615:884, Table S8 in vivo fits (zqwei/Spike2Fluorescence_jGCaMP8 "
               "parameter_fits.csv) [P]; time to peak and half-decay derived from that model [D]")
_NAOMI = "Hill titration as shipped by NAOMi (Song et al. 2021) [S]"
_NO_KD = ("no published jGCaMP8 Kd was found: jGCaMP7f's NAOMi titration is used as a stand-in "
          "(it sets only how bursts saturate)")

#: The presets. Kinetics and 1-AP amplitude: the 1-AP response of Zhang et al. 2023's model
#: fitted to mouse V1 in vivo (one lab, one preparation: comparable across indicators).
#: Titration: NAOMi's constants. Resting calcium 50 nM (NAOMi) [S]. See docs/recordings.md.
INDICATORS: dict[str, Indicator] = {
    ind.name: ind
    for ind in (
        Indicator("gcamp6s", peak_ms=179.9, half_decay_ms=835.0, dff_1ap=0.105,
                  kd_nm=147.0, hill_n=2.45, dynamic_range=27.2,
                  reference=f"{_ZHANG_2023}; {_NAOMI}"),
        Indicator("gcamp6f", peak_ms=42.3, half_decay_ms=308.0, dff_1ap=0.054,
                  kd_nm=290.0, hill_n=2.7, dynamic_range=25.2,
                  reference=f"{_ZHANG_2023}; {_NAOMI}"),
        Indicator("jgcamp7f", peak_ms=34.1, half_decay_ms=95.0, dff_1ap=0.213,
                  kd_nm=174.0, hill_n=2.3, dynamic_range=30.2,
                  reference=f"{_ZHANG_2023}; {_NAOMI}"),
        Indicator("jgcamp8f", peak_ms=6.2, half_decay_ms=39.0, dff_1ap=0.480,
                  kd_nm=174.0, hill_n=2.3, dynamic_range=30.2,
                  reference=f"{_ZHANG_2023}; {_NO_KD}"),
        Indicator("jgcamp8m", peak_ms=7.6, half_decay_ms=40.0, dff_1ap=0.609,
                  kd_nm=174.0, hill_n=2.3, dynamic_range=30.2,
                  reference=f"{_ZHANG_2023}; {_NO_KD}"),
        Indicator("jgcamp8s", peak_ms=16.6, half_decay_ms=79.0, dff_1ap=0.599,
                  kd_nm=174.0, hill_n=2.3, dynamic_range=30.2,
                  reference=f"{_ZHANG_2023}; {_NO_KD}"),
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
