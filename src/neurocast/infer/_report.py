"""The inference section of an HTML report (a fragment with embedded images) (private)."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np
import xarray as xr

from neurocast._files import atomic_path
from neurocast.infer._scorecard import scorecard_summary

__all__ = ["report_section", "write_report"]

#: Columns of the report's table.
TABLE_METRICS = ("auroc", "auprc", "auroc_exc", "auroc_inh", "precision_at_k", "direction_accuracy",
                 "weight_corr", "sign_accuracy")


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _fmt(v) -> str:
    return "–" if v is None or (isinstance(v, float) and not np.isfinite(v)) else f"{v:.3f}"


def report_section(card: xr.Dataset, images: dict[str, Path]) -> tuple[str, dict[str, Path]]:
    """HTML fragment ``<section>`` for the inference results, and the images it embeds.

    card: the scorecard of ``run_inference``; images: {caption: PNG path}. The fragment holds
    a table (one row per method, best AUROC in bold), the figures (base64, self-contained) and
    a note on conventions; it uses the same table/figure markup as the bench report.
    """
    summary = scorecard_summary(card)
    best = max(summary, key=lambda m: summary[m]["auroc"] if summary[m]["auroc"] is not None else -1)
    head = "".join(f"<th>{k}</th>" for k in ("method", "directed", "signed", *TABLE_METRICS))
    dirs = dict(zip(card["method"].values.tolist(), card["directed"].values.tolist(), strict=True))
    sgn = dict(zip(card["method"].values.tolist(), card["signed"].values.tolist(), strict=True))
    body = "".join(
        f"<tr{' class=best' if m == best else ''}><td>{html.escape(m)}</td>"
        f"<td>{'yes' if dirs[m] else 'no'}</td><td>{'yes' if sgn[m] else 'no'}</td>"
        + "".join(f"<td>{_fmt(row[k])}</td>" for k in TABLE_METRICS) + "</tr>"
        for m, row in summary.items())
    figs = "".join(f"<figure>{_img(p, name)}<figcaption>{html.escape(name)}</figcaption></figure>"
                   for name, p in images.items())
    n_edges = card.attrs.get("n_edges", "?")
    n = card.attrs.get("n_neurons", "?")
    frag = f"""<section id="inference">
<h2>Connectivity inference</h2>
<p>Each method scores every ordered pair of the {n} recorded neurons (row = presynaptic, column =
postsynaptic; the diagonal is excluded) against the true wiring ({n_edges} chemical connections).
AUROC/AUPRC: edge existence ranked by |score|; _exc/_inh: excitatory / inhibitory edges against
non-edges, ranked by the signed score; precision_at_k: k = number of true edges; direction accuracy:
edges without a reverse edge scored higher forward than backward; weight_corr: Spearman correlation
of score and signed synapse count over true edges. Random scores give AUROC 0.5.</p>
<table><tr>{head}</tr>{body}</table>
{figs}
</section>
"""
    return frag, dict(images)


def write_report(card: xr.Dataset, images: dict[str, Path], path: Path, *, title: str) -> Path:
    """A standalone HTML page around ``report_section`` (same style as the bench report), atomic."""
    frag, _ = report_section(card, images)
    prov = "".join(f"<tr><th>{html.escape(str(k))}</th><td><code>{html.escape(str(v))}</code></td></tr>"
                   for k, v in card.attrs.items())
    doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }}
th {{ background: #f3f3f3; }} td:first-child, th:first-child {{ text-align: left; }}
tr.best td {{ font-weight: bold; background: #eef7ee; }}
img {{ max-width: 100%; }} figure {{ margin: 1.5em 0; }} code {{ font-size: 0.85em; word-break: break-all; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
{frag}
<h2>Provenance</h2><table>{prov}</table>
</body></html>
"""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(doc, encoding="utf-8")
    return path
