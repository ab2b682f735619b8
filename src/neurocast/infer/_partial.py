"""Partial correlation from a shrunk precision matrix (Ledoit–Wolf or the graphical lasso) (private)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocast.errors import ConfigError, ResourceError
from neurocast.infer._activity import Activity, standardise
from neurocast.infer._linalg import (
    check_dense_fits,
    gram,
    ledoit_wolf,
    partial_from_covariance,
    partial_from_precision,
)
from neurocast.infer._registry import InferenceMethod, check_positive

#: The graphical lasso (coordinate descent, O(N³) per sweep) is refused above this many neurons.
GLASSO_MAX_NEURONS = 1000


def partial_correlation(x: np.ndarray, *, estimator: str = "ledoit-wolf", alpha: float = 0.01) -> np.ndarray:
    """Partial correlation matrix of standardised activity x (time, neuron), float32 (N, N).

    estimator 'ledoit-wolf': precision = inverse of the Ledoit–Wolf shrunk covariance (fast,
    BLAS; any N that fits in memory). 'glasso': ``sklearn.covariance.graphical_lasso`` with
    penalty ``alpha`` (sparse precision; N ≤ GLASSO_MAX_NEURONS).
    Entry (i, j) = −P_ij / sqrt(P_ii P_jj): the correlation of i and j given all others.
    """
    n = x.shape[1]
    if estimator == "ledoit-wolf":
        cov, _ = ledoit_wolf(x, gram(x))
        return partial_from_covariance(cov)
    if estimator == "glasso":
        from sklearn.covariance import graphical_lasso  # heavy import: only for this estimator

        if n > GLASSO_MAX_NEURONS:
            raise ResourceError(f"the graphical lasso is too slow for {n:,} neurons "
                                f"(limit {GLASSO_MAX_NEURONS:,})",
                                "use estimator='ledoit-wolf' (method 'partial') instead")
        cov = gram(x).astype(np.float64)
        cov[np.diag_indices(n)] += 1e-3  # keeps the coordinate descent well conditioned
        _, prec = graphical_lasso(cov, alpha=alpha, max_iter=200, tol=1e-3)
        return partial_from_precision(((prec + prec.T) / 2).astype(np.float32))
    raise ConfigError(f"estimator must be 'ledoit-wolf' or 'glasso', not {estimator!r}")


@dataclass(frozen=True)
class PartialCorrelation(InferenceMethod):
    """Partial correlation of the traces: direct associations, indirect ones explained away.

    estimator: 'ledoit-wolf' (default) or 'glasso'; alpha: the graphical lasso's penalty.
    Symmetric (undirected), signed.
    """

    estimator: str = "ledoit-wolf"
    alpha: float = 0.01

    name = "partial"
    directed = False
    signed = True
    summary = "partial correlation (Ledoit–Wolf shrunk precision, or the graphical lasso)"

    def __post_init__(self):
        if self.estimator not in ("ledoit-wolf", "glasso"):
            raise ConfigError(f"partial: estimator must be 'ledoit-wolf' or 'glasso', not {self.estimator!r}")
        check_positive("partial", alpha=self.alpha)

    def infer(self, activity: Activity) -> np.ndarray:
        check_dense_fits(activity.n_neurons, self.name)
        return partial_correlation(standardise(activity.traces), estimator=self.estimator, alpha=self.alpha)
