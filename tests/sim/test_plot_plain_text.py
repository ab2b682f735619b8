"""Names in simulation and benchmark plots are drawn as written, never as math."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from neurocast.bench._report import plot_heatmap, plot_mae_curves
from neurocast.connectome import Connectome
from neurocast.sim.plot import plot_summary, save_figure
from neurocast.spikes import Spikes


def test_simulation_plot_draws_math_like_names_as_text(tmp_path):
    names = ["$\\frac{a}{b$", "$x^2$", "B", "C"]
    neurons = pd.DataFrame({"id": np.arange(4), "name": names})
    net = Connectome.from_edges(neurons, [0], [1], [1], name="$net$")
    spikes = Spikes([10, 20, 30, 40], [0, 1, 2, 3], 4, 0.1, 10.0)
    fig = plot_summary(spikes, net)
    out = save_figure(fig, tmp_path / "run.png")  # mathtext would fail on the first name
    assert out.exists()
    texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_parse_math"))]
    assert any(t.get_text() == "$x^2$" for t in texts)
    assert not any(t.get_parse_math() for t in texts if "$" in t.get_text())


def test_benchmark_plots_draw_math_like_condition_names(tmp_path):
    conds, models = ["$\\frac{a}{b$", "$x^2$"], ["naive", "$m$"]
    card = xr.Dataset(
        {"score": (("metric", "model", "condition", "steps_ahead"), np.ones((1, 2, 2, 3))),
         "heldout": ("condition", [False, True])},
        coords={"metric": ["mae"], "model": models, "condition": conds, "steps_ahead": [1, 2, 3]},
    )
    assert plot_mae_curves(card, tmp_path / "curves.png").exists()
    assert plot_heatmap(card, tmp_path / "heat.png").exists()
