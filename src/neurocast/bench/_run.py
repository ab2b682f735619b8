"""run_benchmark: fit forecasters, score them on every test set, write the scorecard and report."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neurocast._defaults import DEFAULT_MODELS
from neurocast.bench._evaluate import evaluate
from neurocast.bench._metrics import METRICS
from neurocast.bench._report import plot_heatmap, plot_mae_curves, write_report
from neurocast.bench._scorecard import build_scorecard, summary_table, write_scorecard
from neurocast.bench._statistics import write_statistics
from neurocast.data import (
    DEFAULT_CONTEXT,
    DEFAULT_HORIZON,
    Protocol,
    dataset_connectome,
    protocol_for_dataset,
    segments_for,
)
from neurocast.errors import ConfigError, FormatError, NeurocastError
from neurocast.models import Forecaster, get_model, parse_model_names

__all__ = ["DEFAULT_MODELS", "BenchResult", "neuron_groups", "run_benchmark"]

@dataclass(frozen=True)
class BenchResult:
    """What ``run_benchmark`` produced.

    scorecard: the xarray scorecard; protocol: the forecasting protocol it was scored under;
    summary: headline numbers per model (``summary_table``); files: written files by kind;
    timings: {model: {"fit_s", "evaluate_s"}} in seconds.
    """

    scorecard: object
    protocol: Protocol
    summary: dict
    files: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, dict[str, float]] = field(default_factory=dict)


def neuron_groups(ds, column: str, connectome=None):
    """Group index per neuron from a connectome neuron-table column or a dataset coordinate.

    Returns (groups int64 (neuron,), group names). Neurons are matched to the connectome by
    name. Raises FormatError if the column is missing or a neuron is not in the connectome.
    """
    if column in ds.coords and ds[column].dims == ("neuron",):
        labels = np.asarray(ds[column].values).astype(str)
    else:
        if connectome is None:
            connectome = dataset_connectome(ds)
        if connectome is None:
            raise FormatError(f"cannot group neurons by {column!r}: the dataset has no such coordinate "
                              "and no connectome", "attach the connectome, or drop --group-by")
        table = connectome.neurons
        if column not in table.columns:
            raise FormatError(f"the connectome's neuron table has no column {column!r}",
                              f"choose one of: {', '.join(map(str, table.columns))}")
        by_name = dict(zip(table["name"].astype(str), table[column].astype(str), strict=True))
        names = np.asarray(ds["neuron"].values).astype(str)
        missing = [n for n in names if n not in by_name]
        if missing:
            raise FormatError(f"{len(missing)} dataset neuron(s) are not in the connectome, e.g. {missing[:3]}",
                              "attach the connectome the recording was made from")
        labels = np.array([by_name[n] for n in names])
    group_names, groups = np.unique(labels, return_inverse=True)
    return groups.astype(np.int64), tuple(str(g) for g in group_names)


def _output_folder(out_dir, *, create: bool) -> Path:
    """The output folder: checked (a folder, or creatable), and made if ``create``.

    Raises ConfigError if it is a file or cannot be created (checked without creating
    anything, so that bad input found later leaves no empty folder behind).
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"output folder '{out}' is a file", "choose a folder with --out")
    existing = next(p for p in (out, *out.parents) if p.exists() or p == Path(p.anchor))
    if not (existing.is_dir() and os.access(existing, os.W_OK | os.X_OK)):
        raise ConfigError(f"cannot create output folder '{out}': '{existing}' is not a writable folder",
                          "choose a writable folder with --out")
    if create:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create output folder '{out}': {exc.strerror}",
                              "choose a writable folder with --out") from None
    return out


def run_benchmark(ds, *, models=DEFAULT_MODELS, context: int = DEFAULT_CONTEXT,
                  horizon: int = DEFAULT_HORIZON, protocol: str | None = None, metrics=None,
                  out_dir=None, title: str | None = None, mask=None, group_by: str | None = None,
                  connectome=None, batch_windows: int | None = None) -> BenchResult:
    """Fit every model on the train split, score it on every test set, build the scorecard.

    ds: a Dataset in the shared schema (in memory or lazily opened). models: registry names
    ('a,b,c' or a list), or unfitted Forecaster instances (scored under their ``name``).
    protocol: a preset name ('zapbench', 'conditions', 'single') or None (the dataset's own
    ``protocol`` attr, else conditions if the dataset has several, else single).
    metrics: names in METRICS (default: every registered metric). out_dir: if given, write
    scorecard.nc/.csv, statistics.nc, mae_curves.png, heatmap.png and report.html there
    (atomically). mask: optional (time, neuron) bool. group_by: also score neuron groups: a
    column of the connectome's neuron table (e.g. 'type') or a dataset coordinate along
    ``neuron``; ``connectome`` defaults to the dataset's own.
    Raises ConfigError / FormatError / UnknownNameError for bad input (see the protocol).
    """
    if isinstance(models, str):
        models = parse_model_names(models)
    given = {m.name: m for m in models if isinstance(m, Forecaster)}
    named = [m for m in models if not isinstance(m, Forecaster)]
    names = [*(parse_model_names(named) if named else []), *given]
    if len(names) != len(set(names)):
        raise NeurocastError(f"model names repeat: {names}", "give every forecaster a distinct name")
    if not names:
        raise NeurocastError("no models to run", "pass --models naive,mean,...")
    metrics = list(METRICS) if metrics is None else [METRICS.get(m).name for m in metrics]
    statistics = list(dict.fromkeys(s for m in metrics for s in METRICS[m].statistics))
    for m in given.values():
        if getattr(m, "horizon", horizon) != horizon:
            raise ConfigError(f"model {m.name!r} forecasts {m.horizon} frames, the benchmark scores {horizon}",
                              f"build it with horizon={horizon}")
    proto = protocol_for_dataset(ds, protocol, context=context, horizon=horizon)
    proto.splits()  # raises now if the horizon does not fit a split, not after fitting
    if out_dir is not None:
        _output_folder(out_dir, create=False)  # before the (long) fitting
    if "traces" not in ds:
        raise NeurocastError("the dataset has no 'traces' variable", "give a dataset in the neurocast schema")
    traces = ds["traces"]
    stimulus = ds["stimulus"] if "stimulus" in ds else None
    groups, group_names = (None, ("all",)) if group_by is None else neuron_groups(ds, group_by, connectome)
    train = segments_for(traces, proto, "train", stimulus=stimulus)
    val = segments_for(traces, proto, "val", stimulus=stimulus)
    results, timings, fitted = {}, {}, {}
    for name in names:
        model = given[name] if name in given else get_model(name, horizon=horizon)
        t0 = time.perf_counter()
        model.fit(train, val)
        t1 = time.perf_counter()
        results[name] = evaluate(model, traces, proto, stimulus=stimulus, mask=mask, groups=groups,
                                 group_names=group_names, statistics=statistics,
                                 batch_windows=batch_windows)
        t2 = time.perf_counter()
        timings[name] = {"fit_s": t1 - t0, "evaluate_s": t2 - t1}
        fitted[name] = {"config": model.config(), "fitted": model.fitted}
    attrs = {
        "dataset_source": str(ds.attrs.get("source", "")),
        "dataset_path": str(ds.encoding.get("neurocast_path", "")),
        "dataset_seed": int(ds.attrs.get("seed", -1)),
        "dataset_version": str(ds.attrs.get("neurocast_version", "")),
        "n_neurons": int(ds.sizes["neuron"]),
        "n_frames": int(ds.sizes["time"]),
        "models": fitted,
        "group_by": group_by or "",
    }
    card = build_scorecard(results, proto, metrics=metrics, timings=timings, attrs=attrs)
    files: dict[str, Path] = {}
    if out_dir is not None:
        out = _output_folder(out_dir, create=True)
        files.update(write_scorecard(card, out))
        files["statistics"] = write_statistics(results, proto, out / "statistics.nc")
        files["mae_curves"] = plot_mae_curves(card, out / "mae_curves.png")
        files["heatmap"] = plot_heatmap(card, out / "heatmap.png")
        images = {"MAE vs steps ahead": files["mae_curves"], "MAE heatmap": files["heatmap"]}
        label = title or f"neurocast benchmark: {ds.attrs.get('source', '') or 'dataset'}"
        files["report"] = write_report(card, out / "report.html", images, title=label)
    return BenchResult(card, proto, summary_table(card), files, timings)
