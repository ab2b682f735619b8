"""Seeds in the benchmark: the seed dimension, seed ensembles (CRPS), saving and loading models."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")

import scoringrules as sr

from neurocast.bench import read_scorecard, run_benchmark, seed_interval
from neurocast.cli import main
from neurocast.data import make_dataset, save_dataset, segments_for
from neurocast.errors import ConfigError, FormatError
from neurocast.models import NaiveForecaster, TraceScale
from neurocast.models.deep import (
    LinearMaeConfig,
    LinearMaeForecaster,
    TrainConfig,
    load_model,
    save_model,
)

H = 4


def _dataset(seed=0, t=900, n=12, dt_s=0.5):
    """Three conditions of smooth low-rank dynamics with a periodic stimulus response; 'dark' held out."""
    rng = np.random.default_rng(seed)
    frames = np.arange(t)
    lat = np.cumsum(rng.standard_normal((t, 3)), axis=0) * 0.05
    stim = ((frames % 15) < 3).astype(np.float32)
    x = lat @ rng.standard_normal((3, n)) + np.outer(np.convolve(stim, np.exp(-np.arange(10) / 3))[:t],
                                                       rng.random(n))
    x = (x + 0.05 * rng.standard_normal((t, n))).astype(np.float32)
    cond = np.repeat(["rest", "flash", "dark"], t // 3)
    return make_dataset(x, dt_s=dt_s, condition=cond, stimulus=stim[:, None], covariate=["flash"],
                        heldout_conditions=["dark"], source="test synth", seed=seed)


def _linear_mae(steps=60):
    """ZAPBench's linear model with a few fast training steps (seeds are set by the benchmark)."""
    return LinearMaeForecaster(horizon=H, cfg=LinearMaeConfig(train=TrainConfig(
        learning_rate=1e-2, val_every=20, patience=100, max_steps=steps, device="cpu")))


class _CountingNaive(NaiveForecaster):
    """The naive baseline, counting its fits."""

    def __init__(self):
        super().__init__(horizon=H)
        self.n_fits = 0

    def fit(self, train, val):
        self.n_fits += 1
        return self


def test_seeds_form_a_dimension_and_baselines_run_once():
    naive = _CountingNaive()
    card = run_benchmark(_dataset(), models=[naive, _linear_mae()], context=4, horizon=H, seeds=3).scorecard
    assert naive.n_fits == 1  # deterministic: fitted and scored once
    assert card.sizes["seed"] == 3 and card["n_seeds"].values.tolist() == [1, 3]
    by_seed = card["score_by_seed"]
    assert by_seed.dims == ("model", "seed", "condition", "steps_ahead", "metric")
    assert np.isfinite(by_seed.sel(model="naive", seed=0)).all()
    assert np.isnan(by_seed.sel(model="naive", seed=[1, 2])).all()
    lm = by_seed.sel(model="linear-mae").values
    assert not np.array_equal(lm[0], lm[1]) and not np.array_equal(lm[1], lm[2])  # seeds differ
    mean, half = seed_interval(lm)
    np.testing.assert_allclose(card["score"].sel(model="linear-mae"), mean)
    np.testing.assert_allclose(card["score_ci"].sel(model="linear-mae"), half)
    np.testing.assert_array_equal(card["score"].sel(model="naive"), by_seed.sel(model="naive", seed=0))
    assert np.isnan(card["score_ci"].sel(model="naive")).all()
    # training figures per seed; parameters of ZAPBench's linear: Dense(C → H) = 4·4 + 4
    assert (card["steps"].sel(model="linear-mae") == 60).all() and card["n_parameters"].sel(model="linear-mae") == 20
    assert np.isnan(card["train_s"].sel(model="naive")).all()


def test_same_seeds_same_scorecard():
    runs = [run_benchmark(_dataset(), models=[_linear_mae(40)], context=4, horizon=H, seeds=2).scorecard
            for _ in range(2)]
    for var in ("score_by_seed", "crps", "spread_skill"):
        np.testing.assert_array_equal(runs[0][var].values, runs[1][var].values)


def test_ensemble_crps_equals_scoringrules_on_the_forecasts(tmp_path):
    ds = _dataset()
    res = run_benchmark(ds, models=[_linear_mae()], context=4, horizon=H, seeds=2, save_models=tmp_path)
    card = res.scorecard
    members = [load_model(tmp_path / f"linear-mae-seed{k}.pt", dataset=ds) for k in range(2)]
    for seg in segments_for(ds["traces"], res.protocol, "test", stimulus=ds["stimulus"]):
        crps, ens_abs, n = np.zeros(H), np.zeros(H), 0
        for first, ctx, tgt in seg.windows(seg.load(), 1000):
            fct = np.stack([m.predict(ctx, seg.meta(first, len(ctx))) for m in members], axis=-1)
            crps += np.asarray(sr.crps_ensemble(tgt, fct, m_axis=-1)).sum(axis=(0, 2))
            ens_abs += np.abs(fct.mean(-1) - tgt).sum(axis=(0, 2))
            n += tgt.shape[0] * tgt.shape[2]
        got = card.sel(model="linear-mae", condition=seg.condition)
        np.testing.assert_allclose(got["crps"], crps / n, rtol=1e-6)
        np.testing.assert_allclose(got["ensemble_mae"], ens_abs / n, rtol=1e-6)
    assert card["crps"].sel(model="linear-mae").mean() < card["ensemble_mae"].sel(model="linear-mae").mean()


def test_save_then_load_gives_identical_scores(tmp_path):
    ds = _dataset()
    a = run_benchmark(ds, models=[_linear_mae(), "naive"], context=4, horizon=H, seeds=2,
                      save_models=tmp_path / "models").scorecard
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["linear-mae-seed0.pt", "linear-mae-seed1.pt"]
    b = run_benchmark(ds, models=["linear-mae", "naive"], context=4, horizon=H, seeds=2,
                      load_models=tmp_path / "models").scorecard
    for var in ("score_by_seed", "score", "score_ci", "crps", "train_s", "epochs"):
        np.testing.assert_array_equal(a[var].values, b[var].sel(model=a["model"]).values)
    assert b["fit_s"].sel(model="linear-mae") < 0.5 * a["fit_s"].sel(model="linear-mae")  # loaded, not trained


def test_a_rerun_into_the_same_folder_trains_only_what_is_missing(tmp_path):
    ds, models = _dataset(), tmp_path / "models"
    one = run_benchmark(ds, models=[_linear_mae()], context=4, horizon=H, seeds=1, save_models=models)
    seed0 = models / "linear-mae-seed0.pt"
    saved = seed0.read_bytes()
    two = run_benchmark(ds, models=[_linear_mae()], context=4, horizon=H, seeds=2, save_models=models)
    assert [n for n in two.notes if "linear-mae seed 0: loaded from" in n]
    assert not [n for n in two.notes if "seed 1: loaded" in n]
    assert seed0.read_bytes() == saved and (models / "linear-mae-seed1.pt").is_file()
    card = two.scorecard
    np.testing.assert_array_equal(card["score_by_seed"].sel(seed=0).values,
                                  one.scorecard["score_by_seed"].sel(seed=0).values)
    assert card["train_s"].sel(model="linear-mae", seed=0) == one.scorecard["train_s"].sel(model="linear-mae", seed=0)
    fresh = run_benchmark(ds, models=[_linear_mae()], context=4, horizon=H, seeds=2,
                          save_models=tmp_path / "fresh").scorecard
    for var in ("score_by_seed", "crps"):
        np.testing.assert_array_equal(card[var].values, fresh[var].values)
    # another configuration (here the step cap) is trained again and saved over the old file
    other = run_benchmark(ds, models=[_linear_mae(30)], context=4, horizon=H, seeds=1, save_models=models)
    assert not [n for n in other.notes if "loaded from" in n] and seed0.read_bytes() != saved
    assert load_model(seed0).cfg.train.max_steps == 30


@pytest.mark.parametrize("change", [
    {"protocol": "single"},  # other splits: the saved model may have trained on these test frames
    {"heldout_neurons": 0.25},
    {"keep_constant": True},  # other neurons kept (the dataset has a dead channel)
])
def test_a_model_saved_for_another_setup_is_trained_again(tmp_path, change):
    ds = _dataset()
    ds["traces"][:, 3] = 0.5  # a dead channel, left out unless keep_constant
    run_benchmark(ds, models=[_linear_mae()], context=4, horizon=H, save_models=tmp_path)
    saved = (tmp_path / "linear-mae-seed0.pt").read_bytes()
    again = run_benchmark(ds, models=[_linear_mae()], context=4, horizon=H, save_models=tmp_path, **change)
    assert not [n for n in again.notes if "loaded from" in n]
    assert (tmp_path / "linear-mae-seed0.pt").read_bytes() != saved  # trained and saved anew
    same = run_benchmark(ds, models=[_linear_mae()], context=4, horizon=H, save_models=tmp_path, **change)
    assert [n for n in same.notes if "linear-mae seed 0: loaded from" in n]  # that setup now is saved


@pytest.mark.parametrize("damage", ["garbage", "no setup", "no trace scale"])
def test_an_unreadable_or_older_file_is_trained_again(tmp_path, damage):
    ds = _dataset()
    ds["traces"] = ds["traces"] * 1000.0 + 5000.0  # raw fluorescence: fitted through a map
    run_benchmark(ds, models=[_linear_mae()], context=4, horizon=H, save_models=tmp_path)
    path = tmp_path / "linear-mae-seed0.pt"
    if damage == "garbage":
        path.write_bytes(b"not a model")
    else:  # as files saved before the setup, or the traces' map, was recorded
        model = load_model(path)
        key = {"no setup": "setup", "no trace scale": "trace_map"}[damage]
        model.fitted = {k: v for k, v in model.fitted.items() if k != key}
        if damage == "no trace scale":  # fitted on the raw traces as they are
            model.trace_scale = TraceScale()
        save_model(model, path, dataset=ds)
    again = run_benchmark(ds, models=[_linear_mae()], context=4, horizon=H, save_models=tmp_path)
    assert not [n for n in again.notes if "loaded from" in n]
    back = load_model(path, dataset=ds)
    assert back.fitted.get("setup") and not back.trace_scale.identity


def test_an_interrupted_model_saved_earlier_is_trained_again(tmp_path):
    ds = _dataset()
    run_benchmark(ds, models=[_linear_mae()], context=4, horizon=H, seeds=1, save_models=tmp_path)
    path = tmp_path / "linear-mae-seed0.pt"
    model = load_model(path)
    model.fitted = {**model.fitted, "stopped_by": "interrupted"}
    save_model(model, path, dataset=ds)
    again = run_benchmark(ds, models=[_linear_mae()], context=4, horizon=H, seeds=1, save_models=tmp_path)
    assert not [n for n in again.notes if "loaded from" in n]
    assert load_model(path).fitted["stopped_by"] != "interrupted"


def test_loading_errors(tmp_path):
    ds = _dataset()
    run_benchmark(ds, models=[_linear_mae(20)], context=4, horizon=H, seeds=1, save_models=tmp_path)
    with pytest.raises(FormatError, match="no saved model 'linear-mae' of seed 1") as err:
        run_benchmark(ds, models="linear-mae", context=4, horizon=H, seeds=2, load_models=tmp_path)
    assert "--save-models" in err.value.hint
    with pytest.raises(ConfigError, match="C = 4 → H = 4, the benchmark asks C = 4 → H = 8"):
        run_benchmark(ds, models="linear-mae", context=4, horizon=8, load_models=tmp_path)
    with pytest.raises(FormatError, match="fitted on another dataset"):
        run_benchmark(_dataset(seed=1), models="linear-mae", context=4, horizon=H, load_models=tmp_path)


def test_loading_refuses_another_split_frame_interval_or_recording(tmp_path):
    ds = _dataset()
    run_benchmark(ds, models=[_linear_mae(20)], context=4, horizon=H, seeds=1, save_models=tmp_path)
    kw = dict(models="linear-mae", context=4, horizon=H, load_models=tmp_path)
    # fitted under 'conditions' (dark held out): 'single' would test on frames it trained on
    for options in ({"protocol": "single"}, {"heldout_neurons": 0.25}):
        with pytest.raises(ConfigError, match="fitted under another protocol or split"):
            run_benchmark(ds, **kw, **options)
    with pytest.raises(FormatError, match=r"dt_s: 0.5 \(fitted\) vs 2.0 \(given\)"):
        run_benchmark(_dataset(dt_s=2.0), **kw)
    other = ds.copy(deep=True)  # same shape, names and attrs; other frames
    other["traces"].values[-1] += 1.0
    with pytest.raises(FormatError, match="traces_sha1"):
        run_benchmark(other, **kw)
    assert np.isfinite(run_benchmark(ds, **kw).summary["linear-mae"]["mae"])


@pytest.mark.parametrize("kwargs, message", [
    ({"seeds": 0}, "seeds must be at least 1"),
    ({"device": "gpu"}, "unknown device 'gpu'"),
    ({"max_steps": 0}, "max_steps must be at least 1"),
    ({"save_models": "a", "load_models": "b"}, "together"),
    ({"save_models": "a", "cv_folds": 2}, "does not go with --folds"),
])
def test_bad_seed_options(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        run_benchmark(_dataset(), models="naive", context=4, horizon=H, **kwargs)


def test_ensemble_is_left_out_with_heldout_neurons():
    res = run_benchmark(_dataset(), models=[_linear_mae(20)], context=4, horizon=H, seeds=2,
                        heldout_neurons=0.25)
    assert "crps" not in res.scorecard and any("ensemble scores" in n for n in res.notes)
    assert res.scorecard.sizes["seed"] == 2


def test_cli_seeds_save_and_load(tmp_path, capsys):
    store = save_dataset(_dataset(), tmp_path / "a.zarr")
    common = ["--models", "naive,linear-mae", "--horizon", str(H), "--seeds", "2", "--max-steps", "30",
              "--no-realism"]  # the realism figures are not what this test is about
    assert main(["bench", str(store), *common, "--device", "cpu", "--save-models", str(tmp_path / "m"),
                 "--out", str(tmp_path / "o1"), "--json"]) == 0
    cap = capsys.readouterr()
    doc = json.loads(cap.out)
    assert "to train: linear-mae, 2 seed(s) each, up to 30 steps per seed" in cap.err  # said up front
    row = doc["summary"]["linear-mae"]
    assert row["n_seeds"] == 2 and row["mae_ci"] > 0 and row["crps"] < row["mae"]
    assert doc["summary"]["naive"]["n_seeds"] == 1 and doc["summary"]["naive"]["crps"] is None
    assert doc["training"]["linear-mae"]["n_parameters"] == 20 and len(doc["training"]["linear-mae"]["epochs"]) == 2
    card = read_scorecard(tmp_path / "o1" / "scorecard.nc")
    assert card.sizes["seed"] == 2 and "crps" in card
    html = (tmp_path / "o1" / "report.html").read_text()
    assert "Learned models over seeds" in html and "Student" in html
    cost = html[html.index("Fitting and scoring cost"):]
    assert "<th>n_parameters</th>" in cost and "<td>20</td>" in cost
    assert (tmp_path / "o1" / "statistics-seed1.nc").is_file()
    # loading gives the same scores, printed as text with the seeds table
    assert main(["bench", str(store), *common, "--load-models", str(tmp_path / "m"),
                 "--out", str(tmp_path / "o2")]) == 0
    cap = capsys.readouterr()
    assert "±" in cap.out and "baselines are deterministic and run once" in cap.out
    assert "training linear-mae" not in cap.err  # loaded, not trained
    assert "note: --max-steps 30: not used, the learned models are loaded" in cap.err  # not silently
    again = read_scorecard(tmp_path / "o2" / "scorecard.nc")
    np.testing.assert_array_equal(card["score_by_seed"].values, again["score_by_seed"].values)


def test_cli_loading_into_a_mismatched_dataset_exits_2(tmp_path, capsys):
    a = save_dataset(_dataset(seed=0), tmp_path / "a.zarr")
    b = save_dataset(_dataset(seed=1), tmp_path / "b.zarr")
    run_benchmark(_dataset(seed=0), models=[_linear_mae(20)], context=4, horizon=H,
                  save_models=tmp_path / "m")
    assert main(["bench", str(a), "--models", "linear-mae", "--horizon", str(H),
                 "--load-models", str(tmp_path / "m"), "--no-realism", "--out", str(tmp_path / "oa"),
                 "--json"]) == 0
    capsys.readouterr()
    assert main(["bench", str(b), "--models", "linear-mae", "--horizon", str(H),
                 "--load-models", str(tmp_path / "m"), "--out", str(tmp_path / "ob")]) == 2
    err = capsys.readouterr().err
    assert "fitted on another dataset" in err and "seed: 0 (fitted) vs 1 (given)" in err
    assert "hint: load it with the dataset it was fitted on" in err and "Traceback" not in err
    assert not (tmp_path / "ob").exists()


def test_neuron_groups_are_averaged_over_seeds():
    ds = _dataset().assign_coords(side=("neuron", np.array(["L", "R"] * 6)))  # two groups of 6
    one = run_benchmark(ds, models=[_linear_mae(40), "naive"], context=4, horizon=H, seeds=1,
                        group_by="side").scorecard
    two = run_benchmark(ds, models=[_linear_mae(40), "naive"], context=4, horizon=H, seeds=2,
                        group_by="side").scorecard
    assert two["score_by_group"].dims == ("model", "condition", "group", "steps_ahead", "metric")
    np.testing.assert_array_equal(two["score_by_group"].sel(model="naive"), one["score_by_group"].sel(model="naive"))
    g0 = one["score_by_group"].sel(model="linear-mae")
    g1 = 2 * two["score_by_group"].sel(model="linear-mae") - g0  # the mean over seeds 0 and 1, undone
    # equal groups: seed 1's pooled score is the mean of its two groups' scores
    np.testing.assert_allclose(g1.mean("group"), two["score_by_seed"].sel(model="linear-mae", seed=1), rtol=1e-9)
    assert not np.allclose(g1, g0)


def test_ctrl_c_ends_the_training_and_no_other_starts(monkeypatch):
    """Ctrl-C during linear-mae's seed 1: that seed keeps its best weights, seed 2 and timemix
    are not trained, and what was trained is scored (README: Ctrl-C goes on to scoring)."""
    from neurocast.models.deep import TimemixConfig, TimemixForecaster, _learned

    original, trained = _learned.train_network, []

    def train_network(net, tr, va, cfg, **kw):
        trained.append((kw["label"], cfg.seed))

        def on_step(step):
            if len(trained) == 2 and step == 30:  # after the validation of step 20
                raise KeyboardInterrupt
        return original(net, tr, va, cfg, on_step=on_step, **kw)

    monkeypatch.setattr(_learned, "train_network", train_network)
    timemix = TimemixForecaster(horizon=H, cfg=TimemixConfig(blocks=1, train=TrainConfig(
        val_every=20, max_steps=40, device="cpu")))
    result = run_benchmark(_dataset(), models=[NaiveForecaster(horizon=H), _linear_mae(), timemix],
                           context=4, horizon=H, seeds=3)
    assert trained == [("linear-mae", 0), ("linear-mae", 1)]
    card = result.scorecard
    assert card["model"].values.tolist() == ["naive", "linear-mae"]
    assert card["n_seeds"].values.tolist() == [1, 2]
    assert card["steps"].sel(model="linear-mae").values[:2].tolist() == [60, 30]
    assert np.isfinite(card["score"].sel(model="linear-mae")).all()
    notes = " | ".join(result.notes)
    assert "linear-mae seed 1: training was interrupted (Ctrl-C) at step 30" in notes
    assert "linear-mae seed 2: not trained, as Ctrl-C ended a training; scored over 2 seeds" in notes
    assert "timemix: not trained, as Ctrl-C ended an earlier training; left out of the scorecard" \
        in notes


def test_the_cost_table_prints_counts_as_whole_numbers():
    import xarray as xr

    from neurocast.bench._report import _timings_table

    card = xr.Dataset({"n_parameters": ("model", [44448.0, np.nan]),
                       "fit_s": ("model", [12.3456, 0.5])}, coords={"model": ["tide", "naive"]})
    table = _timings_table(card)
    assert "<td>44,448</td>" in table and "<td>12.35</td>" in table and "<td>–</td>" in table


def test_ctrl_c_leaves_out_a_saved_later_seed_after_a_skipped_one(monkeypatch, tmp_path):
    """timemix seed 1 is saved but seed 0 must be trained again: after Ctrl-C seed 0 is skipped,
    so seed 1 is too (the seeds scored stay 0..j) and timemix leaves the scorecard."""
    from neurocast.bench._seeds import model_file
    from neurocast.models.deep import TimemixConfig, TimemixForecaster, _learned

    def timemix():
        return TimemixForecaster(horizon=H, cfg=TimemixConfig(blocks=1, train=TrainConfig(
            val_every=20, max_steps=40, device="cpu")))

    ds, saved = _dataset(), tmp_path / "m"
    run_benchmark(ds, models=[timemix()], context=4, horizon=H, seeds=2, save_models=saved)
    model_file(saved, "timemix", 0).write_bytes(b"damaged")
    original = _learned.train_network

    def train_network(net, tr, va, cfg, **kw):
        def on_step(step):
            if kw["label"] == "linear-mae" and cfg.seed == 1 and step == 30:
                raise KeyboardInterrupt
        return original(net, tr, va, cfg, on_step=on_step, **kw)

    monkeypatch.setattr(_learned, "train_network", train_network)
    result = run_benchmark(ds, models=[_linear_mae(), timemix()], context=4, horizon=H, seeds=2,
                           save_models=saved)
    assert result.scorecard["model"].values.tolist() == ["linear-mae"]
    assert any(n.startswith("timemix: not trained") for n in result.notes)
