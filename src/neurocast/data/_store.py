"""Storage of Datasets as zarr v3 stores, with the true Connectome inside the store."""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
import zarr

from neurocast._files import atomic_path, exists_hint
from neurocast._progress import progress
from neurocast.connectome import Connectome
from neurocast.data._quality import TraceScan, TraceScanner
from neurocast.data._schema import (
    KEEP_NAN_HINT,
    as_str,
    check_finite,
    check_stimulus_finite,
    validate_dataset,
)
from neurocast.errors import FormatError, NeurocastError

__all__ = ["attach_connectome", "check_connectome", "connectome_positions", "dataset_connectome", "open_dataset",
           "save_dataset"]

class DamagedDatasetError(FormatError):
    """A dataset store whose chunks or connectome cannot be read back intact."""


DAMAGE_HINT = ("re-create it (neurocast record / neurocast data import --overwrite) or restore it "
               "from a copy; neurocast data verify DATASET lists every damaged part")

#: File name of the Connectome inside a dataset store (beside zarr.json; zarr ignores it).
CONNECTOME_FILE = "connectome.npz"
#: Root attribute recording the connectome saved in the store: {"file": name, "n_bytes": size}.
#: ``verify_dataset`` reports the file missing or of another size; stores without it (written
#: before it existed, or without a connectome) are checked only for a readable file. It
#: describes one store: ``save_dataset`` never copies it from the attrs of the dataset saved.
CONNECTOME_ATTR = "connectome_file"
#: Frames per chunk along time: a forecasting window reads a few chunks, not the whole store.
TIME_CHUNK = 256
#: At most this many neurons per chunk.
NEURON_CHUNK = 4096
# Frames written per step: about this many values, a multiple of TIME_CHUNK.
_WRITE_BLOCK_VALUES = 1 << 24


def _chunks(var: xr.DataArray) -> tuple[int, ...]:
    sizes = {"time": TIME_CHUNK, "neuron": NEURON_CHUNK}
    return tuple(max(1, min(var.shape[i], sizes.get(d, var.shape[i]))) for i, d in enumerate(var.dims))


def _to_storable(ds: xr.Dataset) -> xr.Dataset:
    """Copy of ds with string variables as object arrays (zarr v3 'string' type) and plain attrs."""
    out = ds.copy(deep=False)
    for name, var in ds.variables.items():
        if var.dtype.kind in ("U", "S", "T"):
            out[name] = var.copy(data=as_str(var.values).astype(object))
    out.attrs = {k: _plain(v) for k, v in ds.attrs.items() if k != CONNECTOME_ATTR}
    for var in out.variables.values():
        var.encoding = {}
    return out


def _plain(value):
    """attrs as JSON-friendly Python values."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.str_):
        return str(value)
    return value


def save_dataset(ds: xr.Dataset, path: str | os.PathLike, *, connectome=None, overwrite: bool = False,
                 allow_nan: bool = False) -> Path:
    """Validate ``ds`` and write it as a zarr v3 store at ``path``, atomically; return the path.

    The store is written into a temporary sibling folder and renamed into place only when
    complete, so a crash never leaves a half dataset that looks complete. Arrays with a time
    dimension are chunked (256 frames, ≤ 4096 neurons) so that reading a window of frames
    touches few chunks. The data are written in blocks of frames with a progress bar.
    connectome: the true wiring (a Connectome), saved as ``connectome.npz`` inside the store;
    its neurons must be the dataset's neurons (same count) or contain all of them by name.
    Without it (None), the wiring ``ds`` carries is kept: that of the store it was opened from
    (``dataset_connectome(ds)``, also after ``ds.isel(neuron=...)``: the whole connectome,
    which names the kept neurons), with a warning instead if it cannot be read or names none
    of the neurons kept; ``connectome=False`` saves none.
    ``n_spikes`` (attr) is set to the sum of the ``spike_counts`` saved when they differ (a
    subset of the neurons or frames), with a warning; where a count saturates (65535) the sum
    is short of the spikes, so the attr is kept and the warning says so.
    Raises NeurocastError if ``path`` exists and not ``overwrite``; FormatError/NonFiniteError
    if ``ds`` does not follow the schema (NaN allowed only with ``allow_nan=True``).
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise NeurocastError(f"output '{path}' already exists", exists_hint(path))
    validate_dataset(ds, allow_nan=True)  # NaN/inf: checked block by block while writing
    if "stimulus" in ds.variables:  # new stores never hold NaN covariates (as make_dataset)
        check_stimulus_finite(ds, f"dataset for '{path}'")
    if connectome is False:  # asked for none, not even the wiring ds carries
        connectome = None
    elif connectome is not None:
        check_connectome(ds, connectome)
    else:  # the wiring of the store it came from, also for a subset of its neurons
        connectome = _carried_connectome(ds, path)
    store = _to_storable(ds)
    spikes = SpikeTally() if "spike_counts" in store and "n_spikes" in ds.attrs else None
    n_time = store.sizes["time"]
    per_frame = max(1, sum(int(np.prod(v.shape[1:])) for v in store.data_vars.values()
                           if v.dims and v.dims[0] == "time"))
    block = max(TIME_CHUNK, (_WRITE_BLOCK_VALUES // per_frame) // TIME_CHUNK * TIME_CHUNK)
    encoding = {name: {"chunks": _chunks(var)} for name, var in store.variables.items()
                if var.dims and name not in store.dims}
    with atomic_path(path, overwrite=overwrite) as tmp:
        with progress(total=n_time, desc=f"writing {path.name}", unit="frame") as bar:
            # .load(): read each block of a lazily opened source once (not once per target chunk)
            scanner = TraceScanner(store.sizes["neuron"])
            first = store.isel(time=slice(0, block)).load()
            if not allow_nan:
                check_finite(first["traces"].values, what=f"dataset for '{path}': traces",
                             hint=KEEP_NAN_HINT)
            scanner.add(first["traces"].values)
            if spikes is not None:
                spikes.add(first["spike_counts"].values)
            first.to_zarr(tmp, mode="w", zarr_format=3, encoding=encoding, consolidated=False,
                          write_empty_chunks=True)  # every chunk exists: a missing one is damage
            bar.update(first.sizes["time"])
            for start in range(block, n_time, block):  # blocks of frames, bounded memory
                part = store.isel(time=slice(start, start + block)).load()
                if not allow_nan:
                    check_finite(part["traces"].values, what=f"dataset for '{path}': traces",
                                 offset=start, hint=KEEP_NAN_HINT)
                scanner.add(part["traces"].values)
                if spikes is not None:
                    spikes.add(part["spike_counts"].values)
                part.to_zarr(tmp, append_dim="time", zarr_format=3, consolidated=False, write_empty_chunks=True)
                bar.update(part.sizes["time"])
        _write_scan(tmp, scanner.result(), as_str(ds["neuron"].values))
        if spikes is not None:
            spikes.write(tmp, ds.attrs["n_spikes"])
        if connectome is not None:
            connectome.save(tmp / CONNECTOME_FILE)
            _record_connectome(tmp)
        _consolidate(tmp)
    return path


def _carried_connectome(ds: xr.Dataset, path: Path):
    """The Connectome ``ds`` carries (``dataset_connectome``: that of the store it was opened
    from), when it names some of ``ds``'s neurons (a subset saved keeps the whole wiring); None
    without one, with a warning when it cannot be read or names none of them."""
    try:
        connectome = dataset_connectome(ds)
        if connectome is not None:
            connectome_positions(ds, connectome)  # FormatError if it names none of them
    except NeurocastError as err:
        warnings.warn(f"dataset for '{path}': the wiring of the store it was opened from is not "
                      f"saved with it: {err.message}; pass connectome= to save one",
                      UserWarning, stacklevel=3)
        return None
    return connectome


class SpikeTally:
    """The spikes of a dataset's ``spike_counts`` added up block by block while it is written,
    then ``n_spikes`` made their sum in the store (``save_dataset``)."""

    def __init__(self):
        self.total = 0
        self.saturated = False

    def add(self, counts: np.ndarray) -> None:
        counts = np.asarray(counts)
        self.total += int(counts.sum(dtype=np.int64))
        self.saturated |= bool(counts.size and counts.max() >= np.iinfo(np.uint16).max)

    def write(self, store: Path, n_spikes) -> None:
        """Set attr ``n_spikes`` of ``store`` to the total, with a warning, if it differs from
        ``n_spikes`` (the dataset's attr); a saturated count keeps it (warned too)."""
        try:
            before = int(n_spikes)
        except (TypeError, ValueError):
            before = None
        if before == self.total:
            return
        if self.saturated:
            warnings.warn(f"attr n_spikes ({n_spikes}) differs from the spike_counts saved "
                          f"({self.total:,}), some of which saturate at 65535: kept as it was",
                          UserWarning, stacklevel=3)
            return
        warnings.warn(f"attr n_spikes ({n_spikes}) is not the sum of the spike_counts saved (a subset "
                      f"of the neurons or frames?): saved as {self.total:,}, their sum",
                      UserWarning, stacklevel=3)
        with _quiet_extra_files():
            group = zarr.open_group(store, mode="r+", zarr_format=3, use_consolidated=False)
        group.attrs["n_spikes"] = self.total


def _write_scan(store: Path, scan: TraceScan, names: np.ndarray) -> None:
    """Record what the write saw in the store's attrs: constant channels, NaN counts, the
    neurons without any value (NaN in every frame: dead channels), the NaN of the other
    neurons (gaps: values and frames holding one) and, in a store holding some NaN/inf, how
    many of them are ±inf (a store without any has none to count: ``trace_quality``)."""
    with _quiet_extra_files():
        group = zarr.open_group(store, mode="r+", zarr_format=3, use_consolidated=False)
    summary = scan.summary(names)
    if not summary["n_nan_values"]:
        del summary["n_inf_values"]
    group.attrs.update({
        **summary,
        "all_chunks_written": True,  # a missing chunk file is then damage, not a fill value
    })


def _record_connectome(store: Path) -> None:
    """Record in the store's attrs that ``connectome.npz`` was saved, with its size in bytes."""
    with _quiet_extra_files():
        group = zarr.open_group(store, mode="r+", zarr_format=3, use_consolidated=False)
    group.attrs[CONNECTOME_ATTR] = {"file": CONNECTOME_FILE,
                                    "n_bytes": (store / CONNECTOME_FILE).stat().st_size}


def _consolidate(store: Path) -> None:
    """Write the store's consolidated metadata (all arrays' metadata in the root zarr.json).

    Without it, plain ``xarray.open_zarr(path)`` warns that it fell back to reading every
    array's metadata; with it, that call opens the store silently (and faster).
    """
    with _quiet_extra_files(), warnings.catch_warnings():
        # zarr notes that consolidated metadata is not yet in the v3 spec; xarray and zarr read it
        warnings.filterwarnings("ignore", message=r"Consolidated metadata is currently not part")
        zarr.consolidate_metadata(store, zarr_format=3)


def connectome_positions(ds, connectome) -> tuple[np.ndarray, list[str]]:
    """Where each of the dataset's neurons is in ``connectome``, by name, and notes.

    ds: a Dataset or DataArray with a ``neuron`` coordinate (and optionally ``label``).
    Returns pos int64 (neuron,): the connectome position of each neuron, -1 where the
    connectome does not name it; and notes (one line each): names matched only ignoring case
    (when that pairs each with a neuron of its own), and named neurons the connectome lacks
    (partial identifications such as 'AVA' or 'RMDV?', or 'unknown'), with its near names:
    those are treated as unnamed (no wiring). Unnamed neurons (empty ``label``) not in it get
    no note.
    Raises FormatError if the connectome repeats a name, if a label is given to several
    neurons and the connectome has one neuron of that name (or, ignoring case, one neuron
    whose name it matches), or if the connectome names none
    of the named neurons (the wrong connectome, or another naming scheme).
    """
    if not isinstance(connectome, Connectome):
        raise FormatError(f"connectome must be a neurocast Connectome, not {type(connectome).__name__}",
                          "load one with neurocast.load_connectome")
    names = as_str(ds["neuron"].values)
    wired = as_str(connectome.names)
    if names.size == wired.size and np.array_equal(names, wired):
        return np.arange(names.size, dtype=np.int64), []
    index = pd.Index(wired)
    if not index.is_unique:
        repeated = index[index.duplicated()].unique()[:3].tolist()
        raise FormatError(f"connectome '{connectome.name}' repeats neuron name(s) {repeated}: the "
                          "recording's neurons cannot be matched to it by name",
                          "give each neuron of the connectome its own name")
    pos = index.get_indexer(names).astype(np.int64)
    labels = as_str(ds["label"].values) if "label" in ds.coords else names
    notes = []
    missing = (pos < 0) & (labels != "")
    lower = pd.Index(np.char.lower(wired))
    cased = set(lower) if lower.is_unique else set()  # the names matched ignoring case
    if missing.any() and cased:  # 'aval' for 'AVAL': matched if that is one neuron
        found = lower.get_indexer(np.char.lower(names[missing]))
        free = (found >= 0) & ~np.isin(found, pos[pos >= 0])
        free &= ~pd.Series(found).duplicated(keep=False).to_numpy()
        if free.any():
            k = np.flatnonzero(missing)[free]
            pos[k] = found[free]
            notes.append(f"{k.size} of the recording's {names.size} neuron names match connectome "
                         f"'{connectome.name}' only ignoring case (e.g. {str(names[k[0]])!r} as "
                         f"{str(wired[pos[k[0]]])!r}): matched so")
            missing[k] = False
    if not missing.any():
        return pos, notes
    times = pd.Series(labels).value_counts()
    repeated = sorted({lab for lab in labels[missing].tolist()
                       if lab in index or (times[lab] > 1 and lab.lower() in cased)})
    if repeated:  # 'ASHL', 'ASHL' became 'ASHL', 'ASHL#2', and the connectome has one ASHL
        counts = {lab: int(np.sum(labels == lab)) for lab in repeated}
        first = names[labels == repeated[0]]
        raise FormatError(
            "the dataset gives the same label to several neurons ("
            + ", ".join(f"{lab!r} ×{k}" for lab, k in list(counts.items())[:5])
            + f"), but the connectome '{connectome.name}' has one neuron of each name: which of "
            f"{', '.join(first)} is its {repeated[0]!r} is unknown",
            "label each neuron once (import again with corrected --names FILE), leave the label "
            "of the doubtful ones empty (unnamed neurons are not matched to the connectome), or "
            "drop the extra neurons in Python (ds.drop_sel(neuron=[...]))",
        )
    lacking = names[missing].tolist()
    if not (pos >= 0).any():
        pairs = [f"{a!r} vs {b!r}" for a, b in zip(names.tolist(), wired.tolist(), strict=False)][:3]
        raise FormatError(
            f"the connectome '{connectome.name}' ({wired.size} neurons) names none of the "
            f"recording's {names.size} neurons: e.g. {lacking[:5]}; first in order (recording vs "
            f"connectome): {', '.join(pairs)}",
            "attach the connectome the recording belongs to, with the same neuron names "
            "(rename neurons with --names when importing)"
            + ("; if neuron k is the connectome's neuron k, give it the connectome's names in "
               "that order" if names.size == wired.size else ""),
        )
    examples = ", ".join(_with_near_names(x, wired) for x in lacking[:5])
    notes.append(f"{len(lacking)} of the recording's {names.size} neurons are named but not in "
                 f"connectome '{connectome.name}' (e.g. {examples}): treated as unnamed, their "
                 "wiring unknown; rename them (--names when importing) to use it")
    return pos, notes


def _with_near_names(name: str, wired: np.ndarray) -> str:
    """'AVA' as "'AVA' (AVAL or AVAR?)", 'DB3?' as "'DB3?' (DB3, without '?'?)": the
    connectome's names equal to ``name`` up to case and punctuation, or else starting with it
    (at most 3); just "'AVA'" if there are none."""
    key = "".join(ch for ch in name if ch.isalnum()).upper()
    upper = np.char.upper(wired)
    near = wired[upper == key] if key else wired[:0]
    if not near.size and len(key) >= 2:
        near = wired[np.char.startswith(upper, key)]
    if not near.size:
        return repr(name)
    shown = " or ".join(near[:3].tolist()) + (" or ..." if near.size > 3 else "")
    extra = "".join(dict.fromkeys(ch for ch in name if not ch.isalnum()))
    if near.size == 1 and near[0].upper() == key and extra:  # only punctuation is off
        return f"{name!r} ({shown}, without {extra!r}?)"
    return f"{name!r} ({shown}?)"


def check_connectome(ds: xr.Dataset, connectome) -> None:
    """Refuse a connectome that does not fit the dataset's neurons; warn of partial names.

    Accepted: the same names in the same order, or a connectome holding the dataset's neurons
    by name (a recording of a subset of the wired neurons), also ignoring case. Named neurons
    the connectome lacks (partial identifications) are treated as unnamed. A warning says
    either (``connectome_positions``). Raises FormatError as ``connectome_positions``.
    """
    for note in connectome_positions(ds, connectome)[1]:
        warnings.warn(note, UserWarning, stacklevel=2)


@contextlib.contextmanager
def _quiet_extra_files():
    """zarr warns about non-zarr files in a group (our connectome.npz); that file is intended."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*is not recognized as a component of a Zarr")
        yield


def _node_type(path: Path) -> str:
    """'array' or 'group' from a zarr v3 store's zarr.json (or v2's .zarray/.zgroup)."""
    meta = path / "zarr.json"
    if meta.is_file():
        try:
            return str(json.loads(meta.read_text()).get("node_type", ""))
        except (OSError, ValueError):
            return ""
    return "array" if (path / ".zarray").is_file() else "group"


def _existing(path: str | os.PathLike) -> Path:
    path = Path(path)
    if not path.exists():
        raise FormatError(f"no dataset at '{path}'",
                          "check the path; named datasets (worm-default, ...) open with "
                          "neurocast.open_dataset (see 'neurocast data list')")
    return path


def chunk_name(index: tuple[int, ...]) -> str:
    """The file of a chunk inside a zarr v3 array folder (default chunk-key encoding)."""
    return "c/" + "/".join(map(str, index))


def array_folders(path: Path) -> list[str]:
    """Names of the array folders of a dataset store: its sub-folders, hidden ones left out."""
    return sorted(p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))


def open_arrays(group: zarr.Group, path: Path) -> tuple[dict[str, zarr.Array], list[str]]:
    """The arrays of a dataset store (metadata only), each opened on its own, and one problem
    line per array that cannot be opened ("NAME: ..."), in name order.

    zarr's ``group.arrays()`` reads every member at once in asyncio tasks; when one member's
    metadata is damaged it raises and leaves the other tasks' errors unread, which asyncio then
    prints on stderr ("Task exception was never retrieved"). One array at a time, each failure
    is only its own: a missing zarr.json, a group where an array belongs, or metadata that
    cannot be read.
    """
    arrays: dict[str, zarr.Array] = {}
    problems: list[str] = []
    for name in array_folders(path):
        if not (path / name / "zarr.json").is_file():
            problems.append(f"{name}: its zarr.json is missing")
            continue
        try:
            with _quiet_extra_files():
                node = group[name]
        except Exception as exc:  # a damaged zarr.json raises JSON, key and value errors
            problems.append(f"{name}: its metadata cannot be read ({type(exc).__name__}: {exc})")
            continue
        if isinstance(node, zarr.Array):
            arrays[name] = node
        else:
            problems.append(f"{name}: a zarr group where an array belongs")
    return arrays, problems


def missing_chunks(path: str | os.PathLike) -> list[str]:
    """Chunk files a dataset store should hold but does not (a cheap check: nothing is decoded).

    Reads only the arrays' metadata and lists the store's files. Returns "array: chunk c/i/j"
    lines, empty when every chunk file exists or the store predates ``all_chunks_written``
    (zarr skips chunks equal to the fill value unless told otherwise). Unreadable metadata is left to ``verify_dataset``.
    """
    path = Path(path)
    try:
        with _quiet_extra_files():
            group = zarr.open_group(path, mode="r", zarr_format=3, use_consolidated=False)
            if not group.attrs.get("all_chunks_written", False):
                return []  # an older store: chunks equal to the fill value were not written
        arrays, problems = open_arrays(group, path)
    except Exception:  # unreadable metadata: reported by verify_dataset and open_dataset
        return []
    if problems:  # reported by verify_dataset and open_dataset
        return []
    out = []
    for name, arr in sorted(arrays.items()):
        if not arr.size:
            continue
        for index in np.ndindex(*arr.cdata_shape):
            if not (path / name / chunk_name(index)).is_file():
                out.append(f"{name}: chunk {chunk_name(index)} is missing")
    return out


def _check_array_metadata(path: Path) -> None:
    """Raise DamagedDatasetError naming the first array of the store whose zarr.json is damaged.

    Opens the arrays one by one (``open_arrays``), so a damaged one raises this one error, not
    zarr's asyncio noise on stderr. A root zarr.json that cannot be read is left to the caller.
    """
    try:
        with _quiet_extra_files():
            group = zarr.open_group(path, mode="r", zarr_format=3, use_consolidated=False)
    except Exception:  # reported by the caller (xarray) as unreadable metadata
        return
    problems = open_arrays(group, path)[1]
    if problems:
        raise DamagedDatasetError(f"dataset '{path}' is damaged: {problems[0]}", DAMAGE_HINT)


def open_dataset(path: str | os.PathLike, *, allow_nan: bool = False) -> xr.Dataset:
    """Open a Dataset lazily from a zarr store path; validate it.

    Named datasets (built-in ones, generated on first use, and user datasets in the cache)
    open with ``neurocast.open_dataset`` / ``neurocast.catalog.open_dataset``. Arrays are read on access
    (xarray's lazy indexing; no dask needed): ``ds.traces[t0:t1].values`` reads only those
    frames' chunks. The small string arrays (``condition``, ``neuron``, ``label``, ...) are
    loaded as numpy str, each on its own dimensions.
    Traces are scanned for NaN/inf once (blockwise) and NonFiniteError is raised unless
    ``allow_nan=True``; then the caller must mask them (``np.isfinite``).
    ``ds.encoding['neurocast_path']`` holds the store path (for ``dataset_connectome(ds)``).
    Raises FormatError if the path does not exist, is not a dataset store or breaks the schema,
    DamagedDatasetError if chunk files are missing or the labels cannot be decoded.
    """
    path = _existing(path)
    if not any((path / f).is_file() for f in ("zarr.json", ".zgroup", ".zarray")):
        raise FormatError(f"'{path}' is not a zarr store (no zarr.json)",
                          "give a dataset written by neurocast (neurocast record / data import)")
    if _node_type(path) == "array":
        raise FormatError(f"'{path}' is a single zarr array, not a dataset store",
                          f"if it holds (time, neuron) traces, import it: neurocast data import "
                          f"{path} OUT.zarr --format zapbench")
    missing = missing_chunks(path)
    if missing:
        raise DamagedDatasetError(f"dataset '{path}' is damaged: {'; '.join(missing[:5])}"
                                  + (f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""),
                                  DAMAGE_HINT)
    _check_array_metadata(path)  # before xarray, which reads all of it at once (see open_arrays)
    try:
        with _quiet_extra_files():
            ds = xr.open_zarr(path, chunks=None, consolidated=False)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise FormatError(f"cannot open '{path}' as a dataset: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                          "give a dataset written by neurocast (neurocast record / data import); "
                          "neurocast data verify DATASET reports damage") from None
    except Exception as exc:  # codecs of damaged chunks raise RuntimeError and others
        raise DamagedDatasetError(f"dataset '{path}' is damaged: its coordinates cannot be read "
                                  f"({type(exc).__name__})", DAMAGE_HINT) from None
    try:  # every string variable (condition, neuron, label, ...) as numpy str, on its own dims
        strings = {name: var.copy(data=as_str(var.values)) for name, var in ds.variables.items()
                   if var.dtype.kind in ("T", "O", "U", "S")}
        ds = ds.assign_coords({k: v for k, v in strings.items() if k in ds.coords})
        ds = ds.assign({k: v for k, v in strings.items() if k not in ds.coords})
    except Exception as exc:  # codecs of damaged chunks raise RuntimeError, ValueError, ...
        raise DamagedDatasetError(f"dataset '{path}' is damaged: its labels cannot be read "
                                  f"({type(exc).__name__})", DAMAGE_HINT) from None
    ds.encoding["neurocast_path"] = str(path)
    try:
        validate_dataset(ds, allow_nan=allow_nan, what=f"dataset '{path}'")  # reads traces for NaN
    except NeurocastError:
        raise
    except Exception as exc:  # codecs of damaged chunks raise RuntimeError, ValueError, ...
        raise DamagedDatasetError(f"dataset '{path}' is damaged: a chunk of its data cannot be decoded "
                                  f"({type(exc).__name__})", DAMAGE_HINT) from None
    return ds


def attach_connectome(path: str | os.PathLike, connectome, *, overwrite: bool = False) -> Path:
    """Store ``connectome`` inside the dataset store at ``path`` (``connectome.npz``), atomically.

    The connectome must name the dataset's neurons (``check_connectome``). Raises FormatError
    for a mismatch, NeurocastError if one is attached already and not ``overwrite``.
    """
    path = _existing(path)
    file = path / CONNECTOME_FILE
    if file.exists() and not overwrite:  # before the names are matched (and their notes given)
        raise NeurocastError(f"dataset '{path}' has a connectome attached already",
                             "pass --overwrite to replace it")
    check_connectome(open_dataset(path, allow_nan=True), connectome)
    connectome.save(file)  # written atomically
    _record_connectome(path)  # for data verify (this rewrites the root zarr.json ...
    _consolidate(path)  # ... so its consolidated metadata is written again)
    return file


def dataset_connectome(path_or_dataset):
    """The Connectome stored with a dataset, or None if none is attached.

    path_or_dataset: a store path, or a Dataset returned by ``open_dataset``.
    """
    if isinstance(path_or_dataset, xr.Dataset):
        where = path_or_dataset.encoding.get("neurocast_path")
        if where is None:
            return None
        path = Path(where)
    else:
        path = _existing(path_or_dataset)
    file = path / CONNECTOME_FILE
    if not file.is_file():
        return None
    try:
        return Connectome.load(file)
    except NeurocastError:
        raise
    except Exception as exc:  # a truncated zip raises several kinds
        raise DamagedDatasetError(f"dataset '{path}' is damaged: {CONNECTOME_FILE} cannot be read "
                                  f"({type(exc).__name__})", DAMAGE_HINT) from None
