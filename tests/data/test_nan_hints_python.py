"""NaN refusals reached from the Python API: make_dataset, save_dataset and open_dataset refuse
NaN without allow_nan, save_dataset leaves nothing behind, and allow_nan=True opens the store.

The hints of make_dataset and save_dataset are the command line's (``--allow-nan``): the same
text reaches the CLI, whose errors must not name Python arguments (tests/test_fuzz.py). A stored
dataset holding NaN is opened by every command with allow_nan, so open_dataset's refusal reaches
only Python users: its hint gives the Python call beside the flags.
"""

from __future__ import annotations

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.errors import NonFiniteError


def _with_nan():
    x = np.random.default_rng(0).random((400, 3)).astype(np.float32)
    x[10, 0] = np.nan
    return nd.make_dataset(x, dt_s=0.2, allow_nan=True)


def test_make_and_save_dataset_refuse_nan_and_save_leaves_nothing(tmp_path):
    with pytest.raises(NonFiniteError) as err:
        nd.make_dataset(np.full((5, 1), np.nan, np.float32), dt_s=0.2)
    assert "--allow-nan" in err.value.hint and "allow_nan=" not in err.value.hint
    with pytest.raises(NonFiniteError) as err:  # made with allow_nan=True, saved without it
        nd.save_dataset(_with_nan(), tmp_path / "n.zarr")
    assert "--allow-nan" in err.value.hint and "allow_nan=" not in err.value.hint
    assert not (tmp_path / "n.zarr").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".partial", ".old"))]


def test_open_dataset_refuses_a_store_holding_nan_unless_allowed(tmp_path):
    path = nd.save_dataset(_with_nan(), tmp_path / "n.zarr", allow_nan=True)
    with pytest.raises(NonFiniteError) as err:
        nd.open_dataset(path)
    assert "--nan skip-windows" in err.value.hint
    assert "(Python: open_dataset(path, allow_nan=True)" in err.value.hint
    assert np.isnan(nd.open_dataset(path, allow_nan=True).traces.values).sum() == 1
