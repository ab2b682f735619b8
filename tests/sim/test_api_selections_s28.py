"""Neuron selections and per-neuron parameters from pandas and plain Python: a boolean Series,
Index, list or tuple is a mask (never the ids 1 and 0), and a labelled Series is matched to the
neurons by name, or refused, never read in its own order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neurocast.connectome import Connectome
from neurocast.errors import ConfigError
from neurocast.sim import build_network, resolve_neurons, simulate

NAMES = ["ADAL", "ADAR", "ASHL", "ASHR", "AVAL"]


@pytest.fixture
def con():
    """Five neurons with ids 0..4 (so ids 1 and 0 exist: a flag read as an id picks a neuron
    silently), a chain of strong synapses."""
    neurons = pd.DataFrame({"id": np.arange(5), "name": NAMES, "sign": 1})
    return Connectome.from_edges(neurons, pre=[0, 1, 2, 3], post=[1, 2, 3, 4], count=[300] * 4,
                                 name="five")


def _ash(con):
    return con.neurons["name"].str.startswith("ASH")  # a pandas Series of bool, index 0..N-1


@pytest.mark.parametrize("kind", ["series", "index", "list", "tuple", "numpy_bools", "ndarray"])
def test_boolean_array_likes_are_masks(con, kind):
    ash = _ash(con)
    sel = {"series": ash, "index": pd.Index(ash.to_numpy()), "list": ash.tolist(),
           "tuple": tuple(ash.tolist()), "numpy_bools": [np.bool_(b) for b in ash],
           "ndarray": ash.to_numpy()}[kind]
    np.testing.assert_array_equal(resolve_neurons(con, sel), [2, 3])


def test_nullable_boolean_series_is_a_mask_and_missing_flags_are_refused(con):
    ash = _ash(con).astype("boolean")
    np.testing.assert_array_equal(resolve_neurons(con, ash), [2, 3])
    ash[0] = pd.NA
    with pytest.raises(ConfigError, match="missing"):
        resolve_neurons(con, ash)


def test_simulate_stimulates_and_build_network_silences_the_masked_neurons(con):
    ash = _ash(con)
    sp = simulate(build_network(con), 20.0, stimulate=ash, seed=0)
    assert con.names[sp.attrs["stimulated"]].tolist() == ["ASHL", "ASHR"]
    net = build_network(con, silence=con.neurons["name"].str.startswith("AVA"))
    np.testing.assert_array_equal(net.silenced, [4])
    net = build_network(con, silence=[False, False, False, False, True])
    np.testing.assert_array_equal(net.silenced, [4])


@pytest.mark.parametrize("sel", [[True, False], pd.Series([True] * 4), (False,) * 6])
def test_a_mask_of_the_wrong_length_is_refused(con, sel):
    with pytest.raises(ConfigError, match=r"one flag per neuron \(5\)"):
        resolve_neurons(con, sel)


@pytest.mark.parametrize("sel", [True, np.True_, False, [True, "ASHL"], [0, False]])
def test_a_flag_is_not_a_neuron(con, sel):
    with pytest.raises(ConfigError, match="True/False"):
        resolve_neurons(con, sel)


def test_a_name_indexed_boolean_series_is_aligned_by_name(con):
    mask = pd.Series(False, index=NAMES)
    mask["ASHR"] = True
    np.testing.assert_array_equal(resolve_neurons(con, mask.iloc[::-1]), [3])


@pytest.mark.parametrize("index", [[4, 3, 2, 1, 0], [10, 11, 12, 13, 14], [*NAMES[:4], "XYZ"]])
def test_a_boolean_series_with_another_index_is_refused(con, index):
    mask = pd.Series([False, False, True, True, False], index=index)
    with pytest.raises(ConfigError, match="index") as err:
        resolve_neurons(con, mask)
    assert "to_numpy()" in str(err.value.hint)


# -- per-neuron parameters ------------------------------------------------------------------

def test_neuron_params_series_is_aligned_by_name(con):
    ext = pd.Series(0.0, index=NAMES)
    ext["AVAL"] = 10.0
    want = np.array([0, 0, 0, 0, 10.0])
    for s in (ext, ext.iloc[::-1], ext.iloc[[2, 0, 4, 1, 3]]):
        net = build_network(con, neuron_params={"i_ext_mv": s})
        np.testing.assert_array_equal(net.neuron_values("i_ext_mv"), want)


def test_neuron_params_series_with_the_default_index_is_read_in_order(con):
    ext = pd.Series([0, 0, 0, 0, 10.0])
    net = build_network(con, neuron_params={"i_ext_mv": ext})
    np.testing.assert_array_equal(net.neuron_values("i_ext_mv"), ext.to_numpy())
    col = con.neurons["name"].eq("AVAL").astype(float) * 10.0  # a column of the neuron table
    net = build_network(con, neuron_params={"i_ext_mv": col})
    np.testing.assert_array_equal(net.neuron_values("i_ext_mv"), ext.to_numpy())


@pytest.mark.parametrize("index", [[4, 3, 2, 1, 0], list(range(10, 15)), [*NAMES[:4], "XYZ"],
                                   [*NAMES[:3], "ADAL", "AVAL"]])
def test_neuron_params_series_with_an_unmatched_index_is_refused(con, index):
    s = pd.Series([0, 0, 0, 0, 10.0], index=index)
    with pytest.raises(ConfigError, match="i_ext_mv") as err:
        build_network(con, neuron_params={"i_ext_mv": s})
    assert "reindex" in str(err.value.hint)


def test_neuron_params_series_by_name_needs_unique_names():
    neurons = pd.DataFrame({"id": np.arange(3), "name": ["A", "B", "A"], "sign": 1})
    con = Connectome.from_edges(neurons, pre=[0], post=[1], count=[3], name="dup")
    with pytest.raises(ConfigError, match="names are not unique"):
        build_network(con, neuron_params={"i_ext_mv": pd.Series([1.0, 2.0, 3.0], index=["A", "B", "A"])})
    net = build_network(con, neuron_params={"i_ext_mv": pd.Series([1.0, 2.0, 3.0])})  # in order
    np.testing.assert_array_equal(net.neuron_values("i_ext_mv"), [1, 2, 3])
