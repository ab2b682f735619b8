"""Plain (time × neuron) matrices with their own metadata: .npy, .npz, HDF5, MATLAB .mat, CSV/TSV/text (private).

Containers (.npz, HDF5, .mat) often carry more than the traces. Beside the trace array the
loader looks for (names compared case-insensitively):

- timestamps: a 1-D array named one of ``TIME_KEYS`` or containing "timestamp", in seconds or
  with a unit after the name (``time_ms``, ``Time (s)``, ``time [ms]``: s or ms, see
  ``_time_base``) — kept as the real ``time`` coordinate, uneven or not; dt_s is then their
  median spacing;
- frame interval: a scalar (array or HDF5 attribute) named one of ``DT_KEYS`` (seconds per
  frame) or ``RATE_KEYS`` (frames per second);
- neuron names: a 1-D string array (or MATLAB cell array) named one of ``NAME_KEYS``, else a
  1-D array of whole numbers named one of ``ID_KEYS`` (both compared ignoring underscores too:
  ``NeuronIds``); empty and repeated names are allowed (see ``unique_names``). A cell may be
  empty (an unnamed neuron), hold a name or a number, or list candidate names (an uncertain
  identity: read as unnamed, with a note); see ``_name_cells``.

MATLAB structs, nested or not, are read as groups: the field ``wbData.tv`` is the key
'wbData/tv' in a v5 file as in a v7.3 (HDF5) one.

A text table may start with blank and '#' comment lines and a byte-order mark. Its header row
may have an empty first cell above a row index or timestamps
(``DataFrame.to_csv`` writes ``,0,1,2`` for unnamed columns); see ``_read_table`` for which
columns are timestamps or a frame index rather than neurons. ``attrs['import_notes']`` says
what was decided.

The trace array is ``key`` if given, else the only 2-D numeric array, else the one named one
of ``TRACE_KEYS`` (the first found; a note names the other matrices), else the only one that
is not a single row or column. If the timestamps or names fit the rows rather than the
columns, the matrix is read as (neuron × time) and transposed; a matrix with fewer rows than
columns and nothing telling its orientation gets a warning. Explicit options win over the
file's own metadata. Warnings (raw fluorescence, timestamps that look like milliseconds, the
orientation) are also kept in ``attrs['import_notes']``.
"""

from __future__ import annotations

import csv
import os
import re
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from neurocast.data._loading import (
    MATRIX_SUFFIXES,
    TRACE_KINDS,
    _conditions,
    _neuron_names,
    as_float32,
    pause_summary,
    require_file,
    resample_uniform,
    unique_names,
    with_labels,
)
from neurocast.data._schema import make_dataset
from neurocast.errors import ConfigError, FormatError, unknown_name

__all__ = ["COVARIATE_KEYS", "DT_KEYS", "FRAME_KEYS", "ID_KEYS", "NAME_KEYS", "NEURON_MAJOR_KEYS", "RATE_KEYS", "RAW_F_MEDIAN",
           "SECONDS_PER_UNIT", "TIME_KEYS", "TRACE_KEYS", "load_matrix"]

#: Names of a trace array, best first (compared on the key's last part, lower case). The
#: bleach-corrected ΔF/F of the Zimmer lab's wbData files (``deltaFOverF_bc``) comes before
#: the uncorrected ``deltaFOverF`` beside it: bleaching is a slow drift of the indicator, not
#: activity to forecast (their own analyses use the corrected one).
TRACE_KEYS = ("traces", "trace", "dff", "deltaff", "df_f", "dfof", "f_dff", "deltafoverf_bc",
              "deltafoverf", "activity", "calcium", "data", "f", "signal", "signals", "trace_array",
              "neural_activity")
TIME_KEYS = ("time", "times", "timestamps", "timestamp", "t", "frame_times",
             "timevectorseconds", "tvec", "tv")  # tv: the Zimmer lab's wbData time vector
#: A table column with one of these names that counts up by one is a frame index, not a neuron.
FRAME_KEYS = ("frame", "frames", "frame_index", "frame_idx", "frame_number", "index")
#: A table column with one of these names (unit removed, case ignored) is probably not a neuron:
#: ``load_matrix`` keeps it as one but says so (an import note).
COVARIATE_KEYS = ("stim", "stimulus", "stimuli", "condition", "conditions", "trial", "trials",
                  "behavior", "behaviour", "velocity", "speed", "running", "lick", "licks",
                  "reward", "laser", "pupil", "motion", "temperature", "odor", "odour")
#: Seconds per unit of the timestamps' units that are read ('Time (ms)', 'time_ms').
SECONDS_PER_UNIT = {"s": 1.0, "sec": 1.0, "secs": 1.0, "seconds": 1.0,
                    "ms": 1e-3, "msec": 1e-3, "milliseconds": 1e-3}
_UNIT = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]$|_(s|ms|sec|msec|min|us)$")
DT_KEYS = ("dt_s", "dt", "frame_time", "frame_time_s", "frame_period", "frame_interval", "frame_dt")
RATE_KEYS = ("fps", "frame_rate", "rate_hz", "sampling_rate", "sampling_hz", "volume_rate", "hz",
             "fr")  # fr: CaImAn's params/data/fr
#: Container keys of trace arrays known to be stored (neuron, time): CaImAn's HDF5 estimates.
NEURON_MAJOR_KEYS = ("estimates/f_dff", "estimates/c", "estimates/s", "estimates/yra")
#: Names of a 1-D array of whole-number neuron (ROI) ids, used as the names. Like
#: ``NAME_KEYS``, compared ignoring case, underscores, spaces and hyphens (``_loose``).
ID_KEYS = ("neuron_ids", "neuron_id", "ids", "id", "roi_ids", "roi_id", "cell_ids", "cell_id")
#: Names of a 1-D array of neuron names (strings, or a MATLAB cell array), best first; compared
#: ignoring case, underscores, spaces and hyphens: 'NeuronIds', 'neuronID', 'ROInames' match.
NAME_KEYS = ("neuron_names", "neuron_name", "names", "name", "labels", "label", "neuron_ids",
             "neuron_id", "ids", "id", "neurons", "neuron", "cell_names", "roi_names", "regions",
             "region_names")
_HINT_FORMAT = "a matrix file holds a (time, neuron) array of numbers; see docs/datasets.md"


def _pick(arrays, wanted: Sequence[str], loose: bool = False):
    """The key of ``arrays`` (or of an iterable of names) whose last part is the first of
    ``wanted`` found, compared in lower case, or with ``loose`` also without underscores,
    spaces and hyphens (``_loose``: 'NeuronIds' is 'neuron_ids'); None if there is none."""
    norm = _loose if loose else _leaf
    found = {norm(k): k for k in arrays}
    for w in wanted:
        if norm(w) in found:
            return found[norm(w)]
    return None


def _loose(key) -> str:
    """A key's last part in lower case without underscores, spaces and hyphens:
    'wbData/NeuronIds' -> 'neuronids'."""
    return re.sub(r"[_\s-]", "", _leaf(key))


def _time_base(name) -> tuple[str, str | None]:
    """A name's last part in lower case without a trailing unit, and that unit (or None).

    'Time (ms)' -> ('time', 'ms'), 'rec/time [s]' -> ('time', 's'), 'time_ms' -> ('time', 'ms');
    after an underscore s, ms, sec, msec, min and us are units ('time_x' has none;
    only s and ms are read, see ``SECONDS_PER_UNIT``).
    """
    base = str(name).lower().strip().rsplit("/", 1)[-1]
    m = _UNIT.search(base)
    if m is None:
        return base, None
    return base[:m.start()].strip(), (m.group(1) if m.group(1) is not None else m.group(2)).strip()


def _time_keys(keys: Sequence) -> list:
    """Every key naming timestamps (``_time_base``), best first: those named one of
    ``TIME_KEYS`` (in that order), then those containing "timestamp"."""
    bases = [_time_base(k)[0] for k in keys]
    out = [k for w in TIME_KEYS for k, b in zip(keys, bases, strict=True) if b == w]
    return out + [k for k, b in zip(keys, bases, strict=True) if "timestamp" in b and k not in out]


def _time_key(keys: Sequence):
    """The key naming timestamps (the first of ``_time_keys``), or None."""
    return next(iter(_time_keys(keys)), None)


def _container_time_key(vectors: dict, shape: tuple[int, int], trace_key: str | None):
    """The timestamps among a container's 1-D arrays ``vectors`` (name -> array) for traces of
    ``shape`` (rows, columns) stored under ``trace_key``: the best named (``_time_keys``) whose
    length fits the rows or the columns, those in the traces' own group first (a file often
    also holds a behaviour camera's or a stimulus's times, e.g. Flavell's ``timestamp_nir``
    beside ``gcamp/timestamp_confocal``). Returns (key or None, the keys named like timestamps
    that fit neither axis)."""
    group = str(trace_key).rpartition("/")[0] if trace_key else ""
    named = _time_keys(list(vectors))
    fits = [k for k in named if np.size(vectors[k]) in shape]
    fits.sort(key=lambda k: str(k).rpartition("/")[0] != group)  # stable: the traces' group first
    return (fits[0] if fits else None), [k for k in named if k not in fits]


def _seconds_per_unit(key, what: str) -> float:
    """Seconds per unit of the timestamps named ``key`` (seconds unless the name says ms)."""
    unit = _time_base(key)[1]
    if unit is None:
        return 1.0
    if unit not in SECONDS_PER_UNIT:
        raise FormatError(f"{what}: timestamps {str(key)!r} are in {unit!r}, which is not read",
                          "give them in seconds or milliseconds, named e.g. 'time (s)' or "
                          "'time (ms)', or remove them and give --dt-s")
    return SECONDS_PER_UNIT[unit]


def _plain(v):
    """A metadata value as plain Python (str for bytes, a scalar for a 1-element array)."""
    a = np.asarray(v)
    v = a.reshape(-1)[0] if a.size == 1 else v
    v = v.item() if isinstance(v, np.generic) else v
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else v


def _unit_attribute(attrs: dict, key) -> str | None:
    """The unit an HDF5 array ``key`` declares in its ``units`` / ``unit`` attribute (lower
    case; 'second(s)' and 'millisecond(s)' as 's' and 'ms'), or None."""
    for name in ("units", "unit", "Units", "Unit"):
        if f"{key}/{name}" in attrs:
            unit = str(_plain(attrs[f"{key}/{name}"])).strip().lower()
            return {"second": "s", "millisecond": "ms"}.get(unit, unit) or None
    return None


def _covariate_name(name: str) -> bool:
    """True if a column name reads as a stimulus or behaviour (``COVARIATE_KEYS``), a unit in
    brackets and a suffix after '_' left out: 'stim', 'Velocity (mm/s)', 'laser_on'."""
    base = re.sub(r"\s*[(\[][^()\[\]]*[)\]]$", "", name.lower().strip())
    return base in COVARIATE_KEYS or base.split("_")[0] in COVARIATE_KEYS


def _counts_rows(column: np.ndarray) -> bool:
    """True if a column counts up by one (0, 1, 2, ...): the row index pandas writes by default."""
    return bool(column.size > 1 and np.all(np.isfinite(column)) and column[0] == np.round(column[0])
                and np.all(np.diff(column) == 1))


def _increasing(column: np.ndarray) -> bool:
    """True if a column is finite and strictly increasing (as timestamps are)."""
    return bool(column.size > 1 and np.all(np.isfinite(column)) and np.all(np.diff(column) > 0))


def _mostly_rising(column: np.ndarray) -> bool:
    """True if a column ends above where it starts and fewer than 10 % of its steps go down:
    timestamps, maybe with a fault (a repeated or out-of-order row), not a neuron's trace."""
    steps = np.diff(column)
    return bool(column.size > 1 and column[-1] > column[0] and np.mean(steps < 0) < 0.1)


def _rounded_times(time_s: np.ndarray, rows: np.ndarray) -> int:
    """How many timestamps repeat the one before though their rows (time, values) differ, when
    the timestamps never step back and repeat at least twice (rounded times, e.g. '%.1f' at
    15 Hz); 0 otherwise (no repeat, a step back, a single repeat or a repeated row, which
    ``check_timestamps`` refuses)."""
    steps = np.diff(time_s)
    if not (np.all(np.isfinite(time_s)) and np.all(steps >= 0) and np.sum(steps == 0) >= 2):
        return 0
    same = np.flatnonzero(steps == 0) + 1
    a, b = rows[same], rows[same - 1]
    differ = np.any((a != b) & ~(np.isnan(a) & np.isnan(b)), axis=1)
    return int(same.size) if differ.all() else 0


def check_timestamps(time_s: np.ndarray, what: str) -> None:
    """Raise FormatError naming the first row (counted from 1) where the timestamps are not
    finite or do not increase."""
    bad = ~np.isfinite(time_s)
    bad[1:] |= ~(np.diff(time_s) > 0)
    if bad.any():
        k = int(np.argmax(bad))
        if not np.isfinite(time_s[k]):
            raise FormatError(f"{what} are not a number at row {k + 1}",
                              "give every frame its time, or leave the timestamps out and give "
                              "--dt-s (row 1 is the first frame)")
        steps = np.diff(time_s[:k])
        if k > 1 and time_s[k] < time_s[k - 1] and time_s[k] <= time_s[0] + np.median(steps):
            raise FormatError(f"{what} are not increasing at row {k + 1}: they start again "
                              f"({time_s[k]:g} after {time_s[k - 1]:g}), as times counted from "
                              "each trial's start do", "sorting would interleave the trials: give "
                              "every frame its time from the start of the recording, or import "
                              "each trial as its own file (row 1 is the first frame)")
        raise FormatError(f"{what} are not increasing at row {k + 1} ({time_s[k]:g} after "
                          f"{time_s[k - 1]:g})", "sort the frames by time and drop repeated ones "
                          "(row 1 is the first frame)")


def _leaf(key) -> str:
    """The last part of a container key, lower case: 'gcamp/Trace_array' -> 'trace_array'."""
    return str(key).lower().strip().rsplit("/", 1)[-1]


def _pick_traces(arrays: dict, key: str | None, what: str) -> tuple[str, str | None]:
    """The key of the trace array (see the module doc) and, when it was chosen among several
    2-D arrays by its name (``TRACE_KEYS``), a note naming it and the others; FormatError if
    ``key`` is missing or the choice is not clear."""
    if key is not None:
        if key not in arrays:
            raise FormatError(f"{what} has no array {key!r}",
                              "available: " + (", ".join(sorted(arrays)) or "none"))
        return key, None
    matrices = [k for k, v in arrays.items() if _ndim(v) == 2 and _numeric(v)]
    if len(matrices) == 1:
        return matrices[0], None
    if not matrices:
        raise FormatError(f"{what} holds no 2-D numeric array",
                          "available: " + (", ".join(sorted(arrays)) or "none") + "; " + _HINT_FORMAT)
    # rows and columns (MATLAB v7.3 keeps vectors and scalars 2-D: tv, fps) are no other choice
    wide = [k for k in matrices if min(np.shape(arrays[k])) > 1]
    named = _pick({k: arrays[k] for k in matrices}, TRACE_KEYS)
    if named is None and len(wide) == 1:
        return wide[0], None
    same = [k for k in matrices  # 'gcamp/trace_array' beside 'raw/trace_array'
            if _leaf(k) == _leaf(named)]
    if named is None or len(same) > 1:
        raise FormatError(f"{what} holds {len(matrices)} 2-D arrays"
                          + (f", {len(same)} of them named {str(named).rsplit('/', 1)[-1]!r}"
                             if named is not None else ""),
                          "choose one with --key: " + ", ".join(sorted(same if named else matrices)))
    others = [repr(str(k)) for k in wide if k != named]
    if not others:
        return named, None
    why = ("the bleach-corrected ΔF/F, preferred to the uncorrected one"
           if _leaf(named) == "deltafoverf_bc"
           else "its name comes first among the known trace names")
    return named, (f"{what} holds {len(others) + 1} matrices: {str(named)!r} is read as the "
                   f"traces ({why}), not {', '.join(others)}; choose another with --key (key=)")


def _ndim(v) -> int:
    return len(getattr(v, "shape", ()))


def _numeric(v) -> bool:
    return getattr(v, "dtype", np.dtype(object)).kind in "fiub"


def _ids(v) -> bool:
    """True for a 1-D array (or a row or column) of more than one whole number: neuron or ROI
    ids, used as names. Whole-number floats count (MATLAB saves numbers as double)."""
    a = np.asarray(v)
    if a.size < 2 or not (a.ndim == 1 or (a.ndim == 2 and 1 in a.shape)):
        return False
    if a.dtype.kind in "iu":
        return True
    return a.dtype.kind == "f" and bool(np.all(np.isfinite(a)) and np.all(a == np.round(a)))


def _number_text(x) -> str:
    """A number as a name: a whole number without a decimal point (MATLAB's 7.0 is '7'), other
    numbers as Python writes them, '' for NaN or inf."""
    x = x.item() if isinstance(x, np.generic) else x
    if isinstance(x, float):
        if not np.isfinite(x):
            return ""
        return str(int(x)) if x == int(x) else str(x)
    return str(x)


def _candidates(x) -> list[str]:
    """The names one entry of a name array holds, without blanks or repeats, in order: none
    for an empty MATLAB cell or a blank string, one for a string, a number or a cell holding
    one (cells inside cells are opened), several for a cell of candidate identities
    ({'AVAR', 'AVAL'})."""
    if isinstance(x, bytes):
        x = x.decode("utf-8", "replace")
    if isinstance(x, str):
        return [x.strip()] if x.strip() else []
    if isinstance(x, np.ndarray):
        return list(dict.fromkeys(c for y in x.reshape(-1).tolist() for c in _candidates(y)))
    if x is None:
        return []
    if isinstance(x, (int, float, np.number)):
        text = _number_text(x)
        return [text] if text else []
    return [str(x).strip()] if str(x).strip() else []


def _name_cells(v) -> tuple[np.ndarray, list[str]] | None:
    """The neuron names in a 1-D array (or a row or column) ``v``: strings, bytes, whole-number
    ids, or a MATLAB cell array whose cells are empty, hold one name (or number), or list
    several candidate names (``_candidates``).

    Returns (names: str array, one per entry, '' for an empty cell and for one listing several
    candidates, whose identity is unknown; those cells' candidates, e.g. 'AVAR or AVAL'), or
    None if ``v`` is no such array (a matrix, or numbers that are not whole).
    """
    a = np.asarray(v)
    if a.ndim == 0 and a.dtype.kind in "USO":
        a = a.reshape(1)
    a = a.reshape(-1) if a.ndim == 2 and 1 in a.shape else a
    if a.ndim != 1 or not (a.dtype.kind in "USO" or _ids(a)):
        return None
    names, ambiguous = [], []
    for x in a.tolist():
        found = _candidates(x)
        if len(found) > 1:
            ambiguous.append(" or ".join(found))
        names.append(found[0] if len(found) == 1 else "")
    return np.asarray(names, dtype=str), ambiguous


def _scalar(v) -> float | None:
    try:
        a = np.asarray(v, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        return None
    return float(a[0]) if a.size == 1 and np.isfinite(a[0]) else None


# ---------------------------------------------------------------------- containers

def _read_npz(path: Path, what: str) -> dict:
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise FormatError(f"{what} holds Python objects (pickled), which are not read for safety",
                              "save plain numeric and string arrays (np.savez with numbers/str)") from None
        raise FormatError(f"{what} is not a readable .npz file: {exc}", _HINT_FORMAT) from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise FormatError(f"{what} is empty or not a valid .npz file ({type(exc).__name__})",
                          "re-save it with numpy.savez") from None


def _h5_value(f, obj):
    """An HDF5 dataset as numpy, read the way MATLAB v7.3 writes: an empty array (attribute
    ``MATLAB_empty``; its data is its shape) as a size-0 array, a char array as str (one per
    row), a cell array (object references) as an object array of its cells' values, each read
    so (a cell inside a cell is an object array too; a struct in a cell an empty one), and a
    2-D MATLAB array transposed back to MATLAB's shape."""
    import h5py  # heavy: only for HDF5/MAT v7.3 files

    cls = obj.attrs.get("MATLAB_class", b"")
    cls = cls.decode() if isinstance(cls, bytes) else str(cls)
    if cls and obj.attrs.get("MATLAB_empty", 0):
        return np.empty(0, dtype={"char": str, "cell": object}.get(cls, np.float64))
    data = obj[()]
    if cls == "char":
        codes = np.asarray(data, dtype=np.uint16)
        return np.asarray(["".join(map(chr, row)).strip("\x00") for row in np.atleast_2d(codes.T)])
    if obj.dtype.kind == "O" and h5py.check_dtype(ref=obj.dtype) is not None:
        refs = np.asarray(data)
        data = np.empty(refs.shape, dtype=object)
        for i, ref in np.ndenumerate(refs):
            target = f[ref] if ref else None  # a null reference points nowhere
            data[i] = (_h5_value(f, target) if isinstance(target, h5py.Dataset)
                       else np.empty(0, dtype=object))
    if cls and obj.ndim == 2:  # MATLAB stores column-major: h5py sees the transpose
        data = np.asarray(data).T
    return data


@dataclass(frozen=True)
class _Unread:
    """An HDF5 array of more than 2 dimensions (an imaging movie, a stack of masks): never a
    trace matrix, timestamps or names, so it is not read (it may be gigabytes); its shape and
    dtype still show where a file's arrays are listed."""

    shape: tuple
    dtype: np.dtype

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


def _read_hdf5(path: Path, what: str) -> tuple[dict, dict]:
    import h5py  # heavy: only for HDF5 files

    arrays, attrs = {}, {}
    try:
        with h5py.File(path, "r") as f:
            def visit(name, obj):
                # MATLAB's own groups are left out: #refs# (the cells' contents, read through
                # their cell arrays) and #subsystem# (class objects)
                if isinstance(obj, h5py.Dataset) and not name.startswith("#"):
                    arrays[name] = (_Unread(obj.shape, obj.dtype) if obj.ndim > 2
                                    else _h5_value(f, obj))
                    attrs.update({f"{name}/{k}": v for k, v in obj.attrs.items()})
            f.visititems(visit)
            attrs.update(dict(f.attrs))
    except OSError as exc:
        raise FormatError(f"{what} is not a readable HDF5 file: {exc}",
                          "give an HDF5 (.h5) or MATLAB v7.3 file") from None
    return arrays, attrs


def _read_mat(path: Path, what: str) -> tuple[dict, dict]:
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head[:8] == b"\x89HDF\r\n\x1a\n" or b"MATLAB 7.3" in head[:128]:
        return _read_hdf5(path, what)  # v7.3 .mat files are HDF5
    from scipy.io import loadmat  # heavy: only for MATLAB files

    try:
        raw = loadmat(path, squeeze_me=True, chars_as_strings=True)
    except MemoryError:
        raise
    except Exception as exc:  # scipy's reader fails on corrupt files with many exception types
        raise FormatError(f"{what} is not a readable MATLAB file: {exc}", "save it with MATLAB's save "
                          "(v5 or v7.3) or as .npz/.h5") from None
    arrays: dict = {}
    for k, v in raw.items():
        if not k.startswith("__"):
            _flatten_struct(k, v, arrays)
    return arrays, {}


def _flatten_struct(key: str, v, arrays: dict) -> None:
    """Put MATLAB variable ``v`` (as scipy's loadmat gives it) into ``arrays`` under ``key``,
    a struct's fields under 'key/field', the fields of a struct inside it under
    'key/field/inner' and so on (as HDF5 names them in a v7.3 file). A struct array of several
    elements is flattened one level: each field an object array, one value per element."""
    if not (isinstance(v, np.ndarray) and v.dtype.names):
        arrays[key] = np.asarray(v)
        return
    for field in v.dtype.names:
        if v.size == 1:
            _flatten_struct(f"{key}/{field}", v[field].item(), arrays)
        else:
            arrays[f"{key}/{field}"] = np.asarray(v[field])


def _pandas_header(cells: list[str], values: np.ndarray) -> bool:
    """True if an all-number first line is the header ``DataFrame.to_csv`` writes for columns
    without names (``,0,1,2``): an empty first cell, integers after it (column numbers or
    neuron ids) and, below the empty cell, a first column that increases (a row index or
    timestamps). A headerless table whose first value is missing has no such first column."""
    return bool(len(cells) == values.shape[1] > 1 and cells[0] == ""
                and all(re.fullmatch(r"[+-]?\d+", c) for c in cells[1:])
                and _increasing(values[1:, 0]))


def _numbered_header(cells: list[str], values: np.ndarray) -> bool:
    """True if an all-number first line is a header of column numbers or neuron ids, as
    ``pd.DataFrame(x).to_csv(index=False)`` writes (``0,1,2``): the column numbers 0, 1, 2, ...
    or 1, 2, 3, ..., or distinct whole numbers (ids) above rows that are not all whole numbers
    (ΔF/F; above raw counts, ids could be a frame), each written without a decimal point."""
    below = values[1:]
    if not (len(cells) == values.shape[1] and below.size
            and all(re.fullmatch(r"\d+", c) for c in cells) and len(set(cells)) == len(cells)):
        return False
    numbers = [int(c) for c in cells]
    columns = len(cells) > 1 and numbers in (list(range(len(cells))), list(range(1, len(cells) + 1)))
    return bool(columns or np.any(np.isfinite(below) & (below != np.round(below))))


def _cells(line: str, sep: str) -> list[str]:
    """The cells of one line of a table, unquoted and stripped."""
    if sep == r"\s+":
        return line.split()
    return [c.strip() for c in next(csv.reader([line], delimiter=sep))]


def _check_last_row(path: Path, sep: str, n_columns: int, what: str) -> None:
    """Raise FormatError if the table's last line holds fewer cells than its columns: a file
    cut off while being written (the reader would fill the missing cells with NaN)."""
    with open(path, "rb") as fh:
        end = fh.seek(0, os.SEEK_END)
        size = 1 << 16
        while True:  # read back from the end until the tail holds a whole non-blank line
            fh.seek(max(0, end - size))
            tail = fh.read()
            text = tail.rstrip()
            if size >= end or b"\n" in text:  # the whole file, or a line break before the last line
                break
            size *= 4
    lines = tail.decode("utf-8", "replace").splitlines()
    last = next((line for line in reversed(lines) if line.strip()), "")
    n = len(_cells(last, sep))
    if n < n_columns:
        raise FormatError(f"{what}: its last row holds {n} of the {n_columns} cells of the others; "
                          "the file looks cut off", "delete the incomplete last row, or export "
                          "the file again")


def _not_numeric(table: pd.DataFrame, header: list[str] | None, sep: str, what: str) -> FormatError:
    """The error for a table with a cell that is not a number, naming the first such cell."""
    for j, column in enumerate(table.columns):
        cells = table[column]
        bad = pd.to_numeric(cells, errors="coerce").isna() & cells.notna()
        if bad.any():
            i = int(np.argmax(bad.to_numpy()))
            cell = str(cells.iloc[i])
            name = f" ({header[j]!r})" if header else ""
            hint = ("a matrix file holds numbers only, with an optional header row of neuron names "
                    "and '#' comment lines above it")
            if sep == ";" and re.fullmatch(r"[+-]?\d+,\d*", cell.strip()):
                hint = ("the numbers have decimal commas: export them with decimal points "
                        "(e.g. pandas: pd.read_csv(F, sep=';', decimal=',').to_csv(NEW))")
            elif j == 0 and header is None:
                hint = ("a first column of names suggests rows are neurons: save the table with "
                        "neurons as columns (e.g. pandas: df.T.to_csv(NEW)); " + hint)
            elif header and table.shape[0] > 1 and bad.sum() == cells.notna().sum():
                # text in every row of the column: labels, not a neuron
                hint = (f"column {header[j]!r} holds text in every row (stimulus or behaviour "
                        "labels?), not a neuron's values: drop it (pandas: "
                        f"df.drop(columns=[{header[j]!r}]).to_csv(NEW)) and give the stimulus "
                        "blocks with --conditions")
            elif i == 0 and header and pd.to_numeric(table.iloc[0], errors="coerce").isna().all():
                hint = ("the row below the header holds no number: a second header row (units, "
                        "e.g. 's', 'dF/F'?); delete it, or keep the unit in the column name "
                        "('time (s)'); " + hint)
            return FormatError(f"{what}: column {j + 1}{name} holds {cell!r} in row {i + 1}, "
                               "which is not a number", hint)
    return FormatError(f"{what} holds values that are not numbers", _HINT_FORMAT)


def _read_table(path: Path, what: str, dt_given: bool = False
                ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, str | None, list[str]]:
    """A text table as (values (row, column), header names or None, timestamps (s) or None,
    the timestamps' column name ('' for an unnamed first column; None without them), notes).

    Blank and '#' comment lines above the table are skipped. The first line is a header unless
    all its cells are numbers and it is not the header of ``_pandas_header``; its names are
    kept as written (blank and repeated ones too) and it must have one cell per column. A last
    row with fewer cells than the others (a cut-off file) and a cell that is not a number
    raise FormatError. With a header, columns that are not neurons are taken out of the
    values, each with a note for the person:

    - an unnamed first column counting up by one (a pandas row index) is dropped;
    - a column named like timestamps (``_time_key``) is the timestamps, converted to seconds
      from the unit in its name, if its values mostly rise (``_mostly_rising``; then they must
      increase strictly, else FormatError names the row); otherwise it stays a neuron (a neuron
      may be called T);
    - else an unnamed first column that is strictly increasing, but not by one, is the
      timestamps in seconds (``df.index = t; df.to_csv()``);
    - a column named one of ``FRAME_KEYS`` counting up by one is a frame index, dropped.
    """
    try:
        with open(path, encoding="utf-8-sig") as fh:  # a byte-order mark is not part of a cell
            skip, first = 0, ""
            for line in fh:  # blank and '#' comment lines above the table are skipped
                if line.strip() and not line.lstrip().startswith("#"):
                    first = line.rstrip("\r\n")
                    second = next((ln for ln in fh if ln.strip()), "").rstrip("\r\n")  # below it
                    break
                skip += 1
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"cannot read {what}: {exc}", "give a text table of numbers") from None
    if not first.strip():
        raise FormatError(f"{what} is empty", _HINT_FORMAT)
    if path.suffix == ".tsv" or "\t" in first:
        sep = "\t"
    elif ";" in first:  # before ',': a ';' table may hold decimal commas
        sep = ";"
    elif "," in first:
        sep = ","
    else:
        sep = r"\s+"
    cells = _cells(first, sep)
    try:
        [float(c) for c in cells if c]
        header = False
    except ValueError:
        header = True
    try:
        table = pd.read_csv(path, sep=sep, header=None, skiprows=skip + header,
                            encoding="utf-8-sig", engine="python" if sep == r"\s+" else "c")
    except pd.errors.EmptyDataError:
        raise FormatError(f"{what} has no rows of values" + (" below its header" if header else ""),
                          "the file may be cut off: export it again") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise FormatError(f"cannot parse {what}: {str(exc).splitlines()[0]}",
                          "every row needs the same number of cells; " + _HINT_FORMAT) from None
    if header and len(cells) != table.shape[1]:
        raise FormatError(f"{what}: the header row has {len(cells)} cells but the rows "
                          f"{table.shape[1]}", "give every column a header cell; an unnamed "
                          "first column (row index or timestamps) has an empty one: ',a,b'")
    _check_last_row(path, sep, table.shape[1], what)
    notes: list[str] = []
    if (sep != r"\s+" and table.shape[1] > 1 and table.iloc[:, -1].isna().all()
            and cells[-1] == "" and (_cells(second if header else first, sep) or ["?"])[-1] == ""):
        # every line ends with the separator (Excel, LabVIEW): no column, not a dead neuron
        notes.append(f"every row ends with {'a tab' if sep == chr(9) else repr(sep)} and the "
                     "empty last column holds no value: not read as a neuron")
        table, cells = table.iloc[:, :-1], cells[:-1]
    try:
        values = table.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise _not_numeric(table, cells if header else None, sep, what) from None
    if header:  # the cells as written: blank and repeated names are kept (unique_names)
        names = np.asarray(cells, dtype=str)
    elif _pandas_header(cells, values):
        names, values = np.asarray(cells, dtype=str), values[1:]
    elif _numbered_header(cells, values):
        names, values = np.asarray(cells, dtype=str), values[1:]
        notes.append(f"the first line holds distinct whole numbers ({', '.join(cells[:3])}"
                     f"{', ...' if len(cells) > 3 else ''}): read as a header of column numbers "
                     "(as pandas writes them) or neuron ids, not as a frame")
    else:
        return values, None, None, None, notes
    unnamed_first = names.size > 1 and names[0] == ""
    if unnamed_first and _counts_rows(values[:, 0]):
        notes.append(f"the unnamed first column counts rows ({values[0, 0]:g}, {values[1, 0]:g}, ...): "
                     "read as a row index (as pandas writes it), not as a neuron")
        values, names, unnamed_first = values[:, 1:], names[1:], False
    time_s = time_key = None
    t = _time_key(names.tolist())
    if t is not None:
        i = names.tolist().index(t)
        scale = _seconds_per_unit(t, what)
        if _mostly_rising(values[:, i]):
            time_s, time_key = values[:, i] * scale, str(t)
            repeats = _rounded_times(time_s, np.delete(values, i, axis=1))
            if repeats and dt_given:  # --dt-s replaces them: the rows are distinct frames
                notes.append(f"column {str(t)!r} repeats a time in {repeats:,} rows whose values "
                             "differ (timestamps rounded?): replaced by the given --dt-s")
            elif repeats:
                k = int(np.argmax(np.diff(time_s) == 0)) + 1
                mean = (time_s[-1] - time_s[0]) / (time_s.size - 1)
                raise FormatError(
                    f"{what}: the timestamps {str(t)!r} repeat a time in {repeats:,} rows (first "
                    f"at row {k + 1}: {time_s[k]:g} after {time_s[k - 1]:g}) whose values differ: "
                    "they look rounded, too coarse for the frame rate, not repeated frames",
                    f"give the frame interval with --dt-s (their mean spacing is {mean:.6g} s), "
                    "which replaces them; do not drop those rows, they are frames")
            else:
                check_timestamps(time_s, f"{what}: the timestamps {str(t)!r}")
            notes.append(f"column {str(t)!r} holds the frame timestamps "
                         + ("(s)" if scale == 1.0 else f"(converted from {_time_base(t)[1]} to s)")
                         + ": not read as a neuron")
            values, names = np.delete(values, i, axis=1), np.delete(names, i)
        else:
            notes.append(f"column {str(t)!r} is named like timestamps but its values go up and "
                         "down: read as a neuron")
    if unnamed_first and time_s is None and _increasing(values[:, 0]):
        time_s, time_key = values[:, 0], ""
        notes.append(f"the unnamed first column increases ({values[0, 0]:g}, {values[1, 0]:g}, "
                     "...) but does not count rows: read as the frame timestamps (s), not as a "
                     "neuron")
        values, names = values[:, 1:], names[1:]
    f = _pick(names.tolist(), FRAME_KEYS)
    i = None if f is None else names.tolist().index(f)
    if i is not None and _counts_rows(values[:, i]):
        notes.append(f"column {str(f)!r} counts frames ({values[0, i]:g}, {values[1, i]:g}, ...): "
                     "read as a frame index, not as a neuron")
        values, names = np.delete(values, i, axis=1), np.delete(names, i)
    covariates = [str(n) for n in names if _covariate_name(str(n))]
    if covariates:
        notes.append(f"column(s) {', '.join(map(repr, covariates))} are named like a stimulus or "
                     "behaviour, not a neuron, but are read as neurons (forecast and scored as "
                     "such); if they are not neurons, drop them from the table and import again "
                     "(stimulus blocks: --conditions)")
    return values, names, time_s, time_key, notes


#: Timestamps without a unit giving a median frame interval above this (s) are probably
#: milliseconds: ``load_matrix`` warns (it does not change them).
SLOW_FRAME_S = 10.0


def _remark(notes: list[str], message: str) -> None:
    """A doubt about the file that does not stop the import: a UserWarning, also kept in
    ``notes`` (``attrs['import_notes']``, which ``data info`` repeats)."""
    notes.append(message)
    warnings.warn(message, UserWarning, stacklevel=3)


def _unitless_time_note(key: str, interval_s: float, what: str) -> str:
    """What to say when timestamps named without a unit give ``interval_s`` s per frame."""
    named = f"the timestamps {key!r}" if key else "the timestamps (the unnamed first column)"
    return (f"{what}: {named} have no unit in their name, so they are read as seconds, which "
            f"gives a median frame interval of {interval_s:.4g} s; if they are milliseconds, name "
            f"them with the unit (e.g. '{_time_base(key)[0] or 'time'}_ms' or 'time (ms)') and "
            "import again, or give the frame interval with --dt-s (dt_s=)")


#: A matrix of undeclared kind whose values are all positive with a median above this looks like
#: raw fluorescence (F, e.g. camera counts), not ΔF/F (near 0): ``load_matrix`` warns.
RAW_F_MEDIAN = 10.0


def _raw_note(values: np.ndarray, what: str) -> str | None:
    """What to say if (time, neuron) values look like raw fluorescence (``RAW_F_MEDIAN``), else
    None; the median is taken over up to ~1,000 frames spread over the recording."""
    rows = values[::max(1, values.shape[0] // 1000)]
    if not np.isfinite(rows).any():  # nothing to judge (an all-NaN file kept with allow_nan)
        return None
    if not (np.nanmin(values) > 0 and np.nanmedian(rows) > RAW_F_MEDIAN):
        return None
    return (f"{what}: every value is positive and their median is "
            f"{float(np.nanmedian(rows)):.4g}, far above what ΔF/F takes (around 0): this looks "
            "like raw fluorescence (F), kept unchanged but labelled ΔF/F; if it is F, import again "
            "with --trace-kind fluorescence (--trace-kind dff declares it ΔF/F)")


def load_matrix(
    path: str | os.PathLike,
    *,
    dt_s: float | None = None,
    neuron_names=None,
    key: str | None = None,
    transpose: bool = False,
    resample_s: float | None = None,
    condition_offsets: Sequence[int] | None = None,
    condition_names: Sequence[str] | None = None,
    heldout_conditions: Sequence[str] = (),
    indicator: str = "",
    trace_kind: str | None = None,
    allow_nan: bool = False,
) -> xr.Dataset:
    """Read a (time × neuron) matrix of ΔF/F and its own metadata (see the module doc).

    Suffixes: .npy, .npz, .mat (v5 and v7.3), .h5/.hdf5, .csv/.tsv/.txt.
    dt_s: seconds per frame; needed only when the file has no timestamps or frame interval
    (given, it overrides the file's). neuron_names: a sequence or a text file with one name per
    line (a blank line = an unnamed neuron); default: the file's names, the CSV header, else
    "0", "1", .... Empty and repeated names are made unique (``unique_names``) and the raw
    labels kept as coordinate ``label``. key: the trace array inside a container.
    transpose: the file is (neuron × time). resample_s: interpolate linearly onto a uniform grid
    of this step (s); by default uneven timestamps are kept as the ``time`` coordinate and the
    windows step frame by frame. Grid frames inside a pause in acquisition are NaN, not
    interpolated (``resample_uniform``). Conditions: optional frame offsets and names, held-out
    names. What the loader decided about a table's columns is in ``attrs['import_notes']``.
    trace_kind: what the values are, one of ``TRACE_KINDS`` ("dff", "fluorescence" for raw F),
    kept as ``attrs['trace_kind']``; left undeclared, values that look like raw fluorescence
    (all positive, median above ``RAW_F_MEDIAN``) give a UserWarning (they are not changed).
    Every UserWarning is also an entry of ``attrs['import_notes']``.
    Raises FormatError (unreadable file, unknown suffix, missing key, names not matching
    columns, non-numeric cells, a cut-off last row, values beyond float32, no timing or a
    non-positive frame interval), NonFiniteError on NaN/inf (in the file, or grid
    frames inside a pause) unless ``allow_nan``.
    """
    if trace_kind is not None and trace_kind not in TRACE_KINDS:
        raise unknown_name("trace kind", trace_kind, TRACE_KINDS)
    path = Path(path)
    what = f"matrix file '{path}'"
    require_file(path, what, "give the matrix file itself (" + ", ".join(MATRIX_SUFFIXES) + "); "
                 "a ZAPBench zarr folder imports with --format zapbench")
    suffix = path.suffix.lower()
    arrays: dict = {}
    attrs: dict = {}
    header_names = None
    time_s = time_key = None
    notes: list[str] = []
    if suffix in (".npy", ".csv", ".tsv", ".txt") and key is not None:
        raise ConfigError(f"{what} holds one {'plain array' if suffix == '.npy' else 'table'}: "
                          f"there is no array {key!r} to pick", "leave out --key (key=), which "
                          "picks an array inside an .npz, .mat or HDF5 file")
    if suffix == ".npy":
        try:
            values = np.load(path, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise FormatError(f"{what} is not a readable .npy array ({str(exc).splitlines()[0]})",
                              "save a numeric array with numpy.save") from None
    elif suffix in (".npz", ".mat", ".h5", ".hdf5", ".hdf"):
        if suffix == ".npz":
            arrays = _read_npz(path, what)
        elif suffix == ".mat":
            arrays, attrs = _read_mat(path, what)
        else:
            arrays, attrs = _read_hdf5(path, what)
        trace_key, chosen = _pick_traces(arrays, key, what)
        if chosen is not None:
            notes.append(chosen)
        if isinstance(arrays[trace_key], _Unread):
            raise FormatError(f"{what}: array {trace_key!r} has shape {arrays[trace_key].shape}, "
                              "expected (time, neuron)", _HINT_FORMAT)
        values = np.asarray(arrays.pop(trace_key))
        key = trace_key
    elif suffix in (".csv", ".tsv", ".txt"):
        values, header_names, time_s, time_key, notes = _read_table(path, what,
                                                                    dt_given=dt_s is not None)
    else:
        raise FormatError(f"{what}: unknown suffix '{path.suffix}'",
                          "matrix files are " + ", ".join(MATRIX_SUFFIXES))
    if values.ndim != 2:
        raise FormatError(f"{what}: array has shape {values.shape}, expected (time, neuron)",
                          "one neuron's trace is a (time, 1) column: save x[:, None]"
                          if values.ndim == 1 else _HINT_FORMAT)
    if values.dtype.kind not in "fiu":
        raise FormatError(f"{what}: array dtype {values.dtype} does not hold fluorescence values",
                          _HINT_FORMAT)
    # the file's own metadata
    vectors = {k: v for k, v in arrays.items() if _numeric(v) and np.size(v) > 1
               and (_ndim(v) == 1 or (_ndim(v) == 2 and 1 in np.shape(v)))}
    k, unfit = _container_time_key(vectors, values.shape, key)
    if k is None and unfit and dt_s is None and _pick(
            {**{kk: vv for kk, vv in arrays.items() if np.size(vv) == 1}, **attrs},
            DT_KEYS + RATE_KEYS) is None:
        k = unfit[0]  # the file's only timing: its length is refused below, naming it
    elif unfit and dt_s is None:
        notes.append(f"array(s) {', '.join(map(repr, map(str, unfit)))} named like timestamps "
                     f"fit neither axis of the trace array ({values.shape[0]:,} × "
                     f"{values.shape[1]:,}): not read as the frame times (a behaviour camera's or "
                     "a stimulus's, maybe)")
    time_unit = None  # the timestamps' unit from an HDF5 'units' attribute, if any
    if k is not None and dt_s is None:
        time_unit = _unit_attribute(attrs, k)
        if time_unit is None or _time_base(k)[1] is not None:  # a unit in the name wins
            scale = _seconds_per_unit(k, what)
        elif time_unit in SECONDS_PER_UNIT:
            scale = SECONDS_PER_UNIT[time_unit]
        else:
            raise FormatError(f"{what}: timestamps {str(k)!r} are in {time_unit!r} (their 'units' "
                              "attribute), which is not read", "give them in seconds or "
                              "milliseconds, or remove them and give --dt-s")
        time_s = np.asarray(arrays[k], dtype=np.float64).reshape(-1) * scale
        time_key = str(k).rsplit("/", 1)[-1]
    if dt_s is not None:  # an explicit dt_s replaces the file's timing
        time_s = None
    file_names, ambiguous = None, []
    names_key = _pick({k: v for k, v in arrays.items() if not _numeric(v)}, NAME_KEYS, loose=True)
    if names_key is None:  # numbers name neurons only under an id name ('labels': per frame?)
        names_key = _pick({k: v for k, v in arrays.items() if _ids(v)}, ID_KEYS, loose=True)
    if names_key is not None and (read := _name_cells(arrays[names_key])) is not None:
        file_names, ambiguous = read
    meta = {**{kk: vv for kk, vv in arrays.items() if np.size(vv) == 1}, **attrs}
    is_dt = _pick(meta, DT_KEYS) is not None
    k = _pick(meta, DT_KEYS if is_dt else RATE_KEYS)
    given_value = _scalar(meta[k]) if k is not None else None  # a frame interval or rate
    file_dt = None
    if given_value is not None and given_value > 0:
        file_dt = given_value if is_dt else 1.0 / given_value
    elif k is not None and time_s is None and dt_s is None:  # <= 0, NaN, or not a number
        shown = f"{given_value:g}" if given_value is not None else repr(_plain(meta[k]))
        raise FormatError(f"{what}: its frame {'interval' if is_dt else 'rate'} {str(k)!r} is "
                          f"{shown}, not a positive number",
                          "give the seconds per frame with --dt-s")
    doubts: list[str] = []  # said (``_remark``) once every check has passed: a refusal comes alone
    # orientation: explicit transpose, else what the metadata fits
    rows, cols = values.shape
    if not transpose and rows != cols:
        fits_rows = (time_s is not None and time_s.size == cols) or (
            file_names is not None and file_names.size == rows and neuron_names is None)
        fits_cols = (time_s is not None and time_s.size == rows) or (
            file_names is not None and file_names.size == cols)
        neuron_major = str(key).lower() in NEURON_MAJOR_KEYS and not fits_cols
        transpose = (fits_rows or neuron_major) and not fits_cols
        if neuron_major:
            notes.append(f"{what}: {key!r} is CaImAn's (neuron, time) array: its {rows:,} rows "
                         f"are read as neurons and its {cols:,} columns as frames")
        elif rows < cols and not (fits_rows or fits_cols) and header_names is None \
                and neuron_names is None:
            doubts.append(f"{what}: nothing in the file tells which axis is time, so its {rows:,} "
                          f"rows are read as frames and its {cols:,} columns as neurons; if the "
                          "rows are neurons (as in suite2p's F.npy), import again with --transpose "
                          "(a suite2p plane folder: --format suite2p)")
    if transpose:
        values = values.T
        header_names = None
    n_time, n_neuron = values.shape
    if n_neuron < 1 and notes:  # every column was a row index, timestamps or a frame index
        raise FormatError(f"{what}: {n_time} frame(s) × 0 neurons: no column is left after the "
                          "timestamps and indices", "add the neurons' trace columns ("
                          + "; ".join(notes) + ")")
    if n_time < 2 or n_neuron < 1:
        raise FormatError(f"{what}: {n_time} frame(s) × {n_neuron} neuron(s); a recording needs at least "
                          "2 frames and 1 neuron", "check the file, or pass --transpose if it is neuron × time")
    if time_s is not None and time_s.size != n_time:
        named = f" ({time_key!r})" if time_key else ""
        raise FormatError(f"{what}: {time_s.size} timestamps{named} for {n_time} frames",
                          "give one timestamp per frame, or drop them and give --dt-s")
    labels = _neuron_names(neuron_names, n_neuron, what)
    if labels is None and file_names is not None:
        labels = _neuron_names(file_names, n_neuron, what)
        if ambiguous:
            notes.append(f"{what}: {len(ambiguous)} of the {n_neuron:,} neurons in "
                         f"{str(names_key)!r} have several candidate names (e.g. "
                         + ", ".join(map(repr, ambiguous[:3])) + "): their identity is not "
                         "known, so they are read as unnamed (an empty label); to name them, "
                         "give every neuron's name with --names")
    if labels is None and header_names is not None:
        labels = _neuron_names(header_names, n_neuron, what)
    if time_s is not None:
        check_timestamps(time_s, f"{what}: the timestamps")
        time_s = time_s - time_s[0]
    if dt_s is None:
        dt_s = float(np.median(np.diff(time_s))) if time_s is not None else file_dt
        if time_s is not None and _time_base(time_key)[1] is None and time_unit is None \
                and dt_s > SLOW_FRAME_S:
            doubts.append(_unitless_time_note(time_key, dt_s, what))
    if dt_s is None:
        raise FormatError(f"{what} holds no timestamps or frame interval",
                          "plain matrices carry no timing: give the seconds per frame, e.g. --dt-s 0.5")
    values = as_float32(values, what)
    attrs_out: dict = {"import_notes": notes} if notes else {}
    if trace_kind is not None:
        attrs_out["trace_kind"] = trace_kind
    if time_s is not None:
        steps = np.diff(time_s)
        attrs_out["frame_interval_s"] = [float(steps.min()), float(np.median(steps)), float(steps.max())]
        paused = pause_summary(time_s)
        if paused and resample_s is None:
            doubts.append(f"{what}: {paused}: forecasting windows would join the frames on either "
                          "side (infer treats them as gaps); "
                          f"--resample {np.median(steps):.4g} --allow-nan keeps them as NaN gaps")
    if resample_s is not None:
        values, time_s = resample_uniform(values, time_s if time_s is not None
                                          else np.arange(n_time) * float(dt_s), float(resample_s),
                                          allow_nan=allow_nan, what=what)
        dt_s = float(resample_s)
        attrs_out["resampled_s"] = float(resample_s)
        n_time = values.shape[0]
    try:
        condition = _conditions(n_time, condition_offsets, condition_names, what)
    except FormatError as exc:
        if resample_s is None or exc.hint is None:
            raise
        raise FormatError(exc.message, f"{exc.hint}; with --resample the offsets count the "
                          f"{n_time:,} frames after resampling ({float(resample_s):g} s apart), "
                          "not the recorded ones") from None
    ds = make_dataset(
        values, dt_s=float(dt_s), neuron=None if labels is None else unique_names(labels),
        time_s=time_s,
        condition=condition,
        source=f"matrix:{path.resolve()}" + (f"#{key}" if key else ""), indicator=indicator,
        heldout_conditions=heldout_conditions, allow_nan=allow_nan, attrs=attrs_out,
    )
    raw = _raw_note(values, what) if trace_kind is None else None
    for doubt in [*doubts, *([raw] if raw is not None else [])]:
        _remark(notes, doubt)
    if notes:
        ds.attrs["import_notes"] = notes
    return with_labels(ds, labels)
