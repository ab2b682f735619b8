"""Real-data loaders: ZAPBench zarr layout, NWB (pynwb), plain matrices."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import ConfigError, FormatError, NonFiniteError, UnknownNameError


def test_zapbench_constants():
    assert nd.ZAPBENCH.offsets[-1] == 7879 and len(nd.ZAPBENCH.names) == 9
    lengths = np.diff(nd.ZAPBENCH.offsets)
    assert lengths.tolist() == [649, 1773, 656, 657, 1312, 591, 985, 656, 600]


def test_zapbench_layout_lazy(tmp_path, zapbench_like):
    data = zapbench_like(tmp_path / "traces", n_time=40)
    offsets = [0, 10, 25, 40]
    ds = nd.load_zapbench(tmp_path / "traces", condition_offsets=offsets,
                          condition_names=["gain", "taxis", "dark"])
    assert not isinstance(ds.traces.variable._data, np.ndarray)  # lazy
    np.testing.assert_array_equal(ds.traces.values, data)
    assert ds.attrs["dt_s"] == pytest.approx(0.9141)
    assert ds.attrs["conditions"] == ["gain", "taxis", "dark"]
    assert ds.attrs["heldout_conditions"] == ["taxis"]
    assert ds.neuron.values.tolist() == ["0", "1", "2", "3", "4", "5"]
    assert (ds.condition.values[10:25] == "taxis").all()
    # saved and reopened it is the same data, chunked for windows
    path = nd.save_dataset(ds, tmp_path / "zap.zarr")
    np.testing.assert_array_equal(nd.open_dataset(path).traces.values, data)


def test_zapbench_without_dimension_names_and_v2_covariates(tmp_path, zapbench_like):
    """TensorStore-written arrays may carry the t/f labels only in the spec, not in zarr.json."""
    data = zapbench_like(tmp_path / "traces", n_time=30, dims=None)
    cov = np.random.default_rng(3).random((30, 4)).astype(np.float32)
    arr = zarr.create_array(store=tmp_path / "stimuli_features", shape=cov.shape, dtype="float32",
                            chunks=cov.shape, zarr_format=2)  # ZAPBench's covariates are zarr v2
    arr[...] = cov
    ds = nd.load_zapbench(tmp_path / "traces", condition_offsets=None, condition_names=None,
                          covariates=tmp_path / "stimuli_features",
                          covariate_names=["gain", "dots", "flash", "dark"])
    np.testing.assert_array_equal(ds.traces.values, data)
    np.testing.assert_array_equal(ds.stimulus.values, cov)
    assert ds.covariate.values.tolist() == ["gain", "dots", "flash", "dark"]
    short = zarr.create_array(store=tmp_path / "short", shape=(29, 4), dtype="float32", zarr_format=2)
    short[...] = cov[:29]
    with pytest.raises(FormatError, match=r"covariates have shape \(29, 4\), traces 30 frames"):
        nd.load_zapbench(tmp_path / "traces", condition_offsets=None, condition_names=None,
                         covariates=tmp_path / "short")


def test_zapbench_default_conditions_need_7879_frames(tmp_path, zapbench_like):
    zapbench_like(tmp_path / "traces", n_time=40)
    with pytest.raises(FormatError, match="end at frame 7879 but the traces have 40 frames"):
        nd.load_zapbench(tmp_path / "traces")
    ds = nd.load_zapbench(tmp_path / "traces", condition_offsets=None, condition_names=None)
    assert ds.attrs["conditions"] == ["all"] and ds.attrs["heldout_conditions"] == []


def test_zapbench_bad_layouts(tmp_path, zapbench_like):
    zapbench_like(tmp_path / "swapped", dims=("f", "t"))
    with pytest.raises(FormatError, match="dimension names"):
        nd.load_zapbench(tmp_path / "swapped", condition_offsets=None, condition_names=None)
    with pytest.raises(FormatError, match="missing' not found"):
        nd.load_zapbench(tmp_path / "missing")
    zapbench_like(tmp_path / "nan", nan_at=(30, 4))
    with pytest.raises(NonFiniteError, match="first at frame 30, neuron 4"):
        nd.load_zapbench(tmp_path / "nan", condition_offsets=None, condition_names=None)
    ds = nd.load_zapbench(tmp_path / "nan", condition_offsets=None, condition_names=None, allow_nan=True)
    assert np.isnan(ds.traces.values[30, 4])


def test_nwb_with_rate(tmp_path, write_nwb):
    data = np.random.default_rng(0).random((50, 4)).astype(np.float32)
    write_nwb(tmp_path / "a.nwb", data, rate=2.0)
    ds = nd.load_nwb(tmp_path / "a.nwb")
    np.testing.assert_array_equal(ds.traces.values, data)
    assert ds.attrs["dt_s"] == 0.5 and ds.attrs["indicator"] == "GCaMP6s"
    assert ds.attrs["trace_kind"] == "dff"
    assert ds.neuron.values.tolist() == ["roi0", "roi1", "roi2", "roi3"]
    assert ds.attrs["source"].endswith("#ophys/DfOverF/series0")


def test_nwb_with_timestamps_and_fluorescence(tmp_path, write_nwb):
    data = np.random.default_rng(1).random((30, 3))
    stamps = 100.0 + np.arange(30) * 0.25
    write_nwb(tmp_path / "b.nwb", data, timestamps=stamps, container="Fluorescence")
    ds = nd.load_nwb(tmp_path / "b.nwb", condition_offsets=[0, 10, 30], condition_names=["a", "b"])
    assert ds.attrs["dt_s"] == pytest.approx(0.25)
    assert ds.attrs["start_time_s"] == pytest.approx(100.0)
    np.testing.assert_allclose(ds.time.values, np.arange(30) * 0.25)
    assert ds.attrs["trace_kind"] == "fluorescence" and ds.attrs["conditions"] == ["a", "b"]


def test_nwb_uneven_frames_resampled_on_import(tmp_path, write_nwb, capsys):
    """data info suggests --resample for uneven frame times: the NWB loader takes it too."""
    stamps = np.cumsum(np.r_[0.0, np.full(19, 0.5), 3.0, np.full(19, 0.5)])  # a 3 s pause
    data = np.tile(stamps[:, None], (1, 2)) * [1.0, -1.0]  # linear in time: exact interpolation
    write_nwb(tmp_path / "gap.nwb", data, timestamps=stamps)
    with pytest.raises(NonFiniteError, match="fall inside 1 pause"):
        nd.load_nwb(tmp_path / "gap.nwb", resample_s=0.5)
    ds = nd.load_nwb(tmp_path / "gap.nwb", resample_s=0.5, allow_nan=True)
    assert ds.sizes["time"] == 45 and ds.attrs["dt_s"] == 0.5 and ds.attrs["resampled_s"] == 0.5
    inside = np.isnan(ds.traces.values[:, 0])
    assert inside.sum() == 5 and inside[20:25].all()  # grid 10.0-12.0 s: in the 9.5-12.5 s pause
    np.testing.assert_allclose(ds.traces.values[~inside, 0], ds.time.values[~inside])
    out = tmp_path / "gap.zarr"
    assert main(["data", "import", str(tmp_path / "gap.nwb"), str(out), "--resample", "0.5",
                 "--allow-nan"]) == 0, capsys.readouterr().err
    assert nd.open_dataset(out, allow_nan=True).attrs["resampled_s"] == 0.5


def test_nwb_errors(tmp_path, write_nwb):
    data = np.zeros((20, 2), dtype=np.float32)
    write_nwb(tmp_path / "two.nwb", data, rate=1.0, n_series=2)
    with pytest.raises(FormatError, match="holds 2 RoiResponseSeries") as err:
        nd.load_nwb(tmp_path / "two.nwb")
    assert "ophys/DfOverF/series1" in err.value.hint
    assert nd.load_nwb(tmp_path / "two.nwb", series="series1").sizes["time"] == 20
    write_nwb(tmp_path / "ts.nwb", data, timestamps=np.arange(20.0))
    import h5py
    with h5py.File(tmp_path / "ts.nwb", "a") as f:  # pynwb refuses to write this: corrupt it after
        group = f["processing/ophys/DfOverF/series0"]
        attrs = dict(group["timestamps"].attrs)
        del group["timestamps"]
        group["timestamps"] = np.arange(19.0)
        group["timestamps"].attrs.update(attrs)
    with pytest.warns(UserWarning, match="timestamps"), pytest.raises(FormatError, match="19 timestamps for 20 frames"):
        nd.load_nwb(tmp_path / "ts.nwb")
    (tmp_path / "junk.nwb").write_bytes(b"not hdf5")
    with pytest.raises(FormatError, match="cannot be read as NWB"):
        nd.load_nwb(tmp_path / "junk.nwb")


def test_matrix_npy_csv_h5(tmp_path):
    rng = np.random.default_rng(2)
    data = rng.random((25, 3)).astype(np.float32)
    np.save(tmp_path / "m.npy", data)
    ds = nd.load_matrix(tmp_path / "m.npy", dt_s=0.2)
    np.testing.assert_array_equal(ds.traces.values, data)
    np.save(tmp_path / "t.npy", data.T)
    np.testing.assert_array_equal(nd.load_matrix(tmp_path / "t.npy", dt_s=0.2, transpose=True).traces.values, data)

    header = "AVAL,AVAR,ASHL"
    np.savetxt(tmp_path / "m.csv", data, delimiter=",", header=header, comments="")
    ds = nd.load_matrix(tmp_path / "m.csv", dt_s=0.2)
    assert ds.neuron.values.tolist() == ["AVAL", "AVAR", "ASHL"]
    np.testing.assert_allclose(ds.traces.values, data, rtol=1e-6)
    np.savetxt(tmp_path / "plain.csv", data, delimiter=",")
    (tmp_path / "names.txt").write_text("a\nb\nc\n")
    ds = nd.load_matrix(tmp_path / "plain.csv", dt_s=0.2, neuron_names=tmp_path / "names.txt")
    assert ds.neuron.values.tolist() == ["a", "b", "c"]

    import h5py
    with h5py.File(tmp_path / "m.h5", "w") as f:
        f["rec/a"] = data
        f["rec/other"] = data[:, :2]
    with pytest.raises(FormatError, match="holds 2 2-D arrays"):
        nd.load_matrix(tmp_path / "m.h5", dt_s=0.2)
    ds = nd.load_matrix(tmp_path / "m.h5", dt_s=0.2, key="rec/a")
    np.testing.assert_array_equal(ds.traces.values, data)
    np.save(tmp_path / "plain.npy", data)  # one array: a key picks nothing, so it is refused
    with pytest.raises(ConfigError, match="holds one plain array: there is no array 'rec/a'"):
        nd.load_matrix(tmp_path / "plain.npy", dt_s=0.2, key="rec/a")
    with h5py.File(tmp_path / "named.h5", "w") as f:  # a conventional name picks the traces
        f["rec/dff"] = data
        f["rec/other"] = data[:, :2]
    np.testing.assert_array_equal(nd.load_matrix(tmp_path / "named.h5", dt_s=0.2).traces.values, data)


def test_matrix_errors(tmp_path):
    data = np.zeros((10, 3))
    np.save(tmp_path / "m.npy", data)
    with pytest.raises(FormatError, match="2 neuron names for 3 trace columns"):
        nd.load_matrix(tmp_path / "m.npy", dt_s=1.0, neuron_names=["a", "b"])
    (tmp_path / "m.xyz").write_text("1")
    with pytest.raises(FormatError, match="unknown suffix"):
        nd.load_matrix(tmp_path / "m.xyz", dt_s=1.0)
    data[4, 1] = np.inf
    np.save(tmp_path / "inf.npy", data)
    with pytest.raises(NonFiniteError):
        nd.load_matrix(tmp_path / "inf.npy", dt_s=1.0)
    (tmp_path / "bad.csv").write_text("a,b\n1,x\n2,3\n")
    with pytest.raises(FormatError, match=r"column 2 \('b'\) holds 'x' in row 1"):
        nd.load_matrix(tmp_path / "bad.csv", dt_s=1.0)
    # a short junk .mat: scipy's header check itself fails (IndexError), found by the fuzz test
    (tmp_path / "junk.mat").write_bytes(b"\x01" * 4 + b"\x00" * 29)
    with pytest.raises(FormatError, match="not a readable MATLAB file"):
        nd.load_matrix(tmp_path / "junk.mat", dt_s=1.0)


@pytest.mark.parametrize("delimiter, suffix", [(" ", ".txt"), ("\t", ".tsv"), (";", ".csv")])
def test_matrix_text_delimiters(tmp_path, delimiter, suffix):
    data = np.random.default_rng(3).random((15, 4)).astype(np.float32)
    file = tmp_path / f"m{suffix}"
    np.savetxt(file, data, delimiter=delimiter, fmt="%.6f")
    ds = nd.load_matrix(file, dt_s=0.1)
    assert ds.sizes == {"time": 15, "neuron": 4}
    np.testing.assert_allclose(ds.traces.values, data, atol=1e-6)
    named = tmp_path / f"named{suffix}"
    np.savetxt(named, data, delimiter=delimiter, fmt="%.6f", header=delimiter.join("abcd"), comments="")
    assert nd.load_matrix(named, dt_s=0.1).neuron.values.tolist() == ["a", "b", "c", "d"]


def test_zapbench_explicit_heldout_must_exist(tmp_path, zapbench_like):
    zapbench_like(tmp_path / "traces", n_time=20)
    kw = {"condition_offsets": [0, 10, 20], "condition_names": ["gain", "dark"]}
    assert nd.load_zapbench(tmp_path / "traces", **kw).attrs["heldout_conditions"] == []
    assert nd.load_zapbench(tmp_path / "traces", heldout_conditions=["dark"], **kw).attrs[
        "heldout_conditions"] == ["dark"]
    with pytest.raises(FormatError, match=r"held-out condition\(s\) \['taxis'\]"):
        nd.load_zapbench(tmp_path / "traces", heldout_conditions=["taxis"], **kw)


def test_matrix_trace_kind_is_declared_or_raw_fluorescence_is_noted(tmp_path):
    import warnings

    raw = (1000.0 + 50.0 * np.random.default_rng(0).standard_normal((40, 3))).astype(np.float32)
    np.save(tmp_path / "raw.npy", raw)
    with pytest.warns(UserWarning, match="looks like raw fluorescence") as caught:
        ds = nd.load_matrix(tmp_path / "raw.npy", dt_s=0.5)
    assert "--trace-kind fluorescence" in str(caught[0].message)
    assert "trace_kind" not in ds.attrs
    np.testing.assert_array_equal(ds.traces.values, raw)  # kept as it is
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for kind in ("fluorescence", "dff"):  # declared: stored, no warning
            ds = nd.load_matrix(tmp_path / "raw.npy", dt_s=0.5, trace_kind=kind)
            assert ds.attrs["trace_kind"] == kind
        np.save(tmp_path / "dff.npy", raw / 1000.0 - 1.0)  # ΔF/F-like: no warning
        nd.load_matrix(tmp_path / "dff.npy", dt_s=0.5)
    with pytest.raises(UnknownNameError, match="unknown trace kind 'raw'") as err:
        nd.load_matrix(tmp_path / "raw.npy", dt_s=0.5, trace_kind="raw")
    assert err.value.hint == "known: dff, fluorescence"


def test_import_of_nan_first_offers_allow_nan(tmp_path):
    data = np.zeros((10, 3))
    data[2, 2] = np.nan
    np.save(tmp_path / "nan.npy", data)
    with pytest.raises(NonFiniteError) as err:
        nd.load_matrix(tmp_path / "nan.npy", dt_s=1.0)
    assert err.value.hint.startswith("keep them as gaps with --allow-nan")
    path = nd.save_dataset(nd.load_matrix(tmp_path / "nan.npy", dt_s=1.0, allow_nan=True),
                           tmp_path / "n.zarr", allow_nan=True)
    with pytest.raises(NonFiniteError) as err:  # a stored dataset: what its users can do
        nd.open_dataset(path)
    assert err.value.hint.startswith("benchmark it with neurocast bench DATASET --nan skip-windows")
