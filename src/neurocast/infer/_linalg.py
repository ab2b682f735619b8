"""Dense linear algebra shared by the methods: Gram matrices, Ledoit–Wolf shrinkage, solves (private).

Everything is float32 and goes through BLAS/LAPACK (numpy's matmul, scipy's Cholesky), with
in-place work where possible: an (N, N) float32 matrix is 4·N² bytes (400 MB at N = 10,000).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from neurocast._memory import available_memory_bytes
from neurocast.errors import ConfigError, ResourceError

__all__ = ["check_dense_fits", "cross_product", "gram", "ledoit_wolf", "partial_from_covariance",
           "partial_from_precision", "ridge_solve"]

#: Dense methods refuse when this many (N, N) float32 matrices would not fit in free memory.
DENSE_COPIES = 4


def check_dense_fits(n: int, method: str) -> None:
    """Raise ResourceError if ``DENSE_COPIES`` (N, N) float32 matrices exceed the free memory."""
    need = DENSE_COPIES * 4 * n * n
    free = available_memory_bytes()
    if need > free:
        raise ResourceError(
            f"method '{method}' on {n:,} neurons needs dense {n:,} × {n:,} matrices "
            f"(about {need / 1e9:.0f} GB), but {free / 1e9:.1f} GB are free",
            "use 'ridge-sparse' (chunked, restricted candidate sets; docs/inference.md), or infer "
            "on a subset of neurons (neurons=..., CLI --observed FRACTION)")


def gram(x: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """xᵀx / T (or xᵀy / T) for (time, neuron) float32 arrays: an (N, M) float32 matrix."""
    t = x.shape[0]
    out = x.T @ x if y is None else x.T @ y
    out *= np.float32(1.0 / t)
    return out


def cross_product(x: np.ndarray, lag: int) -> np.ndarray:
    """x[:-lag]ᵀ x[lag:] / (T − lag): lagged cross-covariance, row = earlier neuron. (N, N) float32."""
    if lag == 0:
        return gram(x)
    return gram(x[:-lag], x[lag:])


def ledoit_wolf(x: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, float]:
    """Shrink ``cov`` (= xᵀx / T of the centred x) in place to the Ledoit–Wolf estimate.

    x: (time, neuron) centred float32; cov: (N, N) float32, overwritten with
    (1 − s)·cov + s·μ·I, μ = trace(cov)/N, s the Ledoit–Wolf (2004) shrinkage: the same formula
    as ``sklearn.covariance.ledoit_wolf(x, assume_centered=True)``, but computed from
    cov and the per-frame squared norms (O(T·N + N²) extra work, no second Gram matrix).
    Returns (cov, s).
    """
    t, n = x.shape
    row_sq = np.einsum("ij,ij->i", x, x, dtype=np.float64)          # ||x_t||², (time,)
    trace = float(np.trace(cov, dtype=np.float64))
    mu = trace / n
    frob = float(np.einsum("ij,ij->", cov, cov, dtype=np.float64))  # ||cov||_F²
    beta = (float(np.sum(row_sq ** 2)) / t - frob) / (n * t)
    delta = (frob - 2.0 * mu * trace + n * mu * mu) / n
    beta = min(beta, delta)
    s = 0.0 if beta <= 0 or delta <= 0 else beta / delta
    cov *= np.float32(1.0 - s)
    cov[np.diag_indices(n)] += np.float32(s * mu)
    return cov, s


def _cholesky_inverse(a: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric positive definite float32 matrix, in place (LAPACK potrf/potri)."""
    c, info = sla.lapack.spotrf(a, lower=False, overwrite_a=True, clean=False)
    if info != 0:
        raise ConfigError("the regularised covariance is not positive definite",
                          "raise the shrinkage/ridge parameter, or drop constant neurons")
    inv, info = sla.lapack.spotri(c, lower=False, overwrite_c=True)
    if info != 0:
        raise ConfigError("the regularised covariance could not be inverted")
    iu = np.triu_indices_from(inv, 1) if inv.shape[0] <= 2048 else None
    if iu is not None:
        inv[(iu[1], iu[0])] = inv[iu]
    else:  # symmetrise in row blocks: no (N², ) index arrays
        n = inv.shape[0]
        for a0 in range(0, n, 1024):
            blk = inv[a0:a0 + 1024]
            rows = np.arange(a0, min(n, a0 + 1024))
            mask = np.arange(n)[None, :] < rows[:, None]
            blk[mask] = inv[:, a0:a0 + 1024].T[mask]
    return inv


def partial_from_precision(p: np.ndarray) -> np.ndarray:
    """−P_ij / sqrt(P_ii P_jj) of a symmetric precision P (N, N) float32, in place; diagonal 0.

    Each entry is divided by the one product sqrt(P_ii)·sqrt(P_jj), so the result is exactly
    symmetric (dividing by the two factors in turn rounds (i, j) and (j, i) differently, which
    would break the ties of an undirected method's i→j and j→i scores at random).
    """
    d = np.sqrt(np.diag(p)).astype(np.float32)
    for a in range(0, p.shape[0], 1024):  # row blocks: no second (N, N) matrix
        p[a:a + 1024] /= d[a:a + 1024, None] * d[None, :]
    np.negative(p, out=p)
    np.fill_diagonal(p, 0.0)
    return p


def partial_from_covariance(cov: np.ndarray) -> np.ndarray:
    """Partial correlations −P_ij / sqrt(P_ii P_jj) of P = cov⁻¹, in place; diagonal 0. (N, N) float32."""
    return partial_from_precision(_cholesky_inverse(cov))


def ridge_solve(g: np.ndarray, c: np.ndarray, alpha: float) -> np.ndarray:
    """(g + α·mean(diag g)·I)⁻¹ c for a symmetric PSD g (N, N) and c (N, M), float32, in place."""
    n = g.shape[0]
    lam = float(alpha) * float(np.trace(g, dtype=np.float64)) / n
    g[np.diag_indices(n)] += np.float32(max(lam, 1e-12))
    factor = sla.cho_factor(g, lower=False, overwrite_a=True, check_finite=False)
    return sla.cho_solve(factor, c, overwrite_b=True, check_finite=False).astype(np.float32, copy=False)
