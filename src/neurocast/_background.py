"""Compute the next items of an iterator in a background thread while the caller uses this one."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_END = object()


def run_ahead(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Yield the items of ``items`` in order while a background thread computes up to ``depth``
    more, so that producing and consuming overlap on two cores.

    They overlap only where one side releases the GIL (numba kernels compiled with
    ``nogil=True``, large NumPy operations). An exception raised by the producer is raised here,
    at the item where it happened. When the caller stops early (``break``, an exception,
    Ctrl-C), the producer stops after the item it is computing and the caller does not wait
    for it. At most ``depth + 2`` items exist at once: the caller's, ``depth`` waiting, and one
    finished by the producer while the queue is full.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(entry) -> bool:
        while not stop.is_set():
            try:
                box.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand_over((item, None)):
                    return
            hand_over((_END, None))
        except BaseException as exc:  # handed to the caller's thread and raised there
            hand_over((_END, exc))

    worker = threading.Thread(target=produce, name="neurocast-run-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item, exc = box.get()
            if exc is not None:
                raise exc
            if item is _END:
                return
            yield item
    finally:
        stop.set()
