"""is_finite_real: a real number usable as a float (neurocast._numbers), never an exception."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from neurocast._numbers import is_finite_real, is_real


class _Other:
    """An object of no number kind, with a repr that names it the same in every run."""

    def __repr__(self) -> str:
        return "_Other()"


FINITE = [0, -3, 2.5, -0.0, 2**80, -2**80, 2**1023, np.float16(1.5), np.float32(5.0),
          np.float64(-1e308), np.longdouble(2.0), np.int8(-1), np.int64(7), np.uint64(2**64 - 1)]
# numbers without a finite float: NaN and inf of every kind, ints and longdoubles beyond float64
NOT_FINITE = [math.nan, math.inf, -math.inf, np.float32(np.nan), np.float16(np.inf),
              np.float64(-np.inf), 2**1024, -2**1024, 10**400]
if np.finfo(np.longdouble).max > np.finfo(np.float64).max:  # x86: 80-bit long double
    NOT_FINITE.append(np.longdouble("1e400"))
# not numbers at all
NOT_REAL = [True, np.True_, "5", None, [5.0], np.array(5.0), 1j, np.timedelta64(1, "ms"),
            np.timedelta64(3), np.datetime64("2024-01-01"), _Other()]


@pytest.mark.parametrize("value", FINITE, ids=repr)
def test_finite_numbers(value):
    assert is_finite_real(value) is True
    assert math.isfinite(float(value))  # what every caller then does with it


@pytest.mark.parametrize("value", NOT_FINITE, ids=lambda v: repr(v)[:30])
def test_numbers_without_a_finite_float(value):
    assert is_real(value) is True  # a number: the caller can say "must be finite"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no OverflowError, nor a RuntimeWarning
        assert is_finite_real(value) is False


@pytest.mark.parametrize("value", NOT_REAL, ids=repr)
def test_not_numbers(value):
    assert is_finite_real(value) is False


def test_huge_ints_where_the_old_checks_raised():
    """math.isfinite(2**1024) raises OverflowError, np.isfinite(2**80) TypeError: the predicate
    answers for both (2**80 is 1.2e24 as a float: finite; 2**1024 has no float)."""
    with pytest.raises(OverflowError):
        math.isfinite(2**1024)
    with pytest.raises(TypeError):
        np.isfinite(2**80)
    assert (is_finite_real(2**80), is_finite_real(2**1024)) == (True, False)
