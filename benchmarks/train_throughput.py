"""Training throughput (windows per second) of the learned forecasters, batch 8.

1. worm-default (302 neurons, C = 4, H = 32, the real recording): ``--steps`` optimiser steps per
   model after ``--warmup`` steps; validation excluded from the timing.
2. ZAPBench size (71,721 neurons, synthetic frames, C = 4 and C = 256): a few steps per model,
   to project a full training (ZAPBench stops early after at least patience × val_every =
   5,000 steps). TiDE is skipped there: its temporal decoder alone holds a (8, 71,721, 32, 128)
   activation, 9.4 GB, at batch 8.

Prints one line per (size, model) and a table; timings are wall-clock and CPU seconds of this
process (on a shared machine the CPU rate is the fairer one). ``--threads N`` runs torch on N
threads; without it, the training loop's own choice (``threads_for``: one thread for batches
below 2**20 values, as at worm-default, else ``TrainConfig.threads``).

    PYTHONPATH=src python benchmarks/train_throughput.py [--steps 400] [--zapbench-steps 3]
        [--models linear-mae,timemix,tsmixer,tide,population] [--skip-zapbench] [--threads N]
        [--zapbench-contexts 4,256] [--zapbench-models linear-mae,timemix,tsmixer,population]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import time

import numpy as np

from neurocast.data import segments_for
from neurocast.data.protocol import get_protocol, protocol_for_dataset
from neurocast.models import get_model
from neurocast.models.deep._training import (
    resolve_device,
    threads_for,
    torch_settings,
    train_network,
)
from neurocast.models.deep._windows import WindowStream


def measure(name, traces, proto, stimulus, *, steps, warmup, threads):
    """(wall windows/s, CPU windows/s, s per step, parameters, threads) of ``steps`` training
    steps after ``warmup``; threads None: the training loop's choice."""
    model = get_model(name, horizon=proto.horizon)
    tc = dataclasses.replace(model.cfg.train, max_steps=warmup + steps, val_every=10**9, device="cpu")
    train = WindowStream(segments_for(traces, proto, "train", stimulus=stimulus), budget_bytes=4e9,
                         what="train", with_stimulus=model.uses_stimulus)
    val = WindowStream(segments_for(traces, proto, "val", stimulus=stimulus), budget_bytes=1e9,
                       what="val", with_stimulus=model.uses_stimulus)
    marks = {}

    def on_step(step):
        if step in (warmup, warmup + steps):
            marks[step] = (time.perf_counter(), time.process_time())

    values = tc.batch_size * (proto.context + proto.horizon) * train.n_neurons * model.activation_factor
    threads = threads_for(tc, values) if threads is None else threads
    with torch_settings(threads) as torch:
        torch.manual_seed(0)
        net = model.build_net(proto.context, train.n_neurons, train.n_covariates).to(resolve_device("cpu"))
        model.prepare(net, train)
        train_network(net, train, val, tc, device="cpu", label=name, on_step=on_step)
        n_par = sum(p.numel() for p in net.parameters())
    (w0, c0), (w1, c1) = marks[warmup], marks[warmup + steps]
    n = steps * tc.batch_size
    return n / (w1 - w0), n / (c1 - c0), (w1 - w0) / steps, n_par, threads


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="linear-mae,timemix,tsmixer,tide,population")
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--zapbench-steps", type=int, default=3)
    ap.add_argument("--skip-zapbench", action="store_true")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: the loop's choice)")
    ap.add_argument("--zapbench-contexts", default="4,256", help="contexts C at ZAPBench size")
    ap.add_argument("--zapbench-models", default=None, help="models at ZAPBench size (default: --models)")
    args = ap.parse_args()
    names = args.models.split(",")
    print(f"load average at start: {os.getloadavg()}")
    rows = []
    from neurocast.catalog import open_dataset

    ds = open_dataset("worm-default")
    proto = protocol_for_dataset(ds, None, context=4, horizon=32)
    traces = np.asarray(ds["traces"].values)
    stim = np.asarray(ds["stimulus"].values)
    for name in names:
        r = measure(name, traces, proto, stim, steps=args.steps, warmup=args.warmup, threads=args.threads)
        rows.append(("worm-default", 4, name, *r))
        print(rows[-1], flush=True)
    if not args.skip_zapbench:
        n, t = 71_721, 600
        rng = np.random.default_rng(0)
        x = np.cumsum(rng.normal(0, 0.05, (t, n)).astype(np.float32), axis=0)
        x -= x.mean(axis=0)
        s = rng.random((t, 26)).astype(np.float32)
        for c in (int(v) for v in args.zapbench_contexts.split(",")):
            p = get_protocol("single", frames=t, context=c, horizon=32)
            for name in (args.zapbench_models or args.models).split(","):
                if name == "tide":
                    continue
                r = measure(name, x, p, s, steps=args.zapbench_steps, warmup=1, threads=args.threads)
                rows.append(("zapbench-size", c, name, *r))
                print(rows[-1], flush=True)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"\nload average at end: {os.getloadavg()}; peak RSS {peak_gb:.1f} GB")
    print("| data | C | model | parameters | threads | windows/s (wall) | windows/s (CPU time) | s/step | "
          "5,000 steps (min) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for data, c, name, wall, cpu, sps, n_par, threads in rows:
        print(f"| {data} | {c} | {name} | {n_par:,} | {threads} | {wall:,.0f} | {cpu:,.0f} | {sps:.4f} | "
              f"{5000 * sps / 60:.1f} |")


if __name__ == "__main__":
    main()
