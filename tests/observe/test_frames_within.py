"""observe/calcium image whole frames only (a frame [f·dt, (f+1)·dt) must end within the
spikes), and say so; delta_f_over_f takes a whole-number radius, as ObserveConfig does."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.errors import ConfigError
from neurocast.observe import ObserveConfig, calcium, delta_f_over_f, observe
from neurocast.spikes import Spikes


def _one_spike():
    return Spikes(np.array([9500]), np.array([0]), n_neurons=1, dt_ms=0.1, duration_ms=1000.0)


def test_frames_that_end_within_the_run_are_imaged():
    sp = _one_spike()
    assert calcium(sp, 0.3).shape == (3, 1)  # frames [0, 0.3), [0.3, 0.6), [0.6, 0.9)
    assert calcium(sp, 0.25).shape == (4, 1)  # the last frame ends exactly at 1 s
    with pytest.raises(ConfigError) as err:
        calcium(sp, 0.3, n_frames=4)  # [0.9, 1.2) would image 0.2 s that was never simulated
    msg = str(err.value)
    assert "start within" not in msg
    assert "end within the 1 s of spikes" in msg
    assert "whole frames" in msg


def test_docstrings_say_whole_frames():
    for fn in (calcium, observe):
        assert "start within" not in fn.__doc__
    assert "end within" in calcium.__doc__


@pytest.mark.parametrize("radius", [2.5, 2.0, "2", True, 0, -1])
def test_delta_f_over_f_refuses_a_radius_that_is_not_a_whole_number_ge_1(radius):
    f = 1 + np.random.default_rng(1).random((50, 2)).astype(np.float32)
    with pytest.raises(ConfigError, match="radius must be a whole number >= 1"):
        delta_f_over_f(f, radius=radius)
    with pytest.raises(ConfigError, match="f0_radius_frames must be a whole number >= 1"):
        ObserveConfig(f0_radius_frames=radius)


@pytest.mark.parametrize("percentile", ["8", True, -1.0, 101, np.nan])
def test_delta_f_over_f_refuses_a_percentile_outside_0_100(percentile):
    f = 1 + np.random.default_rng(1).random((50, 2)).astype(np.float32)
    with pytest.raises(ConfigError, match="percentile must be a finite number in"):
        delta_f_over_f(f, percentile=percentile)


def test_delta_f_over_f_takes_numpy_integers():
    f = 1 + np.random.default_rng(1).random((50, 2)).astype(np.float32)
    np.testing.assert_array_equal(delta_f_over_f(f, radius=np.int64(3), percentile=np.float32(8)),
                                  delta_f_over_f(f, radius=3, percentile=8.0))
