"""The report's heatmap is sized from its texts: with long model names and one condition (a
``--wiring true,permuted,none`` run on a one-condition recording) no label nor the title is cut,
and matplotlib has nothing to warn about (constrained layout used to collapse the cells)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

MODELS = ("naive", "connectome-linear", "connectome-linear:permuted", "connectome-linear:none",
          "connectome-rate:none", "a-rather-long-model-name-of-a-third-party-forecaster")


def _card(models=MODELS, conditions=("recording",), heldout=(False,)):
    rng = np.random.default_rng(0)
    score = rng.uniform(0.1, 0.2, (len(models), len(conditions), 1, 3))
    return xr.Dataset({"score": (("model", "condition", "metric", "steps_ahead"), score)},
                      coords={"model": list(models), "condition": list(conditions), "metric": ["mae"],
                              "steps_ahead": [1, 2, 3], "heldout": ("condition", list(heldout))})


def _assert_inside(fig, texts, png):
    """Every text of ``texts`` inside ``fig`` drawn as saved (``png``: its size in pixels)."""
    FigureCanvasAgg(fig)  # the closed figure drawn again, at the dpi it was saved at
    fig.set_dpi(110)
    fig.canvas.draw()
    width, height = fig.canvas.get_width_height()
    assert (width, height) == png
    for text in texts:
        box = text.get_window_extent()
        assert box.x0 >= 0 and box.x1 <= width and box.y0 >= 0 and box.y1 <= height, (
            f"{text.get_text()!r} at {box} is outside the {width}×{height} figure")


def _png_size(path) -> tuple[int, int]:
    """(width, height) of a PNG file, from its header."""
    head = path.read_bytes()[:24]
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


@pytest.mark.parametrize("conditions, heldout", [
    (("recording",), (False,)),
    (("a-condition-with-a-long-name",), (True,)),
    (("rest", "odour", "a-condition-with-a-long-name"), (False, False, True)),
])
def test_heatmap_keeps_every_label_and_the_title_inside(tmp_path, saved, conditions, heldout):
    from neurocast.bench._report import plot_heatmap

    with warnings.catch_warnings():  # a layout warning ('axes sizes collapsed') fails the test
        warnings.simplefilter("error", UserWarning)
        plot_heatmap(_card(conditions=conditions, heldout=heldout), tmp_path / "heat.png")
    (fig,) = saved
    png = _png_size(tmp_path / "heat.png")
    ax = fig.axes[0]
    ticks = [*ax.get_xticklabels(), *ax.get_yticklabels()]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(MODELS)
    _assert_inside(fig, ticks, png)
    title = [t for t in fig.findobj(Text) if t.get_text().startswith("MAE (mean over steps)")]
    assert len(title) == 1
    _assert_inside(fig, title, png)
    # and every other text: the colour bar's ticks and label, the cell values
    _assert_inside(fig, [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()], png)
    (cells,) = [a for a in fig.axes if a.images]
    assert cells.get_window_extent().width > 20  # the cells are drawn, not collapsed


def test_heatmap_with_few_short_names_stays_small(tmp_path, saved):
    from neurocast.bench._report import plot_heatmap

    plot_heatmap(_card(models=("naive", "mean")), tmp_path / "heat.png")
    (fig,) = saved
    w, h = fig.get_size_inches()
    assert w < 6 and h < 4
