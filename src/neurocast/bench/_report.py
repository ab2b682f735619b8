"""Plots of a scorecard and a self-contained HTML report (images embedded as base64)."""

from __future__ import annotations

import base64
import html
import json
import warnings
from pathlib import Path

import numpy as np
import xarray as xr

from neurocast._files import atomic_path
from neurocast._plain_text import plain_text
from neurocast.bench._ensemble import seed_interval
from neurocast.bench._metrics import METRICS
from neurocast.bench._scorecard import SEED_KEYS, format_cell, summary_table

__all__ = ["image_tag", "page_head", "plot_heatmap", "plot_mae_curves", "provenance_rows",
           "write_report"]


_STYLE = """<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
tr.best td { font-weight: bold; background: #eef7ee; }
img { max-width: 100%; } figure { margin: 1.5em 0; } code { font-size: 0.85em; word-break: break-all; }
</style>"""


def page_head(title: str) -> str:
    """The start of a neurocast HTML report, up to and including ``<body>`` (the shared style)."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
            f"</title>\n{_STYLE}</head><body>")


def provenance_rows(attrs: dict) -> str:
    """HTML table rows, one per attribute: its name and its value (escaped)."""
    return "".join(f"<tr><th>{html.escape(str(k))}</th><td><code>{html.escape(str(v))}</code></td></tr>"
                   for k, v in attrs.items())


def _figure_module():
    import matplotlib  # heavy: imported on use

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt  # heavy: imported on use

    return plt


def plot_mae_curves(card: xr.Dataset, path: Path, metric: str = "mae") -> Path:
    """One panel per condition: ``metric`` vs steps ahead, one line per model. PNG, atomic.

    Up to 3 panels per row sharing the x axis; every panel with none below it shows the x tick
    labels and label."""
    plt = _figure_module()
    conditions = card["condition"].values.tolist()
    n = len(conditions)
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False,
                             sharex=True, constrained_layout=True)
    steps = card["steps_ahead"].values
    held = card["heldout"].values.astype(bool)
    for ax, cond, is_held in zip(axes.flat, conditions, held, strict=False):
        for model in card["model"].values.tolist():
            ax.plot(steps, card["score"].sel(model=model, condition=cond, metric=metric).values,
                    label=model, lw=1.5)
        ax.set_title(f"{cond}{' (held out)' if is_held else ''}", fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    finite = card["score"].sel(metric=metric).values
    finite = finite[np.isfinite(finite) & (finite > 0)]
    if finite.size and finite.max() / finite.min() > 10:  # one model far off: keep the rest readable
        for ax in axes.flat[:n]:
            ax.set_yscale("log")
    for i, ax in enumerate(axes.flat[:n]):
        if i + cols >= n:  # no panel below it (the last row, or above an empty slot of it)
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xlabel("steps ahead")
    for ax in axes[:, 0]:
        ax.set_ylabel(metric.upper())
    axes.flat[0].legend(fontsize=8)
    plain_text(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return path


def plot_heatmap(card: xr.Dataset, path: Path, metric: str = "mae") -> Path:
    """Scorecard heatmap: models × conditions, ``metric`` averaged over steps. PNG, atomic.

    Cells are annotated with the value; the colour is the value relative to the best model
    of the same condition (1 = best, capped at 2), so conditions of different difficulty
    share one colour scale. The figure is sized from its texts (the longest model and
    condition names, the title, the colour bar's labels) and the numbers of rows and columns,
    so no label is cut, however long the names or few the conditions.
    """
    plt = _figure_module()
    values = card["score"].sel(metric=metric).mean("steps_ahead").values  # (model, condition)
    models = card["model"].values.tolist()
    conds = [f"{c}*" if h else c for c, h in zip(card["condition"].values.tolist(),
                                                  card["heldout"].values.astype(bool), strict=True)]
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a fully masked condition: all NaN
        rel = values / np.nanmin(values, axis=0, keepdims=True)
    # drawn first at a provisional size, placed by hand once its texts are measured (no layout
    # engine: constrained layout collapses a one-column heatmap with long names)
    fig = plt.figure(figsize=(4.0, 3.0), dpi=_HEATMAP_DPI)  # measured at the dpi it is saved at
    ax = fig.add_axes((0.3, 0.3, 0.4, 0.4))
    cax = fig.add_axes((0.75, 0.3, 0.05, 0.4))
    im = ax.imshow(np.clip(rel, 1.0, 2.0), cmap="RdYlGn_r", vmin=1.0, vmax=2.0, aspect="auto")
    ax.set_xticks(range(len(conds)), conds, rotation=45, ha="right")
    ax.set_yticks(range(len(models)), models)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            ax.text(j, i, f"{values[i, j]:.3g}", ha="center", va="center", fontsize=7)
    fig.colorbar(im, cax=cax, label=f"{metric.upper()} / best {metric.upper()}\nof the condition")
    ax.set_title(f"{metric.upper()} (mean over steps) by model and condition; * held out",
                 fontsize=9, loc="left")
    plain_text(fig)
    _place_heatmap(fig, ax, cax, len(models), len(conds))
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=_HEATMAP_DPI)
    plt.close(fig)
    return path


#: Heatmap geometry, in inches: a cell, the figure's margin, the room around the colour bar's
#: label along the bar, the colour bar's gap from the cells and its width.
_CELL_W, _CELL_H, _MARGIN, _GAP, _CBAR_GAP, _CBAR_W = 0.9, 0.45, 0.12, 0.08, 0.15, 0.15
_HEATMAP_DPI = 110


def _titles(ax) -> list:
    """The Text objects of ``ax``'s titles (centre, left and right: ``set_title(loc=...)``)."""
    from matplotlib.text import Text  # heavy: imported on use

    words = {ax.get_title(loc=loc) for loc in ("center", "left", "right")} - {""}
    return [t for t in ax.get_children() if isinstance(t, Text) and t not in ax.texts
            and t.get_text() in words]


def _place_heatmap(fig, ax, cax, n_rows: int, n_cols: int) -> None:
    """Size ``fig`` and place the heatmap ``ax`` and its colour bar ``cax`` from how far their
    texts (tick labels, title, colour bar ticks and label) reach out of them, in inches."""
    fig.canvas.draw()  # every text laid out (the colour bar's tick labels are made on drawing)
    renderer = fig.canvas.get_renderer()
    inch = fig.dpi

    def boxes(texts):
        return [t.get_window_extent(renderer) for t in texts if t.get_visible() and t.get_text()]

    frame, bar = ax.get_window_extent(renderer), cax.get_window_extent(renderer)
    ylabels, xlabels = boxes(ax.get_yticklabels()), boxes(ax.get_xticklabels())
    bar_texts = boxes([*cax.get_yticklabels(), cax.yaxis.label])
    title = boxes(_titles(ax))
    # how far the texts reach out of the cells (left, below, above) and the bar (right)
    left = max([frame.x0 - b.x0 for b in ylabels] or [0.0]) / inch
    below = max([frame.y0 - b.y0 for b in xlabels] or [0.0]) / inch
    above = max([b.y1 - frame.y1 for b in title] or [0.0]) / inch
    beside = max([b.x1 - bar.x1 for b in bar_texts] or [0.0]) / inch
    ends = boxes(cax.get_yticklabels())  # the first and last reach past the bar's ends
    below = max([below] + [(bar.y0 - b.y0) / inch for b in ends])
    above = max([above] + [(b.y1 - bar.y1) / inch for b in ends])
    bar_h = max([b.height for b in bar_texts] or [0.0]) / inch  # the bar's label runs along it
    title_w = max([b.x1 - frame.x0 for b in title] or [0.0]) / inch  # starts at the cells' left
    # a rotated condition name ends at its column (ha='right') and reaches left from there
    ticks = ax.transData.transform(np.column_stack([np.arange(n_cols), np.zeros(n_cols)]))[:, 0]
    for j, (b, x) in enumerate(zip(xlabels, ticks, strict=False)):
        left = max(left, (x - b.x0) / inch - (j + 0.5) * _CELL_W)
    left += _MARGIN
    ax_w = n_cols * _CELL_W
    ax_h = max(n_rows * _CELL_H, bar_h + 2 * _GAP)
    right = _CBAR_GAP + _CBAR_W + max(beside, 0.0) + _MARGIN
    bottom = _MARGIN + max(below, 0.0)
    top = _MARGIN + max(above, 0.0)
    ax_w += max(0.0, title_w + _MARGIN - ax_w - right)  # a long title: wider cells, not a gap
    width = left + ax_w + right
    height = bottom + ax_h + top
    fig.set_size_inches(width, height)
    ax.set_position((left / width, bottom / height, ax_w / width, ax_h / height))
    cax.set_position(((left + ax_w + _CBAR_GAP) / width, bottom / height, _CBAR_W / width, ax_h / height))


def image_tag(path: Path, alt: str) -> str:
    """A PNG file embedded as an <img> (base64), so a report is one self-contained file."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _fmt(v) -> str:
    return "–" if v is None or (isinstance(v, float) and not np.isfinite(v)) else f"{v:.4g}"


def _metric_notes(card: xr.Dataset) -> str:
    """One line per metric of the scorecard: what it is, its units, which way is better."""
    rows = []
    for name in card["metric"].values.tolist():
        m = METRICS.get(name)
        better = "lower is better" if m.lower_is_better else "higher is better"
        rows.append(f"<li><b>{html.escape(name)}</b>: {html.escape(m.description)}, in "
                    f"{html.escape(m.units or 'no units')}; {better}.</li>")
    return "<ul>" + "".join(rows) + "</ul>"


def _fmt_ci(mean, half) -> str:
    """'mean ± half' with the same decimals (``format_cell``), or the mean alone (4 significant
    digits) when there is no interval."""
    if half is None or not np.isfinite(half):
        return _fmt(mean)
    return format_cell(mean, half)


def _condition_means(card: xr.Dataset, metric: str):
    """(mean over steps, 95 % CI half-width over seeds of that mean), each (model, condition).

    The interval is computed from each seed's mean over steps (NaN for one seed or no seeds)."""
    mean = card["score"].sel(metric=metric).mean("steps_ahead")
    ci = xr.full_like(mean, np.nan)
    if "score_by_seed" in card and int(card.sizes["seed"]) > 1:
        per_seed = card["score_by_seed"].sel(metric=metric).mean("steps_ahead").values  # (model, seed, cond)
        for i in range(per_seed.shape[0]):
            runs = per_seed[i][np.isfinite(per_seed[i]).any(axis=1)]
            if runs.shape[0] > 1:
                ci[i] = seed_interval(runs)[1]
    return mean, ci


def _seeds_section(card: xr.Dataset, summary: dict) -> str:
    """Learned models over seeds: MAE mean ± 95 % CI, ensemble scores, training time, epochs,
    parameters, and how the interval is computed ('' without learned models)."""
    if "train_s" not in card:
        return ""
    rows = []
    for m in card["model"].values.tolist():
        train_s = card["train_s"].sel(model=m).values
        if not np.isfinite(train_s).any():
            continue
        r = summary[m]
        epochs = card["epochs"].sel(model=m).values
        cells = [int(card["n_seeds"].sel(model=m)), _fmt_ci(r["mae"], r.get("mae_ci")),
                 _fmt_ci(r["mae_heldout"], r.get("mae_heldout_ci")), _fmt(r.get("ensemble_mae")),
                 _fmt(r.get("crps")), _fmt(r.get("crps_heldout")), _fmt(r.get("spread_skill")),
                 _fmt(float(np.nanmean(train_s))), _fmt(float(np.nanmean(epochs))),
                 f"{int(card['n_parameters'].sel(model=m)):,}"]
        rows.append(f"<tr><td>{html.escape(m)}</td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    heads = ["model", "seeds", "mae", "mae heldout", "ensemble-mean mae", "crps", "crps heldout",
             "spread/skill", "train s per seed", "epochs", "parameters"]
    note = html.escape(str(card.attrs.get("seeds_note", "")))
    return (f"<h2>Learned models over seeds</h2><p>{note}. CRPS: the continuous ranked probability "
            "score of the seeds taken as an equally weighted ensemble (scoringrules.crps_ensemble); "
            "spread/skill: sqrt((M+1)/M) · ensemble spread / RMSE of the ensemble mean (1 = well "
            "dispersed, below 1 = over-confident); both are means over the training conditions and "
            "steps (held out separately).</p><table><tr>"
            + "".join(f"<th>{h}</th>" for h in heads) + "</tr>" + "".join(rows) + "</table>")


def _left_out_notes(card: xr.Dataset) -> str:
    """The benchmark's notes (what it left out and why: a model, constant channels, NaN windows)."""
    notes = card.attrs.get("notes", [])
    if isinstance(notes, str):  # the scorecard keeps lists as JSON text (netCDF attrs are flat)
        notes = json.loads(notes) if notes.startswith("[") else [notes]
    if not notes:
        return ""
    return "<h2>Notes</h2><ul>" + "".join(f"<li>{html.escape(str(n))}</li>" for n in notes if str(n)) + "</ul>"


def _timings_table(card: xr.Dataset) -> str:
    """Per-model timings (and any other per-model figures) stored as (model,) variables."""
    cols = [v for v in card.data_vars if card[v].dims == ("model",)]
    if not cols:
        return ""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ["model", *cols])
    def cell(c: str, v: float) -> str:  # counts (n_parameters, n_seeds, ...) as whole numbers
        return f"{int(v):,}" if c.startswith("n_") and np.isfinite(v) else _fmt(v)

    body = "".join(f"<tr><td>{html.escape(m)}</td>"
                   + "".join(f"<td>{cell(c, float(card[c].sel(model=m)))}</td>" for c in cols)
                   + "</tr>" for m in card["model"].values.tolist())
    return f"<h2>Fitting and scoring cost</h2><table><tr>{head}</tr>{body}</table>"


def write_report(card: xr.Dataset, path: Path, images: dict[str, Path], *, title: str,
                 sections=()) -> Path:
    """A single HTML file: summary table, per-condition table, embedded plots and provenance.

    sections: extra (heading, HTML fragment) pairs appended before the provenance (e.g. the
    realism statistics of the dataset, or connectivity-inference scores).
    """
    summary = summary_table(card)
    h = int(card.sizes["steps_ahead"])
    keys = [k for k in next(iter(summary.values())) if k not in SEED_KEYS]
    first = keys[0]
    best = min(summary, key=lambda m: summary[m][first] if summary[m][first] is not None else np.inf)
    head = "".join(f"<th>{k}</th>" for k in ["model", *keys])
    body = "".join(
        f"<tr{' class=best' if m == best else ''}><td>{html.escape(m)}</td>"
        + "".join(f"<td>{_fmt(row[k])}</td>" for k in keys) + "</tr>"
        for m, row in summary.items()
    )
    mae, ci = _condition_means(card, first)
    conds = card["condition"].values.tolist()
    held = card["heldout"].values.astype(bool)
    chead = "".join(f"<th>{html.escape(c)}{'*' if hd else ''}</th>" for c, hd in zip(conds, held, strict=True))
    cbody = "".join(
        f"<tr><td>{html.escape(m)}</td>"
        + "".join(f"<td>{_fmt_ci(float(mae.sel(model=m, condition=c)), float(ci.sel(model=m, condition=c)))}</td>"
                  for c in conds) + "</tr>"
        for m in card["model"].values.tolist()
    )
    nwin = "".join(f"<td>{int(n)}</td>" for n in card["n_windows"].values)
    prov = provenance_rows(card.attrs)
    figs = "".join(f"<figure>{image_tag(p, name)}<figcaption>{html.escape(name)}</figcaption></figure>"
                   for name, p in images.items())
    extra = "".join(f"<h2>{html.escape(head)}</h2>{fragment}" for head, fragment in sections)
    summary_json = json.dumps(summary).replace("</", "<\\/")  # safe inside <script>
    doc = f"""{page_head(title)}
<h1>{html.escape(title)}</h1>
<p>Forecast C = {int(card.attrs.get('context', 0))} frames → H = {h} frames ahead; scores are averaged
over neurons, then over all stride-1 windows of each condition's test set, then over steps 1..{h}.
Columns without “heldout” average the training conditions; * marks held-out conditions.</p>
{_metric_notes(card)}{_left_out_notes(card)}
<h2>Summary</h2><table><tr>{head}</tr>{body}</table>
<h2>{html.escape(first.upper())} per condition (mean over steps)</h2>
<table><tr><th>model</th>{chead}</tr>{cbody}<tr><td>test windows</td>{nwin}</tr></table>
{_seeds_section(card, summary)}
<h2>Figures</h2>{figs}
{_timings_table(card)}{extra}
<h2>Provenance</h2><table>{prov}</table>
<script type="application/json" id="summary">{summary_json}</script>
</body></html>
"""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(doc, encoding="utf-8")
    return path
