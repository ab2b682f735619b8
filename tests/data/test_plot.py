"""Rastermap-like heatmap: ordering puts similar neurons together; time binning is exact."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.data.plot import bin_time, similarity_order, traces_heatmap
from neurocast.errors import ConfigError


def _groups(n_time=1200, n_neuron=240, n_groups=4, seed=0):
    """Neurons in groups sharing a latent time course, shuffled; returns (x, group labels)."""
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal((n_time, n_groups)).cumsum(axis=0)
    latent = (latent - latent.mean(0)) / latent.std(0)
    group = rng.integers(0, n_groups, n_neuron)
    x = latent[:, group] + 0.5 * rng.standard_normal((n_time, n_neuron))
    return x.astype(np.float32), group


@pytest.mark.parametrize("sort", ["cluster", "pc"])
def test_order_groups_similar_neurons(sort):
    x, group = _groups(n_groups=2 if sort == "pc" else 4)
    order = similarity_order(x, sort=sort)
    assert sorted(order.tolist()) == list(range(x.shape[1]))
    n_groups = len(set(group.tolist()))
    assert (np.diff(group[order]) != 0).sum() == n_groups - 1  # each group is one contiguous run
    # a random order would break the groups up many times
    assert (np.diff(group) != 0).sum() > 10 * n_groups


def test_order_on_subsample_is_seeded_and_still_groups():
    x, group = _groups(n_neuron=600, n_groups=3)
    a = similarity_order(x, sort="cluster", max_neurons=100, seed=1)
    b = similarity_order(x, sort="cluster", max_neurons=100, seed=1)
    np.testing.assert_array_equal(a, b)
    assert (np.diff(group[a]) != 0).sum() <= 4


def test_bin_time_means(monkeypatch):
    import neurocast.data.plot as plot

    monkeypatch.setattr(plot, "_READ_BLOCK_VALUES", 7 * 3)  # several read blocks
    x = np.arange(30 * 3, dtype=np.float32).reshape(30, 3)
    binned, starts = bin_time(x, 4)
    edges = np.linspace(0, 30, 5).astype(int)
    expected = np.stack([x[a:b].mean(0) for a, b in itertools.pairwise(edges)])
    np.testing.assert_allclose(binned, expected)
    np.testing.assert_array_equal(starts, edges[:-1])


def test_heatmap_writes_file(tmp_path):
    x, _ = _groups(n_time=600, n_neuron=50)
    cond = nd.conditions_from_offsets([0, 200, 600], ["rest", "taxis"])
    ds = nd.make_dataset(x, dt_s=0.9141, condition=cond, heldout_conditions=["taxis"])
    fig = traces_heatmap(ds, tmp_path / "h.png", max_rows=20)
    assert fig.neurocast_n_rows == 20 and (tmp_path / "h.png").stat().st_size > 10_000
    with pytest.raises(ConfigError, match="already exists"):
        traces_heatmap(ds, tmp_path / "h.png")
    with pytest.raises(ConfigError, match="unknown sort"):
        traces_heatmap(ds, sort="umap")


def test_heatmap_draws_dead_and_nan_channels_apart_without_warnings(tmp_path):
    x, _ = _groups(n_time=300, n_neuron=6)
    x[:, 1] = 0.1  # dead: its float rounding once made a dark z ≈ +1 row
    x[:, 2] = np.nan  # no value at all: once mid-grey, like real zeros
    x[50:60, 3] = np.nan
    ds = nd.make_dataset(x, dt_s=0.5, allow_nan=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the NaN cases are handled, not warned about
        fig = traces_heatmap(ds, tmp_path / "h.png", sort="none")
    heat, dead = fig.axes[1].images
    assert heat.get_array().mask.all(axis=1).tolist() == [False, True, True, False, False, False]
    assert heat.get_array().mask[3, 50:60].all() and not heat.get_array().mask[3, 60:].any()
    assert (~dead.get_array().mask[:, 0]).tolist() == [False, True, False, False, False, False]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "dead/constant channel (1)", "no value (NaN; 1 channel(s) without any)"]
    assert (fig.neurocast_n_dead, fig.neurocast_n_nan) == (1, 1)
    rows = traces_heatmap(ds, max_rows=3, sort="none").axes[1].images  # rows of 2 neurons
    assert len(rows) == 1  # no row is all dead: a row averages the values it has
    mask = rows[0].get_array().mask
    assert not mask[0].any() and mask[1, 50:60].all() and not mask[1, 60:].any()


def _with_spikes():
    rng = np.random.default_rng(5)
    spikes = rng.poisson(0.05 * np.arange(1, 9), (400, 8))
    kernel = np.exp(-np.arange(20) / 5.0)
    traces = np.stack([np.convolve(spikes[:, i], kernel)[:400] for i in range(8)], axis=1)
    return nd.make_dataset(0.2 * traces, dt_s=0.6, spike_counts=spikes,
                           neuron=[f"N{i}" for i in range(8)])


def test_traces_with_spikes(tmp_path):
    from neurocast.data.plot import traces_with_spikes
    from neurocast.errors import UnknownNameError

    ds = _with_spikes()
    fig = traces_with_spikes(ds, tmp_path / "t.png", n_neurons=3)
    # default: the most active neurons (rates grow with the index)
    assert fig.neurocast_neurons == ["N7", "N6", "N5"]
    assert (tmp_path / "t.png").stat().st_size > 10_000
    fig = traces_with_spikes(ds, neurons=["N0", "N3"], frames=(100, 200))
    assert fig.neurocast_neurons == ["N0", "N3"]
    with pytest.raises(UnknownNameError, match="N9"):
        traces_with_spikes(ds, neurons=["N9"])
    with pytest.raises(ConfigError, match="frames"):
        traces_with_spikes(ds, frames=(300, 900))


def test_traces_without_spikes_show_the_most_variable_neurons(tmp_path):
    """A real recording has no spikes: the traces alone, of the neurons that vary most (a dead
    channel and an all-NaN one never chosen by default), in F for raw fluorescence."""
    from neurocast.data.plot import traces_with_spikes

    rng = np.random.default_rng(2)
    traces = rng.standard_normal((300, 6)) * np.array([0.1, 0.5, 0.2, 0.0, 1.0, 0.3])
    traces[:, 5] = np.nan
    traces[10:20, 4] = np.nan  # a gap
    ds = nd.make_dataset(traces.astype(np.float32), dt_s=0.5, neuron=list("ABCDEF"),
                         allow_nan=True)
    fig = traces_with_spikes(ds, tmp_path / "r.png", n_neurons=4)
    assert fig.neurocast_neurons == ["E", "B", "C", "A"] and (tmp_path / "r.png").exists()
    assert traces_with_spikes(ds).neurocast_neurons == ["E", "B", "C", "A"]  # 6 asked, 4 live
    assert fig.axes[0].get_ylabel() == "ΔF/F" and fig.axes[0].get_title(loc="left") == "E"
    fig = traces_with_spikes(ds, neurons=["F", "D"])  # asked for: shown, and said to be empty
    assert "no values" in fig.axes[0].get_title(loc="left")
    raw = ds.assign_attrs(trace_kind="fluorescence")
    assert traces_with_spikes(raw, n_neurons=1).axes[0].get_ylabel() == "F"


def test_a_very_long_neuron_name_is_cut_in_its_panel_title():
    """A 300-character label (an ROI description, a path) ran off the figure."""
    from neurocast.data.plot import traces_with_spikes

    x = np.random.default_rng(3).standard_normal((50, 2)).astype(np.float32)
    ds = nd.make_dataset(x, dt_s=0.5, neuron=["x" * 300, "AVAL"])
    fig = traces_with_spikes(ds, neurons=["x" * 300, "AVAL"])
    assert fig.axes[0].get_title(loc="left") == "x" * 59 + "…"
    assert fig.axes[1].get_title(loc="left") == "AVAL"
    assert fig.neurocast_neurons == ["x" * 300, "AVAL"]  # the full names are still reported
