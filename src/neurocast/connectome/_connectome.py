"""The Connectome: neurons plus chemical synapses (CSR) plus an optional gap-junction layer."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from neurocast._files import atomic_path, json_default
from neurocast._numbers import is_whole
from neurocast._selection import flag_mask, is_pattern, pattern_positions
from neurocast.connectome._csr import (
    counts_to_int32,
    csr_from_sorted,
    gap_csr,
    rows_strictly_increasing,
    unique_keys,
)
from neurocast.errors import (
    FormatError,
    NeurocastError,
    ResourceError,
    UnknownNameError,
    unknown_name,
)

__all__ = ["NEURON_COLUMNS", "Connectome"]

NEURON_COLUMNS = ("id", "name", "type", "transmitter", "sign")
POSITION_COLUMNS = ("x", "y", "z")
FORMAT_NAME = "neurocast-connectome"
#: Newest native format version. 1: synapse counts (weight = signed count). 2: adds
#: ``weight_units`` to the metadata (float weights); files without float weights are still
#: written as version 1, so older neurocast versions keep reading them.
FORMAT_VERSION = 2
#: ``weight_units`` of a connectome whose weights are signed synapse counts.
SYNAPSES = "synapses"
NETWORKX_LIMIT = 20_000


def _readonly(a: np.ndarray, dtype) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=dtype)
    if a.flags.writeable and a.base is not None:
        a = a.copy()
    a.flags.writeable = False
    return a


def _normalise_neurons(neurons: pd.DataFrame) -> pd.DataFrame:
    """Check and complete a neuron table: unique int64 ids, string name/type/transmitter, int8 sign."""
    if "id" not in neurons.columns:
        raise FormatError(
            "neuron table has no column 'id'",
            f"found: {', '.join(map(str, neurons.columns))}; expected: {', '.join(NEURON_COLUMNS)}",
        )
    table = pd.DataFrame(index=pd.RangeIndex(len(neurons)))
    ids = neurons["id"].to_numpy()
    if ids.dtype.kind not in "iu":
        raise FormatError("neuron ids must be integers", f"found dtype {ids.dtype}")
    table["id"] = ids.astype(np.int64)
    dup = pd.Index(table["id"]).duplicated()
    if dup.any():
        raise FormatError(
            f"neuron table repeats {int(dup.sum())} id(s), e.g. {table['id'][dup].iloc[0]}",
            "each neuron must appear once",
        )
    names = neurons["name"] if "name" in neurons.columns else table["id"]
    table["name"] = names.astype(str).to_numpy(dtype=object)
    for col in ("type", "transmitter"):
        vals = neurons[col] if col in neurons.columns else pd.Series([""] * len(neurons))
        table[col] = vals.fillna("").astype(str).to_numpy(dtype=object)
    sign = neurons["sign"] if "sign" in neurons.columns else pd.Series(np.ones(len(neurons)))
    sign = sign.to_numpy()
    if sign.dtype.kind == "f" and not np.isfinite(sign).all():
        raise FormatError("neuron 'sign' holds NaN", "use +1 (excitatory), -1 (inhibitory) or 0")
    if not np.isin(sign, (-1, 0, 1)).all():
        raise FormatError("neuron 'sign' must be -1, 0 or +1", f"found {sorted(set(sign.tolist()))[:5]}")
    table["sign"] = sign.astype(np.int8)
    for col in POSITION_COLUMNS:
        if col in neurons.columns:
            table[col] = neurons[col].to_numpy(dtype=np.float32)
    return table


class Connectome:
    """A wiring diagram: N neurons, chemical synapses and (optionally) gap junctions.

    Neurons are numbered 0..N-1 (their *position*); each also has a 64-bit ``id`` and a ``name``.

    Chemical synapses are stored in CSR form by presynaptic neuron:
      indptr  int64 (N + 1,)  — row pointers
      indices int32 (E,)      — postsynaptic positions, sorted within each row
      count   int32 (E,)      — synapse count of each pre→post connection (>= 1; 1 where a
                                weighted connectome does not know it)
      weight  float32 (E,)    — signed strength: the signed synapse count (+count excitatory,
                                -count inhibitory) when ``weight_units == "synapses"``, else a
                                float weight in ``weight_units`` (e.g. normalised streamline
                                density of region-level structural connectivity), with its sign
    so memory is 12 bytes per connection either way. ``weighted`` is True for float weights. Gap junctions are a separate symmetric CSR layer
    (``gap_indptr``, ``gap_indices``, ``gap_count``) holding both directions of every pair.

    The object is immutable: arrays are read-only, attributes cannot be re-bound, and
    ``neurons``, ``names``, ``ids``, ``sign`` return copies; transformations return new objects.
    The constructor checks the CSR invariants (rows sorted, no repeated pair, counts >= 1,
    a symmetric gap layer) and raises FormatError otherwise.
    Build one with ``Connectome.from_edges`` (from edge lists) or the loaders.
    """

    def __init__(
        self,
        neurons: pd.DataFrame,
        indptr: np.ndarray,
        indices: np.ndarray,
        count: np.ndarray,
        weight: np.ndarray,
        *,
        gap_indptr: np.ndarray | None = None,
        gap_indices: np.ndarray | None = None,
        gap_count: np.ndarray | None = None,
        name: str = "",
        attrs: dict | None = None,
        weight_units: str = SYNAPSES,
    ):
        self._neurons = _normalise_neurons(neurons)
        n = len(self._neurons)
        self.indptr = _readonly(indptr, np.int64)
        self.indices = _readonly(indices, np.int32)
        self.count = _readonly(count, np.int32)
        self.weight = _readonly(weight, np.float32)
        if gap_indptr is None:
            gap_indptr, gap_indices, gap_count = np.zeros(n + 1), np.zeros(0), np.zeros(0)
        self.gap_indptr = _readonly(gap_indptr, np.int64)
        self.gap_indices = _readonly(gap_indices, np.int32)
        self.gap_count = _readonly(gap_count, np.int32)
        self.name = name
        self.attrs = dict(attrs or {})
        if not isinstance(weight_units, str) or not weight_units:
            raise FormatError(f"weight_units must be a non-empty string, not {weight_units!r}",
                              f"use {SYNAPSES!r} for signed synapse counts, or name the weights' units")
        self.weight_units = weight_units
        self._check()
        self._frozen = True

    def __setattr__(self, key: str, value) -> None:
        if getattr(self, "_frozen", False):
            raise AttributeError(f"Connectome is immutable: cannot set {key!r}; build a new one "
                                 "(e.g. Connectome.from_edges or subnetwork)")
        object.__setattr__(self, key, value)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_edges(
        cls,
        neurons: pd.DataFrame,
        pre: Sequence[int] | np.ndarray,
        post: Sequence[int] | np.ndarray,
        count: Sequence[int] | np.ndarray | None,
        *,
        weight: Sequence[float] | np.ndarray | None = None,
        weight_units: str | None = None,
        sign: Sequence[int] | np.ndarray | None = None,
        gap_pre: Sequence[int] | np.ndarray | None = None,
        gap_post: Sequence[int] | np.ndarray | None = None,
        gap_count: Sequence[int] | np.ndarray | None = None,
        duplicates: str = "error",
        name: str = "",
        attrs: dict | None = None,
    ) -> Connectome:
        """Build a Connectome from edge lists given as neuron *positions* (0..N-1).

        pre, post, count: (E,) arrays; count must be positive integers (None with ``weight``:
          unknown, stored as 1 per connection).
        weight: optional (E,) non-negative finite float strengths (e.g. normalised structural
          connectivity); the stored ``weight`` is strength × edge sign, as counts are without it.
        weight_units: what the float weights measure (default "weight"); "synapses" only
          without ``weight``.
        sign: optional (E,) per-edge sign (+1/-1/0); default is the presynaptic neuron's sign.
        gap_pre, gap_post, gap_count: optional undirected gap-junction pairs, each listed once
          in either direction (a neuron coupled to itself once); both directions are stored.
        duplicates: 'error' (default) rejects repeated pre→post pairs (and gap pairs listed
          twice); 'sum' adds their counts (and weights).
        Raises FormatError for positions outside 0..N-1, counts that are not positive
        integers, negative or non-finite weights, signs other than -1/0/+1, arrays of
        different lengths or repeated pairs.
        """
        if duplicates not in ("error", "sum"):
            raise NeurocastError(f"duplicates must be 'error' or 'sum', not {duplicates!r}")
        table = _normalise_neurons(neurons)
        n = len(table)
        pre, post = _positions(pre, n, "pre"), _positions(post, n, "post")
        if weight is None:
            if count is None:
                raise FormatError("give synapse counts, float weights (weight=), or both")
            if weight_units not in (None, SYNAPSES):
                raise FormatError(f"weight_units={weight_units!r} needs float weights (weight=)",
                                  "pass weight=..., or leave weight_units out for synapse counts")
            weight_units = SYNAPSES
        else:
            weight = _check_weights(weight)
            weight_units = "weight" if weight_units is None else weight_units
            if weight_units == SYNAPSES:
                raise FormatError("weight_units 'synapses' is reserved for signed synapse counts",
                                  "name the units of the float weights, e.g. 'streamlines' or 'density'")
            if count is None:
                count = np.ones(len(weight), np.int32)
        count = _check_counts(count, "synapse count")
        if not (len(pre) == len(post) == len(count)) or (weight is not None and len(weight) != len(pre)):
            raise FormatError("pre, post, count (and weight) must have the same length")
        if sign is None:
            edge_sign = table["sign"].to_numpy()[pre]
        else:
            edge_sign = np.asarray(sign)
            if edge_sign.shape != pre.shape or not np.isin(edge_sign, (-1, 0, 1)).all():
                raise FormatError(f"sign must hold one -1, 0 or +1 per edge ({len(pre)} values)")
        m = max(n, 1)

        def repeated(what, arrow):
            def error(key, n_repeated, rows):
                return FormatError(
                    f"{what} repeat {n_repeated} pair(s), first at positions {key // m}{arrow}{key % m} "
                    f"(input rows {', '.join(map(str, rows[:3]))})",
                    "merge them yourself, or pass duplicates='sum' to add their counts")
            return error

        strength = count.astype(np.int64) if weight is None else weight
        key, (count, signed) = unique_keys(
            pre * m + post, [count, strength * edge_sign], m * m,
            duplicates=duplicates, on_repeat=repeated("edges", "→"))
        indptr, indices = csr_from_sorted(n, key)
        gaps = {}
        if gap_pre is not None or gap_post is not None or gap_count is not None:
            if gap_pre is None or gap_post is None or gap_count is None:
                raise FormatError("give all of gap_pre, gap_post and gap_count, or none")
            gp, gq = _positions(gap_pre, n, "gap_pre"), _positions(gap_post, n, "gap_post")
            gc = _check_counts(gap_count, "gap junction count")
            if not (len(gp) == len(gq) == len(gc)):
                raise FormatError("gap_pre, gap_post and gap_count must have the same length")
            gip, gind, gcnt = gap_csr(n, gp, gq, gc, duplicates=duplicates,
                                      on_repeat=repeated("gap junctions", "–"))
            gaps = dict(gap_indptr=gip, gap_indices=gind, gap_count=gcnt)
        return cls(table, indptr, indices, counts_to_int32(count), signed.astype(np.float32),
                   name=name, attrs=attrs, weight_units=weight_units, **gaps)

    def _check(self) -> None:
        n = self.n_neurons
        for prefix, indptr, indices, count in (
            ("", self.indptr, self.indices, self.count),
            ("gap_", self.gap_indptr, self.gap_indices, self.gap_count),
        ):
            if len(indptr) != n + 1 or indptr[0] != 0 or indptr[-1] != len(indices):
                raise FormatError(f"{prefix}indptr must have N + 1 = {n + 1} entries from 0 to E")
            if np.any(np.diff(indptr) < 0):
                raise FormatError(f"{prefix}indptr must be non-decreasing")
            if len(count) != len(indices):
                raise FormatError(f"{prefix}count and {prefix}indices differ in length")
            if len(indices) and (indices.min() < 0 or indices.max() >= n):
                raise FormatError(f"{prefix}indices must lie in 0..{n - 1}")
            if not rows_strictly_increasing(indptr, indices):
                raise FormatError(f"{prefix}indices must be sorted within each row without repeats",
                                  "build the connectome with Connectome.from_edges")
            if len(count) and count.min() < 1:
                raise FormatError(f"{prefix}count must be >= 1, found {count.min()}")
        if len(self.weight) != len(self.indices):
            raise FormatError("weight and indices differ in length")
        if not np.isfinite(self.weight).all():
            raise FormatError("weights hold NaN or infinity")
        if not self.weighted:
            magnitude = np.abs(self.weight)
            if not np.all((magnitude == self.count) | (magnitude == 0)):
                raise FormatError("weights must be the signed synapse counts (±count or 0) when "
                                  f"weight_units is {SYNAPSES!r}",
                                  "pass weight_units naming the units of float weights")
        if len(self.gap_indices):
            key = self._gap_rows() * n + self.gap_indices
            mirror = self.gap_indices.astype(np.int64) * n + self._gap_rows()
            order = np.argsort(mirror, kind="stable")
            if not (np.array_equal(key, mirror[order])
                    and np.array_equal(self.gap_count, self.gap_count[order])):
                raise FormatError("the gap-junction layer must be symmetric (A–B and B–A, same count)",
                                  "build it with Connectome.from_edges(gap_pre=..., gap_post=...)")

    def _gap_rows(self) -> np.ndarray:
        """First neuron (row position) of every stored gap-junction entry, int64 (2G - self pairs,)."""
        return np.repeat(np.arange(self.n_neurons, dtype=np.int64), np.diff(self.gap_indptr))

    # ------------------------------------------------------------------ sizes
    @property
    def n_neurons(self) -> int:
        return len(self._neurons)

    @property
    def weighted(self) -> bool:
        """True if ``weight`` holds float weights (in ``weight_units``), not signed synapse counts."""
        return self.weight_units != SYNAPSES

    def strength(self) -> np.ndarray:
        """Unsigned strength of every connection, float32 (E,): |weight| for a weighted
        connectome, else the synapse count (so that sign-0 connections keep their count)."""
        return np.abs(self.weight) if self.weighted else self.count.astype(np.float32)

    @property
    def n_connections(self) -> int:
        """Distinct pre→post pairs with at least one chemical synapse."""
        return len(self.indices)

    @property
    def n_synapses(self) -> int:
        """Total chemical synapse count (sum of ``count``)."""
        return int(self.count.sum(dtype=np.int64))

    @property
    def n_gap_junctions(self) -> int:
        """Distinct unordered neuron pairs joined by gap junctions (self-pairs count once)."""
        return int(np.count_nonzero(self._gap_rows() <= self.gap_indices))

    @property
    def nbytes(self) -> int:
        """Bytes held by the synapse arrays (chemical and gap), excluding the neuron table."""
        arrays = (self.indptr, self.indices, self.count, self.weight,
                  self.gap_indptr, self.gap_indices, self.gap_count)
        return int(sum(a.nbytes for a in arrays))

    # ------------------------------------------------------------------ neurons
    @property
    def neurons(self) -> pd.DataFrame:
        """A copy of the neuron table (columns id, name, type, transmitter, sign[, x, y, z])."""
        return self._neurons.copy()

    @property
    def names(self) -> np.ndarray:
        """Neuron names, shape (N,), object array of str (a copy)."""
        return self._neurons["name"].to_numpy(copy=True)

    @cached_property
    def _by_name_and_id(self) -> tuple[pd.Index, pd.Index]:
        """The name and id columns as pandas Indexes, for lookups: built once per connectome
        (~15 ms at fly scale, which every lookup paid before)."""
        return pd.Index(self._neurons["name"]), pd.Index(self._neurons["id"])

    def positions_named(self, name: str) -> np.ndarray:
        """Positions (int64) of the neurons whose name is exactly ``name`` (none, one or, for a
        repeated name, several)."""
        by_name = self._by_name_and_id[0]
        if name not in by_name:
            return np.zeros(0, np.int64)
        return np.flatnonzero(by_name == name).astype(np.int64)

    @property
    def ids(self) -> np.ndarray:
        """Neuron ids, shape (N,), int64 (a copy)."""
        return self._neurons["id"].to_numpy(copy=True)

    @property
    def sign(self) -> np.ndarray:
        """Neuron signs, shape (N,), int8: +1 excitatory, -1 inhibitory, 0 unknown (a copy)."""
        return self._neurons["sign"].to_numpy(copy=True)

    def index_of(self, neurons: Iterable[str | int] | str | int) -> np.ndarray:
        """Positions (int64 array) of neurons given by name, by id, by name pattern, or by a
        boolean mask.

        Strings are matched against names first, then (if all digits) against ids;
        integers are ids. A string holding ``*``, ``?`` or ``[`` that is no neuron's name or
        id is a name pattern (fnmatch-style, case included: ``"ASH*"``, ``"AVA[LR]"``) and
        gives every neuron whose name matches it, in table order. Positions come in the order
        of the keys. A boolean mask (NumPy bool array, pandas Series or Index of bool, a list or
        tuple of bools, an xarray bool DataArray) has one flag per neuron and gives the
        positions of its True flags, ascending; a pandas Series is matched by its index (the
        default 0..N-1 in order, or the neuron names; any other index is refused). A lone
        True/False, and flags mixed with names or ids, are refused: a flag is never the id 1
        or 0 (the rules of ``neurocast.sim.resolve_neurons``; ConfigError).

        Raises UnknownNameError naming near matches for the first unknown name (or a pattern
        that matches no neuron), and NeurocastError for a string that is one neuron's name and
        another neuron's id (e.g. a neuron named "3" beside the neuron with id 3): which is
        meant is unclear.
        """
        if (mask := flag_mask(self, neurons)) is not None:
            return np.flatnonzero(mask).astype(np.int64)
        if isinstance(neurons, (str, int, np.integer)):
            neurons = [neurons]
        neurons = list(neurons)
        if (mask := flag_mask(self, neurons)) is not None:  # flags from an iterable or object array
            return np.flatnonzero(mask).astype(np.int64)
        by_name, by_id = self._by_name_and_id
        out = []
        for key in neurons:
            pos = -1
            if isinstance(key, str):
                id_pos = (by_id.get_loc(int(key)) if key.lstrip("-").isdigit() and int(key) in by_id
                          else -1)
                pos = by_name.get_loc(key) if key in by_name else id_pos
                if id_pos >= 0 and isinstance(pos, (int, np.integer)) and pos != id_pos:
                    raise NeurocastError(
                        f"neuron {key!r} is ambiguous in connectome {self.name!r}: it is the name "
                        f"of the neuron with id {by_id[pos]} and the id of the neuron named "
                        f"{by_name[id_pos]!r}",
                        f"give the neuron named {key!r} by its id {by_id[pos]}, or the neuron "
                        f"with id {key} by its name {by_name[id_pos]!r} (in Python also as the "
                        f"int {key})")
            elif is_whole(key) and int(key) in by_id:  # an id (a np.timedelta64 is no id)
                pos = by_id.get_loc(int(key))
            if not isinstance(pos, (int, np.integer)):
                ids = self._neurons["id"].to_numpy()[by_name == key]
                raise NeurocastError(f"neuron name {key!r} is not unique in connectome {self.name!r}: "
                                     f"{len(ids)} neurons have it",
                                     "give the one you mean by its id: " + ", ".join(map(str, ids[:10]))
                                     + (", ..." if len(ids) > 10 else ""))
            if pos < 0 and is_pattern(key):
                out.extend(pattern_positions(self, key).tolist())
                continue
            if pos < 0:
                if isinstance(key, str):
                    self._refuse_case_variants(key)
                raise unknown_name(f"neuron (in {self.name or 'connectome'})", key, self._neurons["name"])
            out.append(int(pos))
        return np.asarray(out, dtype=np.int64)

    def _refuse_case_variants(self, key: str) -> None:
        """UnknownNameError listing every neuron whose name is ``key`` but for case, when two or
        more are ('Aval' beside 'AVAL' and 'aval'): names match exactly, and the usual near-match
        hint would show only one of them."""
        names = self._neurons["name"]
        same = np.flatnonzero((names.str.casefold() == key.casefold()).to_numpy(dtype=bool))
        if len(same) < 2:
            return
        ids = self._neurons["id"].to_numpy()
        listed = ", ".join(f"{names.iloc[i]!r} (id {ids[i]})" for i in same[:10])
        raise UnknownNameError(
            f"unknown neuron (in {self.name or 'connectome'}) {key!r}: {len(same)} neurons have "
            f"this name in other cases, {listed}{', ...' if len(same) > 10 else ''}",
            "neuron names are matched exactly, case included, and here case tells neurons "
            "apart: give the exact name or the id of the one you mean")

    def neuron(self, key: str | int) -> dict:
        """One neuron's row of the table as a dict, looked up by name or id (a name pattern
        must match exactly one neuron)."""
        pos = self.index_of(key)
        if len(pos) != 1:
            shown = ", ".join(repr(str(n)) for n in self._neurons["name"].to_numpy()[pos[:5]])
            raise NeurocastError(f"{key!r} matches {len(pos)} neurons ({shown}"
                                 + (", ..." if len(pos) > 5 else "") + "), not one",
                                 "give one neuron's name or id")
        return self._neurons.iloc[int(pos[0])].to_dict()

    # ------------------------------------------------------------------ degrees
    def out_degree(self) -> np.ndarray:
        """Number of postsynaptic partners per neuron, shape (N,), int64."""
        return np.diff(self.indptr)

    def in_degree(self) -> np.ndarray:
        """Number of presynaptic partners per neuron, shape (N,), int64."""
        return np.bincount(self.indices, minlength=self.n_neurons).astype(np.int64)

    def pre_positions(self) -> np.ndarray:
        """Presynaptic position of every connection, shape (E,), int32 (CSR row expanded)."""
        return np.repeat(np.arange(self.n_neurons, dtype=np.int32), np.diff(self.indptr))

    # ------------------------------------------------------------------ views and conversions
    def subnetwork(self, neurons: Iterable[str | int] | np.ndarray) -> Connectome:
        """The connectome restricted to some neurons: names, ids (integers, also in a NumPy
        integer array), name patterns (``"ASH*"``) or a boolean mask with one flag per neuron,
        read by the rules of ``index_of`` (a pandas bool Series is matched by its index, the
        default 0..N-1 or the neuron names, never taken by position under another index).

        Keeps every synapse and gap junction whose two ends are kept; order follows the original.
        """
        keep = np.zeros(self.n_neurons, dtype=bool)
        keep[self.index_of(neurons)] = True
        return self.arranged(np.flatnonzero(keep))

    def arranged(self, pos: np.ndarray, new_names: np.ndarray | None = None) -> Connectome:
        """The connectome whose neuron k is this one's neuron ``pos[k]`` (int (n,), distinct
        positions), with every synapse and gap junction among them.

        Where ``pos[k]`` is -1, neuron k is a new neuron named ``new_names[k]`` without synapses
        (an id past the largest, no type or transmitter, sign 0, no position): a recorded neuron
        the wiring does not name.
        """
        pos = np.asarray(pos, dtype=np.int64)
        new_of = np.full(self.n_neurons, -1, np.int64)
        new_of[pos[pos >= 0]] = np.flatnonzero(pos >= 0)
        pre, post = new_of[self.pre_positions()], new_of[self.indices]
        m = (pre >= 0) & (post >= 0)
        gap_rows = self._gap_rows()
        gpre, gpost = new_of[gap_rows], new_of[self.gap_indices]
        gm = (gpre >= 0) & (gpost >= 0) & (gap_rows <= self.gap_indices)  # each pair once
        table = self._neurons.iloc[np.maximum(pos, 0)].reset_index(drop=True)
        new = pos < 0
        if new.any():
            table.loc[new, "id"] = int(self._neurons["id"].max()) + 1 + np.arange(int(new.sum()))
            table.loc[new, "name"] = np.asarray(new_names)[new]
            for column, value in (("type", ""), ("transmitter", ""), ("sign", 0), ("x", np.nan),
                                  ("y", np.nan), ("z", np.nan)):
                if column in table:
                    table.loc[new, column] = value
        edge_sign = np.sign(self.weight[m]).astype(np.int8)
        weights = dict(weight=np.abs(self.weight[m]), weight_units=self.weight_units) if self.weighted else {}
        return Connectome.from_edges(
            table, pre[m], post[m], self.count[m], sign=edge_sign, **weights,
            gap_pre=gpre[gm], gap_post=gpost[gm], gap_count=self.gap_count[gm],
            name=f"{self.name}[sub]" if self.name else "", attrs=self.attrs,
        )

    def to_scipy(self, values: str = "weight", layer: str = "chemical"):
        """Adjacency as a ``scipy.sparse.csr_matrix`` of shape (N, N), rows presynaptic.

        values: 'weight' (signed counts), 'count' (synapse counts) or 'binary'.
        layer: 'chemical' or 'gap' (the gap layer is symmetric; 'weight' equals 'count' there).
        """
        # scipy is slow to import and needed only here
        import scipy.sparse as sp

        if layer == "chemical":
            indptr, indices, count, weight = self.indptr, self.indices, self.count, self.weight
        elif layer == "gap":
            indptr, indices, count = self.gap_indptr, self.gap_indices, self.gap_count
            weight = count.astype(np.float32)
        else:
            raise NeurocastError(f"layer must be 'chemical' or 'gap', not {layer!r}")
        data = {"weight": weight, "count": count, "binary": np.ones(len(indices), np.int8)}
        if values not in data:
            raise NeurocastError(f"values must be one of {sorted(data)}, not {values!r}")
        n = self.n_neurons
        return sp.csr_matrix((data[values], indices, indptr), shape=(n, n))

    def to_networkx(self, *, max_neurons: int = NETWORKX_LIMIT):
        """A ``networkx.DiGraph``: nodes are the neuron names (the ids if names repeat, as
        neuPrint instances do), with their table row as attributes; edges carry ``count``,
        ``weight`` and ``gap`` (the gap-junction count, 0 if none; a gap junction without
        chemical synapse is an edge with count 0 in each direction).

        Refuses graphs above ``max_neurons`` neurons (networkx needs ~1 kB per edge).
        """
        # networkx: only for this conversion
        import networkx as nx

        if self.n_neurons > max_neurons:
            raise ResourceError(
                f"to_networkx builds Python objects for every edge; {self.n_neurons} neurons is too many",
                f"use to_scipy() instead, or pass max_neurons={self.n_neurons} if you have the memory",
            )
        g = nx.DiGraph(name=self.name)
        names = self.names
        if len(set(names)) < len(names):
            names = self.ids
        for node, row in zip(names, self._neurons.to_dict("records"), strict=True):
            g.add_node(node, **row)
        pre = self.pre_positions()
        g.add_edges_from(
            (names[a], names[b], {"count": int(c), "weight": float(w), "gap": 0})
            for a, b, c, w in zip(pre, self.indices, self.count, self.weight, strict=True)
        )
        gpre = self._gap_rows()
        for a, b, c in zip(gpre, self.gap_indices, self.gap_count, strict=True):
            if g.has_edge(names[a], names[b]):
                g.edges[names[a], names[b]]["gap"] = int(c)
            else:
                g.add_edge(names[a], names[b], count=0, weight=0.0, gap=int(c))
        return g

    def summary(self) -> dict:
        """Headline statistics as a JSON-ready dict (counts, excitatory fraction, degrees).

        A weighted connectome also gets ``weight_sum`` (Σ weight, signed) and
        ``abs_weight_sum`` (Σ |weight|), in ``weight_units``.
        """
        outd, ind = self.out_degree(), self.in_degree()
        sign = self.sign
        n = max(self.n_neurons, 1)
        syn = max(self.n_synapses, 1)

        def stats(d: np.ndarray) -> dict:
            if len(d) == 0:
                return {"mean": 0.0, "median": 0.0, "max": 0}
            return {"mean": float(d.mean()), "median": float(np.median(d)), "max": int(d.max())}

        weights = ({"weight_sum": float(self.weight.sum(dtype=np.float64)),
                    "abs_weight_sum": float(np.abs(self.weight).sum(dtype=np.float64))}
                   if self.weighted else {})
        return {
            "name": self.name,
            "n_neurons": self.n_neurons,
            "n_connections": self.n_connections,
            "n_synapses": self.n_synapses,
            "n_gap_junctions": self.n_gap_junctions,
            "excitatory_fraction": float(np.count_nonzero(sign > 0) / n),
            "inhibitory_fraction": float(np.count_nonzero(sign < 0) / n),
            "excitatory_synapse_fraction": float(self.count[self.weight > 0].sum(dtype=np.int64) / syn),
            "mean_synapses_per_connection": float(self.n_synapses / max(self.n_connections, 1)),
            "out_degree": stats(outd),
            "in_degree": stats(ind),
            "bytes_per_connection": float(self.nbytes / max(self.n_connections, 1)),
            "weight_units": self.weight_units,
            "source": self.attrs.get("source", ""),
            "sign_rule": self.attrs.get("sign_rule", ""),
            **weights,
        }

    # ------------------------------------------------------------------ comparison
    def equals(self, other: Connectome, *, check_name: bool = False) -> bool:
        """True if neurons (table), synapses and gap junctions are identical."""
        if not isinstance(other, Connectome):
            return False
        arrays = ("indptr", "indices", "count", "weight", "gap_indptr", "gap_indices", "gap_count")
        same = all(np.array_equal(getattr(self, a), getattr(other, a)) for a in arrays)
        same = same and self._neurons.equals(other._neurons) and self.weight_units == other.weight_units
        return same and (not check_name or self.name == other.name)

    def __repr__(self) -> str:
        return (
            f"Connectome({self.name!r}: {self.n_neurons} neurons, {self.n_connections} connections, "
            + (f"weights in {self.weight_units}, " if self.weighted else f"{self.n_synapses} synapses, ")
            + f"{self.n_gap_junctions} gap-junction pairs)"
        )

    # ------------------------------------------------------------------ storage
    def save(self, path: str | os.PathLike) -> Path:
        """Write the native format (``.npz``, versioned, uncompressed) atomically; returns the path."""
        path = Path(path)
        if path.suffix != ".npz":
            raise NeurocastError(f"native connectome files end in .npz, not '{path.suffix}'",
                                 f"use {path.with_suffix('.npz')}")
        t = self._neurons
        arrays = {
            "indptr": self.indptr, "indices": self.indices, "count": self.count, "weight": self.weight,
            "gap_indptr": self.gap_indptr, "gap_indices": self.gap_indices, "gap_count": self.gap_count,
            "neuron_id": t["id"].to_numpy(), "neuron_sign": t["sign"].to_numpy(),
        }
        for col in ("name", "type", "transmitter"):
            arrays[f"neuron_{col}"] = t[col].to_numpy(dtype=str)
        for col in POSITION_COLUMNS:
            if col in t.columns:
                arrays[f"neuron_{col}"] = t[col].to_numpy()
        meta = {"format": FORMAT_NAME, "version": 1, "name": self.name, "attrs": self.attrs}
        if self.weighted:
            meta.update(version=2, weight_units=self.weight_units)
        arrays["meta"] = np.array(json.dumps(meta, default=json_default))
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Connectome:
        """Read a file written by ``save``. Raises FormatError for other or newer files."""
        path = Path(path)
        if not path.is_file():
            raise FormatError(f"no connectome file at '{path}'", "check the path")
        try:
            return cls._load(path)
        except NeurocastError:
            raise
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise FormatError(f"'{path}' is not a readable neurocast connectome file ({exc})",
                              "write it again with Connectome.save or 'neurocast connectome convert'"
                              ) from None

    @staticmethod
    def saved_name(path: str | os.PathLike) -> str:
        """The name of the connectome saved at ``path`` (``save``'s .npz), read without loading
        its arrays ("" if it has none or the file is not one: ``load`` says what is wrong)."""
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"])) if "meta" in z.files else {}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return ""
        return str(meta.get("name", "")) if isinstance(meta, dict) else ""

    @classmethod
    def _load(cls, path: Path) -> Connectome:
        with np.load(path, allow_pickle=False) as z:
            if "meta" not in z.files:
                raise FormatError(f"'{path}' is an .npz file but not a neurocast connectome",
                                  "write one with Connectome.save or 'neurocast connectome convert'")
            meta = json.loads(str(z["meta"]))
            if not isinstance(meta, dict):
                meta = {}
            if meta.get("format") != FORMAT_NAME or meta.get("version", 0) > FORMAT_VERSION:
                raise FormatError(f"'{path}' has format {meta.get('format')} version {meta.get('version')}",
                                  f"this neurocast reads {FORMAT_NAME} up to version {FORMAT_VERSION}")
            table = {"id": z["neuron_id"], "name": z["neuron_name"], "type": z["neuron_type"],
                     "transmitter": z["neuron_transmitter"], "sign": z["neuron_sign"]}
            for col in POSITION_COLUMNS:
                if f"neuron_{col}" in z.files:
                    table[col] = z[f"neuron_{col}"]
            return cls(
                pd.DataFrame(table), z["indptr"], z["indices"], z["count"], z["weight"],
                gap_indptr=z["gap_indptr"], gap_indices=z["gap_indices"], gap_count=z["gap_count"],
                name=meta.get("name", ""), attrs=meta.get("attrs", {}),
                weight_units=meta.get("weight_units", SYNAPSES),  # version 1: synapse counts
            )


def _check_counts(count, what: str) -> np.ndarray:
    """Validate synapse counts: finite, integral, positive. Returns int32 (E,)."""
    c = np.asarray(count)
    if c.ndim != 1:
        raise FormatError(f"{what} must be a 1-D array, not shape {c.shape}")
    if c.dtype.kind == "f":
        if not np.isfinite(c).all():
            raise FormatError(f"{what} holds NaN or infinity", "remove or fill those rows")
        if not np.array_equal(c, np.round(c)):
            bad = c[c != np.round(c)][0]
            raise FormatError(f"{what} must be whole numbers, found {bad}")
    elif c.dtype.kind not in "iu" and len(c):
        raise FormatError(f"{what} must be integers, found values of type {c.dtype}")
    if len(c) and c.min() <= 0:
        raise FormatError(f"{what} must be positive, found {c.min()}",
                          "drop rows with zero or negative counts")
    if len(c) and c.max() > np.iinfo(np.int32).max:
        raise FormatError(f"{what} exceeds the int32 range")
    return c.astype(np.int32)


def _check_weights(weight) -> np.ndarray:
    """Validate float strengths: 1-D, finite, non-negative. Returns float64 (E,)."""
    w = np.asarray(weight)
    if w.ndim != 1 or (len(w) and w.dtype.kind not in "iuf"):
        raise FormatError(f"weight must be a 1-D array of numbers, not {w.dtype} shape {w.shape}")
    w = w.astype(np.float64)
    if not np.isfinite(w).all():
        raise FormatError("weight holds NaN or infinity", "remove or fill those rows")
    if len(w) and w.min() < 0:
        raise FormatError(f"weight must be non-negative, found {w.min()}",
                          "give strengths here and the signs with sign= (or the neurons' sign)")
    return w


def _positions(values, n: int, what: str) -> np.ndarray:
    """Neuron positions as int64 (E,); raises FormatError unless integers in 0..n-1."""
    a = np.asarray(values)
    if a.ndim != 1 or (len(a) and a.dtype.kind not in "iu"):
        raise FormatError(f"{what} must be a 1-D array of integer neuron positions")
    a = a.astype(np.int64)
    if len(a) and (a.min() < 0 or a.max() >= n):
        raise FormatError(f"{what} positions must lie in 0..{n - 1}")
    return a
