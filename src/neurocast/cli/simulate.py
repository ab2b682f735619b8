"""`neurocast simulate NET`: run the Shiu et al. (2024) LIF model on a connectome."""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from neurocast import sim
from neurocast._files import (
    atomic_files,
    check_output,
    glob_escape,
    require_output_folder,
)
from neurocast._progress import progress, progress_enabled
from neurocast.cli import distributed_run
from neurocast.cli._notes import note_gap_junctions
from neurocast.cli._output import check_workers, count, info, print_json
from neurocast.cli.connectome import read_options
from neurocast.connectome import Connectome, load_connectome
from neurocast.errors import ConfigError, ResourceError
from neurocast.sim.plot import plot_summary, save_figure

TRIAL_CHUNK = 9  # trials per run_trials call when a progress bar is shown (1 here + 4 per core)
TRIAL_JOBS = 2  # run_trials' default worker processes (both cores)
SPIKE_BYTES = 12  # a returned spike: its step (int64) and neuron (int32)
# per trial of run_trials, beyond its spikes: the returned Spikes object, its seed and the process
# pool's bookkeeping; measured 3.4 kB and 5.5 ms per trial (50,000 trials of a 5-neuron network,
# 10 ms each, on the shared 2-core machine)
TRIAL_OVERHEAD_BYTES = 4096
TRIAL_OVERHEAD_S = 0.005
SWEEP_WORKERS = 2  # --workers of a --sweep's local Dask cluster unless given (both cores)


# ---------------------------------------------------------------------------- argument checks
def _check_args(args: argparse.Namespace) -> None:
    if not isinstance(sim.neuron_model(args.model), sim.ShiuParams):
        spiking = [name for name, m in sim.NEURON_MODELS.items() if isinstance(m.params, sim.ShiuParams)]
        raise ConfigError(f"neurocast simulate runs the spiking Shiu models ({', '.join(spiking)}); "
                          f"{args.model!r} is not one",
                          f"record it under a stimulus plan (`neurocast record`), or call "
                          f"neurocast.sim.get_neuron_model({args.model!r}).simulate from Python")
    if args.mode not in sim.MODES:
        raise ConfigError(f"--mode must be one of {', '.join(sim.MODES)}, not {args.mode!r}",
                          "e.g. --mode fast")
    if args.rate is not None and not (math.isfinite(args.rate) and args.rate >= 0):
        raise ConfigError(f"--rate must be a finite number of Hz >= 0, got {args.rate}",
                          "e.g. --rate 150")
    if args.rate is not None and args.stimulate is None and args.sweep != "stimulate:each":
        raise ConfigError("--rate sets the drive of the --stimulate neurons, and none are "
                          "stimulated", "add --stimulate NAMES or random:K, or leave out --rate")
    if not (math.isfinite(args.duration) and args.duration > 0):
        raise ConfigError(f"--duration must be a positive number of seconds, got {args.duration}",
                          "e.g. --duration 1")
    if args.dt is not None and not (math.isfinite(args.dt) and args.dt > 0):
        raise ConfigError(f"--dt must be a positive number of ms, got {args.dt}", "e.g. --dt 0.1")
    if args.trials < 1:
        raise ConfigError(f"--trials must be >= 1, got {args.trials}", "e.g. --trials 10")
    if args.top < 0:
        raise ConfigError(f"--top must be >= 0, got {args.top}", "e.g. --top 10 (0 lists none)")
    for flag, path, example in (("--out", args.out, "spikes.parquet"),
                                ("--plot", args.plot, "run.png")):
        if path is not None and (Path(path).name in ("", ".", "..")
                                 or path.endswith(("/", os.sep))):
            raise ConfigError(f"{flag} {path!r} does not name a file", f"e.g. {flag} {example}")
        if path is not None and Path(path).is_dir() and not (flag == "--out" and args.sweep):
            raise ConfigError(f"{flag} {path!r} is a folder; {flag} names a file to write",
                              f"give a file in it, e.g. {flag} {Path(path) / example}")
    if args.sweep:
        _check_sweep_args(args)
    else:
        _check_sweep_only(args)
    if not args.sweep and args.out and Path(args.out).suffix not in (".parquet", ".npz"):
        raise ConfigError(f"--out must end in .parquet or .npz, not {Path(args.out).suffix or 'nothing'!r}",
                          f"e.g. --out {Path(args.out).with_suffix('.parquet')}")
    if args.plot and Path(args.plot).suffix.lower() != ".png":
        raise ConfigError(f"--plot writes a PNG; the file must end in .png, not {args.plot!r}",
                          f"e.g. --plot {Path(args.plot).with_suffix('.png')}")
    _check_outputs(args)


def _check_sweep_only(args: argparse.Namespace) -> None:
    """Refuse the options of a --sweep given without one: they would be ignored."""
    given = [flag for flag, value in (("--of", args.of), ("--workers", args.workers),
                                      ("--scheduler", args.scheduler)) if value is not None]
    if given:
        raise ConfigError(f"{' and '.join(given)} {'goes' if len(given) == 1 else 'go'} with --sweep "
                          "(a screen of many experiments)",
                          "e.g. --sweep silence:each --of random:100, or leave out " + " and ".join(given))


def _check_outputs(args: argparse.Namespace) -> None:
    """The files (a .zarr folder with --sweep) that --out and --plot write: their folders exist,
    none is a folder where a file goes (or the reverse), and what exists is replaced only with
    --overwrite; trial files of an earlier run beside them are refused too."""
    for path in (args.out, args.plot):
        if path:
            require_output_folder(path)
    if args.sweep:
        planned = [Path(args.out)] if args.out else []
    else:
        planned = [*(trial_paths(args.out, min(args.trials, 1000)) if args.out else []),
                   *([Path(args.plot)] if args.plot else [])]
    for path in planned:  # a folder where a file goes (or the reverse), said before "exists"
        check_output(path, overwrite=True, folder=bool(args.sweep))
    existing = [str(p) for p in planned if p.exists()]
    if existing and not args.overwrite:
        raise ConfigError(f"output {existing[0]} already exists"
                          + (f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""),
                          "choose another path or pass --overwrite")
    stale = _leftover_trials(args)
    if stale and not args.overwrite:
        raise ConfigError(f"{stale[0]}" + (f" and {len(stale) - 1} more file(s)" if len(stale) > 1 else "")
                          + f", written by an earlier run with another --trials to --out {args.out}, "
                          "would be left beside this run's output",
                          "pass --overwrite to replace them all (the earlier files are removed), "
                          "or choose another --out")


def _selections(con: Connectome, args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """The driven and the silenced positions. They are disjoint: a random:K silence is drawn
    among the neurons not driven, and a neuron named in (or drawn for) both is refused."""
    stim = sim.select_neurons(con, args.stimulate, seed=args.seed)
    silence = sim.select_neurons(con, args.silence, seed=args.seed, what="--silence", exclude=stim)
    sim.check_disjoint(con, stim, silence, "name each neuron in one of --stimulate and --silence only "
                   "(a random:K pick: another --seed draws others)")
    return stim, silence


def _note_weights(con: Connectome, params) -> None:
    """Say how float weights are simulated: each unit stands for one synapse."""
    if con.weighted:
        info(f"note: {con.name} has float weights ({con.weight_units}); the model takes each unit "
             f"of weight for one synapse ({params.w_syn_mv:g} mV); rescale with --sweep "
             "w_syn_mv=V1,V2,... if that is not what they mean")


def _check_sweep_args(args: argparse.Namespace) -> None:
    if args.out and Path(args.out).suffix != ".zarr":
        raise ConfigError(f"--sweep writes a zarr store; --out must end in .zarr, not {args.out!r}",
                          f"e.g. --out {Path(args.out).with_suffix('.zarr')}")
    if args.plot:
        raise ConfigError("--plot does not go with --sweep", "plot the rates of the .zarr output instead")
    check_workers(_workers(args), args.scheduler)
    each = args.sweep in sim.SWEEP_KINDS
    if each and args.of is None:
        raise ConfigError(f"--sweep {args.sweep} needs --of NEURONS", "e.g. --of random:1000 or --of A,B,C")
    if not each and "=" not in args.sweep:
        raise ConfigError(f"unknown --sweep {args.sweep!r}",
                          f"use {' or '.join(sim.SWEEP_KINDS)} (with --of), or PARAM=V1,V2,... "
                          "(e.g. w_syn_mv=0.2,0.3)")
    if not each and args.of is not None:
        raise ConfigError("--of goes with --sweep silence:each or stimulate:each",
                          "add --sweep silence:each (or stimulate:each), or leave out --of")


def _workers(args: argparse.Namespace) -> int:
    """Worker processes of a --sweep's local Dask cluster: --workers, else SWEEP_WORKERS."""
    return SWEEP_WORKERS if args.workers is None else args.workers


def _grid(spec: str) -> tuple[str, list[float]]:
    """'w_syn_mv=0.2,0.3' -> ('w_syn_mv', [0.2, 0.3]); ConfigError for values that are not numbers."""
    name, _, text = spec.partition("=")
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ConfigError(f"--sweep {spec!r}: values must be numbers", "e.g. --sweep w_syn_mv=0.2,0.3") from None
    return name.strip(), values


def _run_sweep(args: argparse.Namespace) -> int:
    """--sweep: every experiment as a Dask task; rates (experiment x neuron) to --out FILE.zarr."""
    t0 = time.perf_counter()
    opts = read_options(args)
    con = load_connectome(args.network, **opts)
    stim, silence = _selections(con, args)
    params = _params(args)
    _note_weights(con, params)
    if args.rate is not None:
        params = params.replace(rate_hz=float(args.rate))
    duration_ms = _duration_ms(args.duration, params.dt_ms)
    if args.sweep in sim.SWEEP_KINDS:
        # a random --of leaves out what the sweep cannot take: driven neurons to silence,
        # silenced ones to drive
        of = sim.select_neurons(con, args.of, seed=args.seed, what="--of",
                                exclude=stim if args.sweep == "silence:each" else silence)
        experiments = sim.each_experiments(con, args.sweep, of, stimulate=stim)
    else:
        experiments = sim.grid_experiments(*_grid(args.sweep), stimulate=stim)
    sim.check_experiments(con, experiments, params=params, silence=silence)  # before any cluster
    workers = _workers(args)
    where = args.scheduler or f"a local cluster of {count(workers, 'worker')}"
    info(f"{args.network}: {count(len(experiments), 'experiment')} x {count(args.trials, 'trial')} "
         f"of {args.duration:g} s on {where}")
    # the workers load a named network themselves; one read with options is sent to them
    ds = sim.run_experiments(con if opts else args.network, experiments, duration_ms, params=params,
                             silence=silence, n_trials=args.trials, seed=args.seed, mode=args.mode,
                             scheduler=args.scheduler, n_workers=workers, progress=True)
    if args.out:
        sim.save_sweep(ds, args.out)
    counts = ds["n_spikes"].values
    summary = {"network": con.name or str(args.network), "sweep": args.sweep,
               "n_experiments": len(experiments), "n_trials": args.trials,
               "duration_s": float(args.duration), "n_workers": None if args.scheduler else workers,
               "scheduler": args.scheduler, "task_s": ds.attrs["task_s"], "sweep_s": ds.attrs["wall_s"],
               "wall_s": round(time.perf_counter() - t0, 6),
               "n_spikes_min": int(counts.min()), "n_spikes_max": int(counts.max())}
    if args.out:
        summary["out"] = [str(args.out)]  # a list, as the spike files of simulate
    note_gap_junctions(con, params)
    if args.json:
        print_json(summary)
        return 0
    print(f"{summary['network']}: {count(summary['n_experiments'], 'experiment')} ({args.sweep}), "
          f"{count(args.trials, 'trial')} of {args.duration:g} s; sweep {summary['sweep_s']:.1f} s "
          f"wall, {summary['task_s']:.1f} s in tasks")
    order = np.argsort(counts, kind="stable")
    shown = list(dict.fromkeys([*order[: args.top // 2], *order[::-1][: args.top - args.top // 2]]))
    if shown:
        width = max(len(str(ds["label"].values[k])) for k in shown)
        print("fewest and most spikes:")
        for k in sorted(shown, key=lambda k: counts[k]):
            print(f"  {ds['label'].values[k]!s:<{width}}  {counts[k]:,} spikes")
    if args.out:
        info(f"rates written to {args.out}")
    return 0


# ---------------------------------------------------------------------------- the command
def _peak_memory_mb() -> float:
    """Peak resident memory of this process and its finished children, in MB (Linux ru_maxrss is KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 1024 / 1024
    return round(max(own, kids) * scale, 1)


def run(args: argparse.Namespace) -> int:
    _check_args(args)
    if args.sweep:
        return _run_sweep(args)
    t0 = time.perf_counter()
    con = load_connectome(args.network, **read_options(args))
    load_s = time.perf_counter() - t0
    stim, silence = _selections(con, args)
    params = _params(args)
    _note_weights(con, params)
    rate_hz = params.rate_hz if args.rate is None else float(args.rate)
    if rate_hz * params.dt_ms / 1000.0 > 1.0:
        raise ConfigError(f"--rate {rate_hz:g} Hz exceeds one input event per time step of {params.dt_ms} ms",
                          f"use --rate <= {1000.0 / params.dt_ms:g}")
    duration_ms = _duration_ms(args.duration, params.dt_ms)

    t1 = time.perf_counter()
    net = sim.build_network(con, params, silence=silence)
    build_s = time.perf_counter() - t1

    t_w = time.perf_counter()
    _warm_up(args.mode)
    kernel_load_s = time.perf_counter() - t_w

    ranks = sim.mpi_world_size()
    if ranks == 1 and _worth_probing(duration_ms, params.dt_ms, args.trials):
        _check_cost(net, duration_ms, stim, rate_hz, args)

    t2 = time.perf_counter()
    mpi = None
    if ranks > 1:  # started by mpiexec -n K: every rank simulates its part, rank 0 reports
        # from here on an error may be one rank's alone: that rank prints it, named
        with distributed_run():
            counts, written, mpi = _run_mpi(net, duration_ms, stim, rate_hz, con, args)
        if mpi is None:
            return 0
        run_s = mpi.pop("run_s")
    elif args.trials == 1 and args.out and not args.plot:  # spikes go to the file as they come
        counts = sim.simulate_to_file(net, duration_ms, args.out, stimulate=stim, rate_hz=rate_hz,
                                  mode=args.mode, seed=args.seed, progress=True,
                                  extra_attrs=_trial_attrs(0, 1, con, args))[None]
        run_s = time.perf_counter() - t2
        written = {"out": [args.out]}
    else:
        trials = _run(net, duration_ms, stim, rate_hz, args)
        run_s = time.perf_counter() - t2
        written = _write_outputs(trials, con, stim, silence, args, duration_ms)
        counts = np.stack([s.counts() for s in trials])
    _remove_leftover_trials(args)
    summary = _summary(con, counts, stim, silence, rate_hz, args, load_s, build_s, run_s, written)
    summary["kernel_load_s"] = round(kernel_load_s, 6)
    if mpi is not None:
        summary.update(mpi)
    summary["wall_s"] = round(time.perf_counter() - t0, 6)
    if args.json:
        print_json(summary)
    else:
        _print_human(summary)
    note_gap_junctions(con, params)
    return 0


def _params(args: argparse.Namespace):
    """The --model preset at --dt; ConfigError in the options' words if --dt does not divide the
    synaptic delay and the refractory period into whole steps."""
    params = sim.neuron_model(args.model)
    if args.dt is None:
        return params
    if not all(sim.is_whole_steps(v, args.dt) for v in (params.delay_ms, params.refractory_ms)):
        raise ConfigError(f"--dt {args.dt:g} ms does not divide the {params.delay_ms:g} ms synaptic delay "
                          f"and the {params.refractory_ms:g} ms refractory period into whole steps",
                          f"e.g. --dt {sim.common_step_ms(args.dt, params.delay_ms, params.refractory_ms):g}")
    return params.replace(dt_ms=args.dt)


def _duration_ms(duration_s: float, dt_ms: float) -> float:
    """--duration (s) in ms, checked by ``sim.check_duration`` (ConfigError if it cannot run)."""
    sim.check_duration(duration_s, dt_ms, name="--duration", unit_ms=1000.0)
    return duration_s * 1000.0


def _worth_probing(duration_ms: float, dt_ms: float, n_trials: int) -> bool:
    """Whether the request (every trial) is long enough to estimate before it runs: more than
    sim.PROBE_FROM_STEPS steps in all (5 s simulated at 0.1 ms), as ``simulate`` probes one
    run. A shorter request finishes in about the time its probe (up to 0.2 s simulated) would
    take, and its spikes are checked against the memory by ``simulate`` itself."""
    return round(duration_ms / dt_ms) * n_trials > sim.PROBE_FROM_STEPS


def _check_cost(net, duration_ms: float, stim: np.ndarray, rate_hz: float, args) -> None:
    """Say what the whole run (every trial) will cost before it starts; refuse what cannot fit.

    One trial is estimated by ``sim.estimate`` (a short probe, extrapolated); N trials take
    1 + (N - 1) / TRIAL_JOBS times as long (``run_trials`` runs the first alone, the others on
    both cores) and all are held in memory until written
    (their spikes, spike counts and per-trial bookkeeping). Raises ResourceError (exit 2) if the memory is not
    available or the run would take longer than the simulator's limit.
    """
    streamed = args.trials == 1 and args.out and not args.plot  # spikes go to the file as they come
    est = sim.estimate(net, duration_ms, chunk_ms=min(sim.CHUNK_MS, duration_ms) if streamed else None,
                       stimulate=stim, rate_hz=rate_hz, mode=args.mode, seed=args.seed)
    n = args.trials
    if n > 1:
        held = (n - 1) * est.n_spikes * SPIKE_BYTES + n * (TRIAL_OVERHEAD_BYTES + 2 * net.n_neurons * 8)
        run_s = (est.run_s + TRIAL_OVERHEAD_S) * (1 + math.ceil((n - 1) / TRIAL_JOBS))
        est = dataclasses.replace(est, run_s=run_s, n_spikes=est.n_spikes * n,
                                  peak_bytes=est.peak_bytes + held, duration_ms=est.duration_ms * n)
    try:
        est.check()
    except ResourceError as exc:
        if n == 1:
            raise
        fit = n - 1
        if est.peak_bytes:
            fit = min(fit, max(1, int(n * 0.8 * est.available_bytes / est.peak_bytes)))
        s = args.seed
        raise ResourceError(f"{n:,} trials of {args.duration:g} s: {exc.message}",
                            f"run fewer --trials (e.g. --trials {fit}) in several commands whose seeds "
                            f"step by the number of trials: --seed {s}, --seed {s + fit}, --seed "
                            f"{s + 2 * fit}, ... (trial k uses seed + k, so closer seeds repeat "
                            "trials); or a shorter --duration") from None
    info(f"estimated cost: {est.describe()} for {count(n, 'trial')} of {args.duration:g} s")


def _warm_up(mode: str) -> None:
    """Load the compiled kernels (numba's on-disk cache, ~0.5–1 s per process) on a 2-neuron
    network, so that run_s measures the simulation only (reported as kernel_load_s)."""
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


def _run_mpi(net, duration_ms: float, stim: np.ndarray, rate_hz: float, con, args):
    """The trials across the MPI ranks, with the spikes and files of a single-process run.

    One trial with --out (no plot) streams the chunks of simulate_mpi_chunks into the
    SpikeFileWriter, as simulate_to_file does in one process. Returns (counts (trial, neuron),
    written, figures) on rank 0, where figures has mpi_ranks, the slowest rank's compute_s /
    exchange_s / partition_s, and run_s: rank 0's wall seconds of the simulation without the
    partitioning (what run_s is in one process: the streamed file included, the files of
    finished trials not); (None, None, None) on the other ranks.
    """
    from mpi4py import MPI  # heavy optional dependency (the 'mpi' extra)

    comm = MPI.COMM_WORLD
    root = comm.Get_rank() == 0
    stats = sim.MPIStats()
    kw = {"stimulate": stim, "rate_hz": rate_hz, "mode": args.mode, "comm": comm, "stats": stats}
    t0 = time.perf_counter()
    if args.trials == 1 and args.out and not args.plot:
        chunks = sim.simulate_mpi_chunks(net, duration_ms, min(sim.CHUNK_MS, duration_ms),
                                         seed=args.seed, **kw)
        if root:
            with sim.SpikeFileWriter(args.out, duration_ms, _trial_attrs(0, 1, con, args)) as writer:
                for chunk in chunks:
                    writer.write(chunk)
            counts, written = writer.counts[None], {"out": [args.out]}
        else:
            for _ in chunks:
                pass
        run_s = time.perf_counter() - t0
    else:
        trials = [sim.simulate_mpi(net, duration_ms, seed=args.seed + k, **kw)
                  for k in range(args.trials)]
        run_s = time.perf_counter() - t0
        if root:
            written = _write_outputs(trials, con, stim, net.silenced, args, duration_ms)
            counts = np.stack([s.counts() for s in trials])
    # partition_s includes the wait for the slowest rank's partitioning (a barrier ends it)
    run_s -= stats.extra.get("partition_s", 0.0)
    figures = comm.gather((stats.compute_s, stats.exchange_s, stats.extra.get("partition_s", 0.0),
                           stats.synapse_bytes), root=0)
    if not root:
        return None, None, None
    compute, exchange, partition, nbytes = (max(f[i] for f in figures) for i in range(4))
    return counts, written, {
        "run_s": run_s, "mpi_ranks": comm.Get_size(), "compute_s": round(compute, 6),
        "exchange_s": round(exchange, 6), "partition_s": round(partition, 6),
        "n_exchanges": stats.n_exchanges, "synapse_mb_per_rank": round(nbytes / 1e6, 3)}


def trial_paths(out: str | Path, n_trials: int) -> list[Path]:
    """Where --out writes: the file itself for one trial, FILE.trial000.SUFFIX, ... for several."""
    out = Path(out)
    if n_trials == 1:
        return [out]
    return [out.with_name(f"{out.stem}.trial{i:03d}{out.suffix}") for i in range(n_trials)]


def _leftover_trials(args: argparse.Namespace) -> list[Path]:
    """Spike files an earlier run with another --trials wrote for the same --out and this run does
    not replace: FILE.trialNNN.SUFFIX beyond this run's trials (all of them for one trial), and
    FILE itself for several. With --overwrite they are removed once the new files are written."""
    if not args.out or args.sweep:
        return []
    out = Path(args.out)
    pattern = re.compile(re.escape(out.stem) + r"\.trial(\d{3,})" + re.escape(out.suffix))
    found = out.parent.glob(f"{glob_escape(out.stem)}.trial*{glob_escape(out.suffix)}")
    stale = [p for p in found if p.is_file() and (m := pattern.fullmatch(p.name))
             and m[1] == f"{int(m[1]):03d}" and (args.trials == 1 or int(m[1]) >= args.trials)]
    if args.trials > 1 and out.is_file():
        stale.append(out)
    return sorted(stale)


def _remove_leftover_trials(args: argparse.Namespace) -> None:
    for path in _leftover_trials(args):
        path.unlink(missing_ok=True)
        info(f"removed {path}, left from an earlier run with another --trials")


def _trial_attrs(i: int, n: int, con, args) -> dict:
    """Provenance added to the spikes of trial i of n."""
    return {"trial": i, "n_trials": n, "network": con.name or str(args.network)}


def _write_outputs(trials: list, con, stim: np.ndarray, silence: np.ndarray, args,
                   duration_ms: float) -> dict:
    """--out and --plot of finished trials. One trial without a plot is written by the same
    SpikeFileWriter as a streamed single-process run, so MPI runs give the same bytes."""
    written: dict = {}
    for i, s in enumerate(trials):
        s.attrs.update(_trial_attrs(i, len(trials), con, args))
    if args.out:
        paths = trial_paths(args.out, len(trials))
        if len(trials) == 1 and not args.plot:
            with sim.SpikeFileWriter(paths[0], duration_ms) as writer:
                writer.write(trials[0])
        else:
            _save_trials(trials, paths)
        written["out"] = [str(p) for p in paths]
    if args.plot:
        fig = plot_summary(trials, con, top=max(4 * args.top, 1), driven=stim, silenced=silence)
        written["plot"] = str(save_figure(fig, args.plot))
    return written


def _save_trials(trials: list, paths: list[Path]) -> None:
    """Save trial k to paths[k], all files or none (``atomic_files``: Ctrl-C or a full disk
    leaves none; a killed run's scratch folder is removed by the next)."""
    with atomic_files(paths) as tmps:
        for s, tmp in zip(trials, tmps, strict=True):
            s.save(tmp)


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
        "silenced": [str(con.names[i]) for i in silence[:100]],
        "rate_hz": rate_hz,
        "duration_s": float(args.duration),
        "n_trials": len(counts),
        "seed": args.seed,
        "load_s": round(load_s, 6),
        "build_s": round(build_s, 6),
        "run_s": round(run_s, 6),
        "sim_s": sim_s,
        "rtf": round(run_s / sim_s, 6),
        **sim.response_summary(counts, float(args.duration), con, stim, silenced=silence,
                               top=args.top),
        "peak_memory_mb": _peak_memory_mb(),
    }
    out.update(written)
    return out


def _print_human(s: dict) -> None:
    trials = count(s["n_trials"], "trial")
    drive = (f"{count(s['n_stimulated'], 'neuron')} driven at {s['rate_hz']:g} Hz"
             if s["n_stimulated"] else "no neurons driven")
    print(f"{s['network']}: {drive}, {s['n_silenced']:,} silenced; "
          f"{s['duration_s']:g} s simulated, {trials}, seed {s['seed']}, model {s['model']}, "
          f"{s['mode']} engine")
    print(f"  {s['n_neurons']:,} neurons, {s['n_connections']:,} connections; load {s['load_s']:.2f} s, "
          f"build {s['build_s']:.2f} s, kernel load {s['kernel_load_s']:.2f} s, run {s['run_s']:.2f} s "
          f"(RTF {s['rtf']:.3g}); peak memory {s['peak_memory_mb']:.0f} MB")
    print(f"  {count(s['n_spikes'], 'spike')}; {count(s['n_active_neurons'], 'neuron')} active "
          f"({s['n_responding_neurons']:,} responding beyond the driven ones)")
    if s["top_responding"]:
        width = max(len(r["name"]) for r in s["top_responding"])
        print("top responding neurons (mean rate):")
        for r in s["top_responding"]:
            note = "  (silenced: fires, but its synapses are cut)" if r["silenced"] else ""
            print(f"  {r['name']:<{width}}  {r['rate_hz']:7.1f} Hz{note}")
    for path in s.get("out", []):
        info(f"spikes written to {path}")
    if s.get("plot"):
        info(f"plot written to {s['plot']}")
