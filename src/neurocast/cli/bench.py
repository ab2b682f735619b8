"""`neurocast bench DATASET`: fit the baselines, score every test set, write scorecard and report."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
from pathlib import Path

import numpy as np

from neurocast._dask import dask_client
from neurocast._defaults import DEFAULT_MODELS
from neurocast._files import check_output_folder
from neurocast._memory import format_bytes
from neurocast.bench import (
    SEED_KEYS,
    check_cluster_run,
    flatten_wiring,
    format_cell,
    learned_names,
    run_benchmark,
    run_wirings,
    select_neurons,
    wiring_cells,
)
from neurocast.catalog import open_dataset, resolve
from neurocast.cli._output import (
    check_not_in_input,
    check_workers,
    count,
    info,
    print_json,
    print_listing,
    print_notes,
    split_list,
)
from neurocast.cli._parser import LIST_MODELS
from neurocast.cli.data import announce_build
from neurocast.data import check_dataset
from neurocast.errors import ConfigError, NeurocastError
from neurocast.models import MODELS, parse_model_names


def format_summary(summary: dict) -> str:
    """The summary table as aligned text (one row per model; seed and ensemble columns are in
    ``format_seeds``)."""
    keys = [k for k in next(iter(summary.values())) if k not in SEED_KEYS]
    mw = max(len("model"), *map(len, summary))
    lines = [f"{'model':<{mw}}  " + "  ".join(f"{k:>11}" for k in keys)]
    for m, row in summary.items():
        cells = ["–" if row[k] is None else f"{row[k]:.4g}" for k in keys]
        lines.append(f"{m:<{mw}}  " + "  ".join(f"{c:>11}" for c in cells))
    return "\n".join(lines)


def format_seconds(s: float) -> str:
    """A duration in s: one decimal from 1 s on, two significant digits below (0.032, not 0.0)."""
    return f"{s:.1f}" if s >= 0.95 else f"{s:.2g}"


def training_table(card) -> dict:
    """Per learned model (and wiring control, as ``NAME:WIRING``): seeds, mean training wall time
    per seed (s), mean epochs, parameters."""
    if "train_s" not in card:
        return {}
    card = flatten_wiring(card)
    out = {}
    for m in card["model"].values.tolist():
        train_s = card["train_s"].sel(model=m).values
        if not np.isfinite(train_s).any():
            continue
        out[m] = {"n_seeds": int(card["n_seeds"].sel(model=m)),
                  "train_s": [float(v) for v in train_s[np.isfinite(train_s)]],
                  "epochs": [float(v) for v in card["epochs"].sel(model=m).values if np.isfinite(v)],
                  "n_parameters": int(card["n_parameters"].sel(model=m))}
    return out


def format_seeds(summary: dict, card) -> str | None:
    """Learned models over seeds: MAE mean ± 95 % CI, ensemble CRPS and spread/skill, training
    time, epochs, parameters (None without learned models)."""
    training = training_table(card)
    if not training:
        return None
    mw = max(len("model"), *map(len, training))
    cols = ["seeds", "mae", "mae_heldout", "crps", "crps_heldout", "spread/skill", "train_s/seed",
            "epochs", "parameters"]
    widths = [5, 19, 19, 7, 12, 12, 12, 7, 10]
    lines = [f"{'model':<{mw}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(cols, widths, strict=True))]
    for m, t in training.items():
        row = summary[m]
        cells = [str(t["n_seeds"]), format_cell(row["mae"], row.get("mae_ci")),
                 format_cell(row["mae_heldout"], row.get("mae_heldout_ci")),
                 format_cell(row.get("crps"), None), format_cell(row.get("crps_heldout"), None),
                 format_cell(row.get("spread_skill"), None), format_seconds(float(np.mean(t['train_s']))),
                 f"{np.mean(t['epochs']):.1f}", f"{t['n_parameters']:,}"]
        lines.append(f"{m:<{mw}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))
    lines.append("mean over seeds ± 95 % CI (Student's t); crps, spread/skill: the seeds as an ensemble; "
                 "baselines are deterministic and run once")
    return "\n".join(lines)


def _column(key) -> str:
    group, step = key
    return f"{group} {'mean' if step == 'mean' else f'step {step}'}"


def format_wiring(card) -> str:
    """The model × wiring MAE table (``wiring_cells``) as aligned text: mean ± 95 % CI over seeds."""
    cells = wiring_cells(card)
    rows = [(m, w, [format_cell(*row[c][:2]) for c in row]) for m, by_w in cells.items() for w, row in by_w.items()]
    heads = [_column(c) for c in next(iter(next(iter(cells.values())).values()))]
    mw = max(len("model"), *(len(r[0]) for r in rows))
    ww = max(len("wiring"), *(len(r[1]) for r in rows))
    cw = [max(len(h), *(len(r[2][k]) for r in rows)) for k, h in enumerate(heads)]
    lines = [f"{'model':<{mw}}  {'wiring':<{ww}}  " + "  ".join(f"{h:>{w}}" for h, w in zip(heads, cw, strict=True))]
    lines += [f"{m:<{mw}}  {w:<{ww}}  " + "  ".join(f"{c:>{x}}" for c, x in zip(vals, cw, strict=True))
              for m, w, vals in rows]
    if "score_by_seed" in card and int(card.sizes.get("seed", 1)) > 1:
        lines.append("MAE, mean over seeds ± 95 % CI (Student's t); one value: a deterministic model, run once")
    return "\n".join(lines)


def _wiring_json(card) -> dict:
    """{model: {wiring: {column: {"mean", "ci95", "n_seeds"}}}} of ``wiring_cells`` (None for NaN)."""
    def num(v):
        return v if math.isfinite(v) else None

    return {m: {w: {_column(c): {"mean": num(v[0]), "ci95": num(v[1]), "n_seeds": v[2]} for c, v in row.items()}
                for w, row in by_w.items()} for m, by_w in wiring_cells(card).items()}


def _group_summary(card) -> dict | None:
    """MAE per model and neuron group (mean over training conditions and steps), or None."""
    if "score_by_group" not in card:
        return None
    card = flatten_wiring(card)
    held = card["heldout"].values.astype(bool)
    mae = card["score_by_group"].sel(metric="mae").isel(condition=~held).mean(("condition", "steps_ahead"))
    def value(m, g):  # None where every window of the group was masked out (valid JSON)
        v = float(mae.sel(model=m, group=g))
        return v if math.isfinite(v) else None

    return {m: {g: value(m, g) for g in card["group"].values.tolist()}
            for m in card["model"].values.tolist()}


def _list_models(as_json: bool) -> int:
    """``--models`` alone: every registered forecaster (built-ins and plug-ins) with its description."""
    rows = [{"name": name, "description": cls.description} for name, cls in MODELS.items()]
    return print_listing("models", rows, as_json)


def run(args: argparse.Namespace) -> int:
    if args.models == LIST_MODELS:
        return _list_models(args.json)
    if args.dataset is None:
        raise ConfigError("bench needs a dataset", "e.g. neurocast bench worm-default "
                          "(see neurocast data list), or neurocast bench --models to list the models")
    models = parse_model_names(args.models) if args.models is not None else list(DEFAULT_MODELS)
    metrics = list(dict.fromkeys(split_list(args.metrics))) if args.metrics is not None else None
    if metrics is not None and not metrics:
        raise ConfigError("--metrics names no metric", "e.g. --metrics mae,mse")
    out = Path(args.out) if args.out else Path(f"bench-{Path(args.dataset).stem}")
    check_not_in_input(out, args.dataset, "--out")
    announce_build(args.dataset)
    store = resolve(args.dataset)
    check_dataset(store, decode=False)  # missing chunks, a damaged connectome: verify's message
    ds = _open(args, store)
    check_output_folder(out, overwrite=args.overwrite)  # --overwrite: only a folder neurocast wrote
    info(f"benchmarking {', '.join(models)} on {args.dataset} "
         f"({count(ds.sizes['neuron'], 'neuron')} × {count(ds.sizes['time'], 'frame')}, "
         f"{format_bytes(4 * ds.sizes['neuron'] * ds.sizes['time'])} of traces), C = {args.context}, "
         f"H = {args.horizon}")
    if args.folds > ds.sizes["time"]:  # each fold needs frames of its own (and a list of folds is built)
        raise ConfigError(f"--folds {args.folds:,} is more than the {ds.sizes['time']:,} frames of {args.dataset}",
                          "e.g. --folds 5")
    learned = [] if args.load_models else learned_names(models)
    if learned:  # the long part: say it before it starts
        limit = f"up to {args.max_steps:,} steps per seed" if args.max_steps else "each to early stopping"
        info(f"to train: {', '.join(learned)}, {args.seeds} seed(s) each, {limit}")
    with _damage_reported(store):
        result = _run(ds, models, metrics, out, args)
    print_notes(result.notes)
    _print(result, args)
    return 0


def _open(args, store):
    """The dataset, opened lazily. Under --nan raise its NaN/inf are refused here, before any
    work (and before a Dask cluster starts), as ``run_benchmark`` refuses them: the dead
    channels (NaN throughout) left out first like any constant channel (not with
    --keep-constant), the message names the neurons and frames of the NaN left. Under --nan
    skip-windows with --keep-constant on a Dask cluster, dead channels kept (which leave no
    window) are refused here too, before the cluster starts (without a cluster
    ``run_benchmark`` refuses them before any work)."""
    ds = open_dataset(args.dataset, allow_nan=True)
    on_cluster = bool(args.dask or args.scheduler)
    if args.nan == "raise" or (args.nan == "skip-windows" and args.keep_constant and on_cluster):
        with _damage_reported(store):
            select_neurons(ds, args.nan, args.keep_constant, [])
    return ds


@contextlib.contextmanager
def _damage_reported(store):
    """Reading the store: a chunk that cannot be decoded surfaces as some library's exception;
    report it as ``data verify`` does (DamagedDatasetError), else let the exception go on."""
    try:
        yield
    except NeurocastError:
        raise
    except Exception:
        check_dataset(store)
        raise


def _run(ds, models, metrics, out, args):
    kwargs = dict(models=models, context=args.context, horizon=args.horizon, protocol=args.protocol,
                  metrics=metrics, out_dir=out, group_by=args.group_by,
                  title=f"neurocast benchmark: {args.dataset}", nan=args.nan,
                  keep_constant=args.keep_constant, cv_folds=args.folds,
                  heldout_neurons=args.heldout_neurons, neuron_seed=args.neuron_seed,
                  realism=not args.no_realism,
                  seeds=args.seeds, device=args.device, max_steps=args.max_steps,
                  save_models=args.save_models, load_models=args.load_models)
    if not (args.dask or args.scheduler):
        for flag, value in (("--chunk-windows", args.chunk_windows), ("--workers", args.workers)):
            if value is not None:
                raise ConfigError(f"{flag} goes with --dask or --scheduler",
                                  "add --dask (a local cluster) or --scheduler ADDRESS")
    if args.wiring is not None:
        if args.dask or args.scheduler:
            raise ConfigError("--wiring runs on this machine only", "leave out --dask / --scheduler")
        return run_wirings(ds, wirings=split_list(args.wiring), **kwargs)
    if not (args.dask or args.scheduler):
        return run_benchmark(ds, **kwargs)
    workers = 2 if args.workers is None else args.workers
    check_workers(workers, args.scheduler)
    check_cluster_run(ds.encoding.get("neurocast_path"), cv_folds=args.folds)  # before the cluster
    if args.chunk_windows is not None and args.chunk_windows < 1:
        raise ConfigError(f"--chunk-windows must be >= 1, got {args.chunk_windows}", "e.g. --chunk-windows 64")
    info(f"scoring the test windows on {args.scheduler or 'a local Dask cluster of ' + count(workers, 'worker')}")
    with dask_client(args.scheduler, n_workers=workers) as client:
        return run_benchmark(ds, client=client, chunk_windows=args.chunk_windows, **kwargs)


def _print(result, args) -> None:
    if args.json:
        print_json({
            "dataset": args.dataset, "protocol": dataclasses.asdict(result.protocol),
            "context": args.context, "horizon": args.horizon, "summary": result.summary,
            "timings": result.timings, "by_group": _group_summary(result.scorecard),
            "seeds": args.seeds, "folds": args.folds, "training": training_table(result.scorecard),
            "files": {k: str(v) for k, v in result.files.items()},
            "notes": list(result.notes), "nan": args.nan,
            **({"wiring": _wiring_json(result.scorecard)} if "wiring" in result.scorecard.dims else {}),
            "n_windows_skipped": dict(zip(result.scorecard["condition"].values.tolist(),
                                          result.scorecard["n_windows_skipped"].values.tolist(), strict=True)),
        })
    elif "wiring" in result.scorecard.dims:
        print(format_wiring(result.scorecard))
        print(f"report: {result.files['report']}")
    else:
        print(format_summary(result.summary))
        seeds = format_seeds(result.summary, result.scorecard)
        if seeds:
            print(seeds)
        groups = _group_summary(result.scorecard)
        if groups:
            print(f"MAE by {args.group_by} (training conditions):")
            for m, row in groups.items():
                print(f"  {m:<10} " + "  ".join(f"{g} {'–' if v is None else f'{v:.4g}'}"
                                                for g, v in row.items()))
        print(f"report: {result.files['report']}")
