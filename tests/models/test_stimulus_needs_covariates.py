"""The stimulus baseline refuses to be fitted, or to forecast, without the stimulus covariates
it averages over (segments built without ``stimulus=``), instead of quietly forecasting a
per-condition mean that run_benchmark would never score."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.data import get_protocol, segments_for
from neurocast.errors import ConfigError
from neurocast.models import StimulusForecaster, get_model


def _recording(frames: int = 400, n: int = 5, period: int = 10):
    t = np.arange(frames)
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((period, n))[t % period] + 0.01 * rng.standard_normal((frames, n))).astype(np.float32)
    stim = ((t % period) < 2).astype(np.float32)[:, None]
    return x, stim, get_protocol("single", frames=frames, context=4, horizon=3)


def test_fitting_without_the_covariates_is_refused_naming_stimulus():
    x, _, proto = _recording()
    with pytest.raises(ConfigError, match="stimulus covariates") as err:
        get_model("stimulus", horizon=3).fit(segments_for(x, proto, "train"), segments_for(x, proto, "val"))
    assert "stimulus=" in err.value.hint


def test_forecasting_without_the_covariates_is_refused():
    x, stim, proto = _recording()
    model = StimulusForecaster(horizon=3).fit(segments_for(x, proto, "train", stimulus=stim), [])
    bare = segments_for(x, proto, "test")[0]
    _, ctx, _ = next(bare.windows(bare.load(), 16))
    with pytest.raises(ConfigError, match="stimulus=") as err:
        model.predict(ctx, bare.meta(0, ctx.shape[0]))
    assert "segments_for" in err.value.hint
    with pytest.raises(ConfigError, match="meta"):
        model.predict(ctx)


def test_with_the_covariates_it_forecasts_the_phase_mean():
    x, stim, proto = _recording()
    model = StimulusForecaster(horizon=3).fit(segments_for(x, proto, "train", stimulus=stim), [])
    test = segments_for(x, proto, "test", stimulus=stim)[0]
    _, ctx, tgt = next(test.windows(test.load(), 10_000))
    assert np.abs(model.predict(ctx, test.meta(0, ctx.shape[0])) - tgt).mean() < 0.05
    assert model.fitted["periods"] == {"all": 10}


def test_a_constant_stimulus_still_gives_the_condition_mean():
    """No repeating stimulus (constant covariates, or none at all: zero columns) is the
    condition's mean train response, as before; only missing covariates are refused."""
    x, _, proto = _recording()
    for stim in (np.zeros((x.shape[0], 1), np.float32), np.zeros((x.shape[0], 0), np.float32)):
        model = StimulusForecaster(horizon=3).fit(segments_for(x, proto, "train", stimulus=stim), [])
        seg = segments_for(x, proto, "test", stimulus=stim)[0]
        pred = model.predict(np.zeros((2, 4, x.shape[1]), np.float32), seg.meta(0, 2))
        np.testing.assert_allclose(pred[0, 0], x[:280].mean(axis=0), rtol=1e-5, atol=1e-6)
