"""FlyWire's own release tables (v783), read as FlyWire distributes them (read only).

Edge tables (feather, parquet or CSV, also ``.csv.gz``), one row per pre→post pair *and
neuropil* (the brain region holding the synapses):
  * Zenodo / Codex ``proofread_connections_783.feather``: pre_pt_root_id, post_pt_root_id,
    neuropil, syn_count, gaba_avg, ach_avg, glut_avg, oct_avg, ser_avg, da_avg (the mean
    predicted transmitter probabilities of the row's synapses, Eckstein et al. 2024);
  * Codex ``connections.csv.gz`` / ``connections_no_threshold.csv.gz``: pre_root_id,
    post_root_id, neuropil, syn_count, nt_type (the row's transmitter: ACH, GABA, GLUT, DA,
    SER, OCT).
Ids are FlyWire root ids (18 digits, e.g. 720575940596125868), kept as exact int64.

Per-synapse tables, one row per synapse (``_synapse_tables``): no ``syn_count`` column and
none of the pair tables' ``*_avg`` columns. Zenodo ``flywire_synapses_783.feather`` (id,
pre_pt_root_id, post_pt_root_id, connection_score, cleft_score, ..., gaba, ach, glut, oct, ser,
da: each synapse's predicted transmitter probabilities) and MICrONS' CAVE table
``synapses_pni_2`` (id, valid, pre_pt_root_id, post_pt_root_id, size, ctr_pt_position, ...).
A table with ``nt_type`` but no per-synapse column (``SYNAPSE_COLUMNS``: id, valid, scores,
positions, the six probabilities) is a Codex pair table that lost its ``syn_count``, and is
refused as such. A connection's count is its number of rows. Rows whose ``valid`` column is
false, or with root id 0 (no segment), are left out. FlyWire's table holds only synapses that
passed its own thresholds (Zenodo record 10676866), so no score threshold is applied. With the
six probabilities each presynaptic neuron's transmitter is the argmax of Σ p over its synapses
(what Σ syn_count·p_avg is over the pair table's rows); else with a column of transmitter
names per synapse (``nt_type`` or another of ``TRANSMITTER_COLUMNS``), the most frequent one
among its synapses; else the neuron table's, else unknown (0). A note says how many rows were
read as synapses, and how the transmitters were chosen. Autapses (pre = post) are kept, as in
every table.

Neuropil rows: the rows of one pair are summed into one connection (that is the layout, not
a repeat). A (pre, post, neuropil) row given twice is refused whatever ``duplicates`` says:
FlyWire never repeats one, so it is a copied row (a download concatenated twice); blank or
null neuropil cells are one more neuropil ("no neuropil"), and the hint offers the generic
edge-list reading with ``duplicates='sum'`` for rows meant to add up. A table
without a ``neuropil`` column is one row per pair, and a repeated pair follows ``duplicates``
like any other format.

Signs, from the first that applies:
  * ``nt_type`` per row, named as ``transmitter_sign`` knows them (ACH +1, GABA and GLUT -1,
    DA, SER, OCT 0); an empty cell takes the presynaptic neuron's transmitter from the neuron
    table. A pair whose neuropil rows disagree gets the sign of its net signed synapse count
    (0 for a tie): a connection has one sign;
  * the ``*_avg`` probabilities: each presynaptic neuron's transmitter is the argmax over the
    six transmitters of its synapse-count-weighted mean probability over all its outgoing
    rows, Σ syn_count·p / Σ syn_count (a row of 50 synapses counts 50 times a row of 1; ties
    go to the earlier column: GABA, ACh, glutamate, octopamine, serotonin, dopamine; all
    zero gives no transmitter). Every edge takes that neuron's sign (one transmitter per
    neuron, as in Shiu et al. 2024);
  * else the presynaptic neuron's transmitter in the neuron table, else 0 (unknown).
Neuron table (Codex ``neurons.csv.gz``: root_id, group, nt_type, nt_type_score, ...): the id
column is the one ``columns={'id': COL}`` names, else ``root_id``, else ``id``, else the first
if it holds numbers; the transmitter ``nt_type`` (or any of
``TRANSMITTER_COLUMNS``). The edge table's evidence wins, as for edge lists: a transmitter
derived from the ``*_avg`` columns replaces the table's (so a neuron's transmitter and sign
agree). Without a neuron table the neurons are the ids seen in the edges.

Folder (a Codex download): ``connections*`` or ``proofread_connections*`` (any table suffix)
whose header holds this layout's columns, and optionally ``neurons.csv.gz`` (or another
``neurons`` table); two edge tables side by side are an error naming them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from neurocast.connectome import _synapse_tables
from neurocast.connectome._connectome import Connectome
from neurocast.connectome._ids import check_ids, float_rounded_hint
from neurocast.connectome._options import ReadOptions, guess_mapping
from neurocast.connectome._table_files import (
    check_counts,
    check_probabilities,
    read_neuron_frame,
    read_table,
    require_columns,
    table_columns,
)
from neurocast.connectome._table_names import (
    row_label,
    table_kind,
    table_stem,
)
from neurocast.connectome._tables import (
    TRANSMITTER_COLUMNS,
    argmax_transmitter,
    build,
    guessed_id_column,
    neuron_id_column,
    neuron_table,
    neurons_from_edges,
    positions_of,
    text_codes,
    text_values,
    transmitter_sign,
)
from neurocast.errors import FormatError

NAME = "flywire-release"
PT_PAIR = ("pre_pt_root_id", "post_pt_root_id")  # Zenodo / Codex proofread_connections
CODEX_PAIR = ("pre_root_id", "post_root_id")  # Codex connections.csv.gz
COUNT, NEUROPIL, NT = "syn_count", "neuropil", "nt_type"
#: probability column → transmitter (spelt as ``transmitter_sign`` reads it), in release order
PROBABILITIES = {"gaba_avg": "GABA", "ach_avg": "acetylcholine", "glut_avg": "glutamate",
                 "oct_avg": "octopamine", "ser_avg": "serotonin", "da_avg": "dopamine"}
#: per-synapse probability column (flywire_synapses_783) → transmitter, in release order
SYNAPSE_PROBABILITIES = {"gaba": "GABA", "ach": "acetylcholine", "glut": "glutamate",
                         "oct": "octopamine", "ser": "serotonin", "da": "dopamine"}
VALID = "valid"  # MICrONS / CAVE: False marks a synapse annotation that no longer holds
#: columns only a per-synapse table has (FlyWire's synapse table, CAVE tables)
SYNAPSE_COLUMNS = frozenset({"id", VALID, "size", "connection_score", "cleft_score",
                             "ctr_pt_position", "pre_pt_position", "post_pt_position",
                             "pre_pt_supervoxel_id", "post_pt_supervoxel_id", "pre_x", "pre_y",
                             "pre_z", "post_x", "post_y", "post_z", *SYNAPSE_PROBABILITIES})
MARKERS = {*PT_PAIR, *CODEX_PAIR, COUNT, NEUROPIL, NT, *PROBABILITIES}
EDGE_PREFIXES = ("connections", "proofread_connections")
NEURON_STEM, NEURON_ID = "neurons", "root_id"


def find_in_folder(folder: Path) -> tuple[Path, Path | None] | None:
    """(edge table, neuron table or None) of a folder of FlyWire release files, or None.

    An edge table is named ``connections*`` or ``proofread_connections*`` with a table suffix
    and has at least two of this layout's columns in its header (so neuPrint's
    ``connections.csv`` is left to the neuPrint reader); the neuron table is ``neurons.*``.
    """
    def tables(keep) -> list[Path]:
        return sorted(p for p in folder.iterdir()
                      if p.is_file() and table_kind(p) and keep(table_stem(p).lower()))

    edges = [p for p in tables(lambda stem: stem.startswith(EDGE_PREFIXES))
             if len(MARKERS & set(table_columns(p, "edge table"))) >= 2]
    neurons = tables(lambda stem: stem == NEURON_STEM)
    for found, what in ((edges, "edge"), (neurons, "neuron")):
        if len(found) > 1:
            raise FormatError(
                f"folder '{folder}' holds {len(found)} FlyWire {what} tables: "
                f"{', '.join(p.name for p in found)}; which one is meant is unclear",
                "give the edge table's path and its neuron table with --neurons (API: neurons=)")
    return (edges[0], neurons[0] if neurons else None) if edges else None


def read(edges: Path, neurons: Path | None, opts: ReadOptions, name: str) -> Connectome:
    """Read a FlyWire release edge table (and optional neuron table) into a Connectome."""
    what = "edge table"
    found = table_columns(edges, what)
    pair = PT_PAIR if set(PT_PAIR) & set(found) else CODEX_PAIR
    has_nt = NT in found
    if (COUNT not in found and not set(PROBABILITIES) & set(found)
            and (not has_nt or SYNAPSE_COLUMNS & set(found))):
        require_columns(found, list(pair), edges, what,
                        f"export the file again with its id columns, or read it as a generic "
                        f"edge list: {guess_mapping(found)}")
        return _read_synapses(edges, neurons, opts.neuron_columns, name, found, pair)
    probs = [] if has_nt or not set(PROBABILITIES) & set(found) else list(PROBABILITIES)
    need = [*pair, COUNT, *probs]
    require_columns(found, need, edges, what,
                    f"export the file again with all its columns (a row of this layout is a "
                    f"connection, whose synapses {COUNT} counts); only if each row is one "
                    f"synapse, read it as a generic edge list: {guess_mapping(found)}"
                    if COUNT not in found else
                    f"export the file again with all its columns, or read it as a generic edge "
                    f"list: {guess_mapping(found)}")
    has_neuropil = NEUROPIL in found
    frame = read_table(edges, need + [NT] * has_nt + [NEUROPIL] * has_neuropil, what,
                       id_columns=pair)
    pre = check_ids(frame[pair[0]], pair[0], edges, what)
    post = check_ids(frame[pair[1]], pair[1], edges, what)
    count = check_counts(frame[COUNT], COUNT, edges, what)
    table = _neuron_table(neurons, opts.neuron_columns, pre, post)
    ids = table["id"].to_numpy(np.int64)
    guess = guessed_id_column(table)
    pre_pos = positions_of(ids, pre, path=edges, what=what, side="presynaptic ", id_column=guess)
    post_pos = positions_of(ids, post, path=edges, what=what, side="postsynaptic ",
                            id_column=guess)
    if has_neuropil:
        _refuse_repeated_rows(ids, pre_pos, post_pos, frame[NEUROPIL], edges, pair)
    duplicates = "sum" if has_neuropil else opts.duplicates
    sign = None
    if has_nt:
        names = text_values(frame[NT])
        sign = transmitter_sign(names)
        empty = (names == "").to_numpy()
        if empty.any():  # an empty cell says nothing: the neuron table decides
            sign[empty] = transmitter_sign(table["transmitter"])[pre_pos[empty]]
        if duplicates == "sum":
            sign = _pair_sign(pre_pos * len(ids) + post_pos, count, sign)
    elif probs:
        derived = _transmitter_from_probabilities(
            len(ids), pre_pos, count,
            np.column_stack([check_probabilities(frame[c], c, edges, what) for c in probs]))
        table["transmitter"] = np.where(derived == "", table["transmitter"], derived)
        sign = transmitter_sign(derived)[pre_pos]
    elif "sign" not in table.columns:  # every edge takes its presynaptic neuron's sign
        table["sign"] = transmitter_sign(table["transmitter"])
    del frame
    return build(table, pre, post, count, sign, duplicates=duplicates, path=edges, what=what,
                 name=name, attrs={"source": f"FlyWire release table {edges.name}"},
                 id_columns=pair, positions=(pre_pos, post_pos))


def _read_synapses(edges: Path, neurons: Path | None, cols: dict, name: str,
                   found: list[str], pair: tuple[str, str]) -> Connectome:
    """Read a per-synapse table (one row per synapse, no count column; module doc)."""
    probs = SYNAPSE_PROBABILITIES if set(SYNAPSE_PROBABILITIES) & set(found) else None
    require_columns(found, [*pair, *(probs or ())], edges, "edge table",
                    "export the table again with all six transmitter probabilities "
                    f"({', '.join(SYNAPSE_PROBABILITIES)})")
    layout = _synapse_tables.Layout(
        pre=pair[0], post=pair[1],
        opening=f"'{edges.name}' has no {COUNT} column, so each row was read as one synapse",
        source=(f"FlyWire release synapse table {edges.name}" if probs
                else f"synapse table {edges.name}"),
        valid=VALID if VALID in found else None, probabilities=probs,
        transmitter=next((c for c in TRANSMITTER_COLUMNS if c in found), None), no_neuron_id=0)
    return _synapse_tables.read(
        edges, layout, lambda pre, post: _neuron_table(neurons, cols, pre, post), name)


def _neuron_table(neurons: Path | None, cols: dict, pre: np.ndarray,
                  post: np.ndarray) -> pd.DataFrame:
    """The neuron table (id, name, type, transmitter[, sign, ...]) from ``neurons`` (Codex
    ``neurons.csv.gz``: ids in ``cols['id']`` if given, else ``root_id``, else ``id``, else a first
    column of numbers; names and types in ``cols['name']``, ``cols['type']`` if given: the
    neuron-table roles of ``--columns``), else the ids of the edges with no transmitter."""
    if neurons is None:
        table = neurons_from_edges(pre, post)
        table["transmitter"] = np.full(len(table), "", dtype=object)
        return table
    frame = read_neuron_frame(neurons)
    column, guessed = neuron_id_column(frame, neurons, cols.get("id"), (NEURON_ID, "id"))
    return neuron_table(frame, column, neurons, "neuron table", guessed=guessed, given=cols)


def _refuse_repeated_rows(ids: np.ndarray, pre: np.ndarray, post: np.ndarray,
                          neuropil: pd.Series, edges: Path, pair: tuple[str, str]) -> None:
    """FormatError naming the first (pre, post, neuropil) row, in file order, that repeats
    (module doc); a blank or null neuropil cell is one more neuropil, "no neuropil".

    ids: (N,) neuron ids; pre, post: (E,) their positions; neuropil: (E,) neuropil names (any
    text column, categorical too); pair: the (pre, post) id columns.
    One plain sort of the int64 keys finds whether any repeats; only then are its rows sought.
    """
    codes, names = text_codes(neuropil)
    m, p = max(len(ids), 1), max(len(names), 1)

    def keys():
        return (pre.astype(np.int64) * m + post) * p + codes

    ordered = keys()
    ordered.sort()  # in place: one (E,) int64 array at a time
    repeats = ordered[1:] == ordered[:-1]
    if not repeats.any():
        return
    key = keys()
    first = int(np.flatnonzero(np.isin(key, ordered[1:][repeats]))[0])
    k = int(key[first])
    rows = np.flatnonzero(key == k)[:3]
    a, b = int(ids[k // p // m]), int(ids[k // p % m])
    where = f"in {names[k % p]!r}" if names[k % p] else "with no neuropil"
    raise FormatError(
        f"edge table '{edges.name}' repeats {int(repeats.sum())} (pre, post, neuropil) row(s), "
        f"first {a}→{b} {where} at {' and '.join(row_label(edges, int(r)) for r in rows)}",
        float_rounded_hint(pair, a, b)
        or "a FlyWire release table lists each pair once per neuropil, so the file may hold the "
           "same rows twice (e.g. a download concatenated twice): remove the repeated rows; or, "
           "if the rows are meant to add up, read it as a generic edge list that sums repeats: "
           f"--columns pre={pair[0]},post={pair[1]},count={COUNT} --sum-duplicates")


def _pair_sign(key: np.ndarray, count: np.ndarray, sign: np.ndarray) -> np.ndarray:
    """Each row's sign replaced by its pair's: the sign of the pair's net signed synapse count.

    key: (E,) int64 pair key of each row; count: (E,) synapse counts; sign: (E,) int8 row signs.
    Returns int8 (E,), equal for all rows of a pair (0 when their signed counts cancel).
    """
    pair, _ = pd.factorize(key)
    net = np.bincount(pair, weights=count * sign.astype(np.float64))
    return np.sign(net).astype(np.int8)[pair]


def _transmitter_from_probabilities(n: int, pre: np.ndarray, count: np.ndarray,
                                    prob: np.ndarray) -> np.ndarray:
    """Each neuron's transmitter from the transmitter probabilities of its outgoing rows.

    n: number of neurons; pre: (E,) presynaptic positions; count: (E,) synapse counts;
    prob: (E, T) probabilities, columns in ``PROBABILITIES`` order.
    Returns (n,) object array: the argmax over T of Σ count·p over the neuron's rows (the
    synapse-weighted mean, whose denominator does not change the argmax); '' for neurons
    without outgoing rows or with all probabilities 0. Ties go to the earlier column.
    """
    score = np.column_stack([np.bincount(pre, weights=count * prob[:, t], minlength=n)
                             for t in range(prob.shape[1])])
    return argmax_transmitter(score, list(PROBABILITIES.values()))
