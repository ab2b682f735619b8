"""Zarr stores written by xarray with named dimensions, such as Minian's output (private).

Minian (Dong et al., eLife 2022) saves each result as an xarray Dataset in a zarr (v2) store:
``C.zarr`` (the denoised calcium traces, dims ``unit_id`` × ``frame``), ``S.zarr``,
``YrA.zarr``, ``A.zarr`` (``unit_id`` × ``height`` × ``width``), ... in one output folder
(or several variables in one store). The dimension names, kept in xarray's
``_ARRAY_DIMENSIONS`` attribute (zarr v2) or in ``dimension_names`` (v3), tell which axis is
time, and the neuron dimension's coordinate (Minian's unit ids) names the neurons.
``read_named_dims`` reads such a store (or a folder of them) for ``load_matrix``; ZAPBench's
loader uses ``named_dims_store`` to refuse one with a pointer to ``--format matrix``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neurocast.data._matrix_keys import TRACE_KEYS, pick_key
from neurocast.errors import FormatError

__all__ = ["NEURON_DIMS", "TIME_DIMS", "NamedDims", "named_dims_store", "read_named_dims"]

#: Dimension names of neurons (Minian: unit_id) and of frames (Minian: frame), lower case.
NEURON_DIMS = ("unit_id", "unit", "units", "neuron", "neurons", "neuron_id", "cell", "cells",
               "cell_id", "roi", "rois", "roi_id", "component", "components")
TIME_DIMS = ("frame", "frames", "time", "t", "timestamp", "timestamps")
#: Dimension names whose coordinate holds times in seconds (``frame`` counts frames).
_SECONDS_DIMS = ("time", "t", "timestamp", "timestamps")
#: Minian's variables of denoised traces, best first, when no name in TRACE_KEYS is there.
_PREFERRED = ("c", "yra", "s", "c0")
#: Those of them that are denoised calcium traces (S is deconvolved spikes, YrA residuals).
_DENOISED = ("c", "c0")


def _zarr_dims(folder: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(array path relative to ``folder``, its dimension names) for every array in the zarr
    store ``folder`` that has them (v2 ``.zattrs`` ``_ARRAY_DIMENSIONS``, v3 ``zarr.json``
    ``dimension_names``), read from the metadata files only; arrays one level deep."""
    found = []
    for d in [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]:
        dims = None
        try:
            if (d / ".zarray").is_file() and (d / ".zattrs").is_file():
                dims = json.loads((d / ".zattrs").read_text()).get("_ARRAY_DIMENSIONS")
            elif (d / "zarr.json").is_file():
                meta = json.loads((d / "zarr.json").read_text())
                if meta.get("node_type") == "array":
                    dims = meta.get("dimension_names") or meta.get("attributes", {}).get(
                        "_ARRAY_DIMENSIONS")
        except (OSError, ValueError, AttributeError):
            dims = None
        if dims and all(isinstance(x, str) for x in dims):
            found.append(("" if d == folder else d.name, tuple(dims)))
    return found


def _stores(path: Path) -> list[Path]:
    """The zarr stores at ``path``: itself if it is one, else the ``*.zarr`` folders it holds
    (Minian's output folder)."""
    if any((path / f).exists() for f in (".zgroup", ".zarray", "zarr.json")):
        return [path]
    return sorted(p for p in path.iterdir() if p.is_dir() and p.suffix == ".zarr"
                  and any((p / f).exists() for f in (".zgroup", ".zarray", "zarr.json")))


def named_dims_store(path: Path) -> tuple[str, tuple[str, ...]] | None:
    """The first 2-D array (its name, its dims) of the zarr store(s) at ``path`` whose dimension
    names are one of neurons and one of frames (``NEURON_DIMS``, ``TIME_DIMS``: Minian's
    ``unit_id``, ``frame``), or None. ZAPBench's own (``t``, ``f``) are not neuron names."""
    if not path.is_dir():
        return None
    for store in _stores(path):
        for name, dims in _zarr_dims(store):
            low = tuple(d.lower() for d in dims)
            if len(low) == 2 and (
                    (low[0] in NEURON_DIMS and low[1] in TIME_DIMS)
                    or (low[1] in NEURON_DIMS and low[0] in TIME_DIMS)):
                return (f"{store.name}/{name}".rstrip("/"), dims)
    return None


@dataclass
class NamedDims:
    """What ``read_named_dims`` read: values (time, neuron), the key of the variable read,
    neuron names (the neuron dimension's coordinate, or None), timestamps in seconds (a
    ``time`` coordinate, or None), the scalar attributes of the stores (frame rate, ...),
    notes, and the trace kind: "fluorescence" for Minian's denoised traces (``C``, ``YrA``, ...),
    else None (undeclared)."""

    values: np.ndarray
    key: str
    names: np.ndarray | None
    time_s: np.ndarray | None
    attrs: dict
    notes: list[str]
    kind: str | None


def read_named_dims(path: Path, key: str | None, what: str) -> NamedDims:
    """Read the traces of an xarray zarr store (or a folder of them: Minian's output) with
    named dimensions: ``key`` names the variable (default: the only (neuron, frame) one, else
    the one named like traces, else Minian's ``C``), oriented (time, neuron) by its dimension
    names. Raises FormatError if no variable has one neuron and one time dimension, or the
    choice is not clear."""
    import xarray as xr

    variables: dict = {}
    attrs: dict = {}
    for store in _stores(path):
        try:
            ds = xr.open_zarr(store, consolidated=None)
        except Exception as exc:  # zarr/xarray raise many types for a damaged store
            raise FormatError(f"{what}: zarr store '{store}' cannot be read by xarray "
                              f"({type(exc).__name__}: {exc})", "give a store written by xarray's "
                              "to_zarr (Minian's output folder or one of its .zarr stores)") from None
        for name, var in ds.data_vars.items():
            variables.setdefault(str(name), var)
        attrs.update({k: v for k, v in ds.attrs.items() if np.size(v) == 1})
    traces = {k: v for k, v in variables.items() if v.ndim == 2 and v.dtype.kind in "fiu"
              and sum(d.lower() in NEURON_DIMS for d in map(str, v.dims)) == 1
              and sum(d.lower() in TIME_DIMS for d in map(str, v.dims)) == 1}
    if key is not None:
        if key not in variables:
            raise FormatError(f"{what} has no variable {key!r}",
                              "available: " + (", ".join(sorted(variables)) or "none"))
        if key not in traces:
            raise FormatError(f"{what}: variable {key!r} has dims {tuple(variables[key].dims)}, not "
                              "one of neurons and one of frames",
                              "choose one of: " + (", ".join(sorted(traces)) or "none"))
        chosen = key
    elif not traces:
        raise FormatError(f"{what} holds no 2-D variable with a neuron and a frame dimension ("
                          + ", ".join(f"{k} {tuple(map(str, v.dims))}"
                                      for k, v in sorted(variables.items())) + ")",
                          "name them e.g. ('unit_id', 'frame'), or export the traces as .npy and "
                          "import that")
    elif len(traces) == 1:
        chosen = next(iter(traces))
    else:
        chosen = pick_key(traces, TRACE_KEYS) or pick_key(traces, _PREFERRED)
        if chosen is None:
            raise FormatError(f"{what} holds {len(traces)} trace variables",
                              "choose one with --key: " + ", ".join(sorted(traces)))
    var = variables[chosen]
    dims = tuple(map(str, var.dims))
    n_dim = next(d for d in dims if d.lower() in NEURON_DIMS)
    t_dim = next(d for d in dims if d.lower() in TIME_DIMS)
    values = np.asarray(var.transpose(t_dim, n_dim).values)
    names = None
    if n_dim in var.coords:
        names = np.asarray([str(x.item() if hasattr(x, "item") else x)
                            for x in np.asarray(var.coords[n_dim].values)])
    time_s = None
    if t_dim.lower() in _SECONDS_DIMS and t_dim in var.coords \
            and np.asarray(var.coords[t_dim]).dtype.kind in "fiu":
        time_s = np.asarray(var.coords[t_dim].values, dtype=np.float64)
    others = sorted(k for k in traces if k != chosen)
    notes = [f"{what}: variable {chosen!r}, dims {dims}, read as (time, neuron) by its dimension "
             f"names" + (f", neurons named by {n_dim!r}" if names is not None else "")
             + (f"; also there: {', '.join(map(repr, others))} (--key picks another)"
                if others else "")]
    kind = None
    if chosen.lower() in _DENOISED:
        kind = "fluorescence"
        notes.append(f"{what}: {chosen!r} holds Minian's denoised calcium traces, in units of "
                     "fluorescence, not ΔF/F (trace kind 'fluorescence'; --trace-kind dff "
                     "declares them ΔF/F)")
    return NamedDims(values, chosen, names, time_s, attrs, notes, kind)
