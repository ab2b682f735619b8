"""Neuron-id columns of connectome tables as exact int64, and the signs of ids that went
through floating point.

A 64-bit id (a FlyWire root id such as 720575940596125868) needs 60 bits; a float64 keeps
only 53, so a column that passed through float (pandas reads an id column holding one empty
cell as float64) keeps integers whose last digits are rounded: different neurons merge.
``check_ids`` reads integer columns as they are, and floats (a float column, or CSV text
such as '1.0' or '7.2e+17') only when whole and below 2**53, where a float is exact. It also
refuses a column whose large ids are all float-exact (``float_exact``), the trace of such a
rounding. ``float_rounded_hint`` gives repeated-row errors that cause and fix when their ids
are float-exact, and ``int_ids_hint`` is the one wording of the fix.
All checks are vectorised; errors name the file, the column and the first offending row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from neurocast.connectome._table_names import (
    first_row,
    row_label,
    short_list,
)
from neurocast.errors import FormatError, NonFiniteError

#: ids from 2**53 up can lose their last digits in a float64 (53-bit significand)
FLOAT_EXACT_LIMIT = 2**53
#: distinct ids, all float-exact, that prove a column passed through float (chance 128**-8 for
#: real FlyWire root ids, of which 1 in 128 is float-exact)
N_ROUNDED_IDS = 8
_INTEGER = r"[+-]?\d+"


def int_ids_hint(*columns: str) -> str:
    """How to keep the id ``columns`` exact: read them as nullable integers or text (pandas'
    plain 'int64' fails on a column with an empty cell), write them as integers."""
    types = ", ".join(f"'{c}': 'Int64'" for c in columns)
    return (f"store ids as 64-bit integers, never floats: in pandas read them with "
            f"dtype={{{types}}} (nullable integers; plain 'int64' fails on an empty cell) or "
            "dtype=str, and write them as integers; or export the table again")


def float_exact(ids: np.ndarray) -> np.ndarray:
    """Bool array shaped like int64 ``ids`` (non-negative): True for ids of 2**53 or more that a
    float64 holds exactly, as ids rounded by a trip through float all are."""
    big = ids >= FLOAT_EXACT_LIMIT
    return big & (ids.astype(np.float64).astype(np.uint64) == ids.astype(np.uint64))


def float_rounded_hint(columns: tuple[str, ...], *ids: int) -> str | None:
    """The cause and fix of repeated rows when all the given ids are float-exact (``float_exact``)
    and so may be different neurons merged by rounding, else None. ``columns``: the id columns
    the ids were read from (named in the fix)."""
    if not float_exact(np.array(ids, dtype=np.int64)).all():
        return None
    return ("these ids are exact float64 values (last digits rounded), so the rows may belong to "
            "different neurons merged by a trip through a float column: "
            + int_ids_hint(*columns))


def check_ids(values: pd.Series, col: str, path: Path, what: str, *,
              whole_floats: bool = True) -> np.ndarray:
    """Neuron ids as an exact int64 array, shape (rows,); see ``_parse_ids``.

    Negative ids raise FormatError, and so does a column whose ids of 2**53 or more are at
    least ``N_ROUNDED_IDS`` distinct ones, all float-exact (``float_exact``): ids read through
    a float column, whose last digits are lost (real 64-bit root ids have random low bits).
    whole_floats=False refuses text cells written as floats ('1.0') too (a table read in blocks).
    """
    ids = _parse_ids(values, col, path, what, whole_floats)
    negative = ids < 0
    if negative.any():
        raise FormatError(f"{what} '{path.name}' column '{col}' holds a negative neuron id, "
                          f"{int(ids[negative][0])} at {first_row(path, negative)}",
                          "neuron ids are non-negative integers; fix that row, or map the right column "
                          "with --columns")
    distinct = _rounded_ids(ids)
    if len(distinct) >= N_ROUNDED_IDS:
        raise FormatError(
            f"{what} '{path.name}' column '{col}' holds {len(distinct)} distinct ids of 2**53 "
            f"or more (e.g. {short_list(distinct, 2)}), every one an exact float64 value: the "
            "ids were read through a float column and lost their last digits, so different "
            "neurons would merge", int_ids_hint(col))
    return ids


def _rounded_ids(ids: np.ndarray) -> np.ndarray:
    """The distinct ids of 2**53 or more in int64 ``ids`` (shape (rows,)) if every one of them
    is float-exact, else an empty array. The first 1000 rows are screened first, which settles
    real ids without a pass over the whole column."""
    for part in (ids[:1000], ids):
        big = part[part >= FLOAT_EXACT_LIMIT]
        if not float_exact(big).all():
            return big[:0]
    return np.unique(big)


def _parse_ids(values: pd.Series, col: str, path: Path, what: str,
               whole_floats: bool = True) -> np.ndarray:
    """Neuron ids as an exact int64 array, shape (rows,).

    Accepts integer columns as they are. Float columns, and text cells written as floats
    ('1.0', '7.2e+17'; only if ``whole_floats``), are accepted only if whole and below 2**53
    (beyond that a float cannot hold a 64-bit root id exactly: FormatError saying the column
    holds floating-point ids). Other text must be decimal integers. NaN or empty cells raise
    NonFiniteError.
    """
    s = values
    if s.dtype.kind == "u" and len(s) and s.max() > np.iinfo(np.int64).max:
        raise FormatError(f"{what} '{path.name}' column '{col}' holds ids beyond the int64 range, "
                          f"{int(s.max())}", "neuron ids must fit in 64-bit signed integers")
    if s.dtype.kind in "iu":
        return s.to_numpy(dtype=np.int64)
    missing = s.isna().to_numpy(copy=True)
    text = None
    if s.dtype.kind != "f":
        text = s.astype(str).str.strip()
        missing |= text.str.lower().isin(["nan", "na", "null", "none", ""]).to_numpy(dtype=bool)
    if missing.any():
        raise NonFiniteError(
            f"{what} '{path.name}' column '{col}' has {int(missing.sum())} empty or NaN id(s), "
            f"first at {first_row(path, missing)}", "every row needs a neuron id; remove or fill those rows")
    if text is None:  # floats
        return _whole_float_ids(s.to_numpy(dtype=np.float64), np.arange(len(s)), col, path, what)
    written_as_float = ~text.str.fullmatch(_INTEGER).to_numpy(dtype=bool)
    ids = np.zeros(len(text), dtype=np.int64)
    if written_as_float.any():
        rows = np.flatnonzero(written_as_float)
        numbers = pd.to_numeric(text.iloc[rows], errors="coerce").to_numpy(dtype=np.float64)
        if np.isnan(numbers).any():
            i = int(rows[np.isnan(numbers)][0])
            found = text.iloc[i]
            raise FormatError(
                f"{what} '{path.name}' column '{col}' must hold integer neuron ids, "
                f"found {found!r} at {row_label(path, i)}",
                "edges give neurons by integer id; names go in a neuron table with columns id and "
                "name (--neurons PATH, or neurons.csv beside edges.csv in a folder; "
                "docs/connectomes.md)" if any(c.isalpha() for c in found) else
                "fix that row, or map the right column with --columns")
        ids[rows] = _whole_float_ids(numbers, rows, col, path, what, text)
        if not whole_floats:
            i = int(rows[0])
            raise FormatError(f"{what} '{path.name}' column '{col}' holds floating-point ids, "
                              f"e.g. {text.iloc[i]!r} at {row_label(path, i)}",
                              f"a table read in blocks needs integer ids: {int_ids_hint(col)}")
    try:
        ids[~written_as_float] = text[~written_as_float].astype(np.int64).to_numpy()
    except (OverflowError, ValueError):
        raise FormatError(f"{what} '{path.name}' column '{col}' holds ids beyond the int64 range",
                          "neuron ids must fit in 64-bit signed integers") from None
    return ids


def _whole_float_ids(a: np.ndarray, rows: np.ndarray, col: str, path: Path, what: str,
                     text: pd.Series | None = None) -> np.ndarray:
    """Float ids a (float64, shape (k,), from the table's rows ``rows``; ``text``: the column's
    cells as written, if read as text) as int64: each must be whole and below 2**53 in
    magnitude, else FormatError naming its row."""
    frac = ~np.isfinite(a) | (a != np.round(a))
    if frac.any():
        i = int(np.flatnonzero(frac)[0])
        found = f"{a[i]:g}" if text is None else repr(text.iloc[int(rows[i])])
        raise FormatError(
            f"{what} '{path.name}' column '{col}' must hold integer neuron ids, "
            f"found {found} at {row_label(path, int(rows[i]))}",
            "fix that row, or map the right column with --columns")
    big = np.abs(a) >= FLOAT_EXACT_LIMIT
    if big.any():
        i = int(np.flatnonzero(big)[0])
        raise FormatError(
            f"{what} '{path.name}' column '{col}' holds floating-point ids, e.g. {float(a[i])!r} "
            f"at {row_label(path, int(rows[i]))}; 64-bit ids (e.g. FlyWire root ids) lose their "
            "last digits as floats", int_ids_hint(col))
    return a.astype(np.int64)
