"""The sampling rate kept beside a recording, in a JSON sidecar: a lab's 'rec.json' beside
'rec.csv', BIDS's 'sub-01_task-x_physio.json' beside 'sub-01_task-x_physio.tsv.gz'."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.errors import FormatError

X = np.random.default_rng(4).normal(0, 0.2, (60, 3))


def _csv(path, x=X, header="a,b,c"):
    np.savetxt(path, x, delimiter=",", header=header, comments="")
    return path


def _sidecar(path, meta):
    path.write_text(meta if isinstance(meta, str) else json.dumps(meta))


def _bids_physio(folder, meta):
    """A BIDS physio pair: a headerless gzip-compressed TSV and its sidecar."""
    data = folder / "sub-01_task-rest_physio.tsv.gz"
    with gzip.open(data, "wt") as fh:
        np.savetxt(fh, X, delimiter="\t")
    _sidecar(folder / "sub-01_task-rest_physio.json", meta)
    return data


@pytest.mark.parametrize(("meta", "dt_s", "said"), [
    ({"SamplingFrequency": 30.0, "StartTime": 0.0}, 1 / 30, "frame rate 'SamplingFrequency' = 30 Hz"),
    ({"frame_rate": 4}, 0.25, "frame rate 'frame_rate' = 4 Hz"),
    ({"fps": 2.5}, 0.4, "frame rate 'fps' = 2.5 Hz"),
    ({"sampling_rate": 10}, 0.1, "frame rate 'sampling_rate' = 10 Hz"),
    ({"dt": 0.6}, 0.6, "frame interval 'dt' is 0.6 s per frame"),
    ({"frame_interval": 0.5}, 0.5, "frame interval 'frame_interval' is 0.5 s per frame"),
    ({"frame_interval_ms": 50}, 0.05, "frame interval 'frame_interval_ms' is 50 ms per frame"),
    ({"imaging": {"fs": 20}}, 0.05, "frame rate 'imaging/fs' = 20 Hz"),
])
def test_a_csv_without_timing_takes_the_rate_of_its_sidecar(tmp_path, meta, dt_s, said):
    _sidecar(tmp_path / "rec.json", meta)
    ds = nd.load_matrix(_csv(tmp_path / "rec.csv"))
    assert ds.attrs["dt_s"] == pytest.approx(dt_s)
    assert list(ds.neuron.values) == ["a", "b", "c"]
    note = next(n for n in ds.attrs["import_notes"] if "sidecar" in n)
    assert said in note and f"its sidecar '{tmp_path / 'rec.json'}'" in note


def test_an_npy_takes_the_rate_of_its_sidecar_and_its_start_time(tmp_path):
    np.save(tmp_path / "rec.npy", X)
    _sidecar(tmp_path / "rec.json", {"SamplingFrequency": 5.0, "StartTime": 12.5})
    ds = nd.load_matrix(tmp_path / "rec.npy")
    assert ds.attrs["dt_s"] == pytest.approx(0.2)
    assert ds.attrs["start_time_s"] == 12.5
    assert float(ds.time[0]) == 0.0


def test_bids_physio_tsv_gz_imports_with_its_rate_and_column_names(tmp_path, capsys):
    data = _bids_physio(tmp_path, {"SamplingFrequency": 2.0, "StartTime": 0.0,
                                   "Columns": ["AVAL", "AVAR", "ASHL"]})
    out = tmp_path / "out.zarr"
    assert main(["data", "import", str(data), str(out)]) == 0  # the format from the name
    err = capsys.readouterr().err
    assert "'SamplingFrequency' = 2 Hz read from its sidecar" in err
    assert "named by 'Columns' in its sidecar" in err
    ds = nd.open_dataset(out)
    assert ds.attrs["dt_s"] == pytest.approx(0.5)
    assert list(ds.neuron.values) == ["AVAL", "AVAR", "ASHL"]
    np.testing.assert_allclose(ds.traces.values, X.astype(np.float32))


def test_columns_may_name_the_time_column_and_names_win_over_columns(tmp_path):
    table = np.column_stack([np.arange(60) * 0.25, X])
    np.savetxt(tmp_path / "r.tsv", table, delimiter="\t")
    _sidecar(tmp_path / "r.json", {"Columns": ["time", "n1", "n2", "n3"]})
    ds = nd.load_matrix(tmp_path / "r.tsv")
    assert list(ds.neuron.values) == ["n1", "n2", "n3"]
    assert ds.attrs["dt_s"] == pytest.approx(0.25)
    _sidecar(tmp_path / "r.json", {"fps": 4, "Columns": ["only", "two"]})
    np.savetxt(tmp_path / "r.tsv", X, delimiter="\t")
    with pytest.raises(FormatError, match=r"'Columns' in its sidecar .* names 2 column\(s\), but "
                       r"the table has 3"):
        nd.load_matrix(tmp_path / "r.tsv")
    ds = nd.load_matrix(tmp_path / "r.tsv", neuron_names=["x", "y", "z"])  # explicit wins
    assert list(ds.neuron.values) == ["x", "y", "z"]


def test_a_header_row_wins_over_columns_with_a_note(tmp_path):
    _sidecar(tmp_path / "rec.json", {"fps": 4, "Columns": ["p", "q", "r"]})
    ds = nd.load_matrix(_csv(tmp_path / "rec.csv"))
    assert list(ds.neuron.values) == ["a", "b", "c"]
    assert any("'Columns' in its sidecar" in n and "header row of its own" in n
               for n in ds.attrs["import_notes"])


def test_the_flag_wins_over_the_sidecar_with_a_note_naming_both(tmp_path):
    _sidecar(tmp_path / "rec.json", {"SamplingFrequency": 30.0})
    ds = nd.load_matrix(_csv(tmp_path / "rec.csv"), dt_s=0.5)
    assert ds.attrs["dt_s"] == 0.5
    assert any("--dt-s 0.5 is used, not 'SamplingFrequency' = 30 Hz in its sidecar" in n
               for n in ds.attrs["import_notes"])
    agreed = nd.load_matrix(tmp_path / "rec.csv", dt_s=1 / 30)
    assert "import_notes" not in agreed.attrs  # a flag that agrees needs no note


def test_a_sidecar_disagreeing_with_the_timestamps_is_refused_naming_both(tmp_path):
    table = np.column_stack([np.arange(60) * 0.5, X])
    _csv(tmp_path / "rec.csv", table, "time,a,b,c")
    _sidecar(tmp_path / "rec.json", {"SamplingFrequency": 30.0})
    with pytest.raises(FormatError, match=r"the timestamps 'time' are 0.5 s apart, but "
                       r"'SamplingFrequency' = 30 Hz in its sidecar .* \(0.03333 s per frame\)"):
        nd.load_matrix(tmp_path / "rec.csv")
    _sidecar(tmp_path / "rec.json", {"SamplingFrequency": 2.0})  # agreeing: the timestamps
    assert nd.load_matrix(tmp_path / "rec.csv").attrs["dt_s"] == pytest.approx(0.5)


def test_a_sidecar_disagreeing_with_the_files_own_rate_is_refused(tmp_path):
    np.savez(tmp_path / "rec.npz", traces=X, fps=2.0)
    _sidecar(tmp_path / "rec.json", {"fps": 10})
    with pytest.raises(FormatError, match=r"its own 'fps' = 2 Hz \(0.5 s per frame\) disagrees "
                       r"with 'fps' = 10 Hz in its sidecar"):
        nd.load_matrix(tmp_path / "rec.npz")


@pytest.mark.parametrize(("meta", "said"), [
    ('{"SamplingFrequency": 30,', "is not valid JSON: .* at line 1, column"),
    ({"SamplingFrequency": -30}, r"\(its sidecar .*\): its frame rate 'SamplingFrequency' is -30"),
    ({"fps": 10, "frame_rate": 20}, "several different frame rates"),
    ({"Columns": [1, 2, 3]}, "'Columns' in its sidecar .* is not a list of names"),
])
def test_a_bad_sidecar_is_one_error_naming_it(tmp_path, meta, said):
    _sidecar(tmp_path / "rec.json", meta)
    with pytest.raises(FormatError, match=said) as err:
        nd.load_matrix(_csv(tmp_path / "rec.csv"))
    assert "rec.json" in str(err.value)


def test_the_cli_refuses_a_malformed_sidecar_and_writes_nothing(tmp_path, capsys):
    _sidecar(tmp_path / "rec.json", '{"SamplingFrequency": }')
    out = tmp_path / "out.zarr"
    assert main(["data", "import", str(_csv(tmp_path / "rec.csv")), str(out)]) == 2
    err = capsys.readouterr().err
    assert f"sidecar '{tmp_path / 'rec.json'}' of matrix file" in err and "not valid JSON" in err
    assert not out.exists()


def test_without_rate_anywhere_the_refusal_names_the_sidecar_and_suggests_one(tmp_path):
    with pytest.raises(FormatError, match="holds no timestamps or frame interval") as err:
        nd.load_matrix(_csv(tmp_path / "rec.csv"))
    assert "'rec.json': {\"SamplingFrequency\"" in err.value.hint
    _sidecar(tmp_path / "rec.json", {"fs": 20000, "ephys": {"dt": 0.5}})  # an electrode's
    with pytest.raises(FormatError, match=r"nor does its sidecar .*; not read as the frame rate: "
                       r"'fs' = 20000 Hz"):
        nd.load_matrix(tmp_path / "rec.csv")


def test_a_stimulus_or_cameras_entries_in_the_sidecar_are_not_the_recordings(tmp_path):
    np.save(tmp_path / "rec.npy", X)
    _sidecar(tmp_path / "rec.json", {"SamplingFrequency": 30, "StartTime": 5,
                                     "stimulus": {"dt": 0.001, "StartTime": 100}})
    ds = nd.load_matrix(tmp_path / "rec.npy")
    assert ds.attrs["dt_s"] == pytest.approx(1 / 30)
    assert ds.attrs["start_time_s"] == 5


def test_timestamps_that_fit_no_axis_leave_the_timing_to_the_sidecar(tmp_path):
    # a behaviour camera's 25 times beside 10 frames: not the frames' times
    np.savez(tmp_path / "r.npz", traces=np.arange(30.0).reshape(10, 3), time=np.arange(25) * 0.01)
    _sidecar(tmp_path / "r.json", {"fps": 10})
    ds = nd.load_matrix(tmp_path / "r.npz")
    assert ds.attrs["dt_s"] == pytest.approx(0.1)
    assert any("fit neither axis" in n for n in ds.attrs["import_notes"])


def test_a_gz_table_that_is_not_compressed_says_so(tmp_path):
    (tmp_path / "rec.csv.gz").write_text("a,b\n1,2\n3,4\n")
    with pytest.raises(FormatError, match="not gzip-compressed") as err:
        nd.load_matrix(tmp_path / "rec.csv.gz", dt_s=0.5)
    assert "rename it 'rec.csv'" in err.value.hint
