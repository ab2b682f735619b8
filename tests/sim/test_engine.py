"""The fast engine equals the dense reference; seeds, trials, sweeps and inputs."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.sim import (
    PoissonInput,
    build_network,
    run_trials,
    simulate,
    simulate_chunks,
    sweep,
    trace,
)
from neurocast.sim._inputs import BLOCK_STEPS, bernoulli_steps


def _same(net, duration_ms, **kw):
    fast = simulate(net, duration_ms, mode="fast", **kw)
    ref = simulate(net, duration_ms, mode="reference", **kw)
    assert fast.equals(ref), (fast, ref)
    return fast


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_equals_reference_tiny(tiny_connectome, seed):
    net = build_network(tiny_connectome).with_params(w_syn_mv=6.0)
    sp = _same(net, 500.0, stimulate=["A"], seed=seed)
    assert sp.counts()[0] > 0 and sp.counts()[1:].sum() > 0


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_fast_equals_reference_cook2019(cook2019, seed):
    net = build_network(cook2019)
    sensory = np.flatnonzero(cook2019.neurons["type"].to_numpy() == "sensory")
    sp = _same(net, 1000.0, stimulate=sensory[:20], seed=seed)
    assert len(sp.active()) > 20  # the drive spreads beyond the driven neurons


@pytest.mark.parametrize("seed", [0, 5])
def test_fast_equals_reference_random10k(random10k, seed):
    net = build_network(random10k)
    sp = _same(net, 500.0, stimulate="random:50", seed=seed)
    assert len(sp.active()) > 50


def test_fast_equals_reference_with_background_and_windows(random10k):
    net = build_network(random10k)
    inputs = (PoissonInput(np.arange(10_000), 5.0, 4.0),
              PoissonInput(np.arange(100, 140), 80.0, 30.0, start_ms=100.0, stop_ms=300.0),
              PoissonInput(np.arange(500, 600), 50.0, -5.0))
    sp = _same(net, 400.0, stimulate="random:10", inputs=inputs, seed=4)
    # the windowed input only adds spikes inside its window
    win = (sp.neurons >= 100) & (sp.neurons < 140)
    assert sp.times_ms[win].min() >= 100.0


def test_fast_equals_reference_strong_coupling(random10k):
    # stronger synapses: much more recurrent activity, many lazy jumps and refractory drops
    net = build_network(random10k).with_params(w_syn_mv=0.55)
    sp = _same(net, 300.0, stimulate="random:20", seed=9)
    assert sp.n_spikes > 2_000


@pytest.mark.parametrize("case", range(12))
def test_fast_equals_reference_many_networks(case):
    from neurocast.connectome import random_connectome

    rng = np.random.default_rng(case)
    n = int(rng.integers(300, 3000))
    conn = random_connectome(n, float(rng.uniform(10, 60)), seed=case)
    net = build_network(conn, silence=f"random:{n // 20}").with_params(
        w_syn_mv=float(rng.uniform(0.2, 0.8)), tau_syn_ms=float(rng.choice([2.0, 5.0, 10.0])))
    background = PoissonInput(np.arange(n), float(rng.uniform(0, 20)), float(rng.uniform(-3, 8)))
    driven = net.resolve(f"random:{int(rng.integers(1, 40))}", seed=case)
    sp = _same(net, 300.0, stimulate=np.setdiff1d(driven, net.silenced), inputs=(background,),
               rate_hz=float(rng.uniform(20, 300)), seed=case)
    assert sp.n_spikes > 0


def test_same_seed_same_spikes_other_seed_differs(random10k):
    net = build_network(random10k)
    a = simulate(net, 300.0, stimulate="random:20", seed=11)
    b = simulate(net, 300.0, stimulate="random:20", seed=11)
    c = simulate(net, 300.0, stimulate="random:20", seed=12)
    assert a.equals(b)
    assert not a.equals(c)


def test_long_run_spans_several_blocks(chain2):
    # events are generated per block; a run over several blocks equals its reference run
    net = build_network(chain2)
    duration = 2.5 * BLOCK_STEPS * net.params.dt_ms
    sp = _same(net, duration, stimulate=["n0"], rate_hz=40.0, seed=2)
    rate = sp.counts()[0] / (duration / 1000.0)
    assert 30.0 < rate < 50.0


def test_blocks_drawn_ahead_are_used_in_order(cook2019):
    """Each block's input events, drawn on another thread ahead of time, drive its own steps:
    the run equals one driven by the same events given explicitly."""
    from neurocast.sim._simulate import _prepare

    net = build_network(cook2019)
    duration = 3.5 * BLOCK_STEPS * net.params.dt_ms
    kw = dict(stimulate=["ASHL", "AVAL", "PLML"], rate_hz=60.0, seed=4)
    *_, events = _prepare(net, duration, kw["stimulate"], kw["rate_hz"], (), None,
                               kw["seed"], "fast")
    steps, neurons, _ = (np.concatenate(x) for x in zip(*(events.block(b) for b in range(4)),
                                                         strict=True))
    assert len(np.unique(steps // BLOCK_STEPS)) == 4
    drawn = simulate(net, duration, **kw)
    given = simulate(net, duration, stimulate=kw["stimulate"], input_spikes=(steps, neurons))
    assert drawn.equals(given) and len(drawn.steps) > 300


def test_block_event_estimate_counts_only_trains_on_together():
    """The memory check's events per block: trains that follow one another (a recording's
    states) are not summed, trains on at the same time are, and the estimate bounds the
    events of the busiest block actually drawn. (Summing every train refused the built-in
    fly-zap recording, 26 GB for 2 hours of states.)"""
    from neurocast.sim._inputs import EventSource, _Train

    n_steps = 40 * BLOCK_STEPS
    neurons = np.arange(1_000)
    one_after_another = [_Train(neurons, 0.01, 1.0, b * BLOCK_STEPS, (b + 1) * BLOCK_STEPS)
                         for b in range(40)]
    single = EventSource(one_after_another[:1], None, 0, n_steps).max_block_events()
    assert EventSource(one_after_another, None, 0, n_steps).max_block_events() == single
    # a train straddling blocks 0 and 1 adds to both (not to block 2)
    straddling = _Train(neurons, 0.01, 1.0, BLOCK_STEPS // 2, BLOCK_STEPS * 3 // 2)
    half = EventSource([straddling], None, 0, n_steps).max_block_events()
    assert half < single
    for b, expected in ((0, single + half), (1, single + half), (2, single)):
        pair = [one_after_another[b], straddling]
        assert EventSource(pair, None, 0, n_steps).max_block_events() == expected
    # a background on all the time adds to every block
    background = _Train(neurons, 0.01, 1.0, 0, n_steps)
    both = EventSource([*one_after_another, background], None, 0, n_steps).max_block_events()
    assert both == 2 * single
    source = EventSource([*one_after_another, background], None, 3, n_steps)
    drawn = max(len(source.block(b)[0]) for b in range(40))
    assert drawn <= both < 3 * drawn
    # a train shorter than a block counts only its own steps
    short = _Train(neurons, 0.01, 1.0, 100, 100 + BLOCK_STEPS // 10)
    assert EventSource([short], None, 0, n_steps).max_block_events() < single / 3
    # explicit events count in the block they fall in, with the trains on then
    steps = np.r_[np.full(7, 5), np.full(9_000, 2 * BLOCK_STEPS + 3)]
    explicit = (steps, np.zeros(len(steps), np.int64), 1.0)
    assert EventSource([], explicit, 0, n_steps).max_block_events() == 9_000
    assert EventSource([background], explicit, 0, n_steps).max_block_events() == single + 9_000
    assert EventSource([straddling], explicit, 0, n_steps).max_block_events() == half + 7


def test_poisson_events_are_bernoulli_per_step():
    rng = np.random.default_rng(0)
    p, length, n = 0.015, 10_000, 400
    steps, rows = bernoulli_steps(rng, n, p, 0, length)
    counts = np.bincount(rows, minlength=n)
    assert abs(counts.mean() - p * length) < 3 * np.sqrt(p * length / n)
    assert abs(counts.var() / (p * length * (1 - p)) - 1) < 0.2
    # no two events of one train on the same step, all inside the window
    assert len(np.unique(rows * length + steps)) == len(steps)
    assert steps.min() >= 0 and steps.max() < length
    # the few trains needing more than the pre-drawn number of events are completed
    s2, r2 = bernoulli_steps(np.random.default_rng(1), 3, 0.9, 50, 1050)
    assert abs(np.bincount(r2).mean() - 900) < 60 and s2.min() >= 50 and s2.max() < 1050


def test_driven_rate_matches_poisson_rate(chain2):
    net = build_network(chain2)
    sp = simulate(net, 10_000.0, stimulate=["n0"], rate_hz=150.0, seed=0)
    # each event gives one spike on the next step, minus events landing on a spike step
    expected = 150.0 * (1 - 0.015)
    assert abs(sp.rates()[0] - expected) < 4 * np.sqrt(150.0 / 10.0)


def test_run_trials_matches_individual_runs(cook2019):
    net = build_network(cook2019)
    kw = dict(stimulate=["ASHL", "ASHR"], rate_hz=150.0)
    trials = run_trials(net, 300.0, 3, seed=5, n_jobs=2, **kw)
    assert len(trials) == 3
    for k, sp in enumerate(trials):
        assert sp.equals(simulate(net, 300.0, seed=5 + k, **kw))
    serial = run_trials(net, 300.0, 3, seed=5, n_jobs=1, **kw)
    assert all(a.equals(b) for a, b in zip(trials, serial, strict=True))
    assert not trials[0].equals(trials[1])


def test_random_selection_is_the_same_in_every_trial(random10k):
    net = build_network(random10k)
    trials = run_trials(net, 100.0, 3, seed=4, n_jobs=1, stimulate="random:5", rate_hz=500.0)
    driven = net.resolve("random:5", seed=4)
    for sp in trials:
        assert sp.attrs["stimulated"] == driven.tolist()
        assert np.all(sp.counts()[driven] > 20)


def test_sweep_rate(cook2019):
    net = build_network(cook2019)
    res = sweep(net, 500.0, "rate_hz", [10.0, 100.0, 260.0], n_trials=2, seed=0, n_jobs=1,
                stimulate=["ASHL", "ASHR"])
    assert [len(r) for r in res] == [2, 2, 2]
    totals = [sum(s.n_spikes for s in r) for r in res]
    assert totals[0] < totals[1] < totals[2]


def test_sweep_parameter(cook2019):
    net = build_network(cook2019)
    res = sweep(net, 300.0, "w_syn_mv", [0.1, 1.0], seed=0, n_jobs=1, stimulate=["ASHL", "ASHR"])
    assert res[1][0].n_spikes > res[0][0].n_spikes


def test_trace_records_every_step_and_matches_reference(random10k):
    net = build_network(random10k)
    a = trace(net, 200.0, np.arange(0, 10_000, 500), stimulate="random:30", seed=3)
    b = trace(net, 200.0, np.arange(0, 10_000, 500), stimulate="random:30", seed=3, mode="reference")
    assert a.v_mv.shape == (2000, 20) and a.times_ms[1] == pytest.approx(0.1)
    assert a.spikes.equals(b.spikes)
    assert np.max(np.abs(a.v_mv - b.v_mv)) < 1e-9
    assert np.max(np.abs(a.g_mv - b.g_mv)) < 1e-9


@pytest.mark.parametrize(("chunk_ms", "mode"), [(100.0, "fast"), (333.3, "fast"), (1700.0, "reference"),
                                              (0.1, "fast")])
def test_chunks_concatenate_to_the_whole_run(random10k, chunk_ms, mode):
    net = build_network(random10k)
    kw = dict(stimulate="random:30", inputs=(PoissonInput(np.arange(10_000), 2.0, 4.0),), seed=8,
              mode=mode)
    duration = 1200.0 if chunk_ms > 1 else 30.0  # spans event blocks of 1 s
    whole = simulate(net, duration, **kw)
    chunks = list(simulate_chunks(net, duration, chunk_ms, **kw))
    assert len(chunks) == -(-round(duration * 10) // round(chunk_ms * 10))
    steps = np.concatenate([c.steps + c.attrs["start_step"] for c in chunks])
    neurons = np.concatenate([c.neurons for c in chunks])
    assert np.array_equal(steps, whole.steps) and np.array_equal(neurons, whole.neurons)
    assert sum(c.duration_ms for c in chunks) == pytest.approx(duration)
    assert whole.n_spikes > 100


def test_chunks_validate_first(random10k):
    from neurocast.errors import ConfigError

    net = build_network(random10k)
    with pytest.raises(ConfigError, match="chunk_ms must be positive"):
        simulate_chunks(net, 100.0, 0.0)
    with pytest.raises(ConfigError, match="rate_hz must be >= 0"):
        simulate_chunks(net, 100.0, 10.0, stimulate=[1], rate_hz=-1.0)


def test_input_spikes_accepts_spikes_object(chain2):
    from neurocast.spikes import Spikes

    net = build_network(chain2)
    inp = Spikes(np.array([3, 40]), np.array([0, 0]), 2, 0.1, 10.0)
    sp = simulate(net, 10.0, input_spikes=inp)
    assert sp.steps[sp.neurons == 0].tolist() == [4, 41]


@pytest.mark.slow
def test_fast_equals_reference_fly_synth():
    from neurocast.connectome import load_connectome

    net = build_network(load_connectome("fly-synth"))
    for seed in (0, 1):
        sp = _same(net, 500.0, stimulate="random:20", seed=seed)
        assert len(sp.active()) > 20


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_equals_reference_with_per_connection_delays(random10k, seed):
    rng = np.random.default_rng(seed)
    delays = rng.integers(1, 60, random10k.n_connections) * 0.1
    net = build_network(random10k, delays_ms=delays, silence="random:50").with_params(w_syn_mv=0.4)
    sp = _same(net, 400.0, stimulate=np.setdiff1d(net.resolve("random:30", seed=seed), net.silenced),
               seed=seed)  # a silenced neuron cannot be driven
    assert sp.n_spikes > 1000
    # a homogeneous per-connection delay equals the preset's delay
    same = build_network(random10k, delays_ms=1.8)
    assert simulate(same, 200.0, stimulate="random:20", seed=seed).equals(
        simulate(build_network(random10k), 200.0, stimulate="random:20", seed=seed))


@pytest.mark.parametrize("shape", [(5, 4), (138_639, 4), (1, 4), (7,)])
def test_aligned_empty_starts_on_a_cache_line(shape):
    from neurocast.sim import _kernels as K

    for _ in range(3):  # NumPy's own placement varies; every result must be aligned
        a = K.aligned_empty(shape)
        assert a.shape == shape and a.dtype == np.float64 and a.flags.c_contiguous
        assert a.ctypes.data % K.CACHE_LINE == 0
        a[...] = 1.5  # the whole array is writable memory of its own
        assert float(a.sum()) == 1.5 * a.size


def test_coefficient_table_is_shared_exact_and_read_only():
    from neurocast.sim import ShiuParams
    from neurocast.sim import _kernels as K

    p = ShiuParams()
    tab = K.coefficient_table(p)
    assert tab is K.coefficient_table(ShiuParams())  # one table per set of time constants
    assert not tab.flags.writeable and tab.ctypes.data % K.CACHE_LINE == 0
    k = np.arange(tab.shape[0], dtype=np.float64)
    a, c = np.exp(-k * p.dt_ms / p.tau_m_ms), np.exp(-k * p.dt_ms / p.tau_syn_ms)
    np.testing.assert_array_equal(tab[:, 0], a)  # bit for bit: the engines' arithmetic
    np.testing.assert_array_equal(tab[:, 1], p.tau_syn_ms / (p.tau_m_ms - p.tau_syn_ms) * (a - c))
    np.testing.assert_array_equal(tab[:, 2], c)
    np.testing.assert_array_equal(tab[:, 3], np.exp(-k * p.dt_ms / p.tau_adapt_ms))
    other = K.coefficient_table(p.replace(tau_syn_ms=3.0))
    np.testing.assert_array_equal(other[:, 2], np.exp(-k * p.dt_ms / 3.0))
    assert K.coefficient_table(p.replace(w_syn_mv=1.0)) is tab  # w_syn is not in the table


@pytest.mark.parametrize("per_neuron", [False, True])
def test_initial_state_is_rest_never_spiked(random10k, per_neuron):
    from neurocast.sim import _kernels as K
    from neurocast.sim._simulate import _LONG_AGO, _initial_state

    nn = random10k.n_neurons
    rest = np.linspace(-60.0, -50.0, nn) if per_neuron else -52.0
    kw = {"neuron_params": {"v_rest_mv": rest, "i_ext_mv": 1.0}} if per_neuron else {}
    net = build_network(random10k, **kw)
    driven = np.array([3, 17])
    neu, coef = _initial_state(net, driven)
    assert neu.st.ctypes.data % K.CACHE_LINE == 0 and neu.prm.ctypes.data % K.CACHE_LINE == 0
    np.testing.assert_array_equal(neu.st[:, K.V], np.broadcast_to(rest, (nn,)))
    np.testing.assert_array_equal(neu.st[:, K.G], 0.0)
    np.testing.assert_array_equal(neu.st[:, K.UPD], -1.0)
    np.testing.assert_array_equal(neu.st[:, K.FREE], _LONG_AGO)
    p = net.params
    np.testing.assert_array_equal(neu.prm[:, K.REST], np.broadcast_to(rest, (nn,)) + (1.0 if per_neuron else 0.0))
    np.testing.assert_array_equal(neu.prm[:, K.THR], p.v_threshold_mv)
    np.testing.assert_array_equal(neu.prm[:, K.RESET], p.v_reset_mv)
    ref = np.full(nn, float(p.refractory_steps))
    ref[driven] = 0.0
    np.testing.assert_array_equal(neu.prm[:, K.REF], ref)
    assert coef.uniform is not per_neuron


def test_parameter_records_are_kept_per_driven_set(random10k):
    """A network keeps the (read-only) parameter records of its last driven set: the same set
    reuses them, another set gets its own refractory periods, and runs after a switch give the
    spikes of a network that never saw the other set."""
    from neurocast.sim import _kernels as K
    from neurocast.sim._simulate import _initial_state

    net = build_network(random10k)
    a, b = np.array([3, 17]), np.array([5])
    prm_a = _initial_state(net, a)[0].prm
    assert not prm_a.flags.writeable
    assert _initial_state(net, a.copy())[0].prm is prm_a
    prm_b = _initial_state(net, b)[0].prm
    assert prm_b is not prm_a
    assert prm_b[5, K.REF] == 0.0 and prm_b[3, K.REF] == prm_b[17, K.REF] > 0.0
    assert prm_a[3, K.REF] == 0.0  # the records handed out earlier are unchanged
    runs = [simulate(net, 200.0, stimulate=d, rate_hz=400.0, seed=1) for d in (a, b, a)]
    for d, got in zip((a, b, a), runs, strict=True):
        fresh = simulate(build_network(random10k), 200.0, stimulate=d, rate_hz=400.0, seed=1)
        np.testing.assert_array_equal(got.steps, fresh.steps)
        np.testing.assert_array_equal(got.neurons, fresh.neurons)


def test_block_events_are_the_trains_merged_stably_by_step():
    """A block's events: each train's events (explicit ones last), ordered by step and, within
    a step, in train order then row order, as a stable sort of their concatenation gives."""
    from neurocast.sim._inputs import EventSource, _Train

    trains = [_Train(np.array([5, 1, 9, 1]), 0.02, 1.5, 0, 30_000),  # a repeated neuron
              _Train(np.arange(40), 0.3, -2.0, 12_000, 25_000),  # inside block 1 only
              _Train(np.array([3]), 0.9, 0.5, 0, 30_000)]  # more events than pre-drawn
    explicit = (np.array([20_005, 10_000, 19_999, 10_000]), np.array([7, 8, 9, 6]), 4.0)
    src = EventSource(trains, explicit, seed=11, n_steps=30_000)
    for b in range(3):
        lo, hi = b * BLOCK_STEPS, (b + 1) * BLOCK_STEPS
        parts = []
        for idx, tr in enumerate(trains):
            a, z = max(lo, tr.lo), min(hi, tr.hi)
            if z > a:
                rng = np.random.default_rng(np.random.SeedSequence([11, idx, b]))
                st, rows = bernoulli_steps(rng, len(tr.neurons), tr.p, a, z)
                parts.append((st, tr.neurons[rows], np.full(len(st), tr.weight_mv)))
        xs, xn = explicit[0], explicit[1]
        keep = np.argsort(xs, kind="stable")
        xs, xn = xs[keep], xn[keep]
        inside = (xs >= lo) & (xs < hi)
        parts.append((xs[inside], xn[inside], np.full(inside.sum(), 4.0)))
        st, nn, w = (np.concatenate(x) for x in zip(*parts, strict=True))
        order = np.argsort(st, kind="stable")
        got = src.block(b)
        assert got[0].dtype == np.int64 and got[1].dtype == np.int32 and got[2].dtype == np.float64
        np.testing.assert_array_equal(got[0], st[order])
        np.testing.assert_array_equal(got[1], nn[order])
        np.testing.assert_array_equal(got[2], w[order])
        assert (np.diff(got[0]) >= 0).all() and len(got[0]) > 0


@pytest.mark.parametrize("p, length", [(0.01, 2_000), (0.9, 1_000), (0.5, 3)])
def test_bernoulli_steps_are_the_cumulated_geometric_gaps(p, length):
    """Each train's events fall at lo - 1 + the running sums of its geometric gaps, drawn as
    an (n, m) block first (then one by one for a train whose m gaps fall short)."""
    n, lo = 50, 7
    steps, rows = bernoulli_steps(np.random.default_rng(3), n, p, lo, lo + length)
    rng = np.random.default_rng(3)
    mean = length * p
    m = int(np.ceil(mean + 6.0 * np.sqrt(mean * (1.0 - p)) + 8))
    pos = np.cumsum(rng.geometric(p, size=(n, m)), axis=1)
    want_s, want_r = [], []
    for r in range(n):
        t, last = list(pos[r][pos[r] <= length]), int(pos[r, -1])
        if last < length:  # short: draw on until past the window
            while (last := last + int(rng.geometric(p))) <= length:
                t.append(last)
        want_s += [lo + x - 1 for x in t]
        want_r += [r] * len(t)
    np.testing.assert_array_equal(steps, want_s)
    np.testing.assert_array_equal(rows, want_r)
