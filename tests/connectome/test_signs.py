"""Where the sign of a connection comes from when reading files: weight, sign column,
neuron sign, transmitter; and what happens when it is unknown or contradictory."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from neurocast.cli import main
from neurocast.connectome import load_connectome, read_connectome
from neurocast.errors import FormatError


def write(path, text: str):
    path.write_text(text)
    return path


# ---------------------------------------------------------------------------- float weights
def test_positive_float_weights_keep_their_value_and_excite(tmp_path):
    """Without a sign column the weight's sign is the edge's: +1 above zero (not 0)."""
    w = write(tmp_path / "w.csv", "pre,post,weight\n1,2,0.5\n2,3,0.25\n")
    c = load_connectome(w)
    assert c.weighted
    np.testing.assert_array_equal(c.weight, [0.5, 0.25])
    np.testing.assert_array_equal(c.sign, [1, 1, 0])  # neuron 3 sends nothing
    # with a count column too, and with one negative weight among them
    cw = write(tmp_path / "cw.csv", "pre,post,count,weight\n1,2,3,0.5\n2,3,4,0.25\n")
    np.testing.assert_array_equal(load_connectome(cw).weight, [0.5, 0.25])
    np.testing.assert_array_equal(load_connectome(cw).count, [3, 4])
    neg = write(tmp_path / "neg.csv", "pre,post,weight\n1,2,0.5\n2,3,-0.25\n")
    np.testing.assert_array_equal(load_connectome(neg).weight, [0.5, -0.25])


def test_converting_positive_weights_writes_their_sign(tmp_path, capsys):
    w = write(tmp_path / "w.csv", "pre,post,weight\n1,2,0.5\n2,3,0.25\n")
    assert main(["connectome", "convert", str(w), str(tmp_path / "out.csv")]) == 0
    capsys.readouterr()
    out = pd.read_csv(tmp_path / "out.csv")
    assert out["sign"].tolist() == [1, 1] and out["weight"].tolist() == [0.5, 0.25]


# ---------------------------------------------------------------------------- transmitters
def test_transmitter_spellings():
    from neurocast.connectome._tables import transmitter_sign

    names = ["ACh", "acetylcholine", "Cholinergic", "GLUT", "Glu", "glutamate", "Glutamatergic",
             "GABA", "GABAergic", "gaba-ergic", " gaba ", "dopamine", "SER", "", None]
    np.testing.assert_array_equal(transmitter_sign(names),
                                  [1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0])


def test_edge_list_takes_signs_from_the_neuron_tables_transmitter(tmp_path):
    edges = write(tmp_path / "e.csv", "pre,post,count\n1,2,1\n2,3,2\n3,1,3\n")
    neurons = write(tmp_path / "n.csv", "id,name,transmitter\n1,a,acetylcholine\n2,b,GLUT\n"
                                        "3,c,GABAergic\n9,d,octopamine\n")
    c = read_connectome(edges, neurons=neurons)
    np.testing.assert_array_equal(c.sign, [1, -1, -1, 0])
    np.testing.assert_array_equal(c.weight, [1, -2, -3])
    # a sign column in the neuron table still comes first
    signed = write(tmp_path / "s.csv", "id,transmitter,sign\n1,gaba,1\n2,gaba,1\n3,gaba,1\n")
    np.testing.assert_array_equal(read_connectome(edges, neurons=signed).weight, [1, 2, 3])


def test_edge_table_transmitter_column_gives_per_edge_signs(tmp_path):
    """FlyWire Codex's nt_type (or another transmitter column) signs each edge by itself."""
    edges = write(tmp_path / "e.csv", "pre,post,count,nt_type\n1,2,1,ACH\n1,3,2,GABA\n"
                                      "2,3,3,GLUT\n3,1,4,DA\n")
    with pytest.warns(UserWarning, match="1 of 4 connection"):  # DA: unknown sign, as ever
        c = read_connectome(edges)
    np.testing.assert_array_equal(c.weight, [1, -2, -3, 0])
    np.testing.assert_array_equal(c.sign, [-1, -1, 0])  # neurons: net signed count of their edges
    # the edge column wins over the neuron table's transmitter
    neurons = write(tmp_path / "n.csv", "id,transmitter\n1,ACh\n2,ACh\n3,ACh\n")
    with pytest.warns(UserWarning, match="1 of 4 connection"):
        np.testing.assert_array_equal(read_connectome(edges, neurons=neurons).weight,
                                      [1, -2, -3, 0])
    # a mapped column, under any name; a sign column still comes first
    other = write(tmp_path / "o.csv", "a,b,n,nt_kind,sign\n1,2,1,GABA,1\n")
    cols = {"pre": "a", "post": "b", "count": "n", "transmitter": "nt_kind"}
    np.testing.assert_array_equal(read_connectome(other, columns=cols).weight, [-1])
    np.testing.assert_array_equal(read_connectome(write(tmp_path / "s.csv",
                                  "pre,post,count,sign,nt_type\n1,2,1,1,GABA\n")).weight, [1])
    # non-negative weights are strengths: the transmitter signs them
    weighted = write(tmp_path / "w.csv", "pre,post,weight,nt_type\n1,2,0.5,GABA\n2,1,0.25,ACh\n")
    np.testing.assert_array_equal(read_connectome(weighted).weight, [-0.5, 0.25])


def test_edge_transmitter_and_sign_mapped_together_is_refused(tmp_path, capsys):
    edges = write(tmp_path / "e.csv", "a,b,n,s,t\n1,2,1,1,GABA\n")
    assert main(["connectome", "info", str(edges), "--columns",
                 "pre=a,post=b,count=n,sign=s,transmitter=t"]) == 2
    assert "both a sign and a transmitter column" in capsys.readouterr().err


def test_neuprint_reads_flywire_transmitter_names(tmp_path):
    folder = tmp_path / "np"
    folder.mkdir()
    write(folder / "connections.csv", "bodyId_pre,bodyId_post,weight\n1,2,3\n2,3,4\n3,1,2\n")
    write(folder / "neurons.csv", "bodyId,predictedNt\n1,GLUT\n2,cholinergic\n3,GABAergic\n")
    np.testing.assert_array_equal(read_connectome(folder).weight, [-3, 4, -2])


# ---------------------------------------------------------------------------- unknown signs
def test_unknown_signs_are_reported_when_reading(tmp_path):
    edges = write(tmp_path / "e.csv", "pre,post,count\n1,2,1\n2,3,2\n3,1,3\n")
    unknown = r"3 of 3 connection\(s\) read from 'e.csv' have an unknown sign \(0\).*transmitter"
    with pytest.warns(UserWarning, match=unknown):
        c = load_connectome(edges)
    assert (c.weight == 0).all()
    neurons = write(tmp_path / "n.csv", "id,transmitter\n1,ACh\n2,ACh\n3,dopamine\n")
    with pytest.warns(UserWarning, match="1 of 3 connection"):
        read_connectome(edges, neurons=neurons)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # signed files read silently, and so do weights of 0
        read_connectome(write(tmp_path / "s.csv", "pre,post,count,sign\n1,2,1,1\n2,3,2,-1\n"))
        read_connectome(write(tmp_path / "w.csv", "pre,post,weight\n1,2,0.0\n2,3,0.5\n"))


# ---------------------------------------------------------------------------- summed rows
@pytest.mark.parametrize(("rows", "expected"), [
    ("1,2,5,1\n2,3,2,-1\n2,3,3,1\n3,1,3,1\n",
     "pair 2→3: line 3 (sign -1), line 4 (sign +1) (1 such pair(s))"),
    ("1,2,3,1\n1,2,3,-1\n2,3,1,1\n", "pair 1→2: line 2 (sign +1), line 3 (sign -1)"),  # cancel
    ("1,2,3,1\n1,2,3,0\n2,3,1,-1\n", "pair 1→2: line 2 (sign +1), line 3 (sign 0)"),
])
def test_summing_rows_of_different_signs_is_refused(tmp_path, capsys, rows, expected):
    src = write(tmp_path / "e.csv", "pre,post,count,sign\n" + rows)
    assert main(["connectome", "info", str(src), "--sum-duplicates"]) == 2
    err = capsys.readouterr().err
    assert f"edge table 'e.csv' has rows of different signs for the pre→post {expected}" in err
    assert "hint: a connection has one sign" in err
    with pytest.raises(FormatError, match="rows of different signs"):
        read_connectome(src, duplicates="sum")


def test_summing_rows_of_one_sign_still_works(tmp_path):
    src = write(tmp_path / "e.csv", "pre,post,count,sign\n1,2,3,-1\n2,3,1,1\n1,2,4,-1\n2,3,2,1\n")
    c = read_connectome(src, duplicates="sum")
    np.testing.assert_array_equal(c.count, [7, 3])
    np.testing.assert_array_equal(c.weight, [-7, 3])
