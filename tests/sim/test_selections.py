"""Neuron selections: random:K against names that look like it, names holding a comma,
repeated names, and the same checks from the command line and from Python."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from neurocast.cli import main
from neurocast.connectome import Connectome
from neurocast.errors import ConfigError, NeurocastError
from neurocast.sim import (
    build_network,
    each_experiments,
    resolve_neurons,
    run_experiments,
    simulate,
)

NAMES = ["Random:2", "random_cell", "weird, name", "AVAL", "dup", "dup", "random:3"]


@pytest.fixture
def odd(tmp_path):
    """Seven neurons with awkward names (ids 10..16), a chain of strong synapses, saved."""
    neurons = pd.DataFrame({"id": np.arange(10, 17), "name": NAMES, "sign": 1})
    con = Connectome.from_edges(neurons, pre=[0, 1, 2, 3], post=[1, 2, 3, 4], count=[300] * 4,
                                name="odd")
    return con, con.save(tmp_path / "odd.npz")


def _simulate(capsys, path, *argv):
    code = main(["simulate", str(path), *argv, "--duration", "0.05", "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


@pytest.mark.parametrize("name", ["Random:2", "random_cell"])
def test_names_starting_with_random_are_names(capsys, odd, name):
    code, s, err = _simulate(capsys, odd[1], "--stimulate", name)
    assert code == 0, err
    assert s["stimulated"] == [name]
    np.testing.assert_array_equal(resolve_neurons(odd[0], name), [NAMES.index(name)])


def test_random_k_is_exact_lowercase_and_a_neuron_named_so_is_refused(capsys, odd):
    con, path = odd
    assert len(resolve_neurons(con, "random:2", seed=1)) == 2
    code, _, err = _simulate(capsys, path, "--stimulate", "random:3")
    assert code == 2
    assert "'random:3' is a random pick and the name of the neuron with id 16" in err
    assert "hint: give that neuron by its id (16" in err
    np.testing.assert_array_equal(resolve_neurons(con, ["random:3"]), [6])  # in a list: a name
    with pytest.raises(ConfigError, match="random:0 picks no neuron"):
        resolve_neurons(con, "random:0")  # the command line refuses it too
    code, _, err = _simulate(capsys, path, "--stimulate", "Random:5")
    assert code == 2 and "a random pick is written random:K alone, in lowercase" in err


def test_a_name_holding_a_comma_is_given_by_its_id(capsys, odd):
    code, _, err = _simulate(capsys, odd[1], "--stimulate", "weird, name")
    assert code == 2
    assert "--stimulate splits names at commas" in err
    assert "hint: give the neuron 'weird, name' by its id: --stimulate 12" in err
    code, s, err = _simulate(capsys, odd[1], "--stimulate", "12")
    assert code == 0 and s["stimulated"] == ["weird, name"]


def test_a_repeated_name_lists_the_ids(capsys, odd):
    code, _, err = _simulate(capsys, odd[1], "--stimulate", "dup")
    assert code == 2 and "hint: give the one you mean by its id: 14, 15" in err


def test_python_refuses_a_neuron_both_driven_and_silenced_as_the_cli_does(odd):
    net = build_network(odd[0], silence=["AVAL"])
    with pytest.raises(ConfigError, match="1 neuron\\(s\\) both driven and silenced: AVAL"):
        simulate(net, 10.0, stimulate=["AVAL"])
    simulate(net, 10.0, stimulate=["random_cell"])  # disjoint: runs


def test_a_sweep_silencing_a_driven_neuron_is_refused_before_any_worker(odd):
    con = odd[0]
    exps = each_experiments(con, "silence:each", np.array([0, 3]), stimulate=np.array([0, 1]))
    with pytest.raises(NeurocastError, match="both driven and silenced: Random:2") as err:
        run_experiments(con, exps, 10.0, scheduler="tcp://unused.invalid:1")
    assert "out of --of for silence:each" in err.value.hint


def test_a_random_pick_leaves_out_what_it_must(odd):
    """random:K draws only from the neurons not excluded (the driven ones for --silence, the
    silenced ones for a stimulate:each sweep's --of), whatever the seed; too many is refused."""
    from neurocast.sim import select_neurons

    con, _ = odd
    silenced = np.array([0, 3, 5])
    for seed in range(20):
        picked = select_neurons(con, "random:4", seed=seed, what="--of", exclude=silenced)
        assert len(picked) == 4 and not np.isin(picked, silenced).any()
    with pytest.raises(ConfigError, match="it must leave out"):
        select_neurons(con, "random:5", what="--of", exclude=silenced)
