"""Summaries of datasets for ``neurocast data info``."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import xarray as xr

from neurocast.data._quality import QUALITY_KEYS, scan_traces
from neurocast.data._schema import as_str, condition_blocks
from neurocast.data._store import CONNECTOME_FILE, dataset_connectome, open_dataset

__all__ = ["dataset_info", "trace_quality"]


def trace_quality(path_or_dataset: str | os.PathLike | xr.Dataset) -> dict:
    """The values' quality (``QUALITY_KEYS``: constant_neurons, n_nan_values, n_nan_frames,
    empty_neurons, n_gap_values, n_gap_frames, n_inf_values; see ``dataset_info``): from the
    store's attrs, written on import, else (in memory, or a store written before they were
    recorded) from one scan of the traces."""
    ds = path_or_dataset if isinstance(path_or_dataset, xr.Dataset) else open_dataset(
        path_or_dataset, allow_nan=True)
    if all(key in ds.attrs for key in QUALITY_KEYS) or ds.attrs.get("n_nan_values", -1) == 0:
        attrs = ds.attrs  # a store without NaN written before the gap counts: none to count
        return {"constant_neurons": [str(c) for c in attrs["constant_neurons"]],
                "n_nan_values": int(attrs["n_nan_values"]),
                "n_nan_frames": int(attrs.get("n_nan_frames", 0)),
                "empty_neurons": [str(c) for c in attrs.get("empty_neurons", [])],
                "n_gap_values": int(attrs.get("n_gap_values", 0)),
                "n_gap_frames": int(attrs.get("n_gap_frames", 0)),
                "n_inf_values": int(attrs.get("n_inf_values", 0))}
    return scan_traces(ds["traces"]).summary(as_str(ds["neuron"].values))


def _store_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def dataset_info(path_or_dataset: str | os.PathLike | xr.Dataset) -> dict:
    """A JSON-friendly summary of a dataset (a store path or an open Dataset).

    Keys: name, path, n_frames, n_neurons, shape, duration_s, dt_s, sampling_hz,
    conditions (name, start_frame, stop_frame (exclusive), n_frames, start_s), heldout_conditions,
    source, protocol, stimulus_plan, indicator, seed, neurocast_version, variables, covariates,
    has_spike_counts, has_connectome, connectome (name, n_neurons, n_connections or None),
    store_bytes (on disk, or None for in-memory data), traces_bytes; the values' quality:
    constant_neurons (names of dead/constant channels), n_nan_values, n_nan_frames (every
    NaN/inf, and the frames holding one), empty_neurons (those with no value at all: dead
    channels), n_gap_values, n_gap_frames (the NaN/inf of the other neurons: gaps, and the
    frames holding one), n_inf_values (how many of all the NaN/inf are ±inf) (from the store's
    attrs, written on import; scanned here for datasets and older stores without them); the
    timing:
    frame_interval_s [min, median, max] of the time coordinate (uneven in real recordings) and
    resampled_s (None unless resampled on import); n_unnamed, n_renamed (neurons whose raw
    ``label`` was empty or repeated); trace_kind ("dff", or "fluorescence" for raw F from an
    NWB ``Fluorescence`` series) and import_notes (what the loader decided about the file,
    and its warnings).
    Opening validates the dataset (NaN allowed here: info reports, it does not judge values).
    Raises DamagedDatasetError (from ``open_dataset``) if chunk files are missing.
    """
    ds = path_or_dataset if isinstance(path_or_dataset, xr.Dataset) else open_dataset(
        path_or_dataset, allow_nan=True)
    where = ds.encoding.get("neurocast_path")
    path = Path(where) if where else None
    n_time, n_neuron = ds.sizes["time"], ds.sizes["neuron"]
    dt_s = float(ds.attrs["dt_s"])
    time = np.asarray(ds["time"].values)
    blocks = condition_blocks(np.asarray(ds["condition"].values))
    conditions = [{"name": n, "start_frame": a, "stop_frame": b, "n_frames": b - a,
                   "start_s": float(time[a])} for n, a, b in blocks]
    steps = np.diff(time)
    interval = [float(steps.min()), float(np.median(steps)), float(steps.max())] if steps.size else []
    labels = as_str(ds["label"].values) if "label" in ds.coords else None
    names = as_str(ds["neuron"].values)
    con = None
    if path is not None and (path / CONNECTOME_FILE).is_file():
        c = dataset_connectome(ds)
        con = {"name": c.name, "n_neurons": c.n_neurons, "n_connections": c.n_connections}
    return {
        "name": path.stem if path is not None else "",
        "path": str(path) if path is not None else None,
        "n_frames": n_time,
        "n_neurons": n_neuron,
        "shape": [n_time, n_neuron],
        "duration_s": float(time[-1] - time[0] + dt_s) if n_time else 0.0,
        "dt_s": dt_s,
        "sampling_hz": 1.0 / dt_s,
        "conditions": conditions,
        "heldout_conditions": [str(h) for h in ds.attrs["heldout_conditions"]],
        "source": ds.attrs["source"],
        "protocol": ds.attrs["protocol"],
        "stimulus_plan": str(ds.attrs.get("stimulus_plan", "")),
        "indicator": ds.attrs["indicator"],
        "seed": int(ds.attrs["seed"]),
        "neurocast_version": ds.attrs["neurocast_version"],
        "variables": sorted(str(v) for v in ds.data_vars),
        "covariates": [str(c) for c in ds["covariate"].values] if "covariate" in ds.coords else [],
        "has_spike_counts": "spike_counts" in ds.data_vars,
        "has_connectome": con is not None,
        "connectome": con,
        "traces_bytes": int(n_time * n_neuron * 4),
        "store_bytes": _store_bytes(path) if path is not None else None,
        **trace_quality(ds),
        "frame_interval_s": interval,
        "resampled_s": ds.attrs.get("resampled_s"),
        "n_unnamed": 0 if labels is None else int(np.sum(labels == "")),
        "n_renamed": 0 if labels is None else int(np.sum((labels != "") & (labels != names))),
        "trace_kind": str(ds.attrs.get("trace_kind", "dff")),
        "import_notes": [str(n) for n in ds.attrs.get("import_notes", [])],
    }
