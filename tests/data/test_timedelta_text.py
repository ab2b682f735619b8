"""Timestamps written as pandas timedelta text in a table's time column ('0 days 00:00:00.100000',
as ``DataFrame.to_csv`` writes a column of durations, or clock text '00:01:02.5'): read as
seconds, as a Parquet column of durations is; other text there is refused as before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import neurocast.data as nd
from neurocast.errors import FormatError

RNG = np.random.default_rng(5)
T = np.arange(40) * 0.1
X = RNG.normal(0, 0.2, (40, 3))


def _notes(ds) -> str:
    return " ".join(ds.attrs.get("import_notes", []))


@pytest.mark.parametrize("suffix", ["csv", "tsv"])
def test_pandas_timedelta_text_in_the_time_column_is_read_as_seconds(tmp_path, suffix):
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df.insert(0, "time", pd.to_timedelta(T + 5.0, unit="s"))
    path = tmp_path / f"rec.{suffix}"
    df.to_csv(path, sep="\t" if suffix == "tsv" else ",", index=False)
    assert "0 days 00:00:05.100000" in path.read_text()  # the text pandas writes
    ds = nd.load_matrix(path)
    assert ds.neuron.values.tolist() == ["a", "b", "c"]
    assert ds.attrs["dt_s"] == pytest.approx(0.1)
    assert ds.attrs["start_time_s"] == pytest.approx(5.0)
    np.testing.assert_allclose(ds.time.values, T, atol=1e-9)
    np.testing.assert_allclose(ds["traces"].values, X, atol=1e-6)
    assert ("column 'time' holds durations written as text ('0 days 00:00:05.000000'): read "
            "as seconds") in _notes(ds)


def test_clock_text_in_a_time_column_is_read_as_seconds(tmp_path):
    times = np.arange(40) * 2.5  # past a minute: 00:01:02.5
    rows = "".join(f"00:{int(t // 60):02d}:{t % 60:04.1f},{a:.5f},{b:.5f}\n"
                   for t, (a, b) in zip(times, X[:, :2], strict=True))
    path = tmp_path / "rec.csv"
    path.write_text("Elapsed Time,AVAL,AVAR\n" + rows)
    ds = nd.load_matrix(path)
    assert ds.neuron.values.tolist() == ["AVAL", "AVAR"]
    assert ds.attrs["dt_s"] == pytest.approx(2.5)
    np.testing.assert_allclose(ds.time.values, times, atol=1e-9)


def test_other_text_in_a_time_column_is_refused_as_labels(tmp_path):
    rows = "".join(f"trial {k // 10},{a:.5f}\n" for k, a in enumerate(X[:, 0]))
    path = tmp_path / "rec.csv"
    path.write_text("time,AVAL\n" + rows)
    with pytest.raises(FormatError, match="column 1 \\('time'\\) holds 'trial 0'") as err:
        nd.load_matrix(path)
    assert "holds text in every row" in err.value.hint


def test_timedelta_text_in_a_neuron_column_is_not_read_as_times(tmp_path):
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df["delay"] = pd.to_timedelta(T, unit="s")
    df.to_csv(tmp_path / "rec.csv", index=False)
    with pytest.raises(FormatError, match="column 4 \\('delay'\\) holds '0 days"):
        nd.load_matrix(tmp_path / "rec.csv", dt_s=0.1)


@pytest.mark.parametrize("suffix", ["parquet", "xlsx"])
def test_timedelta_text_in_a_parquet_table_or_a_worksheet_is_read_as_seconds(tmp_path, suffix):
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df.insert(0, "time", pd.to_timedelta(T, unit="s").astype(str))  # text, not durations
    path = tmp_path / f"rec.{suffix}"
    if suffix == "parquet":
        df.to_parquet(path, index=False)
    else:
        _write_xlsx(df, path)
    ds = nd.load_matrix(path)
    assert ds.neuron.values.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(ds.time.values, T, atol=1e-9)
    assert "column 'time' holds durations written as text" in _notes(ds)


def _write_xlsx(df: pd.DataFrame, path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(df.columns.tolist())
    for row in df.itertuples(index=False):
        sheet.append(list(row))
    book.save(path)


@pytest.mark.parametrize(("name", "unit"), [("time (ms)", "ms"), ("time (min)", "min"),
                                            ("time_ms", "ms"), ("time (frames)", "frames")])
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_durations_carry_their_unit_whatever_the_name_says(tmp_path, name, unit, suffix):
    """Durations are seconds already: the unit in the column's name is not applied again
    ('time (ms)' of 0.1-s steps is not 0.1 ms per frame), and a name in frames is no refusal."""
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df.insert(0, name, pd.to_timedelta(T, unit="s").astype(str))
    path = tmp_path / f"rec.{suffix}"
    df.to_csv(path, index=False) if suffix == "csv" else _write_xlsx(df, path)
    ds = nd.load_matrix(path)
    assert ds.neuron.values.tolist() == ["a", "b", "c"]
    assert ds.attrs["dt_s"] == pytest.approx(0.1)
    np.testing.assert_allclose(ds.time.values, T, atol=1e-9)
    assert (f"column {name!r} is named in {unit} but holds durations: read as seconds"
            in _notes(ds))
    assert f"column {name!r} holds the frame timestamps (s)" in _notes(ds)


def test_durations_named_in_seconds_have_no_unit_note(tmp_path):
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df.insert(0, "time (s)", pd.to_timedelta(T, unit="s"))
    df.to_csv(tmp_path / "rec.csv", index=False)
    ds = nd.load_matrix(tmp_path / "rec.csv")
    assert ds.attrs["dt_s"] == pytest.approx(0.1)
    assert "but holds durations" not in _notes(ds)


@pytest.mark.parametrize("stimulus", [None, ["stim"]])  # read straight from Arrow, or not
def test_a_parquet_duration_column_named_in_ms_is_read_as_seconds(tmp_path, stimulus):
    df = pd.DataFrame(X, columns=["a", "b", "stim"])
    df.insert(0, "time (ms)", pd.to_timedelta(T, unit="s"))  # a real duration dtype
    df.to_parquet(tmp_path / "rec.parquet", index=False)
    ds = nd.load_matrix(tmp_path / "rec.parquet", stimulus_columns=stimulus)
    assert ds.attrs["dt_s"] == pytest.approx(0.1)
    np.testing.assert_allclose(ds.time.values, T, atol=1e-9)
    assert ("column 'time (ms)' is named in ms but holds durations: read as seconds"
            in _notes(ds))


def test_durations_beside_timestamps_in_ms_give_the_same_times(tmp_path):
    """A second time column of durations named in ms beside 'time (s)': the same times, dropped
    (not refused nor read as a neuron for a unit applied twice)."""
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df.insert(0, "time (s)", T)
    df.insert(1, "time (ms)", pd.to_timedelta(T, unit="s"))
    df.to_csv(tmp_path / "rec.csv", index=False)
    ds = nd.load_matrix(tmp_path / "rec.csv")
    assert ds.neuron.values.tolist() == ["a", "b", "c"]
    assert "column 'time (ms)' holds timestamps too, the same as 'time (s)'" in _notes(ds)


def test_a_nat_cell_in_a_duration_column_is_a_missing_time(tmp_path):
    """pandas writes a missing duration as 'NaT': a missing time, refused as a blank cell is,
    not the whole column as labels."""
    text = [str(pd.Timedelta(seconds=float(t))) for t in T]
    text[5] = "NaT"
    rows = "".join(f"{t},{a:.5f},{b:.5f}\n" for t, (a, b) in zip(text, X[:, :2], strict=True))
    (tmp_path / "rec.csv").write_text("time,a,b\n" + rows)
    with pytest.raises(FormatError, match="timestamps 'time' are not a number at row 6") as err:
        nd.load_matrix(tmp_path / "rec.csv")
    assert "labels" not in err.value.hint


@pytest.mark.parametrize("step", [0.1, 1.0])  # 1-s steps from 0 do not count rows
def test_an_unnamed_first_column_of_durations_is_the_time(tmp_path, step):
    """``df.index = pd.to_timedelta(t); df.to_csv()``: a header cell '' above the durations."""
    df = pd.DataFrame(X, columns=["a", "b", "c"], index=pd.to_timedelta(T / 0.1 * step, unit="s"))
    df.to_csv(tmp_path / "rec.csv")
    assert (tmp_path / "rec.csv").read_text().startswith(",a,b,c\n0 days")
    ds = nd.load_matrix(tmp_path / "rec.csv")
    assert ds.neuron.values.tolist() == ["a", "b", "c"]
    assert ds.attrs["dt_s"] == pytest.approx(step)
    assert "the unnamed first column holds durations written as text" in _notes(ds)
    assert "increases (0, " in _notes(ds)
    assert "as durations: read as the frame timestamps (s)" in _notes(ds)


def test_durations_in_an_unnamed_column_elsewhere_are_not_times(tmp_path):
    df = pd.DataFrame(X, columns=["a", "", "c"])
    df[""] = pd.to_timedelta(T, unit="s")
    df.to_csv(tmp_path / "rec.csv", index=False)
    with pytest.raises(FormatError, match="holds '0 days"):
        nd.load_matrix(tmp_path / "rec.csv", dt_s=0.1)


@pytest.mark.parametrize("text", [False, True])
def test_an_unnamed_parquet_index_of_durations_is_the_time(tmp_path, text):
    """A TimedeltaIndex saved with the table (durations, or their text), rising by one second
    from 0: the timestamps, not a row index dropped."""
    index = pd.to_timedelta(np.arange(40) * 1.0, unit="s")
    df = pd.DataFrame(X, columns=["a", "b", "c"], index=index.astype(str) if text else index)
    df.to_parquet(tmp_path / "rec.parquet")
    ds = nd.load_matrix(tmp_path / "rec.parquet")
    assert ds.neuron.values.tolist() == ["a", "b", "c"]
    assert ds.attrs["dt_s"] == pytest.approx(1.0)
    assert "the unnamed first column holds durations" in _notes(ds)
