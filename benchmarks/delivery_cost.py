"""CPU per synaptic delivery of the event-driven engine, one thread: fly-synth against fly-zap.

Runs ``simulate`` on one thread and sums the engine's work counters (deliveries and input
events, active-neuron steps) over the run; prints the process CPU time (minimum of 3 runs) and
CPU per delivery with every other cost included (active neurons, input events, Python). Used to
check whether fly-zap's deliveries cost more than fly-synth's (benchmarks/README.md, seventeenth
session):

    PYTHONPATH=src python benchmarks/delivery_cost.py                  # 200 and 2,000 driven, 20 fly-zap frames
    PYTHONPATH=src python benchmarks/delivery_cost.py --drives 20 --frames 60
"""

from __future__ import annotations

import argparse
import collections
import datetime as _dt
import os
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drives", default="200,2000", help="fly-synth driven neurons, comma-separated")
    ap.add_argument("--frames", type=int, default=20, help="first frames of fly-zap (0: skip it)")
    args = ap.parse_args()

    import neurocast.sim._simulate as S
    from neurocast.connectome import load_connectome
    from neurocast.record import get_plan
    from neurocast.record._record import _model_params, build_inputs
    from neurocast.sim import build_network, simulate

    work = collections.Counter()
    counted = S._event_cost

    def counting(ctr):  # on one thread the run loop passes each stretch's counters here once
        work["inputs"] += int(ctr[S.K.WORK_INPUTS])
        work["active"] += int(ctr[S.K.WORK_ACTIVE])
        return counted(ctr)

    print(f"# {_dt.datetime.now(_dt.UTC):%Y-%m-%d %H:%M} UTC; load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    con = load_connectome("fly-synth")
    net = build_network(con)

    def run(label, fn):
        fn()  # compiled kernels loaded, pages touched
        best = float("inf")
        for _ in range(3):
            work.clear()
            S._event_cost = counting
            c0 = time.process_time()
            fn()
            best = min(best, time.process_time() - c0)
            S._event_cost = counted
        print(f"{label:28s} CPU {best:7.3f} s  deliveries and input events {work['inputs'] / 1e6:8.1f} M"
              f"  active-neuron steps {work['active'] / 1e6:7.1f} M  {best / work['inputs'] * 1e9:5.1f} ns each",
              flush=True)

    for k in (int(x) for x in args.drives.split(",") if x):
        run(f"fly-synth {k} driven, 1 s", lambda k=k: simulate(
            net, 1000.0, stimulate=f"random:{k}", rate_hz=150.0, seed=0, threads=1))
    if args.frames:
        plan = get_plan("fly-zap").with_frames(args.frames)
        model, params = _model_params(plan, None)
        znet = model.build_network(con, params)
        warm = 11  # record's warm-up at fly-zap's frame rate (10 s in whole frames)
        inputs = build_inputs(plan, con, seed=0, warmup_frames=warm)
        dur = round((warm + args.frames) * plan.frame_dt_s * 1000 / params.dt_ms) * params.dt_ms
        run(f"fly-zap {args.frames} frames + {warm} warm-up",
            lambda: simulate(znet, dur, inputs=inputs, seed=1, threads=1))


if __name__ == "__main__":
    main()
