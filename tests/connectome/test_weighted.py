"""Weighted connectomes: float weights beside synapse counts, through npz and edge lists."""

import json

import numpy as np
import pandas as pd
import pytest

from neurocast.connectome import Connectome, read_connectome, write_connectome
from neurocast.errors import FormatError


def _regions(n=5, sign=None):
    return pd.DataFrame({"id": np.arange(10, 10 + n), "name": [f"r{i}" for i in range(n)],
                         "sign": np.ones(n, np.int8) if sign is None else sign})


def _weighted():
    pre = np.array([0, 0, 1, 2, 3, 4, 4])
    post = np.array([1, 2, 0, 4, 1, 0, 3])
    w = np.array([0.125, 0.5, 1.0, 0.0625, 0.3, 2.5e-4, 0.75])
    sign = np.array([1, 1, -1, 1, -1, 1, 1])
    return Connectome.from_edges(_regions(), pre, post, None, weight=w, sign=sign,
                                 weight_units="streamline density", name="regions"), pre, post, w, sign


def test_float_weights_are_kept_with_their_sign_and_units():
    c, pre, post, w, sign = _weighted()
    assert c.weighted and c.weight_units == "streamline density"
    order = np.lexsort((post, pre))
    np.testing.assert_array_equal(c.weight, (w * sign)[order].astype(np.float32))
    np.testing.assert_array_equal(c.count, 1)  # counts unknown
    np.testing.assert_array_equal(c.strength(), np.abs(c.weight))
    assert c.indices.itemsize + c.count.itemsize + c.weight.itemsize == 12  # bytes per connection
    assert "weights in streamline density" in repr(c)


def test_counts_with_weights_and_the_synapse_invariant():
    pre, post = np.array([0, 1]), np.array([1, 2])
    c = Connectome.from_edges(_regions(3), pre, post, [4, 7], weight=[0.4, 0.7])
    assert c.weight_units == "weight"
    np.testing.assert_array_equal(c.count, [4, 7])
    np.testing.assert_allclose(c.weight, [0.4, 0.7])
    counts = Connectome.from_edges(_regions(3), pre, post, [4, 7])
    assert not counts.weighted
    np.testing.assert_array_equal(counts.strength(), [4, 7])
    # a synapse-count connectome whose weights are not ±count is rejected
    with pytest.raises(FormatError, match="signed synapse counts"):
        Connectome(counts.neurons, counts.indptr, counts.indices, counts.count, [0.4, 0.7])
    with pytest.raises(FormatError, match="non-negative"):
        Connectome.from_edges(_regions(3), pre, post, None, weight=[-0.4, 0.7])
    with pytest.raises(FormatError, match="NaN"):
        Connectome.from_edges(_regions(3), pre, post, None, weight=[np.nan, 0.7])
    with pytest.raises(FormatError, match="reserved"):
        Connectome.from_edges(_regions(3), pre, post, None, weight=[0.4, 0.7], weight_units="synapses")
    with pytest.raises(FormatError, match="give synapse counts"):
        Connectome.from_edges(_regions(3), pre, post, None)


def test_repeated_weighted_pairs_are_summed():
    c = Connectome.from_edges(_regions(3), [0, 0, 1], [1, 1, 2], None, weight=[0.25, 0.5, 1.5],
                              duplicates="sum")
    np.testing.assert_allclose(c.weight, [0.75, 1.5])
    np.testing.assert_array_equal(c.count, [2, 1])


def test_npz_round_trip_and_versions(tmp_path):
    c, *_ = _weighted()
    back = Connectome.load(c.save(tmp_path / "w.npz"))
    assert back.equals(c) and back.weight_units == c.weight_units
    with np.load(tmp_path / "w.npz") as z:
        assert json.loads(str(z["meta"]))["version"] == 2
    # synapse-count connectomes are still written as version 1 (older neurocast reads them)
    counts = Connectome.from_edges(_regions(3), [0, 1], [1, 2], [4, 7])
    counts.save(tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz") as z:
        meta = json.loads(str(z["meta"]))
        arrays = {k: z[k] for k in z.files}
    assert meta["version"] == 1 and "weight_units" not in meta
    assert not Connectome.load(tmp_path / "c.npz").weighted
    # a file from a newer neurocast is refused with a clear message
    meta["version"] = 3
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "future.npz", **arrays)
    with pytest.raises(FormatError, match="up to version 2"):
        Connectome.load(tmp_path / "future.npz")


@pytest.mark.parametrize("dest", ["edges.csv", "edges.parquet", "folder"])
def test_edge_list_round_trip_keeps_weights(tmp_path, dest):
    c, *_ = _weighted()
    path = write_connectome(c, tmp_path / dest, format="edgelist")
    back = read_connectome(path)
    assert back.weighted
    np.testing.assert_array_equal(back.weight, c.weight)
    np.testing.assert_array_equal(back.indices, c.indices)
    np.testing.assert_array_equal(back.ids[back.pre_positions()], c.ids[c.pre_positions()])


def test_edge_list_with_signed_weights_and_no_counts(tmp_path):
    path = tmp_path / "sc.csv"
    pd.DataFrame({"pre": [1, 2, 3], "post": [2, 3, 1], "weight": [0.5, -0.25, 1e-3]}).to_csv(path, index=False)
    c = read_connectome(path)
    assert c.weighted
    np.testing.assert_allclose(c.weight, [0.5, -0.25, 1e-3], rtol=1e-6)
    np.testing.assert_array_equal(c.count, 1)
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"pre": [1], "post": [2], "sign": [1], "weight": [-0.5]}).to_csv(bad, index=False)
    with pytest.raises(FormatError, match="negative weight"):
        read_connectome(bad)


def test_count_only_formats_refuse_float_weights(tmp_path):
    c, *_ = _weighted()
    with pytest.raises(FormatError, match="synapse counts only"):
        write_connectome(c, tmp_path / "fw", format="flywire")
    assert not (tmp_path / "fw").exists()


def test_subnetwork_keeps_weights():
    c, *_ = _weighted()
    sub = c.subnetwork(["r0", "r1", "r2"])
    assert sub.weight_units == c.weight_units
    np.testing.assert_allclose(sorted(sub.weight), sorted([0.125, 0.5, -1.0]))
