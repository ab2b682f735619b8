"""Reading the files ``load_matrix`` imports: arrays, containers and text tables (private).

A .npy file is one array (``_read_npy``, memory-mapped). A container gives its arrays by key
and its attributes: .npz (``_read_npz``: arrays only, no pickled objects); HDF5 and MATLAB
v7.3 (``_read_hdf5``: MATLAB's char, empty and cell arrays (object references) read as MATLAB
wrote them, 2-D arrays transposed back, arrays of more than 2 dimensions left unread as
``_Unread``); MATLAB v5 (``_read_mat`` through scipy, structs flattened to 'struct/field' keys
as in v7.3); JSON (``_read_json``: an object's entries, nested objects flattened to 'a/b'
keys, lists converted to arrays, objects naming neurons by row number kept as
``IndexedNames``). A text table (``_read_table``) gives its values, header names, timestamps and
notes: which of its columns are a row index, timestamps, a frame index or (named by
``--stimulus-columns``) stimulus covariates rather than neurons (``_table_columns``, which
decides so for a worksheet of an Excel workbook too: ``_matrix_excel``).
Which array holds the traces, their orientation, timing and names are decided in
``_matrix.py``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from neurocast.data._decimal_commas import is_number, read_decimal_commas
from neurocast.data._inscopix import is_status_row, keep_cells
from neurocast.data._loading import GZIP_TABLES, data_extension
from neurocast.data._long_tables import pivot_long
from neurocast.data._matrix_keys import (
    FRAME_KEYS,
    IndexedNames,
    _pick,
    _seconds_per_unit,
    _time_base,
    _time_key,
    check_timestamps,
    index_keyed_names,
    named_like_covariate,
    table_time_columns,
)
from neurocast.data._matrix_stimulus import Covariates, flag_for, no_header, table_covariates
from neurocast.data._neuron_rows import neuron_rows
from neurocast.errors import FormatError

_HINT_FORMAT = "a matrix file holds a (time, neuron) array of numbers; see docs/datasets.md"


def _read_npy(path: Path, what: str) -> np.ndarray:
    """A plain .npy array, memory-mapped (not read into memory until used)."""
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise FormatError(f"{what} is not a readable .npy array ({str(exc).splitlines()[0]})",
                          "save a numeric array with numpy.save") from None


# ---------------------------------------------------------------------- containers

def _read_npz(path: Path, what: str) -> dict:
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise FormatError(f"{what} holds Python objects (pickled), which are not read for safety",
                              "save plain numeric and string arrays (np.savez with numbers/str)") from None
        raise FormatError(f"{what} is not a readable .npz file: {exc}", _HINT_FORMAT) from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise FormatError(f"{what} is empty or not a valid .npz file ({type(exc).__name__})",
                          "re-save it with numpy.savez") from None


def _h5_value(f, obj):
    """An HDF5 dataset as numpy, read the way MATLAB v7.3 writes: an empty array (attribute
    ``MATLAB_empty``; its data is its shape) as a size-0 array, a char array as str (one per
    row), a cell array (object references) as an object array of its cells' values, each read
    so (a cell inside a cell is an object array too; a struct in a cell an empty one), and a
    2-D MATLAB array transposed back to MATLAB's shape."""
    import h5py  # heavy: only for HDF5/MAT v7.3 files

    cls = obj.attrs.get("MATLAB_class", b"")
    cls = cls.decode() if isinstance(cls, bytes) else str(cls)
    if cls and obj.attrs.get("MATLAB_empty", 0):
        return np.empty(0, dtype={"char": str, "cell": object}.get(cls, np.float64))
    data = obj[()]
    if cls == "char":
        codes = np.asarray(data, dtype=np.uint16)
        return np.asarray(["".join(map(chr, row)).strip("\x00") for row in np.atleast_2d(codes.T)])
    if obj.dtype.kind == "O" and h5py.check_dtype(ref=obj.dtype) is not None:
        refs = np.asarray(data)
        data = np.empty(refs.shape, dtype=object)
        for i, ref in np.ndenumerate(refs):
            target = f[ref] if ref else None  # a null reference points nowhere
            data[i] = (_h5_value(f, target) if isinstance(target, h5py.Dataset)
                       else np.empty(0, dtype=object))
    if cls and obj.ndim == 2:  # MATLAB stores column-major: h5py sees the transpose
        data = np.asarray(data).T
    return data


@dataclass(frozen=True)
class _Unread:
    """An HDF5 array of more than 2 dimensions (an imaging movie, a stack of masks), or a JSON
    list that is no array (``_json_array``): never a trace matrix, timestamps or names, so it
    is not read (it may be gigabytes); its shape and dtype still show where a file's arrays
    are listed, and ``why`` (if given) says what it is instead of its shape."""

    shape: tuple
    dtype: np.dtype
    why: str = ""

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


def _read_hdf5(path: Path, what: str) -> tuple[dict, dict]:
    import h5py  # heavy: only for HDF5 files

    arrays, attrs = {}, {}
    try:
        with h5py.File(path, "r") as f:
            def visit(name, obj):
                # MATLAB's own groups are left out: #refs# (the cells' contents, read through
                # their cell arrays) and #subsystem# (class objects)
                if isinstance(obj, h5py.Dataset) and not name.startswith("#"):
                    arrays[name] = (_Unread(obj.shape, obj.dtype) if obj.ndim > 2
                                    else _h5_value(f, obj))
                    attrs.update({f"{name}/{k}": v for k, v in obj.attrs.items()})
            f.visititems(visit)
            attrs.update(dict(f.attrs))
    except OSError as exc:
        raise FormatError(f"{what} is not a readable HDF5 file: {exc}",
                          "give an HDF5 (.h5) or MATLAB v7.3 file") from None
    return arrays, attrs


def _read_json(path: Path, what: str) -> dict:
    """A JSON file holding one object, as key -> array (``json_arrays``). Raises FormatError,
    with the parser's line and column, for a file that is not JSON (``load_json``), and for
    one whose top level is not an object."""
    doc = load_json(path, what)
    if not isinstance(doc, dict):
        raise FormatError(f"{what} holds a {json_kind(doc)} at its top level, not an object of "
                          'named arrays', 'give one recording per file as an object, e.g. '
                          '{"traces": [[...], ...], "timestamps": [...]} (a matrix alone: '
                          '{"traces": MATRIX}); see docs/datasets.md')
    return json_arrays(doc)


def json_kind(doc) -> str:
    """What a parsed JSON document is, in words: 'object', 'list', 'string', 'null', ..."""
    return {dict: "object", list: "list", str: "string", type(None): "null",
            bool: "boolean"}.get(type(doc), "number")


def load_json(path: Path, what: str):
    """A JSON file's document as Python objects (a byte-order mark allowed). Raises
    FormatError, with the parser's line and column, for a file that is not JSON."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as exc:
        raise FormatError(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column "
                          f"{exc.colno}", "the file may be cut off (an interrupted download?) "
                          "or not JSON; `python -m json.tool FILE` shows where it breaks") from None
    except (UnicodeDecodeError, RecursionError) as exc:
        raise FormatError(f"{what} is not readable JSON ({type(exc).__name__}: "
                          f"{str(exc)[:120]})", "JSON files are UTF-8 text") from None
    return doc


def json_arrays(doc: dict) -> dict:
    """A JSON object as key -> array: nested objects flattened to 'a/b' keys; a list of numbers
    (null: NaN; the non-standard NaN and Infinity too) as a float64 array, 2-D or more when its
    lists nest with equal lengths; a list of text as a str array (null: ''); a list of
    true/false as a bool array; other lists (of unequal lengths, mixing kinds, holding objects)
    as ``_Unread``; a scalar as a 0-d array. An object keying text labels by row number
    (``index_keyed_names``: WormWideWeb's ``labeled``) is kept whole as ``IndexedNames``."""
    arrays: dict = {}
    _flatten_json("", doc, arrays)
    return arrays


def _flatten_json(prefix: str, obj: dict, arrays: dict) -> None:
    """Put a JSON object's entries into ``arrays`` under ``prefix`` + their name (see
    ``json_arrays``), the entries of nested objects under 'name/inner'."""
    for name, v in obj.items():
        key = f"{prefix}{name}"
        if isinstance(v, dict):
            rows = index_keyed_names(v)
            if rows is not None:
                arrays[key] = IndexedNames(key, rows)
            else:
                _flatten_json(f"{key}/", v, arrays)
        elif isinstance(v, list):
            arrays[key] = _json_array(v)
        else:  # a scalar: read as a 1-element list
            a = _json_array([v])
            arrays[key] = a.reshape(()) if isinstance(a, np.ndarray) else a


def _json_shape(items: list, kinds: set) -> tuple | None:
    """The shape of nested lists whose lists at each depth have equal lengths, or None (ragged:
    a list holding lists of different lengths, or lists beside values); adds the types of
    their values to ``kinds``."""
    types = set(map(type, items))
    if list not in types:
        kinds |= types
        return (len(items),)
    if types != {list}:
        return None
    inner = [_json_shape(x, kinds) for x in items]
    if inner[0] is None or any(s != inner[0] for s in inner[1:]):
        return None
    return (len(items), *inner[0])


def _json_array(items: list):
    """A JSON list as numpy, converted once (see ``_read_json``), or ``_Unread``."""
    kinds: set = set()
    shape = _json_shape(items, kinds)
    if shape is None:
        return _Unread((len(items),), np.dtype(object), "a ragged list (lists of unequal "
                       "lengths, or lists beside values)")
    try:
        if kinds <= {int, float, type(None)}:
            return np.asarray(items, dtype=np.float64)  # None -> NaN
    except OverflowError:  # a whole number beyond float64
        return _Unread(shape, np.dtype(object), "numbers too large to read")
    if kinds == {bool}:
        return np.asarray(items, dtype=bool)
    if str in kinds and kinds <= {str, type(None)}:
        text = np.array(items, dtype=object).reshape(shape)
        text[np.equal(text, None)] = ""
        return text.astype(str)
    return _Unread(shape, np.dtype(object), "a list mixing numbers, text, true/false or objects")


def _read_mat(path: Path, what: str) -> tuple[dict, dict]:
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head[:8] == b"\x89HDF\r\n\x1a\n" or b"MATLAB 7.3" in head[:128]:
        return _read_hdf5(path, what)  # v7.3 .mat files are HDF5
    from scipy.io import loadmat  # heavy: only for MATLAB files

    try:
        raw = loadmat(path, squeeze_me=True, chars_as_strings=True)
    except MemoryError:
        raise
    except Exception as exc:  # scipy's reader fails on corrupt files with many exception types
        raise FormatError(f"{what} is not a readable MATLAB file: {exc}", "save it with MATLAB's save "
                          "(v5 or v7.3) or as .npz/.h5") from None
    arrays: dict = {}
    for k, v in raw.items():
        if not k.startswith("__"):
            _flatten_struct(k, v, arrays)
    return arrays, {}


def _flatten_struct(key: str, v, arrays: dict) -> None:
    """Put MATLAB variable ``v`` (as scipy's loadmat gives it) into ``arrays`` under ``key``,
    a struct's fields under 'key/field', the fields of a struct inside it under
    'key/field/inner' and so on (as HDF5 names them in a v7.3 file). A struct array of several
    elements is flattened one level: each field an object array, one value per element."""
    if not (isinstance(v, np.ndarray) and v.dtype.names):
        arrays[key] = np.asarray(v)
        return
    for field in v.dtype.names:
        if v.size == 1:
            _flatten_struct(f"{key}/{field}", v[field].item(), arrays)
        else:
            arrays[f"{key}/{field}"] = np.asarray(v[field])


# ---------------------------------------------------------------------- text tables

def _counts_rows(column: np.ndarray) -> bool:
    """True if a column counts up by one (0, 1, 2, ...): the row index pandas writes by default."""
    return bool(column.size > 1 and np.all(np.isfinite(column)) and column[0] == np.round(column[0])
                and np.all(np.diff(column) == 1))


def _increasing(column: np.ndarray) -> bool:
    """True if a column is finite and strictly increasing (as timestamps are)."""
    return bool(column.size > 1 and np.all(np.isfinite(column)) and np.all(np.diff(column) > 0))


def _even_steps(column: np.ndarray) -> bool:
    """True if a column rises in steps equal to within 1 % and does not count rows: it looks like
    timestamps (a trace is never so regular)."""
    steps = np.diff(column)
    return bool(_increasing(column) and not _counts_rows(column) and column.size > 2
                and np.ptp(steps) <= 0.01 * np.median(steps))


def _same_times(time_s: np.ndarray, key: str, more: dict, what: str,
                notes: list[str]) -> list[str]:
    """Which of a table's further columns named like timestamps (``more``: name -> values, in
    the unit their name says) give the same times as the ones read (``time_s``, from column
    ``key``) to within half a frame, from their own start ('Time (ms)' beside 'Time (s)'):
    those are dropped, each with a note; the others stay neurons with a note (a name like
    'T' or 'Elapsed' may be a neuron's or a covariate's, and 'time (frames)' counts frames).
    Returns the names dropped."""
    half = 0.5 * float(np.median(np.diff(time_s)))
    dropped = []
    for name, values in more.items():
        try:
            other = values * _seconds_per_unit(name, what)
        except FormatError:  # not a unit of time: no timestamps
            other = None
        if other is not None and np.max(np.abs((other - other[0])
                                               - (time_s - time_s[0]))) <= half:
            notes.append(f"column {name!r} holds timestamps too, the same as {key!r}: not read "
                         "as a neuron")
            dropped.append(name)
        else:
            notes.append(f"column {name!r} is named like timestamps but does not give the times "
                         f"of {key!r}: read as a neuron")
    return dropped


def _mostly_rising(column: np.ndarray) -> bool:
    """True if a column ends above where it starts and fewer than 10 % of its steps go down:
    timestamps, maybe with a fault (a repeated or out-of-order row), not a neuron's trace."""
    steps = np.diff(column)
    return bool(column.size > 1 and column[-1] > column[0] and np.mean(steps < 0) < 0.1)


def _rounded_times(time_s: np.ndarray, rows_at: Callable[[np.ndarray], np.ndarray]) -> int:
    """How many timestamps repeat the one before though their rows (time, values; ``rows_at``
    gives the rows at the given positions) differ, when the timestamps never step back and
    repeat at least twice (rounded times, e.g. '%.1f' at 15 Hz); 0 otherwise (no repeat, a step
    back, a single repeat or a repeated row, which ``check_timestamps`` refuses)."""
    steps = np.diff(time_s)
    if not (np.all(np.isfinite(time_s)) and np.all(steps >= 0) and np.sum(steps == 0) >= 2):
        return 0
    same = np.flatnonzero(steps == 0) + 1
    a, b = rows_at(same), rows_at(same - 1)
    differ = np.any((a != b) & ~(np.isnan(a) & np.isnan(b)), axis=1)
    return int(same.size) if differ.all() else 0


def _pandas_header(cells: list[str], values: np.ndarray) -> bool:
    """True if an all-number first line is the header ``DataFrame.to_csv`` writes for columns
    without names (``,0,1,2``): an empty first cell, integers after it (column numbers or
    neuron ids) and, below the empty cell, a first column that increases (a row index or
    timestamps). A headerless table whose first value is missing has no such first column."""
    return bool(len(cells) == values.shape[1] > 1 and cells[0] == ""
                and all(re.fullmatch(r"[+-]?\d+", c) for c in cells[1:])
                and _increasing(values[1:, 0]))


def _numbered_header(cells: list[str], values: np.ndarray) -> bool:
    """True if an all-number first line is a header of column numbers or neuron ids, as
    ``pd.DataFrame(x).to_csv(index=False)`` writes (``0,1,2``): the column numbers 0, 1, 2, ...
    or 1, 2, 3, ..., or distinct whole numbers (ids) above rows that are not all whole numbers
    (ΔF/F; above raw counts, ids could be a frame), each written without a decimal point."""
    below = values[1:]
    if not (len(cells) == values.shape[1] and below.size
            and all(re.fullmatch(r"\d+", c) for c in cells) and len(set(cells)) == len(cells)):
        return False
    numbers = [int(c) for c in cells]
    columns = len(cells) > 1 and numbers in (list(range(len(cells))), list(range(1, len(cells) + 1)))
    return bool(columns or np.any(np.isfinite(below) & (below != np.round(below))))


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


def _not_utf8(exc: UnicodeDecodeError, what: str) -> FormatError:
    """The error for a text table holding bytes that are not UTF-8 (Excel's 'CSV' on Windows
    writes cp1252: 'é' as the byte 0xe9)."""
    byte = exc.object[exc.start:exc.start + 1].hex()
    return FormatError(f"{what} is not UTF-8 text: it holds the byte 0x{byte}, which UTF-8 "
                       "does not allow there (a file saved as 'CSV' by Excel on Windows is cp1252 or "
                       "latin-1: an accented name)", "save it as UTF-8 (Excel: 'CSV UTF-8'; "
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


def _not_numeric(table: pd.DataFrame, header: list[str] | None, what: str,
                 cell_ref: Callable[[int, int], str] | None = None) -> FormatError:
    """The error for a table with a cell that is not a number, naming the first such cell: by its
    column and row in a text table, by ``cell_ref`` (row and column of ``table``, from 0, -> 'C7')
    in a worksheet."""
    for j, column in enumerate(table.columns):
        cells = table[column]
        bad = pd.to_numeric(cells, errors="coerce").isna() & cells.notna()
        if bad.any():
            i = int(np.argmax(bad.to_numpy()))
            cell = str(cells.iloc[i])
            name = f" ({header[j]!r})" if header else ""
            hint = ("a matrix file holds numbers only, with an optional header row of neuron names"
                    + (" and '#' comment lines above it" if cell_ref is None else ""))
            labels = bool(header and table.shape[0] > 1 and bad.sum() == cells.notna().sum())
            # a first column of text beside a header of numbers: neurons as rows, or (more rows
            # than columns) a label per frame beside neurons numbered in the header
            rows = j == 0 and (header is None or all(is_number(c) for c in header[1:]))
            if rows and not (labels and table.shape[0] >= len(header)):
                hint = ("a first column of names suggests rows are neurons: save the table with "
                        "neurons as columns (e.g. pandas: df.T.to_csv(NEW)); " + hint)
            elif labels:
                # text in every row of the column: labels, not a neuron
                hint = (f"column {header[j]!r} holds text in every row (stimulus or behaviour "
                        "labels?), not a neuron's values: drop it (pandas: "
                        f"df.drop(columns=[{header[j]!r}]).to_csv(NEW)) and give the stimulus "
                        "blocks with --conditions" + ("; if the table's rows are neurons instead, "
                        "save it with neurons as columns (df.T.to_csv(NEW))" if rows else ""))
            elif i == 0 and header and pd.to_numeric(table.iloc[0], errors="coerce").isna().all():
                hint = ("the row below the header holds no number: a second header row (units, "
                        "e.g. 's', 'dF/F'?); delete it, or keep the unit in the column name "
                        "('time (s)'); " + hint)
            where = (f"cell {cell_ref(i, j)}{name} holds {cell!r}" if cell_ref is not None
                     else f"column {j + 1}{name} holds {cell!r} in row {i + 1}")
            return FormatError(f"{what}: {where}, which is not a number", hint)
    return FormatError(f"{what} holds values that are not numbers", _HINT_FORMAT)


def _is_header(cells: list[str]) -> bool:
    """True if a table's first row (its cells as text) is a header: some cell is not a number
    (blank cells are left out; a decimal comma makes a number). A header of numbers is found
    later (``_pandas_header``, ``_numbered_header``)."""
    return not all(is_number(c) for c in cells if c)


def _one_frame(names: np.ndarray, what: str) -> FormatError:
    """The refusal of a table with a header and a single row of values: one frame of the
    neurons its header names, the columns of timestamps or frame numbers not counted."""
    listed = names.tolist()
    t = _time_key(listed)
    f = _pick(listed, FRAME_KEYS)
    other = [str(n) for i, n in enumerate(listed) if n not in (t, f) and not (i == 0 and n == "")]
    said = [f"column {str(k)!r} holds its time" if k == t else f"column {str(k)!r} its number"
            for k in (t, f) if k is not None]
    return FormatError(f"{what}: 1 frame (a single row of values below the header) × "
                       f"{len(other)} neuron(s) (" + ", ".join(map(repr, other[:4]))
                       + (", ..." if len(other) > 4 else "") + ")"
                       + (f"; {', '.join(said)}" if said else "")
                       + ": a recording needs at least 2 frames",
                       "each row of a table below its header is one frame: export the whole "
                       "recording (the file may be cut off)")


#: What a table reader gives: (values (row, column), header names or None, timestamps (s) or
#: None, the timestamps' column name ('' for an unnamed first column; None without them), notes,
#: the stimulus covariates its columns named by ``stimulus`` hold, or None).
Table = tuple[np.ndarray, np.ndarray | None, np.ndarray | None, str | None, list[str],
              Covariates | None]


def _read_table(path: Path, what: str, dt_given: bool = False,
                stimulus: list[str] | None = None, all_rois: bool = False,
                columns: tuple[list[str], str] | None = None) -> Table:
    """A text table as ``Table``: the text file's part of reading it, the rest is
    ``_table_columns``'s. A gzip-compressed one ('rec.tsv.gz') is read as the text inside,
    decompressed once (``_read_rows``).

    Blank and '#' comment lines above the table are skipped, and a byte-order mark. The
    separator is the first line's tab, ';', ',' or else white space. The header row (the first
    line, ``_is_header``) must have one cell per column. A last row with fewer cells than the
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
        raise _not_utf8(exc, what) from None
    except (OSError, EOFError) as exc:  # EOFError: a cut-off .gz
        raise FormatError(f"cannot read {what}: {exc}", "give a text table of numbers") from None
    if not first.strip():
        raise FormatError(f"{what} is empty", _HINT_FORMAT)
    if path.name.lower().endswith((".tsv", ".tsv.gz")) or "\t" in first:
        sep = "\t"
    elif ";" in first:  # before ',': a ';' table may hold decimal commas
        sep = ";"
    elif "," in first:
        sep = ","
    else:
        sep = r"\s+"
    cells = _cells(first, sep)
    header = _is_header(cells)
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
        raise _not_utf8(exc, what) from None
    except pd.errors.ParserError as exc:
        raise FormatError(f"cannot parse {what}: {str(exc).splitlines()[0]}",
                          "every row needs the same number of cells; " + _HINT_FORMAT) from None
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
    return _table_columns(cells, table, header, what, notes, dt_given,
                          lambda: _not_numeric(table, cells if header else None, what), stimulus)


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


def _table_columns(cells: list[str], table: pd.DataFrame, header: bool, what: str,
                   notes: list[str], dt_given: bool, not_numeric: Callable[[], FormatError],
                   stimulus: list[str] | None = None,
                   cell_ref: Callable[[int, int], str] | None = None) -> Table:
    """A table's values, names, timestamps and notes (``Table``; ``notes`` extended) from its
    first row's cells as text (``cells``) and its rows of values (``table``: below the header
    row if ``header``, else every row, the first included), whether they come from a text file
    (``_read_table``) or a worksheet (``_matrix_excel``). A cell that is not a number raises
    the FormatError ``not_numeric`` gives.

    The first row is a header if ``header``, or if its numbers are the header of
    ``_pandas_header`` or ``_numbered_header``; its names are kept as written (blank and
    repeated ones too). With a header, columns that are not neurons are taken out of the
    values, each with a note for the person:

    - an unnamed first column counting up by one (a pandas row index) is dropped;
    - a column named like timestamps (``table_time_columns``: 'time', 'Elapsed Time (s)',
      'Zeit') is the timestamps, converted to seconds from the unit in its name, if its values
      mostly rise (``_mostly_rising``; then they must increase strictly, else FormatError names
      the row); otherwise it stays a neuron (a neuron may be called T). Further such columns
      that rise are dropped too when they give the same times, and refused when they do not
      (``_same_times``);
    - else an unnamed first column that is strictly increasing, but not by one, is the
      timestamps in seconds (``df.index = t; df.to_csv()``);
    - a column named one of ``FRAME_KEYS`` counting up by one is a frame index, dropped;
    - with no timestamps found, a first column rising in even steps (``_even_steps``) stays a
      neuron, with a note that it looks like the time.

    The columns ``stimulus`` names (``--stimulus-columns``; a header row is then needed) are
    taken out first, as the stimulus covariates (``_matrix_stimulus.table_covariates``; a
    worksheet's cells named by ``cell_ref``). Other columns named like a stimulus or behaviour
    stay neurons, with a note.
    """
    reshaped = (pivot_long(cells, table, what, notes, stimulus)
                or neuron_rows(cells, table, notes)) if header else None
    if reshaped is not None:  # a long table, or one whose rows are neurons: now (time × neuron)
        (cells, table), header = reshaped, True
    covariates = None
    if stimulus:
        if not header:
            raise no_header(what)
        taken, covariates, said = table_covariates(cells, table, stimulus, what, cell_ref)
        notes.append(said)
        kept = [j for j in range(len(cells)) if j not in taken]
        table, cells = table.iloc[:, kept], [cells[j] for j in kept]
    try:
        values = table.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise not_numeric() from None
    if header:  # the cells as written: blank and repeated names are kept (unique_names)
        names = np.asarray(cells, dtype=str)
    elif _pandas_header(cells, values):
        names, values = np.asarray(cells, dtype=str), values[1:]
    elif _numbered_header(cells, values):
        names, values = np.asarray(cells, dtype=str), values[1:]
        notes.append(f"the first row holds distinct whole numbers ({', '.join(cells[:3])}"
                     f"{', ...' if len(cells) > 3 else ''}): read as a header of column numbers "
                     "(as pandas writes them) or neuron ids, not as a frame")
    else:
        return values, None, None, None, notes, None
    values, names, time_s, time_key = wide_columns(
        names, values.shape[0], lambda j: values[:, j],
        lambda rows, cols: values[np.ix_(rows, cols)],
        lambda keep: values if len(keep) == values.shape[1] else values[:, keep],
        what, notes, dt_given)
    return values, names, time_s, time_key, notes, covariates


def wide_columns(names: np.ndarray, n_rows: int, column: Callable[[int], np.ndarray],
                 rows_at: Callable[[np.ndarray, list[int]], np.ndarray],
                 matrix: Callable[[list[int]], np.ndarray], what: str, notes: list[str],
                 dt_given: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str | None]:
    """The values, names, timestamps and their column's name of a (time × neuron) table with a
    header (``names``, one per column) and ``n_rows`` rows: the columns that are not neurons
    taken out as ``_table_columns`` says, each with a note in ``notes``. The table is read
    through ``column`` (column j as float64), ``rows_at`` (the given rows of the given
    columns) and ``matrix`` (the values of the given columns, read once at the end: a
    Parquet table's neurons go straight into one array)."""
    if n_rows < 2:
        raise _one_frame(names, what)
    keep = list(range(names.size))
    unnamed_first = names.size > 1 and names[0] == ""
    if unnamed_first and _counts_rows(first := column(0)):
        notes.append(f"the unnamed first column counts rows ({first[0]:g}, {first[1]:g}, ...): "
                     "read as a row index (as pandas writes it), not as a neuron")
        keep, unnamed_first = keep[1:], False
    time_s = time_key = None
    found = [keep[j] for j in table_time_columns([names[j] for j in keep])]
    stamps = {j: column(j) for j in found}
    rising = [j for j in found if _mostly_rising(stamps[j])]
    for j in found:
        if j not in rising:
            notes.append(f"column {str(names[j])!r} is named like timestamps but its values go "
                         "up and down: read as a neuron")
    if rising:
        i, t = rising[0], str(names[rising[0]])
        scale = _seconds_per_unit(t, what)
        time_s, time_key = stamps[i] * scale, t
        others = [j for j in keep if j != i]
        repeats = _rounded_times(time_s, lambda rows: rows_at(rows, others))
        if repeats and dt_given:  # --dt-s replaces them: the rows are distinct frames
            notes.append(f"column {t!r} repeats a time in {repeats:,} rows whose values "
                         "differ (timestamps rounded?): replaced by the given --dt-s")
        elif repeats:
            k = int(np.argmax(np.diff(time_s) == 0)) + 1
            mean = (time_s[-1] - time_s[0]) / (time_s.size - 1)
            raise FormatError(
                f"{what}: the timestamps {t!r} repeat a time in {repeats:,} rows (first "
                f"at row {k + 1}: {time_s[k]:g} after {time_s[k - 1]:g}) whose values differ: "
                "they look rounded, too coarse for the frame rate, not repeated frames",
                f"give the frame interval with --dt-s (their mean spacing is {mean:.6g} s), "
                "which replaces them; do not drop those rows, they are frames")
        else:
            check_timestamps(time_s, f"{what}: the timestamps {t!r}")
        notes.append(f"column {t!r} holds the frame timestamps "
                     + ("(s)" if scale == 1.0 else f"(converted from {_time_base(t)[1]} to s)")
                     + ": not read as a neuron")
        same = _same_times(time_s, t, {str(names[j]): stamps[j] for j in rising[1:]}, what,
                           notes)
        keep = [j for j in others if str(names[j]) not in same]
    if unnamed_first and time_s is None and _increasing(first := column(0)):
        time_s, time_key = first, ""
        notes.append(f"the unnamed first column increases ({first[0]:g}, {first[1]:g}, "
                     "...) but does not count rows: read as the frame timestamps (s), not as a "
                     "neuron")
        keep = [j for j in keep if j != 0]
    f = _pick([names[j] for j in keep], FRAME_KEYS)
    i = None if f is None else keep[[names[j] for j in keep].index(f)]
    if i is not None and _counts_rows(frames := column(i)):
        notes.append(f"column {str(f)!r} counts frames ({frames[0]:g}, {frames[1]:g}, ...): "
                     "read as a frame index, not as a neuron")
        keep = [j for j in keep if j != i]
    if time_s is None and keep and names[keep[0]] and _even_steps(first := column(keep[0])):
        notes.append(f"column {str(names[keep[0]])!r} rises in even steps ({first[0]:g}, "
                     f"{first[1]:g}, ...) as timestamps do, but is not named as them: read as a "
                     "neuron; if it is the time, name it 'time' (or 'time (ms)', ...) and import "
                     "again")
    names = names[keep]
    named = [str(n) for n in names if named_like_covariate(str(n))]
    if named:
        notes.append(f"column(s) {', '.join(map(repr, named))} are named like a stimulus or "
                     "behaviour, not a neuron, but are read as neurons (forecast and scored as "
                     "such); if they are not neurons, drop them from the table and import again "
                     "(stimulus blocks: --conditions); to read them as stimulus covariates: "
                     + flag_for(named))
    return matrix(keep), names, time_s, time_key
