"""The Connectome type: construction, sizes, lookups, views, storage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neurocast.connectome import Connectome
from neurocast.errors import FormatError, NeurocastError, UnknownNameError


def test_sizes_and_signs(tiny_connectome):
    c = tiny_connectome
    assert (c.n_neurons, c.n_connections, c.n_synapses, c.n_gap_junctions) == (5, 6, 19, 1)
    # C is inhibitory: its outgoing weights are negative counts
    pre = c.pre_positions()
    assert np.array_equal(c.weight[pre == 2], [-2.0, -7.0])
    assert c.weight.dtype == np.float32 and c.indices.dtype == np.int32 and c.count.dtype == np.int32


def test_arrays_are_read_only_and_table_is_a_copy(tiny_connectome):
    with pytest.raises(ValueError):
        tiny_connectome.weight[0] = 9
    t = tiny_connectome.neurons
    t.loc[0, "name"] = "changed"
    assert tiny_connectome.neurons.loc[0, "name"] == "A"


def test_lookup_by_name_and_64bit_id(tiny_connectome):
    assert tiny_connectome.index_of(["E", "A"]).tolist() == [4, 0]
    assert tiny_connectome.index_of(720575940000000001).tolist() == [4]
    with pytest.raises(UnknownNameError, match="did you mean 'A'"):
        tiny_connectome.index_of("a")


def test_positions_named_finds_every_exact_match():
    c = Connectome.from_edges(pd.DataFrame({"id": [1, 2, 3, 4], "name": ["x", "dup", "X", "dup"]}),
                              [0], [1], [1])
    assert c.positions_named("dup").tolist() == [1, 3]
    assert c.positions_named("x").tolist() == [0]  # exact: case matters
    assert c.positions_named("y").tolist() == []


def test_lookup_refuses_a_name_that_is_another_neurons_id():
    neurons = pd.DataFrame({"id": [1, 2, 3], "name": ["3", "b", "c"]})
    c = Connectome.from_edges(neurons, [0, 1], [1, 2], [1, 1], name="elf")
    message = ("neuron '3' is ambiguous in connectome 'elf': it is the name of the neuron with "
               "id 1 and the id of the neuron named 'c'")
    with pytest.raises(NeurocastError, match=message) as err:
        c.index_of("3")
    assert ("give the neuron named '3' by its id 1, or the neuron with id 3 by its name 'c'"
            in err.value.hint)
    assert c.index_of(["c", 3, "1", "b"]).tolist() == [2, 2, 0, 1]  # unambiguous keys still work
    same = Connectome.from_edges(pd.DataFrame({"id": [1, 7], "name": ["1", "x"]}), [0], [1], [1])
    assert same.index_of("1").tolist() == [0]  # name and id of one neuron


def test_degrees(tiny_connectome):
    assert tiny_connectome.out_degree().tolist() == [2, 1, 2, 1, 0]
    assert tiny_connectome.in_degree().tolist() == [0, 1, 2, 1, 2]


def test_duplicates_error_or_sum():
    neurons = pd.DataFrame({"id": [1, 2]})
    with pytest.raises(FormatError, match="edges repeat 1 pair"):
        Connectome.from_edges(neurons, [0, 0], [1, 1], [2, 3])
    c = Connectome.from_edges(neurons, [0, 0], [1, 1], [2, 3], duplicates="sum")
    assert c.count.tolist() == [5] and c.n_connections == 1


@pytest.mark.parametrize("count,message", [
    ([1.5], "whole numbers"), ([-1], "positive"), ([np.nan], "NaN"),
])
def test_bad_counts(count, message):
    with pytest.raises(FormatError, match=message):
        Connectome.from_edges(pd.DataFrame({"id": [1, 2]}), [0], [1], count)


def test_subnetwork_keeps_internal_edges(tiny_connectome):
    sub = tiny_connectome.subnetwork(["C", "D", "E"])
    assert sub.names.tolist() == ["C", "D", "E"]
    assert sub.n_connections == 3 and sub.n_gap_junctions == 1
    assert sub.weight.tolist() == [-2.0, -7.0, 1.0]


def test_scipy_and_networkx(tiny_connectome):
    m = tiny_connectome.to_scipy("count")
    assert m.shape == (5, 5) and m[1, 2] == 5 and m.sum() == 19
    g = tiny_connectome.to_networkx()
    assert g.edges["C", "E"]["weight"] == -7.0 and g.edges["D", "E"]["gap"] == 2


def test_save_load_round_trip(tiny_connectome, tmp_path):
    path = tiny_connectome.save(tmp_path / "tiny.npz")
    back = Connectome.load(path)
    assert back.equals(tiny_connectome, check_name=True)
    assert back.ids[4] == 720575940000000001
    assert [p.name for p in tmp_path.iterdir()] == ["tiny.npz"]  # no temporary left behind


def test_attributes_cannot_be_rebound_and_pickle_keeps_the_object(tiny_connectome):
    import pickle

    for attr, value in (("name", "other"), ("indptr", np.zeros(6)), ("attrs", {})):
        with pytest.raises(AttributeError, match="immutable"):
            setattr(tiny_connectome, attr, value)
    back = pickle.loads(pickle.dumps(tiny_connectome))
    assert back.equals(tiny_connectome, check_name=True)
    with pytest.raises(AttributeError, match="immutable"):
        back.name = "other"


@pytest.mark.parametrize(("arrays", "message"), [
    (dict(indptr=[0, 2, 2, 2], indices=[1, 1], count=[1, 1]), "sorted within each row without repeats"),
    (dict(indptr=[0, 2, 2, 2], indices=[2, 1], count=[1, 1]), "sorted within each row without repeats"),
    (dict(indptr=[0, 1, 1, 1], indices=[1], count=[0]), "count must be >= 1"),
    (dict(gap_indptr=[0, 1, 1, 1], gap_indices=[1], gap_count=[1]), "gap-junction layer must be symmetric"),
    (dict(gap_indptr=[0, 1, 2, 2], gap_indices=[1, 0], gap_count=[1, 2]), "gap-junction layer must be symmetric"),
])
def test_constructor_checks_csr_invariants(arrays, message):
    csr = dict(indptr=[0, 1, 2, 2], indices=[1, 2], count=[1, 1]) | {
        k: v for k, v in arrays.items() if not k.startswith("gap")}
    gaps = {k: v for k, v in arrays.items() if k.startswith("gap")}
    with pytest.raises(FormatError, match=message):
        Connectome(pd.DataFrame({"id": [1, 2, 3]}), csr["indptr"], csr["indices"], csr["count"],
                   np.ones(len(csr["indices"])), **gaps)


def test_gap_pairs_self_pairs_and_subnetwork():
    neurons = pd.DataFrame({"id": [1, 2, 3]})
    c = Connectome.from_edges(neurons, [0], [1], [1], gap_pre=[2, 0], gap_post=[0, 0], gap_count=[3, 4])
    assert c.n_gap_junctions == 2
    np.testing.assert_array_equal(c.to_scipy("count", layer="gap").toarray(),
                                  [[4, 0, 3], [0, 0, 0], [3, 0, 0]])
    sub = c.subnetwork([1, 3])  # ids; keeps the self pair and the 1–3 pair
    assert sub.n_gap_junctions == 2 and sub.gap_count.tolist() == [4, 3, 3]
    with pytest.raises(FormatError, match="gap junctions repeat 1 pair"):  # A–B and B–A
        Connectome.from_edges(neurons, [0], [1], [1], gap_pre=[0, 2], gap_post=[2, 0], gap_count=[1, 1])
    summed = Connectome.from_edges(neurons, [0], [1], [1], gap_pre=[0, 2], gap_post=[2, 0],
                                   gap_count=[1, 1], duplicates="sum")
    assert summed.gap_count.tolist() == [2, 2]


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(gap_pre=[5], gap_post=[0], gap_count=[1]), "gap_pre positions must lie in 0..2"),
    (dict(gap_pre=[0], gap_post=[1]), "give all of gap_pre, gap_post and gap_count"),
    (dict(gap_pre=[0, 1], gap_post=[1], gap_count=[1]), "must have the same length"),
    (dict(sign=[2]), "sign must hold one -1, 0 or \\+1 per edge"),
    (dict(sign=[1, 1]), "sign must hold one -1, 0 or \\+1 per edge"),
])
def test_from_edges_rejects_bad_arguments(kwargs, message):
    with pytest.raises(FormatError, match=message):
        Connectome.from_edges(pd.DataFrame({"id": [1, 2, 3]}), [0], [1], [1], **kwargs)


def test_to_networkx_uses_ids_when_names_repeat():
    neurons = pd.DataFrame({"id": [7, 8, 9], "name": ["EPG", "EPG", "PEN"]})  # neuPrint instances repeat
    g = Connectome.from_edges(neurons, [0, 1], [2, 2], [1, 2]).to_networkx()
    assert sorted(g.nodes) == [7, 8, 9] and g.edges[8, 9]["count"] == 2


def test_save_numpy_attrs_and_refuse_damaged_files(tiny_connectome, tmp_path):
    c = Connectome(tiny_connectome.neurons, tiny_connectome.indptr, tiny_connectome.indices,
                   tiny_connectome.count, tiny_connectome.weight,
                   attrs={"seed": np.int64(3), "rate": np.float32(0.5), "ids": np.arange(2)})
    back = Connectome.load(c.save(tmp_path / "c.npz"))
    assert back.attrs == {"seed": 3, "rate": 0.5, "ids": [0, 1]}
    data = (tmp_path / "c.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError, match="not a readable neurocast connectome file"):
        Connectome.load(tmp_path / "cut.npz")


def test_interrupted_save_leaves_the_old_file(tiny_connectome, tmp_path, monkeypatch):
    path = tiny_connectome.save(tmp_path / "c.npz")
    before = path.read_bytes()

    def interrupted(fh, **arrays):
        fh.write(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        tiny_connectome.subnetwork(["A", "B"]).save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"] and path.read_bytes() == before


def test_empty_and_edgeless_connectomes(tiny_connectome, tmp_path):
    none = tiny_connectome.subnetwork(np.zeros(5, dtype=bool))
    assert (none.n_neurons, none.n_connections, len(none.indptr)) == (0, 0, 1)
    lonely = tiny_connectome.subnetwork(["A"])
    assert lonely.n_neurons == 1 and lonely.n_connections == 0 and lonely.indptr.tolist() == [0, 0]
    assert Connectome.load(lonely.save(tmp_path / "one.npz")).equals(lonely)


def test_saved_name_reads_only_the_name(tmp_path, tiny_connectome, monkeypatch):
    from neurocast.connectome import Connectome

    path = tmp_path / "c.npz"
    tiny_connectome.save(path)
    monkeypatch.setattr(Connectome, "_load", None)  # loading the arrays would fail
    assert Connectome.saved_name(path) == "tiny"
    (tmp_path / "x.npz").write_bytes(b"not a zip")
    assert Connectome.saved_name(tmp_path / "x.npz") == "" == Connectome.saved_name(tmp_path / "no")
