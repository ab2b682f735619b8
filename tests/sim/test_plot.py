"""Raster and rate plots of simulation results (neurocast.sim.plot)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neurocast.connectome import Connectome
from neurocast.errors import ConfigError, NeurocastError
from neurocast.sim.plot import (
    plot_raster,
    plot_rates,
    plot_summary,
    responding_neurons,
    save_figure,
)
from neurocast.spikes import Spikes


@pytest.fixture
def net():
    n = 6
    neurons = pd.DataFrame({"id": np.arange(100, 100 + n), "name": [f"N{i}" for i in range(n)]})
    return Connectome.from_edges(neurons, [0], [1], [1], name="six")


@pytest.fixture
def trial():
    # neuron 3: 4 spikes from 5 ms; neuron 1: 2 spikes from 1 ms; neuron 5: 1 spike at 9 ms.
    steps = [10, 50, 60, 70, 80, 90, 90]
    neurons = [1, 3, 3, 1, 3, 3, 5]
    return Spikes(steps, neurons, 6, 0.1, 10.0, attrs={"stimulate": [3]})


def test_responding_neurons_order_by_rate_and_first_spike(trial):
    assert responding_neurons(trial).tolist() == [3, 1, 5]
    assert responding_neurons(trial, order="first_spike").tolist() == [1, 3, 5]
    assert responding_neurons(trial, top=2, order="first_spike").tolist() == [1, 3]
    with pytest.raises(ConfigError, match="order"):
        responding_neurons(trial, order="alphabet")
    with pytest.raises(ConfigError, match="top"):
        responding_neurons(trial, top=0)


def test_first_spike_order_uses_later_trials_for_neurons_silent_in_the_first(trial):
    second = Spikes([5], [0], 6, 0.1, 10.0)
    assert responding_neurons([trial, second], order="first_spike").tolist() == [0, 1, 3, 5]


def test_raster_draws_every_spike_of_the_shown_neurons_with_names(trial, net):
    fig = plot_raster(trial, net)
    ax = fig.axes[0]
    offsets = ax.collections[0].get_offsets()
    assert len(offsets) == trial.n_spikes
    # rows follow first spike: N1 (row 0), N3 (row 1), N5 (row 2)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["N1", "N3", "N5"]
    row_of_neuron3 = offsets[np.isclose(offsets[:, 0], 0.005)][:, 1]
    assert row_of_neuron3.tolist() == [1.0]
    # the driven neuron (attrs['stimulate']) is drawn in red, the others not
    colors = ax.collections[0].get_facecolors()
    red = np.isclose(colors[:, 0], 0xD6 / 255)
    assert red.sum() == 4


def test_raster_top_limits_rows(trial, net):
    fig = plot_raster(trial, net, top=1)
    assert len(fig.axes[0].collections[0].get_offsets()) == 4  # neuron 3 only


def test_rate_bars_are_mean_rates_over_trials(trial, net):
    other = Spikes([1, 2], [5, 5], 6, 0.1, 10.0)
    fig = plot_rates([trial, other], net)
    ax = fig.axes[0]
    widths = [p.get_width() for p in ax.patches]
    # order by mean rate: N3 (4 and 0 spikes in 10 ms → 200 Hz), N5 (1+2 → 150 Hz), N1 (2+0 → 100 Hz)
    np.testing.assert_allclose(widths, [200.0, 150.0, 100.0])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["N3", "N5", "N1"]


def test_ids_used_without_connectome(trial):
    fig = plot_rates(trial)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["3", "1", "5"]


def test_summary_png_written_atomically_and_no_pyplot_state(trial, net, tmp_path):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    path = save_figure(plot_summary([trial, trial], net), tmp_path / "run.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 5000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.png"]  # no partial file left
    assert plt.get_fignums() == before


def test_empty_run_still_plots(net, tmp_path):
    empty = Spikes([], [], 6, 0.1, 10.0)
    save_figure(plot_summary(empty, net), tmp_path / "empty.png")
    assert "0 of 6 neurons active" in plot_raster(empty, net).axes[0].get_title()


def test_bad_inputs(trial, tmp_path):
    with pytest.raises(NeurocastError, match=r"\.png"):
        save_figure(plot_raster(trial), tmp_path / "run.pdf")
    with pytest.raises(NeurocastError, match="differ in size"):
        plot_rates([trial, Spikes([], [], 7, 0.1, 10.0)])
    with pytest.raises(NeurocastError, match="Spikes"):
        plot_rates([])
    with pytest.raises(NeurocastError, match="driven"):
        plot_raster(trial, driven=[9])


def test_strongly_driven_neurons_leave_room_for_the_responders(net):
    # neurons 0-3 driven and firing fast; 4 and 5 respond with fewer spikes
    driven = [(s, n) for s in range(10, 90, 10) for n in range(4)]
    steps, neurons = np.array(sorted([*driven, (51, 4), (71, 5)])).T
    run = Spikes(steps, neurons, 6, 0.1, 10.0, attrs={"stimulate": [0, 1, 2, 3]})
    ax = plot_raster(run, net, top=4).axes[0]
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert len(shown) == 4 and {"N4", "N5"} <= set(shown)  # the responders, then driven rows
    assert "6 of 6 neurons active (2 beyond the driven ones)" in ax.get_title()
    # with no responder to show, the driven neurons fill every row
    steps, neurons = np.array(driven).T
    alone = Spikes(steps, neurons, 6, 0.1, 10.0, attrs={"stimulate": [0, 1, 2, 3]})
    assert len(plot_rates(alone, net, top=4).axes[0].get_yticklabels()) == 4


def test_driven_neurons_take_a_quarter_of_the_rows_when_responders_fill_the_rest():
    n = 12
    neurons = pd.DataFrame({"id": np.arange(n), "name": [f"N{i}" for i in range(n)]})
    net = Connectome.from_edges(neurons, [0], [1], [1], name="twelve")
    # neurons 0-5 driven, firing every step; 6-11 respond once each
    events = [(s, j) for s in range(10, 90, 10) for j in range(6)] + [(51 + j, j) for j in range(6, 12)]
    steps, ids = np.array(sorted(events)).T
    run = Spikes(steps, ids, n, 0.1, 10.0, attrs={"stimulate": list(range(6))})
    shown = [t.get_text() for t in plot_rates(run, net, top=8).axes[0].get_yticklabels()]
    assert len(shown) == 8 and sum(name in {f"N{i}" for i in range(6)} for name in shown) == 2
    with pytest.raises(ConfigError, match="top"):
        plot_raster(run, net, top=0)
