"""Wiring controls: connectomes that keep some statistics of the true one and break the rest.

Does knowing the wiring help a model? Only a comparison against controls answers it:

* ``true``: the connectome itself.
* ``permuted``: the neuron labels shuffled (seeded): connection (i→j) becomes (π(i)→π(j)). The
  graph is the same up to relabelling (edge count, degree and weight distributions, motifs),
  but each neuron gets another neuron's partners. The neuron table is not moved.
* ``rewired``: a degree-preserving random graph. Every neuron keeps exactly its out-degree and
  in-degree (and its gap-junction partner count), the number of connections is unchanged, and
  each connection keeps its count and signed weight on its presynaptic side (so each neuron's
  outgoing weights, out-strength and Dale's sign are kept). The targets are shuffled over all
  connections (a configuration-model draw), then the few repeated pairs and self-connections
  that creates are repaired by double-edge swaps (a→b, c→d  ⇒  a→d, c→b) with random partners,
  which keep every degree. Gap junctions are rewired the same way as undirected pairs.
* ``none``: no connections at all.

All are numba / vectorised; ``rewired`` on the 15 M connections of fly-synth takes seconds and a
temporary hash set of 2^⌈log2 2E⌉ int64 (256 MiB for 15 M connections).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from neurocast.connectome._connectome import Connectome
from neurocast.connectome._csr import csr_from_sorted, gap_csr, sort_order
from neurocast.errors import NeurocastError, ResourceError, unknown_name

__all__ = ["WIRINGS", "disconnect", "permute_labels", "rewire", "wiring_control"]

#: The wiring controls, in the order scorecards list them.
WIRINGS = ("true", "permuted", "rewired", "none")

_EMPTY = -1
_TOMB = -2
#: Random partners tried per connection to repair before giving up.
_REPAIR_ATTEMPTS = 10_000


def wiring_control(connectome: Connectome, wiring: str, *, seed: int = 0) -> Connectome:
    """The connectome under a wiring control: 'true', 'permuted', 'rewired' or 'none'.

    seed: the permutation / rewiring draw (same seed, same result). Raises UnknownNameError
    for other names.
    """
    if wiring not in WIRINGS:
        raise unknown_name("wiring control", wiring, WIRINGS)
    if wiring == "true":
        return connectome
    if wiring == "permuted":
        return permute_labels(connectome, seed=seed)
    if wiring == "rewired":
        return rewire(connectome, seed=seed)
    return disconnect(connectome)


def _suffixed(c: Connectome, label: str, seed: int | None) -> dict:
    attrs = dict(c.attrs)
    attrs["wiring"] = label if seed is None else f"{label} (seed {seed})"
    return {"name": f"{c.name}[{label}]" if c.name else label, "attrs": attrs,
            "weight_units": c.weight_units}


def disconnect(connectome: Connectome) -> Connectome:
    """The same neurons without any chemical synapse or gap junction."""
    n = connectome.n_neurons
    empty = np.zeros(0)
    return Connectome(connectome.neurons, np.zeros(n + 1), empty, empty, empty,
                      **_suffixed(connectome, "none", None))


def _csr_from_pairs(n: int, pre: np.ndarray, post: np.ndarray, *values: np.ndarray):
    """Sorted CSR (indptr, indices, *values) of unique (pre, post) pairs given in any order."""
    m = max(n, 1)
    key = pre.astype(np.int64) * m + post
    order = sort_order(key, m * m)
    if order is not None:
        key = key[order]
        values = tuple(v[order] for v in values)
    indptr, indices = csr_from_sorted(n, key)
    return (indptr, indices, *values)


def permute_labels(connectome: Connectome, *, seed: int = 0) -> Connectome:
    """Connections (and gap junctions) moved by a random permutation π of the neurons: i→j
    becomes π(i)→π(j), carrying its count and signed weight. The neuron table stays in place."""
    c = connectome
    n = c.n_neurons
    perm = np.random.default_rng(seed).permutation(n).astype(np.int64)
    indptr, indices, count, weight = _csr_from_pairs(n, perm[c.pre_positions()], perm[c.indices],
                                                     c.count, c.weight)
    gip, gind, gcount = _csr_from_pairs(n, perm[c._gap_rows()], perm[c.gap_indices], c.gap_count)
    return Connectome(c.neurons, indptr, indices, count, weight, gap_indptr=gip, gap_indices=gind,
                      gap_count=gcount, **_suffixed(c, "permuted", seed))


# ---------------------------------------------------------------------- rewiring (numba)
@njit(cache=True, inline="always")
def _pair_key(a, b, n, undirected):
    if undirected and b < a:
        a, b = b, a
    return np.int64(a) * n + b


@njit(cache=True, inline="always")
def _home(key, mask):
    h = np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)
    return np.int64((h >> np.uint64(20)) & np.uint64(mask))


@njit(cache=True)
def _find(table, key, mask):
    i = _home(key, mask)
    while table[i] != _EMPTY:
        if table[i] == key:
            return i
        i = (i + 1) & mask
    return -1


@njit(cache=True)
def _insert(table, key, mask):
    """Insert a key known to be absent (reusing the first tombstone on its probe path)."""
    i = _home(key, mask)
    while table[i] != _EMPTY and table[i] != _TOMB:
        i = (i + 1) & mask
    table[i] = key


@njit(cache=True)
def _mark_repeats(u, v, n, undirected, table, mask, bad):
    """Insert every pair into the set; mark self-pairs and second occurrences in ``bad``."""
    n_bad = 0
    for s in range(len(u)):
        a, b = u[s], v[s]
        if a == b:
            bad[s] = True
            n_bad += 1
            continue
        k = _pair_key(a, b, n, undirected)
        if _find(table, k, mask) >= 0:
            bad[s] = True
            n_bad += 1
        else:
            _insert(table, k, mask)
    return n_bad


@njit(cache=True)
def _repair(u, v, n, undirected, table, mask, bad, seed, attempts):
    """Double-edge swaps that turn every bad slot into a new, distinct, non-self pair.

    Bad slot s = (a, b), good random partner t = (c, d)  ⇒  (a, d) and (c, b), if both are
    new and not self-pairs. Degrees of a, b, c, d are unchanged. Returns the slots left bad.
    """
    np.random.seed(seed)  # noqa: NPY002  (numba's own generator inside this kernel, seeded per call)
    left = 0
    e = len(u)
    for s in range(e):
        if not bad[s]:
            continue
        a, b = u[s], v[s]
        for _ in range(attempts):
            t = np.random.randint(0, e)  # noqa: NPY002
            if bad[t]:
                continue
            c, d = u[t], v[t]
            if a == d or c == b:
                continue
            k1 = _pair_key(a, d, n, undirected)
            k2 = _pair_key(c, b, n, undirected)
            if k1 == k2 or _find(table, k1, mask) >= 0 or _find(table, k2, mask) >= 0:
                continue
            table[_find(table, _pair_key(c, d, n, undirected), mask)] = _TOMB
            _insert(table, k1, mask)
            _insert(table, k2, mask)
            v[s] = d
            v[t] = b
            bad[s] = False
            break
        if bad[s]:
            left += 1
    return left


def _rewire_pairs(u: np.ndarray, v: np.ndarray, n: int, *, undirected: bool, seed: int, what: str):
    """Repair shuffled pairs in place (int64 u, v) so that all are distinct and not self-pairs."""
    e = len(u)
    if e == 0:
        return
    capacity = 1 << max(4, int(2 * e - 1).bit_length())
    table = np.full(capacity, _EMPTY, dtype=np.int64)
    bad = np.zeros(e, dtype=bool)
    _mark_repeats(u, v, n, undirected, table, capacity - 1, bad)
    left = _repair(u, v, n, undirected, table, capacity - 1, bad, seed, _REPAIR_ATTEMPTS)
    if left:
        raise ResourceError(
            f"cannot rewire the {what}: {left} connection(s) found no partner to swap with",
            "the graph is too dense for a degree-preserving rewiring without repeated pairs; "
            "use the 'permuted' control instead")


def rewire(connectome: Connectome, *, seed: int = 0) -> Connectome:
    """A degree-preserving random rewiring (see the module docstring).

    Kept exactly: every neuron's out- and in-degree, the number of connections, each
    presynaptic neuron's multiset of (count, weight), each neuron's gap-junction partner count
    and the multiset of gap-junction counts. The result has no self-connections (gap self-pairs
    of the original stay in place). Raises ResourceError if a graph is too dense to rewire.
    """
    c = connectome
    n = c.n_neurons
    rng = np.random.default_rng(seed)
    pre = c.pre_positions().astype(np.int64)
    post = c.indices.astype(np.int64)[rng.permutation(c.n_connections)]
    _rewire_pairs(pre, post, n, undirected=False, seed=int(rng.integers(2**31)), what="connections")
    indptr, indices, count, weight = _csr_from_pairs(n, pre, post, c.count, c.weight)

    rows = c._gap_rows()
    once = rows < c.gap_indices
    selfs = rows == c.gap_indices
    stubs = np.concatenate([rows[once], c.gap_indices[once].astype(np.int64)])
    stubs = stubs[rng.permutation(len(stubs))]
    gu, gv = stubs[0::2].copy(), stubs[1::2].copy()
    _rewire_pairs(gu, gv, n, undirected=True, seed=int(rng.integers(2**31)), what="gap junctions")
    gcount = np.concatenate([c.gap_count[once], c.gap_count[selfs]])

    def repeated(key, n_repeated, rows_):  # cannot happen after the repair
        return NeurocastError(f"rewiring left {n_repeated} repeated gap-junction pair(s)")

    gip, gind, gcnt = gap_csr(n, np.concatenate([gu, rows[selfs]]),
                              np.concatenate([gv, rows[selfs]]), gcount,
                              duplicates="error", on_repeat=repeated)
    return Connectome(c.neurons, indptr, indices, count, weight, gap_indptr=gip, gap_indices=gind,
                      gap_count=gcnt, **_suffixed(c, "rewired", seed))
