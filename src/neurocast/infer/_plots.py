"""Plots of inference results: ROC and PR curves, inferred vs true weight matrices (private)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neurocast._files import atomic_path
from neurocast._plain_text import plain_text

__all__ = ["module_order", "plot_curves", "plot_matrices"]

#: At most this many neurons are drawn in a matrix plot.
MATRIX_NEURONS = 200
#: Matrices of at most this many neurons name them along both axes (more would not be legible).
MATRIX_LABELS = 40


def _plt():
    # matplotlib: only when plotting (slow to import)
    import matplotlib

    matplotlib.use("Agg", force=False)
    # matplotlib: only when plotting (slow to import)
    import matplotlib.pyplot as plt

    return plt


def plot_curves(curves: dict[str, dict], path: Path, *, base_rate: float | None = None) -> Path:
    """ROC (left) and precision–recall (right) curves of edge existence, one line per method."""
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(9.5, 4.0), constrained_layout=True)
    for name, c in curves.items():
        if not c:
            continue
        a.plot(c["fpr"], c["tpr"], lw=1.5, label=name)
        b.plot(c["recall"], c["precision"], lw=1.5, label=name)
    a.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="chance")
    if base_rate is not None and np.isfinite(base_rate):
        b.axhline(base_rate, color="0.6", lw=1, ls="--", label="chance")
    a.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC: edge existence")
    b.set(xlabel="recall", ylabel="precision", title="precision–recall: edge existence", ylim=(0, 1.02))
    for ax in (a, b):
        ax.grid(alpha=0.3)
    a.legend(fontsize=8)
    plain_text(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return path


def module_order(types, n_max: int = MATRIX_NEURONS) -> np.ndarray:
    """Positions of at most n_max neurons, sorted by type/module label (stable), for matrix plots.

    types: (N,) labels (e.g. the connectome's ``type`` column, 'm<module>.<transmitter>' in
    synthetic networks). With more than n_max neurons, the first n_max in that order are drawn.
    """
    types = np.asarray(types).astype(str)
    return np.argsort(types, kind="stable")[:n_max]


def plot_matrices(panels: dict[str, np.ndarray], path: Path, labels=None, names=None) -> Path:
    """Square matrices side by side (rows presynaptic, columns postsynaptic), e.g. the true signed
    weights next to each method's scores for the same neurons (``module_order``).

    panels: {title: (k, k) array}. Colours: red positive/excitatory, blue negative/inhibitory;
    each panel scaled to its own 99th percentile of |value|; the diagonal is drawn as 0.
    labels: optional (k,) group labels; group boundaries are drawn as thin lines.
    names: optional (k,) neuron names, drawn along both axes when k <= ``MATRIX_LABELS`` (none
    beyond). Each panel has its own colour bar.
    """
    plt = _plt()
    k = len(panels)
    cols = min(4, k)
    rows = int(np.ceil(k / cols))
    shown = None if names is None else [str(x) for x in names]
    if shown is not None and len(shown) > MATRIX_LABELS:
        shown = None
    side = 3.3 if shown is None else 3.3 + 0.03 * max(map(len, shown), default=0) + 0.04 * len(shown)
    fig, axes = plt.subplots(rows, cols, figsize=((side + 0.6) * cols, side * rows), squeeze=False,
                             constrained_layout=True)
    bounds = None
    if labels is not None:
        lab = np.asarray(labels).astype(str)
        bounds = np.flatnonzero(lab[1:] != lab[:-1]) + 0.5
    for ax, (name, mat) in zip(axes.flat, panels.items(), strict=False):
        m = np.array(mat, dtype=np.float64)
        np.fill_diagonal(m, 0.0)
        vmax = float(np.percentile(np.abs(m), 99)) or 1.0
        im = ax.imshow(m, cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
        # the scale ends at the 99th percentile: the triangles mark values beyond it
        bar = fig.colorbar(im, ax=ax, shrink=0.8, pad=0.02, extend="both")
        bar.ax.tick_params(labelsize=7)
        if bounds is not None and len(bounds) < 40:
            for b in bounds:
                ax.axhline(b, color="0.5", lw=0.3)
                ax.axvline(b, color="0.5", lw=0.3)
        ax.set_title(name, fontsize=9)
        if shown is not None and len(shown) == m.shape[0]:
            size = 7 if len(shown) <= 20 else 5
            ax.set_xticks(range(len(shown)), shown, rotation=90, fontsize=size)
            ax.set_yticks(range(len(shown)), shown, fontsize=size)
        else:
            ax.set_xticks([])
            ax.set_yticks([])
        ax.set_xlabel("postsynaptic", fontsize=8)
        ax.set_ylabel("presynaptic", fontsize=8)
    for ax in axes.flat[k:]:
        ax.set_visible(False)
    plain_text(fig)
    with atomic_path(path) as tmp:  # tight: names and colour bars can outgrow the panels
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
