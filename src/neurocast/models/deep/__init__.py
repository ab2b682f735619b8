"""Learned forecasters (PyTorch, the optional ``deep`` extra) and the training they share.

Models: ``linear-mae``, ``tsmixer``, ``timemix``, ``tide`` (ZAPBench's configurations),
``population`` (one network for all neurons with a pooled population context) and
``connectome-rate`` (a leaky rate network on the connectome's edges). All train with
``TrainConfig`` (MAE, AdamW, early stopping on val MAE, seeds); ``save_model``/``load_model``
persist fitted ones (``saved_header`` reads what a file holds without building the model;
``config_to_dict`` is the JSON-ready form of a config they store; ``dataset_identity`` is what
they record of the dataset, every trace value hashed). ``resolve_device(name)``:
'auto' → 'cuda' when a GPU is present, else 'cpu'; 'cuda' without one is refused.
Importing this package does not import torch; fitting does.
"""

from neurocast.models.deep._config import DEVICES, TrainConfig, config_to_dict
from neurocast.models.deep._connectome_rate import ConnectomeRateConfig, ConnectomeRateForecaster
from neurocast.models.deep._identity import dataset_identity
from neurocast.models.deep._learned import LearnedForecaster
from neurocast.models.deep._mixers import (
    LinearMaeConfig,
    LinearMaeForecaster,
    TimemixConfig,
    TimemixForecaster,
    TsmixerConfig,
    TsmixerForecaster,
)
from neurocast.models.deep._persist import load_model, save_model, saved_header
from neurocast.models.deep._population import PopulationConfig, PopulationForecaster
from neurocast.models.deep._tide import TideConfig, TideForecaster
from neurocast.models.deep._training import resolve_device
from neurocast.models.deep._windows import WindowStream

__all__ = [
    "DEVICES",
    "LEARNED_MODELS",
    "ConnectomeRateConfig",
    "ConnectomeRateForecaster",
    "LearnedForecaster",
    "LinearMaeConfig",
    "LinearMaeForecaster",
    "PopulationConfig",
    "PopulationForecaster",
    "TideConfig",
    "TideForecaster",
    "TimemixConfig",
    "TimemixForecaster",
    "TrainConfig",
    "TsmixerConfig",
    "TsmixerForecaster",
    "WindowStream",
    "config_to_dict",
    "dataset_identity",
    "load_model",
    "resolve_device",
    "save_model",
    "saved_header",
]

#: The learned forecasters, in the order scorecards list them.
LEARNED_MODELS = (LinearMaeForecaster, TimemixForecaster, TsmixerForecaster, TideForecaster,
                  PopulationForecaster)
