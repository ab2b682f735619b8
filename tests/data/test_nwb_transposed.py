"""A RoiResponseSeries stored (roi, time), as MatNWB writes it by mistake, is read transposed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import neurocast.data as nd


def test_roi_major_series_is_read_transposed_with_a_note(tmp_path, write_nwb):
    data = np.random.default_rng(0).standard_normal((5, 300)).astype(np.float32)
    write_nwb(tmp_path / "t.nwb", data, rate=5.0, roi_major=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = nd.load_nwb(tmp_path / "t.nwb")
    np.testing.assert_array_equal(ds["traces"].values, data.T)
    assert float(ds.attrs["dt_s"]) == pytest.approx(0.2)
    said = [str(w.message) for w in caught]
    assert sum("transpos" in s.lower() for s in said) == 1  # one note, not pynwb's as well
    assert any("(roi, time)" in n for n in ds.attrs["import_notes"])
