"""Settings of the observation model are checked where they are given, and an imaging noise too
large for ΔF/F names the setting that makes it so (not always the SNR)."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.errors import ConfigError
from neurocast.observe import CalciumIntegrator, ObserveConfig, calcium, fluorescence, observe
from neurocast.spikes import Spikes

INF, NAN = float("inf"), float("nan")


def spikes(duration_ms: float = 10_000.0) -> Spikes:
    return Spikes(np.array([1000, 5000]), np.array([0, 1]), 3, 1.0, duration_ms)


@pytest.mark.parametrize("name, value, rule", [
    ("drift_amplitude", INF, r"a finite number in \[0, 5\]"),
    ("amplitude_cv", INF, r"a finite number in \[0, 10\]"),
    ("baseline_sigma", 40.0, r"a finite number in \[0, 5\]"),
    ("baseline_sigma", INF, r"a finite number in \[0, 5\]"),
    ("baseline_sigma", NAN, r"a finite number in \[0, 5\]"),
    ("drift_tau_s", INF, "a finite number > 0"), ("snr", NAN, "a number > 0"),
    ("read_noise_fraction", NAN, r"a finite number in \[0, 1\]"),
    ("f0_percentile", INF, r"a finite number in \[0, 100\]"),
    ("f0_radius_frames", 2.5, "a whole number >= 1"), ("clip_min", -INF, "a finite number"),
    ("clip_max", INF, "a finite number"), ("chunk_neurons", 0, "a whole number >= 1"),
    ("n_planes", "2", "a whole number >= 1"),
    # whole floats passed, then range() and the numba F0 filter failed on them
    ("chunk_neurons", 1000.0, "a whole number >= 1"), ("n_planes", 2.0, "a whole number >= 1"),
    ("f0_radius_frames", 400.0, "a whole number >= 1"),
])
def test_a_setting_that_is_not_finite_or_out_of_range_is_named_with_its_range(name, value, rule):
    # inf was accepted, and observe() then blamed --snr or divided by zero
    with pytest.raises(ConfigError, match=f"setting {name} must be {rule}") as err:
        ObserveConfig(**{name: value})
    assert err.value.hint == f"e.g. {name}={getattr(ObserveConfig, name)!r} (the default)"


def test_an_infinite_snr_means_no_noise():
    sp = Spikes(np.zeros(0, int), np.zeros(0, int), 4, 1.0, 20_000.0)
    cfg = ObserveConfig(snr=INF, baseline_sigma=0.0, drift_amplitude=0.0, normalise=False)
    assert np.abs(observe(sp, cfg, frame_dt_s=0.5)).max() < 1e-6


@pytest.mark.parametrize("frame_dt_s", [0.0, -0.5, NAN, INF])
def test_frame_interval_must_be_a_finite_number_above_zero(frame_dt_s):
    # 0 raised ZeroDivisionError, nan "cannot convert float NaN to integer"
    k = np.zeros((20, 3), np.float32)
    for call in (lambda: observe(spikes(), frame_dt_s=frame_dt_s),
                 lambda: calcium(spikes(), frame_dt_s),
                 lambda: fluorescence(k, ObserveConfig(), frame_dt_s=frame_dt_s, seed=0),
                 lambda: CalciumIntegrator(3, frame_dt_s)):
        with pytest.raises(ConfigError, match=r"frame_dt_s .* must be a finite number > 0"):
            call()


@pytest.mark.parametrize("setting, value, fix", [
    ("drift_amplitude", 3.0, "less"), ("baseline_sigma", 3.0, "less"), ("snr", 0.01, "more")])
def test_noise_too_large_names_the_setting_that_makes_it_and_its_fix_works(setting, value, fix):
    # drift_amplitude and baseline_sigma were blamed on --snr, with an --snr that did not help
    k = np.zeros((200, 50), np.float32)
    flag = "--snr" if setting == "snr" else setting
    with pytest.raises(ConfigError, match=f"^{flag} {value:g} makes the imaging noise so large") as err:
        fluorescence(k.copy(), ObserveConfig(**{setting: value}), frame_dt_s=0.5, seed=0)
    words = err.value.hint.split()
    assert words[:2] == ["use", flag] and words[3:5] == ["or", fix] and "--snr" not in words[5:]
    fluorescence(k, ObserveConfig(**{setting: float(words[2])}), frame_dt_s=0.5, seed=0)


def test_noise_made_by_two_settings_names_both():
    k = np.zeros((200, 50), np.float32)
    with pytest.raises(ConfigError, match=r"--snr 0\.5 and baseline_sigma 1\.5 make") as err:
        fluorescence(k, ObserveConfig(snr=0.5, baseline_sigma=1.5), frame_dt_s=0.5, seed=0)
    assert "--snr" in err.value.hint and "baseline_sigma" in err.value.hint


def test_frames_past_the_end_of_the_spikes_are_refused():
    # 30 frames of 0.5 s from 10 s of spikes: the last 10 were silently silent
    with pytest.raises(ConfigError, match=r"n_frames must be a whole number from 0 to 20 .* got 30") as err:
        calcium(spikes(), 0.5, n_frames=30)
    assert "n_frames=20" in err.value.hint
    with pytest.raises(ConfigError, match="n_frames"):
        observe(spikes(), frame_dt_s=0.5, n_frames=21)
    with pytest.raises(ConfigError, match="n_frames"):
        calcium(spikes(), 0.5, n_frames=2.5)
    assert calcium(spikes(), 0.5, n_frames=20).shape == (20, 3)
    assert calcium(spikes(), 0.5, n_frames=np.int64(7)).shape == (7, 3)


def test_noise_no_one_setting_can_fix_asks_for_several_together():
    # the hint offered "baseline_sigma 0 or less" and "drift_amplitude 0 or less": out of range
    k = np.zeros((200, 50), np.float32)
    with pytest.raises(ConfigError, match=r"baseline_sigma 5 and drift_amplitude 5 make") as err:
        fluorescence(k, ObserveConfig(baseline_sigma=5, drift_amplitude=5), frame_dt_s=0.5, seed=0)
    assert err.value.hint.startswith("bring baseline_sigma and drift_amplitude back toward their "
                                     "defaults (0.3 and 0.03): no one setting alone keeps")
    assert " 0 or less" not in err.value.hint


def test_noise_hint_leaves_out_a_setting_that_would_have_to_go_below_zero():
    # both settings make it (neither's default alone is enough), but only drift_amplitude can
    # make up for the other: baseline_sigma would have to go below 0
    k = np.zeros((200, 50), np.float32)
    cfg = ObserveConfig(baseline_sigma=2.45, drift_amplitude=2.0)
    with pytest.raises(ConfigError, match=r"baseline_sigma 2\.45 and drift_amplitude 2 make") as err:
        fluorescence(k.copy(), cfg, frame_dt_s=0.5, seed=0)
    words = err.value.hint.split()
    assert words[:2] == ["use", "drift_amplitude"] and "baseline_sigma" not in err.value.hint
    fluorescence(k, ObserveConfig(baseline_sigma=2.45, drift_amplitude=float(words[2])),
                 frame_dt_s=0.5, seed=0)


@pytest.mark.parametrize("value", ["no", "false", 0, 1, None])
def test_normalise_must_be_a_bool(value):
    # "no" counted as true
    with pytest.raises(ConfigError, match=f"setting normalise must be True or False, got {value!r}"):
        ObserveConfig(normalise=value)
    assert ObserveConfig(normalise=np.bool_(False)).normalise is False


@pytest.mark.parametrize("n_frames", [True, False])
def test_n_frames_must_not_be_a_bool(n_frames):
    with pytest.raises(ConfigError, match=f"n_frames must be a whole number .* got {n_frames!r}"):
        calcium(spikes(), 0.5, n_frames=n_frames)


def test_frame_interval_check_is_private():
    import neurocast.observe._model as model

    assert not hasattr(model, "frame_interval") and "frame_interval" not in model.__all__
    with pytest.raises(ConfigError, match="frame_dt_s"):
        observe(spikes(), frame_dt_s=True)
