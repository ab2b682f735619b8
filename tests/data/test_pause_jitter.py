"""The pause rule (``pause_intervals``): jittered frame times are not pauses in acquisition;
an interval of 2× the frame interval or more in evenly (or mildly jittered) timed frames is."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurocast.data as nd
from neurocast.cli import main
from neurocast.data import _loading as loading
from neurocast.data import pause_intervals, pause_summary

N_FRAMES = 3000
DT_S = 0.2
seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=40, deadline=None)
@given(seed=seeds)
def test_heavy_jitter_is_not_a_pause(seed):
    """±45 % uniform and 20 % Gaussian spread of the frame interval, as volumetric imaging's
    timestamps can have: none of the 3,000 intervals is a pause."""
    rng = np.random.default_rng(seed)
    uniform = DT_S * (1 + rng.uniform(-0.45, 0.45, N_FRAMES))
    gaussian = DT_S * (1 + 0.2 * rng.standard_normal(N_FRAMES))
    assert not pause_intervals(uniform).any()
    assert not pause_intervals(gaussian).any()
    assert pause_summary(np.cumsum(uniform)) is None


@settings(max_examples=60, deadline=None)
@given(seed=seeds, at=st.integers(0, N_FRAMES - 1), factor=st.floats(2.0, 1000.0),
       jitter=st.sampled_from([0.0, 0.05, 0.1]))
def test_a_pause_of_two_frame_intervals_or_more_is_found(seed, at, factor, jitter):
    """Evenly timed frames or up to ±10 % uniform jitter: one interval of ``factor`` × the
    frame interval is a pause, wherever it is, and the only one."""
    steps = DT_S * (1 + np.random.default_rng(seed).uniform(-jitter, jitter, N_FRAMES))
    steps[at] = factor * DT_S
    assert np.flatnonzero(pause_intervals(steps)).tolist() == [at]


def test_short_and_regular_frame_times_have_no_pause():
    assert pause_intervals(np.array([])).tolist() == []
    assert pause_intervals(np.array([0.2])).tolist() == [False]
    assert not pause_intervals(np.full(50, DT_S)).any()
    steps = np.r_[np.full(30, 0.2), np.full(30, 0.4)]  # a change of frame rate
    assert not pause_intervals(steps).any()


def test_protocol_show_on_jittered_frame_times_notes_no_pause(tmp_path, capsys):
    """The tester's case: ±45 % jitter was reported as 3 pauses, and windows were left out."""
    rng = np.random.default_rng(3)
    t = np.cumsum(DT_S * (1 + rng.uniform(-0.45, 0.45, N_FRAMES)))
    t -= t[0]
    x = rng.standard_normal((N_FRAMES, 3)).astype(np.float32)
    ds = nd.make_dataset(x, dt_s=float(np.median(np.diff(t))), time_s=t,
                         condition=np.repeat(["a", "b"], [1500, 1500]))
    path = nd.save_dataset(ds, tmp_path / "jitter.zarr")
    assert main(["protocol", "show", "--dataset", str(path)]) == 0
    captured = capsys.readouterr()
    assert "pause" not in captured.err and "across pauses" not in captured.out


def _dropped(frac: float, arrangement: str) -> tuple[np.ndarray, np.ndarray]:
    """7,879 evenly timed intervals of which ``frac`` are dropped frames (2× the interval),
    spread evenly or at random; returns (steps, which are dropped)."""
    n = 7879
    if arrangement == "even":
        dropped = np.diff(np.floor(np.arange(n + 1) * frac)) > 0
    else:
        dropped = np.random.default_rng(0).random(n) < frac
    return np.where(dropped, 2 * DT_S, DT_S), dropped


@pytest.mark.parametrize("frac", [0.3, 0.4])
def test_many_dropped_frames_are_all_found(frac):
    """The pauses do not count as jitter: 30 % or 40 % dropped frames (the rule measured its
    jitter over them and found none) are all found, and nothing else."""
    steps, dropped = _dropped(frac, "even")
    np.testing.assert_array_equal(pause_intervals(steps), dropped)


def test_dropped_frames_at_random_are_found_as_by_the_factor_alone(monkeypatch):
    """30 % of the frames dropped at random: the jitter term hides none of the pauses that the
    local-median rule (1.75×, no jitter term) finds; some dropped frames raise their local
    median and are missed by both."""
    steps, dropped = _dropped(0.3, "random")
    found = pause_intervals(steps)
    monkeypatch.setattr(loading, "PAUSE_SPREAD", 0.0)
    np.testing.assert_array_equal(found, pause_intervals(steps))
    assert not (found & ~dropped).any() and found.sum() > dropped.sum() / 2


@pytest.mark.parametrize("factor", [2.0, 3.0, 10.0])
@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_one_pause_in_a_tiny_recording_is_found_wherever_it_is(n, factor):
    """Too few intervals to measure jitter: the factor alone decides."""
    for at in range(n):
        steps = np.full(n, DT_S)
        steps[at] = factor * DT_S
        assert np.flatnonzero(pause_intervals(steps)).tolist() == [at], (n, factor, at)
