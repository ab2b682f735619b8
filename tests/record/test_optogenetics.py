"""The worm-optogenetics plan: each neuron driven in turn (Randi et al. 2023), driven neuron as covariate."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.errors import ConfigError
from neurocast.record import Drive, get_plan, record


@pytest.fixture(scope="module")
def worm():
    from neurocast.connectome import load_connectome

    return load_connectome("celegans-cook2019")


def _driven_per_frame(plan, worm):
    """Position of the neuron driven in each frame (-1: none), from the plan's pulses."""
    out = np.full(plan.n_frames, -1)
    resolved = plan.resolve(worm)
    for ci, di, a, b in plan.pulses():
        (pos,) = resolved[ci][di]
        assert (out[a:b] == -1).all(), "two neurons driven at once"
        out[a:b] = pos
    return out


def test_every_neuron_is_driven_once_per_repeat_in_its_own_order(worm):
    plan = get_plan("worm-optogenetics")
    assert plan.network == "celegans-cook2019" and plan.model == "graded"
    assert [c.name for c in plan.conditions] == ["repeat-1", "repeat-2", "repeat-3"]
    assert plan.heldout_conditions == ("repeat-3",)
    driven = _driven_per_frame(plan, worm)
    orders = []
    for c, start in zip(plan.conditions, plan.offsets[:-1], strict=True):
        seq = driven[start:start + c.n_frames]
        onsets = seq[np.r_[True, seq[1:] != seq[:-1]] & (seq >= 0)]
        np.testing.assert_array_equal(np.sort(onsets), np.arange(worm.n_neurons))  # each once
        orders.append(onsets)
    assert not np.array_equal(orders[0], orders[1]) and not np.array_equal(orders[1], orders[2])
    # the covariates say which neuron is driven, frame by frame
    names, cov = plan.covariates(0, worm)
    cols = [i for i, n in enumerate(names) if n.startswith("driven:")]
    assert len(cols) == worm.n_neurons
    by_name = {n: i for i, n in enumerate(worm.names.astype(str))}
    col_pos = np.array([by_name[names[i].removeprefix("driven:")] for i in cols])
    onehot = cov[:, cols]
    assert set(np.unique(onehot)) <= {0.0, 1.0} and onehot.sum(axis=1).max() == 1
    got = np.where(onehot.any(axis=1), col_pos[onehot.argmax(axis=1)], -1)
    np.testing.assert_array_equal(got, driven)
    # without the connectome only the plan's own covariates
    assert plan.covariates(0)[0] == list(plan.covariate_names)


def test_driven_neurons_respond_and_the_recording_carries_the_covariate(worm):
    plan = get_plan("worm-optogenetics").with_frames(3 * 8 * 25)  # the first 25 slots of each repeat
    ds = record(worm, plan, seed=0, progress=False, spike_counts=False)
    names = ds["covariate"].values.astype(str).tolist()
    driven_cols = [n for n in names if n.startswith("driven:")]
    assert len(driven_cols) >= 25
    x = ds["traces"].values
    stim = ds["stimulus"].values
    neuron = {n: i for i, n in enumerate(ds["neuron"].values.astype(str))}
    gains, other = [], []
    for n in driven_cols:
        on = np.flatnonzero(stim[:, names.index(n)] > 0)
        j = neuron[n.removeprefix("driven:")]
        after = np.concatenate([np.arange(t + 1, min(t + 4, len(x))) for t in on])
        gains.append(x[after, j].mean() - x[:, j].mean())
        k = (j + 150) % x.shape[1]  # a neuron that was not driven then
        other.append(x[after, k].mean() - x[:, k].mean())
    gains, other = np.array(gains), np.array(other)
    # a driven neuron's ΔF/F in the frames right after its pulse is above its own mean (most of
    # them: a few are held down by their partners), far more often than another neuron's
    assert np.mean(gains > 0) > 0.7 and np.mean(gains > 0) > np.mean(other > 0) + 0.15, (gains, other)
    assert np.median(gains) > 3 * abs(np.median(other)), (gains, other)


def test_order_drives_are_checked():
    with pytest.raises(ConfigError, match="exclude each other"):
        Drive(order=1, n_random=3)
    with pytest.raises(ConfigError, match="delay_frames"):
        Drive(delay_frames=-1)
    d = Drive(on_frames=2, off_frames=5, delay_frames=3)
    np.testing.assert_array_equal(d.on_mask(12), [0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1])
