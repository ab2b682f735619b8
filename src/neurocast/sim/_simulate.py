"""simulate / trace: run a Network for a duration and return spikes (and sampled state)."""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

import numba
import numpy as np

from neurocast._background import run_ahead
from neurocast._memory import available_memory_bytes, format_bytes
from neurocast._numbers import is_whole
from neurocast._progress import progress as progress_bar
from neurocast.errors import ConfigError, ResourceError
from neurocast.sim import _kernels as K
from neurocast.sim._inputs import BLOCK_STEPS, EventSource, _Train, explicit_events
from neurocast.sim._network import (
    Network,
    PoissonInput,
    check_disjoint,
    check_duration,
    check_rate,
    refractory_steps,
)
from neurocast.spikes import Spikes

__all__ = ["MODES", "Estimate", "Trace", "estimate", "simulate", "simulate_chunks", "trace"]

MODES = ("fast", "event", "reference")
PROBE_STEPS = 2_000  # steps of the probe that estimates a long run's time and memory
PROBE_FROM_STEPS = 50_000  # runs of more steps than this are probed first
MAX_RUN_S = 30 * 24 * 3600.0  # a run estimated to take longer than 30 days is refused
BYTES_PER_SPIKE = 36  # 12 in the log, x2 while it grows, +12 for the returned copy
PARALLEL_MIN_NEURONS = 50_000  # smaller networks run the dense engine on one thread by default
MIN_SPAN = 4  # the event-driven engine runs on threads only if the minimum delay is this many steps
MAX_SPAN = 32  # and its threads meet at least this often (memory reserved grows with the span)
DECIDE_STEPS = 1_000  # the fast mode chooses its engine (event-driven or dense) every 1,000 steps
# costs in units of one dense neuron update (2.5 ns on an idle machine), fitted on fly-synth
# (0.3 s, 1 thread, 2,000 and 5,000 driven, where the choice matters; both engines timed in the
# same process, alternated, so that the machine's load hits both alike; benchmarks/README.md,
# 2026-12-04): stepping an active neuron ~2; a delivery with lazy catch-up and bound ~5 at 2,000
# driven and ~6 at 5,000 (more neurons touched, fewer cache hits), 6; a plain delivery of the
# dense engine ~4. (The previous fit, 10 and 5, predates the prefetch and the unsigned-index
# delivery loop, which made the event-driven engine 1.7-1.9x cheaper at 2,000 driven.)
ACTIVE_COST = 2.0
LAZY_COST = 6.0
DENSE_DELIVERY_COST = 4.0
# the event-driven engine runs on threads (``event_parts``) when its work is at least this
# many units per step (measured over the last DECIDE_STEPS; at first, guessed by ``_drive_cost``):
# below, the threads wait for each other at every span more than they gain (fly-synth, 1 s,
# 2 idle cores: 20 driven, ~800 units a step, 1 thread 10.6 ms, 2 threads 12.6 ms), above they
# gain (50 driven, ~1,600 units: 1.15x; the first 60 frames of fly-zap-sparse, ~2,200: 1.25x
# against a threshold of 3,000; benchmarks/README.md)
THREADED_COST = 1_200.0
_LONG_AGO = -float(1 << 40)  # 'first free step' of a neuron that never spiked
_MARGIN_MV = 1e-9  # safety margin of the threshold-reachability bound


@dataclass(frozen=True, eq=False)
class Trace:
    """Spikes plus the sampled state of chosen neurons.

    spikes: Spikes of the whole network.
    neurons: int64 (K,) recorded positions.
    v_mv, g_mv: float64 (T, K) state at the end of each step (after input and reset), mV.
    times_ms: float64 (T,) time of each sample, ms (step index × dt).
    """

    spikes: Spikes
    neurons: np.ndarray
    v_mv: np.ndarray
    g_mv: np.ndarray

    @property
    def times_ms(self) -> np.ndarray:
        return np.arange(self.v_mv.shape[0]) * self.spikes.dt_ms


def _check_network(net) -> None:
    if not isinstance(net, Network):
        raise ConfigError(f"simulate needs a Network, not {type(net).__name__}",
                          "make one with neurocast.sim.build_network(connectome)")


def _prepare(net: Network, duration_ms, stimulate, rate_hz, inputs, input_spikes, seed, mode):
    _check_network(net)
    if mode not in MODES:
        raise ConfigError(f"unknown mode {mode!r}", f"use one of {', '.join(MODES)}")
    if not is_whole(seed) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, not {seed!r}")
    p = net.params
    n_steps = check_duration(duration_ms, p.dt_ms)
    nn = net.n_neurons
    driven = net.resolve(stimulate, seed=int(seed))
    check_disjoint(net.connectome, driven, net.silenced,
                   "drive or silence each neuron, not both (stimulate= and build_network(silence=))")
    rate = p.rate_hz if rate_hz is None else check_rate(rate_hz, p.dt_ms)
    trains: list[_Train] = []
    explicit = None
    if input_spikes is not None:
        explicit = explicit_events(input_spikes, nn, n_steps, p.w_input_mv)
        if stimulate is None:
            driven = np.unique(explicit[1]).astype(np.int64)
    else:
        trains.append(_Train(driven, rate * p.dt_ms / 1000.0, p.w_input_mv, 0, n_steps))
    if isinstance(inputs, PoissonInput):
        inputs = (inputs,)
    for k, inp in enumerate(inputs or ()):
        if not isinstance(inp, PoissonInput):
            raise ConfigError(f"inputs[{k}] is a {type(inp).__name__}, not a PoissonInput")
        r = check_rate(inp.rate_hz, p.dt_ms, f"inputs[{k}].rate_hz")
        lo = round(inp.start_ms / p.dt_ms)
        hi = n_steps if inp.stop_ms is None else min(n_steps, round(inp.stop_ms / p.dt_ms))
        trains.append(_Train(net.resolve(inp.neurons, seed=int(seed)), r * p.dt_ms / 1000.0,
                             float(inp.weight_mv), lo, hi))
    events = EventSource(trains, explicit, int(seed), n_steps)
    return n_steps, driven, rate, events


def _check_memory(nn: int, n_steps: int, n_record: int, events: EventSource,
                  parts: K.Parts | None) -> None:
    state = nn * (32 + 32 + 8 + 4 + 4 + 3)
    spikes = 12 * log_capacity(nn, 0 if parts is None else parts.span)
    if parts is not None:
        spikes += K.parts_nbytes(parts)
    record = 16 * n_steps * n_record
    # input events: the block in use, the next one waiting and the one after being made
    # (``run_ahead``), with the scratch of making it
    ev = events.max_block_events() * (8 + 8 + 4 + 8) * 4
    need = state + spikes + record + ev + (3 << 19)
    have = available_memory_bytes()
    if need > 0.8 * have:
        detail = (f"state {format_bytes(state)}, spike logs {format_bytes(spikes)}, recorded "
                  f"samples {format_bytes(record)}, input events {format_bytes(ev)}")
        raise ResourceError(
            f"this run needs about {format_bytes(need)} but only {format_bytes(have)} is available ({detail})",
            "record fewer neurons or a shorter duration, or drive fewer neurons / lower rates")


def usable_cores() -> int:
    """CPUs this process may run on, at most numba's NUMBA_NUM_THREADS."""
    return min(len(os.sched_getaffinity(0)), int(numba.config.NUMBA_NUM_THREADS))


def default_threads(n_neurons: int) -> int:
    """Threads of the engines when none are given: the CPUs this process may use (at most
    numba's NUMBA_NUM_THREADS), for networks of at least PARALLEL_MIN_NEURONS neurons on a
    machine with a core to spare; else 1. (The event-driven engine uses them only when its
    work pays for them: ``event_parts``, THREADED_COST.)

    Two threads split each dense step (identical spikes) but synchronise twice per step: on an
    idle 2-core machine that makes the dense engine 1.6x faster on fly-synth (2,000 driven:
    1.76 -> 1.08 s for 0.3 s simulated), while with every core busy (1-minute load average above
    cores - 0.5) the threads wait for each other to be scheduled and one thread is much faster;
    small networks do too little work per step to pay for the synchronisation
    (benchmarks/README.md).
    """
    cores = usable_cores()
    if cores < 2 or n_neurons < PARALLEL_MIN_NEURONS or os.getloadavg()[0] > cores - 0.5:
        return 1
    return cores


def _check_threads(threads, n_neurons: int) -> int:
    if threads is None:
        return default_threads(n_neurons)
    if not is_whole(threads) or threads < 1:
        raise ConfigError(f"threads must be a positive integer or None (one), not {threads!r}")
    return int(threads)


def _run(net: Network, duration_ms, *, stimulate, rate_hz, inputs, input_spikes, seed, mode,
         record, progress, threads=None, chunk_steps=None, out=None, probing=False):
    """Generator of Spikes, one per chunk of ``chunk_steps`` steps (None: one chunk).

    State carries over between chunks; spikes already delivered are dropped from the buffer,
    so memory stays bounded for long streamed runs. Recorded state, and the time spent stepping
    (``stepping_s``, s), go into ``out``.
    """
    _check_network(net)
    p = net.params
    n_steps, driven, rate, events = _prepare(net, duration_ms, stimulate, rate_hz, inputs,
                                             input_spikes, seed, mode)
    nn = net.n_neurons
    threads = _check_threads(threads, nn)
    rec = np.zeros(0, np.int64) if record is None else net.resolve(record, seed=int(seed))
    parts = None if mode == "reference" else event_parts(net, threads)
    _check_memory(nn, n_steps, len(rec), events, parts)
    chunk_steps = n_steps if chunk_steps is None else int(chunk_steps)
    if n_steps > PROBE_FROM_STEPS and not probing:
        est = estimate(net, n_steps * p.dt_ms, chunk_ms=chunk_steps * p.dt_ms, stimulate=stimulate,
                       rate_hz=rate_hz, inputs=inputs, input_spikes=input_spikes, seed=seed,
                       mode=mode, threads=threads)
        est.check()

    neu, coef = _initial_state(net, driven)
    # the log is written before it is read (entries below ctr[N_SPIKES]): no need to zero it
    seg, dmin, dmax = net.delay_segments()
    cap = log_capacity(nn, 0 if parts is None else parts.span)
    log = K.SpikeLog(np.empty(cap, np.int64), np.empty(cap, np.int32), np.zeros(K.N_CTR, np.int64))
    tab = K.coefficient_table(p)
    syn = K.Synapses(seg, net.indices, net.weight, int(dmin), int(dmax))
    probe = K.Probe(rec.astype(np.int32), np.zeros((n_steps if len(rec) else 0, len(rec))),
                    np.zeros((n_steps if len(rec) else 0, len(rec))))
    if out is not None:
        out.update(neurons=rec, v_mv=probe.v, g_mv=probe.g)
    act = K.Activity(np.empty(nn, np.int32), np.zeros(nn, np.uint8), np.zeros(nn, np.uint8),
                     np.empty(nn, np.int32))  # the list and the scratch are written before read
    act.pinned[rec] = 1
    if len(rec) or net.neuron_params:  # recorded neurons, and those above threshold at rest
        K.to_event(neu, act, coef, log.ctr)  # (else every neuron starts at rest: none active)
    dense = mode == "reference"
    dense_steps = 0
    attrs = {"model": p.preset_name(), "adapt_mv": p.adapt_mv, "tau_adapt_ms": p.tau_adapt_ms,
             "mode": mode, "seed": int(seed), "rate_hz": rate,
             "stimulated": driven.tolist() if len(driven) <= 10_000 else len(driven),
             "silenced": net.silenced.tolist() if len(net.silenced) <= 10_000 else len(net.silenced),
             "network": getattr(net.connectome, "name", "")}

    bar_total = n_steps * p.dt_ms / 1000.0
    stepping_s = 0.0
    pool = None if parts is None else ThreadPoolExecutor(len(parts.bounds) - 2, "neurocast-sim")
    threaded = False  # the event-driven engine on the threads of parts and pool
    # the input events of a block: drawn on another thread while the block before runs
    n_blocks = -(-n_steps // BLOCK_STEPS)
    blocks = (events.block(b) for b in range(n_blocks))
    with progress_bar(total=bar_total if progress else 0, desc="simulate", unit="sim s") as bar, \
            pool if pool is not None else contextlib.nullcontext(), \
            contextlib.closing(run_ahead(blocks) if n_blocks > 1 else blocks) as blocks:
        n, block, chunk_lo, emitted = 0, -1, 0, 0
        while n < n_steps:
            t_step = time.perf_counter()
            if n // BLOCK_STEPS != block:  # input events of the next block (blocks go in order)
                block = n // BLOCK_STEPS
                inp = K.Inputs(*next(blocks))
                log.ctr[K.NEXT_EVENT] = 0
                if n == 0 and parts is not None:  # no work counted yet: guess it from the drive
                    threaded = _drive_cost(inp, net) >= THREADED_COST * min(BLOCK_STEPS, n_steps)
            stop = min((block + 1) * BLOCK_STEPS, n_steps, chunk_lo + chunk_steps,
                       n + DECIDE_STEPS)
            start = n
            n, log = _advance(n, stop, dense, threads, tab, coef, neu, syn, log, inp, act, probe,
                              parts if threaded else None, pool)
            dense_steps += (n - start) if dense else 0
            # the event-driven engine of the next steps on threads if there is work enough
            threaded = parts is not None and _event_cost(log.ctr) >= THREADED_COST * (n - start)
            if mode == "fast":  # choose the engine of the next steps from this block's work
                want = _prefer_dense(log.ctr, n - start, nn, threads, dense,
                                     len(parts.bounds) - 1 if threaded else 1)
                if want and not dense:
                    K.to_dense(n, tab, coef, neu)
                elif dense and not want:
                    K.to_event(neu, act, coef, log.ctr)
                dense = want
            log.ctr[K.WORK_ACTIVE] = log.ctr[K.WORK_INPUTS] = 0
            stepping_s += time.perf_counter() - t_step
            if progress:
                bar.update((n - start) * p.dt_ms / 1000.0)
            if out is not None:
                out["stepping_s"] = stepping_s
            if n == chunk_lo + chunk_steps or n == n_steps:
                n_sp = int(log.ctr[K.N_SPIKES])
                yield Spikes(log.step[emitted:n_sp] - chunk_lo, log.neuron[emitted:n_sp].copy(), nn,
                             p.dt_ms, (n - chunk_lo) * p.dt_ms,
                             {**attrs, "dense_fraction": round(dense_steps / n, 6),
                              "start_step": chunk_lo, "start_ms": chunk_lo * p.dt_ms})
                # keep only spikes still to be delivered
                dp = int(log.ctr[K.DELIVERED])
                if n < n_steps and dp > 0:
                    keep = n_sp - dp
                    log.step[:keep] = log.step[dp:n_sp]
                    log.neuron[:keep] = log.neuron[dp:n_sp]
                    log.ctr[K.N_SPIKES], log.ctr[K.DELIVERED] = keep, 0
                emitted = int(log.ctr[K.N_SPIKES])
                chunk_lo = n


def _initial_state(net: Network, driven: np.ndarray,
                   own: np.ndarray | None = None) -> tuple[K.Neurons, K.Coef]:
    """Neurons at rest (without external drive), never spiked, and the model's scalars.

    own: positions of the neurons this process holds (an MPI rank's), default every neuron;
    driven: positions, among those held, of the driven neurons.
    """
    p = net.params
    prm, uniform = _parameter_records(net, driven, own)
    nn = prm.shape[0]
    st = K.aligned_empty((nn, 4))
    row = np.zeros(4)
    row[K.V], row[K.UPD], row[K.FREE] = p.v_rest_mv, -1.0, _LONG_AGO
    K.fill_rows(st, row)
    if net.neuron_params:
        st[:, K.V] = net.neuron_values("v_rest_mv")[slice(None) if own is None else own]
    prop = p.propagator()
    coef = K.Coef(w_syn=float(p.w_syn_mv), h_max=float(prop["h_max"]), k=float(prop["K"]),
                  dt_tau_m=p.dt_ms / p.tau_m_ms, dt_tau_syn=p.dt_ms / p.tau_syn_ms,
                  dt_tau_adapt=p.dt_ms / p.tau_adapt_ms, eps=_MARGIN_MV,
                  adapt_mv=float(p.adapt_mv), uniform=uniform,
                  rest=float(prm[0, K.REST]) if nn else 0.0, thr=float(prm[0, K.THR]) if nn else 0.0)
    return K.Neurons(st, np.zeros(nn), prm), coef


def _parameter_records(net: Network, driven: np.ndarray,
                       own: np.ndarray | None) -> tuple[np.ndarray, bool]:
    """(prm, uniform): prm float64 (N, 4), read-only, the records [v_rest incl. constant drive,
    v_threshold, v_reset (mV), refractory steps] of the neurons ``own`` (default all), with no
    refractory period for the ``driven`` ones; uniform: the same v_rest and v_threshold for all.

    The records of the last driven set of every neuron are kept with the network, so that runs
    differing only in seed, rate, inputs or duration share them: at fly scale they are 4.4 MB,
    whose writing was ~5 % of a quiet 1-s run (benchmarks/README.md).
    """
    key = np.asarray(driven, np.int64).tobytes() if own is None else None
    kept = net.kept_records[0]  # (key, prm, uniform) or None; replaced whole, never changed
    if key is not None and kept is not None and kept[0] == key:
        return kept[1], kept[2]
    sel = slice(None) if own is None else own
    nn = net.n_neurons if own is None else len(own)
    prm = K.aligned_empty((nn, 4))  # records on cache lines (see aligned_empty)
    if net.neuron_params:
        prm[:, K.REST] = net.neuron_values("v_rest_mv")[sel] + net.neuron_values("i_ext_mv")[sel]
        prm[:, K.THR] = net.neuron_values("v_threshold_mv")[sel]
        prm[:, K.RESET] = net.neuron_values("v_reset_mv")[sel]
        prm[:, K.REF] = refractory_steps(net)[sel]
        uniform = bool(nn > 0 and np.all(prm[:, K.REST] == prm[0, K.REST])
                       and np.all(prm[:, K.THR] == prm[0, K.THR]))
    else:  # the preset: the same values for every neuron
        p = net.params
        K.fill_rows(prm, np.array([p.v_rest_mv, p.v_threshold_mv, p.v_reset_mv, p.refractory_steps],
                                  dtype=np.float64))
        uniform = True
    prm[driven, K.REF] = 0.0  # Shiu et al.: driven neurons have no refractory period
    prm.flags.writeable = False
    if key is not None:
        net.kept_records[0] = (key, prm, uniform)
    return prm, uniform


def log_capacity(n_neurons: int, span: int) -> int:
    """Entries of a new spike log: room for 4 spikes per neuron, and for two spans of
    ``span`` steps in which every neuron spikes (what the event-driven engine on threads needs
    free before a span; 0: one thread). Pages of it never written cost no memory, until the
    log grows (a copy)."""
    return max(4 * n_neurons, 1 << 16, 2 * span * n_neurons + 1)


def event_parts(net: Network, threads: int) -> K.Parts | None:
    """Scratch for the event-driven engine on ``threads`` threads (at most ``usable_cores``:
    its threads wait for each other, so each needs a core), running spans of the minimum delay
    (at most MAX_SPAN steps); or None for one thread: one thread asked for or usable, a minimum
    delay under MIN_SPAN steps (the threads would merge their spikes too often to gain), or a
    Network whose rows are not sorted (``Network.sorted_rows``)."""
    if threads < 2:
        return None
    _, dmin, _ = net.delay_segments()
    threads = min(threads, usable_cores(), net.n_neurons)
    if threads < 2 or dmin < MIN_SPAN or not net.sorted_rows:
        return None
    return K.make_parts(net.n_neurons, threads, min(int(dmin), MAX_SPAN))


def _event_on_threads(n, stop, tab, coef, neu, syn, log, inp, act, probe, parts, pool) -> int:
    """Steps [n, stop) of the event-driven engine, one part of ``parts`` per thread: part 0 in
    this one, the others in ``pool`` (a ThreadPoolExecutor of P - 1 workers, this run's own:
    the parts wait for each other, so they must all run at once); the kernels release the
    GIL. Returns the step reached. If this thread is interrupted (Ctrl-C), the others are
    released from their barriers before the exception goes on: the run is abandoned."""
    K.split_active(act, log.ctr, parts)
    sync = np.zeros(3, np.int64)
    args = (n, stop, tab, coef, neu, syn, log, inp, act, probe, parts, sync)
    others = []
    try:
        for p in range(1, len(parts.bounds) - 1):
            others.append(pool.submit(K.run_event_part, p, *args))
        reached = K.run_event_part(0, *args)
    except BaseException:
        sync[K.ABORT] = 1
        wait(others)
        raise
    if reached < 0 or any(f.result() != reached for f in others):
        raise RuntimeError("a thread of the event-driven engine stopped early (a bug: please "
                           "report it); threads=1 runs without them")
    K.join_active(act, log.ctr, parts)
    rebalance(parts)
    return reached


def rebalance(parts: K.Parts) -> None:
    """Move the inner bounds of ``parts`` halfway towards an even split of its parts' last
    work (``_event_cost`` of each part's counters, taken as spread evenly over its neurons):
    where the activity sits decides a part's work, and a part that finishes a span first waits
    for the others. Every part keeps at least one neuron. The spike trains do not depend on
    the bounds."""
    work = np.array([_event_cost(c) for c in parts.ctr])
    if work.min() <= 0.0:  # a part had nothing to do: no basis for a split
        return
    b = parts.bounds
    n_parts = len(work)
    cum = np.concatenate([[0.0], np.cumsum(work)])
    even = np.interp(cum[-1] * np.arange(1, n_parts) / n_parts, cum, b.astype(np.float64))
    inner = np.round((b[1:-1] + even) / 2).astype(np.int64)
    for i in range(1, n_parts):  # strictly increasing, room for the parts after
        b[i] = min(max(inner[i - 1], b[i - 1] + 1), b[-1] - (n_parts - i))


def _advance(n, stop, dense, threads, tab, coef, neu, syn, log, inp, act, probe, parts=None,
             pool=None):
    """Run steps [n, stop) in the dense or the event-driven engine (on the threads of
    ``parts`` and ``pool``, if given: ``event_parts``), doubling the spike log whenever a
    kernel stops early because it might overflow; returns (stop, the log)."""
    while n < stop:
        if dense:
            n = K.run_dense(n, stop, tab, coef, neu, syn, log, inp, probe, act.step_spk, threads)
        elif parts is None:
            n = K.run_event(n, stop, tab, coef, neu, syn, log, inp, act, probe, log, 0,
                            neu.st.shape[0])
        else:
            n = _event_on_threads(n, stop, tab, coef, neu, syn, log, inp, act, probe, parts, pool)
        if n < stop:  # spike log nearly full: grow it and continue
            log = K.SpikeLog(np.concatenate([log.step, np.empty_like(log.step)]),
                             np.concatenate([log.neuron, np.empty_like(log.neuron)]), log.ctr)
    return n, log


def _drive_cost(inp: K.Inputs, net: Network) -> float:
    """A guess of the event-driven engine's work for a block of input events ``inp``, in the
    units of ``_event_cost``: as if each event made its neuron spike once to all its targets."""
    return LAZY_COST * len(inp.step) * (1.0 + net.n_connections / max(net.n_neurons, 1))


def _event_cost(ctr: np.ndarray) -> float:
    """The event-driven engine's work counted in ``ctr`` (since it was zeroed), in units of one
    dense neuron update (see ``_prefer_dense``)."""
    return ACTIVE_COST * int(ctr[K.WORK_ACTIVE]) + LAZY_COST * int(ctr[K.WORK_INPUTS])


def _prefer_dense(ctr: np.ndarray, steps: int, nn: int, threads: int, dense: bool,
                  event_threads: int = 1) -> bool:
    """Whether the dense engine should run the next steps, from the work of the last ``steps``.

    Cost model in units of one dense neuron update (measured on fly-synth, see
    benchmarks/README.md): the event-driven engine costs ACTIVE_COST per active neuron per step
    plus LAZY_COST per delivered input (catch-up and bound), divided by its ``event_threads``,
    the dense engine N / threads per step plus DENSE_DELIVERY_COST per delivered input.
    Hysteresis of ±20 % avoids flapping.
    """
    if steps <= 0:
        return dense
    event = _event_cost(ctr) / event_threads
    inputs = int(ctr[K.WORK_INPUTS])
    full = steps * nn / threads + DENSE_DELIVERY_COST * inputs
    return event > (0.8 if dense else 1.2) * full


@dataclass(frozen=True)
class Estimate:
    """Up-front estimate of a run from a short probe (its first PROBE_STEPS steps).

    run_s: wall time (s); n_spikes: spikes; peak_bytes: memory the run holds at its peak
    (state, spike log of a chunk or of the whole run, recorded samples); available_bytes: the
    memory available now; duration_ms, probe_ms: the run's and the probe's simulated time.
    The probe's rates are extrapolated linearly: a run whose activity grows later is
    underestimated.
    """

    run_s: float
    n_spikes: float
    peak_bytes: float
    available_bytes: int
    duration_ms: float
    probe_ms: float
    chunked: bool

    def describe(self) -> str:
        """'about 3.2 min and 1.5 GB of memory': the cost in words, for a message before a run."""
        return f"about {_fmt_duration(self.run_s)} and {format_bytes(self.peak_bytes)} of memory"

    def check(self) -> None:
        """Raise ResourceError if the run cannot fit in memory or would take over MAX_RUN_S."""
        if self.peak_bytes > 0.8 * self.available_bytes:
            hint = ("write the spikes to a file as they come (simulate_chunks, or --out FILE on the "
                    "command line) or simulate a shorter duration" if not self.chunked else
                    "simulate a shorter duration or use shorter chunks")
            raise ResourceError(
                f"this run would need about {format_bytes(self.peak_bytes)} of memory "
                f"(~{self.n_spikes:.3g} spikes in {self.duration_ms / 1000:g} s simulated, "
                f"extrapolated from a {self.probe_ms:g} ms probe), but only "
                f"{format_bytes(self.available_bytes)} is available", hint)
        if self.run_s > MAX_RUN_S:
            raise ResourceError(
                f"this run would take about {_fmt_duration(self.run_s)} "
                f"({self.duration_ms / 1000:g} s simulated, extrapolated from a "
                f"{self.probe_ms:g} ms probe)", "simulate a shorter duration")


def _fmt_duration(s: float) -> str:
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if s >= size:
            return f"{s / size:.3g} {unit}"
    return f"{s:.3g} s"


def estimate(net: Network, duration_ms: float, *, chunk_ms: float | None = None, stimulate=None,
             rate_hz: float | None = None, inputs=(), input_spikes=None, seed: int = 0,
             mode: str = "fast", threads: int | None = None) -> Estimate:
    """Estimate the time and memory of ``simulate`` (``chunk_ms`` None) or ``simulate_chunks``
    by running the first PROBE_STEPS steps (0.2 s at dt 0.1 ms) and extrapolating.

    Arguments as in ``simulate``. Raises what ``simulate`` raises for bad arguments; call
    ``.check()`` on the result to raise ResourceError for a run that cannot fit.
    """
    _check_network(net)
    p = net.params
    n_steps = check_duration(duration_ms, p.dt_ms)
    probe_steps = min(n_steps, PROBE_STEPS)
    if input_spikes is not None:  # checked against the whole run; the probe gets its own part
        # (without stimulate=, its driven neurons are those of its own events; a neuron driven
        # only later gets no input in the probe, and its refractory period barely matters there)
        steps, neurons, _ = explicit_events(input_spikes, net.n_neurons, n_steps, p.w_input_mv)
        early = steps < probe_steps
        input_spikes = (steps[early], neurons[early])
    t0 = time.perf_counter()
    timing: dict = {}
    (spikes,) = _run(net, probe_steps * p.dt_ms, stimulate=stimulate, rate_hz=rate_hz,
                     inputs=inputs, input_spikes=input_spikes, seed=seed, mode=mode, record=None,
                     progress=False, threads=threads, out=timing, probing=True)
    wall = time.perf_counter() - t0
    # the set-up (state, tables) is paid once, the stepping grows with the duration (handing
    # over a chunk's spikes, a copy, is not counted: small beside simulating them)
    stepping = timing["stepping_s"]
    scale = n_steps / probe_steps
    n_spikes = spikes.n_spikes * scale
    chunk = n_steps if chunk_ms is None else min(n_steps, check_duration(chunk_ms, p.dt_ms))
    nn = net.n_neurons
    state = nn * (32 + 32 + 8 + 4 + 4 + 3 + 8)
    held = spikes.n_spikes * chunk / probe_steps * BYTES_PER_SPIKE
    return Estimate(run_s=wall - stepping + stepping * scale, n_spikes=n_spikes,
                    peak_bytes=state + max(held, 12 * log_capacity(nn, 0)),
                    available_bytes=available_memory_bytes(), duration_ms=n_steps * p.dt_ms,
                    probe_ms=probe_steps * p.dt_ms, chunked=chunk < n_steps)


def simulate(net: Network, duration_ms: float, *, stimulate=None, rate_hz: float | None = None,
             inputs=(), input_spikes=None, seed: int = 0, mode: str = "fast",
             progress: bool = False, threads: int | None = None) -> Spikes:
    """Simulate the Shiu et al. model on ``net`` for ``duration_ms`` and return its spikes.

    stimulate: neurons driven Shiu-style (names, ids, NumPy positions, a mask, or "random:K";
      see ``resolve_neurons``): independent Poisson events at ``rate_hz`` (default
      ``net.params.rate_hz``) adding ``params.w_input_mv`` to v; they have no refractory period.
    inputs: extra PoissonInput objects (e.g. a weak background drive; time windows allowed).
    input_spikes: explicit input trains used *instead of* random events for the driven neurons:
      a Spikes object or (steps, neurons) arrays of step indices and positions; each event adds
      ``w_input_mv`` to v. If ``stimulate`` is None the neurons in the trains are the driven ones.
    seed: non-negative int; the same seed gives the same spikes (in both modes).
    mode: "fast" (chooses every 1,000 steps between the event-driven engine, which touches only
      neurons that receive input, and the dense one, whichever is cheaper for the current
      activity) or "reference" (dense step-by-step update of every neuron); they give identical
      spike trains.
    progress: show a progress bar on stderr (only at a terminal).
    threads: threads of the dense engine, and of the event-driven one where its work pays for
      them (default None: ``default_threads``, i.e. both cores for networks of 50,000 neurons or
      more on a machine with a core to spare, else 1); the spike trains are the same for any
      number of threads.

    Returns Spikes (N neurons, step grid dt_ms; spike at step n = time n·dt_ms).
    Raises ConfigError (bad duration, rate, selection), UnknownNameError (unknown neuron),
    ResourceError (the request would not fit in memory).
    """
    (spikes,) = _run(net, duration_ms, stimulate=stimulate, rate_hz=rate_hz, inputs=inputs,
                     input_spikes=input_spikes, seed=seed, mode=mode, record=None,
                     progress=progress, threads=threads)
    spikes.attrs.pop("start_step")
    spikes.attrs.pop("start_ms")
    return spikes


def simulate_chunks(net: Network, duration_ms: float, chunk_ms: float, *, stimulate=None,
                    rate_hz: float | None = None, inputs=(), input_spikes=None, seed: int = 0,
                    mode: str = "fast", progress: bool = False,
                    threads: int | None = None) -> Iterator[Spikes]:
    """Simulate like ``simulate`` but yield the spikes chunk by chunk (for long runs).

    The network state carries over between chunks and the result does not depend on
    ``chunk_ms``: concatenating the chunks gives exactly ``simulate(...)``'s spikes. Memory
    holds one chunk's spikes (plus those still in flight), so hours of simulated time fit.
    chunk_ms: chunk length in ms, a positive whole number of steps; the last chunk may be shorter.
    Yields Spikes whose steps count from the chunk's start; ``attrs["start_step"]`` and
    ``attrs["start_ms"]`` give that start. Arguments are validated before the first chunk.
    """
    _check_network(net)
    try:
        chunk_steps = check_duration(chunk_ms, net.params.dt_ms)
    except ConfigError as exc:
        raise ConfigError(exc.message.replace("duration_ms", "chunk_ms"), exc.hint) from None
    gen = _run(net, duration_ms, stimulate=stimulate, rate_hz=rate_hz, inputs=inputs,
               input_spikes=input_spikes, seed=seed, mode=mode, record=None, progress=progress,
               threads=threads, chunk_steps=chunk_steps)
    first = next(gen)  # runs the validation now, not at the first iteration
    return itertools.chain((first,), gen)


def trace(net: Network, duration_ms: float, record, *, stimulate=None, rate_hz: float | None = None,
          inputs=(), input_spikes=None, seed: int = 0, mode: str = "fast",
          progress: bool = False, threads: int | None = None) -> Trace:
    """Like ``simulate`` but also sample v and g of the ``record`` neurons at every step.

    Returns a Trace with v_mv, g_mv shaped (T, K) (T steps, K recorded neurons), in mV.
    Memory is 16·T·K bytes; a request that would not fit raises ResourceError.
    """
    if record is None:
        raise ConfigError("trace needs neurons to record", "pass record=[names or ids]")
    out: dict = {}
    (spikes,) = _run(net, duration_ms, stimulate=stimulate, rate_hz=rate_hz, inputs=inputs,
                     input_spikes=input_spikes, seed=seed, mode=mode, record=record,
                     progress=progress, threads=threads, out=out)
    spikes.attrs.pop("start_step")
    spikes.attrs.pop("start_ms")
    return Trace(spikes, out["neurons"], out["v_mv"], out["g_mv"])
