"""The shared Dataset schema: build a schema-conforming ``xarray.Dataset`` and validate one.

Schema (see docs/datasets.md):

- ``traces``: dims (time, neuron), float32, ΔF/F.
- ``condition``: dims (time,), str, the stimulus condition of every frame (contiguous blocks).
- optional ``stimulus``: dims (time, covariate), float32, with coord ``covariate`` (str).
- optional ``spike_counts``: dims (time, neuron), uint16, spikes per frame.
- coords ``time`` (time,) float64 seconds from the start; ``neuron`` (neuron,) str names.
- attrs: dt_s, source, protocol (the split protocol the dataset is scored with by default:
  a preset of ``neurocast.data.PRESETS``, or "" to choose from the conditions), indicator, seed,
  neurocast_version, conditions, heldout_conditions; optional ``stimulus_plan`` (the stimulus
  plan a synthetic recording was made under, ``neurocast.record.PLANS``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from neurocast import __version__
from neurocast._numbers import is_real, is_whole
from neurocast.errors import FormatError, NonFiniteError

__all__ = [
    "OPTIONAL_VARIABLES",
    "REQUIRED_ATTRS",
    "REQUIRED_VARIABLES",
    "condition_blocks",
    "conditions_from_offsets",
    "make_dataset",
    "validate_dataset",
]

#: name -> (dims, dtype kind description); dtype None means "strings".
REQUIRED_VARIABLES: dict[str, tuple[tuple[str, ...], np.dtype | None]] = {
    "traces": (("time", "neuron"), np.dtype(np.float32)),
    "condition": (("time",), None),
}
OPTIONAL_VARIABLES: dict[str, tuple[tuple[str, ...], np.dtype | None]] = {
    "stimulus": (("time", "covariate"), np.dtype(np.float32)),
    "spike_counts": (("time", "neuron"), np.dtype(np.uint16)),
}
#: attr name -> accepted Python types.
REQUIRED_ATTRS: dict[str, tuple[type, ...]] = {
    "dt_s": (float, int, np.floating, np.integer),
    "source": (str,),
    "protocol": (str,),
    "indicator": (str,),
    "seed": (int, np.integer),
    "neurocast_version": (str,),
    "conditions": (list, tuple, np.ndarray),
    "heldout_conditions": (list, tuple, np.ndarray),
}
#: attr name -> the test of its value where the types above are not enough: the number attrs
#: take Python's and NumPy's numbers but no flag (True is an int to isinstance) nor duration.
_ATTR_CHECKS = {"dt_s": is_real, "seed": is_whole}

#: What to do about a variable whose dims are not the schema's (``validate_dataset``,
#: ``orient_dataset``).
DIMS_HINT = "transpose or rename the dimensions"

#: The name of the single condition of a recording without stimulus conditions.
NO_CONDITION = "all"

# Traces are scanned for NaN in blocks of this many values (bounded memory for lazy data).
_SCAN_BLOCK_VALUES = 1 << 24
#: What to do about NaN in traces being made into a dataset (import, make_dataset, save_dataset) ...
KEEP_NAN_HINT = ("keep them as gaps with --allow-nan, then benchmark with neurocast bench DATASET "
                 "--nan skip-windows or --nan mask-neurons (a neuron with no value at all is a "
                 "dead channel, which bench and infer leave out without --nan)")
#: ... and in a stored dataset being opened without allow_nan.
STORED_NAN_HINT = ("benchmark it with neurocast bench DATASET --nan skip-windows (leave out "
                   "windows that touch them) or --nan mask-neurons (leave out those neurons); "
                   "neurocast infer takes --nan mask-neurons or --nan skip-frames (Python: "
                   "open_dataset(path, allow_nan=True), then run_benchmark(ds, nan=...) or "
                   "run_inference(ds, nan=...) with the same choices)")


def _version() -> str:
    return __version__


def _is_string_dtype(dtype: np.dtype) -> bool:
    return dtype.kind in ("U", "S", "T", "O")


def as_str(values) -> np.ndarray:
    """Any array of strings (numpy U/S, StringDType, object) as a numpy fixed-width str array."""
    a = np.asarray(values)
    if a.dtype.kind in ("T", "O"):
        return np.array(a.tolist(), dtype=str).reshape(a.shape)
    return a.astype(str)


def conditions_from_offsets(offsets: Sequence[int], names: Sequence[str]) -> np.ndarray:
    """Expand condition boundaries into one name per frame.

    offsets: increasing frame offsets, shape (n_conditions + 1,), starting at 0; the last one is
    the number of frames. names: shape (n_conditions,).
    Returns a str array shaped (offsets[-1],). Raises FormatError for inconsistent input, an
    empty or missing name (or 'nan', a missing one as text), or a name given twice (adjacent conditions with one name would
    silently merge into one).
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    names = [_condition_name(n, f"condition name {i + 1} (counting from 1)")
             for i, n in enumerate(names)]
    if names:  # a name given twice: positions are gathered for repeated names only
        unique, first, inverse, counts = np.unique(np.array(names, dtype=str), return_index=True,
                                                   return_inverse=True, return_counts=True)
        if (counts > 1).any():
            repeated = int(min(np.flatnonzero(counts > 1), key=lambda u: first[u]))
            where = np.flatnonzero(inverse.ravel() == repeated) + 1
            adjacent = bool((np.diff(where) == 1).any())
            raise FormatError(
                f"condition name {str(unique[repeated])!r} is given {where.size} times (conditions "
                f"{', '.join(map(str, where.tolist()))}, counting from 1)"
                + (": adjacent conditions with one name would merge into one" if adjacent else ""),
                "each condition is one contiguous block of frames with a name of its own: give "
                "the blocks distinct names (e.g. a, a2), or drop the offset between adjacent "
                "ones to make them one condition")
    if offsets.ndim != 1 or len(offsets) != len(names) + 1:
        raise FormatError(
            f"{len(offsets)} condition offsets for {len(names)} condition names",
            "give one more offset than names: the start of each condition and the end of the last",
        )
    if offsets[0] != 0 or np.any(np.diff(offsets) <= 0):
        raise FormatError(f"condition offsets {offsets.tolist()} must start at 0 and increase",
                          "give the first frame of every condition, then the number of frames")
    return np.repeat(np.array(names, dtype=str), np.diff(offsets))


#: How to name conditions, for the errors about a name in a list of condition names.
_NAME_HINT = ("give every condition a name: --conditions 0,600,1200:rest,stim (Python: "
              "condition_names=['rest', 'stim'])")
#: ... and about a per-frame label without one (make_dataset: a loader's or a plan's labels).
_LABEL_HINT = "give every frame a condition name"
#: What a missing label (NaN) becomes as text (``pandas``' ``astype(str)``): refused as missing.
_NAN_TEXT = "nan"


def _condition_name(value, what: str, hint: str = _NAME_HINT) -> str:
    """``value`` as a condition name; FormatError naming ``what`` if it is missing (None, NaN,
    pandas NA), empty (also only whitespace) or the text 'nan' (a missing label as text)."""
    if value is None or (np.ndim(value) == 0 and bool(pd.isna(value))):
        shown = "nan" if isinstance(value, float | np.floating) else repr(value)  # not np.float64
        raise FormatError(f"{what} is missing ({shown})", hint)
    name = str(value)
    if not name.strip():
        raise FormatError(f"{what} is empty", hint)
    if name.strip() == _NAN_TEXT:
        raise FormatError(f"{what} is 'nan' (what a missing label becomes as text)", hint)
    return name


def _check_labels(condition) -> None:
    """Raise FormatError if a per-frame condition label (shape (time,)) is missing (None, NaN,
    pandas NA), empty or the text 'nan', naming the first frame without a name. Vectorised."""
    raw = np.asarray(condition)
    missing = np.asarray(pd.isna(raw), dtype=bool) if raw.dtype.kind in ("O", "f") else \
        np.zeros(raw.shape, dtype=bool)
    text = np.char.strip(as_str(np.where(missing, "", raw)))
    blank = missing | (text == "") | (text == _NAN_TEXT)
    if blank.any():
        first = int(np.flatnonzero(blank.ravel())[0])
        _condition_name(raw.ravel()[first], f"the condition label of frame {first}", _LABEL_HINT)


def condition_blocks(condition: np.ndarray) -> list[tuple[str, int, int]]:
    """The contiguous blocks of a per-frame condition array: [(name, start, stop), ...].

    condition: shape (time,), str. Frames start..stop-1 belong to name. Vectorised.
    """
    condition = as_str(condition)
    if condition.size == 0:
        return []
    change = np.flatnonzero(condition[1:] != condition[:-1]) + 1
    starts = np.concatenate([[0], change])
    stops = np.concatenate([change, [condition.size]])
    return [(str(condition[a]), int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def _from_frame(frame: pd.DataFrame, neuron, time_s, dt_s) -> tuple[np.ndarray, object, object]:
    """(values, neuron, time_s) of a (time, neuron) DataFrame for ``make_dataset``: the neuron
    names from its columns and the times from its index, where not given. The index is taken
    as seconds when numeric or timedelta, as seconds from its first row when datetime; the
    default index (0, 1, 2, ...: no times) is left out. Raises FormatError for a column that is
    not numeric, columns or an index that cannot be names or times (asking for ``neuron=`` /
    ``time_s=``), and a numeric index whose spacing is not ``dt_s`` (frame numbers?)."""
    text = [str(c) for c, kind in zip(frame.columns, frame.dtypes, strict=True)
            if not (pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind))]
    if text:
        raise FormatError(f"DataFrame column(s) {text[:5]} are not numbers: traces must be numeric",
                          "drop or convert those columns (e.g. set a time column as the index)")
    cols, index = frame.columns, frame.index
    if neuron is None and not _default_index(cols):
        if isinstance(cols, pd.MultiIndex):
            raise FormatError("the DataFrame's columns have several levels; which one names the "
                              "neurons is unknown", "pass neuron=[...] (one name per column)")
        neuron = as_str(np.asarray(cols))
    if time_s is None and not _default_index(index):
        if isinstance(index, pd.TimedeltaIndex):  # time since the start, as a numeric index
            time_s = np.asarray(index.total_seconds(), dtype=np.float64)
        elif isinstance(index, pd.DatetimeIndex):  # clock times: from the first row
            time_s = np.asarray((index - index[0]).total_seconds(), dtype=np.float64)
        elif pd.api.types.is_numeric_dtype(index.dtype) and not pd.api.types.is_bool_dtype(index.dtype) \
                and not isinstance(index, pd.MultiIndex):
            time_s = np.asarray(index, dtype=np.float64)
        else:
            raise FormatError(f"the DataFrame's index ({index.dtype}, e.g. {str(index[0])!r}) is "
                              "not times", "pass time_s=[...] (seconds, one per row), or make the "
                              "index seconds, a timedelta or a datetime")
        step = np.diff(time_s)
        if step.size and np.all(np.isfinite(step)) and np.all(step > 0) \
                and abs(float(np.median(step)) - float(dt_s)) > 0.01 * float(dt_s):
            raise FormatError(f"the DataFrame's index, taken as seconds, steps by "
                              f"{float(np.median(step)):.6g} but dt_s is {float(dt_s):.6g}",
                              "if it counts frames, pass time_s=df.index * dt_s or reset the index "
                              "(df.reset_index(drop=True)); else give the dt_s of its spacing")
    return frame.to_numpy(), neuron, time_s


def _default_index(index: pd.Index) -> bool:
    """True for pandas' default labels 0, 1, ..., n − 1 (a RangeIndex): no names, no times."""
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def make_dataset(
    traces: np.ndarray,
    *,
    dt_s: float,
    condition: Sequence[str] | np.ndarray | None = None,
    neuron: Sequence[str] | np.ndarray | None = None,
    time_s: np.ndarray | None = None,
    stimulus: np.ndarray | None = None,
    covariate: Sequence[str] | None = None,
    spike_counts: np.ndarray | None = None,
    source: str = "",
    protocol: str = "",
    stimulus_plan: str = "",
    indicator: str = "",
    seed: int = -1,
    heldout_conditions: Sequence[str] = (),
    attrs: dict | None = None,
    allow_nan: bool = False,
) -> xr.Dataset:
    """Build a Dataset that follows the schema, and validate it.

    traces: shape (time, neuron), ΔF/F (converted to float32; an ``xarray.Variable`` wrapping a
    lazily indexed float32 array is kept lazy). dt_s: seconds per frame. A pandas DataFrame
    (rows frames, columns neurons) gives the neuron names from its columns and the times from
    its index when neuron/time_s are not given: a numeric or timedelta index as seconds, a
    datetime index as seconds from its first row; pandas' default index 0, 1, ... gives no
    times. Another index, columns of several levels, and a numeric index whose spacing is not
    dt_s (frame numbers?) raise FormatError asking for ``time_s=``/``neuron=``.
    condition: shape (time,) condition name per frame (default: every frame is "all").
    neuron: shape (neuron,) names (default "0", "1", ...). time_s: shape (time,) seconds from
    the start (default ``arange(time) * dt_s``). stimulus: shape (time, covariate) with
    ``covariate`` names. spike_counts: shape (time, neuron), converted to uint16.
    protocol: the split protocol to score it with by default ("" = choose from the conditions).
    stimulus_plan: the stimulus plan of a synthetic recording (stored only if given).
    heldout_conditions: condition names held out of training; a single name (a str) is one.
    attrs: extra attributes (must be JSON-serialisable to be saved).
    Raises FormatError on inconsistent shapes, NonFiniteError on NaN/inf in the traces unless
    allow_nan, and on NaN/inf in the stimulus covariates whatever allow_nan says (no policy
    masks them, so new datasets never hold them).
    """
    if isinstance(traces, pd.DataFrame):  # its columns name the neurons, its index the times
        traces, neuron, time_s = _from_frame(traces, neuron, time_s, dt_s)
    if not isinstance(traces, xr.Variable):
        traces = np.asarray(traces)
    if traces.ndim != 2:
        raise FormatError(f"traces must be 2-D (time, neuron), got shape {traces.shape}",
                          "reshape or transpose the matrix so rows are frames and columns neurons")
    n_time, n_neuron = traces.shape
    if condition is None:
        condition = np.full(n_time, NO_CONDITION)
    _check_labels(condition)
    condition = as_str(condition)
    if condition.shape != (n_time,):
        raise FormatError(f"{condition.size} condition labels for {n_time} frames",
                          "give one condition name per frame")
    if neuron is None:
        neuron = np.arange(n_neuron).astype(str)
    neuron = as_str(neuron)
    if neuron.shape != (n_neuron,):
        raise FormatError(f"{neuron.size} neuron names for {n_neuron} trace columns",
                          "give one name per column of the traces matrix")
    if time_s is None:
        time_s = np.arange(n_time, dtype=np.float64) * float(dt_s)
    time_s = np.asarray(time_s, dtype=np.float64)
    if time_s.shape != (n_time,):
        raise FormatError(f"{time_s.size} timestamps for {n_time} frames",
                          "give one timestamp per frame (or none, to use dt_s)")
    if isinstance(traces, xr.Variable):  # lazily read data (e.g. a large zarr array) stays lazy
        if traces.dims != ("time", "neuron"):
            raise FormatError(f"traces variable has dims {traces.dims}", "use dims ('time', 'neuron')")
    else:
        traces = (("time", "neuron"), traces.astype(np.float32, copy=False))
    data_vars = {
        "traces": traces,
        "condition": (("time",), condition),
    }
    coords = {"time": time_s, "neuron": neuron}
    if stimulus is not None:
        stimulus = np.asarray(stimulus, dtype=np.float32)
        if stimulus.ndim == 1:
            stimulus = stimulus[:, None]
        if stimulus.shape[0] != n_time:
            raise FormatError(f"stimulus has {stimulus.shape[0]} frames, traces {n_time}",
                              "give one row of stimulus covariates per frame")
        if covariate is None:
            covariate = [f"c{i}" for i in range(stimulus.shape[1])]
        covariate = as_str(covariate)
        if covariate.shape != (stimulus.shape[1],):
            raise FormatError(f"{covariate.size} covariate names for {stimulus.shape[1]} columns",
                              "give one name per stimulus column")
        data_vars["stimulus"] = (("time", "covariate"), stimulus)
        coords["covariate"] = covariate
    if spike_counts is not None:
        spike_counts = np.asarray(spike_counts)
        if spike_counts.shape != (n_time, n_neuron):
            raise FormatError(f"spike_counts shape {spike_counts.shape} != traces {(n_time, n_neuron)}",
                              "give spikes per frame for every neuron, shape (time, neuron)")
        if spike_counts.dtype != np.uint16:  # uint16 is kept as is: no copy of a large array
            if spike_counts.size and (spike_counts.min() < 0 or spike_counts.max() > np.iinfo(np.uint16).max):
                raise FormatError("spike_counts must lie in [0, 65535] (uint16)",
                                  "bin spikes per frame; counts are non-negative")
            spike_counts = spike_counts.astype(np.uint16)
        data_vars["spike_counts"] = (("time", "neuron"), spike_counts)
    blocks = condition_blocks(condition)
    all_attrs = {
        "dt_s": float(dt_s),
        "source": str(source),
        "protocol": str(protocol),
        "indicator": str(indicator),
        "seed": int(seed),
        "neurocast_version": _version(),
        "conditions": [b[0] for b in blocks],
        "heldout_conditions": [str(h) for h in ((heldout_conditions,) if isinstance(
            heldout_conditions, str) else heldout_conditions)],  # "odor": one, not 4 letters
    }
    if stimulus_plan:
        all_attrs["stimulus_plan"] = str(stimulus_plan)
    all_attrs.update(attrs or {})
    ds = xr.Dataset(data_vars, coords=coords, attrs=all_attrs)
    validate_dataset(ds, allow_nan=True)
    if not allow_nan:
        check_finite(ds["traces"], what="dataset traces", hint=KEEP_NAN_HINT)
    if stimulus is not None:  # refused whatever allow_nan says (see check_stimulus_finite)
        check_stimulus_finite(ds)
    return ds


def _fail(what: str, problem: str, hint: str) -> FormatError:
    return FormatError(f"{what}: {problem}", hint)


def validate_dataset(ds: xr.Dataset, *, allow_nan: bool = False, what: str = "dataset") -> None:
    """Check that ``ds`` follows the schema; raise naming the first problem found.

    Checks required variables, their dims and dtypes, optional variables if present, coords
    ``time`` (float, increasing, spacing ≈ dt_s) and ``neuron`` (unique names), the attrs, that
    ``attrs['conditions']`` lists the condition blocks in temporal order, and that held-out
    conditions exist. Traces are scanned for NaN/inf in blocks of frames (works on lazily
    opened data without loading it all at once).
    Raises FormatError, or NonFiniteError for NaN/inf in the traces or the stimulus covariates
    unless ``allow_nan=True``. With ``allow_nan`` neither is checked: the caller masks NaN traces
    explicitly (e.g. ``ds.traces.fillna(0)`` or ``np.isfinite``), and whatever uses the covariates
    refuses NaN/inf in them (``check_stimulus_finite``; ``run_benchmark`` does), so a store
    holding them still opens to be inspected (``neurocast data info``) and repaired.
    """
    if not isinstance(ds, xr.Dataset):
        raise FormatError(f"{what} is a {type(ds).__name__}, not an xarray.Dataset",
                          "build one with neurocast.data.make_dataset")
    for name, (dims, dtype) in {**REQUIRED_VARIABLES, **OPTIONAL_VARIABLES}.items():
        if name not in ds.variables:
            if name in REQUIRED_VARIABLES:
                raise _fail(what, f"missing required variable '{name}' (dims {dims})",
                            f"required: {', '.join(REQUIRED_VARIABLES)}; "
                            "build datasets with neurocast.data.make_dataset")
            continue
        var = ds[name]
        if var.dims != dims:
            raise _fail(what, f"variable '{name}' has dims {var.dims}, expected {dims}", DIMS_HINT)
        if dtype is None:
            if not _is_string_dtype(var.dtype):
                raise _fail(what, f"variable '{name}' has dtype {var.dtype}, expected strings",
                            "store condition names as str")
        elif var.dtype != dtype:
            raise _fail(what, f"variable '{name}' has dtype {var.dtype}, expected {dtype}",
                        f"convert it with .astype('{dtype}')")
    for coord in ("time", "neuron"):
        if coord not in ds.coords:
            raise _fail(what, f"missing coordinate '{coord}'",
                        "time: seconds from the start (float64); neuron: names (str)")
    if ds["time"].dtype.kind != "f":
        raise _fail(what, f"coordinate 'time' has dtype {ds['time'].dtype}, expected float64 seconds",
                    "use seconds from the start of the recording")
    if not _is_string_dtype(ds["neuron"].dtype):
        raise _fail(what, f"coordinate 'neuron' has dtype {ds['neuron'].dtype}, expected str names",
                    "convert neuron ids to strings")
    if "stimulus" in ds.variables and "covariate" not in ds.coords:
        raise _fail(what, "variable 'stimulus' has no 'covariate' coordinate",
                    "name the stimulus columns with a 'covariate' coordinate")
    for key, types in REQUIRED_ATTRS.items():
        if key not in ds.attrs:
            raise _fail(what, f"missing attribute '{key}'",
                        f"required attrs: {', '.join(REQUIRED_ATTRS)}")
        value = ds.attrs[key]
        if not (_ATTR_CHECKS[key](value) if key in _ATTR_CHECKS else isinstance(value, types)):
            raise _fail(what, f"attribute '{key}' is a {type(ds.attrs[key]).__name__}",
                        f"expected {' or '.join(t.__name__ for t in types)}")
    if ds.sizes.get("time", 0) < 2 or ds.sizes.get("neuron", 0) < 1:
        raise _fail(what, f"{ds.sizes.get('time', 0)} frame(s) × {ds.sizes.get('neuron', 0)} neuron(s)",
                    "a recording needs at least 2 frames and 1 neuron")
    dt_s = float(ds.attrs["dt_s"])
    if not (np.isfinite(dt_s) and dt_s > 0):
        raise _fail(what, f"dt_s = {dt_s} is not a positive number of seconds per frame",
                    "set attrs['dt_s'] to the frame interval in seconds")
    time = np.asarray(ds["time"].values, dtype=np.float64)
    if not np.all(np.isfinite(time)):
        raise NonFiniteError(f"{what}: the time coordinate holds NaN or inf",
                             "give finite timestamps in seconds")
    if time.size > 1:
        step = np.diff(time)
        if np.any(step <= 0):
            raise _fail(what, "the time coordinate is not strictly increasing",
                        "sort frames by time and drop duplicates")
        median = float(np.median(step))
        if abs(median - dt_s) > 0.01 * dt_s:
            raise _fail(what, f"frames are {median:.6g} s apart but dt_s is {dt_s:.6g}",
                        "make attrs['dt_s'] match the spacing of the time coordinate")
    names = as_str(ds["neuron"].values)
    if np.unique(names).size != names.size:
        raise _fail(what, f"{names.size - np.unique(names).size} duplicated neuron names",
                    "neuron names must be unique")
    blocks = condition_blocks(np.asarray(ds["condition"].values))
    order = [b[0] for b in blocks]
    if len(set(order)) != len(order):
        repeated = sorted({n for n in order if order.count(n) > 1})
        raise _fail(what, f"condition(s) {repeated} occur in more than one block of frames",
                    "conditions must be contiguous blocks; give repeated blocks distinct names")
    listed = [str(c) for c in ds.attrs["conditions"]]
    if listed != order:
        raise _fail(what, f"attrs['conditions'] = {listed} but the frames run through {order}",
                    "list the condition names in temporal order")
    missing = [str(h) for h in ds.attrs["heldout_conditions"] if str(h) not in order]
    if missing:
        raise _fail(what, f"held-out condition(s) {missing} are not conditions of the recording",
                    f"conditions: {', '.join(order)}")
    if not allow_nan:
        check_finite(ds["traces"], what=f"{what} traces")
        if "stimulus" in ds.variables:
            check_stimulus_finite(ds, what)


def check_stimulus_finite(ds: xr.Dataset, what: str = "dataset") -> None:
    """Raise NonFiniteError naming the stimulus covariates (of ``ds``, which has a ``stimulus``
    variable) that hold NaN or inf.

    The NaN policies (``allow_nan``, bench ``--nan``) are about traces; a model fed a NaN
    covariate trains on NaN, so whatever uses the covariates refuses missing values in them.
    """
    bad = ~np.isfinite(np.asarray(ds["stimulus"].values))  # (time, covariate): small
    if not bad.any():
        return
    columns = np.flatnonzero(bad.any(axis=0))
    names = as_str(ds["covariate"].values)[columns]
    shown = ", ".join(names[:5]) + (f" and {columns.size - 5} more" if columns.size > 5 else "")
    raise NonFiniteError(
        f"{what}: stimulus covariate(s) {shown} hold {int(bad.sum())} NaN/inf value(s), "
        f"first at frame {int(np.argwhere(bad)[0][0])}",
        "no command edits covariates; fill or drop them in Python and use the new store: "
        "ds = neurocast.data.open_dataset(PATH, allow_nan=True); then ds['stimulus'] = "
        "ds.stimulus.where(np.isfinite(ds.stimulus), 0) (0: no stimulus) or ds = "
        "ds.sel(covariate=np.isfinite(ds.stimulus).all('time')) (drops them); then "
        "neurocast.data.save_dataset(ds, NEW_PATH, allow_nan=True). --allow-nan and bench --nan "
        "apply to traces only")


def check_finite(traces: xr.DataArray | np.ndarray, *, what: str = "traces", offset: int = 0,
                 hint: str = STORED_NAN_HINT) -> None:
    """Raise NonFiniteError if ``traces`` (time, neuron) holds NaN or inf.

    Reads blocks of frames so that lazily opened stores are scanned with bounded memory.
    offset: frame number of ``traces[0]`` in the recording (for the message). hint: what to
    do, for the command at hand (``STORED_NAN_HINT`` or ``KEEP_NAN_HINT``).
    """
    n_time = traces.shape[0]
    n_cols = int(np.prod(traces.shape[1:])) or 1
    step = max(1, _SCAN_BLOCK_VALUES // n_cols)
    for start in range(0, n_time, step):  # blocks of frames, not single frames
        block = np.asarray(traces[start:start + step])
        bad = ~np.isfinite(block)
        if bad.any():
            t, n = np.argwhere(bad)[0][:2] if block.ndim == 2 else (np.argwhere(bad)[0][0], 0)
            count = int(bad.sum())
            names = (as_str(traces["neuron"].values) if isinstance(traces, xr.DataArray)
                     and "neuron" in traces.coords else None)
            empty = np.flatnonzero(bad.all(axis=0)) if block.ndim == 2 and len(block) > 1 else []
            infinite = int(np.isinf(block).sum())
            raise NonFiniteError(
                f"{what} hold {count} NaN/inf value(s)"
                + (f" ({infinite} of them ±inf, as ΔF/F divided by a zero baseline gives)"
                   if infinite else "") + " in frames "
                f"{offset + start}..{offset + start + len(block) - 1}, "
                f"first at frame {offset + start + int(t)}, neuron {int(n)}"
                + (f" ({names[n]})" if names is not None else "")
                + (f"; {len(empty)} neuron(s) hold no value in any of these frames (e.g. "
                   f"{', '.join(str(names[k]) if names is not None else str(k) for k in empty[:3])})"
                   if len(empty) else ""), hint)
