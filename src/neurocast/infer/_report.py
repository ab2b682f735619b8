"""The inference section of an HTML report (a fragment with embedded images) (private)."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import xarray as xr

from neurocast._files import atomic_path
from neurocast.bench import image_tag, page_head, provenance_rows
from neurocast.infer._scorecard import scorecard_summary

__all__ = ["report_section", "write_report"]

#: Columns of the report's table.
TABLE_METRICS = ("auroc", "auprc", "auroc_exc", "auroc_inh", "precision_at_k", "direction_accuracy",
                 "weight_corr", "sign_accuracy")


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
    figs = "".join(f"<figure>{image_tag(p, name)}<figcaption>{html.escape(name)}</figcaption></figure>"
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
    prov = provenance_rows(card.attrs)
    doc = f"""{page_head(title)}
<h1>{html.escape(title)}</h1>
{frag}
<h2>Provenance</h2><table>{prov}</table>
</body></html>
"""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(doc, encoding="utf-8")
    return path
