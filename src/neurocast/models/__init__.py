"""Forecasters: ``fit(train, val)`` then ``predict(context)`` on (batch, time, neuron) arrays.

``MODELS`` is the registry (name -> Forecaster subclass): the baselines naive, mean, stimulus,
linear and var; the connectome-constrained connectome-linear and connectome-rate (they need the
connectome: ``connectome=``, or the dataset's own in the bench); the learned forecasters
linear-mae, timemix, tsmixer, tide and population (``neurocast.models.deep``; fitting them needs the ``deep`` extra,
PyTorch); then any plug-in. Build one by name with ``get_model(name, horizon=H)``; unknown names
raise UnknownNameError listing the known ones (and near matches).
To add a forecaster: write a module with a Forecaster subclass and register it below with one
line (``register_model(MyForecaster)``), or, from another package, name it under the entry-point
group ``neurocast.models`` (docs/architecture.md).
"""

from neurocast.models._base import MODELS, Forecaster, get_model, parse_model_names, register_model
from neurocast.models._baselines import (
    MeanForecaster,
    NaiveForecaster,
    StimulusConfig,
    StimulusForecaster,
)
from neurocast.models._connectome_linear import ConnectomeLinearConfig, ConnectomeLinearForecaster
from neurocast.models._linear import LinearConfig, LinearForecaster
from neurocast.models._scaling import TraceScale
from neurocast.models._var import VarConfig, VarForecaster
from neurocast.models.deep import (
    ConnectomeRateForecaster,
    LinearMaeForecaster,
    PopulationForecaster,
    TideForecaster,
    TimemixForecaster,
    TsmixerForecaster,
)

register_model(NaiveForecaster)
register_model(MeanForecaster)
register_model(StimulusForecaster)
register_model(LinearForecaster)
register_model(VarForecaster)
register_model(ConnectomeLinearForecaster)
register_model(ConnectomeRateForecaster)
register_model(LinearMaeForecaster)
register_model(TimemixForecaster)
register_model(TsmixerForecaster)
register_model(TideForecaster)
register_model(PopulationForecaster)

__all__ = [
    "MODELS",
    "ConnectomeLinearConfig",
    "ConnectomeLinearForecaster",
    "Forecaster",
    "LinearConfig",
    "LinearForecaster",
    "MeanForecaster",
    "NaiveForecaster",
    "StimulusConfig",
    "StimulusForecaster",
    "TraceScale",
    "VarConfig",
    "VarForecaster",
    "get_model",
    "parse_model_names",
    "register_model",
]
