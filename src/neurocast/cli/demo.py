"""`neurocast demo`: record the built-in worm dataset (or reuse it), benchmark the baselines and a learned model.

The dataset ``worm-default`` (C. elegans Cook 2019 connectome simulated under the
worm-default stimulus plan, seed 0) is generated into the user cache on first use and
reused afterwards. Then the baselines and ZAPBench's linear model trained on MAE
(``linear-mae``, PyTorch) are fitted and scored under the dataset's protocol (ZAPBench's rules
on the worm's conditions), C = 4, H = 32.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from neurocast._cache import cache_dir
from neurocast._defaults import DEFAULT_CONTEXT, DEFAULT_HORIZON, DEMO_MODELS
from neurocast._files import check_output_folder, mark_output
from neurocast.bench import run_benchmark
from neurocast.catalog import open_dataset
from neurocast.cli._output import count, info, print_json, print_notes
from neurocast.cli.bench import format_summary
from neurocast.cli.data import announce_build
from neurocast.errors import NeurocastError


def scorecard_table(card) -> str:
    """MAE per model × condition (mean over steps) as aligned text; * marks held-out conditions."""
    mae = card["score"].sel(metric="mae").mean("steps_ahead")
    conds = card["condition"].values.tolist()
    held = card["heldout"].values.astype(bool).tolist()
    heads = [f"{c}*" if h else c for c, h in zip(conds, held, strict=True)]
    widths = [max(len(h), 6) for h in heads]
    mw = max(5, *(len(m) for m in card["model"].values.tolist()))
    lines = [f"{'MAE':<{mw}}  " + "  ".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True))]
    for m in card["model"].values.tolist():
        vals = [float(mae.sel(model=m, condition=c)) for c in conds]
        lines.append(f"{m:<{mw}}  " + "  ".join(f"{v:>{w}.4f}" for v, w in zip(vals, widths, strict=True)))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out) if args.out else cache_dir() / "demo"
    if not args.out and out.is_dir():  # the cache's own folder (older ones lack the mark)
        mark_output(out)
    check_output_folder(out, overwrite=args.overwrite or not args.out)  # before any recording
    t0 = time.perf_counter()
    name = args.dataset
    announce_build(name)
    ds = open_dataset(name, allow_nan=True)  # NaN traces: refused by run_benchmark, in CLI words
    t_data = time.perf_counter() - t0
    info(f"dataset {name}: {count(ds.sizes['neuron'], 'neuron')} × {count(ds.sizes['time'], 'frame')}, "
         f"conditions {', '.join(map(str, ds.attrs.get('conditions', [])))} ({t_data:.1f} s)")
    try:
        result = run_benchmark(ds, models=DEMO_MODELS, context=DEFAULT_CONTEXT,
                               horizon=DEFAULT_HORIZON, out_dir=out,
                               title=f"neurocast demo: {name}")
    except NeurocastError as exc:  # the demo has no --context/--horizon nor --nan to suggest
        if exc.hint and ("--context" in exc.hint or "--horizon" in exc.hint):
            raise type(exc)(exc.message, f"the demo always forecasts C = {DEFAULT_CONTEXT} → H = {DEFAULT_HORIZON} "
                                         f"frames: give a longer recording, or choose C and H with "
                                         f"neurocast bench {name} --context C --horizon H") from None
        if exc.hint and "--nan" in exc.hint and exc.message.startswith("the traces hold"):
            # NaN in the traces (the default policy refuses them; --nan is no help for covariates)
            raise type(exc)(exc.message, f"the demo takes no NaN: benchmark the recording with "
                                         f"neurocast bench {name} --nan skip-windows (leave out the "
                                         "windows that touch them) or --nan mask-neurons (leave out "
                                         "those neurons)") from None
        if exc.hint and "with --keep-constant" in exc.hint:  # every channel constant
            raise type(exc)(exc.message, exc.hint.replace(
                "with --keep-constant", f"with neurocast bench {name} --keep-constant")) from None
        raise
    wall = time.perf_counter() - t0
    # as bench does: what was left out and why (the demo has no --keep-constant to suggest)
    notes = [n.replace("with --keep-constant", f"with neurocast bench {name} --keep-constant")
             for n in result.notes]
    print_notes(notes)
    if args.json:
        print_json({"dataset": name, "summary": result.summary, "wall_s": wall, "data_s": t_data,
                    "report": str(result.files["report"]), "notes": notes})
        return 0
    print(scorecard_table(result.scorecard))
    print()
    print(format_summary(result.summary))
    print()
    print(f"report: {result.files['report']}")
    info(f"done in {wall:.1f} s")
    return 0
