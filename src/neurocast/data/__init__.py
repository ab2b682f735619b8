"""Datasets: the shared xarray schema, zarr storage, real-data loaders, splits and windows.

A Dataset is an ``xarray.Dataset`` with ``traces`` (time, neuron) float32 ΔF/F,
``condition`` (time,) str, optional ``stimulus`` (time, covariate) float32 and
``spike_counts`` (time, neuron) uint16, coords ``time`` (s) and ``neuron`` (str), and attrs
``dt_s``, ``source``, ``protocol`` (default split protocol), ``indicator``, ``seed``,
``neurocast_version``, ``conditions``, ``heldout_conditions`` (and ``stimulus_plan`` for
synthetic recordings). See docs/datasets.md. Named datasets (``worm-default``, ...) live one
floor up, in ``neurocast.catalog``.

Public API::

    make_dataset(traces, *, dt_s, condition=None, neuron=None, ...) -> xarray.Dataset
    validate_dataset(ds, *, allow_nan=False)            raises FormatError / NonFiniteError
    orient_dataset(ds) -> ds with every variable's dims in the schema's order, by their names
    save_dataset(ds, path, *, connectome=None, overwrite=False, allow_nan=False) -> Path
    open_dataset(path, *, allow_nan=False) -> xarray.Dataset (lazy)
    dataset_connectome(path_or_ds) -> Connectome | None;  dataset_info(path_or_ds) -> dict
    trace_quality(path_or_ds) -> dict   dead channels, NaN and gaps (data info's, without the rest)
    attach_connectome(path, connectome, *, overwrite=False); check_connectome(ds, connectome);
    connectome_positions(ds, connectome) (each neuron's place in it, by name)
    verify_dataset(path) -> VerifyReport;  check_dataset(path) raises DamagedDatasetError
    scan_traces(traces) -> TraceScan (NaN gaps, constant channels);  unique_names(labels)
    LOADERS (registry of Loader), load_recording(path, format, **options) -> Dataset
    load_zapbench(path, ...), load_nwb(path, ...), load_matrix(path, *, dt_s, ...),
    load_suite2p(path, *, dt_s=None, all_rois=False, ...) -> Dataset
    Protocol, get_protocol, protocol_for_dataset, ZAPBENCH, PRESETS    splits (data.protocol)
    Segment, WindowMeta, segments_for                                  windows
    valid_windows(seg, bad_frames, breaks), finite_segments(segments, bad_frames, breaks),
    pause_breaks(time_s): windows that touch no NaN frame and cross no pause in acquisition
    as_str(values) (any string array as numpy str); check_stimulus_finite(ds)
    DEFAULT_CONTEXT, DEFAULT_HORIZON
    neurocast.data.plot.traces_heatmap(ds, path=None, ...) -> matplotlib Figure
    realism_stats(ds_or_name_or_array, *, dt_s=None, config=StatsConfig()) -> dict   (docs/realism.md)
    reference_table(), reference_ranges(group), reference_group(ds) (the default group: celegans
    or zebrafish), resolve_reference(spec, dataset=ds), compare_stats(stats, ref)
    STATISTICS, SCORED_STATISTICS, REFERENCE_GROUPS
    realism_plots(results, out_dir, group=...) -> (PNG paths, HTML section for the bench report)
"""

from neurocast.data._info import dataset_info, trace_quality
from neurocast.data._loading import (
    LOADERS,
    Loader,
    load_recording,
    pause_intervals,
    pause_summary,
    recording_format,
    unique_names,
)
from neurocast.data._matrix import load_matrix
from neurocast.data._nwb import load_nwb
from neurocast.data._orient import orient_dataset
from neurocast.data._quality import CONSTANT_ATOL, TraceScan, scan_traces
from neurocast.data._realism_plots import realism_plots
from neurocast.data._reference import (
    REFERENCE_GROUPS,
    SCORED_STATISTICS,
    compare_stats,
    reference_group,
    reference_ranges,
    reference_table,
    resolve_reference,
)
from neurocast.data._schema import (
    as_str,
    check_finite,
    check_stimulus_finite,
    condition_blocks,
    conditions_from_offsets,
    make_dataset,
    validate_dataset,
)
from neurocast.data._stats import (
    MIN_FRAMES,
    PC1_5_MIN_NEURONS,
    STATISTICS,
    StatsConfig,
    realism_stats,
    trace_stats,
)
from neurocast.data._store import (
    attach_connectome,
    check_connectome,
    connectome_positions,
    dataset_connectome,
    open_dataset,
    save_dataset,
)
from neurocast.data._suite2p import load_suite2p
from neurocast.data._verify import DamagedDatasetError, VerifyReport, check_dataset, verify_dataset
from neurocast.data._windows import (
    Segment,
    WindowMeta,
    finite_segments,
    pause_breaks,
    segments_for,
    valid_windows,
)
from neurocast.data._zapbench import load_zapbench
from neurocast.data.protocol import (
    DEFAULT_CONTEXT,
    DEFAULT_HORIZON,
    PRESETS,
    ZAPBENCH,
    Protocol,
    SplitRange,
    get_protocol,
    protocol_for_dataset,
)

LOADERS.register(Loader("zapbench", "ZAPBench's zarr array (t, f) of ΔF/F, read lazily", load_zapbench))
LOADERS.register(Loader("nwb", "an ophys RoiResponseSeries of an NWB 2.x file", load_nwb))
LOADERS.register(Loader("matrix", "a (time × neuron) matrix and its metadata: .npy, .npz, .mat, HDF5, "
                        "JSON, Excel, CSV/TSV/text, parquet/feather tables, xarray zarr stores",
                        load_matrix))
LOADERS.register(Loader("suite2p", "suite2p's plane folders: F − neucoeff·Fneu of the ROIs "
                        "classed as cells", load_suite2p))

__all__ = [
    "CONSTANT_ATOL",
    "DEFAULT_CONTEXT",
    "DEFAULT_HORIZON",
    "LOADERS",
    "MIN_FRAMES",
    "PC1_5_MIN_NEURONS",
    "PRESETS",
    "REFERENCE_GROUPS",
    "SCORED_STATISTICS",
    "STATISTICS",
    "ZAPBENCH",
    "DamagedDatasetError",
    "Loader",
    "Protocol",
    "Segment",
    "SplitRange",
    "StatsConfig",
    "TraceScan",
    "VerifyReport",
    "WindowMeta",
    "as_str",
    "attach_connectome",
    "check_connectome",
    "check_dataset",
    "check_finite",
    "check_stimulus_finite",
    "compare_stats",
    "condition_blocks",
    "conditions_from_offsets",
    "connectome_positions",
    "dataset_connectome",
    "dataset_info",
    "finite_segments",
    "get_protocol",
    "load_matrix",
    "load_nwb",
    "load_recording",
    "load_suite2p",
    "load_zapbench",
    "make_dataset",
    "open_dataset",
    "orient_dataset",
    "pause_breaks",
    "pause_intervals",
    "pause_summary",
    "protocol_for_dataset",
    "realism_plots",
    "realism_stats",
    "recording_format",
    "reference_group",
    "reference_ranges",
    "reference_table",
    "resolve_reference",
    "save_dataset",
    "scan_traces",
    "segments_for",
    "trace_quality",
    "trace_stats",
    "unique_names",
    "valid_windows",
    "validate_dataset",
    "verify_dataset",
]
