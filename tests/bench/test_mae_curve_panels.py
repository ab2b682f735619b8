"""mae_curves.png: every panel with no panel below it (the last row, and the panels above the
empty slots of an incomplete last row) shows its x tick labels and the x label."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr

from neurocast.bench import plot_mae_curves


def _card(conditions):
    models, steps = ["naive", "mean"], np.arange(1, 9)
    score = np.random.default_rng(0).uniform(0.1, 0.3, (len(models), len(conditions), steps.size, 1))
    return xr.Dataset({"score": (("model", "condition", "steps_ahead", "metric"), score),
                       "heldout": ("condition", np.zeros(len(conditions), dtype=bool))},
                      coords={"model": models, "condition": conditions, "steps_ahead": steps,
                              "metric": ["mae"]})


@pytest.mark.parametrize("n_conditions, bottom", [(5, [2, 3, 4]), (4, [1, 2, 3]), (3, [0, 1, 2]),
                                                  (7, [4, 5, 6])])
def test_every_panel_without_one_below_shows_the_steps(tmp_path, monkeypatch, n_conditions, bottom):
    figures = []
    monkeypatch.setattr(plt, "close", figures.append)  # keep the figure to look at it
    conditions = [f"c{i}" for i in range(n_conditions)]
    plot_mae_curves(_card(conditions), tmp_path / "mae_curves.png")
    fig = figures[0]
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == conditions
    for i, ax in enumerate(panels):
        labels = [t for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
        shown = (bool(labels), ax.get_xlabel() == "steps ahead")
        assert shown == ((True, True) if i in bottom else (False, False)), conditions[i]
    plt.close(fig)
