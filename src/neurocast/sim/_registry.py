"""The neuron-model registry: name -> NeuronModel (parameters and the engine that runs them).

Adding a neuron model is one module plus one registration line: write the module (a frozen
parameters dataclass with its defaults and a ``dt_ms`` field, ``build_network(connectome, params,
**kw)``, ``simulate(network, duration_ms, **kw)`` and, for recordings,
``simulate_chunks(network, duration_ms, chunk_ms, *, inputs, seed)``), then register it in
``neurocast/sim/_models.py``::

    register_neuron_model(NeuronModel("my-model", MyParams(), my_build, my_simulate, "one line",
                                      simulate_chunks=my_chunks))

Models with different engines live side by side: each entry names its own functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from neurocast._registry import Registry, instance_of
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
    simulate_chunks: ``(network, duration_ms, chunk_ms, *, inputs, seed) -> Iterator[Spikes]``:
      one continuous run yielded chunk by chunk (``attrs["start_step"]`` on each), what
      ``neurocast.record`` runs; ``inputs`` are ``PoissonInput`` s. None: the model cannot record.
      Spiking models yield spikes; others yield whatever events their calcium follows.
    record_dt_ms: the step ``record`` simulates with when the plan gives no parameters
      (None: ``params.dt_ms``).
    """

    name: str
    params: object
    build_network: Callable
    simulate: Callable
    description: str = ""
    simulate_chunks: Callable | None = None
    record_dt_ms: float | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name or self.name != self.name.strip().lower():
            raise ConfigError(f"a neuron model's name must be a non-empty lower-case string, not {self.name!r}")
        for what in ("build_network", "simulate"):
            if not callable(getattr(self, what)):
                raise ConfigError(f"neuron model {self.name!r}: {what} must be callable")
        if self.simulate_chunks is not None and not callable(self.simulate_chunks):
            raise ConfigError(f"neuron model {self.name!r}: simulate_chunks must be callable or None")
        if not callable(getattr(self.params, "replace", None)) or not hasattr(self.params, "dt_ms"):
            raise ConfigError(f"neuron model {self.name!r}: params need a dt_ms field and a replace() method",
                              "use a frozen dataclass like ShiuParams or GradedParams")
        if self.record_dt_ms is not None and not self.record_dt_ms > 0:
            raise ConfigError(f"neuron model {self.name!r}: record_dt_ms must be > 0 or None, "
                              f"not {self.record_dt_ms!r}")

    def recording_params(self):
        """The parameters ``record`` uses by default: ``params`` at ``record_dt_ms`` (if set)."""
        return self.params if self.record_dt_ms is None else self.params.replace(dt_ms=self.record_dt_ms)


#: Registered neuron models by name (built-ins in neurocast.sim._models; plug-ins through the
#: entry-point group ``neurocast.neuron_models``).
NEURON_MODELS: Registry[NeuronModel] = Registry("neuron model", group="neurocast.neuron_models",
                                                 check=instance_of(NeuronModel))


def register_neuron_model(model: NeuronModel, *, replace: bool = False) -> NeuronModel:
    """Add ``model`` to NEURON_MODELS; ConfigError if the name is taken (unless ``replace``)."""
    if not isinstance(model, NeuronModel):
        raise ConfigError(f"register a NeuronModel, not a {type(model).__name__}")
    return NEURON_MODELS.register(model, replace=replace)


def get_neuron_model(name: str) -> NeuronModel:
    """The registered NeuronModel ``name``; unknown names list the known ones."""
    if not isinstance(name, str):
        raise ConfigError(f"a neuron model is named by a string, not a {type(name).__name__}",
                          f"use one of {', '.join(NEURON_MODELS)}, or pass params=ShiuParams(...)")
    return NEURON_MODELS.get(name)


def neuron_model(name: str):
    """The default parameters of the registered model ``name`` (e.g. a ShiuParams)."""
    return get_neuron_model(name).params


def preset_name(params) -> str:
    """The registered model whose parameters are ``params`` (at any dt_ms), else "custom"."""
    for name, model in NEURON_MODELS.items():
        if type(model.params) is type(params) and model.params.replace(dt_ms=params.dt_ms) == params:
            return name
    return "custom"
