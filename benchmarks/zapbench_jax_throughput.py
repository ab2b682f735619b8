"""Training throughput of ZAPBench's own JAX models on this machine (the peer of
``train_throughput.py``).

ZAPBench's code is not on PyPI (the ``zapbench`` package there is an empty placeholder), so
this script imports its model classes from a checkout of github.com/google-research/zapbench
(``--zapbench-src``: the folder holding the ``zapbench`` package) and needs, in the Python that
runs it, ``jax jaxlib flax optax connectomics`` (PyPI). It is meant to run in a separate
environment from neurocast's (``train_throughput.py --jax-python`` starts it there and prints
both rates side by side).

One training step is ZAPBench's: the model's ``apply`` with ``train=True``, the mean absolute
error over the batch, its gradient and an ``optax.adamw`` update (lr 1e-3, weight decay 1e-4),
compiled into one XLA call with ``jax.jit``. Batches of 8 windows are gathered from an
in-memory (frames, neurons) array at random starts, as a data loader would hand them over;
what ZAPBench's ``train.py`` adds around its step (grain loading, ``pmap`` over devices,
per-step metrics) is left out, so the rates here are an upper bound on its own.

Configurations (ZAPBench's ``ts_forecasting/configs``, short context): ``linear`` Nlinear with
constant initialisation, no normalisation; ``timemix`` Tsmixer with time mixing only, 5
blocks; ``tsmixer`` 2 blocks, feature-mixing width 256; ReLU, dropout 0, no instance
normalisation at C = 4, 32 steps ahead.

    python benchmarks/zapbench_jax_throughput.py --zapbench-src PATH [--traces FILE.npy]
        [--neurons 302 --frames 3000] [--context 4] [--steps 2000] [--warmup 100]
        [--models linear,timemix,tsmixer]

Prints one JSON object per model on stdout: {"model", "windows_per_s", "cpu_windows_per_s",
"s_step", "params", "jax", "devices"}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

HORIZON = 32
BATCH = 8


def build(name: str, context: int):
    """The flax module of ZAPBench's configuration ``name`` at context ``context``."""
    from zapbench.models import nlinear, tsmixer

    if name == "linear":
        return nlinear.Nlinear(nlinear.NlinearConfig(num_outputs=HORIZON, constant_init=True,
                                                     normalization=False))
    common = dict(pred_len=HORIZON, activation="relu", dropout=0.0, instance_norm=context > 4,
                  revert_instance_norm=True, norm="", time_mix_mlp_dim=-1,
                  time_mix_residual=True, feature_mix_residual=True, block_residual=False)
    if name == "timemix":
        cfg = tsmixer.TsmixerConfig(n_block=5, time_mix_only=True, mlp_dim=256, **common)
    elif name == "tsmixer":
        cfg = tsmixer.TsmixerConfig(n_block=2, time_mix_only=False,
                                    mlp_dim=256 if context <= 4 else 128, **common)
    else:
        raise SystemExit(f"unknown model {name!r}: choose from linear, timemix, tsmixer")
    return tsmixer.Tsmixer(cfg)


def measure(name: str, traces: np.ndarray, context: int, steps: int, warmup: int) -> dict:
    """Time ``steps`` jitted training steps (after ``warmup``) of model ``name`` on batches of
    BATCH windows drawn from ``traces`` (frames, neurons) float32."""
    import jax
    import jax.numpy as jnp
    import optax

    model = build(name, context)
    frames, n = traces.shape
    params = model.init(jax.random.PRNGKey(0), jnp.ones((BATCH, context, n)), train=False)["params"]
    opt = optax.adamw(1e-3, weight_decay=1e-4)
    opt_state = opt.init(params)

    def loss_fn(p, x, y):
        return jnp.mean(jnp.abs(model.apply({"params": p}, x, train=True) - y))

    @jax.jit
    def step(p, s, x, y):
        loss, grad = jax.value_and_grad(loss_fn)(p, x, y)
        updates, s = opt.update(grad, s, p)
        return optax.apply_updates(p, updates), s, loss

    rng = np.random.default_rng(0)
    offsets = np.arange(context + HORIZON)

    def batch():
        idx = rng.integers(0, frames - context - HORIZON, BATCH)[:, None] + offsets
        win = traces[idx]  # (BATCH, C + H, N)
        return jnp.asarray(win[:, :context]), jnp.asarray(win[:, context:])

    for _ in range(warmup):
        params, opt_state, loss = step(params, opt_state, *batch())
    loss.block_until_ready()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        params, opt_state, loss = step(params, opt_state, *batch())
    loss.block_until_ready()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    n_params = sum(int(np.prod(a.shape)) for a in jax.tree_util.tree_leaves(params))
    return {"model": name, "windows_per_s": steps * BATCH / wall,
            "cpu_windows_per_s": steps * BATCH / cpu, "s_step": wall / steps,
            "params": n_params, "jax": jax.__version__, "devices": str(jax.devices())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zapbench-src", required=True,
                    help="folder holding ZAPBench's 'zapbench' package (a git checkout)")
    ap.add_argument("--traces", default=None,
                    help="a .npy file of (frames, neurons) float32 to draw windows from "
                         "(default: random frames of --frames × --neurons)")
    ap.add_argument("--neurons", type=int, default=302)
    ap.add_argument("--frames", type=int, default=3000)
    ap.add_argument("--context", type=int, default=4)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--models", default="linear,timemix,tsmixer")
    args = ap.parse_args()
    sys.path.insert(0, args.zapbench_src)
    if args.traces:
        traces = np.load(args.traces).astype(np.float32)
    else:
        traces = np.random.default_rng(1).standard_normal((args.frames, args.neurons),
                                                          dtype=np.float32)
    for name in args.models.split(","):
        print(json.dumps(measure(name, traces, args.context, args.steps, args.warmup)), flush=True)


if __name__ == "__main__":
    main()
