"""Train ``connectome-rate`` on ``worm-default`` once and time it (issue 12: at most 10 min per seed
on 2 cores).

    PYTHONPATH=src python benchmarks/connectome_rate_worm.py [--wiring true] [--seed 0]
        [--heldout-neurons 0.2]

Prints wall and CPU time of the fit (on a shared machine the CPU time is what one free core
needs: the batches are small enough that training runs on one thread), the steps trained, the
parameter count and the best val MAE, then the scores of the bench (C = 4, H = 32, the
dataset's own protocol).
"""

from __future__ import annotations

import argparse
import os
import time

from neurocast import open_dataset
from neurocast.bench import run_benchmark
from neurocast.models.deep import ConnectomeRateConfig, ConnectomeRateForecaster, TrainConfig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wiring", default="true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--heldout-neurons", type=float, default=0.0)
    args = ap.parse_args()
    ds = open_dataset("worm-default")
    model = ConnectomeRateForecaster(32, ConnectomeRateConfig(wiring=args.wiring, train=TrainConfig(seed=args.seed)))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = run_benchmark(ds, models=[model], heldout_neurons=args.heldout_neurons)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    f = model.fitted
    load = os.getloadavg()[0]
    print(f"connectome-rate ({args.wiring}, seed {args.seed}) on worm-default: fit {f['fit_s']:.1f} s wall; "
          f"fit + evaluation {wall:.1f} s wall, {cpu:.1f} s CPU; load average {load:.1f} on "
          f"{os.cpu_count()} cores")
    print(f"steps {f['steps']} (best {f['best_step']}, {f['stopped_by']}), {f['windows_per_s']} windows/s, "
          f"{f['n_parameters']:,} parameters ({f['n_edges']:,} coupling), best val MAE {f['best_val_mae']:.4f}")
    print(result.summary)


if __name__ == "__main__":
    main()
