"""The simulator at every activity level (issue 16): threads, engine choice, sorting, memory."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from neurocast.errors import ConfigError, ResourceError
from neurocast.sim import (
    MAX_STEPS,
    ShiuParams,
    build_network,
    estimate,
    simulate,
    simulate_chunks,
)
from neurocast.sim._params import common_step_ms, is_whole_steps
from neurocast.sim._stream import SpikeFileWriter, simulate_to_file
from neurocast.spikes import Spikes


def _same(a: Spikes, b: Spikes) -> bool:
    return np.array_equal(a.steps, b.steps) and np.array_equal(a.neurons, b.neurons)


@pytest.fixture(scope="module")
def net10k(random10k):
    return build_network(random10k)


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_one_and_two_threads_give_identical_spikes(net10k, mode):
    # 3,000 driven neurons: the fast mode runs dense after its first 1,000 steps (100 ms)
    a = simulate(net10k, 300.0, stimulate="random:3000", seed=4, mode=mode, threads=1)
    b = simulate(net10k, 300.0, stimulate="random:3000", seed=4, mode=mode, threads=2)
    c = simulate(net10k, 300.0, stimulate="random:3000", seed=4, mode=mode, threads=3)
    assert a.n_spikes > 10_000
    assert a.attrs["dense_fraction"] >= 0.6
    assert _same(a, b) and _same(a, c)


@pytest.mark.parametrize("k", [2, 30, 300, 3000, 10_000])
def test_event_dense_and_automatic_engines_agree_across_drives(net10k, k):
    runs = {m: simulate(net10k, 300.0, stimulate=f"random:{k}", seed=k, mode=m)
            for m in ("event", "reference", "fast")}
    assert runs["event"].attrs["dense_fraction"] == 0.0
    assert runs["reference"].attrs["dense_fraction"] == 1.0
    assert _same(runs["event"], runs["reference"])
    assert _same(runs["fast"], runs["reference"])
    assert runs["event"].n_spikes > 0


def test_automatic_choice_follows_activity(net10k):
    few = simulate(net10k, 300.0, stimulate="random:2", seed=1)
    many = simulate(net10k, 300.0, stimulate="random:10000", seed=1)
    assert few.attrs["dense_fraction"] == 0.0
    assert many.attrs["dense_fraction"] >= 0.6


def test_switching_engines_mid_run_keeps_spikes(random10k):
    # a strong drive for 150 ms, then none: the fast mode goes dense and back to event-driven
    from neurocast.sim import PoissonInput

    net = build_network(random10k)
    burst = PoissonInput(np.arange(10_000), 150.0, 68.75, 0.0, 150.0)
    fast = simulate(net, 500.0, inputs=burst, seed=3, mode="fast")
    ref = simulate(net, 500.0, inputs=burst, seed=3, mode="reference")
    assert 0.0 < fast.attrs["dense_fraction"] < 1.0
    assert _same(fast, ref)


def test_synchronous_spikes_are_sorted_within_each_step():
    from neurocast.connectome import Connectome

    n = 20_000
    empty = Connectome.from_edges(pd.DataFrame({"id": np.arange(n)}), np.zeros(0, np.int64),
                                  np.zeros(0, np.int64), np.zeros(0, np.int64))
    net = build_network(empty)
    # 500 Hz on every neuron: ~1,000 spikes per step, in random order in the active list
    fast = simulate(net, 20.0, stimulate=np.arange(n), rate_hz=5000.0, seed=2, mode="event")
    ref = simulate(net, 20.0, stimulate=np.arange(n), rate_hz=5000.0, seed=2, mode="reference")
    assert fast.n_spikes > 50_000
    assert _same(fast, ref)
    key = fast.steps * n + fast.neurons
    assert np.all(np.diff(key) > 0)


@pytest.mark.parametrize("suffix", [".npz", ".parquet"])
def test_streamed_file_equals_the_in_memory_run(net10k, tmp_path, suffix):
    path = tmp_path / f"spikes{suffix}"
    whole = simulate(net10k, 250.0, stimulate="random:200", seed=5)
    counts = simulate_to_file(net10k, 250.0, path, chunk_ms=30.0, stimulate="random:200", seed=5)
    back = Spikes.load(path)
    assert _same(back, whole)
    assert back.duration_ms == whole.duration_ms and back.n_neurons == whole.n_neurons
    assert back.attrs["seed"] == 5 and "start_step" not in back.attrs
    assert np.array_equal(counts, whole.counts())
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporaries left


def test_streamed_file_is_not_left_half_written(net10k, tmp_path):
    path = tmp_path / "spikes.npz"
    chunks = simulate_chunks(net10k, 100.0, 20.0, stimulate="random:50", seed=1)
    with pytest.raises(KeyboardInterrupt), SpikeFileWriter(path, 100.0) as writer:
        writer.write(next(chunks))
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(Exception, match="cover"), SpikeFileWriter(path, 100.0) as writer:
        writer.write(next(chunks))  # the run is not complete: no file
    assert list(tmp_path.iterdir()) == []


def test_estimate_extrapolates_a_probe(net10k):
    est = estimate(net10k, 10_000.0, stimulate="random:200", seed=0)
    short = simulate(net10k, 200.0, stimulate="random:200", seed=0)
    assert est.probe_ms == 200.0
    assert est.n_spikes == pytest.approx(short.n_spikes * 50)
    assert est.run_s > 0 and est.peak_bytes > 12 * est.n_spikes
    est.check()  # fits


def test_long_runs_take_explicit_input_after_the_probe(net10k, monkeypatch):
    """A run long enough to be probed first takes explicit input events anywhere in it (the
    probe used to receive them all and refuse those past its own end), with the spikes of an
    unprobed run; events outside the run are still refused, against the run's length."""
    import neurocast.sim._simulate as S

    dt = net10k.params.dt_ms
    n_steps = S.PROBE_FROM_STEPS + 1_000
    rng = np.random.default_rng(3)
    steps = np.sort(rng.integers(0, n_steps, 20_000))
    given = (steps, rng.integers(0, 50, len(steps)))
    probed = simulate(net10k, n_steps * dt, input_spikes=given)
    assert probed.n_spikes > 1_000 and probed.steps[-1] > S.PROBE_STEPS
    # input into a silenced neuron: allowed in a short run, so in a probed one too
    silenced = build_network(net10k.connectome, silence=np.array([7]))
    into = (np.array([10, 20, 30]), np.array([7, 7, 8]))
    assert simulate(silenced, n_steps * dt, input_spikes=into).n_spikes >= 2
    monkeypatch.setattr(S, "PROBE_FROM_STEPS", 10**12)
    assert _same(probed, simulate(net10k, n_steps * dt, input_spikes=given))
    late = (np.array([n_steps]), np.array([0]))
    with pytest.raises(ConfigError, match=f"0..{n_steps - 1}"):
        estimate(net10k, n_steps * dt, input_spikes=late)


def test_the_estimate_does_not_scale_the_set_up(net10k, monkeypatch):
    # a slow set-up (0.3 s) is paid once: a run 1,000 probes long is not estimated at 300 s
    import neurocast.sim._simulate as S

    slow = S._initial_state

    def slow_set_up(*args, **kwargs):
        time.sleep(0.3)
        return slow(*args, **kwargs)

    monkeypatch.setattr(S, "_initial_state", slow_set_up)
    est = estimate(net10k, 1000 * S.PROBE_STEPS * net10k.params.dt_ms)
    assert 0.3 <= est.run_s < 100


def test_a_run_that_cannot_fit_is_refused_before_it_starts(net10k):
    # compile the kernels first (a clean checkout has no numba cache): the time limit is for the
    # probe and the refusal
    simulate(net10k, 1.0, stimulate="random:200", seed=0)
    t0 = time.perf_counter()
    with pytest.raises(ResourceError) as exc:  # ~1e11 spikes
        simulate(net10k, 1e9, stimulate="random:200", seed=0)
    assert time.perf_counter() - t0 < 30
    assert "memory" in exc.value.message and exc.value.hint


def test_more_steps_than_any_run_may_take_are_refused_without_probing(net10k, monkeypatch):
    import neurocast.sim._simulate as S

    monkeypatch.setattr(S, "_initial_state", None)  # nothing may start
    too_long = (MAX_STEPS + 1) * net10k.params.dt_ms
    for call in (lambda: simulate(net10k, too_long), lambda: estimate(net10k, too_long)):
        with pytest.raises(ConfigError, match="steps one run may take"):
            call()


def test_cli_huge_duration_ends_with_one_line_and_exit_2(net10k, tmp_path):
    net_file = net10k.connectome.save(tmp_path / "net.npz")
    out = tmp_path / "out"
    out.mkdir()
    # the longest run allowed, 1e12 steps: ~1e13 spikes cannot be held in memory
    cmd = [sys.executable, "-c", "import sys; from neurocast.cli import main; sys.exit(main())",
           "simulate", str(net_file), "--stimulate", "random:200", "--duration", "1e8"]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2, res.stderr
    assert time.perf_counter() - t0 < 120
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 2 and lines[1].strip().startswith("hint:"), res.stderr
    assert "memory" in lines[0] and "Traceback" not in res.stderr
    # streamed to a file, memory is not the limit, time is (~2e5 days at ~20 us a step)
    res = subprocess.run([*cmd, "--out", str(out / "s.npz")], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 2 and "would take" in res.stderr, res.stderr
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("changes", [{"delay_ms": 1.85}, {"refractory_ms": 2.25}, {"dt_ms": 0.07},
                                     {"dt_ms": 0.3}, {"delay_ms": 1.77, "refractory_ms": 2.3}])
def test_suggested_dt_satisfies_both_checks(changes):
    with pytest.raises(ConfigError) as exc:
        ShiuParams(**changes)
    dt = float(exc.value.hint.rsplit("dt_ms=", 1)[1])
    p = ShiuParams(**{**changes, "dt_ms": dt})  # does not raise
    assert is_whole_steps(p.delay_ms, dt) and is_whole_steps(p.refractory_ms, dt)
    assert dt <= changes.get("dt_ms", 0.1)


def test_common_step():
    assert common_step_ms(0.1, 1.85, 2.2) == 0.05
    assert common_step_ms(0.1, 1.8, 2.2) == 0.1
    assert common_step_ms(0.3, 1.8, 2.2) == 0.2
    assert common_step_ms(0.1, 0.0, 0.0) == 0.1


def test_threads_must_be_positive(net10k):
    with pytest.raises(ConfigError, match="threads"):
        simulate(net10k, 1.0, threads=0)


def test_default_threads_use_a_spare_core_on_large_networks_only(monkeypatch):
    """Both cores for a large network on a machine with a core to spare; one thread when the
    network is small, when every core is busy, or when only one CPU is available."""
    import neurocast.sim._simulate as S

    monkeypatch.setattr(S.numba.config, "NUMBA_NUM_THREADS", 2)
    monkeypatch.setattr(S.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(S.os, "getloadavg", lambda: (1.0, 1.0, 1.0))
    assert S.default_threads(138_639) == 2
    assert S.default_threads(S.PARALLEL_MIN_NEURONS - 1) == 1
    monkeypatch.setattr(S.os, "getloadavg", lambda: (1.6, 1.0, 1.0))
    assert S.default_threads(138_639) == 1
    monkeypatch.setattr(S.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(S.os, "sched_getaffinity", lambda pid: {0})
    assert S.default_threads(138_639) == 1


# -- the event-driven engine on threads ---------------------------------------------------------

@pytest.fixture
def threaded(monkeypatch):
    """Run the event-driven engine on threads whatever the work, as if the machine had 3
    cores; counts the blocks run on threads."""
    from neurocast.sim import _simulate as S

    blocks = []
    run = S._event_on_threads

    def counted(*args):
        blocks.append(len(args[-2].ctr))  # parts
        return run(*args)

    monkeypatch.setattr(S, "THREADED_COST", 0.0)
    monkeypatch.setattr(S, "usable_cores", lambda: 3)
    monkeypatch.setattr(S, "_event_on_threads", counted)
    return blocks


@pytest.mark.parametrize("k", [2, 300, 3000])
def test_event_engine_on_threads_gives_identical_spikes(net10k, threaded, k):
    one = simulate(net10k, 400.0, stimulate=f"random:{k}", seed=k, mode="event", threads=1)
    assert not threaded
    two = simulate(net10k, 400.0, stimulate=f"random:{k}", seed=k, mode="event", threads=2)
    assert threaded and set(threaded) == {2}
    threaded.clear()
    three = simulate(net10k, 400.0, stimulate=f"random:{k}", seed=k, mode="event", threads=3)
    assert threaded and set(threaded) == {3}
    assert one.n_spikes > 0
    assert _same(one, two) and _same(one, three)


def test_threads_are_used_only_where_the_work_pays(net10k, monkeypatch):
    from neurocast.sim import _simulate as S

    monkeypatch.setattr(S, "usable_cores", lambda: 2)
    blocks = []
    run = S._event_on_threads
    monkeypatch.setattr(S, "_event_on_threads", lambda *a: blocks.append(a[0]) or run(*a))
    simulate(net10k, 300.0, stimulate="random:2", seed=1, mode="event", threads=2)
    assert not blocks  # a few driven neurons: one thread
    simulate(net10k, 300.0, stimulate="random:3000", seed=1, mode="event", threads=2)
    assert blocks[0] == 0  # a strong drive: threads from the first step on


def test_threaded_event_engine_keeps_traces_and_chunks(net10k, threaded):
    from neurocast.sim import trace

    rec = np.arange(0, 10_000, 97)
    a = trace(net10k, 300.0, rec, stimulate="random:500", seed=2, mode="event", threads=1)
    b = trace(net10k, 300.0, rec, stimulate="random:500", seed=2, mode="event", threads=2)
    assert threaded
    assert _same(a.spikes, b.spikes)
    np.testing.assert_array_equal(a.v_mv, b.v_mv)
    np.testing.assert_array_equal(a.g_mv, b.g_mv)
    # chunks: the log is trimmed of delivered spikes between them
    whole = simulate(net10k, 400.0, stimulate="random:500", seed=5, mode="event", threads=1)
    parts = list(simulate_chunks(net10k, 400.0, 70.0, stimulate="random:500", seed=5,
                                 mode="event", threads=2))
    assert np.array_equal(np.concatenate([c.steps + c.attrs["start_step"] for c in parts]),
                          whole.steps)
    assert np.array_equal(np.concatenate([c.neurons for c in parts]), whole.neurons)


def test_fast_mode_switches_between_dense_and_threaded_event_engines(net10k, threaded,
                                                                     monkeypatch):
    from neurocast.sim import _simulate as S

    choices = iter([False, True, False, True, False, False, False])  # after blocks 1, 2, ...
    monkeypatch.setattr(S, "_prefer_dense", lambda *a: next(choices))
    fast = simulate(net10k, 600.0, stimulate="random:800", seed=3, mode="fast", threads=2)
    ref = simulate(net10k, 600.0, stimulate="random:800", seed=3, mode="reference", threads=1)
    assert fast.attrs["dense_fraction"] == pytest.approx(2 / 6)
    assert threaded
    assert _same(fast, ref)


def test_threaded_event_engine_grows_a_small_spike_log(net10k, threaded, monkeypatch):
    from neurocast.sim import _simulate as S

    monkeypatch.setattr(S, "log_capacity", lambda n, span: 64)  # the kernels stop to grow it
    a = simulate(net10k, 300.0, stimulate="random:3000", seed=6, mode="event", threads=1)
    b = simulate(net10k, 300.0, stimulate="random:3000", seed=6, mode="event", threads=2)
    assert threaded and a.n_spikes > 10_000
    assert _same(a, b)


def test_threaded_event_engine_with_mixed_delays(random10k, threaded):
    rng = np.random.default_rng(0)
    delays = rng.choice([0.5, 0.8, 1.8, 3.0], size=random10k.n_connections)  # 5 to 30 steps
    net = build_network(random10k, delays_ms=delays)
    a = simulate(net, 300.0, stimulate="random:1000", seed=1, mode="event", threads=1)
    b = simulate(net, 300.0, stimulate="random:1000", seed=1, mode="event", threads=3)
    ref = simulate(net, 300.0, stimulate="random:1000", seed=1, mode="reference", threads=1)
    assert threaded and a.n_spikes > 1_000
    assert _same(a, b) and _same(a, ref)


def test_event_engine_threads_need_cores_delays_and_sorted_rows(random10k, net10k, monkeypatch):
    from neurocast.sim import Network
    from neurocast.sim import _simulate as S

    monkeypatch.setattr(S, "usable_cores", lambda: 2)
    parts = S.event_parts(net10k, 2)
    assert parts.span == 18 and list(parts.bounds) == [0, 5_000, 10_000]
    assert S.event_parts(net10k, 1) is None
    short = build_network(random10k, ShiuParams(delay_ms=0.3, refractory_ms=2.1))  # 3 steps
    assert S.event_parts(short, 2) is None
    long = build_network(random10k, ShiuParams(delay_ms=10.0))  # 100 steps: spans capped
    assert S.event_parts(long, 2).span == S.MAX_SPAN
    # a Network made by hand with rows in descending order: one thread, the same spikes
    order = np.concatenate([np.arange(hi - 1, lo - 1, -1) for lo, hi in
                            zip(net10k.indptr[:-1], net10k.indptr[1:], strict=True)])
    desc = Network(random10k, net10k.indptr, net10k.indices[order], net10k.weight[order],
                   net10k.params, net10k.silenced, net10k.neuron_params, None)
    assert net10k.sorted_rows and not desc.sorted_rows
    assert S.event_parts(desc, 2) is None
    monkeypatch.setattr(S, "usable_cores", lambda: 1)
    assert S.event_parts(net10k, 2) is None


def test_rebalance_moves_bounds_towards_equal_work():
    from neurocast.sim import _kernels as K
    from neurocast.sim import _simulate as S

    parts = K.make_parts(1_000, 2, 18)
    parts.ctr[0, K.WORK_INPUTS], parts.ctr[1, K.WORK_INPUTS] = 300, 100  # part 0 three times busier
    S.rebalance(parts)
    assert list(parts.bounds) == [0, 417, 1_000]  # halfway from 500 to the even split at 333
    parts.ctr[:] = 0
    S.rebalance(parts)  # no work counted: unchanged
    assert list(parts.bounds) == [0, 417, 1_000]
    parts = K.make_parts(7, 5, 18)  # all the work in the last neuron: every part keeps one
    parts.ctr[:, K.WORK_INPUTS] = [1, 1, 1, 1, 10**9]
    for _ in range(5):
        S.rebalance(parts)
    assert np.all(np.diff(parts.bounds) >= 1) and parts.bounds[-1] == 7


def test_threaded_event_engine_counts_the_same_work_and_trims_the_same_log(net10k, threaded,
                                                                           monkeypatch):
    from neurocast.sim import _kernels as K
    from neurocast.sim import _simulate as S

    seen = []
    advance = S._advance

    def spy_prefer(ctr, *a):
        seen.append(("work", int(ctr[K.WORK_ACTIVE]), int(ctr[K.WORK_INPUTS])))
        return False

    def spy_advance(n, stop, dense, threads, tab, coef, neu, syn, log, *a):
        seen.append(("log", n, int(log.ctr[K.N_SPIKES]), int(log.ctr[K.DELIVERED])))
        return advance(n, stop, dense, threads, tab, coef, neu, syn, log, *a)

    monkeypatch.setattr(S, "_prefer_dense", spy_prefer)
    monkeypatch.setattr(S, "_advance", spy_advance)
    runs = []
    for threads in (1, 2):
        seen.clear()
        chunks = list(simulate_chunks(net10k, 400.0, 70.0, stimulate="random:800", seed=7,
                                      mode="fast", threads=threads))
        runs.append((list(seen), np.concatenate([c.neurons for c in chunks])))
    assert threaded
    assert runs[0][0] == runs[1][0]  # work counters, and the log trimmed alike at chunk ends
    assert np.array_equal(runs[0][1], runs[1][1])


def test_threaded_event_engine_with_adaptation_own_parameters_silencing_and_input_trains(
        random10k, threaded):
    rng = np.random.default_rng(3)
    params = ShiuParams(adapt_mv=2.0, tau_adapt_ms=50.0)
    own = {"v_threshold_mv": rng.uniform(-46.0, -44.0, 10_000),
           "i_ext_mv": rng.uniform(0.0, 0.5, 10_000)}
    net = build_network(random10k, params, silence=np.arange(0, 10_000, 50), neuron_params=own)
    steps = np.sort(rng.integers(0, 3_000, 20_000))
    trains = (steps, rng.integers(0, 10_000, 20_000))
    runs = [simulate(net, 300.0, input_spikes=trains, seed=1, mode="event", threads=t)
            for t in (1, 2, 3)]
    ref = simulate(net, 300.0, input_spikes=trains, seed=1, mode="reference", threads=1)
    assert threaded and runs[0].n_spikes > 1_000
    assert all(_same(r, ref) for r in runs)


def test_interrupting_a_threaded_run_releases_its_threads(tmp_path):
    # Ctrl-C in the main thread while the others wait at a barrier: the process must end
    script = tmp_path / "interrupt.py"
    script.write_text(
        "import numpy as np\n"
        "from neurocast.connectome import random_connectome\n"
        "from neurocast.sim import build_network, simulate\n"
        "from neurocast.sim import _kernels as K, _simulate as S\n"
        "S.usable_cores = lambda: 2\n"
        "S.THREADED_COST = 0.0\n"
        "run = K.run_event_part\n"
        "def part(p, *a):\n"
        "    if p == 0:\n"
        "        raise KeyboardInterrupt\n"
        "    return run(p, *a)\n"
        "K.run_event_part = part\n"
        "net = build_network(random_connectome(2_000, 50, seed=1))\n"
        "simulate(net, 300.0, stimulate='random:500', mode='event', threads=2)\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode != 0
    assert "KeyboardInterrupt" in out.stderr


def test_a_refused_scratch_folder_is_reported_as_the_output(tmp_path, monkeypatch):
    """The writer's scratch folder beside the output cannot be made: the error names the
    output the user gave (not the hidden '.out.npz.PID-XXXX.partial' folder) and nothing is
    left."""
    from pathlib import Path

    from neurocast.errors import WriteError

    mkdir = Path.mkdir

    def refuse(self, *args, **kwargs):
        if self.name.endswith(".partial"):
            raise PermissionError(13, "Permission denied", str(self))
        return mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(WriteError, match=r"cannot write '.*out\.npz': Permission denied"):
        with SpikeFileWriter(tmp_path / "out.npz", 100.0):
            pass
    assert list(tmp_path.iterdir()) == []
