"""Matrix imports found wrong in review: a sidecar holding long lists of metadata, a file's
placeholder rate beside its real one, a small JSON recording beside an .npy, a very long
line at a text table's end, time columns, and the orientation guess."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.data._text_tables import _LastLine
from neurocast.errors import FormatError

RNG = np.random.default_rng(11)
X = RNG.normal(0, 0.2, (60, 4))


def _csv(path, x=X, header="a,b,c,d"):
    np.savetxt(path, x, delimiter=",", header=header, comments="")
    return path


def _json(path, doc):
    path.write_text(json.dumps(doc))
    return path


# ------------------------------------------------------- 1. sidecars holding long metadata lists

@pytest.mark.parametrize("extra", [
    {"roi_ids": list(range(1200))},
    {"positions": RNG.uniform(size=(400, 3)).round(3).tolist()},
    {"SliceTiming": list(np.linspace(0, 0.09, 1001))},
])
def test_a_sidecar_with_long_metadata_lists_is_read(tmp_path, extra):
    data = _csv(tmp_path / "rec.csv")
    _json(tmp_path / "rec.json", {"SamplingFrequency": 10.0, **extra})
    ds = nd.load_matrix(data)
    assert ds.attrs["dt_s"] == pytest.approx(0.1)


def test_a_json_holding_data_is_named_when_no_timing_is_found(tmp_path, capsys):
    data = _csv(tmp_path / "rec.csv")
    _json(tmp_path / "rec.json", {"trace_array": X.T.tolist(), "avg_timestep": 0.01})
    with pytest.raises(FormatError, match=r"holds no timestamps or frame interval; 'rec.json' "
                       r"beside it was not read as a sidecar: it holds data arrays"):
        nd.load_matrix(data)
    out = tmp_path / "out.zarr"
    assert main(["data", "import", str(data), str(out)]) == 2
    assert not out.exists()
    assert "rec.json" in capsys.readouterr().err


def test_a_sidecar_without_timing_is_named_in_the_refusal(tmp_path):
    data = _csv(tmp_path / "rec.csv")
    _json(tmp_path / "rec.json", {"RepetitionTime": 0.1, "TaskName": "rest"})
    with pytest.raises(FormatError, match=r"nor does its sidecar '.*rec.json'"):
        nd.load_matrix(data)


def test_a_file_with_an_unusable_rate_names_a_json_passed_over(tmp_path):
    np.savez(tmp_path / "rec.npz", traces=X, fps=0.0)
    _json(tmp_path / "rec.json", {"traces": X.tolist(), "fps": 5.0})
    with pytest.raises(FormatError, match=r"'fps' is 0.*'rec.json' beside it was not read"):
        nd.load_matrix(tmp_path / "rec.npz")


# ------------------------------------------------ 3. a small JSON recording beside an .npy of it

def test_a_small_json_recording_beside_an_npy_is_imported(tmp_path):
    small = X[:40]
    np.save(tmp_path / "toy.npy", small)
    _json(tmp_path / "toy.json", {"traces": small.tolist(), "fps": 5.0,
                                  "neuron_names": list("abcd")})
    ds = nd.load_matrix(tmp_path / "toy.json")
    assert ds.attrs["dt_s"] == pytest.approx(0.2) and list(ds.neuron.values) == list("abcd")
    ds = nd.load_matrix(tmp_path / "toy.npy", dt_s=0.2)  # its JSON is data, not its sidecar
    assert "is not a sidecar (it holds data arrays: 'traces')" in " ".join(
        ds.attrs["import_notes"])


# ------------------------------------------------- 2. a placeholder rate beside the real one

def test_a_files_usable_rate_comes_before_its_sidecar(tmp_path):
    np.savez(tmp_path / "rec.npz", traces=X, fps=0.0, frame_rate=10.0)
    ds = nd.load_matrix(tmp_path / "rec.npz")
    assert ds.attrs["dt_s"] == pytest.approx(0.1)
    assert "'fps' = 0 (not a positive number)" in " ".join(ds.attrs["import_notes"])
    _json(tmp_path / "rec.json", {"SamplingFrequency": 30.0})  # another session's rate
    with pytest.raises(FormatError, match=r"'frame_rate' = 10 Hz .* disagrees with "
                       r"'SamplingFrequency' = 30 Hz"):
        nd.load_matrix(tmp_path / "rec.npz")


def test_a_zero_interval_gives_way_to_the_files_own_rate(tmp_path):
    np.savez(tmp_path / "rec.npz", traces=X, dt=0.0, fps=4.0)
    _json(tmp_path / "rec.json", {"SamplingFrequency": 30.0})
    with pytest.raises(FormatError, match=r"'fps' = 4 Hz .* disagrees"):
        nd.load_matrix(tmp_path / "rec.npz")
    (tmp_path / "rec.json").unlink()
    ds = nd.load_matrix(tmp_path / "rec.npz")
    assert ds.attrs["dt_s"] == pytest.approx(0.25)
    assert "frame interval 'dt' is 0" in " ".join(ds.attrs["import_notes"])


# -------------------------------------------------------- 4. a very long line at a table's end

class _Counted(bytes):
    """A chunk that counts the bytes copied in front of it into a new bytes object (a
    bytearray grown in place copies nothing already read)."""

    copied = 0

    def __radd__(self, other):
        if isinstance(other, bytes):
            _Counted.copied += len(other)
        return NotImplemented


class _Dribble(io.RawIOBase):
    """A source handing out its bytes in small chunks, as a decompressing file may."""

    def __init__(self, data: bytes, size: int):
        super().__init__()
        self._data, self._at, self._size = data, 0, size

    def read(self, size=-1):
        out = self._data[self._at:self._at + min(self._size, size)]
        self._at += len(out)
        return _Counted(out)


def test_the_last_line_is_found_without_copying_what_was_read():
    data = b"a,b\n1,2\n" + b"9" * 50_000 + b",3\r\n\r\n"
    _Counted.copied = 0
    last = _LastLine(_Dribble(data, 64))
    assert io.BufferedReader(last, 4096).read() == data
    assert last.line == "9" * 50_000 + ",3"
    assert _Counted.copied < 2 * len(data)  # was ~ 20 MB: the growing line copied each read


# ------------------------------------------------------------------ 5, 6. columns of times

def _table(path, header, columns):
    np.savetxt(path, np.column_stack(columns), delimiter=",", header=header, comments="",
               fmt="%.6g")
    return path


T = np.arange(60) * 0.5


@pytest.mark.parametrize(("header", "times"), [
    ("Frame,Time (s),Time (ms),a,b,c,d", [np.arange(1, 61), T, T * 1000]),
    ("time,time,a,b,c,d", [T, T]),
])
def test_every_column_of_the_same_times_is_dropped(tmp_path, header, times):
    ds = nd.load_matrix(_table(tmp_path / "t.csv", header, [*times, X]))
    assert list(ds.neuron.values) == list("abcd") and ds.attrs["dt_s"] == pytest.approx(0.5)
    assert "holds timestamps too, the same as" in " ".join(ds.attrs["import_notes"])


def test_a_second_time_named_column_that_disagrees_stays_a_neuron(tmp_path):
    """'T' beside 'time' (a neuron or covariate of that name rising slowly) is no timestamps
    unless it gives the same times: it stays a neuron, with a note, with or without --dt-s;
    so does a frame counter named 'time (frames)'."""
    ramp = np.linspace(0.0, 3.0, T.size)
    for header, extra in (("time,T,a,b,c,d", ramp), ("time (s),time (frames),a,b,c,d",
                                                      np.arange(T.size, dtype=float))):
        path = _table(tmp_path / "t.csv", header, [T, extra, X])
        for dt_s in (None, 0.5):
            ds = nd.load_matrix(path, dt_s=dt_s)
            second = header.split(",")[1]
            assert list(ds.neuron.values) == [second, *"abcd"]
            np.testing.assert_allclose(ds["traces"].values[:, 0], extra, rtol=1e-5)
            assert (f"column {second!r} is named like timestamps but does not give the times"
                    in " ".join(ds.attrs["import_notes"]))


@pytest.mark.parametrize("name", ["Elapsed Time (s)", "Zeit (s)", "frame_time", "Zeit",
                                  "elapsed [ms]", "elapsed_s"])
def test_columns_of_times_under_other_names_are_the_timestamps(tmp_path, name):
    scale = 1000 if "ms" in name else 1
    for dt_s in (None, 0.5):
        ds = nd.load_matrix(_table(tmp_path / "t.csv", f"{name},a,b,c,d", [T * scale, X]),
                            dt_s=dt_s)
        assert list(ds.neuron.values) == list("abcd") and ds.attrs["dt_s"] == pytest.approx(0.5)


def test_a_timedelta_column_is_the_timestamps(tmp_path):
    df = pd.DataFrame(X, columns=list("abcd"))
    df.insert(0, "elapsed", pd.to_timedelta(T, unit="s"))
    df.to_parquet(tmp_path / "t.parquet")
    ds = nd.load_matrix(tmp_path / "t.parquet")
    assert list(ds.neuron.values) == list("abcd") and ds.attrs["dt_s"] == pytest.approx(0.5)


def test_neurons_named_like_time_stay_neurons_and_an_even_first_column_gets_a_note(tmp_path):
    ds = nd.load_matrix(_table(tmp_path / "t.csv", "Tm1,time_cell_3,c,d", [X]), dt_s=0.5)
    assert list(ds.neuron.values) == ["Tm1", "time_cell_3", "c", "d"]
    ds = nd.load_matrix(_table(tmp_path / "t.csv", "clock,a,b,c,d", [T + 3, X]), dt_s=0.5)
    assert ds.sizes["neuron"] == 5
    assert "column 'clock' rises in even steps" in " ".join(ds.attrs["import_notes"])


# ----------------------------------------------------------- 7. the orientation guess is said

def test_a_tall_array_read_as_time_by_neuron_gets_a_note(tmp_path):
    np.savez(tmp_path / "rec.npz", F=RNG.normal(0, 0.2, (600, 400)), fs=30.0)
    ds = nd.load_matrix(tmp_path / "rec.npz")
    assert dict(ds.sizes) == {"time": 600, "neuron": 400}
    notes = " ".join(ds.attrs["import_notes"])
    assert "nothing in the file tells which axis is time" in notes and "--transpose" in notes
    np.savez(tmp_path / "rec.npz", F=RNG.normal(0, 0.2, (600, 400)), fs=30.0,
             neuron_names=[f"n{i}" for i in range(400)])  # the names tell: no guess
    assert "which axis" not in " ".join(nd.load_matrix(tmp_path / "rec.npz").attrs.get(
        "import_notes", []))


# -------------------------------------------------- 8. text tables saved by Excel on Windows

def test_a_utf16_table_is_read(tmp_path):
    text = "time\tAVAL\tRIMé\n" + "".join(f"{t:g}\t{a:.4f}\t{b:.4f}\n"
                                          for t, (a, b) in zip(T, X[:, :2], strict=True))
    (tmp_path / "t.txt").write_text(text, encoding="utf-16")
    ds = nd.load_matrix(tmp_path / "t.txt")
    assert list(ds.neuron.values) == ["AVAL", "RIMé"] and ds.attrs["dt_s"] == pytest.approx(0.5)


@pytest.mark.parametrize("where", ["header", "last row"])
def test_a_cp1252_table_is_refused_with_how_to_save_it(tmp_path, capsys, where):
    rows = "".join(f"{t:g},{a:.4f}\n" for t, a in zip(T, X[:, 0], strict=True))
    text = "time,RIMé\n" + rows if where == "header" else "time,RIM\n" + rows + "x é,1\n"
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(FormatError, match="is not UTF-8 text: it holds the byte 0xe9") as err:
        nd.load_matrix(path)
    assert "save it as UTF-8" in err.value.hint
    out = tmp_path / "out.zarr"
    assert main(["data", "import", str(path), str(out)]) == 2 and not out.exists()


# ------------------------------------------------------------ 10. names stored as latin-1 bytes

def test_latin1_byte_names_are_read_with_a_note(tmp_path):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "rec.h5", "w") as f:
        f["traces"] = X
        f["neuron_names"] = np.array([b"RIM\xe9", b"AVAL", b"b", b"c"])
        f.attrs["fps"] = 2.0
    ds = nd.load_matrix(tmp_path / "rec.h5")
    assert list(ds.neuron.values) == ["RIMé", "AVAL", "b", "c"]
    assert "not UTF-8 text: read as latin-1 ('RIMé')" in " ".join(ds.attrs["import_notes"])


def test_a_sidecar_with_columns_and_a_matrix_of_positions_is_a_sidecar(tmp_path):
    """A headerless table whose sidecar gives Columns and StartTime (no rate: the time is in
    the data) and 12 × 3 ROI positions: a sidecar, whose Columns name the table's columns."""
    path = tmp_path / "rec.tsv"
    np.savetxt(path, np.column_stack([T, X]), delimiter="\t", fmt="%.6g")
    (tmp_path / "rec.json").write_text(json.dumps({
        "Columns": ["time", "a", "b", "c", "d"], "StartTime": 0.0,
        "RoiPositions": np.arange(36.0).reshape(12, 3).tolist()}))
    ds = nd.load_matrix(path)
    assert list(ds.neuron.values) == list("abcd") and ds.attrs["dt_s"] == pytest.approx(0.5)
