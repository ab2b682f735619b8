"""Plots of user data: names drawn as text, time axes from the stored frame times, notes for
recordings a plot cannot show."""

from __future__ import annotations

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.data.plot import traces_heatmap, traces_with_spikes

_MATH_NAMES = ["$\\frac{a}{b$", "$x^2$", "plain"]


def _named(n_time=120, names=_MATH_NAMES, seed=0):
    x = np.random.default_rng(seed).standard_normal((n_time, len(names))).astype(np.float32)
    cond = nd.conditions_from_offsets([0, 60, n_time], ["$a^b$", "rest"])
    return nd.make_dataset(x, dt_s=0.5, neuron=list(names), condition=cond, source="$src^2$")


def _texts(fig) -> list:
    return [t for t in fig.findobj(lambda a: hasattr(a, "get_parse_math"))]


@pytest.mark.parametrize("kind", ["traces", "heatmap"])
def test_names_are_drawn_as_plain_text(tmp_path, kind):
    ds = _named()
    out = tmp_path / f"{kind}.png"
    if kind == "traces":
        fig = traces_with_spikes(ds, out, n_neurons=3)
    else:
        fig = traces_heatmap(ds, out)
    assert out.exists()
    shown = [t.get_text() for t in _texts(fig)]
    assert any(("$a^b$" if kind == "heatmap" else "$x^2$") in s for s in shown)
    assert not any(t.get_parse_math() for t in _texts(fig) if "$" in t.get_text())


def _paused(n=400, dt=0.5, pause_s=600.0):
    """Two sessions of n/2 frames, ``pause_s`` apart; conditions 'a' then 'b' (from frame 300)."""
    t = np.arange(n) * dt
    t[n // 2:] += pause_s
    x = np.random.default_rng(1).standard_normal((n, 4)).astype(np.float32)
    cond = nd.conditions_from_offsets([0, 300, n], ["a", "b"])
    return nd.make_dataset(x, dt_s=dt, time_s=t, condition=cond), t


def test_heatmap_time_axis_follows_the_stored_frame_times():
    ds, t = _paused()
    fig = traces_heatmap(ds, sort="none")
    ax = fig.axes[1]
    minutes = (t[-1] + 0.5 - t[0]) / 60.0  # 13.3 min, not 400 frames × 0.5 s = 3.3 min
    assert ax.get_xlim()[1] == pytest.approx(minutes)
    boundaries = [line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert boundaries == [pytest.approx(t[300] / 60.0)]  # condition 'b' starts at frame 300
    assert fig.neurocast_pauses == [pytest.approx(((t[199] + 0.5) / 60.0, t[200] / 60.0))]


def test_traces_of_a_recording_without_any_varying_neuron_say_so(tmp_path):
    x = np.tile(np.array([1.0, 2.0, 3.0], dtype=np.float32), (80, 1))  # every channel constant
    ds = nd.make_dataset(x, dt_s=0.5, neuron=["a", "b", "c"])
    with pytest.warns(UserWarning, match="no neuron varies"):
        fig = traces_with_spikes(ds, tmp_path / "dead.png")
    assert "no neuron varies" in fig._suptitle.get_text()
    assert all("dead/constant" in ax.get_title(loc="left") for ax in fig.axes)
