"""Timestamps written as durations in text, in a table's time column (private).

pandas writes a column of durations (timedelta) to CSV as '0 days 00:00:00.100000' (a missing
one as 'NaT'); a clock or a logging program writes '00:00:00.1' or '1:02:03.5'. In a column
named like timestamps (``_matrix_keys.table_time_columns``: 'time', 'Elapsed Time',
'frame_time', ...), or in an unnamed first column (``df.index = pd.to_timedelta(t);
df.to_csv()``), whose every cell (missing ones and 'NaT' aside) is such text, the cells are
read as seconds, with a note, as a Parquet column of durations is (``_arrow_tables``); a
'NaT' cell is a missing time, refused as a blank one is. A duration carries its own unit:
the unit in the column's name ('time (ms)', 'time (frames)') is not applied to it
(``_table_columns.wide_columns`` is told which columns hold seconds already, and notes a name
whose unit disagrees); the time column is then decided as any. Other text, and such text in
other columns, is left as it is: refused later as not a number, with the hint for labels.
"""

from __future__ import annotations

import re

import pandas as pd

from neurocast.data._matrix_keys import table_time_columns

__all__ = ["read_timedelta_text"]

#: A duration as text: hours, minutes and seconds (a fraction allowed), optionally after a
#: number of days ('0 days 00:00:00.100000', '-1 days +23:59:59.9', '00:01:02.5').
_DURATION = re.compile(r"[+-]?(?:\d+ days?,? )?[+-]?\d+:[0-5]\d:[0-5]\d(?:\.\d+)?")


def read_timedelta_text(cells: list[str], table: pd.DataFrame, notes: list[str]
                        ) -> tuple[pd.DataFrame, set[int]]:
    """``table`` (rows of cells, any dtype, its columns named by the header ``cells``) with
    each column named like timestamps, and an unnamed first column, whose text cells are all
    durations (``_DURATION``; 'NaT' is a missing one) replaced by those durations in seconds
    (float64; a missing cell NaN), a note per column appended to ``notes``; and the positions
    of the columns so replaced (in seconds whatever unit their name says). The same table and
    no position if there is none."""
    out, seconds = table, set()
    candidates = table_time_columns(cells)
    if len(cells) > 1 and cells[0] == "":
        candidates.append(0)
    for j in candidates:
        column = table.iloc[:, j]
        if pd.api.types.is_numeric_dtype(column.dtype):
            continue
        given = column.dropna()
        # a first cell (strings are checked before the whole column is looked at), then every
        # cell text, in C rather than a Python loop over a million cells
        if (given.empty or not isinstance(first := given.iloc[0], str)
                or not (_DURATION.fullmatch(first.strip()) or first.strip() == "NaT")
                or pd.api.types.infer_dtype(given, skipna=True) != "string"):
            continue
        text = given.str.strip()
        text = text[text != "NaT"]  # pandas's missing duration: a missing time
        if text.empty or not text.str.fullmatch(_DURATION).all():
            continue
        try:
            values = pd.to_timedelta(text).dt.total_seconds()
        except (ValueError, OverflowError):  # hours or days beyond what pandas holds
            continue
        if out is table:
            out = table.copy()
        out.isetitem(j, values.reindex(column.index).astype("float64"))
        seconds.add(j)
        named = f"column {cells[j]!r}" if cells[j] else "the unnamed first column"
        notes.append(f"{named} holds durations written as text ({text.iloc[0]!r}): read as "
                     "seconds")
    return out, seconds
