"""neurocast against an independent Brian2 script of the Shiu et al. 2024 model, on cases that
test_vs_brian2.py does not cover: other time steps, per-neuron parameters, explicit input into
neurons that keep their refractory period (duplicate and unsorted events too), synchronous
firing, inhibition-dominated nets, edge parameters (refractory 0, delay 0, autapses), a long run
and a fly-synth slice with every extension at once (both modes, 1 and 2 threads, chunks).

The Brian2 model here is written from the published equations (docs/simulator.md, "The model"),
not from ``neurocast.sim._brian2``: per-neuron constants, ``(unless refractory)`` on v, g and
the adaptation variable, threshold ``v > v_th + theta``, reset ``v = v_r; g = 0; theta += adp``,
``refractory='rfc'`` with ``rfc = 0`` for driven neurons, one ``Synapses`` ``g += w`` with the
delay, explicit input through a ``SpikeGeneratorGroup`` (``v += w_input``). Every case asserts
that the spike trains (step and neuron of every spike) are identical.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neurocast.connectome import Connectome
from neurocast.sim import ShiuParams, build_network, simulate, simulate_chunks

brian2 = pytest.importorskip("brian2")
pytestmark = pytest.mark.peers


def _brian2(con, duration_ms, in_steps, in_neurons, p: ShiuParams, *, driven=None,
            neuron_params=None, delays_ms=None, silence=()):
    """Spikes (steps, neurons), sorted by step then neuron, of the Shiu model in Brian2."""
    from brian2 import ms, mV

    brian2.start_scope()
    brian2.prefs.codegen.target = "cython"
    brian2.BrianLogger.log_level_error()
    dt = p.dt_ms
    brian2.defaultclock.dt = dt * ms
    n = con.n_neurons
    npar = dict(neuron_params or {})
    eqs = """
    dv/dt = (v_0 + i_ext - v + g) / t_mbr : volt (unless refractory)
    dg/dt = -g / tau                      : volt (unless refractory)
    dtheta/dt = -theta / tau_a            : volt (unless refractory)
    v_0 : volt (constant)
    v_r : volt (constant)
    v_th : volt (constant)
    i_ext : volt (constant)
    rfc : second (constant)
    """
    ns = {"t_mbr": p.tau_m_ms * ms, "tau": p.tau_syn_ms * ms, "tau_a": p.tau_adapt_ms * ms,
          "adp": p.adapt_mv * mV}
    neu = brian2.NeuronGroup(n, eqs, threshold="v > v_th + theta",
                             reset="v = v_r; g = 0*mV; theta += adp", refractory="rfc",
                             method="linear", namespace=ns)

    def per_neuron(name, default):
        return np.array(np.broadcast_to(npar.get(name, default), (n,)), dtype=float)

    neu.v_0 = per_neuron("v_rest_mv", p.v_rest_mv) * mV
    neu.v_r = per_neuron("v_reset_mv", p.v_reset_mv) * mV
    neu.v_th = per_neuron("v_threshold_mv", p.v_threshold_mv) * mV
    neu.i_ext = per_neuron("i_ext_mv", 0.0) * mV
    rfc = per_neuron("refractory_ms", p.refractory_ms)
    in_steps, in_neurons = np.asarray(in_steps, np.int64), np.asarray(in_neurons, np.int64)
    rfc[np.unique(in_neurons) if driven is None else np.asarray(driven, np.int64)] = 0.0
    neu.rfc = rfc * ms
    neu.v = neu.v_0[:]
    pre = np.repeat(np.arange(n), np.diff(con.indptr))
    w = con.weight.astype(np.float64)
    w[np.isin(pre, np.asarray(silence, np.int64))] = 0.0
    syn = brian2.Synapses(neu, neu, "w : volt", on_pre="g += w")
    syn.connect(i=pre, j=np.asarray(con.indices, np.int64))
    syn.w = w * p.w_syn_mv * mV
    syn.delay = (p.delay_ms if delays_ms is None else np.asarray(delays_ms)) * ms
    objs = [neu, syn]
    if len(in_steps):
        # an event repeated at the same step and neuron goes through a second channel
        key = in_steps * (n + 1) + in_neurons
        order = np.argsort(key, kind="stable")
        first = np.r_[True, key[order][1:] != key[order][:-1]]
        start = np.maximum.accumulate(np.where(first, np.arange(len(key)), 0))
        rank = np.empty(len(key), np.int64)
        rank[order] = np.arange(len(key)) - start
        channels, idx = np.unique(in_neurons + n * rank, return_inverse=True)
        gen = brian2.SpikeGeneratorGroup(len(channels), idx, in_steps * dt * ms)
        gsyn = brian2.Synapses(gen, neu, on_pre="v += w_in", namespace={"w_in": p.w_input_mv * mV})
        gsyn.connect(i=np.arange(len(channels)), j=channels % n)
        objs += [gen, gsyn]
    mon = brian2.SpikeMonitor(neu)
    brian2.Network(*objs, mon).run(duration_ms * ms)
    steps = np.round(np.asarray(mon.t / ms) / dt).astype(np.int64)
    neurons = np.asarray(mon.i[:], np.int64)
    order = np.lexsort((neurons, steps))
    return steps[order], neurons[order]


def _trains(neurons, n_steps, rate_hz, dt_ms, seed):
    rng = np.random.default_rng(seed)
    hit = rng.random((n_steps, len(neurons))) < rate_hz * dt_ms / 1000.0
    steps, rows = np.nonzero(hit)
    return steps, np.asarray(neurons)[rows]


def _random_con(n, density, seed, inhibitory=0.2, max_count=30, self_loops=False):
    rng = np.random.default_rng(seed)
    mask = rng.random((n, n)) < density
    if not self_loops:
        np.fill_diagonal(mask, False)
    pre, post = np.nonzero(mask)
    sign = np.where(rng.random(n) < inhibitory, -1, 1)
    table = pd.DataFrame({"id": np.arange(n), "name": [f"n{i}" for i in range(n)], "sign": sign})
    return Connectome.from_edges(table, pre, post, rng.integers(1, max_count, len(pre)))


def _assert_same(ours, theirs):
    steps, neurons = theirs
    assert len(ours.steps) == len(steps), (ours.n_spikes, len(steps))
    assert np.array_equal(ours.steps, steps)
    assert np.array_equal(ours.neurons, neurons)


def _check(con, duration_ms, inputs, p, modes=("fast", "reference"), threads=(1,), *,
           stimulate=None, min_spikes=1, **net_kw):
    net = build_network(con, p, **net_kw)
    theirs = _brian2(con, duration_ms, *inputs, p, driven=stimulate, **net_kw)
    for mode in modes:
        for t in threads:
            ours = simulate(net, duration_ms, input_spikes=inputs, mode=mode, threads=t,
                            stimulate=stimulate)
            _assert_same(ours, theirs)
    assert len(theirs[0]) >= min_spikes
    return net, theirs


@pytest.fixture(autouse=True)
def _quiet_brian2():
    brian2.BrianLogger.log_level_error()


@pytest.mark.parametrize("dt", [0.05, 0.2])
def test_other_time_steps(cook2019, dt):
    sensory = np.flatnonzero(cook2019.neurons["type"].to_numpy() == "sensory")[:20]
    inputs = _trains(sensory, round(500.0 / dt), 150.0, dt, seed=1)
    _check(cook2019, 500.0, inputs, ShiuParams(dt_ms=dt), min_spikes=1500)


@pytest.mark.parametrize("dt", [0.1, 0.2])
def test_per_neuron_parameters(cook2019, dt):
    n = cook2019.n_neurons
    rng = np.random.default_rng(0)
    rest = rng.uniform(-60, -48, n)
    threshold = rest + rng.uniform(3, 12, n)
    npar = dict(v_rest_mv=rest, v_threshold_mv=threshold, v_reset_mv=threshold - rng.uniform(2, 15, n),
                refractory_ms=rng.integers(0, 40, n) * dt,
                i_ext_mv=np.where(rng.random(n) < 0.1, rng.uniform(0, 15, n), 0.0))
    sensory = np.flatnonzero(cook2019.neurons["type"].to_numpy() == "sensory")[:20]
    inputs = _trains(sensory, round(500.0 / dt), 150.0, dt, seed=0)
    _check(cook2019, 500.0, inputs, ShiuParams(dt_ms=dt), neuron_params=npar, min_spikes=1500)


def test_explicit_input_into_refractory_neurons():
    """Neurons 5-39 get explicit input at 2 kHz but are not driven (stimulate= names 0-4), so
    they keep their refractory period and lose the events that land in it."""
    con = _random_con(200, 0.05, 11)
    a = _trains(np.arange(5), 4000, 150.0, 0.1, 1)
    b = _trains(np.arange(5, 40), 4000, 2000.0, 0.1, 2)
    inputs = (np.concatenate([a[0], b[0]]), np.concatenate([a[1], b[1]]))
    _check(con, 400.0, inputs, ShiuParams(w_syn_mv=0.6), stimulate=np.arange(5), min_spikes=5000)


def test_duplicate_and_unsorted_input_events():
    con = _random_con(200, 0.05, 11)
    rng = np.random.default_rng(3)
    steps, neurons = rng.integers(0, 3000, 6000), rng.integers(0, 30, 6000)
    steps, neurons = np.r_[steps, steps[:3000]], np.r_[neurons, neurons[:3000]]  # 3000 repeats
    perm = rng.permutation(len(steps))
    _check(con, 300.0, (steps[perm], neurons[perm]), ShiuParams(w_input_mv=4.0, w_syn_mv=0.6),
           min_spikes=3000)


def test_synchronous_firing():
    """Strong excitation: hundreds of neurons spike in the same step; and all 400 driven in
    the same steps."""
    con = _random_con(400, 0.3, 7, inhibitory=0.0)
    p = ShiuParams(w_syn_mv=5.0)
    _check(con, 200.0, _trains(np.arange(5), 2000, 50.0, 0.1, 8), p, min_spikes=20_000)
    steps = np.repeat(np.array([5, 100, 101, 500, 1200]), 400)
    _check(con, 150.0, (steps, np.tile(np.arange(400), 5)), p, min_spikes=20_000)


def test_inhibition_dominated():
    con = _random_con(300, 0.1, 9, inhibitory=0.8)
    _check(con, 500.0, _trains(np.arange(60), 5000, 200.0, 0.1, 10), ShiuParams(w_syn_mv=1.0),
           min_spikes=3000)


@pytest.mark.parametrize("changes", [dict(refractory_ms=0.0), dict(delay_ms=0.0), dict(delay_ms=0.1),
                                     dict(refractory_ms=5.0, delay_ms=3.0), dict(delay_ms=4.0),
                                     dict(tau_syn_ms=30.0, tau_m_ms=10.0)],
                         ids=["ref0", "delay0", "delay1step", "ref>delay", "delay>ref", "tau_syn>tau_m"])
def test_edge_parameters_with_autapses(changes):
    con = _random_con(100, 0.08, 31, self_loops=True)
    assert np.any(con.pre_positions() == con.indices)
    _check(con, 300.0, _trains(np.arange(8), 3000, 150.0, 0.1, 32),
           ShiuParams(w_syn_mv=0.8, **changes), min_spikes=500)


def test_long_run_sparse_drive():
    """10 s at dt 0.2 ms (50,000 steps), sparse input: long lazy jumps, adaptation and a
    constant drive that keeps some neurons near threshold."""
    con = _random_con(60, 0.1, 21)
    p = ShiuParams(dt_ms=0.2, w_syn_mv=0.8, adapt_mv=0.5, tau_adapt_ms=1000.0)
    npar = {"i_ext_mv": np.linspace(0, 6.5, 60)}
    _check(con, 10_000.0, _trains(np.arange(4), 50_000, 20.0, 0.2, 22), p, neuron_params=npar,
           min_spikes=2000)


def test_fly_synth_slice_everything_at_once():
    """A 2,000-neuron slice of fly-synth (whole modules) at dt 0.05 ms with per-neuron
    parameters, per-connection delays, silenced neurons and adaptation: fast, event and
    reference modes on 1 and 2 threads, and chunked."""
    from neurocast.connectome import load_connectome

    try:
        fly = load_connectome("fly-synth")
    except Exception as exc:  # pragma: no cover - the synthetic fly is generated and cached
        pytest.skip(f"fly-synth unavailable: {exc}")
    modules = np.array([t.split(".")[0] for t in fly.neurons["type"].to_numpy()])
    rng = np.random.default_rng(1)
    names = np.unique(modules)
    con = fly.subnetwork(np.flatnonzero(np.isin(modules, rng.choice(names, 10, replace=False))))
    n, dt = con.n_neurons, 0.05
    rest = rng.uniform(-56, -50, n)
    npar = dict(v_rest_mv=rest, v_threshold_mv=rest + rng.uniform(5, 9, n),
                v_reset_mv=rest - rng.uniform(0, 3, n), refractory_ms=rng.integers(20, 80, n) * dt,
                i_ext_mv=rng.uniform(0, 3, n))
    delays = rng.integers(1, 100, con.n_connections) * dt
    silence = rng.choice(n, n // 20, replace=False)
    driven = np.setdiff1d(rng.choice(n, 40, replace=False), silence)
    inputs = _trains(driven, round(300.0 / dt), 150.0, dt, 4)
    p = ShiuParams(dt_ms=dt, w_syn_mv=0.5, adapt_mv=0.3, tau_adapt_ms=300.0)
    net, theirs = _check(con, 300.0, inputs, p, modes=("fast", "event", "reference"), threads=(1, 2),
                         neuron_params=npar, delays_ms=delays, silence=silence, min_spikes=5000)
    chunks = list(simulate_chunks(net, 300.0, 70.0, input_spikes=inputs))
    steps = np.concatenate([c.steps + c.attrs["start_step"] for c in chunks])
    neurons = np.concatenate([c.neurons for c in chunks])
    assert np.array_equal(steps, theirs[0]) and np.array_equal(neurons, theirs[1])
