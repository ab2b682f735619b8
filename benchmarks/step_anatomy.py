"""Where one `tsmixer` training step's time goes at ZAPBench size (issue 11's 30-minute target).

Runs the training loop's own pieces (MixerNet with ZAPBench's configuration, the loop's fused
``AdamW``) on synthetic windows of ``--neurons`` neurons (71,721: ZAPBench), C = 4, H = 32,
batch 8, and times per step, on ``--threads`` torch threads, first through autograd:

  forward    the network's forward pass (with autograd recording)
  loss       the MAE's forward pass (``mae_loss``)
  backward   the whole backward pass
  adamw      the optimiser step

then the training loop's own path: ``mae_step`` (forward, loss and the gradients written out,
no autograd) and AdamW; then the parts no implementation can avoid, each alone on the same shapes: the neuron-mixing
matrix products of one step (forward and backward, 6 per block) and the AdamW step. From these
it projects the wall time of a training that stops at ``--stop-step`` (validations excluded):
as measured, at that floor, and with the products in bfloat16 (timed too, on the CPU's bf16
units if it has them). Prints one line per measurement and the projection.

    PYTHONPATH=src python benchmarks/step_anatomy.py [--neurons 71721] [--steps 15]
        [--threads 2] [--stop-step 13200]

``--stop-step``: 13,200 is the least early stopping can take on the 71,721-neuron fly-zap subset
of benchmarks/README.md (its best validation so far at step 7,950, then ZAPBench's rule: 21
validations of 250 steps without an improvement; 12,950 under the rule neurocast had before
2026-12-05, which stopped at the 20th).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from neurocast.models.deep._mae_loss import mae_loss
from neurocast.models.deep._training import AdamW, import_torch, torch_settings

C, H, BATCH, WIDTH, BLOCKS = 4, 32, 8, 256, 2


def median_ms(fn, reps: int) -> float:
    """Median wall time of fn() in ms over ``reps`` calls, after two untimed ones."""
    fn()
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neurons", type=int, default=71_721)
    ap.add_argument("--steps", type=int, default=15, help="timed steps (after 2 untimed)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--stop-step", type=int, default=13_200)
    args = ap.parse_args()
    torch = import_torch()
    from neurocast.models.deep._net_mixer import MixerNet

    n = args.neurons
    with torch_settings(args.threads):
        torch.manual_seed(0)
        net = MixerNet(n, C, H, blocks=BLOCKS, feature_width=WIDTH, revin=False)
        n_par = sum(p.numel() for p in net.parameters())
        frames = torch.randn(C + H, BATCH, n) * 0.1  # time-major windows, as the loop hands them
        ctx, tgt = frames[:C].transpose(0, 1), frames[C:].transpose(0, 1)
        opt = AdamW(torch, net.parameters(), lr=1e-3, weight_decay=1e-4)
        parts = {"forward": [], "loss": [], "backward": [], "adamw": []}
        for k in range(args.steps + 2):
            t0 = time.perf_counter()
            opt.zero_grad()
            y = net(ctx)
            t1 = time.perf_counter()
            loss = mae_loss(y, tgt)
            t2 = time.perf_counter()
            loss.backward()
            t3 = time.perf_counter()
            opt.step()
            t4 = time.perf_counter()
            if k >= 2:
                for name, dt in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                    parts[name].append(1e3 * dt)
        step = {name: float(np.median(v)) for name, v in parts.items()}
        total = sum(step.values())
        print(f"tsmixer, {n:,} neurons, C = {C}, H = {H}, batch {BATCH}, {args.threads} threads, "
              f"{n_par:,} parameters ({4 * n_par / 1e6:.0f} MB)")
        for name, ms in step.items():
            print(f"  {name:9s} {ms:7.1f} ms  ({ms / total:4.0%})")
        print(f"  step      {total:7.1f} ms (medians of {args.steps} steps)")
        own, own_adamw = [], []
        for k in range(args.steps + 2):
            t0 = time.perf_counter()
            opt.zero_grad()
            net.mae_step(ctx, None, tgt, tgt.numel())
            t1 = time.perf_counter()
            opt.step()
            t2 = time.perf_counter()
            if k >= 2:
                own.append(1e3 * (t1 - t0))
                own_adamw.append(1e3 * (t2 - t1))
        step["adamw"] = float(np.median(own_adamw))
        total = float(np.median(own)) + step["adamw"]
        print(f"  the training loop's path: mae_step {np.median(own):7.1f} ms + adamw "
              f"{step['adamw']:.1f} ms = {total:.1f} ms")

        rows = BATCH * C  # the neuron mixing sees (C · batch, neurons)
        x, g_x = torch.randn(rows, n), torch.randn(rows, n)
        h, g_h = torch.randn(rows, WIDTH), torch.randn(rows, WIDTH)
        w_up, w_down = torch.randn(WIDTH, n), torch.randn(n, WIDTH)
        products = {  # one block's neuron-mixing products; a step makes them BLOCKS times
            "up, forward": lambda: x @ w_up.T, "down, forward": lambda: h @ w_down.T,
            "down, weight gradient": lambda: g_x.T @ h, "down, input gradient": lambda: g_x @ w_down,
            "up, weight gradient": lambda: g_h.T @ x, "up, input gradient": lambda: g_h @ w_up,
        }
        gemm = 0.0
        for name, fn in products.items():
            ms = median_ms(fn, args.steps)
            gemm += BLOCKS * ms
            print(f"  alone: {name:22s} {ms:6.1f} ms, {2 * rows * n * WIDTH / ms / 1e6:5.0f} GFLOP/s")
        print(f"  alone: the {6 * BLOCKS} neuron-mixing products of a step {gemm:.1f} ms; "
              f"AdamW {step['adamw']:.1f} ms; together {gemm + step['adamw']:.1f} ms "
              f"({(gemm + step['adamw']) / total:.0%} of the step)")
        # the same products in bfloat16 (AMX or AVX-512 BF16 where the CPU has them), each
        # weight cast once per step as mixed precision would (master weights stay float32)
        half = {k: v.bfloat16() for k, v in
                {"x": x, "g_x": g_x, "h": h, "g_h": g_h, "w_up": w_up, "w_down": w_down}.items()}
        products16 = {
            "up, forward": lambda: half["x"] @ half["w_up"].T,
            "down, forward": lambda: half["h"] @ half["w_down"].T,
            "down, weight gradient": lambda: half["g_x"].T @ half["h"],
            "down, input gradient": lambda: half["g_x"] @ half["w_down"],
            "up, weight gradient": lambda: half["g_h"].T @ half["x"],
            "up, input gradient": lambda: half["g_h"] @ half["w_up"],
        }
        gemm16 = BLOCKS * sum(median_ms(fn, args.steps) for fn in products16.values())
        casts = BLOCKS * (median_ms(lambda: w_up.bfloat16(), args.steps)
                          + median_ms(lambda: w_down.bfloat16(), args.steps))
        rest = total - gemm  # everything but the neuron-mixing products
        print(f"  bfloat16: the {6 * BLOCKS} products {gemm16:.1f} ms (float32: {gemm:.1f} ms), "
              f"casting the {2 * BLOCKS} weights {casts:.1f} ms")
        s = args.stop_step
        print(f"{s:,} steps: {s * total / 6e4:.1f} min at the measured step, "
              f"{s * (gemm + step['adamw']) / 6e4:.1f} min if a step cost only its products and "
              f"AdamW, {s * (rest + gemm16 + casts) / 6e4:.1f} min with the products in bfloat16 "
              "(validations not included)")


if __name__ == "__main__":
    main()
