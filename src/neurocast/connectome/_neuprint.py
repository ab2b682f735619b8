"""neuPrint exports (hemibrain, MANC, optic lobe, ...): ``neurons.csv`` + ``connections.csv``.

connections.csv: bodyId_pre, bodyId_post, weight (the synapse count of the pair); other
  columns (e.g. roi) are ignored — a per-ROI export repeats pairs, read it with
  duplicates='sum' (CLI: --sum-duplicates).
Synapse exports (neuprint-python ``fetch_synapse_connections``: bodyId_pre, bodyId_post,
  roi_pre, roi_post, x_pre, y_pre, z_pre, x_post, y_post, z_post, confidence_pre,
  confidence_post[, nt, ntProb]): one row per synapse, recognised by having no weight (nor
  count) column but some of ``SYNAPSE_COLUMNS``; read by ``_synapse_tables`` (in batches, a
  connection's count is its number of rows, which is what neuPrint's weight counts). The rows
  are those the export's query returned: no confidence threshold is applied. A transmitter
  column per synapse (``nt``, as ``nt='max'`` adds it, or another of ``TRANSMITTER_COLUMNS``;
  'n/a' casts no vote) gives each presynaptic neuron its most frequent transmitter; the
  per-transmitter probability columns of ``nt='all'`` are not read.
neurons.csv: bodyId (or body_id, or the column ``columns={'id': COL}`` names), type,
  instance, ... The neuron's name is its ``instance`` (falling
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

from neurocast.connectome import _synapse_tables
from neurocast.connectome._connectome import POSITION_COLUMNS, Connectome
from neurocast.connectome._ids import check_ids
from neurocast.connectome._options import ReadOptions, guess_mapping
from neurocast.connectome._table_files import (
    check_counts,
    read_neuron_frame,
    read_table,
    require_columns,
    table_columns,
)
from neurocast.connectome._tables import (
    TRANSMITTER_COLUMNS,
    build,
    neuron_id_column,
    neuron_table,
    neurons_from_edges,
    transmitter_sign,
)
from neurocast.errors import FormatError

NAME = "neuprint"
PRE, POST, WEIGHT, BODY = "bodyId_pre", "bodyId_post", "weight", "bodyId"
REQUIRED = [PRE, POST, WEIGHT]
MARKERS = {PRE, POST, WEIGHT}
#: columns of a synapse export (one row per synapse), never of a connection table
SYNAPSE_COLUMNS = ("x_pre", "y_pre", "z_pre", "x_post", "y_post", "z_post", "confidence_pre",
                   "confidence_post")
COUNT_COLUMNS = (WEIGHT, "count", "syn_count")  # a table with one of them is no synapse export
EDGE_FILES = ("connections.csv", "traced-total-connections.csv")
NEURON_FILES = ("neurons.csv", "traced-neurons.csv")


def find_in_folder(folder: Path) -> tuple[Path, Path | None] | None:
    """(connections, neurons or None) of a neuPrint export folder, or None if it is not one."""
    edges = next((folder / f for f in EDGE_FILES if (folder / f).is_file()), None)
    if edges is None:
        return None
    return edges, next((folder / f for f in NEURON_FILES if (folder / f).is_file()), None)


def read(edges: Path, neurons: Path | None, opts: ReadOptions, name: str) -> Connectome:
    """Read a neuPrint connections table or synapse export (and optional neurons table) into
    a Connectome."""
    what = "connection table"
    found = table_columns(edges, what)
    per_synapse = [c for c in found if c in SYNAPSE_COLUMNS]
    if per_synapse and not set(COUNT_COLUMNS) & set(found):
        return _read_synapses(edges, neurons, opts.neuron_columns, name, found, per_synapse)
    as_edge_list = f"read the file as a generic edge list: {guess_mapping(found)}"
    require_columns(found, REQUIRED, edges, what, f"rename it, or {as_edge_list}"
                    if WEIGHT in found else
                    "a connection table needs its weight column (the pair's synapse count), a "
                    "synapse export (one row per synapse) its coordinate or confidence columns "
                    f"({', '.join(SYNAPSE_COLUMNS[:3])}, ..., {', '.join(SYNAPSE_COLUMNS[-2:])}); "
                    f"or {as_edge_list}")
    frame = read_table(edges, REQUIRED, what, id_columns=(PRE, POST))
    pre = check_ids(frame[PRE], PRE, edges, what)
    post = check_ids(frame[POST], POST, edges, what)
    count = check_counts(frame[WEIGHT], WEIGHT, edges, what)
    table = _neuron_table(neurons, opts.neuron_columns, pre, post)
    if "sign" not in table.columns:
        table["sign"] = (transmitter_sign(table["transmitter"]) if "transmitter" in table.columns
                         else np.zeros(len(table), dtype=np.int8))
    return build(table, pre, post, count, None, duplicates=opts.duplicates, path=edges,
                 what=what, name=name, attrs={"source": f"neuPrint export {edges.name}"},
                 id_columns=(PRE, POST))


def _read_synapses(edges: Path, neurons: Path | None, cols: dict, name: str,
                   found: list[str], per_synapse: list[str]) -> Connectome:
    """Read a synapse export (one row per synapse; module doc) with ``_synapse_tables``."""
    require_columns(found, [PRE, POST], edges, "synapse table",
                    "export the synapses again with their body ids (bodyId_pre, bodyId_post)")
    shown = ", ".join(per_synapse[:2]) + (", ..." if len(per_synapse) > 2 else "")
    layout = _synapse_tables.Layout(
        pre=PRE, post=POST,
        opening=(f"'{edges.name}' has no {WEIGHT} column but per-synapse columns ({shown}), "
                 "so each row was read as one synapse"),
        source=f"neuPrint synapse export {edges.name}",
        transmitter=next((c for c in TRANSMITTER_COLUMNS if c in found), None))
    return _synapse_tables.read(
        edges, layout, lambda pre, post: _neuron_table(neurons, cols, pre, post), name)


def _neuron_table(neurons: Path | None, cols: dict, pre: np.ndarray,
                  post: np.ndarray) -> pd.DataFrame:
    """The neuron table (id, name = instance, type, transmitter[, sign, x, y, z]) of a
    neurons.csv (ids in ``cols['id']`` if given, else ``bodyId`` or ``body_id``, else a first
    column of numbers; names and types in ``cols['name']``, ``cols['type']`` if given: the
    neuron-table roles of ``--columns``), else the body ids of the edges (pre, post: int64 ids)."""
    if neurons is None:
        return neurons_from_edges(pre, post)
    nframe = read_neuron_frame(neurons)
    column, guessed = neuron_id_column(nframe, neurons, cols.get("id"), (BODY, "body_id"))
    return neuron_table(nframe, column, neurons, "neuron table", name_cols=("instance", "name"),
                        guessed=guessed, given=cols)


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
