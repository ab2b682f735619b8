"""Minian's output: xarray Datasets saved as zarr v2 stores, dims (unit_id, frame)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import ConfigError, FormatError

T, N = 150, 5
UNITS = np.arange(N) * 3
C = np.abs(np.random.default_rng(8).normal(0, 1, (N, T))).astype("f4")


def _var(values, name):
    return xr.DataArray(values, dims=("unit_id", "frame"), name=name,
                        coords={"unit_id": UNITS, "frame": np.arange(T)})


def _minian_folder(path):
    """minian/C.zarr, S.zarr, A.zarr as Minian's save_minian writes them (one variable each)."""
    _var(C, "C").to_dataset().to_zarr(path / "C.zarr", zarr_format=2, consolidated=True)
    _var(C * 0.1, "S").to_dataset().to_zarr(path / "S.zarr", zarr_format=2, consolidated=True)
    xr.DataArray(np.zeros((N, 8, 8), "f4"), dims=("unit_id", "height", "width"), name="A",
                 coords={"unit_id": UNITS}).to_dataset().to_zarr(path / "A.zarr", zarr_format=2,
                                                                 consolidated=True)
    return path


def _one_store(path):
    xr.Dataset({"C": _var(C, "C"), "S": _var(C * 0.1, "S"), "YrA": _var(C * 0.5, "YrA")}).to_zarr(
        path, zarr_format=2, consolidated=True)
    return path


@pytest.mark.parametrize("build", [_minian_folder, _one_store])
def test_minian_c_is_read_time_by_neuron_named_by_unit_id(tmp_path, build):
    path = build(tmp_path / "minian")
    ds = nd.load_matrix(path, dt_s=0.05)
    assert ds.sizes == {"time": T, "neuron": N}
    assert ds.neuron.values.tolist() == [str(u) for u in UNITS]
    np.testing.assert_array_equal(ds.traces.values, C.T)
    assert ds.attrs["trace_kind"] == "fluorescence"
    assert ds.attrs["source"].endswith("#C")
    ds = nd.load_matrix(path, dt_s=0.05, key="S")
    np.testing.assert_allclose(ds.traces.values, C.T * 0.1)


def test_minian_needs_the_frame_interval(tmp_path):
    with pytest.raises(FormatError, match="no timestamps or frame interval") as err:
        nd.load_matrix(_minian_folder(tmp_path / "minian"))
    assert "--dt-s" in err.value.hint and "Minian" in err.value.hint
    with pytest.raises(ConfigError, match="--transpose is not taken"):
        nd.load_matrix(tmp_path / "minian", dt_s=0.05, transpose=True)


def test_a_time_coordinate_gives_the_timestamps(tmp_path):
    t = 2.0 + np.arange(T) * 0.1
    xr.DataArray(C.T, dims=("time", "neuron"), coords={"time": t, "neuron": list("abcde")},
                 name="dff").to_dataset().to_zarr(tmp_path / "x.zarr", zarr_format=2)
    ds = nd.load_matrix(tmp_path / "x.zarr")
    assert ds.attrs["dt_s"] == pytest.approx(0.1) and ds.attrs["start_time_s"] == pytest.approx(2)
    assert ds.neuron.values.tolist() == list("abcde")
    assert "trace_kind" not in ds.attrs


def test_zapbench_points_a_minian_store_to_format_matrix(tmp_path, capsys):
    path = _one_store(tmp_path / "minian_all.zarr")
    with pytest.raises(FormatError, match=r"\('unit_id', 'frame'\), not ZAPBench's") as err:
        nd.load_zapbench(path)
    assert "--format matrix" in err.value.hint and "--dt-s" in err.value.hint
    assert nd.recording_format(path) == "matrix"  # told from its dimension names
    assert nd.recording_format(_minian_folder(tmp_path / "minian")) == "matrix"
    out = tmp_path / "m.zarr"
    assert main(["data", "import", str(path), str(out)]) == 2  # Minian saves no frame rate
    assert "--dt-s" in capsys.readouterr().err and not out.exists()
    assert main(["data", "import", str(path), str(out), "--dt-s", "0.05"]) == 0
    assert nd.open_dataset(out).sizes == {"time": T, "neuron": N}
    assert nd.recording_format(out) == "zapbench"  # a neurocast store (time, neuron) is not Minian's


def test_zapbench_layout_is_unchanged(tmp_path):
    zarr = pytest.importorskip("zarr")
    arr = zarr.open_array(tmp_path / "traces", mode="w", shape=(40, 3), dtype="f4",
                          zarr_format=2)
    arr[:] = C[:3, :40].T
    arr.attrs["_ARRAY_DIMENSIONS"] = ["t", "f"]
    ds = nd.load_zapbench(tmp_path / "traces", condition_offsets=None, condition_names=None)
    assert ds.sizes == {"time": 40, "neuron": 3}
    np.testing.assert_array_equal(ds.traces.values, C[:3, :40].T)
