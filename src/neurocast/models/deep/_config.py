"""Training settings shared by every learned forecaster, and JSON round trips of configs."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from neurocast.errors import ConfigError

__all__ = ["DEVICES", "TrainConfig", "config_from_dict", "config_to_dict"]

DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class TrainConfig:
    """How a learned forecaster is trained (defaults: ZAPBench's shared training settings).

    learning_rate, weight_decay: AdamW's (constant learning rate; decoupled weight decay).
    batch_size: windows per optimiser step. val_every: steps between validations.
    patience, min_delta: training stops at the next validation after ``patience`` in a row
    without an improvement of more than ``min_delta`` (val MAE, ΔF/F), ZAPBench's rule; the
    weights of the lowest val MAE are kept (``EarlyStopping``). max_steps: a hard cap
    (None: none, early stopping alone ends training).
    seed: initial weights and the order of training windows; the same seed gives the same
    weights on CPU. device: 'auto' (CUDA when present, else CPU), 'cpu' or 'cuda'.
    threads: torch CPU threads while training and predicting (batches of fewer than 2**20
    values use 1: a second thread costs more in synchronisation than it saves on them).
    memory_budget_gb: train frames are held in memory when they fit this budget, else read
    from the store in blocks of contiguous frames (see ``WindowStream``).
    activation_budget_gb: memory for the activations of one training step. A batch whose
    activations would exceed it is run as micro-batches whose gradients are summed before the
    optimiser step: the same gradient up to float rounding (see ``micro_batch_size``), so the
    weights can differ in their last bits from a run with a larger budget; the same config and
    seed still give the same weights.
    """

    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int = 8
    val_every: int = 250
    patience: int = 20
    min_delta: float = 1e-4
    max_steps: int | None = None
    seed: int = 0
    device: str = "auto"
    threads: int = 2
    memory_budget_gb: float = 4.0
    activation_budget_gb: float = 3.0

    def __post_init__(self):
        for name in ("batch_size", "val_every", "patience", "max_steps", "threads"):
            if getattr(self, name) is not None and int(getattr(self, name)) < 1:
                raise ConfigError(f"{name} must be at least 1, not {getattr(self, name)}")
        if not self.learning_rate > 0:
            raise ConfigError(f"learning_rate must be positive, not {self.learning_rate}")
        if self.weight_decay < 0 or self.min_delta < 0:
            raise ConfigError("weight_decay and min_delta must be non-negative, "
                              f"not {self.weight_decay} and {self.min_delta}")
        if self.device not in DEVICES:
            raise ConfigError(f"device must be one of {', '.join(DEVICES)}, not {self.device!r}")
        for name in ("memory_budget_gb", "activation_budget_gb"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be positive, not {getattr(self, name)}")


#: Neurons per training window of the models that can train on neuron samples (docs/models.md).
TRAIN_NEURONS = 8192


def check_train_neurons(value: int) -> None:
    """Raise ConfigError unless ``value`` (a config's ``train_neurons``) is 0 (off) or more."""
    if value < 0:
        raise ConfigError(f"train_neurons must be 0 or more, not {value}",
                          "e.g. 8192, or 0 to train on every neuron")


def neuron_sample(train_neurons: int, n_neurons: int) -> int:
    """Neurons per training window of a net with ``train_neurons`` (read by ``train_network``):
    that many when the recording has more, else 0 (every neuron)."""
    return train_neurons if 0 < train_neurons < n_neurons else 0


def config_to_dict(cfg) -> dict:
    """A (nested) config dataclass as a JSON-ready dict."""
    return dataclasses.asdict(cfg)


def config_from_dict(cls, values: dict):
    """Rebuild a config dataclass ``cls`` from ``config_to_dict`` output (nested TrainConfig too).

    Raises ConfigError naming unknown fields (a model saved by another version of neurocast).
    """
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ConfigError(f"{cls.__name__} has no field(s) {unknown}",
                          f"known fields: {', '.join(fields)}")
    kw = {}
    for name, value in values.items():
        default = fields[name].default
        if default is dataclasses.MISSING and fields[name].default_factory is not dataclasses.MISSING:
            default = fields[name].default_factory()
        if dataclasses.is_dataclass(default) and isinstance(value, dict):
            value = config_from_dict(type(default), value)
        elif isinstance(value, list):
            value = tuple(value)
        kw[name] = value
    return cls(**kw)
