"""Numba kernels of the Shiu et al. model: the event-driven and the dense engine.

Both kernels advance the same state through steps [n0, n1) and follow Brian2's per-step order
(see docs/simulator.md):

1. state update (exact propagator) of every non-refractory neuron, including the decay of
   its threshold's rise ``theta`` (spike-frequency adaptation; 0 when ``adapt_mv`` is 0);
   a neuron is refractory at step n while ``n < FREE = lastspike + ref`` (``ref`` in steps);
2. threshold: ``v > v_th + theta`` and not refractory -> spike at step n;
3. delivery of spikes emitted at step ``n - d`` (d: the connection's delay in steps):
   ``g_post += w_syn * weight``, in spike order then connection order, and input events
   of step n: ``v += w``; both dropped for refractory neurons, and overwritten by the reset
   for neurons that spiked at this step (Brian2's ``unless refractory`` semantics);
4. reset of the neurons that spiked: ``v = v_reset``, ``g = 0``, ``theta += adapt_mv``.

The event-driven engine (``run_event``) steps only the *active* neurons, those whose free
trajectory may still reach threshold; the others are advanced lazily, in one closed-form jump
(``_catch_up``), when input reaches them. The dense engine (``run_dense``) updates every neuron
every step on ``threads`` threads, each owning a contiguous range of neurons, so that every
neuron sees the same operations in the same order for any number of threads. The event-driven
engine runs on threads the same way (``run_event_part``, one call per thread): the threads
meet once per minimum delay, not per step. ``to_dense`` and ``to_event`` switch a run from one
engine to the other between steps.

The inputs are grouped in named tuples (numba passes them as plain structs, at no cost):
``Neurons`` (state and parameters), ``Synapses``, ``SpikeLog`` (spikes emitted so far and the
counters), ``Inputs`` (this block's input events), ``Activity`` (the active list) and ``Probe``
(sampled state); the model's scalars are ``Coef``. A kernel returns the step it reached; it
stops early (before a step) when the spike log might overflow, so the caller can grow the log.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["Activity", "Coef", "Inputs", "Neurons", "Parts", "Probe", "SpikeLog", "Synapses",
           "aligned_empty", "coefficient_table", "fill_rows", "join_active", "make_parts", "parts_nbytes",
           "run_dense", "run_event", "run_event_part", "split_active", "to_dense", "to_event"]

# columns of the per-neuron state record Neurons.st (float64, (N, 4)): half a cache line, which
# matters because synaptic delivery touches neurons in random order
V, G, UPD, FREE = 0, 1, 2, 3
# columns of the per-neuron parameter record Neurons.prm (float64, (N, 4))
REST, THR, RESET, REF = 0, 1, 2, 3
# slots of SpikeLog.ctr (int64, (8,))
N_SPIKES, DELIVERED, NEXT_EVENT, N_ACTIVE, WORK_ACTIVE, WORK_INPUTS = 0, 1, 2, 3, 4, 5
ARRIVED, GENERATION, ABORT = 0, 1, 2  # slots of the barrier state (``_barrier``), int64 (3,)
N_CTR = 8
PREFETCH = 16  # deliveries ahead whose neuron record is requested early
U_PREFETCH = np.uint64(PREFETCH)
CACHE_LINE = 64  # bytes; records of 32 bytes start on a multiple of 32 (aligned_empty)
SPINS = 200_000  # checks a thread waiting at a barrier makes (~0.2 ms) before it yields the CPU
SORT_SMALL = 32  # a step's spikes are insertion-sorted up to this many, else np.sort (O(n log n))


class Coef(NamedTuple):
    """Scalars of the model, in mV and steps."""

    w_syn: float        # jump of g per unit of synaptic weight (mV)
    h_max: float        # peak of the PSP kernel (mV of v per mV of g): bounds a free trajectory
    k: float            # tau_syn / (tau_m - tau_syn), the propagator's b_k = k (a^k - c^k)
    dt_tau_m: float     # dt / tau_m
    dt_tau_syn: float   # dt / tau_syn
    dt_tau_adapt: float  # dt / tau_adapt
    eps: float          # safety margin of the reachability bound (mV)
    adapt_mv: float     # threshold rise per spike (mV); 0: no adaptation
    uniform: bool       # same v_rest and v_threshold for every neuron (then read from rest, thr)
    rest: float         # v_rest (incl. constant drive) when uniform (mV)
    thr: float          # v_threshold when uniform (mV)


class Neurons(NamedTuple):
    """st float64 (N, 4) [v (mV), g (mV), step up to which v and g are valid, first step at
    which the neuron is no longer refractory]; theta float64 (N,) rise of the threshold (mV);
    prm float64 (N, 4) [v_rest incl. constant drive, v_threshold, v_reset (mV), refractory steps]."""

    st: np.ndarray
    theta: np.ndarray
    prm: np.ndarray


class Synapses(NamedTuple):
    """The connections of neuron i with delay dmin + k steps are seg[i, k]:seg[i, k + 1] of
    indices (int32 postsynaptic positions, ascending within each such range: the Connectome's
    rows are sorted) and weight (float32 signed counts)."""

    seg: np.ndarray
    indices: np.ndarray
    weight: np.ndarray
    dmin: int
    dmax: int


class SpikeLog(NamedTuple):
    """Spikes in time order, by neuron within a step: step int64 (cap,), neuron int32 (cap,);
    ctr int64 (N_CTR,): [N_SPIKES, DELIVERED (first spike still to deliver), NEXT_EVENT (in
    Inputs), N_ACTIVE, WORK_ACTIVE (neuron updates), WORK_INPUTS (deliveries and events)]."""

    step: np.ndarray
    neuron: np.ndarray
    ctr: np.ndarray


class Inputs(NamedTuple):
    """Input events sorted by step: step int64, neuron int64, w float64 (mV added to v)."""

    step: np.ndarray
    neuron: np.ndarray
    w: np.ndarray


class Activity(NamedTuple):
    """active int32 (N,) the first ctr[N_ACTIVE] are the active neurons; is_active, pinned
    uint8 (N,) (pinned: never dropped, e.g. recorded); step_spk int32 (N,) scratch."""

    active: np.ndarray
    is_active: np.ndarray
    pinned: np.ndarray
    step_spk: np.ndarray


class Probe(NamedTuple):
    """idx int32 (K,) recorded neurons; v, g float64 (T, K) their state after each step."""

    idx: np.ndarray
    v: np.ndarray
    g: np.ndarray


class Parts(NamedTuple):
    """Scratch of ``run_event_part``: the neurons split into P contiguous ranges, one per thread.

    bounds int64 (P + 1,) part p owns neurons bounds[p]..bounds[p + 1] - 1 (non-empty
    ranges, which the caller may move between calls); span: steps run between two merges (at
    most the minimum delay, >= 1); per part (room for all N neurons, as bounds move): active,
    step_spk int32 (P, N) its active list and scratch; step int64, neuron int32 (P, span·N + 1)
    the spikes of one span; ctr int64 (P, N_CTR) its counters (SpikeLog's).
    """

    bounds: np.ndarray
    span: int
    active: np.ndarray
    step_spk: np.ndarray
    step: np.ndarray
    neuron: np.ndarray
    ctr: np.ndarray


def make_parts(n_neurons: int, threads: int, span: int) -> Parts:
    """Scratch for ``run_event_part`` on ``threads`` parts, of equal size at first (arrays left
    uninitialised: the kernel writes before it reads; untouched pages cost no memory)."""
    bounds = np.array([p * n_neurons // threads for p in range(threads + 1)], np.int64)
    room = (threads, span * n_neurons + 1)
    return Parts(bounds, int(span), np.empty((threads, n_neurons), np.int32),
                 np.empty((threads, n_neurons), np.int32), np.empty(room, np.int64),
                 np.empty(room, np.int32), np.zeros((threads, N_CTR), np.int64))


def parts_nbytes(parts: Parts) -> int:
    """Bytes the arrays of ``parts`` reserve (pages never written are not used)."""
    return sum(a.nbytes for a in parts if isinstance(a, np.ndarray))


def _element_pointer(context, builder, sig, args):
    """LLVM pointer to element args[1] of the 1-D array args[0] (no bounds check)."""
    aryty = sig.args[0]
    ary = context.make_array(aryty)(context, builder, args[0])
    idx = context.cast(builder, args[1], sig.args[1], types.intp)
    return cgutils.get_item_pointer(context, builder, aryty, ary, [idx], wraparound=False)


def _int64_array(arr, i) -> bool:
    """Whether numba types (arr, i) are a 1-D int64 array and an integer index."""
    return (isinstance(arr, types.Array) and arr.dtype == types.int64 and arr.ndim == 1
            and isinstance(i, types.Integer))


@intrinsic
def _atomic_add(typingctx, arr, i, v):
    """arr[i] += v as one atomic, sequentially consistent operation (int64 arr); returns the
    value before."""
    if not (_int64_array(arr, i) and isinstance(v, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        val = context.cast(builder, args[2], sig.args[2], types.int64)
        return builder.atomic_rmw("add", _element_pointer(context, builder, sig, args), val,
                                  "seq_cst")

    return types.int64(arr, i, v), codegen


@intrinsic
def _atomic_load(typingctx, arr, i):
    """arr[i] read as one atomic, sequentially consistent operation (int64 arr): never cached
    in a register, and no memory access after it is moved before it."""
    if not _int64_array(arr, i):
        return None

    def codegen(context, builder, sig, args):
        return builder.load_atomic(_element_pointer(context, builder, sig, args), "seq_cst", 8)

    return types.int64(arr, i), codegen


@intrinsic
def _yield_cpu(typingctx):
    """Give the CPU to another runnable thread, if any (POSIX ``sched_yield``)."""
    def codegen(context, builder, sig, args):
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.IntType(32), []),
                                            "sched_yield")
        builder.call(fn, [])
        return context.get_dummy_value()

    return types.void(), codegen


@njit(cache=True, nogil=True)
def _barrier(sync, parties):
    """Wait until ``parties`` threads have called this, or until sync[ABORT] is set; returns
    False if aborted. sync: int64 (3,) [ARRIVED, GENERATION, ABORT], zeros at first, shared
    by the threads. What a thread wrote before the barrier is visible to every thread after it.
    Spins, then yields the CPU between checks (SPINS): on a busy machine the thread it waits
    for may need the core."""
    gen = _atomic_load(sync, GENERATION)
    if _atomic_add(sync, ARRIVED, 1) == parties - 1:  # the last to arrive releases the others
        _atomic_add(sync, ARRIVED, -parties)
        _atomic_add(sync, GENERATION, 1)
        return _atomic_load(sync, ABORT) == 0
    spins = 0
    while _atomic_load(sync, GENERATION) == gen:
        if _atomic_load(sync, ABORT) != 0:
            return False
        spins += 1
        if spins > SPINS:
            _yield_cpu()
    return _atomic_load(sync, ABORT) == 0


@intrinsic
def _prefetch(typingctx, address):
    """Ask the CPU to start loading the cache line at ``address`` (an integer) for reading; no
    effect on results. Synaptic delivery reads neuron records in random order, and the
    branches of the lazy catch-up keep the CPU from running far enough ahead to overlap those
    loads by itself: requesting the record PREFETCH deliveries ahead made delivery-bound runs
    1.3-1.7x faster (benchmarks/README.md)."""
    if not isinstance(address, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = builder.module.declare_intrinsic(  # names the pointer type as this LLVM does
            "llvm.prefetch", [i8p], fnty=ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]))
        # read, keep in all cache levels, data cache
        builder.call(fn, [builder.inttoptr(args[0], i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(address), codegen


# The lazy catch-up of a neuron, in scalar helpers used by every caller (``run_event``,
# ``to_dense``). Helpers that take arrays cost ~0.1-0.4 us per call in numba (measured:
# 113-585 ns per touched neuron against 17-62 ns written inline, docs/simulator.md), so the
# hot loops pass scalars only.
@njit(cache=True)
def _lag(updated, free, n):
    """Steps to advance a neuron last updated at step ``updated`` to the end of step n; its
    refractory steps (before ``free``) are frozen and skipped."""
    start = free - 1.0
    if start < updated:
        start = updated
    return n - int(start)


@njit(cache=True)
def _kstep_far(k, coef):
    """The k-step propagator (a^k, b_k, c^k, d^k) computed, for k past the table's end (the
    callers read shorter jumps from the table: a lookup passing the table costs ~15 ns more)."""
    ak = math.exp(-k * coef.dt_tau_m)
    ck = math.exp(-k * coef.dt_tau_syn)
    return ak, coef.k * (ak - ck), ck, math.exp(-k * coef.dt_tau_adapt)


@njit(cache=True)
def _jump(v, g, v0, prop):
    """(v, g) after a free jump with the k-step propagator ``prop`` (v0: rest); the caller
    decays theta by prop[3] only when adaptation is on (theta is a separate array: writing
    it back unconditionally costs one more random memory access per catch-up)."""
    ak, bk, ck, _ = prop
    return v0 + (v - v0) * ak + g * bk, g * ck


@njit(cache=True, inline="always")
def _first_at_least(indices, a, b, x):
    """The first position e in [a, b) (uint64) with indices[e] >= x, or b: a binary search of
    the sorted indices[a:b]."""
    while a < b:
        m = (a + b) >> np.uint64(1)
        if indices[m] < x:
            a = m + np.uint64(1)
        else:
            b = m
    return a


@njit(cache=True)
def _reaches(v, g, rest, thr, h_max, eps):
    """True if a neuron at (v, g) may exceed threshold on its free trajectory (a conservative
    bound: max(v - rest, 0) + max(g, 0) * h_max >= thr - rest - eps)."""
    u = v - rest
    bound = (u if u > 0.0 else 0.0) + (g * h_max if g > 0.0 else 0.0)
    return bound >= (thr - rest) - eps


@njit(cache=True)
def _log_spikes(log, n, buf, m, n_sp):
    for k in range(m):
        log.step[n_sp] = n
        log.neuron[n_sp] = buf[k]
        n_sp += 1
    return n_sp


@njit(cache=True)
def _sample(neu, probe, row):
    for r in range(probe.idx.shape[0]):
        probe.v[row, r] = neu.st[probe.idx[r], V]
        probe.g[row, r] = neu.st[probe.idx[r], G]


@njit(cache=True)
def _first_to_deliver(log, n, dmax, n_sp):
    dp = log.ctr[DELIVERED]
    while dp < n_sp and log.step[dp] < n - dmax:  # fully delivered spikes
        dp += 1
    log.ctr[DELIVERED] = dp
    return dp


@njit(cache=True, nogil=True)
def run_event(n0, n1, tab, coef, neu, syn, log, inp, act, probe, src, lo, hi):
    """Event-driven engine: only the active neurons are stepped; returns the step reached.

    tab: float64 (T, 4) k-step propagator [a^k, b_k, c^k, d^k] for k < T (coefficient_table).
    Neurons outside the active list are caught up (``_lag``, ``_jump``) when input
    reaches them, and join the list when the bound says they may now reach threshold; active
    neurons leave it (unless pinned) at the start of a step, when their state at the end of the
    previous one can no longer reach threshold (so the list returned may still hold such
    neurons). Per-step work is written inline (no helper taking arrays: see the note above
    ``_lag``).

    The kernel owns neurons lo..hi-1: it steps and delivers to those only (the active list
    holds only them). src: the log whose spikes are delivered. Run on its own (lo, hi = 0, N),
    src must be ``log`` itself: a spike is delivered as soon as it is logged. Run as one part
    (``run_event_part``), src is the shared log of the spikes before n0 (fixed during the call:
    steps [n0, n1) are within the minimum delay of n0) and ``log`` the part's own; its
    ctr[DELIVERED] is a position in src.
    """
    st, prm, theta = neu.st, neu.prm, neu.theta
    sp_step, sp_neu, ctr = log.step, log.neuron, log.ctr
    whole = lo == 0 and hi == st.shape[0]  # one engine (src is log) or a part of several
    src_step, src_neu = src.step, src.neuron
    n_src = src.ctr[N_SPIKES]
    u_lo, u_width = np.uint64(lo), np.uint64(hi - lo)  # j owned if (j - lo) < hi - lo, unsigned
    seg, indices, weight, dmin, dmax = syn.seg, syn.indices, syn.weight, syn.dmin, syn.dmax
    active, is_active, pinned, buf = act.active, act.is_active, act.pinned, act.step_spk
    a, b, c, d1 = tab[1, 0], tab[1, 1], tab[1, 2], tab[1, 3]
    adapt = coef.adapt_mv != 0.0
    uniform, c_rest, c_thr, wsyn = coef.uniform, coef.rest, coef.thr, coef.w_syn
    h_max, eps = coef.h_max, coef.eps
    n_sp, dp, ep, n_act = ctr[N_SPIKES], ctr[DELIVERED], ctr[NEXT_EVENT], ctr[N_ACTIVE]
    work_act, work_in = ctr[WORK_ACTIVE], ctr[WORK_INPUTS]
    cap = sp_step.shape[0]
    n_ev = inp.step.shape[0]
    n_rec = probe.idx.shape[0]
    n_tab = tab.shape[0]
    st_at, st_row = st.ctypes.data, st.strides[0]
    n = n0
    while n < n1:
        if cap - n_sp < n_act + 1:
            break
        # 0. drop the neurons that can no longer reach threshold without input (their state is
        # that of the end of step n - 1); done here, not in a pass of its own at the end of each
        # step, so that each active record is read once per step
        # 1-2. update the other active neurons, threshold
        m = 0
        k = 0
        while k < n_act:
            i = np.uint64(active[k])
            v0 = c_rest if uniform else prm[i, REST]
            if pinned[i] == 0 and not _reaches(st[i, V], st[i, G], v0,
                                               c_thr if uniform else prm[i, THR], h_max, eps):
                is_active[i] = 0
                n_act -= 1
                active[k] = active[n_act]
                continue
            k += 1
            if n >= st[i, FREE]:
                gi = st[i, G]
                vi = v0 + (st[i, V] - v0) * a + gi * b
                st[i, V] = vi
                st[i, G] = gi * c
                thr = c_thr if uniform else prm[i, THR]
                if adapt:
                    theta[i] *= d1
                    thr += theta[i]
                if vi > thr:
                    buf[m] = i
                    m += 1
                    st[i, FREE] = n + prm[i, REF]
            st[i, UPD] = n
        work_act += n_act
        # this step's spikes in neuron order: insertion sort for a few, else O(m log m)
        if m > SORT_SMALL:
            buf[:m] = np.sort(buf[:m])
        else:
            for k in range(1, m):
                x = buf[k]
                p = k - 1
                while p >= 0 and buf[p] > x:
                    buf[p + 1] = buf[p]
                    p -= 1
                buf[p + 1] = x
        for k in range(m):
            sp_step[n_sp] = n
            sp_neu[n_sp] = buf[k]
            n_sp += 1
        if whole:
            n_src = n_sp
        # 3a. synaptic delivery of the spikes emitted at n - d (d = dmin..dmax), in spike order
        # then connection order. The catch-up below is also in 3b: a single loop over both kinds
        # of input (one call site) measured 15-23 % slower on fly-synth (docs/simulator.md)
        while dp < n_src and src_step[dp] < n - dmax:  # fully delivered spikes
            dp += 1
        q = dp
        while q < n_src and src_step[q] <= n - dmin:
            kd = n - src_step[q] - dmin  # this spike's connections with delay n - step
            # unsigned indices: numba then skips its negative-index wraparound, 12 % of a
            # quiet run (benchmarks/README.md)
            e_lo, e_hi = np.uint64(seg[src_neu[q], kd]), np.uint64(seg[src_neu[q], kd + 1])
            q += 1
            if not whole:  # this part's targets: a sub-range, the segment being sorted by target
                e_lo, e_hi = (_first_at_least(indices, e_lo, e_hi, lo),
                              _first_at_least(indices, e_lo, e_hi, hi))
            work_in += np.int64(e_hi - e_lo)
            for e in range(e_lo, e_hi):
                if e + U_PREFETCH < e_hi:
                    _prefetch(st_at + np.int64(indices[e + U_PREFETCH]) * st_row)
                w = weight[e]
                if w != 0.0:
                    j = np.uint64(indices[e])
                    free = st[j, FREE]
                    if n >= free:  # a refractory target drops its input and needs no catch-up
                        v0 = c_rest if uniform else prm[j, REST]
                        vj, gj, s = st[j, V], st[j, G], st[j, UPD]
                        if s < n:  # lazy catch-up to step n (at least one free step)
                            kj = _lag(s, free, n)
                            prop = ((tab[kj, 0], tab[kj, 1], tab[kj, 2], tab[kj, 3]) if kj < n_tab
                                    else _kstep_far(kj, coef))
                            vj, gj = _jump(vj, gj, v0, prop)
                            if adapt:
                                theta[j] *= prop[3]
                        gj += wsyn * w
                        st[j, V], st[j, G], st[j, UPD] = vj, gj, n
                        # the bound first: it needs only registers, is_active a memory access
                        if _reaches(vj, gj, v0, c_thr if uniform else prm[j, THR], h_max, eps) \
                                and is_active[j] == 0:
                            is_active[j] = 1
                            active[n_act] = j
                            n_act += 1
        # 3b. input events of this step (the same catch-up)
        while ep < n_ev and inp.step[ep] <= n:
            if ep + PREFETCH < n_ev:
                _prefetch(st_at + np.int64(inp.neuron[ep + PREFETCH]) * st_row)
            j, w = np.uint64(inp.neuron[ep]), inp.w[ep]
            ep += 1
            if j - u_lo >= u_width:  # another part's neuron
                continue
            work_in += 1
            free = st[j, FREE]
            if n >= free:
                v0 = c_rest if uniform else prm[j, REST]
                vj, gj, s = st[j, V], st[j, G], st[j, UPD]
                if s < n:
                    kj = _lag(s, free, n)
                    prop = ((tab[kj, 0], tab[kj, 1], tab[kj, 2], tab[kj, 3]) if kj < n_tab
                            else _kstep_far(kj, coef))
                    vj, gj = _jump(vj, gj, v0, prop)
                    if adapt:
                        theta[j] *= prop[3]
                vj += w
                st[j, V], st[j, G], st[j, UPD] = vj, gj, n
                if _reaches(vj, gj, v0, c_thr if uniform else prm[j, THR], h_max, eps) \
                        and is_active[j] == 0:
                    is_active[j] = 1
                    active[n_act] = j
                    n_act += 1
        # 4. reset
        for k in range(m):
            i = buf[k]
            st[i, V] = prm[i, RESET]
            st[i, G] = 0.0
            theta[i] += coef.adapt_mv
        for r in range(n_rec):
            i = np.uint64(probe.idx[r])
            if i - u_lo < u_width:
                probe.v[n, r] = st[i, V]
                probe.g[n, r] = st[i, G]
        n += 1
    ctr[N_SPIKES], ctr[DELIVERED], ctr[NEXT_EVENT], ctr[N_ACTIVE] = n_sp, dp, ep, n_act
    ctr[WORK_ACTIVE], ctr[WORK_INPUTS] = work_act, work_in
    return n


@njit(cache=True, nogil=True)
def split_active(act, ctr, parts):
    """Hand the active list of ``act`` to the parts of ``parts`` (each keeps its own, in the
    same order) and zero their counters; before ``run_event_part`` threads start."""
    pctr, bounds = parts.ctr, parts.bounds
    pctr[:, :] = 0
    for k in range(ctr[N_ACTIVE]):
        i = act.active[k]
        p = np.searchsorted(bounds, i, side="right") - 1
        parts.active[p, pctr[p, N_ACTIVE]] = i
        pctr[p, N_ACTIVE] += 1


@njit(cache=True, nogil=True)
def join_active(act, ctr, parts):
    """The parts' active lists back into ``act`` and their work into ``ctr``; after the
    ``run_event_part`` threads end."""
    n_act = 0
    for p in range(parts.bounds.shape[0] - 1):
        for k in range(parts.ctr[p, N_ACTIVE]):
            act.active[n_act] = parts.active[p, k]
            n_act += 1
        ctr[WORK_ACTIVE] += parts.ctr[p, WORK_ACTIVE]
        ctr[WORK_INPUTS] += parts.ctr[p, WORK_INPUTS]
    ctr[N_ACTIVE] = n_act


@njit(cache=True, nogil=True)
def _merge(log, parts, n0, n1):
    """The parts' spikes of steps [n0, n1) appended to ``log`` step by step, part after part
    (the order ``run_event`` logs them in: by step, then by neuron)."""
    pctr = parts.ctr
    n_sp = log.ctr[N_SPIKES]
    n_parts = parts.bounds.shape[0] - 1
    at = np.zeros(n_parts, np.int64)
    for s in range(n0, n1):
        for p in range(n_parts):
            k = at[p]
            while k < pctr[p, N_SPIKES] and parts.step[p, k] == s:
                log.step[n_sp] = s
                log.neuron[n_sp] = parts.neuron[p, k]
                n_sp += 1
                k += 1
            at[p] = k
    # every part passed the same spikes and input events
    log.ctr[N_SPIKES], log.ctr[DELIVERED] = n_sp, pctr[0, DELIVERED]
    log.ctr[NEXT_EVENT] = pctr[0, NEXT_EVENT]


@njit(cache=True, nogil=True)
def run_event_part(p, n0, n1, tab, coef, neu, syn, log, inp, act, probe, parts, sync):
    """The event-driven engine on threads: this is part p's thread, one of P run at once (P:
    the parts of ``parts``, each a contiguous range of neurons with its own active list);
    returns the step reached, the same in every thread, or -1 if aborted (sync[ABORT] set by
    another thread or by the caller, which then abandons the run).

    A spike reaches its targets no sooner than the minimum delay, so the parts run
    ``parts.span`` steps (at most that delay) independently with ``run_event``, delivering only
    spikes logged before the span; at the end of each span part 0 merges their spikes into
    ``log`` (``_merge``) between two barriers on ``sync`` (``_barrier``). Every neuron sees
    the same operations in the same order as in one ``run_event``: the spike trains do not
    depend on the number of parts. Call ``split_active`` before and ``join_active`` after.
    Every thread stops at the same span start when a span's spikes might not fit in ``log``.
    The P threads must run at the same time (the barriers wait for all of them).
    """
    bounds, pctr = parts.bounds, parts.ctr
    n_parts = bounds.shape[0] - 1
    nn = neu.st.shape[0]
    mine = SpikeLog(parts.step[p], parts.neuron[p], pctr[p])
    own_act = Activity(parts.active[p], act.is_active, act.pinned, parts.step_spk[p])
    n = n0
    while n < n1:
        stop = min(n1, n + parts.span)
        if log.step.shape[0] - log.ctr[N_SPIKES] < (stop - n) * nn + 1:
            break
        pctr[p, N_SPIKES], pctr[p, DELIVERED] = 0, log.ctr[DELIVERED]
        pctr[p, NEXT_EVENT] = log.ctr[NEXT_EVENT]
        if run_event(n, stop, tab, coef, neu, syn, mine, inp, own_act, probe, log, bounds[p],
                     bounds[p + 1]) < stop:  # cannot happen: the part's log has room for N·span
            _atomic_add(sync, ABORT, 1)
        if not _barrier(sync, n_parts):  # every part has run the span
            return -1
        if p == 0:
            _merge(log, parts, n, stop)
        if not _barrier(sync, n_parts):  # the span's spikes are in the log
            return -1
        n = stop
    return n


@njit(cache=True)
def _update_part(n, lo, hi, a, b, c, d1, adapt, coef, neu, buf):
    """Dense update of neurons lo..hi-1 at step n; their spikes go to buf[lo:], in neuron
    order. Returns (number of spikes, number of neurons whose bound reaches threshold)."""
    st, prm, theta = neu.st, neu.prm, neu.theta
    m = lo
    r = 0
    for i in range(lo, hi):
        if n >= st[i, FREE]:
            gi = st[i, G]
            v0 = prm[i, REST]
            vi = v0 + (st[i, V] - v0) * a + gi * b
            st[i, V] = vi
            gi = gi * c
            st[i, G] = gi
            thr = prm[i, THR]
            if adapt:
                theta[i] *= d1
                thr += theta[i]
            if vi > thr:
                buf[m] = i
                m += 1
                st[i, FREE] = n + prm[i, REF]
            else:
                u = vi - v0
                bound = (u if u > 0.0 else 0.0) + (gi * coef.h_max if gi > 0.0 else 0.0)
                if bound >= (prm[i, THR] - v0) - coef.eps:
                    r += 1
        st[i, UPD] = n
    return m - lo, r


@njit(cache=True)
def _deliver_part(n, lo, hi, q, n_sp, coef, neu, syn, log):
    """Dense delivery at step n of spikes log[q:] emitted at n - d, to neurons lo..hi-1 only."""
    st = neu.st
    st_at, st_row = st.ctypes.data, st.strides[0]
    while q < n_sp and log.step[q] <= n - syn.dmin:
        pre = log.neuron[q]
        kd = n - log.step[q] - syn.dmin
        q += 1
        e_end = syn.seg[pre, kd + 1]
        for e in range(syn.seg[pre, kd], e_end):
            if e + PREFETCH < e_end:
                _prefetch(st_at + syn.indices[e + PREFETCH] * st_row)
            j = syn.indices[e]
            if lo <= j < hi:
                w = syn.weight[e]
                if w != 0.0 and n >= st[j, FREE]:
                    st[j, G] += coef.w_syn * w


@njit(cache=True, parallel=True, nogil=True)
def run_dense(n0, n1, tab, coef, neu, syn, log, inp, probe, buf, threads):
    """Dense engine: every neuron is updated every step (what Brian2 and NEST do).

    threads: number of partitions of the neurons (contiguous ranges), each updated and each
      receiving its synaptic input on its own thread; the spike trains do not depend on it.
    buf: int32 (N,) scratch. Sets st[:, UPD] = n for every neuron, and counts the neurons whose
    bound reaches threshold in ctr[WORK_ACTIVE] (what the event-driven engine would step).
    """
    st, prm, theta = neu.st, neu.prm, neu.theta
    ctr = log.ctr
    a, b, c, d1 = tab[1, 0], tab[1, 1], tab[1, 2], tab[1, 3]
    adapt = coef.adapt_mv != 0.0
    nn = st.shape[0]
    parts = max(1, min(threads, nn))
    bounds = np.empty(parts + 1, np.int64)
    for p in range(parts + 1):
        bounds[p] = p * nn // parts
    found = np.zeros(parts, np.int64)
    reach = np.zeros(parts, np.int64)
    n_sp, ep = ctr[N_SPIKES], ctr[NEXT_EVENT]
    cap = log.step.shape[0]
    n_ev = inp.step.shape[0]
    n = n0
    while n < n1:
        if cap - n_sp < nn + 1:
            break
        # 1-2. update every neuron, threshold; spikes of part p go to buf[bounds[p]:]
        if parts == 1:  # a parallel region costs even for one part (worker threads spin)
            found[0], reach[0] = _update_part(n, 0, nn, a, b, c, d1, adapt, coef, neu, buf)
        else:
            for p in prange(parts):
                found[p], reach[p] = _update_part(n, bounds[p], bounds[p + 1], a, b, c, d1,
                                                  adapt, coef, neu, buf)
        first = n_sp
        for p in range(parts):  # parts in order: spikes stay sorted by neuron
            n_sp = _log_spikes(log, n, buf[bounds[p]:], found[p], n_sp)
            ctr[WORK_ACTIVE] += reach[p] + found[p]
        # 3a. delivery: every part scans all arriving spikes, keeps its own postsynaptic neurons
        q0 = _first_to_deliver(log, n, syn.dmax, n_sp)
        if parts == 1:
            _deliver_part(n, 0, nn, q0, n_sp, coef, neu, syn, log)
        else:
            for p in prange(parts):
                _deliver_part(n, bounds[p], bounds[p + 1], q0, n_sp, coef, neu, syn, log)
        q = q0
        while q < n_sp and log.step[q] <= n - syn.dmin:
            kd = n - log.step[q] - syn.dmin
            ctr[WORK_INPUTS] += syn.seg[log.neuron[q], kd + 1] - syn.seg[log.neuron[q], kd]
            q += 1
        # 3b. input events of this step
        while ep < n_ev and inp.step[ep] <= n:
            i = inp.neuron[ep]
            if n >= st[i, FREE]:
                st[i, V] += inp.w[ep]
            ep += 1
            ctr[WORK_INPUTS] += 1
        # 4. reset
        for k in range(first, n_sp):
            i = log.neuron[k]
            st[i, V] = prm[i, RESET]
            st[i, G] = 0.0
            theta[i] += coef.adapt_mv
        if probe.idx.shape[0] > 0:
            _sample(neu, probe, n)
        n += 1
    ctr[N_SPIKES], ctr[NEXT_EVENT] = n_sp, ep
    return n


@njit(cache=True, nogil=True)
def to_dense(n, tab, coef, neu):
    """Catch every neuron up to the end of step n - 1, before the dense engine runs step n."""
    st, prm, theta = neu.st, neu.prm, neu.theta
    adapt = coef.adapt_mv != 0.0
    for j in range(st.shape[0]):
        s = st[j, UPD]
        if s < n - 1:
            kj = _lag(s, st[j, FREE], n - 1)
            if kj > 0:
                v0 = coef.rest if coef.uniform else prm[j, REST]
                prop = ((tab[kj, 0], tab[kj, 1], tab[kj, 2], tab[kj, 3]) if kj < tab.shape[0]
                        else _kstep_far(kj, coef))
                st[j, V], st[j, G] = _jump(st[j, V], st[j, G], v0, prop)
                if adapt:
                    theta[j] *= prop[3]
            st[j, UPD] = n - 1


@njit(cache=True, nogil=True)
def to_event(neu, act, coef, ctr):
    """Rebuild the active list from the bound (pinned neurons always), after dense steps."""
    st, prm = neu.st, neu.prm
    n_act = 0
    for i in range(st.shape[0]):
        if act.pinned[i] != 0 or _reaches(st[i, V], st[i, G], prm[i, REST], prm[i, THR],
                                          coef.h_max, coef.eps):
            act.is_active[i] = 1
            act.active[n_act] = i
            n_act += 1
        else:
            act.is_active[i] = 0
    ctr[N_ACTIVE] = n_act


def aligned_empty(shape: tuple[int, ...], dtype=np.float64) -> np.ndarray:
    """An uninitialised C-contiguous array whose data starts on a cache-line boundary.

    NumPy places large arrays 16 bytes past a page boundary, so half of the 32-byte records of
    an (N, 4) float64 array would straddle two cache lines and a random access to one of them
    would load two lines (the state record, the propagator-table row); aligned, each record
    lies in one line.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.empty(nbytes + CACHE_LINE, np.uint8)
    skip = -raw.ctypes.data % CACHE_LINE
    return raw[skip:skip + nbytes].view(dtype).reshape(shape)


@njit(cache=True, nogil=True)
def fill_rows(arr, row):
    """arr[i, :] = row for every i (arr (N, K), row (K,)): one pass, where NumPy's broadcast
    assignment of a short row into an (N, 4) array costs several times more."""
    for i in range(arr.shape[0]):
        for c in range(arr.shape[1]):
            arr[i, c] = row[c]


@functools.lru_cache(maxsize=8)
def _table(dt_ms: float, tau_m_ms: float, tau_syn_ms: float, tau_adapt_ms: float,
           size: int) -> np.ndarray:
    k = np.arange(size, dtype=np.float64)
    tab = aligned_empty((size, 4))
    tab[:, 0] = np.exp(-k * dt_ms / tau_m_ms)
    tab[:, 2] = np.exp(-k * dt_ms / tau_syn_ms)
    tab[:, 3] = np.exp(-k * dt_ms / tau_adapt_ms)
    tab[:, 1] = tau_syn_ms / (tau_m_ms - tau_syn_ms) * (tab[:, 0] - tab[:, 2])
    tab.flags.writeable = False
    return tab


def coefficient_table(params, size: int = 1 << 15) -> np.ndarray:
    """k-step propagator for k < size: float64 (size, 4) rows [a^k, b_k = K(a^k - c^k), c^k, d^k]
    with d = exp(-dt/tau_adapt) the decay of the threshold's rise. Read-only, cache-line
    aligned, and shared by every run with the same time step and time constants (building it
    costs ~1.3 ms, a tenth of a quiet 1-s fly-synth run)."""
    return _table(float(params.dt_ms), float(params.tau_m_ms), float(params.tau_syn_ms),
                  float(params.tau_adapt_ms), int(size))
