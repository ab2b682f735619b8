"""A mistyped --resample step: refused before any memory is taken, and upsampling is noted."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from neurocast.cli import main
from neurocast.data._loading import resample_uniform
from neurocast.errors import ConfigError


def _recording(n=40, dt=0.5):
    t = np.arange(n) * dt
    return np.random.default_rng(0).standard_normal((n, 3)).astype(np.float32), t


def test_step_making_far_more_frames_is_refused():
    values, t = _recording()
    with pytest.raises(ConfigError, match="--resample") as err:
        resample_uniform(values, t, 1e-6)  # 19.5 million frames from 40
    assert "0.5" in err.value.hint  # the recorded interval, as the step to give


def test_upsampling_is_noted():
    values, t = _recording()
    with pytest.warns(UserWarning, match="upsampl"):
        out, _ = resample_uniform(values, t, 0.1)
    assert out.shape == (196, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the recorded step or a coarser one: nothing to say
        resample_uniform(values, t, 0.5)
        resample_uniform(values, t, 1.0)


def test_cli_refuses_mistyped_step_and_writes_nothing(tmp_path, capsys):
    values, t = _recording()
    src = tmp_path / "rec.csv"
    np.savetxt(src, np.column_stack([t, values]), delimiter=",", header="time,a,b,c", comments="")
    out = tmp_path / "x.zarr"
    assert main(["data", "import", str(src), str(out), "--resample", "0.000001"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "--resample" in err
    assert not out.exists()


def test_filling_a_pause_at_the_recorded_step_is_neither_refused_nor_noted():
    values, t = _recording()
    t[20:] += 300.0  # a 5-minute pause: 600 grid frames inside it, 15× the 40 recorded
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, _ = resample_uniform(values, t, 0.5, allow_nan=True)
    assert out.shape[0] > 10 * t.size
