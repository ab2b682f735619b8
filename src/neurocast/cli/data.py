"""`neurocast data list | info | import | plot`."""

from __future__ import annotations

import argparse

from neurocast.catalog import (
    DATASETS,
    dataset_info,
    dataset_path,
    is_built,
    list_datasets,
    open_dataset,
)
from neurocast.cli._output import info, print_json, split_list
from neurocast.data import load_recording, save_dataset
from neurocast.data.plot import traces_heatmap, traces_with_spikes
from neurocast.errors import ConfigError


def run(args: argparse.Namespace) -> int:
    return {"list": _list, "info": _info, "import": _import, "plot": _plot}[args.action](args)


def _list(args: argparse.Namespace) -> int:
    rows = list_datasets()
    if args.json:
        print_json({"datasets": rows})
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        state = "cached" if r["available"] else "not generated yet"
        text = r["description"] or r["path"]
        print(f"{r['name']:<{width}}  {r['kind']:<8}  {state:<17}  {text}")
    return 0


def format_info(s: dict) -> str:
    """A dataset summary as aligned human-readable lines."""
    lines = [
        f"dataset      {s['name'] or '(in memory)'}  {s['path'] or ''}".rstrip(),
        f"shape        {s['n_frames']:,} frames × {s['n_neurons']:,} neurons",
        f"sampling     dt_s {s['dt_s']:g} s ({s['sampling_hz']:.4g} Hz), duration {s['duration_s']:.1f} s "
        f"({s['duration_s'] / 60:.1f} min)",
        f"source       {s['source']}",
        f"protocol     {s['protocol'] or '-'}   stimulus plan {s['stimulus_plan'] or '-'}   "
        f"indicator {s['indicator'] or '-'}   seed {s['seed']}",
        f"variables    {', '.join(s['variables'])}",
    ]
    if s["covariates"]:
        lines.append(f"covariates   {', '.join(s['covariates'])}")
    con = s["connectome"]
    lines.append("connectome   " + (f"{con['name']} ({con['n_neurons']:,} neurons, "
                                    f"{con['n_connections']:,} connections)" if con else "none attached"))
    lines.append("conditions")
    held = set(s["heldout_conditions"])
    for c in s["conditions"]:
        mark = "  (held out)" if c["name"] in held else ""
        lines.append(f"  {c['name']:<14} frames {c['start_frame']:>6}..{c['stop_frame'] - 1:<6} "
                     f"({c['n_frames']:,} frames, from {c['start_s']:.1f} s){mark}")
    return "\n".join(lines)


def announce_build(name: str) -> None:
    """Tell the person when a built-in dataset is about to be generated (first use)."""
    if not is_built(name) and name in DATASETS:
        info(f"making built-in dataset '{name}' (first use; cached in {dataset_path(name)})")


def _info(args: argparse.Namespace) -> int:
    announce_build(args.dataset)
    s = dataset_info(args.dataset)
    if args.json:
        print_json(s)
    else:
        print(format_info(s))
    return 0


def _parse_conditions(text: str | None):
    if text is None:
        return None, None
    if ":" not in text:
        raise ConfigError(f"--conditions {text!r} has no ':' between offsets and names",
                          "write e.g. --conditions 0,600,1200:rest,stim")
    left, right = text.split(":", 1)
    try:
        offsets = [int(x) for x in split_list(left)]
    except ValueError:
        raise ConfigError(f"--conditions offsets {left!r} are not integers",
                          "write e.g. --conditions 0,600,1200:rest,stim") from None
    return offsets, split_list(right)


def _import(args: argparse.Namespace) -> int:
    offsets, names = _parse_conditions(args.conditions)
    given = {  # CLI flag -> loader option; only the flags the person used are passed on
        "dt_s": args.dt_s, "neuron_names": args.names, "key": args.key, "series": args.series,
        "transpose": args.transpose or None, "condition_offsets": offsets, "condition_names": names,
        "heldout_conditions": split_list(args.heldout) if args.heldout is not None else None,
        "allow_nan": args.allow_nan or None,
    }
    ds = load_recording(args.source, args.format, **{k: v for k, v in given.items() if v is not None})
    path = save_dataset(ds, args.out, overwrite=args.overwrite, allow_nan=args.allow_nan)
    summary = {"path": str(path), "n_frames": ds.sizes["time"], "n_neurons": ds.sizes["neuron"],
               "dt_s": float(ds.attrs["dt_s"]), "conditions": list(ds.attrs["conditions"]),
               "source": ds.attrs["source"]}
    if args.json:
        print_json(summary)
    else:
        info(f"wrote {path}: {summary['n_frames']:,} frames × {summary['n_neurons']:,} neurons, "
             f"dt_s {summary['dt_s']:g}")
    return 0


def _plot(args: argparse.Namespace) -> int:
    announce_build(args.dataset)
    ds = open_dataset(args.dataset)
    if args.kind == "traces":
        frames = None
        if args.frames:
            try:
                frames = tuple(int(x) for x in args.frames.split(":"))
            except ValueError:
                frames = ()
            if len(frames) != 2:
                raise ConfigError(f"--frames {args.frames!r} is not START:STOP", "e.g. --frames 0:500")
        neurons = split_list(args.neurons) if args.neurons else None
        fig = traces_with_spikes(ds, args.out, neurons=neurons, frames=frames, overwrite=args.overwrite)
        if args.json:
            print_json({"path": args.out, "kind": "traces", "neurons": fig.neurocast_neurons})
        else:
            info(f"wrote {args.out}")
        return 0
    fig = traces_heatmap(ds, args.out, sort=args.sort, max_rows=args.max_rows, seed=args.seed,
                         overwrite=args.overwrite)
    order = fig.neurocast_order
    if args.json:
        print_json({"path": args.out, "kind": "heatmap", "n_rows": int(fig.neurocast_n_rows), "sort": args.sort,
                    "n_neurons": len(order)})
    else:
        info(f"wrote {args.out}")
    return 0
