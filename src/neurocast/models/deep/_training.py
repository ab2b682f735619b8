"""The training loop every learned forecaster shares: MAE, AdamW, early stopping on val MAE.

torch is an optional, heavy dependency (the ``deep`` extra): it is imported inside the
functions here, so that ``import neurocast.models`` works (and stays fast) without it.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from neurocast._memory import reused_heap
from neurocast._progress import progress
from neurocast.errors import ConfigError, FormatError, NonFiniteError
from neurocast.models.deep._config import TrainConfig, neuron_sample
from neurocast.models.deep._windows import WindowStream

__all__ = ["EVAL_VALUES", "AdamW", "EarlyStopping", "TrainResult", "activation_bytes", "eval_batch_size", "import_torch",
           "micro_batch_size", "resolve_device", "torch_settings", "train_network"]

# Values (windows × frames × neurons) per validation or prediction batch: 2**24 floats = 64 MiB.
EVAL_VALUES = 1 << 24
# Batches smaller than this (values) run on one thread (see TrainConfig.threads).
_SMALL_BATCH = 1 << 20
# Peak memory of a training step per byte of activations kept for the backward pass: the
# backward pass holds gradients of about the size of the activations it consumes.
_BACKWARD_FACTOR = 2


def import_torch():
    """torch, or a ConfigError saying how to install it (the optional 'deep' extra).

    Before torch's first import, unless the environment sets them already:

    * asks its CPU allocator for transparent huge pages on large blocks
      (``THP_MEM_ALLOC_ENABLE=1``): at ZAPBench size every step allocates tensors of 73 MB,
      and faulting them in 4 KiB pages took about as long as computing with them (linear-mae,
      71,721 neurons: 0.34 → 0.19 s per step on one core). torch reads it at its first
      allocation.
    * lets OpenMP threads that wait sleep instead of spin (``OMP_WAIT_POLICY=PASSIVE``): when
      another process holds the other core, a spinning thread burns its time slice while the
      thread it waits for cannot run (2 threads at ZAPBench size, load 2: timemix 1.09 → 0.19–
      0.28 s per step, linear-mae 0.17 → 0.08–0.09 s). OpenMP reads it when torch loads it.
      It does not change results, only how idle threads wait.
    """
    if "torch" not in sys.modules:
        os.environ.setdefault("THP_MEM_ALLOC_ENABLE", "1")
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import torch  # optional heavy dependency: only the learned models need it
    except ImportError:
        raise ConfigError("the learned forecasters need PyTorch, which is not installed",
                          "pip install 'neurocast[deep]'") from None
    return torch


def resolve_device(name: str) -> str:
    """'auto' → 'cuda' when a CUDA device is present, else 'cpu'; 'cuda' without one raises."""
    torch = import_torch()
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was asked for, but torch sees no CUDA device",
                          "use --device cpu (or auto)")
    return name


@contextlib.contextmanager
def torch_settings(threads: int):
    """Within the block: ``threads`` CPU threads, deterministic algorithms, subnormal floats
    flushed to zero on the CPU (as XLA does, so as ZAPBench's JAX code runs), and freed memory
    kept for reuse (``reused_heap``: a step's 73 MB gradients at ZAPBench size are not faulted
    in afresh each time); put back after (the heap: see ``reused_heap``).

    Flushing matters for speed, not results: AdamW's first moment of a weight whose gradient
    stays 0 decays by 0.9 per step into the subnormal range, where each operation costs tens
    of times more. tsmixer at 71,721 neurons had 73.3 M of its 73.6 M first moments subnormal
    after 1,000 steps and slowed from 0.25 to 0.6-0.8 s per step; flushed, it stays at 0.25 s
    with the same best val MAE to every digit (benchmarks/README.md).

    These are process-wide torch settings, so they are set only for the duration of fitting or
    predicting and put back as they were (flushing back off, torch's default).
    """
    torch = import_torch()
    old_threads = torch.get_num_threads()
    old_det = torch.are_deterministic_algorithms_enabled()
    old_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.set_flush_denormal(True)
    try:
        with reused_heap():
            yield torch
    finally:
        torch.set_num_threads(old_threads)
        torch.use_deterministic_algorithms(old_det, warn_only=old_warn)
        torch.set_flush_denormal(False)


def threads_for(cfg: TrainConfig, values_per_batch: int) -> int:
    """CPU threads for batches of ``values_per_batch`` floats (1 for small ones).

    values_per_batch: the largest activation of a batch (floats), a proxy for work per step.
    """
    return 1 if values_per_batch < _SMALL_BATCH else cfg.threads


def activation_bytes(net, context: int, n_neurons: int, horizon: int, n_covariates: int,
                     device: str, *, sampled: bool = False) -> int:
    """Bytes of the activations that the forward pass and MAE of one window keep for the
    backward pass (parameters excluded; a view counts its whole storage, once).

    Counted with saved-tensor hooks while ``net`` forecasts one window of zeros (covariates
    (1, horizon, n_covariates) if n_covariates, else None); the weights, their gradients and
    torch's random state are untouched. Memory per window is what decides micro-batches
    (``micro_batch_size``): it covers every model, whatever its widest activation.
    sampled: the window holds ``n_neurons`` of the net's neurons (passed as ``neurons``; see
    ``train_network``).
    """
    torch = import_torch()

    from neurocast.models.deep._mae_loss import mae_loss  # imports torch

    params = {p.untyped_storage().data_ptr() for p in net.parameters()}
    kept: dict[int, int] = {}

    def pack(t):
        storage = t.untyped_storage()
        if storage.data_ptr() not in params:
            kept[storage.data_ptr()] = storage.nbytes()
        return t

    x = torch.zeros((1, context, n_neurons), device=device)
    future = torch.zeros((1, horizon, n_covariates), device=device) if n_covariates else None
    kw = {"neurons": torch.arange(n_neurons, device=device)} if sampled else {}
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        mae_loss(net(x, future, **kw), torch.zeros((1, horizon, n_neurons), device=device))
    return sum(kept.values())


def micro_batch_size(cfg: TrainConfig, window_bytes: int) -> int:
    """Windows per forward/backward pass: the whole batch, or fewer if the activations of a
    batch (``window_bytes`` per window, see ``activation_bytes``, and about as much again for
    their gradients) would exceed ``cfg.activation_budget_gb``; at least 1.

    The training loop runs a batch as micro-batches of this size and sums their gradients
    before the optimiser step. Each window's forecast depends on that window only (no model
    normalises over the batch) and each element's loss gradient is sign(error) / (elements of
    the whole batch), so the sum is the batch's gradient, up to the order of float additions.
    """
    budget = cfg.activation_budget_gb * 2**30
    return max(1, min(cfg.batch_size, int(budget // (_BACKWARD_FACTOR * max(window_bytes, 1)))))


def own_gradient_step(net):
    """The net's ``mae_step`` if it computes its own loss gradient and nothing changes what its
    forward pass does, else None (train through autograd).

    ``mae_step`` repeats the forward pass of the class that defines it, so it is not used when a
    subclass or the instance itself replaces ``forward``, a module has forward hooks, or a
    weight is parametrized (``torch.nn.utils.parametrize``): their gradients would silently be
    wrong or missing. Hooks on parameters' gradients (``register_hook``) are not run by it.
    """
    from torch.nn.utils import parametrize  # imports torch

    step = getattr(net, "mae_step", None)
    if step is None:
        return None
    owner = next((k for k in type(net).__mro__ if "mae_step" in vars(k)), None)
    if "forward" in vars(net) or (owner is not None and type(net).forward is not owner.forward):
        return None
    for module in net.modules():
        if module._forward_hooks or module._forward_pre_hooks or parametrize.is_parametrized(module):
            return None
    return step


class EarlyStopping:
    """ZAPBench's early stopping and choice of weights, on the val MAE of each validation.

    Training stops at the (``patience`` + 1)-th validation in a row that does not improve by
    more than ``min_delta`` on the value that last reset the count (ZAPBench's
    ``EarlyStoppingWithStep``, which compares its count with the patience before counting the
    validation: with patience 20, the 21st), and the weights kept are those of the lowest val
    MAE, however small its improvement (ZAPBench's ``TrackBestStep``, whose step chooses the
    checkpoint that is scored).
    """

    def __init__(self, patience: int, min_delta: float):
        self.patience, self.min_delta = patience, min_delta
        self.best = self.reference = math.inf
        self.count = 0

    def update(self, val_mae: float) -> tuple[bool, bool]:
        """(this is the lowest val MAE so far: keep its weights, training should stop)."""
        is_best = val_mae < self.best
        self.best = min(self.best, val_mae)
        if val_mae < self.reference - self.min_delta:  # the first one always: inf - x = inf
            self.reference, self.count = val_mae, 0
            return is_best, False
        stop = self.count >= self.patience
        self.count += 1
        return is_best, stop


@dataclass
class TrainResult:
    """What training did: steps, epochs, the best validation, wall time (s), the val history."""

    steps: int
    epochs: float
    best_step: int
    best_val_mae: float
    train_s: float
    stopped_by: str
    val_history: list[tuple[int, float]] = field(default_factory=list)
    windows_per_s: float = 0.0
    micro_batch: int = 0

    def as_dict(self) -> dict:
        return {"steps": self.steps, "epochs": round(self.epochs, 3), "best_step": self.best_step,
                "best_val_mae": self.best_val_mae, "train_s": round(self.train_s, 3),
                "stopped_by": self.stopped_by, "windows_per_s": round(self.windows_per_s, 1),
                "micro_batch": self.micro_batch}


class AdamW:
    """AdamW with decoupled weight decay: the update of ``torch.optim.AdamW(fused=True)``, the
    same kernel and state (a test checks that both give bit-identical weights), without its
    per-step Python bookkeeping (hooks, profiler records, state lookups, ``zero_grad``): about
    15 µs per step instead of 100-150 µs, which matters at batch 8, where a whole step of a
    small model costs a few hundred µs. Parameters without a gradient in a step are skipped,
    as torch's optimisers skip them.
    """

    def __init__(self, torch, params, *, lr: float, weight_decay: float,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.torch = torch
        self.params = [p for p in params if p.requires_grad]
        self.exp_avg = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]
        self.steps = [torch.zeros((), dtype=torch.float32, device=p.device) for p in self.params]
        self.kw = {"amsgrad": False, "lr": lr, "beta1": betas[0], "beta2": betas[1],
                   "weight_decay": weight_decay, "eps": eps, "maximize": False,
                   "grad_scale": None, "found_inf": None}

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        live = [i for i, p in enumerate(self.params) if p.grad is not None]
        if not live:
            return
        params = [self.params[i] for i in live]
        steps = [self.steps[i] for i in live]
        self.torch._foreach_add_(steps, 1)
        self.torch._fused_adamw_(params, [p.grad for p in params], [self.exp_avg[i] for i in live],
                                 [self.exp_avg_sq[i] for i in live], [], steps, **self.kw)


class _Tensors:
    """Blocks of a WindowStream as torch tensors on the device; the last one is kept (a resident
    stream has one block; a streamed one serves its batches block by block).

    Windows are gathered time-major: one (C + H, b, N) array whose (b, C, N) and (b, H, N) views
    are handed out. The networks' time mixing then multiplies a (C, b·N) matrix without a copy,
    and the forecast, which the networks return in the same layout, meets the target's memory
    order in the loss.

    The windows are gathered into a buffer that is reused: the views handed out by
    ``windows`` are valid until its next call (a training step or a validation batch uses them
    only within itself). At ZAPBench size a batch is 82 MB, and a fresh tensor of that size is
    new memory from the OS each time; faulting it in cost more than the copy (a reused buffer:
    9 ms per batch on one core; a new one: 60 ms; advanced indexing ``traces[idx]``: 80 ms).
    """

    def __init__(self, torch, stream: WindowStream, device: str):
        self.torch, self.stream, self.device = torch, stream, device
        self.kept: dict[int, tuple] = {}
        self.ar = torch.arange(stream.context + stream.horizon, device=device)
        self.buffers: dict[str, object] = {}  # "traces" / "stimulus" → reused gather buffer

    def block(self, b: int):
        if b in self.kept:
            return self.kept[b]
        traces, stim = self.stream.load(b)
        out = (self.torch.from_numpy(traces).to(self.device),
               None if stim is None else self.torch.from_numpy(stim).to(self.device))
        self.kept = {b: out}
        return out

    def _gather(self, what: str, source, rows):
        """source[rows] (rows: int64 (m,)) into the reused buffer ``what``, grown as needed."""
        buf = self.buffers.get(what)
        if buf is None or buf.shape[0] < rows.numel() or buf.shape[1:] != source.shape[1:]:
            buf = self.buffers[what] = self.torch.empty((rows.numel(), *source.shape[1:]),
                                                        dtype=source.dtype, device=self.device)
        threads = self.torch.get_num_threads()
        # one thread for this pure copy: it is memory-bound, and on a loaded machine a parallel
        # copy waits for the second thread to be scheduled (188 ms instead of 9 ms per batch)
        self.torch.set_num_threads(1)
        try:
            return self.torch.index_select(source, 0, rows, out=buf[:rows.numel()])
        finally:
            self.torch.set_num_threads(threads)

    def windows(self, b: int, starts: np.ndarray, neurons=None):
        """(context (b, C, N), target (b, H, N), future covariates (b, H, K) or None): views of
        time-major (frames, b, ·) arrays, valid until the next call. neurons: int64 (M,)
        positions; if given, only those neurons are gathered (N becomes M): at fly-zap size a
        sample of 8,192 is 10 MB per batch instead of 160 MB for every neuron."""
        traces, stim = self.block(b)
        idx = self.ar[:, None] + self.torch.from_numpy(starts).to(self.device)  # (C + H, b)
        if neurons is None:
            win = self._gather("traces", traces, idx.view(-1))
        else:  # element (frame, neuron) of the block is element frame·N + neuron of its storage
            flat = (idx.view(-1, 1) * traces.shape[1] + neurons).view(-1)
            win = self._gather("sample", traces.view(-1), flat)
        win = win.view(*idx.shape, -1).transpose(0, 1)
        c, h = self.stream.context, self.stream.horizon
        future = None
        if stim is not None:
            rows = idx[c:].reshape(-1)
            future = self._gather("stimulus", stim, rows).view(h, len(starts), -1).transpose(0, 1)
        return win[:, :c], win[:, c:], future


def eval_batch_size(context: int, horizon: int, n_neurons: int, max_windows: int) -> int:
    """Windows per batch when forecasting without gradients: EVAL_VALUES values of frames, but
    no more than ``max_windows`` (the training micro-batch, which bounds the activations)."""
    return max(1, min(EVAL_VALUES // ((context + horizon) * n_neurons), max_windows))


def _validate(torch, net, val: _Tensors, max_windows: int, neurons=None) -> float:
    """Mean absolute error over every val window, step and neuron (ΔF/F); batches of at most
    ``max_windows`` windows. neurons: int64 (M,) positions to validate on (passed to the net
    as ``neurons``), default every neuron."""
    stream = val.stream
    n = stream.n_neurons if neurons is None else len(neurons)
    batch = eval_batch_size(stream.context, stream.horizon, n, max_windows)
    kw = {} if neurons is None else {"neurons": neurons}
    total = torch.zeros((), dtype=torch.float64, device=val.device)
    count = 0
    net.eval()
    with torch.inference_mode():
        for b, starts in stream.batches(batch):
            ctx, tgt, future = val.windows(b, starts, neurons)
            err = net(ctx, future, **kw) - tgt
            # sums over neurons in float32, then in float64: a float64 sum of all the float32
            # values converts each and is 8x slower (ZAPBench size: 9 against 1 ms a batch)
            total += err.abs_().sum(dim=-1).sum(dtype=torch.float64)
            count += tgt.numel()
    net.train()
    return float(total) / count


def train_network(net, train: WindowStream, val: WindowStream, cfg: TrainConfig, *,
                  device: str, label: str = "model",
                  on_step: Callable[[int], None] | None = None) -> TrainResult:
    """Train ``net`` in place with AdamW on the MAE of train windows; early-stop on val MAE.

    net: a torch module mapping (context (b, C, N), future covariates (b, H, K) or None) to a
    forecast (b, H, N); on ``device`` already. A batch whose activations exceed
    ``cfg.activation_budget_gb`` is run as micro-batches (``micro_batch_size``). Every
    ``cfg.val_every`` steps the MAE over all
    val windows is computed; training stops as ZAPBench's does (``EarlyStopping``: after
    ``cfg.patience`` validations without an improvement of more than ``cfg.min_delta``, at the
    next one without) or at ``cfg.max_steps``, and the weights of the lowest val MAE are loaded
    back into ``net``. Val frames only choose when to stop.
    Ctrl-C (KeyboardInterrupt) after the first validation ends training the same way, with the
    best weights so far and ``stopped_by`` "interrupted"; before it, it propagates.

    A net with a positive ``train_neurons`` attribute M (fewer than the N neurons:
    ``neuron_sample``) is trained on M neurons per step, drawn at random without replacement
    (seeded by ``cfg.seed``) and passed to it as ``neurons`` (int64 (M,) positions): the step's
    MAE is an unbiased estimate of the whole population's, at M / N of the cost. It is validated
    on M neurons drawn once, the same at every validation (``best_val_mae`` is theirs).
    A net with a ``mae_step(context, future, target, count, neurons=...)`` method computes the
    loss and adds its gradient to the parameters itself (the linear and mixer nets: without
    autograd's bookkeeping, which dominates their small steps; see ``own_gradient_step``);
    other nets go through autograd. (``activation_bytes`` counts what autograd would keep, a
    little more than ``mae_step`` holds: micro-batches are chosen on the safe side.)
    Raises NonFiniteError if the training loss or the val MAE becomes NaN/inf.
    """
    torch = import_torch()

    from neurocast.models.deep._mae_loss import mae_loss  # imports torch

    rng = np.random.default_rng(cfg.seed)
    picker = np.random.default_rng((cfg.seed, 1))  # neuron samples: a stream of their own
    n = train.n_neurons
    sample = neuron_sample(getattr(net, "train_neurons", 0), n)

    def draw():  # int64 (sample,) sorted positions of distinct random neurons, on the device
        return torch.from_numpy(np.sort(picker.choice(n, sample, replace=False))).to(device)

    micro = micro_batch_size(cfg, activation_bytes(net, train.context, sample or n, train.horizon,
                                                   train.n_covariates, device, sampled=bool(sample)))
    val_neurons = None  # every neuron
    if sample:
        val_neurons = draw()
    opt = AdamW(torch, net.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    own_gradient = own_gradient_step(net)
    tr, va = _Tensors(torch, train, device), _Tensors(torch, val, device)
    stopper = EarlyStopping(cfg.patience, cfg.min_delta)
    best, best_step, step = float("inf"), 0, 0
    best_state = None
    history: list[tuple[int, float]] = []
    running = torch.zeros((), device=device)  # summed training loss since the last validation
    running_n, stopped_by = 0, "max_steps"

    def batches():  # (block, starts) of cfg.batch_size train windows, epoch after epoch
        while True:
            empty = True
            for batch in train.batches(cfg.batch_size, rng):
                empty = False
                yield batch
            if empty:
                where = "in all" if train.resident else "in any block of frames read at once"
                raise FormatError(f"{label}: fewer train windows {where} than one batch of "
                                  f"{cfg.batch_size} ({train.n_windows} windows of C + H frames)",
                                  "use a smaller batch_size, a shorter context or horizon, or "
                                  "more train frames")

    def fit(b, starts) -> None:  # one AdamW step on one batch (as micro-batches if too large)
        nonlocal running_n
        idx = draw() if sample else None
        ctx, tgt, future = tr.windows(b, starts, idx)
        kw = {} if idx is None else {"neurons": idx}
        opt.zero_grad()
        for lo in range(0, len(starts), micro):
            part = slice(lo, lo + micro)
            fut = None if future is None else future[part]
            if own_gradient is not None:  # gradients summed as backward() sums them
                loss = own_gradient(ctx[part], fut, tgt[part], tgt.numel(), **kw)
            else:
                loss = mae_loss(net(ctx[part], fut, **kw), tgt[part], tgt.numel())
                loss.backward()  # summed into the gradients of the earlier micro-batches
            running.add_(loss.detach())
        opt.step()
        running_n += 1

    def validate(bar) -> bool:  # validate at ``step``, keep the best weights; True: patience is out
        nonlocal best, best_step, best_state, running_n
        train_mae = float(running) / running_n
        if not np.isfinite(train_mae):
            raise NonFiniteError(f"{label}: the training loss became {train_mae} at step {step}",
                                 "lower the learning rate, or check the data's scale")
        v = _validate(torch, net, va, micro, val_neurons)
        if not np.isfinite(v):
            raise NonFiniteError(f"{label}: the val MAE is {v} at step {step}",
                                 "val frames must be finite: they drive early stopping")
        history.append((step, v))
        is_best, stop = stopper.update(v)
        if is_best:
            best, best_step = v, step
            best_state = {k: t.detach().clone() for k, t in net.state_dict().items()}
        bar.set_postfix(train_mae=f"{train_mae:.4f}", val_mae=f"{v:.4f}", best=f"{best:.4f}")
        running.zero_()
        running_n = 0
        return stop

    t0 = time.perf_counter()
    net.train()
    cap = math.inf if cfg.max_steps is None else cfg.max_steps
    try:  # the bar counts to the cap if there is one, else it shows the steps and their rate
        with progress(cfg.max_steps, f"train {label}", "step") as bar:
            for b, starts in batches():
                fit(b, starts)
                step += 1
                if on_step is not None:
                    on_step(step)
                if (step % cfg.val_every == 0 or step == cap) and validate(bar):
                    stopped_by = "early stopping"
                    break
                if step >= cap:
                    break
                if step % 50 == 0:
                    bar.update(50)
    except KeyboardInterrupt:  # Ctrl-C: stop here with the best weights so far (again: abort)
        if best_state is None:
            raise
        stopped_by = "interrupted"
        print(f"\n{label}: interrupted at step {step:,}; going on with the best weights so far "
              f"(step {best_step:,}, val MAE {best:.4f}), training no other learned model; press "
              "Ctrl-C again to abort",
              file=sys.stderr)
    if best_state is None:  # max_steps reached before the first validation
        best, best_step = _validate(torch, net, va, micro, val_neurons), step
        history.append((step, best))
    else:
        net.load_state_dict(best_state)
    wall = time.perf_counter() - t0
    epochs = step * cfg.batch_size / train.n_windows
    return TrainResult(step, epochs, best_step, best, wall, stopped_by, history,
                       step * cfg.batch_size / max(wall, 1e-9), micro)
