"""NWB files: an ophys RoiResponseSeries via pynwb, with its ROIs' names when stored (private)."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from neurocast.data._loading import (
    _conditions,
    as_float32,
    infinite_as_missing,
    pause_summary,
    require_file,
    resample_uniform,
    unique_names,
    with_labels,
)
from neurocast.data._matrix_keys import check_timestamps
from neurocast.data._nwb_names import roi_labels
from neurocast.data._schema import make_dataset
from neurocast.errors import FormatError

__all__ = ["load_nwb"]

#: A bare series (not in a Fluorescence or DfOverF container) whose name, lower-cased with
#: underscores, spaces and hyphens removed, holds one of these is read as ΔF/F (SignalDFF,
#: dF_over_F, DfOverF, deltaF_F); other bare series leave ``trace_kind`` undeclared.
DFF_WORDS = ("dff", "dfof", "dfoverf", "deltaf")
#: A series whose container or own name holds one of these (lower case) is never taken for a
#: reference channel, whatever else the name says (ratio_GCaMP_RFP is a signal, not tagRFP).
SIGNAL_WORDS = ("ratio", "gcamp")


def _says_dff(name: str) -> bool:
    """Whether a bare series' name says it holds ΔF/F (``DFF_WORDS``)."""
    key = re.sub(r"[_\s-]+", "", name).lower()
    return any(w in key for w in DFF_WORDS)


def _nwb_series(nwb) -> dict[str, tuple[object, str | None]]:
    """label -> (RoiResponseSeries, trace kind), for every series of every processing module.

    Labels are 'module/container/series' inside a Fluorescence or DfOverF container (kind
    "fluorescence" or "dff") and 'module/series' for a series placed in the module directly
    (kind "dff" if its name says so, ``_says_dff``, else None: not declared).
    """
    from pynwb.ophys import DfOverF, Fluorescence, RoiResponseSeries  # heavy: only for NWB files

    found = {}
    for mod_name, module in nwb.processing.items():
        for iface_name, iface in module.data_interfaces.items():
            if isinstance(iface, (Fluorescence, DfOverF)):
                kind = "dff" if isinstance(iface, DfOverF) else "fluorescence"
                for s_name, series in iface.roi_response_series.items():
                    found[f"{mod_name}/{iface_name}/{s_name}"] = (series, kind)
            elif isinstance(iface, RoiResponseSeries):
                found[f"{mod_name}/{iface_name}"] = (iface, "dff" if _says_dff(iface_name) else None)
    return found


def _is_reference(label: str) -> bool:
    """Whether a series label names a reference channel (an activity-independent red
    fluorophore such as tagRFP): its container or series name holds the word 'ref' or a word
    starting with 'reference' (ReferenceRawFluor), or 'rfp' anywhere, and neither name holds
    'ratio' or 'gcamp' (``SIGNAL_WORDS``: ratio_GCaMP_RFP is no reference); case is ignored."""
    names = label.split("/")[1:]  # the module's name says nothing about the channel
    if any(w in name.lower() for name in names for w in SIGNAL_WORDS):
        return False
    for name in names:
        words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).lower()
        for word in re.split(r"[^a-z0-9]+", words):
            if word == "ref" or word.startswith("reference") or "rfp" in word:
                return True
    return False


def _choose_series(found: dict, what: str) -> tuple[str, str | None]:
    """The label of the series to read when none was named, and a note saying why (None when
    the file holds one series).

    ΔF/F series are preferred over the others (raw fluorescence, undeclared); among those left,
    reference-channel series (``_is_reference``) are left out when that leaves exactly one.
    Raises FormatError listing the series when more than one is still left.
    """
    if len(found) == 1:
        return next(iter(found)), None
    pool = [k for k, (_, kind) in found.items() if kind == "dff"] or list(found)
    signal = [k for k in pool if not _is_reference(k)]
    if len(pool) != 1 and len(signal) != 1:
        raise FormatError(f"{what} holds {len(found)} RoiResponseSeries and none of them is "
                          "clearly the signal to read",
                          "choose one with --series NAME (series= in Python): " + ", ".join(found))
    label = pool[0] if len(pool) == 1 else signal[0]

    def why(other: str) -> str:
        if found[label][1] == "dff" and found[other][1] != "dff":
            return f"{other} ({'raw fluorescence' if found[other][1] else 'not declared ΔF/F'})"
        return f"{other} (reference channel)"

    return label, (f"{what}: read series {label}, the {'ΔF/F' if len(pool) == 1 else 'signal'} "
                   f"one; also in the file: {', '.join(why(k) for k in found if k != label)}; "
                   "--series NAME (series= in Python) reads another")


def _nwb1_version(path: Path) -> str | None:
    """The ``nwb_version`` of an NWB 1.x file (a root dataset or attribute starting 'NWB-1' or
    '1.'), else None (NWB 2.x, or not HDF5)."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            raw = f["nwb_version"][()] if isinstance(f.get("nwb_version"), h5py.Dataset) \
                else f.attrs.get("nwb_version")
    except (OSError, KeyError, TypeError):
        return None
    raw = np.asarray(raw).reshape(-1)[0] if raw is not None and np.size(raw) else raw
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
    return text if text.startswith(("NWB-1", "1.")) else None


def _nwb1_series(path: Path) -> list[str]:
    """The ``data`` arrays of an NWB 1.x file's ophys series (under ``processing``, in a
    ``DfOverF`` container first, then ``Fluorescence``), as HDF5 keys for ``--key``."""
    import h5py

    found: list[str] = []
    try:
        with h5py.File(path, "r") as f:
            def visit(name, obj):
                parts = name.split("/")
                if isinstance(obj, h5py.Dataset) and parts[0] == "processing" \
                        and parts[-1] == "data" and len(parts) >= 4 and obj.ndim in (1, 2) \
                        and parts[-3] in ("DfOverF", "Fluorescence"):
                    found.append(name)
            if "processing" in f:
                f["processing"].visititems(lambda n, o: visit(f"processing/{n}", o))
    except OSError:
        return []
    return sorted(found, key=lambda k: "/DfOverF/" not in k)


def load_nwb(
    path: str | os.PathLike,
    *,
    series: str | None = None,
    condition_offsets: Sequence[int] | None = None,
    condition_names: Sequence[str] | None = None,
    heldout_conditions: Sequence[str] = (),
    allow_nan: bool = False,
    resample_s: float | None = None,
) -> xr.Dataset:
    """Read an ophys ``RoiResponseSeries`` from an NWB file into a Dataset (in memory).

    Series are looked up in every processing module, inside ``Fluorescence`` or ``DfOverF``
    containers or placed in the module directly (``_nwb_series``). series: its name or its
    'module/container/name' label; without it, a file holding several is read as
    ``_choose_series`` decides (ΔF/F first, then not the reference channel; an import note
    says which), and refused when that leaves more than one. Data are (time, roi), stored values
    converted to the series' unit as NWB defines it (``data * conversion + offset``: int16
    counts with conversion 0.001 are read as such values, not as counts); dt_s is 1/rate, or
    the median interval of ``timestamps`` (then ``time`` = timestamps − first timestamp, and
    ``attrs['start_time_s']`` keeps the offset; timestamps must increase, and a pause in them is
    an import note and a UserWarning, as for ``load_matrix``).

    Neurons are named from the labels stored for the ROIs (``roi_labels``: a
    ``SegmentationLabels``-like ``labels`` field naming the series' ROI table, never another
    segmentation's such as NeuroPAL's, else a label column of the ROI table), made
    unique as for matrices (``unique_names``: blank -> ``unnamed-<column>``, repeats ->
    ``AVAL#2``), the raw labels kept as coordinate ``label``; without labels they are
    ``roi<id>`` from the ROI table rows. ``attrs['trace_kind']`` says what the values are:
    "fluorescence" (raw F, not ΔF/F) for a ``Fluorescence`` series, "dff" for ``DfOverF``;
    a bare series declares "dff" only when its name says so (``_says_dff``), else nothing.
    resample_s: interpolate linearly onto a uniform grid of this step (s), as ``load_matrix``
    does (``resample_uniform``: a grid frame inside a pause is NaN, refused unless ``allow_nan``).
    A series stored (roi, time) — the data's first axis as long as the ROI region, its second
    not — is read transposed, with a note.
    Conditions: optional frame offsets and names (else one condition "all"), and the names of
    held-out ones (the offsets count the frames after resampling). Raises FormatError (no/ambiguous series, timestamps or ROIs not matching the
    data), NonFiniteError on NaN/inf unless ``allow_nan``.
    """
    from pynwb import NWBHDF5IO  # heavy: only for NWB files

    path = Path(path)
    what = f"NWB file '{path}'"
    require_file(path, what, "give the .nwb file itself")
    version = _nwb1_version(path)
    if version is not None:
        found = _nwb1_series(path)
        raise FormatError(f"{what} is an NWB 1.x file (nwb_version {version!r}, e.g. the Allen "
                          "Brain Observatory's), which pynwb (NWB 2.x) cannot read",
                          "read its traces as the HDF5 file it is: --format matrix --key "
                          + (found[0] if found else "processing/MODULE/DfOverF/PLANE/data")
                          + " (key= in Python; the series' timestamps and roi_names beside it are "
                          "read too)" + (f"; its series: {', '.join(found)}" if len(found) > 1
                                         else ""))
    try:
        io = NWBHDF5IO(str(path), mode="r")
        with warnings.catch_warnings():  # a series stored (roi, time): read transposed, noted below
            warnings.filterwarnings("ignore", message=".*oriented incorrectly", category=UserWarning)
            nwb = io.read()
    except Exception as exc:  # h5py/hdmf raise many types for a non-NWB file
        raise FormatError(f"{what} cannot be read as NWB ({type(exc).__name__}: {exc})",
                          "give an NWB 2.x file written by pynwb or MatNWB") from None
    with io:
        found = _nwb_series(nwb)
        if not found:
            raise FormatError(f"{what} has no RoiResponseSeries in a processing module",
                              "ophys traces live in nwb.processing['ophys'] (Fluorescence/DfOverF)")
        notes: list[str] = []
        if series is None:
            label, chosen = _choose_series(found, what)
            if chosen:
                notes.append(chosen)
                warnings.warn(chosen, UserWarning, stacklevel=2)
        else:
            matches = [k for k in found if k == series or k.rsplit("/", 1)[-1] == series]
            if len(matches) != 1:
                raise FormatError(f"{what}: {'no' if not matches else 'several'} series named {series!r}",
                                  "available: " + ", ".join(found))
            label = matches[0]
        rrs, kind = found[label]
        data = np.asarray(rrs.data[:])
        conversion = float(getattr(rrs, "conversion", 1.0))
        offset = float(getattr(rrs, "offset", 0.0) or 0.0)  # NWB >= 2.4; absent: 0
        if (conversion, offset) != (1.0, 0.0):  # stored values (e.g. int16) -> the series' unit
            if data.dtype.kind not in "fiu":
                raise FormatError(f"{what}: series {label} holds {data.dtype} values, not numbers")
            data = data.astype(np.float64) * conversion + offset
        if data.ndim == 1:
            data = data[:, None]
        if data.ndim != 2:
            raise FormatError(f"{what}: series {label} has shape {data.shape}, expected (time, roi)")
        ids = np.asarray(rrs.rois.table.id[:])[np.asarray(rrs.rois.data[:], dtype=np.int64)]
        if ids.size != data.shape[1] and ids.size == data.shape[0] != 1 and (
                rrs.timestamps is None or len(rrs.timestamps) == data.shape[1]):
            notes.append(f"{what}: series {label} is stored (roi, time), {data.shape[0]:,} ROIs "
                         f"× {data.shape[1]:,} frames, the transpose of NWB's (time, roi) (a "
                         "common MatNWB slip): read transposed")
            warnings.warn(notes[-1], UserWarning, stacklevel=2)
            data = data.T
        n_time, n_roi = data.shape
        start = 0.0
        if rrs.timestamps is not None:
            stamps = np.asarray(rrs.timestamps[:], dtype=np.float64)
            if stamps.shape != (n_time,):
                raise FormatError(f"{what}: series {label} has {stamps.size} timestamps for {n_time} frames",
                                  "the file is inconsistent; timestamps must match the first data axis")
            if n_time < 2:
                raise FormatError(f"{what}: one frame only; the frame interval cannot be known")
            check_timestamps(stamps, f"{what}: the timestamps of series {label}")
            start = float(stamps[0])
            time_s = stamps - start
            dt_s = float(np.median(np.diff(stamps)))
            paused = pause_summary(stamps)
            if paused and resample_s is None:
                notes.append(f"{what}: {paused}: bench leaves out the forecasting windows "
                             "across them (infer treats them as gaps)")
                warnings.warn(notes[-1], UserWarning, stacklevel=2)
        else:
            if not rrs.rate or rrs.rate <= 0:
                raise FormatError(f"{what}: series {label} has neither timestamps nor a positive rate")
            dt_s = 1.0 / float(rrs.rate)
            start = float(rrs.starting_time or 0.0)
            time_s = None
        if ids.size != n_roi:
            raise FormatError(f"{what}: series {label} references {ids.size} ROIs for {n_roi} columns",
                              "the ROI region must list one ROI per data column")
        labels, named, doubts = roi_labels(nwb, rrs, label.split("/", 1)[0])
        notes += [f"{what}: {n}" for n in named]
        for doubt in doubts:
            notes.append(f"{what}: {doubt}")
            warnings.warn(notes[-1], UserWarning, stacklevel=2)
        indicator = ""
        plane = getattr(rrs.rois.table, "imaging_plane", None)
        if plane is not None and getattr(plane, "indicator", None):
            indicator = str(plane.indicator)
        neuron = [f"roi{i}" for i in ids] if labels is None else unique_names(labels)
        data = as_float32(data, what)
        if allow_nan:  # refused otherwise, the error counting the ±inf among the NaN
            data, infinite = infinite_as_missing(data, neuron, what)
            notes += [infinite] if infinite is not None else []
        if resample_s is not None:
            recorded = time_s if time_s is not None else np.arange(n_time) * dt_s
            upsampled: list[str] = []
            data, time_s = resample_uniform(data, recorded, float(resample_s),
                                            allow_nan=allow_nan, what=what, notes=upsampled)
            for note in upsampled:  # kept in import_notes, and said now
                notes.append(note)
                warnings.warn(note, UserWarning, stacklevel=2)
            dt_s, n_time = float(resample_s), data.shape[0]
        ds = make_dataset(
            data, dt_s=dt_s, time_s=time_s, neuron=neuron,
            condition=_conditions(n_time, condition_offsets, condition_names, what),
            source=f"nwb:{path.resolve()}#{label}", indicator=indicator,
            attrs={"start_time_s": start, **({"trace_kind": kind} if kind else {}),
                   **({"resampled_s": float(resample_s)} if resample_s is not None else {}),
                   **({"import_notes": notes} if notes else {})},
            heldout_conditions=heldout_conditions, allow_nan=allow_nan,
        )
        return with_labels(ds, labels)
