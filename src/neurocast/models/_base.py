"""The forecaster interface and the registry of forecasters.

A ``Forecaster`` has ``fit(train, val)`` and ``predict(context, meta)``:

* ``train`` and ``val`` are sequences of ``neurocast.data.Segment``: frames of one split of one
  condition, read on demand, so fitting can stream;
* ``predict`` maps a context batch shaped (batch, C, neuron) to a forecast shaped
  (batch, H, neuron); ``meta`` (``neurocast.data.WindowMeta``) says which condition and frames
  are being forecast (the stimulus baseline needs it; others ignore it).

``MODELS`` is the registry: a built-in registers with one line in ``models/__init__.py``;
a plug-in package through the entry-point group ``neurocast.models``.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import numpy as np

from neurocast._registry import Registry
from neurocast.data import DEFAULT_HORIZON, Segment, WindowMeta
from neurocast.errors import ConfigError, FormatError, NeurocastError

__all__ = ["MODELS", "Forecaster", "get_model", "parse_model_names", "register_model"]


class Forecaster:
    """Base class: ``fit(train, val)`` then ``predict(context, meta)``.

    horizon: frames forecast per window (H; default ZAPBench's 32). cfg: the model's settings,
    an instance of ``config_class`` (default: ``config_class()``); models without settings
    have ``config_class = None`` and ``cfg`` None.
    Subclasses set ``name``, ``description`` (and ``config_class``) and override ``predict``
    (and ``fit`` if they learn anything). ``fitted`` (dict) records what was chosen during
    fitting (e.g. the ridge penalty), for the scorecard's provenance.
    ``predict_batch``: windows per ``predict`` call below which the model slows down per
    window (None: any batch is as good); the bench then predicts at least that many at once
    when memory allows (``neurocast.bench.batch_windows_for``). ``uses_val``: whether ``fit``
    reads the val segments (to choose a penalty or when to stop); the bench refuses a run in
    which every val window touches a NaN frame only for models that do.
    """

    name = "forecaster"
    description = ""
    config_class: type | None = None
    predict_batch: int | None = None
    uses_val = True

    def __init__(self, horizon: int = DEFAULT_HORIZON, cfg=None):
        problem = _signature_problem(type(self))
        if problem:
            raise ConfigError(*problem)
        if int(horizon) < 1:
            raise ConfigError(f"horizon must be at least 1 frame, not {horizon}")
        self.horizon = int(horizon)
        if cfg is None:
            cfg = None if self.config_class is None else self.config_class()
        elif self.config_class is None or not isinstance(cfg, self.config_class):
            want = "no settings" if self.config_class is None else f"a {self.config_class.__name__}"
            raise ConfigError(f"model {self.name!r} takes {want}, not a {type(cfg).__name__}")
        self.cfg = cfg
        self.fitted: dict = {}

    def fit(self, train: Sequence[Segment], val: Sequence[Segment]) -> Forecaster:
        """Learn from the train segments, choose hyper-parameters on val. Returns self."""
        return self

    def predict(self, context: np.ndarray, meta: WindowMeta | None = None) -> np.ndarray:
        """Forecast: context (batch, C, neuron) float32 → (batch, H, neuron) float32."""
        raise NotImplementedError(f"{type(self).__name__} does not define predict(self, context, "
                                  "meta=None), which every Forecaster needs")

    def config(self) -> dict:
        """The model's configuration as a JSON-ready dict (for provenance)."""
        return {} if self.cfg is None else dict(self.cfg.__dict__)

    @staticmethod
    def _check_context(context: np.ndarray) -> np.ndarray:
        if context.ndim != 3:
            raise FormatError(f"context must be shaped (batch, time, neuron), not {context.shape}")
        return context



#: How the bench calls a forecaster's methods (self first): predict(context, meta), fit(train, val).
_CALLS = {"predict": "predict(self, context, meta=None)", "fit": "fit(self, train, val)"}


def _signature_problem(cls: type) -> tuple[str, str] | None:
    """(message, hint) if a method of ``cls`` cannot be called the way the bench calls it."""
    for method, usage in _CALLS.items():
        raw = inspect.getattr_static(cls, method)
        bound = isinstance(raw, (staticmethod, classmethod))  # no instance passed to it
        func = getattr(cls, method)
        try:  # as written, not as a functools.wraps decorator says (it may change the call)
            signature = inspect.signature(func, follow_wrapped=False)
            signature.bind(*(None,) * (2 if bound else 3))
        except TypeError:
            return (f"{cls.__qualname__}.{method} takes {method}{signature}, but the bench calls "
                    f"{usage}", f"define it as def {usage}")
        except ValueError:  # no signature to read (a builtin): leave it to the call
            continue
    return None


def _check_model(cls) -> None:
    """ConfigError unless ``cls`` is a Forecaster subclass with its own name and a usable predict."""
    if not (isinstance(cls, type) and issubclass(cls, Forecaster)):
        what = f"an instance of {type(cls).__name__}" if isinstance(cls, Forecaster) else repr(cls)
        raise ConfigError(f"a model is registered as a Forecaster subclass, not {what}",
                          "register the class itself, e.g. register_model(MyForecaster)")
    if cls.name == Forecaster.name:  # not named (a subclass of a named model keeps its name)
        raise ConfigError(f"the Forecaster subclass {cls.__qualname__} has no name of its own",
                          "set a class attribute, e.g. name = \"my-model\"")
    if cls.predict is Forecaster.predict:
        raise ConfigError(f"the Forecaster subclass {cls.__qualname__} does not define predict",
                          f"define def {_CALLS['predict']}")
    problem = _signature_problem(cls)
    if problem:
        raise ConfigError(*problem)


#: name -> forecaster class, in the order scorecards list them; plug-ins come last.
MODELS: Registry[type[Forecaster]] = Registry("model", group="neurocast.models", check=_check_model)


def register_model(cls: type[Forecaster], *, replace: bool = False) -> type[Forecaster]:
    """Add a Forecaster subclass under its ``name`` (usable as a class decorator).

    Raises ConfigError if ``cls`` is not a Forecaster subclass, has no ``name`` of its own, does
    not define ``predict`` or defines ``predict``/``fit`` with parameters the bench cannot call
    (``predict(context, meta)``, ``fit(train, val)``), or if the name is taken.
    """
    return MODELS.register(cls, replace=replace)


def get_model(name: str, *, horizon: int = DEFAULT_HORIZON, cfg=None) -> Forecaster:
    """A new, unfitted forecaster by registry name; ``cfg`` is its config dataclass (or None)."""
    return MODELS.get(name)(horizon=horizon, cfg=cfg)


def parse_model_names(names) -> list[str]:
    """Validate model names (a list or 'a,b,c'), dropping repeats; UnknownNameError on the first unknown.

    Raises NeurocastError if no name is given (e.g. ``--models ""``).
    """
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    out = []
    for n in names:
        MODELS.get(n)
        if n not in out:
            out.append(n)
    if not out:
        raise NeurocastError("no model names given", "name at least one, e.g. --models naive,linear")
    return out
