"""Realism plots (ACF curves, correlation histograms, PCA spectra, real ranges vs synthetic) and an
HTML fragment for the benchmark report (private)."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np

from neurocast._files import atomic_path
from neurocast._plain_text import plain_text
from neurocast.data._reference import (
    SCORED_STATISTICS,
    compare_stats,
    reference_ranges,
    reference_table,
)
from neurocast.errors import ConfigError

__all__ = ["realism_plots"]

_LABELS = {"lag1_autocorr": "lag-1 autocorrelation", "acf_half_life_s": "ACF half-life (s)",
           "median_abs_r": "median |r|", "frac_pairs_r_gt_0_5": "pairs r > 0.5", "pc1": "PC1",
           "pc1_5": "variance in PC1–5", "pr_over_n": "participation ratio / N",
           "mae32_over_mae1": "naive MAE32 / MAE1", "skew": "skew"}


def _plt():
    import matplotlib  # matplotlib: only when plotting (slow to import)

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _legend_on_log_scale(ax) -> None:
    """A log y axis and a legend for the curves drawn; a panel without any (e.g. a recording of
    one varying neuron has no correlations and no spectrum) says so instead."""
    if ax.get_legend_handles_labels()[0]:
        ax.set_yscale("log")
        ax.legend(fontsize=7)
    else:
        ax.text(0.5, 0.5, "not measurable on this recording", ha="center", va="center",
                transform=ax.transAxes, fontsize=8, color="grey")


def _save(fig, path: Path) -> Path:
    plain_text(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    _plt().close(fig)
    return path


def realism_plots(results: dict[str, dict], out_dir: str | Path, *, group: str = "all",
                  prefix: str = "realism") -> tuple[list[Path], str]:
    """Plots comparing recordings' realism statistics with the real reference recordings.

    results: label -> ``realism_stats(...)`` result (one or more recordings, e.g. seeds).
    out_dir: existing folder; writes ``{prefix}_acf.png``, ``{prefix}_corr.png``,
      ``{prefix}_pca.png``, ``{prefix}_ranges.png`` (atomically).
    group: rows of the shipped reference table drawn in the ranges plot ("celegans",
      "zebrafish", "all").
    Returns (the PNG paths, an HTML fragment: a ``<section>`` with a table of the statistics,
    the reference range and whether each lies inside, and the plots embedded as base64, without
    a heading), in the style of the benchmark report: ``bench.write_report(..., sections=
    [("Realism of the recording", fragment)])`` shows it beside the scorecard.
    """
    out_dir = Path(out_dir)
    if not results:
        raise ConfigError("realism_plots needs at least one result")
    if not out_dir.is_dir():
        raise ConfigError(f"plot folder '{out_dir}' does not exist", "create it first")
    plt = _plt()
    paths = []

    fig, ax = plt.subplots(figsize=(5.5, 3.6), constrained_layout=True)
    for label, r in results.items():
        acf = r["overall"]["acf"]
        ax.plot(np.arange(len(acf)) * r["dt_s"], acf, label=label, lw=1.4)
    ax.axhline(0.5, color="grey", ls=":", lw=1)
    ax.set_xlabel("lag (s)")
    ax.set_ylabel("autocorrelation (mean over neurons)")
    ax.set_title("Autocorrelation (dotted: half-life threshold 0.5)", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    paths.append(_save(fig, out_dir / f"{prefix}_acf.png"))

    fig, ax = plt.subplots(figsize=(5.5, 3.6), constrained_layout=True)
    bins = np.linspace(-1, 1, 81)
    for label, r in results.items():
        if len(r["overall"]["r_values"]):
            ax.hist(r["overall"]["r_values"], bins=bins, density=True, histtype="step", lw=1.4, label=label)
    ax.set_xlabel("Pearson r between neurons")
    ax.set_ylabel("density")
    _legend_on_log_scale(ax)
    ax.set_title("Pairwise correlations (in the first subset of neurons)", fontsize=9)
    paths.append(_save(fig, out_dir / f"{prefix}_corr.png"))

    fig, ax = plt.subplots(figsize=(5.5, 3.6), constrained_layout=True)
    for label, r in results.items():
        lam = r["overall"]["eigenvalues"]
        if len(lam):
            k = min(30, len(lam))
            ax.plot(np.arange(1, k + 1), lam[:k] / lam.sum(), marker=".", lw=1.2, label=label)
    ax.set_xlabel("principal component")
    ax.set_ylabel("share of variance")
    _legend_on_log_scale(ax)
    ax.grid(alpha=0.3)
    ax.set_title("PCA spectrum of z-scored traces", fontsize=9)
    paths.append(_save(fig, out_dir / f"{prefix}_pca.png"))

    table = reference_table()
    rows = table if group == "all" else table[table["group"] == group]
    fig, axes = plt.subplots(1, len(SCORED_STATISTICS), figsize=(2.0 * len(SCORED_STATISTICS), 3.4),
                             constrained_layout=True)
    colours = {"celegans": "tab:green", "zebrafish": "tab:blue"}
    for ax, key in zip(axes, SCORED_STATISTICS, strict=True):
        for g, sub in rows.groupby("group"):
            ax.axhspan(sub[key].min(), sub[key].max(), color=colours.get(g, "grey"), alpha=0.2)
            ax.scatter(np.zeros(len(sub)), sub[key], color=colours.get(g, "grey"), s=14, label=f"real {g}")
        for i, (label, r) in enumerate(results.items()):
            ax.scatter([1 + 0.15 * i], [r["overall"][key]], marker="D", s=22, label=label)
        ax.set_xticks([0, 1], ["real", "here"])
        ax.set_xlim(-0.6, 1.6 + 0.15 * len(results))
        ax.set_title(_LABELS[key], fontsize=8)
    axes[0].legend(fontsize=6, loc="best")
    paths.append(_save(fig, out_dir / f"{prefix}_ranges.png"))
    return paths, _fragment(results, paths, group)


def _fmt(v: float) -> str:
    return "–" if v is None or not np.isfinite(v) else f"{v:.3g}"


def _subsets(results: dict[str, dict]) -> str:
    """The subsets the statistics were averaged over, e.g. '1 subset of 58 neurons' (per label
    when the recordings differ)."""
    def text(r: dict) -> str:
        k, n = r["n_subsets"], r["overall"]["n_neurons"]
        return f"{k} subset{'' if k == 1 else 's'} of {n:,} neuron{'' if n == 1 else 's'}"

    texts = {label: text(r) for label, r in results.items()}
    if len(set(texts.values())) == 1:
        return next(iter(texts.values()))
    return "; ".join(f"{html.escape(label)}: {t}" for label, t in texts.items())


def _fragment(results: dict[str, dict], paths: list[Path], group: str) -> str:
    ranges = reference_ranges(group)
    labels = list(results)
    head = "".join(f"<th>{html.escape(lb)}</th>" for lb in labels)
    cmps = {lb: compare_stats(r["overall"], ranges) for lb, r in results.items()}
    body = ""
    for key, (lo, hi) in ranges.items():
        cells = ""
        for lb in labels:
            row = cmps[lb]["rows"][key]
            mark = {True: " ✓", False: " ✗", None: ""}[row["inside"]]
            cells += f"<td>{_fmt(row['value'])}{mark}</td>"
        body += f"<tr><td>{html.escape(_LABELS[key])}</td><td>{_fmt(lo)}–{_fmt(hi)}</td>{cells}</tr>"
    score = "".join(f"<td>{cmps[lb]['n_inside']} / {cmps[lb]['n_scored']}</td>" for lb in labels)
    imgs = "".join(
        f'<figure><img alt="{p.stem}" src="data:image/png;base64,'
        f'{base64.b64encode(p.read_bytes()).decode("ascii")}"><figcaption>{p.stem}</figcaption></figure>'
        for p in paths)
    return (f'<section class="realism">'
            f"<p>Statistics of docs/realism.md ({_subsets(results)}, z-scored traces) against the real "
            f"{html.escape(group)} recordings of the shipped reference table; ✓ inside the real range.</p>"
            f"<table><tr><th>statistic</th><th>real range</th>{head}</tr>{body}"
            f"<tr><td>scored rows inside</td><td></td>{score}</tr></table>{imgs}</section>")
