"""The forecasting benchmark: metrics, evaluation, scorecards, plots and reports.

Public API::

    run_benchmark(ds, *, models=..., context=None, horizon=None, protocol=None, metrics=None,
                  out_dir=None, ...) -> BenchResult (scorecard, protocol, summary, files, timings)
        protocol: a preset name (context/horizon None: 4 and 32) or a Protocol object (its own)
    evaluate(model, traces, protocol, ...) -> {condition: WindowStats}
    evaluate_on_cluster(models, path, protocol, client=...)  the same, as Dask tasks (dask extra);
        check_cluster_run(path, mask=, cv_folds=) what of a run the Dask evaluation refuses
    METRICS, Metric, STATISTICS, Statistic, WindowStats   statistic → aggregation → metric
    write_statistics, read_statistics, merge_statistics    evaluate in shards, merge later
    build_scorecard, scorecard_protocol, summary_table, write_scorecard, read_scorecard
    stack_scorecards(cards, dim, values)   repeated runs as one scorecard with a new dimension
    run_wirings(ds, wirings=..., models=..., horizon=H) -> BenchResult   the wiring experiment:
        connectome models under each wiring control, scorecard with a ``wiring`` dimension
        (and ``seed`` with seeds=N); wiring_cells / wiring_table: the model × wiring table, mean ± 95 % CI
    plot_mae_curves, plot_heatmap, write_report
    ensemble_scores(members, traces, protocol) -> Dataset   seed ensembles: CRPS, spread/skill
    seed_interval(values) -> (mean, 95 % CI half-width) over seeds
    select_neurons(ds, nan, keep_constant, notes) -> (keep, bad_frames, left_out): the neurons
        fitted and scored (dead/constant channels, NaN policy), as run_benchmark chooses them
    recording_breaks(ds), split_windows_across(traces, protocol, breaks): the pauses in a
        recording's frame times, and the windows of each test condition that span one (left out)
    run_benchmark(..., seeds=N, device=, save_models=DIR, load_models=DIR): learned models per
    seed; the scorecard's ``score_by_seed``, ``score_ci``, training figures and ensemble scores
"""

from neurocast.bench._cluster import check_cluster_run, evaluate_on_cluster
from neurocast.bench._ensemble import ensemble_scores, seed_interval
from neurocast.bench._evaluate import batch_windows_for, evaluate, score_segment
from neurocast.bench._metrics import METRICS, STATISTICS, Metric, Statistic, WindowStats, accumulate
from neurocast.bench._neuron_selection import select_neurons
from neurocast.bench._pauses import recording_breaks, split_windows_across
from neurocast.bench._report import (
    image_tag,
    page_head,
    plot_heatmap,
    plot_mae_curves,
    provenance_rows,
    write_report,
)
from neurocast.bench._run import DEFAULT_MODELS, BenchResult, neuron_groups, run_benchmark
from neurocast.bench._scorecard import (
    SEED_KEYS,
    build_scorecard,
    format_cell,
    read_scorecard,
    scorecard_protocol,
    stack_scorecards,
    summary_table,
    write_scorecard,
)
from neurocast.bench._seeds import learned_names
from neurocast.bench._statistics import merge_statistics, read_statistics, write_statistics
from neurocast.bench._wiring import (
    flatten_wiring,
    run_wirings,
    wiring_cells,
    wiring_table,
    with_wiring,
)

__all__ = [
    "DEFAULT_MODELS",
    "METRICS",
    "SEED_KEYS",
    "STATISTICS",
    "BenchResult",
    "Metric",
    "Statistic",
    "WindowStats",
    "accumulate",
    "batch_windows_for",
    "build_scorecard",
    "check_cluster_run",
    "ensemble_scores",
    "evaluate",
    "evaluate_on_cluster",
    "flatten_wiring",
    "format_cell",
    "image_tag",
    "learned_names",
    "merge_statistics",
    "neuron_groups",
    "page_head",
    "plot_heatmap",
    "plot_mae_curves",
    "provenance_rows",
    "read_scorecard",
    "read_statistics",
    "recording_breaks",
    "run_benchmark",
    "run_wirings",
    "score_segment",
    "scorecard_protocol",
    "seed_interval",
    "select_neurons",
    "split_windows_across",
    "stack_scorecards",
    "summary_table",
    "wiring_cells",
    "wiring_table",
    "with_wiring",
    "write_report",
    "write_scorecard",
    "write_statistics",
]
