"""One set of selection rules for Connectome.index_of, Connectome.subnetwork and
sim.resolve_neurons: boolean array-likes are masks (never the ids 1 and 0), a pandas Series is
matched by its index (never read by position under another index), and name patterns
("ASH*") select by name wherever neurons are named."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from neurocast.cli import main
from neurocast.connectome import Connectome
from neurocast.errors import ConfigError, NeurocastError, UnknownNameError
from neurocast.record import Drive
from neurocast.sim import build_network, resolve_neurons, select_neurons, simulate

NAMES = ["ADAL", "ADAR", "ASHL", "ASHR", "AVAL", "AVAR", "URYDR", "URYVL"]


@pytest.fixture
def con():
    """Eight neurons with ids 0..7 (a flag read as an id would pick a neuron silently)."""
    neurons = pd.DataFrame({"id": np.arange(8), "name": NAMES, "sign": 1,
                            "type": ["m", "m", "s", "s", "i", "i", "s", "s"]})
    return Connectome.from_edges(neurons, pre=[0, 2, 3, 4, 5], post=[1, 4, 4, 5, 6],
                                 count=[5, 9, 9, 7, 3], name="eight")


def _ash(con):
    return con.neurons["name"].str.startswith("ASH")  # pandas Series of bool, index 0..N-1


def _three_ways(con, sel):
    """Positions from index_of, subnetwork (as positions of the kept names) and resolve_neurons."""
    via_sub = con.index_of(con.subnetwork(sel).names.tolist())
    return (np.sort(con.index_of(sel)).tolist(), via_sub.tolist(),
            resolve_neurons(con, sel).tolist())


@pytest.mark.parametrize("kind", ["series", "index", "list", "tuple", "numpy_bools", "ndarray",
                                  "dataarray", "by_name", "by_name_reversed"])
def test_every_boolean_array_like_is_the_same_mask_everywhere(con, kind):
    ash = _ash(con)
    sel = {"series": ash, "index": pd.Index(ash.to_numpy()), "list": ash.tolist(),
           "tuple": tuple(ash.tolist()), "numpy_bools": [np.bool_(b) for b in ash],
           "ndarray": ash.to_numpy(), "dataarray": xr.DataArray(ash.to_numpy(), dims="neuron"),
           "by_name": pd.Series(ash.to_numpy(), index=con.names),
           "by_name_reversed": pd.Series(ash.to_numpy(), index=con.names)[::-1]}[kind]
    assert _three_ways(con, sel) == ([2, 3], [2, 3], [2, 3])


def test_a_bool_list_to_index_of_is_a_mask_not_the_ids_1_and_0(con):
    mask = [False] * 8
    mask[4] = True
    assert con.index_of(mask).tolist() == [4]  # was [0, 0, 0, 0, 1, 0, 0, 0]: ids
    with pytest.raises(ConfigError, match=r"one flag per neuron \(8\)"):
        con.index_of([True, False])  # was ids [1, 0]
    with pytest.raises(ConfigError, match="is a flag, not a neuron"):
        con.index_of(True)
    with pytest.raises(ConfigError, match="mixes flags"):
        con.index_of(["ASHL", True])


def test_a_reordered_mask_is_refused_not_read_by_position(con):
    rev = _ash(con)[::-1]  # index 7..0: ids? positions? it is not guessed
    for call in (con.subnetwork, con.index_of, lambda s: resolve_neurons(con, s)):
        with pytest.raises(ConfigError, match="matched to the neurons by its index"):
            call(rev)


def test_subnetwork_and_index_of_refuse_what_resolve_neurons_refuses(con):
    ash = _ash(con)
    partial = pd.Series([True, True], index=["ASHL", "ASHR"])
    na = ash.astype("boolean")
    na[0] = pd.NA
    for sel, match in ((partial, "must name each of the 8"), (na, "missing"),
                       (np.ones((2, 8), bool), "one flag per neuron"),
                       (pd.Series([True] * 3), "one flag per neuron")):
        for call in (con.subnetwork, con.index_of, lambda s: resolve_neurons(con, s)):
            with pytest.raises(ConfigError, match=match):
                call(sel)


def test_subnetwork_keeps_its_documented_behaviour(con):
    assert con.subnetwork(["ASHR", "ADAL"]).names.tolist() == ["ADAL", "ASHR"]  # original order
    assert con.subnetwork([2, 4]).names.tolist() == ["ASHL", "AVAL"]  # Python ints: ids
    assert con.subnetwork(np.array([2, 4])).names.tolist() == ["ASHL", "AVAL"]  # ids too
    sub = con.subnetwork(np.arange(8) < 5)
    assert sub.names.tolist() == NAMES[:5] and sub.n_synapses == 5 + 9 + 9
    assert con.subnetwork(np.zeros(8, bool)).n_neurons == 0
    assert con.index_of(["AVAL", "ADAL"]).tolist() == [4, 0]  # the order of the keys


@pytest.mark.parametrize(("pattern", "names"), [("ASH*", ["ASHL", "ASHR"]),
                                                ("AVA[LR]", ["AVAL", "AVAR"]),
                                                ("URY??", ["URYDR", "URYVL"]),
                                                ("*R", ["ADAR", "ASHR", "AVAR", "URYDR"])])
def test_name_patterns_select_the_same_neurons_everywhere(con, pattern, names):
    want = [NAMES.index(n) for n in names]
    assert _three_ways(con, pattern) == (want, want, want)
    assert select_neurons(con, pattern).tolist() == want  # the command line's --stimulate
    drive = Drive(names=pattern)  # stimulus plans matched these patterns already
    assert drive.resolve(con).tolist() == want


def test_patterns_mix_with_names_and_keep_the_order_of_the_keys(con):
    assert con.index_of(["AVAL", "ASH*"]).tolist() == [4, 2, 3]
    assert resolve_neurons(con, ["AVAL", "ASH?"]).tolist() == [2, 3, 4]


def test_simulate_stimulates_a_pattern(con):
    sp = simulate(build_network(con, silence="URY*"), 20.0, stimulate="ASH*", seed=0)
    assert con.names[sp.attrs["stimulated"]].tolist() == ["ASHL", "ASHR"]
    assert build_network(con, silence="URY*").silenced.tolist() == [6, 7]


def test_a_pattern_matching_nothing_is_refused_naming_it_and_close_names(con):
    for call in (con.subnetwork, con.index_of, lambda s: resolve_neurons(con, s)):
        with pytest.raises(UnknownNameError, match=r"matches the name pattern 'ASX\*'") as exc:
            call(["AVAL", "ASX*"])
        assert "ASHL" in exc.value.hint or "ADAL" in exc.value.hint
    with pytest.raises(UnknownNameError, match="'ash\\*'"):
        con.index_of("ash*")  # case included, as for names


def test_a_real_name_with_glob_characters_is_matched_literally_first():
    names = ["A*", "AB", "A[1]", "A1", "B?", "BX"]
    neurons = pd.DataFrame({"id": np.arange(100, 106), "name": names, "sign": 1})
    c = Connectome.from_edges(neurons, pre=[0], post=[1], count=[1], name="odd")
    assert c.index_of("A*").tolist() == [0]
    assert c.index_of("A[1]").tolist() == [2]  # as a pattern it would be A1
    assert c.index_of("B?").tolist() == [4]
    assert c.subnetwork(["A[1]", "B?"]).names.tolist() == ["A[1]", "B?"]
    assert resolve_neurons(c, "A*").tolist() == [0]
    assert c.index_of("B*").tolist() == [4, 5]  # no neuron is named B*: a pattern
    assert c.neuron("A*")["id"] == 100


def test_neuron_needs_exactly_one_match(con):
    assert con.neuron("AVA[L]")["name"] == "AVAL"
    with pytest.raises(NeurocastError, match="matches 2 neurons"):
        con.neuron("ASH*")


def test_the_command_line_takes_patterns(capsys):
    args = ["simulate", "celegans-cook2019", "--duration", "0.05", "--json", "--quiet"]
    assert main([*args, "--stimulate", "ASH*", "--silence", "AVA[LR]"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["stimulated"], out["silenced"]) == (["ASHL", "ASHR"], ["AVAL", "AVAR"])
    assert main([*args, "--stimulate", "ASX*"]) == 2
    assert "matches the name pattern 'ASX*'" in capsys.readouterr().err
