"""neuPrint exports (hemibrain, MANC, optic lobe, ...): ``neurons.csv`` + ``connections.csv``.

connections.csv: bodyId_pre, bodyId_post, weight (the synapse count of the pair); other
  columns (e.g. roi) are ignored — a per-ROI export repeats pairs, read it with
  duplicates='sum' (CLI: --sum-duplicates).
neurons.csv: bodyId, type, instance, ... The neuron's name is its ``instance`` (falling
  back to ``name``, then the body id), its type ``type``, its transmitter the first present
  of ``_tables.TRANSMITTER_COLUMNS`` (``transmitter``, ``predictedNt``, ``consensusNt``, ...).

Sign: neuPrint stores no synapse sign. neurocast uses, in order: a ``sign`` column in
neurons.csv (written by neurocast); else the transmitter with the fly convention of Shiu
et al. 2024 (acetylcholine +1; GABA and glutamate -1, glutamate acting through the
inhibitory GluClα channel; common spellings such as ACh, GLUT or GABAergic too, see
``_tables.transmitter_sign``); else 0 (unknown). Every edge takes its presynaptic neuron's
sign, so an edge-specific sign cannot be stored in this format.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from neurocast.connectome._connectome import POSITION_COLUMNS, Connectome
from neurocast.connectome._options import ReadOptions, guess_mapping
from neurocast.connectome._table_files import (
    check_counts,
    check_ids,
    read_neuron_frame,
    read_table,
    require_columns,
    table_columns,
)
from neurocast.connectome._tables import build, neuron_table, neurons_from_edges, transmitter_sign
from neurocast.errors import FormatError

NAME = "neuprint"
PRE, POST, WEIGHT, BODY = "bodyId_pre", "bodyId_post", "weight", "bodyId"
REQUIRED = [PRE, POST, WEIGHT]
MARKERS = {PRE, POST, WEIGHT}
EDGE_FILES = ("connections.csv", "traced-total-connections.csv")
NEURON_FILES = ("neurons.csv", "traced-neurons.csv")


def find_in_folder(folder: Path) -> tuple[Path, Path | None] | None:
    """(connections, neurons or None) of a neuPrint export folder, or None if it is not one."""
    edges = next((folder / f for f in EDGE_FILES if (folder / f).is_file()), None)
    if edges is None:
        return None
    return edges, next((folder / f for f in NEURON_FILES if (folder / f).is_file()), None)


def read(edges: Path, neurons: Path | None, opts: ReadOptions, name: str) -> Connectome:
    """Read a neuPrint connections table (and optional neurons table) into a Connectome."""
    what = "connection table"
    found = table_columns(edges, what)
    require_columns(found, REQUIRED, edges, what,
                    f"rename it, or read the file as a generic edge list: {guess_mapping(found)}")
    frame = read_table(edges, REQUIRED, what, id_columns=(PRE, POST))
    pre = check_ids(frame[PRE], PRE, edges, what)
    post = check_ids(frame[POST], POST, edges, what)
    count = check_counts(frame[WEIGHT], WEIGHT, edges, what)
    if neurons is not None:
        nframe = read_neuron_frame(neurons)
        if BODY not in nframe.columns:
            require_columns(list(nframe.columns), [BODY], neurons, "neuron table")
        table = neuron_table(nframe, BODY, neurons, "neuron table",
                             name_cols=("instance", "name"))
        if "sign" not in table.columns:
            table["sign"] = transmitter_sign(table["transmitter"].to_numpy())
    else:
        table = neurons_from_edges(pre, post)
        table["sign"] = np.zeros(len(table), dtype=np.int8)
    return build(table, pre, post, count, None, duplicates=opts.duplicates, path=edges,
                 what=what, name=name, attrs={"source": f"neuPrint export {edges.name}"})


def write(c: Connectome, folder: Path) -> None:
    """Write ``neurons.csv`` and ``connections.csv`` into an existing empty folder.

    neurons.csv: bodyId, type, instance (the name), then neurocast's extras transmitter,
    sign (and x, y, z if present). connections.csv: bodyId_pre, bodyId_post, weight.
    Raises FormatError if an edge's sign differs from its presynaptic neuron's sign, since
    the format cannot store it (convert to flywire, edgelist or npz instead).
    """
    t = c.neurons
    ids = t["id"].to_numpy(np.int64)
    pre_pos = c.pre_positions()
    edge_sign = np.sign(c.weight).astype(np.int8)
    differs = edge_sign != t["sign"].to_numpy(np.int8)[pre_pos]
    if differs.any():
        i = int(np.flatnonzero(differs)[0])
        raise FormatError(
            f"neuPrint files cannot store per-edge signs: {int(differs.sum())} connection(s) have a "
            f"sign other than their presynaptic neuron's, e.g. {ids[pre_pos[i]]}→{ids[c.indices[i]]}",
            "convert to flywire, edgelist or .npz, which keep each edge's sign")
    neurons = pd.DataFrame({BODY: ids, "type": t["type"].to_numpy(), "instance": t["name"].to_numpy(),
                            "transmitter": t["transmitter"].to_numpy(), "sign": t["sign"].to_numpy()})
    for col in POSITION_COLUMNS:
        if col in t.columns:
            neurons[col] = t[col].to_numpy()
    neurons.to_csv(folder / NEURON_FILES[0], index=False)
    pd.DataFrame({PRE: ids[pre_pos], POST: ids[c.indices], WEIGHT: c.count.astype(np.int64)}).to_csv(
        folder / EDGE_FILES[0], index=False)
