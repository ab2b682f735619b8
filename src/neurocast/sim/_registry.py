"""The neuron-model registry: name -> NeuronModel (parameters and the engine that runs them).

Adding a neuron model is one module plus one registration line: write the module (a frozen
parameters dataclass with its defaults, ``build_network(connectome, params, **kw)`` and
``simulate(network, duration_ms, **kw)``), then register it in ``neurocast/sim/_models.py``::

    register_neuron_model(NeuronModel("my-model", MyParams(), my_build, my_simulate, "one line"))

Models with different engines live side by side: each entry names its own functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from neurocast.errors import ConfigError

__all__ = ["NEURON_MODELS", "NeuronModel", "get_neuron_model", "neuron_model", "preset_name",
           "register_neuron_model"]


@dataclass(frozen=True)
class NeuronModel:
    """A neuron model the simulator can run.

    name: registry key (lower case, e.g. "shiu-adapt"); description: one line for listings.
    params: the default parameters (a frozen dataclass instance; its class is the model's
      configuration type, and ``params.replace(**changes)`` makes variants).
    build_network: ``(connectome, params, **kw) -> network`` prepares a connectome for it.
    simulate: ``(network, duration_ms, **kw) -> Spikes`` (or the model's own result type).
    """

    name: str
    params: object
    build_network: Callable
    simulate: Callable
    description: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name or self.name != self.name.strip().lower():
            raise ConfigError(f"a neuron model's name must be a non-empty lower-case string, not {self.name!r}")
        for what in ("build_network", "simulate"):
            if not callable(getattr(self, what)):
                raise ConfigError(f"neuron model {self.name!r}: {what} must be callable")


#: Registered neuron models by name (filled by neurocast.sim._models).
NEURON_MODELS: dict[str, NeuronModel] = {}


def register_neuron_model(model: NeuronModel, *, replace: bool = False) -> NeuronModel:
    """Add ``model`` to NEURON_MODELS; ConfigError if the name is taken (unless ``replace``)."""
    if not isinstance(model, NeuronModel):
        raise ConfigError(f"register a NeuronModel, not a {type(model).__name__}")
    if model.name in NEURON_MODELS and not replace:
        raise ConfigError(f"a neuron model named {model.name!r} is already registered",
                          "choose another name or pass replace=True")
    NEURON_MODELS[model.name] = model
    return model


def get_neuron_model(name: str) -> NeuronModel:
    """The registered NeuronModel ``name``; unknown names list the known ones."""
    if not isinstance(name, str):
        raise ConfigError(f"a neuron model is named by a string, not a {type(name).__name__}",
                          f"use one of {', '.join(NEURON_MODELS)}, or pass params=ShiuParams(...)")
    if name not in NEURON_MODELS:
        from neurocast.errors import unknown_name

        raise unknown_name("neuron model", name, NEURON_MODELS)
    return NEURON_MODELS[name]


def neuron_model(name: str):
    """The default parameters of the registered model ``name`` (e.g. a ShiuParams)."""
    return get_neuron_model(name).params


def preset_name(params) -> str:
    """The registered model whose parameters are ``params`` (at any dt_ms), else "custom"."""
    for name, model in NEURON_MODELS.items():
        if type(model.params) is type(params) and model.params.replace(dt_ms=params.dt_ms) == params:
            return name
    return "custom"
