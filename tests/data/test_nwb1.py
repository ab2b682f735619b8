"""Allen Brain Observatory NWB 1.x files (AllenSDK's BrainObservatoryCache downloads): pynwb
cannot read them; they are read as the HDF5 files they are with --format matrix --key."""

from __future__ import annotations

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import FormatError

h5py = pytest.importorskip("h5py")

T, N = 500, 10
KEY = "processing/brain_observatory_pipeline/DfOverF/imaging_plane_1/data"
DFF = np.random.default_rng(2).normal(0, 0.2, (T, N)).astype("f4")
NAMES = [f"{517472000 + 3 * i}" for i in range(N)]


def _allen_nwb1(path):
    """The NWB 1.0 layout of an Allen Visual Coding 2-photon file."""
    with h5py.File(path, "w") as h:
        h["nwb_version"] = np.bytes_("NWB-1.0.5")
        h["identifier"] = np.bytes_("501498760")
        h["session_start_time"] = np.bytes_("Thu Jan 28 2016")
        pbp = h.create_group("processing/brain_observatory_pipeline")
        g = pbp.create_group("DfOverF/imaging_plane_1")
        g.attrs["neurodata_type"] = b"TimeSeries"
        g.attrs["ancestry"] = np.array([b"TimeSeries", b"RoiResponseSeries"])
        g["data"] = DFF
        g["timestamps"] = 9.33 + np.arange(T) / 30.0
        g["roi_names"] = np.array([n.encode() for n in NAMES])
        pbp["DfOverF"].attrs["neurodata_type"] = b"Interface"
        pbp["ImageSegmentation/cell_specimen_ids"] = np.arange(517472000, 517472000 + N)
        f = pbp.create_group("Fluorescence/imaging_plane_1")
        f["data"] = 500 + np.random.default_rng(3).normal(0, 20, (T, N))
        f["timestamps"] = 9.33 + np.arange(T) / 30.0
        f["roi_names"] = np.array([f"other{i}".encode() for i in range(N)])
    return path


def test_nwb1_is_named_and_the_route_given(tmp_path):
    path = _allen_nwb1(tmp_path / "allen.nwb")
    with pytest.raises(FormatError, match=r"is an NWB 1\.x file \(nwb_version 'NWB-1\.0\.5'") as err:
        nd.load_nwb(path)
    assert f"--format matrix --key {KEY}" in err.value.hint
    assert "NWB 2.x file" not in err.value.hint


def test_nwb1_reads_as_a_matrix_with_its_times_and_roi_names(tmp_path):
    path = _allen_nwb1(tmp_path / "allen.nwb")
    ds = nd.load_matrix(path, key=KEY)
    assert ds.sizes == {"time": T, "neuron": N}
    np.testing.assert_array_equal(ds.traces.values, DFF)
    assert ds.neuron.values.tolist() == NAMES  # the DfOverF group's own roi_names
    assert ds.attrs["start_time_s"] == pytest.approx(9.33)
    assert ds.attrs["dt_s"] == pytest.approx(1 / 30)
    np.testing.assert_allclose(ds.time.values[:3], [0, 1 / 30, 2 / 30])


def test_cli_format_matrix_takes_an_nwb_file(tmp_path, capsys):
    path = _allen_nwb1(tmp_path / "allen.nwb")
    assert main(["data", "import", str(path), str(tmp_path / "x.zarr")]) == 2
    assert "NWB 1.x" in capsys.readouterr().err
    assert main(["data", "import", str(path), str(tmp_path / "x.zarr"), "--format", "matrix",
                 "--key", KEY]) == 0
    ds = nd.open_dataset(tmp_path / "x.zarr")
    assert ds.sizes == {"time": T, "neuron": N}
    assert ds.attrs["start_time_s"] == pytest.approx(9.33)
    assert ds.neuron.values.tolist() == NAMES


def test_timestamps_not_starting_at_zero_keep_their_start(tmp_path):
    np.savez(tmp_path / "t.npz", traces=DFF[:, :3], time=100.0 + np.arange(T) * 0.5)
    ds = nd.load_matrix(tmp_path / "t.npz")
    assert ds.attrs["start_time_s"] == pytest.approx(100.0)
    assert float(ds.time[0]) == 0.0
