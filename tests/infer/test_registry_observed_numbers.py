"""Inference options and the observed fraction refuse a np.timedelta64 (a duration, though NumPy
makes it an integer) and numbers without a finite float with their ConfigError; a large int that
a float holds (2**80) is a finite number, not a bare TypeError from np.isfinite."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.errors import ConfigError
from neurocast.infer._registry import check_positive
from neurocast.infer._run import observed_subset


@pytest.mark.parametrize("value", [np.timedelta64(1, "ms"), np.timedelta64(2), 2**1024, -2**80,
                                   np.nan, True, "1"], ids=lambda v: repr(v)[:20])
def test_check_positive_refuses(value):
    with pytest.raises(ConfigError, match="ridge: alpha must be a finite number > 0"):
        check_positive("ridge", alpha=value)


def test_check_positive_takes_a_large_int_a_float_holds():
    check_positive("ridge", alpha=2**80, beta=np.uint64(2**64 - 1), gamma=np.float32(0.5))


@pytest.mark.parametrize("fraction", [np.timedelta64(1), np.timedelta64(1, "s")], ids=repr)
def test_observed_fraction_refuses_a_duration(fraction):
    with pytest.raises(ConfigError, match="observed fraction must lie in"):
        observed_subset(10, fraction)
