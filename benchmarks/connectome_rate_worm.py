"""Train ``connectome-rate`` on ``worm-default`` once and time it (issue 12: at most 10 min per seed
on 2 cores).

    PYTHONPATH=src python benchmarks/connectome_rate_worm.py [--wiring true] [--seed 0]
        [--heldout-neurons 0.2]
    PYTHONPATH=src python benchmarks/connectome_rate_worm.py --steps-only

--steps-only: CPU milliseconds per training step (batch 8, C = 4, H = 32, one thread) of the
network on the celegans-cook2019 wiring: edges in a dense matrix (the default up to 2,048
neurons), edges gathered per step (larger networks) and the lowrank control. Otherwise:
prints wall and CPU time of the fit (on a shared machine the CPU time is what one free core
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


def steps_only(n_steps: int = 50) -> None:
    import numpy as np
    import torch

    from neurocast.connectome import load_connectome
    from neurocast.models.deep import _net_rate
    from neurocast.models.deep._connectome_rate import rate_edges

    torch.set_num_threads(1)
    torch.manual_seed(0)
    c = load_connectome("celegans-cook2019")
    n = c.n_neurons
    pre, post, w0 = rate_edges(c)
    rank = max(1, round(len(w0) / (2 * n)))
    for label, r, dense_max in (("edges, dense matrix", 0, _net_rate.DENSE_MAX), ("edges, gathered", 0, 0),
                                (f"lowrank (r = {rank})", rank, _net_rate.DENSE_MAX)):
        _net_rate.DENSE_MAX = dense_max
        net = _net_rate.RateNet(n, pre, post, w0, np.ones(n, np.float32), 12, 32, rank=r)
        opt = torch.optim.AdamW(net.parameters(), fused=True)
        x, u, y = torch.randn(8, 4, n), torch.randn(8, 32, 12), torch.randn(8, 32, n)
        for i in range(n_steps + 10):
            if i == 10:
                t0 = time.process_time()
            loss = (net(x, u) - y).abs().mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        ms = (time.process_time() - t0) / n_steps * 1000
        print(f"{label:<22} {ms:6.1f} CPU-ms per step, {sum(p.numel() for p in net.parameters()):,} parameters")
    print(f"{n} neurons, {len(w0):,} edges; load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wiring", default="true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--heldout-neurons", type=float, default=0.0)
    ap.add_argument("--steps-only", action="store_true")
    args = ap.parse_args()
    if args.steps_only:
        steps_only()
        return
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
