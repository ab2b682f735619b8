"""A RoiResponseSeries stored (roi, time), as MatNWB writes it by mistake, is read transposed."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

import numpy as np
import pytest

import neurocast.data as nd


def _write_roi_major(path, data, rate):
    """An NWB file whose series holds ``data`` (roi, time): one ROI per row."""
    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.ophys import DfOverF, ImageSegmentation, OpticalChannel

    nwb = NWBFile(session_description="t", identifier="t",
                  session_start_time=datetime(2024, 1, 1, tzinfo=UTC))
    channel = OpticalChannel(name="green", description="g", emission_lambda=510.0)
    plane = nwb.create_imaging_plane(name="plane", optical_channel=channel, description="p",
                                     device=nwb.create_device(name="scope"), excitation_lambda=920.0,
                                     imaging_rate=5.0, indicator="GCaMP6s", location="brain")
    seg = ImageSegmentation()
    ps = seg.create_plane_segmentation(name="rois", description="r", imaging_plane=plane)
    for _ in range(data.shape[0]):
        ps.add_roi(image_mask=np.zeros((4, 4)))
    module = nwb.create_processing_module(name="ophys", description="o")
    module.add(seg)
    region = ps.create_roi_table_region(region=list(range(data.shape[0])), description="all")
    holder = DfOverF()
    module.add(holder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pynwb's own remark on the orientation
        holder.create_roi_response_series(name="s", data=data, rois=region, unit="n.a.", rate=rate)
        with NWBHDF5IO(str(path), "w") as io:
            io.write(nwb)


def test_roi_major_series_is_read_transposed_with_a_note(tmp_path):
    data = np.random.default_rng(0).standard_normal((5, 300)).astype(np.float32)
    _write_roi_major(tmp_path / "t.nwb", data, rate=5.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = nd.load_nwb(tmp_path / "t.nwb")
    np.testing.assert_array_equal(ds["traces"].values, data.T)
    assert float(ds.attrs["dt_s"]) == pytest.approx(0.2)
    said = [str(w.message) for w in caught]
    assert sum("transpos" in s.lower() for s in said) == 1  # one note, not pynwb's as well
    assert any("(roi, time)" in n for n in ds.attrs["import_notes"])
