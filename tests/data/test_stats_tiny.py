"""Statistics a tiny recording cannot give are NaN, and data stats says why."""

from __future__ import annotations

import numpy as np

import neurocast.data as nd
from neurocast.cli import main
from neurocast.data import trace_stats


def _x(t, n, seed=0):
    return np.random.default_rng(seed).standard_normal((t, n)).cumsum(axis=0)


def test_pc1_5_needs_more_than_five_neurons():
    assert np.isnan(trace_stats(_x(400, 5), 0.5)["pc1_5"])
    assert np.isfinite(trace_stats(_x(400, 5), 0.5)["pc1"])
    assert np.isfinite(trace_stats(_x(400, 6), 0.5)["pc1_5"])


def test_statistics_need_fifty_frames():
    s = trace_stats(_x(40, 8), 0.5)
    assert all(np.isnan(s[k]) for k in nd.STATISTICS)
    assert np.isfinite(trace_stats(_x(60, 8), 0.5)["median_abs_r"])


def test_data_stats_notes_what_a_tiny_recording_cannot_give(tmp_path, capsys):
    ds = nd.make_dataset(_x(400, 4).astype(np.float32), dt_s=0.5)
    path = nd.save_dataset(ds, tmp_path / "tiny.zarr")
    assert main(["data", "stats", str(path)]) == 0
    err = capsys.readouterr().err
    assert "pc1_5" in err and "more than 5" in err
