"""Figures draw users' names literally while matplotlib's own tick labels (log axes: 10⁻¹) keep
their formatting; report plots keep their labels inside the figure; inference matrices are
labelled and have colour bars."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure

NAMES = ["$x^2$", "$\\notacmd$"]


@pytest.fixture
def drawn(monkeypatch):
    """Every string the Agg renderer draws, with whether it was drawn as a formula."""
    seen: list[tuple[str, bool]] = []
    original = RendererAgg.draw_text

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        seen.append((s, bool(ismath)))
        return original(self, gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    monkeypatch.setattr(RendererAgg, "draw_text", draw_text)
    return seen


def _assert_log_ticks_formatted(drawn):
    raw = [s for s, math in drawn if not math and "mathdefault" in s]
    assert not raw, f"raw mathtext drawn as tick labels: {raw}"
    assert any(math and "10^" in s for s, math in drawn), "log tick labels drawn as formulas"


def _card(models=("naive", *NAMES), conditions=("rest", NAMES[0])):
    rng = np.random.default_rng(0)
    score = rng.uniform(0.1, 0.2, (len(models), len(conditions), 1, 4))
    score[0] *= 100  # one model far off: the curves switch to a log axis
    return xr.Dataset({"score": (("model", "condition", "metric", "steps_ahead"), score)},
                      coords={"model": list(models), "condition": list(conditions), "metric": ["mae"],
                              "steps_ahead": [1, 2, 3, 4], "heldout": ("condition", [False, True])})


def test_mae_curves_on_a_log_axis_draw_formatted_ticks_and_literal_names(tmp_path, drawn):
    from neurocast.bench._report import plot_mae_curves

    plot_mae_curves(_card(), tmp_path / "mae.png")
    assert (tmp_path / "mae.png").exists()
    _assert_log_ticks_formatted(drawn)
    literal = {s for s, math in drawn if not math}
    assert "$x^2$" in literal and "$\\notacmd$" in literal  # legend entries, as written
    assert any("$x^2$" in s for s in literal if "held out" in s)  # the condition's panel title


def test_heatmap_names_are_literal(tmp_path, drawn):
    from neurocast.bench._report import plot_heatmap

    plot_heatmap(_card(), tmp_path / "heat.png")
    literal = {s for s, math in drawn if not math}
    assert {"$x^2$", "$\\notacmd$"} <= literal
    assert "$x^2$*" in literal  # the held-out condition's tick label


def _realism(n_neurons=12, names=("clean", "$x^2$")):
    from neurocast.data import realism_stats

    x = np.random.default_rng(1).standard_normal((400, n_neurons)).cumsum(axis=0)
    return {name: realism_stats(x, dt_s=0.5, progress=False) for name in names}


def test_realism_plots_log_ticks_and_labels_inside(tmp_path, drawn, saved):
    from neurocast.data import realism_plots

    paths, _ = realism_plots(_realism(), tmp_path)
    assert len(paths) == 4
    _assert_log_ticks_formatted(drawn)
    assert "$x^2$" in {s for s, math in drawn if not math}
    for fig in saved:  # every label inside the figure (realism_corr's x label was clipped)
        fig.canvas.draw()
        width, height = fig.canvas.get_width_height()
        for ax in fig.axes:
            for label in (ax.xaxis.label, ax.yaxis.label, ax.title):
                if label.get_text():
                    box = label.get_window_extent()
                    assert box.x0 >= -1 and box.x1 <= width + 1, label.get_text()
                    assert box.y0 >= -1 and box.y1 <= height + 1, label.get_text()


def test_plain_text_keeps_names_literal_on_a_log_axis():
    from neurocast._plain_text import plain_text

    fig = Figure()
    ax = fig.subplots()
    ax.plot([1, 2, 3], [0.01, 1, 100], label=NAMES[0])
    ax.set_yscale("log")
    ax.set_xticks([1, 2, 3], [NAMES[0], NAMES[1], "plain"])
    ax.set_title(NAMES[1])
    ax.legend()
    plain_text(fig)
    fig.canvas.draw()
    assert all(not t.get_parse_math() for t in ax.get_xticklabels())
    assert not ax.title.get_parse_math()
    shown = [t for t in ax.get_yticklabels() if t.get_visible() and t.get_text()]
    assert shown and all(t.get_parse_math() for t in shown)  # 10^-2 ... drawn as a power


def _matrices(tmp_path, n, saved):
    from neurocast.infer._plots import plot_matrices

    rng = np.random.default_rng(3)
    panels = {"truth": rng.standard_normal((n, n)), "corr": rng.standard_normal((n, n))}
    names = [f"N{i:02d}" for i in range(n)]
    names[0] = "$x^2$"
    plot_matrices(panels, tmp_path / "m.png", labels=["a"] * (n // 2) + ["b"] * (n - n // 2), names=names)
    assert (tmp_path / "m.png").exists()
    fig = saved[-1]
    fig.canvas.draw()
    panels_ax = [ax for ax in fig.axes if ax.get_visible() and ax.images]
    assert len(panels_ax) == 2
    return panels_ax, names


def test_inference_matrices_have_colour_bars_and_names_when_few(tmp_path, saved, drawn):
    axes, names = _matrices(tmp_path, 14, saved)
    for ax in axes:
        assert ax.images[0].colorbar is not None  # one colour bar per matrix
        assert [t.get_text() for t in ax.get_xticklabels()] == names
        assert [t.get_text() for t in ax.get_yticklabels()] == names
    assert "$x^2$" in {s for s, math in drawn if not math}  # a name drawn as written


def test_inference_matrices_without_names_when_many(tmp_path, saved):
    axes, _ = _matrices(tmp_path, 60, saved)
    for ax in axes:
        assert ax.images[0].colorbar is not None
        assert not any(t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels())


def test_inference_matrices_with_names_keep_titles_and_labels_in_the_image(tmp_path, monkeypatch):
    """Four panels of 26 named neurons with colour bars: every title and axis label lies inside
    the saved image (the region saved: the whole figure, or its tight box if asked)."""
    from matplotlib.transforms import Bbox

    from neurocast.infer._plots import plot_matrices

    regions = []
    original = Figure.savefig

    def savefig(self, *args, **kwargs):
        self.canvas.draw()
        renderer = self.canvas.get_renderer()
        whole = Bbox.from_bounds(0, 0, *self.canvas.get_width_height())
        tight = self.get_tightbbox(renderer).transformed(self.dpi_scale_trans)
        region = tight if kwargs.get("bbox_inches") == "tight" else whole
        texts = [t for ax in self.axes if ax.images
                 for t in (ax.title, ax.xaxis.label, ax.yaxis.label)]
        regions.append((region, [t.get_window_extent(renderer) for t in texts]))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig)
    rng = np.random.default_rng(5)
    panels = {k: rng.standard_normal((26, 26)) for k in ("truth", "corr", "ridge", "partial")}
    plot_matrices(panels, tmp_path / "m.png", names=[f"NEURON{i:02d}" for i in range(26)])
    ((region, boxes),) = regions
    for box in boxes:
        assert region.x0 - 1 <= box.x0 and box.x1 <= region.x1 + 1, (box, region)
        assert region.y0 - 1 <= box.y0 and box.y1 <= region.y1 + 1, (box, region)


def test_names_on_a_category_axis_are_literal():
    from neurocast._plain_text import plain_text

    fig = Figure()
    ax = fig.subplots()
    ax.bar([NAMES[1], "b"], [1, 2])  # a category axis: matplotlib would parse '$\notacmd$'
    plain_text(fig)
    fig.canvas.draw()
    assert all(not t.get_parse_math() for t in ax.get_xticklabels())
