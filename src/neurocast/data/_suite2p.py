"""suite2p output: the neuropil-corrected fluorescence of the ROIs classed as cells (private).

suite2p (Pachitariu et al., bioRxiv 2017) writes one folder per imaging plane,
``suite2p/plane0/``, ``suite2p/plane1/``, ..., each holding

- ``F.npy``, ``Fneu.npy``: (ROI, frame) float32 fluorescence of each ROI and of the neuropil
  around it;
- ``iscell.npy``: (ROI, 2), column 0 is 1 for an ROI classed as a cell (0 otherwise), column 1
  the classifier's probability;
- ``settings.npy`` (suite2p 1.x: ``fs``, and the coefficient as
  ``['extraction']['neuropil_coefficient']``) or ``ops.npy`` (0.x: ``fs``, frames per second of
  each plane, and ``neucoeff``, the neuropil coefficient, 0.7 by default): the run's settings, a
  dict pickled by ``numpy.save``; settings.npy is read when both are there (an ops.npy beside it
  may be left from an earlier 0.x run of the folder);
- ``stat.npy`` (per-ROI pickled dicts) and ``spks.npy`` (deconvolved), which are not read.

A pickle can run any code while it is loaded, so ``ops.npy`` / ``settings.npy`` are read with
an unpickler that builds only plain data (``_ALLOWED``: numpy arrays and scalars, dates, paths,
builtin containers) and refuses anything else. ``F.npy``, ``Fneu.npy`` and ``iscell.npy`` hold
plain numbers and are read without pickles.
"""

from __future__ import annotations

import builtins
import datetime
import os
import pathlib
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import xarray as xr

from neurocast.data._loading import SUITE2P_PLANE, _conditions, as_float32
from neurocast.data._schema import make_dataset
from neurocast.errors import FormatError

__all__ = ["DEFAULT_NEUCOEFF", "SETTINGS_FILES", "load_suite2p"]

#: suite2p's default neuropil coefficient, used when the plane folder's settings do not give one.
DEFAULT_NEUCOEFF = 0.7
#: The files holding a plane's settings, in the order they are looked for (suite2p 0.x writes
#: ops.npy; 1.x writes settings.npy, the one to trust when an older ops.npy is left beside it).
SETTINGS_FILES = ("settings.npy", "ops.npy")
_HINT_DT = ("give the seconds per frame with --dt-s (1 / suite2p's fs, e.g. --dt-s 0.0333 at "
            "30 Hz); the neuropil coefficient is then suite2p's default "
            f"{DEFAULT_NEUCOEFF}")
_HINT_ALL = "or pass --all-rois (all_rois=True) to keep every ROI"


def _pure_path(kind: type):
    """A function making a ``kind`` (a pure path class) of a pickled path's parts. The pickle
    gets this function, not the class: its BUILD opcode sets attributes of what it is applied to,
    and on a class written in Python (pathlib's, unlike numpy's, datetime's and the builtins')
    that would change every path of the process (e.g. its ``__str__``)."""
    def path(*parts):
        return kind(*parts)
    return path


# What a pickled settings dict may build: numpy arrays, dtypes and scalars (their reconstructors
# found from numpy itself, whatever the numpy version that wrote the file), dates, file paths
# (as pure paths: a WindowsPath cannot be made on Linux) and the builtin containers that are
# pickled by name. Dicts, lists, tuples, strings and numbers need no name. Every class here is
# immutable (written in C); pathlib's are given through ``_pure_path``.
_ALLOWED = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    **{(module, "_reconstruct"): np.zeros(0).__reduce__()[0]
       for module in ("numpy.core.multiarray", "numpy._core.multiarray")},
    **{(module, "scalar"): np.float64(0).__reduce__()[0]
       for module in ("numpy.core.multiarray", "numpy._core.multiarray")},
    **{("builtins", name): getattr(builtins, name)
       for name in ("set", "frozenset", "complex", "slice", "range", "bytearray")},
    **{("datetime", name): getattr(datetime, name)
       for name in ("datetime", "date", "time", "timedelta", "timezone")},
    **{(module, name): pure for module in ("pathlib", "pathlib._local")
       for names, pure in ((("PosixPath", "PurePosixPath"), _pure_path(pathlib.PurePosixPath)),
                           (("WindowsPath", "PureWindowsPath"), _pure_path(pathlib.PureWindowsPath)))
       for name in names},
}


class _PlainDataUnpickler(pickle.Unpickler):
    """An unpickler that builds only the plain data of ``_ALLOWED`` and refuses any other class
    or function, before it is called (a pickle runs code only through the names it loads)."""

    def __init__(self, file, what: str):
        super().__init__(file)
        self.what = what

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise FormatError(f"{self.what} holds a Python object of type '{module}.{name}', "
                              "which neurocast does not unpickle (unpickling a file can run "
                              "code)") from None


def _read_settings_file(path: Path) -> dict:
    """The dict that ``numpy.save`` pickled into ``path`` (ops.npy, settings.npy), read with
    ``_PlainDataUnpickler``. Raises FormatError if it is not such a file or holds other types."""
    what = f"suite2p settings file '{path}'"
    try:
        with open(path, "rb") as fp:
            version = np.lib.format.read_magic(fp)
            read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                           (2, 0): np.lib.format.read_array_header_2_0}.get(version)
            if read_header is None:
                raise ValueError(f".npy format version {version[0]}.{version[1]}")
            shape, _, dtype = read_header(fp)
            if dtype != np.dtype(object) or shape != ():
                raise FormatError(f"{what} holds an array of shape {shape} ({dtype}), not "
                                  "the settings dict suite2p saves")
            settings = _PlainDataUnpickler(fp, what).load()
    except FormatError:
        raise
    except Exception as exc:  # a damaged pickle raises many types
        raise FormatError(f"{what} cannot be read ({type(exc).__name__}: "
                          f"{str(exc).splitlines()[0] if str(exc) else 'no detail'})") from None
    settings = settings.item() if isinstance(settings, np.ndarray) and settings.shape == () \
        else settings
    if not isinstance(settings, dict):
        raise FormatError(f"{what} holds a {type(settings).__name__}, not the settings dict "
                          "suite2p saves")
    return settings


def _plane_settings(folder: Path, what: str, dt_s: float | None) -> tuple[dict, str]:
    """A plane folder's settings (the first of ``SETTINGS_FILES`` there) and where they came from
    ('ops.npy'), or ({}, why there are none) when they are missing or unreadable and ``dt_s`` is
    given. Raises FormatError (hint: give --dt-s) when ``dt_s`` is None."""
    for name in SETTINGS_FILES:
        if (folder / name).is_file():
            try:
                return _read_settings_file(folder / name), name
            except FormatError as exc:
                if dt_s is None:
                    raise FormatError(f"{exc.message}, so the frame rate is unknown",
                                      _HINT_DT) from None
                return {}, exc.message
    if dt_s is None:
        raise FormatError(f"{what} holds no {' or '.join(SETTINGS_FILES)}, so the frame rate "
                          "is unknown", _HINT_DT)
    return {}, f"{what} holds no {' or '.join(SETTINGS_FILES)}"


def _number(value) -> float | None:
    """A settings value as a float, or None if it is not one number."""
    try:
        return float(np.asarray(value, dtype=np.float64).reshape(()))
    except (TypeError, ValueError):
        return None


def _plane_folders(path: Path) -> list[Path]:
    """The plane folders ``path`` names: the folder of an F.npy, a plane folder (holding F.npy),
    or a suite2p folder holding plane0, plane1, ... (in plane order; 'combined', which repeats
    their ROIs, is left out). Raises FormatError for anything else."""
    if path.is_file():
        if path.name != "F.npy":
            raise FormatError(f"suite2p file '{path}' is not F.npy",
                              "give a plane folder (suite2p/plane0), its F.npy, or the suite2p "
                              "folder")
        return [path.parent]
    if not path.is_dir():
        raise FormatError(f"suite2p folder '{path}' not found", "check the path")
    if (path / "F.npy").is_file():
        return [path]
    planes = [(int(m.group(1)), p) for p in path.iterdir()
              if (m := SUITE2P_PLANE.fullmatch(p.name)) and (p / "F.npy").is_file()]
    if not planes:
        raise FormatError(f"suite2p folder '{path}' holds no F.npy, nor plane folders "
                          "(plane0, plane1, ...) holding one",
                          "give a plane folder written by suite2p (suite2p/plane0, with F.npy, "
                          "Fneu.npy, iscell.npy and ops.npy) or the suite2p folder above it")
    return [p for _, p in sorted(planes)]


def _roi_array(folder: Path, name: str, what: str) -> np.ndarray:
    """``folder/name`` (F.npy, Fneu.npy, iscell.npy): a numeric array, memory-mapped, never
    unpickled. Raises FormatError if it is missing or not a numeric .npy array."""
    file = folder / name
    if not file.is_file():
        raise FormatError(f"{what} holds no {name}",
                          "copy the whole plane folder suite2p wrote (F.npy, Fneu.npy, "
                          "iscell.npy, ops.npy)")
    try:
        values = np.load(file, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise FormatError(f"{what}: {name} is not a readable array ({str(exc).splitlines()[0]})",
                          "re-run suite2p's extraction, or copy the file again") from None
    if values.dtype.kind not in "fiub":
        raise FormatError(f"{what}: {name} holds {values.dtype} values, not numbers",
                          "give the files suite2p wrote, unchanged")
    return values


def _cells(folder: Path, n_roi: int, what: str, all_rois: bool, notes: list[str]) -> np.ndarray:
    """The indices of the ROIs to keep, (kept ROI,) int: those ``iscell.npy`` classes as cells
    (column 0 == 1), or all with ``all_rois`` (iscell.npy then optional). Notes how many were
    left out; none when iscell.npy classes no ROI as a cell (``load_suite2p`` decides). Raises
    FormatError if iscell.npy is missing or does not fit F.npy's ``n_roi`` rows."""
    if not (folder / "iscell.npy").is_file():
        if not all_rois:
            raise FormatError(f"{what} holds no iscell.npy, which says which ROIs are cells",
                              f"copy it from the suite2p run, {_HINT_ALL}")
        notes.append(f"{what} holds no iscell.npy: all {n_roi:,} ROIs kept")
        return np.arange(n_roi)
    iscell = _roi_array(folder, "iscell.npy", what)
    if iscell.ndim not in (1, 2) or iscell.shape[0] != n_roi:
        raise FormatError(f"{what}: iscell.npy has shape {iscell.shape}, but F.npy holds "
                          f"{n_roi:,} ROIs (expected ({n_roi}, 2))",
                          f"iscell.npy comes from another run: copy the plane folder whole, "
                          f"{_HINT_ALL}")
    is_cell = np.asarray(iscell if iscell.ndim == 1 else iscell[:, 0]) == 1
    n_cell = int(is_cell.sum())
    if all_rois:
        notes.append(f"{what}: all {n_roi:,} ROIs kept, {n_roi - n_cell:,} of them not classed "
                     "as cells (iscell.npy)")
        return np.arange(n_roi)
    if 0 < n_cell < n_roi:
        notes.append(f"{what}: {n_cell:,} of {n_roi:,} ROIs are classed as cells (iscell.npy); "
                     f"the {n_roi - n_cell:,} others are left out (--all-rois keeps them)")
    return np.flatnonzero(is_cell)


@dataclass(frozen=True)
class _Plane:
    """One plane folder read. traces: (frame, kept ROI) float32, F − c·Fneu; rois: (kept ROI,)
    int, their rows in F.npy; n_roi: the ROIs in F.npy; fs_hz: frames per second (None when
    dt_s is given); coefficient: c and where it comes from, for the import note."""

    traces: np.ndarray
    rois: np.ndarray
    n_roi: int
    fs_hz: float | None
    coefficient: str


def _load_plane(folder: Path, *, dt_s: float | None, all_rois: bool, notes: list[str]) -> _Plane:
    """Read one plane folder (see ``load_suite2p``); notes go to ``notes``."""
    what = f"suite2p plane folder '{folder}'"
    f = _roi_array(folder, "F.npy", what)
    if f.ndim != 2 or f.shape[1] < 2:
        raise FormatError(f"{what}: F.npy has shape {f.shape}, expected (ROI, frame) with at "
                          "least 2 frames", "give the F.npy suite2p wrote, unchanged")
    fneu = _roi_array(folder, "Fneu.npy", what)
    if fneu.shape != f.shape:
        raise FormatError(f"{what}: F.npy has shape {f.shape} (ROI, frame) but Fneu.npy "
                          f"{fneu.shape}", "both come from the same suite2p run: copy the plane "
                          "folder whole, or re-run suite2p's extraction")
    keep = _cells(folder, f.shape[0], what, all_rois, notes)
    settings, source = _plane_settings(folder, what, dt_s)
    fs = None
    if dt_s is None:
        fs = _number(settings.get("fs"))
        if fs is None or not (np.isfinite(fs) and fs > 0):
            shown = "no frame rate 'fs'" if "fs" not in settings \
                else f"the frame rate fs = {settings['fs']!r}, not a positive number"
            raise FormatError(f"{what}: {source} gives {shown}", _HINT_DT)
    extraction = settings.get("extraction")
    given = settings.get("neucoeff", extraction.get("neuropil_coefficient")
                         if isinstance(extraction, dict) else None)
    coefficient = DEFAULT_NEUCOEFF if given is None else _number(given)
    if coefficient is None or not (np.isfinite(coefficient) and coefficient >= 0):
        raise FormatError(f"{what}: {source} gives the neuropil coefficient {given!r}, not a "
                          "number ≥ 0", "give the plane folder suite2p wrote, unchanged")
    origin = (f"from {source}" if given is not None else "suite2p's default, "
              + (f"{source} gives none" if source in SETTINGS_FILES else source))
    # suite2p's own arithmetic (float32), on the kept rows only (F.npy may be gigabytes), in
    # place on their copies (``keep`` indexes by integers: never a view of the files), so that
    # at most two copies of the kept rows are held
    traces = as_float32(f[keep], what)
    neuropil = as_float32(fneu[keep], what)
    neuropil *= np.float32(coefficient)
    traces -= neuropil
    del neuropil
    return _Plane(traces.T, keep, f.shape[0], fs, f"{coefficient:g} ({origin})")


def _planes_with_cells(path: Path, folders: list[Path], planes: list[_Plane],
                       notes: list[str]) -> tuple[list[Path], list[_Plane]]:
    """The planes with at least one ROI kept, and their folders; a plane without any is left
    out with a note. Raises FormatError when no plane has one."""
    empty = [folder for folder, plane in zip(folders, planes, strict=True) if not plane.rois.size]
    hint = f"check the classification in the suite2p GUI, {_HINT_ALL}"
    if len(empty) == len(folders) == 1:
        raise FormatError(f"suite2p plane folder '{folders[0]}': iscell.npy classes none of the "
                          f"{planes[0].n_roi:,} ROIs as a cell", hint)
    if len(empty) == len(folders):
        raise FormatError(f"suite2p folder '{path}': none of its {len(folders)} planes has an ROI "
                          "that iscell.npy classes as a cell", hint)
    for folder, plane in zip(folders, planes, strict=True):
        if folder in empty:
            notes.append(f"suite2p plane folder '{folder}': iscell.npy classes none of the "
                         f"{plane.n_roi:,} ROIs as a cell; the plane is left out (--all-rois "
                         "keeps every ROI of every plane)")
    kept = [(f, p) for f, p in zip(folders, planes, strict=True) if f not in empty]
    return [f for f, _ in kept], [p for _, p in kept]


def load_suite2p(
    path: str | os.PathLike,
    *,
    dt_s: float | None = None,
    all_rois: bool = False,
    condition_offsets: Sequence[int] | None = None,
    condition_names: Sequence[str] | None = None,
    heldout_conditions: Sequence[str] = (),
    indicator: str = "",
    allow_nan: bool = False,
) -> xr.Dataset:
    """Read suite2p output into a Dataset of neuropil-corrected raw fluorescence (in memory).

    path: a plane folder (``suite2p/plane0``), its ``F.npy``, or a suite2p folder; the planes of
    a suite2p folder with several (plane0, plane1, ...; 'combined' is left out) are joined
    neuron-wise when they have the same number of frames, or one frame more in some planes (the
    last volume cut short; that frame is left out with a note); a note says that frames of
    different planes, imaged one after another within each volume, are taken as simultaneous.
    traces (time, neuron) float32 = F − c·Fneu per ROI, with c the plane's neuropil coefficient
    (``neucoeff`` in ops.npy, or suite2p 1.x's ``['extraction']['neuropil_coefficient']``;
    ``DEFAULT_NEUCOEFF`` when the settings are missing), in suite2p's own float32 arithmetic;
    ``attrs['trace_kind']`` is "fluorescence" (raw F, not ΔF/F).
    Neurons: the ROIs classed as cells (``iscell.npy`` column 0 == 1), or every ROI with
    ``all_rois``; named ``roi<i>`` with i the ROI's row in F.npy and stat.npy
    (``plane<k>/roi<i>`` for a suite2p folder of several planes). ``attrs['import_notes']`` says how
    many ROIs were left out and the coefficient used.
    dt_s: seconds per frame; default 1 / the settings' ``fs`` (frames per second per plane).
    Conditions: optional frame offsets and names (else one condition "all"), held-out names.
    A plane without any ROI classed as a cell is left out with a note.
    Raises FormatError: no F.npy; Fneu.npy or iscell.npy missing or not matching F.npy; no ROI
    classed as a cell in any plane; settings missing, unreadable or holding a type ``_PlainDataUnpickler``
    refuses, without ``dt_s``; planes whose frame counts differ by more than one, or rates. NonFiniteError on
    NaN/inf unless ``allow_nan``.
    """
    path = Path(path)
    folders = _plane_folders(path)
    notes: list[str] = []
    planes = [_load_plane(folder, dt_s=dt_s, all_rois=all_rois, notes=notes) for folder in folders]
    named_by_plane = len(folders) > 1  # so with one plane left of several
    folders, planes = _planes_with_cells(path, folders, planes, notes)
    coefficients = [p.coefficient for p in planes]
    if len(set(coefficients)) > 1:  # planes with their own coefficients: name each plane's
        coefficients = [f"{folder.name}: {c}" for folder, c in zip(folders, coefficients,
                                                                   strict=True)]
    notes.append("traces are F − c·Fneu, neuropil-corrected raw fluorescence (not ΔF/F), with "
                 f"c = {', '.join(dict.fromkeys(coefficients))}")
    if len(planes) == 1:
        names = [f"{folders[0].name}/roi{i}" if named_by_plane else f"roi{i}"
                 for i in planes[0].rois]
    else:
        frames = [p.traces.shape[0] for p in planes]
        if max(frames) - min(frames) == 1:  # the last volume cut short: its frame is dropped
            notes.append(f"suite2p folder '{path}': planes of {min(frames):,} and "
                         f"{max(frames):,} frames (the last volume incomplete); the last frame "
                         f"of {', '.join(f.name for f, n in zip(folders, frames, strict=True) if n > min(frames))} "
                         "left out")
            planes = [replace(p, traces=p.traces[:min(frames)]) for p in planes]
        for label, values in (("frames", [p.traces.shape[0] for p in planes]),
                              ("frame rates (Hz)", [p.fs_hz for p in planes])):
            if len(set(values)) > 1:
                raise FormatError(f"suite2p folder '{path}': its planes have different {label} ("
                                  + ", ".join(f"{folder.name} {v:g}" for folder, v
                                              in zip(folders, values, strict=True)) + ")",
                                  f"import one plane folder at a time, e.g. '{folders[0]}'")
        notes.append(f"suite2p folder '{path}': {len(planes)} planes ("
                     f"{', '.join(folder.name for folder in folders)}) joined, neurons named "
                     "plane<k>/roi<i>; suite2p images the planes one after another within each "
                     "volume, so the planes of a frame are up to one frame interval apart")
        names = [f"{folder.name}/roi{i}" for folder, p in zip(folders, planes, strict=True)
                 for i in p.rois]
    traces = np.concatenate([p.traces for p in planes], axis=1)
    return make_dataset(
        traces, dt_s=float(dt_s) if dt_s is not None else 1.0 / planes[0].fs_hz, neuron=names,
        condition=_conditions(traces.shape[0], condition_offsets, condition_names,
                              f"suite2p output '{path}'"),
        source=f"suite2p:{path.resolve()}", indicator=indicator,
        heldout_conditions=heldout_conditions, allow_nan=allow_nan,
        attrs={"trace_kind": "fluorescence", "import_notes": notes},
    )
