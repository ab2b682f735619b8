"""NWB files: an ophys RoiResponseSeries (Fluorescence or DfOverF) via pynwb (private)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from neurocast.data._loading import _conditions, as_float32, pause_summary, require_file
from neurocast.data._matrix_keys import check_timestamps
from neurocast.data._schema import make_dataset
from neurocast.errors import FormatError

__all__ = ["load_nwb"]

def _nwb_series(nwb) -> dict[str, object]:
    """label 'module/container/series' -> RoiResponseSeries, for Fluorescence and DfOverF."""
    from pynwb.ophys import DfOverF, Fluorescence  # heavy: only for NWB files

    found = {}
    for mod_name, module in nwb.processing.items():
        for iface_name, iface in module.data_interfaces.items():
            if isinstance(iface, (Fluorescence, DfOverF)):
                for s_name, series in iface.roi_response_series.items():
                    found[f"{mod_name}/{iface_name}/{s_name}"] = (series, type(iface).__name__)
    return found


def load_nwb(
    path: str | os.PathLike,
    *,
    series: str | None = None,
    condition_offsets: Sequence[int] | None = None,
    condition_names: Sequence[str] | None = None,
    heldout_conditions: Sequence[str] = (),
    allow_nan: bool = False,
) -> xr.Dataset:
    """Read an ophys ``RoiResponseSeries`` from an NWB file into a Dataset (in memory).

    The series is looked up in every processing module's ``Fluorescence`` or ``DfOverF``
    container. series: its name or 'module/container/name' label, required when the file holds
    several. Data are (time, roi), stored values converted to the series' unit as NWB defines
    it (``data * conversion + offset``: int16 counts with conversion 0.001 are read as such
    values, not as counts); dt_s is 1/rate, or the median interval of ``timestamps`` (then
    ``time`` = timestamps − first timestamp, and ``attrs['start_time_s']`` keeps the offset;
    timestamps must increase, and a pause in them is an import note and a UserWarning, as for
    ``load_matrix``). Neurons are named ``roi<id>`` from the ROI table rows. A ``Fluorescence``
    series holds raw F, not ΔF/F: ``attrs['trace_kind']`` says which it is ("dff" or "fluorescence").
    Conditions: optional frame offsets and names (else one condition "all"), and the names of
    held-out ones. Raises FormatError (no/ambiguous series, timestamps or ROIs not matching the data),
    NonFiniteError on NaN/inf unless ``allow_nan``.
    """
    from pynwb import NWBHDF5IO  # heavy: only for NWB files

    path = Path(path)
    what = f"NWB file '{path}'"
    require_file(path, what, "give the .nwb file itself")
    try:
        io = NWBHDF5IO(str(path), mode="r")
        nwb = io.read()
    except Exception as exc:  # h5py/hdmf raise many types for a non-NWB file
        raise FormatError(f"{what} cannot be read as NWB ({type(exc).__name__}: {exc})",
                          "give an NWB 2.x file written by pynwb or MatNWB") from None
    with io:
        found = _nwb_series(nwb)
        if not found:
            raise FormatError(f"{what} has no RoiResponseSeries in a Fluorescence or DfOverF container",
                              "ophys traces live in nwb.processing['ophys'] (Fluorescence/DfOverF)")
        if series is None:
            if len(found) > 1:
                raise FormatError(f"{what} holds {len(found)} RoiResponseSeries",
                                  "choose one with --series NAME (series= in Python): " + ", ".join(found))
            label = next(iter(found))
        else:
            matches = [k for k in found if k == series or k.rsplit("/", 1)[-1] == series]
            if len(matches) != 1:
                raise FormatError(f"{what}: {'no' if not matches else 'several'} series named {series!r}",
                                  "available: " + ", ".join(found))
            label = matches[0]
        rrs, container = found[label]
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
        n_time, n_roi = data.shape
        start = 0.0
        notes: list[str] = []
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
            if paused:
                notes.append(f"{what}: {paused}: forecasting windows would join the frames on "
                             "either side (infer treats them as gaps)")
                warnings.warn(notes[-1], UserWarning, stacklevel=2)
        else:
            if not rrs.rate or rrs.rate <= 0:
                raise FormatError(f"{what}: series {label} has neither timestamps nor a positive rate")
            dt_s = 1.0 / float(rrs.rate)
            start = float(rrs.starting_time or 0.0)
            time_s = None
        ids = np.asarray(rrs.rois.table.id[:])[np.asarray(rrs.rois.data[:], dtype=np.int64)]
        if ids.size != n_roi:
            raise FormatError(f"{what}: series {label} references {ids.size} ROIs for {n_roi} columns",
                              "the ROI region must list one ROI per data column")
        indicator = ""
        plane = getattr(rrs.rois.table, "imaging_plane", None)
        if plane is not None and getattr(plane, "indicator", None):
            indicator = str(plane.indicator)
        return make_dataset(
            as_float32(data, what), dt_s=dt_s, time_s=time_s, neuron=[f"roi{i}" for i in ids],
            condition=_conditions(n_time, condition_offsets, condition_names, what),
            source=f"nwb:{path.resolve()}#{label}", indicator=indicator,
            attrs={"start_time_s": start,
                   "trace_kind": "dff" if container == "DfOverF" else "fluorescence",
                   **({"import_notes": notes} if notes else {})},
            heldout_conditions=heldout_conditions, allow_nan=allow_nan,
        )
