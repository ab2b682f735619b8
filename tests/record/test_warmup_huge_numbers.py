"""warmup_frames: a number of seconds without a finite float, or a duration, is the setting's
ConfigError (was a bare OverflowError / TypeError from math.isfinite)."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.errors import ConfigError
from neurocast.record._record import warmup_frames


@pytest.mark.parametrize("value", [2**1024, np.timedelta64(10, "s"), np.timedelta64(10)], ids=lambda v: repr(v)[:20])
def test_warmup_refuses(value):
    with pytest.raises(ConfigError, match="warmup_s must be a number of seconds >= 0"):
        warmup_frames(0.2, "GCaMP6s", value)


def test_warmup_takes_numpy_numbers():
    assert warmup_frames(0.2, "GCaMP6s", np.float32(1.0)) == 5
    assert warmup_frames(0.2, "GCaMP6s", np.int64(1)) == 5
