"""Fixtures of the benchmark tests: a Dask cluster, and the bit-for-bit comparison of the
statistics two evaluations gather."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def client():
    """A local Dask cluster of 2 worker processes, one per test module."""
    pytest.importorskip("distributed")
    from neurocast._dask import dask_client

    with dask_client(n_workers=2) as cl:
        yield cl


def _same_statistics(got: dict, ref: dict, label: str = "") -> None:
    """Assert that {condition: WindowStats} ``got`` equals ``ref`` bit for bit: the same test
    sets, counts and sums (``label`` names the case in a failure)."""
    assert list(got) == list(ref), label
    for cond, stats in ref.items():
        np.testing.assert_array_equal(got[cond].count, stats.count, err_msg=f"{label} {cond}")
        for key in stats.sums:
            np.testing.assert_array_equal(got[cond].sums[key], stats.sums[key],
                                          err_msg=f"{label} {cond} {key}")


@pytest.fixture
def same_statistics():
    """``same_statistics(got, ref, label="")``: two evaluations' statistics equal bit for bit."""
    return _same_statistics
