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

from neurocast.models.deep._mae_loss import add_grad

__all__ = ["LinearNet", "MixerNet", "lecun_normal_"]

_EPS = 1e-5
#: Columns per chunk of the output layer's loss and gradient (``_output_mae``): a (32, 4,096)
#: float32 chunk is 512 KiB, so each chunk's forecast and gradient stay in a core's L2 cache.
_CHUNK = 4096


def lecun_normal_(weight: torch.Tensor, fan_in: int) -> torch.Tensor:
    """Flax's default Dense init: truncated normal (±2 sd), variance 1 / fan_in."""
    std = math.sqrt(1.0 / fan_in) / 0.87962566103423978  # sd of a unit normal truncated at ±2
    with torch.no_grad():
        return nn.init.trunc_normal_(weight, std=std, a=-2 * std, b=2 * std)


def _weight_grad(grad: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Gradient (H, C) of a time-mixing weight W in y = W x + b: grad (H, B·N) · xᵀ (B·N, C).

    For H > C it is computed as (x · gradᵀ)ᵀ, which MKL runs 2x faster at worm-default size
    (32 × 2,416 · 2,416 × 4: 41 against 21 µs) and 1.2x at ZAPBench size.
    """
    if grad.shape[0] > x.shape[0]:
        return torch.mm(x, grad.t()).t()
    return torch.mm(grad, x.t())


def _output_mae(x, weight, bias, target, count: int, stats=None, *, input_grad: bool = True):
    """The output layer y = W x + b over time (RevIN: y · std + mean) and the MAE of y against
    ``target``, with the gradients of W and b added to their ``grad``. Returns (loss, a 0-d
    tensor; the gradient of x, (C, B·N), or None without ``input_grad``).

    x: (C, B·N) time-major; weight (H, C); bias (H, 1); target (b, H, N), a view of time-major
    windows in training (else copied once); stats: RevIN's (mean, std), each (1, B·N), or None.
    The columns (window × neuron) are taken _CHUNK at a time, so the forecast, its error and
    gradient of one chunk stay in cache: the whole (H, B·N) forecast is never held. At ZAPBench
    size it would be 73 MB, and the output layer, the loss and their gradients made about ten
    passes over such arrays from memory: 33 ms of tsmixer's 145-ms step, 22 ms in chunks
    (benchmarks/README.md).
    """
    h = weight.shape[0]
    b, _, n = target.shape
    target = target.transpose(0, 1).reshape(h, b * n)
    chunked = x.shape[1] > _CHUNK
    grad_x = torch.empty_like(x) if input_grad and chunked else None
    loss = grad_w = grad_b = None
    for lo in range(0, x.shape[1], _CHUNK):
        cols = slice(lo, lo + _CHUNK)
        xs = x[:, cols]
        diff = torch.addmm(bias, weight, xs)
        if stats is not None:
            diff.mul_(stats[1][:, cols]).add_(stats[0][:, cols])
        diff.sub_(target[:, cols])
        g = torch.sign(diff)
        part = torch.dot(diff.view(-1), g.view(-1))  # sum |diff|: each product is exact
        g.mul_(1.0 / count)
        if stats is not None:
            g.mul_(stats[1][:, cols])
        if input_grad:
            if chunked:
                torch.mm(weight.t(), g, out=grad_x[:, cols])
            else:
                grad_x = torch.mm(weight.t(), g)
        parts = (part, _weight_grad(g, xs), g.sum(1, keepdim=True))
        if loss is None:
            loss, grad_w, grad_b = parts
        else:
            for total, more in zip((loss, grad_w, grad_b), parts, strict=True):
                total += more
    add_grad(weight, grad_w)
    add_grad(bias, grad_b)
    return loss / count, grad_x


def _relu_grad(grad: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """The gradient through y = relu(·), given y: ``grad`` where y > 0, else 0 (as autograd)."""
    return torch.ops.aten.threshold_backward(grad, out, 0)


def _time_major(x: torch.Tensor) -> torch.Tensor:
    """x (b, C, N) as a contiguous (C, b·N) matrix: a view when x is a view of time-major memory
    (the training loop's windows), else a copy. With one neuron, ``reshape`` alone would return
    a transposed view, which the neuron-mixing layers cannot ``view`` as (C·b, N)."""
    b, c, n = x.shape
    return x.transpose(0, 1).reshape(c, b * n).contiguous()


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

    @torch.no_grad()
    def mae_step(self, x, future, target, count=None, neurons=None):
        """``mae_loss(self(x), target, count)``, its gradient added to the parameters' ``grad``
        (see ``MixerNet.mae_step``). x: (b, C, N); target: (b, H, N)."""
        b, c, n = x.shape
        return _output_mae(x.transpose(0, 1).reshape(c, b * n), self.weight, self.bias, target,
                           target.numel() if count is None else count, input_grad=False)[0]


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
        b, _, n = x.shape
        x, stats = self._normalised(_time_major(x))
        y = torch.addmm(self.out_b, self.out_w, self._blocks(x, b, n))
        if stats is not None:
            y = y * stats[1] + stats[0]
        return y.view(-1, b, n).transpose(0, 1)

    def _normalised(self, x):
        """(x, (mean, std)) standardised per column if ``revin``, else (x, None); x: (C, B·N)."""
        if not self.revin:
            return x, None
        mean = x.mean(dim=0, keepdim=True)
        std = torch.sqrt(x.var(dim=0, keepdim=True, unbiased=False) + _EPS)
        return (x - mean) / std, (mean, std)

    def _blocks(self, x, b: int, n: int, kept: list | None = None):
        """The mixer blocks on time-major x (C, B·N). kept: if a list, each block appends
        (its input, its time-mixing ReLU output, the feature MLP's input, its hidden ReLU
        output (C·B, width) or None for Time-Mix), what ``mae_step`` differentiates."""
        c = x.shape[0]
        # unbind once: indexing the stacked weights per block would add a select, and in the
        # backward pass a zero-filled gradient of the whole stack, per block
        for i, (w, bias) in enumerate(zip(self.time_w.unbind(0), self.time_b.unbind(0), strict=True)):
            r = torch.addmm(bias, w, x).relu_()
            mid, hidden = x + r, None
            if len(self.feature):
                up, down = self.feature[i]
                hidden = up(mid.view(c * b, n)).relu_()
            if kept is not None:
                kept.append((x, r, mid, hidden))
            x = mid if hidden is None else mid + down(hidden).view(c, b * n)
        return x

    @torch.no_grad()
    def mae_step(self, x, future, target, count=None, neurons=None):
        """``mae_loss(self(x), target, count)`` with its gradient added to each parameter's
        ``grad``, computed by hand instead of by autograd. x: (b, C, N); target: (b, H, N);
        count: the element count the loss is divided by (default ``target.numel()``); returns
        the loss (0-d tensor). The training loop calls it only when nothing changes the forward
        pass (``own_gradient_step``).

        The forward pass keeps what the backward pass needs (``_blocks``), then the chain rule
        runs block by block. At batch 8 on worm-default autograd's own bookkeeping cost more
        than the arithmetic (benchmarks/README.md); tests check these gradients against
        autograd's. RevIN's mean and std depend on the data only: the gradient passes through
        them as a scale.
        """
        b, c, n = x.shape
        count = target.numel() if count is None else count
        x, stats = self._normalised(_time_major(x))
        kept: list = []
        x = self._blocks(x, b, n, kept)
        # g (C, B·N): the gradient of the last block's output
        loss, g = _output_mae(x, self.out_w, self.out_b, target, count, stats)
        grads_w, grads_b = [], []
        time_w = self.time_w.unbind(0)
        for i in reversed(range(len(kept))):
            inp, r, mid, hidden = kept[i]
            if hidden is not None:  # out = mid + down(relu(up(mid))) along the neurons
                up, down = self.feature[i]
                g2 = g.view(c * b, n)
                add_grad(down.weight, torch.mm(g2.t(), hidden))
                add_grad(down.bias, g2.sum(0))
                gh = _relu_grad(torch.mm(g2, down.weight), hidden)
                add_grad(up.weight, torch.mm(gh.t(), mid.view(c * b, n)))
                add_grad(up.bias, gh.sum(0))
                g = torch.addmm(g2, gh, up.weight).view(c, b * n)
            gt = _relu_grad(g, r)  # mid = inp + relu(W inp + b) along time
            grads_w.append(_weight_grad(gt, inp))
            grads_b.append(gt.sum(1, keepdim=True))
            if i:  # the first block's input is data: no gradient needed
                g = torch.addmm(g, time_w[i].t(), gt)
        if kept:
            add_grad(self.time_w, torch.stack(grads_w[::-1]))
            add_grad(self.time_b, torch.stack(grads_b[::-1]))
        return loss
