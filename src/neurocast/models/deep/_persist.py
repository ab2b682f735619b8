"""Saving and loading fitted learned forecasters: weights, config, dataset identity, code version.

One file per model (``torch.save`` of plain tensors, strings and numbers, read back with
``weights_only=True``: loading a file never runs code from it), written atomically. It holds
the ``TraceScale`` the model was fitted through, so forecasts come back in the data's units,
and the names of the neurons it was fitted on (``neurons``: a benchmark fits on the dataset's
neurons less its constant channels), so a context of other neurons is refused by name. Files
saved before either existed load as before (no map; neurons not known).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from neurocast import __version__
from neurocast._files import atomic_path, json_default
from neurocast.errors import ConfigError, FormatError
from neurocast.models._base import MODELS
from neurocast.models._scaling import TraceScale
from neurocast.models.deep._config import config_from_dict, config_to_dict
from neurocast.models.deep._identity import check_identity, dataset_identity
from neurocast.models.deep._learned import LearnedForecaster, neuron_names
from neurocast.models.deep._training import import_torch, resolve_device

__all__ = ["FORMAT", "load_model", "save_model", "saved_header"]

FORMAT = "neurocast.model/1"


def save_model(model: LearnedForecaster, path: str | os.PathLike, *, dataset=None,
               overwrite: bool = True, identity: dict | None = None) -> Path:
    """Write a fitted learned forecaster to ``path`` (one file; conventionally ``NAME.pt``).

    dataset: optional xarray Dataset it was fitted on; its source, protocol, seed and version
    are stored too (and checked by ``load_model``). Raises ConfigError for a model that is not
    a fitted learned forecaster. identity: ``dataset_identity(dataset)`` when the caller
    computed it already (a benchmark hashes its dataset once for all its models).
    """
    if not isinstance(model, LearnedForecaster) or model.net is None:
        raise ConfigError(f"only fitted learned forecasters can be saved, not {model.name!r}",
                          "fit it first; closed-form baselines are refitted in seconds")
    torch = import_torch()
    given, identity = identity, dict(model.dataset or {})
    if dataset is not None:
        identity.update(dataset_identity(dataset) if given is None else given)
    payload = {
        "format": FORMAT,
        "model": type(model).name,  # the registry name (a wiring control's NAME:WIRING comes from the config)
        "horizon": model.horizon,
        "config": json.dumps(config_to_dict(model.cfg)),
        "shape": json.dumps(model.shape),
        "trace_scale": {} if model.trace_scale.identity else {
            "offset": torch.from_numpy(model.trace_scale.offset),
            "scale": torch.from_numpy(model.trace_scale.scale)},
        "dataset": json.dumps(identity, default=json_default),
        "fitted": json.dumps(model.fitted, default=json_default),
        "code_version": __version__,
        **({} if model.neuron_names is None else {"neurons": json.dumps(
            {"fitted": model.neuron_names,
             "left_out": _left_out(model.neuron_names, dataset, model.neurons_left_out)},
            default=json_default)}),
        "state": {k: v.detach().cpu() for k, v in model.net.state_dict().items()},
    }
    path = Path(path)
    with atomic_path(path, overwrite=overwrite) as tmp:
        torch.save(payload, tmp)
    return path


def load_model(path: str | os.PathLike, *, dataset=None, device: str | None = None,
               identity: dict | None = None) -> LearnedForecaster:
    """Read a model written by ``save_model``; ready to ``predict``.

    dataset: the xarray Dataset (or traces array) it will forecast; if given, its neuron count,
    neuron names, source, protocol, seed and version must match those stored (FormatError
    otherwise). device: override the saved config's device ('auto', 'cpu', 'cuda').
    identity: ``dataset_identity(dataset)`` when the caller computed it already.
    Raises FormatError for a missing or foreign file.
    """
    path = Path(path)
    payload = _read(path)
    name = payload["model"]
    given, identity = identity, json.loads(payload["dataset"])
    if dataset is not None:
        check_identity(identity, dataset, what=f"model {name!r} in '{path}'", identity=given)
    cls = MODELS[name]
    cfg = config_from_dict(cls.config_class, json.loads(payload["config"]))
    model = cls(horizon=int(payload["horizon"]), cfg=cfg)
    shape = json.loads(payload["shape"])
    model.device = resolve_device(device or cfg.train.device)
    net = model.restore_net(shape, payload["state"])
    net.load_state_dict(payload["state"])
    model.net = net.to(model.device).eval()
    model.shape, model.dataset = shape, identity
    # files saved before the map was stored were fitted on the traces as they are
    saved = payload.get("trace_scale")
    model.trace_scale = (TraceScale(saved["offset"].numpy(), saved["scale"].numpy())
                         if isinstance(saved, dict) and saved else TraceScale())
    # files saved before the neurons were stored: not known (None)
    neurons = json.loads(payload["neurons"]) if "neurons" in payload else {}
    model.neuron_names = neurons.get("fitted")
    model.neurons_left_out = (None if model.neuron_names is None else
                              _left_out(model.neuron_names, dataset, neurons.get("left_out")))
    model.fitted = {**json.loads(payload["fitted"]), "loaded_from": str(path),
                    "saved_by": payload["code_version"]}
    return model


def _left_out(fitted: list, dataset, known: list | None) -> list | None:
    """The names of ``dataset``'s neurons not in ``fitted`` (in the dataset's order), or
    ``known`` when the dataset is not given or names no neurons."""
    if dataset is None:
        return known
    names = neuron_names(dataset["traces"] if hasattr(dataset, "data_vars") else dataset)
    if names is None:
        return known
    kept = set(fitted)
    return [x for x in names if x not in kept]


def saved_header(path: str | os.PathLike) -> dict:
    """What a file written by ``save_model`` says about its model, without building it:
    {'model': registry name, 'horizon', 'config' (the dict as saved: fields added since are
    absent), 'shape', 'dataset' (identity), 'fitted', 'code_version'}. Raises FormatError as
    ``load_model``."""
    payload = _read(Path(path))
    return {"model": payload["model"], "horizon": int(payload["horizon"]),
            "code_version": payload["code_version"],
            **{k: json.loads(payload[k]) for k in ("config", "shape", "dataset", "fitted")}}


def _read(path: Path) -> dict:
    """The payload of a model file, checked to be ours and of a model this neurocast knows."""
    torch = import_torch()
    if not path.is_file():
        raise FormatError(f"no saved model at '{path}'", "check the path (save_model writes one file)")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for a file that is not its own
        raise FormatError(f"'{path}' is not a saved neurocast model ({type(exc).__name__})",
                          "give a file written by save_model / --save-models") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise FormatError(f"'{path}' is not a saved neurocast model (format "
                          f"{payload.get('format') if isinstance(payload, dict) else None!r})",
                          f"expected format {FORMAT!r}")
    name = payload["model"]
    if name not in MODELS or not issubclass(MODELS[name], LearnedForecaster):
        raise FormatError(f"'{path}' holds model {name!r}, which this neurocast does not know",
                          "use the neurocast version that saved it")
    return payload
