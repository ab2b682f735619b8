"""Parquet and Arrow feather tables of traces (private).

A ``.parquet`` file, or an Arrow IPC (feather v2) file ``.feather``/``.arrow``, is read with
pyarrow as a CSV table with a header row is: its column names are the header, and the columns
are decided as for a CSV file (``_matrix_files._table_columns``: a time column with its unit, a
frame index, ``--stimulus-columns``, a long table pivoted, neurons as rows). A pandas index
saved with the table (``df.set_index('time').to_parquet()``) is read back as its first
column(s); an unnamed one as an unnamed first column. Columns of durations (timedelta) are
read as seconds; columns of dates, of lists (one trace per row) and of other non-number
kinds are refused with a hint.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from neurocast.data._decimal_commas import read_decimal_commas
from neurocast.data._matrix_files import Table, _not_numeric, _table_columns
from neurocast.errors import FormatError

__all__ = ["ARROW_SUFFIXES", "read_arrow_table"]

#: Suffixes of the tables read with pyarrow: Parquet, and Arrow IPC (feather v2).
ARROW_SUFFIXES = (".parquet", ".feather", ".arrow")


def _frame(path: Path, what: str) -> pd.DataFrame:
    import pyarrow as pa  # a dependency; imported only for these files

    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            data = pq.read_table(path)
        else:
            import pyarrow.feather as pf

            data = pf.read_table(path)
        frame = data.to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:
        kind = "Parquet" if path.suffix.lower() == ".parquet" else "Arrow feather"
        raise FormatError(f"{what} is not a readable {kind} file ({type(exc).__name__}: "
                          f"{str(exc).splitlines()[0][:160]})", "the file may be cut off (an "
                          "interrupted download?): write it again, e.g. df.to_parquet(PATH)"
                          ) from None
    if not isinstance(frame.index, pd.RangeIndex):  # an index saved with the table: columns
        frame.index.names = [n if n is not None else "" for n in frame.index.names]
        frame = frame.reset_index()
    return frame


def read_arrow_table(path: Path, what: str, dt_given: bool = False,
                     stimulus: list[str] | None = None) -> Table:
    """A Parquet or Arrow feather table as ``Table`` (see the module doc). Raises FormatError
    for an unreadable file, a table without rows, and columns of dates or lists."""
    frame = _frame(path, what)
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise FormatError(f"{what} has no rows of values" + (" (only the columns "
                          + ", ".join(map(repr, map(str, frame.columns[:5]))) + ")"
                          if frame.shape[1] else ""), "write the table with its rows")
    cells = [str(c) for c in frame.columns]
    notes: list[str] = []
    columns = []
    for name, column in zip(cells, (frame.iloc[:, j] for j in range(frame.shape[1])), strict=True):
        kind = column.dtype.kind
        if kind == "m":  # durations: seconds
            column = column.dt.total_seconds()
            notes.append(f"column {name!r} holds durations: read as seconds")
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
    table = read_decimal_commas(table, what, notes)
    return _table_columns(cells, table, True, what, notes, dt_given,
                          lambda: _not_numeric(table, cells, what), stimulus)
