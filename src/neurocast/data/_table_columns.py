"""Which columns of a table are neurons, and which are not (private).

A table comes from a text file (``_text_tables``), a worksheet (``_matrix_excel``) or a
Parquet or Arrow file (``_arrow_tables``) as its header cells and its rows of values.
``table_columns`` gives its values, names, timestamps and notes (``Table``), deciding which
columns are a row index, timestamps, a frame index or (named by ``--stimulus-columns``)
stimulus covariates rather than neurons, a long table pivoted (``_long_tables``) and one whose
rows are neurons turned (``_neuron_rows``) on the way; ``wide_columns`` decides so for a
(time × neuron) table read column by column. ``non_numeric_refusal`` names a table's first
cell that is not a number, ``is_header`` tells a header row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

import numpy as np
import pandas as pd

from neurocast.data._decimal_commas import is_number
from neurocast.data._loading import MATRIX_HINT
from neurocast.data._long_tables import pivot_long
from neurocast.data._matrix_keys import (
    FRAME_KEYS,
    SECONDS_PER_UNIT,
    _seconds_per_unit,
    _time_base,
    _time_key,
    check_timestamps,
    named_like_covariate,
    pick_key,
    table_time_columns,
)
from neurocast.data._matrix_stimulus import Covariates, flag_for, no_header, table_covariates
from neurocast.data._neuron_rows import neuron_rows
from neurocast.errors import FormatError

__all__ = ["Table", "is_header", "non_numeric_refusal", "table_columns", "wide_columns"]


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


def _same_times(time_s: np.ndarray, key: str, more: dict[str, np.ndarray | None],
                notes: list[str]) -> list[str]:
    """Which of a table's further columns named like timestamps (``more``: name -> values in
    seconds, None for a name whose unit is not one of time, such as 'time (frames)') give the
    same times as the ones read (``time_s``, from column ``key``) to within half a frame, from
    their own start ('Time (ms)' beside 'Time (s)'): those are dropped, each with a note; the
    others stay neurons with a note (a name like 'T' or 'Elapsed' may be a neuron's or a
    covariate's, and 'time (frames)' counts frames). Returns the names dropped."""
    half = 0.5 * float(np.median(np.diff(time_s)))
    dropped = []
    for name, other in more.items():
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
    columns = len(cells) > 1 and numbers in (list(range(len(cells))),
                                             list(range(1, len(cells) + 1)))
    return bool(columns or np.any(np.isfinite(below) & (below != np.round(below))))


def non_numeric_refusal(table: pd.DataFrame, header: list[str] | None, what: str,
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
    return FormatError(f"{what} holds values that are not numbers", MATRIX_HINT)


def is_header(cells: list[str]) -> bool:
    """True if a table's first row (its cells as text) is a header: some cell is not a number
    (blank cells are left out; a decimal comma makes a number). A header of numbers is found
    later (``_pandas_header``, ``_numbered_header``)."""
    return not all(is_number(c) for c in cells if c)


def _one_frame(names: np.ndarray, what: str) -> FormatError:
    """The refusal of a table with a header and a single row of values: one frame of the
    neurons its header names, the columns of timestamps or frame numbers not counted."""
    listed = names.tolist()
    t = _time_key(listed)
    f = pick_key(listed, FRAME_KEYS)
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


def table_columns(cells: list[str], table: pd.DataFrame, header: bool, what: str,
                  notes: list[str], dt_given: bool, not_numeric: Callable[[], FormatError],
                  stimulus: list[str] | None = None,
                  cell_ref: Callable[[int, int], str] | None = None,
                  seconds: Collection[int] = ()) -> Table:
    """A table's values, names, timestamps and notes (``Table``; ``notes`` extended) from its
    first row's cells as text (``cells``) and its rows of values (``table``: below the header
    row if ``header``, else every row, the first included), whether they come from a text file
    (``read_text_table``) or a worksheet (``_matrix_excel``). A cell that is not a number raises
    the FormatError ``not_numeric`` gives.

    The first row is a header if ``header``, or if its numbers are the header of
    ``_pandas_header`` or ``_numbered_header``; its names are kept as written (blank and
    repeated ones too). With a header, columns that are not neurons are taken out of the
    values, each with a note for the person:

    - an unnamed first column counting up by one (a pandas row index) is dropped, unless it
      holds durations (``seconds``);
    - a column named like timestamps (``table_time_columns``: 'time', 'Elapsed Time (s)',
      'Zeit') is the timestamps, converted to seconds from the unit in its name (durations,
      ``seconds``, are seconds already: a name saying another unit is noted), if its values
      mostly rise (``_mostly_rising``; then they must increase strictly, else FormatError names
      the row); otherwise it stays a neuron (a neuron may be called T). Further such columns
      that rise are dropped too when they give the same times, and stay neurons when they do
      not (``_same_times``);
    - else an unnamed first column that is strictly increasing, but not by one, is the
      timestamps in seconds (``df.index = t; df.to_csv()``);
    - a column named one of ``FRAME_KEYS`` counting up by one is a frame index, dropped;
    - with no timestamps found, a first column rising in even steps (``_even_steps``) stays a
      neuron, with a note that it looks like the time.

    The columns ``stimulus`` names (``--stimulus-columns``; a header row is then needed) are
    taken out first, as the stimulus covariates (``_matrix_stimulus.table_covariates``; a
    worksheet's cells named by ``cell_ref``). Other columns named like a stimulus or behaviour
    stay neurons, with a note.

    ``seconds``: the positions of the columns holding seconds whatever unit their name says
    (durations, ``_timedelta_text`` or a Parquet column's type), passed on to ``wide_columns``.
    """
    reshaped = (pivot_long(cells, table, what, notes, stimulus)
                or neuron_rows(cells, table, notes)) if header else None
    if reshaped is not None:  # a long table, or one whose rows are neurons: now (time × neuron)
        durations = {cells[j] for j in seconds}
        (cells, table), header = reshaped, True
        seconds = [j for j, c in enumerate(cells) if c in durations]  # by name: columns moved
    covariates = None
    if stimulus:
        if not header:
            raise no_header(what)
        taken, covariates, said = table_covariates(cells, table, stimulus, what, cell_ref)
        notes.append(said)
        kept = [j for j in range(len(cells)) if j not in taken]
        table, cells = table.iloc[:, kept], [cells[j] for j in kept]
        seconds = [k for k, j in enumerate(kept) if j in seconds]
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
        what, notes, dt_given, seconds)
    return values, names, time_s, time_key, notes, covariates


def wide_columns(names: np.ndarray, n_rows: int, column: Callable[[int], np.ndarray],
                 rows_at: Callable[[np.ndarray, list[int]], np.ndarray],
                 matrix: Callable[[list[int]], np.ndarray], what: str, notes: list[str],
                 dt_given: bool, seconds: Collection[int] = ()
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str | None]:
    """The values, names, timestamps and their column's name of a (time × neuron) table with a
    header (``names``, one per column) and ``n_rows`` rows: the columns that are not neurons
    taken out as ``table_columns`` says, each with a note in ``notes``. The table is read
    through ``column`` (column j as float64), ``rows_at`` (the given rows of the given
    columns) and ``matrix`` (the values of the given columns, read once at the end: a
    Parquet table's neurons go straight into one array). The columns at positions ``seconds``
    hold durations, in seconds whatever unit their name says ('time (ms)', 'time (frames)'):
    a duration carries its own unit; a name saying another is noted."""
    if n_rows < 2:
        raise _one_frame(names, what)
    seconds = set(seconds)
    keep = list(range(names.size))
    unnamed_first = names.size > 1 and names[0] == ""
    if unnamed_first and 0 not in seconds and _counts_rows(first := column(0)):
        notes.append(f"the unnamed first column counts rows ({first[0]:g}, {first[1]:g}, ...): "
                     "read as a row index (as pandas writes it), not as a neuron")
        keep, unnamed_first = keep[1:], False
    time_s = time_key = None
    found = [keep[j] for j in table_time_columns([names[j] for j in keep])]
    stamps = {j: column(j) for j in found}
    rising = [j for j in found if _mostly_rising(stamps[j])]
    for j in found:
        unit = _time_base(names[j])[1]
        if j in seconds and unit is not None and SECONDS_PER_UNIT.get(unit) != 1.0:
            notes.append(f"column {str(names[j])!r} is named in {unit} but holds durations: "
                         "read as seconds")

    def in_seconds(j: int) -> np.ndarray:  # FormatError for a name in frames, say
        return stamps[j] if j in seconds else stamps[j] * _seconds_per_unit(names[j], what)

    def maybe_seconds(j: int) -> np.ndarray | None:
        try:
            return in_seconds(j)
        except FormatError:  # not a unit of time: no timestamps
            return None

    for j in found:
        if j not in rising:
            notes.append(f"column {str(names[j])!r} is named like timestamps but its values go "
                         "up and down: read as a neuron")
    if rising:
        i, t = rising[0], str(names[rising[0]])
        time_s, time_key = in_seconds(i), t
        scale = 1.0 if i in seconds else _seconds_per_unit(t, what)
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
        same = _same_times(time_s, t, {str(names[j]): maybe_seconds(j) for j in rising[1:]},
                           notes)
        keep = [j for j in others if str(names[j]) not in same]
    if unnamed_first and time_s is None and _increasing(first := column(0)):
        time_s, time_key = first, ""
        notes.append(f"the unnamed first column increases ({first[0]:g}, {first[1]:g}, "
                     "...) " + ("as durations" if 0 in seconds else "but does not count rows")
                     + ": read as the frame timestamps (s), not as a neuron")
        keep = [j for j in keep if j != 0]
    f = pick_key([names[j] for j in keep], FRAME_KEYS)
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
