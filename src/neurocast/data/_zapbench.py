"""ZAPBench's layout: a zarr array (t, f) of ΔF/F, time-major, read lazily (private)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr
import zarr
from xarray.backends import BackendArray
from xarray.core import indexing

from neurocast.data._loading import (
    _conditions,
    _neuron_names,
    as_float32,
    unique_names,
    with_labels,
)
from neurocast.data._schema import make_dataset
from neurocast.data._xarray_zarr import named_dims_store
from neurocast.data.protocol import ZAPBENCH
from neurocast.errors import FormatError

__all__ = ["load_zapbench"]

class _ZarrBackend(BackendArray):
    """A zarr array behind xarray's lazy indexing: only the indexed chunks are read."""

    def __init__(self, array, what: str):
        self.array = array
        self.what = what
        self.shape = tuple(array.shape)
        self.dtype = np.dtype(np.float32)

    def __getitem__(self, key):
        return indexing.explicit_indexing_adapter(key, self.shape, indexing.IndexingSupport.BASIC,
                                                  self._read)

    def _read(self, key):
        block = np.asarray(self.array[key])
        if block.dtype == np.float32:  # ZAPBench's own: as stored
            return block
        return as_float32(block, self.what)  # float16/64, int16 counts: cast block by block


def _lazy_traces(array, what: str) -> xr.Variable:
    """A (time, neuron) float32 Variable reading ``array`` (a zarr array of numbers) only where
    indexed, cast to float32 block by block (FormatError for values beyond float32)."""
    return xr.Variable(("time", "neuron"), indexing.LazilyIndexedArray(_ZarrBackend(array, what)))


def load_zapbench(
    path: str | os.PathLike,
    *,
    condition_offsets: Sequence[int] | None = ZAPBENCH.offsets,
    condition_names: Sequence[str] | None = ZAPBENCH.names,
    dt_s: float = ZAPBENCH.dt_s,
    heldout_conditions: Sequence[str] | None = None,
    covariates: str | os.PathLike | None = None,
    covariate_names: Sequence[str] | None = None,
    neuron_names=None,
    indicator: str = "",
    allow_nan: bool = False,
) -> xr.Dataset:
    """Open traces in ZAPBench's layout: a zarr array (t, f) float32 of ΔF/F, time-major.

    path: the zarr array (v3 or v2; ZAPBench's is v3 with dimension names ``t``, ``f``; other
    dimension names raise FormatError). The traces stay lazy: frames are read on access.
    condition_offsets / condition_names: frame offsets (first frame of each condition, then
    the number of frames) and names; the defaults are ZAPBench's 9 conditions over 7,879
    frames (pass ``None`` for both to use one condition "all"). dt_s: seconds per frame
    (ZAPBench 0.9141). heldout_conditions: default ZAPBench's ("taxis") if present; names
    given explicitly must be conditions of the recording. covariates: optional zarr array (t, k) of stimulus features, stored as
    ``stimulus`` with ``covariate_names`` (default c0..). Neurons are named by trace index
    ("0", "1", ...; ZAPBench's segment label is index + 1) unless neuron_names are given (a
    sequence or a names file; empty and repeated names are made unique and the raw labels kept
    as coordinate ``label``, as ``load_matrix`` does).
    Raises FormatError on a wrong layout or mismatched sizes, NonFiniteError on NaN/inf
    (scanned blockwise) unless ``allow_nan``.
    """
    path = Path(path)
    what = f"ZAPBench traces '{path}'"
    if not path.exists():
        raise FormatError(f"{what} not found", "check the path")
    if path.is_file():
        raise FormatError(f"{what} is a file, not a zarr array (a folder)",
                          "a matrix file (.npy, .npz, .mat, .h5, .csv, ...) imports with "
                          "--format matrix")
    other = named_dims_store(path)  # Minian's output: (unit_id, frame)
    if other is not None and {d.lower() for d in other[1]} != {"time", "neuron"}:
        raise FormatError(f"{what}: {other[0]!r} has the dimensions {other[1]}, not ZAPBench's "
                          "('t', 'f'): an xarray zarr store such as Minian's output, not "
                          "ZAPBench traces",
                          "import it with --format matrix, which orients it by its dimension "
                          "names and names the neurons by their ids; give the frame interval "
                          "with --dt-s S (Minian saves no frame rate)")
    try:
        arr = zarr.open_array(path, mode="r")
    except Exception as exc:  # zarr raises several types for "not an array here"
        raise FormatError(f"{what}: not a zarr array ({type(exc).__name__}: {exc})",
                          "give the path of the traces array (e.g. .../traces), not its parent") from None
    if arr.ndim != 2:
        raise FormatError(f"{what}: array has shape {arr.shape}, expected 2-D (t, f)",
                          "ZAPBench traces are time × neuron")
    dims = getattr(arr.metadata, "dimension_names", None)
    if dims is None:  # zarr v2 keeps them in an attribute (as xarray writes it)
        dims = arr.attrs.get("_ARRAY_DIMENSIONS")
    if dims is not None and tuple(dims) not in (("t", "f"), ("time", "neuron")):
        reverse = tuple(dims) in (("f", "t"), ("neuron", "time"))
        raise FormatError(f"{what}: dimension names {tuple(dims)}, expected ('t', 'f')",
                          "the first axis must be time (t), the second neurons (f)"
                          + ("; this array is neuron × time: save its transpose, or export it "
                             "(e.g. .npy) and import with --format matrix --transpose"
                             if reverse else ""))
    if np.dtype(arr.dtype).kind not in "fiu":  # bool, complex, str: not ΔF/F (nor castable)
        raise FormatError(f"{what}: array dtype {arr.dtype} does not hold fluorescence values",
                          "ZAPBench traces are a (t, f) array of numbers (float32 ΔF/F)")
    n_time, n_neuron = arr.shape
    traces = _lazy_traces(arr, what)  # any numeric dtype stays lazy (a float64 copy: 4.5 GB)
    if (condition_offsets is not None and tuple(condition_offsets) == ZAPBENCH.offsets
            and n_time != ZAPBENCH.offsets[-1]):
        raise FormatError(f"{what}: ZAPBench's conditions end at frame {ZAPBENCH.offsets[-1]} but "
                          f"the traces have {n_time} frames",
                          f"give the recording's own conditions, e.g. --conditions 0,{n_time}:all "
                          "(one condition)")
    condition = _conditions(n_time, condition_offsets, condition_names, what)
    stim = None
    if covariates is not None:
        try:
            cov = zarr.open_array(Path(covariates), mode="r")
        except Exception as exc:
            raise FormatError(f"covariates '{covariates}' are not a zarr array ({exc})") from None
        stim = np.asarray(cov[...], dtype=np.float32)
        if stim.ndim != 2 or stim.shape[0] != n_time:
            raise FormatError(f"covariates have shape {stim.shape}, traces {n_time} frames",
                              "give a (t, k) array with one row per frame")
    if heldout_conditions is None:  # ZAPBench's held-out condition, if the recording has it
        present = set(condition.tolist()) if condition is not None else set()
        heldout_conditions = [h for h in ZAPBENCH.heldout if h in present]
    labels = _neuron_names(neuron_names, n_neuron, what)
    ds = make_dataset(
        traces, dt_s=dt_s, condition=condition,
        neuron=None if labels is None else unique_names(labels),
        stimulus=stim, covariate=covariate_names,
        source=f"zapbench:{path.resolve()}", indicator=indicator,
        heldout_conditions=heldout_conditions,
        protocol="zapbench" if condition_names is not None and tuple(condition_names) == ZAPBENCH.names else "",
        allow_nan=allow_nan,
    )
    return with_labels(ds, labels)
