"""neurocast: connectomes, whole-brain simulation, synthetic recordings and forecasting benchmarks.

The data flow, one stage per subpackage::

    connectome ──► sim ──► Spikes ──► observe ──► data (Dataset) ──► record ──► models ──► bench
    ──► infer, with built-in datasets in ``catalog`` and the command line in ``cli`` on top
    (docs/architecture.md).

Importing neurocast does no work: no files, no devices, no logging configuration.
"""

from importlib import import_module

#: The package version; pyproject.toml reads it from here (one home).
__version__ = "0.2.0"

#: public name -> the subpackage that defines it; imported on first use (PEP 562), so
#: ``import neurocast`` and the command line start fast.
_EXPORTS = {
    "Connectome": "neurocast.connectome",
    "Forecaster": "neurocast.models",
    "NeurocastError": "neurocast.errors",
    "Protocol": "neurocast.data",
    "ShiuParams": "neurocast.sim",
    "Spikes": "neurocast.spikes",
    "build_network": "neurocast.sim",
    "get_model": "neurocast.models",
    "get_protocol": "neurocast.data",
    "load_connectome": "neurocast.connectome",
    "open_dataset": "neurocast.catalog",
    "random_connectome": "neurocast.connectome",
    "read_connectome": "neurocast.connectome",
    "run_benchmark": "neurocast.bench",
    "save_dataset": "neurocast.data",
    "simulate": "neurocast.sim",
    "write_connectome": "neurocast.connectome",
}
#: subpackages, loaded the same way on first use as attributes (``neurocast.sim``)
_SUBPACKAGES = ("bench", "catalog", "connectome", "data", "errors", "models", "observe", "record", "sim",
                "spikes")


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
    elif name in _SUBPACKAGES:
        value = import_module(f"neurocast.{name}")
    else:
        raise AttributeError(f"module 'neurocast' has no attribute {name!r}")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS) | set(_SUBPACKAGES))

__all__ = [
    "Connectome",
    "Forecaster",
    "NeurocastError",
    "Protocol",
    "ShiuParams",
    "Spikes",
    "__version__",
    "build_network",
    "get_model",
    "get_protocol",
    "load_connectome",
    "open_dataset",
    "random_connectome",
    "read_connectome",
    "run_benchmark",
    "save_dataset",
    "simulate",
    "write_connectome",
]
