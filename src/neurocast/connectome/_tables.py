"""Shared machinery of the connectome file formats: from the columns read to a ``Connectome``.

Readers read and check their columns with ``_table_files``; here they make the neuron table,
take signs from transmitters or outgoing edges, map ids to positions, reject or sum duplicate
pre→post pairs, and build the CSR ``Connectome``, all vectorised (numpy / numba, no Python
loops over rows). Errors name the file and the first offending row, and say how to fix it.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from numba import njit

from neurocast.connectome._connectome import POSITION_COLUMNS, Connectome
from neurocast.connectome._csr import counts_to_int32, csr_from_sorted, unique_keys
from neurocast.connectome._ids import check_ids, float_rounded_hint
from neurocast.connectome._table_files import (
    check_signs,
    input_note,
    require_columns,
)
from neurocast.connectome._table_names import (
    row_label,
    short_list,
)
from neurocast.errors import FormatError


def text_column(frame: pd.DataFrame, col: str) -> np.ndarray:
    """A string column with missing cells as '' (object array, shape (rows,)); a categorical
    column (pandas' dictionary columns in parquet) too, nulls included."""
    s = frame[col]
    if isinstance(s.dtype, pd.CategoricalDtype):  # fillna('') would need '' as a category
        s = s.astype(object)
    return s.fillna("").astype(str).to_numpy(dtype=object)


def text_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes int64 (rows,), names object (k,)) of a text column: each cell's name is its text
    stripped of surrounding whitespace, '' for a missing cell, and equal names share a code.

    Only the k distinct cells are converted (fast for millions of rows of a few names); a
    categorical column (pandas' dictionary columns in parquet) works too, nulls included.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    stripped = pd.Series(np.asarray(uniques, dtype=object)).fillna("").astype(str).str.strip()
    merged, names = pd.factorize(stripped)
    return merged[codes].astype(np.int64), np.asarray(names, dtype=object)


def text_values(values: pd.Series) -> pd.Series:
    """The cells of a text column as ``text_codes`` names them (object Series, shape (rows,))."""
    codes, names = text_codes(values)
    return pd.Series(names[codes], dtype=object)


#: Names of a transmitter column, in a neuron table or an edge table (the first present wins):
#: neurocast's own, neuPrint's (predictedNt, consensusNt; per synapse nt, as
#: neuprint-python's fetch_synapse_connections(nt='max') names it beside ntProb), FlyWire
#: Codex's (nt_type).
TRANSMITTER_COLUMNS = ("transmitter", "predictedNt", "consensusNt", "nt_type", "neurotransmitter",
                       "nt")


#: Names of a neuron table's id column, the first present wins: neurocast's, FlyWire Codex's,
#: neuPrint's (and its snake-case spelling).
ID_COLUMNS = ("id", "root_id", "bodyId", "body_id")


def neuron_id_column(frame: pd.DataFrame, path: Path, given: str | None = None,
                     known: tuple[str, ...] = ID_COLUMNS) -> tuple[str, bool]:
    """(the id column of a neuron table, whether it was guessed): ``given`` (``--columns
    id=COL``), else the first of ``known`` present, else the first column if its non-empty
    cells are numbers. Guessed: neither given nor ``known[0]``, the format's own name (then
    ``positions_of`` names the column when edge ids are missing from the table).

    Raises FormatError (hint: ``--columns id=COL``) if ``given`` is missing, or if no column
    is known and the first holds other text (e.g. names; empty or NaN cells are left to
    ``check_ids``, which counts them).
    """
    found = [str(c) for c in frame.columns]
    hint = "name the neuron table's id column with --columns id=COL (API: columns={'id': COL})"
    if given is not None:
        require_columns(found, [given], path, "neuron table", hint)
        return given, False
    named = next((c for c in known if c in found), None)
    if named is not None:
        return named, named != known[0]
    first = frame[frame.columns[0]]
    text = first.astype(str).str.strip()
    other = (pd.to_numeric(first, errors="coerce").isna() & first.notna()
             & (text != "")).to_numpy(dtype=bool)
    if not other.any():
        return frame.columns[0], True
    i = int(np.flatnonzero(other)[0])
    raise FormatError(f"neuron table '{path.name}' has no id column ({', '.join(known)}), and its "
                      f"first column '{found[0]}' holds {text.iloc[i]!r} at {row_label(path, i)}, "
                      f"not neuron ids\n  found: {', '.join(found)}", hint)


def neuron_table(frame: pd.DataFrame, id_col: str, path: Path, what: str, *,
                 name_cols=("name",), type_cols=("type",), transmitter_cols=TRANSMITTER_COLUMNS,
                 sign_col: str | None = "sign", guessed: bool = False,
                 given: dict | None = None) -> pd.DataFrame:
    """A neurocast neuron table (id, name, type, transmitter[, sign][, x, y, z]) from a file's table.

    Each *_cols tuple lists the source columns to try, first match wins; ``given`` ({'name':
    COL, 'type': COL}, from ``--columns name=COL,type=COL``; other keys ignored) names the
    name or type column instead (FormatError if missing). The name falls back to the id (as
    text) where empty; without a name column every neuron is named by its id, with a note
    (``input_note``) naming the text columns whose distinct cells could be the names. The
    sign column is copied only if present (readers derive it otherwise). Raises FormatError
    for repeated ids.
    guessed: the id column was guessed (``neuron_id_column``): the table remembers it
    (``guessed_id_column``) for the hint of ids missing from it.
    """
    given = {r: c for r, c in (given or {}).items() if r in ("name", "type")}
    found = [str(c) for c in frame.columns]
    for role, col in given.items():
        require_columns(found, [col], path, what, f"name the neuron table's {role} column with "
                        f"--columns {role}=COL (API: columns={{'{role}': COL}})")
    name_cols = (given["name"],) if "name" in given else name_cols
    type_cols = (given["type"],) if "type" in given else type_cols
    ids = check_ids(frame[id_col], id_col, path, what)
    dup = pd.Index(ids).duplicated()
    if dup.any():
        raise FormatError(
            f"{what} '{path.name}' lists {int(dup.sum())} neuron id(s) more than once, "
            f"e.g. {short_list(np.unique(ids[dup]))}", "each neuron must appear once in the neuron table")
    out = pd.DataFrame({"id": ids})

    def first(cols):
        for c in cols:
            if c in frame.columns:
                return text_column(frame, c)
        return None

    names = first(name_cols)
    id_text = ids.astype(str).astype(object)
    out["name"] = id_text if names is None else np.where(names == "", id_text, names)
    if names is None:
        _note_unnamed(frame, path, what, name_cols, skip={
            str(id_col), *type_cols, *transmitter_cols, *([sign_col] if sign_col else []),
            *POSITION_COLUMNS})
    for key, cols in (("type", type_cols), ("transmitter", transmitter_cols)):
        vals = first(cols)
        out[key] = np.full(len(ids), "", dtype=object) if vals is None else vals
    if sign_col and sign_col in frame.columns:
        out["sign"] = check_signs(frame[sign_col], sign_col, path, what)
    for c in POSITION_COLUMNS:
        if c in frame.columns:
            out[c] = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=np.float32)
    if guessed:
        out.attrs[_GUESSED] = str(id_col)
    return out


#: Text columns of known neuron tables that hold no names: FlyWire Codex's ``group`` (input and
#: output neuropil, e.g. 'AVLP.AVLP'; distinct in a small extract).
NOT_NAME_COLUMNS = ("group",)


def _name_candidates(frame: pd.DataFrame, skip=()) -> list[str]:
    """The columns of a neuron table (but ``skip`` and ``NOT_NAME_COLUMNS``) that could hold
    neuron names: text (not numbers, nor numbers written as text) whose non-empty cells, at
    least one, are distinct."""
    out = []
    for c in frame.columns:
        s = frame[c]
        if (str(c) in skip or str(c) in NOT_NAME_COLUMNS or pd.api.types.is_numeric_dtype(s)
                or pd.api.types.is_bool_dtype(s)):
            continue
        text = text_values(s)
        text = text[text != ""]
        if len(text) and text.is_unique and pd.to_numeric(text, errors="coerce").isna().any():
            out.append(str(c))
    return out


def _note_unnamed(frame: pd.DataFrame, path: Path, what: str, name_cols, skip) -> None:
    """A note (``input_note``) that the neurons of a neuron table without a name column are
    named by their ids, naming the columns that could hold the names (``_name_candidates``);
    nothing if no column could."""
    candidates = _name_candidates(frame, skip)
    if not candidates:
        return
    listed = ", ".join(f"'{c}'" for c in candidates)
    holds, it = ((f"column {listed} holds", "it") if len(candidates) == 1
                 else (f"columns {listed} hold", "one"))
    expected = ", ".join(f"'{c}'" for c in name_cols)
    seen = [str(c) for c in frame.columns]
    seen = ", ".join(seen[:12]) + (f", … ({len(seen)} columns)" if len(seen) > 12 else "")
    input_note(f"{what} '{path.name}' has no name column ({expected}), so its neurons are "
               f"named by their ids; {holds} distinct text that could be the names (columns: "
               f"{seen}): name {it} with --columns name={candidates[0]} "
               f"(Python: columns={{'name': {candidates[0]!r}}})")


_GUESSED = "guessed_id_column"


def guessed_id_column(table: pd.DataFrame) -> str | None:
    """The column a neuron table's ids were taken from if it was guessed (``neuron_table``)."""
    return table.attrs.get(_GUESSED)


def neurons_from_edges(pre_ids: np.ndarray, post_ids: np.ndarray) -> pd.DataFrame:
    """Neuron table of the ids that appear in an edge list, sorted by id; names are the ids."""
    ids = np.unique(np.concatenate([pre_ids, post_ids]))
    return pd.DataFrame({"id": ids, "name": ids.astype(str).astype(object)})


#: Transmitter spellings (compared lower-case, without spaces, '-' and '_') and their sign, with
#: the fly convention of Shiu et al. 2024: acetylcholine excites; GABA and glutamate inhibit
#: (glutamate through the GluClα chloride channel, Liu & Wilson 2013).
EXCITATORY_TRANSMITTERS = ("acetylcholine", "ach", "cholinergic")
INHIBITORY_TRANSMITTERS = ("gaba", "gabaergic", "glutamate", "glu", "glut", "glutamatergic")
#: each spelling above → the transmitter it names (one key per transmitter)
_SPELLINGS = {**dict.fromkeys(EXCITATORY_TRANSMITTERS, "acetylcholine"),
              **dict.fromkeys(("gaba", "gabaergic"), "gaba"),
              **dict.fromkeys(("glutamate", "glu", "glut", "glutamatergic"), "glutamate")}


def transmitter_key(name: str) -> str:
    """The transmitter a name stands for: lower-case without spaces, '-' and '_', and the
    spellings of one transmitter made one ('ACh', 'ACH', 'acetylcholine' → 'acetylcholine');
    any other name as it is after that folding ('Dopamine' → 'dopamine')."""
    key = re.sub(r"[\s_-]", "", str(name).lower())
    return _SPELLINGS.get(key, key)


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


def argmax_transmitter(score: np.ndarray, names: list[str]) -> np.ndarray:
    """(n,) object array: per row of score (n, T) the name of its largest column (ties to the
    earlier column), '' where every score is 0."""
    picked = np.array(names, dtype=object)[np.argmax(score, axis=1)]
    return np.where(score.max(axis=1, initial=0.0) > 0, picked, "")


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
                 side: str = "", id_column: str | None = None) -> np.ndarray:
    """Positions (int64, shape like ids) of neuron ids in the neuron table's ids.

    Raises FormatError listing the first few ids missing from the table; ``id_column``: the
    neuron table's guessed id column (``guessed_id_column``), named in the hint.
    """
    pos = _hash_positions(np.ascontiguousarray(table_ids, dtype=np.int64),
                          np.ascontiguousarray(ids, dtype=np.int64))
    if (pos < 0).any():
        missing = pd.unique(ids[pos < 0])
        guess = ("" if id_column is None else f"; ids taken from column '{id_column}'; name "
                 "another with --columns id=COL")
        raise FormatError(
            f"{what} '{path.name}' names {len(missing)} {side}neuron id(s) missing "
            f"from the neuron table: {short_list(missing)}",
            "use the neuron table that belongs to this edge table, or add those neurons to it"
            + guess)
    return pos


def build(neurons: pd.DataFrame, pre_ids: np.ndarray, post_ids: np.ndarray, count: np.ndarray,
          edge_sign: np.ndarray | None, *, duplicates: str, path: Path, what: str,
          name: str, attrs: dict, id_columns: tuple[str, str],
          positions: tuple[np.ndarray, np.ndarray] | None = None,
          weight: np.ndarray | None = None, weight_units: str = "weight") -> Connectome:
    """Build a Connectome from edges given by neuron id.

    neurons: table with 'id' (and name, type, ...); if it has no 'sign' column the neuron
      sign is derived from the outgoing edges (``sign_from_edges``) when edge signs are
      given, else set to 0 (unknown).
    pre_ids, post_ids: int64 (E,); count: int64 (E,) positive; edge_sign: int8 (E,) or None
      (then every edge takes its presynaptic neuron's sign).
    duplicates: 'error' rejects repeated pre→post pairs naming the first one (its hint says
      the ids of the ``id_columns`` (pre, post column names) may have been merged by rounding
      if they are float-exact); 'sum' adds
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
        guess = guessed_id_column(neurons)
        pre = positions_of(table_ids, pre_ids, path=path, what=what, side="presynaptic ",
                           id_column=guess)
        post = positions_of(table_ids, post_ids, path=path, what=what, side="postsynaptic ",
                            id_column=guess)
    else:
        pre, post = positions
    key = pre.astype(np.int64) * m + post
    del pre, post

    def repeated(k, n_repeated, rows):
        a, b = int(table_ids[k // m]), int(table_ids[k % m])
        return FormatError(
            f"{what} '{path.name}' repeats {n_repeated} pre→post pair(s), "
            f"first {a}→{b} at {' and '.join(row_label(path, int(r)) for r in rows[:3])}",
            float_rounded_hint(id_columns, a, b)
            or "merge them in the file, or add their synapse counts with --sum-duplicates")

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

