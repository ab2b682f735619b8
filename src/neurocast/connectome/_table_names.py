"""What a connectome table file is called, and how its rows are named in messages.

The file kinds neurocast reads and writes, from the name's suffix (``.csv``, ``.tsv``,
``.csv.gz``, ``.parquet``, ``.feather``), and the row labels every check's error message uses
("line 7" of a CSV with its header on line 1, "row 6" of a parquet table), counted from the
file's start also when a table is checked in batches (``rows_from``).
"""

from __future__ import annotations

import contextlib
import contextvars
from pathlib import Path

import numpy as np

CSV_SUFFIXES = (".csv", ".tsv")  # .tsv: tab-separated, read only
PARQUET_SUFFIXES = (".parquet", ".pq")
FEATHER_SUFFIXES = (".feather", ".arrow")  # Arrow IPC files (FlyWire's Zenodo release), read only
GZIP_SUFFIX = ".gz"  # read only: FlyWire Codex downloads are connections.csv.gz
N_LISTED = 5  # how many offending values an error message lists


def is_gzip_csv(path: Path) -> bool:
    """True for a gzip-compressed CSV file name (``*.csv.gz``, ``*.tsv.gz``, case-insensitive)."""
    return path.name.lower().endswith(tuple(s + GZIP_SUFFIX for s in CSV_SUFFIXES))


def is_read_only_table(path: Path) -> bool:
    """True for table names neurocast reads but does not write (``.csv.gz``, ``.tsv``,
    ``.feather``, ``.arrow``)."""
    return is_gzip_csv(path) or path.suffix.lower() in (".tsv", *FEATHER_SUFFIXES)


def table_stem(path: Path) -> str:
    """The file name without its table suffix (``connections.csv.gz`` → ``connections``)."""
    return path.with_suffix("").stem if is_gzip_csv(path) else path.stem


def table_kind(path: Path) -> str | None:
    """'csv' (also for ``*.csv.gz``, read only), 'parquet', 'feather' (``.feather``/``.arrow``,
    read only) or None, from the file name's suffix (case-insensitive)."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES or is_gzip_csv(path):
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in FEATHER_SUFFIXES:
        return "feather"
    return None


def short_list(values, n: int = N_LISTED) -> str:
    """The first n values, comma-separated, with how many in all when there are more."""
    values = list(values)
    text = ", ".join(str(v) for v in values[:n])
    return text + (f", … ({len(values)} in all)" if len(values) > n else "")


#: Rows before the batch being checked (``iter_table``): row labels count from the file's start.
_ROW_OFFSET = contextvars.ContextVar("row_offset", default=0)


@contextlib.contextmanager
def rows_from(start: int):
    """Within the block, ``row_label`` (so every check's message) numbers row i of a batch as
    row ``start + i`` of the file."""
    token = _ROW_OFFSET.set(start)
    try:
        yield
    finally:
        _ROW_OFFSET.reset(token)


def row_label(path: Path, i: int) -> str:
    """Human row number: the CSV line (header is line 1) or the parquet row (1-based)."""
    i += _ROW_OFFSET.get()
    return f"line {i + 2}" if table_kind(path) == "csv" else f"row {i + 1}"


def first_row(path: Path, mask: np.ndarray) -> str:
    """The human label (``row_label``) of the first True row of a boolean mask."""
    return row_label(path, int(np.flatnonzero(mask)[0]))
