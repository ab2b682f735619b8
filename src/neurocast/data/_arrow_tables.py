"""Parquet and Arrow feather tables of traces (private).

A ``.parquet`` file, or an Arrow IPC (feather v2) file ``.feather``/``.arrow``, is read with
pyarrow as a CSV table with a header row is: its column names are the header, and the columns
are decided as for a CSV file (``_table_columns.table_columns``: a time column with its unit, a
frame index, ``--stimulus-columns``, a long table pivoted, neurons as rows). A pandas index
saved with the table (``df.set_index('time').to_parquet()``) is read back as its first
column(s), unless it holds whole numbers under a name that is not a time's (an unnamed one:
the row numbers ``df[mask].to_parquet()`` keeps), which are a row index, dropped with a note.
Columns of durations (timedelta) are read as seconds, and so is a time column of durations
written as text (``_timedelta_text``); columns of dates, of lists (one trace per row) and of
other non-number kinds are refused with a hint.

A table of numbers only, none named like neuron ids (so neither long nor neurons as rows),
without ``--stimulus-columns``, is read column by column from Arrow straight into one float32
(time × neuron) array (``_table_columns.wide_columns``), never as a pandas DataFrame: a wide
table of a few hundred megabytes needs about its own size in memory, not five times it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from neurocast.data._decimal_commas import read_decimal_commas
from neurocast.data._long_tables import id_named
from neurocast.data._matrix_keys import _time_key
from neurocast.data._table_columns import Table, non_numeric_refusal, table_columns, wide_columns
from neurocast.data._timedelta_text import read_timedelta_text
from neurocast.errors import FormatError

__all__ = ["ARROW_SUFFIXES", "read_arrow_table"]

#: Suffixes of the tables read with pyarrow: Parquet, and Arrow IPC (feather v2).
ARROW_SUFFIXES = (".parquet", ".feather", ".arrow")

_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def _unreadable(path: Path, what: str, exc: Exception) -> FormatError:
    kind = "Parquet" if path.suffix.lower() == ".parquet" else "Arrow feather"
    return FormatError(f"{what} is not a readable {kind} file ({type(exc).__name__}: "
                       f"{str(exc).splitlines()[0][:160]})", "the file may be cut off (an "
                       "interrupted download?): write it again, e.g. df.to_parquet(PATH)")


class _Source:
    """A Parquet or feather file's schema and row count, and its columns read on demand: a
    Parquet file's only those asked for (``columns``), a feather file's from the whole table
    (memory-mapped, so an uncompressed one is not copied)."""

    def __init__(self, path: Path, what: str):
        import pyarrow as pa  # a dependency; imported only for these files

        self.path, self.what, self._table, self._file = path, what, None, None
        self._errors = (pa.ArrowException, OSError, ValueError)
        try:
            if path.suffix.lower() == ".parquet":
                import pyarrow.parquet as pq

                self._file = pq.ParquetFile(path)
                self.schema, self.n_rows = self._file.schema_arrow, self._file.metadata.num_rows
            else:
                import pyarrow.feather as pf

                self._table = pf.read_table(path, memory_map=True)
                self.schema, self.n_rows = self._table.schema, self._table.num_rows
        except self._errors as exc:
            raise _unreadable(path, what, exc) from None
        self.names = list(self.schema.names)

    def columns(self, fields: list[int]) -> list:
        """The columns at schema positions ``fields``, as pyarrow ChunkedArrays."""
        try:
            if self._table is None and len(set(self.names)) < len(self.names):
                self._table = self._file.read()  # repeated names: not selectable by name
            if self._table is not None:
                return [self._table.column(j) for j in fields]
            wanted = list(dict.fromkeys(self.names[j] for j in fields))
            read = self._file.read(columns=wanted, use_pandas_metadata=False)
            return [read.column(self.names[j]) for j in fields]
        except self._errors as exc:
            raise _unreadable(self.path, self.what, exc) from None


def _layout(source: _Source, notes: list[str]) -> tuple[list[int], list[str]]:
    """The schema positions of the table's columns and their names, a pandas index saved with
    it first (as ``reset_index`` puts it), under its name ('' unnamed), or left out with a note
    when it holds whole numbers and is named like neither a time nor neuron ids (a row index)."""
    import pyarrow as pa

    meta = source.schema.pandas_metadata or {}
    index = [c for c in meta.get("index_columns", ()) if isinstance(c, str)
             and c in source.names]  # a RangeIndex is kept in the metadata only: unread
    shown = {c.get("field_name"): c.get("name") for c in meta.get("columns", ())}
    fields, cells = [], []
    for field in index:
        j = source.names.index(field)
        name = shown.get(field, field)
        name = "" if name is None else str(name)
        if (pa.types.is_integer(source.schema.field(j).type) and _time_key([name]) is None
                and not id_named(name)):  # an index of neuron ids stays: a long table's
            head = source.columns([j])[0].slice(0, 3).to_pylist()
            notes.append("the pandas index saved with the table ("
                         + (repr(name) if name else "unnamed") + ": "
                         + ", ".join(map(str, head)) + ", ...) holds whole numbers: read as a "
                         "row index, not as times or a neuron, and dropped (an index of times "
                         "is kept when its name says so, e.g. 'time (ms)')")
        else:
            fields.append(j)
            cells.append(name)
    rest = [j for j, name in enumerate(source.names) if name not in index]
    return fields + rest, cells + [source.names[j] for j in rest]


def _column(name: str, k: int) -> str:
    """Column ``k`` as a note names it: 'column NAME', or 'the unnamed first column' (an
    index)."""
    return f"column {name!r}" if name or k else "the unnamed first column"


def _number_kind(kind) -> bool:
    """True for the Arrow types read as numbers straight away: integers, floats, true/false,
    decimals and durations."""
    import pyarrow as pa

    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind)
                or pa.types.is_boolean(kind) or pa.types.is_decimal(kind)
                or pa.types.is_duration(kind))


def _as_float(column, dtype=np.float64) -> np.ndarray:
    """An Arrow (chunk of a) column of numbers as a numpy array (a missing value: NaN);
    durations in seconds."""
    import pyarrow as pa

    scale = 1.0
    if pa.types.is_duration(column.type):
        scale = _SECONDS[column.type.unit]
        column = column.cast(pa.int64())
    if column.type != pa.float64() and not (dtype == np.float32 and column.type == pa.float32()):
        column = column.cast(pa.float64(), safe=False)
    out = column.to_numpy(zero_copy_only=False)
    return out * scale if scale != 1.0 else out


def _groups(fields: list[int], n_rows: int) -> list[list[int]]:
    """``fields`` in groups of about 32 MB of float64 each: read one group at a time."""
    size = max(1, 4_000_000 // max(n_rows, 1))
    return [fields[k:k + size] for k in range(0, len(fields), size)]


def _fill(source: _Source, fields: list[int], n_rows: int, what: str) -> np.ndarray:
    """The columns ``fields`` in one float32 (row, column) array, read a group of columns at a
    time and written chunk by chunk; values beyond float32 are refused (as
    ``_loading.as_float32`` does)."""
    out = np.empty((n_rows, len(fields)), dtype=np.float32)
    big = np.finfo(np.float32).max
    k = 0
    for group in _groups(fields, n_rows):
        for column in source.columns(group):
            row = 0
            for chunk in column.chunks:
                part = _as_float(chunk, np.float32)
                if part.dtype != np.float32:
                    finite = part[np.isfinite(part)]
                    if finite.size and np.abs(finite).max() > big:
                        raise FormatError(f"{what}: values reach {np.abs(finite).max():.3g}, "
                                          f"beyond the range of float32 (±{big:.3g}) in which "
                                          "traces are stored",
                                          "scale the traces (e.g. to ΔF/F) before importing")
                out[row:row + part.size, k] = part
                row += part.size
            k += 1
    return out


def _wide(source: _Source, fields: list[int], cells: list[str], what: str, notes: list[str],
          dt_given: bool) -> Table:
    """A table of numbers read straight from Arrow (see the module doc)."""
    import pyarrow as pa

    seconds = set()  # durations: seconds, whatever unit their name says ('time (ms)')
    for k, (name, j) in enumerate(zip(cells, fields, strict=True)):
        if pa.types.is_duration(source.schema.field(j).type):
            notes.append(f"{_column(name, k)} holds durations: read as seconds")
            seconds.add(k)
    n_rows = source.n_rows

    def column(k: int) -> np.ndarray:
        return _as_float(source.columns([fields[k]])[0])

    def rows_at(rows: np.ndarray, cols: list[int]) -> np.ndarray:
        out = np.empty((rows.size, len(cols)))
        k = 0
        for group in _groups([fields[c] for c in cols], n_rows):
            for read in source.columns(group):
                out[:, k] = _as_float(read)[rows]
                k += 1
        return out

    values, names, time_s, time_key = wide_columns(
        np.asarray(cells, dtype=str), n_rows, column, rows_at,
        lambda keep: _fill(source, [fields[k] for k in keep], n_rows, what), what, notes,
        dt_given, seconds)
    return values, names, time_s, time_key, notes, None


def read_arrow_table(path: Path, what: str, dt_given: bool = False,
                     stimulus: list[str] | None = None) -> Table:
    """A Parquet or Arrow feather table as ``Table`` (see the module doc). Raises FormatError
    for an unreadable file, a table without rows, and columns of dates or lists."""
    source = _Source(path, what)
    notes: list[str] = []
    fields, cells = _layout(source, notes)
    if source.n_rows == 0 or not fields:
        raise FormatError(f"{what} has no rows of values" + (" (only the columns "
                          + ", ".join(map(repr, cells[:5])) + ")"
                          if fields else ""), "write the table with its rows")
    if (not stimulus and not any(map(id_named, cells))
            and all(_number_kind(source.schema.field(j).type) for j in fields)):
        return _wide(source, fields, cells, what, notes, dt_given)
    columns, seconds = [], set()  # durations: seconds, whatever unit their name says
    for k, (name, chunked) in enumerate(zip(cells, source.columns(fields), strict=True)):
        column = chunked.to_pandas()
        kind = column.dtype.kind
        if kind == "m":  # durations: seconds
            column = column.dt.total_seconds()
            notes.append(f"{_column(name, k)} holds durations: read as seconds")
            seconds.add(k)
        elif kind == "M":
            raise FormatError(f"{what}: column {name!r} holds dates and times ({column.iloc[0]}), "
                              "not numbers", "give the times as seconds from the first frame in "
                              "a column named with its unit, e.g. df['time (s)'] = (df[T] - "
                              "df[T].iloc[0]).dt.total_seconds()")
        elif kind == "b":
            column = column.astype(np.float64)
        elif kind == "O" and column.map(lambda v: isinstance(v, (list, tuple, np.ndarray))).any():
            raise FormatError(f"{what}: column {name!r} holds a list of values in each row (one "
                              "trace per row?), not a number", "save one column per neuron and "
                              "one row per frame (e.g. pandas: pd.DataFrame(np.stack(df["
                              f"{name!r}]).T, columns=NAMES).to_parquet(NEW))")
        elif isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        columns.append(column.reset_index(drop=True))
    table = pd.concat(columns, axis=1, ignore_index=True)
    table, texts = read_timedelta_text(cells, read_decimal_commas(table, what, notes), notes)
    return table_columns(cells, table, True, what, notes, dt_given,
                         lambda: non_numeric_refusal(table, cells, what), stimulus,
                         seconds=seconds | texts)
