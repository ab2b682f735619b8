"""ZAPBench-scale timing: evaluate `mean` and fit `linear` on 71,721 neurons × 7,879 frames.

Data: a synthetic recording of ZAPBench's size with low-rank smooth dynamics plus noise
(r = 16 latent AR(1) processes with ~20-frame time constants, random loadings, ΔF/F-like
scale, clipped to ZAPBench's [-0.25, 1.5]), held in memory as float32 (2.26 GB).
Protocol: the exact ZAPBench preset, C = 4, H = 32, all 9 test sets (1,557 windows,
3.57 billion predicted values).

Prints wall time and memory of each step and one JSON line at the end.
Targets (issue 6): evaluating `mean` ≤ ~2 min and ≤ 6 GB peak; fitting `linear` ≤ ~2 min.

    .venv/bin/python benchmarks/bench_zapbench_scale.py [--neurons 71721] [--seed 0] [--with-var]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import tracemalloc

import numpy as np

from neurocast.bench import build_scorecard, evaluate, summary_table
from neurocast.data import segments_for
from neurocast.data.protocol import ZAPBENCH, get_protocol
from neurocast.models import LinearForecaster, MeanForecaster, VarForecaster


def peak_rss_gb() -> float:
    """Peak resident memory of this process so far (GB; Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def synthetic_recording(n_frames: int, n_neurons: int, seed: int, rank: int = 16) -> np.ndarray:
    """(time, neuron) float32: smooth low-rank dynamics + noise, generated in blocks of neurons."""
    rng = np.random.default_rng(seed)
    phi = np.exp(-1.0 / rng.uniform(5, 40, rank))  # AR(1) time constants 5..40 frames
    shocks = rng.standard_normal((n_frames, rank)) * np.sqrt(1 - phi ** 2)
    lat = np.empty((n_frames, rank))
    lat[0] = shocks[0]
    for t in range(1, n_frames):  # r = 16 latent series; not a loop over neurons
        lat[t] = phi * lat[t - 1] + shocks[t]
    lat = lat.astype(np.float32)
    out = np.empty((n_frames, n_neurons), dtype=np.float32)
    block = 8192
    for lo in range(0, n_neurons, block):
        hi = min(n_neurons, lo + block)
        load = (rng.standard_normal((rank, hi - lo)) * 0.03).astype(np.float32)
        x = lat @ load + 0.05
        x += rng.standard_normal((n_frames, hi - lo), dtype=np.float32) * np.float32(0.02)
        np.clip(x, -0.25, 1.5, out=out[:, lo:hi])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neurons", type=int, default=ZAPBENCH.n_neurons)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--with-var", action="store_true", help="also time fitting the low-rank var model")
    args = ap.parse_args()

    t0 = time.perf_counter()
    x = synthetic_recording(ZAPBENCH.n_frames, args.neurons, args.seed)
    gen_s = time.perf_counter() - t0
    print(f"data: {x.shape[0]:,} frames × {x.shape[1]:,} neurons float32 ({x.nbytes / 1e9:.2f} GB), "
          f"generated in {gen_s:.1f} s; peak RSS {peak_rss_gb():.2f} GB")

    proto = get_protocol("zapbench", context=4, horizon=32)
    tests = proto.test_sets()
    n_values = sum(s.n_windows for s in tests) * proto.horizon * args.neurons
    print(f"protocol zapbench: {len(tests)} test sets, {sum(s.n_windows for s in tests):,} windows, "
          f"{n_values / 1e9:.2f} billion predicted values")

    evaluate(MeanForecaster(horizon=32), x[:, :64], proto)  # compile the numba kernels once
    tracemalloc.start()
    t0 = time.perf_counter()
    stats = evaluate(MeanForecaster(horizon=32), x, proto)
    eval_s = time.perf_counter() - t0
    _, eval_traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    eval_rss = peak_rss_gb()
    card = build_scorecard({"mean": stats}, proto)
    summ = summary_table(card)["mean"]
    print(f"evaluate mean: {eval_s:.1f} s ({n_values / eval_s / 1e6:.0f} M values/s); "
          f"allocated during evaluation {eval_traced / 1e9:.2f} GB; peak RSS {eval_rss:.2f} GB; "
          f"MAE train conditions {summ['mae']:.4f}, held out {summ['mae_heldout']:.4f}")

    train, val = segments_for(x, proto, "train"), segments_for(x, proto, "val")
    small = segments_for(x[:, :64], proto, "train")
    LinearForecaster(horizon=32).fit(small, segments_for(x[:, :64], proto, "val"))  # compile
    t0 = time.perf_counter()
    lin = LinearForecaster(horizon=32).fit(train, val)
    fit_s = time.perf_counter() - t0
    print(f"fit linear: {fit_s:.1f} s over {sum(s.n_windows for s in train):,} train windows × "
          f"{args.neurons:,} neurons; {lin.fitted['normalize']}, alpha {lin.fitted['alpha']}, val MSE {lin.fitted['val_mse']:.5f}; "
          f"peak RSS {peak_rss_gb():.2f} GB")

    extra = {}
    if args.with_var:
        t0 = time.perf_counter()
        var = VarForecaster(horizon=32).fit(train, val)
        extra["fit_var_s"] = round(time.perf_counter() - t0, 2)
        print(f"fit var: {extra['fit_var_s']:.1f} s (rank {var.fitted['rank']}, alpha {var.fitted['alpha']}); "
              f"peak RSS {peak_rss_gb():.2f} GB")

    print(json.dumps({
        "n_neurons": args.neurons, "n_frames": int(x.shape[0]), "n_predicted_values": int(n_values),
        "generate_s": round(gen_s, 2), "evaluate_mean_s": round(eval_s, 2),
        "evaluate_mean_allocated_gb": round(eval_traced / 1e9, 3), "peak_rss_after_evaluate_gb": round(eval_rss, 3),
        "fit_linear_s": round(fit_s, 2), "peak_rss_gb": round(peak_rss_gb(), 3),
        "mae_mean_train_conditions": summ["mae"], "mae_mean_heldout": summ["mae_heldout"], **extra,
    }))


if __name__ == "__main__":
    main()
