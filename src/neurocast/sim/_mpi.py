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

from neurocast.errors import ConfigError, NeurocastError
from neurocast.sim._inputs import BLOCK_STEPS
from neurocast.sim._kernels import (
    FREE,
    REF,
    RESET,
    REST,
    THR,
    UPD,
    G,
    V,
    coefficient_table,
    run_fast,
    run_reference,
)
from neurocast.sim._network import Network, refractory_steps
from neurocast.sim._simulate import _LONG_AGO, _MARGIN_MV, _check_network, _prepare
from neurocast.spikes import Spikes

__all__ = ["LocalNetwork", "MPIStats", "mpi_world_size", "partition_network", "simulate_mpi"]


def mpi_world_size() -> int:
    """Processes started by mpiexec/mpirun (from their environment; 1 outside MPI), without
    importing mpi4py."""
    import os

    for var in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS", "PMIX_SIZE"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return 1


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


def _local_state(net: Network, local: LocalNetwork, driven: np.ndarray):
    """(st, theta, prm, uniform, coef) of this rank's neurons, as ``simulate`` initialises them."""
    p = net.params
    own = local.neurons
    nl = len(own)
    prm = np.empty((nl, 4))
    if net.neuron_params:
        prm[:, REST] = net.neuron_values("v_rest_mv")[own] + net.neuron_values("i_ext_mv")[own]
        prm[:, THR] = net.neuron_values("v_threshold_mv")[own]
        prm[:, RESET] = net.neuron_values("v_reset_mv")[own]
        prm[:, REF] = refractory_steps(net)[own]
        uniform = int(nl > 0 and np.all(prm[:, REST] == prm[0, REST]) and np.all(prm[:, THR] == prm[0, THR]))
    else:
        prm[:] = (p.v_rest_mv, p.v_threshold_mv, p.v_reset_mv, p.refractory_steps)
        uniform = 1
    mine = driven[(driven % local.size) == local.rank] // local.size
    prm[mine, REF] = 0.0  # driven neurons have no refractory period (Shiu et al.)
    st = np.zeros((nl, 4))
    st[:, V] = net.neuron_values("v_rest_mv")[own]
    st[:, G] = 0.0
    st[:, UPD] = -1.0
    st[:, FREE] = _LONG_AGO
    prop = p.propagator()
    coef = np.array([p.w_syn_mv, prop["h_max"], prop["K"], p.dt_ms / p.tau_m_ms,
                     p.dt_ms / p.tau_syn_ms, _MARGIN_MV,
                     prm[0, REST] if nl else 0.0, prm[0, THR] if nl else 0.0,
                     p.adapt_mv, p.dt_ms / p.tau_adapt_ms])
    return st, np.zeros(nl), prm, uniform, coef


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


def simulate_mpi(net: Network, duration_ms: float, *, stimulate=None, rate_hz: float | None = None,
                 inputs=(), seed: int = 0, mode: str = "fast", comm=None,
                 stats: MPIStats | None = None) -> Spikes:
    """``simulate`` across the ranks of ``comm`` (default COMM_WORLD); call it on every rank.

    Same arguments and the same result as ``simulate`` (explicit ``input_spikes`` are not
    supported): every rank returns the whole network's Spikes, identical to a single-process
    run with the same seed for any number of ranks. ``stats``: an MPIStats to fill with this
    rank's compute and exchange times. Raises what ``simulate`` raises, and ConfigError for
    networks with per-connection delays.
    """
    _check_network(net)
    comm = world() if comm is None else comm
    rank, size = comm.Get_rank(), comm.Get_size()
    stats = MPIStats() if stats is None else stats
    p = net.params
    n_steps, driven, rate, events = _prepare(net, duration_ms, stimulate, rate_hz, inputs, None,
                                             seed, mode)
    t0 = time.perf_counter()
    local = partition_network(net, rank, size)
    comm.Barrier()  # so that exchange_s measures the run, not the ranks' skew in partitioning
    stats.extra["partition_s"] = time.perf_counter() - t0
    stats.synapse_bytes = local.nbytes
    nn, nl = net.n_neurons, local.n_local
    st, theta, prm, uniform, coef = _local_state(net, local, driven)
    tab = coefficient_table(p)
    seg = np.stack([local.indptr[:-1], local.indptr[1:]], axis=1)
    d = int(p.delay_steps)
    cap = max(4 * nl, 1 << 16)
    sp_step, sp_neu = np.zeros(cap, np.int64), np.zeros(cap, np.int32)
    ctr = np.zeros(4, np.int64)
    active, is_active = np.zeros(nl, np.int32), np.zeros(nl, np.uint8)
    pinned, step_spk = np.zeros(nl, np.uint8), np.zeros(nl, np.int32)
    if net.neuron_params:  # neurons whose constant drive reaches threshold are active from the start
        u = st[:, V] - prm[:, REST]
        first = np.flatnonzero(np.maximum(u, 0.0) >= (prm[:, THR] - prm[:, REST]) - _MARGIN_MV)
        active[: len(first)] = first
        is_active[first] = 1
        ctr[3] = len(first)
    no_rec = np.zeros(0, np.int32)
    rec = np.zeros((0, 0))
    own_events = _LocalEvents(events, rank, size)
    received = np.zeros(0, np.int64)  # spikes of the last interval, to deliver in this one
    history = []
    for t in range(0, n_steps, d):
        t1 = min(t + d, n_steps)
        c0 = time.perf_counter()
        ev_step, ev_neu, ev_w = own_events.between(t, t1)
        k = len(received)
        if cap < k + nl + 1:
            cap = 2 * (k + nl + 1)
            sp_step, sp_neu = np.zeros(cap, np.int64), np.zeros(cap, np.int32)
        sp_step[:k] = received // nn
        sp_neu[:k] = received % nn
        ctr[0], ctr[1], ctr[2] = k, 0, 0
        n = t
        while n < t1:
            if mode == "fast":
                n = run_fast(n, t1, st, theta, prm, uniform, active, is_active, pinned, step_spk,
                             sp_step, sp_neu, ctr, ev_step, ev_neu, ev_w, seg, local.indices,
                             local.weight, tab, coef, d, d, no_rec, rec, rec, 0)
            else:
                n = run_reference(n, t1, st, theta, prm, sp_step, sp_neu, ctr, ev_step, ev_neu,
                                  ev_w, seg, local.indices, local.weight, tab, coef, d, d,
                                  no_rec, rec, rec, 0)
            if n < t1:  # spike buffer nearly full: grow it and continue
                sp_step = np.concatenate([sp_step, np.zeros_like(sp_step)])
                sp_neu = np.concatenate([sp_neu, np.zeros_like(sp_neu)])
                cap = len(sp_step)
        mine = sp_step[k:ctr[0]] * nn + (sp_neu[k:ctr[0]].astype(np.int64) * size + rank)
        stats.compute_s += time.perf_counter() - c0
        received = _exchange(comm, np.ascontiguousarray(mine), stats)
        history.append(received)
    keys = np.concatenate(history) if history else np.zeros(0, np.int64)
    attrs = {"model": p.preset_name(), "adapt_mv": p.adapt_mv, "tau_adapt_ms": p.tau_adapt_ms,
             "mode": mode, "seed": int(seed), "rate_hz": rate,
             "stimulated": driven.tolist() if len(driven) <= 10_000 else len(driven),
             "silenced": net.silenced.tolist() if len(net.silenced) <= 10_000 else len(net.silenced),
             "network": getattr(net.connectome, "name", "")}  # the attrs of simulate
    return Spikes(keys // nn, (keys % nn).astype(np.int32), nn, p.dt_ms, n_steps * p.dt_ms, attrs)
