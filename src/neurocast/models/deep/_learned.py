"""The base class of forecasters trained with the shared loop (``train_network``).

A subclass sets ``name``, ``description``, ``config_class`` (a frozen dataclass with a
``train: TrainConfig`` field) and ``build_net(context, n_neurons, n_covariates)``, which
returns a torch module (see ``_net_*.py``); ``uses_stimulus`` models get the stimulus
covariates of the target frames. torch is imported inside functions only (optional dependency).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence

import numpy as np

from neurocast.data import DEFAULT_HORIZON, Segment, WindowMeta
from neurocast.errors import FormatError
from neurocast.models._base import Forecaster
from neurocast.models._scaling import TraceScale
from neurocast.models.deep._config import config_to_dict, neuron_sample
from neurocast.models.deep._identity import dataset_identity
from neurocast.models.deep._training import (
    activation_bytes,
    eval_batch_size,
    import_torch,
    micro_batch_size,
    resolve_device,
    threads_for,
    torch_settings,
    train_network,
)
from neurocast.models.deep._windows import WindowStream

__all__ = ["LearnedForecaster", "neuron_names"]

# Share of TrainConfig.memory_budget_gb for train frames (the rest for val frames).
_TRAIN_SHARE = 0.8


class LearnedForecaster(Forecaster):
    """A forecaster whose torch network is trained by ``train_network`` (MAE, AdamW, early stop).

    After ``fit`` (or ``load_model``): ``net`` (the torch module, best val weights),
    ``shape`` {context, n_neurons, n_covariates}, ``dataset`` (identity of the data fitted on),
    ``trace_scale`` (the ``TraceScale`` the net sees the traces through: identity on ΔF/F's
    scale), ``fitted`` (steps, epochs, best val MAE in the net's units, train time,
    parameter count, device, seed, ``trace_map``), ``neuron_names`` (the names of the neurons
    it was fitted on, in the order of the context's last axis, when the train segments carried
    a ``neuron`` coordinate; None otherwise, and for files saved before neurocast recorded them)
    and ``neurons_left_out`` (the names of the neurons of the dataset it was saved or loaded
    with that it was not fitted on, e.g. constant channels a benchmark leaves out; None if not
    known).
    """

    uses_stimulus = False
    #: width of the widest per-neuron activation relative to the frames of a window (C + H);
    #: sets the work per batch that decides between 1 and ``threads`` CPU threads
    activation_factor = 1

    def __init__(self, horizon: int = DEFAULT_HORIZON, cfg=None):
        super().__init__(horizon, cfg)
        self.net = None
        self.shape: dict | None = None
        self.dataset: dict | None = None
        self.device: str | None = None
        self.trace_scale = TraceScale()
        self.neuron_names: list | None = None
        self.neurons_left_out: list | None = None
        self._max_windows: tuple | None = None  # (net, windows per forecast batch) of predict

    def build_net(self, context: int, n_neurons: int, n_covariates: int):
        """A new torch module for this shape (seeded by the caller)."""
        raise NotImplementedError

    def restore_net(self, shape: dict, state: dict):
        """The torch module to load the saved ``state`` (a state dict) into, for a fitted
        ``shape`` {context, n_neurons, n_covariates}; also restores what the model set in
        ``fit`` besides the weights. Default: ``build_net`` of that shape."""
        return self.build_net(shape["context"], shape["n_neurons"], shape["n_covariates"])

    def prepare(self, net, train: WindowStream) -> None:
        """Set data-derived buffers of ``net`` from the train stream before training (optional)."""

    def fit(self, train: Sequence[Segment], val: Sequence[Segment]):
        """Train on the train windows; val windows only decide when to stop (early stopping)."""
        import_torch()
        tc = self.cfg.train
        budget = tc.memory_budget_gb * 2**30
        identity = dataset_identity(train[0].source)
        names = neuron_names(train[0].source)
        scale = TraceScale.of(train)
        train, val = scale.segments(train), scale.segments(val)
        tr = WindowStream(train, budget_bytes=budget * _TRAIN_SHARE, what="train",
                          with_stimulus=self.uses_stimulus)
        va = WindowStream(val, budget_bytes=budget * (1 - _TRAIN_SHARE), what="val",
                          with_stimulus=self.uses_stimulus)
        if tr.horizon != self.horizon:
            raise FormatError(f"model {self.name!r} forecasts {self.horizon} frames, the segments "
                              f"have a horizon of {tr.horizon}", f"build it with horizon={tr.horizon}")
        device = resolve_device(tc.device)
        per_window = neuron_sample(getattr(self.cfg, "train_neurons", 0), tr.n_neurons) or tr.n_neurons
        values = tc.batch_size * (tr.context + tr.horizon) * per_window * self.activation_factor
        t0 = time.perf_counter()
        with torch_settings(threads_for(tc, values)) as torch:
            torch.manual_seed(tc.seed)
            net = self.build_net(tr.context, tr.n_neurons, tr.n_covariates).to(device)
            self.prepare(net, tr)
            result = train_network(net, tr, va, tc, device=device, label=self.name)
        self.net = net.eval()
        self.device = device
        self.shape = {"context": tr.context, "n_neurons": tr.n_neurons, "n_covariates": tr.n_covariates}
        self.dataset, self.trace_scale = identity, scale
        self.neuron_names, self.neurons_left_out = names, None
        self.fitted = {**result.as_dict(), "trace_map": scale.summary(),
                       "fit_s": round(time.perf_counter() - t0, 3),
                       "n_parameters": self.n_parameters, "device": device, "seed": tc.seed,
                       "resident": tr.resident}
        return self

    def _context_mismatch(self, frames: int, neurons: int) -> tuple[str, str]:
        """(message, hint) for a context of ``frames`` × ``neurons`` this model was not fitted on:
        which neurons it was fitted on, and which of the dataset's it was not."""
        c, n = self.shape["context"], self.shape["n_neurons"]
        message = (f"model {self.name!r} was fitted on contexts of {c} frames × {n} neurons, "
                   f"got {frames} × {neurons}")
        if neurons == n:
            return message, f"give contexts of {c} frames (the --context the model was fitted with)"
        frames_hint = "" if frames == c else f" and {c} frames (the --context it was fitted with)"
        if self.neuron_names is None:  # a file saved before neurocast recorded the neurons
            return message, ("give the neurons it was fitted on, in that order" + frames_hint
                             + " (a benchmark leaves out constant channels and neurons with NaN: "
                             "the scorecard's attribute neurons_left_out names them)")
        left_out = list(self.neurons_left_out or [])
        if left_out and neurons == n + len(left_out):
            message += (f", as many as the dataset it was saved with has; it was fitted without "
                        f"{_names(left_out)} (left out of fitting, e.g. a constant channel)")
        else:
            message += f": it was fitted on {_names(self.neuron_names)}"
        return message, ("give the neurons it was fitted on, in its order (model.neuron_names), "
                         "e.g. ds['traces'].sel(neuron=model.neuron_names)" + frames_hint)

    def config(self) -> dict:
        """The configuration as a JSON-ready dict, the training settings nested (``train``)."""
        return config_to_dict(self.cfg)

    @property
    def n_parameters(self) -> int:
        """Trainable parameters of the fitted network (0 before fitting)."""
        return 0 if self.net is None else int(sum(p.numel() for p in self.net.parameters()))

    def predict(self, context: np.ndarray, meta: WindowMeta | None = None) -> np.ndarray:
        """context (batch, C, neuron) float32 → forecast (batch, H, neuron) float32.

        Models with ``uses_stimulus`` need ``meta.stimulus`` (batch, H, covariate).
        Raises FormatError before fitting, on a context of another shape than fitted, or
        without the covariates a stimulus model needs.
        """
        context = self._check_context(context)
        if self.net is None:
            raise FormatError(f"model {self.name!r} must be fitted (or loaded) before predicting",
                              "call fit(train, val) or load_model(path)")
        c, n = self.shape["context"], self.shape["n_neurons"]
        if context.shape[1:] != (c, n):
            raise FormatError(*self._context_mismatch(context.shape[1], context.shape[2]))
        context = self.trace_scale.context_to_model(context, meta)
        future = None
        if self.uses_stimulus:
            # the covariates of the target frames: the last H of each window's C + H
            future = None if meta is None or meta.stimulus is None else meta.stimulus[:, -self.horizon:]
            k = self.shape["n_covariates"]
            if future is None or future.shape != (context.shape[0], self.horizon, k):
                raise FormatError(f"model {self.name!r} needs the {k} stimulus covariates of the "
                                  "target frames (WindowMeta.stimulus, shape (batch, H, covariate))",
                                  "predict through bench.evaluate with the dataset's stimulus")
        torch = import_torch()
        cfg = self.cfg.train
        if self._max_windows is None or self._max_windows[0] is not self.net:
            # the training loop's micro-batch bounds the activations of a forecast batch too
            window_bytes = activation_bytes(self.net, c, n, self.horizon, self.shape["n_covariates"], self.device)
            self._max_windows = (self.net, micro_batch_size(cfg, window_bytes))
        chunk = eval_batch_size(c, self.horizon, n, self._max_windows[1])
        out = np.empty((context.shape[0], self.horizon, n), dtype=np.float32)
        values = min(chunk, context.shape[0]) * (c + self.horizon) * n * self.activation_factor
        with torch_settings(threads_for(cfg, values)), torch.inference_mode(), warnings.catch_warnings():
            # a read-only context (a memory map, a zarr chunk) is fine: nothing here writes to it
            warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
            for lo in range(0, context.shape[0], chunk):
                x = torch.from_numpy(np.ascontiguousarray(context[lo:lo + chunk], dtype=np.float32))
                f = None if future is None else torch.from_numpy(
                    np.ascontiguousarray(future[lo:lo + chunk], dtype=np.float32)).to(self.device)
                out[lo:lo + chunk] = self.net(x.to(self.device), f).cpu().numpy()
        return self.trace_scale.to_data(out)


def neuron_names(source) -> list | None:
    """The ``neuron`` coordinate of a (time, neuron) source as a list (str or int names, JSON-
    ready), or None for a source without one (a numpy array)."""
    coords = getattr(source, "coords", None)
    if coords is None or "neuron" not in coords:
        return None
    return np.asarray(coords["neuron"].values).tolist()


def _names(names: list, most: int = 8) -> str:
    """'a', 'b' and 'c' — the first ``most`` of ``names`` quoted, and how many more."""
    shown = [repr(x) for x in names[:most]]
    more = len(names) - len(shown)
    if more:
        return f"{', '.join(shown)} and {more:,} more ({len(names):,} neurons)"
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
