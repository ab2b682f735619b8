"""Plain (time × neuron) matrices: .npy, .npz, HDF5, CSV/TSV/text (private)."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from neurocast.data._loading import _conditions, _neuron_names
from neurocast.data._schema import make_dataset
from neurocast.errors import FormatError

__all__ = ["load_matrix"]

_MATRIX_SUFFIXES = (".npy", ".npz", ".csv", ".tsv", ".txt", ".h5", ".hdf5", ".hdf")


def _pick_key(keys: list[str], key: str | None, what: str) -> str:
    if key is not None:
        if key not in keys:
            raise FormatError(f"{what} has no array {key!r}", "available: " + ", ".join(keys))
        return key
    if len(keys) != 1:
        raise FormatError(f"{what} holds {len(keys)} arrays", "choose one with key=... (--key): " + ", ".join(keys))
    return keys[0]


def _read_table(path: Path, what: str) -> tuple[np.ndarray, np.ndarray | None]:
    with open(path) as fh:
        first = fh.readline().strip()
    if path.suffix == ".tsv" or "\t" in first:
        sep = "\t"
    elif "," in first:
        sep = ","
    elif ";" in first:
        sep = ";"
    else:
        sep = r"\s+"
    try:
        [float(f) for f in re.split(sep, first) if f]
        header = None
    except ValueError:
        header = 0
    table = pd.read_csv(path, sep=sep, header=header, engine="python" if sep == r"\s+" else "c")
    try:
        values = table.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        bad = [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])]
        raise FormatError(f"{what}: column(s) {[str(b) for b in bad[:3]]} hold non-numeric values",
                          "a matrix file holds numbers only, with an optional header row of neuron names") from None
    names = np.asarray(table.columns).astype(str) if header == 0 else None
    return values, names


def load_matrix(
    path: str | os.PathLike,
    *,
    dt_s: float,
    neuron_names=None,
    key: str | None = None,
    transpose: bool = False,
    condition_offsets: Sequence[int] | None = None,
    condition_names: Sequence[str] | None = None,
    heldout_conditions: Sequence[str] = (),
    indicator: str = "",
    allow_nan: bool = False,
) -> xr.Dataset:
    """Read a plain (time × neuron) matrix of ΔF/F from .npy, .npz, .h5/.hdf5, .csv/.tsv/.txt.

    dt_s: seconds per frame (required: plain matrices carry no timing). neuron_names: a
    sequence or a text file with one name per line (default: the CSV header if it has one,
    else "0", "1", ...). key: the array inside an .npz or HDF5 file (required when it holds
    several). transpose: the file is (neuron × time). Conditions: optional frame offsets and
    names, and the names of held-out ones. Raises FormatError (unknown suffix, missing key, names not matching columns,
    non-numeric cells), NonFiniteError on NaN/inf unless ``allow_nan``.
    """
    path = Path(path)
    what = f"matrix file '{path}'"
    if not path.is_file():
        raise FormatError(f"{what} not found", "check the path")
    suffix = path.suffix.lower()
    header_names = None
    if suffix == ".npy":
        values = np.load(path, mmap_mode="r", allow_pickle=False)
    elif suffix == ".npz":
        with np.load(path, allow_pickle=False) as z:
            values = z[_pick_key(list(z.files), key, what)]
    elif suffix in (".h5", ".hdf5", ".hdf"):
        import h5py  # heavy: only for HDF5 files

        with h5py.File(path, "r") as f:
            keys: list[str] = []
            f.visititems(lambda name, obj: keys.append(name) if isinstance(obj, h5py.Dataset) and obj.ndim == 2 else None)
            values = np.asarray(f[_pick_key(keys, key, what)][...])
    elif suffix in (".csv", ".tsv", ".txt"):
        values, header_names = _read_table(path, what)
    else:
        raise FormatError(f"{what}: unknown suffix '{path.suffix}'",
                          "matrix files are " + ", ".join(_MATRIX_SUFFIXES))
    if values.ndim != 2:
        raise FormatError(f"{what}: array has shape {values.shape}, expected (time, neuron)")
    if values.dtype.kind not in "fiub":
        raise FormatError(f"{what}: array dtype {values.dtype} is not numeric")
    if transpose:
        values = values.T
        header_names = None
    n_time, n_neuron = values.shape
    names = _neuron_names(neuron_names, n_neuron, what)
    if names is None and header_names is not None:
        names = _neuron_names(header_names, n_neuron, what)
    return make_dataset(
        np.asarray(values, dtype=np.float32), dt_s=dt_s, neuron=names,
        condition=_conditions(n_time, condition_offsets, condition_names, what),
        source=f"matrix:{path.resolve()}" + (f"#{key}" if key else ""), indicator=indicator,
        heldout_conditions=heldout_conditions, allow_nan=allow_nan,
    )
