"""Connectome.index_of reads an int as a neuron id, and a NumPy duration never as one: NumPy
makes ``np.timedelta64`` a subclass of ``np.integer``, so ``np.timedelta64(3)`` was the neuron with
id 3 (session 28 review; the rule of ``neurocast._numbers.is_whole``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neurocast.connectome import Connectome
from neurocast.errors import UnknownNameError


@pytest.fixture
def con():
    neurons = pd.DataFrame({"id": np.arange(5), "name": ["A", "B", "C", "D", "E"], "sign": 1})
    return Connectome.from_edges(neurons, pre=[0, 1], post=[1, 2], count=[1, 1], name="five")


def test_ids_given_as_python_or_numpy_ints_are_ids(con):
    assert con.index_of([3, np.int64(1), np.uint8(4)]).tolist() == [3, 1, 4]


@pytest.mark.parametrize("key", [np.timedelta64(3), [np.timedelta64(3)], ["A", np.timedelta64(3, "ms")]])
def test_a_duration_is_no_neuron_id(con, key):
    with pytest.raises(UnknownNameError, match="unknown neuron"):
        con.index_of(key)
