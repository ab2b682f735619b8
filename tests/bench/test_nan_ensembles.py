"""NaN skipping (``--nan skip-windows``) in the seed ensembles and on a Dask cluster: both score
exactly the windows the in-memory scorecard scores, and no window touching a NaN frame is ever
read into a forecast or a sum."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neurocast.bench import _run as bench_run
from neurocast.bench import ensemble_scores, run_benchmark
from neurocast.cli import main
from neurocast.data import make_dataset, open_dataset, save_dataset, segments_for
from neurocast.data._windows import valid_windows
from neurocast.errors import ConfigError, NonFiniteError
from neurocast.models import MeanForecaster, NaiveForecaster

C, H = 4, 3
L = C + H
T = 400  # single protocol: train [0, 280), val [276, 320), test [316, 400)
NAN_AT = {150: 0, 300: 3, 360: 2}  # frame: neuron holding NaN (in train, val, test)


def _traces(t=T, n=6, seed=0):
    """AR(1) traces, (t, n) float32: a learned model has something to learn."""
    rng = np.random.default_rng(seed)
    x = np.zeros((t, n), dtype=np.float32)
    for i in range(1, t):
        x[i] = 0.9 * x[i - 1] + rng.normal(0, 0.1, n)
    return x


def _gappy(**kw):
    """(Dataset, traces) with one NaN value in each frame of ``NAN_AT``."""
    x = _traces(**kw)
    for frame, neuron in NAN_AT.items():
        x[frame, neuron] = np.nan
    return make_dataset(x, dt_s=0.5, source="test", allow_nan=True), x


def _bad_frames(x):
    return ~np.isfinite(x).all(axis=1)


def _timemix(max_steps=2):
    pytest.importorskip("torch")
    from neurocast.models.deep import TimemixConfig, TimemixForecaster, TrainConfig

    return TimemixForecaster(horizon=H, cfg=TimemixConfig(blocks=1, train=TrainConfig(
        val_every=2, max_steps=max_steps, device="cpu")))


# -- ensembles --------------------------------------------------------------------------------


def test_ensemble_scores_skip_the_windows_the_scorecard_skips():
    ds, x = _gappy()
    res = run_benchmark(ds, models=["naive", "mean"], context=C, horizon=H, nan="skip-windows")
    assert int(res.scorecard["n_windows_skipped"].values[0]) == L  # those touching frame 360
    members = [NaiveForecaster(horizon=H), MeanForecaster(horizon=H)]
    with pytest.raises(NonFiniteError):  # the windows touching a NaN read: refused, never summed
        ensemble_scores(members, x, res.protocol)
    ens = ensemble_scores(members, x, res.protocol, skip_frames=_bad_frames(x))
    for k, name in enumerate(("naive", "mean")):
        scored = res.scorecard["score"].sel(model=name, metric="mae").values[0]
        np.testing.assert_allclose(ens["member_mae"].values[k, 0], scored, rtol=1e-6)
    for var in ("ensemble_mae", "crps", "spread", "skill", "spread_skill"):
        assert np.isfinite(ens[var].values).all(), var


def test_learned_seeds_form_an_ensemble_under_nan_skipping(monkeypatch):
    """--seeds 2 with --nan skip-windows: CRPS and spread/skill are reported, on the windows the
    scorecard scores (each member's MAE is its seed's scorecard MAE), and no context holding NaN
    reaches a forecast (nor a target a sum: ensemble_scores refuses one)."""
    ds, x = _gappy()
    model = _timemix()
    ensembles, contexts, in_ensemble = [], [], []  # in_ensemble: windows predicted there
    real_scores = bench_run.ensemble_scores

    def recorded(*args, **kw):
        in_ensemble.append(0)
        ensembles.append(real_scores(*args, **kw))
        return ensembles[-1]

    monkeypatch.setattr(bench_run, "ensemble_scores", recorded)
    real_predict = type(model).predict

    def watched(self, context, meta):
        contexts.append(bool(np.isfinite(context).all()))
        if in_ensemble:
            in_ensemble[-1] += context.shape[0]
        return real_predict(self, context, meta)

    monkeypatch.setattr(type(model), "predict", watched)
    res = run_benchmark(ds, models=[model], context=C, horizon=H, seeds=2, nan="skip-windows")
    card = res.scorecard
    assert not any("ensemble scores" in n for n in res.notes)
    for var in ("ensemble_mae", "crps", "spread", "skill", "spread_skill"):
        assert np.isfinite(card[var].sel(model="timemix").values).all(), var
    assert int(card["n_windows_skipped"].values[0]) == L
    (ens,) = ensembles
    for k in range(2):
        seed_mae = card["score_by_seed"].sel(model="timemix", seed=k, metric="mae").values
        np.testing.assert_allclose(ens["member_mae"].values[k], seed_mae, rtol=1e-6)
    assert contexts and all(contexts)
    # the ensemble pass predicted every test window but those touching a NaN frame, once per member
    (seg,) = segments_for(x, res.protocol, "test")
    assert in_ensemble == [2 * (seg.n_windows - L)]
    assert int(valid_windows(seg, _bad_frames(x)).sum()) == seg.n_windows - L


# -- Dask -------------------------------------------------------------------------------------


def _gappy_conditions(t=900, n=12, seed=0):
    """Three conditions with a stimulus; NaN frames in train, val and test of two of them, and a
    run of NaN frames spanning a chunk boundary of the Dask tasks."""
    rng = np.random.default_rng(seed)
    lat = np.cumsum(rng.standard_normal((t, 3)), axis=0) * 0.05
    stim = ((np.arange(t) % 15) < 3).astype(np.float32)
    response = np.convolve(stim, np.exp(-np.arange(10) / 3))[:t]
    x = lat @ rng.standard_normal((3, n)) + np.outer(response, rng.random(n))
    x = (x + 0.05 * rng.standard_normal((t, n))).astype(np.float32)
    x[100, 1] = x[220, 4] = np.nan  # rest: train, val
    x[255:259, 0] = np.nan  # rest: test, across the 20-window chunk boundary at frame 256
    x[560:590:9, 7] = np.nan  # flash: test
    x[870, 2] = np.nan  # dark (held out): test
    cond = np.repeat(["rest", "flash", "dark"], t // 3)
    return make_dataset(x, dt_s=0.5, condition=cond, stimulus=stim[:, None], covariate=["flash"],
                        heldout_conditions=["dark"], source="test synth", allow_nan=True)


@pytest.mark.distributed
def test_a_dask_run_with_nan_skipping_equals_the_in_memory_one(client, tmp_path, capsys):
    ds = _gappy_conditions()
    path = save_dataset(ds, tmp_path / "gappy.zarr", allow_nan=True)
    models = ["naive", "mean", "stimulus", "linear", "var"]
    common = dict(models=models, context=4, horizon=8, batch_windows=5, nan="skip-windows")
    memory = run_benchmark(ds, **common).scorecard
    cluster = run_benchmark(open_dataset(path, allow_nan=True), chunk_windows=20, client=client,
                            **common).scorecard
    np.testing.assert_array_equal(memory["score"].values, cluster["score"].values)
    assert np.isfinite(memory["score"].values).all()
    skipped = memory["n_windows_skipped"].values.tolist()
    assert skipped == cluster["n_windows_skipped"].values.tolist()
    assert all(n > 0 for n in skipped)
    # the command line: --nan skip-windows with --scheduler, the same summary as in memory
    argv = ["bench", str(path), "--models", "naive,linear", "--context", "4", "--horizon", "8",
            "--nan", "skip-windows", "--json"]
    assert main([*argv, "--out", str(tmp_path / "mem")]) == 0
    assert main([*argv, "--out", str(tmp_path / "dask"), "--scheduler", client.scheduler.address,
                 "--chunk-windows", "30"]) == 0
    mem, dask = (json.loads(line) for line in capsys.readouterr().out.strip().splitlines())
    assert mem["summary"] == dask["summary"]
    assert mem["n_windows_skipped"] == dask["n_windows_skipped"]


@pytest.mark.distributed
@pytest.mark.parametrize("kwargs, needs, hint", [
    ({"nan": "skip-windows", "cv_folds": 2}, "no folds", "leave out --folds"),
])
def test_what_a_dask_run_still_refuses_is_named(client, tmp_path, kwargs, needs, hint):
    path = save_dataset(_gappy_conditions(), tmp_path / "gappy.zarr", allow_nan=True)
    with pytest.raises(ConfigError) as err:
        run_benchmark(open_dataset(path, allow_nan=True), models=["naive"], context=4, horizon=8,
                      client=client, **kwargs)
    assert err.value.message == f"evaluation on a Dask cluster needs {needs}"
    assert err.value.hint.startswith(hint)


@pytest.mark.distributed
def test_a_dask_run_names_every_thing_it_refuses(client):
    with pytest.raises(ConfigError) as err:
        run_benchmark(_gappy_conditions(), models=["naive"], context=4, horizon=8, client=client,
                      nan="skip-windows", mask=np.ones((900, 12), dtype=bool))
    assert err.value.message == ("evaluation on a Dask cluster needs a dataset stored on disk "
                                 "(this one is in memory) and no mask")
    assert err.value.hint == ("open the dataset from its store; leave out the mask; or score in "
                              "memory (leave out --dask and --scheduler)")
