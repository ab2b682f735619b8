"""`neurocast infer DATASET`: infer connectivity from activity and score it against the true wiring."""

from __future__ import annotations

import argparse
from pathlib import Path

from neurocast._files import check_output_folder
from neurocast.catalog import open_dataset
from neurocast.cli._output import (
    check_not_in_input,
    count,
    info,
    print_json,
    print_listing,
    print_notes,
)
from neurocast.cli._parser import LIST_MODELS
from neurocast.cli.connectome import load_option
from neurocast.cli.data import announce_build
from neurocast.errors import ConfigError
from neurocast.infer import METHODS, observed_subset, parse_method_names, run_inference


def format_summary(summary: dict, timings: dict) -> str:
    """One line per method: AUROC, AUPRC, precision@k, direction accuracy, wall time."""
    keys = ("auroc", "auprc", "auroc_exc", "auroc_inh", "precision_at_k", "direction_accuracy")
    mw = max(len("method"), *map(len, summary))
    lines = [f"{'method':<{mw}}  " + "  ".join(f"{k:>18}" for k in keys) + f"  {'wall_s':>7}"]
    for m, row in summary.items():
        cells = ["–" if row[k] is None else f"{row[k]:.4f}" for k in keys]
        lines.append(f"{m:<{mw}}  " + "  ".join(f"{c:>18}" for c in cells) + f"  {timings[m]:>7.2f}")
    return "\n".join(lines)


def format_header(dataset, ds, plan: dict) -> str:
    """The first line: the recording's size, how many neurons were left out, and how many of the
    rest are observed (what ran, not only the --observed asked: at least 2 are kept)."""
    head = (f"inferring connectivity on {dataset} ({count(ds.sizes['neuron'], 'neuron')} × "
            f"{count(ds.sizes['time'], 'frame')})")
    gone = plan["n_neurons"] - plan["n_usable"]
    if gone:
        head += f", {gone:,} left out (see the notes)"
    return f"{head}: {plan['observed_text']}"


def _list_methods(as_json: bool) -> int:
    """``--methods`` alone: every registered method (built-ins and plug-ins) with its summary."""
    rows = [{"name": name, "description": cls.summary} for name, cls in METHODS.items()]
    return print_listing("methods", rows, as_json)


def run(args: argparse.Namespace) -> int:
    if args.methods == LIST_MODELS:
        return _list_methods(args.json)
    if args.dataset is None:
        raise ConfigError("infer needs a dataset", "e.g. neurocast infer worm-default (see "
                          "neurocast data list), or neurocast infer --methods to list the methods")
    methods = parse_method_names(args.methods) if args.methods is not None else None  # '' refused
    observed_subset(2, args.observed)  # a bad --observed is refused before any message
    out = Path(args.out) if args.out else Path(f"infer-{Path(str(args.dataset)).stem}")
    check_not_in_input(out, args.dataset, "--out")
    check_output_folder(out, overwrite=True)  # rewrites its own output, never a folder of yours
    announce_build(args.dataset)
    ds = open_dataset(args.dataset, allow_nan=True)  # run_inference applies --nan
    truth = load_option(args.truth, "--truth", args)
    plan = {}

    def header(what: dict) -> None:  # once the neurons are chosen, before the methods run
        plan.update(what)
        info(format_header(args.dataset, ds, what))

    result = run_inference(ds, truth=truth, methods=methods, out_dir=out, seed=args.seed,
                           observed=args.observed, nan=args.nan, announce=header,
                           title=f"neurocast inference: {args.dataset}")
    print_notes(result.notes)
    card = result.scorecard
    if args.json:
        print_json({
            "dataset": str(args.dataset), "truth": card.attrs.get("truth", ""),
            "n_neurons": int(card.attrs["n_neurons"]), "n_frames": int(card.attrs["n_frames"]),
            "n_edges": int(card.attrs["n_edges"]), "n_usable": plan["n_usable"],
            "observed": plan["observed"], "observed_asked": args.observed, "seed": args.seed,
            "nan": args.nan, "notes": list(result.notes),
            "methods": result.summary, "wall_s": result.timings,
            "files": {k: str(v) for k, v in result.files.items()},
        })
    else:
        print(format_summary(result.summary, result.timings))
        print(f"report: {result.files['report']}")
    return 0
