"""Benchmarks a user meets on small or unusual recordings: refused before anything is fitted, with
one clear message, or run with a note saying what happened to the models and their files."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from neurocast.bench import run_benchmark
from neurocast.cli import main
from neurocast.data import make_dataset, save_dataset
from neurocast.errors import ConfigError, FormatError, NeurocastError, NonFiniteError
from neurocast.models import NaiveForecaster
from neurocast.models.deep import LinearMaeConfig, LinearMaeForecaster, TrainConfig

H = 4


def _dataset(t=300, n=5, seed=0, names=None):
    """One condition of AR(1) traces, ``t`` frames × ``n`` neurons."""
    rng = np.random.default_rng(seed)
    x = np.zeros((t, n), dtype=np.float32)
    for i in range(1, t):
        x[i] = 0.9 * x[i - 1] + rng.normal(0, 0.1, n)
    return make_dataset(x, dt_s=0.5, neuron=names, source="test", allow_nan=True)


def _linear_mae(steps=5, horizon=H):
    return LinearMaeForecaster(horizon=horizon, cfg=LinearMaeConfig(train=TrainConfig(
        val_every=5, max_steps=steps, device="cpu")))


class _Naive(NaiveForecaster):
    """The naive baseline, counting its fits (nothing may be fitted before a refusal)."""

    def __init__(self, horizon=H):
        super().__init__(horizon=horizon)
        self.n_fits = 0

    def fit(self, train, val):
        self.n_fits += 1
        return self


class _Interrupted(LinearMaeForecaster):
    """linear-mae whose training ends as Ctrl-C ends it (best weights kept, the stop recorded)."""

    def fit(self, train, val):
        super().fit(train, val)
        self.fitted["stopped_by"] = "interrupted"
        return self


def test_fewer_training_windows_than_a_batch_is_refused_before_fitting():
    naive = _Naive(horizon=2)  # 20 frames: the train split holds 14, i.e. 5 windows of C + H = 10
    with pytest.raises(ConfigError, match="linear-mae trains on batches of 8 windows, and the "
                       r"training split holds only 5 \(of C \+ H = 10 frames each\)") as err:
        run_benchmark(_dataset(t=20), models=[naive, _linear_mae(horizon=2)], context=8, horizon=2)
    assert "--horizon" in err.value.hint and naive.n_fits == 0


def test_nan_in_every_val_window_is_refused_with_the_nan_hint():
    ds = _dataset()
    ds["traces"].values[210:236, 1] = np.nan  # touches every window of the val frames [206, 240)
    with pytest.raises(NonFiniteError, match="every val window touches a NaN frame") as err:
        run_benchmark(ds, models="naive,linear", horizon=H, nan="skip-windows")
    assert "--nan mask-neurons" in err.value.hint
    # models that never read val still run (their test windows are scored as usual)
    res = run_benchmark(ds, models="naive,mean", horizon=H, nan="skip-windows",
                        realism=False)
    assert set(res.summary) == {"naive", "mean"}


@pytest.mark.parametrize("inside", [".", "models"])
def test_a_model_folder_inside_the_output_folder_is_refused_before_fitting(tmp_path, inside):
    naive, out = _Naive(), tmp_path / "out"
    with pytest.raises(ConfigError, match="is in the output folder") as err:
        run_benchmark(_dataset(), models=[naive, _linear_mae()], horizon=H, out_dir=out,
                      save_models=out / inside)
    assert "--save-models" in err.value.hint and naive.n_fits == 0 and not out.exists()


def test_model_folders_without_a_learned_model_get_a_note(tmp_path):
    res = run_benchmark(_dataset(), models="naive", horizon=H, save_models=tmp_path / "m")
    assert any(n.startswith("--save-models") and "none is saved" in n for n in res.notes)
    assert not (tmp_path / "m").exists()
    (tmp_path / "m").mkdir()
    res = run_benchmark(_dataset(), models="naive", horizon=H, load_models=tmp_path / "m")
    assert any(n.startswith("--load-models") and "none is loaded" in n for n in res.notes)


def test_a_saved_model_of_another_dataset_is_replaced_with_a_note(tmp_path):
    run_benchmark(_dataset(), models=[_linear_mae()], horizon=H, save_models=tmp_path)
    other = _dataset(names=[f"n{i}" for i in range(5)])
    with pytest.raises(FormatError, match=r"other neuron names or order \(neuron_sha1\)"):
        run_benchmark(other, models="linear-mae", horizon=H, load_models=tmp_path)
    res = run_benchmark(other, models=[_linear_mae()], horizon=H, save_models=tmp_path)
    assert any("linear-mae-seed0.pt' held a model of another dataset" in n for n in res.notes)
    res = run_benchmark(other, models=[_linear_mae()], horizon=H, save_models=tmp_path)
    assert not any("held a model" in n for n in res.notes)  # now its own: loaded


def test_an_interrupted_training_is_noted():
    model = _Interrupted(horizon=H, cfg=_linear_mae().cfg)
    res = run_benchmark(_dataset(), models=[model], horizon=H)
    assert any(n.startswith("linear-mae seed 0: training was interrupted (Ctrl-C) at step 5")
               for n in res.notes)


def test_a_model_loaded_under_another_keep_constant_setting_names_the_option(tmp_path):
    ds = _dataset()
    ds["traces"].values[:, 0] = 0.0  # a dead channel, left out unless keep_constant
    run_benchmark(ds, models=[_linear_mae()], horizon=H, save_models=tmp_path)
    with pytest.raises(ConfigError, match="fitted under another protocol or split") as err:
        run_benchmark(ds, models="linear-mae", horizon=H, load_models=tmp_path, keep_constant=True)
    assert "--keep-constant" in err.value.hint


def test_connectome_models_without_a_connectome_are_named_before_fitting():
    naive = _Naive()
    with pytest.raises(FormatError, match="connectome-linear needs the connectome"):
        run_benchmark(_dataset(), models=[naive, "connectome-linear"], horizon=H)
    assert naive.n_fits == 0


def test_cuda_without_a_gpu_is_refused_before_fitting():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    naive = _Naive()
    with pytest.raises(ConfigError, match="torch sees no CUDA device"):
        run_benchmark(_dataset(), models=[naive, _linear_mae()], horizon=H, device="cuda")
    assert naive.n_fits == 0


def test_cli_too_few_windows_exits_2_without_output(tmp_path, capsys):
    store = save_dataset(_dataset(t=20), tmp_path / "tiny.zarr")
    out = tmp_path / "out"
    assert main(["bench", str(store), "--models", "naive,linear-mae", "--context", "8",
                 "--horizon", "2", "--out", str(out), "--no-realism"]) == 2
    err = capsys.readouterr().err
    assert "error: linear-mae trains on batches of 8 windows" in err and "hint:" in err
    assert "Traceback" not in err and not out.exists()


def test_a_stimulus_model_of_other_covariates_is_refused_or_trained_again(tmp_path):
    from neurocast.models.deep import TideConfig, TideForecaster

    ds = _dataset()
    flash = (np.arange(300) % 20 < 5).astype(np.float32)[:, None]
    one = ds.assign(stimulus=(("time", "covariate"), flash)).assign_coords(covariate=["flash"])
    two = ds.assign(stimulus=(("time", "covariate"), np.hstack([flash, 1 - flash]))).assign_coords(
        covariate=["flash", "dark"])
    tide = TideForecaster(horizon=H, cfg=TideConfig(hidden=16, temporal_hidden=16, covariate_hidden=16,
                                                    decoder_dim=4, covariate_dim=4,
                                                    train=_linear_mae().cfg.train))
    run_benchmark(one, models=[tide], horizon=H, save_models=tmp_path)
    with pytest.raises(FormatError, match="forecasts from 1 stimulus covariate"):
        run_benchmark(two, models="tide", horizon=H, load_models=tmp_path)
    res = run_benchmark(two, models=[tide], horizon=H, save_models=tmp_path)  # not reused: refitted
    assert any("tide-seed0.pt' held a model" in n for n in res.notes)
    assert np.isfinite(res.summary["tide"]["mae"])


def test_a_pause_in_the_frame_times_is_noted():
    """Frame times that pause (here 60 s after frame 149, frames 0.5 s apart otherwise): the
    benchmark says so, and that the windows across it are left out (tests/bench/test_pauses.py)."""
    ds = _dataset(t=300)
    time_s = np.arange(300) * 0.5
    time_s[150:] += 60.0
    paused = make_dataset(ds["traces"].values, dt_s=0.5, time_s=time_s, source="test")
    res = run_benchmark(paused, models=["naive"], context=4, horizon=H)
    assert any(n.startswith("the frame times pause 1 time(s), the longest for 60.5 s after frame 149")
               and "--resample" in n for n in res.notes)
    assert not any("pause" in n for n in run_benchmark(ds, models=["naive"], context=4,
                                                       horizon=H).notes)


def test_more_folds_than_frames_is_refused_at_once():
    """cv_folds=10**9 made a list of 10**9 protocols (memory grew without bound)."""
    with pytest.raises(ConfigError, match="cv_folds=1,000,000,000 is more than the 300 frames"):
        run_benchmark(_dataset(t=300), models=["naive"], context=4, horizon=H, cv_folds=10**9)


def test_two_forecaster_objects_of_one_name_are_refused():
    """Two configured instances of one class (e.g. two LinearForecasters with other penalties)
    share a name: the scorecard could hold only one, so the run is refused, not one dropped."""
    first, second = _Naive(), _Naive()
    with pytest.raises(NeurocastError, match="model names repeat"):
        run_benchmark(_dataset(t=60), models=[first, second], context=4, horizon=H)
    assert first.n_fits == second.n_fits == 0
