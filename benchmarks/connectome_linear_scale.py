"""Fit ``connectome-linear`` at fly-zap size: 138,639 neurons, fly-synth's 15.1 M connections.

The traces are synthetic, made on demand frame by frame (so the script does not hold a second
4.4 GB copy): 7,879 frames × 138,639 neurons float32 under ZAPBench's protocol (C = 4, H = 32),
16 latent AR(1) processes with random loadings plus independent noise, and 11 stimulus
covariates (one per condition plus two drives, as the fly-zap plan writes), the shape of the
`fly-zap` recording. The timing is what matters here, not the forecasts.

    PYTHONPATH=src python benchmarks/connectome_linear_scale.py [--neurons N] [--max-partners K]
        [--evaluate-windows W [--batch B ...]] [--rollout-only WIRING [--batch B ...]]
        [--recording STORE [--wiring W]]

--recording fits a real recording instead (e.g. the fly-zap store of ``neurocast record
fly-synth --stimulus fly-zap``), with its own connectome, protocol and covariates, as the
bench does: that is where the stability rule has work to do (synthetic latent traces do not
grow), and the fit time it prints is the one the 10-minute target is about.

Prints the fit time (wall and CPU: on a shared machine the CPU time over 2 is what 2 free
cores need), peak RSS and (with --evaluate-windows) the forecast speed of W windows of the
`dots` test set, in batches of the bench's memory-based default (7 windows at this size), of
the model's ``predict_batch`` (32) and of any --batch sizes, checking that the forecasts do not
depend on the batch. --rollout-only times the forecast kernel alone (no fit: seconds, not minutes).
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np


class LatentTraces:
    """A (time, neuron) float32 array-like whose frames are generated when indexed."""

    def __init__(self, n_frames: int, n_neurons: int, *, rank: int = 16, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.shape = (n_frames, n_neurons)
        self.dtype = np.dtype(np.float32)
        taus = rng.uniform(5, 40, rank)
        z = np.zeros((n_frames, rank))
        for t in range(1, n_frames):
            z[t] = z[t - 1] * np.exp(-1 / taus) + rng.normal(0, 0.3, rank)
        self.latent = z.astype(np.float32)
        self.loadings = (rng.normal(0, 0.05, (rank, n_neurons))).astype(np.float32)
        self.seed = seed

    def __getitem__(self, key):
        if not isinstance(key, slice):
            raise TypeError("index LatentTraces with a slice of frames")
        start, stop, _ = key.indices(self.shape[0])
        out = self.latent[start:stop] @ self.loadings
        noise = np.random.default_rng([self.seed, start]).standard_normal(out.shape, dtype=np.float32)
        out += 0.05 * noise
        return out


def stimulus_covariates(protocol) -> np.ndarray:
    """(time, 11) float32: one indicator per condition plus two pulsed drives."""
    t = protocol.n_frames
    stim = np.zeros((t, 11), np.float32)
    for k, (a, b) in enumerate(zip(protocol.offsets[:-1], protocol.offsets[1:], strict=True)):
        stim[a:b, k] = 1.0
    stim[:, 9] = (np.arange(t) % 20) < 5
    stim[:, 10] = (np.arange(t) % 50) < 10
    return stim


def time_rollout(con, wiring: str, max_partners: int, batches) -> None:
    """The forecast kernel alone, on the partner lists of ``con`` under ``wiring`` (seed 0) with
    random coefficients: 32 steps, C = 4, 20 % of the neurons held out, one call per batch size;
    prints the CPU seconds per window (no fit needed, so it takes seconds, not minutes)."""
    from neurocast.connectome import wiring_control
    from neurocast.models._connectome_linear import (
        _ROLLOUT_BLOCK_BYTES,
        _rollout,
        presynaptic_partners,
    )

    indptr, partners, _ = presynaptic_partners(wiring_control(con, wiring, seed=0), max_partners)
    n = con.n_neurons
    rng = np.random.default_rng(0)
    coef_partner = rng.normal(0, 0.01, len(partners)).astype(np.float32)
    coef_own = rng.normal(0, 0.05, (n, 4)).astype(np.float32)
    bias = rng.normal(0, 0.01, n).astype(np.float32)
    coef_stim = rng.normal(0, 0.01, (n, 11)).astype(np.float32)
    mean = rng.normal(0, 0.1, n).astype(np.float32)
    hidden = rng.random(n) < 0.2

    def run(hist, stim, m=n):
        return _rollout(hist, indptr[:m + 1], partners if m == n else partners % m, coef_partner, coef_own,
                        bias, coef_stim, stim, mean, 32, hidden, _ROLLOUT_BLOCK_BYTES)

    run(np.zeros((4, 10, 1), np.float32), np.zeros((36, 11, 1), np.float32), 10)  # compile
    for b in batches:
        hist = rng.normal(0, 1, (4, n, b)).astype(np.float32)
        stim = rng.random((36, 11, b)).astype(np.float32)
        t0, c0 = time.perf_counter(), time.process_time()
        run(hist, stim)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"rollout, {wiring} wiring, batch {b}: {wall:.2f} s wall, {cpu:.2f} CPU-s, "
              f"{cpu / b:.3f} CPU-s per window; load average {os.getloadavg()[0]:.1f}", flush=True)


def open_recording(path):
    """(connectome, protocol, traces, stimulus) of a recording store, as the bench reads them."""
    from neurocast.catalog import dataset_connectome, open_dataset
    from neurocast.data.protocol import protocol_for_dataset

    ds = open_dataset(path)
    proto = protocol_for_dataset(ds, None, context=4, horizon=32)
    con = dataset_connectome(ds)
    if con is None or not np.array_equal(con.names.astype(str), ds["neuron"].values.astype(str)):
        raise SystemExit(f"{path}: needs its connectome, with its neurons in the recording's order")
    return con, proto, ds["traces"], ds["stimulus"] if "stimulus" in ds else None


def fit_and_report(con, train, val, cfg):
    """Fit connectome-linear under ``cfg`` and print its time, memory and what the fit chose."""
    from neurocast.models import ConnectomeLinearForecaster

    model = ConnectomeLinearForecaster(32, cfg, connectome=con)
    print(f"{con.n_neurons:,} neurons, wiring {cfg.wiring}; train {sum(s.n_frames for s in train):,} frames, "
          f"val {sum(s.n_frames for s in val):,} frames; load average {os.getloadavg()[0]:.1f}", flush=True)
    t0, c0 = time.perf_counter(), time.process_time()
    model.fit(train, val)
    fit_s, fit_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"load average now {os.getloadavg()[0]:.1f}")
    print(f"fit connectome-linear: {fit_s:.1f} s wall ({fit_s / 60:.2f} min), {fit_cpu_s:.1f} s CPU "
          f"(all threads; {fit_cpu_s / 2 / 60:.2f} min on 2 free cores) for {con.n_neurons:,} neurons, "
          f"{model.fitted['n_partners']:,} partner weights; peak RSS {rss:.2f} GB; "
          f"alphas chosen {model.fitted['alpha_counts']}", flush=True)
    growth = {k: model.fitted[k] for k in ("rollout_radius_unconstrained", "rollout_radius", "n_penalty_raised",
                                           "stability_rounds", "stability_checks")}
    print(f"stability: {growth}", flush=True)
    return model


def main():
    from neurocast.connectome import fly_synth
    from neurocast.data import segments_for
    from neurocast.data.protocol import get_protocol
    from neurocast.models import ConnectomeLinearConfig

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neurons", type=int, default=0, help="fit only the first N neurons' subnetwork (0: all)")
    ap.add_argument("--max-partners", type=int, default=ConnectomeLinearConfig.max_partners)
    ap.add_argument("--evaluate-windows", type=int, default=0,
                    help="also time forecasts of W test windows, in the bench's batches (default and the model's)")
    ap.add_argument("--batch", type=int, nargs="*", default=[], help="also time forecasts in batches of these sizes")
    ap.add_argument("--recording", metavar="STORE", default=None,
                    help="fit this recording (its connectome, protocol and covariates) instead of synthetic traces")
    ap.add_argument("--wiring", default="true", help="wiring control for --recording (true, permuted, rewired, none)")
    ap.add_argument("--rollout-only", metavar="WIRING", default=None,
                    help="time only the forecast kernel on this wiring's partner lists (true, permuted, ...), "
                         "with random coefficients, for --batch sizes (default 7 32); no fit")
    args = ap.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)

    if args.recording:
        con, proto, traces, stim = open_recording(args.recording)
        train = segments_for(traces, proto, "train", stimulus=stim)
        val = segments_for(traces, proto, "val", stimulus=stim)
        fit_and_report(con, train, val, ConnectomeLinearConfig(wiring=args.wiring, max_partners=args.max_partners))
        return
    t0 = time.perf_counter()
    con = fly_synth()
    if args.neurons:
        con = con.subnetwork(np.arange(con.n_neurons) < args.neurons)
    t_con = time.perf_counter() - t0
    if args.rollout_only:
        time_rollout(con, args.rollout_only, args.max_partners, args.batch or [7, 32])
        return
    proto = get_protocol("zapbench", frames=7879, context=4, horizon=32)
    traces = LatentTraces(proto.n_frames, con.n_neurons)
    stim = stimulus_covariates(proto)
    train = segments_for(traces, proto, "train", stimulus=stim)
    val = segments_for(traces, proto, "val", stimulus=stim)
    print(f"connectome: {con.n_neurons:,} neurons, {con.n_connections:,} connections (loaded in {t_con:.1f} s); "
          f"{stim.shape[1]} covariates, max_partners {args.max_partners}", flush=True)
    model = fit_and_report(con, train, val, ConnectomeLinearConfig(max_partners=args.max_partners))
    if args.evaluate_windows:
        from neurocast.bench import batch_windows_for

        seg = segments_for(traces, proto, "test", stimulus=stim)[1]  # dots: 323 test windows
        data = seg.load()
        default = batch_windows_for(32, con.n_neurons)
        batches = sorted({default, batch_windows_for(32, con.n_neurons, model=model), *args.batch})
        first_preds = {}
        for batch in batches:
            t0, c0 = time.perf_counter(), time.process_time()
            done = 0
            for first, ctx, _ in seg.windows(data, batch):
                pred = model.predict(np.ascontiguousarray(ctx), seg.meta(first, ctx.shape[0]))
                if first == 0:
                    first_preds[batch] = pred[:min(batches)]
                done += ctx.shape[0]
                if done >= args.evaluate_windows:
                    break
            pred_s, pred_cpu_s = time.perf_counter() - t0, time.process_time() - c0
            print(f"forecast, batches of {batch} windows: {done} windows × 32 steps in {pred_s:.1f} s wall, "
                  f"{pred_cpu_s:.1f} s CPU ({pred_cpu_s / done:.3f} CPU-s per window); "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
        same = all(np.array_equal(first_preds[batches[0]], p) for p in first_preds.values())
        print(f"forecasts of the first {min(batches)} windows identical across batch sizes: {same}; "
              f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")


if __name__ == "__main__":
    main()
