"""observed_subset's fraction is a number, Python's or NumPy's; a flag is refused (True would
silently observe every neuron)."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.errors import ConfigError
from neurocast.infer import observed_subset


@pytest.mark.parametrize("fraction", [True, np.True_, "0.5"], ids=repr)
def test_a_flag_or_text_is_not_a_fraction(fraction):
    with pytest.raises(ConfigError, match=r"observed fraction must lie in \(0, 1\]"):
        observed_subset(100, fraction)


def test_numpy_numbers_are_fractions():
    np.testing.assert_array_equal(observed_subset(100, np.int64(1)), np.arange(100))
    np.testing.assert_array_equal(observed_subset(100, np.float32(0.25), seed=3),
                                  observed_subset(100, 0.25, seed=3))
