"""Chunked, sparse lagged ridge regression for brains too large for dense (N, N) matrices (private).

For N neurons the dense methods need several N × N float32 matrices (77 GB each at the fly's
138,639 neurons). ``ridge-sparse`` restricts and chunks the problem:

* candidate presynaptic neurons: the ``candidates`` most active neurons (largest s.d. of the
  frame-to-frame change of the trace); a silent neuron's trace is noise and predicts nothing;
* targets: every neuron, ``chunk`` targets at a time; each target's innovation
  x_j(t) − ρ_j·x_j(t−1) (ρ_j its lag-1 autocorrelation: its own calcium decay removed) is
  regressed on the candidates' previous frame by ridge regression, one Cholesky factor shared
  by all chunks;
* kept: the ``top_k`` largest |coefficients| of every target (signed), as a CSR matrix.

Memory: the traces (T × N float32), the candidates' (T × M) and one (M × M) factor, one
(M × chunk) block. Work: 2·T·M·N flops (cross-products) + 2·M²·N (solves) + T·M² + M³/3 (once):
about 4·10¹³ at 7,879 frames × 138,639 neurons, M = 8,192. Pairs outside the kept entries score 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from neurocast._numbers import is_whole
from neurocast._progress import progress
from neurocast.errors import ConfigError
from neurocast.infer._activity import Activity, lagged_rows, standardise
from neurocast.infer._linalg import gram
from neurocast.infer._registry import InferenceMethod, check_positive


def _int_option(name: str, value, low: int) -> None:
    if not is_whole(value) or value < low:
        raise ConfigError(f"ridge-sparse: {name} must be an integer >= {low}, not {value!r}")


@dataclass(frozen=True)
class SparseRidge(InferenceMethod):
    """Lagged ridge regression restricted to the most active candidate neurons, chunked over
    targets, keeping the top_k coefficients per target; returns a scipy CSR (N, N) matrix.

    alpha: ridge penalty (relative to the mean variance); candidates: number of candidate
    presynaptic neurons (all neurons if fewer); top_k: entries kept per target; chunk: targets
    per block. Directed and signed.
    """

    alpha: float = 0.1
    candidates: int = 8192
    top_k: int = 64
    chunk: int = 4096

    name = "ridge-sparse"
    directed = True
    signed = True
    dense = False
    summary = "chunked lagged ridge on the most active candidates, top-k per target (any N)"

    def __post_init__(self):
        check_positive(self.name, alpha=self.alpha)
        _int_option("candidates", self.candidates, 1)
        _int_option("top_k", self.top_k, 1)
        _int_option("chunk", self.chunk, 1)

    def infer(self, activity: Activity) -> sp.csr_matrix:
        y = activity.traces
        t, n = y.shape
        change = np.zeros(n, dtype=np.float64)
        step = max(1, (1 << 24) // max(1, t))
        pairs = activity.lag_pairs(1)  # no change is measured across a gap
        for a in range(0, n, step):  # s.d. of the frame-to-frame change, in column blocks
            change[a:a + step] = np.diff(y[:, a:a + step], axis=0)[pairs].std(axis=0, dtype=np.float64)
        m = min(int(self.candidates), n)
        cand = np.sort(np.argsort(-change, kind="stable")[:m])
        past, _ = lagged_rows(standardise(y[:, cand]), activity, 1, self.name)
        g = gram(past)
        lam = self.alpha * float(np.trace(g, dtype=np.float64)) / m
        g[np.diag_indices(m)] += np.float32(max(lam, 1e-12))  # as ridge: constant candidates only
        factor = sla.cho_factor(g, lower=False, overwrite_a=True, check_finite=False)
        del g
        k = min(int(self.top_k), m)
        rows, cols, vals = [], [], []
        with progress(total=n, desc="ridge-sparse", unit="neuron") as bar:
            for a in range(0, n, int(self.chunk)):
                b = min(n, a + int(self.chunk))
                before, now = lagged_rows(standardise(y[:, a:b]), activity, 1, self.name)
                rho = np.einsum("ij,ij->j", before, now, dtype=np.float64) / before.shape[0]
                innov = now - before * rho.astype(np.float32)
                coef = sla.cho_solve(factor, gram(past, innov), check_finite=False).astype(np.float32)
                own = np.searchsorted(cand, np.arange(a, b))  # a target is not its own predictor
                is_cand = (own < m) & (cand[np.minimum(own, m - 1)] == np.arange(a, b))
                coef[own[is_cand], np.flatnonzero(is_cand)] = 0.0
                top = np.argpartition(-np.abs(coef), k - 1, axis=0)[:k] if k < m else \
                    np.broadcast_to(np.arange(m)[:, None], coef.shape)
                rows.append(cand[top].ravel())
                cols.append(np.broadcast_to(np.arange(a, b)[None, :], top.shape).ravel())
                vals.append(np.take_along_axis(coef, top, axis=0).ravel())
                bar.update(b - a)
        out = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                            shape=(n, n), dtype=np.float32)
        out.setdiag(0.0)
        out.eliminate_zeros()
        return out
