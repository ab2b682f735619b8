"""Memory this machine can still give, sizes in words, and the C heap's policy for loops that
allocate and free the same large blocks over and over."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import sys
import threading

__all__ = ["available_memory_bytes", "format_bytes", "reused_heap"]

# mallopt parameters (glibc's malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_MMAP_MAX = -1, -3, -4
_KEEP_BYTES = (1 << 31) - 1  # mallopt takes a C int
_MMAP_MAX_DEFAULT = 65536
_MMAP_AFTER = 32 << 20  # the mmap threshold after the block: glibc's largest dynamic threshold


def available_memory_bytes() -> int:
    """Memory available to new allocations (MemAvailable of /proc/meminfo, else total RAM)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 1 << 62


def format_bytes(n: float) -> str:
    """'1.5 GB' (binary multiples, one decimal)."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover


@functools.cache
def _glibc():
    """The C library when it is glibc with mallopt and malloc_trim, else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    if not all(hasattr(libc, f) for f in ("gnu_get_libc_version", "mallopt", "malloc_trim")):
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.malloc_trim.argtypes = [ctypes.c_size_t]
    return libc


_depth = 0  # blocks of reused_heap open now, in any thread
_depth_lock = threading.Lock()


@contextlib.contextmanager
def reused_heap():
    """Within the block, freed memory stays in the process for the next allocation.

    glibc maps each block above its mmap threshold (at most 32 MiB) from the kernel and unmaps
    it when freed, so a loop that allocates such blocks each time (a training step at ZAPBench
    size: its gradients and the loss's differences, 73 MB each) faults every page of them in
    again: a fresh 73 MB tensor costs ~11 ms with huge pages against ~2 ms to fill an existing
    one, a fifth of a tsmixer step at 71,721 neurons (benchmarks/README.md). Here the main
    thread's heap serves every size and keeps what is freed (up to 2 GiB at its top); other
    threads' heaps are capped at 64 MiB by glibc, and blocks larger than that are still mapped
    there. When the last open block ends (blocks may nest or overlap across threads), the freed
    memory goes back to the kernel (``malloc_trim``) and glibc is left with the thresholds its
    sliding threshold would have reached (mmap from 32 MiB, trim above 64 MiB): setting any of
    them turns that sliding threshold off for good, and settings made through MALLOC_*
    variables or mallopt before are not restored. Results do not change, only where memory
    comes from; on other C libraries this does nothing.
    """
    global _depth
    libc = _glibc()
    if libc is None:
        yield
        return
    with _depth_lock:
        _depth += 1
        if _depth == 1:
            libc.mallopt(_M_MMAP_MAX, 0)
            libc.mallopt(_M_TRIM_THRESHOLD, _KEEP_BYTES)
    try:
        yield
    finally:
        with _depth_lock:
            _depth -= 1
            if _depth == 0:
                libc.mallopt(_M_MMAP_MAX, _MMAP_MAX_DEFAULT)
                libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_AFTER)
                libc.mallopt(_M_TRIM_THRESHOLD, 2 * _MMAP_AFTER)
                libc.malloc_trim(0)
