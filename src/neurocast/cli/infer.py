"""`neurocast infer DATASET`: infer connectivity from activity and score it against the true wiring."""

from __future__ import annotations

import argparse
from pathlib import Path

from neurocast.cli._output import info, print_json


def register(sub) -> None:
    p = sub.add_parser("infer", help="infer connectivity from a recording and score it against the true wiring")
    p.add_argument("dataset", metavar="DATASET", help="a dataset store path or name (see `neurocast data list`)")
    p.add_argument("--truth", default=None, metavar="CONNECTOME",
                   help="the true connectome (built-in name or file; default: the one stored with the dataset)")
    p.add_argument("--methods", default=None,
                   help="comma-separated methods (default: every method that applies; "
                        "pearson, partial, ridge, ridge-deconv, xcorr, challenge, ridge-sparse)")
    p.add_argument("--observed", type=float, default=1.0, metavar="FRACTION",
                   help="use a random share of the neurons, 0 < FRACTION <= 1 (default 1: all)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the observed subset and of the sample of non-edges (default 0)")
    p.add_argument("--out", default=None, help="output folder (default: ./infer-<dataset name>)")
    p.add_argument("--json", action="store_true", help="print the scores as one JSON object")
    p.set_defaults(func=run)


def format_summary(summary: dict, timings: dict) -> str:
    """One line per method: AUROC, AUPRC, precision@k, direction accuracy, wall time."""
    keys = ("auroc", "auprc", "auroc_exc", "auroc_inh", "precision_at_k", "direction_accuracy")
    mw = max(len("method"), *map(len, summary))
    lines = [f"{'method':<{mw}}  " + "  ".join(f"{k:>18}" for k in keys) + f"  {'wall_s':>7}"]
    for m, row in summary.items():
        cells = ["–" if row[k] is None else f"{row[k]:.4f}" for k in keys]
        lines.append(f"{m:<{mw}}  " + "  ".join(f"{c:>18}" for c in cells) + f"  {timings[m]:>7.2f}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from neurocast.cli.data import announce_build
    from neurocast.connectome import load_connectome
    from neurocast.data import open_dataset
    from neurocast.errors import ConfigError
    from neurocast.infer import parse_method_names, run_inference

    methods = parse_method_names(args.methods) if args.methods else None
    if args.seed < 0:
        raise ConfigError(f"--seed must be >= 0, not {args.seed}")
    announce_build(args.dataset)
    ds = open_dataset(args.dataset)
    truth = load_connectome(args.truth) if args.truth else None
    out = Path(args.out) if args.out else Path(f"infer-{Path(str(args.dataset)).stem}")
    info(f"inferring connectivity on {args.dataset} ({ds.sizes['neuron']:,} neurons × "
         f"{ds.sizes['time']:,} frames, {args.observed:.0%} observed)")
    result = run_inference(ds, truth=truth, methods=methods, out_dir=out, seed=args.seed,
                           observed=args.observed, keep_scores=True,
                           title=f"neurocast inference: {args.dataset}")
    card = result.scorecard
    if args.json:
        print_json({
            "dataset": str(args.dataset), "truth": card.attrs.get("truth", ""),
            "n_neurons": int(card.attrs["n_neurons"]), "n_frames": int(card.attrs["n_frames"]),
            "n_edges": int(card.attrs["n_edges"]), "observed": args.observed, "seed": args.seed,
            "methods": result.summary, "wall_s": result.timings,
            "files": {k: str(v) for k, v in result.files.items()},
        })
    else:
        print(format_summary(result.summary, result.timings))
        print(f"report: {result.files['report']}")
    return 0
