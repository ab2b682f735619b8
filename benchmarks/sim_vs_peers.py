"""neurocast vs Brian2 (C++ standalone, Cython runtime) vs NEST 3.10 on the Shiu et al. model.

The same connectome, the same driven neurons, rate, duration and parameters in every simulator.
Each simulator runs in its own fresh process (so import, compilation caches and peak memory are
measured separately); the script prints build time, run time, real-time factor (RTF = run /
simulated time), the ratio of run times to neurocast, peak memory, the number of active neurons
and the correlation of per-neuron firing rates with neurocast.

    python benchmarks/sim_vs_peers.py                                   # fly-synth, 20 driven, 150 Hz, 1 s
    python benchmarks/sim_vs_peers.py --network celegans-cook2019 --duration 10
    python benchmarks/sim_vs_peers.py --peers nest --duration 0.2
    python benchmarks/sim_vs_peers.py --peers none --scaling            # neurocast scaling table

Peers need the 'peers' extra: pip install 'neurocast[peers]'. Results: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import multiprocessing as mp
import os
import platform
import resource
import sys
import time

import numpy as np

SIMULATORS = ("neurocast", "brian2-cpp", "brian2-cython", "nest")
PEERS = SIMULATORS[1:]
SIZES = (1_000, 10_000, 100_000)
DRIVES = (20, 200, 2_000)


# ------------------------------------------------------------------------------ workers
def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _load(network: str, n_neurons: int | None):
    """The connectome: a built-in name or path, or fly-synth scaled to ``n_neurons``."""
    from neurocast.connectome import load_connectome

    if n_neurons:
        from neurocast.connectome._synthetic import fly_synth

        return fly_synth(n_neurons=n_neurons)
    return load_connectome(network)


def _driven(con, k: int, seed: int) -> np.ndarray:
    from neurocast.sim._network import resolve_neurons

    return resolve_neurons(con, f"random:{k}", seed=seed)


def _run_neurocast(con, stim, spec) -> dict:
    from neurocast.sim._network import build_network
    from neurocast.sim._params import ShiuParams
    from neurocast.sim._simulate import simulate

    # compile (numba caches to disk) and warm up on a tiny network first
    tiny = con.subnetwork(np.arange(min(50, con.n_neurons)))
    simulate(build_network(tiny, ShiuParams()), 10.0, stimulate=np.arange(2), seed=0)
    t0 = time.perf_counter()
    net = build_network(con, ShiuParams())
    build_s = time.perf_counter() - t0
    runs, spikes = [], None
    for _ in range(spec["repeats"]):
        t1 = time.perf_counter()
        spikes = simulate(net, spec["duration_ms"], stimulate=stim, rate_hz=spec["rate_hz"],
                          seed=spec["seed"], threads=spec["threads"])
        runs.append(time.perf_counter() - t1)
    # a second seed: how well two independent neurocast runs agree (the noise ceiling for r)
    other = simulate(net, spec["duration_ms"], stimulate=stim, rate_hz=spec["rate_hz"],
                     seed=spec["seed"] + 1, threads=spec["threads"])
    return {"build_s": build_s, "run_s": min(runs), "counts": spikes.counts(),
            "counts_other_seed": other.counts()}


def _run_nest(con, stim, spec) -> dict:
    from neurocast.sim._nest import run_nest

    r = run_nest(con, stimulate=stim, rate_hz=spec["rate_hz"], duration_ms=spec["duration_ms"],
                 seed=spec["seed"], threads=spec["threads"])
    return {"build_s": r.build_s, "run_s": r.run_s, "counts": r.counts, "threads": r.threads}


def _run_brian2(con, stim, spec, device: str) -> dict:
    """Through neurocast.sim._brian2.run_brian2 (the same model written in Brian2's equations)."""
    from neurocast.sim import build_network
    from neurocast.sim._brian2 import run_brian2

    t0 = time.perf_counter()
    net = build_network(con)
    prep_s = time.perf_counter() - t0
    r = run_brian2(net, spec["duration_ms"], stimulate=stim, rate_hz=spec["rate_hz"],
                   seed=spec["seed"], device=device, threads=spec["threads"])
    return {"build_s": prep_s + float(r.build_s), "compile_s": float(r.compile_s),
            "run_s": float(r.run_s), "counts": np.asarray(r.counts)[0]}


def _worker(sim: str, spec: dict, queue) -> None:
    """Child process: load the network, run one simulator, send back timings and counts."""
    try:
        t0 = time.perf_counter()
        con = _load(spec["network"], spec.get("n_neurons"))
        load_s = time.perf_counter() - t0
        stim = _driven(con, spec["n_driven"], spec["seed"])
        if sim == "neurocast":
            out = _run_neurocast(con, stim, spec)
        elif sim == "nest":
            out = _run_nest(con, stim, spec)
        elif sim == "brian2-cpp":
            out = _run_brian2(con, stim, spec, "cpp_standalone")
        elif sim == "brian2-cython":
            out = _run_brian2(con, stim, spec, "runtime")
        else:
            raise ValueError(f"unknown simulator {sim!r}")
        out.update(load_s=load_s, peak_memory_mb=_peak_mb(), n_neurons=con.n_neurons,
                   n_connections=con.n_connections, driven=stim, ok=True,
                   generator=con.attrs.get("params"))
        queue.put(out)
    except Exception as exc:  # report, don't hang the parent
        queue.put({"ok": False, "error": f"{type(exc).__name__}: {exc}"})


def run_one(sim: str, spec: dict, timeout_s: float = 3600.0) -> dict:
    """Run one simulator in a fresh (spawned) process; returns its result dict."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(sim, spec, queue))
    proc.start()
    try:
        out = queue.get(timeout=timeout_s)
    except Exception:
        out = {"ok": False, "error": f"no result within {timeout_s:.0f} s"}
    proc.join(timeout=60)
    if proc.is_alive():
        proc.kill()
        proc.join()
    return out


# ------------------------------------------------------------------------------ analysis
def rate_correlation(a: np.ndarray, b: np.ndarray, driven: np.ndarray) -> tuple[float, int]:
    """Pearson r of spike counts over non-driven neurons active in either run, and their number."""
    mask = (a > 0) | (b > 0)
    mask[driven] = False
    n = int(mask.sum())
    if n < 3 or np.std(a[mask]) == 0 or np.std(b[mask]) == 0:
        return float("nan"), n
    return float(np.corrcoef(a[mask], b[mask])[0, 1]), n


def compare(spec: dict, sims: list[str], log=print) -> list[dict]:
    rows = []
    base = None
    for sim in sims:
        log(f"  running {sim} ...", file=sys.stderr, flush=True)
        res = run_one(sim, spec)
        res["simulator"] = sim
        if not res.get("ok"):
            log(f"  {sim} failed: {res['error']}", file=sys.stderr)
            rows.append(res)
            continue
        counts = np.asarray(res["counts"])
        driven = np.asarray(res["driven"])
        nd = np.ones(len(counts), dtype=bool)
        nd[driven] = False
        res["n_active"] = int((counts > 0).sum())
        res["n_responding"] = int(((counts > 0) & nd).sum())
        res["mean_rate_responding_hz"] = (float(counts[(counts > 0) & nd].mean()) / (spec["duration_ms"] / 1000)
                                          if res["n_responding"] else 0.0)
        res["rtf"] = res["run_s"] / (spec["duration_ms"] / 1000.0)
        if sim == "neurocast":
            base = res
            res["r_self"], _ = rate_correlation(counts, np.asarray(res.pop("counts_other_seed")), driven)
        if base is not None:
            res["ratio"] = res["run_s"] / base["run_s"]
            res["r"], res["n_compared"] = rate_correlation(np.asarray(base["counts"]), counts, driven)
        rows.append(res)
    return rows


def format_table(rows: list[dict]) -> str:
    head = (f"{'simulator':<15}{'load s':>8}{'build s':>9}{'run s':>10}{'RTF':>9}{'× neurocast':>13}"
            f"{'peak MB':>9}{'active':>8}{'resp.':>7}{'resp. Hz':>10}{'r rates':>9}")
    lines = [head, "-" * len(head)]
    for r in rows:
        if not r.get("ok"):
            lines.append(f"{r['simulator']:<15}failed: {r['error']}")
            continue
        ratio = f"{r['ratio']:.1f}" if "ratio" in r else "-"
        corr = f"{r['r']:.4f}" if r.get("r") == r.get("r") and "r" in r else "-"
        if r["simulator"] == "neurocast":
            corr = "1"
        lines.append(f"{r['simulator']:<15}{r['load_s']:>8.2f}{r['build_s']:>9.2f}{r['run_s']:>10.3f}{r['rtf']:>9.4f}"
                     f"{ratio:>13}{r['peak_memory_mb']:>9.0f}{r['n_active']:>8}{r['n_responding']:>7}"
                     f"{r['mean_rate_responding_hz']:>10.2f}{corr:>9}")
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{cpu}, {os.cpu_count()} logical CPUs (affinity {len(os.sched_getaffinity(0))}), "
            f"{mem_gb:.0f} GB RAM, {platform.system()} {platform.release()}, Python {platform.python_version()}")


def scaling(spec: dict, sims: list[str], log=print) -> str:
    """Run time vs network size (fly-synth statistics) and vs number of driven neurons."""
    lines = [f"{'network':<22}{'driven':>7}{'simulator':>15}{'load s':>8}{'build s':>9}{'run s':>9}{'RTF':>9}"
             f"{'active':>8}{'peak MB':>9}"]
    cases = [(n, spec["n_driven"], f"fly-synth {n // 1000}k") for n in SIZES]
    cases += [(spec.get("n_neurons"), k, spec["network"]) for k in DRIVES]
    for n, k, label in cases:
        case = dict(spec, n_neurons=n, n_driven=k)
        for sim in sims:
            log(f"  scaling: {label}, {k} driven, {sim} ...", file=sys.stderr, flush=True)
            r = compare(case, [sim], log=lambda *a, **k: None)[0]
            if not r.get("ok"):
                lines.append(f"{label:<22}{k:>7}{sim:>15}  failed: {r['error']}")
                continue
            lines.append(f"{label:<22}{k:>7}{sim:>15}{r['load_s']:>8.2f}{r['build_s']:>9.2f}{r['run_s']:>9.3f}"
                         f"{r['rtf']:>9.4f}{r['n_active']:>8}{r['peak_memory_mb']:>9.0f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--network", default="fly-synth", help="built-in name or connectome file (fly-synth)")
    ap.add_argument("--neurons", type=int, default=None,
                    help="use fly-synth statistics scaled to this many neurons instead of --network")
    ap.add_argument("--driven", type=int, default=20, help="number of driven neurons, random:K with --seed (20)")
    ap.add_argument("--rate", type=float, default=150.0, help="Poisson rate of the drive, Hz (150)")
    ap.add_argument("--duration", type=float, default=1.0, help="simulated seconds (1)")
    ap.add_argument("--seed", type=int, default=0, help="seed for driven neurons and inputs (0)")
    ap.add_argument("--threads", type=int, default=2, help="threads of every simulator (2)")
    ap.add_argument("--repeats", type=int, default=3, help="neurocast runs; the fastest counts (3)")
    ap.add_argument("--peers", default=",".join(PEERS),
                    help=f"comma-separated peers to run: {', '.join(PEERS)}, or 'none' (all)")
    ap.add_argument("--scaling", action="store_true",
                    help=f"also print run time vs size {SIZES} and vs drive {DRIVES}")
    ap.add_argument("--scaling-peers", default="none",
                    help="peers to include in the scaling table as well (default none: neurocast only)")
    ap.add_argument("--json", metavar="FILE", help="also write all results (without counts) to FILE")
    args = ap.parse_args(argv)

    def _peer_list(text: str) -> list[str]:
        if text.strip().lower() in ("none", ""):
            return []
        out = [p.strip() for p in text.split(",") if p.strip()]
        bad = [p for p in out if p not in PEERS]
        if bad:
            ap.error(f"unknown peer(s) {', '.join(bad)}; choose from {', '.join(PEERS)}")
        return out

    if not (np.isfinite(args.rate) and args.rate >= 0) or not args.duration > 0 or args.driven < 0:
        ap.error("--rate must be >= 0, --duration > 0 and --driven >= 0")
    peers = _peer_list(args.peers)
    if args.neurons is not None:
        if args.neurons < 2:
            ap.error("--neurons must be >= 2")
        args.network = f"fly-synth {args.neurons:,}"
    spec = {"network": args.network, "n_neurons": args.neurons, "n_driven": args.driven, "rate_hz": args.rate,
            "duration_ms": round(args.duration * 1000.0, 6), "seed": args.seed,
            "threads": args.threads, "repeats": args.repeats}
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# {stamp} — {machine()}")
    print("# load average at start (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"# {args.network}: {args.driven} driven at {args.rate:g} Hz, {args.duration:g} s simulated, "
          f"seed {args.seed}, {args.threads} threads each")
    rows = compare(spec, ["neurocast", *peers])
    ok = next((r for r in rows if r.get("ok")), None)
    if ok:
        print(f"# {ok['n_neurons']:,} neurons, {ok['n_connections']:,} connections")
        if ok.get("generator"):
            print("# generator: " + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                             for k, v in ok["generator"].items()))
    print(format_table(rows))
    if rows[0].get("ok"):
        print(f"# noise ceiling: neurocast seed {args.seed} vs seed {args.seed + 1}: r = {rows[0]['r_self']:.4f} "
              "(r rates: Pearson r of per-neuron spike counts with neurocast over non-driven neurons "
              "active in either run)")
    extra = [f"{r['simulator']}: compile {r['compile_s']:.1f} s" for r in rows if r.get("compile_s")]
    if extra:
        print("# " + "; ".join(extra))
    table = None
    if args.scaling:
        print()
        print("# scaling (fly-synth statistics; sizes with the default drive, drives on "
              f"{args.network})")
        table = scaling(spec, ["neurocast", *_peer_list(args.scaling_peers)])
        print(table)
    print("# load average at end (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    if args.json:
        clean = [{k: v for k, v in r.items() if k not in ("counts", "driven")} for r in rows]
        with open(args.json, "w") as fh:
            json.dump({"date": stamp, "machine": machine(), "spec": spec, "results": clean,
                       "scaling": table}, fh, indent=1, default=float)
    return 0 if all(r.get("ok") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
