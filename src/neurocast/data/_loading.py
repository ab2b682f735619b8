"""Real recordings into the shared Dataset schema: the loader registry and shared helpers.

``LOADERS`` maps a format name to a ``Loader``: a function ``load(path, **options) -> Dataset``
with a one-line description. Each built-in format lives in its own module (``_zapbench.py``,
``_nwb.py``, ``_matrix.py``) and is registered in ``data/__init__.py`` with one line; other
packages add formats through the entry-point group ``neurocast.loaders`` (the entry point names
a ``Loader``). Every loader returns a Dataset that passes ``validate_dataset``; NaN/inf in
traces raise NonFiniteError unless ``allow_nan=True`` (the caller then masks them explicitly).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from neurocast._registry import Registry
from neurocast.data._schema import conditions_from_offsets
from neurocast.errors import ConfigError, FormatError

__all__ = ["LOADERS", "Loader", "load_recording"]


@dataclass(frozen=True)
class Loader:
    """A recording format: ``load(path, **options)`` returns a Dataset in the shared schema.

    name: the format name (``neurocast data import --format NAME``). description: one line.
    The options a format accepts are the keyword parameters of ``load``.
    """

    name: str
    description: str
    load: Callable[..., xr.Dataset]

    @property
    def options(self) -> tuple[str, ...]:
        """Keyword options of ``load`` (everything after the path)."""
        params = list(inspect.signature(self.load).parameters.values())[1:]
        return tuple(p.name for p in params if p.kind is not p.VAR_KEYWORD)

    @property
    def required(self) -> tuple[str, ...]:
        """Keyword options ``load`` cannot do without (no default)."""
        params = list(inspect.signature(self.load).parameters.values())[1:]
        return tuple(p.name for p in params
                     if p.default is p.empty and p.kind is p.KEYWORD_ONLY)


#: format name -> Loader; plug-ins through the entry-point group ``neurocast.loaders``.
LOADERS: Registry[Loader] = Registry("recording format", group="neurocast.loaders")


def load_recording(path: str | os.PathLike, format: str, **options) -> xr.Dataset:
    """Read a recording with the loader of ``format``; options a format does not take raise ConfigError."""
    loader = LOADERS.get(format)
    extra = [k for k in options if k not in loader.options]
    if extra:
        raise ConfigError(f"format {format!r} does not take {', '.join(extra)}",
                          f"it takes: {', '.join(loader.options)}")
    missing = [k for k in loader.required if k not in options]
    if missing:
        flags = ", ".join(f"--{k.replace('_', '-')}" for k in missing)
        raise ConfigError(f"format {format!r} needs {flags} (in Python: {', '.join(missing)}=...)",
                          "plain matrices carry no timing: give the seconds per frame, e.g. --dt-s 0.5"
                          if missing == ["dt_s"] else f"give {flags}")
    return loader.load(path, **options)


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


def _neuron_names(names, n: int, what: str) -> np.ndarray | None:
    """Names from a sequence or a text file (one per line); checked against n columns."""
    if names is None:
        return None
    if isinstance(names, (str, os.PathLike)):
        file = Path(names)
        if not file.is_file():
            raise FormatError(f"neuron names file '{file}' not found", "give a text file, one name per line")
        names = [line.strip() for line in file.read_text().splitlines() if line.strip()]
    names = np.asarray(list(names)).astype(str)
    if names.size != n:
        raise FormatError(f"{what}: {names.size} neuron names for {n} trace columns",
                          "give exactly one name per column (neuron) of the matrix")
    return names
