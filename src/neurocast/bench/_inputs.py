"""The dataset and protocol a benchmark run is given, made ready to score.

``scoring_protocol`` turns a preset name or a ``Protocol`` into the protocol the run scores
under (checked against the dataset); ``neuron_groups`` groups the neurons for ``group_by``;
``recorded_connectome`` cuts and orders the connectome to the scored neurons for the connectome
models. (Dims are put in the schema's order by ``neurocast.data.orient_dataset``.)
"""

from __future__ import annotations

import numpy as np

from neurocast.data import (
    DEFAULT_CONTEXT,
    DEFAULT_HORIZON,
    Protocol,
    as_str,
    condition_blocks,
    connectome_positions,
    dataset_connectome,
    protocol_for_dataset,
)
from neurocast.errors import ConfigError, FormatError

__all__ = ["UNNAMED_GROUP", "neuron_groups", "recorded_connectome", "scoring_protocol"]

#: The group of the neurons the connectome does not name (unnamed or partly identified), with
#: ``group_by`` a connectome column.
UNNAMED_GROUP = "(unnamed)"


def neuron_groups(ds, column: str, connectome=None):
    """Group index per neuron from a connectome neuron-table column or a dataset coordinate.

    Returns (groups int64 (neuron,), group names). Neurons are matched to the connectome by
    name (``data.connectome_positions``); those it does not name (unnamed, or partly
    identified) form the group ``UNNAMED_GROUP``. Raises FormatError if the column is missing,
    or as ``connectome_positions``.
    """
    if column in ds.coords and ds[column].dims == ("neuron",):
        labels = np.asarray(ds[column].values).astype(str)
    else:
        if connectome is None:
            connectome = dataset_connectome(ds)
        if connectome is None:
            raise FormatError(f"cannot group neurons by {column!r}: the dataset has no such coordinate "
                              "and no connectome", "attach the connectome, or drop --group-by")
        table = connectome.neurons
        if column not in table.columns:
            raise FormatError(f"the connectome's neuron table has no column {column!r}",
                              f"choose one of: {', '.join(map(str, table.columns))}")
        pos = connectome_positions(ds, connectome)[0]
        labels = np.where(pos >= 0, table[column].astype(str).to_numpy()[np.maximum(pos, 0)],
                          UNNAMED_GROUP)
    group_names, groups = np.unique(labels, return_inverse=True)
    return groups.astype(np.int64), tuple(str(g) for g in group_names)


def scoring_protocol(ds, protocol, *, context, horizon, heldout_neurons, neuron_seed) -> Protocol:
    """The protocol run_benchmark scores under: a preset name (or None) applied to ``ds`` with
    the fields given (None: the defaults), or a ``Protocol``, checked against ``ds`` and the
    fields given. Raises ConfigError for a Protocol of other frames, condition blocks or
    fields, or one with folds; UnknownNameError / FormatError as ``protocol_for_dataset``."""
    fields = {"context": context, "horizon": horizon, "heldout_neurons": heldout_neurons,
              "neuron_seed": neuron_seed}
    if not isinstance(protocol, Protocol):
        chosen = {"context": DEFAULT_CONTEXT, "horizon": DEFAULT_HORIZON,
                  **{k: v for k, v in fields.items() if v is not None}}
        return protocol_for_dataset(ds, protocol, **chosen)
    differ = [k for k, v in fields.items() if v is not None and v != getattr(protocol, k)]
    if differ:
        raise ConfigError(", ".join(f"{k}={fields[k]!r}" for k in differ)
                          + f" {'disagrees' if len(differ) == 1 else 'disagree'} with the protocol given, "
                          "which has " + ", ".join(f"{k} {getattr(protocol, k)!r}" for k in differ),
                          "leave them out (the protocol's are used), or build the protocol with them: "
                          "protocol_for_dataset(ds, ..., " + ", ".join(f"{k}={fields[k]!r}" for k in differ) + ")")
    if protocol.folds:
        raise ConfigError(f"the protocol given is fold {protocol.fold} of {protocol.folds}",
                          f"pass it without folds (protocol.replace(folds=0, fold=0)) and "
                          f"cv_folds={protocol.folds}: every fold is then fitted and scored")
    frames = int(ds.sizes["time"])
    rebuild = "build it for this dataset: protocol_for_dataset(ds, NAME, max_context=..., context=C, horizon=H)"
    if protocol.n_frames != frames:
        raise ConfigError(f"the protocol given covers {protocol.n_frames:,} frames, and the dataset "
                          f"holds {frames:,}", rebuild)
    if len(protocol.conditions) > 1:
        blocks = condition_blocks(ds["condition"].values) if "condition" in ds else [("all", 0, frames)]
        own = [(name, start) for name, start, _ in blocks]
        if own != list(zip(protocol.conditions, protocol.offsets[:-1], strict=True)):
            show = ", ".join(f"{name} at {start}" for name, start in own)
            raise ConfigError("the protocol given has conditions " + ", ".join(
                f"{c} at {o}" for c, o in zip(protocol.conditions, protocol.offsets, strict=False))
                + f"; the dataset's condition blocks are {show}", rebuild)
    return protocol


def _unnamed(data) -> np.ndarray:
    """bool (neuron,): the neurons of a Dataset or DataArray without a name (empty ``label``)."""
    if "label" not in data.coords:
        return np.zeros(data.sizes["neuron"], dtype=bool)
    return as_str(data["label"].values) == ""


def recorded_connectome(traces, connectome, notes: list[str], models=("this model",)):
    """The connectome of the scored neurons (``traces``' ``neuron`` names), in their order.

    ``connectome`` is cut to them and put in their order by name. A neuron it does not name (an
    unnamed one, or a partial identification such as 'AVA') joins without synapses, so a
    connectome model forecasts it from its own past alone; a note says how many did.
    Raises FormatError without a connectome (naming the ``models`` that need it), or as
    ``data.connectome_positions`` (repeated labels; a connectome naming none of them).
    """
    if connectome is None:
        raise FormatError(f"{', '.join(models)} need{'s' if len(models) == 1 else ''} the connectome "
                          "of the recorded neurons, and the dataset has none",
                          "attach it (neurocast data attach DATASET CONNECTOME) or pass connectome=; "
                          "or leave out the connectome models")
    pos, matching = connectome_positions(traces, connectome)
    names = as_str(traces["neuron"].values)
    out = pos < 0
    if out.any():
        which = "unnamed and not" if _unnamed(traces)[out].all() else "not"
        matching.append(f"{int(out.sum())} of the {names.size} scored neurons are {which} in "
                        f"connectome '{connectome.name}': connectome models forecast them "
                        "without synaptic partners")
    notes.extend(n for n in matching if n not in notes)
    if np.array_equal(pos, np.arange(connectome.n_neurons)):
        return connectome
    return connectome.arranged(pos, names)
