"""Numba kernels of record() (private)."""

from __future__ import annotations

from numba import njit

from neurocast.observe import sample_frames


@njit(cache=True, nogil=True)
def add_spike_counts(spike_t_s, spike_neuron, offset_s, frame_dt_s, n_frames, counts):
    """Count each spike in the frame whose sample shows it first; return the spikes counted.

    Frame f samples neuron i at t[f, i] = f · frame_dt_s + offset_s[i] (s) and shows first the
    spikes in [t[f-1, i], t[f, i]) (``neurocast.observe``'s ``sample_frames``, the rule of its
    calcium: a spike at a sample time shows from the next sample, its transient being 0 at lag
    0): every frame counts a window of one frame_dt_s, frame 0 too (from t[-1, i], in the
    warm-up). Spikes outside frames 0..n_frames-1 (earlier in the warm-up, or after the last
    frame's sample) are not counted.
    spike_t_s float64 (S,) s from frame 0 (negative in the warm-up); spike_neuron int32 (S,);
    offset_s float64 (N,) in [0, frame_dt_s); counts uint16 (n_frames, N), one added per spike
    in place, saturating at 65535, or an empty array (0, 0) to only count them.
    """
    add = counts.shape[0] > 0
    n = 0
    for s in range(spike_t_s.shape[0]):
        i = spike_neuron[s]
        _, f = sample_frames(spike_t_s[s], offset_s[i], frame_dt_s)
        if f < 0 or f >= n_frames:
            continue
        n += 1
        if add and counts[f, i] < 65535:
            counts[f, i] += 1
    return n
