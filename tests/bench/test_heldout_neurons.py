"""Held-out neurons: hidden from the test contexts, the only ones scored."""

import numpy as np
import pytest

from neurocast.bench import evaluate, run_benchmark
from neurocast.data import get_protocol, make_dataset, segments_for
from neurocast.errors import ConfigError
from neurocast.models import Forecaster


def test_protocol_draws_the_heldout_neurons_by_seed():
    proto = get_protocol("single", frames=100, context=2, horizon=2, heldout_neurons=0.2, neuron_seed=3)
    hidden = proto.hidden_neurons(50)
    assert hidden.dtype == bool and hidden.sum() == 10
    np.testing.assert_array_equal(hidden, proto.hidden_neurons(50))
    assert not np.array_equal(hidden, proto.replace(neuron_seed=4).hidden_neurons(50))
    assert get_protocol("single", frames=100).hidden_neurons(50) is None
    assert proto.hidden_neurons(3).sum() == 1  # at least one, never all
    for seg in segments_for(np.zeros((100, 50), np.float32), proto, "train"):
        np.testing.assert_array_equal(seg.hidden, hidden)
    with pytest.raises(ConfigError, match=r"heldout_neurons must lie in \[0, 1\)"):
        get_protocol("single", frames=100, heldout_neurons=1.0)


class _Recorder(Forecaster):
    """Naive persistence that keeps the contexts and hidden masks it was given."""

    name = "recorder"

    def __init__(self, horizon):
        super().__init__(horizon)
        self.seen = []

    def predict(self, context, meta=None):
        self.seen.append((context.copy(), meta.hidden))
        return np.repeat(context[:, -1:], self.horizon, axis=1)


def test_evaluate_hides_the_context_and_scores_only_heldout_neurons():
    # hidden neurons are constant 1, the others 0: persistence of a hidden (zeroed) context
    # predicts 0, so MAE is exactly 1 if only hidden neurons count (0.25 if all were scored)
    proto = get_protocol("single", frames=200, context=3, horizon=4, heldout_neurons=0.25, neuron_seed=1)
    hidden = proto.hidden_neurons(8)
    x = np.repeat(hidden[None].astype(np.float32), 200, axis=0)
    model = _Recorder(4)
    stats = evaluate(model, x, proto)
    np.testing.assert_allclose(stats["all"].metric_all("mae"), 1.0)
    for ctx, mask in model.seen:
        np.testing.assert_array_equal(mask, hidden)
        assert np.all(ctx[:, :, hidden] == 0) and np.all(ctx[:, :, ~hidden] == 0)
    assert x[:, hidden].min() == 1  # the data themselves are untouched


def test_bench_with_heldout_neurons_and_connectome_linear():
    from neurocast.connectome import random_connectome

    con = random_connectome(40, 4, seed=0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 40)).astype(np.float32).cumsum(axis=0) * 0.1
    ds = make_dataset(x, dt_s=0.5, neuron=con.names)
    result = run_benchmark(ds, models=["naive", "connectome-linear"], context=4, horizon=4,
                           connectome=con, heldout_neurons=0.25, neuron_seed=2)
    assert result.protocol.heldout_neurons == 0.25
    assert result.scorecard.attrs["protocol_heldout_neurons"] == 0.25
    # naive repeats the zeroed context: its error is the held-out neurons' mean |value| over
    # the test targets (the last 20 % of the frames)
    hidden = result.protocol.hidden_neurons(40)
    test = result.protocol.test_sets()[0]
    expected = np.abs(x[test.start + 4:test.stop, hidden]).mean()
    assert result.summary["naive"]["mae"] == pytest.approx(expected, rel=0.05)
    assert result.summary["connectome-linear"]["mae"] < result.summary["naive"]["mae"]
