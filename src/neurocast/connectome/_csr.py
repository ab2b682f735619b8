"""CSR arrays from (pre, post) pair keys: sorting, merging repeats, gap-junction symmetry (private)."""

from __future__ import annotations

import numpy as np

from neurocast.errors import FormatError

__all__ = ["counts_to_int32", "csr_from_sorted", "gap_csr", "rows_strictly_increasing", "sort_order",
           "unique_keys"]


def sort_order(key: np.ndarray, n_key: int) -> np.ndarray | None:
    """Permutation sorting int64 ``key`` (values in 0..n_key-1), or None if already sorted.

    Packs (key, row) into one int64 when they fit in 63 bits: numpy's plain sort of int64
    is several times faster than argsort. Equal keys keep their row order.
    """
    if len(key) < 2 or (key[1:] > key[:-1]).all():
        return None
    row_bits = int(len(key) - 1).bit_length()
    if int(max(n_key - 1, 1)).bit_length() + row_bits <= 63:
        packed = np.sort((key << row_bits) | np.arange(len(key), dtype=np.int64))
        return packed & ((1 << row_bits) - 1)
    return np.argsort(key, kind="stable")


def unique_keys(key: np.ndarray, values: list[np.ndarray], n_key: int, *, duplicates: str,
                on_repeat) -> tuple[np.ndarray, list[np.ndarray]]:
    """Sort int64 pair keys (values in 0..n_key-1); reject or sum repeated keys.

    values: (E,) arrays that travel with the keys and are summed over repeats (integers as
      int64, floats as float64). duplicates: 'error' or 'sum'.
    on_repeat(key, n_repeated, rows) builds the error for 'error': ``key`` is the first
      repeated key, ``rows`` the sorted input rows holding it.
    Returns the sorted unique keys and the values in that order.
    """
    perm = sort_order(key, n_key)
    if perm is not None:
        key = key[perm]
    values = [np.asarray(v, np.float64 if np.asarray(v).dtype.kind == "f" else np.int64)
              for v in values]
    if perm is not None:
        values = [v[perm] for v in values]
    new = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, bool)
    if not new.all():
        k = key[np.flatnonzero(~new)[0]]
        if duplicates != "sum":
            same = np.flatnonzero(key == k)
            rows = same if perm is None else np.sort(perm[same])
            raise on_repeat(int(k), int((~new).sum()), rows)
        starts = np.flatnonzero(new)
        key = key[starts]
        values = [np.add.reduceat(v, starts) for v in values]
    return key, values


def csr_from_sorted(n: int, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR ``indptr`` int64 (N + 1,) and ``indices`` int32 (E,) of sorted unique keys pre*N + post."""
    m = max(n, 1)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(key // m, minlength=n), out=indptr[1:])
    return indptr, (key % m).astype(np.int32)


def gap_csr(n: int, a: np.ndarray, b: np.ndarray, count: np.ndarray, *, duplicates: str,
            on_repeat=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The symmetric gap-junction CSR (indptr, indices, count) of undirected pairs.

    a, b: (G,) neuron positions, each unordered pair once in either order (a == b allowed,
    stored once); count: (G,) positive. A pair listed twice (in any order) is an error
    (``on_repeat(key, n_repeated, rows)``, key = min*N + max; None: a plain FormatError, for
    callers whose pairs are already unique) unless duplicates='sum'.
    """
    if on_repeat is None:
        def on_repeat(key, n_repeated, rows):
            return FormatError(f"{n_repeated} gap-junction pair(s) listed twice")

    a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
    m = max(n, 1)
    key, (count,) = unique_keys(np.minimum(a, b) * m + np.maximum(a, b), [count], m * m,
                                duplicates=duplicates, on_repeat=on_repeat)
    lo, hi = key // m, key % m
    other = lo != hi
    both = np.r_[key, hi[other] * m + lo[other]]
    count = np.r_[count, count[other]]
    order = sort_order(both, m * m)
    if order is not None:
        both, count = both[order], count[order]
    indptr, indices = csr_from_sorted(n, both)
    return indptr, indices, counts_to_int32(count)


def counts_to_int32(count: np.ndarray) -> np.ndarray:
    """Summed counts back to int32; raises FormatError if a sum left the int32 range."""
    if len(count) and count.max() > np.iinfo(np.int32).max:
        raise FormatError("summed synapse counts exceed 2**31 - 1")
    return count.astype(np.int32)


def rows_strictly_increasing(indptr: np.ndarray, indices: np.ndarray) -> bool:
    """True if the column indices of every CSR row are strictly increasing (sorted, no repeats)."""
    if len(indices) < 2:
        return True
    ok = np.diff(indices) > 0
    starts = indptr[1:-1]
    ok[starts[(starts > 0) & (starts < len(indices))] - 1] = True  # a new row may start lower
    return bool(ok.all())
