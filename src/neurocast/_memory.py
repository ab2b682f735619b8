"""Memory this machine can still give, and sizes in words, for checks made before long work."""

from __future__ import annotations

import os

__all__ = ["available_memory_bytes", "format_bytes"]


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
