"""Slow shared state drives: behavioural or neuromodulatory states that switch every few seconds
and reach many neurons (private).

A ``StateProcess`` is a seeded semi-Markov chain over named ``BehaviouralState`` s: each visit
lasts a gamma-distributed number of seconds (mean ``mean_dwell_s``, shape ``dwell_shape``:
shape > 1 makes very short visits rare), then the next state is drawn from the state's row of
``transitions``. While a state lasts, its drives (``Drive``: glob patterns of neuron names or
types, or a random share; a Poisson rate and a weight per event) are on. The sequence depends
on the recording seed (each recording is another animal), the neurons a state reaches do not
(they are fixed by the plan's ``selection_seed``). The per-frame state is stored with the
recording as covariates ``state:<name>`` (one-hot), like the stimulus: it is known.

Examples: C. elegans forward / reverse / turn command states (forward runs of tens of seconds,
reversals and turns of a few: Gray, Hill & Bargmann 2005; Kato et al. 2015) driving the
command interneurons and motor pools; an arousal state of a fish or fly raising the input of a
large share of neurons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocast._numbers import is_real
from neurocast.errors import ConfigError
from neurocast.record._checks import as_tuple, check_number
from neurocast.record._drive import Drive

__all__ = ["BehaviouralState", "StateProcess"]


@dataclass(frozen=True)
class BehaviouralState:
    """A named state, its mean visit length (s), and the drives that are on while it lasts.

    drives: ``Drive`` objects, or one (their on_frames/off_frames pulse patterns are not used: a
    state's drives are on for the whole visit).
    """

    name: str
    mean_dwell_s: float
    drives: tuple[Drive, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "drives", as_tuple(self.drives, Drive, "a state's drives",
                                                    "drives=(Drive(names='AVA?'),)"))
        if not self.name or not isinstance(self.name, str):
            raise ConfigError("a behavioural state needs a non-empty name")
        check_number(self.mean_dwell_s, f"state {self.name!r}: mean_dwell_s")
        if not (np.isfinite(self.mean_dwell_s) and self.mean_dwell_s > 0):
            raise ConfigError(f"state {self.name!r}: mean_dwell_s must be > 0, got {self.mean_dwell_s}")


def _matrix_of_numbers(rows, k: int) -> np.ndarray:
    """``rows`` as a float64 (k, k) array: k rows of k numbers each (not text, not flags).
    ConfigError otherwise (numpy would read '0.5' as 0.5, and ragged rows as a bare ValueError)."""
    def row_ok(row):
        return (isinstance(row, (tuple, list, np.ndarray)) and len(row) == k
                and all(map(is_real, row)))
    if not (isinstance(rows, (tuple, list, np.ndarray)) and len(rows) == k and all(map(row_ok, rows))):
        raise ConfigError(f"transitions must be a ({k}, {k}) matrix of numbers (probabilities), "
                          f"got {rows!r}", "e.g. transitions=((0, 1), (1, 0)) for two states")
    return np.array([[float(x) for x in row] for row in rows], dtype=np.float64)


@dataclass(frozen=True)
class StateProcess:
    """A seeded semi-Markov switching process between ``states``.

    transitions: row-stochastic (n_states, n_states) matrix of next-state probabilities, zero
      diagonal (None: every other state equally likely). dwell_shape: gamma shape of the visit
      lengths (1: exponential). initial: name of the first state (None: drawn in proportion to
      the mean visit lengths).
    """

    states: tuple[BehaviouralState, ...]
    transitions: tuple[tuple[float, ...], ...] | None = None
    dwell_shape: float = 2.0
    initial: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "states", as_tuple(self.states, BehaviouralState, "states",
                                                    "states=(BehaviouralState('forward', 20.0), ...)"))
        names = self.names
        if len(names) < 2 or len(set(names)) != len(names):
            raise ConfigError(f"a state process needs at least two distinct states, got {names}")
        k = len(names)
        if self.transitions is not None:
            t = _matrix_of_numbers(self.transitions, k)
            if not np.isfinite(t).all() or (t < 0).any():
                raise ConfigError(f"transitions must be a ({k}, {k}) matrix of probabilities >= 0")
            if not np.allclose(t.sum(axis=1), 1.0) or np.any(np.diag(t) != 0):
                raise ConfigError("each row of transitions must sum to 1 with a zero diagonal",
                                  "a state never follows itself: its length is the dwell time")
            object.__setattr__(self, "transitions", tuple(tuple(float(x) for x in row) for row in t))
        check_number(self.dwell_shape, "dwell_shape")
        if not self.dwell_shape > 0:
            raise ConfigError(f"dwell_shape must be > 0, got {self.dwell_shape}")
        if self.initial is not None and self.initial not in names:
            raise ConfigError(f"initial state {self.initial!r} is not one of {names}")

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.states]

    def _matrix(self) -> np.ndarray:
        k = len(self.states)
        if self.transitions is None:
            return (np.ones((k, k)) - np.eye(k)) / (k - 1)
        return np.asarray(self.transitions, dtype=np.float64)

    def sample(self, n_frames: int, frame_dt_s: float, seed: int) -> np.ndarray:
        """State index of every frame, int8 (n_frames,). Same seed, same sequence.

        A frame belongs to the state that holds at its start; visits shorter than a frame can
        vanish (the drives use the exact times: ``intervals``).
        """
        starts, idx = self.intervals(n_frames * frame_dt_s, seed)
        frame_t = np.arange(n_frames) * frame_dt_s
        return idx[np.searchsorted(starts, frame_t, side="right") - 1].astype(np.int8)

    def intervals(self, duration_s: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """(start times s float64 (V,), state indices int64 (V,)) of the visits covering [0, duration)."""
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x57A7E]))
        mean = np.array([s.mean_dwell_s for s in self.states])
        trans = self._matrix()
        if self.initial is not None:
            cur = self.names.index(self.initial)
        else:
            cur = int(rng.choice(len(mean), p=mean / mean.sum()))
        starts, idx, t = [], [], 0.0
        while t < duration_s:
            starts.append(t)
            idx.append(cur)
            t += rng.gamma(self.dwell_shape, mean[cur] / self.dwell_shape)
            cur = int(rng.choice(len(mean), p=trans[cur]))
        return np.asarray(starts), np.asarray(idx, dtype=np.int64)

    def covariates(self, n_frames: int, frame_dt_s: float, seed: int) -> tuple[list[str], np.ndarray]:
        """(names ``state:<name>``, float32 (n_frames, n_states) one-hot of the frame's state)."""
        seq = self.sample(n_frames, frame_dt_s, seed)
        out = np.zeros((n_frames, len(self.states)), dtype=np.float32)
        out[np.arange(n_frames), seq] = 1.0
        return [f"state:{n}" for n in self.names], out
