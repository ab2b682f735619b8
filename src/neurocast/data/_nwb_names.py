"""Neuron names of an NWB RoiResponseSeries' ROIs, from the labels stored beside them (private).

Two places hold them in real files. C. elegans whole-brain recordings of the WormID / NWBelegans
corpus (DANDI 000541, 000472, 000565, 000692, 000714, 000715, 000776) keep one label per ROI in a
``SegmentationLabels`` object (extension ``ndx-multichannel-volume``; pynwb builds its class
from the spec cached in the file, so the extension need not be installed) named ``NeuronIDs``,
beside the traces in ``processing/CalciumActivity``; the same files hold another one in
``processing/NeuroPAL``, naming the ROIs of the static NeuroPAL volume (``NeuroPALSegmentation``),
which must not name the calcium ROIs: ``_owns`` decides which labels belong to the series' ROIs.
Other files put a text column such as ``labels`` or ``ID_labels`` into the ROI table
(``PlaneSegmentation``) itself.
"""

from __future__ import annotations

import re

import numpy as np

from neurocast.data._matrix_keys import decode_name, latin1_note

__all__ = ["roi_labels"]

#: Names of ROI-table columns read as neuron names, compared in lower case without spaces and
#: underscores; the first one present (and read, see ``GENERIC_COLUMNS``) wins.
LABEL_COLUMNS = ("labels", "label", "idlabels", "idlabel", "neuronnames", "neuronname",
                 "neuronlabels", "neuronlabel", "neuronids", "neuronid", "cellnames", "cellname",
                 "celllabels", "celllabel", "names", "name")
#: Columns of LABEL_COLUMNS whose name does not say they hold neuron names: they may hold a
#: category ('soma', 'dendrite'), so they are read as names only when ``_mostly_distinct``.
GENERIC_COLUMNS = ("labels", "label", "names", "name")
#: Links of a ``SegmentationLabels`` (ndx-multichannel-volume) to the segmentation its labels
#: name: ImageSegmentation (ROI tables, checked against the series' table) and two volumes of
#: ROI masks (MultiChannelVolume, MultiChannelVolumeSeries), which cannot be checked.
TABLE_LINK = "ImageSegmentation"
VOLUME_LINKS = ("MCVSegmentation", "MCVSeriesSegmentation")


def _key(name: str) -> str:
    return re.sub(r"[\s_]+", "", name).lower()


def _text(x) -> str | None:
    """A label as str (bytes decoded by ``decode_name``: UTF-8, else latin-1; surrounding blanks
    stripped), None for a non-text value."""
    if isinstance(x, bytes):
        x = decode_name(x)[0]
    return x.strip() if isinstance(x, str) else None


def _latin1(values) -> list[str]:
    """The labels among ``values`` (an array, ragged cells opened) stored as bytes that are not
    UTF-8, as read (latin-1, ``decode_name``), blanks left out."""
    out = []
    for x in np.asarray(values, dtype=object).reshape(-1):
        if isinstance(x, bytes):
            text, latin = decode_name(x)
            if latin and text.strip():
                out.append(text.strip())
        elif isinstance(x, (np.ndarray, list, tuple)):
            out += _latin1(x)
    return out


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
    """(place, module name, interface, values) for every data interface with a ``labels`` field,
    the series' own processing module first, then the others in file order."""
    modules = sorted(nwb.processing.items(), key=lambda item: item[0] != module_name)
    for mod_name, module in modules:
        for iface_name, iface in module.data_interfaces.items():
            fields = getattr(iface, "fields", {})
            if "labels" in fields and fields["labels"] is not None:
                yield f"processing/{mod_name}/{iface_name}", mod_name, iface, fields["labels"]


def _owns(iface, in_own_module: bool, table) -> tuple[bool, str]:
    """Whether a labels interface names the rows of the series' ROI table ``table``, and if not,
    the segmentation it names instead.

    An ``ImageSegmentation`` link decides: the table must be one of its plane segmentations.
    Without it, the labels are taken for the series' ROIs only in the series' own processing
    module, whether they link a volume of ROI masks (``VOLUME_LINKS``) or nothing at all.
    """
    fields = getattr(iface, "fields", {})
    seg = fields.get(TABLE_LINK)
    planes = getattr(seg, "plane_segmentations", None)
    if planes is not None:
        if any(p is table or (table.object_id is not None and p.object_id == table.object_id)
               for p in planes.values()):
            return True, ""
        return False, f"another segmentation ({seg.name})"
    if in_own_module:
        return True, ""
    volumes = [fields[k].name for k in VOLUME_LINKS if fields.get(k) is not None]
    if volumes:
        return False, f"another segmentation ({', '.join(volumes)}) outside the series' module"
    return False, "another module's ROIs (it links no segmentation)"


def _from_interfaces(nwb, module_name: str, table, table_place: str, notes: list[str]):
    """(labels shaped (rows,), place, those read as latin-1 (``_latin1``)) from the first text
    ``labels`` field that names the rows of the series' ROI table ``table`` (``_owns``) and
    holds one entry per row, else None.

    Fields of the series' ROIs with another length, and fields of the right length naming
    another segmentation, are noted in ``notes``; no field is taken for its length alone.
    """
    n_rows = len(table)
    for place, mod_name, iface, field in _labels_fields(nwb, module_name):
        values = np.asarray(field[:] if hasattr(field, "__getitem__") else field, dtype=object)
        texts = [_text(x) for x in values.reshape(-1)]
        if values.ndim != 1 or any(t is None for t in texts):
            continue
        owned, other = _owns(iface, mod_name == module_name, table)
        if not owned:
            if values.size == n_rows:
                notes.append(f"{place} labels {other}: not read as the names of the {n_rows} "
                             f"ROIs of {table_place}, though it holds as many labels")
            continue
        if values.size != n_rows:
            notes.append(f"{place} holds {values.size} labels for the {n_rows} ROIs of the "
                         "series' ROI table: not read as their names")
            continue
        return np.asarray(texts, dtype=object), f"{place} (labels)", _latin1(values)
    return None


def _mostly_distinct(texts) -> bool:
    """Whether the non-blank values of a column look like names rather than a category: at
    least half of them distinct (AVAL, AVAR, AVAL, RIML is; soma, soma, soma, dendrite is not)."""
    named = [t for t in texts if t]
    return 2 * len(set(named)) >= len(named)


def _from_table(table, table_place: str, notes: list[str]):
    """(labels shaped (rows,), place, those read as latin-1) from a text column of the ROI
    table named like labels (``LABEL_COLUMNS``), else None; a ragged column's several candidate
    names are noted."""
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
        if wanted in GENERIC_COLUMNS and not _mostly_distinct(texts):
            named = [t for t in texts if t]
            common = sorted(set(named), key=lambda t: (-named.count(t), t))
            notes.append(f"column {by_key[wanted]!r} of {table_place} holds {len(common)} distinct "
                         f"values on {len(named)} ROIs (" + ", ".join(map(repr, common[:3]))
                         + (", ..." if len(common) > 3 else "") + "), a category rather than "
                         "neuron names: not read as their names")
            continue
        return (np.asarray(texts, dtype=object), f"column {by_key[wanted]!r} of {table_place}",
                _latin1(cells))
    return None


def roi_labels(nwb, rrs, module_name: str) -> tuple[np.ndarray | None, list[str], list[str]]:
    """The raw label of each ROI a RoiResponseSeries references, and what to note about them.

    nwb: the open NWBFile; rrs: the series; module_name: its processing module. Labels are
    looked up (1) in a data interface with a 1-D text ``labels`` field (``SegmentationLabels``)
    that names the rows of the series' ROI table (``_owns``: its ImageSegmentation link holds
    that table, or, without that link, it sits in the series' own module) and holds one entry
    per row; (2) else in a text column of the ROI table named like labels (``LABEL_COLUMNS``;
    ragged cells as ``_cell`` reads them; a generic name such as ``label`` only when its values
    are ``_mostly_distinct``). Rows are mapped through the series' ROI region (which may list a
    subset of the table, in any order).

    Returns (labels: str array shaped (roi,), '' for an unnamed ROI, or None when the file holds
    none; notes: where the names came from, and those not UTF-8 text, read as latin-1
    (``latin1_note``); doubts: labels found but not read (wrong length,
    another segmentation's, a category column), ROIs with several candidate names; the caller
    also warns about those).
    """
    table = rrs.rois.table
    rows = np.asarray(rrs.rois.data[:], dtype=np.int64)
    notes: list[str] = []
    doubts: list[str] = []
    table_place = f"ROI table {_path(table)}"
    found = _from_interfaces(nwb, module_name, table, table_place, doubts)
    if found is None:
        found = _from_table(table, table_place, doubts)
    if found is None:
        return None, notes, doubts
    by_row, where, latin = found
    labels = np.asarray([str(x) for x in by_row[rows]], dtype=str)
    notes.append(f"names from {where}: {int(np.count_nonzero(labels))} of {labels.size} named")
    read = set(labels.tolist())
    latin = [t for t in latin if t in read]  # of the series' ROIs only
    if latin:  # worded as for a matrix file's names; an NWB file takes no --names
        notes.append(latin1_note(latin, where, "write them in the file as UTF-8 text"))
    return labels, notes, doubts
