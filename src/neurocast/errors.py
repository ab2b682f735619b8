"""Errors raised by neurocast.

Every error a user can cause is a ``NeurocastError``, which is a ``ValueError``:
the input was wrong. The message says what is wrong; ``hint`` (optional) says how
to fix it. The command line prints both and exits with status 2.
"""

from __future__ import annotations

import difflib

__all__ = [
    "ConfigError",
    "FormatError",
    "NeurocastError",
    "NonFiniteError",
    "ResourceError",
    "UnknownNameError",
    "WriteError",
]


class NeurocastError(ValueError):
    """Base class for every error caused by bad input.

    message: one line saying what is wrong.
    hint: optional lines saying how to fix it (shown by the CLI as ``hint: ...``).
    """

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message if hint is None else f"{message}\n  hint: {hint}")
        self.message = message
        self.hint = hint


class ConfigError(NeurocastError):
    """A parameter or configuration value is out of range or inconsistent."""


class FormatError(NeurocastError):
    """A file or table does not have the expected format (columns, types, values)."""


class NonFiniteError(NeurocastError):
    """An input holds NaN or infinity where finite numbers are required."""


class UnknownNameError(NeurocastError):
    """A name (built-in connectome, neuron, protocol, model, ...) is not known."""


class WriteError(NeurocastError, OSError):
    """An output could not be written (folder not writable, disk full, ...).

    Also an ``OSError``, so code that handles failed writes as ``OSError`` keeps working.
    """


class ResourceError(NeurocastError):
    """A request would need more memory (or another resource) than the machine has."""


def unknown_name(kind: str, name: object, known, *, n_close: int = 5) -> UnknownNameError:
    """Build an UnknownNameError that lists near matches (or the known names if few)."""
    known = [str(k) for k in known]
    by_lower: dict[str, str] = {}
    for k in known:
        by_lower.setdefault(k.lower(), k)
    close = difflib.get_close_matches(str(name).lower(), list(by_lower), n=n_close, cutoff=0.6)
    close = [by_lower[c] for c in close]
    if close:
        hint = "did you mean " + ", ".join(repr(c) for c in close) + "?"
    elif len(known) <= 20:
        hint = "known: " + ", ".join(known)
    else:
        hint = f"{len(known)} known, e.g. " + ", ".join(known[:5])
    return UnknownNameError(f"unknown {kind} {name!r}", hint)
