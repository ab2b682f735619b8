"""Checks of the fields of the plan dataclasses (private).

Plans are written by hand in Python, so their fields are checked for what a hand slips into:
a single string (or Drive, Condition) where a tuple of them goes is a tuple of one, never the
characters of the string; text or a flag where a number goes is refused (not converted), as
are items of another kind.
"""

from __future__ import annotations

from collections.abc import Iterable

from neurocast._numbers import is_real, is_whole
from neurocast.errors import ConfigError

__all__ = ["as_tuple", "check_number", "check_whole"]


def as_tuple(value, kind: type, what: str, example: str) -> tuple:
    """``value`` as a tuple of ``kind`` items: one item alone (e.g. a str for kind str) makes a
    tuple of one, any other iterable a tuple of its items. ConfigError naming ``what``, with
    ``example`` in the hint, for anything else or an item of another kind."""
    if isinstance(value, kind):
        return (value,)
    items = tuple(value) if isinstance(value, Iterable) and not isinstance(value, (str, bytes)) else None
    wrong = [value] if items is None else [x for x in items if not isinstance(x, kind)]
    if wrong:  # a list: a wrong item may itself be None
        raise ConfigError(f"{what} takes a {kind.__name__} or a tuple of them, got {wrong[0]!r}",
                          f"e.g. {example}")
    return items


def check_number(value, what: str) -> None:
    """ConfigError naming ``what`` unless ``value`` is a real number (text and flags are not)."""
    if not is_real(value):
        raise ConfigError(f"{what} must be a number, got {value!r}",
                          "write it as a number, not as text (e.g. 50.0, not '50')")


def check_whole(value, what: str) -> None:
    """ConfigError naming ``what`` unless ``value`` is a whole number (an int, not 1.0 or '1')."""
    if not is_whole(value):
        raise ConfigError(f"{what} must be a whole number, got {value!r}",
                          "frames, counts and seeds are integers")
