"""Numba kernels of the observation model (private).

All kernels work on arrays shaped (time, neuron) and loop over neurons in parallel
(``prange``); no Python loop over neurons or frames runs in the hot path.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

COLUMNS = 16  # neurons per task of sliding_percentile: 64 bytes of float32 per frame


@njit(cache=True)
def _rebuild_low(col, lo, hi, low, k):
    """Fill low[:m] with the m = min(k, hi - lo) smallest values of col[lo:hi], sorted; return m.
    A partition, then a sort of the m values only (sorting the whole window cost 3-4 times more)."""
    m = min(k, hi - lo)
    w = np.partition(col[lo:hi], m - 1) if m < hi - lo else col[lo:hi].copy()
    low[:m] = np.sort(w[:m])
    return m


@njit(cache=True)
def _running_low(col, q, radius, k, low, res):
    """res[t] = the ``q``-th percentile of col[t - radius : t + radius + 1] (truncated at the
    ends) for one neuron; col, res float32 (time,), low float32 (k + 1,) scratch. See
    ``sliding_percentile``."""
    n_t = col.shape[0]
    lo, hi = 0, min(radius + 1, n_t)  # window [lo, hi)
    m = _rebuild_low(col, lo, hi, low, k)
    for t in range(n_t):
        if t > 0:
            new_lo, new_hi = max(0, t - radius), min(n_t, t + radius + 1)
            if new_lo > lo:  # one value leaves
                v = col[lo]
                if m > 0 and v <= low[m - 1]:
                    pos = np.searchsorted(low[:m], v)
                    for i in range(pos, m - 1):
                        low[i] = low[i + 1]
                    m -= 1
                lo = new_lo
            if new_hi > hi:  # one value enters
                v = col[hi]
                hi = new_hi
                if m == 0 or v < low[m - 1] or m == hi - lo - 1:
                    pos = np.searchsorted(low[:m], v)
                    for i in range(m, pos, -1):
                        low[i] = low[i - 1]
                    low[pos] = v
                    if m < k:
                        m += 1  # else the largest drops out of the buffer (still in the window)
        size = hi - lo
        rank = q / 100.0 * (size - 1)
        r = int(np.floor(rank))
        need = min(r + 2, size)
        if m < need:
            m = _rebuild_low(col, lo, hi, low, k)
        frac = rank - r
        if r + 1 < size:
            res[t] = low[r] + frac * (low[r + 1] - low[r])
        else:
            res[t] = low[r]


@njit(cache=True, parallel=True)
def sliding_percentile(x, q, radius, out):
    """Running ``q``-th percentile along axis 0 over the window [t - radius, t + radius].

    x: float32 (time, neuron); out: float32 (time, neuron), written in place (may be x).
    The window is truncated at both ends (no padding). The percentile interpolates linearly
    between order statistics, like ``numpy.percentile(..., method="linear")`` — exactly.

    Only a low percentile is needed (ZAPBench: the 8th), so each neuron keeps a sorted buffer
    of the K smallest values of its window (K about twice the rank), not the whole window:
    a value entering or leaving the window touches the buffer only if it is among the
    smallest, and the buffer is rebuilt from the window when it runs short.
    Invariant: the buffer holds the smallest ``m`` values of the window.
    Neurons go COLUMNS at a time, copied out of x into contiguous rows and back (reading one
    neuron's column of a (time, neuron) array loads a cache line per frame for 4 bytes).
    """
    n_t, n_n = x.shape
    w_max = 2 * radius + 1
    r_max = int(np.floor(q / 100.0 * (w_max - 1)))
    k = min(w_max, max(2 * r_max + 16, 32))
    for b in prange((n_n + COLUMNS - 1) // COLUMNS):
        j0 = b * COLUMNS
        width = min(COLUMNS, n_n - j0)
        cols = np.empty((width, n_t), dtype=np.float32)
        for t in range(n_t):
            for c in range(width):
                cols[c, t] = x[t, j0 + c]
        res = np.empty((width, n_t), dtype=np.float32)
        low = np.empty(k + 1, dtype=np.float32)
        for c in range(width):
            _running_low(cols[c], q, radius, k, low, res[c])
        for t in range(n_t):  # out may be x: every column of this block is read by now
            for c in range(width):
                out[t, j0 + c] = res[c, t]
    return out


#: Spikes within this many frames of a sample time are at it (float rounding of spike times).
SAMPLE_TOLERANCE = 1e-9


@njit(cache=True, nogil=True)
def sample_frames(t_s, offset_s, frame_dt_s):
    """(at, shows): the frames whose samples matter to a spike at ``t_s`` s, global indices.

    Frame f samples the neuron at f · frame_dt_s + offset_s (s; f < 0 before frame 0). ``at``
    is the first frame sampling at or after the spike, a spike within SAMPLE_TOLERANCE frames
    of a sample being at it; ``shows`` the first frame whose sample shows the spike's calcium:
    ``at`` + 1 for a spike at ``at``'s sample (the transient, a difference of exponentials, is
    0 at lag 0), else ``at``. So frame f shows first the spikes in [t[f-1], t[f]). The one
    rule for the calcium (``spikes_to_injections``) and the spike counts of a recording.
    """
    x = (t_s - offset_s) / frame_dt_s
    at = int(np.ceil(x - SAMPLE_TOLERANCE))
    shows = at + 1 if x >= at - SAMPLE_TOLERANCE else at
    return at, shows


@njit(cache=True, nogil=True)
def spikes_to_injections(spike_t_s, spike_neuron, offset_s, t0_s, frame_dt_s, n_frames,
                         tau_r_s, tau_d_s, inj_r, inj_d, pend_r, pend_d):
    """Scatter spikes onto the first frame each neuron samples at or after the spike.

    spike_t_s (S,) float64 spike times (s); spike_neuron (S,) int32; offset_s (N,) the
    acquisition offset of each neuron within a frame (s, in [0, frame_dt_s)).
    Frame f of this block samples neuron i at t0_s + f * frame_dt_s + offset_s[i]; t0_s is a
    whole number of frames (the block's first frame × frame_dt_s): the frame of a spike is
    found on the recording's frame clock (``sample_frames``) and the block's first frame
    subtracted, so that every block and the spike counts round alike.
    A spike at t adds exp(-(t_sample - t) / tau) to inj_*[f, i] for the first sample at or
    after t (so the exponential states are exact at the sample times). Spikes whose first
    sample lies beyond this block are added to pend_* (their value at the next block's
    first sample, t0_s + n_frames * frame_dt_s + offset_s[i]).
    inj_r, inj_d: float64 (n_frames, N), pend_r, pend_d: float64 (N,), updated in place.
    """
    first = int(np.rint(t0_s / frame_dt_s))
    for s in range(spike_t_s.shape[0]):
        i = spike_neuron[s]
        t = spike_t_s[s]
        at, _ = sample_frames(t, offset_s[i], frame_dt_s)
        f = at - first
        if f < 0:
            f = 0  # a spike just before the block's first sample of this neuron
        t_sample = t0_s + f * frame_dt_s + offset_s[i]
        lag = max(t_sample - t, 0.0)
        if f < n_frames:
            inj_r[f, i] += np.exp(-lag / tau_r_s)
            inj_d[f, i] += np.exp(-lag / tau_d_s)
        else:
            lag = max(t0_s + n_frames * frame_dt_s + offset_s[i] - t, 0.0)
            pend_r[i] += np.exp(-lag / tau_r_s)
            pend_d[i] += np.exp(-lag / tau_d_s)


@njit(cache=True, parallel=True, nogil=True)
def run_kernel(inj_r, inj_d, state_r, state_d, a_r, a_d, peak, out):
    """Advance the two exponential states frame by frame and write the calcium kernel sum.

    state_*(f) = a_* · state_*(f−1) + inj_*[f]; out[f, i] = (state_d − state_r) / peak.
    inj_*: float64 (n_frames, N); state_*: float64 (N,) carried between blocks (in place);
    a_* = exp(−frame_dt / tau_*); out: float32 (n_frames, N).
    """
    n_f, n_n = inj_r.shape
    block = 512  # neurons per task: rows of a block stay in cache while frames advance
    for b in prange((n_n + block - 1) // block):
        lo = b * block
        hi = min(lo + block, n_n)
        for f in range(n_f):
            for i in range(lo, hi):
                sr = a_r * state_r[i] + inj_r[f, i]
                sd = a_d * state_d[i] + inj_d[f, i]
                state_r[i] = sr
                state_d[i] = sd
                out[f, i] = (sd - sr) / peak


@njit(cache=True, parallel=True)
def fluorescence_kernel(x, amplitude, brightness, z_drift, z_shot, z_read, a_drift, drift_amp,
                        ca_rest, dca, kd, hill_n, dyn_range, f_rest, shot_k, read_sd):
    """Raw fluorescence from calcium kernel sums, in place: x (time, neuron) float32.

    Ca = ca_rest + dca · amplitude_i · x (nM); bound = Ca^n / (Ca^n + Kd^n);
    F = brightness_i · (1 + (R − 1) · bound) / f_rest · exp(drift_amp · d_i(t)),
    d_i an AR(1) path with coefficient a_drift driven by z_drift (stationary, unit variance);
    then F += sqrt(shot_k · F) · z_shot + read_sd · z_read.
    z_*: float32 (time, neuron) standard normals (z_drift is overwritten by the drift path).
    """
    n_t, n_n = x.shape
    innov = np.sqrt(1.0 - a_drift * a_drift)
    block = 512
    for b in prange((n_n + block - 1) // block):
        lo = b * block
        hi = min(lo + block, n_n)
        for f in range(n_t):
            for i in range(lo, hi):
                if f == 0:
                    d = z_drift[0, i]
                else:
                    d = a_drift * z_drift[f - 1, i] + innov * z_drift[f, i]
                z_drift[f, i] = d
                ca = ca_rest + dca * amplitude[i] * x[f, i]
                r = (ca / kd) ** hill_n
                val = brightness[i] * (1.0 + (dyn_range - 1.0) * r / (1.0 + r)) / f_rest
                val *= np.exp(drift_amp * d)
                val += np.sqrt(shot_k * max(val, 0.0)) * z_shot[f, i] + read_sd * z_read[f, i]
                x[f, i] = val
