"""dask_client takes a NumPy integer number of workers (np.int64 out of an array) as a Python
int, and still refuses flags, floats and durations. Stand-ins for LocalCluster and Client
record what they are given: no cluster is started."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast._dask import dask_client
from neurocast.errors import ConfigError

pytestmark = pytest.mark.distributed  # CI installs distributed (the dask extra) in that step
distributed = pytest.importorskip("distributed")

_MADE = []  # the stand-in clusters made by a test


class _Cluster:
    def __init__(self, **kwargs):
        self.kwargs = kwargs
        _MADE.append(self)

    def close(self):
        pass


class _Client:
    def __init__(self, cluster):
        self.cluster = cluster

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def stand_ins(monkeypatch):
    _MADE.clear()
    monkeypatch.setattr(distributed, "LocalCluster", _Cluster)
    monkeypatch.setattr(distributed, "Client", _Client)
    return _MADE


@pytest.mark.parametrize("n", [3, np.int64(3), np.uint8(3)], ids=repr)
def test_numpy_integers_as_python_ints(stand_ins, n):
    with dask_client(n_workers=n) as client:
        assert client.cluster is stand_ins[0]
    assert stand_ins[0].kwargs["n_workers"] == 3
    assert type(stand_ins[0].kwargs["n_workers"]) is int


@pytest.mark.parametrize("n", [True, 2.0, np.float64(2), "2", 0, np.int64(-1), np.timedelta64(2)],
                         ids=repr)
def test_refused(stand_ins, n):
    with pytest.raises(ConfigError, match="n_workers must be a positive integer"):
        with dask_client(n_workers=n):
            pass
    assert stand_ins == []
