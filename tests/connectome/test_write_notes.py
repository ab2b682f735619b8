"""write_connectome says what a destination cannot hold (session 28 finding): gap junctions in
flywire, neuprint and a single edge-list file; names, types, transmitters and unconnected
neurons in a single edge-list file. A UserWarning (the CLI prints it as one ``note:`` line)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from neurocast.connectome import Connectome, read_connectome, write_connectome


def _con(*, gaps=True, names=True, lonely=True):
    n = 5 if lonely else 4
    neurons = pd.DataFrame({"id": np.arange(10, 10 + n),
                            "name": [f"N{i}" for i in range(n)] if names else [str(10 + i) for i in range(n)],
                            "type": ["inter"] * n if names else [""] * n,
                            "transmitter": ["ACh"] * n if names else [""] * n,
                            "sign": np.ones(n, dtype=int)})
    kw = {"gap_pre": [0, 1], "gap_post": [2, 3], "gap_count": [1, 2]} if gaps else {}
    return Connectome.from_edges(neurons, [0, 1, 2], [1, 2, 3], [3, 4, 5], name="tiny", **kw)


def _write(con, path, fmt=None):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write_connectome(con, path, fmt)
    return [str(w.message) for w in caught if w.category is UserWarning]


@pytest.mark.parametrize("fmt", ["flywire", "neuprint"])
def test_a_folder_format_without_gap_junctions_says_they_were_not_written(tmp_path, fmt):
    notes = _write(_con(), tmp_path / "out", fmt)
    assert len(notes) == 1
    assert "gap-junction pairs were not written" in notes[0] and fmt in notes[0]
    assert "all 2 pairs of 'tiny' are left out" in notes[0]
    assert "edge-list folder" in notes[0]


def test_a_single_edge_list_file_says_what_it_left_out(tmp_path):
    con = _con()
    notes = _write(con, tmp_path / "one.parquet")
    assert len(notes) == 2
    gaps, table = notes
    assert "gap-junction pairs were not written" in gaps and "single edge-list file" in gaps
    assert "all 2 pairs" in gaps
    for what in ("names", "types", "transmitters", "1 neuron without chemical synapses"):
        assert what in table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = read_connectome(tmp_path / "one.parquet")
    assert back.n_gap_junctions == 0 and back.n_neurons == 4  # what the notes said


def test_the_warning_points_at_the_caller(tmp_path):
    with pytest.warns(UserWarning, match="gap-junction pairs were not written") as rec:
        write_connectome(_con(), tmp_path / "fly", "flywire")
    assert rec[0].filename == __file__


@pytest.mark.parametrize("dest,fmt", [("c.npz", None), ("folder", "edgelist")])
def test_formats_keeping_everything_write_silently(tmp_path, dest, fmt):
    assert _write(_con(), tmp_path / dest, fmt) == []


def test_nothing_to_lose_nothing_said(tmp_path):
    assert _write(_con(gaps=False), tmp_path / "fly", "flywire") == []
    assert _write(_con(gaps=False, names=False, lonely=False), tmp_path / "one.csv") == []


def test_one_gap_junction_pair_is_said_in_the_singular(tmp_path):
    neurons = pd.DataFrame({"id": [1, 2], "name": ["a", "b"], "sign": [1, 1]})
    con = Connectome.from_edges(neurons, [0], [1], [2], gap_pre=[0], gap_post=[1], gap_count=[1])
    notes = _write(con, tmp_path / "fly", "flywire")
    assert len(notes) == 1 and "the 1 pair of the connectome is left out" in notes[0]
