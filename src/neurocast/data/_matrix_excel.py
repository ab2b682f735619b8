"""Reading one worksheet of an Excel workbook (.xlsx, .xlsm) as a table (private).

A worksheet is read as a text table is (``_table_columns.table_columns``: a header row of
neuron names or none, a time column with its unit, a row index or frame index dropped, the
columns ``--stimulus-columns`` names read as stimulus covariates, others named like a stimulus
noted), from the cells' values as Excel last saved them: a formula is
read as its saved result, and one without a saved result (a file written by a program, never
opened in Excel) is refused, naming its cell. Rows and columns without any value around the
table (Excel's used range often takes in blank rows or columns that only hold formatting) are
left out, and so are rows of a title or notes above it (``_title_rows``); a blank cell inside
the table is a missing value (NaN). Numbers kept as text are read, decimal commas too
(``_decimal_commas``), and so are durations written as text in a time column, as seconds
(``_timedelta_text``); cells that are not numbers (other text, dates and times, TRUE/FALSE,
Excel's error values such as '#DIV/0!') are refused, naming the cell as Excel does ('C7').
The old binary .xls is not read.
"""

from __future__ import annotations

import datetime
import warnings
import zipfile
from pathlib import Path

import pandas as pd

from neurocast._numbers import is_real
from neurocast.data._decimal_commas import is_number, read_decimal_commas
from neurocast.data._table_columns import Table, is_header, non_numeric_refusal, table_columns
from neurocast.data._timedelta_text import read_timedelta_text
from neurocast.errors import FormatError

__all__ = ["EXCEL_SUFFIXES", "read_sheet"]

#: Suffixes of Excel workbooks; .xls (the binary format before 2007) only to refuse it.
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
#: Excel's error values, as a formula's saved result.
_EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                 "#GETTING_DATA", "#SPILL!", "#CALC!")
_HINT_SAVE = "save the sheet as CSV, or the workbook as .xlsx from Excel (File > Save As)"


def read_sheet(path: Path, what: str, sheet: str | None = None, dt_given: bool = False,
               stimulus: list[str] | None = None) -> tuple[Table, str]:
    """The worksheet ``sheet`` (default: the first) of the workbook ``path`` as a table (see
    ``_table_columns.Table``; its columns named by ``stimulus`` read as stimulus covariates),
    and the sheet's name. A workbook of several sheets gets a note
    naming the one read and the others. Raises FormatError for an .xls file, a file that is no
    readable workbook, a sheet that is missing (listing the sheets) or empty, and a cell that is
    not a number or a formula without a saved value (naming the cell)."""
    if path.suffix.lower() == ".xls":
        raise FormatError(f"{what} is an old binary Excel workbook (.xls), which is not read",
                          "save it as an Excel Workbook (.xlsx) from Excel (File > Save As), or "
                          "export the sheet as CSV")
    titles, title, rows, formulas = _read_cells(path, what, sheet, data_only=False)
    notes: list[str] = []
    if sheet is None and len(titles) > 1:
        notes.append(f"{what} holds {len(titles)} worksheets: {title!r}, the first, is read (not "
                     + ", ".join(map(repr, titles[1:4])) + (", ..." if len(titles) > 4 else "")
                     + "); choose another with --key SHEET (key=)")
    where = f"{what}, sheet {title!r}"
    if formulas:  # their saved results are in the other reading of the file
        saved = _read_cells(path, what, title, data_only=True)[2]
        for r, c in formulas:
            value = saved[r][c] if r < len(saved) and c < len(saved[r]) else None
            if value is None:
                raise FormatError(f"{where}: cell {_ref(r, c)} holds a formula with no saved value "
                                  f"({getattr(rows[r][c], 'text', rows[r][c])}): open and save the file in Excel, or export "
                                  "CSV", "the workbook was written by a program that does not "
                                  "compute formulas; Excel (or LibreOffice) saves each formula's "
                                  "result when it saves the file")
            rows[r][c] = value
    rows = [[(v.strip() or None) if isinstance(v, str) else v for v in row] for row in rows]
    r0, c0, rows = _trim(rows)
    if not rows:
        others = [t for t in titles if t != title]
        raise FormatError(f"{where} is empty", "choose the sheet that holds the traces with --key "
                          "SHEET (key=): " + ", ".join(map(repr, others))
                          if others else _HINT_SAVE)
    above = _title_rows(rows)
    if above:
        said = [_text(v) for row in rows[:above] for v in row if v is not None]
        notes.append(f"{where}: {above} row{'s' * (above > 1)} above the table skipped (a title or "
                     f"notes: {'; '.join(said)[:120]!r}); the table starts at row {r0 + above + 1}")
        r0, rows = r0 + above, rows[above:]
    first = [_text(v) for v in rows[0]]
    header = is_header(first)
    body = rows[1:] if header else rows
    if not body:
        raise FormatError(f"{where} has no rows of values below its header",
                          "the first row is read as the neurons' names, the rows below it as "
                          "frames")
    for i, row in enumerate(body):
        for j, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, (int, float, str, type(None))):
                column = f" (column {first[j]!r})" if header and first[j] else ""
                raise _not_a_number(where, _ref(r0 + header + i, c0 + j) + column, v)
            if isinstance(v, str) and v in _EXCEL_ERRORS:
                raise FormatError(f"{where}: cell {_ref(r0 + header + i, c0 + j)} holds Excel's "
                                  f"error value {v} (a formula that failed), not a number",
                                  "correct the formula, or clear the cell (an empty cell is a "
                                  "missing value, imported with --allow-nan)")
    table = read_decimal_commas(pd.DataFrame(body, dtype=object), where, notes)
    seconds: set[int] = set()  # the columns of durations: seconds, whatever their name says
    if header:
        table, seconds = read_timedelta_text(first, table, notes)

    def cell_ref(i: int, j: int) -> str:  # a cell of ``table`` by its row and column, from 0
        return _ref(r0 + header + i, c0 + j)

    read = table_columns(first, table, header, where, notes, dt_given,
                         lambda: non_numeric_refusal(table, first if header else None, where,
                                                     cell_ref=cell_ref), stimulus, cell_ref,
                         seconds)
    return read, title


def _read_cells(path: Path, what: str, sheet: str | None, data_only: bool
                ) -> tuple[list[str], str, list[list], list[tuple[int, int]]]:
    """The workbook's worksheet names, the name of the one read (``sheet``, else the first),
    its cells' values as rows (row 1 and column A first, rows of unequal lengths), and where its
    formulas are (row, column from 0; with ``data_only`` the values are the formulas' saved
    results, None where there is none, and no formula is found)."""
    import openpyxl  # heavy: only for Excel files (a dependency of cect)
    from openpyxl.utils.exceptions import InvalidFileException

    with open(path, "rb") as fh:
        if fh.read(4) == b"\xd0\xcf\x11\xe0":  # an OLE2 file: .xls, or an encrypted workbook
            raise FormatError(f"{what} is a binary Excel file (the old .xls format, or a "
                              "password-protected workbook), which is not read",
                              "save it as an Excel Workbook (.xlsx) without a password, or export "
                              "the sheet as CSV")
    try:
        with warnings.catch_warnings():  # openpyxl warns of styles and extensions it leaves out
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
            try:
                sheets = {ws.title: ws for ws in book.worksheets if hasattr(ws, "iter_rows")}
                titles = list(sheets)
                title = titles[0] if sheet is None else _sheet_title(sheet, titles, what)
                ws = sheets[title]
                ws.reset_dimensions()  # the saved used range may be wrong: read every cell
                rows = [list(row) for row in ws.iter_rows(values_only=True)]
            finally:
                book.close()
    except FormatError:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise FormatError(f"{what} is not a readable Excel workbook ({type(exc).__name__}: "
                          f"{str(exc)[:120]})", _HINT_SAVE) from None
    formulas = [] if data_only else [(r, c) for r, row in enumerate(rows)
                                     for c, v in enumerate(row) if _formula(v)]
    return titles, title, rows, formulas


def _sheet_title(sheet: str, titles: list[str], what: str) -> str:
    """The worksheet named ``sheet`` (as Excel, ignoring case if no name matches exactly)."""
    if sheet in titles:
        return sheet
    same = [t for t in titles if t.lower() == str(sheet).lower()]
    if same:
        return same[0]
    raise FormatError(f"{what} has no worksheet {sheet!r}", "its sheets: "
                      + ", ".join(map(repr, titles)) + "; choose one with --key SHEET (key=)")


def _formula(v) -> bool:
    """True for a cell value openpyxl reads as a formula (not its result): '=A1+1', or an
    array or data-table formula object."""
    if isinstance(v, str):
        return v.startswith("=")
    return type(v).__name__ in ("ArrayFormula", "DataTableFormula")


def _trim(rows: list[list]) -> tuple[int, int, list[list]]:
    """The rows and columns holding a value, and what lies between them: the first row's and
    column's index (from 0) and the cells, every row as long as the longest (None for a blank
    cell). Blank rows and columns around them are left out."""
    filled = [r for r, row in enumerate(rows) if any(v is not None for v in row)]
    if not filled:
        return 0, 0, []
    cols = [c for r in filled for c, v in enumerate(rows[r]) if v is not None]
    c0, c1 = min(cols), max(cols) + 1
    out = [(list(row[c0:c1]) + [None] * c1)[:c1 - c0] for row in rows[filled[0]:filled[-1] + 1]]
    return filled[0], c0, out


def _title_rows(rows: list[list]) -> int:
    """How many rows at the top of a trimmed sheet (``_trim``) are a title or notes above the
    table, not part of it. The table starts at its first row filled in at least half of its
    columns (among the first 11 rows): the rows above it are a title only if none holds a
    number (a row of a few numbers is a frame with missing values), and when that first full
    row is a frame, the last filled row above it is its header (a header may have blank
    cells), not a title. Tables of one column have none."""
    width = len(rows[0])
    if width < 2:
        return 0
    full = max(2, (width + 1) // 2)
    k = next((i for i, row in enumerate(rows[:11]) if sum(v is not None for v in row) >= full), 0)
    if any(_number_cell(v) for row in rows[:k] for v in row):
        return 0
    if k and not is_header([_text(v) for v in rows[k]]):  # a frame: keep the header above it
        k = max(i for i in range(k) if any(v is not None for v in rows[i]))
    return k


def _number_cell(v) -> bool:
    """True for a cell holding a number, or text that reads as one (decimal commas too)."""
    if isinstance(v, str):
        return is_number(v)
    return is_real(v)


def _ref(r: int, c: int) -> str:
    """A cell's name as Excel writes it, from its row and column counted from 0: (6, 2) -> 'C7'."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(c + 1)}{r + 1}"


def _text(v) -> str:
    """A header cell as text: '' for a blank one, whole numbers without a decimal point."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v).upper()
    return str(v).strip()  # a float keeps its point (1.0): Excel saves a whole number as int


def _not_a_number(where: str, cell: str, v) -> FormatError:
    """The refusal of a cell holding a date or time, or TRUE/FALSE."""
    if isinstance(v, bool):
        return FormatError(f"{where}: cell {cell} holds {str(v).upper()}, which is not a number",
                           "give numbers (1 and 0 for on and off), or leave the column out")
    if isinstance(v, (datetime.date, datetime.time, datetime.timedelta)):
        return FormatError(f"{where}: cell {cell} holds a date or time ({v}), not a number",
                           "give the times as numbers of seconds (or ms, min, ...) in a column "
                           "named with its unit, e.g. 'Time (s)': format the cells as Number, or "
                           "compute the seconds from the first frame, e.g. =(A2-A$2)*86400")
    return FormatError(f"{where}: cell {cell} holds {v!r} ({type(v).__name__}), which is not a "
                       "number", _HINT_SAVE)
