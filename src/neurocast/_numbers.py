"""What counts as a number where a setting takes one (private).

Settings are typed by hand or come from users' own arrays, so a number may be a Python int or
float or a NumPy scalar (``np.float32(5.0)``, ``np.int64(3)`` taken out of an array): all are
numbers. Text (``'50'``) and flags (``True``, ``np.True_``) are not, though Python and NumPy would
calculate with them: a setting of ``True`` is a slip, never the number 1. Other number types
(``Fraction``, ``Decimal``, complex) are refused too: NumPy and the file formats do not take them.
The predicates only answer; each caller raises its own error, naming its setting and the fix.
Finiteness is the caller's to check (a NaN or inf is a number here, so that the error can say
"must be finite" rather than "must be a number").
"""

from __future__ import annotations

import numpy as np

__all__ = ["is_real", "is_whole"]

_WHOLE = (int, np.integer)
_REAL = (int, float, np.integer, np.floating)


def is_real(value) -> bool:
    """True for a real number: an int or a float, Python's or NumPy's (NaN and inf included);
    False for a bool (np.bool_ too), text and anything else."""
    return isinstance(value, _REAL) and not isinstance(value, bool)


def is_whole(value) -> bool:
    """True for an integer: an int, Python's or NumPy's; False for a bool, a float even of whole
    value (2.0: a count, a frame or a seed written as a float is a slip, not rounded) and
    anything else."""
    return isinstance(value, _WHOLE) and not isinstance(value, bool)
