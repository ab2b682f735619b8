"""Scores against the true wiring: hand cases against scikit-learn, chance level, sampling."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import average_precision_score, roc_auc_score

from neurocast.errors import FormatError
from neurocast.infer import score_matrix, truth_matrix


def _truth(dense):
    return sp.csr_matrix(np.asarray(dense, dtype=np.float32))


def _offdiag(a):
    a = np.asarray(a)
    return a[~np.eye(a.shape[0], dtype=bool)]


def test_hand_case_matches_sklearn():
    rng = np.random.default_rng(0)
    w = np.zeros((6, 6))
    w[0, 1], w[1, 2], w[2, 0], w[3, 4], w[4, 5], w[5, 3] = 2, 1, -3, 4, -1, 1
    s = rng.standard_normal((6, 6)) + 0.8 * np.sign(w)
    got = score_matrix(s, _truth(w), directed=True)
    y, v = _offdiag(w) != 0, _offdiag(s)
    assert got["auroc"] == pytest.approx(roc_auc_score(y, np.abs(v)), abs=1e-12)
    assert got["auprc"] == pytest.approx(average_precision_score(y, np.abs(v)), abs=1e-6)
    exc = (_offdiag(w) > 0) | ~y
    assert got["auroc_exc"] == pytest.approx(roc_auc_score(_offdiag(w)[exc] > 0, v[exc]), abs=1e-12)
    inh = (_offdiag(w) < 0) | ~y
    assert got["auroc_inh"] == pytest.approx(roc_auc_score(_offdiag(w)[inh] < 0, -v[inh]), abs=1e-12)
    assert got["base_rate"] == pytest.approx(6 / 30)


def test_perfect_scores_and_reversed_direction():
    w = np.zeros((5, 5))
    w[0, 1], w[1, 2], w[2, 3], w[3, 4], w[4, 0] = 3, 1, -2, 5, 1
    perfect = score_matrix(w, _truth(w), directed=True)
    for k in ("auroc", "auprc", "auroc_exc", "auroc_inh", "precision_at_k", "direction_accuracy",
              "sign_accuracy", "weight_corr"):
        assert perfect[k] == pytest.approx(1.0), k
    backwards = score_matrix(w.T, _truth(w), directed=True)
    assert backwards["direction_accuracy"] == 0.0
    assert np.isnan(score_matrix(w, _truth(w), directed=False)["direction_accuracy"])


def test_diagonal_is_not_scored():
    w = np.zeros((4, 4))
    w[0, 1] = w[2, 3] = 1
    s = np.random.default_rng(1).random((4, 4))
    s2 = s.copy()
    np.fill_diagonal(s2, 1e6)
    np.testing.assert_equal(score_matrix(s, _truth(w), directed=True), score_matrix(s2, _truth(w), directed=True))


def test_precision_at_k_counts_edges_among_the_top_k():
    w = np.zeros((4, 4))
    w[0, 1] = w[1, 2] = w[2, 3] = 1  # k = 3
    s = np.zeros((4, 4))
    s[0, 1], s[1, 2], s[3, 0] = 0.9, 0.8, 0.7  # top 3: two edges and one non-edge
    assert score_matrix(s, _truth(w), directed=True)["precision_at_k"] == pytest.approx(2 / 3)


def test_random_scores_give_chance_auroc_on_a_large_random_graph():
    """Exact path (N·(N−1) = 2,248,500 pairs, 15,000 edges): the standard error of the AUROC of
    random scores is about sqrt(1/(12·15,000)) ≈ 0.0024, so |AUROC − 0.5| < 0.01 is 4 s.e."""
    n, rng = 1500, np.random.default_rng(0)
    keys = rng.choice(n * n, size=17_000, replace=False)
    keys = keys[keys // n != keys % n][:15_000]  # 15,000 distinct off-diagonal pairs
    sign = np.where(rng.random(len(keys)) < 0.8, 1.0, -1.0)
    truth = sp.csr_matrix((sign * rng.integers(1, 10, len(keys)), (keys // n, keys % n)), shape=(n, n))
    s = np.random.default_rng(12345).standard_normal((1500, 1500)).astype(np.float32)
    got = score_matrix(s, truth, directed=True)
    assert abs(got["auroc"] - 0.5) < 0.01
    assert abs(got["auroc_exc"] - 0.5) < 0.01 and abs(got["auroc_inh"] - 0.5) < 0.02
    assert got["auprc"] == pytest.approx(got["base_rate"], rel=0.1)
    assert abs(got["direction_accuracy"] - 0.5) < 0.02
    assert got["base_rate"] == pytest.approx(15_000 / (1500 * 1499))


def test_sampled_non_edges_estimate_the_exact_scores():
    from neurocast.connectome import random_connectome

    con = random_connectome(800, 8, seed=2)
    truth = truth_matrix(con)
    w = truth.toarray()
    s = np.random.default_rng(3).standard_normal(w.shape) + 0.5 * (w != 0)
    exact = score_matrix(s, truth, directed=True)
    sampled = score_matrix(s, truth, directed=True, max_pairs=100_000, seed=7)
    for k in ("auroc", "auprc", "auroc_exc", "precision_at_k"):
        assert sampled[k] == pytest.approx(exact[k], abs=0.01), k
    assert sampled["base_rate"] == pytest.approx(exact["base_rate"], rel=1e-6)  # weights add up
    np.testing.assert_equal(score_matrix(s, truth, directed=True, max_pairs=100_000, seed=7), sampled)  # seeded


def test_sparse_scores_equal_dense_scores():
    w = np.zeros((6, 6))
    w[0, 1], w[2, 3], w[4, 5] = 1, -1, 2
    s = np.zeros((6, 6))
    s[0, 1], s[2, 3], s[1, 4] = 0.5, -0.2, 0.1
    np.testing.assert_equal(score_matrix(sp.csr_matrix(s), _truth(w), directed=True),
                            score_matrix(s, _truth(w), directed=True))


def test_truth_matrix_follows_the_recording_order(tiny_connectome):
    names = ["C", "A", "B"]  # a partial recording in another order
    t = truth_matrix(tiny_connectome, names).toarray()
    full = tiny_connectome.to_scipy("weight").toarray()
    pos = [2, 0, 1]
    np.testing.assert_array_equal(t, full[np.ix_(pos, pos)])
    with pytest.raises(FormatError, match="not in connectome"):
        truth_matrix(tiny_connectome, ["A", "Z"])
    partly = [str(x) for x in tiny_connectome.names]
    partly[0] = "NOTREAL"  # some names match, one does not: never matched by position
    with pytest.raises(FormatError, match="1 of the recording's"):
        truth_matrix(tiny_connectome, partly)


def test_names_are_matched_ignoring_case_else_refused_never_by_position(tiny_connectome):
    full = tiny_connectome.to_scipy("weight").toarray()
    notes = []
    t = truth_matrix(tiny_connectome, ["c", "A", "b"], notes).toarray()  # case differs
    np.testing.assert_array_equal(t, full[np.ix_([2, 0, 1], [2, 0, 1])])
    assert notes == ["2 of the recording's 3 neuron names match connectome 'tiny' only ignoring "
                     "case (e.g. 'c' as 'C'): matched so"]
    own = [f"cell{k}" for k in range(tiny_connectome.n_neurons)]  # as many neurons, no name
    with pytest.raises(FormatError, match="names none of the recording's 5 neurons") as err:
        truth_matrix(tiny_connectome, own)
    assert "--names" in err.value.hint and "neuron k is the connectome's neuron k" in err.value.hint
    with pytest.raises(FormatError, match="1 of the recording's 2 neurons"):
        truth_matrix(tiny_connectome, ["a", "A"])  # ignoring case, two names are one neuron


def test_connections_of_unknown_sign_are_edges_left_out_of_the_sign_metrics(tiny_connectome):
    from neurocast.connectome import Connectome

    table = tiny_connectome.neurons.copy()
    table["sign"] = [1, 0, -1, 0, 1]  # B and D: unknown sign, so weight 0
    con = Connectome.from_edges(table, pre=[0, 0, 1, 2, 2, 3], post=[1, 2, 2, 3, 4, 4],
                                count=[3, 1, 5, 2, 7, 1], name="unsigned")
    truth = truth_matrix(con)
    assert truth.nnz == 6 and np.isnan(truth.data).sum() == 2
    perfect = np.abs(con.to_scipy("count").toarray()).astype(float)
    out = score_matrix(perfect, truth, directed=True)
    assert out["auroc"] == 1.0 and out["precision_at_k"] == 1.0  # all 6 connections are edges
    assert out["base_rate"] == pytest.approx(6 / 20)
    assert out["sign_accuracy"] == 0.5  # positive scores on the 4 of known sign, 2 inhibitory


def test_a_truth_that_repeats_a_name_is_refused(tiny_connectome):
    from neurocast.connectome import Connectome

    table = tiny_connectome.neurons.copy()
    table["name"] = ["A", "A", "C", "D", "E"]  # a connectome file may repeat a name
    twice = Connectome.from_edges(table, pre=[0, 2], post=[2, 3], count=[3, 1], name="twice")
    with pytest.raises(FormatError, match=r"repeats neuron name\(s\) \['A'\]"):
        truth_matrix(twice, ["A", "C"])


def test_no_edge_among_the_scored_neurons_gives_undefined_metrics_not_an_error():
    truth = _truth(np.zeros((4, 4)))
    out = score_matrix(np.random.default_rng(0).random((4, 4)), truth, directed=True)
    assert np.isnan(out["auroc"]) and np.isnan(out["direction_accuracy"])


def test_bad_score_matrix():
    w = _truth(np.eye(3, k=1))
    with pytest.raises(FormatError, match="shape"):
        score_matrix(np.zeros((2, 2)), w, directed=True)
    bad = np.zeros((3, 3))
    bad[0, 1] = np.nan
    with pytest.raises(FormatError, match="NaN"):
        score_matrix(bad, w, directed=True)
