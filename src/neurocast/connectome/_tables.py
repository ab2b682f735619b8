"""Shared machinery of the connectome file formats: read tables, validate columns, build.

Every reader goes through the same steps, all vectorised (pyarrow / numpy, no Python loops
over rows): read the header, check the expected columns are there, read only the needed
columns (ids as exact 64-bit integers, never through float), validate values, map ids to
positions, reject or sum duplicate pre→post pairs, and build the CSR ``Connectome``.
Errors name the file, the column and the first offending row, and say how to fix it.
"""

from __future__ import annotations

import csv
import difflib
import gzip
from pathlib import Path

import numpy as np
import pandas as pd
from numba import njit

from neurocast.connectome._connectome import POSITION_COLUMNS, Connectome
from neurocast.connectome._csr import counts_to_int32, csr_from_sorted, unique_keys
from neurocast.errors import FormatError, NonFiniteError

CSV_SUFFIXES = (".csv", ".tsv")  # .tsv: tab-separated, read only
PARQUET_SUFFIXES = (".parquet", ".pq")
TABLE_SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES
GZIP_SUFFIX = ".gz"  # read only: FlyWire Codex downloads are connections.csv.gz
N_LISTED = 5  # how many offending values an error message lists


def is_gzip_csv(path: Path) -> bool:
    """True for a gzip-compressed CSV file name (``*.csv.gz``, ``*.tsv.gz``, case-insensitive)."""
    return path.name.lower().endswith(tuple(s + GZIP_SUFFIX for s in CSV_SUFFIXES))


def is_read_only_table(path: Path) -> bool:
    """True for table names neurocast reads but does not write (``.csv.gz``, ``.tsv``)."""
    return is_gzip_csv(path) or path.suffix.lower() == ".tsv"


def _is_tsv(path: Path) -> bool:
    return path.name.lower().removesuffix(GZIP_SUFFIX).endswith(".tsv")


def table_stem(path: Path) -> str:
    """The file name without its table suffix (``connections.csv.gz`` → ``connections``)."""
    return path.with_suffix("").stem if is_gzip_csv(path) else path.stem


def _open_text(path: Path):
    """A CSV file (gzip-compressed for ``*.csv.gz``) opened as UTF-8 text (a byte-order mark
    skipped), lines as written."""
    opener = gzip.open if is_gzip_csv(path) else open
    return opener(path, "rt", encoding="utf-8-sig", newline="")


def table_kind(path: Path) -> str | None:
    """'csv' (also for ``*.csv.gz``, read only), 'parquet' or None, from the file name's
    suffix (case-insensitive)."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES or is_gzip_csv(path):
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    return None


def _short(values, n: int = N_LISTED) -> str:
    values = list(values)
    text = ", ".join(str(v) for v in values[:n])
    return text + (f", … ({len(values)} in all)" if len(values) > n else "")


def table_columns(path: Path, what: str) -> list[str]:
    """Column names of a CSV or parquet table, read from the header only.

    CSV names are stripped of surrounding whitespace (``pre, post, count`` names ``post``).
    Raises FormatError for an empty file, an unreadable file, a table without columns or a
    name given to two columns (which one is meant would be a guess).
    """
    kind = table_kind(path)
    if path.stat().st_size == 0:
        raise FormatError(f"{what} '{path}' is empty (0 bytes)",
                          "export the table again; it needs a header row and at least one data row")
    if kind == "parquet":
        # pyarrow: only for Parquet/CSV tables
        import pyarrow.parquet as pq

        try:
            names = list(pq.read_schema(path).names)
        except Exception as exc:  # pyarrow raises several types for a corrupt file
            raise FormatError(f"{what} '{path}' is not a readable parquet file ({exc})",
                              "check the file is complete, or export it as CSV") from None
        return _unique_names(names, path, what)
    with _open_text(path) as fh:
        try:
            first = fh.readline()
            header = next(csv.reader([first], delimiter=_delimiter(path, first)), [])
        except (UnicodeDecodeError, csv.Error, gzip.BadGzipFile, EOFError) as exc:
            raise FormatError(f"{what} '{path}' is not a readable CSV text file ({exc})",
                              "export the table as UTF-8 CSV with a header row") from None
    header = [h.strip() for h in header]
    if not any(header):
        raise FormatError(f"{what} '{path}' has no header row",
                          "the first line must name the columns")
    # a data row as first line (column names are rarely numbers; a matrix's first cell is empty)
    if header[0] and sum(_is_number(h) for h in header) >= min(2, len(header)):
        raise FormatError(f"{what} '{path.name}' has no header row: its first line holds "
                          f"values ({_short(header, 3)}), not column names",
                          "add a first line naming the columns, e.g. pre,post,count "
                          "(then map other names with --columns)")
    return _unique_names(header, path, what)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _unique_names(names: list[str], path: Path, what: str) -> list[str]:
    """``names``, unless a (non-empty) column name repeats: then FormatError naming it."""
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name and name in seen:
            raise FormatError(f"{what} '{path.name}' has two columns named '{name}' "
                              f"(columns {seen[name] + 1} and {i + 1})",
                              "rename or remove one of them, so that each name says which "
                              "column is meant")
        seen[name] = i
    return names


def require_columns(found: list[str], expected: list[str], path: Path, what: str,
                    hint: str | None = None) -> None:
    """Raise FormatError naming the first missing column, the columns found and expected."""
    missing = [c for c in expected if c not in found]
    if not missing:
        return
    col = missing[0]
    close = difflib.get_close_matches(col, found, n=1, cutoff=0.6)
    near = f" (did you mean '{close[0]}'?)" if close else ""
    more = f" (and {len(missing) - 1} more: {_short(missing[1:])})" if len(missing) > 1 else ""
    raise FormatError(
        f"{what} '{path.name}' has no column '{col}'{near}{more}\n"
        f"  found: {', '.join(found) or '(none)'}\n  expected: {', '.join(expected)}",
        hint or "rename the column in the file, or map it with --columns (e.g. pre=COL,post=COL,count=COL)",
    )


def read_table(path: Path, columns: list[str], what: str, *, id_columns=()) -> dict[str, pd.Series]:
    """Read the given columns of a CSV or parquet table: {column: Series of shape (rows,)}.

    id_columns are read as exact int64 (CSV) or kept as stored (parquet; checked later).
    Raises FormatError for a table with no data rows or values that cannot be parsed.
    """
    # pyarrow: only for Parquet/CSV tables
    import pyarrow as pa

    kind = table_kind(path)
    if kind == "parquet":
        # pyarrow: only for Parquet/CSV tables
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path, columns=columns)
        except Exception as exc:
            raise FormatError(f"{what} '{path}' could not be read ({exc})",
                              "check the file is a complete parquet table") from None
    else:
        # pyarrow: only for Parquet/CSV tables
        import pyarrow.csv as pcsv

        types = {c: pa.int64() for c in id_columns}
        try:
            table = pcsv.read_csv(
                path, read_options=_csv_header(path, what), parse_options=_csv_parse(path),
                convert_options=pcsv.ConvertOptions(column_types=types, include_columns=columns),
            )
        except OSError as exc:  # a truncated or corrupt .csv.gz (ArrowInvalid is no OSError)
            if not is_gzip_csv(path):
                raise
            raise FormatError(f"{what} '{path.name}' could not be decompressed ({exc})",
                              "check the .gz file is complete, or give the uncompressed .csv") from None
        except pa.ArrowInvalid as exc:
            _diagnose_csv(path, columns, [c for c in id_columns if c in columns], what)
            raise FormatError(
                f"{what} '{path.name}' could not be parsed: {str(exc).splitlines()[0]}",
                "check it is a comma-separated table with the same number of fields on every line",
            ) from None
    if table.num_rows == 0:
        raise FormatError(f"{what} '{path}' has a header but no rows",
                          "export the table again with its data, or choose another file")
    return {c: _series(table.column(c)) for c in columns}


def _diagnose_csv(path: Path, columns: list[str], id_columns: list[str], what: str) -> None:
    """After a failed typed read: find an id column holding a non-integer (raises if found)."""
    # pyarrow: only for Parquet/CSV tables
    import pyarrow as pa
    import pyarrow.csv as pcsv

    if not id_columns:
        return
    try:
        table = pcsv.read_csv(path, read_options=_csv_header(path, what),
                              parse_options=_csv_parse(path),
                              convert_options=pcsv.ConvertOptions(
                                  column_types={c: pa.string() for c in columns},
                                  include_columns=columns))
    except pa.ArrowInvalid:
        return  # a structural problem; the caller reports it
    for c in id_columns:
        check_ids(table.column(c).to_pandas(), c, path, what)


def _delimiter(path: Path, header_line: str) -> str:
    """The field separator of a CSV file from its name and header line: a tab for ``.tsv``,
    else ',' unless the line holds none but holds tabs or semicolons (tab-separated exports
    named .csv; Excel's in many locales)."""
    if _is_tsv(path):
        return "\t"
    if "," in header_line:
        return ","
    return next((d for d in ("\t", ";") if d in header_line), ",")


def csv_delimiter(path: Path) -> str:
    """The field separator of a CSV file (``_delimiter`` of its name and first line)."""
    with _open_text(path) as fh:
        return _delimiter(path, fh.readline())


def _csv_header(path: Path, what: str):
    """pyarrow CSV read options naming the columns as ``table_columns`` does (stripped)."""
    # pyarrow: only for Parquet/CSV tables
    import pyarrow.csv as pcsv

    return pcsv.ReadOptions(column_names=table_columns(path, what), skip_rows=1)


def _csv_parse(path: Path):
    """pyarrow CSV parse options with the file's field separator (``csv_delimiter``)."""
    # pyarrow: only for Parquet/CSV tables
    import pyarrow.csv as pcsv

    return pcsv.ParseOptions(delimiter=csv_delimiter(path))


def _series(col) -> pd.Series:
    """An arrow column as a Series; numeric columns without nulls go straight to numpy."""
    # pyarrow: only for Parquet/CSV tables
    import pyarrow as pa

    if col.null_count == 0 and (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)):
        return pd.Series(col.to_numpy(), copy=False)
    return col.to_pandas()


def row_label(path: Path, i: int) -> str:
    """Human row number: the CSV line (header is line 1) or the parquet row (1-based)."""
    return f"line {i + 2}" if table_kind(path) == "csv" else f"row {i + 1}"


def first_row(path: Path, mask: np.ndarray) -> str:
    """The human label (``row_label``) of the first True row of a boolean mask."""
    return row_label(path, int(np.flatnonzero(mask)[0]))


def check_ids(values: pd.Series, col: str, path: Path, what: str) -> np.ndarray:
    """Neuron ids as an exact int64 array, shape (rows,); see ``_parse_ids``. Negative ids raise FormatError."""
    ids = _parse_ids(values, col, path, what)
    negative = ids < 0
    if negative.any():
        raise FormatError(f"{what} '{path.name}' column '{col}' holds a negative neuron id, "
                          f"{int(ids[negative][0])} at {first_row(path, negative)}",
                          "neuron ids are non-negative integers; fix that row, or map the right column "
                          "with --columns")
    return ids


def _parse_ids(values: pd.Series, col: str, path: Path, what: str) -> np.ndarray:
    """Neuron ids as an exact int64 array, shape (rows,).

    Accepts integer columns as they are. Float columns are accepted only if every value
    is whole and below 2**53 (beyond that a float cannot hold a 64-bit root id exactly).
    Strings must all be decimal integers. NaN or empty cells raise NonFiniteError.
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
        a = s.to_numpy()
        frac = a != np.round(a)
        if frac.any():
            i = int(np.flatnonzero(frac)[0])
            raise FormatError(
                f"{what} '{path.name}' column '{col}' must hold integer neuron ids, "
                f"found {a[i]:g} at {row_label(path, i)}", "fix that row, or map the right column with --columns")
        if (np.abs(a) >= 2.0**53).any():
            raise FormatError(
                f"{what} '{path.name}' column '{col}' holds floating-point ids; "
                "64-bit ids (e.g. FlyWire root ids) lose digits as floats",
                "store ids as 64-bit integers (pandas: df[col].astype('int64') before writing)")
        return a.astype(np.int64)
    bad = ~text.str.fullmatch(r"[+-]?\d+").to_numpy(dtype=bool)
    if bad.any():
        found = text.iloc[int(np.flatnonzero(bad)[0])]
        raise FormatError(
            f"{what} '{path.name}' column '{col}' must hold integer neuron ids, "
            f"found {found!r} at {first_row(path, bad)}",
            "edges give neurons by integer id; names go in a neuron table with columns id and name "
            "(--neurons PATH, or neurons.csv beside edges.csv in a folder; docs/connectomes.md)"
            if any(c.isalpha() for c in found) else
            "fix that row, or map the right column with --columns")
    try:
        return text.astype(np.int64).to_numpy()
    except (OverflowError, ValueError):
        raise FormatError(f"{what} '{path.name}' column '{col}' holds ids beyond the int64 range",
                          "neuron ids must fit in 64-bit signed integers") from None


def check_counts(values: pd.Series, col: str, path: Path, what: str) -> np.ndarray:
    """Synapse counts as int64, shape (rows,): whole, positive, finite numbers.

    NaN/empty cells raise NonFiniteError; text, fractions, zero or negative counts raise
    FormatError naming the first offending row.
    """
    s = values
    if s.dtype.kind == "b":
        raise FormatError(f"{what} '{path.name}' column '{col}' holds true/false values, "
                          "not synapse counts", "map the synapse-count column with --columns count=NAME")
    if s.dtype.kind not in "iuf":
        converted = pd.to_numeric(s, errors="coerce")
        bad = converted.isna().to_numpy() & ~s.isna().to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise FormatError(
                f"{what} '{path.name}' column '{col}' must hold whole synapse counts, "
                f"found {s.iloc[i]!r} at {row_label(path, i)}",
                "fix that row, or map the synapse-count column with --columns count=NAME")
        s = converted
    a = s.to_numpy(dtype=np.float64) if s.dtype.kind == "f" else s.to_numpy()
    if a.dtype.kind == "f":
        for bad, kind in ((np.isnan(a), "NaN or empty"), (np.isinf(a), "infinite (inf)")):
            if bad.any():
                raise NonFiniteError(
                    f"{what} '{path.name}' column '{col}' has {int(bad.sum())} {kind} "
                    f"synapse count(s), first at {first_row(path, bad)}",
                    "remove those rows or fill in their counts")
        frac = a != np.round(a)
        if frac.any():
            i = int(np.flatnonzero(frac)[0])
            raise FormatError(
                f"{what} '{path.name}' column '{col}' must hold whole synapse counts, "
                f"found {a[i]:g} at {row_label(path, i)}",
                "synapse counts are integers; map float weights with --columns weight=NAME "
                "(API: columns={'weight': ...})")
    nonpos = a <= 0
    if nonpos.any():
        i = int(np.flatnonzero(nonpos)[0])
        raise FormatError(
            f"{what} '{path.name}' column '{col}' must hold positive synapse counts, "
            f"found {a[i]:g} at {row_label(path, i)} ({int(nonpos.sum())} such rows)",
            "drop rows with zero or negative counts; put the sign in its own column")
    if a.max() > np.iinfo(np.int32).max:
        raise FormatError(f"{what} '{path.name}' column '{col}' has counts beyond 2**31 - 1")
    return a.astype(np.int64)


def check_weights(values: pd.Series, col: str, path: Path, what: str) -> np.ndarray:
    """Float connection weights as float64, shape (rows,): numbers, finite (any sign).

    Text raises FormatError and NaN/empty cells NonFiniteError, naming the first offending row.
    """
    s = values
    if s.dtype.kind not in "iuf":
        converted = pd.to_numeric(s, errors="coerce")
        bad = converted.isna().to_numpy() & ~s.isna().to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise FormatError(f"{what} '{path.name}' column '{col}' must hold numbers, "
                              f"found {s.iloc[i]!r} at {row_label(path, i)}", "fix that row")
        s = converted
    a = s.to_numpy(dtype=np.float64)
    nonfinite = ~np.isfinite(a)
    if nonfinite.any():
        raise NonFiniteError(
            f"{what} '{path.name}' column '{col}' has {int(nonfinite.sum())} NaN, empty or "
            f"infinite weight(s), first at {first_row(path, nonfinite)}",
            "remove those rows or fill in their weights")
    return a


def check_signs(values: pd.Series, col: str, path: Path, what: str) -> np.ndarray:
    """Signs as int8, shape (rows,): each -1 (inhibitory), 0 (unknown) or +1 (excitatory)."""
    s = values
    if s.dtype.kind == "b":
        return np.where(s.to_numpy(), 1, -1).astype(np.int8)
    if s.dtype.kind not in "iuf":
        s = pd.to_numeric(s, errors="coerce")
    a = s.to_numpy(dtype=np.float64)
    if np.isnan(a).any():
        raise NonFiniteError(
            f"{what} '{path.name}' column '{col}' has a NaN, empty or non-numeric sign "
            f"at {first_row(path, np.isnan(a))}", "signs are +1 (excitatory), -1 (inhibitory) or 0 (unknown)")
    bad = ~np.isin(a, (-1.0, 0.0, 1.0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise FormatError(
            f"{what} '{path.name}' column '{col}' must hold -1, 0 or +1, "
            f"found {a[i]:g} at {row_label(path, i)}",
            "signs are +1 (excitatory), -1 (inhibitory) or 0 (unknown)")
    return a.astype(np.int8)


def text_column(frame: pd.DataFrame, col: str) -> np.ndarray:
    """A string column with missing cells as '' (object array, shape (rows,))."""
    return frame[col].fillna("").astype(str).to_numpy(dtype=object)


#: Names of a transmitter column, in a neuron table or an edge table (the first present wins):
#: neurocast's own, neuPrint's (predictedNt, consensusNt), FlyWire Codex's (nt_type), others.
TRANSMITTER_COLUMNS = ("transmitter", "predictedNt", "consensusNt", "nt_type", "neurotransmitter",
                       "nt")


def neuron_table(frame: pd.DataFrame, id_col: str, path: Path, what: str, *,
                 name_cols=("name",), type_cols=("type",), transmitter_cols=TRANSMITTER_COLUMNS,
                 sign_col: str | None = "sign") -> pd.DataFrame:
    """A neurocast neuron table (id, name, type, transmitter[, sign][, x, y, z]) from a file's table.

    Each *_cols tuple lists the source columns to try, first match wins; the name falls back
    to the id (as text) where empty. The sign column is copied only if present (readers
    derive it otherwise). Raises FormatError for repeated ids.
    """
    ids = check_ids(frame[id_col], id_col, path, what)
    dup = pd.Index(ids).duplicated()
    if dup.any():
        raise FormatError(
            f"{what} '{path.name}' lists {int(dup.sum())} neuron id(s) more than once, "
            f"e.g. {_short(np.unique(ids[dup]))}", "each neuron must appear once in the neuron table")
    out = pd.DataFrame({"id": ids})

    def first(cols):
        for c in cols:
            if c in frame.columns:
                return text_column(frame, c)
        return None

    names = first(name_cols)
    id_text = ids.astype(str).astype(object)
    out["name"] = id_text if names is None else np.where(names == "", id_text, names)
    for key, cols in (("type", type_cols), ("transmitter", transmitter_cols)):
        vals = first(cols)
        out[key] = np.full(len(ids), "", dtype=object) if vals is None else vals
    if sign_col and sign_col in frame.columns:
        out["sign"] = check_signs(frame[sign_col], sign_col, path, what)
    for c in POSITION_COLUMNS:
        if c in frame.columns:
            out[c] = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=np.float32)
    return out


def neurons_from_edges(pre_ids: np.ndarray, post_ids: np.ndarray) -> pd.DataFrame:
    """Neuron table of the ids that appear in an edge list, sorted by id; names are the ids."""
    ids = np.unique(np.concatenate([pre_ids, post_ids]))
    return pd.DataFrame({"id": ids, "name": ids.astype(str).astype(object)})


#: Transmitter spellings (compared lower-case, without spaces, '-' and '_') and their sign, with
#: the fly convention of Shiu et al. 2024: acetylcholine excites; GABA and glutamate inhibit
#: (glutamate through the GluClα chloride channel, Liu & Wilson 2013).
EXCITATORY_TRANSMITTERS = ("acetylcholine", "ach", "cholinergic")
INHIBITORY_TRANSMITTERS = ("gaba", "gabaergic", "glutamate", "glu", "glut", "glutamatergic")


def transmitter_sign(transmitter) -> np.ndarray:
    """Sign from transmitter names, int8 array shaped like the input (a sequence of str).

    Case-insensitive, ignoring spaces, '-' and '_': ACh/acetylcholine/cholinergic → +1;
    GABA/GABAergic, Glu/GLUT/glutamate/glutamatergic → -1 (``*_TRANSMITTERS``); anything else
    (dopamine, serotonin, octopamine, unknown, '') → 0.
    """
    low = (pd.Series(transmitter, dtype=object).fillna("").astype(str).str.lower()
           .str.replace(r"[\s_-]", "", regex=True))
    out = np.zeros(len(low), dtype=np.int8)
    out[low.isin(EXCITATORY_TRANSMITTERS).to_numpy()] = 1
    out[low.isin(INHIBITORY_TRANSMITTERS).to_numpy()] = -1
    return out


def sign_from_edges(n: int, pre: np.ndarray, signed: np.ndarray) -> np.ndarray:
    """Neuron sign from its outgoing edges, shape (n,), int8.

    pre: (E,) presynaptic positions; signed: (E,) signed synapse counts (count × edge sign).
    The sign of the neuron's net signed synapse count: +1 if excitatory synapses outnumber
    inhibitory ones, -1 if the reverse, 0 for a tie or a neuron without outgoing synapses.
    """
    net = np.bincount(pre, weights=signed.astype(np.float64), minlength=n)
    return np.sign(net).astype(np.int8)


@njit(cache=True)
def _hash_positions(table_ids, queries):  # pragma: no cover - compiled
    """Position of each query id in ``table_ids`` (unique int64), -1 if absent.

    Open addressing with linear probing in a table of at least twice the size; the slot is
    the top bits of a Fibonacci (multiplicative) hash, so any id pattern spreads evenly.
    """
    bits = 1
    while (1 << bits) < 2 * len(table_ids):
        bits += 1
    mask = (1 << bits) - 1
    shift = np.uint64(64 - bits)
    golden = np.uint64(0x9E3779B97F4A7C15)
    slots = np.full(1 << bits, -1, dtype=np.int64)
    for i in range(len(table_ids)):
        h = np.int64((np.uint64(table_ids[i]) * golden) >> shift)
        while slots[h] >= 0:
            h = (h + 1) & mask
        slots[h] = i
    out = np.empty(len(queries), dtype=np.int64)
    for k in range(len(queries)):
        q = queries[k]
        h = np.int64((np.uint64(q) * golden) >> shift)
        out[k] = -1
        while slots[h] >= 0:
            if table_ids[slots[h]] == q:
                out[k] = slots[h]
                break
            h = (h + 1) & mask
    return out


def positions_of(table_ids: np.ndarray, ids: np.ndarray, *, path: Path, what: str,
                 side: str = "") -> np.ndarray:
    """Positions (int64, shape like ids) of neuron ids in the neuron table's ids.

    Raises FormatError listing the first few ids missing from the table.
    """
    pos = _hash_positions(np.ascontiguousarray(table_ids, dtype=np.int64),
                          np.ascontiguousarray(ids, dtype=np.int64))
    if (pos < 0).any():
        missing = pd.unique(ids[pos < 0])
        raise FormatError(
            f"{what} '{path.name}' names {len(missing)} {side}neuron id(s) missing "
            f"from the neuron table: {_short(missing)}",
            "use the neuron table that belongs to this edge table, or add those neurons to it")
    return pos


def build(neurons: pd.DataFrame, pre_ids: np.ndarray, post_ids: np.ndarray, count: np.ndarray,
          edge_sign: np.ndarray | None, *, duplicates: str, path: Path, what: str,
          name: str, attrs: dict,
          positions: tuple[np.ndarray, np.ndarray] | None = None,
          weight: np.ndarray | None = None, weight_units: str = "weight") -> Connectome:
    """Build a Connectome from edges given by neuron id.

    neurons: table with 'id' (and name, type, ...); if it has no 'sign' column the neuron
      sign is derived from the outgoing edges (``sign_from_edges``) when edge signs are
      given, else set to 0 (unknown).
    pre_ids, post_ids: int64 (E,); count: int64 (E,) positive; edge_sign: int8 (E,) or None
      (then every edge takes its presynaptic neuron's sign).
    duplicates: 'error' rejects repeated pre→post pairs naming the first one; 'sum' adds
      their counts (and signed counts); rows of one pair with different edge signs are
      refused (a connection has one sign), naming the pair and its rows.
    positions: optional (pre, post) neuron positions already known and checked (e.g. the
      FlyWire *_Index columns), which skips the id lookup.
    weight: optional float64 (E,) non-negative strengths (a weighted connectome in
      ``weight_units``); the signed weight is strength × sign, as for counts without it.
    Raises FormatError for edges naming neurons missing from the table.
    """
    table_ids = neurons["id"].to_numpy(dtype=np.int64)
    n = len(table_ids)
    m = max(n, 1)
    if positions is None:
        pre = positions_of(table_ids, pre_ids, path=path, what=what, side="presynaptic ")
        post = positions_of(table_ids, post_ids, path=path, what=what, side="postsynaptic ")
    else:
        pre, post = positions
    key = pre.astype(np.int64) * m + post
    del pre, post

    def repeated(k, n_repeated, rows):
        a, b = int(table_ids[k // m]), int(table_ids[k % m])
        return FormatError(
            f"{what} '{path.name}' repeats {n_repeated} pre→post pair(s), "
            f"first {a}→{b} at {' and '.join(row_label(path, int(r)) for r in rows[:3])}",
            "merge them in the file, or add their synapse counts with --sum-duplicates")

    strength = np.asarray(count, np.int64) if weight is None else np.asarray(weight, np.float64)
    values = [count, strength] if edge_sign is None else [count, strength * edge_sign]
    rows_key = None
    mixed_signs = edge_sign is not None and len(key) and edge_sign.min() != edge_sign.max()
    if duplicates == "sum" and mixed_signs:
        # per pair: Σ count·sign and Σ count·|sign| tell whether its rows share one sign
        rows_key, count64 = key, np.asarray(count, np.int64)
        values += [count64 * edge_sign, count64 * np.abs(edge_sign)]
    key, values = unique_keys(key, values, m * m, duplicates=duplicates, on_repeat=repeated)
    if rows_key is not None:
        unsigned, net = values.pop(), values.pop()
        _refuse_mixed_signs(key, values[0], net, unsigned, rows_key, edge_sign, table_ids,
                            path=path, what=what)
        del rows_key
    count = values[0]
    strength, signed = (values[1], None) if edge_sign is None else (None, values[1])
    indptr, indices = csr_from_sorted(n, key)
    del key
    table = neurons.copy()
    if "sign" not in table.columns or signed is None:
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        if "sign" not in table.columns:
            table["sign"] = (np.zeros(n, np.int8) if signed is None
                             else sign_from_edges(n, rows, signed))
        if signed is None:
            signed = table["sign"].to_numpy(dtype=np.int64)[rows] * strength
    try:
        count = counts_to_int32(count)
    except FormatError:
        raise FormatError(f"{what} '{path.name}': summed synapse counts exceed 2**31 - 1") from None
    units = {} if weight is None else {"weight_units": weight_units}
    return Connectome(table, indptr, indices, count, signed.astype(np.float32),
                      name=name, attrs=attrs, **units)


def _refuse_mixed_signs(key, count, net, unsigned, rows_key, edge_sign, table_ids, *, path, what):
    """FormatError for the first summed pair whose rows have different edge signs.

    key: sorted unique pair keys (pre*m + post); count, net, unsigned: their sums of count,
    count·sign and count·|sign|; rows_key, edge_sign: the input rows. The rows of a pair
    share a sign exactly when |net| == unsigned and unsigned is 0 or the whole count.
    """
    mixed = (np.abs(net) != unsigned) | ((unsigned != 0) & (unsigned != count))
    if not mixed.any():
        return
    k = int(key[np.flatnonzero(mixed)[0]])
    m = max(len(table_ids), 1)
    rows = np.flatnonzero(rows_key == k)
    listed = ", ".join(f"{row_label(path, int(r))} (sign {('0', '+1', '-1')[edge_sign[r]]})"
                       for r in rows[:4])
    raise FormatError(
        f"{what} '{path.name}' has rows of different signs for the pre→post pair "
        f"{int(table_ids[k // m])}→{int(table_ids[k % m])}: {listed}"
        + (f", … ({len(rows)} rows)" if len(rows) > 4 else "")
        + f" ({int(mixed.sum())} such pair(s))",
        "a connection has one sign, so --sum-duplicates adds only rows that agree; "
        "fix the sign of those rows in the file")


# ---------------------------------------------------------------------- neuron tables
def read_neuron_frame(path: Path, what: str = "neuron table") -> pd.DataFrame:
    """All columns of a (small) neuron table; CSV cells are read as text (stripped of
    surrounding whitespace, as are the column names), parsed later.

    A parquet table written by pandas with the ids as its index (the parquet twin of
    ``Completeness_783.csv`` read with ``index_col=0``) gets that index as its first column.
    """
    table_columns(path, what)  # empty-file and header checks
    if table_kind(path) == "parquet":
        frame = pd.read_parquet(path)
        if not isinstance(frame.index, pd.RangeIndex):  # ids stored as the pandas index
            frame = frame.reset_index()
    else:
        frame = _read_text_csv(path, what)
        frame = frame.apply(lambda col: col.str.strip())
    if len(frame) == 0:
        raise FormatError(f"{what} '{path}' has a header but no rows",
                          "export the table again with its data, or leave it out")
    return frame


def _read_text_csv(path: Path, what: str) -> pd.DataFrame:
    """Every column of a CSV table as text ('' for empty cells), named as ``table_columns``
    names them. A row with more or fewer fields than the header raises FormatError (pandas
    would silently take a first column as the index)."""
    # pyarrow: only for Parquet/CSV tables
    import pyarrow as pa
    import pyarrow.csv as pcsv

    read_options = _csv_header(path, what)
    try:
        table = pcsv.read_csv(path, read_options=read_options, parse_options=_csv_parse(path),
                              convert_options=pcsv.ConvertOptions(
            column_types={c: pa.string() for c in read_options.column_names}))
    except pa.ArrowInvalid as exc:
        raise FormatError(
            f"{what} '{path.name}' could not be parsed: {str(exc).splitlines()[0]}",
            "check it is a comma-separated table with the same number of fields on every line",
        ) from None
    except OSError as exc:  # a truncated or corrupt .csv.gz
        raise FormatError(f"{what} '{path.name}' could not be read ({exc})",
                          "check the file is complete, or give the uncompressed .csv") from None
    return pd.DataFrame({c: table.column(i).to_pandas().fillna("").astype(str)
                         for i, c in enumerate(table.column_names)})
