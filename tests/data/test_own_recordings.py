"""A lab's own recordings differ from the built-in data: extra arrays beside the traces, odd
exports, scaled integers, dtypes that are not numbers.

Each test builds a small file the way a real acquisition or analysis program writes it and
checks that the loaders read it truthfully or refuse it with one clear error.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.errors import ConfigError, FormatError

X = np.cumsum(np.random.default_rng(0).normal(0, 0.05, (40, 3)), axis=0)


# ---------------------------------------------------------------------- containers

def test_timestamps_that_fit_the_traces_win_over_a_behaviour_cameras(tmp_path):
    """Flavell-lab files keep the confocal frame times beside the (much longer) NIR camera's;
    a stimulus's onset times are named like timestamps too. Only times fitting the traces are
    the frame times."""
    h5py = pytest.importorskip("h5py")
    t = np.arange(40) * 0.6
    with h5py.File(tmp_path / "worm.h5", "w") as f:
        f["gcamp/trace_array"] = X.T  # neuron × time
        f["gcamp/timestamp_confocal"] = t
        f["behavior/timestamp_nir"] = np.arange(800) * 0.03  # visited first (alphabetical)
    ds = nd.load_matrix(tmp_path / "worm.h5")
    assert ds.sizes == {"time": 40, "neuron": 3}
    np.testing.assert_allclose(ds["traces"].values, X, atol=1e-6)
    np.testing.assert_allclose(ds["time"].values, t)
    assert any("timestamp_nir" in n for n in ds.attrs["import_notes"])
    with h5py.File(tmp_path / "stim.h5", "w") as f:  # the timing is the rate; 'stim/times' is not
        f["dff"] = X
        f["fps"] = 2.0
        f["stim/times"] = [3.0, 10.0, 20.0, 30.0]
    ds = nd.load_matrix(tmp_path / "stim.h5")
    assert ds.attrs["dt_s"] == 0.5 and "stim/times" in ds.attrs["import_notes"][0]
    with h5py.File(tmp_path / "only.h5", "w") as f:  # no other timing: refused, naming the array
        f["dff"] = X
        f["stim/times"] = [3.0, 10.0, 20.0, 30.0]
    with pytest.raises(FormatError, match=r"4 timestamps \('times'\) for 40 frames"):
        nd.load_matrix(tmp_path / "only.h5")


def test_two_trace_arrays_of_the_same_name_in_different_groups_are_not_guessed(tmp_path):
    """'gcamp/trace_array' beside 'raw/trace_array': picking one silently (the last one found)
    could import raw F as ΔF/F. Refused, listing both for --key."""
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "two.h5", "w") as f:
        f["gcamp/trace_array"] = X
        f["raw/trace_array"] = X * 100 + 500
        f["fps"] = 2.0
    with pytest.raises(FormatError, match="2 of them named 'trace_array'") as err:
        nd.load_matrix(tmp_path / "two.h5")
    assert "gcamp/trace_array, raw/trace_array" in err.value.hint
    ds = nd.load_matrix(tmp_path / "two.h5", key="gcamp/trace_array")
    np.testing.assert_allclose(ds["traces"].values, X, atol=1e-6)


# ---------------------------------------------------------------------- text tables

@pytest.mark.parametrize("sep", [",", "\t", ";"])
@pytest.mark.parametrize("header", [True, False])
def test_a_separator_ending_every_row_is_not_a_dead_neuron(tmp_path, sep, header):
    """Excel and LabVIEW exports end each row with the separator: pandas reads an all-empty
    last column, which became a neuron of NaN (refused without --allow-nan, a dead channel
    with it)."""
    rows = "".join(sep.join(f"{v:.4f}" for v in row) + sep + "\n" for row in X)
    src = tmp_path / "rec.csv"
    src.write_text((sep.join(["AVAL", "AVAR", "RIM"]) + sep + "\n" if header else "") + rows)
    ds = nd.load_matrix(src, dt_s=0.5)
    assert ds.sizes == {"time": 40, "neuron": 3}
    np.testing.assert_allclose(ds["traces"].values, X, atol=1e-4)
    assert any("ends with" in n for n in ds.attrs["import_notes"])
    if header:
        assert list(ds["neuron"].values) == ["AVAL", "AVAR", "RIM"]
    # a last column holding 'nan' (a dead channel written out) stays a neuron
    src.write_text("".join(sep.join(f"{v:.4f}" for v in row) + sep + "nan\n" for row in X))
    assert nd.load_matrix(src, dt_s=0.5, allow_nan=True).sizes["neuron"] == 4


# ---------------------------------------------------------------------- NWB

def test_nwb_scaled_integers_are_converted_to_the_series_unit(tmp_path, write_nwb):
    """NWB keeps values as ``data * conversion + offset`` (int16 counts with conversion 1e-3
    are ΔF/F); the stored integers were imported unconverted, 1,000 times too large."""
    h5py = pytest.importorskip("h5py")
    counts = np.round(X * 1000).astype(np.int16)
    write_nwb(tmp_path / "s.nwb", counts, rate=2.0)
    with h5py.File(tmp_path / "s.nwb", "r+") as f:
        data = f["processing/ophys/DfOverF/series0/data"]
        data.attrs["conversion"], data.attrs["offset"] = 1e-3, 0.25
    ds = nd.load_nwb(tmp_path / "s.nwb")
    np.testing.assert_allclose(ds["traces"].values, counts * 1e-3 + 0.25, rtol=1e-6)


def test_nwb_frame_times_with_a_pause_or_a_repeat(tmp_path, write_nwb):
    """A pause in the timestamps is noted as for a matrix; a repeated timestamp is named."""
    x = np.cumsum(np.random.default_rng(1).normal(0, 0.05, (60, 3)), axis=0)
    t = np.r_[np.arange(30) * 0.5, 40.0 + np.arange(30) * 0.5]
    write_nwb(tmp_path / "p.nwb", x, timestamps=t)
    with pytest.warns(UserWarning, match=r"pause 1 time\(s\), the longest for 25\.5 s after frame 29"):
        ds = nd.load_nwb(tmp_path / "p.nwb")
    assert "pause" in ds.attrs["import_notes"][0]
    write_nwb(tmp_path / "ok.nwb", x, timestamps=np.arange(60) * 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "import_notes" not in nd.load_nwb(tmp_path / "ok.nwb").attrs
    t[10] = t[9]
    write_nwb(tmp_path / "r.nwb", x, timestamps=t)
    with pytest.raises(FormatError, match=r"timestamps of series ophys/DfOverF/series0 are not "
                                          r"increasing at row 11 \(4\.5 after 4\.5\)"):
        nd.load_nwb(tmp_path / "r.nwb")


# ---------------------------------------------------------------------- ZAPBench layout

@pytest.mark.parametrize("dtype", ["bool", "complex64", str])
def test_zapbench_array_that_is_not_numbers_is_refused(tmp_path, dtype):
    """A bool array was stored as 0/1 ΔF/F, a complex one lost its imaginary part silently and
    a string array ended in a traceback."""
    zarr = pytest.importorskip("zarr")
    zarr.create_array(tmp_path / "t.zarr", shape=(20, 3), dtype=dtype, chunks=(8, 3))
    with pytest.raises(FormatError, match="does not hold fluorescence values"):
        nd.load_zapbench(tmp_path / "t.zarr", condition_offsets=None, condition_names=None)


@pytest.mark.parametrize("dtype", ["float64", "float16", "int16"])
def test_zapbench_array_of_another_number_type_stays_lazy(tmp_path, dtype):
    """float64 (or int16 counts) was read whole into memory (4.5 GB for ZAPBench's size)."""
    zarr = pytest.importorskip("zarr")
    values = np.round(X * 1000) if dtype == "int16" else X
    arr = zarr.create_array(tmp_path / "t.zarr", shape=X.shape, dtype=dtype, chunks=(16, 3))
    arr[...] = values
    ds = nd.load_zapbench(tmp_path / "t.zarr", condition_offsets=None, condition_names=None)
    assert not ds["traces"]._in_memory and ds["traces"].dtype == np.float32
    np.testing.assert_allclose(ds["traces"].values, values.astype(dtype).astype(np.float32))


def test_an_all_nan_matrix_kept_with_allow_nan_gives_no_numpy_warning(tmp_path):
    """Only the refusal (or, with allow_nan, the store's NaN count) speaks: no 'All-NaN slice'."""
    np.save(tmp_path / "m.npy", np.full((20, 3), np.nan))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = nd.load_matrix(tmp_path / "m.npy", dt_s=0.5, allow_nan=True)
    assert np.isnan(ds["traces"].values).all()


def test_condition_offsets_after_resampling_are_explained(tmp_path):
    """--conditions counts the resampled frames: an error in recorded frames says so."""
    np.savez(tmp_path / "r.npz", dff=X, time=np.arange(40) * 0.5)
    with pytest.raises(FormatError, match="end at frame 40 but the traces have 79 frames") as err:
        nd.load_matrix(tmp_path / "r.npz", resample_s=0.25, condition_offsets=[0, 20, 40],
                       condition_names=["a", "b"])
    assert "79 frames after resampling (0.25 s apart)" in err.value.hint
    ds = nd.load_matrix(tmp_path / "r.npz", resample_s=0.25, condition_offsets=[0, 40, 79],
                        condition_names=["a", "b"])
    assert list(ds.attrs["conditions"]) == ["a", "b"]


def test_a_header_of_column_numbers_or_ids_is_not_the_first_frame(tmp_path):
    """``pd.DataFrame(x).to_csv(index=False)`` writes '0,1,2' above the rows; read as a frame
    it added a first frame of 0, 1, 2 (a jump of whole units of ΔF/F)."""
    import pandas as pd

    src = tmp_path / "rec.csv"
    pd.DataFrame(X).to_csv(src, index=False)
    ds = nd.load_matrix(src, dt_s=0.5)
    assert ds.sizes == {"time": 40, "neuron": 3} and list(ds["neuron"].values) == ["0", "1", "2"]
    np.testing.assert_allclose(ds["traces"].values, X, atol=1e-6)
    assert "header of column numbers" in ds.attrs["import_notes"][0]
    pd.DataFrame(X, columns=[101, 7, 12]).to_csv(src, index=False)  # ROI ids
    assert list(nd.load_matrix(src, dt_s=0.5)["neuron"].values) == ["101", "7", "12"]
    counts = np.round(np.abs(X) * 1000 + 300)
    pd.DataFrame(counts.astype(int)).to_csv(src, index=False)  # raw counts below 0,1,2
    assert nd.load_matrix(src, dt_s=0.5, trace_kind="fluorescence").sizes["time"] == 40
    # a headerless table whose first frame holds whole numbers keeps it
    np.savetxt(src, np.r_[[[0, 1, 0]], X], delimiter=",", fmt="%g")
    assert nd.load_matrix(src, dt_s=0.5).sizes["time"] == 41
    np.savetxt(src, np.round(counts), delimiter=",", fmt="%d")  # whole numbers throughout
    assert nd.load_matrix(src, dt_s=0.5, trace_kind="fluorescence").sizes["time"] == 40


def test_hdf5_timestamps_in_the_unit_their_attribute_declares(tmp_path):
    """A 'time' array with attribute units='ms' (200 Hz frames, 5 ms apart) was read as
    seconds: dt_s 5 s, 1,000 times too slow, without a word (5 s is below the ms doubt)."""
    h5py = pytest.importorskip("h5py")
    for unit, dt in [("ms", 0.005), (b"milliseconds", 0.005), ("seconds", 0.5), ("s", 0.5)]:
        with h5py.File(tmp_path / "u.h5", "w") as f:
            f["dff"] = X
            f.create_dataset("time", data=np.arange(40) * (5.0 if "m" in str(unit) else 0.5))
            f["time"].attrs["units"] = unit
        assert nd.load_matrix(tmp_path / "u.h5").attrs["dt_s"] == pytest.approx(dt)
    with h5py.File(tmp_path / "u.h5", "r+") as f:
        f["time"].attrs["units"] = "frames"
    with pytest.raises(FormatError, match=r"timestamps 'time' are in 'frames' \(their 'units' attribute\)"):
        nd.load_matrix(tmp_path / "u.h5")


@pytest.mark.parametrize(("rate", "said"), [(np.nan, "is nan"), ("thirty", "is 'thirty'")])
def test_a_frame_rate_that_is_not_a_number_is_named(tmp_path, rate, said):
    """fps = NaN (an unset field in the acquisition software) was reported as 'holds no
    timestamps or frame interval', though the file has one."""
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "r.h5", "w") as f:
        f["dff"] = X
        f.attrs["fps"] = rate
    with pytest.raises(FormatError, match=f"its frame rate 'fps' {said}, not a positive number"):
        nd.load_matrix(tmp_path / "r.h5")
    assert nd.load_matrix(tmp_path / "r.h5", dt_s=0.5).attrs["dt_s"] == 0.5


def test_a_text_column_or_a_units_row_gets_a_hint_that_says_so(tmp_path):
    """Lab exports carry a column of stimulus labels, or a second header row of units; the
    error named the cell but said only that matrices hold numbers."""
    src = tmp_path / "rec.csv"
    src.write_text("time,AVAL,stim\n" + "".join(f"{i * 0.5},{v:.4f},{'on' if i % 2 else 'off'}\n"
                                                for i, v in enumerate(X[:, 0])))
    with pytest.raises(FormatError, match=r"column 3 \('stim'\) holds 'off' in row 1") as err:
        nd.load_matrix(src)
    assert "df.drop(columns=['stim'])" in err.value.hint and "--conditions" in err.value.hint
    src.write_text("time,AVAL,AVAR\ns,dF/F,dF/F\n" + "".join(f"{i * 0.5},{a:.4f},{b:.4f}\n"
                                                            for i, (a, b, _) in enumerate(X)))
    with pytest.raises(FormatError, match=r"column 1 \('time'\) holds 's' in row 1") as err:
        nd.load_matrix(src)
    assert "second header row (units" in err.value.hint


def test_timestamps_rounded_too_coarsely_are_not_taken_for_repeated_frames(tmp_path):
    """A time column written with '%.1f' at 15 Hz repeats times in rows that are distinct
    frames. It was refused even with --dt-s, with the advice to drop the repeated rows (real
    frames); now the error says why and --dt-s replaces the times."""
    src = tmp_path / "r.csv"
    t = np.arange(40) / 15
    src.write_text("time,a,b,c\n" + "".join(f"{t[i]:.1f}," + ",".join(f"{v:.4f}" for v in X[i]) + "\n"
                                            for i in range(40)))
    with pytest.raises(FormatError, match=r"repeat a time in 13 rows \(first at row 3: 0\.1 after "
                                          r"0\.1\) whose values differ: they look rounded") as err:
        nd.load_matrix(src)
    assert "--dt-s" in err.value.hint and "do not drop" in err.value.hint
    ds = nd.load_matrix(src, dt_s=1 / 15)
    assert ds.sizes == {"time": 40, "neuron": 3} and "rounded" in ds.attrs["import_notes"][0]
    np.testing.assert_allclose(ds["traces"].values, X, atol=1e-4)
    # a row written twice is still a repeated frame, refused with or without --dt-s
    src.write_text("time,a\n0,0.1\n0.5,0.2\n0.5,0.2\n1.0,0.3\n1.0,0.3\n1.5,0.1\n")
    for dt in (None, 0.5):
        with pytest.raises(FormatError, match=r"not increasing at row 3 \(0\.5 after 0\.5\)"):
            nd.load_matrix(src, dt_s=dt)


def test_zarr_v2_dimension_names_are_checked_like_v3s(tmp_path):
    """xarray writes a zarr v2 array's dimensions as the attribute _ARRAY_DIMENSIONS; a
    (neuron, time) array was read as (time, neuron) without a word (v3 was refused)."""
    zarr = pytest.importorskip("zarr")
    for dims, shape in [(["neuron", "time"], X.T.shape), (["time", "neuron"], X.shape)]:
        arr = zarr.create_array(tmp_path / "t.zarr", shape=shape, dtype="float32", chunks=shape,
                                zarr_format=2, overwrite=True,
                                attributes={"_ARRAY_DIMENSIONS": dims})
        arr[...] = X.T if dims[0] == "neuron" else X
        load = lambda: nd.load_zapbench(tmp_path / "t.zarr", condition_offsets=None,  # noqa: E731
                                        condition_names=None)
        if dims[0] == "neuron":
            with pytest.raises(FormatError, match=r"dimension names \('neuron', 'time'\)") as err:
                load()
            assert "--transpose" in err.value.hint
        else:
            assert load().sizes == {"time": 40, "neuron": 3}


def test_a_table_of_timestamps_only_says_so(tmp_path):
    """Only a time column: the error suggested --transpose (neuron × time), which is wrong."""
    src = tmp_path / "t.csv"
    src.write_text("time\n" + "".join(f"{i * 0.5}\n" for i in range(10)))
    with pytest.raises(FormatError, match=r"10 frame\(s\) × 0 neurons: no column is left") as err:
        nd.load_matrix(src)
    assert "--transpose" not in err.value.hint and "'time' holds the frame timestamps" in err.value.hint


def test_caiman_hdf5_dff_and_frame_rate_are_found(tmp_path):
    """CaImAn keeps estimates/F_dff beside C, S, YrA and the background estimates/f, and the
    frame rate as params/data/fr: the background f (1 × T) was picked as the traces by its
    name 'f', and the rate was not found."""
    h5py = pytest.importorskip("h5py")
    rng = np.random.default_rng(0)
    with h5py.File(tmp_path / "cm.hdf5", "w") as f:
        for name in ("C", "S", "YrA"):
            f[f"estimates/{name}"] = rng.random((3, 40))
        f["estimates/F_dff"] = X.T
        f["estimates/f"] = rng.random((1, 40))
        f["estimates/b"] = rng.random((256, 1))
        f["params/data/fr"] = 15.0
    # CaImAn's estimates are (neuron, time): read so, with a note (the same with --transpose)
    for ds in (nd.load_matrix(tmp_path / "cm.hdf5"), nd.load_matrix(tmp_path / "cm.hdf5", transpose=True)):
        assert ds.attrs["source"].endswith("#estimates/F_dff")
        assert ds.attrs["dt_s"] == pytest.approx(1 / 15)
        np.testing.assert_allclose(ds["traces"].values, X, atol=1e-6)
    assert any("CaImAn" in n for n in nd.load_matrix(tmp_path / "cm.hdf5").attrs["import_notes"])


def test_hdf5_arrays_of_more_than_two_dimensions_are_not_read(tmp_path):
    """An imaging movie saved beside the traces (gigabytes) was read into memory whole."""
    h5py = pytest.importorskip("h5py")
    from neurocast.data._container_files import Unread, read_hdf5

    with h5py.File(tmp_path / "m.h5", "w") as f:
        f["dff"] = X
        f["fps"] = 2.0
        f.create_dataset("movie", shape=(40, 64, 64), dtype="uint16")
    arrays, _ = read_hdf5(tmp_path / "m.h5", "m.h5")
    assert arrays["movie"] == Unread((40, 64, 64), np.dtype("uint16"))
    assert nd.load_matrix(tmp_path / "m.h5").sizes == {"time": 40, "neuron": 3}
    with pytest.raises(FormatError, match=r"array 'movie' has shape \(40, 64, 64\)"):
        nd.load_matrix(tmp_path / "m.h5", key="movie")


def test_key_given_for_a_text_table_is_refused_not_ignored(tmp_path):
    """--key on a CSV was ignored, yet written into the dataset's source ('rec.csv#dff')."""
    src = tmp_path / "rec.csv"
    np.savetxt(src, X, delimiter=",")
    with pytest.raises(ConfigError, match="holds one table: there is no array 'dff' to pick"):
        nd.load_matrix(src, dt_s=0.5, key="dff")
    assert nd.load_matrix(src, dt_s=0.5).attrs["source"].endswith("rec.csv")


def test_times_that_restart_every_trial_are_not_called_unsorted(tmp_path):
    """Trials concatenated with trial-relative times (0..9.5, 0..9.5, ...): the advice was to
    sort the frames by time, which would interleave the trials."""
    t = np.tile(np.arange(20) * 0.5, 2)
    np.savez(tmp_path / "trials.npz", dff=X, time=t)
    with pytest.raises(FormatError, match=r"row 21: they start again \(0 after 9\.5\)") as err:
        nd.load_matrix(tmp_path / "trials.npz")
    assert "interleave" in err.value.hint and "sort the frames" not in err.value.hint
    t[5], t[6] = t[6], t[5]  # two frames out of order: that is what sorting fixes
    np.savez(tmp_path / "swapped.npz", dff=X, time=t[:40])
    with pytest.raises(FormatError, match=r"not increasing at row 7 \(2\.5 after 3\)") as err:
        nd.load_matrix(tmp_path / "swapped.npz")
    assert "sort the frames" in err.value.hint


def test_a_stimulus_or_behaviour_column_is_pointed_out(tmp_path):
    """A numeric 'stim' (0/1) or 'Velocity (mm/s)' column beside the neurons was silently
    imported, forecast and scored as a neuron; it stays one (a neuron may be named anything)
    but the import says so."""
    src = tmp_path / "rec.csv"
    src.write_text("time,stim,AVAL,Velocity (mm/s)\n" + "".join(
        f"{i * 0.5},{i % 2},{X[i, 0]:.4f},{X[i, 1]:.4f}\n" for i in range(40)))
    ds = nd.load_matrix(src)
    assert list(ds["neuron"].values) == ["stim", "AVAL", "Velocity (mm/s)"]
    note = next(n for n in ds.attrs["import_notes"] if "stimulus or behaviour" in n)
    assert "'stim', 'Velocity (mm/s)'" in note and "AVAL" not in note
    src.write_text("time,AVAL,AWC_odor\n" + "".join(f"{i * 0.5},{X[i, 0]:.4f},{X[i, 1]:.4f}\n"
                                                    for i in range(40)))
    assert not any("behaviour" in n for n in nd.load_matrix(src).attrs["import_notes"])


@pytest.mark.parametrize("fmt", ["csv", ".npy", "HDF5"])
def test_a_file_suffix_given_as_the_format_points_to_matrix(tmp_path, fmt):
    with pytest.raises(ConfigError, match="format 'matrix'") as exc:
        nd.load_recording(tmp_path / "x.csv", fmt)
    assert "--format matrix" in exc.value.hint


def test_the_format_follows_from_the_name(tmp_path):
    """``data import`` without --format: .nwb, matrix suffixes and zarr folders are known;
    anything else asks for --format, and a missing path says so."""
    import zarr

    for name, fmt in (("r.nwb", "nwb"), ("r.CSV", "matrix"), ("r.npy", "matrix"), ("r.hdf5", "matrix")):
        (tmp_path / name).write_bytes(b"")
        assert nd.recording_format(tmp_path / name) == fmt
    zarr.create_array(tmp_path / "traces", shape=(4, 2), dtype="f4")
    assert nd.recording_format(tmp_path / "traces") == "zapbench"
    (tmp_path / "r.dat").write_bytes(b"")
    (tmp_path / "plain").mkdir()
    for what in ("r.dat", "plain"):
        with pytest.raises(ConfigError, match="cannot tell the recording format") as exc:
            nd.recording_format(tmp_path / what)
        assert "--format" in exc.value.hint
    with pytest.raises(FormatError, match="not found"):
        nd.recording_format(tmp_path / "missing.csv")
