"""What counts as a number where a setting takes one (private).

Settings are typed by hand or come from users' own arrays, so a number may be a Python int or
float or a NumPy scalar (``np.float32(5.0)``, ``np.int64(3)`` taken out of an array): all are
numbers. Text (``'50'``) and flags (``True``, ``np.True_``) are not, though Python and NumPy would
calculate with them: a setting of ``True`` is a slip, never the number 1. Other number types
(``Fraction``, ``Decimal``, complex) are refused too: NumPy and the file formats do not take them.
A ``np.timedelta64`` is refused as well: NumPy makes it a subclass of ``np.signedinteger``, but
it is a duration with a unit, not a number (``np.timedelta64(1, 'ms')`` is not the number 1).
The predicates only answer; each caller raises its own error, naming its setting and the fix.
``is_real`` and ``is_whole`` leave finiteness to the caller (a NaN or inf is a number there, so
that the error can say "must be finite" rather than "must be a number"); ``is_finite_real``
answers both at once, for a caller that checks them together or after ``is_real``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["is_finite_real", "is_real", "is_whole"]

_WHOLE = (int, np.integer)
_REAL = (int, float, np.integer, np.floating)
#: Instances of _WHOLE or _REAL that are not numbers: flags (bool; np.bool_ is no np.integer)
#: and durations (np.timedelta64 subclasses np.signedinteger).
_NOT_NUMBERS = (bool, np.timedelta64)


def is_real(value) -> bool:
    """True for a real number: an int or a float, Python's or NumPy's (NaN and inf included);
    False for a bool (np.bool_ too), a np.timedelta64, text and anything else."""
    return isinstance(value, _REAL) and not isinstance(value, _NOT_NUMBERS)


def is_whole(value) -> bool:
    """True for an integer: an int, Python's or NumPy's; False for a bool, a float even of whole
    value (2.0: a count, a frame or a seed written as a float is a slip, not rounded), a
    np.timedelta64 and anything else."""
    return isinstance(value, _WHOLE) and not isinstance(value, _NOT_NUMBERS)


def is_finite_real(value) -> bool:
    """True for a real number (``is_real``) whose value as a float is finite; False for NaN,
    inf, anything ``is_real`` refuses, and a number no float (float64) holds: a Python int beyond
    the float range (``2**1024``) or a ``np.longdouble`` beyond it (``np.longdouble('1e400')``).

    Finite means: usable as a float. Callers store and calculate with a setting as a float
    (``float(v)``), so a number that has none is refused here, and the caller raises its own
    "must be finite" error rather than a bare OverflowError (``math.isfinite(2**1024)``,
    ``float(2**1024)``). A large int that a float holds is finite: ``2**80`` (1.2e24; where
    ``np.isfinite(2**80)`` raises TypeError, the int being too large for int64); the caller's
    own range check then decides whether it is a sensible value. Never raises."""
    if not is_real(value):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # a Python int beyond the float range
        return False
