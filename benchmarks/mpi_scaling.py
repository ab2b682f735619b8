"""Strong and weak scaling of `mpiexec -n K neurocast simulate` (K = 1, 2, 4), compute vs exchange.

Each point is one run of the command line under mpiexec (the mpich wheel's), whose --json line
gives run_s and, for K > 1, the slowest rank's compute_s (engine kernels and input events) and
exchange_s (Allgatherv every 1.8 ms of simulated time, including waiting for the other ranks).
K = 1 is the ordinary single-process run (no MPI layer): compute = run_s, exchange = 0. Every
run of one setting writes its spikes, and the script checks they are byte-identical across K.

- strong: one network (fly-synth by default), fixed drive, K = 1, 2, 4;
- weak: a random network of --weak-neurons × K neurons (100 connections each), drive ∝ K;
- large: strong scaling on a random network of --large-neurons neurons × 100 connections
  (1,000,000 × 100 = 100 M connections: 1.3 GB on disk, about 2.1 GB per rank while loading).

This machine has 2 cores: K = 4 is oversubscribed (two ranks per core), and the machine is
shared, so exchange_s includes time spent descheduled. Results: benchmarks/README.md.

    python benchmarks/mpi_scaling.py                                 # strong (fly-synth) + weak
    python benchmarks/mpi_scaling.py --strong fly-synth --drive random:2000 --duration 0.5
    python benchmarks/mpi_scaling.py --weak-neurons 250000 --ranks 1,2
    python benchmarks/mpi_scaling.py --strong "" --weak-neurons 0 --large-neurons 1000000 --drive random:2000 --duration 0.5
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from neurocast.connectome import random_connectome


def _mpiexec() -> str:
    exe = Path(sys.executable).parent / "mpiexec"
    return str(exe) if exe.exists() else "mpiexec"


def _run(k: int, net: str, drive: str, duration: float, out: Path, *extra: str) -> dict:
    cmd = [_mpiexec(), "-n", str(k), sys.executable, "-m", "neurocast.cli", "-q", "simulate", net,
           "--stimulate", drive, "--duration", str(duration), "--seed", "0", "--out", str(out), "--overwrite", "--json",
           *extra]
    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{res.stderr[-2000:]}")
    s = json.loads(res.stdout.strip().splitlines()[-1])
    s.setdefault("compute_s", s["run_s"])
    s.setdefault("exchange_s", 0.0)
    s.setdefault("synapse_mb_per_rank", round(s["n_connections"] * 8 / 1e6, 3))
    return s


def _table(title: str, rows: list[tuple[int, str, str, dict]]) -> None:
    print(f"\n{title}")
    print("| K | network | drive | spikes | run s | compute s | exchange s | partition s | synapses MB/rank "
          "| peak MB (rank 0) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for k, net, drive, s in rows:
        print(f"| {k}{'*' if k > (os.cpu_count() or 1) else ''} | {net} | {drive} | {s['n_spikes']:,} "
              f"| {s['run_s']:.2f} | {s['compute_s']:.2f} | {s['exchange_s']:.2f} "
              f"| {s.get('partition_s', 0.0):.2f} "
              f"| {s['synapse_mb_per_rank']:.0f} | {s['peak_memory_mb']:.0f} |", flush=True)


def _strong(net: str, label: str, drives: str, ranks: list[int], duration: float, tmp: Path) -> None:
    """Strong scaling of network ``net`` (a name or a file) for each drive; checks identical spikes."""
    for drive in drives.split(","):
        rows, files = [], []
        for k in ranks:
            out = tmp / f"strong-{drive.replace(':', '')}-{k}.npz"
            rows.append((k, label, drive, _run(k, net, drive, duration, out)))
            files.append(out.read_bytes())
        same = all(f == files[0] for f in files)
        _table(f"strong scaling, {label}, {duration:g} s simulated (spike files identical across K: {same})", rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ranks", default="1,2,4")
    ap.add_argument("--strong", default="fly-synth", help="network of the strong-scaling runs ('' skips)")
    ap.add_argument("--drive", default="random:20,random:2000", help="drives of the strong runs")
    ap.add_argument("--duration", type=float, default=1.0, help="simulated seconds")
    ap.add_argument("--weak-neurons", type=int, default=100_000, help="neurons per rank (0 skips)")
    ap.add_argument("--large-neurons", type=int, default=0,
                    help="also strong scaling on a random network of this many neurons × 100 connections (0 skips)")
    args = ap.parse_args()
    ranks = [int(k) for k in args.ranks.split(",")]
    print(f"# {_dt.datetime.now(_dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; * = oversubscribed")
    tmp = Path(tempfile.mkdtemp(prefix="mpi-scaling-"))
    for mode in ("event", "reference"):  # compile/load the kernels for the ranks' array types
        _run(2, "celegans-cook2019", "random:5", 0.05, tmp / "warm.npz", "--mode", mode)
    if args.strong:
        _strong(args.strong, args.strong, args.drive, ranks, args.duration, tmp)
    if args.large_neurons:
        path = tmp / f"large-{args.large_neurons}.npz"
        random_connectome(args.large_neurons, 100, seed=0, name=f"random-{args.large_neurons}").save(path)
        _strong(str(path), f"random {args.large_neurons:,} × 100", args.drive, ranks, args.duration, tmp)
        path.unlink()
    if args.weak_neurons:
        rows = []
        for k in ranks:
            n = args.weak_neurons * k
            path = tmp / f"weak-{n}.npz"
            random_connectome(n, 100, seed=0, name=f"random-{n}").save(path)
            drive = f"random:{200 * k}"
            rows.append((k, f"random {n:,} × 100", drive,
                         _run(k, str(path), drive, args.duration, tmp / f"weak-{k}.npz")))
            path.unlink()
        _table(f"weak scaling, {args.weak_neurons:,} neurons and 200 driven per rank, "
               f"{args.duration:g} s simulated", rows)
    print(f"\n# load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
