"""FlyWire's own release tables (v783), read as FlyWire distributes them (read only).

Edge tables (feather, parquet or CSV, also ``.csv.gz``), one row per pre→post pair *and
neuropil* (the brain region holding the synapses):
  * Zenodo / Codex ``proofread_connections_783.feather``: pre_pt_root_id, post_pt_root_id,
    neuropil, syn_count, gaba_avg, ach_avg, glut_avg, oct_avg, ser_avg, da_avg (the mean
    predicted transmitter probabilities of the row's synapses, Eckstein et al. 2024);
  * Codex ``connections.csv.gz`` / ``connections_no_threshold.csv.gz``: pre_root_id,
    post_root_id, neuropil, syn_count, nt_type (the row's transmitter: ACH, GABA, GLUT, DA,
    SER, OCT).
Ids are FlyWire root ids (18 digits, e.g. 720575940600000000), kept as exact int64.

Per-synapse tables, one row per synapse and no ``syn_count`` column (nor ``*_avg`` or
``nt_type``, which belong to the pair tables): Zenodo ``flywire_synapses_783.feather`` (id,
pre_pt_root_id, post_pt_root_id, connection_score, cleft_score, ..., gaba, ach, glut, oct, ser,
da: each synapse's predicted transmitter probabilities) and MICrONS' CAVE table
``synapses_pni_2`` (id, valid, pre_pt_root_id, post_pt_root_id, size, ctr_pt_position, ...).
Each row is one synapse: a connection's count is its number of rows (``_PairCounts``, in
batches of ``BATCH_ROWS`` rows, so the memory follows the number of pairs, not of rows). Rows
whose ``valid`` column is false are left out. FlyWire's table holds only synapses that passed
its own thresholds (Zenodo record 10676866), so no score threshold is applied. With the six
probabilities each presynaptic neuron's transmitter is the argmax of Σ p over its synapses
(what Σ syn_count·p_avg is over the pair table's rows); without them the signs are unknown
(0). A note says how many rows were read as synapses. Autapses (pre = post) are kept, as in
every table.

Neuropil rows: the rows of one pair are summed into one connection (that is the layout, not
a repeat). A table without a ``neuropil`` column is one row per pair, and a repeated pair
follows ``duplicates`` like any other format.

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
column is ``root_id`` (else ``id``, else the first), the transmitter ``nt_type`` (or any of
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
from numba import njit

from neurocast.connectome._connectome import Connectome
from neurocast.connectome._options import ReadOptions, guess_mapping
from neurocast.connectome._table_files import (
    check_counts,
    check_ids,
    check_probabilities,
    input_note,
    iter_table,
    read_neuron_frame,
    read_table,
    require_columns,
    row_label,
    rows_from,
    table_columns,
    table_kind,
    table_stem,
)
from neurocast.connectome._tables import (
    build,
    neuron_table,
    neurons_from_edges,
    positions_of,
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
BATCH_ROWS = 1_000_000  # rows of a per-synapse table read and reduced at once
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
    if COUNT not in found and not has_nt and not set(PROBABILITIES) & set(found):
        require_columns(found, list(pair), edges, what,
                        f"export the file again with its id columns, or read it as a generic "
                        f"edge list: {guess_mapping(found)}")
        return _read_synapses(edges, neurons, name, found, pair)
    probs = [] if has_nt or not set(PROBABILITIES) & set(found) else list(PROBABILITIES)
    need = [*pair, COUNT, *probs]
    require_columns(found, need, edges, what,
                    f"export the file again with all its columns, or read it as a generic edge "
                    f"list: {guess_mapping(found)}")
    frame = read_table(edges, need + [NT] * has_nt, what, id_columns=pair)
    pre = check_ids(frame[pair[0]], pair[0], edges, what)
    post = check_ids(frame[pair[1]], pair[1], edges, what)
    count = check_counts(frame[COUNT], COUNT, edges, what)
    table = _neuron_table(neurons, pre, post)
    ids = table["id"].to_numpy(np.int64)
    pre_pos = positions_of(ids, pre, path=edges, what=what, side="presynaptic ")
    post_pos = positions_of(ids, post, path=edges, what=what, side="postsynaptic ")
    duplicates = "sum" if NEUROPIL in found else opts.duplicates
    sign = None
    if has_nt:
        names = frame[NT].fillna("").astype(str).str.strip()
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
                 positions=(pre_pos, post_pos))


def _read_synapses(edges: Path, neurons: Path | None, name: str, found: list[str],
                   pair: tuple[str, str]) -> Connectome:
    """Read a per-synapse table (one row per synapse, no count column; module doc)."""
    what = "edge table"
    probs = list(SYNAPSE_PROBABILITIES) if set(SYNAPSE_PROBABILITIES) & set(found) else []
    require_columns(found, [*pair, *probs], edges, what,
                    "export the table again with all six transmitter probabilities "
                    f"({', '.join(SYNAPSE_PROBABILITIES)})")
    has_valid = VALID in found
    pairs = _PairCounts(len(probs))
    n_rows = n_invalid = n_unsegmented = 0
    for start, frame in iter_table(edges, [*pair, *[VALID] * has_valid, *probs], what,
                                   id_columns=pair, rows=BATCH_ROWS):
        with rows_from(start):
            pre = check_ids(frame[pair[0]], pair[0], edges, what)
            post = check_ids(frame[pair[1]], pair[1], edges, what)
            keep = _valid_rows(frame[VALID], edges, what) if has_valid else None
            prob = [check_probabilities(frame[c], c, edges, what) for c in probs]
        del frame
        n_rows += len(pre)
        if keep is not None and not keep.all():
            n_invalid += int(np.count_nonzero(~keep))
            pre, post, prob = pre[keep], post[keep], [p[keep] for p in prob]
        segmented = (pre != 0) & (post != 0)  # CAVE's root id 0: no segment at that end
        if not segmented.all():
            n_unsegmented += int(np.count_nonzero(~segmented))
            pre, post, prob = pre[segmented], post[segmented], [p[segmented] for p in prob]
        pairs.add(pre, post, prob)
    if n_rows == n_invalid + n_unsegmented:
        raise FormatError(f"{what} '{edges.name}' has no valid synapse: all {n_rows:,} rows have "
                          f"{VALID} = false or root id 0 (no segment)",
                          "choose a table (or a materialization) with valid rows")
    pre, post, count, senders, score = pairs.result()
    table = _neuron_table(neurons, pre, post)
    ids = table["id"].to_numpy(np.int64)
    pre_pos = positions_of(ids, pre, path=edges, what=what, side="presynaptic ")
    post_pos = positions_of(ids, post, path=edges, what=what, side="postsynaptic ")
    sign = None
    if probs:
        full = np.zeros((len(ids), len(probs)))
        full[positions_of(ids, senders, path=edges, what=what)] = score
        derived = _argmax_transmitter(full, list(SYNAPSE_PROBABILITIES.values()))
        table["transmitter"] = np.where(derived == "", table["transmitter"], derived)
        sign = transmitter_sign(derived)[pre_pos]
    elif "sign" not in table.columns:  # every edge takes its presynaptic neuron's sign
        table["sign"] = transmitter_sign(table["transmitter"])
    left = [f"{n_invalid:,} with {VALID} = false"] * bool(n_invalid) + [
        f"{n_unsegmented:,} with root id 0 (no segment)"] * bool(n_unsegmented)
    dropped = f" ({' and '.join(left)} left out)" if left else ""
    input_note(f"'{edges.name}' has no {COUNT} column, so each row was read as one synapse: "
               f"{n_rows:,} rows{dropped}, {n_rows - n_invalid - n_unsegmented:,} synapses in "
               f"{len(count):,} connections (pre→post pairs)")
    return build(table, pre, post, count, sign, duplicates="error", path=edges, what=what,
                 name=name, attrs={"source": f"FlyWire release synapse table {edges.name}"
                                   if probs else f"synapse table {edges.name}"},
                 positions=(pre_pos, post_pos))


def _valid_rows(values: pd.Series, path: Path, what: str) -> np.ndarray:
    """The ``valid`` column as a boolean array (rows,): booleans, 0/1, or the words true/false
    (also t/f, as PostgreSQL exports them). Raises FormatError at the first other value."""
    if values.dtype.kind == "b":
        return values.to_numpy(dtype=bool)
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip().str.lower()
    truth = text.isin(("true", "t", "1", "1.0")).to_numpy(dtype=bool)
    bad = ~truth & ~text.isin(("false", "f", "0", "0.0")).to_numpy(dtype=bool)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise FormatError(f"{what} '{path.name}' column '{VALID}' must hold true or false, found "
                          f"{values.iloc[i]!r} at {row_label(path, i)} ({int(bad.sum())} such "
                          "row(s))", "fill in the valid column (true keeps the synapse), or drop "
                          "the column to keep every row")
    return truth


class _PairCounts:
    """Synapse rows counted by (pre, post) id pair, batch by batch: the memory follows the
    number of neurons and distinct pairs, not of rows.

    Ids get codes 0, 1, ... in order of first appearance (``_encode``, a hash table); a pair
    is the int64 key pre_code·2³² + post_code. ``add(pre, post, prob)`` counts the rows of a
    batch (pre, post: int64 (R,) ids) and, given prob (T float64 (R,) columns), sums each
    presynaptic neuron's probabilities. ``result()``: (pre ids, post ids, int64 counts) of the
    distinct pairs sorted by key, (neuron ids, float64 (n, T) summed probabilities).
    """

    def __init__(self, n_probabilities: int):
        self.slots = np.full(1 << 16, -1, np.int64)  # hash slot → code, -1 empty
        self.uniques = np.empty(1 << 15, np.int64)  # code → id
        self.n = 0
        self.sums = np.zeros((1 << 15, n_probabilities))
        self.keys: list[np.ndarray] = []
        self.counts: list[np.ndarray] = []
        self.size = self.reduced = 0  # keys held; keys after the last reduction

    def codes(self, ids: np.ndarray) -> np.ndarray:
        out = np.empty(len(ids), np.int64)
        done = 0
        while done < len(ids):
            self.n, stop = _encode(self.slots, self.uniques, self.n, ids[done:], out[done:])
            done += stop
            if done < len(ids):  # half full: double the table, same codes
                grown = np.empty(2 * len(self.uniques), np.int64)
                grown[:self.n] = self.uniques[:self.n]
                self.uniques, self.slots = grown, np.full(4 * len(grown), -1, np.int64)
                _encode(self.slots, self.uniques, 0, grown[:self.n].copy(),
                        np.empty(self.n, np.int64))
                sums = np.zeros((len(grown), self.sums.shape[1]))
                sums[:len(self.sums)] = self.sums
                self.sums = sums
        return out

    def add(self, pre: np.ndarray, post: np.ndarray, prob: list[np.ndarray]) -> None:
        if not len(pre):
            return
        a = self.codes(pre)
        key = (a << 32) | self.codes(post)
        for t, p in enumerate(prob):
            self.sums[:, t] += np.bincount(a, weights=p, minlength=len(self.sums))
        del a
        key, count = np.unique(key, return_counts=True)
        self.keys.append(key)
        self.counts.append(count)
        self.size += len(key)
        if self.size > 2 * self.reduced + BATCH_ROWS:
            self._reduce()

    def _reduce(self) -> None:
        key, inverse = np.unique(np.concatenate(self.keys), return_inverse=True)
        count = np.bincount(inverse, weights=np.concatenate(self.counts)).astype(np.int64)
        self.keys, self.counts = [key], [count]
        self.size = self.reduced = len(key)

    def result(self):
        if len(self.keys) != 1:
            self._reduce()
        key = self.keys[0]
        return (self.uniques[key >> 32], self.uniques[key & 0xFFFFFFFF], self.counts[0],
                self.uniques[:self.n], self.sums[:self.n])


@njit(cache=True)
def _encode(slots, uniques, n, ids, out):  # pragma: no cover - compiled
    """Codes of ``ids`` into ``out``: the position of each id in uniques[:n], new ids appended.

    slots: int64 hash table (a power of two in size, -1 empty) of codes, open addressing with
    linear probing on a Fibonacci hash. Stops before an id that would fill the table more
    than half or overflow uniques. Returns (n, number of ids coded).
    """
    bits = 0
    while (1 << bits) < len(slots):
        bits += 1
    mask = len(slots) - 1
    shift = np.uint64(64 - bits)
    golden = np.uint64(0x9E3779B97F4A7C15)
    for k in range(len(ids)):
        q = ids[k]
        h = np.int64((np.uint64(q) * golden) >> shift)
        while True:
            code = slots[h]
            if code < 0:
                if 2 * (n + 1) > len(slots) or n >= len(uniques):
                    return n, k
                slots[h] = n
                uniques[n] = q
                out[k] = n
                n += 1
                break
            if uniques[code] == q:
                out[k] = code
                break
            h = (h + 1) & mask
    return n, len(ids)


def _neuron_table(neurons: Path | None, pre: np.ndarray, post: np.ndarray) -> pd.DataFrame:
    """The neuron table (id, name, type, transmitter[, sign, ...]) from ``neurons`` (Codex
    ``neurons.csv.gz``: ids in ``root_id``), else the ids of the edges with no transmitter."""
    if neurons is None:
        table = neurons_from_edges(pre, post)
        table["transmitter"] = np.full(len(table), "", dtype=object)
        return table
    frame = read_neuron_frame(neurons)
    id_col = next((c for c in (NEURON_ID, "id") if c in frame.columns), frame.columns[0])
    return neuron_table(frame, id_col, neurons, "neuron table")


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
    return _argmax_transmitter(score, list(PROBABILITIES.values()))


def _argmax_transmitter(score: np.ndarray, names: list[str]) -> np.ndarray:
    """(n,) object array: per row of score (n, T) the name of its largest column (ties to the
    earlier column), '' where every score is 0."""
    picked = np.array(names, dtype=object)[np.argmax(score, axis=1)]
    return np.where(score.max(axis=1, initial=0.0) > 0, picked, "")
