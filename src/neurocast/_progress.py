"""Progress bars on stderr, shown only to a person at a terminal."""

from __future__ import annotations

import contextlib
import sys

_quiet = False


def progress_enabled() -> bool:
    """True when stderr is a terminal and progress bars were not silenced (--quiet, ``quiet()``)."""
    return sys.stderr.isatty() and not _quiet


def set_quiet(quiet: bool) -> None:
    """Silence (or re-enable) progress bars for this process; used by the CLI's --quiet."""
    global _quiet
    _quiet = bool(quiet)


@contextlib.contextmanager
def quiet(on: bool = True):
    """Within the block, no progress bars if ``on`` (the previous setting is restored after)."""
    global _quiet
    before = _quiet
    _quiet = before or bool(on)
    try:
        yield
    finally:
        _quiet = before


def progress(total: float | None = None, desc: str = "", unit: str = "it"):
    """A tqdm bar on stderr (disabled when not wanted). Use as a context manager; call .update(n)."""
    from tqdm.auto import tqdm  # on the first bar: keeps the command line's start fast

    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        disable=not progress_enabled(),
        leave=False,
        dynamic_ncols=True,
    )
