"""Shared fixtures: small, real objects built fast."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Each test session writes cached data into its own temporary folder, never ~/.cache."""
    monkeypatch.setenv("NEUROCAST_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture
def mpiexec() -> str:
    """The mpiexec of the mpi extra's MPI wheel beside this Python (the MPI mpi4py is linked
    to), else one on PATH; the test is skipped without one."""
    pytest.importorskip("mpi4py")
    beside = Path(sys.executable).parent / "mpiexec"
    exe = str(beside) if beside.exists() else shutil.which("mpiexec")
    if exe is None:
        pytest.skip("no mpiexec (pip install 'neurocast[mpi]')")
    return exe


@pytest.fixture
def saved(monkeypatch) -> list:
    """Every matplotlib Figure saved during the test, in order."""
    from matplotlib.figure import Figure

    figs: list = []
    original = Figure.savefig

    def savefig(self, *args, **kwargs):
        figs.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig)
    return figs


@pytest.fixture
def tiny_connectome():
    """Five neurons, six connections (one inhibitory neuron), one gap junction."""
    from neurocast.connectome import Connectome

    neurons = pd.DataFrame({
        "id": np.array([10, 11, 12, 13, 720575940000000001], dtype=np.int64),
        "name": ["A", "B", "C", "D", "E"],
        "type": ["s", "s", "i", "m", "m"],
        "transmitter": ["ACh", "ACh", "GABA", "ACh", "Glu"],
        "sign": [1, 1, -1, 1, 1],
    })
    return Connectome.from_edges(
        neurons,
        pre=[0, 0, 1, 2, 2, 3], post=[1, 2, 2, 3, 4, 4], count=[3, 1, 5, 2, 7, 1],
        gap_pre=[3], gap_post=[4], gap_count=[2], name="tiny",
    )
