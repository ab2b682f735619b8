"""`neurocast data list | info | import | plot | stats`."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from neurocast._files import atomic_folder, check_output, check_output_folder
from neurocast.catalog import (
    DATASETS,
    dataset_info,
    dataset_path,
    is_built,
    list_datasets,
    open_dataset,
    resolve,
)
from neurocast.cli._output import (
    check_not_in_input,
    count,
    info,
    print_json,
    print_notes,
    split_list,
)
from neurocast.cli.connectome import load_option, read_options
from neurocast.connectome import load_connectome
from neurocast.data import (
    MIN_FRAMES,
    PC1_5_MIN_NEURONS,
    REFERENCE_GROUPS,
    SCORED_STATISTICS,
    STATISTICS,
    DamagedDatasetError,
    StatsConfig,
    attach_connectome,
    compare_stats,
    load_recording,
    realism_plots,
    realism_stats,
    recording_format,
    resolve_reference,
    save_dataset,
    trace_quality,
    verify_dataset,
)
from neurocast.data.plot import traces_heatmap, traces_with_spikes
from neurocast.errors import ConfigError, UnknownNameError


def run(args: argparse.Namespace) -> int:
    return {"list": _list, "info": _info, "import": _import, "plot": _plot, "attach": _attach,
            "verify": _verify, "stats": _stats}[args.action](args)


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


#: How ``data info`` describes a dataset's ``trace_kind`` attr.
_TRACE_KINDS = {"dff": "ΔF/F", "fluorescence": "raw fluorescence (F), not ΔF/F"}


def _count(n: int, noun: str) -> str:
    """'1 neuron', '2,520 neurons'."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def format_info(s: dict) -> str:
    """A dataset summary as aligned human-readable lines."""
    lines = [
        f"dataset      {s['name'] or '(in memory)'}  {s['path'] or ''}".rstrip(),
        f"shape        {_count(s['n_frames'], 'frame')} × {_count(s['n_neurons'], 'neuron')}",
        f"sampling     dt_s {s['dt_s']:g} s ({s['sampling_hz']:.4g} Hz), duration {s['duration_s']:.1f} s "
        f"({s['duration_s'] / 60:.1f} min)",
        f"source       {s['source']}",
        f"protocol     {s['protocol'] or '-'}   stimulus plan {s['stimulus_plan'] or '-'}   "
        f"indicator {s['indicator'] or '-'}   seed {s['seed'] if s['seed'] >= 0 else '-'}",
        f"variables    {', '.join(s['variables'])}",
        "traces       " + _TRACE_KINDS.get(s.get("trace_kind", "dff"), str(s.get("trace_kind"))),
    ]
    lines += [f"import note  {n}" for n in s.get("import_notes", [])]
    if s["covariates"]:
        lines.append(f"covariates   {', '.join(s['covariates'])}")
    con = s["connectome"]
    lines.append("connectome   " + (f"{con['name']} ({con['n_neurons']:,} neurons, "
                                    f"{con['n_connections']:,} connections)" if con else "none attached"))
    iv = s.get("frame_interval_s") or []
    if iv and iv[2] - iv[0] > 0.01 * iv[1]:
        lines.append(f"frame times  uneven: {iv[0]:.4g}–{iv[2]:.4g} s apart (median {iv[1]:.4g} s); "
                     "windows step frame by frame (import with --resample S for a uniform grid)")
    if s.get("resampled_s"):
        lines.append(f"frame times  resampled on import to {s['resampled_s']:g} s")
    if s.get("n_unnamed") or s.get("n_renamed"):
        lines.append(f"names        {s['n_unnamed']} unnamed (unnamed-<column>), {s['n_renamed']} repeated "
                     "(NAME#2, ...); raw labels in the 'label' coordinate")
    const = s.get("constant_neurons") or []
    lines.append("constant     " + (f"{len(const)} dead/constant channel(s): {', '.join(const[:8])}"
                                    + (" ..." if len(const) > 8 else "")
                                    + " (left out of bench scoring; --keep-constant keeps them)"
                                    if const else "none"))
    lines.append("NaN          " + _nan_line(s))
    lines.append("conditions")
    held = set(s["heldout_conditions"])
    for c in s["conditions"]:
        mark = "  (held out)" if c["name"] in held else ""
        lines.append(f"  {c['name']:<14} frames {c['start_frame']:>6}..{c['stop_frame'] - 1:<6} "
                     f"({c['n_frames']:,} frames, from {c['start_s']:.1f} s){mark}")
    return "\n".join(lines)


def announce_build(name: str) -> None:
    """Tell the person when a built-in dataset is about to be generated (first use, or its
    cached copy was made by another version of its plan)."""
    if not is_built(name) and name in DATASETS:
        why = "remade: the cached copy is from another version of its plan" \
            if dataset_path(name).exists() else "first use"
        cost = DATASETS.get(name).cost
        info(f"making built-in dataset '{name}' ({why}{'; ' + cost if cost else ''}; cached in "
             f"{dataset_path(name)})")


def _info(args: argparse.Namespace) -> int:
    announce_build(args.dataset)
    s = dataset_info(args.dataset)
    if args.json:
        print_json(s)
    else:
        print(format_info(s))
    return 0


def _parse_conditions(text: str | None) -> tuple[list[int] | None, list[str] | None]:
    """--conditions 'OFFSETS:NAMES' as (offsets, names), or (None, None) without the flag.
    Empty names are kept, for ``conditions_from_offsets`` to refuse by their position."""
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
    return offsets, [name.strip() for name in right.split(",")]


def _nan_line(s: dict) -> str:
    """The NaN line of ``data info``: gaps (bench's --nan choices) apart from the neurons with
    no value at all (dead channels, left out like the constant ones), and how many of these
    missing values are ±inf."""
    empty, gaps = s["empty_neurons"], s["n_gap_values"]
    dead = (f"{len(empty)} neuron(s) with no value at all ({', '.join(empty[:5])}"
            + (", ..." if len(empty) > 5 else "") + "): dead channels, left out without --nan")
    if not s["n_nan_values"]:
        return "none"
    if empty and not gaps:
        return "only in " + dead + _inf_part(s)
    where = "of the other neurons" if empty else ""
    return (f"{gaps:,} value(s) in {s['n_gap_frames']:,} frame(s){where and ' ' + where} (bench "
            "--nan skip-windows or --nan mask-neurons)" + (f"; besides, {dead}" if empty else "")
            + _inf_part(s))


def _inf_part(s: dict) -> str:
    """'; 3 of these values are ±inf, not NaN' for a dataset summary ``s`` holding ±inf, else ''."""
    n = int(s.get("n_inf_values", 0))
    return f"; {n:,} of these values are ±inf, not NaN" if n else ""


def _import(args: argparse.Namespace) -> int:
    offsets, names = _parse_conditions(args.conditions)
    given = {  # CLI flag -> loader option; only the flags the person used are passed on
        "dt_s": args.dt_s, "neuron_names": args.names, "key": args.key, "series": args.series,
        "transpose": args.transpose or None, "condition_offsets": offsets, "condition_names": names,
        "heldout_conditions": split_list(args.heldout) if args.heldout is not None else None,
        "allow_nan": args.allow_nan or None, "trace_kind": args.trace_kind,
        "all_rois": args.all_rois or None,
        "stimulus_columns": (split_list(args.stimulus_columns)
                             if args.stimulus_columns is not None else None),
    }
    if args.resample is not None:
        given["resample_s"] = args.resample
    check_output(args.out, overwrite=args.overwrite, folder=True)  # before reading a large source
    fmt = args.format or recording_format(args.source)
    connectome = load_option(args.connectome, "--connectome", args)
    ds = None
    try:  # the loader's doubts are also import notes, printed below: each shows once
        with warnings.catch_warnings(record=True) as caught:
            ds = load_recording(args.source, fmt,
                                **{k: v for k, v in given.items() if v is not None})
    finally:
        notes = [] if ds is None else [str(n) for n in ds.attrs.get("import_notes", [])]
        for w in caught:
            if str(w.message) not in notes:
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    print_notes(notes)  # before saving: a note may explain why saving fails
    path = save_dataset(ds, args.out, overwrite=args.overwrite, allow_nan=args.allow_nan,
                        connectome=connectome)
    summary = {"path": str(path), "n_frames": ds.sizes["time"], "n_neurons": ds.sizes["neuron"],
               "dt_s": float(ds.attrs["dt_s"]), "conditions": list(ds.attrs["conditions"]),
               "source": ds.attrs["source"], "connectome": connectome.name if connectome else None,
               "constant_neurons": trace_quality(path)["constant_neurons"]}
    if args.json:
        print_json(summary)
    else:
        info(f"wrote {path}: {_count(summary['n_frames'], 'frame')} × "
             f"{_count(summary['n_neurons'], 'neuron')}, dt_s {summary['dt_s']:g}")
    return 0


def _given(args: argparse.Namespace, *flags: str) -> str:
    """The flags among ``flags`` that were given (not None), as 'A', 'A and B' or 'A, B and C'."""
    named = [f for f in flags if getattr(args, f[2:].replace("-", "_")) is not None]
    return " and ".join([", ".join(named[:-1]), named[-1]] if len(named) > 2 else named)


def _plot(args: argparse.Namespace) -> int:
    only_traces = _given(args, "--neurons", "--frames")
    if args.kind == "heatmap" and only_traces:
        raise ConfigError(f"{only_traces} choose{'' if ' and ' in only_traces else 's'} what --kind "
                          "traces shows; the heatmap shows every neuron and frame",
                          f"add --kind traces, or leave out {only_traces}")
    only_heatmap = _given(args, "--sort", "--max-rows", "--seed")
    if args.kind == "traces" and only_heatmap:
        raise ConfigError(f"{only_heatmap} {'shape' if ' and ' in only_heatmap else 'shapes'} the "
                          "heatmap (--kind heatmap, the default); --kind traces does not use "
                          f"{'them' if ' and ' in only_heatmap else 'it'}",
                          f"leave out {only_heatmap}, or drop --kind traces")
    announce_build(args.dataset)
    ds = open_dataset(args.dataset, allow_nan=True)  # the plots leave NaN out
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
    given = {k: v for k, v in (("sort", args.sort), ("max_rows", args.max_rows), ("seed", args.seed))
             if v is not None}  # the others: traces_heatmap's defaults
    fig = traces_heatmap(ds, args.out, overwrite=args.overwrite, **given)
    order = fig.neurocast_order
    if args.json:
        print_json({"path": args.out, "kind": "heatmap", "n_rows": int(fig.neurocast_n_rows), "sort": fig.neurocast_sort,
                    "n_neurons": len(order), "n_dead_channels": fig.neurocast_n_dead,
                    "n_nan_channels": fig.neurocast_n_nan})
    else:
        info(f"wrote {args.out}")
    return 0


def _note_too_small(res: dict) -> None:
    """Say which statistics are NaN because the recording is too small for them."""
    used = int(res["overall"].get("n_neurons", 0) or 0)
    if used < 2 or res["n_frames"] < MIN_FRAMES:
        info(f"note: the statistics need at least 2 neurons that vary and {MIN_FRAMES} frames; "
             f"this recording has {count(used, 'such neuron')} and "
             f"{count(res['n_frames'], 'frame')}, so they are NaN (not scored)")
    elif used < PC1_5_MIN_NEURONS:
        info(f"note: pc1_5 needs more than {PC1_5_MIN_NEURONS - 1} neurons that vary (with "
             f"{used} it is 1 by construction); it is NaN (not scored)")


def _realism_stats(ds, cfg: StatsConfig) -> dict:
    """realism_stats of a Dataset, NaN gaps left out; its warning that a recording is too small
    is left to ``_note_too_small``, which says it in the command's terms."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="realism_stats: every realism statistic is NaN")
        return realism_stats(ds, config=cfg, allow_nan=True)


def _inside_line(cmp: dict) -> str:
    """The last line of ``data stats``: how many of the scored statistics that have a value
    (``compare_stats``' n_scored) lie inside the reference, and how many could not be scored."""
    listed = sum(k in cmp["rows"] for k in SCORED_STATISTICS)
    unscored = listed - cmp["n_scored"]
    if not cmp["n_scored"]:
        return (f"inside the reference: none of the {listed} scored statistics (marked *) could be "
                "scored (NaN on this recording or in the reference)")
    return (f"inside the reference: {cmp['n_inside']} of the {cmp['n_scored']} scored statistics "
            "(marked *)" + (f"; {unscored} more NaN, not scored" if unscored else ""))


def _stats(args: argparse.Namespace) -> int:
    if args.plots:  # before the statistics: a refused folder costs no work
        check_not_in_input(args.plots, args.dataset, "--plots")
        check_output_folder(args.plots, overwrite=args.overwrite)
    elif args.overwrite:
        raise ConfigError("--overwrite goes with --plots DIR",
                          "add --plots DIR, or leave out --overwrite")
    announce_build(args.dataset)
    ds = open_dataset(args.dataset, allow_nan=True)
    cfg = StatsConfig(seed=args.seed)
    res = _realism_stats(ds, cfg)
    _note_too_small(res)
    if int(ds.attrs.get("n_nan_values", 0)):
        s = trace_quality(ds)
        kind = "NaN/inf" if s["n_inf_values"] else "NaN"
        parts = [f"{s['n_gap_values']:,} {kind} value(s) in {s['n_gap_frames']:,} frame(s)"] \
            if s["n_gap_values"] else []
        if s["empty_neurons"]:
            parts.append(f"{len(s['empty_neurons'])} dead channel(s) with no value at all "
                         f"({', '.join(s['empty_neurons'][:3])})")
        info(f"note: the traces hold {' and '.join(parts)}{_inf_part(s)}; every statistic "
             "leaves them out")
    found = resolve_reference(args.reference, dataset=ds)
    if found is None:  # another dataset: its own statistics
        announce_build(args.reference)
        try:
            other = open_dataset(args.reference, allow_nan=True)
        except UnknownNameError as exc:  # neither a group, a table nor a dataset: say all three
            raise UnknownNameError(f"unknown reference {args.reference!r}: not a group of the "
                                   "shipped table, a .csv table or a dataset",
                                   f"groups: {', '.join(REFERENCE_GROUPS)}; {exc.hint}") from None
        found = (f"dataset {args.reference}", _realism_stats(other, cfg)["overall"])
    label, ref = found
    cmp = compare_stats(res["overall"], ref)
    plots = []
    if args.plots:
        group = args.reference if args.reference in ("celegans", "zebrafish") else "all"
        with atomic_folder(args.plots, "data stats") as folder:
            written = realism_plots({args.dataset: res}, folder, group=group)[0]
        plots = [str(Path(args.plots) / p.name) for p in written]
    numbers = {k: res["overall"][k] for k in STATISTICS}
    per_cond = {c: {k: v[k] for k in STATISTICS} for c, v in res["conditions"].items()}
    if args.json:
        print_json({"dataset": args.dataset, "reference": label, "n_frames": res["n_frames"],
                    "n_neurons": res["n_neurons"], "dt_s": res["dt_s"], "n_subsets": res["n_subsets"],
                    "subset_size": res["subset_size"], "seed": res["seed"], "overall": numbers,
                    "conditions": per_cond, "comparison": cmp["rows"], "n_inside": cmp["n_inside"],
                    "n_scored": cmp["n_scored"], "plots": plots})
        return 0
    print(f"{args.dataset}: {count(res['n_frames'], 'frame')} × {count(res['n_neurons'], 'neuron')}, "
          f"dt_s {res['dt_s']:g}; {res['n_subsets']} subset(s) of {count(res['overall']['n_neurons'], 'neuron')}; "
          f"reference: {label}")
    conds = list(per_cond)
    print(f"{'statistic':<22}{'value':>9}  {'reference':>15}  in   " + "".join(f"{c[:10]:>11}" for c in conds))
    for k in STATISTICS:
        row = cmp["rows"].get(k)
        rng = "" if row is None else (f"{row['low']:.3g}" if row["low"] == row["high"]
                                      else f"{row['low']:.3g}–{row['high']:.3g}")
        mark = "" if row is None else {True: "yes", False: "no", None: "-"}[row["inside"]]
        name = f"{k} *" if k in SCORED_STATISTICS else k
        print(f"{name:<22}{numbers[k]:>9.3g}  {rng:>15}  {mark:<4} " + "".join(f"{per_cond[c][k]:>11.3g}" for c in conds))
    print(_inside_line(cmp))
    for p in plots:
        info(f"wrote {p}")
def _attach(args: argparse.Namespace) -> int:
    path = resolve(args.dataset, build=False)
    connectome = load_connectome(args.connectome, **read_options(args))
    file = attach_connectome(path, connectome, overwrite=args.overwrite)
    if args.json:
        print_json({"dataset": str(path), "connectome": connectome.name, "file": str(file),
                    "n_neurons": connectome.n_neurons})
    else:
        info(f"attached {connectome.name} ({connectome.n_neurons:,} neurons) to {path}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    path = resolve(args.dataset, build=False)
    report = verify_dataset(path)
    if args.json:
        print_json({"dataset": str(path), "ok": report.ok, "n_chunks": report.n_chunks,
                    "problems": report.problems})
    elif report.ok:
        print(f"{path}: intact ({report.n_chunks:,} chunks read"
              + (", connectome readable)" if (path / "connectome.npz").exists() else ")"))
    if not report.ok:
        raise DamagedDatasetError(report.message(), "re-create it (neurocast record / neurocast data import "
                                  "--overwrite) or restore it from a copy")
    return 0
