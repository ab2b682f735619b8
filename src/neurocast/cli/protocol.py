"""`neurocast protocol list | show NAME`: the split protocols, their frame ranges and windows."""

from __future__ import annotations

import argparse
import dataclasses

from neurocast.catalog import open_dataset
from neurocast.cli._output import info, print_json
from neurocast.data import PRESETS, get_protocol, protocol_for_dataset
from neurocast.errors import ConfigError


def run(args: argparse.Namespace) -> int:
    return {"list": _list, "show": _show}[args.action](args)


def _list(args: argparse.Namespace) -> int:
    if args.json:
        print_json({"protocols": [{"name": k, "description": v} for k, v in PRESETS.items()]})
    else:
        width = max(map(len, PRESETS))
        for k, v in PRESETS.items():
            print(f"{k:<{width}}  {v}")
    return 0


def _show(args: argparse.Namespace) -> int:
    fields = {"context": args.context, "horizon": args.horizon}
    if args.dataset is not None and args.frames is not None:
        raise ConfigError("--frames and --dataset both give the number of frames",
                          "leave out --frames (the dataset's own frames are shown), or --dataset")
    if args.dataset is not None:
        ds = open_dataset(args.dataset, allow_nan=True)  # the traces are not read
        proto = protocol_for_dataset(ds, args.name, **fields)
    else:
        proto = get_protocol(args.name, frames=args.frames, **fields)
    rows = [r.as_dict() for r in proto.splits()]
    if args.json:
        print_json({"protocol": dataclasses.asdict(proto), "splits": rows,
                    "notes": proto.left_out()})
        return 0
    for note in proto.left_out():
        info(f"note: {note}")
    print(f"protocol {proto.name}: {proto.n_frames} frames, C = {proto.context}, H = {proto.horizon}, "
          f"padding {proto.padding}, held out: {', '.join(proto.heldout) or 'none'}")
    cw = max(len("condition"), *(len(r["condition"]) for r in rows))
    print(f"{'condition':<{cw}}  {'split':<5}  {'start':>6}  {'stop':>6}  {'n_windows':>9}")
    for r in rows:
        held = "  (held out)" if r["condition"] in proto.heldout else ""
        print(f"{r['condition']:<{cw}}  {r['split']:<5}  {r['start']:>6}  {r['stop']:>6}  "
              f"{r['n_windows']:>9}{held}")
    tests = [r for r in rows if r["split"] == "test"]
    print(f"test sets: {len(tests)}, test windows: {sum(r['n_windows'] for r in tests):,}")
    return 0
