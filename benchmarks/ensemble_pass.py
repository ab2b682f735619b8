"""Cost of the seed-ensemble pass (``neurocast.bench.ensemble_scores``) at fly-zap width.

The members are stand-ins that forecast the last context frame plus a per-member offset, so
what is timed is the pass's own work (stacking, MAE of the members and of the ensemble mean,
spread, skill and the CRPS from scoringrules), not a network's forward pass; add a real
member's evaluation time per window (``evaluate_s`` / windows in a scorecard) for the whole.
Random traces, ``single`` protocol, C = 4, H = 32; one warm-up pass on 1,000 neurons first.

    PYTHONPATH=src python benchmarks/ensemble_pass.py [--neurons 138639] [--frames 400] [--members 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from neurocast.bench import ensemble_scores
from neurocast.data import get_protocol, segments_for


class _LastFrame:
    """A forecaster stand-in: the last context frame plus ``offset``, for every step ahead."""

    def __init__(self, horizon: int, offset: float):
        self.horizon, self.offset = horizon, np.float32(offset)

    def predict(self, ctx: np.ndarray, meta=None) -> np.ndarray:
        return np.repeat(ctx[:, -1:, :], self.horizon, axis=1) + self.offset


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neurons", type=int, default=138_639)
    ap.add_argument("--frames", type=int, default=400)
    ap.add_argument("--members", type=int, default=3)
    args = ap.parse_args()
    h = 32
    traces = np.random.default_rng(0).normal(size=(args.frames, args.neurons)).astype(np.float32)
    protocol = get_protocol("single", frames=args.frames, context=4, horizon=h)
    members = [_LastFrame(h, 0.01 * k) for k in range(args.members)]
    ensemble_scores(members, traces[:, :1000], protocol)  # warm-up (numba, allocations)
    windows = sum(s.n_windows for s in segments_for(traces, protocol, "test"))
    t0 = time.perf_counter()
    card = ensemble_scores(members, traces, protocol)
    wall = time.perf_counter() - t0
    print(f"{args.members} members × {args.neurons:,} neurons, {windows} test windows: {wall:.2f} s, "
          f"{wall / windows:.3f} s per window (mean CRPS {float(card['crps'].mean()):.4f})")


if __name__ == "__main__":
    main()
