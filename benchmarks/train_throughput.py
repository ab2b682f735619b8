"""Training throughput (windows per second) of the learned forecasters, batch 8.

1. worm-default (302 neurons, C = 4, H = 32, the real recording): ``--steps`` optimiser steps per
   model after ``--warmup`` steps; validation excluded from the timing.
2. ``--dataset PATH``: a dataset store (e.g. the full ``fly-zap`` recording), C = 4, H = 32,
   its own protocol: ``--zapbench-steps`` steps per model after one warm-up step; frames are
   read as training reads them (held in memory within ``TrainConfig.memory_budget_gb``, else
   streamed in blocks).
3. ZAPBench size (71,721 neurons, synthetic frames, C = 4 and C = 256): ``--zapbench-steps``
   steps per model after one warm-up step, to project a full training (ZAPBench's early
   stopping needs at least 5,500 steps: the first validation at 250, then 21 × 250). Batches whose activations exceed
   ``TrainConfig.activation_budget_gb`` run as micro-batches (the ``micro`` column).

Models that train on neuron samples (``train_neurons``, 8,192 by default: population,
linear-mae, timemix and tide; not tsmixer, which mixes the neurons) count windows of their
sampled neurons when the data have more; the "neurons per window" column says how many.

Prints one line per (size, model) and a table; timings are wall-clock and CPU seconds of this
process (on a shared machine the CPU rate is the fairer one). ``--threads N`` runs torch on N
threads; without it, the training loop's own choice (``threads_for``: one thread for batches
below 2**20 values, as at worm-default, else ``TrainConfig.threads``). Peak RSS is that of the
whole process: run one model per process (``--models``) for a per-model figure. GFLOP/step
counts the matrix products of one forward and backward pass (``FlopCounterMode``; one window,
times the batch); element-wise work and AdamW are not in it.

    PYTHONPATH=src python benchmarks/train_throughput.py [--steps 400] [--zapbench-steps 3]
        [--models linear-mae,timemix,tsmixer,tide,population] [--skip-zapbench | --skip-worm]
        [--threads N] [--zapbench-contexts 4,256] [--zapbench-models ...] [--dataset PATH]
        [--zapbench-python PYTHON --zapbench-src ZAPBENCH_CHECKOUT]

With ``--zapbench-python`` and ``--zapbench-src``, each worm-default model that ZAPBench also has
(linear-mae as its ``linear``, timemix, tsmixer) is followed by ZAPBench's own JAX version on the
same frames, steps and warm-up, in that other Python (``zapbench_jax.py``), and a
table of the two rates closes the output.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from neurocast.data import segments_for
from neurocast.data.protocol import get_protocol, protocol_for_dataset
from neurocast.models import get_model
from neurocast.models.deep._config import neuron_sample
from neurocast.models.deep._training import (
    resolve_device,
    threads_for,
    torch_settings,
    train_network,
)
from neurocast.models.deep._windows import WindowStream


def step_flops(torch, net, batch, context, n_neurons, horizon, n_covariates) -> float:
    """Matrix-product FLOPs of one training step's forward and backward pass (one window ×
    ``batch``: every model's work is linear in the number of windows)."""
    from torch.utils.flop_counter import FlopCounterMode

    from neurocast.models.deep._mae_loss import mae_loss

    sample = neuron_sample(getattr(net, "train_neurons", 0), n_neurons)  # a model trained on neuron samples
    n = sample or n_neurons
    kw = {"neurons": torch.arange(n)} if sample else {}
    x = torch.zeros((1, context, n))
    future = torch.zeros((1, horizon, n_covariates)) if n_covariates else None
    with FlopCounterMode(display=False) as counter:
        mae_loss(net(x, future, **kw), torch.zeros((1, horizon, n))).backward()
    net.zero_grad(set_to_none=True)
    return counter.get_total_flops() * batch


# the fewest steps ZAPBench's early stopping takes (val every 250, stop at the 21st without gain)
MIN_STEPS = 250 + 21 * 250
# neurocast's name → the configuration name in zapbench_jax.py
ZAPBENCH_NAMES = {"linear-mae": "linear", "timemix": "timemix", "tsmixer": "tsmixer"}


def zapbench_jax(args, traces: np.ndarray, name: str) -> dict:
    """ZAPBench's JAX model ``name`` timed by zapbench_jax.py in ``--zapbench-python``
    on the same frames (written to a temporary .npy), steps and warm-up: its JSON line."""
    script = Path(__file__).with_name("zapbench_jax.py")
    with tempfile.TemporaryDirectory() as tmp:
        frames = Path(tmp) / "traces.npy"
        np.save(frames, np.nan_to_num(traces).astype(np.float32))
        run = subprocess.run([args.zapbench_python, str(script), "throughput",
                              "--zapbench-src", args.zapbench_src,
                              "--traces", str(frames), "--steps", str(args.steps), "--warmup",
                              str(args.warmup), "--models", name], capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"zapbench_jax.py failed ({run.returncode}):\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def measure(name, traces, proto, stimulus, *, steps, warmup, threads):
    """Dict of wall and CPU windows/s, s per step, parameters, threads, micro-batch and
    GFLOP per step of ``steps`` training steps after ``warmup``; threads None: the loop's choice."""
    model = get_model(name, horizon=proto.horizon)
    tc = dataclasses.replace(model.cfg.train, max_steps=warmup + steps, val_every=10**9, device="cpu")
    train = WindowStream(segments_for(traces, proto, "train", stimulus=stimulus), budget_bytes=4e9,
                         what="train", with_stimulus=model.uses_stimulus)
    # one val window: the loop validates once, after the last step (not timed)
    first = segments_for(traces, proto, "val", stimulus=stimulus)[0]
    one = dataclasses.replace(first, stop=first.start + proto.context + proto.horizon)
    val = WindowStream([one], budget_bytes=1e9, what="val", with_stimulus=model.uses_stimulus)
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
        result = train_network(net, train, val, tc, device="cpu", label=name, on_step=on_step)
        flops = step_flops(torch, net, tc.batch_size, proto.context, train.n_neurons, proto.horizon,
                           train.n_covariates)
        n_par = sum(p.numel() for p in net.parameters())
    (w0, c0), (w1, c1) = marks[warmup], marks[warmup + steps]
    n = steps * tc.batch_size
    return {"wall": n / (w1 - w0), "cpu": n / (c1 - c0), "s_step": (w1 - w0) / steps,
            "cpu_s_step": (c1 - c0) / steps, "params": n_par, "threads": threads,
            "micro": result.micro_batch, "gflop": flops / 1e9, "load": os.getloadavg()[0],
            "neurons": neuron_sample(getattr(net, "train_neurons", 0), train.n_neurons) or train.n_neurons}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="linear-mae,timemix,tsmixer,tide,population")
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--zapbench-steps", type=int, default=3)
    ap.add_argument("--skip-zapbench", action="store_true")
    ap.add_argument("--skip-worm", action="store_true")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: the loop's choice)")
    ap.add_argument("--zapbench-contexts", default="4,256", help="contexts C at ZAPBench size")
    ap.add_argument("--zapbench-models", default=None, help="models at ZAPBench size (default: --models)")
    ap.add_argument("--dataset", default=None, help="also measure on this dataset store (C = 4)")
    ap.add_argument("--zapbench-python", default=None,
                    help="a Python with jax, flax, optax and connectomics: after each worm-default "
                         "model, ZAPBench's own JAX version is timed on the same frames "
                         "(zapbench_jax.py; needs --zapbench-src)")
    ap.add_argument("--zapbench-src", default=None, help="a checkout of google-research/zapbench")
    args = ap.parse_args()
    names = args.models.split(",")
    if bool(args.zapbench_python) != bool(args.zapbench_src):
        ap.error("--zapbench-python and --zapbench-src go together")
    print(f"load average at start: {os.getloadavg()}")
    rows, peers = [], []
    if not args.skip_worm:
        from neurocast.catalog import open_dataset

        ds = open_dataset("worm-default")
        proto = protocol_for_dataset(ds, None, context=4, horizon=32)
        traces = np.asarray(ds["traces"].values)
        stim = np.asarray(ds["stimulus"].values)
        for name in names:
            r = measure(name, traces, proto, stim, steps=args.steps, warmup=args.warmup, threads=args.threads)
            rows.append(("worm-default", 4, name, r))
            print(rows[-1], flush=True)
            if args.zapbench_python and name in ZAPBENCH_NAMES:
                peers.append((name, r, zapbench_jax(args, traces, ZAPBENCH_NAMES[name])))
                print(peers[-1][2], flush=True)
    if args.dataset:
        from neurocast.catalog import open_dataset

        ds = open_dataset(args.dataset)
        proto = protocol_for_dataset(ds, None, context=4, horizon=32)
        for name in (args.zapbench_models or args.models).split(","):
            r = measure(name, ds["traces"], proto, np.asarray(ds["stimulus"].values),
                        steps=args.zapbench_steps, warmup=1, threads=args.threads)
            rows.append((f"{ds.attrs.get('name', args.dataset)} ({ds.sizes['neuron']:,})", 4, name, r))
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
                r = measure(name, x, p, s, steps=args.zapbench_steps, warmup=1, threads=args.threads)
                rows.append(("zapbench-size", c, name, r))
                print(rows[-1], flush=True)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"\nload average at end: {os.getloadavg()}; peak RSS of the process {peak_gb:.2f} GB")
    print("| data | C | model | neurons per window | parameters | threads | micro | windows/s (wall) | "
          "windows/s (CPU time) | s/step | CPU s/step | GFLOP/step | 5,500 steps (min) | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for data, c, name, r in rows:
        print(f"| {data} | {c} | {name} | {r['neurons']:,} | {r['params']:,} | {r['threads']} | {r['micro']} | "
              f"{r['wall']:,.1f} | "
              f"{r['cpu']:,.1f} | {r['s_step']:.4f} | {r['cpu_s_step']:.4f} | {r['gflop']:,.2f} | "
              f"{MIN_STEPS * r['s_step'] / 60:.1f} | {r['load']:.2f} |")
    if peers:
        print("\nworm-default, the same frames, batch 8, C = 4, one after the other:")
        print("| model | neurocast windows/s | ZAPBench JAX windows/s | neurocast / JAX | parameters "
              "(neurocast, JAX) |")
        print("|---|---|---|---|---|")
        for name, r, jax in peers:
            print(f"| {name} | {r['wall']:,.0f} | {jax['windows_per_s']:,.0f} | "
                  f"{r['wall'] / jax['windows_per_s']:.2f} | {r['params']:,}, {jax['params']:,} |")


if __name__ == "__main__":
    main()
