"""Time and peak memory of `neurocast record fly-synth --stimulus fly-zap` (issue 5).

Target: the full protocol (7,879 frames at 0.9141 s = 2 h of 138,639 neurons) in at most
30 min and 8 GB on 2 cores. Three measurements:

  record      record(fly-synth, fly-zap) for the first --frames frames (the protocol shortened
              in proportion), then save_dataset with the connectome; reports simulation,
              observation and writing time separately, the simulation's real-time factor and
              the fraction of neurons that spiked per condition.
  record --silent
              the same with no input at all (nothing spikes): imaging and writing of all
              7,879 frames at full size, i.e. the memory and time that do not depend on activity.
  observe     the observation model alone (calcium integration, Hill, noise, ZAPBench ΔF/F)
              on synthetic Poisson spikes for --neurons neurons over all 7,879 frames.

    .venv/bin/python benchmarks/record_fly_zap.py record --frames 300
    .venv/bin/python benchmarks/record_fly_zap.py record --silent
    .venv/bin/python benchmarks/record_fly_zap.py observe --neurons 8192

Prints progress to stderr and one JSON line (wall_s, sim_s, observe_s, write_s, peak_rss_gb,
fraction of neurons spiking and spikes/s per condition) on stdout.

Measured 2026-11-23 (2 shared cores, load ~1; details and history in docs/recordings.md):

  record --plan fly-zap-sparse (all 7,879 frames, the first fly-zap: shiu-adapt, 400 driven per condition,
    5 % x 1 Hz background):             sim 414 s (RTF 0.058), observe 90 s, write 17 s,
                                         wall 8.7 min, 114.9 M spikes, peak RSS 7.20 GB
                                         (`neurocast record` itself: 9.0 min, 7.19 GB)
  record --frames 300 (same protocol):  sim 22.6 s (RTF 0.082), 4.6 M spikes, peak 0.95 GB
  Target (issue 5): <= 30 min and <= 8 GB on 2 cores: met for fly-zap-sparse. The calibrated
  fly-zap (slow module states, issue 17) makes 3.4x the spikes: not yet measured at full length.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def peak_rss_gb() -> float:
    """Peak resident memory of this process so far (GB; Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def bench_record(frames: int, seed: int, out: str | None, silent: bool = False, plan: str = "fly-zap") -> dict:
    from dataclasses import replace

    from neurocast.connectome import load_connectome
    from neurocast.data import save_dataset
    from neurocast.record import get_plan, record

    t0 = time.perf_counter()
    con = load_connectome("fly-synth")
    t1 = time.perf_counter()
    print(f"loaded {con} in {t1 - t0:.1f} s", file=sys.stderr)
    proto = get_plan(plan).with_frames(frames)
    if silent:  # no input at all: the full-size observation and writing without simulation cost
        proto = replace(proto, background_rate_hz=0.0, states=None,
                        conditions=tuple(replace(c, drives=()) for c in proto.conditions))
    ds = record(con, proto, seed=seed)
    t2 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="fly-zap-")) if out is None else None
    path = (tmp / "fly.zarr") if out is None else Path(out)
    save_dataset(ds, path, connectome=con, overwrite=True)
    t3 = time.perf_counter()
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    peak_gb = peak_rss_gb()  # before the statistics below, which need scratch memory of their own
    sim_s = float(ds.attrs["wall_sim_s"])
    counts = ds["spike_counts"].values
    offsets = np.concatenate([[0], np.cumsum([c.n_frames for c in proto.conditions])])
    active, spikes_per_s = {}, {}
    for c, a, b in zip(proto.conditions, offsets[:-1], offsets[1:], strict=True):
        hit = np.zeros(counts.shape[1], dtype=bool)
        total = 0
        for f in range(int(a), int(b), 256):  # blocks of frames: bounded scratch memory
            block = counts[f:min(f + 256, int(b))]
            hit |= (block > 0).any(axis=0)
            total += int(block.sum(dtype=np.int64))
        active[c.name] = round(float(hit.mean()), 4)
        spikes_per_s[c.name] = round(total / ((b - a) * proto.frame_dt_s))
    simulated_s = frames * proto.frame_dt_s
    full_s = get_plan(plan).duration_s
    return {
        "what": "record-silent" if silent else "record", "frames": frames, "neurons": con.n_neurons,
        "simulated_s": round(simulated_s, 1),
        "n_spikes": int(ds.attrs["n_spikes"]), "load_s": round(t1 - t0, 2), "sim_s": sim_s,
        "observe_s": float(ds.attrs["wall_observe_s"]), "write_s": round(t3 - t2, 2),
        "wall_s": round(t3 - t0, 2), "rtf_sim": round(sim_s / simulated_s, 3),
        "projected_full_sim_min": round(sim_s / simulated_s * full_s / 60, 1),
        "peak_rss_gb": round(peak_gb, 2), "fraction_spiking_per_condition": active,
        "spikes_per_s_per_condition": spikes_per_s,
    }


def bench_observe(neurons: int, rate_hz: float, seed: int) -> dict:
    from neurocast.observe import CalciumIntegrator, ObserveConfig, fluorescence
    from neurocast.record import get_plan

    p = get_plan("fly-zap")
    frames, dt = p.n_frames, p.frame_dt_s
    rng = np.random.default_rng(seed)
    n_spikes = rng.poisson(rate_hz * frames * dt * neurons)
    t_s = np.sort(rng.uniform(0, frames * dt, n_spikes))
    nid = rng.integers(0, neurons, n_spikes).astype(np.int32)
    cfg = ObserveConfig()
    traces = np.empty((frames, neurons), dtype=np.float32)
    t0 = time.perf_counter()
    integ = CalciumIntegrator(neurons, dt, cfg.indicator)
    edges = np.arange(0, frames + 64, 64).clip(max=frames)
    cut = np.searchsorted(t_s, edges[1:-1] * dt)
    for a, b, ts, ns in zip(edges[:-1], edges[1:], np.split(t_s, cut), np.split(nid, cut), strict=True):
        if b > a:
            integ.advance(ts, ns, int(b - a), out=traces[a:b])
    t1 = time.perf_counter()
    fluorescence(traces, cfg, frame_dt_s=dt, seed=seed)
    t2 = time.perf_counter()
    per_neuron = (t2 - t0) / neurons
    return {
        "what": "observe", "frames": frames, "neurons": neurons, "rate_hz": rate_hz, "n_spikes": int(n_spikes),
        "calcium_s": round(t1 - t0, 2), "fluorescence_dff_s": round(t2 - t1, 2), "observe_s": round(t2 - t0, 2),
        "projected_138639_neurons_min": round(per_neuron * 138_639 / 60, 1),
        "peak_rss_gb": round(peak_rss_gb(), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("record")
    r.add_argument("--frames", type=int, default=7879)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--plan", default="fly-zap",
                   help="stimulus plan (default fly-zap; fly-zap-sparse reproduces the figures above)")
    r.add_argument("--silent", action="store_true",
                   help="no input (nothing spikes): time and memory of imaging and writing at full size")
    r.add_argument("--out", default=None, help="keep the dataset here (default: a temporary folder)")
    o = sub.add_parser("observe")
    o.add_argument("--neurons", type=int, default=8192)
    o.add_argument("--rate-hz", type=float, default=0.5)
    o.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.what == "record":
        result = bench_record(args.frames, args.seed, args.out, args.silent, args.plan)
    else:
        result = bench_observe(args.neurons, args.rate_hz, args.seed)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
