"""torch module of the population forecaster: one network for every neuron, told who it is
(a learned embedding) and what the whole population is doing (a pooled context, by FiLM).

Shapes: x (B, C, N) → (B, H, N). With d = ``hidden`` and e = ``embed``:

1. Encoder, per neuron: h = h₁ + ReLU(W₂ h₁), h₁ = ReLU(W_x x_n + W_e E_n + b), (B, N, d).
2. Population context, per window: the mean of h over neurons and K attention pools
   (softmax over neurons of h·q_k, one learned query q_k each) → (B, (K + 1)·d) → MLP → FiLM
   scale γ and shift β (B, d). Memory is O(B·N·(d + K)): nothing is N × N.
3. Modulation and decoder, per neuron: z = h ⊙ (1 + γ) + β; the forecast of all H steps at
   once is W_o ReLU(W_z z + W_d E_n) plus a Dense(C → H) of the context initialised to 1/C.
   The FiLM and output layers start at zero, so the untrained network is the mean baseline.

Training on neuron samples: with ``train_neurons`` = M > 0 (and M < N), the training loop
(``train_network``) forecasts each step's windows for M neurons drawn at random, passing their
positions as ``neurons``; the pooled context is then a sample estimate (the mean and the
softmax-weighted means do not depend on the number of neurons pooled). Validation uses M
neurons drawn once; prediction every neuron.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from neurocast.models.deep._net_mixer import lecun_normal_

__all__ = ["PopulationNet"]


def _dense(n_in: int, n_out: int, *, bias: bool = True, zero: bool = False) -> nn.Linear:
    lin = nn.Linear(n_in, n_out, bias=bias)
    if zero:
        nn.init.zeros_(lin.weight)
    else:
        lecun_normal_(lin.weight, n_in)
    if bias:
        nn.init.zeros_(lin.bias)
    return lin


class PopulationNet(nn.Module):
    """Shared per-neuron encoder/decoder, neuron embeddings, pooled population context by FiLM."""

    def __init__(self, n_neurons: int, context: int, horizon: int, *, hidden: int = 64,
                 embed: int = 16, pools: int = 4, train_neurons: int = 0):
        super().__init__()
        self.train_neurons = train_neurons
        self.embedding = nn.Parameter(torch.randn(n_neurons, embed) * (1.0 / math.sqrt(embed)))
        self.enc_x = _dense(context, hidden)
        self.enc_e = _dense(embed, hidden, bias=False)
        self.enc_2 = _dense(hidden, hidden)
        self.queries = nn.Parameter(lecun_normal_(torch.empty(pools, hidden), hidden))
        self.context_mlp = nn.Sequential(_dense((pools + 1) * hidden, hidden), nn.ReLU(),
                                         _dense(hidden, 2 * hidden, zero=True))
        self.dec_z = _dense(hidden, hidden)
        self.dec_e = _dense(embed, hidden, bias=False)
        self.dec_out = _dense(hidden, horizon, zero=True)
        self.skip = nn.Linear(context, horizon)
        nn.init.constant_(self.skip.weight, 1.0 / context)
        nn.init.zeros_(self.skip.bias)
        self.hidden = hidden

    def forward(self, x, future=None, neurons=None):
        """x (B, C, N) → (B, H, N); neurons: int64 (N,) positions of x's neurons among the
        fitted ones (default: all of them, in order)."""
        past = x.transpose(1, 2)  # (B, N, C)
        emb = self.embedding if neurons is None else self.embedding[neurons]  # (N, e)
        h = torch.relu(self.enc_x(past) + self.enc_e(emb))  # (B, N, d)
        h = h + torch.relu(self.enc_2(h))
        scores = torch.matmul(h, self.queries.t()) / math.sqrt(self.hidden)  # (B, N, K)
        pooled = torch.matmul(torch.softmax(scores, dim=1).transpose(1, 2), h)  # (B, K, d)
        pop = torch.cat([h.mean(dim=1, keepdim=True), pooled], dim=1).flatten(1)  # (B, (K+1)d)
        gamma, beta = self.context_mlp(pop)[:, None].chunk(2, dim=-1)  # (B, 1, d) each
        z = h * (1.0 + gamma) + beta
        y = self.dec_out(torch.relu(self.dec_z(z) + self.dec_e(emb)))  # (B, N, H)
        return (y + self.skip(past)).transpose(1, 2)
