"""validate_dataset: the number attrs dt_s and seed take Python's and NumPy's numbers, but not a
flag (True passed isinstance(int) as 1) nor a duration (np.timedelta64, an integer to NumPy)."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.data import make_dataset, validate_dataset
from neurocast.errors import FormatError


def _dataset():
    return make_dataset(np.zeros((5, 2), np.float32), dt_s=0.5, seed=3, source="t")


@pytest.mark.parametrize(("key", "value"), [("seed", True), ("seed", np.True_), ("seed", False),
                                            ("seed", np.timedelta64(3)), ("seed", 3.0),
                                            ("dt_s", True), ("dt_s", np.timedelta64(500, "ms")),
                                            ("dt_s", "0.5")], ids=repr)
def test_refused(key, value):
    ds = _dataset()
    ds.attrs[key] = value
    with pytest.raises(FormatError, match=f"attribute '{key}' is a "):
        validate_dataset(ds)


@pytest.mark.parametrize(("key", "value"), [("seed", np.int64(3)), ("seed", np.uint32(3)),
                                            ("seed", -1), ("dt_s", np.float32(0.5)),
                                            ("dt_s", np.float64(0.5)), ("dt_s", 0.5)], ids=repr)
def test_numbers_taken(key, value):
    ds = _dataset()
    ds.attrs[key] = value
    validate_dataset(ds)


def test_message_names_the_flag_and_the_types_expected():
    ds = _dataset()
    ds.attrs["seed"] = True
    with pytest.raises(FormatError, match="attribute 'seed' is a bool") as info:
        validate_dataset(ds)
    assert "expected int or integer" in str(info.value)
