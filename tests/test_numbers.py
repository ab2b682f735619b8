"""The shared predicates of what counts as a number in a setting (neurocast._numbers)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from neurocast._numbers import is_real, is_whole


class _Other:
    """An object of no number kind, with a repr that names it the same in every run."""

    def __repr__(self) -> str:
        return "_Other()"


# numbers: Python's and NumPy's, NaN and inf included (finiteness is the caller's check)
REAL = [0, -3, 2**80, 2.5, -0.0, math.nan, math.inf, -math.inf,
        np.float16(1.5), np.float32(5.0), np.float64(5.0), np.longdouble(2.0), np.float32(np.nan),
        np.int8(-1), np.int64(7), np.uint64(2**63), np.uint8(0)]
WHOLE = [0, -3, 2**80, np.int8(-1), np.int32(4), np.int64(7), np.uint64(2**63), np.uint8(0)]
# not numbers: flags, text, None, containers, 0-d arrays, other number types, durations and dates
# (np.timedelta64 is a subclass of np.signedinteger, yet a duration with a unit, not a number)
NOT_REAL = [True, False, np.True_, np.False_, "5", "5.0", b"5", "", None, [5], (5.0,),
            np.array(5.0), np.array([5]), 1 + 2j, np.complex128(1), Fraction(1, 2), Fraction(2),
            Decimal("2.5"), Decimal(2), _Other(), np.timedelta64(1, "ms"), np.timedelta64(3),
            np.timedelta64("NaT"), np.datetime64("2024-01-01"), np.datetime64(3, "s")]


@pytest.mark.parametrize("value", REAL, ids=repr)
def test_is_real_accepts_python_and_numpy_numbers(value):
    assert is_real(value) is True


@pytest.mark.parametrize("value", NOT_REAL, ids=repr)
def test_is_real_refuses_flags_text_and_other_kinds(value):
    assert is_real(value) is False


@pytest.mark.parametrize("value", WHOLE, ids=repr)
def test_is_whole_accepts_integers(value):
    assert is_whole(value) is True
    assert is_real(value) is True  # every whole number is a real number


@pytest.mark.parametrize("value", [2.0, 2.5, -0.0, np.float64(2.0), np.float32(3.0), math.nan,
                                   math.inf, *NOT_REAL], ids=repr)
def test_is_whole_refuses_floats_even_of_whole_value(value):
    """2.0 is refused like 2.5: a count written as a float is a slip, never silently rounded."""
    assert is_whole(value) is False


def test_the_predicates_answer_and_never_raise_nor_convert():
    weird = type("Weird", (), {"__float__": lambda self: 1.0, "__index__": lambda self: 1})()
    assert (is_real(weird), is_whole(weird)) == (False, False)  # convertible is not a number
    assert (is_real(np.int64), is_whole(int)) == (False, False)  # the type is not a value
