"""Speed of neurocast's simulation engine on fly-synth, before/after side by side.

Times ``neurocast.sim.simulate`` on the built-in ``fly-synth`` (138,639 neurons, ~15 M
connections): 1 s simulated, 20, 200 and 2,000 randomly driven neurons at 150 Hz (fixed seeds),
in the event-driven ("fast") engine and the dense "reference" engine; the minimum of several
runs counts (the machine is shared). Also the synchronous-firing corner of issue 16: 100,000
unconnected neurons all driven at 150 Hz for 0.2 s, ~1,500 spikes in every step.

Every case prints wall time, RTF (wall time / simulated time), CPU time of the process (all
threads; the better figure on a loaded machine), number of spikes and a hash of the spike
trains (so that two code versions can be checked to give identical spikes).

    python benchmarks/sim_engine.py                       # this checkout
    python benchmarks/sim_engine.py --compare REV         # REV (e.g. a commit) and this checkout
    python benchmarks/sim_engine.py --compare REV --rounds 3   # the two alternated three times
    python benchmarks/sim_engine.py --drives 20,2000 --repeats 5 --no-reference
    python benchmarks/sim_engine.py --json out.json

``--compare REV`` exports ``src/`` of git revision REV to a temporary folder with ``git
archive`` and runs the same cases there in a subprocess (same machine, same run), then prints
both columns and the speed-up. Results and the exact commands: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DRIVES = (20, 200, 2_000)
SYNC_NEURONS = 100_000
SYNC_S = 0.2  # simulated seconds of the synchronous case (~1,500 spikes in every step)


def _spike_hash(spikes) -> str:
    h = hashlib.sha1()
    h.update(np.ascontiguousarray(spikes.steps).tobytes())
    h.update(np.ascontiguousarray(spikes.neurons).tobytes())
    return h.hexdigest()[:12]


def _time(fn, repeats: int):
    """(min wall s, min CPU s of this process, last result) over ``repeats`` runs."""
    best, cpu, out = float("inf"), float("inf"), None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return best, cpu, out


def measure(drives, repeats: int, reference: bool, sync: bool, duration_s: float, seed: int,
            threads: int | None = None, log=print) -> list[dict]:
    """Run the cases in this process (imports whichever neurocast is first on sys.path)."""
    import pandas as pd

    import neurocast
    from neurocast.connectome import Connectome, load_connectome
    from neurocast.sim import build_network, simulate

    log(f"  neurocast from {Path(neurocast.__file__).parent}", file=sys.stderr, flush=True)
    import inspect

    kw = {"threads": threads} if threads and "threads" in inspect.signature(simulate).parameters else {}
    tiny = Connectome.from_edges(pd.DataFrame({"id": [0, 1]}), [0], [1], [1])
    for mode in ("fast", "reference"):  # load the compiled kernels (numba cache) first
        simulate(build_network(tiny), 1.0, stimulate=np.array([0]), mode=mode)
    if drives:
        t0 = time.perf_counter()
        net = build_network(load_connectome("fly-synth"))
        log(f"  fly-synth loaded in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    dur_ms = duration_s * 1000.0
    rows = []
    for k in drives:
        for mode in ("fast", "reference") if reference else ("fast",):
            log(f"  fly-synth, {k} driven, {mode} ...", file=sys.stderr, flush=True)
            reps = repeats if mode == "fast" else max(1, min(repeats, 2))
            run_s, cpu_s, sp = _time(lambda k=k, mode=mode: simulate(
                net, dur_ms, stimulate=f"random:{k}", rate_hz=150.0, seed=seed, mode=mode, **kw), reps)
            rows.append({"case": f"fly-synth {k} driven", "mode": mode, "run_s": run_s, "cpu_s": cpu_s,
                         "rtf": run_s / duration_s, "n_spikes": len(sp.neurons),
                         "n_active": int((sp.counts() > 0).sum()), "hash": _spike_hash(sp),
                         "dense_fraction": sp.attrs.get("dense_fraction")})
    if sync:
        empty = Connectome.from_edges(pd.DataFrame({"id": np.arange(SYNC_NEURONS)}),
                                      np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
        snet = build_network(empty)
        for mode in ("fast", "reference") if reference else ("fast",):
            log(f"  synchronous: {SYNC_NEURONS:,} unconnected driven, {mode} ...", file=sys.stderr, flush=True)
            run_s, cpu_s, sp = _time(lambda mode=mode: simulate(
                snet, SYNC_S * 1000.0, stimulate=np.arange(SYNC_NEURONS), rate_hz=150.0, seed=seed, mode=mode,
                **kw), max(1, min(repeats, 2)))
            rows.append({"case": f"{SYNC_NEURONS:,} unconnected, all driven", "mode": mode, "run_s": run_s, "cpu_s": cpu_s,
                         "rtf": run_s / SYNC_S, "n_spikes": len(sp.neurons),
                         "n_active": int((sp.counts() > 0).sum()), "hash": _spike_hash(sp)})
    return rows


def _run_revision(rev: str, argv: list[str]) -> list[dict]:
    """Export src/ of ``rev`` and run this script there in a subprocess; returns its rows."""
    with tempfile.TemporaryDirectory(prefix="nc-bench-") as tmp:
        arch = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], check=True,
                              capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=arch, check=True)
        out = Path(tmp) / "rows.json"
        env = dict(os.environ, PYTHONPATH=str(Path(tmp) / "src"))
        subprocess.run([sys.executable, __file__, *argv, "--rows-only", str(out)], env=env, check=True)
        return json.loads(out.read_text())


def _keep_fastest(cols: dict[str, list[dict]], name: str, rows: list[dict]) -> None:
    """Merge a round's rows into column ``name``, keeping each case's lowest wall and CPU time."""
    if name not in cols:
        cols[name] = rows
        return
    for old, new in zip(cols[name], rows, strict=True):
        for key in ("run_s", "cpu_s", "rtf"):
            old[key] = min(old[key], new[key])


def _table(cols: dict[str, list[dict]]) -> str:
    names = list(cols)
    first = cols[names[0]]
    head = f"{'case':<36}{'mode':<11}" + "".join(f"{n[:14] + ' s':>17}{'RTF':>8}{'CPU s':>9}"
                                                 for n in names)
    head += f"{'speed-up':>10}{'same spikes':>13}" if len(names) == 2 else ""
    lines = [head, "-" * len(head)]
    for i, r in enumerate(first):
        line = f"{r['case']:<36}{r['mode']:<11}"
        others = [cols[n][i] for n in names]
        line += "".join(f"{o['run_s']:>17.3f}{o['rtf']:>8.3g}{o.get('cpu_s', float('nan')):>9.3f}"
                        for o in others)
        if len(names) == 2:
            a, b = others
            line += f"{a['run_s'] / b['run_s']:>9.2f}x{'yes' if a['hash'] == b['hash'] else 'NO':>13}"
        lines.append(line)
    lines.append("")
    lines.append("spikes, active neurons, fraction of steps run dense (" + names[-1] + "):")
    lines += [f"  {r['case']}, {r['mode']}: {r['n_spikes']:,} spikes, {r['n_active']:,} active"
              + (f", dense {r['dense_fraction']:.2f}" if r.get("dense_fraction") is not None else "")
              for r in cols[names[-1]] if r["mode"] == "fast"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drives", default=",".join(map(str, DRIVES)),
                    help="driven neurons per case (20,200,2000); '' for none")
    ap.add_argument("--repeats", type=int, default=3, help="runs per fast case; the fastest counts (3)")
    ap.add_argument("--duration", type=float, default=1.0, help="simulated seconds (1)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the driven neurons and inputs (0)")
    ap.add_argument("--threads", type=int, default=None,
                    help="threads of the dense engine (default: the library's, 1; ignored by old revisions)")
    ap.add_argument("--no-reference", action="store_true", help="skip the dense reference engine")
    ap.add_argument("--no-sync", action="store_true", help="skip the synchronous-firing case")
    ap.add_argument("--compare", metavar="REV", help="also run git revision REV (e.g. a commit) side by side")
    ap.add_argument("--rounds", type=int, default=1,
                    help="with --compare: alternate REV and this checkout this many times, keeping each "
                         "case's fastest run (load swings then hit both columns alike) (1)")
    ap.add_argument("--json", metavar="FILE", help="also write the rows to FILE")
    ap.add_argument("--rows-only", metavar="FILE", help=argparse.SUPPRESS)  # used by --compare
    args = ap.parse_args(argv)
    drives = [int(x) for x in args.drives.split(",") if x.strip()]
    run = lambda: measure(drives, args.repeats, not args.no_reference, not args.no_sync,  # noqa: E731
                          args.duration, args.seed, args.threads)
    if args.rows_only:
        Path(args.rows_only).write_text(json.dumps(run()))
        return 0
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# {stamp}; {os.cpu_count()} CPUs; load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"# python benchmarks/sim_engine.py {' '.join(argv)}")
    cols: dict[str, list[dict]] = {}
    rest = [a for i, a in enumerate(argv)
            if a not in ("--compare", "--rounds") and (i == 0 or argv[i - 1] not in ("--compare", "--rounds"))]
    rest = [a for a in rest if not a.startswith(("--compare=", "--rounds="))]
    for _ in range(max(1, args.rounds) if args.compare else 1):
        if args.compare:
            _keep_fastest(cols, args.compare, _run_revision(args.compare, rest))
        _keep_fastest(cols, "this checkout", run())
    print(_table(cols))
    if args.json:
        Path(args.json).write_text(json.dumps(cols, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
