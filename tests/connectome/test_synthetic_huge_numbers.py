"""SyntheticParams: a duration (np.timedelta64, an integer to NumPy) is no number, and a large
int is checked against its range, not a bare TypeError from np.isfinite."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.connectome import SyntheticParams
from neurocast.errors import ConfigError


def test_seed_and_counts_refuse_a_duration():
    with pytest.raises(ConfigError, match=r"seed must be an integer, not np\.timedelta64"):
        SyntheticParams(n_neurons=50, mean_out_degree=4.0, seed=np.timedelta64(3))
    with pytest.raises(ConfigError, match=r"n_neurons must be an integer"):
        SyntheticParams(n_neurons=np.timedelta64(50), mean_out_degree=4.0)


def test_float_settings_refuse_a_duration():
    with pytest.raises(ConfigError, match=r"mean_out_degree must be a finite number, not np\.timedelta64"):
        SyntheticParams(n_neurons=50, mean_out_degree=np.timedelta64(4))


def test_huge_ints_reach_the_range_checks_or_the_finite_one():
    with pytest.raises(ConfigError, match=r"mean_out_degree must lie in"):
        SyntheticParams(n_neurons=50, mean_out_degree=2**80)
    with pytest.raises(ConfigError, match=r"mean_out_degree must be a finite number"):
        SyntheticParams(n_neurons=50, mean_out_degree=2**1024)
