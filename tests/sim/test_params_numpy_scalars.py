"""ShiuParams takes numbers taken out of NumPy arrays (np.float32, np.int64, ...), not only
Python floats, and stores them as Python floats; text and flags are still refused."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from neurocast.errors import ConfigError
from neurocast.sim import ShiuParams


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int16, np.int64, np.uint32])
def test_numpy_scalars_from_an_array_are_numbers(dtype):
    taus = np.array([10, 20, 40], dtype=dtype)  # e.g. a sweep's values, taken one at a time
    p = ShiuParams(tau_m_ms=taus[1], tau_syn_ms=np.array([5], dtype=dtype)[0])
    assert p == ShiuParams()  # the same values as the defaults 20.0 and 5.0
    assert type(p.tau_m_ms) is float and type(p.tau_syn_ms) is float
    assert p.preset_name() == "shiu"


def test_every_field_takes_a_numpy_scalar_and_stores_a_float():
    default = ShiuParams()
    for f in fields(ShiuParams):
        value = getattr(default, f.name)
        # float32 where it holds the default exactly (-52, 20, 0.275 is not), else float64
        scalar = np.float32(value) if float(np.float32(value)) == value else np.float64(value)
        p = default.replace(**{f.name: scalar})
        assert type(getattr(p, f.name)) is float, f.name
        assert p == default, f.name


def test_a_float32_step_is_checked_at_its_own_value():
    """np.float32(0.1) is 0.10000000149..., which does not divide 1.8 ms into whole steps: the
    error names the value that was given (a float64 0.1 is fine)."""
    with pytest.raises(ConfigError, match=r"dt_ms \(0\.10000000149\d*\) does not divide"):
        ShiuParams(dt_ms=np.float32(0.1))
    assert ShiuParams(dt_ms=np.float64(0.1)) == ShiuParams()


def test_replace_takes_a_numpy_integer():
    p = ShiuParams().replace(rate_hz=np.int64(100))
    assert p.rate_hz == 100.0 and type(p.rate_hz) is float


@pytest.mark.parametrize("value", [np.True_, True, "20", np.str_("20"), None, np.array([20.0])],
                         ids=repr)
def test_flags_and_text_are_still_refused(value):
    with pytest.raises(ConfigError, match=r"ShiuParams\.tau_m_ms must be a number"):
        ShiuParams(tau_m_ms=value)


def test_a_numpy_nan_is_a_number_but_not_finite():
    with pytest.raises(ConfigError, match=r"ShiuParams\.w_syn_mv must be finite"):
        ShiuParams(w_syn_mv=np.float32(np.nan))
