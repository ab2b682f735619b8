"""The training loss: mean absolute error and its gradient, outside autograd (imports torch).

The training loop computes the loss and its gradient with respect to the forecast here, with
no autograd graph, and back-propagates from the forecast (``forecast.backward(grad)``). A
loss node in the graph (``l1_loss``: three nodes, four backward passes; a Python
``autograd.Function``: about 50 µs of Python per step) is pure overhead at batch 8, where a
linear model's whole step takes a few hundred µs. The gradient is sign(forecast − target) / n,
the values ``l1_loss``'s backward pass gives (multiplying by ±1 or 0 is exact); the loss is the
dot product of those signs with the difference, one BLAS pass (``linalg.vector_norm(ord=1)``,
used before, took 80 µs for the 77,312 values of a worm-default batch, a dot product 10 µs).
"""

from __future__ import annotations

import torch

__all__ = ["mae_and_grad"]


def _flat(t: torch.Tensor) -> torch.Tensor:
    """The elements of ``t`` as a 1-D view in memory order (a copy if ``t`` is not dense)."""
    return t.permute(*sorted(range(t.dim()), key=t.stride, reverse=True)).reshape(-1)


def mae_and_grad(forecast: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean of |forecast − target| over all elements (0-d), its gradient d loss / d forecast).

    forecast, target: the same shape, any memory layout (time-major views in training); no
    graph is recorded. The gradient has the shape and memory layout of ``forecast − target``.
    """
    with torch.no_grad():
        diff = forecast - target
        grad = diff.sign()
        n = diff.numel()
        loss = torch.dot(_flat(grad), _flat(diff)) / n
        # l1_loss's backward divides its 0-d float32 gradient by n: the same float32 factor
        return loss, grad.mul_(torch.ones((), dtype=grad.dtype) / n)
