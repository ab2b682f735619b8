"""Scores of an inferred (N, N) matrix against the true wiring, with scikit-learn's metrics (private).

Conventions: row i = presynaptic, column j = postsynaptic; the diagonal is never scored. A pair
(i, j) is a true edge if the Connectome has a chemical connection i→j, whatever its sign (gap
junctions are not counted); the sign metrics use only the edges of known sign. For N·(N−1) ≤ ``max_pairs`` every off-diagonal pair is scored exactly; above, all true
edges plus a uniform random sample of the non-edges (seeded) weighted by
(number of non-edges / number sampled), which estimates AUROC and AUPRC without bias.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import xarray as xr

from neurocast.data import connectome_positions
from neurocast.errors import FormatError

__all__ = ["METRICS", "pair_values", "score_matrix", "truth_matrix"]

#: The metrics of the scorecard, in order (see ``score_matrix``).
METRICS = ("auroc", "auprc", "auroc_exc", "auprc_exc", "auroc_inh", "auprc_inh",
           "precision_at_k", "direction_accuracy", "weight_corr", "sign_accuracy", "base_rate")

#: Default number of pairs scored exactly (beyond it non-edges are sampled).
MAX_PAIRS = 4_000_000


def truth_matrix(connectome, names=None, notes: list | None = None) -> sp.csr_matrix:
    """The true wiring as CSR (N, N) float32 in the data's order: one entry per chemical
    connection, its signed weight (synapse count × sign), NaN where the sign is unknown (0).

    names: the recording's neuron names, shape (N,), matched to the connectome by name as
    ``data.connectome_positions`` matches them (also ignoring case, when that pairs each name
    with a neuron of its own; its notes are appended to ``notes``). None: neuron k is the
    connectome's neuron k. Raises FormatError if some names match no neuron (neurons are never
    paired by position silently), or as ``connectome_positions``.
    """
    full = connectome.to_scipy("weight").astype(np.float32)
    full.data[full.data == 0] = np.nan  # a connection of unknown sign is still a connection
    if names is None:
        return full.tocsr()
    names = np.asarray(names).astype(str)
    pos, matching = connectome_positions(xr.Dataset(coords={"neuron": names}), connectome)
    if (pos < 0).any():
        missing = names[pos < 0][:3].tolist()
        hint = ("give the connectome the recording was made from (--truth), or import the "
                "recording with the connectome's neuron names (neurocast data import ... --names "
                "FILE)")
        if len(names) == connectome.n_neurons:
            hint += ("; to pair neuron k with the connectome's neuron k, pass the traces as an "
                     "array in Python: run_inference(ds.traces.values, truth=..., dt_s=...)")
        raise FormatError(f"{int((pos < 0).sum())} of the recording's {len(names)} neurons are "
                          f"not in connectome '{connectome.name}' (e.g. {missing})", hint)
    if notes is not None:
        notes.extend(matching)
    if len(pos) == connectome.n_neurons and np.array_equal(pos, np.arange(len(pos))):
        return full.tocsr()
    return full[pos][:, pos].tocsr()


def pair_values(scores, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """scores[i, j] for dense arrays and scipy sparse matrices alike (absent entries 0), float64."""
    if len(i) == 0:  # scipy returns a (0, 0) matrix for empty indices, not an empty vector
        return np.zeros(0, dtype=np.float64)
    if sp.issparse(scores):
        return np.asarray(scores.tocsr()[i, j], dtype=np.float64).ravel()
    return np.asarray(scores[i, j], dtype=np.float64)


def _pairs(truth: sp.csr_matrix, max_pairs: int, rng: np.random.Generator):
    """(i, j, weight) of the scored pairs: all off-diagonal pairs, or edges + sampled non-edges."""
    n = truth.shape[0]
    if n * (n - 1) <= max_pairs:
        i, j = np.nonzero(~np.eye(n, dtype=bool))
        return i.astype(np.int64), j.astype(np.int64), None
    coo = truth.tocoo()
    keep = coo.row != coo.col
    ei, ej = coo.row[keep].astype(np.int64), coo.col[keep].astype(np.int64)
    keys = np.sort(ei * n + ej)
    n_neg_total = n * (n - 1) - len(keys)
    m = max(max_pairs - len(keys), max_pairs // 2)
    a = rng.integers(0, n, size=m, dtype=np.int64)
    b = rng.integers(0, n - 1, size=m, dtype=np.int64)
    b += b >= a  # uniform over j != i
    k = a * n + b
    pos = np.searchsorted(keys, k)
    is_edge = (pos < len(keys)) & (keys[np.minimum(pos, len(keys) - 1)] == k)
    a, b = a[~is_edge], b[~is_edge]
    w = np.concatenate([np.ones(len(ei)), np.full(len(a), n_neg_total / max(1, len(a)))])
    return np.concatenate([ei, a]), np.concatenate([ej, b]), w


def _curve(y: np.ndarray, s: np.ndarray, w: np.ndarray | None) -> dict | None:
    """ROC and precision–recall of labels y (bool) for scores s (one sort, ``sklearn.metrics.roc_curve``).

    Returns None if only one class is present, else dict with fpr, tpr, precision, recall (at
    every distinct threshold, highest first), auroc (= ``roc_auc_score``), auprc (=
    ``average_precision_score``: Σ (R_n − R_{n−1}) P_n) and the weighted counts pos/neg.
    """
    from sklearn.metrics import auc, roc_curve  # heavy import (~1 s): only when scoring

    if y.all() or not y.any():
        return None
    fpr, tpr, _ = roc_curve(y, s, sample_weight=w, drop_intermediate=False)
    pos = float(y.sum()) if w is None else float(w[y].sum())
    neg = float((~y).sum()) if w is None else float(w[~y].sum())
    tp, fp = tpr * pos, fpr * neg
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 1.0)
    recall = tpr
    auprc = float(np.sum(np.diff(recall) * precision[1:]))
    return {"fpr": fpr, "tpr": tpr, "precision": precision, "recall": recall,
            "auroc": float(auc(fpr, tpr)), "auprc": auprc, "tp": tp, "fp": fp}


def _precision_at_k(c: dict, k: float) -> float:
    """Share of true edges among the k highest scores, ties at the k-th score shared fractionally.

    c: a ``_curve`` (cumulative weighted tp, fp at every distinct threshold, highest first, from
    (0, 0)); k: the number of true edges (> 0). The pairs scoring above the k-th highest score
    all count; of the b pairs tied at it, holding e edges, the k − (pairs above) still needed
    count e/b edges each: the expected precision when the ties are broken at random, exact and
    independent of the order of the pairs (an undirected method scores i→j and j→i the same, so
    with k odd one such pair is always split).
    """
    n = c["tp"] + c["fp"]
    reached = np.flatnonzero(n >= k - 1e-9)
    if not len(reached):  # fewer scored pairs than k (cannot happen: the k edges are scored)
        return float(c["tp"][-1] / max(n[-1], 1e-300))
    at = reached[0]
    above_n = n[at - 1] if at > 0 else 0.0
    above_tp = c["tp"][at - 1] if at > 0 else 0.0
    tied_n, tied_tp = n[at] - above_n, c["tp"][at] - above_tp
    share = tied_tp / tied_n if tied_n > 0 else 0.0
    return float(min(1.0, max(0.0, (above_tp + (k - above_n) * share) / k)))


def score_matrix(scores, truth: sp.csr_matrix, *, directed: bool, signed: bool = True,
                 max_pairs: int = MAX_PAIRS, seed: int = 0, curves: bool = False):
    """Score an inferred (N, N) matrix against the true signed weights ``truth`` (CSR, (N, N);
    an entry per connection, NaN for one of unknown sign, as ``truth_matrix`` gives).

    scores: dense float (N, N) array or scipy sparse matrix; row = presynaptic. Metrics:
      auroc, auprc — edge existence ranked by |score|;
      auroc_exc, auprc_exc — excitatory edges (weight > 0) against non-edges, ranked by score
        (by |score| for unsigned methods); auroc_inh, auprc_inh — inhibitory edges against
        non-edges, ranked by −score (|score| if unsigned);
      precision_at_k — share of true edges among the k highest |score|, k = number of edges,
        over exactly k pairs: of the pairs tied at the k-th highest |score| (compared in
        float32), each still needed counts as the tied pairs' share of edges (the expected
        precision under random tie-breaking; i→j and j→i always tie for undirected methods);
      direction_accuracy — for edges i→j without j→i: share with |s_ij| > |s_ji| (ties ½);
        NaN for undirected methods;
      weight_corr — Spearman correlation of score and true signed weight over the true edges of
        known sign;
      sign_accuracy — share of true edges of known sign whose score has the edge's sign (NaN if
        unsigned);
      base_rate — share of true edges among the scored pairs (AUPRC of random scores).
    NaN where undefined (e.g. no inhibitory edge). The diagonal is excluded.
    Returns a dict metric → float (and, with ``curves=True``, also the ROC and PR curves).
    Raises FormatError if the shapes differ or scores hold NaN.
    """
    from scipy.stats import spearmanr  # heavy import: only when scoring

    n = truth.shape[0]
    if scores.shape != (n, n):
        raise FormatError(f"score matrix shape {scores.shape} does not match the {n} neurons of the truth")
    rng = np.random.default_rng(seed)
    i, j, w = _pairs(truth.tocsr(), max_pairs, rng)
    s = pair_values(scores, i, j).astype(np.float32)
    if not np.isfinite(s).all():
        raise FormatError("the score matrix holds NaN or inf", "check the method's input")
    t = pair_values(truth, i, j)
    edge = t != 0  # NaN (a connection of unknown sign) too
    known = edge & np.isfinite(t)
    mag = np.abs(s)
    out = dict.fromkeys(METRICS, float("nan"))
    main = _curve(edge, mag, w)
    if main is not None:
        out["auroc"], out["auprc"] = main["auroc"], main["auprc"]
    for key, sel, sgn in (("exc", t > 0, 1.0), ("inh", t < 0, -1.0)):
        use = sel | ~edge
        c = _curve(sel[use], (sgn * s[use]) if signed else mag[use], None if w is None else w[use])
        if c is not None:
            out[f"auroc_{key}"], out[f"auprc_{key}"] = c["auroc"], c["auprc"]
    n_edges = float(edge.sum())
    if main is not None:
        out["precision_at_k"] = _precision_at_k(main, n_edges)
    if n_edges:
        total = float(len(s) if w is None else w.sum())
        out["base_rate"] = n_edges / total
        if known.sum() > 2 and np.ptp(s[known]) > 0 and np.ptp(t[known]) > 0:
            out["weight_corr"] = float(spearmanr(s[known], t[known]).statistic)
        if signed and known.any():
            out["sign_accuracy"] = float(np.mean(np.sign(s[known]) == np.sign(t[known])))
    if directed:
        ei, ej = i[edge], j[edge]
        back = pair_values(truth, ej, ei) != 0
        ei, ej = ei[~back], ej[~back]
        if len(ei):
            fwd, rev = np.abs(pair_values(scores, ei, ej)), np.abs(pair_values(scores, ej, ei))
            out["direction_accuracy"] = float(np.mean((fwd > rev) + 0.5 * (fwd == rev)))
    if not curves:
        return out
    curve = {} if main is None else {k: _thin(main[k]) for k in ("fpr", "tpr", "precision", "recall")}
    return out, curve


def _thin(a: np.ndarray, n: int = 400) -> np.ndarray:
    """At most n points of a curve (evenly spaced indices, ends kept), for plots."""
    if len(a) <= n:
        return a
    return a[np.unique(np.linspace(0, len(a) - 1, n).round().astype(int))]
