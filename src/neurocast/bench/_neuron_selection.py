"""Which neurons the benchmark fits and scores, and which frames it leaves out among them.

Dead/constant channels are left out unless kept (they only reward predicting a flat line); NaN
or inf in the traces follow the NaN policy (``NAN_POLICIES``): refused, the neurons holding them
left out, or the frames holding them marked so that every window touching one is left out of
fitting and scoring (``bad_frames``). Each choice adds a note saying what was left out.
A caller's mask of the target values that count is aligned to the dataset first (``aligned_mask``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from neurocast.data import as_str, scan_traces
from neurocast.errors import ConfigError, NonFiniteError

__all__ = ["NAN_POLICIES", "aligned_mask", "select_neurons"]

#: What run_benchmark does with NaN/inf in the traces (real recordings have gaps).
NAN_POLICIES = {
    "raise": "refuse traces holding NaN/inf (the default: nothing is dropped silently)",
    "skip-windows": "leave every window whose context or target touches a NaN out of fitting and scoring",
    "mask-neurons": "leave every neuron holding a NaN out of fitting and scoring",
}


def select_neurons(ds, nan: str, keep_constant: bool, notes: list[str]):
    """Which neurons are fitted and scored, and which frames are bad (NaN) among them.

    Returns (keep bool (neuron,), bad_frames bool (time,) or None, {reason: [names]}).
    Uses the constant channels and NaN count the store recorded on import when it has them,
    else scans the traces once. Dead channels (NaN throughout) kept by ``keep_constant`` are a
    NonFiniteError under nan 'raise' and 'skip-windows' (they would leave every window out).
    """
    names = as_str(ds["neuron"].values)
    attrs = ds.attrs
    scan = None
    if "constant_neurons" in attrs and int(attrs.get("n_nan_values", -1)) == 0:
        constant = np.isin(names, [str(c) for c in attrs["constant_neurons"]])
        nan_per_neuron = np.zeros(names.size, dtype=np.int64)
    else:
        scan = scan_traces(ds["traces"])
        constant, nan_per_neuron = scan.constant, scan.nan_per_neuron
    keep = np.ones(names.size, dtype=bool)
    left_out: dict[str, list[str]] = {}
    if not keep_constant and constant.any():
        keep &= ~constant
        left_out["constant"] = names[constant].tolist()
        notes.append(f"{int(constant.sum())} dead/constant channel(s) left out of fitting and scoring "
                     f"(e.g. {', '.join(names[constant][:3])}); keep them with --keep-constant")
    has_nan = (nan_per_neuron > 0) & keep
    bad_frames = None
    dead = np.zeros(names.size, dtype=bool)  # dead channels (no value at all) kept by keep_constant
    if has_nan.any():
        n_values = int(nan_per_neuron[keep].sum())
        dead = has_nan & scan.empty
        if nan == "raise":
            frames = np.flatnonzero(scan.bad_frames_among(keep, ds["traces"]))
            raise NonFiniteError(
                f"the traces hold {n_values} NaN/inf value(s) in {int(has_nan.sum())} neuron(s) "
                f"(e.g. {', '.join(names[has_nan][:3])}) and {frames.size} frame(s), the first at "
                f"frame {frames[0]}",
                "they are dead channels, with no value at all: leave out --keep-constant (they are "
                "then left out like constant channels) or use --nan mask-neurons" if dead[has_nan].all()
                else
                "leave out the windows that touch them (--nan skip-windows) or those neurons "
                "(--nan mask-neurons)")
        if nan == "mask-neurons":
            keep &= ~has_nan
            left_out["nan"] = names[has_nan].tolist()
            notes.append(f"{int(has_nan.sum())} neuron(s) holding NaN/inf left out of fitting and scoring")
        else:
            if dead.any():  # every window touches their NaN
                raise NonFiniteError(
                    f"{int(dead.sum())} dead channel(s) with no value at all (e.g. "
                    f"{', '.join(names[dead][:3])}) are kept by --keep-constant: every window "
                    "touches their NaN, so --nan skip-windows leaves nothing to fit or score",
                    "leave out --keep-constant (dead channels are then left out like constant "
                    "channels)")
            bad_frames = scan.bad_frames_among(keep, ds["traces"])
            notes.append(f"{int(bad_frames.sum())} frame(s) hold NaN/inf: windows touching them left out "
                         "of fitting and scoring (counted in n_windows_skipped)")
    if not keep.any():
        ways = ([] if "nan" not in left_out else [
            "--nan skip-windows (leaves out only the windows that touch NaN)"
            + (" without --keep-constant (which keeps the dead channels)" if dead.any() else "")]) + \
               ([] if "constant" not in left_out else ["--keep-constant"])
        raise ConfigError("no neuron left to score: every channel is constant or holds NaN",
                          "check the recording, or keep neurons with " + " and ".join(ways))
    return keep, bad_frames, left_out


def aligned_mask(mask, ds) -> np.ndarray:
    """A mask of the target values that count, as bool (time, neuron) in ``ds``'s order.

    mask: an ``xarray.DataArray`` with dims ``time`` and ``neuron`` (in either order), aligned
    by its ``time`` and ``neuron`` coordinates where it has them (they must hold the dataset's
    frame times and neuron names, in any order) and by position along a dim without one; or an
    array-like shaped (time, neuron), taken by position. Bool, or integers 0/1.
    Raises ConfigError for other dims, another shape (naming the expected one), coordinates
    that are not the dataset's, or values other than True/False.
    """
    shape = (int(ds.sizes["time"]), int(ds.sizes["neuron"]))
    how = (f"a bool array shaped (time, neuron) = {shape}, or a DataArray with dims time and neuron "
           "(e.g. xr.ones_like(ds.traces, dtype=bool))")
    if isinstance(mask, xr.DataArray):
        if mask.ndim != 2 or set(mask.dims) != {"time", "neuron"}:
            raise ConfigError(f"mask has dims {mask.dims}; expected (time, neuron) in either order",
                              f"give {how}")
        mask = mask.transpose("time", "neuron")
        if mask.shape != shape:
            raise ConfigError(f"mask has {mask.sizes['time']} frames × {mask.sizes['neuron']} neurons; "
                              f"the dataset has (time, neuron) = {shape}", f"give {how}")
        order = {dim: _label_order(mask, ds, dim) for dim in ("time", "neuron") if dim in mask.coords}
        values = np.asarray(mask.isel(order).values if order else mask.values)
    else:
        values = np.asarray(mask)
        if values.shape != shape:
            raise ConfigError(
                f"mask has shape {values.shape}; expected (time, neuron) = {shape}",
                "it looks transposed: pass mask.T" if values.shape == shape[::-1] else f"give {how}")
    if values.dtype.kind in "iu" and ((values == 0) | (values == 1)).all():
        values = values.astype(bool)
    if values.dtype != bool:
        raise ConfigError(f"mask holds {values.dtype} values; expected True/False",
                          "True where a target value counts, e.g. np.isfinite(ds.traces.values)")
    return values


def _label_order(mask: xr.DataArray, ds, dim: str) -> np.ndarray:
    """Positions in ``mask`` along ``dim`` of ``ds``'s labels (frame times or neuron names), in
    the dataset's order; ConfigError when the labels repeat or are not the dataset's."""
    mine, theirs = mask[dim].values, ds[dim].values
    if dim == "neuron":
        mine, theirs = as_str(mine), as_str(theirs)
    if np.array_equal(mine, theirs):
        return np.arange(theirs.size)
    labels = pd.Index(mine)
    what = "frame times" if dim == "time" else "neuron names"
    if not labels.is_unique:
        raise ConfigError(f"the mask's {dim} coordinate repeats {what} "
                          f"(e.g. {_some(labels[labels.duplicated()])})",
                          f"give each of the dataset's {what} once")
    pos = labels.get_indexer(theirs)
    if (pos < 0).any():
        extra = labels[~labels.isin(theirs)]
        raise ConfigError(f"the mask's {dim} coordinate is not the dataset's: it has {_some(extra)} "
                          f"and lacks {_some(theirs[pos < 0])}",
                          "build the mask on the dataset's coordinates, e.g. "
                          "xr.ones_like(ds.traces, dtype=bool), or pass a NumPy array (by position)")
    return pos


def _some(labels, k: int = 3) -> str:
    """Up to ``k`` labels, quoted, for a message."""
    items = [repr(x.item() if hasattr(x, "item") else x) for x in list(labels)[:k]]
    return ", ".join(items) + (", ..." if len(labels) > k else "")
