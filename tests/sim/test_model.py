"""The Shiu model's exact semantics: analytic solutions, delay, refractoriness, silencing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurocast.errors import ConfigError
from neurocast.sim import ShiuParams, build_network, simulate, trace

P = ShiuParams()
K = P.tau_syn_ms / (P.tau_m_ms - P.tau_syn_ms)


def psp(t_ms, g0):
    """Analytic v - v_rest after g jumps to g0 at t = 0 from rest (mV)."""
    return g0 * K * (np.exp(-t_ms / P.tau_m_ms) - np.exp(-t_ms / P.tau_syn_ms))


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_single_neuron_decay_matches_analytic(chain2, mode):
    net = build_network(chain2, P.replace(w_input_mv=3.0))
    tr = trace(net, 50.0, ["n0"], input_spikes=([100], [0]), mode=mode)
    t = (np.arange(tr.v_mv.shape[0]) - 100) * P.dt_ms
    expect = np.where(t >= 0, P.v_rest_mv + 3.0 * np.exp(-np.maximum(t, 0) / P.tau_m_ms), P.v_rest_mv)
    assert np.max(np.abs(tr.v_mv[:, 0] - expect)) < 1e-6
    assert tr.spikes.n_spikes == 0


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_two_neurons_psp_and_delay(chain2, mode):
    net = build_network(chain2)
    tr = trace(net, 60.0, ["n0", "n1"], input_spikes=([50], [0]), mode=mode)
    # input at step 50 (after threshold) -> v = 16.75 mV -> spike at step 51
    assert tr.spikes.steps.tolist() == [51]
    assert tr.spikes.neurons.tolist() == [0]
    arrival = 51 + P.delay_steps  # delivered exactly 1.8 ms (18 steps) later
    assert P.delay_steps == 18
    g1, v1 = tr.g_mv[:, 1], tr.v_mv[:, 1]
    assert np.all(g1[:arrival] == 0.0) and np.all(v1[:arrival] == P.v_rest_mv)
    t = (np.arange(arrival, len(g1)) - arrival) * P.dt_ms
    g0 = 10 * P.w_syn_mv
    assert np.max(np.abs(g1[arrival:] - g0 * np.exp(-t / P.tau_syn_ms))) < 1e-6
    assert np.max(np.abs(v1[arrival:] - P.v_rest_mv - psp(t, g0))) < 1e-6
    # the driven neuron is reset to v_reset with g = 0 and then stays at rest
    assert tr.v_mv[51, 0] == P.v_reset_mv and tr.g_mv[51, 0] == 0.0


def test_psp_peak_is_what_the_bound_uses():
    prop = P.propagator()
    t = np.linspace(0, 100, 200_001)
    assert abs(psp(t, 1.0).max() - prop["h_max"]) < 1e-8
    assert math.isclose(prop["a"], math.exp(-0.1 / 20)) and math.isclose(prop["c"], math.exp(-0.1 / 5))


def _refractory_run(make_chain, extra_input_step, mode="fast"):
    """Neuron 1 driven over threshold by 300 synapses; a second spike of neuron 0 arrives later."""
    conn = make_chain([300])
    net = build_network(conn)
    steps = [10] if extra_input_step is None else [10, extra_input_step]
    return trace(net, 20.0, ["n1"], input_spikes=(steps, [0] * len(steps)), mode=mode)


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_refractory_freezes_and_drops_input(chain, mode):
    base = _refractory_run(chain, None, mode)
    s1 = base.spikes.steps[base.spikes.neurons == 1]
    assert len(s1) == 1
    s = int(s1[0])
    ref = P.refractory_steps
    assert ref == 22
    v, g = base.v_mv[:, 0], base.g_mv[:, 0]
    # frozen at reset for the whole refractory period, then exactly at rest (g was zeroed)
    assert np.all(v[s:] == P.v_reset_mv) and np.all(g[s:] == 0.0)
    lag = 1 + P.delay_steps  # input step -> spike of neuron 0 -> arrival at neuron 1
    # arrival during the refractory period (last refractory step s + ref - 1): lost
    lost = _refractory_run(chain, s + ref - 1 - lag, mode)
    assert np.array_equal(lost.v_mv, base.v_mv) and np.array_equal(lost.g_mv, base.g_mv)
    # arrival at the first non-refractory step: stored in g
    kept = _refractory_run(chain, s + ref - lag, mode)
    assert kept.g_mv[s + ref - 1, 0] == 0.0
    assert kept.g_mv[s + ref, 0] == pytest.approx(300 * P.w_syn_mv)


def test_driven_neurons_have_no_refractory_period(chain2):
    net = build_network(chain2)
    # input events on consecutive steps: each makes the driven neuron spike on the next step,
    # except one that lands on the spike step itself (dropped, like Brian2's conditional write)
    sp = simulate(net, 5.0, input_spikes=([10, 12, 13, 20], [0, 0, 0, 0]))
    assert sp.steps[sp.neurons == 0].tolist() == [11, 13, 21]


def test_silencing_removes_downstream_response(chain):
    conn = chain([300, 300])
    net = build_network(conn)
    drive = dict(stimulate=["n0"], rate_hz=100.0, seed=3)
    counts = simulate(net, 200.0, **drive).counts()
    assert counts[0] > 5 and counts[1] > 5 and counts[2] > 5
    silenced = simulate(build_network(conn, silence=["n1"]), 200.0, **drive).counts()
    assert silenced[0] == counts[0] and silenced[1] == counts[1]
    assert silenced[2] == 0
    with pytest.raises(ConfigError, match="both driven and silenced: n0"):  # as the CLI
        simulate(build_network(conn, silence=["n0"]), 200.0, **drive)


def test_inhibition_prevents_spike():
    # n0 (excitatory, 300 synapses) and n2 (inhibitory, 300 synapses) both project to n1
    import pandas as pd

    from neurocast.connectome import Connectome

    table = pd.DataFrame({"id": [1, 2, 3], "name": ["e", "t", "i"], "sign": [1, 1, -1]})
    conn = Connectome.from_edges(table, [0, 2], [1, 1], [300, 300])
    net = build_network(conn)
    alone = simulate(net, 10.0, input_spikes=([5], [0]))
    both = simulate(net, 10.0, input_spikes=([5, 5], [0, 2]))
    assert 1 in alone.neurons.tolist()
    assert 1 not in both.neurons.tolist()


def test_with_params_shares_arrays(tiny_connectome):
    net = build_network(tiny_connectome)
    other = net.with_params(w_syn_mv=0.5, rate_hz=20.0)
    assert other.params.w_syn_mv == 0.5 and net.params.w_syn_mv == 0.275
    assert other.weight is net.weight and other.indices is net.indices
    assert np.shares_memory(net.indices, tiny_connectome.indices)


def test_stronger_synapses_give_more_spikes(random10k):
    net = build_network(random10k)
    weak = simulate(net, 200.0, stimulate="random:20", seed=1)
    strong = simulate(net.with_params(w_syn_mv=0.6), 200.0, stimulate="random:20", seed=1)
    assert strong.n_spikes > weak.n_spikes


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_per_neuron_threshold(chain, mode):
    conn = chain([100])  # PSP peak 100 × 0.275 × 0.1575 = 4.33 mV: below the -45 mV threshold
    drive = dict(input_spikes=([10], [0]), mode=mode)
    assert simulate(build_network(conn), 30.0, **drive).counts()[1] == 0
    low = build_network(conn, neuron_params={"v_threshold_mv": [-45.0, -48.0]})
    assert simulate(low, 30.0, **drive).counts()[1] == 1


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_constant_external_drive_fires_tonically(chain2, mode):
    net = build_network(chain2, neuron_params={"i_ext_mv": [0.0, 10.0]})
    sp = simulate(net, 200.0, mode=mode)
    steps = sp.steps[sp.neurons == 1]
    # from reset (-52) towards -42 mV: v - (-42) = -10·a^m crosses -45 after m = 241 updates,
    # which start 22 steps after the spike (refractory): inter-spike interval 21 + 241 steps
    m = math.ceil(math.log(3 / 10) / math.log(math.exp(-0.1 / 20)))
    assert m == 241
    assert steps[0] == m - 1  # from rest at -52 mV, no refractory period before the first spike
    assert np.all(np.diff(steps) == 21 + m)
    assert sp.counts()[0] == 0


def test_per_neuron_refractory_and_reset(chain2):
    net = build_network(chain2, neuron_params={"i_ext_mv": [0.0, 10.0], "refractory_ms": [2.2, 5.0],
                                               "v_reset_mv": [-52.0, -46.0]})
    tr = trace(net, 100.0, ["n1"])
    s = tr.spikes.steps[tr.spikes.neurons == 1]
    assert len(s) > 2
    assert np.all(tr.v_mv[s[0]:s[0] + 50, 0] == -46.0)  # frozen at the reset for 50 steps
    assert tr.v_mv[s[0] + 50, 0] > -46.0


def test_fast_equals_reference_with_per_neuron_params(random10k):
    rng = np.random.default_rng(0)
    n = random10k.n_neurons
    params = {"v_threshold_mv": rng.uniform(-47, -43, n), "v_reset_mv": rng.uniform(-56, -50, n),
              "v_rest_mv": rng.uniform(-54, -50, n), "refractory_ms": rng.integers(0, 40, n) * 0.1,
              "i_ext_mv": np.where(rng.random(n) < 0.01, rng.uniform(0, 12, n), 0.0)}
    net = build_network(random10k, neuron_params=params)
    fast = simulate(net, 400.0, stimulate="random:20", seed=2)
    ref = simulate(net, 400.0, stimulate="random:20", seed=2, mode="reference")
    assert fast.equals(ref) and fast.n_spikes > 1000


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_per_connection_delays(mode):
    # a -> b with a 0.5 ms delay, a -> c with 3.7 ms
    import pandas as pd

    from neurocast.connectome import Connectome

    table = pd.DataFrame({"id": [1, 2, 3], "name": ["a", "b", "c"], "sign": [1, 1, 1]})
    conn = Connectome.from_edges(table, [0, 0], [1, 2], [10, 10])
    net = build_network(conn, delays_ms=[0.5, 3.7])
    tr = trace(net, 20.0, ["b", "c"], input_spikes=([20], [0]), mode=mode)
    assert tr.spikes.steps.tolist() == [21]  # a spikes on the step after its input
    first_b = np.flatnonzero(tr.g_mv[:, 0])[0]
    first_c = np.flatnonzero(tr.g_mv[:, 1])[0]
    assert (first_b, first_c) == (21 + 5, 21 + 37)
    assert tr.g_mv[first_c, 1] == pytest.approx(10 * P.w_syn_mv)
