"""Evaluation as Dask tasks over chunks of windows: the scorecard equals the in-memory one bit for bit."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

from neurocast.bench import evaluate, evaluate_on_cluster, read_scorecard, run_benchmark
from neurocast.cli import main
from neurocast.data import make_dataset, open_dataset, protocol_for_dataset, save_dataset
from neurocast.errors import ConfigError
from neurocast.models import Forecaster, get_model

pytestmark = pytest.mark.distributed

MODELS = ["naive", "mean", "stimulus", "linear", "var"]


def _dataset(t=900, n=24, seed=0):
    """Smooth low-rank dynamics with a stimulus response and noise, three conditions."""
    rng = np.random.default_rng(seed)
    lat = np.cumsum(rng.standard_normal((t, 3)), axis=0) * 0.05
    stim = ((np.arange(t) % 15) < 3).astype(np.float32)
    x = lat @ rng.standard_normal((3, n)) + np.outer(np.convolve(stim, np.exp(-np.arange(10) / 3))[:t],
                                                       rng.random(n))
    x = (x + 0.05 * rng.standard_normal((t, n))).astype(np.float32)
    cond = np.repeat(["rest", "flash", "dark"], [300, 300, 300])
    return make_dataset(x, dt_s=0.5, condition=cond, stimulus=stim[:, None], covariate=["flash"],
                        heldout_conditions=["dark"], source="test synth", seed=seed)


def _scores(card):
    return {k: card[k].values for k in ("score", "score_by_group") if k in card}


def test_scorecard_identical_to_memory(client, tmp_path):
    ds = _dataset()
    path = save_dataset(ds, tmp_path / "s.zarr")
    lazy = open_dataset(path)
    # small batches and chunks that do not divide the test sets: many tasks, a short last one
    memory = run_benchmark(ds, models=MODELS, context=4, horizon=8, batch_windows=8).scorecard
    cluster = run_benchmark(lazy, models=MODELS, context=4, horizon=8, batch_windows=8,
                            chunk_windows=20, client=client).scorecard
    for name, values in _scores(memory).items():
        np.testing.assert_array_equal(values, _scores(cluster)[name], err_msg=name)
    assert np.isfinite(memory["score"].values).all()


def test_statistics_rows_identical_per_chunking(client, tmp_path, same_statistics):
    ds = _dataset(seed=3)
    path = save_dataset(ds, tmp_path / "s.zarr")
    proto = protocol_for_dataset(ds, None, context=4, horizon=6)
    from neurocast.data import segments_for

    train = segments_for(ds["traces"], proto, "train", stimulus=ds["stimulus"])
    val = segments_for(ds["traces"], proto, "val", stimulus=ds["stimulus"])
    model = get_model("linear", horizon=6)
    model.fit(train, val)
    groups = np.arange(24) % 3
    names = ("a", "b", "c")
    ref = evaluate(model, ds["traces"], proto, stimulus=ds["stimulus"], groups=groups,
                   group_names=names, batch_windows=5)
    for chunk in (1, 7, 1000):  # one batch per task, a ragged chunking, one task per test set
        got = evaluate_on_cluster({"linear": model}, path, proto, client=client, groups=groups,
                                  group_names=names, batch_windows=5, chunk_windows=chunk,
                                  progress=False)["linear"]
        same_statistics(got, ref, f"chunk {chunk}")
        assert ref["rest"].count.min() > 0  # every window counted


def test_cluster_needs_a_store_and_no_mask(client):
    ds = _dataset()
    with pytest.raises(ConfigError, match="stored on disk"):
        run_benchmark(ds, models=["naive"], context=4, horizon=4, client=client)


def test_cli_bench_on_the_cluster(client, tmp_path, capsys):
    path = save_dataset(_dataset(), tmp_path / "s.zarr")
    argv = ["bench", str(path), "--models", "naive,linear", "--context", "4", "--horizon", "8", "--json"]
    assert main([*argv, "--out", str(tmp_path / "mem")]) == 0
    assert main([*argv, "--out", str(tmp_path / "dask"), "--scheduler", client.scheduler.address,
                 "--chunk-windows", "30"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert json.loads(lines[0])["summary"] == json.loads(lines[1])["summary"]
    a, b = read_scorecard(tmp_path / "mem" / "scorecard.nc"), read_scorecard(tmp_path / "dask" / "scorecard.nc")
    np.testing.assert_array_equal(a["score"].values, b["score"].values)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "mem" / "scorecard.csv"),
                                  pd.read_csv(tmp_path / "dask" / "scorecard.csv"))


class _BatchSized(Forecaster):
    """Forecasts the size of the predict call that made them: scores that tell the batches."""

    name = "batch-sized"
    uses_val = False

    def __init__(self, horizon, predict_batch):
        super().__init__(horizon)
        self.predict_batch = predict_batch

    def predict(self, context, meta=None):
        return np.full((context.shape[0], self.horizon, context.shape[2]), context.shape[0],
                       dtype=np.float32)


def test_each_model_predicts_in_its_own_batches(client, tmp_path, monkeypatch, same_statistics):
    import cloudpickle

    import neurocast.bench._evaluate as evaluation

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import tests
    ds = _dataset(seed=5)
    path = save_dataset(ds, tmp_path / "s.zarr")
    proto = protocol_for_dataset(ds, None, context=4, horizon=6)
    # a default batch of 4 windows (the client computes it), and models asking for 8 and 12
    monkeypatch.setattr(evaluation, "_BATCH_VALUES", 4 * 6 * 24)
    models = {"eight": _BatchSized(6, 8), "twelve": _BatchSized(6, 12), "naive": get_model("naive", horizon=6)}
    assert [evaluation.batch_windows_for(6, 24, model=m) for m in models.values()] == [8, 12, 4]
    got = evaluate_on_cluster(models, path, proto, client=client, chunk_windows=30, progress=False)
    for name, model in models.items():
        same_statistics(got[name], evaluate(model, ds["traces"], proto), name)
