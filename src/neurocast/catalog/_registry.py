"""Named datasets: built-in ones (generated into the user cache on first use) and user datasets
found in ``cache_dir()/datasets``.

``DATASETS`` is the registry of built-ins (name -> ``BuiltinDataset``): one registration line
each in ``catalog/_builtin.py``; plug-in packages add theirs through the entry-point group
``neurocast.datasets``. ``resolve`` turns a name or a path into a store path, building a
missing built-in; ``open_dataset``, ``dataset_connectome`` and ``dataset_info`` accept names
as well as paths and hand the path to ``neurocast.data``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from neurocast import data
from neurocast._cache import cache_dir
from neurocast._files import atomic_path
from neurocast._registry import Registry, instance_of
from neurocast.errors import ConfigError, FormatError, unknown_name

__all__ = ["DATASETS", "BuiltinDataset", "dataset_connectome", "dataset_info", "dataset_path",
           "is_built", "list_datasets", "open_dataset", "resolve"]


@dataclass(frozen=True)
class BuiltinDataset:
    """A dataset neurocast can make on demand.

    name: registry name (also the store name in the cache: ``<cache>/datasets/<name>.zarr``).
    description: one line for ``neurocast data list``. source: where the data come from.
    build: ``build(path)`` writes the store at ``path`` (e.g. via ``neurocast.data.save_dataset``
    or ``neurocast.record.record_to``); called once, the result is cached.
    fingerprint: ``fingerprint() -> str``, what the build depends on (e.g. the stimulus plan and
    neurocast's version), kept beside the cached store (``<name>.fingerprint``); a store made
    under another fingerprint, or before fingerprints existed, is rebuilt on next use. None: a
    cached store is always reused. cost: what making it takes when that is long (e.g. "about
    10 min and 7.9 GB of memory on 2 cores"), said in the list and when it is made; "" if quick.
    """

    name: str
    description: str
    source: str
    build: Callable[[Path], object]
    fingerprint: Callable[[], str] | None = None
    cost: str = ""

    def __post_init__(self):
        if not self.name or os.sep in self.name or self.name.endswith(".zarr"):
            raise ConfigError(f"dataset name {self.name!r} must be a plain name",
                              "no path separators and no .zarr suffix, e.g. 'worm-default'")
        if not callable(self.build):
            raise ConfigError(f"dataset {self.name!r}: build must be callable build(path)")


#: name -> BuiltinDataset, in the order ``neurocast data list`` shows them.
DATASETS: Registry[BuiltinDataset] = Registry("dataset", group="neurocast.datasets",
                                              check=instance_of(BuiltinDataset))


def datasets_dir(*, create: bool = True) -> Path:
    """``cache_dir()/datasets``: built-in datasets once generated, and user datasets."""
    path = cache_dir() / "datasets"
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def _is_store(path: Path) -> bool:
    return path.is_dir() and ((path / "zarr.json").is_file() or (path / ".zgroup").is_file())


def _fingerprint_file(store: Path) -> Path:
    return store.with_suffix(".fingerprint")


def _is_current(entry: BuiltinDataset, store: Path) -> bool:
    """Whether the cached store of a built-in dataset exists and was built as the code builds it now."""
    if not _is_store(store):
        return False
    if entry.fingerprint is None:
        return True
    mark = _fingerprint_file(store)
    return mark.is_file() and mark.read_text().strip() == entry.fingerprint()


def _build(entry: BuiltinDataset, store: Path) -> None:
    """Build a built-in dataset into ``store`` (replacing an outdated one), then record its
    fingerprint: a build that fails leaves no fingerprint, so the next use builds again."""
    _fingerprint_file(store).unlink(missing_ok=True)
    entry.build(store)
    if entry.fingerprint is not None:
        with atomic_path(_fingerprint_file(store)) as tmp:
            tmp.write_text(entry.fingerprint() + "\n")


def user_datasets() -> dict[str, Path]:
    """Stores in the cache's datasets folder that are not built-in: name -> path."""
    return {p.stem: p for p in sorted(datasets_dir().glob("*.zarr"))
            if _is_store(p) and p.stem not in DATASETS}


def list_datasets() -> list[dict]:
    """Rows for ``neurocast data list``: name, kind (built-in/user), available, path, description."""
    rows = []
    for entry in DATASETS.values():
        path = dataset_path(entry.name)
        rows.append({"name": entry.name, "kind": "built-in", "available": _is_current(entry, path),
                     "path": str(path), "source": entry.source,
                     "description": entry.description + (f" ({entry.cost})" if entry.cost else "")})
    for name, path in user_datasets().items():
        rows.append({"name": name, "kind": "user", "available": True, "path": str(path),
                     "description": "", "source": ""})
    return rows


def dataset_path(name: str) -> Path:
    """Where the named dataset lives in the cache (whether or not it exists yet)."""
    return datasets_dir() / f"{name}.zarr"


def is_built(path_or_name: str | os.PathLike) -> bool:
    """False only for a built-in name whose store has not been generated yet, or is outdated."""
    text = os.fspath(path_or_name)
    return Path(text).exists() or text not in DATASETS or _is_current(DATASETS[text], dataset_path(text))


def resolve(path_or_name: str | os.PathLike, *, build: bool = True) -> Path:
    """A store path for a path or a dataset name; builds a missing built-in if ``build``.

    Raises FormatError for a path that does not exist, UnknownNameError (listing the known
    names) for an unknown name.
    """
    text = os.fspath(path_or_name)
    path = Path(text)
    if path.exists():
        return path
    if text in DATASETS:
        target = dataset_path(text)
        if build and not _is_current(DATASETS[text], target):
            _build(DATASETS[text], target)
        return target
    users = user_datasets()
    if text in users:
        return users[text]
    if os.sep in text or text.endswith(".zarr") or "." in text:
        raise FormatError(f"no dataset at '{text}'", "check the path, or see 'neurocast data list'")
    raise unknown_name("dataset", text, [*DATASETS, *users])


def open_dataset(path_or_name: str | os.PathLike, *, allow_nan: bool = False) -> xr.Dataset:
    """``neurocast.data.open_dataset`` for a path or a dataset name (built on first use)."""
    return data.open_dataset(resolve(path_or_name), allow_nan=allow_nan)


def dataset_connectome(path_or_name_or_ds):
    """The Connectome stored with a dataset (path, name or open Dataset), or None."""
    if not isinstance(path_or_name_or_ds, xr.Dataset):
        path_or_name_or_ds = resolve(path_or_name_or_ds)
    return data.dataset_connectome(path_or_name_or_ds)


def dataset_info(path_or_name_or_ds) -> dict:
    """``neurocast.data.dataset_info`` of a dataset given by path, name or open Dataset."""
    if not isinstance(path_or_name_or_ds, xr.Dataset):
        path_or_name_or_ds = resolve(path_or_name_or_ds)
    return data.dataset_info(path_or_name_or_ds)
