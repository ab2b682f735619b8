"""Text tables (CSV, TSV, white space; gzip-compressed too) read for ``load_matrix`` (private).

``read_text_table`` does the text file's part of reading a table: its encoding (UTF-8, or
UTF-16 with its byte-order mark; other text refused with how to save it), blank and '#'
comment lines above it, its separator and header row, a cut-off last row, an empty last
column, decimal commas (``_decimal_commas``), durations written as text in a time column
(``_timedelta_text``), an Inscopix export's row of cell statuses (``_inscopix``) and BIDS's
``Columns``. Which of its columns are neurons is decided in
``_table_columns``, as for a worksheet or a Parquet table.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from pathlib import Path

import pandas as pd

from neurocast.data._decimal_commas import read_decimal_commas
from neurocast.data._inscopix import is_status_row, keep_cells
from neurocast.data._loading import GZIP_TABLES, MATRIX_HINT, data_extension
from neurocast.data._table_columns import Table, is_header, non_numeric_refusal, table_columns
from neurocast.data._timedelta_text import read_timedelta_text
from neurocast.errors import FormatError

__all__ = ["read_text_table"]


def _cells(line: str, sep: str) -> list[str]:
    """The cells of one line of a table, unquoted and stripped."""
    if sep == r"\s+":
        return line.split()
    return [c.strip() for c in next(csv.reader([line], delimiter=sep))]


def _gzipped(path: Path) -> bool:
    """True for a gzip-compressed table (``GZIP_TABLES``: 'rec.tsv.gz'), read as the text
    inside."""
    return data_extension(path) in GZIP_TABLES


def _encoding(path: Path) -> str:
    """The text encoding of a table: UTF-16 when it starts with UTF-16's byte-order mark (Excel's
    'Unicode text'), else UTF-8 (a byte-order mark, 'utf-8-sig', not part of a cell)."""
    with (gzip.open(path, "rb") if _gzipped(path) else open(path, "rb")) as fh:
        return "utf-16" if fh.read(2) in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"


def _open_text(path: Path, encoding: str):
    """A text table opened for reading in ``encoding`` (decompressed if ``_gzipped``)."""
    if _gzipped(path):
        return gzip.open(path, "rt", encoding=encoding)
    return open(path, encoding=encoding)


def _non_utf8_refusal(exc: UnicodeDecodeError, what: str) -> FormatError:
    """The error for a text table holding bytes that are not UTF-8 (Excel's 'CSV' on Windows
    writes the system's code page, e.g. cp1252: 'é' as the byte 0xe9). A table's text is not
    guessed, unlike a name stored as bytes in a container (``_matrix_keys.decode_name``, read
    as latin-1 with a note): a whole file in an unknown code page may be misread anywhere."""
    byte = exc.object[exc.start:exc.start + 1].hex()
    return FormatError(f"{what} is not UTF-8 text: it holds the byte 0x{byte}, which UTF-8 "
                       "does not allow there; a text table is read as UTF-8 (or UTF-16 with its "
                       "byte-order mark) only (a file saved as 'CSV' by Excel on Windows is in "
                       "the system's code page, e.g. cp1252, where an accented letter such as "
                       "'é' is one byte, 0xe9)", "save it as UTF-8 (Excel: 'CSV UTF-8'; "
                       "pandas: df.to_csv(PATH, encoding='utf-8')) and import again")


def _read_rows(path: Path, encoding: str = "utf-8-sig", **options) -> tuple[pd.DataFrame, str]:
    """A text table as pandas reads it (``options``: ``pandas.read_csv``'s) and its last
    non-blank line, in one pass over its text: a plain file is read by pandas from its path
    and its last line back from its end (``_last_line``); a gzip-compressed one, which cannot
    be read backwards, is decompressed once, its last line kept as pandas reads it
    (``_LastLine``); a UTF-16 one (``_encoding``) is decoded whole first."""
    if encoding != "utf-8-sig":
        with _open_text(path, encoding) as fh:
            text = fh.read()
        lines = text.splitlines()
        return (pd.read_csv(io.StringIO(text), **options),
                next((line for line in reversed(lines) if line.strip()), ""))
    if not _gzipped(path):
        return pd.read_csv(path, encoding=encoding, **options), _last_line(path)
    with gzip.open(path, "rb") as source:
        last = _LastLine(source)
        return (pd.read_csv(io.BufferedReader(last, 1 << 16), encoding=encoding, **options),
                last.line)


def _last_line(path: Path) -> str:
    """The last non-blank line of a plain text file, read back from its end."""
    with open(path, "rb") as fh:
        end = fh.seek(0, os.SEEK_END)
        size = 1 << 16
        while True:  # read back from the end until the tail holds a whole non-blank line
            fh.seek(max(0, end - size))
            tail = fh.read()
            text = tail.rstrip()
            if size >= end or b"\n" in text:  # the whole file, or a line break before the last line
                break
            size *= 4
    lines = tail.decode("utf-8", "replace").splitlines()
    return next((line for line in reversed(lines) if line.strip()), "")


class _LastLine(io.RawIOBase):
    """A binary stream passing on the bytes of ``source`` (a decompressing file) and keeping
    the last non-blank line among them (``line``): a table's last row, checked once pandas has
    read the whole text through it. Each read looks at its new bytes only, so a line of any
    length costs time in proportion to it."""

    def __init__(self, source):
        super().__init__()
        self._source = source
        self._tail = bytearray()  # the bytes read from the start of the last non-blank line on
        self._break = 0  # where in _tail the bytes after its last line break start (0: none)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._source.read(len(buffer))
        buffer[:len(chunk)] = chunk
        end = len(chunk.rstrip())  # the end of the chunk's last non-blank byte, 0 if none
        # the start of a line holding it: after a line break (LF, CRLF, an old Mac file's CR)
        start = max(chunk.rfind(b"\n", 0, end), chunk.rfind(b"\r", 0, end)) + 1 if end else 0
        if start:  # a new last non-blank line begins in this chunk
            self._tail, offset, self._break = bytearray(chunk[start:]), -start, 0
        else:
            if end:  # text after the tail's blank lines: the line starts after their break
                del self._tail[:self._break]
                self._break = 0
            offset = len(self._tail)
            self._tail += chunk
        last = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if last >= 0:
            self._break = max(0, offset + last + 1)
        return len(chunk)

    @property
    def line(self) -> str:
        """The last non-blank line read so far, without its line break."""
        return next(iter(self._tail.splitlines()), b"").decode("utf-8-sig", "replace")


def _check_last_row(last: str, sep: str, n_columns: int, what: str) -> None:
    """Raise FormatError if the table's last line ``last`` holds fewer cells than its columns:
    a file cut off while being written (the reader would fill the missing cells with NaN)."""
    n = len(_cells(last, sep))
    if n < n_columns:
        raise FormatError(f"{what}: its last row holds {n} of the {n_columns} cells of the others; "
                          "the file looks cut off", "delete the incomplete last row, or export "
                          "the file again")


def read_text_table(path: Path, what: str, dt_given: bool = False,
                    stimulus: list[str] | None = None, all_rois: bool = False,
                    columns: tuple[list[str], str] | None = None) -> Table:
    """A text table as ``Table``: the text file's part of reading it, the rest is
    ``table_columns``'s. A gzip-compressed one ('rec.tsv.gz') is read as the text inside,
    decompressed once (``_read_rows``).

    Blank and '#' comment lines above the table are skipped, and a byte-order mark. The
    separator is the first line's tab, ';', ',' or else white space. The header row (the first
    line, ``is_header``) must have one cell per column. A last row with fewer cells than the
    others (a cut-off file) raises FormatError; an empty last column, when every line ends
    with the separator (Excel, LabVIEW), is dropped with a note. An Inscopix IDPS export (a
    second header row of cell statuses) is read as ``_inscopix.keep_cells`` says (``all_rois``:
    every cell). ``columns``: names for the columns of a table without a header row, and where
    they come from (BIDS's ``Columns`` and "its sidecar 'x.json'"): read as its header; a table
    with a header row keeps its own, with a note.
    """
    try:
        encoding = _encoding(path)
        with _open_text(path, encoding) as fh:
            skip, first = 0, ""
            for line in fh:  # blank and '#' comment lines above the table are skipped
                if line.strip() and not line.lstrip().startswith("#"):
                    first = line.rstrip("\r\n")
                    second = next((ln for ln in fh if ln.strip()), "").rstrip("\r\n")  # below it
                    break
                skip += 1
    except gzip.BadGzipFile:
        plain = path.name[:-len(".gz")]
        raise FormatError(f"{what} is not gzip-compressed, despite its name",
                          f"rename it '{plain}' if it is a plain text table") from None
    except UnicodeDecodeError as exc:
        raise _non_utf8_refusal(exc, what) from None
    except (OSError, EOFError) as exc:  # EOFError: a cut-off .gz
        raise FormatError(f"cannot read {what}: {exc}", "give a text table of numbers") from None
    if not first.strip():
        raise FormatError(f"{what} is empty", MATRIX_HINT)
    if path.name.lower().endswith((".tsv", ".tsv.gz")) or "\t" in first:
        sep = "\t"
    elif ";" in first:  # before ',': a ';' table may hold decimal commas
        sep = ";"
    elif "," in first:
        sep = ","
    else:
        sep = r"\s+"
    cells = _cells(first, sep)
    header = is_header(cells)
    statuses = _cells(second, sep) if header and second.strip() else []
    inscopix = is_status_row(statuses)
    try:
        table, last = _read_rows(path, encoding, sep=sep, header=None,
                                 skiprows=skip + header + inscopix,
                                 engine="python" if sep == r"\s+" else "c")
    except pd.errors.EmptyDataError:
        raise FormatError(f"{what} has no rows of values" + (" below its header" if header else ""),
                          "the file may be cut off: export it again") from None
    except UnicodeDecodeError as exc:  # below the lines read above
        raise _non_utf8_refusal(exc, what) from None
    except pd.errors.ParserError as exc:
        raise FormatError(f"cannot parse {what}: {str(exc).splitlines()[0]}",
                          "every row needs the same number of cells; " + MATRIX_HINT) from None
    except (OSError, EOFError) as exc:  # a damaged or cut-off .gz
        raise FormatError(f"cannot read {what}: {exc}", "the compressed file may be cut off: "
                          "compress or download it again") from None
    if header and len(cells) != table.shape[1]:
        raise FormatError(f"{what}: the header row has {len(cells)} cells but the rows "
                          f"{table.shape[1]}", "give every column a header cell; an unnamed "
                          "first column (row index or timestamps) has an empty one: ',a,b'")
    _check_last_row(last, sep, table.shape[1], what)
    notes: list[str] = []
    if (sep != r"\s+" and table.shape[1] > 1 and table.iloc[:, -1].isna().all()
            and cells[-1] == "" and (_cells(second if header else first, sep) or ["?"])[-1] == ""):
        # every line ends with the separator (Excel, LabVIEW): no column, not a dead neuron
        notes.append(f"every row ends with {'a tab' if sep == chr(9) else repr(sep)} and the "
                     "empty last column holds no value: not read as a neuron")
        table, cells = table.iloc[:, :-1], cells[:-1]
    table = read_decimal_commas(table, what, notes)
    if columns is not None and not header:  # BIDS: a headerless table, named by its sidecar
        cells, header = _named_columns(columns, table.shape[1], what, notes), True
    elif columns is not None and cells != columns[0]:
        notes.append(f"'Columns' in {columns[1]} is not read: the table has a header row of its "
                     "own, which names its columns")
    if inscopix:
        cells, table = keep_cells(cells, statuses, table, all_rois, what, notes)
    seconds: set[int] = set()  # the columns of durations: seconds, whatever their name says
    if header:
        table, seconds = read_timedelta_text(cells, table, notes)
    return table_columns(cells, table, header, what, notes, dt_given,
                         lambda: non_numeric_refusal(table, cells if header else None, what),
                         stimulus, seconds=seconds)


def _named_columns(columns: tuple[list[str], str], n_columns: int, what: str,
                   notes: list[str]) -> list[str]:
    """The header of a table without one from ``columns`` (names, and where they come from),
    with a note; FormatError unless it names each of the ``n_columns`` columns."""
    names, source = columns
    if len(names) != n_columns:
        raise FormatError(f"{what}: 'Columns' in {source} names {len(names)} column(s), but the "
                          f"table has {n_columns}", "give one name per column, in order (the "
                          "table has no header row), or leave 'Columns' out and give the names "
                          "with --names")
    notes.append(f"the table has no header row: its columns are named by 'Columns' in {source}")
    return list(names)
