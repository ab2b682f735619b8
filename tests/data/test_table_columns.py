"""Which columns of a text table are neurons: pandas' own CSV layouts, timestamps with units,
frame indices; and which frame intervals are pauses when resampling (docs/datasets.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import neurocast.data as nd
from neurocast.errors import FormatError, NonFiniteError

X = np.random.default_rng(0).normal(size=(30, 3))


@pytest.mark.parametrize("sep", [",", "\t"])
def test_pandas_csv_of_an_unnamed_frame_has_a_header_and_a_row_index(tmp_path, sep):
    src = tmp_path / "pd.csv"
    pd.DataFrame(X).to_csv(src, sep=sep)  # header ",0,1,2", then the row index 0, 1, 2, ...
    for allow_nan in (False, True):
        ds = nd.load_matrix(src, dt_s=0.5, allow_nan=allow_nan)
        assert ds.sizes == {"time": 30, "neuron": 3}
        assert ds.neuron.values.tolist() == ["0", "1", "2"]
        np.testing.assert_allclose(ds.traces.values, X, rtol=1e-6)
        assert any("row index" in n for n in ds.attrs["import_notes"])


@pytest.mark.parametrize("columns", [[720575940624226944, 720575940604060672, 720575940627654402],
                                     ["AVAL", "AVAR", "RIML"]])
def test_pandas_csv_with_a_time_index(tmp_path, columns):
    frame = pd.DataFrame(X, columns=columns, index=0.6 * np.arange(30) + 5.0)  # df.index = t
    frame.to_csv(tmp_path / "fly.csv")
    ds = nd.load_matrix(tmp_path / "fly.csv")
    assert ds.neuron.values.tolist() == [str(c) for c in columns]
    np.testing.assert_allclose(ds.time.values, 0.6 * np.arange(30), atol=1e-9)
    assert ds.attrs["dt_s"] == pytest.approx(0.6)
    assert any("read as the frame timestamps (s)" in n for n in ds.attrs["import_notes"])


def test_numeric_table_without_header_whose_first_value_is_missing_stays_data(tmp_path):
    rows = [",".join(f"{v:.6f}" for v in row) for row in X]
    rows[0] = "," + rows[0].split(",", 1)[1]  # first value missing; its column does not increase
    (tmp_path / "gap.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(NonFiniteError, match="first at frame 0, neuron 0"):
        nd.load_matrix(tmp_path / "gap.csv", dt_s=0.5)
    ds = nd.load_matrix(tmp_path / "gap.csv", dt_s=0.5, allow_nan=True)
    assert ds.sizes == {"time": 30, "neuron": 3}
    assert all("which axis is time" in n for n in ds.attrs["import_notes"])  # only the guess
    np.testing.assert_allclose(ds.traces.values[1:], X[1:], atol=1e-6)


def _table(path, first_name, first_values):
    frame = pd.DataFrame(X, columns=["AVAL", "AVAR", "RIML"])
    frame.insert(0, first_name, first_values)
    frame.to_csv(path, index=False)


@pytest.mark.parametrize("name, unit_s", [("Time (s)", 1.0), ("time [s]", 1.0), ("Time_s", 1.0),
                                          ("timestamp (ms)", 1e-3), ("time_ms", 1e-3),
                                          ("Time [msec]", 1e-3)])
def test_time_column_with_a_unit(tmp_path, name, unit_s):
    t = (np.arange(30) * 0.25 + 3.0) / unit_s
    _table(tmp_path / "t.csv", name, t)
    ds = nd.load_matrix(tmp_path / "t.csv")
    assert ds.neuron.values.tolist() == ["AVAL", "AVAR", "RIML"]
    np.testing.assert_allclose(ds.time.values, np.arange(30) * 0.25, atol=1e-9)
    assert ds.attrs["dt_s"] == pytest.approx(0.25)
    assert ds.attrs["import_notes"][0].startswith(f"column {name!r} holds the frame timestamps")


def test_time_with_an_unknown_unit_is_refused(tmp_path):
    _table(tmp_path / "t.csv", "time (frames)", np.arange(30.0))
    with pytest.raises(FormatError, match=r"timestamps 'time \(frames\)' are in 'frames'") as err:
        nd.load_matrix(tmp_path / "t.csv")
    assert "'time (ms)'" in err.value.hint
    np.savez(tmp_path / "t.npz", traces=X, time_ms=np.arange(30) * 100.0)  # containers too
    assert nd.load_matrix(tmp_path / "t.npz").attrs["dt_s"] == pytest.approx(0.1)


def test_unitless_milliseconds_are_kept_but_warned_about(tmp_path, capsys):
    """'time' in ms read as seconds gives 33 s per frame: a warning says how to name the unit."""
    from neurocast.cli import main

    _table(tmp_path / "t.csv", "time", np.arange(30) * 33.3)
    with pytest.warns(UserWarning, match=r"'time' have no unit.*median frame interval of 33\.3 s"
                                         r".*'time_ms'.*--dt-s") as record:
        ds = nd.load_matrix(tmp_path / "t.csv")
    assert len(record) == 1 and ds.attrs["dt_s"] == pytest.approx(33.3)  # values not changed
    assert main(["data", "import", str(tmp_path / "t.csv"), str(tmp_path / "t.zarr"),
                 "--format", "matrix"]) == 0
    assert "note: matrix file" in capsys.readouterr().err
    np.savez(tmp_path / "t.npz", traces=X, t=np.arange(30) * 40.0)  # containers too
    with pytest.warns(UserWarning, match="'t' have no unit"):
        nd.load_matrix(tmp_path / "t.npz")


def test_slow_frames_with_a_unit_or_a_given_interval_are_not_warned_about(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _table(tmp_path / "s.csv", "time (s)", np.arange(30) * 33.3)  # named in seconds: meant
        assert nd.load_matrix(tmp_path / "s.csv").attrs["dt_s"] == pytest.approx(33.3)
        _table(tmp_path / "t.csv", "time", np.arange(30) * 33.3)
        assert nd.load_matrix(tmp_path / "t.csv", dt_s=0.0333).attrs["dt_s"] == 0.0333
        _table(tmp_path / "f.csv", "time", np.arange(30) * 0.5)  # plausible seconds
        nd.load_matrix(tmp_path / "f.csv")


def test_a_neuron_named_t_stays_a_neuron(tmp_path):
    _table(tmp_path / "t.csv", "T", X[:, 0] + 1.0)  # not increasing: a neuron's trace
    ds = nd.load_matrix(tmp_path / "t.csv", dt_s=0.5)
    assert ds.neuron.values.tolist() == ["T", "AVAL", "AVAR", "RIML"]
    assert "is named like timestamps but its values go up and down" in ds.attrs["import_notes"][0]


@pytest.mark.parametrize("name", ["frame", "Frames", "frame_index"])
def test_frame_index_column_is_dropped(tmp_path, name):
    _table(tmp_path / "f.csv", name, np.arange(1, 31))
    ds = nd.load_matrix(tmp_path / "f.csv", dt_s=0.5)
    assert ds.neuron.values.tolist() == ["AVAL", "AVAR", "RIML"]
    np.testing.assert_allclose(ds.traces.values, X, atol=1e-6)
    assert ds.attrs["import_notes"] == [
        f"column {name!r} counts frames (1, 2, ...): read as a frame index, not as a neuron"]
    _table(tmp_path / "n.csv", name, X[:, 0])  # not counting: a neuron
    assert nd.load_matrix(tmp_path / "n.csv", dt_s=0.5).sizes["neuron"] == 4


def _resample(tmp_path, steps, resample_s, **kw):
    t = np.r_[0.0, np.cumsum(steps)]
    np.savez(tmp_path / "r.npz", traces=np.random.default_rng(1).normal(size=(t.size, 2)), time=t)
    return nd.load_matrix(tmp_path / "r.npz", resample_s=resample_s, **kw)


def test_a_change_of_frame_rate_is_not_a_pause(tmp_path):
    ds = _resample(tmp_path, [0.1] * 11 + [0.2] * 8, 0.1)  # 12 frames at 0.1 s, then 8 at 0.2 s
    assert ds.sizes["time"] == 28 and np.isfinite(ds.traces.values).all()
    ds = _resample(tmp_path, [0.2] * 30 + [0.1] * 30, 0.1)  # and the other way round
    assert np.isfinite(ds.traces.values).all()


def test_a_late_frame_is_not_a_pause_a_dropped_one_is(tmp_path):
    steps = 0.5 + np.random.default_rng(2).uniform(-0.07, 0.07, 60)
    steps[25] = 0.8  # one frame 1.6× late
    assert np.isfinite(_resample(tmp_path, steps, 0.5).traces.values).all()
    steps[40] = 1.0  # one frame dropped
    with pytest.raises(NonFiniteError, match=r"1 pause\(s\) in acquisition \(the longest 1 s,"):
        _resample(tmp_path, steps, 0.5)


@pytest.mark.parametrize("dt_s", [None, 0.5])
def test_timestamps_that_repeat_a_value_name_the_row(tmp_path, dt_s):
    t = np.arange(30) * 0.5
    t[5] = t[4]  # a repeated frame: timestamps, not a neuron, with or without --dt-s
    _table(tmp_path / "r.csv", "time_s", t)
    with pytest.raises(FormatError, match=r"the timestamps 'time_s' are not increasing at row 6 "
                       r"\(2 after 2\)") as err:
        nd.load_matrix(tmp_path / "r.csv", dt_s=dt_s)
    assert "drop repeated ones" in err.value.hint


def test_a_folder_is_not_taken_for_a_missing_file(tmp_path):
    with pytest.raises(FormatError, match="is a folder, not a file") as err:
        nd.load_matrix(tmp_path)
    assert "--format zapbench" in err.value.hint
    with pytest.raises(FormatError, match="not found"):
        nd.load_matrix(tmp_path / "none.csv")
