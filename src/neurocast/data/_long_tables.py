"""Long (tidy) tables of traces, pivoted to (time × neuron) (private).

Many tools export one row per frame and neuron: ``time,cell_id,dff``, ``frame,roi,dff``,
``time,neuron,dff`` (text names). ``pivot_long`` recognises such a table from its header and
values, strictly, and pivots it (numpy, no loop over rows) into the wide table the rest of the
table reader expects: the frame column first, then one column per neuron, named by its id.

A table is long when it has

- a frame column: named like timestamps (``_time_key``: ``time``, ``time_s``, ``Time (ms)``...)
  or like a frame index (``FRAME_KEYS``), holding numbers;
- an id column: named like neuron ids or names (``_ID_NAME``: ``neuron``, ``cell_id``, ``roi``,
  ``unit_id``, ``name``, ``label``, ...) holding whole numbers or text, else the only column
  holding text;
- and the frame column repeats its values (several neurons per frame), the (frame, id) pairs
  covering at least half of the frame × id grid, a pair twice only beside several ids and one
  value column (``_pairs_fit``: rounded timestamps beside a label per frame, or beside a single
  id, repeat pairs: those tables are wide, and the wide reader's rounded-time refusal and
  ``--dt-s`` apply); or an id-named column holds a single id beside one value column (one
  neuron; a constant id beside several neurons' columns is a wide table's column).

Times that never repeat beside a frame-index column (``FRAME_KEYS``) that does are per-neuron
time offsets (a scanning microscope's): the frames are the frame numbers, each frame's time
the mean of its rows' times (a note gives their spread). Without such a column, ids that cycle
in time order (``_cyclic``) while no time repeats are refused, with the way to add frames.

A text column that is not named like ids is taken only if no (frame, id) pair repeats (a label
per frame, such as a condition, repeats them: that table is left to the wide reader). Once a
table is long, what cannot be pivoted without a guess is refused, with the pandas pivot to do
by hand: two id-named columns, more than one value column (or none), a (frame, id) pair given
twice, a missing frame or id, a value that is not a number. Columns holding one value per frame
(the same in every row of a frame) are kept as such: a frame index beside the timestamps
(dropped later, as in a wide table) and the stimulus columns ``--stimulus-columns`` names.

Neurons are in the order their ids first appear, frames sorted by time; a (frame, neuron) pair
absent from the table is NaN (the NaN policy decides: refused without ``--allow-nan``). Frame
numbers are whole numbers, and a frame number missing between the first and the last is a row
of NaN. An import note names the columns used.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from neurocast.data._matrix_keys import FRAME_KEYS, _number_text, _time_key, pick_key
from neurocast.data._matrix_stimulus import _find, flag_for
from neurocast.errors import FormatError

__all__ = ["id_named", "pivot_long"]

#: Column names (case, underscores, spaces and hyphens ignored) of neuron ids or names.
_ID_NAME = re.compile(r"(?:neuron|cell|roi|unit|component|channel)s?"
                      r"(?:ids?|names?|labels?|index|idx|numbers?|no)?|ids?|names?|labels?")


def id_named(name) -> bool:
    """True if a column name reads as neuron ids or names: 'cell_id', 'ROI', 'Neuron Name'."""
    return _ID_NAME.fullmatch(re.sub(r"[_\s-]", "", str(name).strip().lower())) is not None


def _text(column: pd.Series) -> np.ndarray:
    """Where a column holds a cell that is not a number (text), per row."""
    return (pd.to_numeric(column, errors="coerce").isna() & column.notna()).to_numpy()


def _whole(column: pd.Series) -> bool:
    numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    return bool(np.all(np.isfinite(numbers)) and np.all(numbers == np.round(numbers)))


def _pivot_hint(t: str, i: str, v: str) -> str:
    return (f"pivot it to one column per neuron yourself (pandas: df.pivot(index={t!r}, "
            f"columns={i!r}, values={v!r}).to_csv(NEW)) and import NEW")


def _cyclic(ids: pd.Series, times: np.ndarray) -> bool:
    """True if the ids, taken in time order, cycle: n distinct ids (n ≥ 2), the same id every
    n-th row. A long table whose neurons each have their own times (a scanning microscope's
    per-ROI offsets) does; a column of values (a neuron named 'cell') does not."""
    codes, uniques = pd.factorize(ids)
    n = len(uniques)
    if n < 2 or codes.size < 2 * n:
        return False
    c = codes[np.argsort(times, kind="stable")]
    return bool(np.all(c[n:] == c[:-n]))


def _pairs_fit(key: np.ndarray, ids: pd.Series, n_values: int, named: bool) -> bool:
    """True if a (frame, id) pairing is a long table's: at least half of the pairs of the
    frame × id grid given, and a pair given twice only in a table of several ids and one value
    column (``named`` ids: refused later, naming the repeats, which are copies or rounded
    times). A label per frame covers few pairs; one beside rounded timestamps repeats them,
    and so does a single id (one neuron's rounded timestamps) or a label beside several
    neurons' columns: those tables are wide."""
    pairs = pd.DataFrame({"t": key, "id": ids.to_numpy()})
    twice = int(pairs.duplicated().sum())
    n_ids = pairs["id"].nunique(dropna=False)
    if 2 * (pairs.shape[0] - twice) < pairs["t"].nunique() * n_ids:
        return False
    return twice == 0 or (named and n_ids > 1 and n_values == 1)


def pivot_long(cells: Sequence[str], table: pd.DataFrame, what: str, notes: list[str],
               stimulus: Sequence[str] | None = None) -> tuple[list[str], pd.DataFrame] | None:
    """A long table (header ``cells``, rows ``table``) as a wide one: its header cells (the
    frame column, the per-frame columns, then the neurons' ids) and its rows of numbers, one
    per frame; a note is appended to ``notes``. None if the table is not long (see the module
    doc). Raises FormatError when it is long but cannot be pivoted without a guess."""
    names = [str(c).strip() for c in cells]
    t = _time_key(names)
    if t is None:
        t = pick_key(names, FRAME_KEYS)
    if t is None or table.shape[0] < 1:
        return None
    ti = names.index(t)
    times = pd.to_numeric(table.iloc[:, ti], errors="coerce")
    if times.isna().any():  # text or blanks: not a frame column (the wide reader says why)
        return None
    numbered = pick_key([t], FRAME_KEYS) is not None  # frame numbers, not times
    f = None if numbered else pick_key([n for j, n in enumerate(names) if j != ti], FRAME_KEYS)
    fi = None if f is None else names.index(f)
    frame_no = None if fi is None else pd.to_numeric(table.iloc[:, fi], errors="coerce")
    repeats = bool(times.duplicated().any())
    # times that never repeat beside frame numbers that do: each neuron has its own time in a
    # frame (per-ROI offsets); the frames are the frame numbers, their time the mean
    by_frame = (not repeats and frame_no is not None and not frame_no.isna().any()
                and bool(frame_no.duplicated().any()))
    ki, key = (fi, frame_no) if by_frame else (ti, times)
    key = key.to_numpy(np.float64)
    repeats = repeats or by_frame
    if not repeats and not any(id_named(n) for n in names):
        return None
    text = [j for j in range(len(names)) if j not in (ti, fi)  # a column of numbers holds no text
            and not pd.api.types.is_numeric_dtype(table.iloc[:, j].dtype)
            and _text(table.iloc[:, j]).any()]
    named = [j for j in range(len(names)) if j not in (ti, fi) and id_named(names[j])
             and (j in text or _whole(table.iloc[:, j].dropna()))]
    if not named and len(text) != 1:
        return None
    others = [j for j in range(len(names)) if j != ti]
    named_stimulus = {others[i] for g in stimulus or ()
                      for i in _find(g, [names[j] for j in others], False)}

    def values_of(ii: int) -> list[int]:  # the columns left once frames and ids are taken
        return [j for j in range(len(names))
                if j not in (ti, fi, ii) and j not in named_stimulus]

    if not repeats:  # one row per frame: one neuron's table, or neurons with their own times
        if len(named) != 1 or len(values_of(named[0])) != 1:
            return None  # a constant id beside several neurons' columns: a wide table
        ids = table.iloc[:, named[0]]
        if ids.nunique(dropna=False) > 1:
            if _cyclic(ids, key):
                i_name, v_name = names[named[0]], names[values_of(named[0])[0]]
                raise FormatError(
                    f"{what} looks like a long table (one row per frame and neuron, neurons in "
                    f"{i_name!r}, their {ids.nunique()} ids cycling in time order) but no time in {t!r} "
                    "repeats: each neuron has its own times (per-neuron offsets, as a scanning "
                    "microscope's), so the rows of one frame are not known",
                    "add a column 'frame' numbering each row's frame and import again (its "
                    "frames are pivoted, their time the mean), or pivot on frame numbers "
                    f"yourself (pandas: df['frame'] = df.groupby({i_name!r}).cumcount(); "
                    f"df.pivot(index='frame', columns={i_name!r}, values={v_name!r})"
                    ".to_csv(NEW)) and import NEW with --dt-s")
            return None
    valid = [j for j in (named or text)
             if _pairs_fit(key, table.iloc[:, j], len(values_of(j)), bool(named))]
    if not valid:  # not a long table (rounded times beside a label per frame?)
        return None
    if len(valid) > 1:
        shown = ", ".join(repr(names[j]) for j in valid)
        raise FormatError(f"{what} looks like a long table (one row per frame and neuron, "
                          f"frames in {names[ki]!r}) but {len(valid)} columns could name the "
                          f"neurons ({shown})", _pivot_hint(names[ki], names[valid[0]], "VALUES")
                          + "; choose the column naming the neurons")
    ii = valid[0]
    ids = table.iloc[:, ii]
    if ids.isna().any() or (ids.astype(str).str.strip() == "").any():
        r = int(np.argmax((ids.isna() | (ids.astype(str).str.strip() == "")).to_numpy()))
        raise FormatError(f"{what}: long table (one row per frame and neuron): row {r + 1} below "
                          f"the header has no neuron in column {names[ii]!r}",
                          "give every row its neuron's id, or delete the row")
    k = names[ki]  # the column of the frames: times, or frame numbers
    keys = pd.DataFrame({"t": key, "id": ids.to_numpy()})
    twice = keys.duplicated(keep=False).to_numpy()
    id_name = names[ii]
    rest = values_of(ii)
    per_frame = sorted({*named_stimulus} - {ti, fi, ii}
                       | ({fi} if fi is not None and not by_frame else set()))
    codes_t, frames = pd.factorize(keys["t"], sort=True)

    def one_per_frame(j: int) -> bool:  # the same value in every row of a frame
        return pd.Series(table.iloc[:, j].to_numpy()).groupby(codes_t).nunique(
            dropna=False).max() <= 1

    for j in per_frame:
        if not one_per_frame(j):
            raise FormatError(f"{what}: long table (one row per frame and neuron): column "
                              f"{names[j]!r} differs between the neurons of one frame, so it is "
                              "not one value per frame", _pivot_hint(k, id_name, "VALUES"))
    values_at = rest
    if len(values_at) != 1:
        shown = ", ".join(repr(names[j]) for j in values_at) or "none"
        steady = [names[j] for j in values_at if one_per_frame(j)]  # a stimulus, maybe
        hint = _pivot_hint(k, id_name, next((names[j] for j in values_at
                                             if names[j] not in steady), "VALUES"))
        if steady and len(values_at) - len(steady) == 1:
            hint = (f"{', '.join(map(repr, steady))} hold one value per frame: if they are a "
                    f"stimulus or behaviour, import with {flag_for(steady)}; else {hint}")
        raise FormatError(f"{what} looks like a long table (one row per frame and neuron: frames "
                          f"in {k!r}, neurons in {id_name!r}) but has {len(values_at)} value "
                          f"columns ({shown}), not one", hint)
    vi = values_at[0]
    if twice.any():
        first = int(np.argmax(twice))
        again = np.flatnonzero(twice & (keys["t"].to_numpy() == keys["t"].iat[first])
                               & (keys["id"].to_numpy() == keys["id"].iat[first]))
        who = ids.iat[first]
        who = repr(who.strip()) if isinstance(who, str) else _number_text(who)
        raise FormatError(
            f"{what}: long table (one row per frame and neuron): {int(twice.sum()):,} rows repeat "
            f"a (frame, neuron) pair (first: {k!r} {key[first]:g} and {id_name!r} {who}, "
            "in rows " + ", ".join(str(r + 1) for r in again[:3]) + " below the header)",
            "a frame holds one value per neuron: if the repeats are "
            f"copies, drop them (pandas: df.drop_duplicates([{k!r}, {id_name!r}])); if they are "
            "frames whose times were rounded, give each its own time; then "
            + _pivot_hint(k, id_name, names[vi]))
    raw = table.iloc[:, vi]
    bad = _text(raw)
    if bad.any():
        r = int(np.argmax(bad))
        raise FormatError(f"{what}: long table: column {names[vi]!r} holds {raw.iat[r]!r} in row "
                          f"{r + 1} below the header, which is not a number",
                          "the value column holds one number per frame and neuron (an empty cell "
                          "is a missing value)")
    frames = frames.to_numpy(np.float64)
    if numbered or by_frame:  # frame numbers: a number missing between the first and the last
        if not np.all(frames == np.round(frames)):
            raise FormatError(f"{what}: long table: the frame numbers {k!r} are not whole "
                              f"numbers ({frames[np.argmax(frames != np.round(frames))]:g})",
                              f"give frame numbers, or the times in a column named with their "
                              f"unit ('time (s)'); {_pivot_hint(k, id_name, names[vi])}")
    if numbered:  # without times, is a gap: a row of NaN
        codes_t = (frames[codes_t] - frames[0]).astype(np.int64)
        frames = np.arange(frames[0], frames[-1] + 1)
    spread = None
    if by_frame:  # each frame's time: the mean of its neurons' times
        per = pd.Series(times.to_numpy(np.float64)).groupby(codes_t)
        spread = float((per.max() - per.min()).max())
        frames = per.mean().to_numpy(np.float64)
    codes_id, uniques = pd.factorize(ids, sort=False)
    out = np.full((frames.size, len(uniques)), np.nan)
    out[codes_t, codes_id] = pd.to_numeric(raw, errors="coerce").to_numpy(np.float64)
    columns = [frames]
    for j in per_frame:
        column = np.full(frames.size, np.nan)
        column[codes_t] = pd.to_numeric(table.iloc[:, j], errors="coerce").to_numpy(np.float64)
        columns.append(column)
    labels = [_number_text(u).strip() if not isinstance(u, str) else u.strip() for u in uniques]
    wide = pd.DataFrame(np.column_stack([*columns, out]))
    missing = int(out.size - keys.shape[0])
    gaps = int(frames.size - np.unique(codes_t).size)
    notes.append(
        f"long table (one row per frame and neuron, {keys.shape[0]:,} rows): pivoted to "
        f"{frames.size:,} frames × {len(labels):,} neurons, the frames from column {k!r}, the "
        f"neurons' names from {id_name!r}, their values from {names[vi]!r}"
        + (f", kept per frame: {', '.join(repr(names[j]) for j in per_frame)}" if per_frame else "")
        + (f"; {missing:,} (frame, neuron) pairs are not in the table: NaN" if missing else "")
        + (f" ({gaps:,} frame numbers between the first and the last have no row)" if gaps else "")
        + (f"; the times {t!r} differ between the neurons of one frame (by up to {spread:.4g}, "
           "per-neuron offsets): each frame's time is their mean" if by_frame else ""))
    return [t, *(names[j] for j in per_frame), *labels], wide
