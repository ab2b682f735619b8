"""Generic edge lists (CSV, parquet or feather) with a user-given column mapping.

Edge table: one row per pre→post pair (or per synapse group with duplicates='sum'); the
mapping ``columns={'pre': A, 'post': B, 'count': C, 'sign': D, 'weight': W}`` names the
columns holding the presynaptic id, the postsynaptic id, the synapse count, (optionally) the
edge sign (+1/-1/0) and (optionally) a float weight. Without a mapping the columns must be
called pre, post, count (and sign, weight), which is what neurocast writes.

Per-synapse tables: a mapping with neither 'count' nor 'weight' (``columns={'pre': A, 'post':
B}``) reads each row as one synapse; the rows of a pair are summed into one connection whose
count is their number (no ``duplicates='sum'`` needed), and a note says so. Without a 'sign'
mapping the table is read in batches by ``_synapse_tables``: a transmitter column then gives
each presynaptic neuron the most frequent transmitter of its synapses (per-synapse predictions
of one pair may disagree). With a 'sign' mapping the whole table is read at once and the rows
of a pair must agree in sign.

Float weights (weighted connectomes, e.g. region-level structural connectivity): with a
weight column the count column is optional (unknown counts are stored as 1). Weights are
strengths: with a sign column they must be non-negative; without one, the weight's sign is
its edge's sign (-1 below zero, else +1). neurocast writes the strength |weight| plus the
sign column, so edge lists round-trip.
Neuron table (optional): an ``id`` column (or the one mapped by ``columns['id']``; else
``root_id``, ``body_id`` or ``bodyId``; else the first column if it holds numbers), and any
of name, type (or the columns mapped by ``columns['name']``, ``columns['type']``),
transmitter, sign, x, y, z.

Sign: an edge's sign comes from the sign column; without one, from a weight column holding
negative values; else from the edge table's transmitter column (``columns['transmitter']``, or
the first of ``TRANSMITTER_COLUMNS`` present, e.g. FlyWire Codex's ``nt_type``; names as in
``transmitter_sign``: acetylcholine +1, GABA and glutamate -1, the fly convention; others 0);
else from non-negative weights (+1); without any of these, from its presynaptic neuron's
``sign`` in the neuron table, else from the neuron's transmitter, else it is 0 (unknown;
``read_connectome`` warns). So an edge table's transmitter wins over the neuron table's.
A neuron's sign comes from the neuron table (sign, else transmitter when the edges have no
signs), else from its outgoing edges (net signed synapse count).

Folder layout (read and written): ``edges.parquet`` (or ``edges.csv``; read also
``.feather``, ``.arrow``), ``neurons.parquet`` (or the same suffixes) and, for connectomes
with electrical synapses, ``gap_junctions.parquet`` (or the same suffixes): columns neuron_a, neuron_b (ids), count, one row
per unordered pair (read: or every pair in both orders, ``with_gaps``). This folder keeps
everything a Connectome holds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from neurocast.connectome import _synapse_tables
from neurocast.connectome._connectome import POSITION_COLUMNS, Connectome
from neurocast.connectome._csr import gap_csr, unique_keys
from neurocast.connectome._ids import check_ids, float_rounded_hint
from neurocast.connectome._options import ReadOptions, guess_mapping
from neurocast.connectome._table_files import (
    check_counts,
    check_signs,
    check_weights,
    input_note,
    read_neuron_frame,
    read_table,
    require_columns,
    table_columns,
)
from neurocast.connectome._table_names import (
    row_label,
)
from neurocast.connectome._tables import (
    TRANSMITTER_COLUMNS,
    build,
    guessed_id_column,
    neuron_id_column,
    neuron_table,
    neurons_from_edges,
    positions_of,
    transmitter_sign,
)
from neurocast.errors import FormatError

NAME = "edgelist"
DEFAULT = {"pre": "pre", "post": "post", "count": "count"}
MARKERS = {"pre", "post", "count", "sign", "weight"}
EDGE_STEM, NEURON_STEM, GAP_STEM = "edges", "neurons", "gap_junctions"
GAP_COLUMNS = ("neuron_a", "neuron_b", "count")
FOLDER_SUFFIXES = (".parquet", ".feather", ".arrow", ".csv")  # first present wins


def find_in_folder(folder: Path) -> tuple[Path, Path | None] | None:
    """(edges, neurons or None) of an edge-list folder (edges.*, neurons.*; ``FOLDER_SUFFIXES``)."""
    def pick(stem: str) -> Path | None:
        for suffix in FOLDER_SUFFIXES:
            if (folder / f"{stem}{suffix}").is_file():
                return folder / f"{stem}{suffix}"
        return None

    edges = pick(EDGE_STEM)
    return None if edges is None else (edges, pick(NEURON_STEM))


def find_gaps(edges: Path) -> Path | None:
    """The gap-junction table beside an edge-list folder's edges file, if any."""
    if edges.stem != EDGE_STEM:
        return None
    for suffix in FOLDER_SUFFIXES:
        if (edges.parent / f"{GAP_STEM}{suffix}").is_file():
            return edges.parent / f"{GAP_STEM}{suffix}"
    return None


def read(edges: Path, neurons: Path | None, opts: ReadOptions, name: str) -> Connectome:
    """Read a generic edge list (and optional neuron table) with the mapping ``opts.columns``."""
    what = "edge table"
    mapping = dict(opts.columns) if opts.maps_edges else {**DEFAULT, **(opts.columns or {})}
    found = table_columns(edges, what)
    if not opts.maps_edges:
        for role in ("sign", "weight"):
            if role in found:
                mapping[role] = role
        if "weight" in found and "count" not in found:
            del mapping["count"]
    if "transmitter" not in mapping and "sign" not in mapping:  # found by name, mapped or not
        named = next((c for c in TRANSMITTER_COLUMNS if c in found), None)
        if named is not None and named not in mapping.values():
            mapping["transmitter"] = named
    need = [mapping[k] for k in ("pre", "post", "count") if k in mapping]
    optional = [mapping[k] for k in ("sign", "weight", "transmitter") if k in mapping]
    hint = ("correct the names given to --columns (API: columns=)" if opts.maps_edges
            else guess_mapping(found))
    require_columns(found, need + optional, edges, what, hint)
    per_synapse = opts.maps_edges and not {"count", "weight"} & mapping.keys()
    opening = (f"the column mapping names no count column, so each row of '{edges.name}' was "
               "read as one synapse")
    if per_synapse and "sign" not in mapping:
        layout = _synapse_tables.Layout(pre=mapping["pre"], post=mapping["post"], opening=opening,
                                        source=f"edge list {edges.name}",
                                        transmitter=mapping.get("transmitter"))
        c = _synapse_tables.read(edges, layout, lambda pre, post: _neuron_table(
            neurons, mapping, pre, post), name)
        gaps = find_gaps(edges)
        return c if gaps is None else with_gaps(c, gaps, opts.duplicates)
    cols = list(dict.fromkeys(need + optional))
    frame = read_table(edges, cols, what, id_columns=tuple(need[:2]))
    pre = check_ids(frame[mapping["pre"]], mapping["pre"], edges, what)
    post = check_ids(frame[mapping["post"]], mapping["post"], edges, what)
    weight = (check_weights(frame[mapping["weight"]], mapping["weight"], edges, what)
              if "weight" in mapping else None)
    count = (check_counts(frame[mapping["count"]], mapping["count"], edges, what)
             if "count" in mapping else np.ones(len(pre), np.int64))
    sign = (check_signs(frame[mapping["sign"]], mapping["sign"], edges, what)
            if "sign" in mapping else None)
    unlabelled = None  # rows whose edge transmitter cell is empty: the neuron table decides
    if "transmitter" in mapping and sign is None and (weight is None or (weight >= 0).all()):
        names = frame[mapping["transmitter"]]
        sign = transmitter_sign(names)  # unknown names give 0 (warned)
        unlabelled = (names.isna() | (names.astype(str).str.strip() == "")).to_numpy(dtype=bool)
    if weight is not None and sign is None:  # the weight's sign is the edge's
        sign = np.where(weight < 0, -1, 1).astype(np.int8)
        weight = np.abs(weight)
    elif weight is not None and (weight < 0).any():
        i = int(np.flatnonzero(weight < 0)[0])
        raise FormatError(f"{what} '{edges.name}' has a sign column and a negative weight "
                          f"({weight[i]:g} at {row_label(edges, i)})",
                          "give non-negative weights with a sign column, or drop the sign column")
    table = _neuron_table(neurons, mapping, pre, post)
    if neurons is not None and unlabelled is not None and unlabelled.any():
        # an empty transmitter cell says nothing: the presynaptic neuron's sign decides
        known = (table["sign"].to_numpy(np.int8) if "sign" in table.columns
                 else transmitter_sign(table["transmitter"]))
        rows = np.flatnonzero(unlabelled)
        sign[rows] = known[positions_of(table["id"].to_numpy(np.int64), pre[rows], path=edges,
                                        what=what, side="presynaptic ",
                                        id_column=guessed_id_column(table))]
    if sign is None and "sign" not in table.columns:  # edges take their neuron's sign
        table["sign"] = (transmitter_sign(table["transmitter"]) if "transmitter" in table.columns
                         else np.zeros(len(table), dtype=np.int8))
    c = build(table, pre, post, count, sign, duplicates="sum" if per_synapse else opts.duplicates,
              path=edges, what=what, name=name, attrs={"source": f"edge list {edges.name}"},
              id_columns=(mapping["pre"], mapping["post"]), weight=weight)
    if per_synapse:
        input_note(_synapse_tables.synapse_note(opening, len(pre), "", len(pre), c.n_connections))
    gaps = find_gaps(edges)
    return c if gaps is None else with_gaps(c, gaps, opts.duplicates)


def _neuron_table(neurons: Path | None, mapping: dict, pre: np.ndarray,
                  post: np.ndarray) -> pd.DataFrame:
    """The neuron table of ``neurons`` (ids in ``mapping['id']``, else as ``neuron_id_column``
    finds them; names and types in ``mapping['name']``, ``mapping['type']`` if given), else
    the ids of the edges (pre, post: int64 ids), sorted."""
    if neurons is None:
        return neurons_from_edges(pre, post)
    nframe = read_neuron_frame(neurons)
    column, guessed = neuron_id_column(nframe, neurons, mapping.get("id"))
    return neuron_table(nframe, column, neurons, "neuron table", guessed=guessed, given=mapping)


def with_gaps(c: Connectome, path: Path, duplicates: str) -> Connectome:
    """``c`` with the gap-junction layer read from ``path`` (neuron_a, neuron_b, count).

    Gap junctions are undirected: each pair is listed once (either order), or, the symmetric
    convention of many exports, every pair in both orders with equal counts (read once, with a
    note). Both directions are stored, a self-pair once. A row repeating the same order is an
    error unless duplicates='sum' (then their counts add); the two orders of a pair are never
    added: pairs in both orders while others are not, or with different counts, are an error.
    """
    what = "gap-junction table"
    found = table_columns(path, what)
    require_columns(found, list(GAP_COLUMNS), path, what, "write the table with neurocast, "
                    "or rename its columns to neuron_a, neuron_b, count")
    frame = read_table(path, list(GAP_COLUMNS), what, id_columns=GAP_COLUMNS[:2])
    ids = c.ids
    m = max(len(ids), 1)
    a = positions_of(ids, check_ids(frame["neuron_a"], "neuron_a", path, what), path=path, what=what)
    b = positions_of(ids, check_ids(frame["neuron_b"], "neuron_b", path, what), path=path, what=what)
    rows_key = a * m + b

    def rows(k):
        return " and ".join(row_label(path, int(r)) for r in np.flatnonzero(rows_key == k)[:3])

    def repeated(k, n_repeated, _rows):
        x, y = int(ids[k // m]), int(ids[k % m])
        return FormatError(f"{what} '{path.name}' repeats {n_repeated} neuron pair(s) in the "
                           f"same order, first {x}–{y} at {rows(k)}",
                           float_rounded_hint(("neuron_a", "neuron_b"), x, y)
                           or "list each pair once, or add their counts with --sum-duplicates")

    key, (count,) = unique_keys(rows_key, [check_counts(frame["count"], "count", path, what)],
                                m * m, duplicates=duplicates, on_repeat=repeated)
    lo, hi = key // m, key % m
    reverse = hi * m + lo
    at = np.minimum(np.searchsorted(key, reverse), len(key) - 1)
    both = (key[at] == reverse) & (lo != hi)  # listed as A–B and as B–A
    if both.any():
        differ = both & (count != count[at])
        lonely = ~both & (lo != hi)  # listed in one order only
        if differ.any() or lonely.any():
            listed = (f"{what} '{path.name}' lists {int(both.sum()) // 2} pair(s) in both orders "
                      "(A–B and B–A)")
            if differ.any():
                i = int(np.flatnonzero(differ)[0])
                x, y = int(ids[lo[i]]), int(ids[hi[i]])
                problem = (f", first {x}–{y} at {rows(key[i])} and {y}–{x} at "
                           f"{rows(reverse[i])} with different counts ({count[i]} and "
                           f"{count[at[i]]})")
            else:  # the first pair, in file order, whose mirror is missing
                first = int(np.flatnonzero(np.isin(rows_key, key[lonely]))[0])
                x, y = int(ids[a[first]]), int(ids[b[first]])
                problem = f", but {x}–{y} at {rows(rows_key[first])} has no {y}–{x} row"
            raise FormatError(
                listed + problem,
                "gap junctions are undirected: list each pair once (either order), or every pair "
                "in both orders with equal counts (the symmetric convention)")
        input_note(f"{what} '{path.name}' lists each of its {int(both.sum()) // 2} pair(s) in both "
                   "orders (A–B and B–A) with equal counts, the symmetric convention: each pair "
                   "was read once")
        once = lo <= hi
        lo, hi, count = lo[once], hi[once], count[once]
    # the pairs are unique now, in either order: gap_csr finds no repeat
    indptr, indices, gap_count = gap_csr(len(ids), lo, hi, count, duplicates="error")
    return Connectome(c.neurons, c.indptr, c.indices, c.count, c.weight, gap_indptr=indptr,
                      gap_indices=indices, gap_count=gap_count, name=c.name, attrs=c.attrs,
                      weight_units=c.weight_units)


def _write_table(frame: pd.DataFrame, path: Path, kind: str) -> None:
    if kind == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)


def edge_frame(c: Connectome) -> pd.DataFrame:
    """Edges by neuron id: pre, post (int64), count (int32), sign (int8) and, for a weighted
    connectome, weight (float32 strength |weight|); sorted by pre, post."""
    ids = c.ids
    frame = pd.DataFrame({"pre": ids[c.pre_positions()], "post": ids[c.indices],
                          "count": c.count, "sign": np.sign(c.weight).astype(np.int8)})
    if c.weighted:
        frame["weight"] = np.abs(c.weight)
    return frame


def neuron_frame(c: Connectome) -> pd.DataFrame:
    """The neuron table as written: id, name, type, transmitter, sign[, x, y, z]."""
    t = c.neurons
    cols = ["id", "name", "type", "transmitter", "sign"] + [p for p in POSITION_COLUMNS if p in t]
    return t[cols]


def write_file(c: Connectome, path: Path, kind: str) -> None:
    """One edge table (CSV or parquet). It holds no neuron table: neurons without synapses,
    names, types and transmitters are not kept."""
    _write_table(edge_frame(c), path, kind)


def write_folder(c: Connectome, folder: Path) -> None:
    """``edges.parquet``, ``neurons.parquet`` and (if any) ``gap_junctions.parquet`` in an
    existing empty folder."""
    _write_table(edge_frame(c), folder / f"{EDGE_STEM}.parquet", "parquet")
    _write_table(neuron_frame(c), folder / f"{NEURON_STEM}.parquet", "parquet")
    if c.n_gap_junctions:
        ids = c.ids
        a = np.repeat(np.arange(c.n_neurons), np.diff(c.gap_indptr))
        once = a <= c.gap_indices
        gaps = pd.DataFrame({"neuron_a": ids[a[once]], "neuron_b": ids[c.gap_indices[once]],
                             "count": c.gap_count[once]})
        _write_table(gaps, folder / f"{GAP_STEM}.parquet", "parquet")

