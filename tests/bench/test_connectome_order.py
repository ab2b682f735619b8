"""Connectome models on recordings whose neurons are in another order than the connectome's, or
only partly named: the connectome is put in the recording's order by name."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.bench import neuron_groups, run_benchmark
from neurocast.bench._inputs import recorded_connectome as _recorded_connectome
from neurocast.cli import main
from neurocast.connectome import random_connectome
from neurocast.data import attach_connectome, make_dataset, save_dataset
from neurocast.errors import FormatError
from neurocast.models import ConnectomeLinearConfig, ConnectomeLinearForecaster


def _recording(con, t=400, seed=0):
    """(time, neuron) traces in the connectome's order, driven along its synapses."""
    rng = np.random.default_rng(seed)
    w = con.to_scipy("weight").toarray().T
    w *= 0.5 / max(1.0, np.abs(w).sum(axis=1).max())
    x = np.zeros((t, con.n_neurons))
    for k in range(1, t):
        drive = np.tanh(x[k - 1]) @ w.T * 0.3
        x[k] = 0.8 * x[k - 1] + drive + 0.3 * rng.standard_normal(con.n_neurons)
    return x.astype(np.float32)


def _with_labels(ds, labels):
    return ds.assign_coords(label=("neuron", np.asarray(labels, dtype=str)))


def test_a_permuted_recording_scores_as_the_one_in_connectome_order():
    con = random_connectome(16, 3, seed=1)
    x = _recording(con)
    perm = np.random.default_rng(3).permutation(con.n_neurons)
    ordered = make_dataset(x, dt_s=0.5, neuron=con.names)
    shuffled = make_dataset(x[:, perm], dt_s=0.5, neuron=con.names[perm])
    kw = dict(models=["naive", "connectome-linear"], context=4, horizon=4, connectome=con)
    a = run_benchmark(ordered, **kw).scorecard["score"]
    b = run_benchmark(shuffled, **kw).scorecard["score"]
    np.testing.assert_allclose(b.values, a.values, rtol=1e-5)
    # the wiring matters here, so the same scores mean the same partners for every neuron
    unwired = ConnectomeLinearForecaster(4, ConnectomeLinearConfig(wiring="none"))
    none = run_benchmark(shuffled, **{**kw, "models": [unwired]}).scorecard["score"]
    assert not np.allclose(none.values, b.sel(model=["connectome-linear"]).values, rtol=1e-3)


def test_the_recorded_connectome_keeps_every_synapse_by_name(tiny_connectome):
    order = ["D", "A", "E", "B"]
    ds = make_dataset(np.zeros((10, 4)), dt_s=1.0, neuron=order)
    sub = _recorded_connectome(ds["traces"], tiny_connectome, [])
    assert sub.names.tolist() == order
    full = tiny_connectome.to_scipy("weight").toarray()
    pos = tiny_connectome.index_of(order)
    np.testing.assert_array_equal(sub.to_scipy("weight").toarray(), full[np.ix_(pos, pos)])
    gaps = tiny_connectome.to_scipy("count", layer="gap").toarray()
    np.testing.assert_array_equal(sub.to_scipy("count", layer="gap").toarray(),
                                  gaps[np.ix_(pos, pos)])
    assert sub.neurons["type"].tolist() == ["m", "s", "m", "s"]


def test_partly_named_recording_unnamed_neurons_join_without_synapses(tiny_connectome):
    names = ["unnamed-0", "C", "unnamed-2", "A", "B"]
    ds = _with_labels(make_dataset(np.zeros((10, 5)), dt_s=1.0, neuron=names),
                      ["", "C", "", "A", "B"])
    notes: list[str] = []
    sub = _recorded_connectome(ds["traces"], tiny_connectome, notes)
    assert sub.names.tolist() == names
    assert sub.in_degree()[[0, 2]].tolist() == sub.out_degree()[[0, 2]].tolist() == [0, 0]
    full = tiny_connectome.to_scipy("weight").toarray()
    pos = tiny_connectome.index_of(["C", "A", "B"])
    np.testing.assert_array_equal(sub.to_scipy("weight").toarray()[np.ix_([1, 3, 4], [1, 3, 4])],
                                  full[np.ix_(pos, pos)])
    assert notes == ["2 of the 5 scored neurons are unnamed and not in connectome 'tiny': "
                     "connectome models forecast them without synaptic partners"]
    groups, group_names = neuron_groups(ds, "type", tiny_connectome)
    assert group_names == ("(unnamed)", "i", "s") and groups.tolist() == [0, 1, 0, 2, 2]


def test_a_partly_identified_neuron_joins_without_synapses_with_a_note(tiny_connectome):
    """'X' and 'b' are named: 'b' is B ignoring case; the connectome lacks X (say an 'AVA' of
    unknown side), which is treated as unnamed, with a note; a wiring naming none is refused."""
    ds = _with_labels(make_dataset(np.zeros((10, 4)), dt_s=1.0, neuron=["A", "X", "unnamed-2", "b"]),
                      ["A", "X", "", "b"])
    notes: list[str] = []
    sub = _recorded_connectome(ds["traces"], tiny_connectome, notes)
    assert sub.names.tolist() == ["A", "X", "unnamed-2", "B"]  # the wiring's own names
    assert sub.in_degree()[[1, 2]].tolist() == sub.out_degree()[[1, 2]].tolist() == [0, 0]
    pos = tiny_connectome.index_of(["A", "B"])
    np.testing.assert_array_equal(sub.to_scipy("weight").toarray()[np.ix_([0, 3], [0, 3])],
                                  tiny_connectome.to_scipy("weight").toarray()[np.ix_(pos, pos)])
    assert notes == [
        "1 of the recording's 4 neuron names match connectome 'tiny' only ignoring case (e.g. "
        "'b' as 'B'): matched so",
        "1 of the recording's 4 neurons are named but not in connectome 'tiny' (e.g. 'X'): "
        "treated as unnamed, their wiring unknown; rename them (--names when importing) to use it",
        "2 of the 4 scored neurons are not in connectome 'tiny': connectome models forecast "
        "them without synaptic partners"]
    groups, group_names = neuron_groups(ds, "type", tiny_connectome)
    assert [group_names[g] for g in groups] == [
        *tiny_connectome.neurons["type"].iloc[pos[:1]], "(unnamed)", "(unnamed)",
        *tiny_connectome.neurons["type"].iloc[pos[1:]]]
    strangers = _with_labels(make_dataset(np.zeros((10, 2)), dt_s=1.0, neuron=["X", "Y"]), ["X", "Y"])
    with pytest.raises(FormatError, match="names none of the recording's 2 neurons"):
        _recorded_connectome(strangers["traces"], tiny_connectome, [])


def test_cli_bench_on_a_partly_named_recording_with_an_attached_connectome(tmp_path, capsys):
    con = random_connectome(12, 3, seed=2, name="rand12")
    noise = np.random.default_rng(1).standard_normal((300, 4))
    x = np.concatenate([_recording(con, t=300), noise], axis=1)
    names = [*con.names.tolist(), "unnamed-12", "unnamed-13", "unnamed-14", "unnamed-15"]
    ds = _with_labels(make_dataset(x[:, ::-1], dt_s=0.5, neuron=names[::-1]),
                      [*[""] * 4, *con.names[::-1].tolist()])
    path = save_dataset(ds, tmp_path / "part.zarr")
    attach_connectome(path, con)
    code = main(["bench", str(path), "--models", "naive,connectome-linear", "--context", "4",
                 "--horizon", "4", "--no-realism", "--out", str(tmp_path / "o")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert ("note: 4 of the 16 scored neurons are unnamed and not in connectome 'rand12': "
            "connectome models forecast them without synaptic partners") in captured.err
    assert "connectome-linear" in captured.out
