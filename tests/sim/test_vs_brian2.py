"""neurocast's Shiu model against Brian2 2.9 (the simulator Shiu et al. used).

1. Spike for spike: both simulators get the same explicit input trains; every spike
   (step and neuron) must be identical.
2. Statistics: independent Poisson input, 30 trials each; per-neuron rates over active neurons
   correlate with r >= 0.99 and the mean rate agrees within 2 %.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.sim import build_network, run_trials, simulate
from neurocast.sim._inputs import bernoulli_steps

brian2 = pytest.importorskip("brian2")
pytestmark = pytest.mark.peers

from neurocast.sim._brian2 import run_brian2  # noqa: E402

N_TRIALS = 30


@pytest.fixture(autouse=True)
def _quiet_brian2():
    brian2.BrianLogger.log_level_error()


def _trains(driven, duration_ms, rate_hz, seed):
    n_steps = round(duration_ms / 0.1)
    steps, rows = bernoulli_steps(np.random.default_rng(seed), len(driven), rate_hz * 1e-4, 0, n_steps)
    return steps, np.asarray(driven)[rows]


def _assert_identical(net, duration_ms, inputs):
    ours = simulate(net, duration_ms, input_spikes=inputs)
    theirs = run_brian2(net, duration_ms, input_spikes=inputs, device="runtime")
    assert np.array_equal(theirs.counts[0], ours.counts())
    assert np.array_equal(theirs.steps, ours.steps)
    assert np.array_equal(theirs.neurons, ours.neurons)
    return ours


def test_refractory_semantics_spike_for_spike(chain):
    # strong chain: inputs arrive during and after refractory periods in every pattern
    net = build_network(chain([300, 300, 120]))
    inputs = _trains([0], 500.0, 400.0, seed=1)
    ours = _assert_identical(net, 500.0, inputs)
    assert ours.counts()[3] > 0


def test_cook2019_spike_for_spike(cook2019):
    net = build_network(cook2019)
    sensory = np.flatnonzero(cook2019.neurons["type"].to_numpy() == "sensory")[:20]
    ours = _assert_identical(net, 1000.0, _trains(sensory, 1000.0, 150.0, seed=0))
    assert len(ours.active()) > 40


def test_random10k_spike_for_spike(random10k):
    net = build_network(random10k, silence="random:100")
    driven = net.resolve("random:20", seed=3)
    ours = _assert_identical(net, 500.0, _trains(driven, 500.0, 150.0, seed=3))
    assert len(ours.active()) > 20


def _compare_rates(ours, theirs, driven):
    r1 = np.mean([s.rates() for s in ours], axis=0)
    r2 = theirs.mean(axis=0) / (ours[0].duration_ms / 1000.0)
    active = (r1 > 0) | (r2 > 0)
    r = np.corrcoef(r1[active], r2[active])[0, 1]
    rel = abs(r1[active].mean() - r2[active].mean()) / r2[active].mean()
    non_driven = active.copy()
    non_driven[driven] = False
    assert non_driven.sum() > 10
    return r, rel


def test_cook2019_rates_30_trials(cook2019):
    net = build_network(cook2019)
    sensory = np.flatnonzero(cook2019.neurons["type"].to_numpy() == "sensory")[:20]
    ours = run_trials(net, 1000.0, N_TRIALS, seed=0, stimulate=sensory)
    theirs = run_brian2(net, 1000.0, stimulate=sensory, n_copies=N_TRIALS, seed=1000,
                        device="runtime").counts
    r, rel = _compare_rates(ours, theirs, sensory)
    assert r >= 0.99
    assert rel <= 0.02


@pytest.mark.slow
def test_random10k_rates_30_trials(random10k):
    net = build_network(random10k)
    driven = net.resolve("random:20", seed=0)
    ours = run_trials(net, 1000.0, N_TRIALS, seed=0, stimulate=driven)
    theirs = np.concatenate([
        run_brian2(net, 1000.0, stimulate=driven, n_copies=10, seed=1000 + k, device="runtime").counts
        for k in range(N_TRIALS // 10)])
    r, rel = _compare_rates(ours, theirs, driven)
    assert r >= 0.99
    assert rel <= 0.02


def test_per_connection_delays_spike_for_spike(random10k):
    rng = np.random.default_rng(5)
    net = build_network(random10k, delays_ms=rng.integers(1, 40, random10k.n_connections) * 0.1)
    net = net.with_params(w_syn_mv=0.4)
    driven = net.resolve("random:20", seed=5)
    ours = _assert_identical(net, 300.0, _trains(driven, 300.0, 150.0, seed=5))
    assert len(ours.active()) > 40


def test_adaptation_spike_for_spike(random10k):
    # the threshold rises at each spike and decays (frozen while refractory) in both simulators
    from neurocast.sim import ShiuParams

    net = build_network(random10k, ShiuParams(w_syn_mv=0.55, adapt_mv=0.5, tau_adapt_ms=200.0))
    driven = net.resolve("random:20", seed=6)
    ours = _assert_identical(net, 500.0, _trains(driven, 500.0, 150.0, seed=6))
    plain = simulate(net.with_params(adapt_mv=0.0), 500.0, input_spikes=_trains(driven, 500.0, 150.0, seed=6))
    assert 40 < len(ours.active()) and ours.n_spikes < plain.n_spikes
    # a two-neuron loop that reverberates until the risen thresholds stop it
    import pandas as pd

    from neurocast.connectome import Connectome

    table = pd.DataFrame({"id": [1, 2], "name": ["a", "b"], "sign": [1, 1]})
    loop = Connectome.from_edges(table, np.array([0, 1]), np.array([1, 0]), np.array([300, 300]))
    ours = _assert_identical(build_network(loop, ShiuParams(adapt_mv=0.5, tau_adapt_ms=1000.0)), 300.0,
                             (np.array([10]), np.array([0])))
    assert 10 < ours.n_spikes and ours.times_ms.max() < 200.0
