"""TiDE with the future stimulus covariates of the target frames (ZAPBench's configuration)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurocast.errors import ConfigError
from neurocast.models.deep._config import TRAIN_NEURONS, TrainConfig, check_train_neurons
from neurocast.models.deep._learned import LearnedForecaster

__all__ = ["TideConfig", "TideForecaster"]


@dataclass(frozen=True)
class TideConfig:
    """TiDE widths (ZAPBench's): hidden (encoder/decoder, 128), decoder_dim (per step, 32),
    temporal_hidden (128), covariate_hidden (128) and covariate_dim (projection, 32).
    train_neurons: as ``LinearMaeConfig``'s (8,192; 0: every neuron)."""

    hidden: int = 128
    decoder_dim: int = 32
    temporal_hidden: int = 128
    covariate_hidden: int = 128
    covariate_dim: int = 32
    train_neurons: int = TRAIN_NEURONS
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self):
        for name in ("hidden", "decoder_dim", "temporal_hidden", "covariate_hidden", "covariate_dim"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, not {getattr(self, name)}")
        check_train_neurons(self.train_neurons)


class TideForecaster(LearnedForecaster):
    """TiDE, channel independent, forecasting from the context and the future stimulus.

    Needs a dataset with stimulus covariates; they are standardised with the mean and
    standard deviation of the train frames (constant columns are left unscaled).
    """

    name = "tide"
    description = "TiDE: residual MLP encoder/decoder with the future stimulus covariates (ZAPBench)"
    config_class = TideConfig
    uses_stimulus = True
    activation_factor = 128  # the temporal decoder's (batch, neuron, H, 128) hidden layer

    def build_net(self, context, n_neurons, n_covariates):
        from neurocast.models.deep._net_tide import TideNet  # imports torch (optional)

        c = self.cfg
        return TideNet(context, self.horizon, n_covariates, hidden=c.hidden, decoder_dim=c.decoder_dim,
                       temporal_hidden=c.temporal_hidden, covariate_hidden=c.covariate_hidden,
                       covariate_dim=c.covariate_dim,
                       train_neurons=c.train_neurons)

    def prepare(self, net, train):
        import torch  # optional heavy dependency

        total, sq, frames = 0.0, 0.0, 0
        for seg in train.segments:
            stim = seg.load_stimulus().astype(np.float64)
            total = total + stim.sum(axis=0)
            sq = sq + (stim**2).sum(axis=0)
            frames += stim.shape[0]
        mean = total / frames
        std = np.sqrt(np.maximum(sq / frames - mean**2, 0.0))
        std[std < 1e-6] = 1.0
        net.cov_mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        net.cov_std.copy_(torch.as_tensor(std, dtype=torch.float32))
