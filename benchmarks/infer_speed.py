"""Speed and peak memory of the inference methods at scale (the targets of issue 13).

    python benchmarks/infer_speed.py                       # partial and ridge, 10,000 × 20,000
    python benchmarks/infer_speed.py --sparse              # also ridge-sparse, 138,639 × 7,879
    python benchmarks/infer_speed.py --neurons 2000 --frames 4000   # a quick check

Each method runs in its own child process on synthetic activity of the requested shape
(a random first-order autoregressive process, float32; timings do not depend on the content)
and prints one line: method, shape, wall time of ``infer`` (s), its CPU time (s, all threads:
on a shared machine the wall time mostly measures the other jobs; on 2 idle cores the wall time
is about cpu_s / 2, BLAS using both) and the child's peak resident memory (GB, including the
activity matrix itself). Targets: partial correlation ≤ 3 min and
≤ 4 GB, lagged ridge ≤ 10 min for 10,000 neurons × 20,000 frames; ridge-sparse on the 138,639
neurons of fly-zap (7,879 frames) ≤ 60 min.
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing as mp
import os
import platform
import resource
import time


def _machine_line(when: str) -> str:
    """Date, CPUs and load average (the machine is shared: timings depend on the load)."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"# {when}: {now}, {os.cpu_count()} CPUs, Python {platform.python_version()}, load average {load}"


def _child(method: str, n: int, t: int, options: dict, queue) -> None:
    import numpy as np

    from neurocast.infer import Activity, get_method

    rng = np.random.default_rng(0)
    x = np.empty((t, n), dtype=np.float32)
    x[0] = rng.standard_normal(n, dtype=np.float32)
    for a in range(1, t, 256):  # AR(1) per neuron, in blocks of frames
        b = min(t, a + 256)
        x[a:b] = rng.standard_normal((b - a, n), dtype=np.float32)
        x[a] += 0.8 * x[a - 1]
        for k in range(a + 1, b):
            x[k] += 0.8 * x[k - 1]
    act = Activity(traces=x, dt_s=0.5, names=np.arange(n).astype(str))
    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    get_method(method, **options).infer(act)
    wall = time.perf_counter() - t0
    queue.put((wall, _cpu_s() - cpu0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9))


def _cpu_s() -> float:
    """CPU seconds used by this process so far (all threads: user + system)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(method: str, n: int, t: int, **options) -> dict:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(method, n, t, options, q))
    p.start()
    wall, cpu, peak_gb = q.get()  # the child's own CPU time and peak resident memory
    p.join()
    return {"method": method, "n_neurons": n, "n_frames": t, "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1), "peak_rss_gb": round(peak_gb, 2), **options}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--neurons", type=int, default=10_000)
    ap.add_argument("--frames", type=int, default=20_000)
    ap.add_argument("--methods", default="partial,ridge")
    ap.add_argument("--sparse", action="store_true", help="also ridge-sparse at 138,639 × 7,879")
    args = ap.parse_args()
    print(_machine_line("start"), flush=True)
    rows = []
    for m in [m for m in args.methods.split(",") if m]:
        rows.append(run(m, args.neurons, args.frames))
        print(json.dumps(rows[-1]), flush=True)
    if args.sparse:
        rows.append(run("ridge-sparse", 138_639, 7_879))
        print(json.dumps(rows[-1]), flush=True)
    print(_machine_line("end"), flush=True)


if __name__ == "__main__":
    main()
