"""The forecasting benchmark: metrics, evaluation, scorecards, plots and reports.

Public API::

    run_benchmark(ds, *, models=..., context=4, horizon=32, protocol=None, metrics=None,
                  out_dir=None, ...) -> BenchResult (scorecard, protocol, summary, files, timings)
    evaluate(model, traces, protocol, ...) -> {condition: WindowStats}
    METRICS, Metric, STATISTICS, Statistic, WindowStats   statistic → aggregation → metric
    write_statistics, read_statistics, merge_statistics    evaluate in shards, merge later
    build_scorecard, scorecard_protocol, summary_table, write_scorecard, read_scorecard
    plot_mae_curves, plot_heatmap, write_report
"""

from neurocast.bench._evaluate import batch_windows_for, evaluate
from neurocast.bench._metrics import METRICS, STATISTICS, Metric, Statistic, WindowStats, accumulate
from neurocast.bench._report import plot_heatmap, plot_mae_curves, write_report
from neurocast.bench._run import DEFAULT_MODELS, BenchResult, neuron_groups, run_benchmark
from neurocast.bench._scorecard import (
    build_scorecard,
    read_scorecard,
    scorecard_protocol,
    summary_table,
    write_scorecard,
)
from neurocast.bench._statistics import merge_statistics, read_statistics, write_statistics

__all__ = [
    "DEFAULT_MODELS",
    "METRICS",
    "STATISTICS",
    "BenchResult",
    "Metric",
    "Statistic",
    "WindowStats",
    "accumulate",
    "batch_windows_for",
    "build_scorecard",
    "evaluate",
    "merge_statistics",
    "neuron_groups",
    "plot_heatmap",
    "plot_mae_curves",
    "read_scorecard",
    "read_statistics",
    "run_benchmark",
    "scorecard_protocol",
    "summary_table",
    "write_report",
    "write_scorecard",
    "write_statistics",
]
