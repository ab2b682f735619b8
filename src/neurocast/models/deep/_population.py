"""The population forecaster: one network for every neuron, with neuron embeddings and a
pooled population context (design in docs/models.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from neurocast.errors import ConfigError
from neurocast.models.deep._config import TRAIN_NEURONS, TrainConfig, check_train_neurons
from neurocast.models.deep._learned import LearnedForecaster

__all__ = ["PopulationConfig", "PopulationForecaster"]


@dataclass(frozen=True)
class PopulationConfig:
    """hidden: per-neuron feature width d (64). embed: neuron embedding width e (16).
    pools: attention pools over neurons in the population context (4), besides the mean.
    train_neurons: neurons per training window, drawn at random each step (8,192); every
    neuron when the recording has no more, or with 0. Early stopping validates on as many
    neurons, drawn once; prediction uses all."""

    hidden: int = 64
    embed: int = 16
    pools: int = 4
    train_neurons: int = TRAIN_NEURONS
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self):
        for name in ("hidden", "embed"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.pools < 0:
            raise ConfigError(f"pools must be 0 or more, not {self.pools}")
        check_train_neurons(self.train_neurons)


class PopulationForecaster(LearnedForecaster):
    """Shared per-neuron encoder/decoder, learned neuron embeddings, population context by FiLM.

    Memory and time are O(neurons · hidden) per window; the embeddings tie a fitted model
    to its dataset's neurons (loading checks them).
    """

    name = "population"
    description = "one network for all neurons: neuron embeddings + pooled population context (FiLM)"
    config_class = PopulationConfig
    activation_factor = 2  # (batch, neuron, hidden = 64) activations vs (batch, C + H, neuron)

    def build_net(self, context, n_neurons, n_covariates):
        from neurocast.models.deep._net_population import PopulationNet  # imports torch (optional)

        c = self.cfg
        return PopulationNet(n_neurons, context, self.horizon, hidden=c.hidden, embed=c.embed,
                             pools=c.pools, train_neurons=c.train_neurons)
