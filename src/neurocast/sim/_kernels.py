"""Numba kernels: the event-driven fast engine and the dense reference engine.

Both kernels advance the same state through steps [n0, n1) and follow Brian2's per-step order
for the Shiu et al. model (see docs/simulator.md):

1. state update (exact propagator) of every non-refractory neuron, including the decay of
   its threshold's rise ``theta`` (spike-frequency adaptation; 0 when ``adapt_mv`` is 0);
   a neuron is refractory at step n while ``n - lastspike < ref`` (``ref`` in steps, per neuron),
   i.e. while ``n < FREE = lastspike + ref``;
2. threshold: ``v > v_th + theta`` and not refractory -> spike at step n (``lastspike = n``);
3. delivery of spikes emitted at step ``n - d`` (d: the connection's delay in steps):
   ``g_post += w_syn * weight``, in spike order then connection order, and input events
   of step n: ``v += w``; both are *conditional writes* — dropped for neurons that are
   refractory or spiked at this step (Brian2's ``unless refractory`` semantics);
4. reset of the neurons that spiked: ``v = v_reset``, ``g = 0``, ``theta += adapt_mv``.

State: st float64 (N, 4) records [v (mV), g (mV), step up to which v and g are valid (fast
engine), first step at which the neuron is no longer refractory] — one neuron in half a cache
line, which matters because synaptic delivery touches neurons in random order; theta float64
(N,) the threshold's rise, in its own array (touched only when adaptation is on). Parameters:
prm float64 (N, 4) records [v_rest (including any constant external drive), v_threshold,
v_reset (mV), refractory period (steps; 0 for driven neurons)].
Spikes are appended to (sp_step int64, sp_neu int32) in time order, sorted by neuron within
a step. ``ctr`` (int64, 4) holds [n_spikes, next spike to deliver, next event, n_active].
A kernel returns the step it reached; it stops early (before a step) when the spike buffer
might overflow, so the caller can grow the buffer and call again.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["coefficient_table", "run_fast", "run_reference"]


# columns of the per-neuron state record st (float64, shape (N, 4)): half a cache line
V, G, UPD, FREE = 0, 1, 2, 3
# columns of the per-neuron parameter record prm (float64, shape (N, 4))
REST, THR, RESET, REF = 0, 1, 2, 3


@njit(cache=True, inline="always")
def _reaches(st, i, rest, thr, hmax, eps):
    """True if neuron i's free trajectory may exceed threshold (conservative bound)."""
    u = st[i, V] - rest
    gi = st[i, G]
    bound = (u if u > 0.0 else 0.0) + (gi * hmax if gi > 0.0 else 0.0)
    return bound >= (thr - rest) - eps


@njit(cache=True)
def run_fast(n0, n1, st, theta, prm, uniform, active, is_active, pinned, step_spk,
             sp_step, sp_neu, ctr, ev_step, ev_neu, ev_w, seg, indices, weight,
             tab, coef, dmin, dmax, rec_idx, rec_v, rec_g, rec_base):
    """Event-driven engine: only neurons that may reach threshold are stepped.

    st: float64 (N, 4) records [v, g, step of last update, first non-refractory step].
    prm: float64 (N, 4) records [v_rest, v_threshold, v_reset, refractory steps] (mV, steps).
    uniform: 1 if v_rest and v_threshold are the same for every neuron (then the hot delivery
      loop reads them from coef instead of prm: one memory access less per delivery).
    theta: float64 (N,) rise of each neuron's threshold (mV), decaying with tau_adapt.
    coef (float64, 10): w_syn, h_max, K, dt/tau_m, dt/tau_syn, eps (margin of the bound, mV),
      v_rest, v_threshold (used when uniform), adapt_mv (0: no adaptation), dt/tau_adapt.
    seg: int64 (N, K + 1) connection ranges by delay: the connections of neuron i with delay
      dmin + k steps are seg[i, k]:seg[i, k + 1] of indices/weight (K = dmax - dmin + 1;
      one range per neuron when the delay is homogeneous).
    tab: float64 (T, 4) k-step propagator [a^k, b_k, c^k, d^k] for k < T (d: theta's decay).
    Neurons not in the active list are advanced lazily when input reaches them: from the step
    of their last update to n in one jump with the k-step propagator, skipping refractory steps.
    """
    wsyn, hmax, kk, dt_tm, dt_ts, eps = coef[0], coef[1], coef[2], coef[3], coef[4], coef[5]
    c_rest, c_thr = coef[6], coef[7]
    jump, dt_ta = coef[8], coef[9]
    adapt = jump != 0.0
    a, b, c = tab[1, 0], tab[1, 1], tab[1, 2]
    d1 = tab[1, 3]
    n_tab = tab.shape[0]
    n_sp, dp, ep, n_act = ctr[0], ctr[1], ctr[2], ctr[3]
    cap = sp_step.shape[0]
    n_ev = ev_step.shape[0]
    n_rec = rec_idx.shape[0]
    n = n0
    while n < n1:
        if cap - n_sp < n_act + 1:
            break
        # 1-2. update the active neurons, threshold
        n_new = 0
        for k in range(n_act):
            i = active[k]
            if n >= st[i, FREE]:
                gi = st[i, G]
                v0 = prm[i, REST]
                vi = v0 + (st[i, V] - v0) * a + gi * b
                st[i, V] = vi
                st[i, G] = gi * c
                thr = prm[i, THR]
                if adapt:
                    theta[i] *= d1
                    thr += theta[i]
                if vi > thr:
                    step_spk[n_new] = i
                    n_new += 1
                    st[i, FREE] = n + prm[i, REF]
            st[i, UPD] = n
        # spikes of this step in neuron order (insertion sort; few per step)
        for k in range(1, n_new):
            x = step_spk[k]
            m = k - 1
            while m >= 0 and step_spk[m] > x:
                step_spk[m + 1] = step_spk[m]
                m -= 1
            step_spk[m + 1] = x
        for k in range(n_new):
            sp_step[n_sp] = n
            sp_neu[n_sp] = step_spk[k]
            n_sp += 1
        # 3a. synaptic delivery: connections with delay d of spikes emitted at step n - d.
        # Input reaching a neuron that spiked at this step is overwritten by the reset below,
        # as in Brian2.
        while dp < n_sp and sp_step[dp] < n - dmax:  # fully delivered spikes
            dp += 1
        q = dp
        while q < n_sp and sp_step[q] <= n - dmin:
            pre = sp_neu[q]
            kd = n - sp_step[q] - dmin  # this spike's connections with delay n - step
            q += 1
            for e in range(seg[pre, kd], seg[pre, kd + 1]):
                w = weight[e]
                if w != 0.0:
                    j = indices[e]
                    # lazy advance of j to step n (written out here: as a function call,
                    # numba made this loop 3-4x slower)
                    s = st[j, UPD]
                    if s < n:
                        start = st[j, FREE] - 1.0  # refractory steps are frozen: skip them
                        if start < s:
                            start = s
                        kj = n - int(start)
                        if kj > 0:
                            gj = st[j, G]
                            v0 = c_rest if uniform else prm[j, REST]
                            u = st[j, V] - v0
                            if kj < n_tab:
                                ak = tab[kj, 0]
                                bk = tab[kj, 1]
                                ck = tab[kj, 2]
                            else:
                                ak = math.exp(-kj * dt_tm)
                                ck = math.exp(-kj * dt_ts)
                                bk = kk * (ak - ck)
                            st[j, V] = v0 + u * ak + gj * bk
                            st[j, G] = gj * ck
                            if adapt:
                                theta[j] *= tab[kj, 3] if kj < n_tab else math.exp(-kj * dt_ta)
                        st[j, UPD] = n
                    if n >= st[j, FREE]:
                        st[j, G] += wsyn * w
                        if is_active[j] == 0:  # may it now reach threshold? (bound inline)
                            if uniform:
                                r0 = c_rest
                                th = c_thr
                            else:
                                r0 = prm[j, REST]
                                th = prm[j, THR]
                            u = st[j, V] - r0
                            gj = st[j, G]
                            bound = (u if u > 0.0 else 0.0) + (gj * hmax if gj > 0.0 else 0.0)
                            if bound >= (th - r0) - eps:
                                is_active[j] = 1
                                active[n_act] = j
                                n_act += 1
        # 3b. input events of this step
        while ep < n_ev and ev_step[ep] <= n:
            i = ev_neu[ep]
            s = st[i, UPD]
            if s < n:  # lazy advance, as above
                start = st[i, FREE] - 1.0
                if start < s:
                    start = s
                kj = n - int(start)
                if kj > 0:
                    gj = st[i, G]
                    v0 = c_rest if uniform else prm[i, REST]
                    u = st[i, V] - v0
                    if kj < n_tab:
                        ak = tab[kj, 0]
                        bk = tab[kj, 1]
                        ck = tab[kj, 2]
                    else:
                        ak = math.exp(-kj * dt_tm)
                        ck = math.exp(-kj * dt_ts)
                        bk = kk * (ak - ck)
                    st[i, V] = v0 + u * ak + gj * bk
                    st[i, G] = gj * ck
                    if adapt:
                        theta[i] *= tab[kj, 3] if kj < n_tab else math.exp(-kj * dt_ta)
                st[i, UPD] = n
            if n >= st[i, FREE]:
                st[i, V] += ev_w[ep]
                if is_active[i] == 0 and _reaches(st, i, prm[i, REST], prm[i, THR], hmax, eps):
                    is_active[i] = 1
                    active[n_act] = i
                    n_act += 1
            ep += 1
        # 4. reset
        for k in range(n_new):
            i = step_spk[k]
            st[i, V] = prm[i, RESET]
            st[i, G] = 0.0
            theta[i] += jump
        # drop neurons that can no longer reach threshold without new input (neurons were
        # added above as soon as an input made their bound reach threshold)
        k = 0
        while k < n_act:
            i = active[k]
            if pinned[i] == 0 and not _reaches(st, i, prm[i, REST], prm[i, THR], hmax, eps):
                is_active[i] = 0
                n_act -= 1
                active[k] = active[n_act]
            else:
                k += 1
        if n_rec > 0:
            row = n - rec_base
            for r in range(n_rec):
                rec_v[row, r] = st[rec_idx[r], V]
                rec_g[row, r] = st[rec_idx[r], G]
        n += 1
    ctr[0] = n_sp
    ctr[1] = dp
    ctr[2] = ep
    ctr[3] = n_act
    return n


@njit(cache=True)
def run_reference(n0, n1, st, theta, prm, sp_step, sp_neu, ctr, ev_step, ev_neu, ev_w,
                  seg, indices, weight, tab, coef, dmin, dmax, rec_idx, rec_v, rec_g, rec_base):
    """Dense engine: every neuron is updated every step (what Brian2 and NEST do).

    Same arguments as ``run_fast`` minus the activity bookkeeping; st[:, UPD] is unused.
    Input reaching a neuron that spiked at this step is dropped explicitly (Brian2's
    conditional write), which the following reset would overwrite anyway.
    """
    wsyn, jump = coef[0], coef[8]
    a, b, c = tab[1, 0], tab[1, 1], tab[1, 2]
    d1 = tab[1, 3]
    n_sp, dp, ep = ctr[0], ctr[1], ctr[2]
    cap = sp_step.shape[0]
    n_ev = ev_step.shape[0]
    n_rec = rec_idx.shape[0]
    nn = st.shape[0]
    n = n0
    while n < n1:
        if cap - n_sp < nn + 1:
            break
        first = n_sp
        for i in range(nn):
            if n >= st[i, FREE]:
                gi = st[i, G]
                v0 = prm[i, REST]
                vi = v0 + (st[i, V] - v0) * a + gi * b
                st[i, V] = vi
                st[i, G] = gi * c
                theta[i] *= d1
                if vi > prm[i, THR] + theta[i]:
                    st[i, FREE] = n + prm[i, REF]
                    st[i, UPD] = n  # marks "spiked at step n"
                    sp_step[n_sp] = n
                    sp_neu[n_sp] = i
                    n_sp += 1
        last = n_sp
        while dp < n_sp and sp_step[dp] < n - dmax:
            dp += 1
        q = dp
        while q < n_sp and sp_step[q] <= n - dmin:
            pre = sp_neu[q]
            kd = n - sp_step[q] - dmin
            q += 1
            for e in range(seg[pre, kd], seg[pre, kd + 1]):
                w = weight[e]
                if w != 0.0:
                    j = indices[e]
                    if n >= st[j, FREE] and st[j, UPD] != n:
                        st[j, G] += wsyn * w
        while ep < n_ev and ev_step[ep] <= n:
            i = ev_neu[ep]
            if n >= st[i, FREE] and st[i, UPD] != n:
                st[i, V] += ev_w[ep]
            ep += 1
        for k in range(first, last):
            i = sp_neu[k]
            st[i, V] = prm[i, RESET]
            st[i, G] = 0.0
            theta[i] += jump
        if n_rec > 0:
            row = n - rec_base
            for r in range(n_rec):
                rec_v[row, r] = st[rec_idx[r], V]
                rec_g[row, r] = st[rec_idx[r], G]
        n += 1
    ctr[0] = n_sp
    ctr[1] = dp
    ctr[2] = ep
    return n


def coefficient_table(params, size: int = 1 << 15) -> np.ndarray:
    """k-step propagator for k < size: float64 (size, 4) rows [a^k, b_k = K(a^k - c^k), c^k, d^k]
    with d = exp(-dt/tau_adapt) the decay of the threshold's rise."""
    k = np.arange(size, dtype=np.float64)
    tab = np.empty((size, 4))
    tab[:, 0] = np.exp(-k * params.dt_ms / params.tau_m_ms)
    tab[:, 2] = np.exp(-k * params.dt_ms / params.tau_syn_ms)
    tab[:, 3] = np.exp(-k * params.dt_ms / params.tau_adapt_ms)
    kk = params.tau_syn_ms / (params.tau_m_ms - params.tau_syn_ms)
    tab[:, 1] = kk * (tab[:, 0] - tab[:, 2])
    return tab
