"""spike_counts[f, i] holds the spikes that frame f's sample of neuron i shows first: those in
[t[f-1, i], t[f, i]), t[f, i] = f · dt + the neuron's acquisition offset. A spike's count and the
rise of its trace fall in the same frame (they were a frame apart: the counts used [f·dt, (f+1)·dt));
every frame counts one frame interval, frame 0 too (from the warm-up), and n_spikes is their sum."""

from __future__ import annotations

import numpy as np
import pytest

import neurocast.record._record as rec
from neurocast.observe import ObserveConfig, plane_offsets
from neurocast.record import Condition, StimulusPlan, record

DT = 0.5
N_FRAMES = 12
PLANES = 5  # the tiny connectome's 5 neurons: one per plane, offsets 0, 0.1, ..., 0.4 s
# the calcium itself: no shot, read or drift noise, no running baseline
CLEAN = ObserveConfig(n_planes=PLANES, snr=float("inf"), drift_amplitude=0.0, normalise=False)


def _record(tiny_connectome, monkeypatch, times, neurons):
    """A recording of the tiny connectome whose simulation yields exactly these spikes (times in
    s from frame 0, negative in the warm-up)."""
    chunk = (np.asarray(times, np.float64), np.asarray(neurons, np.int32), N_FRAMES * DT)
    monkeypatch.setattr(rec, "_simulate", lambda *args: iter([chunk]))
    plan = StimulusPlan("one-spike", (Condition("a", N_FRAMES),), frame_dt_s=DT)
    return record(tiny_connectome, plan, observe=CLEAN, progress=False)


# (spike's shift from its neuron's sample of frame 4, frame of its count, frame its trace rises);
# a spike at the very sample time (to float rounding) counts in the next frame: its calcium
# transient, a difference of exponentials, is 0 at lag 0 and shows from the next sample (it
# counted at the sample time, a frame before its trace rose)
@pytest.mark.parametrize("shift_s, frame, rises", [(-0.03, 4, 4), (-0.49, 4, 4), (0.0, 5, 5),
                                                   (-1e-13, 5, 5), (1e-13, 5, 5), (0.01, 5, 5)])
def test_a_spike_counts_in_the_frame_where_its_trace_rises(tiny_connectome, monkeypatch, shift_s,
                                                           frame, rises):
    # every neuron spikes once, shift_s from its own sample of frame 4
    offsets = plane_offsets(5, PLANES, DT)
    np.testing.assert_allclose(offsets, [0.0, 0.1, 0.2, 0.3, 0.4])
    ds = _record(tiny_connectome, monkeypatch, 4 * DT + offsets + shift_s, np.arange(5))
    counts, traces = ds.spike_counts.values, ds.traces.values
    for i in range(5):
        assert np.flatnonzero(counts[:, i]).tolist() == [frame], (i, counts[:, i])
        rise = np.flatnonzero(traces[:, i] > 1e-4)
        assert rise[0] == rises and np.all(np.abs(traces[:rises, i]) < 1e-6), (i, traces[:, i])
    assert ds.attrs["n_spikes"] == int(counts.sum()) == 5


def test_every_frame_counts_one_interval_from_the_warmup_to_the_last_sample(tiny_connectome,
                                                                            monkeypatch):
    # frame 0 counted from t = 0 only (14 spikes in worm-default against ~800 a frame), the last
    # frame also every spike after its sample (1,608)
    last = (N_FRAMES - 1) * DT
    times = [-1.0, -0.5 - 1e-6, -0.5, -0.05, 0.0, -0.2, last + 0.45, last + 0.2, last + 0.4]
    neurons = [0, 0, 0, 0, 1, 3, 2, 4, 4]
    ds = _record(tiny_connectome, monkeypatch, times, neurons)
    counts = ds.spike_counts.values
    # neuron 0 (sampled at f · 0.5 s): frame 0 shows [-0.5, 0), earlier warm-up spikes no frame
    assert counts[0, 0] == 2 and counts[:, 0].sum() == 2
    assert counts[0, 1] == 1  # at t = 0, in [-0.4, 0.1)
    assert counts[0, 3] == 1  # at its warm-up sample -0.2: shows from frame 0's sample, 0.3 s
    assert counts[:, 2].sum() == 0  # after neuron 2's last sample (last + 0.2 s): no sample shows it
    assert counts[-1, 4] == 1  # before neuron 4's last sample (last + 0.4 s); at it: no frame
    assert ds.attrs["n_spikes"] == int(counts.sum()) == 5


def test_n_spikes_without_spike_counts(tiny_connectome, monkeypatch):
    last = (N_FRAMES - 1) * DT
    chunk = (np.array([-1.0, -0.05, 0.3, last + 0.45]), np.array([0, 0, 1, 2], np.int32), N_FRAMES * DT)
    monkeypatch.setattr(rec, "_simulate", lambda *args: iter([chunk]))
    plan = StimulusPlan("one-spike", (Condition("a", N_FRAMES),), frame_dt_s=DT)
    ds = record(tiny_connectome, plan, observe=CLEAN, progress=False, spike_counts=False)
    assert "spike_counts" not in ds and ds.attrs["n_spikes"] == 2


@pytest.mark.parametrize("k", range(-4, 5))
def test_counts_and_calcium_round_alike_near_a_sample(tiny_connectome, monkeypatch, k):
    # the counts took (t - offset) / dt, the calcium (t - t0 - offset) / dt of its block: a spike
    # 1e-9 frame from a sample could count a frame away from its rise
    t = 4 * DT + k * 0.25e-9 * DT
    ds = _record(tiny_connectome, monkeypatch, [t], [0])
    count = np.flatnonzero(ds.spike_counts.values[:, 0]).tolist()
    rise = np.flatnonzero(ds.traces.values[:, 0] > 1e-4)
    assert count == [rise[0]]


@pytest.mark.parametrize("t", [32.5000000005, 32.4999999995, 32.50000000049, 32.50000000051, 32.5])
def test_counts_and_a_later_calcium_block_round_alike(t):
    # record integrates the calcium in blocks of 64 frames: the block from frame 64 took
    # (t - 32 - offset) / dt, the counts (t - offset) / dt, and a spike 1e-9 frame after frame
    # 65's sample counted in frame 65 but rose in frame 66 (the reviewer's repro_round.py)
    from neurocast.observe import CalciumIntegrator
    from neurocast.record._kernels import add_spike_counts

    counts = np.zeros((256, 1), np.uint16)
    assert add_spike_counts(np.array([t]), np.array([0], np.int32), np.zeros(1), DT, 256, counts) == 1
    integ = CalciumIntegrator(1, DT, first_frame=64)
    rise = 64 + np.flatnonzero(integ.advance(np.array([t]), np.array([0], np.int32), 64)[:, 0] > 1e-4)[0]
    assert np.flatnonzero(counts[:, 0]).tolist() == [rise]
