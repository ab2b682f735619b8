"""The traces plot breaks its lines at pauses in acquisition (as the heatmap leaves them
empty), and refuses an empty frame range as such."""

from __future__ import annotations

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.cli import main
from neurocast.data.plot import traces_heatmap, traces_with_spikes
from neurocast.errors import ConfigError


def _paused():
    """200 frames 0.5 s apart with a 5-s pause after frame 119."""
    t = np.arange(200) * 0.5
    t[120:] += 5.0
    x = np.random.default_rng(1).standard_normal((200, 2)).astype(np.float32)
    ds = nd.make_dataset(x, dt_s=0.5, time_s=t, neuron=["n0", "n1"])
    return ds, t


def test_the_trace_breaks_at_a_pause_over_a_hatched_gap():
    ds, t = _paused()
    fig = traces_with_spikes(ds, neurons=["n0", "n1"], frames=(100, 150))
    # as on the heatmap: from the end of the frame before (one median interval after it) to the
    # frame after
    assert fig.neurocast_pauses == [(t[119] + 0.5, t[120])]
    heatmap = traces_heatmap(ds)
    assert [(a * 60, b * 60) for a, b in heatmap.neurocast_pauses] == fig.neurocast_pauses
    for ax in fig.axes:
        line = ax.get_lines()[0]
        x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        assert x.size == y.size == 51  # 50 frames and one break
        assert np.flatnonzero(np.isnan(y)).tolist() == [20]  # between frames 119 and 120
        assert t[119] < x[20] < t[120] and np.all(np.diff(x) > 0)
        assert len(ax.patches) == 1  # the hatched pause
    assert "1 pause(s) in acquisition (hatched)" in fig._suptitle.get_text()


def test_frames_without_a_pause_draw_the_frames_as_they_are():
    ds, _ = _paused()
    fig = traces_with_spikes(ds, neurons=["n0"], frames=(0, 120))
    y = fig.axes[0].get_lines()[0].get_ydata()
    np.testing.assert_array_equal(y, ds.traces.values[:120, 0])
    assert fig.neurocast_pauses == [] and not fig.axes[0].patches


@pytest.mark.parametrize("n_frames, frames, suggested", [
    (200, (5, 5), (5, 200)), (200, (9, 3), (9, 200)), (40, (5, 5), (5, 40)),
    (1000, (5, 5), (5, 505))])
def test_an_empty_frame_range_is_called_empty(n_frames, frames, suggested):
    """The suggested range lies inside the recording (500 frames from START at most)."""
    ds = nd.make_dataset(np.zeros((n_frames, 1), np.float32), dt_s=0.5)
    with pytest.raises(ConfigError, match=rf"^frames \({frames[0]}, {frames[1]}\) are an empty "
                       "range") as err:
        traces_with_spikes(ds, frames=frames)
    a, b = suggested
    assert err.value.hint == f"e.g. --frames {a}:{b} (frames=({a}, {b}))"


@pytest.mark.parametrize("frames", [(50, 50), (40, 40), (-1, -1), (50, 10)])
def test_an_empty_range_outside_the_recording_is_called_outside(frames):
    ds = nd.make_dataset(np.zeros((40, 1), np.float32), dt_s=0.5)
    with pytest.raises(ConfigError, match=rf"^frames \({frames[0]}, {frames[1]}\) outside the "
                       "recording's 0..40"):
        traces_with_spikes(ds, frames=frames)


def test_cli_plot_of_an_empty_frame_range_exits_2(tmp_path, capsys):
    ds, _ = _paused()
    path = nd.save_dataset(ds, tmp_path / "p.zarr")
    out = tmp_path / "t.png"
    assert main(["data", "plot", str(path), "--kind", "traces", "--frames", "5:5", "--out",
                 str(out)]) == 2
    err = capsys.readouterr().err
    assert "neurocast: error: frames (5, 5) are an empty range" in err and "Traceback" not in err
    assert not out.exists()
