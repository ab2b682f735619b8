"""Input events: Poisson trains generated block by block, and explicit input spike trains.

Events are (step int64, neuron int32, weight_mv float64), sorted by step. Random trains are
generated per block of ``BLOCK_STEPS`` steps from ``SeedSequence([seed, input_index, block])``,
so memory stays bounded for long runs and every engine mode consumes identical events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from neurocast.errors import ConfigError
from neurocast.spikes import Spikes

__all__ = ["BLOCK_STEPS", "EventSource"]

#: Steps per generation block (changing it changes the random draws for a given seed).
BLOCK_STEPS = 10_000


@dataclass(frozen=True)
class _Train:
    """Resolved Poisson input: positions, per-step probability, weight, active window [lo, hi)."""

    neurons: np.ndarray
    p: float
    weight_mv: float
    lo: int
    hi: int


def bernoulli_steps(rng: np.random.Generator, n_neurons: int, p: float, lo: int, hi: int):
    """Steps in [lo, hi) at which each of n_neurons independent Bernoulli(p) trains has an event.

    Returns (steps int64, rows int64), sorted by row then step. Uses geometric inter-event gaps.
    """
    length = hi - lo
    if n_neurons == 0 or length <= 0 or p <= 0.0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if p >= 1.0:
        steps = np.tile(np.arange(lo, hi, dtype=np.int64), n_neurons)
        return steps, np.repeat(np.arange(n_neurons, dtype=np.int64), length)
    mean = length * p
    m = math.ceil(mean + 6.0 * math.sqrt(mean * (1.0 - p)) + 8)
    gaps = rng.geometric(p, size=(n_neurons, m))
    steps, rows, short = _gaps_to_steps(gaps, lo, length)
    if len(short) == 0:  # the usual case: already in order (a sort would cost half of this call)
        return steps, rows
    steps_list, rows_list = [steps], [rows]
    for r in short:  # rare: a train needed more than m events in this window
        t = int(gaps[r].sum())
        extra = []
        while True:
            t += int(rng.geometric(p))
            if t > length:
                break
            extra.append(lo + t - 1)
        steps_list.append(np.asarray(extra, dtype=np.int64))
        rows_list.append(np.full(len(extra), r, dtype=np.int64))
    steps = np.concatenate(steps_list)
    rows = np.concatenate(rows_list)
    order = np.lexsort((steps, rows))
    return steps[order], rows[order]


@njit(cache=True, nogil=True)
def _gaps_to_steps(gaps, lo, length):
    """Event steps of Bernoulli trains from their inter-event gaps: gaps int64 (R, m) (row r:
    train r); its events at lo + cumsum(gaps[r]) - 1 up to lo + length - 1. Returns (steps
    int64, rows int64) by row then step, and the rows (int64) whose m gaps end before the
    window does (they need more draws)."""
    n_rows, m = gaps.shape
    steps = np.empty(n_rows * m, np.int64)  # room for every gap; trimmed below
    rows = np.empty(n_rows * m, np.int64)
    short = np.empty(n_rows, np.int64)
    k = n_short = 0
    for r in range(n_rows):
        t = 0
        for c in range(m):
            t += gaps[r, c]
            if t > length:
                break
            steps[k] = lo + t - 1
            rows[k] = r
            k += 1
        if t < length:
            short[n_short] = r
            n_short += 1
    return steps[:k].copy(), rows[:k].copy(), short[:n_short]


@njit(cache=True, nogil=True)
def _by_step(steps, neurons, weights, lo, length):
    """The events (steps int64 in [lo, lo + length), neurons int32, weights float64) reordered
    by step, keeping the given order within a step (a stable counting sort: O(n + length))."""
    start = np.zeros(length + 1, np.int64)
    for s in steps:
        start[s - lo + 1] += 1
    for i in range(length):
        start[i + 1] += start[i]
    out_s, out_n, out_w = np.empty_like(steps), np.empty_like(neurons), np.empty_like(weights)
    for i in range(steps.shape[0]):
        j = start[steps[i] - lo]
        start[steps[i] - lo] = j + 1
        out_s[j], out_n[j], out_w[j] = steps[i], neurons[i], weights[i]
    return out_s, out_n, out_w


class EventSource:
    """All input events of one run, produced block by block.

    trains: Poisson trains (index 0.. in the order given); explicit: optional
    (steps, neurons, weight_mv) explicit events. seed: int.
    """

    def __init__(self, trains: list[_Train], explicit, seed: int, n_steps: int):
        self.trains = trains
        self.seed = int(seed)
        self.n_steps = n_steps
        if explicit is not None:
            steps, neurons, w = explicit
            order = np.argsort(steps, kind="stable")
            self.x_steps = np.asarray(steps, np.int64)[order]
            self.x_neurons = np.asarray(neurons, np.int32)[order]
            self.x_w = np.broadcast_to(np.asarray(w, np.float64), self.x_steps.shape)[order]
        else:
            self.x_steps = None

    def block(self, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Events of block b (steps [b·BLOCK_STEPS, (b+1)·BLOCK_STEPS)), sorted by step (stable)."""
        lo, hi = b * BLOCK_STEPS, min((b + 1) * BLOCK_STEPS, self.n_steps)
        steps, neurons, weights = [], [], []
        for idx, tr in enumerate(self.trains):
            a, z = max(lo, tr.lo), min(hi, tr.hi)
            if z <= a or tr.p == 0.0 or len(tr.neurons) == 0:
                continue
            rng = np.random.default_rng(np.random.SeedSequence([self.seed, idx, b]))
            st, rows = bernoulli_steps(rng, len(tr.neurons), tr.p, a, z)
            steps.append(st)
            neurons.append(tr.neurons[rows].astype(np.int32))
            weights.append(np.full(len(st), tr.weight_mv))
        if self.x_steps is not None:
            i0, i1 = np.searchsorted(self.x_steps, [lo, hi])
            steps.append(self.x_steps[i0:i1])
            neurons.append(self.x_neurons[i0:i1])
            weights.append(self.x_w[i0:i1])
        if not steps:
            return np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float64)
        return _by_step(np.concatenate(steps), np.concatenate(neurons).astype(np.int32, copy=False),
                        np.concatenate(weights).astype(np.float64, copy=False), lo, hi - lo)

    def max_block_events(self) -> int:
        """Upper estimate of the events of the busiest block (for the memory check): per block,
        the trains on during it, each at its mean count plus six standard deviations, and the
        explicit events that fall in it; the largest of these sums. Trains that follow one
        another in time (a recording's states and pulses) are never counted together."""
        n_blocks = max(1, -(-self.n_steps // BLOCK_STEPS))
        per_block = np.zeros(n_blocks)
        for tr in self.trains:
            lo, hi = max(0, tr.lo), min(self.n_steps, tr.hi)
            if hi <= lo or len(tr.neurons) == 0:
                continue
            b0, b1 = lo // BLOCK_STEPS, (hi - 1) // BLOCK_STEPS + 1
            starts = np.arange(b0, b1, dtype=np.int64) * BLOCK_STEPS
            length = np.minimum(starts + BLOCK_STEPS, hi) - np.maximum(starts, lo)
            mean = length * tr.p
            per_block[b0:b1] += len(tr.neurons) * np.floor(mean + 6.0 * np.sqrt(mean) + 8.0)
        if self.x_steps is not None:
            per_block += np.bincount(self.x_steps // BLOCK_STEPS, minlength=n_blocks)[:n_blocks]
        return int(per_block.max())


def explicit_events(input_spikes, n_neurons: int, n_steps: int, weight_mv: float):
    """Validate explicit input trains: a Spikes object or (steps, neurons) positions.

    Returns (steps int64, neurons int32, weight_mv). Events outside [0, n_steps) raise ConfigError.
    """

    if isinstance(input_spikes, Spikes):
        if input_spikes.n_neurons != n_neurons:
            raise ConfigError(f"input_spikes has {input_spikes.n_neurons} neurons, the network {n_neurons}",
                              "input neurons are positions in the simulated network")
        steps, neurons = input_spikes.steps, input_spikes.neurons
    else:
        try:
            steps, neurons = input_spikes
        except (TypeError, ValueError):
            raise ConfigError("input_spikes must be a Spikes object or a pair (steps, neurons)",
                              "steps are time-step indices, neurons are positions 0..N-1") from None
        steps, neurons = np.asarray(steps), np.asarray(neurons)
    if steps.shape != neurons.shape or steps.ndim != 1:
        raise ConfigError("input_spikes steps and neurons must be 1-D arrays of equal length")
    if steps.dtype.kind not in "iu" or neurons.dtype.kind not in "iu":
        if len(steps):
            raise ConfigError("input_spikes steps and neurons must be integers (step indices, positions)")
    steps, neurons = steps.astype(np.int64), neurons.astype(np.int64)
    if len(steps):
        if steps.min() < 0 or steps.max() >= n_steps:
            raise ConfigError(f"input_spikes steps must lie in 0..{n_steps - 1} (the run's steps)")
        if neurons.min() < 0 or neurons.max() >= n_neurons:
            raise ConfigError(f"input_spikes neurons must be positions in 0..{n_neurons - 1}")
    return steps, neurons.astype(np.int32), float(weight_mv)
