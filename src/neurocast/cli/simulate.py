"""`neurocast simulate NET`: run the Shiu et al. (2024) LIF model on a connectome."""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from neurocast import sim
from neurocast._progress import progress, progress_enabled
from neurocast.cli._output import info, print_json
from neurocast.connectome import Connectome, load_connectome
from neurocast.errors import ConfigError
from neurocast.sim.plot import plot_summary, save_figure

TRIAL_CHUNK = 9  # trials per run_trials call when a progress bar is shown (1 here + 4 per core)


# ---------------------------------------------------------------------------- argument checks
def _check_args(args: argparse.Namespace) -> None:
    sim.neuron_model(args.model)
    if args.mode not in sim.MODES:
        raise ConfigError(f"--mode must be one of {', '.join(sim.MODES)}, not {args.mode!r}")
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
    planned = [*(trial_paths(args.out, min(args.trials, 1000)) if args.out else []),
               *([Path(args.plot)] if args.plot else [])]
    existing = [str(p) for p in planned if p.exists()]
    if existing and not args.overwrite:
        raise ConfigError(f"output {existing[0]} already exists"
                          + (f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""),
                          "choose another path or pass --overwrite")


# ---------------------------------------------------------------------------- the command
def _peak_memory_mb() -> float:
    """Peak resident memory of this process and its finished children, in MB (Linux ru_maxrss is KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 1024 / 1024
    return round(max(own, kids) * scale, 1)


def run(args: argparse.Namespace) -> int:
    _check_args(args)
    t0 = time.perf_counter()
    con = load_connectome(args.network)
    load_s = time.perf_counter() - t0
    stim = sim.select_neurons(con, args.stimulate, seed=args.seed)
    silence = sim.select_neurons(con, args.silence, seed=args.seed, what="--silence")
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
        counts = sim.simulate_to_file(net, duration_ms, args.out, stimulate=stim, rate_hz=rate_hz,
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
    tiny = Connectome.from_edges(pd.DataFrame({"id": [0, 1]}), [0], [1], [1])
    sim.simulate(sim.build_network(tiny), 1.0, stimulate=np.array([0]), mode=mode)


def _run(net, duration_ms: float, stim: np.ndarray, rate_hz: float, args) -> list:
    """One or several trials (trial k uses seed + k); several go through sim.run_trials (both cores).

    At a terminal, trials run in chunks of TRIAL_CHUNK so a progress bar can advance; the
    results are the same either way (trial k always uses seed + k).
    """
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
        fig = plot_summary(trials, con, top=max(4 * args.top, 1), driven=stim)
        written["plot"] = str(save_figure(fig, args.plot))
    return written


def _summary(con, counts, stim, silence, rate_hz, args, load_s, build_s, run_s, written) -> dict:
    """counts: int (trial, neuron) spikes of each neuron in each trial."""
    sim_s = float(args.duration) * len(counts)
    out = {
        "network": con.name or str(args.network),
        "model": args.model,
        "mode": args.mode,
        "n_neurons": con.n_neurons,
        "n_connections": con.n_connections,
        "n_stimulated": len(stim),
        "stimulated": [str(con.names[i]) for i in stim[:100]],
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
        **sim.response_summary(counts, float(args.duration), con, stim, top=args.top),
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
