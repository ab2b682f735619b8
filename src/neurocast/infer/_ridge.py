"""Lagged ridge regression (a ridge VAR(1), Granger style): direction and sign (private)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocast.infer._activity import Activity, lagged_rows, standardise
from neurocast.infer._linalg import check_dense_fits, gram, ridge_solve
from neurocast.infer._registry import InferenceMethod, check_positive


def lagged_ridge(x: np.ndarray, alpha: float, activity: Activity, method: str) -> np.ndarray:
    """Coefficients B of x(t) ≈ x(t−1)·B by ridge regression, float32 (N, N); diagonal set to 0.

    x: standardised (time, neuron), the frames of ``activity`` (only pairs of consecutive frames
    without a gap between them are regressed; ConfigError naming ``method`` if fewer than 2).
    B[i, j] is the effect of neuron i one frame earlier on
    neuron j now, given every neuron's previous frame (neuron j's own past included, so slow
    calcium decay is explained by the diagonal, not by the neighbours). The ridge penalty is
    alpha × mean(diag of x(t−1)ᵀx(t−1)/T). Cost: two Gram matrices (BLAS) and one Cholesky solve.
    """
    past, now = lagged_rows(x, activity, 1, method)
    g = gram(past)
    c = gram(past, now)
    b = ridge_solve(g, c, alpha)
    np.fill_diagonal(b, 0.0)
    return b


@dataclass(frozen=True)
class LaggedRidge(InferenceMethod):
    """Ridge VAR(1) on the traces: score(i→j) = coefficient of x_i(t−1) in the model of x_j(t).

    alpha: ridge penalty relative to the mean variance (default 0.1). Directed and signed.
    """

    alpha: float = 0.1

    name = "ridge"
    directed = True
    signed = True
    summary = "lagged ridge regression, VAR(1) coefficients (directed, signed)"

    def __post_init__(self):
        check_positive(self.name, alpha=self.alpha)

    def infer(self, activity: Activity) -> np.ndarray:
        check_dense_fits(activity.n_neurons, self.name)
        return lagged_ridge(standardise(activity.traces), self.alpha, activity, self.name)
