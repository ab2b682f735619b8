"""``Protocol.neuron_seed`` takes a whole number >= 0 (session 28 review): a float, a negative
number or a flag failed later, in NumPy's SeedSequence, with a bare TypeError or ValueError (or
True was quietly seed 1)."""

from __future__ import annotations

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.bench import run_benchmark
from neurocast.errors import ConfigError


@pytest.mark.parametrize("seed", [3.0, 0.5, -1, True, np.True_, "3", np.float64(2.0), np.timedelta64(3)])
def test_a_neuron_seed_other_than_a_whole_number_of_at_least_zero_is_refused(seed):
    with pytest.raises(ConfigError, match=r"neuron_seed must be a whole number >= 0, not ") as err:
        nd.get_protocol("single", frames=200, heldout_neurons=0.2, neuron_seed=seed)
    assert "neuron_seed=0" in err.value.hint


@pytest.mark.parametrize("seed", [0, 7, np.int64(7), np.uint8(7), 2**70])
def test_a_whole_neuron_seed_is_kept_as_an_int(seed):
    proto = nd.get_protocol("single", frames=200, heldout_neurons=0.2, neuron_seed=seed)
    assert type(proto.neuron_seed) is int and proto.neuron_seed == int(seed)
    assert proto.hidden_neurons(10).sum() == 2


def test_run_benchmark_refuses_a_fractional_neuron_seed_before_fitting():
    x = np.cumsum(np.random.default_rng(0).normal(size=(80, 5)), 0).astype(np.float32)
    ds = nd.make_dataset(x, dt_s=0.5)
    with pytest.raises(ConfigError, match=r"neuron_seed must be a whole number >= 0, not 0.5 \(float\)"):
        run_benchmark(ds, models=["naive"], context=2, horizon=2, heldout_neurons=0.2, neuron_seed=0.5)
