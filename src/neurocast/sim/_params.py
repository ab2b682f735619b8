"""ShiuParams: the parameters of the Shiu et al. (2024) leaky integrate-and-fire model.

All defaults live here and nowhere else. Units are in the names (mV, ms, Hz).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from fractions import Fraction

from neurocast._numbers import is_finite_real, is_real
from neurocast.errors import ConfigError, unknown_name
from neurocast.sim._registry import preset_name

__all__ = ["ShiuParams"]

# Relative tolerance used to decide that a duration is a whole number of time steps.
_STEP_TOL = 1e-9


#: Simulation step of the Shiu models in recordings (ms; ``neurocast.record.SIM_DT_MS``). 0.2 ms is
#: the coarsest step that keeps the delay (1.8 ms = 9 steps) and refractory period (2.2 ms = 11
#: steps) whole numbers of steps; the integration is exact, so it only quantises spike times.
RECORD_DT_MS = 0.2


def _steps(value_ms: float, dt_ms: float) -> float:
    return value_ms / dt_ms


def common_step_ms(dt_ms: float, *durations_ms: float) -> float:
    """The largest time step <= dt_ms that divides every duration (ms) into whole steps.

    Durations are read as decimals (to 1e-9 ms); zeros are ignored; among the candidates
    common / k a step with at most 6 decimals is preferred (0.05 rather than 0.0666667). Used by the hints of
    ShiuParams, so that a suggested dt satisfies the delay and the refractory check at once.
    """

    common = Fraction(0)
    for d in durations_ms:
        f = Fraction(d).limit_denominator(10**9)
        if f > 0:
            common = f if common == 0 else Fraction(math.gcd(f.numerator * common.denominator,
                                                             common.numerator * f.denominator),
                                                    f.denominator * common.denominator)
    if common == 0:
        return dt_ms
    first = math.ceil(common / Fraction(dt_ms).limit_denominator(10**9))
    for k in range(first, first + 1000):  # prefer a step with at most 6 decimals
        if (common / k * 10**6).denominator == 1:
            return float(common / k)
    return float(common / first)


def is_whole_steps(value_ms: float, dt_ms: float) -> bool:
    """True if ``value_ms`` is (to rounding) a whole number of steps of ``dt_ms``."""
    k = _steps(value_ms, dt_ms)
    return abs(k - round(k)) <= _STEP_TOL * max(1.0, abs(k))


@dataclass(frozen=True)
class ShiuParams:
    """Parameters of the Shiu et al. 2024 whole-brain LIF model (Nature 634:210).

    Model (per neuron; exact integration of the linear system)::

        dv/dt = (v_rest - v + g) / tau_m      (frozen while refractory)
        dg/dt = -g / tau_syn                  (frozen while refractory)
        dtheta/dt = -theta / tau_adapt        (frozen while refractory; theta = 0 unless adapt_mv > 0)
        spike when v > v_threshold + theta  ->  v = v_reset, g = 0, theta += adapt_mv,
                                                refractory for refractory_ms

    A presynaptic spike adds ``w_syn_mv × signed synapse count`` to the postsynaptic ``g``
    after ``delay_ms``. Driven ("stimulated") neurons receive independent Poisson events
    at ``rate_hz`` that add ``w_input_mv`` to ``v`` and have no refractory period.

    v_rest_mv, v_reset_mv, v_threshold_mv: resting, reset and threshold potentials (mV).
    tau_m_ms, tau_syn_ms: membrane and synaptic time constants (ms); must differ.
    refractory_ms: refractory period of non-driven neurons (ms); a whole number of steps.
    delay_ms: synaptic delay (ms); a whole number of steps (>= 0).
    w_syn_mv: jump of g per synapse (mV), multiplied by the signed synapse count.
    w_input_mv: jump of v per Poisson input event (mV); Shiu et al.: 250 × 0.275 mV.
    rate_hz: default Poisson rate of driven neurons (Hz).
    dt_ms: time step (ms).
    adapt_mv, tau_adapt_ms: spike-frequency adaptation (an extension, off by default): each
      spike raises the neuron's threshold by adapt_mv (mV), decaying with tau_adapt_ms (ms).
      0 gives the published model.

    Every value is a number, Python's or NumPy's (np.float32, np.int64 from an array), stored
    as a float; text and flags (True) are refused.
    Raises ConfigError for non-finite values, non-positive time constants or step,
    a threshold not above rest and reset, equal time constants, a negative rate or adapt_mv, or a delay or
    refractory period that is not a whole number of steps.
    """

    v_rest_mv: float = -52.0
    v_reset_mv: float = -52.0
    v_threshold_mv: float = -45.0
    tau_m_ms: float = 20.0
    tau_syn_ms: float = 5.0
    refractory_ms: float = 2.2
    delay_ms: float = 1.8
    w_syn_mv: float = 0.275
    w_input_mv: float = 68.75
    rate_hz: float = 150.0
    dt_ms: float = 0.1
    adapt_mv: float = 0.0
    tau_adapt_ms: float = 1000.0

    def __post_init__(self):
        for f in fields(self):
            val = getattr(self, f.name)
            if not is_real(val):
                raise ConfigError(f"ShiuParams.{f.name} must be a number, not {val!r}")
            if not is_finite_real(val):
                raise ConfigError(f"ShiuParams.{f.name} must be finite, not {val}")
            object.__setattr__(self, f.name, float(val))
        for name in ("tau_m_ms", "tau_syn_ms", "dt_ms", "tau_adapt_ms"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"ShiuParams.{name} must be > 0, not {getattr(self, name)}")
        if self.tau_m_ms == self.tau_syn_ms:
            raise ConfigError(
                f"tau_m_ms and tau_syn_ms must differ (both {self.tau_m_ms})",
                "the exact propagator assumes distinct time constants; change one by a tiny amount",
            )
        if self.v_threshold_mv <= self.v_rest_mv:
            raise ConfigError(
                f"v_threshold_mv ({self.v_threshold_mv}) must exceed v_rest_mv ({self.v_rest_mv})")
        if self.v_threshold_mv <= self.v_reset_mv:
            raise ConfigError(
                f"v_threshold_mv ({self.v_threshold_mv}) must exceed v_reset_mv ({self.v_reset_mv})")
        if self.rate_hz < 0:
            raise ConfigError(f"rate_hz must be >= 0, not {self.rate_hz}")
        if self.adapt_mv < 0:
            raise ConfigError(f"adapt_mv must be >= 0, not {self.adapt_mv}",
                              "0 is the Shiu et al. model (no adaptation)")
        if self.rate_hz * self.dt_ms / 1000.0 > 1.0:
            raise ConfigError(
                f"rate_hz ({self.rate_hz}) gives more than one event per step of {self.dt_ms} ms",
                f"use a rate <= {1000.0 / self.dt_ms:g} Hz or a smaller dt_ms")
        for name in ("delay_ms", "refractory_ms"):
            val = getattr(self, name)
            if val < 0:
                raise ConfigError(f"ShiuParams.{name} must be >= 0, not {val}")
            if not is_whole_steps(val, self.dt_ms):
                k = val / self.dt_ms
                dt = common_step_ms(self.dt_ms, self.delay_ms, self.refractory_ms)
                raise ConfigError(
                    f"dt_ms ({self.dt_ms}) does not divide {name} ({val}): {k:g} steps",
                    f"choose dt_ms so that delay_ms ({self.delay_ms:g}) and refractory_ms "
                    f"({self.refractory_ms:g}) are whole numbers of steps, e.g. dt_ms={dt:g}")

    # ------------------------------------------------------------------ derived quantities
    @property
    def delay_steps(self) -> int:
        """Synaptic delay as a whole number of time steps."""
        return round(self.delay_ms / self.dt_ms)

    @property
    def refractory_steps(self) -> int:
        """Refractory period as a whole number of time steps."""
        return round(self.refractory_ms / self.dt_ms)

    def replace(self, **changes) -> ShiuParams:
        """A copy with some fields changed (validated again); unknown names raise ConfigError."""
        known = {f.name for f in fields(self)}
        bad = sorted(set(changes) - known)
        if bad:
            raise unknown_name("ShiuParams field", bad[0], sorted(known))
        return replace(self, **changes)

    def preset_name(self) -> str:
        """The registered neuron model (``NEURON_MODELS``) these parameters are (at any dt_ms),
        else "custom"."""
        return preset_name(self)

    def propagator(self) -> dict:
        """Exact one-step propagator of the subthreshold system.

        With u = v - v_rest: u' = a·u + b·g, g' = c·g, where a = exp(-dt/tau_m),
        c = exp(-dt/tau_syn), b = K·(a - c), K = tau_syn / (tau_m - tau_syn).
        Also returns h_max, the peak of the PSP kernel K·(exp(-t/tau_m) - exp(-t/tau_syn))
        over t >= 0 (mV of v per mV of g), used to bound a neuron's future potential.
        """
        tm, ts, dt = self.tau_m_ms, self.tau_syn_ms, self.dt_ms
        a, c = math.exp(-dt / tm), math.exp(-dt / ts)
        k = ts / (tm - ts)
        t_peak = math.log(tm / ts) / (1.0 / ts - 1.0 / tm)
        h_max = k * (math.exp(-t_peak / tm) - math.exp(-t_peak / ts))
        return {"a": a, "b": k * (a - c), "c": c, "K": k, "h_max": h_max}
