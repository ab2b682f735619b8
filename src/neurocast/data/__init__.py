"""Datasets: the shared xarray schema, zarr storage, the registry, real-data loaders.

A Dataset is an ``xarray.Dataset`` with ``traces`` (time, neuron) float32 ΔF/F,
``condition`` (time,) str, optional ``stimulus`` (time, covariate) float32 and
``spike_counts`` (time, neuron) uint16, coords ``time`` (s) and ``neuron`` (str), and attrs
``dt_s``, ``source``, ``protocol``, ``indicator``, ``seed``, ``neurocast_version``,
``conditions``, ``heldout_conditions``. See docs/datasets.md.

Public API::

    make_dataset(traces, *, dt_s, condition=None, neuron=None, ...) -> xarray.Dataset
    validate_dataset(ds, *, allow_nan=False)            raises FormatError / NonFiniteError
    save_dataset(ds, path, *, connectome=None, overwrite=False, allow_nan=False) -> Path
    open_dataset(path_or_name, *, allow_nan=False) -> xarray.Dataset (lazy)
    dataset_connectome(path_or_name_or_ds) -> Connectome | None
    dataset_info(path_or_name_or_ds) -> dict
    list_datasets() -> list[dict];  DATASETS, BuiltinDataset, register_dataset
    load_zapbench(path, ...), load_nwb(path, ...), load_matrix(path, *, dt_s, ...) -> Dataset
    neurocast.data.plot.traces_heatmap(ds, path=None, ...) -> matplotlib Figure
    realism_stats(ds_or_name_or_array, *, dt_s=None, config=StatsConfig()) -> dict   (docs/realism.md)
    reference_table(), reference_ranges(group), resolve_reference(spec), compare_stats(stats, ref)
    STATISTICS, SCORED_STATISTICS, REFERENCE_GROUPS
"""

from neurocast.data._info import dataset_info
from neurocast.data._loaders import (
    ZAPBENCH_CONDITIONS,
    ZAPBENCH_DT_S,
    ZAPBENCH_HELDOUT,
    ZAPBENCH_OFFSETS,
    load_matrix,
    load_nwb,
    load_zapbench,
)
from neurocast.data._reference import (
    REFERENCE_GROUPS,
    SCORED_STATISTICS,
    compare_stats,
    reference_ranges,
    reference_table,
    resolve_reference,
)
from neurocast.data._registry import DATASETS, BuiltinDataset, list_datasets, register_dataset
from neurocast.data._schema import (
    check_finite,
    condition_blocks,
    conditions_from_offsets,
    make_dataset,
    validate_dataset,
)
from neurocast.data._stats import STATISTICS, StatsConfig, realism_stats, trace_stats
from neurocast.data._store import dataset_connectome, open_dataset, save_dataset

__all__ = [
    "DATASETS",
    "REFERENCE_GROUPS",
    "SCORED_STATISTICS",
    "STATISTICS",
    "ZAPBENCH_CONDITIONS",
    "ZAPBENCH_DT_S",
    "ZAPBENCH_HELDOUT",
    "ZAPBENCH_OFFSETS",
    "BuiltinDataset",
    "StatsConfig",
    "check_finite",
    "compare_stats",
    "condition_blocks",
    "conditions_from_offsets",
    "dataset_connectome",
    "dataset_info",
    "list_datasets",
    "load_matrix",
    "load_nwb",
    "load_zapbench",
    "make_dataset",
    "open_dataset",
    "realism_stats",
    "reference_ranges",
    "reference_table",
    "register_dataset",
    "resolve_reference",
    "save_dataset",
    "trace_stats",
    "validate_dataset",
]
