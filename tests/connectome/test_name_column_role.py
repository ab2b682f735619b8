"""The neuron table's name and type columns: ``--columns name=COL,type=COL`` (API ``columns=``),
and a note when a neuron table has no name column but a text column that could hold the names
(a lab's ``cell_id, cell`` table: without it the neurons were silently named '0', '1', ...)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from neurocast.cli import main
from neurocast.errors import ConfigError, FormatError

NAMES = ["AVAL", "AVAR", "RIML", "RIMR"]
EDGE_MAP = {"pre": "source", "post": "target", "count": "synapses", "sign": "sgn"}


@pytest.fixture
def lab(tmp_path):
    """An id-based edge list (with signs: no unknown-sign warning) and a neuron table whose
    ids are in 'cell_id' and names in 'cell', types in 'kind', plus a non-distinct 'side'."""
    pd.DataFrame({"source": [0, 1, 2, 3], "target": [1, 2, 3, 0], "synapses": [3, 1, 2, 5],
                  "sgn": [1, -1, 1, 1]}).to_csv(tmp_path / "edges.csv", index=False)
    pd.DataFrame({"cell_id": [0, 1, 2, 3], "cell": NAMES, "kind": ["cmd", "cmd", "ring", "ring"],
                  "side": ["L", "R", "L", "R"]}).to_csv(tmp_path / "cells.csv", index=False)
    return tmp_path


def _name_notes(notes):
    return [n for n in notes if "no name column" in n]


def test_name_and_type_roles_read_those_columns(lab, read_noting):
    c, notes = read_noting(lab / "edges.csv", neurons=lab / "cells.csv",
                           columns={**EDGE_MAP, "id": "cell_id", "name": "cell", "type": "kind"})
    assert c.neurons["name"].tolist() == NAMES
    assert c.neurons["type"].tolist() == ["cmd", "cmd", "ring", "ring"]
    assert c.ids.tolist() == [0, 1, 2, 3]
    assert _name_notes(notes) == []


def test_without_a_name_column_a_note_names_the_candidate(lab, read_noting):
    c, notes = read_noting(lab / "edges.csv", neurons=lab / "cells.csv",
                           columns={**EDGE_MAP, "id": "cell_id"})
    assert c.neurons["name"].tolist() == ["0", "1", "2", "3"]  # unchanged: ids as names
    (note,) = _name_notes(notes)
    assert "'cells.csv'" in note and "named by their ids" in note
    assert "'cell'" in note and "'side'" not in note.split("(columns:")[0]  # L/R repeat: no names
    assert "cell_id, cell, kind, side" in note  # the columns seen
    assert "--columns name=cell" in note and "columns={'name': 'cell'}" in note


def test_no_note_when_nothing_could_be_names(tmp_path, read_noting):
    pd.DataFrame({"pre": [0, 1], "post": [1, 0], "count": [1, 2], "sign": [1, 1]}).to_csv(
        tmp_path / "edges.csv", index=False)
    pd.DataFrame({"id": [0, 1], "side": ["L", "L"], "code": ["7", "8"], "x": [1.0, 2.0]}).to_csv(
        tmp_path / "neurons.csv", index=False)
    _, notes = read_noting(tmp_path / "edges.csv", neurons=tmp_path / "neurons.csv")
    assert _name_notes(notes) == []
    pd.DataFrame({"id": [0, 1], "name": ["A", "B"], "label": ["a", "b"]}).to_csv(
        tmp_path / "named.csv", index=False)
    c, notes = read_noting(tmp_path / "edges.csv", neurons=tmp_path / "named.csv")
    assert c.neurons["name"].tolist() == ["A", "B"] and _name_notes(notes) == []


def test_neuron_roles_alone_keep_the_format_reader(tmp_path, read_noting):
    """name= (like id=) maps the neuron table only: a neuPrint export stays neuPrint."""
    pd.DataFrame({"bodyId_pre": [10, 11], "bodyId_post": [11, 10], "weight": [4, 2]}).to_csv(
        tmp_path / "connections.csv", index=False)
    pd.DataFrame({"bodyId": [10, 11], "label": ["MBON01", "MBON02"],
                  "predictedNt": ["ACh", "GABA"]}).to_csv(tmp_path / "neurons.csv", index=False)
    c, notes = read_noting(tmp_path / "connections.csv", neurons=tmp_path / "neurons.csv",
                           columns={"name": "label"})
    assert c.neurons["name"].tolist() == ["MBON01", "MBON02"]
    assert "neuPrint" in c.attrs["source"]
    _, notes = read_noting(tmp_path / "connections.csv", neurons=tmp_path / "neurons.csv")
    (note,) = _name_notes(notes)
    assert "('instance', 'name')" in note and "--columns name=label" in note


def test_name_role_mistakes_are_refused(lab, read_noting):
    with pytest.raises(FormatError, match="no column 'nom'") as err:
        read_noting(lab / "edges.csv", neurons=lab / "cells.csv",
                    columns={**EDGE_MAP, "id": "cell_id", "name": "nom"})
    assert "--columns name=COL" in err.value.hint
    with pytest.raises(ConfigError, match="no neuron table was given"):
        read_noting(lab / "edges.csv", columns={**EDGE_MAP, "name": "cell"})
    with pytest.raises(ConfigError, match="'cell_id' two roles, id and name"):
        read_noting(lab / "edges.csv", neurons=lab / "cells.csv",
                    columns={**EDGE_MAP, "id": "cell_id", "name": "cell_id"})


def test_cli_name_role_and_note(lab, capsys):
    base = ["connectome", "info", str(lab / "edges.csv"), "--neurons", str(lab / "cells.csv"),
            "--json", "--columns", "pre=source,post=target,count=synapses,sign=sgn,id=cell_id"]
    assert main(base) == 0
    err = capsys.readouterr().err
    assert "note: neuron table 'cells.csv' has no name column" in err
    assert "--columns name=cell" in err
    base[-1] += ",name=cell,type=kind"
    assert main(base) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["n_neurons"] == 4
    assert "no name column" not in out.err and "error" not in out.err


def test_cli_columns_help_lists_the_neuron_roles(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # no word broken at the terminal's width
    assert main(["connectome", "info", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "name=COL" in text and "type=COL" in text
