"""A tester's findings on `neurocast infer` (session 28): precision@k over exactly k pairs with
ties shared, a progress bar per method, disjoint counts of the neurons left out, and the
observed share that ran (at least 2 neurons) in the first line and the JSON."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from neurocast.cli import main
from neurocast.connectome import Connectome
from neurocast.data import attach_connectome, make_dataset, save_dataset
from neurocast.errors import ConfigError
from neurocast.infer import run_inference, score_matrix


def _header(err: str) -> str:
    """The command's header line (notes of the libraries may come before it)."""
    return next(line for line in err.splitlines() if line.startswith("inferring connectivity on "))


# -- 1. precision_at_k: exactly k pairs, ties at the k-th score shared -----------------------


def _truth(w: np.ndarray) -> sp.csr_matrix:
    return sp.csr_matrix(w.astype(np.float32))


def _expected_precision_by_enumeration(s: np.ndarray, y: np.ndarray, k: int) -> float:
    """Mean share of edges among k pairs chosen as the k highest scores, over every way of
    breaking the ties at the k-th score (all subsets of the tied pairs of the size needed)."""
    kth = np.sort(s)[::-1][k - 1]
    above, tied = np.flatnonzero(s > kth), np.flatnonzero(s == kth)
    need = k - len(above)
    picks = [y[above].sum() + y[list(c)].sum() for c in itertools.combinations(tied, need)]
    return float(np.mean(picks)) / k


def test_an_undirected_method_with_an_odd_number_of_edges_is_scored_on_exactly_k_pairs():
    """Edges 0→1, 1→0, 1→2 (k = 3); symmetric scores tie i→j with j→i. The top pair {01, 10}
    holds 2 edges; of the tied {12, 21} one more pair is needed, holding 1 edge of 2: ½ an
    edge. Precision@3 = 2.5/3 (it was 3/4: the first threshold reaching 3 pairs held 4)."""
    w = np.zeros((3, 3))
    w[0, 1] = w[1, 0] = w[1, 2] = 1
    s = np.array([[0, 0.9, 0.1], [0.9, 0, 0.5], [0.1, 0.5, 0]])
    out = score_matrix(s, _truth(w), directed=False)
    assert out["precision_at_k"] == pytest.approx(2.5 / 3)


@pytest.mark.parametrize("seed", range(6))
def test_precision_at_k_is_the_mean_over_every_tie_break(seed):
    """Scores of 4 levels on 6 neurons (30 pairs): many ties at the k-th score."""
    rng = np.random.default_rng(seed)
    n = 6
    w = (rng.random((n, n)) < 0.3).astype(float)
    np.fill_diagonal(w, 0)
    w[0, 1] = 1  # at least one edge
    s = rng.integers(0, 4, size=(n, n)).astype(float)
    off = ~np.eye(n, dtype=bool)
    y, k = (w != 0)[off], int((w != 0)[off].sum())
    want = _expected_precision_by_enumeration(s[off], y, k)
    got = score_matrix(s, _truth(w), directed=True)["precision_at_k"]
    assert got == pytest.approx(want, abs=1e-12)
    perm = rng.permutation(n)  # the same pairs in another order: the same number
    assert score_matrix(s[perm][:, perm], _truth(w[perm][:, perm]), directed=True)[
        "precision_at_k"] == pytest.approx(got, abs=1e-12)


# -- 2. progress per method, silenced by --quiet --------------------------------------------


def _named_connectome(names, pre, post, name="net"):
    n = len(names)
    neurons = pd.DataFrame({"id": np.arange(n), "name": names, "type": ["m0"] * n,
                            "sign": np.ones(n, dtype=int)})
    return Connectome.from_edges(neurons, np.asarray(pre), np.asarray(post),
                                 np.full(len(pre), 2), name=name)


@pytest.fixture(scope="module")
def store30(tmp_path_factory):
    """30 named neurons (N0..N29) of a chain N0 → N1 → ... → N29, 500 frames of noise, saved
    with the chain as their connectome."""
    names = [f"N{i}" for i in range(30)]
    con = _named_connectome(names, range(29), range(1, 30), name="chain30")
    x = np.random.default_rng(0).normal(size=(500, 30)).astype(np.float32)
    path = save_dataset(make_dataset(x, dt_s=0.1, neuron=names),
                        tmp_path_factory.mktemp("rec") / "rec.zarr")
    attach_connectome(path, con)
    return path


def _at_a_terminal(monkeypatch):
    import neurocast._progress as prog

    monkeypatch.setattr(prog, "progress_enabled", lambda: True)


def test_infer_shows_a_bar_naming_each_method_at_a_terminal(store30, tmp_path, capsys, monkeypatch):
    _at_a_terminal(monkeypatch)
    assert main(["infer", str(store30), "--methods", "pearson,partial",
                 "--out", str(tmp_path / "o")]) == 0
    bars = capsys.readouterr().err.replace("\r", "\n").splitlines()
    # 2 steps per method (infer, score) and 1 for the figures and report: n/5
    assert any(b.startswith("infer pearson:") and "/5 [" in b for b in bars), bars
    assert any(b.startswith("infer partial:") and "/5 [" in b for b in bars), bars
    assert any(b.startswith("score partial:") for b in bars), bars
    assert any(b.startswith("figures and report:") for b in bars), bars


def test_infer_quiet_shows_no_bar(store30, tmp_path, capsys, monkeypatch):
    _at_a_terminal(monkeypatch)
    assert main(["infer", str(store30), "--methods", "pearson", "--quiet",
                 "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert "infer pearson" not in err and "/3 [" not in err


# -- 3. neurons left out: disjoint counts, the right word, singular and plural ----------------


def test_too_few_left_counts_each_neuron_once_and_says_not_in_the_connectome():
    """The tester's case: 6 neurons, one frame NaN in every neuron, one dead channel, 2 named
    ones the connectome lacks. It said '1 are dead ... and 5 hold NaN/inf ... and 2 are
    unnamed' (8 of 6; the 2 have names)."""
    con = _named_connectome(list("ABCD"), [0, 2], [2, 3], name="conn")
    x = np.random.default_rng(0).normal(size=(300, 6))
    x[:, 1] = 0
    x[50, :] = np.nan
    ds = make_dataset(x.astype(np.float32), dt_s=0.1, neuron=["A", "B", "C", "D", "X1", "X2"],
                      allow_nan=True)
    with pytest.raises(ConfigError) as err:
        run_inference(ds, truth=con, methods=["pearson"], nan="mask-neurons")
    msg = str(err.value)
    assert msg.startswith("only 0 of the recording's 6 neurons left to infer on, 2 needed: "
                          "1 is dead or constant"), msg
    assert " and 5 hold NaN/inf (--nan mask-neurons)" in msg  # 1 + 5 = 6
    assert "each neuron counted once" in msg
    assert "2 of these are named but not in connectome 'conn'" in msg
    assert "unnamed" not in msg and "1 are" not in msg
    assert "skip-frames" in err.value.hint and "connectome's names" in err.value.hint


def test_named_neurons_missing_from_the_truth_are_not_called_unnamed():
    con = _named_connectome(list("ABCD"), [0, 2], [2, 3], name="conn")
    x = np.random.default_rng(0).normal(size=(300, 6)).astype(np.float32)
    x[10, 0] = np.nan  # A holds NaN; X1..X4 are not in the connectome: only D... is left
    ds = make_dataset(x, dt_s=0.1, neuron=["A", "B", "X1", "X2", "X3", "X4"], allow_nan=True)
    with pytest.raises(ConfigError) as err:
        run_inference(ds, truth=con, methods=["pearson"], nan="mask-neurons")
    msg = str(err.value)
    assert msg.startswith("only 1 of the recording's 6 neurons left to infer on, 2 needed: "
                          "1 holds NaN/inf (--nan mask-neurons) and 4 are named but not in "
                          "connectome 'conn'"), msg
    assert "counted once" not in msg  # no neuron has two reasons


def test_one_named_neuron_missing_from_the_truth_is_noted_in_the_singular():
    con = _named_connectome(list("ABCD"), [0, 2], [2, 3], name="conn")
    x = np.random.default_rng(0).normal(size=(300, 5)).astype(np.float32)
    ds = make_dataset(x, dt_s=0.1, neuron=["A", "B", "C", "D", "X1"])
    res = run_inference(ds, truth=con, methods=["pearson"])
    assert "that neuron is left out of inference and scoring" in res.notes
    assert not any("those 1" in n for n in res.notes), res.notes


# -- 4. the observed share that ran ---------------------------------------------------------


def test_the_first_line_and_json_say_how_many_neurons_were_observed(store30, tmp_path, capsys):
    """0.05 of 30 = 1.5 neurons, rounded to 2 (6.67 %): the header said '5 % observed' and the
    JSON 'observed': 0.05."""
    assert main(["infer", str(store30), "--observed", "0.05", "--methods", "pearson", "--json",
                 "--out", str(tmp_path / "o")]) == 0
    cap = capsys.readouterr()
    doc = json.loads(cap.out)
    assert doc["n_neurons"] == 2 and doc["n_usable"] == 30
    assert doc["observed"] == pytest.approx(2 / 30) and doc["observed_asked"] == 0.05
    head = _header(cap.err)
    assert head == ("inferring connectivity on " + str(store30) + " (30 neurons × 500 frames): "
                    "2 of the 30 neurons observed (6.67 %; 5 % asked: 1.5 neurons, rounded)"), head


def test_the_two_neuron_minimum_is_said_in_the_first_line_notes_and_scorecard(store30, tmp_path,
                                                                            capsys):
    assert main(["infer", str(store30), "--observed", "0.01", "--methods", "pearson", "--json",
                 "--out", str(tmp_path / "o")]) == 0
    cap = capsys.readouterr()
    doc = json.loads(cap.out)
    said = "2 of the 30 neurons observed (6.67 %; 1 % asked: 0.3 neurons, at least 2 kept)"
    assert _header(cap.err).endswith(": " + said)
    assert said in doc["notes"] and doc["observed_asked"] == 0.01
    from neurocast.data import open_dataset

    res = run_inference(open_dataset(store30), methods=["pearson"], observed=0.01)
    assert res.scorecard.attrs["observed"] == pytest.approx(2 / 30)
    assert res.scorecard.attrs["observed_asked"] == 0.01 and said in res.notes


def test_every_neuron_observed_says_so(store30, tmp_path, capsys):
    assert main(["infer", str(store30), "--methods", "pearson", "--out", str(tmp_path / "o")]) == 0
    head = _header(capsys.readouterr().err)
    assert head.endswith("(30 neurons × 500 frames): all 30 neurons observed"), head
