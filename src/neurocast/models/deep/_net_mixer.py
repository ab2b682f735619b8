"""torch modules of the linear, TSMixer and Time-Mix forecasters (ZAPBench's architectures).

Imported only when a model is built (torch is an optional dependency). Every module maps
(context (batch, C, neuron), future covariates or None) → forecast (batch, H, neuron). Inside,
they work time-major: the context as a (C, batch · neuron) matrix, so that mixing along time is
one matrix product from the left (no broadcasting over the batch, whose backward pass copies
and reduces per-window gradients), and mixing along neurons a Linear over the last axis of the
(C, batch, neuron) view. The training loop hands the context over as a view of time-major
memory (no copy); other callers' (batch, C, neuron) arrays are copied once. The forecast is a
(batch, H, neuron) view of time-major memory.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["LinearNet", "MixerNet", "lecun_normal_"]

_EPS = 1e-5


def lecun_normal_(weight: torch.Tensor, fan_in: int) -> torch.Tensor:
    """Flax's default Dense init: truncated normal (±2 sd), variance 1 / fan_in."""
    std = math.sqrt(1.0 / fan_in) / 0.87962566103423978  # sd of a unit normal truncated at ±2
    with torch.no_grad():
        return nn.init.trunc_normal_(weight, std=std, a=-2 * std, b=2 * std)


def _time_dense(n_in: int, n_out: int, blocks: int | None = None):
    """Weights (blocks?, n_out, n_in) (Flax init) and zero biases (blocks?, n_out, 1)."""
    shape = (n_out, n_in) if blocks is None else (blocks, n_out, n_in)
    w = nn.Parameter(lecun_normal_(torch.empty(shape), n_in))
    b = nn.Parameter(torch.zeros((*shape[:-1], 1)))
    return w, b


class LinearNet(nn.Module):
    """One Dense(C → H) over time shared by all neurons, initialised to 1/C (the mean baseline).

    train_neurons: neurons per training window on larger recordings (``neuron_sample``; 0: all).
    Channel independent, so a window of sampled neurons is forecast like any other: ``neurons``
    is ignored.
    """

    def __init__(self, context: int, horizon: int, *, train_neurons: int = 0):
        super().__init__()
        self.train_neurons = train_neurons
        self.weight = nn.Parameter(torch.full((horizon, context), 1.0 / context))
        self.bias = nn.Parameter(torch.zeros(horizon, 1))

    def forward(self, x, future=None, neurons=None):
        b, c, n = x.shape
        y = torch.addmm(self.bias, self.weight, x.transpose(0, 1).reshape(c, b * n))
        return y.view(-1, b, n).transpose(0, 1)


class MixerNet(nn.Module):
    """TSMixer (time and feature mixing) or Time-Mix (time mixing only), as in ZAPBench.

    Each block: x ← x + ReLU(W_t x + b_t) along time (width C); then, unless ``feature_width``
    is 0 (Time-Mix), x ← x + W_2 ReLU(W_1 x + b_1) + b_2 along neurons (bottleneck
    ``feature_width``). No per-block normalisation, no dropout. Then Dense(C → H) over time.
    revin: reversible instance normalisation (each window and neuron standardised over the
    context, the forecast mapped back). train_neurons: neurons per training window of Time-Mix on
    larger recordings (``neuron_sample``; 0: all); it is channel independent, so ``neurons`` is
    ignored. TSMixer mixes the neurons and trains on all of them.
    """

    def __init__(self, n_neurons: int, context: int, horizon: int, *, blocks: int,
                 feature_width: int, revin: bool, train_neurons: int = 0):
        super().__init__()
        if feature_width and train_neurons:
            raise ValueError("a neuron-mixing net trains on every neuron (train_neurons=0)")
        self.revin, self.train_neurons = revin, train_neurons
        self.time_w, self.time_b = _time_dense(context, context, blocks)
        self.feature = nn.ModuleList()
        if feature_width:
            for _ in range(blocks):
                pair = nn.ModuleList([nn.Linear(n_neurons, feature_width), nn.Linear(feature_width, n_neurons)])
                for lin in pair:
                    lecun_normal_(lin.weight, lin.in_features)
                    nn.init.zeros_(lin.bias)
                self.feature.append(pair)
        self.out_w, self.out_b = _time_dense(context, horizon)

    def forward(self, x, future=None, neurons=None):
        b, c, n = x.shape
        x = x.transpose(0, 1).reshape(c, b * n)  # time-major (C, B·N); a view when x is one
        if self.revin:
            mean = x.mean(dim=0, keepdim=True)
            std = torch.sqrt(x.var(dim=0, keepdim=True, unbiased=False) + _EPS)
            x = (x - mean) / std
        # unbind once: indexing the stacked weights per block would add a select, and in the
        # backward pass a zero-filled gradient of the whole stack, per block
        for i, (w, bias) in enumerate(zip(self.time_w.unbind(0), self.time_b.unbind(0), strict=True)):
            x = x + torch.relu(torch.addmm(bias, w, x))
            if len(self.feature):
                up, down = self.feature[i]
                x = x + down(torch.relu(up(x.view(c, b, n)))).view(c, b * n)
        y = torch.addmm(self.out_b, self.out_w, x)
        if self.revin:
            y = y * std + mean
        return y.view(-1, b, n).transpose(0, 1)
