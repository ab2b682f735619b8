"""Kunert et al. 2014's induced oscillation: constant current into PLML/PLMR, amplitude sweep.

For each connectome / sign rule / threshold construction / amplitude, run the graded model for
``--seconds`` (default 20 s) with the current switched on at t = 0, drop the first half as the
transient and print the motor neurons' oscillation (``neurocast.sim.measure_oscillation``):
amplitude (largest per-neuron sd, mV), period (ms), the two-mode variance fraction.
Parameters: Kunert et al.'s (C = 1 pF, G_c = 10 pS, g = 100 pS, E_cell = -35 mV, E_exc 0 mV,
E_inh -48 mV, beta 0.125/mV, a_r 1/s, a_d 5/s) at dt = 1 ms unless options say otherwise.

    PYTHONPATH=src python benchmarks/graded_kunert_oscillation.py
    PYTHONPATH=src python benchmarks/graded_kunert_oscillation.py --networks celegans-cook2019 --g-syn 30
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from neurocast.connectome import load_connectome
from neurocast.sim import GradedParams, build_graded_network, measure_oscillation, simulate_graded

AMPLITUDES_PA = (500, 1000, 1100, 1200, 1500, 2000, 3000, 5000, 7000, 8000, 10000, 20000)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--networks", nargs="+", default=["celegans-varshney2011-kunert", "celegans-varshney2011",
                                                       "celegans-cook2019"])
    ap.add_argument("--thresholds", nargs="+", default=["input", "rest"])
    ap.add_argument("--amplitudes", nargs="+", type=float, default=AMPLITUDES_PA)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--dt-ms", type=float, default=1.0)
    ap.add_argument("--c-pf", type=float, default=1.0)
    ap.add_argument("--g-syn", type=float, default=100.0)
    ap.add_argument("--e-inh", type=float, default=-48.0)
    args = ap.parse_args()
    print(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), platform.node(), "load average",
          " ".join(f"{x:.1f}" for x in os.getloadavg()))
    p = GradedParams(c_pf=args.c_pf, g_syn_ps=args.g_syn, e_inh_mv=args.e_inh, dt_ms=args.dt_ms,
                     event_rate_max_hz=1.0)
    print(p)
    print("network | threshold | PLM current (pA each) | amplitude (mV) | period (ms) | two-mode fraction | run s")
    for name in args.networks:
        con = load_connectome(name)
        net = build_graded_network(con, p)
        plm = con.index_of(["PLML", "PLMR"])
        motor = np.flatnonzero(con.neurons["type"].to_numpy() == "motor")
        for threshold in args.thresholds:
            for amp in args.amplitudes:
                ext = np.zeros(con.n_neurons)
                ext[plm] = amp
                t0 = time.perf_counter()
                tr = simulate_graded(net, args.seconds * 1000, i_ext_pa=ext, sample_ms=10.0, threshold=threshold)
                osc = measure_oscillation(tr.v_mv[len(tr.t_ms) // 2:, motor], 10.0)
                print(f"{name} | {threshold} | {amp:.0f} | {osc.amplitude_mv:.3f} | {osc.period_ms:.0f} | "
                      f"{osc.two_mode_fraction:.2f} | {time.perf_counter() - t0:.1f}", flush=True)


if __name__ == "__main__":
    main()
