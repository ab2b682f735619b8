"""Numba kernels of record() (private)."""

from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True)
def add_spike_counts(spike_t_s, spike_neuron, frame_dt_s, counts):
    """Add one to counts[frame, neuron] per spike (frame = floor(t / frame_dt)), saturating at 65535.

    counts: uint16 (time, neuron), updated in place; spikes past the last frame go to it.
    """
    n_t = counts.shape[0]
    for s in range(spike_t_s.shape[0]):
        f = int(spike_t_s[s] / frame_dt_s)
        if f >= n_t:
            f = n_t - 1
        i = spike_neuron[s]
        if counts[f, i] < 65535:
            counts[f, i] += 1
