"""MPI simulation: neurons partitioned across ranks, spikes exchanged once per synaptic delay.

Partition (round robin, as NEST): rank r of K owns the neurons at positions r, r + K, r + 2K, ...
and stores only the synapses *onto* them (postsynaptic ownership), as CSR rows by global
presynaptic neuron: a rank receives the spike of any neuron and delivers it to its own targets.
With every delay equal to D steps (1.8 ms = 18 steps in the Shiu model), a spike emitted at step
s is delivered at s + D, so the ranks run D steps independently and then exchange the spikes of
those steps (one MPI Allgatherv of (step, neuron) keys); the received spikes are exactly the
ones delivered in the next D steps. Each rank runs the unchanged engine kernels on its neurons.

Inputs are the same events as in a single process: every rank draws the Poisson events of the
whole run block by block (seeded per block, as ``simulate``) and keeps those of its own neurons;
spikes reach each target in the same order (step, then neuron, then connection), so the spike
trains are identical to ``simulate`` for any K, bit for bit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from neurocast._mpi_env import mpi_rank, mpi_world_size  # read without mpi4py: see there
from neurocast.errors import ConfigError, NeurocastError
from neurocast.sim import _kernels as K
from neurocast.sim._inputs import BLOCK_STEPS
from neurocast.sim._network import Network, check_duration
from neurocast.sim._simulate import (
    DECIDE_STEPS,
    _advance,
    _check_network,
    _check_threads,
    _initial_state,
    _prefer_dense,
    _prepare,
    log_capacity,
)
from neurocast.spikes import Spikes

__all__ = ["LocalNetwork", "MPIStats", "mpi_rank", "mpi_world_size", "partition_network",
           "simulate_mpi", "simulate_mpi_chunks"]


def world():
    """mpi4py's COMM_WORLD; NeurocastError with the install hint if mpi4py is missing."""
    try:
        from mpi4py import MPI  # heavy optional dependency (the 'mpi' extra)
    except ImportError:
        raise NeurocastError("mpi4py is not installed (needed to simulate across MPI ranks)",
                             "pip install 'neurocast[mpi]' (mpi4py and the mpich wheel's mpiexec)") from None
    return MPI.COMM_WORLD


@dataclass(frozen=True, eq=False)
class LocalNetwork:
    """The part of a Network stored by one rank.

    rank, size: this rank and the number of ranks K. neurons: int64 (n_local,) global positions
    owned (rank, rank + K, ...; local index i is global position i·K + rank).
    indptr: int64 (N + 1,) CSR rows by *global* presynaptic neuron; indices: int32 local
    positions of the postsynaptic neurons; weight: float32, in the network's order.
    """

    rank: int
    size: int
    neurons: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    weight: np.ndarray

    @property
    def n_local(self) -> int:
        return len(self.neurons)

    @property
    def nbytes(self) -> int:
        """Bytes of this rank's synapse arrays (indptr over all presynaptic neurons included)."""
        return int(self.indptr.nbytes + self.indices.nbytes + self.weight.nbytes)


def partition_network(net: Network, rank: int, size: int) -> LocalNetwork:
    """This rank's neurons and the synapses onto them (see the module docstring).

    Raises ConfigError for a bad rank/size or a network with per-connection delays (the
    exchange interval is the one homogeneous delay).
    """
    if not (isinstance(size, int) and size >= 1 and isinstance(rank, int) and 0 <= rank < size):
        raise ConfigError(f"rank {rank!r} of {size!r} ranks is not a valid MPI layout")
    if net.delay_steps is not None:
        raise ConfigError("MPI simulation needs one synaptic delay for every connection",
                          "build the network without delays_ms (params.delay_ms applies)")
    neurons = np.arange(rank, net.n_neurons, size, dtype=np.int64)
    if size == 1:  # everything is local: the network's own arrays
        return LocalNetwork(0, 1, neurons, net.indptr, net.indices, net.weight)
    keep = (net.indices % size) == rank
    before = np.zeros(len(keep) + 1, np.int64)
    np.cumsum(keep, out=before[1:])
    indptr = before[net.indptr]
    indices = (net.indices[keep] // size).astype(np.int32)
    weight = np.ascontiguousarray(net.weight[keep])
    return LocalNetwork(rank, size, neurons, indptr, indices, weight)


@dataclass
class MPIStats:
    """Where a rank's time went: compute_s (engine kernels and input events), exchange_s
    (Allgatherv, including waiting for slower ranks), n_exchanges, sent_spikes (own spikes
    sent), received_spikes (all ranks' spikes received), synapse_bytes (local arrays)."""

    compute_s: float = 0.0
    exchange_s: float = 0.0
    n_exchanges: int = 0
    sent_spikes: int = 0
    received_spikes: int = 0
    synapse_bytes: int = 0
    extra: dict = field(default_factory=dict)


class _LocalEvents:
    """This rank's input events, in the order ``simulate`` applies them, for any step range."""

    def __init__(self, events, rank: int, size: int):
        self.events, self.rank, self.size = events, rank, size
        self.cache: dict[int, tuple] = {}

    def _block(self, b: int):
        if b not in self.cache:
            st, neu, w = self.events.block(b)
            own = (neu % self.size) == self.rank
            self.cache = {k: v for k, v in self.cache.items() if k >= b - 1}
            self.cache[b] = (st[own], (neu[own] // self.size).astype(np.int32), w[own])
        return self.cache[b]

    def between(self, lo: int, hi: int):
        parts = []
        for b in range(lo // BLOCK_STEPS, (hi - 1) // BLOCK_STEPS + 1):
            st, neu, w = self._block(b)
            i0, i1 = np.searchsorted(st, [lo, hi])
            parts.append((st[i0:i1], neu[i0:i1], w[i0:i1]))
        if len(parts) == 1:
            return tuple(np.ascontiguousarray(a) for a in parts[0])
        return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))


def _local_state(net: Network, local: LocalNetwork, driven: np.ndarray) -> tuple[K.Neurons, K.Coef]:
    """This rank's neurons at rest and the model's scalars, as ``simulate`` initialises them."""
    mine = driven[(driven % local.size) == local.rank] // local.size
    return _initial_state(net, mine, own=local.neurons)


def _exchange(comm, keys: np.ndarray, stats: MPIStats) -> np.ndarray:
    """Every rank's keys (step·N + neuron, each rank's sorted), merged in (step, neuron) order."""
    from mpi4py import MPI  # heavy optional dependency

    t0 = time.perf_counter()
    counts = np.array(comm.allgather(len(keys)), np.int64)
    out = np.empty(int(counts.sum()), np.int64)
    displs = np.zeros(len(counts), np.int64)
    np.cumsum(counts[:-1], out=displs[1:])
    comm.Allgatherv([keys, MPI.INT64_T], [out, counts, displs, MPI.INT64_T])
    if comm.Get_size() > 1:
        out.sort(kind="stable")
    stats.exchange_s += time.perf_counter() - t0
    stats.n_exchanges += 1
    stats.sent_spikes += len(keys)
    stats.received_spikes += len(out)
    return out


def _next_stop(n: int, n_steps: int, chunk_end: int) -> int:
    """Where ``simulate`` ends its next run of kernel calls (and may switch engines)."""
    return min((n // BLOCK_STEPS + 1) * BLOCK_STEPS, n_steps, chunk_end, n + DECIDE_STEPS)


def simulate_mpi_chunks(net: Network, duration_ms: float, chunk_ms: float | None = None, *,
                        stimulate=None, rate_hz: float | None = None, inputs=(), seed: int = 0,
                        mode: str = "fast", threads: int | None = None, comm=None,
                        stats: MPIStats | None = None):
    """``simulate_chunks`` across the ranks of ``comm`` (default COMM_WORLD); call it on every rank.

    Yields on every rank the same chunks (whole network, steps from the chunk's start,
    ``attrs`` with start_step/start_ms and the same ``dense_fraction``) as ``simulate_chunks``
    in one process; chunk_ms None: one chunk. In mode "fast" the ranks choose the engine
    (event-driven or dense) together from their summed work, every 1,000 steps as ``simulate``
    does (with the event-driven engine on one thread per rank). ``stats``: filled with this rank's
    compute and exchange times. Explicit ``input_spikes`` are not supported.
    """
    _check_network(net)
    comm = world() if comm is None else comm
    rank, size = comm.Get_rank(), comm.Get_size()
    stats = MPIStats() if stats is None else stats
    p = net.params
    n_steps, driven, rate, events = _prepare(net, duration_ms, stimulate, rate_hz, inputs, None,
                                             seed, mode)
    chunk_steps = n_steps if chunk_ms is None else check_duration(chunk_ms, p.dt_ms)
    threads = _check_threads(1 if threads is None else threads, 0)  # one per rank unless given
    t0 = time.perf_counter()
    local = partition_network(net, rank, size)
    comm.Barrier()  # so that exchange_s measures the run, not the ranks' skew in partitioning
    stats.extra["partition_s"] = stats.extra.get("partition_s", 0.0) + time.perf_counter() - t0
    stats.synapse_bytes = local.nbytes
    nn, nl = net.n_neurons, local.n_local
    neu, coef = _local_state(net, local, driven)
    tab = K.coefficient_table(p)
    d = int(p.delay_steps)
    syn = K.Synapses(np.stack([local.indptr[:-1], local.indptr[1:]], axis=1), local.indices,
                     local.weight, d, d)
    cap = log_capacity(nl, 0)
    log = K.SpikeLog(np.zeros(cap, np.int64), np.zeros(cap, np.int32), np.zeros(K.N_CTR, np.int64))
    act = K.Activity(np.zeros(nl, np.int32), np.zeros(nl, np.uint8), np.zeros(nl, np.uint8),
                     np.zeros(nl, np.int32))
    probe = K.Probe(np.zeros(0, np.int32), np.zeros((0, 0)), np.zeros((0, 0)))
    K.to_event(neu, act, coef, log.ctr)  # neurons above threshold at rest
    attrs = {"model": p.preset_name(), "adapt_mv": p.adapt_mv, "tau_adapt_ms": p.tau_adapt_ms,
             "mode": mode, "seed": int(seed), "rate_hz": rate,
             "stimulated": driven.tolist() if len(driven) <= 10_000 else len(driven),
             "silenced": net.silenced.tolist() if len(net.silenced) <= 10_000 else len(net.silenced),
             "network": getattr(net.connectome, "name", "")}  # the attrs of simulate
    own_events = _LocalEvents(events, rank, size)
    dense, dense_steps = mode == "reference", 0
    received = np.zeros(0, np.int64)  # spikes of the last interval, delivered in this one
    done: list[np.ndarray] = []  # exchanged spikes not yet yielded
    chunk_lo, seg_lo = 0, 0
    seg_stop = _next_stop(0, n_steps, chunk_steps)
    pending: list[tuple[int, float]] = []  # chunk ends reached, waiting for their exchange
    work = np.zeros(K.N_CTR, np.int64)
    for t in range(0, n_steps, d):
        t1 = min(t + d, n_steps)
        c0 = time.perf_counter()
        k = len(received)
        if len(log.step) < k + nl + 1:
            cap = 2 * (k + nl + 1)
            log = K.SpikeLog(np.zeros(cap, np.int64), np.zeros(cap, np.int32), log.ctr)
        log.step[:k] = received // nn
        log.neuron[:k] = received % nn
        log.ctr[K.N_SPIKES], log.ctr[K.DELIVERED], log.ctr[K.NEXT_EVENT] = k, 0, 0
        inp = K.Inputs(*own_events.between(t, t1))
        n = t
        while n < t1:
            stop = min(t1, seg_stop)
            n, log = _advance(n, stop, dense, threads, tab, coef, neu, syn, log, inp, act, probe)
            if n == seg_stop:  # where simulate may switch engines, and chunks end
                dense_steps += (n - seg_lo) if dense else 0
                if mode == "fast":  # the whole network's work decides, as in one process
                    x0 = time.perf_counter()
                    comm.Allreduce(log.ctr.copy(), work)
                    stats.exchange_s += time.perf_counter() - x0
                    want = _prefer_dense(work, n - seg_lo, nn, threads, dense)
                    if want and not dense:
                        K.to_dense(n, tab, coef, neu)
                    elif dense and not want:
                        K.to_event(neu, act, coef, log.ctr)
                    dense = want
                log.ctr[K.WORK_ACTIVE] = log.ctr[K.WORK_INPUTS] = 0
                if n == chunk_lo + chunk_steps or n == n_steps:
                    pending.append((chunk_lo, n, round(dense_steps / n, 6)))
                    chunk_lo = n
                seg_lo = n
                seg_stop = _next_stop(n, n_steps, chunk_lo + chunk_steps)
        mine = log.step[k:log.ctr[K.N_SPIKES]] * nn + (
            log.neuron[k:log.ctr[K.N_SPIKES]].astype(np.int64) * size + rank)
        stats.compute_s += time.perf_counter() - c0
        received = _exchange(comm, np.ascontiguousarray(mine), stats)
        done.append(received)
        while pending and pending[0][1] <= t1:  # every spike before this chunk's end is here
            lo, end, fraction = pending.pop(0)
            keys = np.concatenate(done)
            cut = np.searchsorted(keys, end * nn)
            yield Spikes(keys[:cut] // nn - lo, (keys[:cut] % nn).astype(np.int32), nn, p.dt_ms,
                         (end - lo) * p.dt_ms,
                         {**attrs, "dense_fraction": fraction, "start_step": lo,
                          "start_ms": lo * p.dt_ms})
            done = [keys[cut:]]


def simulate_mpi(net: Network, duration_ms: float, *, stimulate=None, rate_hz: float | None = None,
                 inputs=(), seed: int = 0, mode: str = "fast", threads: int | None = None,
                 comm=None, stats: MPIStats | None = None) -> Spikes:
    """``simulate`` across the ranks of ``comm`` (default COMM_WORLD); call it on every rank.

    Same arguments and the same result as ``simulate`` (explicit ``input_spikes`` are not
    supported): every rank returns the whole network's Spikes, identical to a single-process
    run with the same seed for any number of ranks. ``stats``: an MPIStats to fill with this
    rank's compute and exchange times. Raises what ``simulate`` raises, and ConfigError for
    networks with per-connection delays.
    """
    (spikes,) = simulate_mpi_chunks(net, duration_ms, None, stimulate=stimulate, rate_hz=rate_hz,
                                    inputs=inputs, seed=seed, mode=mode, threads=threads, comm=comm,
                                    stats=stats)
    spikes.attrs.pop("start_step")
    spikes.attrs.pop("start_ms")
    return spikes
