"""Neuron names of an NWB RoiResponseSeries' ROIs, from the labels stored beside them (private).

Two places hold them in real files. C. elegans whole-brain recordings of the WormID / NWBelegans
corpus (DANDI 000541, 000472, 000565, 000692, 000714, 000715, 000776) keep one label per ROI in a
``SegmentationLabels`` object (extension ``ndx-multichannel-volume``; pynwb builds its class
from the spec cached in the file, so the extension need not be installed) named ``NeuronIDs``,
beside the traces in ``processing/CalciumActivity``. Other files put a text column such as
``labels`` or ``ID_labels`` into the ROI table (``PlaneSegmentation``) itself.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["roi_labels"]

#: Names of ROI-table columns read as neuron names, compared in lower case without spaces and
#: underscores; the first one present wins.
LABEL_COLUMNS = ("labels", "label", "idlabels", "idlabel", "neuronnames", "neuronname",
                 "neuronlabels", "neuronlabel", "neuronids", "neuronid", "cellnames", "cellname",
                 "celllabels", "celllabel", "names", "name")


def _key(name: str) -> str:
    return re.sub(r"[\s_]+", "", name).lower()


def _text(x) -> str | None:
    """A label as str (bytes decoded, surrounding blanks stripped), None for a non-text value."""
    if isinstance(x, bytes):
        x = x.decode("utf-8", "replace")
    return x.strip() if isinstance(x, str) else None


def _cell(entries) -> tuple[str, list[str]]:
    """One ROI's entry of a ragged text column: (name, candidates).

    Single characters are one name spelled out (a MATLAB char array: 'A','V','A','L' is AVAL);
    one string is the name; several strings are candidate identities, not one name: ('', those).
    Blank entries are dropped; nothing left is ('', []), an unnamed ROI.
    """
    parts = [t for t in (_text(x) for x in np.asarray(entries, dtype=object).reshape(-1)) if t]
    if len(parts) > 1 and all(len(t) == 1 for t in parts):
        return "".join(parts), []
    if len(parts) == 1:
        return parts[0], []
    return "", list(dict.fromkeys(parts))


def _path(obj) -> str:
    """Where an object sits in the file: 'processing/CalciumActivity/SegmentationVol1/Seg_tpoint_1'."""
    names = []
    while obj is not None and getattr(obj, "parent", None) is not None:
        names.append(obj.name)
        if type(obj).__name__ == "ProcessingModule":
            names.append("processing")
        obj = obj.parent
    return "/".join(reversed(names))


def _labels_fields(nwb, module_name: str):
    """(place, values) for every data interface with a ``labels`` field, the series' own
    processing module first, then the others in file order."""
    modules = sorted(nwb.processing.items(), key=lambda item: item[0] != module_name)
    for mod_name, module in modules:
        for iface_name, iface in module.data_interfaces.items():
            fields = getattr(iface, "fields", {})
            if "labels" in fields and fields["labels"] is not None:
                yield f"processing/{mod_name}/{iface_name}", fields["labels"]


def _from_interfaces(nwb, module_name: str, n_rows: int, notes: list[str]):
    """(labels shaped (n_rows,), place) from the first text ``labels`` field holding one entry
    per row of the ROI table, else None; fields of another length are noted in ``notes``."""
    for place, field in _labels_fields(nwb, module_name):
        values = np.asarray(field[:] if hasattr(field, "__getitem__") else field, dtype=object)
        texts = [_text(x) for x in values.reshape(-1)]
        if values.ndim != 1 or any(t is None for t in texts):
            continue
        if values.size != n_rows:
            notes.append(f"{place} holds {values.size} labels for the {n_rows} ROIs of the "
                         "series' ROI table: not read as their names")
            continue
        return np.asarray(texts, dtype=object), f"{place} (labels)"
    return None


def _from_table(table, table_place: str, notes: list[str]):
    """(labels shaped (rows,), place) from a text column of the ROI table named like labels
    (``LABEL_COLUMNS``), else None; a ragged column's several candidate names are noted."""
    from hdmf.common.table import VectorIndex  # heavy: only for NWB files

    by_key = {_key(c): c for c in table.colnames}
    for wanted in LABEL_COLUMNS:
        if wanted not in by_key:
            continue
        column = table[by_key[wanted]]
        cells = list(column[:])
        if isinstance(column, VectorIndex):
            if any(_text(x) is None for c in cells for x in np.asarray(c, dtype=object).reshape(-1)):
                continue  # numbers (ids), not names
            read = [_cell(c) for c in cells]
            texts = [name for name, _ in read]
            several = [" or ".join(cands) for _, cands in read if cands]
            if several:
                notes.append(f"{len(several)} of the {len(cells)} ROIs in column {by_key[wanted]!r} "
                             "have several candidate names (e.g. " + ", ".join(map(repr, several[:3]))
                             + "): their identity is not known, so they are read as unnamed")
        else:
            texts = [_text(x) for x in cells]
            if any(t is None for t in texts):
                continue
        return np.asarray(texts, dtype=object), f"column {by_key[wanted]!r} of {table_place}"
    return None


def roi_labels(nwb, rrs, module_name: str) -> tuple[np.ndarray | None, list[str], list[str]]:
    """The raw label of each ROI a RoiResponseSeries references, and what to note about them.

    nwb: the open NWBFile; rrs: the series; module_name: its processing module. Labels are
    looked up (1) in a data interface with a 1-D text ``labels`` field holding one entry per row
    of the series' ROI table (``SegmentationLabels``), in the series' module first, then in the
    others; (2) else in a text column of the ROI table named like labels (``LABEL_COLUMNS``;
    ragged cells as ``_cell`` reads them). Rows are mapped through the series' ROI region
    (which may list a subset of the table, in any order).

    Returns (labels: str array shaped (roi,), '' for an unnamed ROI, or None when the file holds
    none; notes: where the names came from; doubts: labels found but not read (wrong length),
    ROIs with several candidate names; the caller also warns about those).
    """
    table = rrs.rois.table
    rows = np.asarray(rrs.rois.data[:], dtype=np.int64)
    notes: list[str] = []
    doubts: list[str] = []
    found = _from_interfaces(nwb, module_name, len(table), doubts)
    if found is None:
        found = _from_table(table, f"ROI table {_path(table)}", doubts)
    if found is None:
        return None, notes, doubts
    by_row, where = found
    labels = np.asarray([str(x) for x in by_row[rows]], dtype=str)
    notes.append(f"names from {where}: {int(np.count_nonzero(labels))} of {labels.size} named")
    return labels, notes, doubts
