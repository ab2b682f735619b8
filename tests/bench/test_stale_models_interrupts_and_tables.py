"""Findings of a scientist's session with `neurocast bench`: a saved model reused for a corrected
recording, Ctrl-C before the first validation, the seed table's formats, the held-out neurons."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from neurocast.bench import format_cell, run_benchmark
from neurocast.cli.bench import format_seconds, format_seeds
from neurocast.data import make_dataset
from neurocast.errors import FormatError
from neurocast.models.deep import (
    LinearMaeConfig,
    LinearMaeForecaster,
    TimemixConfig,
    TimemixForecaster,
    TrainConfig,
    _training,
)

H = 4


def _dataset(seed=0, t=600, n=10):
    """Two conditions of smooth low-rank dynamics, 0.5 s frames (frame 300 is the middle)."""
    rng = np.random.default_rng(seed)
    lat = np.cumsum(rng.standard_normal((t, 3)), axis=0) * 0.05
    x = (lat @ rng.standard_normal((3, n)) + 0.05 * rng.standard_normal((t, n))).astype(np.float32)
    return make_dataset(x, dt_s=0.5, condition=np.repeat(["rest", "flash"], t // 2),
                        source="test synth", seed=seed)


def _train(steps=40):
    return TrainConfig(learning_rate=1e-2, val_every=20, patience=100, max_steps=steps, device="cpu")


def _linear_mae():
    return LinearMaeForecaster(horizon=H, cfg=LinearMaeConfig(train=_train()))


def _corrected(ds, how):
    """The recording re-imported after a correction the first, middle and last frames miss."""
    out = ds.copy(deep=True)
    x = out["traces"].values
    n = x.shape[0]
    if how == "frames 120..180 interpolated":
        x[120:181, :5] = np.linspace(x[120, :5], x[180, :5], 61)
    else:
        keep = np.zeros(n, bool)
        keep[[0, n // 2, n - 1]] = True
        x[~keep] *= 1.05
    return out


# 1. --save-models / --load-models and a corrected recording

@pytest.mark.parametrize("how", ["frames 120..180 interpolated", "all but three frames scaled"])
def test_a_model_of_an_older_version_of_the_recording_is_not_reused(tmp_path, how):
    ds, folder = _dataset(), tmp_path / "models"
    run_benchmark(ds, models=[_linear_mae()], context=4, horizon=H, save_models=folder)
    saved = (folder / "linear-mae-seed0.pt").read_bytes()
    same = run_benchmark(ds, models=["linear-mae"], context=4, horizon=H, load_models=folder)
    assert "linear-mae" in same.scorecard["model"].values  # the same data still loads
    fixed = _corrected(ds, how)
    with pytest.raises(FormatError, match="other trace values"):
        run_benchmark(fixed, models=["linear-mae"], context=4, horizon=H, load_models=folder)
    again = run_benchmark(fixed, models=[_linear_mae()], context=4, horizon=H, save_models=folder)
    assert not [n for n in again.notes if "loaded from" in n]
    assert [n for n in again.notes if "held a model of another dataset" in n]
    assert (folder / "linear-mae-seed0.pt").read_bytes() != saved  # trained anew, saved over it
    rerun = run_benchmark(ds, models=[_linear_mae()], context=4, horizon=H, save_models=tmp_path / "b")
    rerun = run_benchmark(ds, models=[_linear_mae()], context=4, horizon=H, save_models=tmp_path / "b")
    assert [n for n in rerun.notes if "linear-mae seed 0: loaded from" in n]  # same data: reused


# 2. Ctrl-C before the first validation

def _interrupt_at_step(monkeypatch, at=1):
    """Ctrl-C during the ``at``-th training step of every learned model trained from now on."""
    real = _training.own_gradient_step

    def patched(net):
        step = real(net)
        calls = {"n": 0}

        def interrupted(*args, **kw):
            calls["n"] += 1
            if calls["n"] >= at:
                raise KeyboardInterrupt
            return step(*args, **kw)
        return interrupted

    monkeypatch.setattr(_training, "own_gradient_step", patched)


def test_ctrl_c_before_the_first_validation_drops_that_model_and_scores_the_rest(monkeypatch, capsys):
    _interrupt_at_step(monkeypatch)
    timemix = TimemixForecaster(horizon=H, cfg=TimemixConfig(train=_train()))
    res = run_benchmark(_dataset(), models=["naive", _linear_mae(), timemix, "mean"], context=4,
                        horizon=H, seeds=2)
    models = res.scorecard["model"].values.tolist()
    assert models == ["naive", "mean"]  # the baselines are scored, the learned ones are not
    assert np.isfinite(res.scorecard["score"].sel(model=["naive", "mean"]).values).all()
    assert any("linear-mae seed 0: training was interrupted (Ctrl-C) before its first validation"
               in n and "not scored" in n for n in res.notes)
    # no training starts after an interrupt (as after one that had validated): later seeds, models
    # the notes name the seeds not trained; closed-form models after it are still fitted
    assert any(n.startswith("linear-mae seed 1: not trained, as Ctrl-C ended") for n in res.notes)
    assert any(n.startswith("timemix: not trained, as Ctrl-C ended") for n in res.notes)  # none started
    err = capsys.readouterr().err
    assert "press Ctrl-C again to abort" in err
    assert "training no other learned model, scoring what is fitted" in err
    assert "training nothing more" not in err


def test_ctrl_c_before_a_later_seed_validates_keeps_the_seeds_trained(monkeypatch):
    ds = _dataset()
    real = _training.own_gradient_step
    trained = {"n": 0}

    def patched(net):  # seed 0 trains; seed 1 is interrupted at its first step
        trained["n"] += 1
        step = real(net)
        if trained["n"] == 1:
            return step

        def interrupted(*args, **kw):
            raise KeyboardInterrupt
        return interrupted

    monkeypatch.setattr(_training, "own_gradient_step", patched)
    res = run_benchmark(ds, models=["naive", _linear_mae()], context=4, horizon=H, seeds=3)
    card = res.scorecard
    assert int(card["n_seeds"].sel(model="linear-mae")) == 1
    assert any("linear-mae seed 1: training was interrupted (Ctrl-C) before its first validation"
               in n for n in res.notes)
    assert any("linear-mae seed 2: not trained" in n for n in res.notes)


def test_ctrl_c_with_nothing_trained_to_score_still_aborts(monkeypatch):
    _interrupt_at_step(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        run_benchmark(_dataset(), models=[_linear_mae()], context=4, horizon=H)


def test_a_second_ctrl_c_aborts(monkeypatch):
    """After the first Ctrl-C the benchmark scores; Ctrl-C then is not caught."""
    _interrupt_at_step(monkeypatch)
    from neurocast.bench import _run

    real = _run.evaluate

    def evaluate(model, *args, **kw):
        if model.name == "mean":
            raise KeyboardInterrupt
        return real(model, *args, **kw)

    monkeypatch.setattr(_run, "evaluate", evaluate)
    with pytest.raises(KeyboardInterrupt):
        run_benchmark(_dataset(), models=["naive", _linear_mae(), "mean"], context=4, horizon=H)


def _rate_wirings(monkeypatch, models, wirings=("true", "permuted", "none")):
    """run_wirings where the first learned training is interrupted at its first step (Ctrl-C);
    returns (result, number of trainings started after that first one)."""
    from neurocast.bench import run_wirings
    from neurocast.connectome import random_connectome
    from neurocast.models.deep import ConnectomeRateConfig, ConnectomeRateForecaster

    con = random_connectome(30, 3, seed=0)
    x = (np.random.default_rng(0).standard_normal((400, 30)).cumsum(axis=0) * 0.1).astype(np.float32)
    ds = make_dataset(x, dt_s=0.5, neuron=con.names, condition=np.repeat(["a", "b"], 200))
    started = {"n": 0}

    def patched(net):
        started["n"] += 1

        def step(*args, **kw):  # a second interrupt here would be swallowed as the first was
            raise KeyboardInterrupt
        return step

    monkeypatch.setattr(_training, "own_gradient_step", patched)
    rate = ConnectomeRateForecaster(4, ConnectomeRateConfig(train=TrainConfig(
        val_every=10, patience=1, max_steps=10, device="cpu")))
    res = run_wirings(ds, wirings=list(wirings), models=[*models, rate], horizon=4, context=4,
                      connectome=con)
    return res, started["n"] - 1


def test_ctrl_c_in_one_wiring_pass_trains_nothing_in_the_later_ones(monkeypatch):
    res, again = _rate_wirings(monkeypatch, ["naive", "connectome-linear"])
    assert again == 0  # before: each later pass trained again (and took another Ctrl-C)
    assert res.scorecard["model"].values.tolist() == ["naive", "connectome-linear"]
    assert res.scorecard["wiring"].values.tolist() == ["true", "permuted", "none"]
    assert any("connectome-rate seed 0: training was interrupted (Ctrl-C) before its first "
               "validation" in n for n in res.notes)
    assert any(n.startswith("connectome-rate:permuted: not trained") for n in res.notes)


def test_wiring_passes_of_learned_models_only_score_nothing_after_ctrl_c(monkeypatch):
    """Their passes have nothing to score: the run goes on (before: it aborted on the first)."""
    res, again = _rate_wirings(monkeypatch, ["naive"])
    assert again == 0
    assert res.scorecard["model"].values.tolist() == ["naive"]
    assert res.scorecard["wiring"].values.tolist() == ["true", "permuted", "none"]
    assert any(n.startswith("connectome-rate:permuted: not trained, as Ctrl-C ended") for n in res.notes)


def test_a_second_ctrl_c_in_a_later_wiring_pass_aborts(monkeypatch):
    """After the first Ctrl-C (in the 'true' pass) a later pass fits only closed-form models,
    and a Ctrl-C there is not caught."""
    from neurocast.bench import _run

    real, calls = _run.evaluate, {"n": 0}

    def evaluate(model, *args, **kw):
        if model.name.startswith("connectome-linear:"):  # a later wiring pass
            calls["n"] += 1
            raise KeyboardInterrupt
        return real(model, *args, **kw)

    monkeypatch.setattr(_run, "evaluate", evaluate)
    with pytest.raises(KeyboardInterrupt):
        _rate_wirings(monkeypatch, ["naive", "connectome-linear"])
    assert calls["n"] == 1


# 1b. the dataset is hashed once per run

def test_the_dataset_is_hashed_once_per_run(monkeypatch, tmp_path):
    from neurocast.bench import run_wirings
    from neurocast.connectome import random_connectome
    from neurocast.models.deep import ConnectomeRateConfig, ConnectomeRateForecaster, _identity

    real, hashed = _identity.traces_sha1, {"n": 0}

    def counted(traces):
        hashed["n"] += 1
        return real(traces)

    monkeypatch.setattr(_identity, "traces_sha1", counted)
    ds = _dataset()
    run_benchmark(ds, models=["naive", _linear_mae()], context=4, horizon=H, seeds=2,
                  save_models=tmp_path / "a")
    assert hashed["n"] == 1
    hashed["n"] = 0
    run_benchmark(ds, models=["naive", _linear_mae()], context=4, horizon=H, seeds=2,
                  load_models=tmp_path / "a")
    assert hashed["n"] == 1
    con = random_connectome(30, 3, seed=0)
    x = (np.random.default_rng(0).standard_normal((400, 30)).cumsum(axis=0) * 0.1).astype(np.float32)
    wired = make_dataset(x, dt_s=0.5, neuron=con.names, condition=np.repeat(["a", "b"], 200))
    rate = ConnectomeRateForecaster(4, ConnectomeRateConfig(train=TrainConfig(
        val_every=5, patience=1, max_steps=5, device="cpu")))
    hashed["n"] = 0
    run_wirings(wired, wirings=["true", "permuted", "none"], models=["naive", _linear_mae(), rate],
                horizon=4, context=4, save_models=tmp_path / "w", connectome=con)
    assert hashed["n"] == 1  # before: once per wiring pass and once for the plain models



# 3. the seed table

def test_the_interval_has_the_decimals_of_its_mean():
    assert format_cell(10.0845, 40.123) == "10.0845 ± 40.1230"
    assert format_cell(0.0782, 0.00123) == "0.0782 ± 0.0012"
    assert format_cell(0.060312, 1.04e-05) == "0.060312 ± 0.000010"  # not rounded to ± 0.0000
    assert format_cell(0.5, float("nan")) == "0.5000" and format_cell(None, None) == "–"


def test_infinite_and_huge_means_fit_the_column():
    assert format_cell(float("inf"), 0.1) == "inf" and format_cell(float("-inf"), None) == "-inf"
    assert format_cell(float("nan"), 0.1) == "–"  # missing stays a dash
    assert format_cell(1.2346e12, 3.0) == "1.235e+12 ± 3"
    assert format_cell(-1.2346e12, 4.567e11) == "-1.23e+12 ± 4.6e+11"  # 19 characters at most
    assert format_cell(2.5e6, float("nan")) == "2.5e+06"
    assert format_cell(0.5, float("inf")) == "0.5000 ± inf"
    for mean, ci in [(1.2346e12, 3.0), (-9.87654e15, 1.23456e14), (123456789.0, 0.001)]:
        assert len(format_cell(mean, ci)) <= 19


def test_short_training_times_are_not_zero():
    assert format_seconds(0.032) == "0.032" and format_seconds(0.0004) == "0.0004"
    assert format_seconds(12.345) == "12.3" and format_seconds(1.0) == "1.0"


def test_the_seed_table_shows_matching_decimals_and_short_times():
    ds = _dataset()
    res = run_benchmark(ds, models=["naive", LinearMaeForecaster(horizon=H, cfg=LinearMaeConfig(
        train=_train(steps=2)))], context=4, horizon=H, seeds=2)
    table = format_seeds(res.summary, res.scorecard)
    row = next(line for line in table.splitlines() if line.startswith("linear-mae"))
    mae = row.split()[2:5]  # mean, ±, half
    assert mae[1] == "±" and len(mae[0].split(".")[1]) == len(mae[2].split(".")[1])
    train_s = float(np.mean(res.scorecard["train_s"].sel(model="linear-mae").values))
    assert format_seconds(train_s) in row.split()
    assert float(format_seconds(train_s)) > 0


# 4. held-out neurons: how many

def test_the_held_out_neurons_are_counted_in_a_note():
    res = run_benchmark(_dataset(n=30), models=["naive"], context=4, horizon=H, heldout_neurons=0.2)
    assert any(n.startswith("held-out neurons: 6 of the 30 scored neurons are hidden") and
               "forecast from the other 24" in n for n in res.notes)


def test_a_fraction_that_would_hide_every_neuron_says_one_is_kept():
    res = run_benchmark(_dataset(n=30), models=["naive"], context=4, horizon=H, heldout_neurons=0.99)
    note = next(n for n in res.notes if n.startswith("held-out neurons"))
    assert "29 of the 30 scored neurons are hidden" in note and "the other 1" in note
    assert "0.99 × 30 = 29.7 would leave no neuron to forecast from" in note
    few = run_benchmark(_dataset(n=30), models=["naive"], context=4, horizon=H, heldout_neurons=0.01)
    assert any("1 of the 30 scored neurons is hidden" in n and "would leave no neuron hidden" in n
               for n in few.notes)
