"""``connectome-rate``: a leaky rate network whose recurrent weights exist only on the
connectome's edges, trained with the shared training loop (MAE, AdamW, early stopping).

The network (``_net_rate.RateNet``): per-neuron learned time constant, gain, bias and calcium
read-out; one learned weight per chemical connection (signed synapse count or float weight)
and per gap-junction direction (+ contact count), times a learned scale; the state at the end
of the context inferred from the context by a learned filter; the stimulus covariates of the
target frames (standardised) as inputs when the dataset has them.

Controls (``wiring``): 'true', 'permuted', 'rewired', 'none' (``neurocast.connectome
.wiring_control``: same model on another graph) and 'lowrank': the edges replaced by a dense
W = U Vᵀ whose rank r = round(E / 2N) (at least 1) gives it the same number of coupling
parameters as the true wiring's E edges (``rank`` overrides it).

Held-out neurons (``Segment.hidden``): their context is never used, in training or in
prediction; their state comes from their partners through the network, and their targets are
trained on like every other neuron's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from neurocast.connectome import WIRINGS, Connectome, wiring_control
from neurocast.data import DEFAULT_HORIZON, Segment, WindowMeta
from neurocast.errors import ConfigError, FormatError, unknown_name
from neurocast.models._wired import attach_connectome, checked_connectome
from neurocast.models.deep._config import TrainConfig
from neurocast.models.deep._learned import LearnedForecaster

__all__ = ["RATE_WIRINGS", "ConnectomeRateConfig", "ConnectomeRateForecaster", "rate_edges"]

#: The wiring controls of connectome-rate: those of every connectome model, then the dense
#: low-rank matrix with as many coupling parameters as the true wiring.
RATE_WIRINGS = (*WIRINGS, "lowrank")


@dataclass(frozen=True)
class ConnectomeRateConfig:
    """Settings of ``connectome-rate``.

    wiring: one of ``RATE_WIRINGS``; seed: the control's draw (permuted, rewired).
    rank: rank of the 'lowrank' control (0: matched to the true wiring's edge count).
    tau_frames, tau_calcium_frames: initial membrane and calcium time constants (frames, > 1).
    train: the shared training settings (``TrainConfig``; its seed sets the initial weights).
    """

    wiring: str = "true"
    seed: int = 0
    rank: int = 0
    tau_frames: float = 2.0
    tau_calcium_frames: float = 1.5
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self):
        if self.wiring not in RATE_WIRINGS:
            raise unknown_name("wiring control", self.wiring, RATE_WIRINGS)
        if self.rank < 0:
            raise ConfigError(f"rank must be >= 0 (0: matched to the edge count), not {self.rank}")
        for name in ("tau_frames", "tau_calcium_frames"):
            if not getattr(self, name) > 1.0:
                raise ConfigError(f"{name} must be above 1 frame, not {getattr(self, name)}")


def rate_edges(connectome: Connectome) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The recurrent edges of the rate network: (pre int64 (E,), post int64 (E,), w0 float32 (E,)).

    Chemical connections pre→post with their signed weight (signed synapse count, or float
    weight), then both directions of every gap junction with +contact count (self pairs
    dropped). w0 is that strength divided by (mean |strength| × mean in-degree), so that the
    summed input of a neuron starts at about unit scale; all zeros without edges.
    """
    n = connectome.n_neurons
    pre = np.repeat(np.arange(n, dtype=np.int64), np.diff(connectome.indptr))
    post = connectome.indices.astype(np.int64)
    gpre = np.repeat(np.arange(n, dtype=np.int64), np.diff(connectome.gap_indptr))
    gpost = connectome.gap_indices.astype(np.int64)
    other = gpre != gpost
    pre = np.concatenate([pre, gpre[other]])
    post = np.concatenate([post, gpost[other]])
    w = np.concatenate([connectome.weight.astype(np.float64), connectome.gap_count[other].astype(np.float64)])
    if w.size:
        norm = np.abs(w).mean() * max(w.size / max(n, 1), 1.0)
        w = w / (norm if norm > 0 else 1.0)
    return pre, post, w.astype(np.float32)


class ConnectomeRateForecaster(LearnedForecaster):
    """Leaky rate network on the connectome's edges (see the module docstring).

    connectome: the wiring of the recorded neurons (neuron k = column k of the data; ``fit``
    checks the count); the bench passes the dataset's own. After ``fit``: ``net`` (best val
    weights), ``n_edges`` (coupling parameters) and ``fitted`` (training record, wiring,
    edges, rank, parameter count).
    """

    name = "connectome-rate"
    description = "leaky rate network on the connectome's edges (PyTorch; learned taus, gains, read-out)"
    config_class = ConnectomeRateConfig
    needs_connectome = True
    activation_factor = 4  # per step: rates, input, state and calcium of every neuron

    def __init__(self, horizon: int = DEFAULT_HORIZON, cfg: ConnectomeRateConfig | None = None,
                 *, connectome: Connectome | None = None):
        super().__init__(horizon, cfg)
        attach_connectome(self, connectome)
        self.hidden: np.ndarray | None = None
        self.n_edges = 0

    def fit(self, train: Sequence[Segment], val: Sequence[Segment]):
        """Train on the train windows (held-out neurons' contexts unused); stop on val MAE."""
        checked_connectome(self)  # before the segment check: the more useful message
        if not train:
            raise FormatError("connectome-rate got no train segments", "check the protocol's splits")
        n = train[0].n_neurons
        checked_connectome(self, n)
        hidden = getattr(train[0], "hidden", None)
        self.hidden = np.zeros(n, bool) if hidden is None else np.asarray(hidden, bool).copy()
        self.uses_stimulus = train[0].stimulus is not None
        super().fit(train, val)
        self.fitted.update({"wiring": self.cfg.wiring, "n_edges": self.n_edges,
                            "rank": getattr(self.net, "rank", 0),
                            "n_heldout_neurons": int(self.hidden.sum())})
        return self

    def build_net(self, context, n_neurons, n_covariates):
        from neurocast.models.deep._net_rate import RateNet  # imports torch (optional)

        cfg = self.cfg
        rank = 0
        if cfg.wiring == "lowrank":
            pre, post, w0 = rate_edges(self.connectome)  # the true wiring sets the parameter budget
            rank = cfg.rank or max(1, round(len(w0) / (2 * n_neurons)))
            self.n_edges = 2 * n_neurons * rank
            pre = post = np.zeros(0, np.int64)
            w0 = np.zeros(0, np.float32)
        else:
            pre, post, w0 = rate_edges(wiring_control(self.connectome, cfg.wiring, seed=cfg.seed))
            self.n_edges = len(w0)
        return RateNet(n_neurons, pre, post, w0, (~self.hidden).astype(np.float32), n_covariates,
                       self.horizon, rank=rank, tau_frames=cfg.tau_frames,
                       tau_calcium_frames=cfg.tau_calcium_frames)

    def restore_net(self, shape: dict, state: dict):
        """The network of a saved model, from its saved state alone: the edges it was trained on
        (buffers ``pre``, ``post``; under a control, the drawn graph), the low-rank factors'
        rank, and the held-out neurons (``observed`` 0). No connectome is needed to load it."""
        from neurocast.models.deep._net_rate import RateNet  # imports torch (optional)

        n = shape["n_neurons"]
        observed = state["observed"].numpy()
        rank = int(state["u"].shape[1]) if "u" in state else 0
        pre, post = state["pre"].numpy(), state["post"].numpy()
        self.hidden = observed == 0
        self.uses_stimulus = shape["n_covariates"] > 0
        self.n_edges = 2 * n * rank if rank else len(pre)
        return RateNet(n, pre, post, np.zeros(len(pre), np.float32), observed, shape["n_covariates"],
                       self.horizon, rank=rank, tau_frames=self.cfg.tau_frames,
                       tau_calcium_frames=self.cfg.tau_calcium_frames)

    def prepare(self, net, train):
        """Read-out at each neuron's train mean and s.d.; covariates standardised on train."""
        total = sq = stotal = ssq = 0.0
        frames = 0
        for seg in train.segments:
            x = np.asarray(seg.load(), np.float64)
            total, sq, frames = total + x.sum(axis=0), sq + (x**2).sum(axis=0), frames + x.shape[0]
            if self.uses_stimulus:
                s = seg.load_stimulus().astype(np.float64)
                stotal, ssq = stotal + s.sum(axis=0), ssq + (s**2).sum(axis=0)
        mean = total / frames
        std = np.sqrt(np.maximum(sq / frames - mean**2, 0.0))
        net.set_readout(mean, np.where(std > 1e-6, std, 1.0))
        if self.uses_stimulus:
            smean = stotal / frames
            sstd = np.sqrt(np.maximum(ssq / frames - smean**2, 0.0))
            net.set_covariate_scaling(smean, np.where(sstd > 1e-6, sstd, 1.0))

    def predict(self, context: np.ndarray, meta: WindowMeta | None = None) -> np.ndarray:
        """context (batch, C, neuron) float32 → (batch, H, neuron) float32.

        Needs ``meta.stimulus`` if the dataset had covariates. Raises FormatError if
        ``meta.hidden`` differs from the held-out neurons the model was fitted with.
        """
        hidden = None if meta is None else meta.hidden
        if self.hidden is not None and hidden is not None and not np.array_equal(np.asarray(hidden, bool), self.hidden):
            raise FormatError("the held-out neurons of these windows are not those the model was fitted for",
                              "fit on segments carrying the same held-out neurons (Segment.hidden)")
        return super().predict(context, meta)
