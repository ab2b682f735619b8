"""Tables as neuroscientists share them: timestamps in minutes, microseconds or hours, frame
intervals in ms, and Excel workbooks (.xlsx) read as their CSV export would be."""

from __future__ import annotations

import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest

import neurocast.data as nd
from neurocast.errors import FormatError, NonFiniteError

openpyxl = pytest.importorskip("openpyxl")

X = np.cumsum(np.random.default_rng(0).normal(0, 0.05, (40, 3)), axis=0)
NAMES = ["AVAL", "AVAR", "RIML"]


def _csv(path, time_name, t, x=X, names=NAMES):
    frame = pd.DataFrame(x, columns=names)
    frame.insert(0, time_name, t)
    frame.to_csv(path, index=False)
    return path


def _quiet_load(path, **options):
    """load_matrix, failing on any warning (the 'looks like milliseconds' doubt among them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return nd.load_matrix(path, **options)


# ---------------------------------------------------------------------- units of time

@pytest.mark.parametrize(("name", "per_s"), [("Time (min)", 1 / 60), ("time_min", 1 / 60),
                                             ("Time [minutes]", 1 / 60), ("time (h)", 1 / 3600),
                                             ("t [\u00b5s]", 1e6), ("t [\u03bcs]", 1e6),
                                             ("time_us", 1e6), ("Time (usec)", 1e6)])
def test_a_time_column_in_other_units_is_read_in_seconds(tmp_path, name, per_s):
    """30 s frames: in minutes they were refused; read as seconds they would be doubted as ms."""
    t = (np.arange(40) * 30.0 + 60.0) * per_s
    ds = _quiet_load(_csv(tmp_path / "t.csv", name, t))
    assert ds.neuron.values.tolist() == NAMES
    np.testing.assert_allclose(ds.time.values, np.arange(40) * 30.0, rtol=1e-9, atol=1e-9)
    assert ds.attrs["dt_s"] == pytest.approx(30.0)
    assert not any("milliseconds" in n for n in ds.attrs.get("import_notes", []))
    assert ds.attrs["import_notes"][0].startswith(f"column {name!r} holds the frame timestamps")


@pytest.mark.parametrize("suffix", [".npz", ".h5"])
def test_container_timestamps_in_microseconds(tmp_path, suffix):
    t_us = np.arange(40) * 50_000.0  # 20 Hz
    if suffix == ".npz":
        np.savez(tmp_path / "m.npz", traces=X, time_us=t_us)
    else:
        h5py = pytest.importorskip("h5py")
        with h5py.File(tmp_path / "m.h5", "w") as f:
            f["dff"] = X
            f["rec/time_us"] = t_us
    ds = _quiet_load(tmp_path / f"m{suffix}")
    np.testing.assert_allclose(ds.time.values, t_us * 1e-6)
    assert ds.attrs["dt_s"] == pytest.approx(0.05)


@pytest.mark.parametrize(("unit", "per_s"), [("min", 1 / 60), (b"minutes", 1 / 60),
                                             ("us", 1e6), ("hours", 1 / 3600)])
def test_hdf5_units_attribute_in_minutes_or_microseconds(tmp_path, unit, per_s):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "u.h5", "w") as f:
        f["dff"] = X
        f.create_dataset("time", data=np.arange(40) * 30.0 * per_s)
        f["time"].attrs["units"] = unit
    ds = _quiet_load(tmp_path / "u.h5")  # no 'milliseconds' doubt for 30 s frames in a unit
    assert ds.attrs["dt_s"] == pytest.approx(30.0)


def test_a_time_in_frames_is_still_refused(tmp_path):
    _csv(tmp_path / "t.csv", "time (frames)", np.arange(40.0))
    with pytest.raises(FormatError, match=r"'time \(frames\)' are in 'frames', which is not a "
                                          r"unit of time") as err:
        nd.load_matrix(tmp_path / "t.csv")
    assert "--dt-s" in err.value.hint and "'time (s)'" in err.value.hint
    assert "frame index" in err.value.hint
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "u.h5", "w") as f:
        f["dff"] = X
        f.create_dataset("time", data=np.arange(40.0))
        f["time"].attrs["units"] = "frames"
    with pytest.raises(FormatError, match=r"'time' are in 'frames' \(their 'units' attribute\), "
                                          "which is not a unit of time"):
        nd.load_matrix(tmp_path / "u.h5")


@pytest.mark.parametrize(("key", "value"), [("dt_ms", 100.0), ("frame_time_ms", 100.0),
                                            ("frame_period (ms)", 100.0), ("dt_us", 1e5)])
def test_a_frame_interval_named_with_its_unit(tmp_path, key, value):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f["dff"] = X
        f.attrs[key] = value
    ds = nd.load_matrix(tmp_path / "d.h5")
    assert ds.attrs["dt_s"] == pytest.approx(0.1)
    assert any(f"{key!r} is {value:g} " in n and "0.1 s" in n for n in ds.attrs["import_notes"])
    np.savez(tmp_path / "d.npz", traces=X, **{key: value})
    assert nd.load_matrix(tmp_path / "d.npz").attrs["dt_s"] == pytest.approx(0.1)


# ---------------------------------------------------------------------- Excel workbooks

HEADER = ["Time (s)", "AVAL", "", "AVAL", "RIML"]  # a blank and a repeated name


def _rows(n=12):
    rng = np.random.default_rng(1)
    rows = [[0.5 * i, *np.round(rng.normal(0, 0.1, 4), 4).tolist()] for i in range(n)]
    rows[4][2] = None  # a blank cell: NaN
    return rows


def _workbook(path, sheets, start="A1"):
    """An .xlsx of ``sheets`` (title -> rows of cells, the first row written at ``start``),
    with a blank row that only holds formatting below each table and a formatting-only column
    beside it (Excel's used range takes them in)."""
    from openpyxl.styles import PatternFill
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    book = openpyxl.Workbook()
    book.remove(book.active)
    letter, r0 = coordinate_from_string(start)
    c0 = column_index_from_string(letter)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                ws.cell(row=r0 + i, column=c0 + j, value=v)
        fill = PatternFill("solid", fgColor="FFFF00")
        ws.cell(row=r0 + len(rows) + 1, column=c0).fill = fill  # a blank, formatted row
        ws.cell(row=r0, column=c0 + len(rows[0]) + 2).fill = fill  # a formatting-only column
        ws.cell(row=r0 + 2, column=c0 + len(rows[0]) + 2).number_format = "0.00"
    book.save(path)
    return path


def test_a_workbook_imports_like_its_csv(tmp_path):
    rows = _rows()
    xlsx = _workbook(tmp_path / "rec.xlsx", {"traces": [HEADER, *rows]})
    pd.DataFrame(rows, columns=HEADER).to_csv(tmp_path / "rec.csv", index=False)
    for options in ({}, {"dt_s": 0.25}):
        with pytest.raises(NonFiniteError):
            nd.load_matrix(xlsx, **options)
    ds = nd.load_matrix(xlsx, allow_nan=True)
    ref = nd.load_matrix(tmp_path / "rec.csv", allow_nan=True)
    np.testing.assert_array_equal(ds.traces.values, ref.traces.values)
    assert np.isnan(ds.traces.values[4, 1])
    assert ds.neuron.values.tolist() == ref.neuron.values.tolist()
    assert ds.label.values.tolist() == ref.label.values.tolist() == HEADER[1:]
    np.testing.assert_allclose(ds.time.values, ref.time.values)
    assert ds.attrs["dt_s"] == ref.attrs["dt_s"] == pytest.approx(0.5)
    assert ds.attrs["import_notes"] == ref.attrs["import_notes"]
    assert ds.attrs["source"].endswith("rec.xlsx#traces")


def test_a_workbook_without_header_and_with_a_row_index(tmp_path):
    """The same column decisions as for CSV: a headerless sheet is all neurons; an unnamed
    first column counting rows is a row index; a 'frame' column counting frames is dropped."""
    x = np.round(X[:10], 4)
    _workbook(tmp_path / "plain.xlsm", {"Sheet1": x.tolist()}, start="C4")
    ds = nd.load_matrix(tmp_path / "plain.xlsm", dt_s=0.5)
    np.testing.assert_array_equal(ds.traces.values, x.astype(np.float32))
    indexed = [["", "frame", *NAMES], *[[i, i + 1, *row] for i, row in enumerate(x.tolist())]]
    _workbook(tmp_path / "idx.xlsx", {"Sheet1": indexed})
    ds = nd.load_matrix(tmp_path / "idx.xlsx", dt_s=0.5)
    assert ds.neuron.values.tolist() == NAMES
    notes = " ".join(ds.attrs["import_notes"])
    assert "row index" in notes and "frame index" in notes


def test_a_sheet_is_chosen_by_name(tmp_path):
    first = [HEADER, *_rows()]
    first[5][2] = 0.0  # no blank cell
    second = [["time_ms", "AIBL", "AIBR"], *[[100.0 * i, 0.01 * i, -0.02 * i] for i in range(8)]]
    xlsx = _workbook(tmp_path / "two.xlsx", {"Sheet1": first, "Sheet2": second})
    ds = nd.load_matrix(xlsx)
    assert ds.sizes == {"time": 12, "neuron": 4}
    assert any("2 worksheets: 'Sheet1', the first, is read" in n and "--key" in n
               for n in ds.attrs["import_notes"])
    ds = nd.load_matrix(xlsx, key="Sheet2")
    assert ds.neuron.values.tolist() == ["AIBL", "AIBR"] and ds.attrs["dt_s"] == pytest.approx(0.1)
    assert ds.attrs["source"].endswith("two.xlsx#Sheet2")
    with pytest.raises(FormatError, match="has no worksheet 'Sheet3'") as err:
        nd.load_matrix(xlsx, key="Sheet3")
    assert "'Sheet1', 'Sheet2'" in err.value.hint


def test_a_text_cell_is_named_as_excel_names_it(tmp_path):
    rows = [HEADER, *_rows()]
    rows[5][2] = "n/a"  # sheet row 6 from B2: row 7; the third column from B: D
    _workbook(tmp_path / "bad.xlsx", {"Sheet1": rows}, start="B2")
    with pytest.raises(FormatError, match=r"sheet 'Sheet1': cell D7 \(''\) holds 'n/a', which is "
                                          "not a number"):
        nd.load_matrix(tmp_path / "bad.xlsx", allow_nan=True)


def test_a_formula_without_a_saved_value_is_refused(tmp_path):
    """openpyxl writes formulas without their results, as many programs do."""
    rows = [HEADER, *_rows()]
    rows[6][2] = "=B7+1"  # sheet cell C7
    xlsx = _workbook(tmp_path / "f.xlsx", {"Sheet1": rows})
    with pytest.raises(FormatError, match="cell C7 holds a formula with no saved value") as err:
        nd.load_matrix(xlsx, allow_nan=True)
    assert "open and save the file in Excel, or export CSV" in str(err.value)
    # the result Excel saves beside the formula is read
    with zipfile.ZipFile(xlsx) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    assert parts[sheet].count(b"<f>B7+1</f><v></v>") == 1
    parts[sheet] = parts[sheet].replace(b"<f>B7+1</f><v></v>", b"<f>B7+1</f><v>1.25</v>")
    with zipfile.ZipFile(tmp_path / "saved.xlsx", "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    ds = nd.load_matrix(tmp_path / "saved.xlsx", allow_nan=True)
    assert ds.traces.values[5, 1] == pytest.approx(1.25)


def test_dates_booleans_and_old_files_are_refused(tmp_path):
    import datetime

    rows = [["Time", *NAMES], *[[datetime.time(12, 0, i), 0.1, 0.2, 0.3] for i in range(5)]]
    _workbook(tmp_path / "d.xlsx", {"Sheet1": rows})
    with pytest.raises(FormatError, match=r"cell A2 \(column 'Time'\) holds a date or time") as err:
        nd.load_matrix(tmp_path / "d.xlsx")
    assert "seconds" in err.value.hint
    rows = [[*NAMES, "laser"], *[[0.1, 0.2, 0.3, i % 2 == 0] for i in range(5)]]
    _workbook(tmp_path / "b.xlsx", {"Sheet1": rows})
    with pytest.raises(FormatError, match=r"cell D2 \(column 'laser'\) holds TRUE"):
        nd.load_matrix(tmp_path / "b.xlsx", dt_s=0.5)
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(60))
    assert nd.recording_format(tmp_path / "old.xls") == "matrix"
    with pytest.raises(FormatError, match=r"old binary Excel workbook \(\.xls\)") as err:
        nd.load_matrix(tmp_path / "old.xls")
    assert ".xlsx" in err.value.hint and "CSV" in err.value.hint
    (tmp_path / "fake.xlsx").write_text("time,a\n0,1\n")
    with pytest.raises(FormatError, match="not a readable Excel workbook"):
        nd.load_matrix(tmp_path / "fake.xlsx")


def test_title_rows_above_the_table_are_skipped_with_a_note(tmp_path):
    rows = [HEADER, *_rows()]
    rows[5][2] = 0.0
    above = [["Whole-brain imaging, worm 3"], [None], ["frame rate", "2 Hz"]]
    _workbook(tmp_path / "t.xlsx", {"Sheet1": above + rows}, start="B2")
    ds = nd.load_matrix(tmp_path / "t.xlsx")
    ref = nd.load_matrix(_workbook(tmp_path / "plain.xlsx", {"Sheet1": rows}))
    np.testing.assert_array_equal(ds.traces.values, ref.traces.values)
    assert ds.label.values.tolist() == HEADER[1:]
    note = next(n for n in ds.attrs["import_notes"] if "above the table" in n)
    assert "3 rows" in note and "worm 3; frame rate; 2 Hz" in note and "starts at row 5" in note
    rows[7][3] = "n/a"  # the table's row 8 from sheet row 5: row 12; its fourth column from B: E
    _workbook(tmp_path / "bad.xlsx", {"Sheet1": above + rows}, start="B2")
    with pytest.raises(FormatError, match=r"cell E12 \('AVAL'\) holds 'n/a'"):
        nd.load_matrix(tmp_path / "bad.xlsx")


def test_rows_of_a_few_numbers_on_top_are_frames_not_a_title(tmp_path):
    rows = [[0.1, None, None], [0.2, 0.3, 0.4], [0.5, 0.6, 0.7], [0.8, 0.9, 1.0]]
    _workbook(tmp_path / "n.xlsx", {"Sheet1": rows})
    ds = nd.load_matrix(tmp_path / "n.xlsx", dt_s=1.0, allow_nan=True)
    assert ds.sizes == {"time": 4, "neuron": 3} and np.isnan(ds.traces.values[0, 1])


def test_numbers_kept_as_text_with_decimal_commas(tmp_path):
    rows = [HEADER, *_rows()]
    rows[5][2] = 0.0
    text = [rows[0], *[[None if v is None else str(v).replace(".", ",") for v in row]
                       for row in rows[1:]]]
    text[3][1] = 0.25  # a cell Excel kept as a number beside the text ones
    ds = nd.load_matrix(_workbook(tmp_path / "eu.xlsx", {"Sheet1": text}), allow_nan=True)
    rows[3][1] = 0.25
    ref = nd.load_matrix(_workbook(tmp_path / "ref.xlsx", {"Sheet1": rows}), allow_nan=True)
    np.testing.assert_array_equal(ds.traces.values, ref.traces.values)
    np.testing.assert_allclose(ds.time.values, ref.time.values)
    assert any("decimal comma" in n for n in ds.attrs["import_notes"])
    text[6][2] = "n/a"
    with pytest.raises(FormatError, match=r"cell C7 \(''\) holds 'n/a'"):
        nd.load_matrix(_workbook(tmp_path / "bad.xlsx", {"Sheet1": text}), allow_nan=True)


def test_cli_imports_a_workbook(tmp_path, capsys):
    from neurocast.cli import main

    rows = [HEADER, *_rows()]
    rows[5][2] = 0.0
    xlsx = _workbook(tmp_path / "rec.xlsx", {"Sheet1": rows})
    assert nd.recording_format(xlsx) == "matrix"
    out = tmp_path / "rec.zarr"
    assert main(["data", "import", str(xlsx), str(out)]) == 0
    ds = nd.open_dataset(out)
    assert ds.sizes["time"] == 12 and ds.attrs["dt_s"] == pytest.approx(0.5)
    capsys.readouterr()
    rows[3][1] = "oops"
    bad = _workbook(tmp_path / "bad.xlsx", {"Sheet1": rows})
    assert main(["data", "import", str(bad), str(tmp_path / "bad.zarr")]) == 2
    err = capsys.readouterr().err
    assert "cell B4" in err and "'oops'" in err and "Traceback" not in err


@pytest.mark.parametrize("above, frames, names", [
    ([["0,25", None, None, None]], 21, None),  # a first frame of numbers kept as text
    ([["Title"], [0.1, None, None, None]], 21, ["Title", "", "", ""]),  # a frame, not a title
    ([["time", None, None, None]], 20, None),  # a header with blank cells, not a title
    ([["Title"], ["time", None, None, None]], 20, None),  # a title above such a header
])
def test_what_is_above_the_first_full_row_is_kept_unless_it_is_a_title(tmp_path, above, frames,
                                                                        names):
    rows = [[0.5 * i, 0.1 * i, 0.2, 0.3 + i] for i in range(1, 21)]
    ds = nd.load_matrix(_workbook(tmp_path / "a.xlsx", {"Sheet1": above + rows}), dt_s=0.5,
                        allow_nan=True)
    assert ds.sizes["time"] == frames
    notes = " ".join(ds.attrs.get("import_notes", []))
    assert ("above the table skipped" in notes) == (above[0] == ["Title"] and frames == 20)
    if names is not None:
        assert ds.label.values.tolist() == names
    if above[-1][0] == "time":  # the header's time column is the timestamps, 3 neurons left
        assert ds.sizes["neuron"] == 3 and "'time' holds the frame timestamps" in notes
