"""The inference study: AUROC of every method vs recording length, frame interval, noise,
indicator and observed fraction, on a 1,000- and a 10,000-neuron synthetic network.

Recordings are made with neurocast's own simulator (Shiu et al. LIF, ``neurocast.sim``) and
calcium observation model (``neurocast.observe``): one long simulation per network, imaged once
per (indicator, SNR) at the finest frame interval; shorter recordings are the first minutes,
slower frame rates every k-th frame (same per-frame noise), partial observation a random
subset of neurons (seeded). Spike counts per frame feed the 'xcorr' method (a reference: what
one could do with spikes).

    python benchmarks/infer_study.py [--quick] [--out docs/img] [--table docs/infer_study.csv]
    python benchmarks/infer_study.py --networks 10000   # only that network; the CSV keeps the others

prints one line per point and writes the curves (PNG) and a CSV table. The full study is sized
for about 20 minutes on 2 idle cores (one seed per point; on a loaded machine much longer);
--quick runs a reduced 300-neuron version; its table goes to infer_study_quick.csv in the
current folder (not over the shipped docs/infer_study.csv) unless --table is given.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import time
from pathlib import Path

import numpy as np

from neurocast.connectome import random_connectome
from neurocast.infer import default_methods, run_inference
from neurocast.infer._activity import Activity
from neurocast.observe import ObserveConfig, observe
from neurocast.sim import PoissonInput, ShiuParams, build_network, simulate

#: The network and drive of the study (see docs/inference.md): mean out-degree 10, modules of
#: 100 neurons, synapses 2 mV per synapse count (stronger than Shiu et al.'s 0.275 mV, so single
#: connections shape the spiking), every neuron driven by 10 Hz Poisson events of 6 mV.
NET = dict(mean_out_degree=10, module_size=100, local_count_shift=1.0)
W_SYN_MV = 2.0
BG_RATE_HZ, BG_WEIGHT_MV = 10.0, 6.0
FINE_DT_S = 0.1
BASE = dict(frame_dt_s=0.2, indicator="gcamp6s", snr=5.0)


def _machine_line(when: str) -> str:
    """Date, CPUs and load average (the machine is shared: timings depend on the load)."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"# {when}: {now}, {os.cpu_count()} CPUs, Python {platform.python_version()}, load average {load}"


def record_network(n: int, minutes: float, seed: int):
    con = random_connectome(n, NET["mean_out_degree"], seed=seed, module_size=NET["module_size"],
                            local_count_shift=NET["local_count_shift"])
    net = build_network(con, ShiuParams(dt_ms=0.2, w_syn_mv=W_SYN_MV))
    t0 = time.perf_counter()
    spikes = simulate(net, minutes * 60_000.0, inputs=[PoissonInput(np.arange(n), BG_RATE_HZ, BG_WEIGHT_MV)],
                      seed=seed)
    sim_s = time.perf_counter() - t0
    print(f"# {n} neurons, {minutes} min simulated in {sim_s:.0f} s, "
          f"{len(spikes.neurons) / n / (minutes * 60):.2f} Hz mean rate", flush=True)
    return con, spikes


def image(spikes, *, frame_dt_s, indicator, snr, minutes, seed):
    n_frames = round(minutes * 60 / frame_dt_s)
    cfg = ObserveConfig(indicator=indicator, snr=snr)
    return observe(spikes, cfg, frame_dt_s=frame_dt_s, seed=seed, n_frames=n_frames)


def point(rows, con, traces, counts, *, net, minutes, frame_dt_s, indicator, snr, observed, seed,
          series, methods=None):
    act_counts = None if counts is None else counts[: len(traces)]
    n = traces.shape[1]
    act = Activity(traces=traces, dt_s=frame_dt_s, names=np.arange(n).astype(str),
                   spike_counts=act_counts, indicator=indicator)
    names = methods or default_methods(act)
    t0 = time.perf_counter()
    res = run_inference(_as_dataset(act, con), truth=con, methods=names, observed=observed, seed=seed,
                        keep_scores=False)
    wall = time.perf_counter() - t0
    for m, row in res.summary.items():
        rows.append(dict(series=series, network=net, minutes=minutes, frame_dt_s=frame_dt_s,
                         indicator=indicator, snr=snr, observed=observed, method=m,
                         auroc=row["auroc"], auprc=row["auprc"], direction_accuracy=row["direction_accuracy"],
                         wall_s=res.timings[m]))
    best = max(res.summary, key=lambda m: res.summary[m]["auroc"])
    print(f"{series:9s} N={net:>6} {minutes:>5} min dt={frame_dt_s} {indicator} snr={snr} "
          f"obs={observed:.0%}: " + " ".join(f"{m}={r['auroc']:.3f}" for m, r in res.summary.items())
          + f"  best {best}  ({wall:.0f} s)", flush=True)


def _as_dataset(act: Activity, con):
    from neurocast.data import make_dataset

    return make_dataset(act.traces, dt_s=act.dt_s, neuron=con.names.astype(str), indicator=act.indicator,
                        spike_counts=None if act.spike_counts is None else act.spike_counts.astype(np.uint16))


def counts_per_frame(spikes, frame_dt_s):
    return spikes.to_dense(frame_dt_s * 1000.0).astype(np.float32)


def study(n, minutes_total, plan, rows, seed=0):
    con, spikes = record_network(n, minutes_total, seed)
    fine = image(spikes, frame_dt_s=FINE_DT_S, indicator=BASE["indicator"], snr=BASE["snr"],
                 minutes=minutes_total, seed=seed)
    k_base = round(BASE["frame_dt_s"] / FINE_DT_S)
    base = fine[::k_base]
    base_counts = counts_per_frame(spikes, BASE["frame_dt_s"])[: len(base)]
    per_min = round(60 / BASE["frame_dt_s"])
    common = dict(net=n, indicator=BASE["indicator"], snr=BASE["snr"], seed=seed)
    for minutes in plan["length"]:
        point(rows, con, base[: minutes * per_min], base_counts, minutes=minutes,
              frame_dt_s=BASE["frame_dt_s"], observed=1.0, series="length", **common)
    for minutes in plan.get("observed_minutes", ()):
        for frac in plan["observed"]:  # (100 % observed: the length series)
            point(rows, con, base[: minutes * per_min], base_counts, minutes=minutes,
                  frame_dt_s=BASE["frame_dt_s"], observed=frac, series="observed", **common)
    m_fr = plan.get("frame_minutes")
    for dt in plan.get("frame_dt_s", ()):
        k = round(dt / FINE_DT_S)
        tr = fine[:: k][: int(m_fr * 60 / dt)]
        cnt = counts_per_frame(spikes, dt)
        point(rows, con, tr, cnt, minutes=m_fr, frame_dt_s=dt, observed=1.0, series="frame", **common)
    m_obs = plan.get("observe_minutes")
    for snr in plan.get("snr", ()):
        tr = image(spikes, frame_dt_s=BASE["frame_dt_s"], indicator=BASE["indicator"], snr=snr,
                   minutes=m_obs, seed=seed + 1)
        point(rows, con, tr, base_counts, net=n, minutes=m_obs, frame_dt_s=BASE["frame_dt_s"],
              indicator=BASE["indicator"], snr=snr, observed=1.0, seed=seed, series="noise")
    for ind in plan.get("indicator", ()):
        tr = image(spikes, frame_dt_s=BASE["frame_dt_s"], indicator=ind, snr=BASE["snr"],
                   minutes=m_obs, seed=seed + 2)
        point(rows, con, tr, base_counts, net=n, minutes=m_obs, frame_dt_s=BASE["frame_dt_s"],
              indicator=ind, snr=BASE["snr"], observed=1.0, seed=seed, series="indicator")


def plot(rows, out: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [("length", "minutes", "recording length (min)", True),
              ("observed", "observed", "observed fraction", True),
              ("frame", "frame_dt_s", "frame interval (s)", True),
              ("noise", "snr", "SNR (1-spike ΔF/F / noise s.d.)", True),
              ("indicator", "indicator", "indicator", False)]
    nets = sorted({r["network"] for r in rows})
    fig, axes = plt.subplots(len(nets), len(panels), figsize=(4.0 * len(panels), 3.3 * len(nets)),
                             squeeze=False, constrained_layout=True)
    methods = list(dict.fromkeys(r["method"] for r in rows))
    colors = {m: f"C{i}" for i, m in enumerate(methods)}
    for a, net in enumerate(nets):
        for b, (series, key, label, numeric) in enumerate(panels):
            ax = axes[a, b]
            sel = [r for r in rows if r["network"] == net and r["series"] == series]
            if series == "observed":  # at the longest length with partial observation
                mins = max((r["minutes"] for r in sel), default=None)
                sel = [r for r in sel if r["minutes"] == mins]
            if series != "length" and sel:  # add the baseline point (a length-series recording)
                mins = sel[0]["minutes"]
                have = {(r["method"], r[key]) for r in sel}  # the series' own point wins
                sel += [r for r in rows if r["network"] == net and r["series"] == "length"
                        and r["minutes"] == mins and (r["method"], r[key]) not in have]
            if not sel:
                ax.set_visible(False)
                continue
            for m in methods:
                pts = [r for r in sel if r["method"] == m]
                if not pts:
                    continue
                xs = [r[key] for r in pts]
                ys = [r["auroc"] for r in pts]
                if numeric:
                    order = np.argsort(xs)
                    ax.plot(np.asarray(xs)[order], np.asarray(ys)[order], "o-", color=colors[m], label=m, ms=3)
                else:
                    ax.plot(xs, ys, "o-", color=colors[m], label=m, ms=3)
            if key in ("minutes", "snr", "frame_dt_s"):
                ax.set_xscale("log")
                ticks = sorted({r[key] for r in sel})
                ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
                ax.minorticks_off()
            ax.axhline(0.5, color="0.7", lw=0.8, ls="--")
            ax.set_xlabel(label)
            ax.set_ylabel("AUROC")
            ax.set_title(f"N = {net:,}: {series}", fontsize=9)
            ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=7)
    fig.savefig(out, dpi=100)
    plt.close(fig)


def _num(v: str):
    if v in ("", "None"):
        return float("nan")
    x = float(v)
    return int(x) if x.is_integer() and "." not in v else x


def _read_csv(path) -> list[dict]:
    with open(path, newline="") as f:
        return [{k: (_num(v) if k not in ("series", "indicator", "method") else v) for k, v in r.items()}
                for r in csv.DictReader(f)]


def markdown_table(rows) -> str:
    """AUROC of every method at every point (one row per point), best in bold, as Markdown."""
    methods = list(dict.fromkeys(r["method"] for r in rows))
    keys = ("series", "network", "minutes", "frame_dt_s", "indicator", "snr", "observed")
    points = list(dict.fromkeys(tuple(r[k] for k in keys) for r in rows))
    head = "| series | N | min | frame (s) | indicator | SNR | observed | " + " | ".join(methods) + " |"
    lines = [head, "|" + "---|" * (7 + len(methods))]
    for pt in points:
        vals = {r["method"]: float(r["auroc"]) for r in rows if tuple(r[k] for k in keys) == pt}
        best = max(vals, key=vals.get)
        cells = [f"**{vals[m]:.3f}**" if m == best else f"{vals[m]:.3f}" for m in methods]
        s, n, mins, dt, ind, snr, obs = pt
        lines.append(f"| {s} | {int(n):,} | {mins} | {dt} | {ind} | {snr} | {float(obs):.0%} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="300 neurons, a few points (about a minute)")
    ap.add_argument("--out", default="docs/img", help="folder of the PNG")
    ap.add_argument("--table", default=None,
                    help="CSV of every point (default docs/infer_study.csv; with --quick "
                         "infer_study_quick.csv in the current folder)")
    ap.add_argument("--from-csv", default=None, metavar="CSV",
                    help="no new runs: redraw the figure and print the table from a CSV of an earlier run")
    ap.add_argument("--networks", default="1000,10000",
                    help="networks to run (1000,10000); rows of the others are kept from --table")
    args = ap.parse_args()
    if args.table is None:  # a quick run never replaces the shipped study table by default
        args.table = "infer_study_quick.csv" if args.quick else "docs/infer_study.csv"
    if args.from_csv:
        rows = _read_csv(args.from_csv)
        Path(args.out).mkdir(parents=True, exist_ok=True)
        plot(rows, Path(args.out) / "infer_study.png")
        print(markdown_table(rows))
        return
    networks = {int(x) for x in args.networks.split(",") if x.strip()}
    rows: list[dict] = []
    if not args.quick and networks != {1000, 10_000} and Path(args.table).exists():
        rows = [r for r in _read_csv(args.table) if int(r["network"]) not in networks]
    print(_machine_line("start"), flush=True)
    t0 = time.perf_counter()
    if args.quick:
        study(300, 5, dict(length=[2, 5], observed_minutes=[5], observed=[0.3]), rows)
    else:
        if 1000 in networks:
            study(1000, 60, dict(length=[2, 5, 15, 60], observed_minutes=[5, 15, 60], observed=[0.1, 0.3],
                                 frame_minutes=15, frame_dt_s=[0.1, 0.5, 1.0],
                                 observe_minutes=15, snr=[1.0, 2.0, 20.0],
                                 indicator=["gcamp6s", "gcamp6f", "jgcamp8m"]), rows)
        if 10_000 in networks:
            study(10_000, 20, dict(length=[5, 20], observed_minutes=[20], observed=[0.1, 0.3]), rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    png = out / ("infer_study_quick.png" if args.quick else "infer_study.png")
    plot(rows, png)
    with open(args.table, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(_machine_line("end"))
    print(markdown_table(rows))
    print(f"# {len(rows)} rows -> {args.table}, figure {png}; total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
