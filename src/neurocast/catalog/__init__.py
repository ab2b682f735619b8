"""The catalog of named datasets, the top floor under the command line.

Built-in datasets (``worm-default``, ``fly-zap``, ``hcp-rest``) are generated into the user
cache on first use; user datasets are the stores found in ``cache_dir()/datasets``. Functions
here accept a dataset name as well as a path.

Public API::

    open_dataset(path_or_name, *, allow_nan=False) -> xarray.Dataset (lazy)
    dataset_connectome(path_or_name_or_ds) -> Connectome | None
    dataset_info(path_or_name_or_ds) -> dict
    list_datasets() -> list[dict];  resolve(path_or_name) -> Path
    DATASETS (registry of BuiltinDataset);  load_hcp(subject=None) -> (Dataset, Connectome)
"""

from neurocast.catalog import _builtin  # noqa: F401  (registers the built-in datasets)
from neurocast.catalog._hcp import HCP_DATASET, HCP_TR_S, build_hcp, hcp_subjects, load_hcp
from neurocast.catalog._registry import (
    DATASETS,
    BuiltinDataset,
    dataset_connectome,
    dataset_info,
    dataset_path,
    is_built,
    list_datasets,
    open_dataset,
    resolve,
)

__all__ = [
    "DATASETS",
    "HCP_DATASET",
    "HCP_TR_S",
    "BuiltinDataset",
    "build_hcp",
    "dataset_connectome",
    "dataset_info",
    "dataset_path",
    "hcp_subjects",
    "is_built",
    "list_datasets",
    "load_hcp",
    "open_dataset",
    "resolve",
]
