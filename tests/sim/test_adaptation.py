"""Spike-frequency adaptation (ShiuParams.adapt_mv, tau_adapt_ms): a threshold that rises at
each spike and decays back, frozen while refractory like v and g."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurocast.connectome import Connectome
from neurocast.errors import ConfigError
from neurocast.sim import PoissonInput, ShiuParams, build_network, simulate, simulate_chunks


def _same(net, duration_ms, **kw):
    fast = simulate(net, duration_ms, mode="fast", **kw)
    ref = simulate(net, duration_ms, mode="reference", **kw)
    assert fast.equals(ref)
    return fast


def _loop(count: int = 300) -> Connectome:
    """Two neurons exciting each other strongly: one spike starts an endless reverberation."""
    import pandas as pd

    table = pd.DataFrame({"id": [1, 2], "name": ["a", "b"], "sign": [1, 1]})
    return Connectome.from_edges(table, np.array([0, 1]), np.array([1, 0]), np.array([count, count]))


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_tonic_firing_slows_down_exactly_as_computed(chain2, mode):
    # neuron 1 relaxes towards -42 mV (threshold -45); each spike raises its threshold by 1 mV,
    # decaying with 50 ms, frozen during the 22 refractory steps, as v and g are
    adapt, tau = 1.0, 50.0
    net = build_network(chain2, ShiuParams(adapt_mv=adapt, tau_adapt_ms=tau),
                        neuron_params={"i_ext_mv": [0.0, 10.0]})
    sp = simulate(net, 400.0, mode=mode)
    steps = sp.steps[sp.neurons == 1]
    a, d = math.exp(-0.1 / 20.0), math.exp(-0.1 / tau)
    k = np.arange(1, 20_000)
    expected, theta, t = [], 0.0, 0  # first spike: from rest, no refractory period before it
    while True:
        # after k updates from the reset: v = -42 - 10 a^k, threshold -45 + theta d^k
        m = int(k[np.argmax(-42.0 - 10.0 * a**k > -45.0 + theta * d**k)])
        t += 21 + m if expected else m - 1
        if t >= 4000:
            break
        expected.append(t)
        theta = theta * d**m + adapt
    assert steps.tolist() == expected
    isi = np.diff(steps)
    assert isi[-1] > isi[0] and np.all(np.diff(isi) >= 0)  # adaptation: intervals lengthen


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_adaptation_ends_a_self_sustained_reverberation(mode):
    kick = dict(input_spikes=([10], [0]), mode=mode)
    plain = simulate(build_network(_loop()), 1000.0, **kick)
    assert plain.times_ms.max() > 990.0  # without adaptation the loop never stops
    adapted = simulate(build_network(_loop(), ShiuParams(adapt_mv=0.5, tau_adapt_ms=1000.0)), 1000.0, **kick)
    assert 2 < adapted.n_spikes < plain.n_spikes / 5
    assert adapted.times_ms.max() < 200.0


def test_no_adaptation_is_the_published_model(random10k):
    net0 = build_network(random10k)
    net1 = build_network(random10k, ShiuParams(adapt_mv=0.0, tau_adapt_ms=5.0))
    assert simulate(net0, 300.0, stimulate="random:20", seed=2).equals(
        simulate(net1, 300.0, stimulate="random:20", seed=2))


@pytest.mark.parametrize("seed", [0, 3])
def test_fast_equals_reference_with_adaptation(random10k, seed):
    net = build_network(random10k, ShiuParams(w_syn_mv=0.55, adapt_mv=0.5, tau_adapt_ms=200.0))
    background = PoissonInput(np.arange(0, 10_000, 7), 5.0, 10.0)
    sp = _same(net, 400.0, stimulate="random:20", inputs=(background,), seed=seed)
    plain = simulate(net.with_params(adapt_mv=0.0), 400.0, stimulate="random:20", inputs=(background,), seed=seed)
    assert 1000 < sp.n_spikes < plain.n_spikes


def test_fast_equals_reference_with_adaptation_cook2019(cook2019):
    net = build_network(cook2019, ShiuParams(adapt_mv=2.0, tau_adapt_ms=100.0))
    sensory = np.flatnonzero(cook2019.neurons["type"].to_numpy() == "sensory")
    sp = _same(net, 1000.0, stimulate=sensory[:20], seed=1)
    assert len(sp.active()) > 20


def test_adaptation_carries_over_between_chunks(random10k):
    net = build_network(random10k, ShiuParams(w_syn_mv=0.55, adapt_mv=1.0, tau_adapt_ms=300.0))
    whole = simulate(net, 300.0, stimulate="random:20", seed=4)
    parts = list(simulate_chunks(net, 300.0, 70.0, stimulate="random:20", seed=4))
    steps = np.concatenate([p.steps + p.attrs["start_step"] for p in parts])
    neurons = np.concatenate([p.neurons for p in parts])
    assert np.array_equal(steps, whole.steps) and np.array_equal(neurons, whole.neurons)


@pytest.mark.parametrize("bad", [{"adapt_mv": -0.1}, {"tau_adapt_ms": 0.0}, {"tau_adapt_ms": float("nan")}])
def test_bad_adaptation_parameters(bad):
    with pytest.raises(ConfigError):
        ShiuParams(**bad)


def test_nest_peer_refuses_adaptation():
    from neurocast.sim._nest import shiu_nest_params

    with pytest.raises(ConfigError, match="without adaptation"):
        shiu_nest_params(ShiuParams(adapt_mv=0.5))


def test_neuron_model_presets():
    from neurocast.errors import UnknownNameError
    from neurocast.sim import NEURON_MODELS, neuron_model

    assert neuron_model("shiu") == ShiuParams()
    adapt = neuron_model("shiu-adapt")
    assert (adapt.adapt_mv, adapt.tau_adapt_ms) == (0.5, 1000.0)
    assert adapt.replace(adapt_mv=0.0, tau_adapt_ms=1000.0) == ShiuParams()  # only adaptation differs
    assert set(NEURON_MODELS) == {"shiu", "shiu-adapt", "graded"}
    with pytest.raises(UnknownNameError, match="shiu-adapt"):
        neuron_model("shiu_adapt")


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_threshold_decay_over_a_long_silence(mode):
    # 4 s between two kicks: the lazy jump exceeds the propagator table (32,768 steps) and
    # takes the exp() branch; fast must still equal reference, and the second burst must
    # start from a threshold that has nearly relaxed (it lasts about as long as the first)
    net = build_network(_loop(), ShiuParams(adapt_mv=0.5, tau_adapt_ms=1000.0))
    kicks = dict(input_spikes=([10, 40_000], [0, 0]))
    sp = _same(net, 4500.0, **kicks)
    first, second = (sp.times_ms < 1000.0).sum(), (sp.times_ms > 4000.0).sum()
    assert first > 10 and 0.5 * first < second <= first


def test_spikes_record_the_model():
    from neurocast.sim import neuron_model

    con = _loop()
    for name in ("shiu", "shiu-adapt"):
        sp = simulate(build_network(con, neuron_model(name).replace(dt_ms=0.2)), 10.0)
        assert sp.attrs["model"] == name and sp.attrs["adapt_mv"] == neuron_model(name).adapt_mv
    assert simulate(build_network(con, ShiuParams(adapt_mv=2.0)), 10.0).attrs["model"] == "custom"


def test_neuron_model_needs_a_name():
    from neurocast.sim import neuron_model

    with pytest.raises(ConfigError, match="named by a string"):
        neuron_model({"adapt_mv": 0.5})
