"""PoissonInput stores its numbers as Python floats, as ShiuParams does: NumPy scalars taken
out of an array (np.float32, np.int64) do not carry their type (nor float32 rounding) on."""

from __future__ import annotations

import numpy as np

from neurocast.sim._network import PoissonInput


def test_numpy_scalars_stored_as_floats():
    p = PoissonInput([0, 1], np.float32(5.5), np.int64(2), start_ms=np.uint16(10),
                     stop_ms=np.float32(20.0))
    values = (p.rate_hz, p.weight_mv, p.start_ms, p.stop_ms)
    assert [type(v) for v in values] == [float] * 4
    assert values == (5.5, 2.0, 10.0, 20.0)


def test_python_numbers_stored_as_floats_and_none_kept():
    p = PoissonInput(0, 5, -1)
    assert (type(p.rate_hz), type(p.weight_mv), type(p.start_ms)) == (float, float, float)
    assert p.stop_ms is None
