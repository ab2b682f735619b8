"""Datasets imported with --allow-nan open in `data plot`, `data stats` and `protocol show
--dataset`; the statistics leave NaN out."""

from __future__ import annotations

import json

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import FormatError


def _ar1(n_frames=1200, n_neurons=12, phi=0.8, seed=0):
    rng = np.random.default_rng(seed)
    x = np.zeros((n_frames, n_neurons))
    for t in range(1, n_frames):
        x[t] = phi * x[t - 1] + rng.standard_normal(n_neurons) + 0.5 * rng.standard_normal()
    return x.astype(np.float32)


def _gappy_store(tmp_path):
    x = _ar1()
    x[480:601:5, 2] = np.nan
    cond = nd.conditions_from_offsets([0, 600, 1200], ["a", "b"])
    ds = nd.make_dataset(x, dt_s=0.5, condition=cond, allow_nan=True)
    return nd.save_dataset(ds, tmp_path / "gapa.zarr", allow_nan=True)


def test_statistics_with_gaps_leave_nan_out_and_stay_close_to_the_complete_ones():
    x = _ar1(n_frames=3000, n_neurons=20)
    gappy = x.copy()
    gappy[np.random.default_rng(1).random(x.shape) < 0.02] = np.nan
    gappy[:, 3] = np.nan  # a neuron never recorded is left out like a constant one
    with pytest.raises(FormatError, match="NaN") as err:
        nd.trace_stats(gappy, 0.5)
    assert "allow_nan=True" in err.value.hint
    full = nd.trace_stats(np.delete(x, 3, axis=1), 0.5)
    part = nd.trace_stats(gappy, 0.5, allow_nan=True)
    assert part["n_neurons"] == 19
    for key in ("lag1_autocorr", "median_abs_r", "pc1", "pr_over_n", "mae32_over_mae1"):
        assert part[key] == pytest.approx(full[key], rel=0.03), key
    assert part["acf_half_life_s"] == full["acf_half_life_s"]
    assert np.isfinite(part["acf"]).all() and np.isfinite(part["eigenvalues"]).all()
    # complete data give the same numbers with or without allow_nan
    same = nd.trace_stats(x, 0.5, allow_nan=True)
    ref = nd.trace_stats(x, 0.5)
    for key in nd.STATISTICS:
        assert same[key] == pytest.approx(ref[key], rel=1e-12, nan_ok=True), key


def test_cli_data_stats_plot_and_protocol_show_open_a_dataset_with_nan(tmp_path, capsys):
    path = _gappy_store(tmp_path)
    assert main(["data", "stats", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert all(np.isfinite(doc["overall"][k]) for k in ("lag1_autocorr", "median_abs_r", "pc1"))
    assert ("note: the traces hold 25 NaN value(s) in 25 frame(s); every statistic leaves them out"
            in captured.err)
    assert main(["data", "plot", str(path), "--out", str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").stat().st_size > 1000
    assert main(["protocol", "show", "conditions", "--dataset", str(path), "--context", "4",
                 "--horizon", "8", "--json"]) == 0
    splits = json.loads(capsys.readouterr().out)["splits"]
    assert [s["condition"] for s in splits if s["split"] == "test"] == ["a", "b"]
