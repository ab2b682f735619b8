"""`neurocast connectome list | info | convert`."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from neurocast._progress import progress
from neurocast.cli._output import info, print_json, print_listing
from neurocast.connectome import (
    BUILTINS,
    check_destination,
    keeps,
    load_connectome,
    write_connectome,
)
from neurocast.errors import ConfigError


def parse_columns(text: str) -> dict[str, str]:
    """'pre=a,post=b,count=c' -> {'pre': 'a', 'post': 'b', 'count': 'c'}."""
    mapping: dict[str, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        role, sep, col = item.partition("=")
        if not sep or not role.strip() or not col.strip():
            raise ConfigError(f"--columns item {item.strip()!r} is not ROLE=COLUMN",
                              "write --columns pre=COLUMN,post=COLUMN,count=COLUMN")
        if role.strip() in mapping:
            raise ConfigError(f"--columns gives the role '{role.strip()}' twice",
                              "name each role once: --columns pre=COLUMN,post=COLUMN,count=COLUMN")
        mapping[role.strip()] = col.strip()
    return mapping


def read_options(args: argparse.Namespace) -> dict:
    """Reader keyword options (for load_connectome) from the parsed --from/--columns/... flags."""
    opts: dict = {}
    if args.from_format:
        opts["format"] = args.from_format
    if args.columns:
        opts["columns"] = parse_columns(args.columns)
    if args.neurons:
        opts["neurons"] = args.neurons
    if args.sum_duplicates:
        opts["duplicates"] = "sum"
    return opts


def load_option(source: str | None, flag: str, args: argparse.Namespace):
    """The connectome an option such as --truth names, read with the reader flags (--from,
    --columns, ...); None if the option is not given (ConfigError if reader flags are)."""
    opts = read_options(args)
    if source is None:
        if opts:
            raise ConfigError(f"--from, --columns, --neurons and --sum-duplicates read the {flag} "
                              f"file, and no {flag} is given", f"add {flag} FILE, or leave them out")
        return None
    return load_connectome(source, **opts)


def run(args: argparse.Namespace) -> int:
    return {"list": _list, "info": _info, "convert": _convert}[args.action](args)


def _list(args: argparse.Namespace) -> int:
    rows = [{"name": b.name, "description": b.description, "source": b.source} for b in BUILTINS.values()]
    return print_listing("connectomes", rows, args.json, extra="source")


def format_summary(s: dict) -> str:
    """The summary of a connectome as aligned human-readable lines (a weighted one's weight
    sum in place of its synapse count)."""
    lines = [
        f"name                  {s['name']}",
        f"neurons               {s['n_neurons']:,}",
        f"connections           {s['n_connections']:,}",
        f"weight sum            {s['weight_sum']:,.6g} {s['weight_units']}  "
        f"(absolute {s['abs_weight_sum']:,.6g})" if "weight_sum" in s else
        f"synapses              {s['n_synapses']:,}  ({s['mean_synapses_per_connection']:.2f} per connection)",
        f"gap junction pairs    {s['n_gap_junctions']:,}",
        f"excitatory neurons    {100 * s['excitatory_fraction']:.1f} %  "
        f"(inhibitory {100 * s['inhibitory_fraction']:.1f} %)",
        f"out-degree            mean {s['out_degree']['mean']:.1f}, median {s['out_degree']['median']:g}, "
        f"max {s['out_degree']['max']:,}",
        f"in-degree             mean {s['in_degree']['mean']:.1f}, median {s['in_degree']['median']:g}, "
        f"max {s['in_degree']['max']:,}",
    ]
    if s.get("source"):
        lines.append(f"source                {s['source']}")
    if s.get("sign_rule"):
        lines.append(f"signs                 {s['sign_rule']}")
    return "\n".join(lines)


def _info(args: argparse.Namespace) -> int:
    summary = load_connectome(args.source, **read_options(args)).summary()
    if args.json:
        print_json(summary)
    else:
        print(format_summary(summary))
    return 0


def _convert(args: argparse.Namespace) -> int:
    dst = Path(args.destination)
    fmt = check_destination(dst, args.to_format, overwrite=args.overwrite)  # fail before reading
    t0 = time.perf_counter()
    with progress(total=2, desc="convert", unit="step") as bar:
        c = load_connectome(args.source, **read_options(args))
        t_read = time.perf_counter() - t0
        bar.update(1)
        write_connectome(c, dst, fmt, overwrite=args.overwrite)
        bar.update(1)
    wall = time.perf_counter() - t0
    result = {
        "source": args.source, "destination": str(dst), "format": fmt,
        "n_neurons": c.n_neurons, "n_connections": c.n_connections, "n_synapses": c.n_synapses,
        "n_gap_junctions": c.n_gap_junctions, "read_s": round(t_read, 3), "wall_s": round(wall, 3),
    }
    kept = keeps(dst, fmt)
    result["n_gap_junctions_dropped"] = 0 if kept["gap_junctions"] else c.n_gap_junctions
    # what the destination left out (gap junctions, the neuron table) write_connectome says
    # itself: a UserWarning, printed as a note: line by cli._warnings_as_notes
    if not kept["neuron_table"]:  # read it back: what a user of the file will get
        was, back = c.summary(), load_connectome(dst).summary()
        result.update(n_neurons_written=back["n_neurons"], excitatory_fraction=was["excitatory_fraction"],
                      excitatory_fraction_written=back["excitatory_fraction"])
        info(f"note: read back, '{dst.name}' holds {back['n_neurons']:,} of {was['n_neurons']:,} neurons, "
             f"{100 * back['excitatory_fraction']:.1f} % excitatory and {100 * back['inhibitory_fraction']:.1f} % "
             f"inhibitory (source: {100 * was['excitatory_fraction']:.1f} % and "
             f"{100 * was['inhibitory_fraction']:.1f} %)")
    if args.json:
        print_json(result)
    else:
        print(f"wrote {dst} ({fmt}): {c.n_neurons:,} neurons, {c.n_connections:,} connections, "
              f"{c.n_synapses:,} synapses in {wall:.2f} s")
    return 0
