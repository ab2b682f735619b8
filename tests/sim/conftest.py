"""Fixtures for the simulator tests: small networks with known wiring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_chain(counts, signs=None, n=None):
    """A connectome with connections i -> i+1 with the given synapse counts (neuron k named 'k')."""
    from neurocast.connectome import Connectome

    n = n if n is not None else len(counts) + 1
    signs = np.ones(n, dtype=int) if signs is None else np.asarray(signs)
    table = pd.DataFrame({"id": np.arange(n) + 100, "name": [f"n{k}" for k in range(n)], "sign": signs})
    return Connectome.from_edges(table, np.arange(len(counts)), np.arange(1, len(counts) + 1),
                                 counts, name="chain")


@pytest.fixture
def chain():
    """make_chain(counts, signs=None): a chain connectome n0 -> n1 -> ... (factory)."""
    return make_chain


@pytest.fixture
def chain2():
    """Two neurons, 0 -> 1 with 10 synapses (w = 2.75 mV of g)."""
    return make_chain([10])


@pytest.fixture(scope="session")
def random10k():
    """A 10,000-neuron synthetic network (random_connectome, 100 connections per neuron)."""
    from neurocast.connectome import random_connectome

    return random_connectome(10_000, 100, seed=7, name="rand10k")


@pytest.fixture
def cook2019():
    from neurocast.connectome import load_connectome

    try:
        return load_connectome("celegans-cook2019")
    except Exception as exc:  # pragma: no cover - cect missing
        pytest.skip(f"celegans-cook2019 unavailable: {exc}")


@pytest.fixture
def varshney_kunert():
    """Varshney et al. 2011 wiring signed as in Kunert et al. 2014 (GABAergic -1, others +1)."""
    from neurocast.connectome import load_connectome

    try:
        return load_connectome("celegans-varshney2011-kunert")
    except Exception as exc:  # pragma: no cover - cect missing
        pytest.skip(f"celegans-varshney2011-kunert unavailable: {exc}")
