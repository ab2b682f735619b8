"""Per-synapse tables: one row per synapse, no count column; each pre→post pair becomes one
connection whose synapse count is its number of rows.

Shared by the formats that meet such tables: FlyWire's ``flywire_synapses_783`` and MICrONS'
CAVE tables (``_flywire_release``), neuPrint synapse exports such as the hemibrain's
(``_neuprint``) and edge lists mapped without a count column (``_edgelist``). A ``Layout``
names the table's columns; ``read`` does the rest:

* the table is read in batches of ``BATCH_ROWS`` rows (only the needed columns); each batch's
  ids are coded with a hash table and its pairs counted (``_PairCounts``), so the memory
  follows the number of neurons and distinct pairs, not of rows;
* rows whose ``valid`` column is false, and rows naming the layout's no-neuron id (CAVE's root
  id 0: no segment at that end), are left out and counted in the note;
* one transmitter per presynaptic neuron, from its synapses: with per-synapse probabilities the
  argmax of their sums (``argmax_transmitter``; ties to the earlier column); with a column of
  transmitter names the most frequent name among its synapses (a majority vote: names compared
  ignoring case, spaces, '-' and '_'; empty cells, 'n/a', 'none', 'unknown' cast no vote; a tie
  between the most frequent names decides no transmitter, and a sign only if they all have
  the same one, as GABA and glutamate do). Where the synapses decide, their transmitter
  replaces the neuron table's and sets the neuron's sign; where a tie decides only the sign,
  the neuron table's transmitter stays if it has that sign, else it is emptied; elsewhere the
  neuron table's sign, else its transmitter, stays. Every edge takes its presynaptic neuron's
  sign;
* a note (``input_note``) says how many rows were read as how many synapses and connections,
  and how the transmitters were chosen.
Autapses (pre = post) are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numba import njit

from neurocast.connectome._connectome import Connectome
from neurocast.connectome._ids import check_ids
from neurocast.connectome._table_files import (
    check_probabilities,
    input_note,
    is_number,
    iter_table,
)
from neurocast.connectome._table_names import (
    row_label,
    rows_from,
)
from neurocast.connectome._tables import (
    argmax_transmitter,
    build,
    guessed_id_column,
    positions_of,
    transmitter_key,
    transmitter_sign,
)
from neurocast.errors import FormatError

BATCH_ROWS = 1_000_000  # rows of a per-synapse table read and reduced at once
#: transmitter cells that cast no vote (compared lower-case, without spaces, '-' and '_')
NO_TRANSMITTER = frozenset({"", "n/a", "na", "nan", "none", "null", "unknown"})


@dataclass(frozen=True)
class Layout:
    """The columns of one per-synapse table and how its note opens.

    pre, post: the id columns; opening: the note's first words, up to "read as one synapse"
    (why each row is a synapse); valid: a column whose false rows are left out, or None;
    probabilities: {column: transmitter} of per-synapse probabilities, or None; transmitter:
    a column of per-synapse transmitter names (used without probabilities), or None;
    no_neuron_id: an id that marks no neuron (rows naming it are left out), or None;
    source: the connectome's ``attrs['source']``.
    """

    pre: str
    post: str
    opening: str
    source: str
    valid: str | None = None
    probabilities: dict[str, str] | None = None
    transmitter: str | None = None
    no_neuron_id: int | None = None


def read(edges: Path, layout: Layout, neurons_for: Callable[[np.ndarray, np.ndarray], pd.DataFrame],
         name: str) -> Connectome:
    """Read a per-synapse table (module doc) into a Connectome.

    neurons_for(pre ids, post ids) gives the neuron table (id, name, ...[, transmitter, sign])
    once the pairs are known (int64 arrays (P,)). Raises FormatError naming the row of the
    first bad cell, or if no row is left.
    """
    what = "edge table"
    probs = list(layout.probabilities or {})
    nt = None if probs else layout.transmitter
    columns = list(dict.fromkeys(
        [layout.pre, layout.post, *[c for c in (layout.valid, nt) if c], *probs]))
    pairs = _PairCounts()
    labels: dict[str, str] = {}  # vote key → the spelling first seen
    n_rows = n_invalid = n_unsegmented = 0
    for start, frame in iter_table(edges, columns, what, id_columns=(layout.pre, layout.post),
                                   text_columns=(nt,) if nt else (), rows=BATCH_ROWS):
        with rows_from(start):
            pre = check_ids(frame[layout.pre], layout.pre, edges, what)
            post = check_ids(frame[layout.post], layout.post, edges, what)
            keep = (valid_rows(frame[layout.valid], layout.valid, edges, what)
                    if layout.valid else None)
            scores = [check_probabilities(frame[c], c, edges, what) for c in probs]
            codes, keys = (_vote_codes(frame[nt], nt, edges, what, labels) if nt
                           else (None, []))
        del frame
        n_rows += len(pre)
        if keep is not None:
            n_invalid += int(np.count_nonzero(~keep))
        if layout.no_neuron_id is not None:
            segmented = (pre != layout.no_neuron_id) & (post != layout.no_neuron_id)
            n_unsegmented += int(np.count_nonzero(~segmented if keep is None
                                                  else keep & ~segmented))
            keep = segmented if keep is None else keep & segmented
        if keep is not None and not keep.all():
            pre, post, scores = pre[keep], post[keep], [s[keep] for s in scores]
            codes = None if codes is None else codes[keep]
        pairs.add(pre, post, [*zip(probs, scores, strict=True),
                              *[(k, codes == j) for j, k in enumerate(keys) if k is not None]])
    if n_rows == n_invalid + n_unsegmented:
        reasons = [f"{layout.valid} = false"] * bool(layout.valid) + [
            f"root id {layout.no_neuron_id} (no segment)"] * (layout.no_neuron_id is not None)
        raise FormatError(f"{what} '{edges.name}' has no valid synapse: all {n_rows:,} rows have "
                          f"{' or '.join(reasons)}",
                          "choose a table (or a materialization) with valid rows")
    pre, post, count, senders, sums, sum_keys = pairs.result()
    table = neurons_for(pre, post)
    if "transmitter" not in table.columns:
        table["transmitter"] = np.full(len(table), "", dtype=object)
    ids = table["id"].to_numpy(np.int64)
    guess = guessed_id_column(table)
    pre_pos = positions_of(ids, pre, path=edges, what=what, side="presynaptic ", id_column=guess)
    post_pos = positions_of(ids, post, path=edges, what=what, side="postsynaptic ",
                            id_column=guess)
    full = np.zeros((len(ids), len(sum_keys)))  # per neuron of the table, in sum_keys order
    full[positions_of(ids, senders, path=edges, what=what)] = sums
    votes = ""
    tie_sign = np.zeros(len(ids), np.int8)  # where a tie's names share a sign: that sign
    if probs:
        derived = argmax_transmitter(full[:, [sum_keys.index(c) for c in probs]],
                                     list(layout.probabilities.values()))
    elif nt:
        derived, tie_sign, n_ties = _majority(full, [labels[k] for k in sum_keys])
        n_decided = int(np.count_nonzero(derived != ""))
        n_signed = int(np.count_nonzero(tie_sign))
        votes = (f"; each presynaptic neuron's transmitter is the most frequent '{nt}' of its "
                 f"synapses ({n_decided:,} neuron{'s' * (n_decided != 1)}"
                 + (f"; {n_signed:,} tie{'s' * (n_signed != 1)} between transmitters of one "
                    "sign gave only that sign" if n_signed else "")
                 + (f"; {n_ties:,} tie{'s' * (n_ties != 1)} left undecided" if n_ties else "")
                 + ")")
    else:
        derived = None
    if derived is not None:
        decided = derived != ""
        table["transmitter"] = np.where(decided, derived, table["transmitter"])
        if "sign" in table.columns:
            table["sign"] = np.where(decided, transmitter_sign(derived),
                                     table["sign"]).astype(np.int8)
    if "sign" not in table.columns:  # every edge takes its presynaptic neuron's sign
        table["sign"] = transmitter_sign(table["transmitter"])
    signed = tie_sign != 0
    if signed.any():  # ties of one sign: that sign, and no table transmitter of another sign
        table["sign"] = np.where(signed, tie_sign, table["sign"]).astype(np.int8)
        other = signed & (transmitter_sign(table["transmitter"]) != tie_sign)
        table["transmitter"] = np.where(other, "", table["transmitter"])
    left = [f"{n_invalid:,} with {layout.valid} = false"] * bool(n_invalid) + [
        f"{n_unsegmented:,} with root id {layout.no_neuron_id} (no segment)"] * bool(n_unsegmented)
    input_note(synapse_note(layout.opening, n_rows, " and ".join(left),
                            n_rows - n_invalid - n_unsegmented, len(count)) + votes)
    return build(table, pre, post, count, None, duplicates="error", path=edges, what=what,
                 name=name, attrs={"source": layout.source}, id_columns=(layout.pre, layout.post),
                 positions=(pre_pos, post_pos))


def synapse_note(opening: str, n_rows: int, left_out: str, n_synapses: int,
                 n_connections: int) -> str:
    """The note of a table read one synapse per row: "{opening}: R rows (… left out), S
    synapses in P connections (pre→post pairs)"."""
    dropped = f" ({left_out} left out)" if left_out else ""

    def many(n: int, word: str) -> str:
        return f"{n:,} {word}{'s' * (n != 1)}"

    return (f"{opening}: {many(n_rows, 'row')}{dropped}, {many(n_synapses, 'synapse')} in "
            f"{many(n_connections, 'connection')} (pre→post pairs)")


def valid_rows(values: pd.Series, col: str, path: Path, what: str) -> np.ndarray:
    """A ``valid`` column as a boolean array (rows,): booleans, 0/1, or the words true/false
    (also t/f, as PostgreSQL exports them). Raises FormatError at the first other value."""
    if values.dtype.kind == "b":
        return values.to_numpy(dtype=bool)
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip().str.lower()
    truth = text.isin(("true", "t", "1", "1.0")).to_numpy(dtype=bool)
    bad = ~truth & ~text.isin(("false", "f", "0", "0.0")).to_numpy(dtype=bool)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise FormatError(f"{what} '{path.name}' column '{col}' must hold true or false, found "
                          f"{values.iloc[i]!r} at {row_label(path, i)} ({int(bad.sum())} such "
                          "row(s))", "fill in the valid column (true keeps the synapse), or drop "
                          "the column to keep every row")
    return truth


def _vote_codes(values: pd.Series, col: str, path: Path, what: str,
                labels: dict[str, str]) -> tuple[np.ndarray, list[str | None]]:
    """A batch of a transmitter-name column as (codes int64 (rows,), -1 for empty cells; the
    vote key of each code, None for a cell that casts no vote, ``NO_TRANSMITTER``).

    Keys are the transmitters the names stand for (``transmitter_key``: 'ACh', 'ACH' and
    'acetylcholine' are votes for one); ``labels`` maps each new key to its first spelling. Only the distinct names of the
    batch are handled in Python. Raises FormatError for a number (class indices or
    probabilities are no transmitter names), naming its row.
    """
    codes, uniques = pd.factorize(values)
    keys: list[str | None] = []
    for j, name in enumerate(uniques):
        text = str(name).strip()
        key = transmitter_key(text)
        if key in NO_TRANSMITTER:
            keys.append(None)
            continue
        if is_number(text):
            i = int(np.flatnonzero(codes == j)[0])
            raise FormatError(
                f"{what} '{path.name}' column '{col}' holds numbers, not transmitter names: "
                f"{text} at {row_label(path, i)}",
                "the column needs a transmitter name per synapse (ACh, GABA, glutamate, ...); "
                "drop or rename the column if it holds class numbers")
        labels.setdefault(key, text)
        keys.append(key)
    return np.asarray(codes, np.int64), keys


def _majority(votes: np.ndarray, names: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """Each neuron's most frequent transmitter: votes (n, K) synapse counts per name.

    Returns ((n,) object array of names, '' for a neuron without votes or whose most votes
    two or more names share (a tie); (n,) int8: for a tie between names of one sign
    (``transmitter_sign``: GABA and glutamate both -1) that sign, else 0; the number of the
    other ties, left undecided).
    """
    if not names:
        return np.full(len(votes), "", dtype=object), np.zeros(len(votes), np.int8), 0
    top = votes.max(axis=1)
    leaders = (votes == top[:, None]) & (top[:, None] > 0)
    n_top = leaders.sum(axis=1)
    picked = np.array(names, dtype=object)[np.argmax(votes, axis=1)]
    signs = transmitter_sign(names)
    lowest = np.where(leaders, signs, 1).min(axis=1)
    highest = np.where(leaders, signs, -1).max(axis=1)
    one_sign = (n_top > 1) & (lowest == highest) & (lowest != 0)
    return (np.where(n_top == 1, picked, ""), np.where(one_sign, lowest, 0).astype(np.int8),
            int(np.count_nonzero((n_top > 1) & ~one_sign)))


class _PairCounts:
    """Synapse rows counted by (pre, post) id pair, batch by batch: the memory follows the
    number of neurons and distinct pairs, not of rows.

    Ids get codes 0, 1, ... in order of first appearance (``_encode``, a hash table); a pair
    is the int64 key pre_code·2³² + post_code. ``add(pre, post, scores)`` counts the rows of a
    batch (pre, post: int64 (R,) ids) and sums per presynaptic neuron each (key, values) of
    scores: float64 (R,) values, or a bool (R,) mask whose True rows count 1 each, into the
    column named key (made when first seen). ``result()``: (pre ids, post ids, int64 counts)
    of the distinct pairs sorted by key, neuron ids (n,), their sums float64 (n, K), the K
    column keys in order.
    """

    def __init__(self):
        self.slots = np.full(1 << 16, -1, np.int64)  # hash slot → code, -1 empty
        self.uniques = np.empty(1 << 15, np.int64)  # code → id
        self.n = 0
        self.sums = np.zeros((1 << 15, 0))
        self.columns: dict[str, int] = {}
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

    def column(self, key: str) -> int:
        if key not in self.columns:
            self.columns[key] = self.sums.shape[1]
            self.sums = np.hstack([self.sums, np.zeros((len(self.sums), 1))])
        return self.columns[key]

    def add(self, pre: np.ndarray, post: np.ndarray, scores: list) -> None:
        if not len(pre):
            return
        a = self.codes(pre)
        key = (a << 32) | self.codes(post)
        for name, values in scores:
            j, m = self.column(name), len(self.sums)
            self.sums[:, j] += (np.bincount(a[values], minlength=m) if values.dtype == bool
                                else np.bincount(a, weights=values, minlength=m))
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
                self.uniques[:self.n], self.sums[:self.n], list(self.columns))


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
