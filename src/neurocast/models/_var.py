"""Low-rank vector autoregression: neurons predict each other through r shared components.

Fit: neuron means μ and the top-r principal directions U (neuron, r) of the train frames
(randomised SVD, explicit seed); latent trajectories z = (x − μ) U. A ridge regression maps the
flattened latent context z[t−C..t) (C·r values, plus 1) to the latent changes
z[t+h] − z_ref for h = 1..H; the penalty is chosen on val in closed form. The regression runs on
z divided by a power of two near the traces' largest magnitude, so traces of any size (even
~1e22) fit without overflow, to the same weights.
Forecast: x̂[t+h] = x_ref + (ẑ[t+h] − z_ref) Uᵀ, where the anchor x_ref is the context mean
(``anchor="mean"``, default) or the last context frame (``anchor="last"``) and z_ref its
projection: the anchor outside the subspace, learned dynamics inside it. With zero weights it
reduces to the mean (or naive) baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from neurocast._progress import progress
from neurocast.data import DEFAULT_HORIZON, Segment
from neurocast.errors import ConfigError, FormatError, NonFiniteError
from neurocast.models._base import Forecaster
from neurocast.models._linear import _DEFAULT_ALPHAS, quadratic_mse, ridge_path

__all__ = ["VarConfig", "VarForecaster"]


@dataclass(frozen=True)
class VarConfig:
    """Low-rank VAR settings.

    rank: number of shared components r (capped by neurons and train frames).
    anchor: "mean" (context mean) or "last" (last context frame), what the forecast moves from.
    alphas: ridge penalties tried (relative to mean feature energy), chosen on val.
    oversample, power_iterations: randomised SVD accuracy knobs. seed: its random projection.
    """

    rank: int = 16
    anchor: str = "mean"
    alphas: tuple[float, ...] = field(default=_DEFAULT_ALPHAS)
    oversample: int = 10
    power_iterations: int = 2
    seed: int = 0

    def __post_init__(self):
        if self.rank < 1:
            raise ConfigError(f"rank must be at least 1, not {self.rank}")
        if not self.alphas or any(a < 0 for a in self.alphas):
            raise ConfigError(f"alphas must be non-negative and not empty, not {self.alphas}")
        if self.anchor not in ("mean", "last"):
            raise ConfigError(f"anchor must be 'mean' or 'last', not {self.anchor!r}")
        if self.oversample < 0 or self.power_iterations < 0:
            raise ConfigError("oversample and power_iterations must be >= 0")


def _top_components(x: np.ndarray, rank: int, cfg: VarConfig) -> np.ndarray:
    """Top ``rank`` right singular vectors of x (time, neuron), shape (neuron, rank), float64."""
    t, n = x.shape
    k = min(rank + cfg.oversample, n, t)
    if n <= 2048 or k >= min(n, t):
        _, _, vt = np.linalg.svd(x, full_matrices=False)
        return vt[:rank].T.copy()
    rng = np.random.default_rng(cfg.seed)
    y = x @ rng.standard_normal((n, k)).astype(np.float32)  # (t, k)
    for _ in range(cfg.power_iterations):
        q, _ = np.linalg.qr(y)
        y = x @ (x.T @ q)
    q, _ = np.linalg.qr(y)
    _, _, vt = np.linalg.svd(q.T @ x, full_matrices=False)  # (k, n)
    return vt[:rank].T.astype(np.float64)


def _power_of_two_scale(x: np.ndarray) -> float:
    """The power of two at or above the largest magnitude in ``x`` (1 for all zeros): dividing
    the latent values by it keeps their squares and products finite (traces of ~1e22 would
    overflow float32) and, being a power of two, changes no digit of the fit."""
    peak = max(float(x.max()), -float(x.min())) if x.size else 0.0  # no copy of x
    return float(np.ldexp(1.0, np.frexp(peak)[1])) if peak > 0 else 1.0


def _anchor(z: np.ndarray, anchor: str) -> np.ndarray:
    """The reference of a context batch (b, C, ·): its mean or last frame, shape (b, 1, ·)."""
    return z.mean(axis=1, keepdims=True) if anchor == "mean" else z[:, -1:]


def _latent_windows(z: np.ndarray, c: int, h: int, anchor: str):
    """Design (W, C·r + 1) and target (W, H·r) of latent changes from the anchor, from z (time, r)."""
    win = np.lib.stride_tricks.sliding_window_view(z, c + h, axis=0).transpose(0, 2, 1)  # (W, L, r)
    w = win.shape[0]
    feats = np.concatenate([win[:, :c].reshape(w, -1), np.ones((w, 1))], axis=1)
    target = (win[:, c:] - _anchor(win[:, :c], anchor)).reshape(w, -1)
    return feats, target


class VarForecaster(Forecaster):
    """Low-rank multivariate linear model (see module docstring). Loads train frames in memory."""

    name = "var"
    description = "low-rank VAR: PCA to rank r, ridge on latent dynamics, persistence outside"

    config_class = VarConfig

    def __init__(self, horizon: int = DEFAULT_HORIZON, cfg: VarConfig | None = None):
        super().__init__(horizon, cfg)
        self.mean: np.ndarray | None = None
        self.components: np.ndarray | None = None
        self.weights: np.ndarray | None = None

    def _sums(self, segments: Sequence[Segment], bar, scale: float):
        """Normal-equation sums of the latent windows, the latent values divided by ``scale``."""
        c, h = segments[0].context, self.horizon
        xtx = xty = None
        yty, n = 0.0, 0
        for seg in segments:
            if seg.n_windows <= 0:
                continue
            z = ((seg.load() - self.mean) @ self.components) / np.float32(scale)
            feats, target = _latent_windows(z, c, h, self.cfg.anchor)
            if xtx is None:
                xtx, xty = feats.T @ feats, feats.T @ target
            else:
                xtx += feats.T @ feats
                xty += feats.T @ target
            yty += float(np.sum(target * target))
            n += target.size
            bar.update(1)
        if xtx is None:
            raise FormatError("the var model got no windows", "use a shorter --context or --horizon")
        return xtx, xty, yty, n

    def fit(self, train, val):
        train = [s for s in train if s.n_frames > 0]
        if not train:
            raise FormatError("the var model got no train frames")
        with progress(len(train) * 2 + len(val) + 1, "var: fit", "segment") as bar:
            x = np.empty((sum(s.n_frames for s in train), train[0].n_neurons), dtype=np.float32)
            row = 0
            for seg in train:  # fill one preallocated block: no second copy of the train frames
                x[row:row + seg.n_frames] = seg.load()
                row += seg.n_frames
                bar.update(1)
            if not np.isfinite(x).all():
                raise NonFiniteError("the train frames hold NaN or inf", "fill or drop them before fitting")
            self.mean = x.mean(axis=0, dtype=np.float64).astype(np.float32)
            x -= self.mean
            rank = int(min(self.cfg.rank, x.shape[0] - 1, x.shape[1]))
            self.components = _top_components(x, rank, self.cfg).astype(np.float32)
            scale = _power_of_two_scale(x)
            del x
            bar.update(1)
            xtx, xty, _, _ = self._sums(train, bar, scale)
            weights = ridge_path(xtx, xty, self.cfg.alphas)
            vxtx, vxty, vyty, vn = self._sums(val, bar, scale)
        # back to the traces' units: the ridge penalty follows the features' scale, so only the
        # intercept and the squared errors change
        mses = [quadratic_mse(w, vxtx, vxty, vyty, vn) * scale ** 2 for w in weights]
        best = int(np.argmin(mses))
        weights[best][-1] *= scale
        self.weights = weights[best].astype(np.float32)
        self.fitted = {"alpha": self.cfg.alphas[best], "rank": rank, "val_latent_mse": mses[best],
                       "val_latent_mse_by_alpha": dict(zip(map(str, self.cfg.alphas), mses, strict=True))}
        return self

    def predict(self, context, meta=None):
        """context (batch, C, neuron) → (batch, H, neuron) float32."""
        context = self._check_context(context)
        if self.weights is None:
            raise FormatError("the var model must be fitted before predicting", "call fit(train, val) first")
        b, c, _ = context.shape
        r = self.components.shape[1]
        if self.weights.shape[0] != c * r + 1:
            raise FormatError(f"the var model was fitted on a context of {(self.weights.shape[0] - 1) // r} "
                              f"frames, got {c}")
        z = (context - self.mean) @ self.components  # (b, C, r)
        feats = np.concatenate([z.reshape(b, -1), np.ones((b, 1), np.float32)], axis=1)
        dz = (feats @ self.weights).reshape(b, self.horizon, r)
        return _anchor(context, self.cfg.anchor) + dz @ self.components.T
