"""Slow shared state drives: the switching process, its covariates, and their effect on a recording."""

from dataclasses import replace

import numpy as np
import pytest

from neurocast.errors import ConfigError
from neurocast.record import BehaviouralState, StateProcess, get_plan, record, worm_states


def two_states(**kw):
    return StateProcess((BehaviouralState("a", 10.0), BehaviouralState("b", 2.0)), **kw)


def test_visits_follow_the_dwell_times_and_transitions():
    proc = worm_states(forward_s=30.0, reverse_s=6.0, turn_s=3.0)
    starts, idx = proc.intervals(200_000.0, seed=1)
    lengths = np.diff(starts)
    for k, mean in enumerate((30.0, 6.0, 3.0)):
        assert lengths[idx[:-1] == k].mean() == pytest.approx(mean, rel=0.08)
    assert not np.any(idx[1:] == idx[:-1])                       # a state never follows itself
    assert np.all(idx[1:][idx[:-1] == 2] == 0)                   # turn -> forward
    after_forward = idx[1:][idx[:-1] == 0]
    assert np.mean(after_forward == 1) == pytest.approx(0.8, abs=0.03)


def test_sequence_is_seeded_and_covariates_are_one_hot():
    proc = two_states()
    a, b, c = (proc.sample(500, 0.5, seed=s) for s in (3, 3, 4))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    names, cov = proc.covariates(500, 0.5, seed=3)
    assert names == ["state:a", "state:b"]
    assert np.array_equal(cov.sum(axis=1), np.ones(500)) and np.array_equal(cov.argmax(axis=1), a)


def test_bad_state_processes():
    with pytest.raises(ConfigError, match="two distinct"):
        StateProcess((BehaviouralState("a", 1.0),))
    with pytest.raises(ConfigError, match="zero diagonal"):
        two_states(transitions=((0.5, 0.5), (1.0, 0.0)))
    with pytest.raises(ConfigError, match="mean_dwell_s"):
        BehaviouralState("a", 0.0)


def test_worm_default_is_graded_and_its_states_drive_the_command_neurons():
    from neurocast.connectome import load_connectome

    cook2019 = load_connectome("celegans-cook2019")
    plan = get_plan("worm-default")
    assert plan.model == "graded" and plan.states is not None
    fast = replace(plan, states=worm_states(forward_s=8.0, reverse_s=8.0, turn_s=4.0))
    ds = record(cook2019, fast, seed=0, n_frames=300, progress=False)
    assert ds.attrs["sim_model"] == "graded"
    cov = ds["stimulus"].sel(covariate=["state:forward", "state:reverse", "state:turn"]).values
    assert np.array_equal(cov.sum(axis=1), np.ones(300))
    state = cov.argmax(axis=1)
    ava = ds["traces"].sel(neuron=["AVAL", "AVAR"]).values.mean(axis=1)
    # the reverse command interneurons are brighter in reverse than in forward (calcium lags ~2 s)
    lagged = state[:-4]
    assert ava[4:][lagged == 1].mean() > ava[4:][lagged == 0].mean() + 0.05


def test_fly_zap_module_states_take_turns_over_a_partition_of_fly_synth():
    """fly-zap's ten module groups split fly-synth's neurons into disjoint ~10 % shares, one group
    driven at a time; fly-zap-sparse (the first fly-zap) is the same plan without them."""
    from neurocast.connectome import load_connectome

    fly = load_connectome("fly-synth")
    plan, sparse = get_plan("fly-zap"), get_plan("fly-zap-sparse")
    assert sparse.states is None and plan.conditions == sparse.conditions and plan.model == sparse.model
    assert plan.background_fraction == sparse.background_fraction == 0.05
    short = plan.with_frames(120)
    visits = short.state_inputs(fly, seed=0)
    assert all(b > a for _, _, a, b, _ in visits)
    assert len({i for i, *_ in visits}) >= 5  # 110 s at a 10 s mean visit
    starts = np.array([a for _, _, a, _, _ in visits])
    stops = np.array([b for _, _, _, b, _ in visits])
    np.testing.assert_allclose(starts[1:], stops[:-1])
    groups = [st.drives[0].resolve(fly) for st in plan.states.states]  # resolved once (~0.2 s each)
    everyone = np.concatenate(groups)
    assert len(everyone) == fly.n_neurons and len(np.unique(everyone)) == fly.n_neurons
    sizes = [len(g) / fly.n_neurons for g in groups]
    assert min(sizes) > 0.09 and max(sizes) < 0.11
    names, cov = short.covariates(seed=0)
    states = cov[:, [names.index(f"state:g{j}") for j in range(10)]]
    assert np.array_equal(states.sum(axis=1), np.ones(120))


def test_the_whole_fly_zap_recording_passes_the_memory_check():
    """The input events of fly-zap's 2 hours of module states, held a block at a time, fit in
    memory: the memory check counts the trains on together, not every train of the run (it
    once estimated 26 GB and refused to make the built-in fly-zap dataset)."""
    from neurocast.connectome import load_connectome
    from neurocast.record._record import _model_params, build_inputs, warmup_frames
    from neurocast.sim._simulate import _prepare

    fly = load_connectome("fly-synth")
    plan = get_plan("fly-zap")
    model, params = _model_params(plan, None)
    net = model.build_network(fly, params)
    warm = warmup_frames(plan.frame_dt_s, "gcamp6s")
    inputs = build_inputs(plan, fly, seed=0, warmup_frames=warm)
    assert len(inputs) > 500  # one per state visit and pulse
    duration = round((warm + plan.n_frames) * plan.frame_dt_s * 1000 / params.dt_ms) * params.dt_ms
    *_, events = _prepare(net, duration, None, None, inputs, None, 1, "fast")
    bound = events.max_block_events()
    drawn = max(len(events.block(b)[0]) for b in (0, 1000, 2000))
    assert drawn <= bound < 20 * drawn  # ~84,000 events a block, a bound of ~0.9 million
