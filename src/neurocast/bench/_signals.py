"""Signals held back for a moment: Ctrl-C (and SIGTERM, SIGHUP when they have a Python handler,
as the command line's ``neurocast: terminated``) during a block is delivered right after it.

For code that must not be interrupted half-way, above all the import of a library that
compiles numba functions (``scoringrules``, for the seed ensembles): numba's compiler calls back
into Python through ctypes, and an exception raised in a ctypes callback is printed ("Exception
ignored on calling ctypes callback function ... KeyboardInterrupt") and dropped, leaving the
compiled library half-built (``RuntimeError: no compiled object yet``) or the Ctrl-C lost.

Blocking the signals with ``signal.pthread_sigmask`` is not enough: it blocks them in the main
thread only, and the kernel then hands a Ctrl-C (sent to the whole process) to another thread
(OpenBLAS and torch start some), whose C handler still has the main thread run the Python handler
at its next bytecode, inside the callback. So the Python handlers themselves are replaced for the
block by one that only records the signal, and the signal is raised again after it, when its own
handler turns it into a KeyboardInterrupt (or the command line's exception) at a safe point;
of several signals, the most severe (SIGTERM, SIGHUP, then SIGINT), since one handler's
exception ends the block's caller before another could run.
"""

from __future__ import annotations

import contextlib
import signal
import threading

__all__ = ["deferred_signals"]

#: The signals held back, where the platform has them (Windows: SIGINT and SIGTERM).
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


#: The order in which the signals that came are weighed, most severe first: a SIGTERM (the
#: system or a scheduler ending the job) or SIGHUP (a closed terminal) outweighs a Ctrl-C.
_SEVERITY = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name))


@contextlib.contextmanager
def deferred_signals():
    """Within the block, SIGINT, SIGTERM and SIGHUP are recorded, not handled; on leaving it the
    handlers are restored and one signal is raised again (``signal.raise_signal``), so its
    handler runs then: after Ctrl-C, the block ends as usual and a KeyboardInterrupt is raised
    where it was entered. If several signals came they are raised most severe first (SIGTERM,
    SIGHUP, SIGINT), and the first handler that raises ends it (so Ctrl-C then SIGTERM ends the
    command as SIGTERM, status 143, not 130); a handler that only returns (say, one that sets a
    flag) lets the next one be raised too. A
    signal that came several times is raised once. Only signals with a Python handler are held
    (Python's own Ctrl-C handler, the command line's SIGTERM/SIGHUP handler); a default or ignored
    one is left alone (SIGTERM without a handler still ends the process at once). Outside the
    main thread (where no signal handler runs and none can be set) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: set[int] = set()

    def record(signum, frame):
        came.add(signum)

    held = {}
    for signum in _SIGNALS:
        handler = signal.getsignal(signum)
        if callable(handler):
            held[signum] = handler
    try:
        for signum in held:
            signal.signal(signum, record)
        yield
    finally:
        for signum, handler in held.items():
            signal.signal(signum, handler)
        for signum in _SEVERITY:  # most severe first; the first handler that raises ends it
            if signum in came:
                signal.raise_signal(signum)  # its handler runs now: KeyboardInterrupt from here
