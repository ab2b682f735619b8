"""`neurocast protocol list | show [NAME] [--dataset D]`: the split protocols, their frame ranges
and windows (without NAME, the protocol bench uses for the dataset)."""

from __future__ import annotations

import argparse
import dataclasses

from neurocast.bench import recording_breaks, split_windows_across
from neurocast.catalog import open_dataset
from neurocast.cli._output import print_json, print_notes
from neurocast.data import PRESETS, get_protocol, pause_summary, protocol_for_dataset
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
    """The splits of a protocol, each with the windows bench uses: with a dataset whose frame
    times pause, the windows across a pause are left out of ``n_windows`` and counted in
    ``n_windows_across_pauses`` (as bench leaves them out; NaN frames, which depend on bench's
    --nan, are not looked at)."""
    fields = {"context": args.context, "horizon": args.horizon}
    if args.dataset is not None and args.frames is not None:
        raise ConfigError("--frames and --dataset both give the number of frames",
                          "leave out --frames (the dataset's own frames are shown), or --dataset")
    breaks = None
    if args.name is None and args.dataset is None:
        raise ConfigError("protocol show needs a protocol name or a dataset",
                          "e.g. neurocast protocol show zapbench, or neurocast protocol show "
                          "--dataset worm-default (the protocol bench uses for it)")
    if args.dataset is not None:
        ds = open_dataset(args.dataset, allow_nan=True)  # the traces are not read
        proto = protocol_for_dataset(ds, args.name, **fields)
        breaks = recording_breaks(ds)  # None without pauses in the frame times
    else:
        proto = get_protocol(args.name, frames=args.frames, **fields)
    rows = [r.as_dict() for r in proto.splits()]
    notes = proto.left_out()
    if breaks is not None:
        across = split_windows_across(ds["traces"], proto, breaks)
        for row, n in zip(rows, across, strict=True):
            row["n_windows"] -= n
            row["n_windows_across_pauses"] = n
        notes.append(f"{pause_summary(ds['time'].values)}: bench leaves out the {sum(across):,} "
                     "window(s) across them, not counted in n_windows")
    if args.json:
        print_json({"protocol": dataclasses.asdict(proto), "splits": rows, "notes": notes})
        return 0
    print_notes(notes)
    print(f"protocol {proto.name}: {proto.n_frames} frames, C = {proto.context}, H = {proto.horizon}, "
          f"padding {proto.padding}, held out: {', '.join(proto.heldout) or 'none'}")
    cw = max(len("condition"), *(len(r["condition"]) for r in rows))
    print(f"{'condition':<{cw}}  {'split':<5}  {'start':>6}  {'stop':>6}  {'n_windows':>9}")
    for r in rows:
        held = "  (held out)" if r["condition"] in proto.heldout else ""
        print(f"{r['condition']:<{cw}}  {r['split']:<5}  {r['start']:>6}  {r['stop']:>6}  "
              f"{r['n_windows']:>9}{_across(r, '  ')}{held}")
    tests = [r for r in rows if r["split"] == "test"]
    total = {"n_windows": sum(r["n_windows"] for r in tests),
             "n_windows_across_pauses": sum(r.get("n_windows_across_pauses", 0) for r in tests)}
    print(f"test sets: {len(tests)}, test windows: {total['n_windows']:,}{_across(total)}")
    return 0


def _across(row: dict, sep: str = " ") -> str:
    """sep + '(12 across pauses left out)' for a row with windows across pauses, else ''."""
    n = row.get("n_windows_across_pauses", 0)
    return f"{sep}({n:,} across pauses left out)" if n else ""
