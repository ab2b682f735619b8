"""torch module of TiDE (Das et al. 2023) as ZAPBench configures it, channel independent.

Per neuron: the context (C frames) and the projected future stimulus covariates of the H target
frames are encoded by a residual MLP, decoded into H × ``decoder_dim`` features, and a temporal
decoder maps each step's features plus that step's projected covariates to one value; a
residual Dense(C → H) of the context is added. Past and static covariates are not used
(ZAPBench ablates them). The covariates are the same for every neuron, so every part that
depends on them alone is computed once per window and broadcast over neurons (identical to
ZAPBench's tiling, N times cheaper).
"""

from __future__ import annotations

import torch
from torch import nn

from neurocast.models.deep._net_mixer import lecun_normal_

__all__ = ["TideNet"]


def _dense(n_in: int, n_out: int) -> nn.Linear:
    lin = nn.Linear(n_in, n_out)
    lecun_normal_(lin.weight, n_in)
    nn.init.zeros_(lin.bias)
    return lin


class _Residual(nn.Module):
    """TiDE's residual MLP: Dense(hidden) → ReLU → Dense(out), plus Dense(out) of the input.

    The input may come in two parts, ``own`` (per neuron) and ``shared`` (per window, broadcast
    over neurons): Dense(concat(own, shared)) is computed as Dense_own(own) + Dense_shared(shared).
    """

    def __init__(self, n_own: int, n_shared: int, hidden: int, n_out: int):
        super().__init__()
        n_in = n_own + n_shared
        self.hidden_own, self.skip_own = nn.Linear(n_own, hidden), nn.Linear(n_own, n_out)
        for lin in (self.hidden_own, self.skip_own):
            lecun_normal_(lin.weight, n_in)
            nn.init.zeros_(lin.bias)
        self.hidden_shared = self.skip_shared = None
        if n_shared:
            self.hidden_shared = nn.Linear(n_shared, hidden, bias=False)
            self.skip_shared = nn.Linear(n_shared, n_out, bias=False)
            lecun_normal_(self.hidden_shared.weight, n_in)
            lecun_normal_(self.skip_shared.weight, n_in)
        self.out = _dense(hidden, n_out)

    def forward(self, own, shared=None):
        h, skip = self.hidden_own(own), self.skip_own(own)
        if shared is not None:
            h = h + self.hidden_shared(shared)
            skip = skip + self.skip_shared(shared)
        return self.out(torch.relu(h)) + skip


class TideNet(nn.Module):
    """TiDE with future covariates. Shapes: x (B, C, N), future (B, H, K) → (B, H, N).

    cov_mean, cov_std: (K,) standardisation of the covariates (train statistics; buffers, so
    they are saved with the weights). train_neurons: neurons per training window
    on larger recordings (``neuron_sample``; 0: all); channel independent, so ``neurons`` is ignored.
    """

    def __init__(self, context: int, horizon: int, n_covariates: int, *, hidden: int = 128,
                 decoder_dim: int = 32, temporal_hidden: int = 128, covariate_hidden: int = 128,
                 covariate_dim: int = 32, train_neurons: int = 0):
        super().__init__()
        self.horizon, self.decoder_dim, self.train_neurons = horizon, decoder_dim, train_neurons
        self.register_buffer("cov_mean", torch.zeros(n_covariates))
        self.register_buffer("cov_std", torch.ones(n_covariates))
        self.covariates = _Residual(n_covariates, 0, covariate_hidden, covariate_dim)
        self.encoder = _Residual(context, horizon * covariate_dim, hidden, hidden)
        self.decoder = _Residual(hidden, 0, hidden, horizon * decoder_dim)
        self.temporal = _Residual(decoder_dim, covariate_dim, temporal_hidden, 1)
        self.residual = _dense(context, horizon)

    def forward(self, x, future, neurons=None):
        b, _, n = x.shape
        past = x.transpose(1, 2)  # (B, N, C)
        cov = self.covariates((future - self.cov_mean) / self.cov_std)  # (B, H, K')
        enc = self.encoder(past, cov.reshape(b, 1, -1))  # (B, N, hidden)
        dec = self.decoder(enc).reshape(b, n, self.horizon, self.decoder_dim)  # (B, N, H, D)
        y = self.temporal(dec, cov[:, None])[..., 0]  # (B, N, H)
        y = y + self.residual(past)
        return y.transpose(1, 2)
