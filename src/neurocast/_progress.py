"""Progress on stderr: a bar for a person at a terminal, a line a minute in a log file.

When stderr is not a terminal (a batch job, ``nohup``, ``2> log``), a bar that has run for
LOG_INTERVAL_S seconds is written as one plain line per LOG_INTERVAL_S (what the bar would
show: count, rate, time left and its postfix, e.g. the training losses), so a run of hours can
be followed with ``tail``; short work prints nothing.
"""

from __future__ import annotations

import contextlib
import sys
import time

_quiet = False
#: Seconds between progress lines when stderr is not a terminal (and before the first one).
LOG_INTERVAL_S = 60.0


def progress_enabled() -> bool:
    """True when stderr is a terminal and progress bars were not silenced (``quiet()``, --quiet)."""
    return sys.stderr.isatty() and not _quiet


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


class _Lines:
    """A stream for tqdm that writes a redraw ("\\r" + bar) as one line, at most one every
    LOG_INTERVAL_S seconds and none in the first LOG_INTERVAL_S; other redraws (forced ones, as
    ``set_postfix`` makes, and the bar clearing itself) are dropped."""

    def __init__(self, stream):
        self.stream = stream
        self.last = time.monotonic()

    def write(self, text: str) -> None:
        line = text.replace("\r", "").strip()
        now = time.monotonic()
        if line and now - self.last >= LOG_INTERVAL_S:
            self.stream.write(line + "\n")
            self.last = now

    def flush(self) -> None:
        self.stream.flush()


def progress(total: float | None = None, desc: str = "", unit: str = "it"):
    """A tqdm bar on stderr: drawn at a terminal, a line every LOG_INTERVAL_S seconds when stderr
    is not one (the first after LOG_INTERVAL_S), nothing when silenced (--quiet) or when
    ``total`` is 0 off a terminal. Use as a context manager; call .update(n)."""
    from tqdm.auto import tqdm  # on the first bar: keeps the command line's start fast

    if progress_enabled() or _quiet:
        return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=_quiet,
                    leave=False, dynamic_ncols=True)
    return tqdm(total=total, desc=desc, unit=unit, file=_Lines(sys.stderr), disable=total == 0,
                leave=False, ncols=120, ascii=True, mininterval=LOG_INTERVAL_S,
                maxinterval=max(LOG_INTERVAL_S, 10.0))
