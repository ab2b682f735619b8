"""FlyWire edge tables in the layout of Shiu et al. 2024 (``Connectivity_783.parquet``).

Edge table (parquet, feather or CSV), one row per pre→post pair:
  Presynaptic_ID, Postsynaptic_ID   FlyWire root ids (int64, 720575940xxxxxxxxx)
  Connectivity                      synapse count (positive integer)
  Excitatory                        edge sign, +1 or -1 (0 = unknown is accepted)
  Excitatory x Connectivity         signed count (optional; checked when present)
  Presynaptic_Index, Postsynaptic_Index   positions in the neuron table (optional;
                                    checked against the ids when a neuron table is given)
Neuron table (``Completeness_783.csv`` layout): the first column, whatever its header
(empty in the original), holds the root ids in model order; other columns are kept only
when neurocast knows them (name, type, transmitter, sign, x, y, z). A first column that is
pandas' row index (unnamed, counting 0, 1, 2, ...) before an unnamed id column ('Unnamed: 0',
a table re-saved with ``to_csv`` after a read without ``index_col``) is skipped with a note;
``columns={'id': COL}`` names the id column instead.

Sign: every edge keeps its own sign from ``Excitatory``. A neuron's sign is taken from a
``sign`` column in the neuron table if there is one, else derived from its outgoing edges
(the sign of its net signed synapse count; 0 for ties and neurons without outgoing synapses).
In Shiu et al.'s files all edges of a neuron share its transmitter's sign, so the rule
recovers it exactly.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from neurocast.connectome._connectome import POSITION_COLUMNS, Connectome
from neurocast.connectome._ids import check_ids
from neurocast.connectome._options import ReadOptions, guess_mapping
from neurocast.connectome._table_files import (
    check_counts,
    check_signs,
    input_note,
    read_neuron_frame,
    read_table,
    require_columns,
    table_columns,
)
from neurocast.connectome._table_names import (
    row_label,
    table_kind,
)
from neurocast.connectome._tables import (
    build,
    neuron_id_column,
    neuron_table,
    neurons_from_edges,
)
from neurocast.errors import FormatError

NAME = "flywire"
PRE, POST, COUNT, EXC = "Presynaptic_ID", "Postsynaptic_ID", "Connectivity", "Excitatory"
SIGNED = "Excitatory x Connectivity"
PRE_INDEX, POST_INDEX = "Presynaptic_Index", "Postsynaptic_Index"
REQUIRED = [PRE, POST, COUNT, EXC]
MARKERS = {PRE, POST, COUNT, EXC, SIGNED, PRE_INDEX, POST_INDEX}
EDGE_FILE, NEURON_FILE = "Connectivity.parquet", "Completeness.csv"


def find_in_folder(folder: Path) -> tuple[Path, Path | None] | None:
    """(edge table, neuron table or None) of a FlyWire folder, or None if it is not one.

    The edge table is a file named ``Connectivity*.parquet``, ``.feather`` or ``.csv``
    (case-insensitive; e.g. Shiu et al.'s ``Connectivity_783.parquet``), the neuron table
    ``Completeness*.csv`` (or ``.parquet``, ``.feather``). More than one candidate (e.g. v630 and v783 side by side) is an
    error naming them, not a silent choice.
    """
    def pick(prefix: str, kinds: tuple[str, ...]) -> Path | None:
        hits = sorted(p for p in folder.iterdir()
                      if p.is_file() and p.name.lower().startswith(prefix) and table_kind(p) in kinds)
        if len(hits) > 1:
            raise FormatError(
                f"folder '{folder}' holds {len(hits)} {prefix.title()} tables: "
                f"{', '.join(p.name for p in hits)}; which one is meant is unclear",
                "give the edge table's path and its neuron table with --neurons (API: neurons=)")
        return hits[0] if hits else None

    edges = pick("connectivity", ("parquet", "feather", "csv"))
    if edges is None:
        return None
    return edges, pick("completeness", ("csv", "parquet", "feather"))


def read(edges: Path, neurons: Path | None, opts: ReadOptions, name: str) -> Connectome:
    """Read a FlyWire edge table (and optional neuron table) into a Connectome."""
    what = "edge table"
    found = table_columns(edges, what)
    require_columns(found, REQUIRED, edges, what,
                    f"rename it, or read the file as a generic edge list: {guess_mapping(found)}")
    optional = (SIGNED, PRE_INDEX, POST_INDEX) if neurons is not None else (SIGNED,)
    cols = REQUIRED + [c for c in optional if c in found]
    frame = read_table(edges, cols, what, id_columns=(PRE, POST, PRE_INDEX, POST_INDEX))
    pre = check_ids(frame[PRE], PRE, edges, what)
    post = check_ids(frame[POST], POST, edges, what)
    count = check_counts(frame[COUNT], COUNT, edges, what)
    sign = check_signs(frame[EXC], EXC, edges, what)
    del frame[PRE], frame[POST]
    if SIGNED in frame:
        signed = pd.to_numeric(frame[SIGNED], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~(signed == count * sign)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise FormatError(
                f"{what} '{edges.name}': column '{SIGNED}' disagrees with {EXC} × {COUNT} in "
                f"{int(bad.sum())} row(s), first at {row_label(edges, i)} "
                f"({signed[i]:g} ≠ {sign[i]} × {count[i]})",
                f"recompute '{SIGNED}' from the other two columns, or drop it")
    if neurons is not None:
        nframe = read_neuron_frame(neurons)
        id_col, guessed = (neuron_id_column(nframe, neurons, opts.id_column) if opts.id_column
                           else _id_column(nframe, neurons))
        table = neuron_table(nframe, id_col, neurons, "neuron table", guessed=guessed,
                             given=opts.neuron_columns)
        positions = _check_index(frame, table["id"].to_numpy(), pre, post, edges)
    else:
        table = neurons_from_edges(pre, post)
        positions = None
    return build(table, pre, post, count, sign, duplicates=opts.duplicates, path=edges,
                 what=what, name=name, attrs={"source": f"FlyWire edge table {edges.name}"},
                 id_columns=(PRE, POST), positions=positions)


def _id_column(frame: pd.DataFrame, path: Path) -> tuple[str, bool]:
    """(the id column of a Completeness table, whether it was guessed): the first, unless that
    is an unnamed row number 0, 1, 2, ... (pandas' index, written by ``to_csv`` after a read
    without ``index_col``) followed by another unnamed column ('Unnamed: 0'): then that one,
    guessed, with a note."""
    cols = list(frame.columns)
    if len(cols) > 1 and all(re.fullmatch(r"(Unnamed: \d+)?", str(c)) for c in cols[:2]):
        first = pd.to_numeric(frame[cols[0]], errors="coerce").to_numpy(np.float64)
        if np.array_equal(first, np.arange(len(first))):
            input_note(f"neuron table '{path.name}': its unnamed first column counts rows (0, 1, "
                       f"2, ...), a row index as pandas writes it, so the root ids were read from "
                       f"the next column '{cols[1]}'")
            return cols[1], True
    return cols[0], False


def _check_index(frame: dict, ids: np.ndarray, pre: np.ndarray, post: np.ndarray,
                 edges: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """The *_Index columns must point at the rows of the neuron table that hold the *_ID.

    Returns (pre positions, post positions), int64 (E,), when both columns are present and
    agree (so ids need not be looked up), else None.
    """
    out = []
    for col, want in ((PRE_INDEX, pre), (POST_INDEX, post)):
        if col not in frame:
            continue
        idx = check_ids(frame[col], col, edges, "edge table")
        inside = (idx >= 0) & (idx < len(ids))
        ok = inside.copy()
        ok[inside] = ids[idx[inside]] == want[inside]
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            raise FormatError(
                f"edge table '{edges.name}': column '{col}' does not match the neuron table in "
                f"{int((~ok).sum())} row(s), first at {row_label(edges, i)} "
                f"(index {idx[i]}, id {want[i]})",
                "use the neuron table (Completeness_*.csv) written together with this edge table")
        out.append(idx)
    return (out[0], out[1]) if len(out) == 2 else None


def write(c: Connectome, folder: Path) -> None:
    """Write ``Connectivity.parquet`` and ``Completeness.csv`` into an existing empty folder.

    The edge table has all seven columns of Shiu et al.'s file (int64), rows sorted by
    presynaptic then postsynaptic position; the neuron table's first column is the root id
    (unnamed, as in the original), then ``Completed`` (True) and neurocast's extras
    name, type, transmitter, sign (and x, y, z if present), which other tools ignore.
    """
    # pyarrow: only for Parquet/CSV tables
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = c.neurons
    ids = t["id"].to_numpy(np.int64)
    pre_pos = c.pre_positions().astype(np.int64)
    post_pos = c.indices.astype(np.int64)
    count = c.count.astype(np.int64)
    sign = np.sign(c.weight).astype(np.int64)
    edges = pa.table({
        PRE: ids[pre_pos], POST: ids[post_pos], PRE_INDEX: pre_pos, POST_INDEX: post_pos,
        COUNT: count, EXC: sign, SIGNED: sign * count,
    })
    pq.write_table(edges, folder / EDGE_FILE)
    table = pd.DataFrame({"Completed": np.ones(len(t), dtype=bool)}, index=pd.Index(ids, name=None))
    for col in ("name", "type", "transmitter", "sign", *POSITION_COLUMNS):
        if col in t.columns:
            table[col] = t[col].to_numpy()
    table.to_csv(folder / NEURON_FILE)
