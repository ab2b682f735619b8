"""Each method on networks whose answer is known; the linear algebra against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.errors import (
    ConfigError,
    FormatError,
    NonFiniteError,
    ResourceError,
    UnknownNameError,
)
from neurocast.infer import METHODS, Activity, as_activity, get_method, infer_connectivity

DIRECTED = [m for m, cls in METHODS.items() if cls.directed]


@pytest.fixture(scope="module")
def activity_of(simulate_hawkes):
    cache = {}

    def make(con):
        if con.name not in cache:
            c, s = simulate_hawkes(con)
            cache[con.name] = Activity(traces=c, dt_s=0.1, names=np.arange(con.n_neurons).astype(str),
                                       spike_counts=s)
        return cache[con.name]
    return make


def _top_pairs(scores, k):
    m = np.abs(scores.toarray() if hasattr(scores, "toarray") else scores).astype(np.float64)
    np.fill_diagonal(m, -np.inf)
    flat = np.argsort(-m, axis=None)[:k]
    return {(int(i), int(j)) for i, j in zip(*np.unravel_index(flat, m.shape), strict=True)}


def test_directed_methods_are_the_ones_expected():
    assert set(DIRECTED) == {"ridge", "ridge-deconv", "xcorr", "ridge-sparse"}


@pytest.mark.parametrize("net", ["chain", "ring"])
@pytest.mark.parametrize("method", DIRECTED)
def test_directed_method_ranks_true_edges_first(method, net, request, activity_of):
    con = request.getfixturevalue(net)
    act = activity_of(con)
    scores = get_method(method).infer(act)
    coo = con.to_scipy().tocoo()
    truth = set(zip(coo.row.tolist(), coo.col.tolist(), strict=True))
    assert _top_pairs(scores, len(truth)) == truth  # exactly the true edges, in their direction


@pytest.mark.parametrize("method", ["ridge", "ridge-deconv", "xcorr"])
def test_inhibitory_edge_gets_a_negative_score(method, ring, activity_of):
    scores = get_method(method).infer(activity_of(ring))
    assert scores[3, 4] < 0
    others = [scores[i, (i + 1) % 8] for i in range(8) if i != 3]
    assert min(others) > 0


@pytest.mark.parametrize("method", ["pearson", "partial", "challenge"])
def test_undirected_methods_find_the_chain_pairs(method, chain, activity_of):
    scores = get_method(method).infer(activity_of(chain))
    np.testing.assert_allclose(scores, scores.T, atol=1e-5)  # symmetric: no direction
    top = _top_pairs(np.triu(scores, 1), 7)
    true_pairs = {(i, i + 1) for i in range(7)}
    # the challenge recipe thresholds away the small transients of n0 (which has no input)
    assert len(top & true_pairs) >= (6 if method == "challenge" else 7)


def test_pearson_matches_numpy():
    x = np.random.default_rng(1).standard_normal((500, 6)).astype(np.float32)
    x[:, 1] += x[:, 0]
    got = infer_connectivity(x, "pearson")
    want = np.corrcoef(x.T)
    np.fill_diagonal(want, 0)
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert got.dtype == np.float32 and got.shape == (6, 6)


def test_ledoit_wolf_matches_sklearn():
    from sklearn.covariance import ledoit_wolf as sk_lw

    from neurocast.infer._activity import standardise
    from neurocast.infer._linalg import gram, ledoit_wolf

    x = standardise(np.random.default_rng(2).standard_normal((60, 40)))  # T < N: real shrinkage
    cov, s = ledoit_wolf(x, gram(x))
    want, s_want = sk_lw(x.astype(np.float64), assume_centered=True)
    assert 0.05 < s < 1
    assert s == pytest.approx(s_want, rel=1e-4)
    np.testing.assert_allclose(cov, want, atol=1e-5)


def test_partial_correlation_matches_inverse_of_sklearn_covariance():
    from sklearn.covariance import ledoit_wolf as sk_lw

    from neurocast.infer._activity import standardise

    rng = np.random.default_rng(3)
    x = rng.standard_normal((400, 10))
    x[:, 2] += 0.8 * x[:, 1]
    x[:, 3] += 0.8 * x[:, 2]  # 1 – 2 – 3 a chain: 1 and 3 are conditionally independent
    got = infer_connectivity(x, "partial")
    p = np.linalg.inv(sk_lw(standardise(x).astype(np.float64), assume_centered=True)[0])
    want = -p / np.sqrt(np.outer(np.diag(p), np.diag(p)))
    np.fill_diagonal(want, 0)
    np.testing.assert_allclose(got, want, atol=2e-4)
    assert abs(got[1, 3]) < 0.1 < got[1, 2]


def test_glasso_estimator_matches_sklearn():
    from sklearn.covariance import graphical_lasso

    from neurocast.infer._activity import standardise
    from neurocast.infer._linalg import gram

    x = np.random.default_rng(4).standard_normal((300, 6))
    x[:, 1] += x[:, 0]
    got = get_method("partial", estimator="glasso", alpha=0.05).infer(as_activity(x))
    cov = gram(standardise(x)).astype(np.float64)
    cov[np.diag_indices(6)] += 1e-3
    prec = graphical_lasso(cov, alpha=0.05, max_iter=200, tol=1e-3)[1]
    d = np.sqrt(np.diag(prec))
    want = -prec / np.outer(d, d)
    np.fill_diagonal(want, 0)
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert got[0, 1] > 0.3 and abs(got[2, 3]) < 0.05  # the lasso zeroes the unrelated pair


def test_ar1_deconvolution_recovers_spikes():
    from neurocast.infer._deconv import ar1_deconvolve

    rng = np.random.default_rng(5)
    s = (rng.random((2000, 3)) < 0.05).astype(np.float32)
    c = np.zeros_like(s)
    for t in range(1, len(s)):
        c[t] = 0.8 * c[t - 1] + s[t]
    np.testing.assert_allclose(ar1_deconvolve(c, 0.8)[1:], s[1:], atol=1e-5)


def test_deconvolution_uses_the_indicator_decay():
    from neurocast.infer._deconv import decay_per_frame
    from neurocast.observe import INDICATORS

    x = np.random.default_rng(0).standard_normal((50, 3)).astype(np.float32)
    act = Activity(traces=x, dt_s=0.5, names=np.array(["a", "b", "c"]), indicator="gcamp6s")
    tau_s = INDICATORS["gcamp6s"].half_decay_ms / 1000 / np.log(2)
    np.testing.assert_allclose(decay_per_frame(act), np.exp(-0.5 / tau_s), rtol=1e-6)


def test_methods_are_deterministic(ring, activity_of):
    act = activity_of(ring)
    for name in METHODS:
        a, b = get_method(name).infer(act), get_method(name).infer(act)
        a = a.toarray() if hasattr(a, "toarray") else a
        b = b.toarray() if hasattr(b, "toarray") else b
        np.testing.assert_array_equal(a, b)
        assert np.all(np.diag(a) == 0)


def test_sparse_ridge_keeps_top_k_per_target(chain, activity_of):
    act = activity_of(chain)
    s = get_method("ridge-sparse", top_k=1, candidates=8, chunk=3).infer(act)
    assert s.shape == (8, 8) and s.nnz <= 8
    for j in range(1, 8):  # every target's single kept predictor is its true presynaptic neuron
        col = s[:, j].toarray().ravel()
        assert np.argmax(np.abs(col)) == j - 1


@pytest.mark.parametrize("method", ["ridge", "ridge-sparse"])
def test_lagged_ridge_on_constant_traces_scores_zero(method):
    # ridge-sparse's ridge penalty was alpha × mean variance, 0 here: the Cholesky factor failed
    # (scipy LinAlgError) where 'ridge' (a floor of 1e-12) scores every pair 0
    s = infer_connectivity(np.zeros((20, 4), np.float32), method, dt_s=0.1)
    s = s.toarray() if hasattr(s, "toarray") else s
    assert s.shape == (4, 4) and not s.any()


def test_bad_options_and_names():
    with pytest.raises(UnknownNameError, match="did you mean 'ridge'"):
        get_method("ridgee")
    with pytest.raises(ConfigError, match="no option"):
        get_method("ridge", lam=3)
    with pytest.raises(ConfigError, match="alpha must be a finite number > 0"):
        get_method("ridge", alpha=-1.0)
    with pytest.raises(ConfigError, match="estimator must be"):
        get_method("partial", estimator="pca")
    with pytest.raises(ConfigError, match="max_lag"):
        get_method("xcorr", max_lag=-1)


def test_xcorr_without_spikes_says_so():
    x = np.random.default_rng(0).standard_normal((100, 4))
    with pytest.raises(ConfigError, match="needs spike counts"):
        infer_connectivity(x, "xcorr")


def test_bad_activity_input():
    with pytest.raises(FormatError, match="2-D"):
        as_activity(np.zeros(10))
    with pytest.raises(FormatError, match="too small"):
        as_activity(np.zeros((2, 5)))
    x = np.zeros((10, 3))
    x[4, 1] = np.nan
    with pytest.raises(NonFiniteError):
        as_activity(x)


def test_dense_method_refuses_a_brain_too_large(monkeypatch):
    from neurocast.infer import _linalg

    monkeypatch.setattr(_linalg, "available_memory_bytes", lambda: 10_000)
    with pytest.raises(ResourceError, match="ridge-sparse"):
        infer_connectivity(np.random.default_rng(0).standard_normal((50, 100)), "ridge")


def test_cholesky_inverse_of_a_large_matrix_matches_numpy():
    """Above 2,048 neurons the inverse is symmetrised in blocks of rows: check that path."""
    from neurocast.infer._linalg import _cholesky_inverse

    rng = np.random.default_rng(6)
    a = rng.standard_normal((2300, 400)).astype(np.float32)
    spd = (a @ a.T / 400 + np.eye(2300, dtype=np.float32)).astype(np.float32)
    want = np.linalg.inv(spd.astype(np.float64))
    got = _cholesky_inverse(spd.copy())
    np.testing.assert_allclose(got, got.T, atol=0)
    np.testing.assert_allclose(got, want, atol=2e-4)
