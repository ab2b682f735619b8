"""Names and units stored as bytes that are not UTF-8 (an old MATLAB's or LabVIEW's latin-1:
b'RIM\\xe9'): read as latin-1 wherever names are decoded, never as a replacement character."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

import neurocast.data as nd

h5py = pytest.importorskip("h5py")

RNG = np.random.default_rng(3)
X = RNG.normal(0, 0.2, (40, 4))
T = np.arange(40) * 0.5


def test_a_latin1_units_attribute_of_hdf5_timestamps_is_read(tmp_path):
    """'µs' written as the latin-1 byte 0xb5: microseconds (a replacement character was
    refused as not a unit of time)."""
    with h5py.File(tmp_path / "rec.h5", "w") as f:
        f["traces"] = X
        f["time"] = T * 1e6
        f["time"].attrs["units"] = np.bytes_(b"\xb5s")
    ds = nd.load_matrix(tmp_path / "rec.h5")
    assert ds.attrs["dt_s"] == pytest.approx(0.5)
    np.testing.assert_allclose(ds.time.values, T)


def test_latin1_names_in_an_nwb_roi_table_are_read(tmp_path, write_nwb):
    """A column of neuron names in the ROI table, stored as ASCII strings holding latin-1
    bytes (as a converter copying an old file's names writes them)."""
    path = tmp_path / "rec.nwb"
    write_nwb(path, X.astype(np.float32), rate=2.0)
    with h5py.File(path, "r+") as f:
        table = f["processing/ophys/ImageSegmentation/rois"]
        names = np.array([b"RIM\xe9", b"AVAL", b"AVAR", b"SMDVL"], dtype=object)
        column = table.create_dataset("neuron_names", data=names,
                                      dtype=h5py.string_dtype("ascii"))
        column.attrs.update({"description": "neuron names", "namespace": "hdmf-common",
                             "neurodata_type": "VectorData", "object_id": str(uuid.uuid4())})
        colnames = [c.decode() if isinstance(c, bytes) else c for c in table.attrs["colnames"]]
        table.attrs["colnames"] = np.array([*colnames, "neuron_names"],
                                           dtype=h5py.string_dtype())
    ds = nd.load_nwb(path)
    assert ds.neuron.values.tolist() == ["RIMé", "AVAL", "AVAR", "SMDVL"]
    assert ("1 name(s) in column 'neuron_names' of ROI table" in " ".join(ds.attrs["import_notes"]))
    assert any("are not UTF-8 text: read as latin-1 ('RIMé')" in n
               for n in ds.attrs["import_notes"])


def test_latin1_names_in_a_matrix_file_are_noted_as_in_nwb(tmp_path):
    with h5py.File(tmp_path / "m.h5", "w") as f:
        f["traces"] = X
        f["names"] = np.array([b"RIM\xe9", b"AVAL", b"AVAR", b"SMDVL"])
        f["fps"] = 2.0
    ds = nd.load_matrix(tmp_path / "m.h5")
    assert ds.neuron.values.tolist() == ["RIMé", "AVAL", "AVAR", "SMDVL"]
    assert any("1 name(s) in 'names' are not UTF-8 text: read as latin-1 ('RIMé'); if they look "
               "wrong, give the names with --names" in n for n in ds.attrs["import_notes"])
