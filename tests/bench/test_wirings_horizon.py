"""run_wirings takes its horizon as run_benchmark does: left out, the Protocol's own (when
protocol= is a Protocol) or the default 32; and bench._seeds no longer offers saved_earlier
(reuse_saved says the same, and why a file does not count)."""

import numpy as np
import pytest

from neurocast.bench import run_wirings
from neurocast.connectome import random_connectome
from neurocast.data import make_dataset, protocol_for_dataset
from neurocast.errors import ConfigError


@pytest.fixture(scope="module")
def data():
    con = random_connectome(12, 3, seed=0)
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((400, 12)).cumsum(axis=0) * 0.1).astype(np.float32)
    return con, make_dataset(x, dt_s=0.5, neuron=con.names, condition=np.repeat(["a", "b"], 200))


def _steps(card) -> int:
    return int(card["steps_ahead"].values.max())


def test_the_horizon_comes_from_the_protocol_given(data):
    con, ds = data
    proto = protocol_for_dataset(ds, context=4, horizon=6)
    res = run_wirings(ds, wirings=["true", "none"], models=["naive", "connectome-linear"],
                      protocol=proto, connectome=con)
    assert _steps(res.scorecard) == 6
    assert np.isfinite(res.scorecard["score"].sel(model="connectome-linear", metric="mae")).all()


def test_without_a_protocol_the_default_horizon(data):
    con, _ = data
    x = (np.random.default_rng(1).standard_normal((1000, 12)).cumsum(axis=0) * 0.1).astype(np.float32)
    ds = make_dataset(x, dt_s=0.5, neuron=con.names)
    res = run_wirings(ds, wirings=["true"], models=["connectome-linear"], context=4, connectome=con)
    assert _steps(res.scorecard) == 32


def test_a_horizon_given_beside_the_protocol_must_agree(data):
    con, ds = data
    proto = protocol_for_dataset(ds, context=4, horizon=6)
    with pytest.raises(ConfigError, match="horizon"):
        run_wirings(ds, wirings=["true"], models=["connectome-linear"], protocol=proto,
                    horizon=8, connectome=con)


def test_saved_earlier_is_gone():
    from neurocast.bench import _seeds

    assert "saved_earlier" not in _seeds.__all__ and not hasattr(_seeds, "saved_earlier")
    assert "reuse_saved" in _seeds.__all__
