"""ZAPBench's learned channel-mixing baselines: linear (MAE-trained), TSMixer and Time-Mix."""

from __future__ import annotations

from dataclasses import dataclass, field

from neurocast.errors import ConfigError
from neurocast.models.deep._config import TRAIN_NEURONS, TrainConfig, check_train_neurons
from neurocast.models.deep._learned import LearnedForecaster

__all__ = [
    "LONG_CONTEXT",
    "LinearMaeConfig",
    "LinearMaeForecaster",
    "TimemixConfig",
    "TimemixForecaster",
    "TsmixerConfig",
    "TsmixerForecaster",
]

#: Contexts of at least this many frames count as long (ZAPBench: C = 256 vs C = 4): RevIN on,
#: TSMixer's feature bottleneck 128 instead of 256.
LONG_CONTEXT = 64


def _check_blocks(blocks: int) -> None:
    if blocks < 1:
        raise ConfigError(f"blocks must be at least 1, not {blocks}")


@dataclass(frozen=True)
class LinearMaeConfig:
    """ZAPBench's linear model: Dense(C → H) shared by all neurons, trained on MAE (see TrainConfig).

    train_neurons: neurons per training window, drawn at random each step (8,192), when the
    recording has more; 0: every neuron (ZAPBench's training). See docs/models.md.
    """

    train_neurons: int = TRAIN_NEURONS
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self):
        check_train_neurons(self.train_neurons)


class LinearMaeForecaster(LearnedForecaster):
    """One Dense(C → H) over time for all neurons, initialised to 1/C, trained with AdamW on MAE.

    ZAPBench's ``linear``. The closed-form ridge model (``linear``) minimises squared error; the
    benchmark scores absolute error, which this one minimises.
    """

    name = "linear-mae"
    description = "channel-independent linear model trained on MAE (ZAPBench's linear)"
    config_class = LinearMaeConfig

    def build_net(self, context, n_neurons, n_covariates):
        from neurocast.models.deep._net_mixer import LinearNet  # imports torch (optional)

        return LinearNet(context, self.horizon, train_neurons=self.cfg.train_neurons)


@dataclass(frozen=True)
class TsmixerConfig:
    """TSMixer as ZAPBench configures it.

    blocks: mixer blocks (2). feature_width: bottleneck of the neuron-mixing MLP; None picks
    ZAPBench's: 256 at short context, 128 at long (C >= LONG_CONTEXT). revin: reversible
    instance normalisation; None: on at long context only (ZAPBench's choice).
    """

    blocks: int = 2
    feature_width: int | None = None
    revin: bool | None = None
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self):
        _check_blocks(self.blocks)
        if self.feature_width is not None and self.feature_width < 1:
            raise ConfigError(f"feature_width must be positive or None (auto), not {self.feature_width}")


class TsmixerForecaster(LearnedForecaster):
    """TSMixer: residual time-mixing (width C) and neuron-mixing (bottleneck) MLP blocks, then
    Dense(C → H). Mixes all neurons: its parameter count grows with the neuron count."""

    name = "tsmixer"
    description = "TSMixer: time- and neuron-mixing MLP blocks (ZAPBench's configuration)"
    config_class = TsmixerConfig

    def build_net(self, context, n_neurons, n_covariates):
        from neurocast.models.deep._net_mixer import MixerNet  # imports torch (optional)

        long = context >= LONG_CONTEXT
        width = self.cfg.feature_width or (128 if long else 256)
        revin = long if self.cfg.revin is None else self.cfg.revin
        return MixerNet(n_neurons, context, self.horizon, blocks=self.cfg.blocks,
                        feature_width=width, revin=revin)


@dataclass(frozen=True)
class TimemixConfig:
    """Time-Mix as ZAPBench configures it: blocks (5); revin None = on at long context only.
    train_neurons: as ``LinearMaeConfig``'s (8,192; 0: every neuron)."""

    blocks: int = 5
    revin: bool | None = None
    train_neurons: int = TRAIN_NEURONS
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self):
        _check_blocks(self.blocks)
        check_train_neurons(self.train_neurons)


class TimemixForecaster(LearnedForecaster):
    """Time-Mix: TSMixer with time mixing only, one small network shared by every neuron."""

    name = "timemix"
    description = "Time-Mix: residual time-mixing MLP blocks shared by all neurons (ZAPBench)"
    config_class = TimemixConfig

    def build_net(self, context, n_neurons, n_covariates):
        from neurocast.models.deep._net_mixer import MixerNet  # imports torch (optional)

        revin = context >= LONG_CONTEXT if self.cfg.revin is None else self.cfg.revin
        return MixerNet(n_neurons, context, self.horizon, blocks=self.cfg.blocks, feature_width=0,
                        revin=revin, train_neurons=self.cfg.train_neurons)
