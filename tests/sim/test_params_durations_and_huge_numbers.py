"""Simulator settings refuse a np.timedelta64 (a duration, though NumPy makes it an integer) and
numbers without a finite float (2**1024) with their own ConfigError, never a bare TypeError or
OverflowError."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.errors import ConfigError, NonFiniteError
from neurocast.sim import ShiuParams
from neurocast.sim._graded import GradedParams
from neurocast.sim._network import PoissonInput
from neurocast.sim._oscillation import measure_oscillation

MS = np.timedelta64(1, "ms")
HUGE = 2**1024  # a finite int, but no float holds it


def test_shiu_params_refuse_a_duration_as_not_a_number():
    with pytest.raises(ConfigError, match=r"ShiuParams\.dt_ms must be a number, not np\.timedelta64"):
        ShiuParams(dt_ms=MS)
    with pytest.raises(ConfigError, match=r"ShiuParams\.delay_ms must be a number"):
        ShiuParams(delay_ms=np.timedelta64(2))


def test_shiu_params_keep_number_and_finite_apart_for_huge_ints():
    with pytest.raises(ConfigError, match=r"ShiuParams\.w_syn_mv must be finite, not 1797693"):
        ShiuParams(w_syn_mv=HUGE)
    with pytest.raises(ConfigError, match=r"ShiuParams\.w_syn_mv must be finite, not nan"):
        ShiuParams(w_syn_mv=np.nan)
    p = ShiuParams(w_syn_mv=2**80)  # a float holds it: finite, stored as that float
    assert type(p.w_syn_mv) is float and p.w_syn_mv == float(2**80)


@pytest.mark.parametrize("name", ["dt_ms", "c_pf", "g_gap_ps"])
def test_graded_params_refuse_a_duration_and_huge_ints(name):
    with pytest.raises(ConfigError, match=rf"GradedParams\.{name} must be a finite number .*, got np\.timedelta64"):
        GradedParams(**{name: MS})
    with pytest.raises(ConfigError, match=rf"GradedParams\.{name} must be a finite number"):
        GradedParams(**{name: HUGE})


def test_graded_reversal_potentials_refuse_a_duration_and_huge_ints():
    with pytest.raises(ConfigError, match=r"GradedParams\.e_leak_mv must be a number, got np\.timedelta64"):
        GradedParams(e_leak_mv=MS)
    with pytest.raises(NonFiniteError, match=r"GradedParams\.e_exc_mv must be finite"):
        GradedParams(e_exc_mv=HUGE)


def test_poisson_input_refuses_a_duration_and_huge_ints():
    with pytest.raises(ConfigError, match=r"PoissonInput\.rate_hz must be a number, not np\.timedelta64"):
        PoissonInput(0, MS, 1.0)
    with pytest.raises(ConfigError, match=r"PoissonInput\.stop_ms must be a number or None"):
        PoissonInput(0, 5.0, 1.0, stop_ms=MS)
    with pytest.raises(NonFiniteError, match=r"PoissonInput\.weight_mv must be finite"):
        PoissonInput(0, 5.0, HUGE)
    with pytest.raises(NonFiniteError, match=r"PoissonInput\.stop_ms must be finite or None"):
        PoissonInput(0, 5.0, 1.0, stop_ms=HUGE)


def test_measure_oscillation_refuses_a_duration_and_huge_ints():
    v = np.random.default_rng(0).standard_normal((16, 3))
    for dt in (MS, HUGE):
        with pytest.raises(ConfigError, match="dt_ms must be a finite number > 0"):
            measure_oscillation(v, dt)
