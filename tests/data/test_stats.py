"""Realism statistics against closed forms on synthetic signals."""

import math

import numpy as np
import pytest

from neurocast.data import (
    STATISTICS,
    StatsConfig,
    compare_stats,
    make_dataset,
    open_dataset,
    realism_stats,
    reference_ranges,
    reference_table,
    save_dataset,
    trace_stats,
)
from neurocast.errors import ConfigError, FormatError, UnknownNameError


def ar1(n_frames, n_neurons, phi, seed=0):
    """Stationary AR(1) traces (time, neuron) with coefficient phi."""
    rng = np.random.default_rng(seed)
    e = rng.standard_normal((n_frames, n_neurons))
    x = np.empty_like(e)
    x[0] = e[0] / math.sqrt(1 - phi**2)
    for t in range(1, n_frames):
        x[t] = phi * x[t - 1] + e[t]
    return x


def test_ar1_lag1_half_life_and_mae_ratio():
    phi, dt = 0.9, 0.5
    s = trace_stats(ar1(60_000, 4, phi), dt)
    assert s["lag1_autocorr"] == pytest.approx(phi, abs=0.01)
    # ACF phi^k first below 0.5 at k = ceil(ln 0.5 / ln phi) = 7 frames (0.9^6 = 0.53, 0.9^7 = 0.48)
    assert s["acf_half_life_s"] == pytest.approx(math.ceil(math.log(0.5) / math.log(phi)) * dt)
    assert s["acf"][:4] == pytest.approx(phi ** np.arange(4), abs=0.015)
    # E|z[t+k] - z[t]| ∝ sqrt(1 - phi^k) for a Gaussian AR(1)
    assert s["mae32_over_mae1"] == pytest.approx(math.sqrt((1 - phi**32) / (1 - phi)), rel=0.02)


def test_rank_k_spectrum():
    """Neuron i copies one of k orthogonal signals: k equal eigenvalues n/k, the rest 0."""
    t, n, k = 400, 140, 4
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.standard_normal((t, k)) - 0)
    q -= q.mean(axis=0)
    q, _ = np.linalg.qr(q)  # orthonormal and (up to rounding) mean-zero columns
    x = q[:, np.arange(n) % k] * rng.uniform(0.5, 2, n) + rng.normal(0, 3, n)  # scale/offset per neuron
    s = trace_stats(x, 1.0)
    assert s["pc1"] == pytest.approx(1 / k, abs=1e-6)
    assert s["pc1_5"] == pytest.approx(1.0, abs=1e-6)
    assert s["pr_over_n"] == pytest.approx(k / n, rel=1e-6)
    assert s["eigenvalues"][:k] == pytest.approx(np.full(k, n / k), rel=1e-6)
    assert np.abs(s["eigenvalues"][k:]).max() < 1e-6


def test_random_rank3_mixture_has_all_variance_in_five_pcs():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((500, 3)) @ rng.standard_normal((3, 60))
    s = trace_stats(x, 1.0)
    assert s["pc1_5"] == pytest.approx(1.0, abs=1e-9)
    assert s["pc1"] < 0.9


def test_independent_noise_participation_ratio_and_correlations():
    t, n = 2000, 140
    s = trace_stats(np.random.default_rng(3).standard_normal((t, n)), 1.0)
    # Marchenko–Pastur: E Σλ² = n (1 + (n - 1)/t) for the sample correlation matrix
    assert s["pr_over_n"] == pytest.approx(1 / (1 + (n - 1) / t), abs=0.01)
    # r ~ N(0, 1/t): median |r| = 0.6745 / sqrt(t)
    assert s["median_abs_r"] == pytest.approx(0.6745 / math.sqrt(t), rel=0.05)
    assert s["frac_pairs_r_gt_0_5"] == 0.0
    assert s["lag1_autocorr"] == pytest.approx(0.0, abs=0.01)
    assert s["acf_half_life_s"] == 1.0  # below 0.5 at the first lag


def test_skew_of_exponential_noise_is_two():
    s = trace_stats(np.random.default_rng(4).exponential(size=(100_000, 3)), 1.0)
    assert s["skew"] == pytest.approx(2.0, abs=0.1)


def test_constant_neurons_are_dropped():
    x = ar1(3000, 20, 0.8, seed=5)
    padded = np.insert(x, [0, 7, 7, 20], np.array([1.0, 0.0, 5.0, -2.0]), axis=1)
    a, b = trace_stats(x, 1.0), trace_stats(padded, 1.0)
    assert b["n_neurons"] == 20
    for key in STATISTICS:
        assert b[key] == pytest.approx(a[key], rel=1e-9), key


def test_subsets_skip_constant_neurons_and_are_reproducible():
    rng = np.random.default_rng(6)
    x = np.zeros((300, 1000))
    varying = np.sort(rng.choice(1000, 400, replace=False))
    x[:, varying] = ar1(300, 400, 0.7, seed=6)
    r0 = realism_stats(x, dt_s=1.0, progress=False)
    assert r0["n_subsets"] == 10
    assert r0["overall"]["n_neurons"] == 140  # every subset full of varying neurons
    again = realism_stats(x, dt_s=1.0, progress=False)
    other = realism_stats(x, dt_s=1.0, config=StatsConfig(seed=1), progress=False)
    assert again["overall"]["median_abs_r"] == r0["overall"]["median_abs_r"]
    assert other["overall"]["median_abs_r"] != r0["overall"]["median_abs_r"]


def test_small_recording_uses_every_neuron_once():
    x = ar1(500, 50, 0.6, seed=7)
    r = realism_stats(x, dt_s=1.0, progress=False)
    assert r["n_subsets"] == 1
    assert r["overall"]["lag1_autocorr"] == pytest.approx(trace_stats(x, 1.0)["lag1_autocorr"])


def test_lazy_store_gives_the_same_numbers_as_memory(tmp_path):
    x = ar1(600, 300, 0.85, seed=8).astype(np.float32)
    cond = np.repeat(["a", "b"], 300)
    ds = make_dataset(x, dt_s=0.6, condition=cond)
    path = save_dataset(ds, tmp_path / "x.zarr")
    lazy = realism_stats(open_dataset(path), progress=False)
    mem = realism_stats(x, dt_s=0.6, condition=cond, progress=False)
    assert set(lazy["conditions"]) == {"a", "b"}
    for key in STATISTICS:
        assert lazy["overall"][key] == pytest.approx(mem["overall"][key], rel=1e-6)
        assert lazy["conditions"]["b"][key] == pytest.approx(mem["conditions"]["b"][key], rel=1e-6)


def test_per_condition_blocks_are_measured_separately():
    x = np.concatenate([ar1(20_000, 5, 0.95, seed=9), ar1(20_000, 5, 0.3, seed=10)])
    cond = np.repeat(["slow", "fast"], 20_000)
    r = realism_stats(x, dt_s=1.0, condition=cond, progress=False)
    assert r["conditions"]["slow"]["lag1_autocorr"] == pytest.approx(0.95, abs=0.01)
    assert r["conditions"]["fast"]["lag1_autocorr"] == pytest.approx(0.3, abs=0.02)


def test_bad_inputs():
    with pytest.raises(ConfigError, match="dt_s"):
        realism_stats(np.zeros((10, 3)))
    with pytest.raises(FormatError, match="NaN"):
        trace_stats(np.full((10, 3), np.nan), 1.0)
    with pytest.raises(ConfigError, match="subset_size"):
        StatsConfig(subset_size=1)


def test_reference_table_and_comparison():
    table = reference_table()
    assert len(table) == 6 and set(table["group"]) == {"celegans", "zebrafish"}
    worm = reference_ranges("celegans")
    assert worm["lag1_autocorr"] == (0.81, 0.88)
    assert worm["acf_half_life_s"] == (7.8, 13.9)
    assert reference_ranges("zebrafish")["pr_over_n"] == (0.068, 0.177)
    with pytest.raises(UnknownNameError):
        reference_ranges("mouse")
    stats = dict.fromkeys(STATISTICS, float("nan"))
    stats.update(lag1_autocorr=0.85, acf_half_life_s=1.0, median_abs_r=0.2, pc1_5=0.6, pr_over_n=0.05,
                 mae32_over_mae1=2.5)
    cmp = compare_stats(stats, worm)
    assert cmp["rows"]["lag1_autocorr"]["inside"] is True
    assert cmp["rows"]["acf_half_life_s"]["inside"] is False
    assert cmp["rows"]["skew"]["inside"] is None
    assert (cmp["n_inside"], cmp["n_scored"]) == (5, 6)
