"""Learned forecasters on worm-default, C = 4, several seeds: mean test MAE over the training
conditions (steps 1..32 averaged) and on the held-out condition, with training cost.

Issue 11 gives ZAPBench's own code's figures on the first (LIF) worm-default: Time-Mix
0.1462 ± 0.0002, TSMixer 0.1486 ± 0.0018, linear 0.1494. Built-in recordings change, so with
``--zapbench-python PYTHON --zapbench-src CHECKOUT`` ZAPBench's own JAX models (``zapbench:linear``,
``zapbench:timemix``, ``zapbench:tsmixer``; see zapbench_jax.py) are trained here too, on the same
train and val frames, with ZAPBench's training rules, and scored by the same evaluation.

    PYTHONPATH=src python benchmarks/deep_worm_accuracy.py [--models linear-mae,timemix,tsmixer]
        [--seeds 3] [--dataset worm-default] [--json OUT.json]
        [--zapbench-python PYTHON --zapbench-src CHECKOUT
         --models linear-mae,timemix,tsmixer,zapbench:linear,zapbench:timemix,zapbench:tsmixer]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from neurocast.bench import evaluate
from neurocast.catalog import open_dataset
from neurocast.data import segments_for
from neurocast.data.protocol import protocol_for_dataset
from neurocast.models import Forecaster, get_model


class ZapbenchJax(Forecaster):
    """ZAPBench's JAX model ``model`` ('linear', 'timemix', 'tsmixer'), fitted and run by
    zapbench_jax.py's ``serve`` mode in another Python; frames and forecasts pass as files."""

    def __init__(self, model: str, seed: int, python: str, src: str, context: int, horizon: int = 32):
        super().__init__(horizon=horizon)
        self.name, self.model, self.seed = f"zapbench:{model}", model, seed
        self.tmp = tempfile.TemporaryDirectory()
        script = Path(__file__).with_name("zapbench_jax.py")
        self.proc = subprocess.Popen([python, str(script), "serve", "--zapbench-src", src,
                                      "--context", str(context)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def _ask(self, **req) -> dict:
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.name}: zapbench_jax.py serve ended (see its stderr)")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"{self.name}: {reply['error']}")
        return reply

    def fit(self, train, val):
        data = Path(self.tmp.name) / "segments.npz"
        np.savez(data, **{f"train_{k}": s.load() for k, s in enumerate(train)},
                 **{f"val_{k}": s.load() for k, s in enumerate(val)})
        self.fitted = self._ask(cmd="fit", model=self.model, seed=self.seed, data=str(data))
        return self

    def predict(self, context, meta=None):
        src, out = Path(self.tmp.name) / "context.npy", Path(self.tmp.name) / "forecast.npy"
        np.save(src, np.ascontiguousarray(context, dtype=np.float32))
        self._ask(cmd="predict", **{"in": str(src), "out": str(out)})
        return np.load(out)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()
        self.tmp.cleanup()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="linear,linear-mae,timemix,tsmixer,population")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--dataset", default="worm-default")
    ap.add_argument("--context", type=int, default=4)
    ap.add_argument("--json", default=None)
    ap.add_argument("--zapbench-python", default=None,
                    help="a Python with jax, flax, optax and connectomics (for zapbench:* models)")
    ap.add_argument("--zapbench-src", default=None, help="a checkout of google-research/zapbench")
    args = ap.parse_args()
    if any(n.startswith("zapbench:") for n in args.models.split(",")) and not (
            args.zapbench_python and args.zapbench_src):
        ap.error("zapbench:* models need --zapbench-python and --zapbench-src")
    ds = open_dataset(args.dataset)
    proto = protocol_for_dataset(ds, None, context=args.context, horizon=32)
    traces, stim = ds["traces"], ds["stimulus"] if "stimulus" in ds else None
    train = segments_for(traces, proto, "train", stimulus=stim)
    val = segments_for(traces, proto, "val", stimulus=stim)
    rows = []
    for name in args.models.split(","):
        learned = name not in ("linear", "naive", "mean", "stimulus", "var")
        for seed in range(args.seeds if learned else 1):
            if name.startswith("zapbench:"):
                model = ZapbenchJax(name.split(":", 1)[1], seed, args.zapbench_python,
                                    args.zapbench_src, args.context)
            else:
                model = get_model(name, horizon=32)
            if learned and not isinstance(model, ZapbenchJax):
                model.cfg = dataclasses.replace(model.cfg, train=dataclasses.replace(model.cfg.train, seed=seed))
            try:
                t0 = time.perf_counter()
                model.fit(train, val)
                fit_s = time.perf_counter() - t0
                res = evaluate(model, traces, proto, stimulus=stim)
            finally:
                if isinstance(model, ZapbenchJax):
                    model.close()
            mae = {c: float(s.metric_all("mae").mean()) for c, s in res.items()}
            row = {"model": name, "seed": seed, "fit_s": round(fit_s, 1),
                   "train_mae": float(np.mean([v for c, v in mae.items() if c not in proto.heldout])),
                   "heldout_mae": float(np.mean([mae[c] for c in proto.heldout])) if proto.heldout else None,
                   **{k: model.fitted.get(k) for k in ("steps", "epochs", "best_val_mae", "windows_per_s",
                                                        "n_parameters", "stopped_by", "best_step")}}
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
