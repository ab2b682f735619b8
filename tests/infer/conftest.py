"""Small networks whose answer is known, and activity generated from them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def _connectome(n, pre, post, sign, name):
    from neurocast.connectome import Connectome

    neurons = pd.DataFrame({"id": np.arange(n), "name": [f"n{i}" for i in range(n)],
                            "type": ["m0"] * n, "sign": np.ones(n, dtype=int)})
    return Connectome.from_edges(neurons, pre, post, np.full(len(pre), 5), sign=sign, name=name)


def hawkes_calcium(con, *, n_frames=20_000, base=0.15, w_exc=0.7, w_inh=-0.12, gamma=0.7,
                   noise=0.05, seed=0):
    """A discrete linear (Hawkes/AR) spiking model on ``con`` and its AR(1) calcium.

    Spikes per frame s_j(t) ~ Poisson(max(0, base + Σ_i A_ij s_i(t−1))) with A_ij = w_exc or
    w_inh by the edge's sign; calcium c(t) = gamma·c(t−1) + s(t) + Gaussian noise.
    Returns (calcium float32 (time, neuron), spikes (time, neuron)).
    """
    rng = np.random.default_rng(seed)
    a = con.to_scipy("weight").toarray()
    a = np.where(a > 0, w_exc, np.where(a < 0, w_inh, 0.0))
    n = con.n_neurons
    s = np.zeros((n_frames, n))
    for t in range(1, n_frames):
        s[t] = rng.poisson(np.maximum(0.0, base + s[t - 1] @ a))
    c = np.zeros_like(s)
    for t in range(1, n_frames):
        c[t] = gamma * c[t - 1] + s[t]
    c += noise * rng.standard_normal(c.shape)
    return c.astype(np.float32), s.astype(np.float32)


@pytest.fixture(scope="session")
def simulate_hawkes():
    """The function ``hawkes_calcium`` (fixtures are how test modules share helpers here)."""
    return hawkes_calcium


@pytest.fixture(scope="session")
def chain():
    """A chain n0 → n1 → ... → n7 (all excitatory)."""
    n = 8
    return _connectome(n, np.arange(n - 1), np.arange(1, n), np.ones(n - 1, dtype=int), "chain")


@pytest.fixture(scope="session")
def ring():
    """A ring n0 → n1 → ... → n7 → n0 whose edge n3 → n4 is inhibitory."""
    n = 8
    sign = np.ones(n, dtype=int)
    sign[3] = -1
    return _connectome(n, np.arange(n), (np.arange(n) + 1) % n, sign, "ring")
