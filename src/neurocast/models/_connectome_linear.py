"""``connectome-linear``: a linear dynamical model coupled only along the connectome's edges.

For every neuron i, on activity centred by its train mean (z = x − μ), one step ahead:

    z_i[t+1] − z_i[t] = Σ_{k<C} a_ik z_i[t−k]  +  Σ_{j ∈ P(i)} w_ij z_j[t]  +  Σ_c b_ic ũ_c[t+1]  +  c_i

P(i): the presynaptic partners of i (chemical synapses j→i and gap-junction partners), at most
``max_partners`` of them, the strongest first (synapse count, or |weight| for a weighted
connectome); C: the context length (each neuron's own history); ũ: the stimulus covariates
centred by their train mean (the stimulus plan is known, so its future values are inputs).
Predicting the change keeps the ridge penalty shrinking towards persistence.

Fit, in closed form, row by row: each neuron is one ridge regression on its own features over
every train frame (the design is gathered from an in-memory (neuron, time) copy of the train
frames and its Gram matrix is one BLAS product per neuron, in numba). The penalty of a feature
is alpha × the mean feature energy of that neuron, divided for a partner by its relative
connection strength (``strength_prior``: strong synapses are shrunk less) and chosen per neuron
among ``alphas`` by the one-step mean squared error on the val frames.
Stability: a one-step fit row by row can still give a closed loop that grows when rolled out
(near-collinear partners in a dense module get large weights of opposite signs). After the fit,
the spectral radius of the rollout's one-step map is measured by power iteration; while it is
above 1.001, the neurons carrying the growing mode get the next larger alpha as their smallest
and are refitted, measuring the map restricted to them between raises (``stable``; every wiring
control gets the same rule, a stable fit is untouched).
Forecast: H steps rolled out autoregressively with a sparse (numba, parallel) update, the
partners gathered block by block of presynaptic neurons so that the rows read stay in cache.

The wiring can be replaced by a control (``wiring``: true, permuted, rewired, none; see
``neurocast.connectome.wiring_control``): same model, same fitting, another graph.
Memory: the train and val frames in float32 (N × T × 4 bytes), the partner lists (4 + 4 bytes
per kept connection) and the coefficients.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numba import njit, prange

from neurocast._progress import progress
from neurocast.connectome import WIRINGS, Connectome, wiring_control
from neurocast.data import DEFAULT_HORIZON, Segment, WindowMeta
from neurocast.errors import ConfigError, FormatError, NonFiniteError, unknown_name
from neurocast.models._base import Forecaster
from neurocast.models._scaling import TraceScale
from neurocast.models._wired import attach_connectome, checked_connectome

__all__ = ["ConnectomeLinearConfig", "ConnectomeLinearForecaster", "presynaptic_partners", "rollout_growth"]

#: Neurons fitted per numba call (between progress-bar updates).
_NEURON_BLOCK = 2048
#: Range of the strength prior's penalty factor (a partner's penalty is divided by its
#: strength relative to the neuron's mean partner strength, clipped to this range).
_PRIOR_CLIP = (0.1, 10.0)


@dataclass(frozen=True)
class ConnectomeLinearConfig:
    """Settings of ``connectome-linear``.

    wiring: 'true' (the connectome), 'permuted', 'rewired' or 'none' (controls, drawn with
      ``seed``). max_partners: presynaptic partners kept per neuron, strongest first (0: all).
    alphas: ridge penalties tried per neuron (relative to its mean feature energy).
    strength_prior: divide a partner's penalty by its relative connection strength.
    stable: after the fit, while the rollout's one-step map grows (spectral radius above
      1.001), raise the penalty of the neurons that carry the growing mode to the next alpha
      and refit them (False: leave the fit as the val one-step error chose it).
    """

    wiring: str = "true"
    seed: int = 0
    max_partners: int = 64
    alphas: tuple[float, ...] = field(default=(1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0))
    strength_prior: bool = True
    stable: bool = True

    def __post_init__(self):
        if self.wiring not in WIRINGS:
            raise unknown_name("wiring control", self.wiring, WIRINGS)
        if self.max_partners < 0:
            raise ConfigError(f"max_partners must be >= 0 (0 keeps all), not {self.max_partners}")
        if not self.alphas or any(not a > 0 for a in self.alphas):
            raise ConfigError(f"alphas must be positive and not empty, not {self.alphas}")


# ---------------------------------------------------------------------- partners
@njit(cache=True)
def _strongest(indptr, indices, strength, k):
    """Keep the k strongest entries of each CSR row (all if k == 0), sorted by column."""
    n = len(indptr) - 1
    keep = np.zeros(n + 1, np.int64)
    for i in range(n):
        d = indptr[i + 1] - indptr[i]
        keep[i + 1] = keep[i] + (d if k == 0 or d <= k else k)
    out_idx = np.empty(keep[n], np.int32)
    out_s = np.empty(keep[n], np.float32)
    for i in range(n):
        lo, hi = indptr[i], indptr[i + 1]
        m = keep[i + 1] - keep[i]
        if m == hi - lo:
            out_idx[keep[i]:keep[i + 1]] = indices[lo:hi]
            out_s[keep[i]:keep[i + 1]] = strength[lo:hi]
            continue
        order = np.argsort(-strength[lo:hi], kind="mergesort")[:m]
        order = np.sort(order)
        for q in range(m):
            out_idx[keep[i] + q] = indices[lo + order[q]]
            out_s[keep[i] + q] = strength[lo + order[q]]
    return keep, out_idx, out_s


def presynaptic_partners(connectome: Connectome, max_partners: int = 0):
    """Each neuron's presynaptic partners: chemical j→i and gap-junction partners, no self.

    Returns CSR by postsynaptic neuron: indptr int64 (N + 1,), partners int32 (K,) sorted
    within each row, strength float32 (K,) (synapse count or |weight|, plus gap-junction
    count); at most ``max_partners`` per neuron, the strongest (0: all).
    """
    # scipy is slow to import and needed only here
    import scipy.sparse as sp

    n = connectome.n_neurons
    chem = sp.csr_matrix((connectome.strength().astype(np.float64), connectome.indices,
                          connectome.indptr), shape=(n, n))
    gap = sp.csr_matrix((connectome.gap_count.astype(np.float64), connectome.gap_indices,
                         connectome.gap_indptr), shape=(n, n))
    by_post = (chem.T + gap).tocsr()  # row i: neurons j with j→i or a gap junction i–j
    by_post.setdiag(0)
    by_post.eliminate_zeros()
    by_post.sort_indices()
    return _strongest(by_post.indptr.astype(np.int64), by_post.indices.astype(np.int32),
                      by_post.data.astype(np.float32), int(max_partners))


# ---------------------------------------------------------------------- fitting kernels
#: Frames per block of the blocked dot products (rows of a block stay in cache).
_TIME_BLOCK = 512


@njit(cache=True, fastmath=True)
def _row_gram(xt, rows, shifts, starts, lens, c, g):
    """g[a, b] += Σ_t xt[rows[a], t − shifts[a]] · xt[rows[b], t − shifts[b]] over the valid
    frames t of every segment (t − C + 1 >= 0, t + 1 < len); upper triangle, then mirrored.
    Blocked over time; float32 products summed per block, blocks added in float64."""
    r = len(rows)
    for s in range(len(starts)):
        n_t = lens[s] - c
        if n_t <= 0:
            continue
        t0 = starts[s] + c - 1
        for b0 in range(0, n_t, _TIME_BLOCK):
            b1 = min(n_t, b0 + _TIME_BLOCK)
            for a in range(r):
                xa = xt[rows[a], t0 - shifts[a] + b0:t0 - shifts[a] + b1]
                for b in range(a, r):
                    xb = xt[rows[b], t0 - shifts[b] + b0:t0 - shifts[b] + b1]
                    acc = np.float32(0.0)
                    for t in range(b1 - b0):
                        acc += xa[t] * xb[t]
                    g[a, b] += acc
    for a in range(r):
        for b in range(a + 1, r):
            g[b, a] = g[a, b]


@njit(cache=True, fastmath=True)
def _stim_dots(xt, row, shift, stim, starts, lens, c, out):
    """out[u] += Σ_t xt[row, t − shift] · stim[u, t + 1] (u < covariates), out[-1] += Σ_t xt[row, t − shift]."""
    n_cov = stim.shape[0]
    for s in range(len(starts)):
        n_t = lens[s] - c
        if n_t <= 0:
            continue
        t0 = starts[s] + c - 1
        x = xt[row, t0 - shift:t0 - shift + n_t]
        for u in range(n_cov):
            su = stim[u, t0 + 1:t0 + 1 + n_t]
            acc = np.float32(0.0)
            for t in range(n_t):
                acc += x[t] * su[t]
            out[u] += acc
        acc = np.float32(0.0)
        for t in range(n_t):
            acc += x[t]
        out[n_cov] += acc


@njit(cache=True, parallel=True)
def _partner_stim_table(xt, stim, starts, lens, c):
    """(N, covariate + 1): every neuron's lag-0 products with the next frame's covariates, and its sum."""
    n = xt.shape[0]
    out = np.zeros((n, stim.shape[0] + 1))
    for j in prange(n):
        _stim_dots(xt, j, 0, stim, starts, lens, c, out[j])
    return out


@njit(cache=True)
def _features(xt, stim, starts, lens, c, n_own, i, partners, out):
    """Fill ``out`` (d, T') with neuron i's design rows and its target over every segment.

    Rows: own lags z_i[t−k] (k < n_own), partners z_j[t], stimulus ũ[t+1], 1, and the target:
    z_i[t+1] − z_i[t] (n_own > 0) or z_i[t+1] (n_own == 0, a held-out neuron's level);
    columns: every t with t−C+1 >= 0 and t+1 < len in each segment (segments never mixed).
    xt: (N, T) centred frames; stim: (covariate, T) centred covariates.
    """
    n_cov = stim.shape[0]
    p = len(partners)
    col = 0
    for s in range(len(starts)):
        t_n = lens[s] - c
        if t_n <= 0:
            continue
        lo = starts[s] + c - 1  # first t
        for k in range(n_own):
            out[k, col:col + t_n] = xt[i, lo - k:lo - k + t_n]
        for q in range(p):
            out[n_own + q, col:col + t_n] = xt[partners[q], lo:lo + t_n]
        for u in range(n_cov):
            out[n_own + p + u, col:col + t_n] = stim[u, lo + 1:lo + 1 + t_n]
        out[n_own + p + n_cov, col:col + t_n] = 1.0
        out[n_own + p + n_cov + 1, col:col + t_n] = xt[i, lo + 1:lo + 1 + t_n]
        if n_own > 0:
            out[n_own + p + n_cov + 1, col:col + t_n] -= xt[i, lo:lo + t_n]
        col += t_n


@njit(cache=True)
def _gram(i, xt, stim, starts, lens, c, n_own, partners, pstim, stim_gram):
    """Neuron i's Gram of [own lags (n_own), partners, stimulus, 1, lead z_i[t+1]] over the
    train frames (t valid for a context of C frames).

    pstim: (N, covariate + 1) from ``_partner_stim_table``; stim_gram: (covariate + 1,)² of
    [ũ[t+1], 1]. Returns (m + 1, m + 1) float64 with m = n_own + p + covariates + 1.
    """
    p = len(partners)
    n_cov = stim.shape[0]
    r = n_own + p + 1  # rows read from xt: own lags, partners, lead
    rows = np.empty(r, np.int64)
    shifts = np.empty(r, np.int64)
    for k in range(n_own):
        rows[k], shifts[k] = i, k
    for q in range(p):
        rows[n_own + q], shifts[n_own + q] = partners[q], 0
    rows[r - 1], shifts[r - 1] = i, -1
    g_rows = np.zeros((r, r))
    _row_gram(xt, rows, shifts, starts, lens, c, g_rows)
    m = n_own + p + n_cov + 1
    h = np.zeros((m + 1, m + 1))
    order = np.empty(r, np.int64)  # position of each xt row in h: own lags, partners, then lead last
    for a in range(r - 1):
        order[a] = a
    order[r - 1] = m
    for a in range(r):
        for b in range(r):
            h[order[a], order[b]] = g_rows[a, b]
    su = np.zeros(n_cov + 1)
    for a in range(r):
        if a < n_own or a == r - 1:
            su[:] = 0.0
            _stim_dots(xt, i, shifts[a], stim, starts, lens, c, su)
        else:
            su[:] = pstim[rows[a]]
        for u in range(n_cov + 1):
            h[order[a], n_own + p + u] = su[u]
            h[n_own + p + u, order[a]] = su[u]
    h[n_own + p:m, n_own + p:m] = stim_gram
    return h


@njit(cache=True, parallel=True)
def _fit_block(neurons, min_alpha, xt, stim, starts, lens, xv, stim_v, vstarts, vlens, c,
               indptr, partners, strength, alphas, prior, pstim, stim_gram, n_val, hidden,
               coef_own, coef_partner, coef_stim, bias, chosen, val_mse):
    """Ridge fits of the neurons ``neurons`` (int64) (see the module docstring); results written
    in place. Neuron i's penalty is chosen among alphas[min_alpha[i]:] (min_alpha int64 (N,)).

    A hidden (held-out) neuron has no own-history features and predicts its level z_i[t+1]."""
    n_cov = stim.shape[0]
    n_alpha = len(alphas)
    for r in prange(len(neurons)):
        i = neurons[r]
        lo, hi = indptr[i], indptr[i + 1]
        p = hi - lo
        n_own = 0 if hidden[i] else c
        m = n_own + p + n_cov + 1
        h = _gram(i, xt, stim, starts, lens, c, n_own, partners[lo:hi], pstim, stim_gram)
        xtx = h[:m, :m]
        xty = h[:m, m] - h[:m, 0] if n_own else h[:m, m].copy()  # change, or level if hidden
        k = m - 1  # penalised features: all but the constant
        scale = 0.0
        for q in range(k):
            scale += xtx[q, q]
        scale = max(scale / max(k, 1), 1e-12)
        factor = np.ones(k)
        if prior and p > 0:
            mean_s = strength[lo:hi].mean()
            for q in range(p):
                ratio = mean_s / max(strength[lo + q], 1e-12)
                factor[n_own + q] = min(max(ratio, _PRIOR_CLIP[0]), _PRIOR_CLIP[1])
        fv = np.empty((m + 1, n_val), np.float32)
        _features(xv, stim_v, vstarts, vlens, c, n_own, i, partners[lo:hi], fv)
        xv_design = fv[:m].astype(np.float64)
        yv = fv[m].astype(np.float64)
        best, best_mse = min_alpha[i], np.inf
        best_w = np.zeros(m)
        for a in range(min_alpha[i], n_alpha):
            lhs = xtx.copy()
            for q in range(k):
                lhs[q, q] += alphas[a] * scale * factor[q]
            w = np.linalg.solve(lhs, xty)
            resid = yv - w @ xv_design
            mse = (resid @ resid) / max(n_val, 1)
            if mse < best_mse:
                best, best_mse, best_w = a, mse, w
        for k in range(n_own):
            coef_own[i, k] = best_w[k]
        coef_partner[lo:hi] = best_w[n_own:n_own + p]
        coef_stim[i, :] = best_w[n_own + p:n_own + p + n_cov]
        bias[i] = best_w[m - 1]
        chosen[i] = best
        val_mse[i] = best_mse


@njit(cache=True)
def _stimulus_term(coef_stim, stim, t, i, out):
    """out[q] = Σ_u coef_stim[i, u] · stim[t, u, q]: neuron i's stimulus term at window frame t
    (stim: (C + H, covariate, B) centred covariates of each window's frames)."""
    out[:] = 0.0
    for u in range(stim.shape[1]):
        a = coef_stim[i, u]
        for q in range(stim.shape[2]):
            out[q] += a * stim[t, u, q]


@njit(cache=True)
def _fill_hidden(hist, hidden, indptr, partners, coef_partner, bias, coef_stim, stim):
    """Estimate hidden neurons' centred context frames in place: frame 0 at their mean (0),
    frame k from the partners at frame k − 1 (their level model). stim: (C + H, covariate, B)."""
    c, n, b = hist.shape
    term = np.empty(b, np.float32)
    for k in range(c):
        for i in range(n):
            if not hidden[i]:
                continue
            for q in range(b):
                hist[k, i, q] = 0.0
            if k == 0:
                continue
            _stimulus_term(coef_stim, stim, k, i, term)
            for q in range(b):
                hist[k, i, q] = bias[i] + term[q]
            for e in range(indptr[i], indptr[i + 1]):
                w = coef_partner[e]
                j = partners[e]
                for q in range(b):
                    hist[k, i, q] += w * hist[k - 1, j, q]


#: Bytes of the current frame's rows, (presynaptic neurons, windows) float32, read per block of
#: the rollout: a block stays in cache while every neuron gathers its partners from it. 2 MiB
#: was fastest at fly-zap size (16,384 neurons × 32 windows; benchmarks/README.md).
_ROLLOUT_BLOCK_BYTES = 1 << 21


@njit(cache=True)
def _block_offsets(indptr, partners, block):
    """Where each neuron's partner list enters each block of ``block`` presynaptic neurons.

    Returns int64 (n_blocks + 1, N): row i's partners e in off[k, i]:off[k + 1, i] are those
    taken with block k (its partners below (k + 1) × block, from off[k, i] on). The ranges
    follow each other, so every partner is taken once and in its list's order, sorted or not.
    """
    n = len(indptr) - 1
    nb = max(1, (n + block - 1) // block)
    off = np.empty((nb + 1, n), np.int64)
    for i in range(n):
        e, end = indptr[i], indptr[i + 1]
        for k in range(nb):
            off[k, i] = e
            lim = (k + 1) * block
            while e < end and partners[e] < lim:
                e += 1
        off[nb, i] = end
    return off


@njit(cache=True, parallel=True)
def _rollout(hist, indptr, partners, coef_partner, coef_own, bias, coef_stim, stim, mean, horizon, hidden,
             block_bytes):
    """Roll the model out: hist (C, N, B) centred context (oldest first; overwritten, it holds
    the last C frames as a ring); stim (C + H, covariate, B) centred covariates of the windows'
    frames; hidden (N,) bool: neurons predicted as a level from their partners; mean (N,): added
    to the forecasts. Returns (B, H, N) forecasts, the only large array allocated.

    Per step, each neuron's sum starts from its bias, stimulus term and own lags, then takes
    its partners block by block of presynaptic neurons (``block_bytes`` of the current frame
    per block, so the rows gathered stay in cache), each partner list in its order: the same
    float32 operations in the same order as a plain loop over the partners.
    """
    c, n, b = hist.shape
    off = _block_offsets(indptr, partners, max(1, block_bytes // (4 * b)))
    out = np.empty((b, horizon, n), np.float32)
    acc = np.empty((n, b), np.float32)
    for h in range(horizon):
        t = c + h  # frame t of the window goes to ring slot t % c
        cur = hist[(t - 1) % c]
        for i in prange(n):
            _stimulus_term(coef_stim, stim, t, i, acc[i])
            for q in range(b):
                acc[i, q] += bias[i]
            for k in range(c):
                a = coef_own[i, k]
                lag = hist[(t - 1 - k) % c, i]
                for q in range(b):
                    acc[i, q] += a * lag[q]
        for blk in range(off.shape[0] - 1):
            for i in prange(n):
                for e in range(off[blk, i], off[blk + 1, i]):
                    j = partners[e]
                    w = coef_partner[e]
                    for q in range(b):
                        acc[i, q] += w * cur[j, q]
        new = hist[t % c]  # the oldest frame's slot, no longer needed (for C = 1 it is cur)
        for i in prange(n):
            for q in range(b):
                v = acc[i, q] if hidden[i] else cur[i, q] + acc[i, q]
                new[i, q] = v
                out[q, h, i] = v + mean[i]
    return out


#: Steps of the power iteration that measures the rollout's growth; the rate is the geometric
#: mean over the last _POWER_TAIL of them.
_POWER_STEPS, _POWER_TAIL = 200, 100
#: A fit is stable when its rollout grows by at most this factor per step (1.001: +3 % over 32 steps).
_MAX_GROWTH = 1.001
#: Share of a growing mode's squared size carried by the neurons whose penalty is raised.
_MODE_MASS = 0.99
#: The stability rule stops when a mode's raises moved the radius by less than this (about the
#: resolution of the power iteration's reading when many modes lie near 1).
_MIN_PROGRESS = 5e-4


@njit(cache=True, parallel=True)
def _power_iteration(indptr, partners, coef_partner, coef_own, hidden, state, n_steps):
    """Apply the rollout's one-step map without bias and stimulus (z[t+1] = z[t] + own lags +
    partners; a hidden neuron: partners only) ``n_steps`` times to ``state`` (C, N) float64
    (state[k] = z[t − k]), normalising it after each step (in place). Returns the log of the
    growth of the state's norm per step, (n_steps,) float64."""
    c, n = state.shape
    logs = np.empty(n_steps)
    new = np.empty(n)
    for it in range(n_steps):
        for i in prange(n):
            acc = 0.0 if hidden[i] else state[0, i]
            for k in range(c):
                acc += coef_own[i, k] * state[k, i]
            for e in range(indptr[i], indptr[i + 1]):
                acc += coef_partner[e] * state[0, partners[e]]
            new[i] = acc
        for k in range(c - 1, 0, -1):
            state[k] = state[k - 1]
        state[0] = new
        norm = np.sqrt((state * state).sum())
        if norm == 0.0:  # the map is nilpotent on this start: nothing grows
            logs[it:] = -np.inf
            break
        state /= norm
        logs[it] = np.log(norm)
    return logs


def rollout_growth(indptr, partners, coef_partner, coef_own, hidden, seed: int = 0):
    """The spectral radius of ``connectome-linear``'s one-step map, by power iteration.

    The map takes the last C centred frames to the next (own lags, partners, and for a visible
    neuron its current value; bias and stimulus left out, as they do not decide growth). Its
    spectral radius is the factor by which the rollout's free dynamics grow (> 1) or decay per
    step. Returns (radius, mode): the geometric mean growth over the last steps of the power
    iteration from a random start, and each neuron's share of the resulting state's squared
    size, float64 (N,) (the neurons that carry the fastest-growing mode)."""
    n, c = coef_own.shape
    state = np.random.default_rng(seed).standard_normal((c, n))
    state /= np.linalg.norm(state)
    logs = _power_iteration(indptr, partners, coef_partner, coef_own, hidden, state, _POWER_STEPS)
    mass = (state * state).sum(axis=0)
    return float(np.exp(logs[-_POWER_TAIL:].mean())), mass / max(mass.sum(), 1e-300)


def _carriers(mode: np.ndarray) -> np.ndarray:
    """The fewest neurons holding ``_MODE_MASS`` of a mode's squared size, sorted, int64."""
    order = np.argsort(-mode)
    return np.sort(order[:int(np.searchsorted(np.cumsum(mode[order]), _MODE_MASS)) + 1]).astype(np.int64)


def _restricted_map(indptr, partners, coef_partner, coef_own, hidden, rows):
    """The one-step map restricted to ``rows`` (sorted int64): their own lags, and only the
    partners among them; in ``rollout_growth``'s argument order, rows renumbered 0..len−1."""
    pos = np.full(len(indptr) - 1, -1, np.int64)
    pos[rows] = np.arange(len(rows))
    lo, counts = indptr[rows], indptr[rows + 1] - indptr[rows]
    edges = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts - lo, counts)
    inside = pos[partners[edges]] >= 0
    owner = np.repeat(np.arange(len(rows)), counts)
    sub_indptr = np.zeros(len(rows) + 1, np.int64)
    np.cumsum(np.bincount(owner[inside], minlength=len(rows)), out=sub_indptr[1:])
    return (sub_indptr, pos[partners[edges[inside]]].astype(np.int32), coef_partner[edges[inside]],
            np.ascontiguousarray(coef_own[rows]), hidden[rows])


# ---------------------------------------------------------------------- the forecaster
def _stack(segments: Sequence[Segment], what: str, mean=None, stim_mean=None):
    """Frames of all segments as one centred (neuron, time) float32 array, their covariates
    (covariate, time), segment starts and lengths (int64), and the per-neuron / covariate means."""
    segments = [s for s in segments if s.n_frames > 0]
    if not segments:
        raise FormatError(f"connectome-linear got no {what} frames",
                          "check that the protocol has training conditions")
    n = segments[0].n_neurons
    lens = np.array([s.n_frames for s in segments], np.int64)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
    xt = np.empty((n, int(lens.sum())), np.float32)
    stims = [s.load_stimulus() for s in segments]
    n_cov = 0 if stims[0] is None else stims[0].shape[1]
    st = np.zeros((n_cov, xt.shape[1]), np.float32)
    for seg, s0, stim in zip(segments, starts, stims, strict=True):
        block = seg.load()
        if not np.isfinite(block).all():
            raise NonFiniteError(f"the {what} frames of condition {seg.condition!r} hold NaN or inf",
                                 "fill or drop them before fitting")
        xt[:, s0:s0 + seg.n_frames] = block.T
        if n_cov:
            st[:, s0:s0 + seg.n_frames] = stim.T
    if mean is None:
        mean = xt.mean(axis=1, dtype=np.float64).astype(np.float32)
        stim_mean = st.mean(axis=1, dtype=np.float64).astype(np.float32)
    xt -= mean[:, None]
    st -= stim_mean[:, None]
    return xt, st, starts, lens, mean, stim_mean


def _features_of_stimulus(st: np.ndarray, starts: np.ndarray, lens: np.ndarray, c: int) -> np.ndarray:
    """The shared design rows [ũ[t+1] per covariate, 1] over the valid frames, (covariate + 1, T')."""
    cols = [np.arange(s0 + c - 1, s0 + n - 1) for s0, n in zip(starts, lens, strict=True) if n > c]
    t = np.concatenate(cols)
    return np.vstack([st[:, t + 1], np.ones((1, len(t)), np.float32)])


def _hidden_mask(seg: Segment, n: int) -> np.ndarray:
    """The held-out neurons of a segment as bool (N,) (all False if it has none)."""
    hidden = getattr(seg, "hidden", None)
    if hidden is None:
        return np.zeros(n, bool)
    hidden = np.asarray(hidden, bool)
    if hidden.shape != (n,):
        raise FormatError(f"held-out neuron mask has shape {hidden.shape}, expected ({n},)")
    return hidden


class ConnectomeLinearForecaster(Forecaster):
    """Linear dynamics on the connectome's edges plus own history and stimulus (see module doc).

    connectome: the wiring of the recorded neurons, neuron k of the connectome being column k
    of the data (``fit`` checks the count). After ``fit``: ``partners`` (CSR by neuron),
    ``coef_partner`` (K,), ``coef_own`` (N, C), ``coef_stim`` (N, covariate), ``bias`` (N,),
    in the units of ``trace_scale`` (identity on ΔF/F; else each neuron standardised, and the
    forecasts mapped back).
    """

    name = "connectome-linear"
    description = "linear dynamics coupled along the connectome (ridge per neuron, penalty on val)"
    config_class = ConnectomeLinearConfig
    needs_connectome = True
    #: Each partner row gathered serves every window of the batch: at fly-zap size a forecast
    #: costs ~0.13 CPU-s per window in batches of 32, against ~0.3 in the bench's default 7
    #: (memory-bound; benchmarks/README.md).
    predict_batch = 32

    def __init__(self, horizon: int = DEFAULT_HORIZON, cfg: ConnectomeLinearConfig | None = None,
                 *, connectome: Connectome | None = None):
        super().__init__(horizon, cfg)
        attach_connectome(self, connectome)
        self.coef_own = None
        self.trace_scale = TraceScale()

    def fit(self, train: Sequence[Segment], val: Sequence[Segment]):
        """Ridge per neuron on its partners, own history and stimulus; penalty chosen on val."""
        checked_connectome(self)  # before the window checks: the more useful message
        train = [s for s in train if s.n_frames > s.context]
        val = [s for s in val if s.n_frames > s.context]
        if not train or not val:
            raise FormatError("connectome-linear got no train or val windows",
                              "use a shorter --context or longer conditions")
        c = train[0].context
        n = train[0].n_neurons
        scale = TraceScale.of(train)
        train, val = scale.segments(train), scale.segments(val)
        wiring = wiring_control(checked_connectome(self, n), self.cfg.wiring, seed=self.cfg.seed)
        indptr, partners, strength = presynaptic_partners(wiring, self.cfg.max_partners)
        xt, st, starts, lens, self.mean, self.stim_mean = _stack(train, "train")
        xv, sv, vstarts, vlens, _, _ = _stack(val, "val", self.mean, self.stim_mean)
        n_cov = st.shape[0]
        self.indptr, self.partners = indptr, partners
        self.coef_partner = np.zeros(len(partners), np.float32)
        self.coef_own = np.zeros((n, c), np.float32)
        self.coef_stim = np.zeros((n, n_cov), np.float32)
        self.bias = np.zeros(n, np.float32)
        chosen = np.zeros(n, np.int64)
        val_mse = np.zeros(n)
        self.hidden = _hidden_mask(train[0], n)
        alphas = np.asarray(self.cfg.alphas, np.float64)
        n_val = int((vlens - c).clip(0).sum())
        pstim = _partner_stim_table(xt, st, starts, lens, c)
        design = _features_of_stimulus(st, starts, lens, c)  # (covariate + 1, T'): ũ[t+1], 1
        stim_gram = design.astype(np.float64) @ design.T.astype(np.float64)
        min_alpha = np.zeros(n, np.int64)  # per neuron: the smallest alpha it may choose

        def fit_rows(rows):
            _fit_block(rows, min_alpha, xt, st, starts, lens, xv, sv, vstarts, vlens, c, indptr, partners,
                       strength, alphas, self.cfg.strength_prior, pstim, stim_gram, n_val,
                       self.hidden, self.coef_own, self.coef_partner, self.coef_stim, self.bias, chosen, val_mse)

        with progress(n, f"{self.name}: fit", "neuron") as bar:
            for lo in range(0, n, _NEURON_BLOCK):
                hi = min(n, lo + _NEURON_BLOCK)
                fit_rows(np.arange(lo, hi, dtype=np.int64))
                bar.update(hi - lo)
        growth = self._stabilise(fit_rows, chosen, min_alpha)
        self.trace_scale = scale
        counts = np.bincount(chosen, minlength=len(alphas))
        self.fitted = {"wiring": self.cfg.wiring, "n_partners": len(partners),
                       "n_connections": int(wiring.n_connections),
                       "val_mse_one_step": float(val_mse.mean()),
                       "n_heldout_neurons": int(self.hidden.sum()), **growth,
                       "alpha_counts": {str(a): int(k) for a, k in zip(self.cfg.alphas, counts, strict=True)},
                       "trace_map": scale.summary()}
        return self

    def _stabilise(self, fit_rows, chosen, min_alpha) -> dict:
        """Make the rollout stable, if ``cfg.stable``: while its one-step map's spectral radius
        (``rollout_growth``) is above ``_MAX_GROWTH``, the neurons carrying 99 % of the growing
        mode get the next larger alpha as their smallest (the val error still chooses among the
        rest) and are refitted. A fit that does not grow is left untouched.

        A growing mode sits on a small group of neurons (a dense module of the wiring), and it
        usually takes several raises to tame it. So the whole map is measured once per mode:
        the raises are repeated on the map restricted to that group (``_restricted_map``,
        cheap) until the group alone no longer grows, and only then is the whole map measured
        again, for the next mode. Stops when the neurons carrying a growing mode have no larger
        alpha left, or when raising them moved the radius by less than ``_MIN_PROGRESS`` (what
        is left then is many weakly growing modes spread over many neurons). Returns what
        ``fitted`` records: the radius before and after, the neurons whose penalty was raised,
        the raises (rounds) and the measurements of the whole map."""
        maps = (self.indptr, self.partners, self.coef_partner, self.coef_own, self.hidden)  # refitted in place
        radius, mode = rollout_growth(*maps)
        first, raised, rounds, checks = radius, np.zeros(len(chosen), bool), 0, 1
        top = len(self.cfg.alphas) - 1
        while self.cfg.stable and radius > _MAX_GROWTH:
            group = _carriers(mode)
            local, local_mode, before = radius, mode[group], rounds
            while local > _MAX_GROWTH:
                carriers = group[_carriers(local_mode)]
                rows = carriers[chosen[carriers] < top]
                if not rows.size:
                    break
                min_alpha[rows] = chosen[rows] + 1
                fit_rows(rows)
                raised[rows] = True
                rounds += 1
                local, local_mode = rollout_growth(*_restricted_map(*maps, group))
            if rounds == before:  # the mode's carriers are all at the largest alpha
                break
            previous, (radius, mode) = radius, rollout_growth(*maps)
            checks += 1
            if abs(previous - radius) < _MIN_PROGRESS:  # a plateau
                break
        return {"rollout_radius_unconstrained": first, "rollout_radius": radius,
                "n_penalty_raised": int(raised.sum()), "stability_rounds": rounds,
                "stability_checks": checks}

    def predict(self, context, meta: WindowMeta | None = None):
        """context (batch, C, neuron) float32 → (batch, H, neuron) float32.

        The stimulus covariates of the target frames come from ``meta.stimulus``; without them
        the covariates are taken at their train mean. Held-out neurons (``meta.hidden``, the
        same as the segments' at fit time) have their context ignored: it is estimated from
        their partners, and they are forecast as a level from their partners.
        """
        context = self._check_context(context)
        if self.coef_own is None:
            raise FormatError("connectome-linear must be fitted before predicting", "call fit(train, val) first")
        b, c, n = context.shape
        if c != self.coef_own.shape[1] or n != self.coef_own.shape[0]:
            raise FormatError(f"connectome-linear was fitted on (C, neuron) = {self.coef_own.shape[::-1]}, "
                              f"got context of shape {context.shape}")
        hidden = None if meta is None else meta.hidden
        if hidden is not None and not np.array_equal(np.asarray(hidden, bool), self.hidden):
            raise FormatError("the held-out neurons of these windows are not those the model was fitted for",
                              "fit on segments carrying the same held-out neurons (Segment.hidden)")
        context = self.trace_scale.context_to_model(context, meta)
        hist = np.ascontiguousarray((context - self.mean).transpose(1, 2, 0), dtype=np.float32)
        stim = None if meta is None else meta.stimulus
        if self.coef_stim.shape[1] and stim is not None:  # (C + H, covariate, B), centred
            stim = np.ascontiguousarray((stim[:, :c + self.horizon] - self.stim_mean).transpose(1, 2, 0),
                                        dtype=np.float32)
        else:  # covariates at their train mean: no stimulus term
            stim = np.zeros((c + self.horizon, 0, b), np.float32)
        if self.hidden.any():
            _fill_hidden(hist, self.hidden, self.indptr, self.partners, self.coef_partner, self.bias,
                         self.coef_stim, stim)
        return self.trace_scale.to_data(_rollout(
            hist, self.indptr, self.partners, self.coef_partner, self.coef_own, self.bias,
            self.coef_stim, stim, self.mean, self.horizon, self.hidden, _ROLLOUT_BLOCK_BYTES))

    def config(self) -> dict:
        cfg = super().config()
        cfg["alphas"] = list(cfg["alphas"])
        return cfg
