"""``verify_dataset``: read every chunk of a dataset store and its connectome, and report damage.

A store can look valid (its metadata opens) and still be damaged: a chunk file truncated or
overwritten (its decompression fails), a chunk file missing (zarr would silently return the
fill value, NaN, for it), an array's zarr.json damaged, or a ``connectome.npz`` truncated,
altered or deleted (the store records its size when it is saved). ``verify_dataset`` finds each of
these; ``check_dataset`` raises ``DamagedDatasetError`` with the same report, which is what
``neurocast bench`` does before it starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neurocast.connectome import Connectome
from neurocast.data._quality import TraceScan, TraceScanner
from neurocast.data._store import (
    CONNECTOME_ATTR,
    CONNECTOME_FILE,
    DAMAGE_HINT,
    DamagedDatasetError,
    _node_type,
    _quiet_extra_files,
    chunk_name,
    missing_chunks,
    open_arrays,
)
from neurocast.errors import FormatError

__all__ = ["DamagedDatasetError", "VerifyReport", "check_dataset", "missing_chunks", "verify_dataset"]


@dataclass(frozen=True)
class VerifyReport:
    """What ``verify_dataset`` found.

    path: the store; problems: one line per damaged part (empty = intact); n_chunks: chunks read;
    scan: NaN gaps and constant channels of the traces (None if the traces could not be read).
    """

    path: Path
    problems: list[str] = field(default_factory=list)
    n_chunks: int = 0
    scan: TraceScan | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def message(self) -> str:
        shown = "; ".join(self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        return f"dataset '{self.path}' is damaged: {shown}{more}"




def verify_dataset(path: str | os.PathLike, *, decode: bool = True) -> VerifyReport:
    """Read every chunk of every array of a dataset store, and its connectome; report damage.

    The traces' values are scanned on the way (NaN gaps, constant channels: ``report.scan``).
    decode=False: only check that every chunk file exists and the connectome loads (cheap:
    no chunk is read; decoding errors then surface when the data are read).
    Never raises for damage (it is reported); raises FormatError if ``path`` is not a store.
    """
    import zarr  # reading chunk by chunk needs the zarr API below xarray

    path = Path(path)
    if not (path / "zarr.json").is_file():
        raise FormatError(f"'{path}' is not a dataset store (no zarr.json)",
                          "give a dataset folder written by neurocast (record / data import)")
    if _node_type(path) == "array":
        raise FormatError(f"'{path}' is a single zarr array, not a dataset store",
                          f"if it holds (time, neuron) traces, import it: neurocast data import "
                          f"{path} OUT.zarr --format zapbench")
    problems: list[str] = []
    n_chunks = 0
    scan = None
    try:
        with _quiet_extra_files():
            group = zarr.open_group(path, mode="r", zarr_format=3, use_consolidated=False)
    except Exception as exc:  # any failure to open the metadata is damage
        return VerifyReport(path, [f"its metadata cannot be read ({type(exc).__name__}: {exc})"])
    arrays, problems = open_arrays(group, path)  # one by one: see open_arrays
    strict = bool(group.attrs.get("all_chunks_written", False))  # older stores skip fill-value chunks
    for name, arr in sorted(arrays.items()):
        grid = arr.cdata_shape
        scanner = TraceScanner(arr.shape[1]) if name == "traces" and arr.ndim == 2 else None
        broken = 0
        for index in np.ndindex(*grid):
            n_chunks += 1
            if strict and arr.size and not (path / name / chunk_name(index)).is_file():
                problems.append(f"{name}: chunk {chunk_name(index)} is missing")
                broken += 1
                continue
            if not decode:
                continue
            sel = tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(index, arr.chunks, arr.shape,
                                                                                  strict=True))
            try:
                block = arr[sel]
            except Exception as exc:  # codecs raise RuntimeError, ValueError, ...
                problems.append(f"{name}: chunk {chunk_name(index)} cannot be decoded ({type(exc).__name__})")
                broken += 1
                continue
            if scanner is not None and len(grid) == 2 and grid[1] == 1:
                scanner.add(block)
        if scanner is not None and not broken and grid[1] == 1:
            scan = scanner.result()
    problems += _connectome_problems(path, group.attrs.get(CONNECTOME_ATTR))
    return VerifyReport(path, problems, n_chunks, scan)


def _connectome_problems(path: Path, recorded) -> list[str]:
    """What is wrong with the store's connectome.npz: missing or of another size than the
    store recorded when it was saved (``CONNECTOME_ATTR``), or unreadable. Stores written
    before that record existed are only checked for a readable file, if there is one."""
    file = path / CONNECTOME_FILE
    size = recorded.get("n_bytes") if isinstance(recorded, dict) else None
    if not file.is_file():
        return ([f"{CONNECTOME_FILE} is missing (the store records one saved with it)"]
                if recorded else [])
    if isinstance(size, int) and file.stat().st_size != size:
        return [f"{CONNECTOME_FILE} was altered: {file.stat().st_size:,} bytes, the store "
                f"recorded {size:,} when it was saved"]
    try:
        Connectome.load(file)
    except Exception as exc:  # a truncated zip raises several kinds
        return [f"{CONNECTOME_FILE} cannot be read ({type(exc).__name__})"]
    return []


def check_dataset(path: str | os.PathLike, *, decode: bool = True) -> VerifyReport:
    """``verify_dataset``, raising DamagedDatasetError (the report as message) if anything is damaged."""
    report = verify_dataset(path, decode=decode)
    if not report.ok:
        raise DamagedDatasetError(report.message(), DAMAGE_HINT)
    return report
