"""What every connectome-constrained forecaster does with its wiring: keep it, name the wiring
control it runs (``cfg.wiring``), and check it against the recording before fitting."""

from __future__ import annotations

from neurocast.connectome import Connectome
from neurocast.errors import ConfigError, FormatError

__all__ = ["attach_connectome", "checked_connectome"]


def attach_connectome(model, connectome: Connectome | None) -> None:
    """Keep ``connectome`` on ``model`` (None: attached later, e.g. from the dataset); a model
    run under a control wiring is named ``NAME:WIRING`` (e.g. 'connectome-linear:permuted')."""
    if connectome is not None and not isinstance(connectome, Connectome):
        raise ConfigError(f"connectome must be a Connectome, not {type(connectome).__name__}")
    model.connectome = connectome
    if model.cfg.wiring != "true":
        model.name = f"{type(model).name}:{model.cfg.wiring}"


def checked_connectome(model, n_neurons: int | None = None) -> Connectome:
    """The model's connectome, after checking that there is one (ConfigError) and, given
    ``n_neurons``, that it has the recording's number of neurons (FormatError)."""
    name = type(model).name
    if model.connectome is None:
        raise ConfigError(f"{name} needs the connectome of the recorded neurons",
                          "build it with connectome=..., or attach the connectome to the dataset")
    if n_neurons is not None and model.connectome.n_neurons != n_neurons:
        raise FormatError(f"the connectome has {model.connectome.n_neurons} neurons, the data {n_neurons}",
                          "give the connectome the recording was made from (same neurons, same order)")
    return model.connectome
