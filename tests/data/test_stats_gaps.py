"""Realism statistics with NaN gaps are the complete-data estimators over the frames observed:
correlations stay correlations however the gaps fall."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.data import trace_stats
from neurocast.data._stats import _pairwise_r, _trace_stats, _zscore


def _shared_corrcoef(x: np.ndarray) -> np.ndarray:
    """np.corrcoef of each pair of columns over the frames both have: (pairs,) upper triangle."""
    n = x.shape[1]
    out = []
    for i, j in zip(*np.triu_indices(n, k=1), strict=True):
        both = np.isfinite(x[:, i]) & np.isfinite(x[:, j])
        out.append(np.corrcoef(x[both, i], x[both, j])[0, 1])
    return np.array(out)


def test_r_with_a_neuron_recorded_only_during_a_burst_is_the_pearson_r_on_shared_frames():
    rng = np.random.default_rng(0)
    t = 1000
    a = 0.01 * rng.normal(size=t)
    burst = np.zeros(t, bool)
    burst[400:500] = True
    a[burst] += rng.normal(size=100)
    b = np.where(burst, a, np.nan)  # the same cell, recorded only during the burst
    x = np.stack([a, b, rng.normal(size=t)], 1)
    stats, r = _trace_stats(x, 0.5, None, True)
    assert r == pytest.approx(_shared_corrcoef(x), abs=1e-12)
    assert r[0] == pytest.approx(1.0) and np.abs(r).max() <= 1 + 1e-12
    # a and b are one signal: the spectrum is close to (2, 1, 0)
    assert stats["eigenvalues"] == pytest.approx([2.0, 1.0, 0.0], abs=0.1)
    assert stats["pc1"] == pytest.approx(2 / 3, abs=0.03)


def test_pairwise_r_matches_corrcoef_with_random_holes_and_the_complete_path_without():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 6)) + rng.normal(size=(300, 1))
    x[rng.random(x.shape) < 0.2] = np.nan
    _, r = _trace_stats(x, 1.0, None, True)
    assert r == pytest.approx(_shared_corrcoef(x), abs=1e-12)
    z, valid = _zscore(np.nan_to_num(x))
    assert _pairwise_r(z, valid) == pytest.approx(z.T @ z / len(z), abs=1e-12)


def _burst_pair(t=1000):
    """Two neurons: quiet noise and one smooth burst (reversed in the second); observed on every
    other frame outside the burst, every frame inside it. Returns (complete, gappy)."""
    rng = np.random.default_rng(0)
    a = 0.01 * rng.normal(size=t)
    a[400:500] += 3 * np.sin(np.linspace(0, np.pi, 100))
    seen = np.zeros(t, bool)
    seen[1::2] = True
    seen[400:500] = True
    full = np.stack([a, a[::-1]], 1)
    return full, np.where(np.stack([seen, seen[::-1]], 1), full, np.nan)


def test_lagged_r_with_pairs_only_in_a_burst_stays_a_correlation():
    full, gappy = _burst_pair()
    s = trace_stats(gappy, 1.0, allow_nan=True)
    assert np.nanmax(np.abs(s["acf"])) <= 1 + 1e-12
    assert s["lag1_autocorr"] == pytest.approx(trace_stats(full, 1.0)["lag1_autocorr"], abs=0.01)


def test_step_ratio_compares_both_steps_over_the_same_frames():
    # white noise: |z[t+32] - z[t]| and |z[t+1] - z[t]| have the same mean, ratio 1; frames
    # 0-999 are a slow sine seen only on every other frame (lag-32 pairs but no lag-1 pairs)
    rng = np.random.default_rng(2)
    t = 3000
    x = rng.normal(size=(t, 4))
    x[:1000] = 20 * np.sin(np.arange(1000) / 100)[:, None]
    x[:1000:2] = np.nan
    s = trace_stats(x, 1.0, allow_nan=True)
    assert s["mae32_over_mae1"] == pytest.approx(1.0, abs=0.05)
