"""A `silence:each` screen on fly-synth as Dask tasks: wall time with 1 and 2 workers.

Shiu et al. (2024) style: drive some neurons (random:20 at 150 Hz) and silence each of N neurons
in turn, one 1-s simulation per experiment. The same screen runs on a LocalCluster of 1 and of 2
single-threaded worker processes (each worker loads fly-synth and builds the network once); the
script checks that both give the same rates and prints wall time, time inside the tasks and
experiments per second. Needs the 'dask' extra.

    python benchmarks/dask_sweep.py                       # 1,000 neurons, 1 s each, 1 and 2 workers
    python benchmarks/dask_sweep.py --neurons 100 --duration 0.5 --workers 2

Results: benchmarks/README.md ("dask_sweep.py").
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--network", default="fly-synth")
    ap.add_argument("--neurons", type=int, default=1000, help="neurons silenced one at a time")
    ap.add_argument("--stimulate", default="random:20")
    ap.add_argument("--duration", type=float, default=1.0, help="simulated seconds per experiment")
    ap.add_argument("--workers", default="1,2", help="worker counts to time, e.g. 1,2")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from neurocast._dask import dask_client
    from neurocast.connectome import load_connectome
    from neurocast.sim import each_experiments, run_experiments, select_neurons

    print(f"# {_dt.datetime.now(_dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    con = load_connectome(args.network)
    drive = select_neurons(con, args.stimulate, seed=args.seed)
    # a driven neuron is never silenced (refused: it would still fire but reach no other neuron)
    of = np.setdiff1d(select_neurons(con, f"random:{args.neurons}", seed=args.seed + 1), drive)
    exps = each_experiments(con, "silence:each", of, stimulate=drive)
    print(f"{args.network}: {con.n_neurons:,} neurons; {len(exps):,} experiments silence:each, "
          f"{args.stimulate} driven at 150 Hz, {args.duration:g} s each")
    print("| workers | cluster start s | screen wall s | in tasks s | experiments/s | spikes (all) |")
    print("|---|---|---|---|---|---|")
    first = None
    for w in (int(x) for x in args.workers.split(",")):
        t0 = time.perf_counter()
        with dask_client(n_workers=w) as client:
            start_s = time.perf_counter() - t0
            ds = run_experiments(args.network, exps, args.duration * 1000.0, seed=args.seed,
                                 client=client)
        if first is None:
            first = ds["rate_hz"].values
        elif not np.array_equal(first, ds["rate_hz"].values):
            raise SystemExit("the rates differ between worker counts")
        wall = ds.attrs["wall_s"]
        print(f"| {w} | {start_s:.1f} | {wall:.1f} | {ds.attrs['task_s']:.1f} | {len(exps) / wall:.1f} "
              f"| {int(ds['n_spikes'].sum()):,} |", flush=True)
    print(f"# identical rates for every worker count; load average after: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
