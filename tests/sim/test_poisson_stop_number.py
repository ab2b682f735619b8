"""PoissonInput.stop_ms is checked like start_ms: a number (NumPy's too) or None; a flag or
text is refused with a ConfigError naming it, not taken as 1 ms or left to a bare TypeError."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.errors import ConfigError, NonFiniteError
from neurocast.sim import PoissonInput


@pytest.mark.parametrize("stop", [True, np.True_, "500", [500.0]], ids=repr)
def test_stop_ms_must_be_a_number(stop):
    with pytest.raises(ConfigError, match=r"PoissonInput\.stop_ms must be a number or None"):
        PoissonInput("all", 10.0, 1.0, stop_ms=stop)


@pytest.mark.parametrize("stop", [500, 500.0, np.float32(500.0), np.int64(500), None], ids=repr)
def test_stop_ms_takes_numbers_and_none(stop):
    assert PoissonInput("all", 10.0, 1.0, stop_ms=stop).stop_ms == stop


def test_stop_ms_must_still_be_finite_and_after_the_start():
    with pytest.raises(NonFiniteError, match="stop_ms must be finite"):
        PoissonInput("all", 10.0, 1.0, stop_ms=np.float64(np.inf))
    with pytest.raises(ConfigError, match="before start_ms"):
        PoissonInput("all", 10.0, 1.0, start_ms=100.0, stop_ms=np.int64(50))
