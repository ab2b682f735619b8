"""torch module of ``connectome-rate``: a leaky rate network coupled along given edges (or a
dense low-rank matrix), a calcium read-out, and a state inferred from the context.

Shapes: x (B, C, N) → (B, H, N); future covariates u (B, H, K) or None. Per neuron i, per frame:

    r_t      = tanh(g_i · h_t)                                     rate, gain g_i > 0
    a_t      = s · Σ_{j→i} w_ij r_j,t  +  Σ_k b_ik u_k,t+1  +  θ_i  recurrent input (edges only)
    h_t+1    = h_t + α_i (a_t − h_t)                               leak, α_i = 1 / τ_i (frames)
    c_t+1    = c_t + β_i (r_t+1 − c_t)                             calcium, β_i = 1 / τ_ca,i
    y_t      = A_i c_t + μ_i                                       read-out (ΔF/F)

w: one learned weight per edge, initialised from the edge's signed strength divided by the mean
|strength| times the mean in-degree (so s · W starts with rows of unit absolute sum on
average); s: a learned scale (starts at 1). ``lowrank``: W = U Vᵀ (N × r each) instead of the
edges. α, β ∈ (0, 1) through a sigmoid, g through a softplus.

State inference (a learned filter over the context): c starts at (x_0 − μ)/A, h at 0; each
later context frame runs one step and then corrects c and h by learned per-neuron gains times
the innovation (x_t − y_t)/A. Held-out neurons (``observed`` 0) get no correction: their state
comes from their partners only. The forecast runs the network H steps from that state.
Memory per step: B × (N + E) floats (the messages of the E edges); up to ``DENSE_MAX``
neurons the edges are scattered into a dense N × N matrix once per pass instead (faster).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

__all__ = ["RateNet"]


#: Up to this many neurons the edge weights are scattered into a dense matrix once per forward
#: pass (N² floats: 16 MiB at 2,048); above it, messages are gathered along the edges per step.
DENSE_MAX = 2048


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


class RateNet(nn.Module):
    """Leaky rate network on edges (pre, post) with init ``w0`` or, if ``rank``, a dense U Vᵀ.

    pre, post: int64 (E,) neuron positions; w0: float32 (E,) signed initial weights; observed:
    float32 (N,) 1 for neurons whose context is seen, 0 for held-out ones; n_covariates: K.
    rank: 0 for the edge network; r ≥ 1 for the dense low-rank control (edges then unused).
    """

    def __init__(self, n_neurons: int, pre: np.ndarray, post: np.ndarray, w0: np.ndarray,
                 observed: np.ndarray, n_covariates: int, horizon: int, *, rank: int = 0,
                 tau_frames: float = 2.0, tau_calcium_frames: float = 1.5):
        super().__init__()
        n = n_neurons
        self.n, self.horizon, self.rank = n, horizon, rank
        self.register_buffer("pre", torch.as_tensor(pre, dtype=torch.long))
        self.register_buffer("post", torch.as_tensor(post, dtype=torch.long))
        self.register_buffer("observed", torch.as_tensor(observed, dtype=torch.float32))
        if rank:
            scale = 1.0 / math.sqrt(rank * n)
            self.u = nn.Parameter(torch.randn(n, rank) * math.sqrt(scale))
            self.v = nn.Parameter(torch.randn(n, rank) * math.sqrt(scale))
        else:
            self.w = nn.Parameter(torch.as_tensor(w0, dtype=torch.float32).clone())
        self.scale = nn.Parameter(torch.ones(()))
        self.theta = nn.Parameter(torch.zeros(n))
        self.gain_raw = nn.Parameter(torch.full((n,), math.log(math.e - 1.0)))  # softplus → 1
        self.alpha_raw = nn.Parameter(torch.full((n,), _logit(1.0 / tau_frames)))
        self.beta_raw = nn.Parameter(torch.full((n,), _logit(1.0 / tau_calcium_frames)))
        self.amp = nn.Parameter(torch.ones(n))
        self.mu = nn.Parameter(torch.zeros(n))
        self.kc_raw = nn.Parameter(torch.full((n,), _logit(0.9)))  # calcium correction gain
        self.kh = nn.Parameter(torch.full((n,), 0.5))                # state correction gain
        self.stim = nn.Linear(n_covariates, n, bias=False) if n_covariates else None
        if self.stim is not None:
            nn.init.zeros_(self.stim.weight)
        self.register_buffer("u_mean", torch.zeros(n_covariates))
        self.register_buffer("u_std", torch.ones(n_covariates))

    def set_readout(self, mean: np.ndarray, std: np.ndarray) -> None:
        """Start the read-out at the train mean (μ) and s.d. (A) of every neuron."""
        with torch.no_grad():
            self.mu.copy_(torch.as_tensor(mean, dtype=torch.float32))
            self.amp.copy_(torch.as_tensor(std, dtype=torch.float32))

    def set_covariate_scaling(self, mean: np.ndarray, std: np.ndarray) -> None:
        """Standardise the covariates with the train mean and s.d. (K,) before the input layer."""
        self.u_mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        self.u_std.copy_(torch.as_tensor(std, dtype=torch.float32))

    def _coupling(self):
        """What ``_recurrent`` multiplies by, built once per forward pass: s · Wᵀ as a dense
        (N, N) matrix when N ≤ DENSE_MAX (edges scattered into it: a matrix product per step is
        faster than gathering E messages), else None (messages gathered per step)."""
        if self.rank or self.n > DENSE_MAX:
            return None
        wt = torch.zeros(self.n, self.n, dtype=self.scale.dtype, device=self.scale.device)
        if self.pre.numel():
            wt = wt.index_put((self.pre, self.post), self.w, accumulate=True)
        return self.scale * wt

    def _recurrent(self, r, dense):
        """s · W r for rates r (B, N) → (B, N)."""
        if self.rank:
            return self.scale * ((r @ self.v) @ self.u.t())
        if dense is not None:
            return r @ dense
        out = torch.zeros_like(r)
        if self.pre.numel():
            out = out.index_add(1, self.post, r[:, self.pre] * self.w)
        return self.scale * out

    def forward(self, x, future=None):
        b, c, n = x.shape
        gain = nn.functional.softplus(self.gain_raw)
        alpha, beta = torch.sigmoid(self.alpha_raw), torch.sigmoid(self.beta_raw)
        kc = torch.sigmoid(self.kc_raw) * self.observed
        kh = self.kh * self.observed
        amp = self.amp.abs() + 1e-3
        dense = self._coupling()

        def step(h, cal, drive):
            a = self._recurrent(torch.tanh(gain * h), dense) + self.theta + drive
            h = h + alpha * (a - h)
            cal = cal + beta * (torch.tanh(gain * h) - cal)
            return h, cal

        zero = x.new_zeros(())
        h = x.new_zeros(b, n)
        cal = (x[:, 0] - self.mu) / amp * self.observed
        for t in range(1, c):
            h, cal = step(h, cal, zero)
            err = (x[:, t] - (amp * cal + self.mu)) / amp
            cal = cal + kc * err
            h = h + kh * err
        drive = self.stim((future - self.u_mean) / self.u_std) if self.stim is not None and future is not None else None
        out = []
        for k in range(self.horizon):
            h, cal = step(h, cal, zero if drive is None else drive[:, k])
            out.append(amp * cal + self.mu)
        return torch.stack(out, dim=1)
