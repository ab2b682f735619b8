"""Read the CSV, parquet and Arrow feather tables of connectome files, and parse their columns.

Header and column checks, the field separator, reads of only the needed columns (pyarrow; ids
as exact 64-bit integers, never through float) and the checks of the values read (synapse
counts, weights, signs, probabilities; neuron ids are checked in ``_ids``; file kinds and row
labels come from ``_table_names``), all vectorised (pyarrow / numpy, no Python loops over
rows). Errors name the file, the column and the first offending row, and say how to fix it.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import gzip
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from neurocast.connectome._ids import check_ids
from neurocast.connectome._table_names import (
    GZIP_SUFFIX,
    first_row,
    is_gzip_csv,
    row_label,
    short_list,
    table_kind,
)
from neurocast.errors import FormatError, NonFiniteError


def _is_tsv(path: Path) -> bool:
    return path.name.lower().removesuffix(GZIP_SUFFIX).endswith(".tsv")


def _open_text(path: Path):
    """A CSV file (gzip-compressed for ``*.csv.gz``) opened as UTF-8 text (a byte-order mark
    skipped), lines as written."""
    opener = gzip.open if is_gzip_csv(path) else open
    return opener(path, "rt", encoding="utf-8-sig", newline="")


def table_columns(path: Path, what: str) -> list[str]:
    """Column names of a CSV, parquet or feather table, read from the header (schema) only.

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
    if kind == "feather":
        # pyarrow: only for Parquet/CSV/feather tables
        import pyarrow as pa

        try:
            with pa.memory_map(str(path)) as source:
                names = list(pa.ipc.open_file(source).schema.names)
        except Exception as exc:  # pyarrow raises several types for a corrupt file
            raise FormatError(f"{what} '{path}' is not a readable Arrow feather file ({exc})",
                              "check the file is complete (feather version 2, as pandas.to_feather "
                              "writes), or export it as parquet or CSV") from None
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
    if header[0] and sum(is_number(h) for h in header) >= min(2, len(header)):
        raise FormatError(f"{what} '{path.name}' has no header row: its first line holds "
                          f"values ({short_list(header, 3)}), not column names",
                          "add a first line naming the columns, e.g. pre,post,count "
                          "(then map other names with --columns)")
    return _unique_names(header, path, what)


def is_number(text: str) -> bool:
    """True if ``text`` reads as a float ('3', '1e-2', 'nan')."""
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
    more = f" (and {len(missing) - 1} more: {short_list(missing[1:])})" if len(missing) > 1 else ""
    raise FormatError(
        f"{what} '{path.name}' has no column '{col}'{near}{more}\n"
        f"  found: {', '.join(found) or '(none)'}\n  expected: {', '.join(expected)}",
        hint or "rename the column in the file, or map it with --columns (e.g. pre=COL,post=COL,count=COL)",
    )


def read_table(path: Path, columns: list[str], what: str, *, id_columns=()) -> dict[str, pd.Series]:
    """Read the given columns of a CSV, parquet or feather table: {column: Series of shape (rows,)}.

    id_columns are read as exact int64 (CSV; as text if a cell is no plain integer, such as
    '1.0') or kept as stored (parquet, feather); ``check_ids`` parses and checks them.
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
    elif kind == "feather":
        # pyarrow: only for Parquet/CSV/feather tables
        import pyarrow.feather as pf

        try:
            table = pf.read_table(path, columns=columns, memory_map=True)
        except Exception as exc:
            raise FormatError(f"{what} '{path}' could not be read ({exc})",
                              "check the file is a complete Arrow feather table") from None
    else:
        # pyarrow: only for Parquet/CSV tables
        import pyarrow.csv as pcsv

        def read_csv(id_type):
            return pcsv.read_csv(
                path, read_options=_csv_header(path, what), parse_options=_csv_parse(path),
                convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(id_columns, id_type),
                                                    include_columns=columns))

        with _arrow_errors(path, "csv", columns, (), what):
            try:
                table = read_csv(pa.int64())
            except pa.ArrowInvalid:  # an id cell that is no plain integer: check_ids reads the text
                table = read_csv(pa.string())
    if table.num_rows == 0:
        raise FormatError(f"{what} '{path}' has a header but no rows",
                          "export the table again with its data, or choose another file")
    return {c: _series(table.column(c)) for c in columns}


@contextlib.contextmanager
def _arrow_errors(path: Path, kind: str, columns: list[str], id_columns, what: str):
    """pyarrow's errors reading a table as one FormatError: a truncated or corrupt .csv.gz, or
    a value that cannot be parsed (for a CSV, ``_diagnose_csv`` names its row first)."""
    # pyarrow: only for Parquet/CSV/feather tables
    import pyarrow as pa

    try:
        yield
    except OSError as exc:  # a truncated or corrupt .csv.gz (ArrowInvalid is no OSError)
        if not is_gzip_csv(path):
            raise
        raise FormatError(f"{what} '{path.name}' could not be decompressed ({exc})",
                          "check the .gz file is complete, or give the uncompressed .csv") from None
    except pa.ArrowInvalid as exc:
        if kind == "csv":
            _diagnose_csv(path, columns, [c for c in id_columns if c in columns], what)
        raise FormatError(
            f"{what} '{path.name}' could not be parsed: {str(exc).splitlines()[0]}",
            "check the file is a complete table with the same number of fields on every line",
        ) from None


def iter_table(path: Path, columns: list[str], what: str, *, id_columns=(), text_columns=(),
               rows: int = 4_000_000) -> Iterator[tuple[int, dict[str, pd.Series]]]:
    """Read the given columns of a CSV, parquet or feather table in batches of about ``rows``
    rows (a table too large to hold at once): yields (index of the batch's first row,
    {column: Series}) in file order.

    Only the given columns are read (feather: memory-mapped, only their buffers decompressed;
    parquet: by row group; CSV: streamed block by block, types inferred from the first block
    except for id_columns, read as int64, and text_columns, read as text, so a first block of
    empty cells does not fix a column's type).
    Check a batch inside ``rows_from(start)`` so errors name the row in the file.
    Raises FormatError as ``read_table`` does (no data rows, values that cannot be parsed).
    """
    # pyarrow: only for Parquet/CSV/feather tables
    import pyarrow as pa

    kind = table_kind(path)
    start, pending, pending_rows = 0, [], 0

    def flush():
        table = pa.Table.from_batches(pending)
        return {c: _series(table.column(c).combine_chunks()) for c in columns}

    with _arrow_errors(path, kind, columns, id_columns, what):
        for batch in _arrow_batches(path, kind, columns, id_columns, text_columns, what, rows):
            pending.append(batch)
            pending_rows += batch.num_rows
            if pending_rows >= rows:
                yield start, flush()
                start, pending, pending_rows = start + pending_rows, [], 0
    if pending_rows:
        yield start, flush()
    elif start == 0:
        raise FormatError(f"{what} '{path}' has a header but no rows",
                          "export the table again with its data, or choose another file")


def _arrow_batches(path: Path, kind: str, columns: list[str], id_columns, text_columns, what: str,
                   rows: int):
    """Record batches (only ``columns``) of a table, in file order (see ``iter_table``)."""
    # pyarrow: only for Parquet/CSV/feather tables
    import pyarrow as pa

    if kind == "feather":
        try:
            source = pa.memory_map(str(path))
            names = list(pa.ipc.open_file(source).schema.names)
            reader = pa.ipc.open_file(source, options=pa.ipc.IpcReadOptions(
                included_fields=[names.index(c) for c in columns]))
        except Exception as exc:  # pyarrow raises several types for a corrupt file
            raise FormatError(f"{what} '{path}' could not be read ({exc})",
                              "check the file is a complete Arrow feather table") from None
        with source:
            for i in range(reader.num_record_batches):
                yield reader.get_batch(i).select(columns)
    elif kind == "parquet":
        # pyarrow: only for Parquet/CSV tables
        import pyarrow.parquet as pq

        try:
            reader = pq.ParquetFile(path)
        except Exception as exc:
            raise FormatError(f"{what} '{path}' could not be read ({exc})",
                              "check the file is a complete parquet table") from None
        with reader:
            yield from reader.iter_batches(batch_size=min(rows, 1 << 20), columns=columns)
    else:
        # pyarrow: only for Parquet/CSV tables
        import pyarrow.csv as pcsv

        names = table_columns(path, what)
        with pcsv.open_csv(
                path, read_options=pcsv.ReadOptions(column_names=names, skip_rows=1,
                                                    block_size=16 << 20),
                parse_options=_csv_parse(path),
                convert_options=pcsv.ConvertOptions(
                    column_types={**{c: pa.int64() for c in id_columns},
                                  **{c: pa.string() for c in text_columns}},
                    include_columns=columns),
        ) as reader:
            yield from reader


def input_note(message: str) -> None:
    """Warn (UserWarning: the CLI prints it as a ``note:`` line) about how an input was read,
    pointed at the first caller outside neurocast."""
    level, frame = 1, sys._getframe(0)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("neurocast."):
        level, frame = level + 1, frame.f_back
    warnings.warn(message, UserWarning, stacklevel=level)


def _diagnose_csv(path: Path, columns: list[str], id_columns: list[str], what: str) -> None:
    """After a failed typed read of a CSV read in blocks (``iter_table``): raise for an id
    column holding a cell that is no plain integer (``check_ids`` with ``whole_floats=False``:
    a table read in blocks cannot take whole floats such as '1.0' either)."""
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
        check_ids(table.column(c).to_pandas(), c, path, what, whole_floats=False)


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


def _as_numbers(s: pd.Series, col: str, path: Path, what: str, must: str, hint: str) -> pd.Series:
    """A column as numbers: a numeric one as it is, a text one converted. Raises FormatError at
    its first cell that is not a number ("column 'col' must hold {must}, found ... at row ..."),
    an empty cell left to the caller's NaN check."""
    if s.dtype.kind in "iuf":
        return s
    converted = pd.to_numeric(s, errors="coerce")
    bad = converted.isna().to_numpy() & ~s.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise FormatError(f"{what} '{path.name}' column '{col}' must hold {must}, "
                          f"found {s.iloc[i]!r} at {row_label(path, i)}", hint)
    return converted


def check_counts(values: pd.Series, col: str, path: Path, what: str) -> np.ndarray:
    """Synapse counts as int64, shape (rows,): whole, positive, finite numbers.

    NaN/empty cells raise NonFiniteError; text, fractions, zero or negative counts raise
    FormatError naming the first offending row.
    """
    s = values
    if s.dtype.kind == "b":
        raise FormatError(f"{what} '{path.name}' column '{col}' holds true/false values, "
                          "not synapse counts", "map the synapse-count column with --columns count=NAME")
    s = _as_numbers(s, col, path, what, "whole synapse counts",
                    "fix that row, or map the synapse-count column with --columns count=NAME")
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
    a = _as_numbers(values, col, path, what, "numbers", "fix that row").to_numpy(dtype=np.float64)
    nonfinite = ~np.isfinite(a)
    if nonfinite.any():
        raise NonFiniteError(
            f"{what} '{path.name}' column '{col}' has {int(nonfinite.sum())} NaN, empty or "
            f"infinite weight(s), first at {first_row(path, nonfinite)}",
            "remove those rows or fill in their weights")
    return a


def check_probabilities(values: pd.Series, col: str, path: Path, what: str) -> np.ndarray:
    """Probabilities as float64, shape (rows,): numbers from 0 to 1.

    Text raises FormatError, NaN/empty cells NonFiniteError, values outside [0, 1]
    FormatError, each naming the first offending row.
    """
    hint = "the column holds a probability per row (0 to 1); fix that row or export the file again"
    a = _as_numbers(values, col, path, what, "probabilities (numbers from 0 to 1)",
                    hint).to_numpy(dtype=np.float64)
    missing = np.isnan(a)
    if missing.any():
        raise NonFiniteError(f"{what} '{path.name}' column '{col}' has {int(missing.sum())} NaN or "
                             f"empty probabilities, first at {first_row(path, missing)}", hint)
    outside = (a < 0) | (a > 1)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise FormatError(f"{what} '{path.name}' column '{col}' must hold probabilities from 0 to 1, "
                          f"found {a[i]:g} at {row_label(path, i)}", hint)
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


# ---------------------------------------------------------------------- neuron tables
def read_neuron_frame(path: Path, what: str = "neuron table") -> pd.DataFrame:
    """All columns of a (small) neuron table; CSV cells are read as text (stripped of
    surrounding whitespace, as are the column names), parsed later.

    A parquet or feather table written by pandas with the ids as its index (the parquet twin
    of ``Completeness_783.csv`` read with ``index_col=0``) gets that index as its first column.
    """
    table_columns(path, what)  # empty-file and header checks
    kind = table_kind(path)
    if kind in ("parquet", "feather"):
        frame = pd.read_parquet(path) if kind == "parquet" else pd.read_feather(path)
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
