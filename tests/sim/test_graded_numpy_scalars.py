"""GradedParams and measure_oscillation take numbers taken out of NumPy arrays (np.float32,
np.int64, ...) as ShiuParams does, and refuse flags (True is a slip, never 1) and text."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from neurocast.errors import ConfigError, NonFiniteError
from neurocast.sim import GradedParams, ShiuParams, measure_oscillation

NUMBERS = [f.name for f in fields(GradedParams) if f.name != "poisson_events"]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.int16, np.int64, np.uint32])
def test_graded_params_take_numpy_scalars_as_shiu_params_do(dtype):
    steps = np.array([5, 10, 20], dtype=dtype)  # e.g. a sweep's values, taken one at a time
    p = GradedParams(dt_ms=steps[1], c_pf=np.array([1.5], dtype=np.float32)[0])
    assert p == GradedParams()  # the defaults' values
    assert type(p.dt_ms) is float and type(p.c_pf) is float
    ShiuParams(dt_ms=np.array([0.1, 0.2], dtype=np.float64)[1])  # the LIF model takes them too


def test_every_number_field_takes_a_numpy_scalar_and_stores_a_float():
    default = GradedParams()
    for name in NUMBERS:
        value = getattr(default, name)
        scalar = np.float32(value) if float(np.float32(value)) == value else np.float64(value)
        p = default.replace(**{name: scalar})
        assert type(getattr(p, name)) is float, name
        assert p == default, name


@pytest.mark.parametrize("name", ["c_pf", "g_gap_ps", "e_leak_mv"])
@pytest.mark.parametrize("value", [True, np.True_, "1.5", None], ids=repr)
def test_flags_and_text_are_refused_with_the_field_named(name, value):
    with pytest.raises(ConfigError, match=rf"GradedParams\.{name} must be a (finite )?number"):
        GradedParams(**{name: value})


def test_a_reversal_potential_must_still_be_finite():
    with pytest.raises(NonFiniteError, match=r"GradedParams\.e_inh_mv must be finite"):
        GradedParams(e_inh_mv=np.float32(np.nan))


def _rhythm():
    t = np.arange(2000) * 5.0  # ms
    mix = np.random.default_rng(0).normal(size=(2, 30))
    return np.column_stack([np.sin(2 * np.pi * t / 800.0), np.cos(2 * np.pi * t / 800.0)]) @ mix


@pytest.mark.parametrize("dt", [np.float32(5.0), np.int64(5), 5])
def test_measure_oscillation_takes_a_numpy_step_and_returns_a_float_period(dt):
    osc = measure_oscillation(_rhythm(), dt)
    assert osc.period_ms == pytest.approx(800.0, abs=5.0)
    assert isinstance(osc.period_ms, float)  # not an integer (or float32) period
    assert osc == measure_oscillation(_rhythm(), 5.0)


@pytest.mark.parametrize("dt", [True, np.True_, "5"], ids=repr)
def test_measure_oscillation_refuses_a_flag_or_text_step(dt):
    with pytest.raises(ConfigError, match="dt_ms must be a finite number > 0"):
        measure_oscillation(_rhythm(), dt)
