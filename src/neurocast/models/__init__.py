"""Forecasters: ``fit(train, val)`` then ``predict(context)`` on (batch, time, neuron) arrays.

Baselines (``MODELS``): naive, mean, stimulus, linear, var; learned (``neurocast.models.deep``,
needs the ``deep`` extra to fit): linear-mae, timemix, tsmixer, tide, population. Build one by name with
``get_model(name, horizon=H)``; unknown names raise UnknownNameError listing the known ones
(and near matches).
"""

from __future__ import annotations

from neurocast.data.protocol import ZAPBENCH
from neurocast.errors import UnknownNameError, unknown_name
from neurocast.models._base import Forecaster, Segment, WindowMeta, segments_for
from neurocast.models._baselines import (
    MeanForecaster,
    NaiveForecaster,
    StimulusConfig,
    StimulusForecaster,
)
from neurocast.models._linear import LinearConfig, LinearForecaster
from neurocast.models._var import VarConfig, VarForecaster
from neurocast.models.deep import LEARNED_MODELS

__all__ = [
    "MODELS",
    "Forecaster",
    "LinearConfig",
    "LinearForecaster",
    "MeanForecaster",
    "NaiveForecaster",
    "Segment",
    "StimulusConfig",
    "StimulusForecaster",
    "VarConfig",
    "VarForecaster",
    "WindowMeta",
    "get_model",
    "parse_model_names",
    "segments_for",
]

#: name -> forecaster class, in the order scorecards list them.
MODELS: dict[str, type[Forecaster]] = {
    cls.name: cls
    for cls in (NaiveForecaster, MeanForecaster, StimulusForecaster, LinearForecaster, VarForecaster,
                *LEARNED_MODELS)
}


def _unknown_model(name) -> UnknownNameError:
    """UnknownNameError for a model name: near matches (if any) and always every known name."""
    err = unknown_name("model", name, MODELS)
    known = "known: " + ", ".join(MODELS)
    hint = known if err.hint == known else f"{err.hint} {known}"
    return UnknownNameError(err.message, hint)


def get_model(name: str, *, horizon: int = ZAPBENCH.horizon, cfg=None) -> Forecaster:
    """A new, unfitted forecaster by registry name; ``cfg`` is its config dataclass (or None)."""
    if name not in MODELS:
        raise _unknown_model(name)
    return MODELS[name](horizon=horizon, cfg=cfg)


def parse_model_names(names) -> list[str]:
    """Validate a list of model names (or 'a,b,c'); raises UnknownNameError on the first unknown."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    out = []
    for n in names:
        if n not in MODELS:
            raise _unknown_model(n)
        if n not in out:
            out.append(n)
    return out
