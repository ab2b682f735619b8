"""Learned forecasters on worm-default, C = 4, several seeds: mean test MAE over the training
conditions (steps 1..32 averaged) and on the held-out condition, with training cost.

Compare with ZAPBench's own code on the same recording (issue 11): Time-Mix 0.1462 ± 0.0002,
TSMixer 0.1486 ± 0.0018, linear 0.1494; our closed-form ridge 0.1575.

    PYTHONPATH=src python benchmarks/deep_worm_accuracy.py [--models linear-mae,timemix,tsmixer]
        [--seeds 3] [--dataset worm-default] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

import numpy as np

from neurocast.bench import evaluate
from neurocast.catalog import open_dataset
from neurocast.data import segments_for
from neurocast.data.protocol import protocol_for_dataset
from neurocast.models import get_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="linear,linear-mae,timemix,tsmixer,population")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--dataset", default="worm-default")
    ap.add_argument("--context", type=int, default=4)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    ds = open_dataset(args.dataset)
    proto = protocol_for_dataset(ds, None, context=args.context, horizon=32)
    traces, stim = ds["traces"], ds["stimulus"] if "stimulus" in ds else None
    train = segments_for(traces, proto, "train", stimulus=stim)
    val = segments_for(traces, proto, "val", stimulus=stim)
    rows = []
    for name in args.models.split(","):
        learned = name not in ("linear", "naive", "mean", "stimulus", "var")
        for seed in range(args.seeds if learned else 1):
            model = get_model(name, horizon=32)
            if learned:
                model.cfg = dataclasses.replace(model.cfg, train=dataclasses.replace(model.cfg.train, seed=seed))
            t0 = time.perf_counter()
            model.fit(train, val)
            fit_s = time.perf_counter() - t0
            res = evaluate(model, traces, proto, stimulus=stim)
            mae = {c: float(s.metric_all("mae").mean()) for c, s in res.items()}
            row = {"model": name, "seed": seed, "fit_s": round(fit_s, 1),
                   "train_mae": float(np.mean([v for c, v in mae.items() if c not in proto.heldout])),
                   "heldout_mae": float(np.mean([mae[c] for c in proto.heldout])) if proto.heldout else None,
                   **{k: model.fitted.get(k) for k in ("steps", "epochs", "best_val_mae", "windows_per_s",
                                                        "n_parameters", "stopped_by")}}
            rows.append(row)
            print(json.dumps(row), flush=True)
    print("\nmodel        seeds  train-cond MAE (mean ± sd)   held-out MAE      fit s   steps")
    for name in dict.fromkeys(r["model"] for r in rows):
        rs = [r for r in rows if r["model"] == name]
        tm = np.array([r["train_mae"] for r in rs])
        hm = np.array([r["heldout_mae"] for r in rs], dtype=float)
        sd = tm.std(ddof=1) if len(rs) > 1 else 0.0
        print(f"{name:12s} {len(rs):5d}  {tm.mean():.4f} ± {sd:.4f}            {np.nanmean(hm):.4f}"
              f"      {np.mean([r['fit_s'] for r in rs]):6.1f}  {np.mean([r['steps'] or 0 for r in rs]):7.0f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
