"""Wiring controls keep exactly what they claim and change the wiring."""

import numpy as np
import pandas as pd
import pytest

from neurocast.connectome import (
    WIRINGS,
    Connectome,
    load_connectome,
    permute_labels,
    random_connectome,
    rewire,
    wiring_control,
)
from neurocast.errors import ResourceError, UnknownNameError


@pytest.fixture(scope="module")
def worm():
    return load_connectome("celegans-cook2019")


def _pairs(c):
    return set(zip(c.pre_positions().tolist(), c.indices.tolist(), strict=True))


def _gap_pairs(c):
    return set(zip(c._gap_rows().tolist(), c.gap_indices.tolist(), strict=True))


def _dense(n=30, p=0.45, seed=3):
    """A dense random graph with strongly varying degrees: the target shuffle repeats pairs."""
    rng = np.random.default_rng(seed)
    scale = np.linspace(0.2, 1.0, n)
    adj = rng.random((n, n)) < p * scale[:, None] * scale[None, :] * 2
    np.fill_diagonal(adj, False)
    pre, post = np.nonzero(adj)
    table = pd.DataFrame({"id": np.arange(n), "sign": np.where(np.arange(n) % 4 == 0, -1, 1)})
    return Connectome.from_edges(table, pre, post, rng.integers(1, 9, len(pre)))


@pytest.mark.parametrize("make", ["worm", "dense"])
def test_rewired_keeps_degrees_counts_and_weights(make, worm):
    c = worm if make == "worm" else _dense()
    r = rewire(c, seed=7)
    np.testing.assert_array_equal(r.out_degree(), c.out_degree())
    np.testing.assert_array_equal(r.in_degree(), c.in_degree())
    assert r.n_connections == c.n_connections and r.n_synapses == c.n_synapses
    # each presynaptic neuron keeps its multiset of signed weights (so out-strength and sign)
    def per_row(x):
        return [sorted(x.weight[x.indptr[i]:x.indptr[i + 1]].tolist()) for i in range(x.n_neurons)]
    assert per_row(r) == per_row(c)
    assert not np.any(r.pre_positions() == r.indices)  # no self-connections
    np.testing.assert_array_equal(np.diff(r.gap_indptr), np.diff(c.gap_indptr))
    np.testing.assert_array_equal(np.sort(r.gap_count), np.sort(c.gap_count))
    kept = len(_pairs(r) & _pairs(c)) / c.n_connections
    assert kept < 0.8, f"rewiring kept {kept:.0%} of the connections"
    if c.n_gap_junctions:
        assert len(_gap_pairs(r) & _gap_pairs(c)) / len(_gap_pairs(c)) < 0.5
    assert rewire(c, seed=7).equals(r)
    assert not rewire(c, seed=8).equals(r)


def test_permuted_moves_every_connection_with_the_labels(worm):
    p = permute_labels(worm, seed=2)
    perm_check = np.random.default_rng(2).permutation(worm.n_neurons)
    assert p.n_connections == worm.n_connections
    np.testing.assert_array_equal(p.out_degree()[perm_check], worm.out_degree())
    np.testing.assert_array_equal(p.in_degree()[perm_check], worm.in_degree())
    moved = {(perm_check[a], perm_check[b]) for a, b in _pairs(worm)}
    assert moved == _pairs(p)
    np.testing.assert_array_equal(np.sort(p.weight), np.sort(worm.weight))
    assert p.n_gap_junctions == worm.n_gap_junctions
    assert p.neurons.equals(worm.neurons)
    assert len(_pairs(p) & _pairs(worm)) < 0.1 * worm.n_connections
    assert permute_labels(worm, seed=2).equals(p)


def test_true_and_none(worm):
    assert wiring_control(worm, "true") is worm
    none = wiring_control(worm, "none")
    assert none.n_connections == 0 and none.n_gap_junctions == 0
    assert none.neurons.equals(worm.neurons)
    assert set(WIRINGS) == {"true", "permuted", "rewired", "none"}
    with pytest.raises(UnknownNameError, match="rewired"):
        wiring_control(worm, "rewire")


def test_weighted_connectome_weights_travel():
    c = random_connectome(2000, 10, seed=1)
    table = c.neurons
    w = np.random.default_rng(0).random(c.n_connections)
    weighted = Connectome.from_edges(table, c.pre_positions(), c.indices, None, weight=w,
                                     weight_units="density")
    for control in ("permuted", "rewired"):
        out = wiring_control(weighted, control, seed=4)
        assert out.weighted and out.weight_units == "density"
        np.testing.assert_array_equal(np.sort(out.weight), np.sort(weighted.weight))


def test_complete_graph_cannot_be_rewired():
    n = 6
    pre, post = np.nonzero(~np.eye(n, dtype=bool))
    c = Connectome.from_edges(pd.DataFrame({"id": np.arange(n)}), pre, post, np.ones(len(pre), int))
    with pytest.raises(ResourceError, match="permuted"):
        rewire(c, seed=0)


@pytest.mark.slow
def test_rewire_fly_synth_size():
    from neurocast.connectome import fly_synth

    c = fly_synth()
    r = rewire(c, seed=0)
    np.testing.assert_array_equal(r.in_degree(), c.in_degree())
    np.testing.assert_array_equal(r.out_degree(), c.out_degree())
