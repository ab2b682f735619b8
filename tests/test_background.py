"""run_ahead: items in order, producer errors raised in the caller, early stops stop the producer."""

import threading
import time

import pytest

from neurocast._background import run_ahead


def test_items_arrive_in_order_and_the_producer_runs_in_another_thread():
    threads = []

    def produce():
        for k in range(50):
            threads.append(threading.get_ident())
            yield k

    assert list(run_ahead(produce(), depth=3)) == list(range(50))
    assert set(threads) == {threads[0]} and threads[0] != threading.get_ident()


def test_the_producer_works_while_the_caller_works():
    def produce():
        for k in range(4):
            time.sleep(0.5)  # releases the GIL, like a nogil kernel
            yield k

    t0 = time.perf_counter()
    for _ in run_ahead(produce()):
        time.sleep(0.5)
    # one after the other: 4.0 s; overlapped: 0.5 + 4 x 0.5 = 2.5 s (the margin is for a
    # busy machine's late wake-ups)
    assert time.perf_counter() - t0 < 3.25


def test_an_error_of_the_producer_is_raised_in_the_caller_at_its_item():
    def produce():
        yield 1
        yield 2
        raise ValueError("bad chunk")

    seen = []
    with pytest.raises(ValueError, match="bad chunk"):
        for item in run_ahead(produce()):
            seen.append(item)
    assert seen == [1, 2]


def test_stopping_early_stops_the_producer_without_waiting_for_it():
    made = []
    done = threading.Event()

    def produce():
        try:
            for k in range(1000):
                made.append(k)
                yield k
        finally:
            done.set()

    for item in run_ahead(produce(), depth=2):
        if item == 3:
            break
    assert done.wait(5.0)
    assert len(made) <= 3 + 1 + 2 + 1  # consumed, the one in hand, the queue, one in the making


def test_depth_must_be_positive():
    with pytest.raises(ValueError, match="depth"):
        next(run_ahead(iter([1]), depth=0))
