"""Why tsmixer is worse than naive on the calibrated worm-default: train vs val MAE per variant.

Trains one seed of each variant (ZAPBench's configuration and changed learning rate, weight
decay, RevIN, neuron-mixing bottleneck; linear-mae and timemix for reference) on worm-default
(C = 4, H = 32, the dataset's protocol) with early stopping and a step cap, and prints the best
val MAE (and its step), the val MAE of the untrained network and the train MAE over every train
window with the kept weights. A train MAE far below the val MAE is overfitting. One thread.

    PYTHONPATH=src python benchmarks/tsmixer_overfit.py [--max-steps 8000] [--only NAME,...]

Results and reading: docs/benchmark.md ("Scorecards with 3 seeds: the calibrated worm-default").
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np

from neurocast.catalog import open_dataset
from neurocast.data import segments_for
from neurocast.data.protocol import protocol_for_dataset
from neurocast.models import get_model
from neurocast.models.deep._training import _Tensors, _validate, torch_settings, train_network
from neurocast.models.deep._windows import WindowStream

#: (label, model, architecture changes, training changes)
VARIANTS = [
    ("linear-mae", "linear-mae", {}, {}),
    ("timemix", "timemix", {}, {}),
    ("tsmixer", "tsmixer", {}, {}),
    ("tsmixer-seed1", "tsmixer", {}, {"seed": 1}),
    ("tsmixer-lr1e-4", "tsmixer", {}, {"learning_rate": 1e-4}),
    ("tsmixer-wd0.1", "tsmixer", {}, {"weight_decay": 0.1}),
    ("tsmixer-revin", "tsmixer", {"revin": True}, {}),
    ("tsmixer-width16", "tsmixer", {"feature_width": 16}, {}),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-steps", type=int, default=8000)
    ap.add_argument("--only", default=None, help="comma-separated variant labels")
    args = ap.parse_args()
    ds = open_dataset("worm-default")
    proto = protocol_for_dataset(ds, None, context=4, horizon=32)
    traces = np.asarray(ds["traces"].values)
    tr = WindowStream(segments_for(traces, proto, "train"), budget_bytes=4e9, what="train")
    va = WindowStream(segments_for(traces, proto, "val"), budget_bytes=1e9, what="val")
    print(f"{tr.n_windows} train windows, {va.n_windows} val windows, {tr.n_neurons} neurons")
    print("| variant | val MAE at step 0 | best val MAE (step) | train MAE | train s |")
    print("|---|---|---|---|---|")
    only = None if args.only is None else set(args.only.split(","))
    for label, name, arch, train in VARIANTS:
        if only is not None and label not in only:
            continue
        m = get_model(name, horizon=32)
        tc = dataclasses.replace(m.cfg.train, device="cpu", threads=1, max_steps=args.max_steps, **train)
        m = type(m)(horizon=32, cfg=dataclasses.replace(m.cfg, **arch, train=tc))
        t0 = time.perf_counter()
        with torch_settings(1) as torch:
            torch.manual_seed(tc.seed)
            net = m.build_net(proto.context, tr.n_neurons, 0)
            start = _validate(torch, net, _Tensors(torch, va, "cpu"))
            r = train_network(net, tr, va, tc, device="cpu", label=label)
            train_mae = _validate(torch, net, _Tensors(torch, tr, "cpu"))
        print(f"| {label} | {start:.4f} | {r.best_val_mae:.4f} ({r.best_step:,} of {r.steps:,}) | "
              f"{train_mae:.4f} | {time.perf_counter() - t0:.0f} |", flush=True)


if __name__ == "__main__":
    main()
