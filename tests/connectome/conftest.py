"""Helpers of the connectome tests: tables written by suffix as export tools write them, a
file read with its notes, and a connectome's connections as a dict."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as pf
import pyarrow.parquet as pq
import pytest


def _write_table(frame: pd.DataFrame, path, *, chunk: int | None = None) -> None:
    """Write ``frame`` by suffix (.csv, .csv.gz, .feather, .parquet), in record batches / row
    groups of ``chunk`` rows if given."""
    name = path.name
    if name.endswith(".feather"):
        pf.write_feather(pa.Table.from_pandas(frame, preserve_index=False), path,
                         chunksize=chunk)
    elif name.endswith(".parquet"):
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path,
                       row_group_size=chunk)
    else:
        frame.to_csv(path, index=False)


def _read_noting(path, **options):
    """read_connectome, returning (connectome, the UserWarning messages)."""
    from neurocast.connectome import read_connectome

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = read_connectome(path, **options)
    return c, [str(w.message) for w in caught if w.category is UserWarning]


def _edges_of(c) -> dict:
    """{(pre id, post id): (count, sign)} of a connectome."""
    ids = c.ids
    return {(int(ids[i]), int(ids[j])): (int(n), int(np.sign(w)))
            for i, j, n, w in zip(c.pre_positions(), c.indices, c.count, c.weight, strict=True)}


@pytest.fixture
def write_table():
    """``write_table(frame, path, *, chunk=None)``: a table file by suffix (.csv, .csv.gz,
    .feather, .parquet), in batches / row groups of ``chunk`` rows if given."""
    return _write_table


@pytest.fixture
def read_noting():
    """``read_noting(path, **options)``: (read_connectome(path, ...), its UserWarning texts)."""
    return _read_noting


@pytest.fixture
def edges_of():
    """``edges_of(c)``: {(pre id, post id): (count, sign)} of a connectome."""
    return _edges_of


@pytest.fixture
def read_quiet():
    """``read_quiet(path, **options)``: read_connectome(path, ...) with its warnings (notes,
    unknown signs) silenced."""
    from neurocast.connectome import read_connectome

    def read(path, **options):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return read_connectome(path, **options)

    return read


@pytest.fixture
def run_cli(capsys):
    """``run_cli(*args)``: ``neurocast connectome ARGS`` (any values, as text), returning (exit
    code, the captured stdout and stderr)."""
    from neurocast.cli import main

    def run(*args):
        rc = main(["connectome", *map(str, args)])
        return rc, capsys.readouterr()

    return run
