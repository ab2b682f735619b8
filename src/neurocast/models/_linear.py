"""Linear forecasters fitted in closed form: channel-independent ridge and low-rank VAR.

``linear``: one set of weights shared by every neuron (channel independent, as in ZAPBench's
linear baseline): x[t + h] = sum_k w[h, k] x[t - C + k] + b[h]; with ``normalize="last"`` (the
ZAPBench's Nlinear) the last context frame is subtracted from inputs and targets
first, which constrains each step's weights to sum to 1 (shift-equivariant) and makes the
penalty shrink towards persistence; ``"none"`` fits the unconstrained model (which can revert
to a mean); ``"auto"`` (default) picks whichever has the lower val MSE. Its normal equations are sums
over (window, neuron) pairs of products of frames at fixed lags, accumulated in one numba pass
per segment and neuron chunk, so fitting streams over 71,721 neurons without building a
design matrix. The ridge penalty is chosen on val in closed form from the val sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from neurocast._progress import progress
from neurocast.data import DEFAULT_HORIZON, Segment
from neurocast.errors import ConfigError, FormatError, NonFiniteError
from neurocast.models._base import Forecaster
from neurocast.models._scaling import TraceScale

__all__ = ["LinearConfig", "LinearForecaster", "lagged_moments", "ridge_path"]

_DEFAULT_ALPHAS = (1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)


@njit(cache=True, nogil=True)
def _lag_products(a, n_lags, r, s):
    """r[t, d] += sum_n a[t, n] * a[t + d, n] (t + d < T);  s[t] += sum_n a[t, n]. a: (T, N) float32."""
    t_len, n_n = a.shape
    for t in range(t_len):
        acc = 0.0
        for n in range(n_n):
            acc += a[t, n]
        s[t] += acc
        for d in range(min(n_lags, t_len - t)):
            acc = 0.0
            for n in range(n_n):
                acc += np.float64(a[t, n]) * np.float64(a[t + d, n])
            r[t, d] += acc


def lagged_moments(seg: Segment, *, chunk_neurons: int = 8192, bar=None):
    """Sufficient statistics of all stride-1 windows of a segment, streamed over neuron chunks.

    With L = C + H and window i covering frames i..i+L-1 of the segment:
      M[a, b] = sum over windows i and neurons n of x[i + a, n] x[i + b, n]   (L, L)
      m[a]    = sum over windows and neurons of x[i + a, n]                   (L,)
      count   = n_windows * n_neurons
    Raises NonFiniteError if the segment holds NaN or inf.
    """
    big_l = seg.context + seg.horizon
    w = seg.n_windows
    r = np.zeros((seg.n_frames, big_l))
    s = np.zeros(seg.n_frames)
    n_n = seg.n_neurons
    for lo in range(0, n_n, chunk_neurons):
        block = seg.load(slice(lo, min(n_n, lo + chunk_neurons)))
        _lag_products(block, big_l, r, s)
        if bar is not None:
            bar.update(block.shape[1])
    if not (np.isfinite(r).all() and np.isfinite(s).all()):
        raise NonFiniteError(f"the {seg.split} frames of condition {seg.condition!r} hold NaN or inf",
                             "fill or drop them before fitting")
    # M[a, b] = sum_{i < W} r[i + a, b - a]: differences of cumulative sums along time.
    cr = np.vstack([np.zeros((1, big_l)), np.cumsum(r, axis=0)])
    cs = np.concatenate([[0.0], np.cumsum(s)])
    a_idx, b_idx = np.triu_indices(big_l)
    d = b_idx - a_idx
    upper = cr[a_idx + w, d] - cr[a_idx, d]
    m_mat = np.zeros((big_l, big_l))
    m_mat[a_idx, b_idx] = upper
    m_mat[b_idx, a_idx] = upper
    lags = np.arange(big_l)
    m_vec = cs[lags + w] - cs[lags]
    return m_mat, m_vec, float(w) * n_n


def _last_frame_transform(big_l: int, c: int) -> np.ndarray:
    """T (L, L) with (T z)[a] = z[a] − z[C−1] for every a ≠ C−1 and (T z)[C−1] = z[C−1]."""
    t = np.eye(big_l)
    rows = np.arange(big_l) != c - 1
    t[rows, c - 1] -= 1.0
    return t


def _blocks(m_mat, m_vec, count, c, normalize: str = "none"):
    """Gram blocks of the design [x_0..x_{C-1}, 1] and targets [x_C..x_{L-1}].

    normalize="last": inputs and targets minus the last context frame (the last input is then
    identically 0 and kept only as the anchor; its weight is zero).
    """
    if normalize == "last":
        t = _last_frame_transform(m_mat.shape[0], c)
        m_mat, m_vec = t @ m_mat @ t.T, t @ m_vec
        keep = np.arange(m_mat.shape[0]) != c - 1
        m_mat, m_vec = m_mat[np.ix_(keep, keep)], m_vec[keep]
        c -= 1
    xtx = np.empty((c + 1, c + 1))
    xtx[:c, :c] = m_mat[:c, :c]
    xtx[:c, c] = xtx[c, :c] = m_vec[:c]
    xtx[c, c] = count
    xty = np.vstack([m_mat[:c, c:], m_vec[None, c:]])
    yty = np.trace(m_mat[c:, c:])
    return xtx, xty, yty


def ridge_path(xtx, xty, alphas, n_unpenalised: int = 1):
    """Ridge solutions for each alpha; the last ``n_unpenalised`` features are not penalised.

    xtx: (p, p), xty: (p, q). Penalty alpha * mean diagonal of the penalised block.
    Returns a list of (p, q) weight matrices.
    """
    p = xtx.shape[0]
    k = p - n_unpenalised
    scale = np.trace(xtx[:k, :k]) / max(k, 1)
    out = []
    for alpha in alphas:
        pen = np.zeros(p)
        pen[:k] = alpha * scale
        try:
            out.append(np.linalg.solve(xtx + np.diag(pen), xty))
        except np.linalg.LinAlgError:
            out.append(np.linalg.lstsq(xtx + np.diag(pen), xty, rcond=None)[0])
    return out


def quadratic_mse(w, xtx, xty, yty, n):
    """Mean squared error of predictions X w from the sums: (tr YtY - 2 tr WᵀXtY + tr WᵀXtXW) / n."""
    return float((yty - 2.0 * np.sum(w * xty) + np.sum(w * (xtx @ w))) / n)


@dataclass(frozen=True)
class LinearConfig:
    """Channel-independent linear model settings.

    alphas: ridge penalties tried (relative to the mean feature energy); the one with the
    lowest val MSE is kept. chunk_neurons: neurons read at a time while fitting.
    normalize: "last" (subtract the last context frame from inputs and targets, ZAPBench's
    Nlinear: weights of each step sum to 1, the penalty shrinks towards persistence), "none"
    (unconstrained, shrinks towards a constant) or "auto" (both; the lower val MSE wins).
    """

    alphas: tuple[float, ...] = field(default=_DEFAULT_ALPHAS)
    chunk_neurons: int = 8192
    normalize: str = "auto"

    def __post_init__(self):
        if self.normalize not in ("auto", "last", "none"):
            raise ConfigError(f"normalize must be 'auto', 'last' or 'none', not {self.normalize!r}")
        if not self.alphas or any(a < 0 for a in self.alphas):
            raise ConfigError(f"alphas must be non-negative and not empty, not {self.alphas}")
        if self.chunk_neurons < 1:
            raise ConfigError(f"chunk_neurons must be positive, not {self.chunk_neurons}")


class LinearForecaster(Forecaster):
    """Channel-independent linear forecaster (weights shared by all neurons), ridge in closed form.

    After ``fit``: ``weights`` (C, H) and ``bias`` (H,); forecast
    pred[b, h, n] = sum_k weights[k, h] context[b, k, n] + bias[h], in the units of
    ``trace_scale`` (identity on ΔF/F; else each neuron standardised, and mapped back).
    """

    name = "linear"
    description = "channel-independent linear model over the context (ridge, penalty on val)"

    config_class = LinearConfig

    def __init__(self, horizon: int = DEFAULT_HORIZON, cfg: LinearConfig | None = None):
        super().__init__(horizon, cfg)
        self.weights: np.ndarray | None = None
        self.bias: np.ndarray | None = None
        self.trace_scale = TraceScale()

    def _moments(self, segments: Sequence[Segment], what: str):
        segments = [s for s in segments if s.n_windows > 0]
        if not segments:
            raise FormatError(f"the linear model got no {what} windows",
                              "use a shorter --context/--horizon or longer conditions")
        total = sum(s.n_neurons for s in segments)
        with progress(total, f"linear: {what} moments", "neuron") as bar:
            acc = None
            for seg in segments:
                mm, mv, cnt = lagged_moments(seg, chunk_neurons=self.cfg.chunk_neurons, bar=bar)
                acc = (mm, mv, cnt) if acc is None else (acc[0] + mm, acc[1] + mv, acc[2] + cnt)
        return acc

    def fit(self, train, val):
        """Ridge on the train moments for every alpha (and normalisation); keep the lowest val MSE.

        Traces far from ΔF/F's scale are fitted through their ``TraceScale`` (kept as
        ``trace_scale``; weights, bias and val MSE are then in its units, and ``predict`` maps).
        """
        c = train[0].context
        scale = TraceScale.of(train)
        train, val = scale.segments(train), scale.segments(val)
        train_m = self._moments(train, "train")
        val_m = self._moments(val, "val")
        norms = ("none", "last") if self.cfg.normalize == "auto" else (self.cfg.normalize,)
        candidates = []  # (val_mse, norm, alpha, raw weights (C + 1, H))
        for norm in norms:
            xtx, xty, _ = _blocks(*train_m, c, norm)
            vxtx, vxty, vyty = _blocks(*val_m, c, norm)
            for alpha, w in zip(self.cfg.alphas, ridge_path(xtx, xty, self.cfg.alphas), strict=True):
                # errors are the same in the normalised and the raw parametrisation
                mse = quadratic_mse(w, vxtx, vxty, vyty, val_m[2] * self.horizon)
                if norm == "last":  # y − last = Σ w'_k (x_k − last) + b ⇒ the last frame gets 1 − Σ w'
                    w = np.vstack([w[:c - 1], 1.0 - w[:c - 1].sum(axis=0, keepdims=True), w[c - 1:]])
                candidates.append((mse, norm, alpha, w))
        mse, norm, alpha, w = min(candidates, key=lambda t: t[0])
        self.weights = w[:c].astype(np.float32)
        self.bias = w[c].astype(np.float32)
        self.trace_scale = scale
        self.fitted = {"alpha": alpha, "normalize": norm, "val_mse": mse,
                       "val_mse_by_alpha": {f"{n}:{a}": m for m, n, a, _ in candidates},
                       "trace_map": scale.summary()}
        return self

    def predict(self, context, meta=None):
        """context (batch, C, neuron) → (batch, H, neuron) float32.

        Any number of neurons if the traces were used as they are (``trace_scale`` identity),
        else the neurons fitted on. Raises FormatError before fitting or on another shape.
        """
        context = self._check_context(context)
        if self.weights is None:
            raise FormatError("the linear model must be fitted before predicting", "call fit(train, val) first")
        if context.shape[1] != self.weights.shape[0]:
            raise FormatError(f"the linear model was fitted on a context of {self.weights.shape[0]} frames, "
                              f"got {context.shape[1]}")
        if not self.trace_scale.identity and context.shape[2] != self.trace_scale.offset.size:
            raise FormatError(f"the linear model was fitted through a per-neuron map of "
                              f"{self.trace_scale.offset.size} neurons, got {context.shape[2]}",
                              "forecast the neurons it was fitted on, or fit it on these")
        context = self.trace_scale.context_to_model(context, meta)
        out = np.einsum("bkn,kh->bhn", context, self.weights, optimize=True)
        out += self.bias[None, :, None]
        return self.trace_scale.to_data(out)
