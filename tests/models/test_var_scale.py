"""The var model on traces of any magnitude: no overflow, the same fit in the traces' units."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from neurocast.data import segments_for
from neurocast.models import VarForecaster

from .conftest import protocol, split


def test_var_fit_is_the_same_at_1e22_without_overflow():
    rng = np.random.default_rng(0)
    t = np.arange(300)
    x = np.stack([np.sin(2 * np.pi * t / 17 + k) for k in range(4)], axis=1)
    x = (x + 0.1 * rng.standard_normal(x.shape)).astype(np.float32)
    proto = protocol(300, context=4, horizon=8)
    small = VarForecaster(horizon=8).fit(*split(x, proto))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow RuntimeWarning would fail here
        big = VarForecaster(horizon=8).fit(*split(x * np.float32(1e22), proto))
    assert big.fitted["alpha"] == small.fitted["alpha"]
    assert big.fitted["val_latent_mse"] == pytest.approx(small.fitted["val_latent_mse"] * 1e44,
                                                         rel=1e-3)
    test = segments_for(x, proto, "test")[0]
    _, ctx, _ = next(test.windows(test.load(), 10_000))
    np.testing.assert_allclose(big.predict(ctx * np.float32(1e22)) / 1e22, small.predict(ctx),
                               rtol=1e-3, atol=1e-3)
