"""Observation settings: a duration (np.timedelta64, an integer to NumPy) is no number, and a
huge int gets the setting's ConfigError, not a bare TypeError or OverflowError."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.errors import ConfigError
from neurocast.observe import ObserveConfig
from neurocast.observe._model import _frame_interval, calcium
from neurocast.spikes import Spikes


def _spikes():
    return Spikes(np.array([1000, 5000]), np.array([0, 1]), 3, 1.0, 20_000.0)


@pytest.mark.parametrize("name", ["read_noise_fraction", "drift_tau_s", "n_planes",
                                  "f0_radius_frames", "chunk_neurons"])
@pytest.mark.parametrize("value", [2**80, 2**1024, np.timedelta64(2)], ids=lambda v: repr(v)[:20])
def test_settings_refuse_with_their_rule(name, value):
    if name == "drift_tau_s" and type(value) is int and value == 2**80:
        assert ObserveConfig(drift_tau_s=value).drift_tau_s == value  # finite and > 0
        return
    with pytest.raises(ConfigError, match=f"the observation setting {name} must be"):
        ObserveConfig(**{name: value})


def test_snr_takes_inf_but_not_a_huge_int_nor_a_duration():
    assert ObserveConfig(snr=np.inf).snr == np.inf
    for value in (2**1024, np.timedelta64(5)):
        with pytest.raises(ConfigError, match="snr must be a number > 0"):
            ObserveConfig(snr=value)


def test_frame_interval_takes_a_large_int_and_refuses_a_huge_one_or_a_duration():
    assert _frame_interval(2**80) == float(2**80)
    for value in (2**1024, np.timedelta64(1, "s")):
        with pytest.raises(ConfigError, match=r"frame_dt_s \(seconds per frame\) must be a finite number"):
            _frame_interval(value)


def test_n_frames_refuses_a_duration_and_takes_numpy_integers():
    with pytest.raises(ConfigError, match="n_frames must be a whole number from 0 to 40"):
        calcium(_spikes(), 0.5, n_frames=np.timedelta64(2))
    assert calcium(_spikes(), 0.5, n_frames=np.uint8(2)).shape == (2, 3)
    with pytest.raises(ConfigError, match="n_frames must be a whole number"):
        calcium(_spikes(), 0.5, n_frames=True)
