"""`neurocast simulate NET`: run the Shiu et al. (2024) LIF model on a connectome."""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from pathlib import Path

import numpy as np

from neurocast.cli._output import info, print_json, split_list
from neurocast.errors import ConfigError

MODES = ("fast", "reference")
TOP_SHOWN = 10
TRIAL_CHUNK = 9  # trials per run_trials call when a progress bar is shown (1 here + 4 per core)


def register(sub) -> None:
    p = sub.add_parser(
        "simulate",
        help="simulate a connectome with the Shiu et al. 2024 LIF model",
        description="Drive some neurons with Poisson input, optionally silence others, and "
                    "report which neurons respond (Shiu et al. 2024 fly-brain LIF model).",
    )
    p.add_argument("network", metavar="NET", help="built-in connectome name or connectome file")
    p.add_argument("--model", default="shiu",
                   help="neuron model preset: shiu (published, default) or shiu-adapt (with "
                        "spike-frequency adaptation)")
    p.add_argument("--stimulate", default="", metavar="NAMES|random:K",
                   help="neurons driven by Poisson input: comma-separated names or ids, "
                        "or random:K for K neurons picked with --seed")
    p.add_argument("--rate", type=float, default=None, metavar="HZ",
                   help="Poisson rate of the drive in Hz (default: the model's, 150)")
    p.add_argument("--silence", default="", metavar="NAMES",
                   help="comma-separated names or ids whose outgoing synapses are set to zero")
    p.add_argument("--duration", type=float, default=1.0, metavar="S", help="simulated seconds (default 1)")
    p.add_argument("--trials", type=int, default=1, metavar="N",
                   help="independent trials (seeds SEED, SEED+1, ...; default 1)")
    p.add_argument("--seed", type=int, default=0, metavar="K", help="random seed (default 0)")
    p.add_argument("--dt", type=float, default=None, metavar="MS",
                   help="time step in ms (default: the model's, 0.1); must divide the 1.8 ms delay")
    p.add_argument("--mode", default="fast", help="engine: fast (default) or reference (dense, slow)")
    p.add_argument("--out", metavar="FILE", help="write spikes to FILE (.parquet or .npz); with "
                   "several trials, one file per trial: FILE.trial000.parquet, ...")
    p.add_argument("--plot", metavar="FILE.png", help="write a raster + rate plot of the responding neurons")
    p.add_argument("--top", type=int, default=TOP_SHOWN, metavar="K",
                   help=f"responding neurons listed (and plotted x4) (default {TOP_SHOWN})")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_simulate)


# ---------------------------------------------------------------------------- argument checks
def _check_args(args: argparse.Namespace) -> None:
    from neurocast.sim import neuron_model

    neuron_model(args.model)
    if args.mode not in MODES:
        raise ConfigError(f"--mode must be one of {', '.join(MODES)}, not {args.mode!r}")
    if args.rate is not None and not (math.isfinite(args.rate) and args.rate >= 0):
        raise ConfigError(f"--rate must be a finite number of Hz >= 0, got {args.rate}",
                          "e.g. --rate 150")
    if not (math.isfinite(args.duration) and args.duration > 0):
        raise ConfigError(f"--duration must be a positive number of seconds, got {args.duration}",
                          "e.g. --duration 1")
    if args.dt is not None and not (math.isfinite(args.dt) and args.dt > 0):
        raise ConfigError(f"--dt must be a positive number of ms, got {args.dt}", "e.g. --dt 0.1")
    if args.trials < 1:
        raise ConfigError(f"--trials must be >= 1, got {args.trials}")
    if args.seed < 0:
        raise ConfigError(f"--seed must be >= 0, got {args.seed}")
    if args.top < 0:
        raise ConfigError(f"--top must be >= 0, got {args.top}")
    if args.out and Path(args.out).suffix not in (".parquet", ".npz"):
        raise ConfigError(f"--out must end in .parquet or .npz, not {Path(args.out).suffix or 'nothing'!r}",
                          f"e.g. --out {Path(args.out).with_suffix('.parquet')}")
    if args.plot and Path(args.plot).suffix.lower() != ".png":
        raise ConfigError(f"--plot writes a PNG; the file must end in .png, not {args.plot!r}")
    for path in (args.out, args.plot):
        if path and not Path(path).resolve().parent.is_dir():
            raise ConfigError(f"output folder '{Path(path).parent}' does not exist", "create it first")


def parse_neurons(spec: str, connectome, *, seed: int, option: str = "--stimulate") -> np.ndarray:
    """Positions (int64, sorted, unique) named by ``spec``: 'A,B,123' (names or ids) or 'random:K'.

    random:K draws K distinct neurons with the seed, exactly as ``neurocast.sim.simulate(...,
    stimulate="random:K", seed=seed)`` does (``neurocast.sim.resolve_neurons``).
    Raises ConfigError for bad syntax and UnknownNameError (with near matches) for unknown names.
    """
    from neurocast.sim import resolve_neurons

    spec = spec.strip()
    if not spec:
        return np.zeros(0, dtype=np.int64)
    if spec.lower().startswith("random"):
        head, _, k = spec.partition(":")
        n = connectome.n_neurons
        if head.lower() != "random" or not k.strip().isdigit() or int(k) < 1:
            raise ConfigError(f"{option} {spec!r}: expected random:K with K a positive integer",
                              f"e.g. {option} random:20")
        k = int(k)
        if k > n:
            raise ConfigError(f"{option} random:{k} asks for more neurons than the network has ({n})",
                              f"use K <= {n}")
        return resolve_neurons(connectome, f"random:{k}", seed=seed)
    names = split_list(spec)
    if not names:
        raise ConfigError(f"{option} {spec!r} names no neuron", f"e.g. {option} NAME1,NAME2 or random:20")
    return resolve_neurons(connectome, names)


# ---------------------------------------------------------------------------- the command
def _peak_memory_mb() -> float:
    """Peak resident memory of this process and its finished children, in MB (Linux ru_maxrss is KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 1024 / 1024
    return round(max(own, kids) * scale, 1)


def _simulate(args: argparse.Namespace) -> int:
    _check_args(args)
    from neurocast import sim
    from neurocast.connectome import load_connectome

    t0 = time.perf_counter()
    con = load_connectome(args.network)
    load_s = time.perf_counter() - t0
    stim = parse_neurons(args.stimulate, con, seed=args.seed)
    silence = parse_neurons(args.silence, con, seed=args.seed, option="--silence")
    params = sim.neuron_model(args.model)
    params = params if args.dt is None else params.replace(dt_ms=args.dt)
    rate_hz = params.rate_hz if args.rate is None else float(args.rate)
    if rate_hz * params.dt_ms / 1000.0 > 1.0:
        raise ConfigError(f"--rate {rate_hz:g} Hz exceeds one input event per time step of {params.dt_ms} ms",
                          f"use --rate <= {1000.0 / params.dt_ms:g}")
    duration_ms = float(args.duration) * 1000.0

    t1 = time.perf_counter()
    net = sim.build_network(con, params, silence=silence)
    build_s = time.perf_counter() - t1

    t_w = time.perf_counter()
    _warm_up(args.mode)
    warmup_s = time.perf_counter() - t_w

    t2 = time.perf_counter()
    if args.trials == 1 and args.out and not args.plot:  # spikes go to the file as they come
        from neurocast.sim._stream import simulate_to_file

        counts = simulate_to_file(net, duration_ms, args.out, stimulate=stim, rate_hz=rate_hz,
                                  mode=args.mode, seed=args.seed, progress=True,
                                  extra_attrs={"trial": 0, "n_trials": 1,
                                               "network": con.name or str(args.network)})[None]
        run_s = time.perf_counter() - t2
        written = {"out": [args.out]}
    else:
        trials = _run(net, duration_ms, stim, rate_hz, args)
        run_s = time.perf_counter() - t2
        for i, s in enumerate(trials):
            s.attrs.update({"trial": i, "n_trials": len(trials), "network": con.name or str(args.network)})
        written = _write_outputs(trials, con, stim, args)
        counts = np.stack([s.counts() for s in trials])
    summary = _summary(con, counts, stim, silence, rate_hz, args, load_s, build_s, run_s, written)
    summary["warmup_s"] = round(warmup_s, 6)
    summary["wall_s"] = round(time.perf_counter() - t0, 6)
    if args.json:
        print_json(summary)
    else:
        _print_human(summary)
    return 0


def _warm_up(mode: str) -> None:
    """Load the compiled kernels (numba's on-disk cache, ~0.5–1 s per process) on a 2-neuron
    network, so that run_s measures the simulation only (warm-up is reported as warmup_s)."""
    import pandas as pd

    from neurocast import sim
    from neurocast.connectome import Connectome

    tiny = Connectome.from_edges(pd.DataFrame({"id": [0, 1]}), [0], [1], [1])
    sim.simulate(sim.build_network(tiny), 1.0, stimulate=np.array([0]), mode=mode)


def _run(net, duration_ms: float, stim: np.ndarray, rate_hz: float, args) -> list:
    """One or several trials (trial k uses seed + k); several go through sim.run_trials (both cores).

    At a terminal, trials run in chunks of TRIAL_CHUNK so a progress bar can advance; the
    results are the same either way (trial k always uses seed + k).
    """
    from neurocast import sim
    from neurocast._progress import progress, progress_enabled

    kw = {"stimulate": stim, "rate_hz": rate_hz, "mode": args.mode}
    if args.trials == 1:
        return [sim.simulate(net, duration_ms, seed=args.seed, progress=True, **kw)]
    if not progress_enabled():
        return list(sim.run_trials(net, duration_ms, args.trials, seed=args.seed, **kw))
    out: list = []
    with progress(total=args.trials, desc="trials", unit="trial") as bar:
        while len(out) < args.trials:
            k = min(TRIAL_CHUNK, args.trials - len(out))
            out += sim.run_trials(net, duration_ms, k, seed=args.seed + len(out), **kw)
            bar.update(k)
    return out


def trial_paths(out: str | Path, n_trials: int) -> list[Path]:
    """Where --out writes: the file itself for one trial, FILE.trial000.SUFFIX, ... for several."""
    out = Path(out)
    if n_trials == 1:
        return [out]
    return [out.with_name(f"{out.stem}.trial{i:03d}{out.suffix}") for i in range(n_trials)]


def _write_outputs(trials: list, con, stim: np.ndarray, args) -> dict:
    written: dict = {}
    if args.out:
        paths = trial_paths(args.out, len(trials))
        for s, path in zip(trials, paths, strict=True):
            s.save(path)
        written["out"] = [str(p) for p in paths]
    if args.plot:
        from neurocast.sim.plot import plot_summary, save_figure

        fig = plot_summary(trials, con, top=max(4 * args.top, 1), driven=stim)
        written["plot"] = str(save_figure(fig, args.plot))
    return written


def _summary(con, counts, stim, silence, rate_hz, args, load_s, build_s, run_s, written) -> dict:
    """counts: int (trial, neuron) spikes of each neuron in each trial."""
    rates = counts.sum(axis=0) / (len(counts) * args.duration)  # mean Hz per neuron
    active = counts.sum(axis=0) > 0
    driven = np.zeros(con.n_neurons, dtype=bool)
    driven[stim] = True
    responding = np.flatnonzero(active & ~driven)
    top = responding[np.argsort(-rates[responding], kind="stable")][: args.top]
    names = con.names
    sim_s = float(args.duration) * len(counts)
    out = {
        "network": con.name or str(args.network),
        "model": args.model,
        "mode": args.mode,
        "n_neurons": con.n_neurons,
        "n_connections": con.n_connections,
        "n_stimulated": len(stim),
        "stimulated": [str(names[i]) for i in stim[:100]],
        "n_silenced": len(silence),
        "rate_hz": rate_hz,
        "duration_s": float(args.duration),
        "n_trials": len(counts),
        "seed": args.seed,
        "load_s": round(load_s, 6),
        "build_s": round(build_s, 6),
        "run_s": round(run_s, 6),
        "sim_s": sim_s,
        "rtf": round(run_s / sim_s, 6),
        "n_spikes": int(counts.sum()),
        "n_active_neurons": int(active.sum()),
        "n_responding_neurons": len(responding),
        "mean_rate_responding_hz": round(float(rates[responding].mean()), 3) if len(responding) else 0.0,
        "top_responding": [{"name": str(names[i]), "rate_hz": round(float(rates[i]), 3)} for i in top],
        "peak_memory_mb": _peak_memory_mb(),
    }
    out.update(written)
    return out


def _print_human(s: dict) -> None:
    trials = f"{s['n_trials']} trials" if s["n_trials"] > 1 else "1 trial"
    drive = (f"{s['n_stimulated']} neurons driven at {s['rate_hz']:g} Hz" if s["n_stimulated"]
             else "no neurons driven")
    print(f"{s['network']}: {drive}, {s['n_silenced']} silenced; "
          f"{s['duration_s']:g} s simulated, {trials}, seed {s['seed']}, {s['mode']} engine")
    print(f"  {s['n_neurons']:,} neurons, {s['n_connections']:,} connections; load {s['load_s']:.2f} s, "
          f"build {s['build_s']:.2f} s, kernel load {s['warmup_s']:.2f} s, run {s['run_s']:.2f} s "
          f"(RTF {s['rtf']:.3g}); peak memory {s['peak_memory_mb']:.0f} MB")
    print(f"  {s['n_spikes']:,} spikes; {s['n_active_neurons']:,} neurons active "
          f"({s['n_responding_neurons']:,} responding beyond the driven ones)")
    if s["top_responding"]:
        width = max(len(r["name"]) for r in s["top_responding"])
        print("top responding neurons (mean rate):")
        for r in s["top_responding"]:
            print(f"  {r['name']:<{width}}  {r['rate_hz']:7.1f} Hz")
    for path in s.get("out", []):
        info(f"spikes written to {path}")
    if s.get("plot"):
        info(f"plot written to {s['plot']}")
