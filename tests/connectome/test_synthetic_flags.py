"""SyntheticParams refuses a flag where a number goes (True is a slip, never 1.0), as it does
for its integer fields; NumPy numbers are taken."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.connectome import SyntheticParams
from neurocast.errors import ConfigError


@pytest.mark.parametrize("name", ["mean_out_degree", "degree_correlation", "local_fraction",
                                  "excitatory_fraction"])
@pytest.mark.parametrize("value", [True, np.True_], ids=repr)
def test_a_flag_is_not_a_number(name, value):
    knobs = {"n_neurons": 100, "mean_out_degree": 5.0, name: value}
    with pytest.raises(ConfigError, match=rf"{name} must be a finite number"):
        SyntheticParams(**knobs)


@pytest.mark.parametrize("value", [True, np.True_], ids=repr)
def test_a_flag_is_not_an_integer(value):
    with pytest.raises(ConfigError, match="seed must be an integer"):
        SyntheticParams(n_neurons=100, mean_out_degree=5.0, seed=value)


def test_numpy_numbers_are_taken():
    p = SyntheticParams(n_neurons=np.int64(100), mean_out_degree=np.float32(5.0),
                        degree_correlation=np.float64(0.5), seed=np.uint32(3))
    assert p.n_neurons == 100 and p.mean_out_degree == 5.0
