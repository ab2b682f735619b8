"""Real recordings into the shared Dataset schema: the loader registry and shared helpers.

``LOADERS`` maps a format name to a ``Loader``: a function ``load(path, **options) -> Dataset``
with a one-line description. Each built-in format lives in its own module (``_zapbench.py``,
``_nwb.py``, ``_matrix.py``, ``_suite2p.py``) and is registered in ``data/__init__.py`` with one
line; other packages add formats through the entry-point group ``neurocast.loaders`` (the entry
point names a ``Loader``). Every loader returns a Dataset that passes ``validate_dataset``;
NaN/inf in traces raise NonFiniteError unless ``allow_nan=True`` (the caller then masks them
explicitly).
"""

from __future__ import annotations

import inspect
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from neurocast._memory import available_memory_bytes, format_bytes
from neurocast._registry import Registry, instance_of
from neurocast.data._schema import conditions_from_offsets, validate_dataset
from neurocast.data._xarray_zarr import named_dims_store
from neurocast.errors import ConfigError, FormatError, NonFiniteError

__all__ = ["GZIP_TABLES", "LOADERS", "MATRIX_HINT", "MATRIX_SUFFIXES", "TRACE_KINDS", "Loader",
           "data_extension", "infinite_as_missing", "load_recording", "pause_intervals",
           "pause_summary", "recording_format"]


@dataclass(frozen=True)
class Loader:
    """A recording format: ``load(path, **options)`` returns a Dataset in the shared schema.

    name: the format name (``neurocast data import --format NAME``). description: one line.
    The options a format accepts are the keyword parameters of ``load``.
    """

    name: str
    description: str
    load: Callable[..., xr.Dataset]

    def __post_init__(self):
        if not callable(self.load):
            raise ConfigError(f"format {self.name!r}: load must be a function load(path, **options), "
                              f"not {self.load!r}")
        try:
            first = next(iter(inspect.signature(self.load).parameters.values()), None)
        except (TypeError, ValueError):  # no signature to read (a builtin): leave it to the call
            return
        if first is None or first.kind not in (first.POSITIONAL_ONLY, first.POSITIONAL_OR_KEYWORD,
                                               first.VAR_POSITIONAL):
            raise ConfigError(f"format {self.name!r}: load takes no path",
                              "define it as def load(path, *, option=default, ...)")

    @property
    def options(self) -> tuple[str, ...]:
        """Keyword options of ``load`` (everything after the path)."""
        params = list(inspect.signature(self.load).parameters.values())[1:]
        return tuple(p.name for p in params if p.kind is not p.VAR_KEYWORD)

    @property
    def required(self) -> tuple[str, ...]:
        """Options ``load`` cannot do without (no default; passed by keyword)."""
        params = list(inspect.signature(self.load).parameters.values())[1:]
        return tuple(p.name for p in params
                     if p.default is p.empty and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD))


#: What a recording's values are (``attrs['trace_kind']``; absent means "dff"): ΔF/F, or raw
#: fluorescence F.
TRACE_KINDS = ("dff", "fluorescence")


def require_file(path: Path, what: str, hint: str) -> None:
    """Raise FormatError unless ``path`` is a file: a folder gets ``hint``, a missing path
    "not found"."""
    if path.is_dir():
        raise FormatError(f"{what} is a folder, not a file", hint)
    if not path.is_file():
        raise FormatError(f"{what} not found", "check the path")


#: format name -> Loader; plug-ins through the entry-point group ``neurocast.loaders``.
LOADERS: Registry[Loader] = Registry("recording format", group="neurocast.loaders",
                                     check=instance_of(Loader))
#: File suffixes the "matrix" format reads (.xls: recognised only to be refused with a hint).
MATRIX_SUFFIXES = (".npy", ".npz", ".mat", ".csv", ".tsv", ".txt", ".h5", ".hdf5", ".hdf", ".json",
                   ".parquet", ".feather", ".arrow", ".xlsx", ".xlsm", ".xls")
#: gzip-compressed text tables the "matrix" format reads too (BIDS keeps its tables so).
GZIP_TABLES = (".csv.gz", ".tsv.gz", ".txt.gz")
#: The hint of a refused matrix file that holds no (time, neuron) array of numbers.
MATRIX_HINT = "a matrix file holds a (time, neuron) array of numbers; see docs/datasets.md"


def data_extension(path: str | os.PathLike) -> str:
    """A data file's extension in lower case: its suffix ('.csv'), or both suffixes of a
    gzip-compressed table (``GZIP_TABLES``: '.tsv.gz')."""
    name = Path(path).name.lower()
    return next((ext for ext in GZIP_TABLES if name.endswith(ext)), Path(path).suffix.lower())


#: The name of a suite2p plane folder (plane0, plane1, ...).
SUITE2P_PLANE = re.compile(r"plane(\d+)")


def looks_like_suite2p(path: Path) -> bool:
    """True if ``path`` is suite2p output: an F.npy with iscell.npy beside it, a folder holding
    F.npy, or a folder holding plane folders (plane0, ...) that hold F.npy."""
    if path.is_file():
        return path.name == "F.npy" and (path.parent / "iscell.npy").is_file()
    return path.is_dir() and ((path / "F.npy").is_file() or any(
        SUITE2P_PLANE.fullmatch(q.name) and (q / "F.npy").is_file() for q in path.iterdir()))


def recording_format(path: str | os.PathLike) -> str:
    """The built-in recording format a path's name implies: 'nwb' for ``.nwb``, 'suite2p' for
    suite2p output (an F.npy with iscell.npy beside it, a plane folder, a suite2p folder of
    plane folders), 'matrix' for ``MATRIX_SUFFIXES`` (and ``GZIP_TABLES``) and for xarray zarr stores whose dimension
    names say neuron and frame (Minian's output, ``named_dims_store``), 'zapbench' for another
    zarr folder (``zarr.json``, ``.zarray`` or ``.zgroup`` inside). Raises ConfigError when it says nothing
    (plug-in formats are always named)."""
    p = Path(path)
    if not p.exists():
        raise FormatError(f"recording '{p}' not found", "check the path")
    suffix = p.suffix.lower()
    if suffix == ".nwb":
        return "nwb"
    if looks_like_suite2p(p):
        return "suite2p"
    if suffix in MATRIX_SUFFIXES or data_extension(p) in GZIP_TABLES:
        return "matrix"
    if p.is_dir():
        named = named_dims_store(p)  # Minian's output, or another xarray store: (unit_id, frame)
        if named is not None and {d.lower() for d in named[1]} != {"time", "neuron"}:
            return "matrix"
    if p.is_dir() and any((p / f).exists() for f in ("zarr.json", ".zarray", ".zgroup")):
        return "zapbench"
    raise ConfigError(f"cannot tell the recording format of '{p}' from its name",
                      "give it: --format zapbench, nwb, matrix, suite2p or a plug-in's "
                      "(format=...)")


def load_recording(path: str | os.PathLike, format: str, **options) -> xr.Dataset:
    """Read a recording with the loader of ``format``.

    Raises ConfigError for options the format does not take or required ones not given (the
    messages name the ``neurocast data import`` flag of an option, or the Python call for an
    option without one), FormatError if the loader returns something other than a Dataset in
    the shared schema (``validate_dataset``; NaN/inf are the loader's to refuse).
    """
    if format not in LOADERS and f".{str(format).lower().lstrip('.')}" in MATRIX_SUFFIXES:
        raise ConfigError(f"unknown recording format {format!r}: .{str(format).lstrip('.')} files "
                          "are read by the format 'matrix'", "use --format matrix (format='matrix')")
    loader = LOADERS.get(format)
    extra = [k for k in options if k not in loader.options]
    if extra:
        named = ", ".join(dict.fromkeys(_FLAG_OF.get(k, k) for k in extra))
        raise ConfigError(f"format {format!r} does not take {named} (in Python: {', '.join(extra)})",
                          _takes(format, loader.options))
    missing = [k for k in loader.required if k not in options]
    flags, python_only = _flags(missing), [k for k in missing if k not in _FLAG_OF]
    if flags:
        raise ConfigError(f"format {format!r} needs {flags} (in Python: {', '.join(missing)}=...)",
                          "plain matrices carry no timing: give the seconds per frame, e.g. --dt-s 0.5"
                          if missing == ["dt_s"] else f"give {flags}")
    if python_only:
        call = ", ".join(f"{k}=..." for k in python_only)
        raise ConfigError(f"format {format!r} needs the option(s) {', '.join(python_only)}, which "
                          "`neurocast data import` has no flag for",
                          f"read it in Python: ds = load_recording(path, {format!r}, {call}), then "
                          "save_dataset(ds, 'out.zarr')")
    try:
        ds = loader.load(path, **options)
    except FormatError as exc:
        turned = _names_fit_rows(exc, loader, path, options)
        if turned is None:
            raise
        raise turned from None
    validate_dataset(ds, allow_nan=True, what=f"what the loader of format {format!r} "
                     f"({_qualname(loader.load)}) returned")
    return ds


#: The refusal of ``_neuron_names``: N neuron names for M trace columns.
_NAMES_COUNT = re.compile(r"(\d[\d,]*) neuron names for (\d[\d,]*) trace columns")


def _names_fit_rows(exc: FormatError, loader: Loader, path, options: dict) -> FormatError | None:
    """For a refusal of as many names as the file has rows, not columns (a (neuron, time) file
    read without transpose): the refusal with a hint to transpose it, else None.

    Tells by reading the file again transposed (this costs a second read, on this refusal
    only): names that then fit, one per column, show the rows are the neurons."""
    found = _NAMES_COUNT.search(exc.message)
    if found is None or options.get("transpose") or "transpose" not in loader.options \
            or options.get("neuron_names") is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            turned = loader.load(path, **{**options, "transpose": True})
    except Exception:  # transposed it fails too (or otherwise): keep the refusal
        return None
    n_names = int(found.group(1).replace(",", ""))
    if not isinstance(turned, xr.Dataset) or turned.sizes.get("neuron") != n_names:
        return None
    return FormatError(exc.message, f"the file has {n_names:,} rows, as many as the names: if "
                       "its rows are the neurons (a (neuron, time) array), import again with "
                       "--transpose (Python: transpose=True); otherwise give exactly one name per "
                       "column (neuron)")


def _qualname(func) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


#: Loader option -> the ``neurocast data import`` flag that sets it. An option not listed has no
#: flag: it is set in Python only (``load_recording(path, format, option=...)``).
_FLAG_OF = {"dt_s": "--dt-s", "neuron_names": "--names", "key": "--key", "series": "--series",
            "transpose": "--transpose", "condition_offsets": "--conditions",
            "condition_names": "--conditions", "heldout_conditions": "--heldout",
            "allow_nan": "--allow-nan", "trace_kind": "--trace-kind", "all_rois": "--all-rois",
            "stimulus_columns": "--stimulus-columns", "resample_s": "--resample"}


def _flags(options) -> str:
    """The command-line flags of the loader options that have one, once each, e.g. '--names, --conditions'."""
    return ", ".join(dict.fromkeys(_FLAG_OF[k] for k in options if k in _FLAG_OF))


def _takes(format: str, options) -> str:
    """What a format takes: its flags, then the options set in Python only (with the call)."""
    flags, python_only = _flags(options), [k for k in options if k not in _FLAG_OF]
    call = f"load_recording(path, {format!r}, {', '.join(f'{k}=...' for k in python_only)})"
    if not python_only:
        return f"it takes: {flags or 'no options'}"
    return f"it takes: {flags}; in Python only: {call}" if flags else f"it takes, in Python only: {call}"


def as_float32(values, what: str) -> np.ndarray:
    """(time, neuron) values as float32, refusing finite values too large for float32 (the cast
    would make them inf, which would then be reported as missing values).

    Raises FormatError naming the largest magnitude.
    """
    values = np.asarray(values)
    with np.errstate(over="ignore"):
        out = values.astype(np.float32, copy=False)
    if values.dtype.kind == "f" and np.isinf(out).any():
        overflow = np.isinf(out) & np.isfinite(values)
        if overflow.any():
            raise FormatError(f"{what}: values reach {np.max(np.abs(values[overflow])):.3g}, "
                              f"beyond the range of float32 (±{np.finfo(np.float32).max:.3g}) "
                              "in which traces are stored",
                              "scale the traces (e.g. to ΔF/F) before importing")
    return out


def infinite_as_missing(values: np.ndarray, names, what: str) -> tuple[np.ndarray, str | None]:
    """(time, neuron) float values with ±inf replaced by NaN, and the import note counting them
    overall and per neuron (``names``: (neuron,)); (values, None) when there is none.

    ±inf in ΔF/F is no activity but an undefined value: (F - F0) / F0 where the baseline F0 is
    0. As NaN it is a missing value like the file's own: a gap (``bench --nan``), or a dead
    channel when a neuron has no finite value; and xarray and pandas skip NaN, not inf.
    """
    infinite = np.isinf(values)
    if not infinite.any():
        return values, None
    per_neuron = infinite.sum(axis=0)
    total, positive = int(per_neuron.sum()), int(np.count_nonzero(values[infinite] > 0))
    which = np.flatnonzero(per_neuron)
    which = which[np.argsort(-per_neuron[which], kind="stable")]  # the most first
    n_time = values.shape[0]
    listed = ", ".join(f"{names[j]} {per_neuron[j]:,}" + (" (every frame)" if per_neuron[j] == n_time
                                                         else "") for j in which[:5])
    note = (f"{what}: {total:,} value(s) are ±inf ({positive:,} +inf, {total - positive:,} -inf; "
            f"ΔF/F divided by a zero baseline?) in {which.size:,} neuron(s): {listed}"
            + (", ..." if which.size > 5 else "") + "; stored as missing values (NaN), like the file's own NaN")
    return np.where(infinite, np.array(np.nan, dtype=values.dtype), values), note


def _conditions(n_time: int, offsets, names, what: str) -> np.ndarray | None:
    if offsets is None and names is None:
        return None
    if offsets is None or names is None:
        raise FormatError(f"{what}: give both condition offsets and condition names, or neither")
    offsets = [int(o) for o in offsets]
    if offsets and offsets[-1] != n_time:
        raise FormatError(
            f"{what}: condition offsets end at frame {offsets[-1]} but the traces have {n_time} frames",
            "the last offset must be the number of frames",
        )
    return conditions_from_offsets(offsets, names)


#: Name given to a column without a name: ``unnamed-<column index>`` (0-based).
UNNAMED = "unnamed-{}"
#: Suffix of the k-th (k >= 2) occurrence of a repeated name: ``AVA#2``, ``AVA#3``, ...
REPEAT = "{}#{}"


def read_names_file(path: str | os.PathLike) -> list[str]:
    """One name per line of a UTF-8 text file (a byte-order mark, CRLF line ends and the
    whitespace around names are ignored); blank lines are kept as unnamed ("") neurons, also
    at the end of the file (``_neuron_names`` drops the ones beyond the last column).
    """
    file = Path(path)
    if not file.is_file():
        raise FormatError(f"neuron names file '{file}' not found", "give a text file, one name per line")
    try:
        return [line.strip() for line in file.read_text(encoding="utf-8-sig").splitlines()]
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"cannot read neuron names file '{file}': {exc}",
                          "give a UTF-8 text file, one name per line") from None


def unique_names(labels) -> np.ndarray:
    """Unique neuron names from raw labels, which may be empty or repeated (normal in real data).

    labels: sequence of str, one per column. An empty label becomes ``unnamed-<column>``; the
    second, third, ... occurrence of a label becomes ``<label>#2``, ``<label>#3``, ... (the first
    keeps its label). Returns a str array of the same length; the raw labels are kept by the
    loaders as the ``label`` coordinate.
    """
    labels = [str(x).strip() for x in labels]
    taken = set(lab for lab in labels if lab)
    seen: dict[str, int] = {}
    out = []
    for i, lab in enumerate(labels):
        if not lab:
            name = UNNAMED.format(i)
        elif lab in seen:
            k = seen[lab] + 1
            while REPEAT.format(lab, k) in taken:
                k += 1
            seen[lab] = k
            name = REPEAT.format(lab, k)
        else:
            seen[lab] = 1
            name = lab
        taken.add(name)
        out.append(name)
    return np.asarray(out, dtype=str)


def _neuron_names(names, n: int, what: str) -> np.ndarray | None:
    """Raw labels from a sequence or a text file (one per line, blank = unnamed), checked against n."""
    if names is None:
        return None
    if isinstance(names, (str, os.PathLike)):
        names = read_names_file(names)
        while len(names) > n and not names[-1]:  # blank lines ending the file (an editor's)
            names = names[:-1]
    names = np.asarray([str(x).strip() for x in names], dtype=str)
    if names.size != n:
        raise FormatError(f"{what}: {names.size} neuron names for {n} trace columns",
                          "give exactly one name per column (neuron) of the matrix; "
                          "a blank line stands for an unnamed neuron")
    return names


def with_labels(ds: xr.Dataset, labels: np.ndarray | None) -> xr.Dataset:
    """Keep the raw labels as coordinate ``label`` (neuron,) when they differ from the unique names."""
    if labels is None or np.array_equal(labels, ds["neuron"].values):
        return ds
    return ds.assign_coords(label=("neuron", np.asarray(labels, dtype=str)))


#: The constants of the pause rule (``pause_intervals`` states it). In evenly timed frames one
#: missing frame (2×) is a pause and a single late frame (< ``PAUSE_FACTOR`` = 1.75×) is not; in
#: jittered timestamps (volumetric imaging: ±45 % uniform or 20 % Gaussian spread) an interval
#: must also stand out from the jitter by ``PAUSE_SPREAD`` = 6 robust s.d., so a 2× pause is
#: found while the jitter's s.d. stays below 1/6 of the interval (the pauses themselves are not
#: counted as jitter; too few intervals measure none). A change of frame rate is not
#: a pause. Resampling leaves a pause empty (NaN); bench and infer pair no frames across it.
PAUSE_FACTOR = 1.75
PAUSE_SPREAD = 6.0
PAUSE_NEIGHBOURS = 8
#: Fewer ratios than this (one window of neighbours) measure no jitter: the factor alone decides.
PAUSE_MIN_JITTER_RATIOS = 2 * PAUSE_NEIGHBOURS + 1


def pause_intervals(steps: np.ndarray) -> np.ndarray:
    """Which frame intervals are pauses in acquisition: bool array shaped like ``steps`` (s).

    The local median of an interval is the larger of two medians: of the ``PAUSE_NEIGHBOURS``
    intervals before it and of those after it (itself left out; fewer at the ends, one side
    only for the first and last). Taking the larger keeps the first interval after a change of
    frame rate, slow on one side only, from counting. An interval is a pause when its ratio to
    its local median exceeds ``PAUSE_FACTOR`` and 1 + ``PAUSE_SPREAD`` × the jitter, 1.4826 ×
    the median absolute deviation (a robust s.d.) of the ratios up to ``PAUSE_FACTOR`` (longer
    ones, the candidate pauses, are left out: dropped frames are not jitter, however many). With
    fewer than ``PAUSE_MIN_JITTER_RATIOS`` such ratios there is no jitter term. A lone interval
    has no neighbours: never a pause. Trade-offs: under heavy jitter a dropped frame may be
    missed (uniform ±12 % jitter misses a few percent of them); when more than a third of the
    frames are dropped at random, the ratios their drops leave below ``PAUSE_FACTOR`` spread
    so much that none is found; the jitter
    is the whole of ``steps``', so a slice of the frame times can get other pauses than the
    whole recording.
    """
    steps = np.asarray(steps, dtype=np.float64)
    if steps.size < 2:
        return np.zeros(steps.shape, dtype=bool)
    k = PAUSE_NEIGHBOURS
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(steps, k, constant_values=np.nan),
                                                       2 * k + 1)
    before, after = np.full(steps.size, np.nan), np.full(steps.size, np.nan)
    before[1:] = np.nanmedian(windows[1:, :k], axis=1)  # the first interval has none before it
    after[:-1] = np.nanmedian(windows[:-1, k + 1:], axis=1)
    local = np.fmax(before, after)
    with np.errstate(divide="ignore", invalid="ignore"):  # repeated timestamps: a zero median
        ratio = steps / local
    ratio = ratio[np.isfinite(ratio) & (ratio <= PAUSE_FACTOR)]  # the pauses are not jitter
    jitter = (1.4826 * float(np.median(np.abs(ratio - np.median(ratio))))
              if ratio.size >= PAUSE_MIN_JITTER_RATIOS else 0.0)
    return steps > max(PAUSE_FACTOR, 1.0 + PAUSE_SPREAD * jitter) * local


def pause_summary(time_s: np.ndarray) -> str | None:
    """'the frame times pause N time(s), the longest for X s after frame K (frames are Y s apart
    otherwise)' for frame times ``time_s`` (s) with pauses (``pause_intervals``), else None."""
    steps = np.diff(np.asarray(time_s, dtype=np.float64))
    paused = np.flatnonzero(pause_intervals(steps))
    if not paused.size:
        return None
    k = int(paused[np.argmax(steps[paused])])
    return (f"the frame times pause {paused.size} time(s), the longest for {steps[k]:.4g} s after "
            f"frame {k} (frames are {float(np.median(steps)):.4g} s apart otherwise)")


#: How many times finer than the recorded (median) frame interval a resampling step may be:
#: beyond it the step is taken for a typo (e.g. ms given as s).
MAX_UPSAMPLING = 10
# Bytes per resampled value while interpolating (two float64 neighbours, the float64 and float32
# results).
_RESAMPLE_BYTES = 28


def _check_upsampling(n: int, t: np.ndarray, dt_s: float, n_neuron: int, what: str,
                      notes: list[str] | None) -> None:
    """Refuse (ConfigError) a resampling step ``dt_s`` more than ``MAX_UPSAMPLING`` times finer
    than the recorded frames ``t`` are apart (median), or whose ``n`` frames would not fit in
    memory; note a step finer than the recorded one (upsampling): in ``notes``, or as a
    UserWarning if None."""
    recorded = float(np.median(np.diff(t)))
    factor = recorded / dt_s
    hint = (f"give the step in seconds, e.g. --resample {recorded:.4g} (the recorded frame "
            f"interval) or a longer one")
    if factor > MAX_UPSAMPLING:
        raise ConfigError(f"{what}: --resample {dt_s:g} would make {n:,} frames from {t.size:,} "
                          f"recorded {recorded:.4g} s apart (a step {factor:,.0f}× finer; at most "
                          f"{MAX_UPSAMPLING}× is allowed)", hint)
    need = n * max(1, n_neuron) * _RESAMPLE_BYTES
    if need > available_memory_bytes():
        raise ConfigError(f"{what}: --resample {dt_s:g} would make {n:,} frames × {n_neuron:,} "
                          f"neurons, about {format_bytes(need)} while resampling, more than the "
                          f"{format_bytes(available_memory_bytes())} of memory available", hint)
    if factor > 1.01:
        note = (f"{what}: --resample {dt_s:g} upsamples frames recorded {recorded:.4g} s apart "
                f"({factor:.3g}× as many, {n:,} from {t.size:,}): the added frames are "
                "interpolated, not measured")
        if notes is None:
            warnings.warn(note, UserWarning, stacklevel=3)
        else:
            notes.append(note)


def resample_uniform(values: np.ndarray, time_s: np.ndarray, dt_s: float, *, allow_nan: bool = False,
                     what: str = "recording",
                     notes: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Linear interpolation of (time, neuron) values onto a uniform grid of step dt_s seconds.

    The grid starts at time_s[0] and ends at or before time_s[-1]. Gaps are not filled: a grid
    frame between two recorded frames of which one is NaN is NaN, and so is a grid frame inside
    a pause in acquisition (an interval much longer than the intervals around it, see
    ``pause_intervals``; frames on its edges keep their values). Returns (values float32
    (new_time, neuron), grid_s float64 (new_time,)). Raises FormatError for a bad step,
    NonFiniteError if a grid frame falls inside a pause unless ``allow_nan``, ConfigError for a
    step more than ``MAX_UPSAMPLING`` times finer than the recorded frame interval, or making
    more values than fit in the memory available; a step finer than the recorded one is noted
    (appended to ``notes``, or a UserWarning if it is None).
    """
    if not (np.isfinite(dt_s) and dt_s > 0):
        raise FormatError(f"resampling step {dt_s} s is not a positive number of seconds",
                          "give --resample S with S > 0, e.g. the median frame interval")
    t = np.asarray(time_s, dtype=np.float64)
    n = int(np.floor((t[-1] - t[0]) / dt_s + 1e-9)) + 1
    if n < 2:
        raise FormatError(f"resampling at {dt_s} s leaves {n} frame(s)", "give a shorter --resample step")
    _check_upsampling(n, t, dt_s, np.shape(values)[1], what, notes)
    grid = t[0] + np.arange(n) * dt_s
    right = np.clip(np.searchsorted(t, grid, side="right"), 1, t.size - 1)
    left = right - 1
    steps = np.diff(t)
    w = (grid - t[left]) / steps[left]
    exact = np.isclose(w, 0.0)
    paused = pause_intervals(steps)[left] & ~exact & ~np.isclose(w, 1.0)
    if paused.any() and not allow_nan:
        pauses = np.unique(left[paused])
        longest = pauses[np.argmax(steps[pauses])]
        raise NonFiniteError(
            f"{what}: {int(paused.sum()):,} of {n:,} frames resampled at {dt_s:g} s fall inside "
            f"{pauses.size} pause(s) in acquisition (the longest {steps[longest]:.4g} s, after frame "
            f"{int(longest)}), where there is nothing to interpolate",
            "keep them as NaN gaps with --allow-nan (then bench --nan skip-windows), "
            "or leave out --resample to keep the recorded frames")
    v = np.asarray(values, dtype=np.float64)
    out = v[left] * (1.0 - w[:, None]) + v[right] * w[:, None]  # NaN on either side -> NaN
    out[exact] = v[left[exact]]
    out[paused] = np.nan
    return out.astype(np.float32), grid
