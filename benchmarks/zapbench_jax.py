"""ZAPBench's own JAX models on this machine: the peer of ``train_throughput.py`` (speed) and
``deep_worm_accuracy.py`` (scores).

ZAPBench's code is not on PyPI (the ``zapbench`` package there is an empty placeholder), so
this script imports its model classes from a checkout of github.com/google-research/zapbench
(``--zapbench-src``: the folder holding the ``zapbench`` package) and needs, in the Python that
runs it, ``jax jaxlib flax optax connectomics`` (PyPI). It runs in a separate environment from
neurocast's; the two neurocast scripts start it there with ``--zapbench-python``.

Configurations (ZAPBench's ``ts_forecasting/configs``, short context): ``linear`` Nlinear with
constant initialisation, no normalisation; ``timemix`` Tsmixer with time mixing only, 5
blocks; ``tsmixer`` 2 blocks, feature-mixing width 256 (128 at long context); ReLU, dropout 0,
instance normalisation only at long context (C > 4), 32 steps ahead.

One training step is ZAPBench's: the model's ``apply`` with ``train=True``, the mean absolute
error over the batch, its gradient and an ``optax.adamw`` update (lr 1e-3, weight decay 1e-4),
compiled into one XLA call with ``jax.jit``, on batches of 8 windows gathered beforehand. What
ZAPBench's ``train.py`` adds around that step (grain loading, ``pmap``, per-step metrics) is
left out, so its speed here is an upper bound on its own.

Two modes:

``throughput``: time ``--steps`` steps after ``--warmup`` per model, on ``--traces`` (a .npy of
(frames, neurons) float32) or random frames; prints one JSON object per model:
{"model", "windows_per_s", "cpu_windows_per_s", "s_step", "params", "jax", "devices"}.

``serve``: answer JSON requests, one per line on stdin, one JSON reply per line on stdout:
{"cmd": "fit", "model", "seed", "data": NPZ} trains on the npz's ``train_K`` / ``val_K``
segments ((frames, neurons) float32 each) with ZAPBench's training rules (AdamW as above, batch
8, an epoch visits every window once in a random order, the val MAE over every val window
every 250 steps, ZAPBench's ``EarlyStoppingWithStep`` (patience 20, min_delta 1e-4: it stops at
the 21st validation in a row without such an improvement) and ``TrackBestStep`` (the parameters
of the lowest val MAE are kept)) and replies {"steps", "best_step", "best_val_mae", "train_s", "n_parameters"};
{"cmd": "predict", "in": NPY, "out": NPY} forecasts the contexts (b, C, N) in NPY with the
fitted parameters into (b, 32, N).

    python benchmarks/zapbench_jax.py throughput --zapbench-src PATH [--traces FILE.npy]
        [--neurons 302 --frames 3000] [--context 4] [--steps 2000] [--warmup 100]
        [--models linear,timemix,tsmixer]
    python benchmarks/zapbench_jax.py serve --zapbench-src PATH --context 4
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

HORIZON = 32
BATCH = 8
VAL_EVERY, PATIENCE, MIN_DELTA = 250, 20, 1e-4


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


class Trainer:
    """ZAPBench's model ``name``, its parameters and one jitted AdamW step on the MAE."""

    def __init__(self, name: str, context: int, n_neurons: int, seed: int):
        import jax
        import jax.numpy as jnp
        import optax

        self.jax, self.jnp = jax, jnp
        self.model = build(name, context)
        x = jnp.ones((BATCH, context, n_neurons))
        self.params = self.model.init(jax.random.PRNGKey(seed), x, train=False)["params"]
        opt = optax.adamw(1e-3, weight_decay=1e-4)
        self.opt_state = opt.init(self.params)
        model = self.model

        def loss_fn(p, x, y):
            return jnp.mean(jnp.abs(model.apply({"params": p}, x, train=True) - y))

        @jax.jit
        def step(p, s, x, y):
            loss, grad = jax.value_and_grad(loss_fn)(p, x, y)
            updates, s = opt.update(grad, s, p)
            return optax.apply_updates(p, updates), s, loss

        self._step = step
        self.forecast = jax.jit(lambda p, x: model.apply({"params": p}, x, train=False))

    def step(self, x: np.ndarray, y: np.ndarray):
        self.params, self.opt_state, loss = self._step(self.params, self.opt_state,
                                                       self.jnp.asarray(x), self.jnp.asarray(y))
        return loss

    def predict(self, x: np.ndarray, params=None) -> np.ndarray:
        return np.asarray(self.forecast(self.params if params is None else params,
                                        self.jnp.asarray(x)))

    def n_params(self) -> int:
        return sum(int(np.prod(a.shape)) for a in self.jax.tree_util.tree_leaves(self.params))


def windows(segments: list[np.ndarray], context: int) -> np.ndarray:
    """(segment, start) of every window of C + H frames inside one segment: int (n, 2)."""
    span = context + HORIZON
    return np.array([(k, s) for k, seg in enumerate(segments)
                     for s in range(seg.shape[0] - span + 1)], dtype=np.int64).reshape(-1, 2)


def gather(segments, picks: np.ndarray, context: int) -> tuple[np.ndarray, np.ndarray]:
    """Contexts (b, C, N) and targets (b, H, N) of the windows ``picks`` (b, 2)."""
    win = np.stack([segments[k][s:s + context + HORIZON] for k, s in picks])
    return win[:, :context], win[:, context:]


def fit(req: dict, context: int) -> tuple[Trainer, dict]:
    """Train ZAPBench's model on the request's segments to early stopping (see the module doc)."""
    data = np.load(req["data"])
    train = [data[k] for k in sorted((k for k in data.files if k.startswith("train_")),
                                     key=lambda k: int(k.split("_")[1]))]
    val = [data[k] for k in sorted((k for k in data.files if k.startswith("val_")),
                                   key=lambda k: int(k.split("_")[1]))]
    seed = int(req["seed"])
    trainer = Trainer(req["model"], context, train[0].shape[1], seed)
    rng = np.random.default_rng(seed)
    train_w, val_w = windows(train, context), windows(val, context)
    vx, vy = gather(val, val_w, context)
    if len(train_w) < BATCH:
        raise ValueError(f"{len(train_w)} train windows, fewer than a batch of {BATCH}")
    best, best_step, best_params, step = np.inf, 0, trainer.params, 0
    reference, count, stop = np.inf, 0, False
    t0 = time.perf_counter()
    while not stop:
        order = rng.permutation(len(train_w))
        for lo in range(0, len(order) - BATCH + 1, BATCH):
            trainer.step(*gather(train, train_w[order[lo:lo + BATCH]], context))
            step += 1
            if step % VAL_EVERY:
                continue
            v = sum(np.abs(trainer.predict(vx[i:i + 256]) - vy[i:i + 256]).sum(dtype=np.float64)
                    for i in range(0, len(vx), 256)) / vy.size
            if v < best:  # TrackBestStep: the checkpoint ZAPBench scores
                best, best_step, best_params = v, step, trainer.params
            if v < reference - MIN_DELTA:  # EarlyStoppingWithStep
                reference, count = v, 0
            else:
                stop, count = count >= PATIENCE, count + 1
            if stop:
                break
    trainer.params = best_params
    return trainer, {"steps": step, "best_step": best_step, "best_val_mae": best,
                     "train_s": round(time.perf_counter() - t0, 1),
                     "n_parameters": trainer.n_params()}


def serve(context: int) -> None:
    """Answer fit / predict requests (see the module doc) until stdin closes. Replies go to the
    original stdout; anything else printed (by JAX or a library) goes to stderr, so that it
    cannot be taken for a reply. A failed request replies {"error": message}."""
    replies = sys.stdout
    sys.stdout = sys.stderr
    trainer = None
    for line in sys.stdin:
        try:
            req = json.loads(line)
            if req["cmd"] == "fit":
                trainer, reply = fit(req, context)
            elif req["cmd"] == "predict" and trainer is not None:
                np.save(req["out"], trainer.predict(np.load(req["in"]).astype(np.float32)))
                reply = {"ok": True}
            else:
                reply = {"error": f"cannot {req['cmd']!r} now"}
        except Exception as exc:  # reported to the client, which raises it
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def throughput(name: str, traces: np.ndarray, context: int, steps: int, warmup: int) -> dict:
    """Time ``steps`` training steps (after ``warmup``) of model ``name`` on batches of BATCH
    windows at random starts in ``traces`` (frames, neurons) float32. Eight batches are
    gathered and put on the device before the clock starts and are used in turn: the time is
    the compiled step's alone (at ZAPBench size gathering a batch with NumPy costs tens of ms)."""
    import jax

    trainer = Trainer(name, context, traces.shape[1], 0)
    rng = np.random.default_rng(0)
    offsets = np.arange(context + HORIZON)
    batches = []
    for _ in range(8):
        win = traces[rng.integers(0, traces.shape[0] - context - HORIZON, BATCH)[:, None] + offsets]
        batches.append((jax.device_put(win[:, :context]), jax.device_put(win[:, context:])))
    for k in range(max(warmup, 1)):  # at least one: the first call compiles the step
        loss = trainer.step(*batches[k % 8])
    loss.block_until_ready()
    t0, c0 = time.perf_counter(), time.process_time()
    for k in range(steps):
        loss = trainer.step(*batches[k % 8])
    loss.block_until_ready()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"model": name, "windows_per_s": steps * BATCH / wall,
            "cpu_windows_per_s": steps * BATCH / cpu, "s_step": wall / steps,
            "params": trainer.n_params(), "jax": jax.__version__, "devices": str(jax.devices())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["throughput", "serve"])
    ap.add_argument("--zapbench-src", required=True,
                    help="folder holding ZAPBench's 'zapbench' package (a git checkout)")
    ap.add_argument("--context", type=int, default=4)
    ap.add_argument("--traces", default=None,
                    help="throughput: a .npy of (frames, neurons) float32 to draw windows from "
                         "(default: random frames of --frames × --neurons)")
    ap.add_argument("--neurons", type=int, default=302)
    ap.add_argument("--frames", type=int, default=3000)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--models", default="linear,timemix,tsmixer")
    args = ap.parse_args()
    sys.path.insert(0, args.zapbench_src)
    if args.mode == "serve":
        serve(args.context)
        return
    if args.traces:
        traces = np.load(args.traces).astype(np.float32)
    else:
        traces = np.random.default_rng(1).standard_normal((args.frames, args.neurons),
                                                          dtype=np.float32)
    for name in args.models.split(","):
        print(json.dumps(throughput(name, traces, args.context, args.steps, args.warmup)),
              flush=True)


if __name__ == "__main__":
    main()
