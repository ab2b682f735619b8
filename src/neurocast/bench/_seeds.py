"""Seeds of learned forecasters in the benchmark: one fitted copy per seed, saved and loaded, and
scorecards of several runs stacked along a dimension (``seed``) with the mean and 95 % CI.

A learned forecaster (``models.deep.LearnedForecaster``) is trained once per seed 0..N−1
(``TrainConfig.seed``). A connectome model under a randomly drawn wiring control ('permuted',
'rewired') is fitted once per seed too, seed k drawing the control with its config's
``seed`` + k, so that the CI covers the draw of the control. Every other forecaster is
deterministic and is fitted and scored once, under seed 0 (its scores at the other seeds are
NaN, its ``n_seeds`` is 1).

Runs along any dimension (seeds here; wirings or folds could be stacked the same way) are
combined by ``stack_runs``: each run's scorecard is built as usual, the cards are concatenated
along the new dimension (a model missing from a run is NaN there), and ``score`` becomes the
mean over the runs a model has, with ``score_ci`` the half-width of its 95 % confidence interval
(Student's t, ``seed_interval``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import xarray as xr

from neurocast import __version__
from neurocast._files import json_default
from neurocast.bench._ensemble import seed_interval
from neurocast.bench._scorecard import differing_fields
from neurocast.errors import ConfigError, FormatError, NeurocastError
from neurocast.models import MODELS, Forecaster
from neurocast.models.deep import (
    LearnedForecaster,
    config_to_dict,
    dataset_identity,
    load_model,
    save_model,
    saved_header,
)

__all__ = [
    "ENSEMBLE_VARIABLES",
    "RANDOM_WIRINGS",
    "add_ensembles",
    "add_training",
    "fit_setup",
    "is_seeded",
    "load_seeded",
    "model_file",
    "reuse_saved",
    "save_seeded",
    "seeded",
    "setup_changes",
    "stack_runs",
]


#: Scorecard variables (model, condition, steps_ahead) of seed ensembles (``ensemble_scores``).
ENSEMBLE_VARIABLES = ("ensemble_mae", "crps", "spread", "skill", "spread_skill")


#: Wiring controls drawn at random: a model under one of them is fitted once per seed.
RANDOM_WIRINGS = ("permuted", "rewired")


def _random_wiring(model: Forecaster) -> bool:
    cfg = getattr(model, "cfg", None)
    return getattr(cfg, "wiring", None) in RANDOM_WIRINGS and hasattr(cfg, "seed")


def is_seeded(model: Forecaster) -> bool:
    """True for forecasters whose fit depends on the seed: trained ones, and connectome models
    under a randomly drawn wiring control (``RANDOM_WIRINGS``); False for deterministic ones."""
    return isinstance(model, LearnedForecaster) or _random_wiring(model)


def learned_names(names) -> list[str]:
    """The registered model names among ``names`` that train (one fit per seed)."""
    return [n for n in names if isinstance(n, str) and n in MODELS
            and isinstance(MODELS.get(n), type) and issubclass(MODELS.get(n), LearnedForecaster)]


def seeded(model: Forecaster, seed: int, *, device: str | None = None,
           max_steps: int | None = None) -> Forecaster:
    """A new, unfitted copy of a seeded ``model`` (``is_seeded``) for run ``seed``: a learned
    model trained with ``seed`` (and optionally another device, 'auto' / 'cpu' / 'cuda', and a
    cap on training steps); a random wiring control drawn with the config's ``seed`` + ``seed``.
    A connectome model keeps its connectome. Raises ConfigError (via ``TrainConfig``) for a bad
    device or cap."""
    changes = {}
    if _random_wiring(model):
        changes["seed"] = int(model.cfg.seed) + int(seed)
    if isinstance(model, LearnedForecaster):
        train = {"seed": int(seed)}
        if device is not None:
            train["device"] = device
        if max_steps is not None:
            train["max_steps"] = int(max_steps)
        changes["train"] = dataclasses.replace(model.cfg.train, **train)
    extra = {"connectome": model.connectome} if getattr(model, "needs_connectome", False) else {}
    return type(model)(horizon=model.horizon, cfg=dataclasses.replace(model.cfg, **changes), **extra)


def model_file(folder, name: str, seed: int) -> Path:
    """Where ``--save-models`` puts (and ``--load-models`` finds) model ``name`` trained with
    ``seed``: ``NAME-seedK.pt``, a control's ':' as '-' (``connectome-rate-permuted-seed0.pt``)."""
    return Path(folder) / f"{name.replace(':', '-')}-seed{int(seed)}.pt"


def save_seeded(model: LearnedForecaster, folder, seed: int, dataset, *,
                identity: dict | None = None) -> Path:
    """Save a fitted learned model of one seed into ``folder`` (created), with ``dataset``'s
    identity (``identity``: ``dataset_identity(dataset)`` if already computed)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the model folder '{folder}': {exc.strerror}",
                          "choose a writable folder with --save-models") from None
    return save_model(model, model_file(folder, model.name, seed), dataset=dataset, identity=identity)


def load_seeded(folder, name: str, seed: int, dataset, *, context: int, horizon: int,
                device: str | None = None, setup: dict | None = None,
                identity: dict | None = None, wiring: bool = False) -> LearnedForecaster:
    """The model ``name`` of ``seed`` saved in ``folder``, checked against ``dataset`` (its neurons,
    frames, frame interval, source, protocol, seed and version), the context C, the horizon H
    and, when both are known, the fitting ``setup`` (``fit_setup``: the protocol's splits and
    held-out conditions and neurons, the neurons kept, the frames left out and the pauses).
    identity: ``dataset_identity(dataset)`` if already computed (else computed here).
    wiring: a pass of a ``--wiring`` run (the hint for a missing file then names --wiring, as it
    does for a wiring control's file, ``NAME:CONTROL``).

    Raises FormatError for a missing file or a model fitted on another dataset (or, for a model
    that reads the stimulus, on another number of covariates), ConfigError for
    another C or H, or another setup (its test frames may have been its training frames).
    """
    path = model_file(folder, name, seed)
    if not path.is_file():
        same = "--models, --seeds and --wiring" if wiring or ":" in name else "--models and --seeds"
        raise FormatError(f"no saved model {name!r} of seed {seed} in '{folder}' (expected '{path.name}')",
                          f"save it first with neurocast bench ... --save-models DIR and the same {same}")
    model = load_model(path, dataset=dataset, device=device, identity=identity)
    if model.name != name:
        raise FormatError(f"'{path}' holds model {model.name!r}, not {name!r}",
                          "do not rename the files --save-models writes")
    if model.horizon != horizon or model.shape["context"] != context:
        raise ConfigError(f"model {name!r} in '{path}' forecasts C = {model.shape['context']} → "
                          f"H = {model.horizon}, the benchmark asks C = {context} → H = {horizon}",
                          f"use --context {model.shape['context']} --horizon {model.horizon}, "
                          "or fit the model again")
    if model.uses_stimulus and model.shape["n_covariates"] != _n_covariates(dataset):
        raise FormatError(f"model {name!r} in '{path}' forecasts from {model.shape['n_covariates']} "
                          f"stimulus covariate(s), the dataset has {_n_covariates(dataset)}",
                          "load it with the dataset it was fitted on, or fit the model again")
    saved = model.fitted.get("setup")
    changes = setup_changes(saved, setup) if setup is not None and saved is not None else []
    if changes:
        raise _setup_error(name, path, saved, setup, changes)
    return model


#: The bench options that set each part of ``fit_setup`` that can differ when a model is loaded
#: (the protocol's fields by name). C and H are not here (``load_seeded`` checks them first), nor
#: the folds (--folds does not go with saving or loading models). Under the same protocol name,
#: the conditions and held-out conditions come from the dataset instead (``_DATASET_FIELDS``).
_SETUP_OPTIONS = {
    "name": ("--protocol",), "conditions": ("--protocol",), "offsets": ("--protocol",),
    "heldout": ("--protocol",), "padding": ("--protocol",), "val_fraction": ("--protocol",),
    "test_fraction": ("--protocol",), "max_context": ("--protocol",),
    "heldout_neurons": ("--heldout-neurons",), "neuron_seed": ("--neuron-seed",),
    "neurons": ("--nan", "--keep-constant"), "frames_left_out": ("--nan",),
}
#: The protocol fields that, under the same protocol name, are the dataset's (what they are).
_DATASET_FIELDS = {"conditions": "conditions", "offsets": "conditions", "heldout": "held-out conditions"}
#: What the parts of ``fit_setup`` that are not protocol fields are, in a message.
_SETUP_PARTS = {"neurons": "the neurons fitted", "frames_left_out": "the frames left out (NaN)",
                "pauses": "the pauses no window crosses"}
#: The parts of ``fit_setup`` that ``setup_changes`` does not compare one by one.
_NOT_COMPARED = ("protocol", "fingerprint")


def _listed(items) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


_MISSING = object()


def _shown(value) -> str:
    """A saved or given value in a message: JSON, cut to 60 characters ('not set' if missing)."""
    text = "not set" if value is _MISSING else json.dumps(value, default=json_default)
    return text if len(text) <= 60 else text[:57] + "..."


def _setup_what(saved, setup: dict, changes: list[str]) -> str:
    """What differs between the fitting setup a model was ``saved`` with and ``setup``
    (``changes``: ``setup_changes``), as "FIELD: X (fitted) vs Y (given)" or "PART differ"."""
    if changes == ["fingerprint"]:  # saved by an older neurocast: which part differs is unknown
        return ("its splits, held-out conditions or neurons, NaN policy, neurons kept or windows "
                "across pauses left out; the file does not say which")
    fitted, given = saved.get("protocol"), setup["protocol"]
    fitted = fitted if isinstance(fitted, dict) else {}
    return "; ".join(
        f"{c}: {_shown(fitted.get(c, _MISSING))} (fitted) vs {_shown(given.get(c, _MISSING))} (given)"
        if c in fitted or c in given else
        _SETUP_PARTS[c] + " differ" if c in _SETUP_PARTS else f"{c} differs" for c in changes)


def _setup_error(name: str, path: Path, saved, setup: dict, changes: list[str]) -> ConfigError:
    """The error for a model loaded under another fitting setup, naming what differs (a setup
    saved as a fingerprint only: the parts it may be) and the options that set it (the same
    "(fitted) vs (given)" as a model loaded with another dataset, ``check_identity``)."""
    options, dataset, others = [], [], []
    what = _setup_what(saved, setup, changes)
    if changes == ["fingerprint"]:
        options = ["--protocol", "--heldout-neurons", "--neuron-seed", "--nan", "--keep-constant"]
    else:
        renamed = "name" in changes  # else the conditions changed with the dataset
        for c in changes:
            if c in _DATASET_FIELDS and not renamed:
                dataset.append(_DATASET_FIELDS[c])
            elif c in _SETUP_OPTIONS:
                options.extend(_SETUP_OPTIONS[c])
            elif c != "pauses":
                others.append(c)
    options, dataset = list(dict.fromkeys(options)), list(dict.fromkeys(dataset))
    ways = ([f"the {_listed(options)} option{'s' if len(options) > 1 else ''} it was saved with"]
            if options else []) + \
        ([f"the dataset's {_listed(dataset)} as they were"] if dataset else []) + \
        (["the same pauses in the frame times"] if "pauses" in changes else []) + \
        ([f"the same {_listed(others)} as when it was saved"] if others else [])
    return ConfigError(f"model {name!r} in '{path}' was fitted under another protocol or split "
                       f"({what}): its training frames may be this run's test frames",
                       f"load it with {_listed(ways)}, or fit it again")


def reuse_saved(folder, model: LearnedForecaster, seed: int, dataset, *, context: int,
                setup: dict, identity: dict | None = None) -> tuple[LearnedForecaster | None, str | None]:
    """(the copy of the unfitted ``model`` (seed ``seed``) that ``folder`` already holds, None),
    or (None, why the file there does not count), or (None, None) when there is no file.

    A rerun with the same ``--save-models`` folder then trains only what is missing (e.g. after
    a crash, Ctrl-C, or to add a seed). The saved file counts only if it holds the same model
    with the same configuration as saved (seed, training options, device and threads included;
    a file from before a field was added does not count), the same C and H, was fitted on this
    dataset with the same ``setup`` (``fit_setup``: protocol, neurons and frames used) by this
    version of neurocast, through a recorded ``TraceScale`` (a file from before the map existed
    was fitted on raw fluorescence as it is), and was trained to its end (not interrupted).
    Anything else, or a file that cannot be read, is trained again and saved over.
    identity: ``dataset_identity(dataset)`` if already computed.

    why completes "'FILE' held a model ...", naming every difference found, e.g. 'of another
    configuration (train.max_steps: 100 (fitted) vs 150 (given))', 'of another dataset (other
    trace values (traces_sha1))', 'of another protocol or split (heldout_neurons: 0.0 (fitted)
    vs 0.25 (given))', 'whose training was interrupted (Ctrl-C) at step 120', or 'that cannot be
    read (WHY)'; several joined by 'and'.
    """
    path = model_file(folder, model.name, seed)
    if not path.is_file():
        return None, None
    try:
        head = saved_header(path)
    except NeurocastError as err:
        return None, f"that cannot be read ({err.message})"
    except Exception as exc:  # any unreadable file is trained anew
        return None, f"that cannot be read ({type(exc).__name__}: {exc})"
    try:
        why = _why_not_reused(head, model, dataset, context=context, setup=setup, identity=identity)
    except Exception as exc:  # a header of another shape (foreign or edited file)
        why = [f"that cannot be read ({type(exc).__name__}: {exc})"]
    if why:
        return None, " and ".join(why)
    try:
        return load_model(path, dataset=dataset, device=model.cfg.train.device, identity=identity), None
    except NeurocastError as err:  # the dataset check of load_model (legacy hashes) or another
        tail = err.message.partition(" was fitted on another dataset: ")[2]
        return None, f"of another dataset ({tail})" if tail else f"that cannot be loaded ({err.message})"
    except Exception as exc:  # e.g. weights that do not fit the network
        return None, f"that cannot be loaded ({type(exc).__name__}: {exc})"


#: The hashed parts of a dataset's identity (``dataset_identity``), in words.
_HASHED = {"neuron_sha1": "other neuron names or order", "traces_sha1": "other trace values"}


def _flat(config: dict, prefix: str = "") -> dict:
    """A nested config dict with dotted keys ('train.max_steps')."""
    out = {}
    for key, value in config.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _why_not_reused(head: dict, model: LearnedForecaster, dataset, *, context: int, setup: dict,
                    identity: dict | None) -> list[str]:
    """What makes a saved model (its ``saved_header``) other than the one this run would train
    (see ``reuse_saved``); [] if nothing does."""
    if head["model"] != type(model).name:
        return [f"of another model ({_shown(head['model'])} (fitted) vs {_shown(type(model).name)} (given))"]
    why = []
    saved_identity = head.get("dataset") or {}
    now = dataset_identity(dataset) if identity is None else identity
    differ = [k for k in saved_identity if k in now and k != "frames_sha1"  # frames: load_model checks
              and saved_identity[k] != now[k]]
    if differ:
        why.append("of another dataset (" + "; ".join(
            f"{_HASHED[k]} ({k})" if k in _HASHED else
            f"{k}: {_shown(saved_identity[k])} (fitted) vs {_shown(now[k])} (given)" for k in differ) + ")")
    fitted_c, fitted_h = head["shape"].get("context"), head["horizon"]
    if (fitted_c, fitted_h) != (context, model.horizon):
        why.append(f"of another context or horizon (C = {fitted_c} → H = {fitted_h} (fitted) vs "
                   f"C = {context} → H = {model.horizon} (given))")
    saved_config = _flat(head["config"])
    config = _flat(json.loads(json.dumps(config_to_dict(model.cfg), default=json_default)))
    fields = differing_fields(config, saved_config)
    if fields:
        why.append("of another configuration (" + "; ".join(
            f"{f}: {_shown(saved_config.get(f, _MISSING))} (fitted) vs {_shown(config.get(f, _MISSING))} (given)"
            for f in fields) + ")")
    elif head["config"] != json.loads(json.dumps(config_to_dict(model.cfg), default=json_default)):
        why.append("of another configuration")  # e.g. an empty section: no field to name
    if model.uses_stimulus and head["shape"].get("n_covariates") != _n_covariates(dataset):
        why.append(f"of another number of stimulus covariates ({_shown(head['shape'].get('n_covariates', _MISSING))} "
                   f"(fitted) vs {_n_covariates(dataset)} (given))")
    saved_setup = head["fitted"].get("setup")
    changes = setup_changes(saved_setup, setup)
    if changes and not differ:  # another dataset has other neurons and frames anyway
        why.append(f"of another protocol or split ({_setup_what(saved_setup, setup, changes)})")
    if head["code_version"] != __version__:
        why.append(f"of another neurocast version ({_shown(head['code_version'])} (fitted) vs "
                   f"{_shown(__version__)} (given))")
    if head["fitted"].get("stopped_by") == "interrupted":
        why.append(f"whose training was interrupted (Ctrl-C) at step {head['fitted'].get('steps', 0):,}")
    if "trace_map" not in head["fitted"]:  # saved before the trace map existed: fitted on raw traces
        why.append("fitted before neurocast mapped the traces per neuron (on the raw traces)")
    return why


def _n_covariates(dataset) -> int:
    """The number of stimulus covariates of a Dataset (0 without them)."""
    return int(dataset["stimulus"].shape[1]) if "stimulus" in dataset else 0


def _sha1(values: np.ndarray | None) -> str | None:
    return None if values is None else hashlib.sha1(np.flatnonzero(values).astype(np.int64).tobytes()).hexdigest()


def fit_setup(protocol, traces, bad_frames, breaks=None) -> dict:
    """What a model is fitted on besides its config and the dataset's identity, as a JSON-ready
    dict: ``protocol`` (its fields: splits, held-out conditions and neurons, folds, ...),
    ``neurons`` (SHA-1 of the names kept, in order), ``frames_left_out`` (SHA-1 of the indices
    of ``bad_frames``, bool (time,), or None), ``pauses`` (the same of ``breaks``, the pauses no
    window crosses, or None), and ``fingerprint``: one SHA-1 of them all, the whole setup as
    neurocast saved it before the parts were kept (``setup_changes`` compares such a file)."""
    fields = json.loads(json.dumps(dataclasses.asdict(protocol), default=str))
    names = "\n".join(np.asarray(traces["neuron"].values).astype(str)).encode()
    h = hashlib.sha1(json.dumps(fields, sort_keys=True).encode())
    h.update(names)
    if bad_frames is not None:
        h.update(np.flatnonzero(bad_frames).astype(np.int64).tobytes())
    if breaks is not None:
        h.update(b"breaks")  # never mistaken for more bad frames
        h.update(np.flatnonzero(breaks).astype(np.int64).tobytes())
    return {"protocol": fields, "neurons": hashlib.sha1(names).hexdigest(),
            "frames_left_out": _sha1(bad_frames), "pauses": _sha1(breaks), "fingerprint": h.hexdigest()}


def setup_changes(saved, setup: dict) -> list[str]:
    """What differs between the ``fit_setup`` a model was saved with and ``setup``: the names of
    the protocol fields that differ (this run's order, then those only the file has), then of
    the other parts (``neurons``, ``frames_left_out``, ``pauses``, then any only the file has);
    a field or part one of them lacks differs. [] if nothing does. A setup saved as its
    fingerprint alone (an older neurocast) is ['fingerprint'] unless that equals this one's;
    one not saved at all (None, older still) is ['fingerprint']."""
    if isinstance(saved, str) and saved == setup["fingerprint"]:
        return []
    if not isinstance(saved, dict):
        return ["fingerprint"]
    fitted = saved.get("protocol")
    parts = [{k: v for k, v in s.items() if k not in _NOT_COMPARED} for s in (setup, saved)]
    return differing_fields(setup["protocol"], fitted if isinstance(fitted, dict) else {}) + \
        differing_fields(*parts)


def stack_runs(cards: dict, dim: str) -> xr.Dataset:
    """Scorecards of several runs (``{label: card}``, the first holding every model) as one card.

    Adds ``score_by_<dim>`` (model, dim, condition, steps_ahead, metric): each run's score, NaN
    where a model was not run; ``score_ci`` (model, condition, steps_ahead, metric): the 95 %
    CI half-width over the runs (NaN for a model with one run); ``n_<dim>s`` (model,): how many
    runs each model has. ``score`` (and ``score_by_group``) become the mean over a model's runs.
    The other variables and the attrs are the first card's.
    """
    labels = list(cards)
    first = cards[labels[0]]
    models = first["model"].values.tolist()
    per_run = xr.concat([cards[k]["score"].reindex(model=models) for k in labels],
                        dim=xr.DataArray(labels, dims=dim, name=dim), join="outer")
    per_run = per_run.transpose("model", dim, ...)
    values = per_run.values  # (model, run, condition, step, metric)
    ran = np.isfinite(values).any(axis=(2, 3, 4))  # (model, run)
    card = first.copy()
    mean = np.full(values.shape[:1] + values.shape[2:], np.nan)
    ci = np.full_like(mean, np.nan)
    for i in range(len(models)):
        runs = values[i, ran[i]]
        if runs.shape[0]:
            mean[i], ci[i] = seed_interval(runs)
    card["score"] = (first["score"].dims, mean)
    card["score_ci"] = (first["score"].dims, ci)
    card[f"score_by_{dim}"] = per_run
    card[f"n_{dim}s"] = ("model",), ran.sum(axis=1).astype(np.int64)
    if "score_by_group" in first:
        groups = xr.concat([cards[k]["score_by_group"].reindex(model=models) for k in labels], dim=dim)
        card["score_by_group"] = groups.mean(dim, skipna=True).transpose(*first["score_by_group"].dims)
    return card


def add_training(card: xr.Dataset, training: dict[str, list[dict]]) -> xr.Dataset:
    """Per learned model and seed, what training did: ``train_s`` (wall s of the training loop),
    ``epochs``, ``steps`` (model, seed) and ``n_parameters`` (model,); NaN for other models.

    training: {model: [fitted dict of seed 0, seed 1, ...]} (``LearnedForecaster.fitted``).
    """
    models = card["model"].values.tolist()
    n_seed = int(card.sizes["seed"])
    for key in ("train_s", "epochs", "steps"):
        values = np.full((len(models), n_seed), np.nan)
        for name, per_seed in training.items():
            for k, info in enumerate(per_seed):
                values[models.index(name), k] = float(info.get(key, np.nan))
        card[key] = ("model", "seed"), values
    card["n_parameters"] = ("model",), np.array(
        [float(training[m][0].get("n_parameters", np.nan)) if m in training else np.nan for m in models])
    return card


def add_ensembles(card: xr.Dataset, ensembles: dict[str, xr.Dataset]) -> xr.Dataset:
    """The ensemble scores of the models with 2 or more seeds as (model, condition, steps_ahead)
    variables ``ENSEMBLE_VARIABLES`` (NaN for other models), attr ``ensemble_crps`` naming the
    estimator. Nothing is added when no model formed an ensemble."""
    if not ensembles:
        return card
    models = card["model"].values.tolist()
    shape = (len(models), card.sizes["condition"], card.sizes["steps_ahead"])
    conditions = card["condition"].values.tolist()
    for var in ENSEMBLE_VARIABLES:
        values = np.full(shape, np.nan)
        for name, ens in ensembles.items():
            values[models.index(name)] = ens[var].sel(condition=conditions).values
        card[var] = ("model", "condition", "steps_ahead"), values
    card.attrs["ensemble_crps"] = next(iter(ensembles.values())).attrs["crps"]
    return card
