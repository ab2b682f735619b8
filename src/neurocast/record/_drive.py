"""Drive: Poisson input to a set of neurons, picked by name or type patterns (private)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from neurocast._selection import glob_mask
from neurocast.errors import ConfigError
from neurocast.record._checks import as_tuple, check_number, check_whole

__all__ = ["Drive", "NoMatch"]


@dataclass(frozen=True)
class Drive:
    """Poisson input to a set of neurons while a condition lasts.

    names: glob patterns matched against neuron names (e.g. ``"ASH?"`` → ASHL, ASHR); a tuple
      of patterns, or one pattern as a string.
    types: glob patterns matched against the neuron ``type`` column (e.g. ``"sensory"``); a tuple
      or one string.
    n_random: if > 0, instead of all matches take this many of them at random (a fixed draw:
      seeded by the plan's ``selection_seed`` and the condition name, not the recording seed).
      With no names and no types, the random draw is from all neurons.
    rate_hz: Poisson rate per driven neuron (Hz) while the drive is on.
    weight_mv: jump of the membrane potential per input event (mV).
    on_frames, off_frames: pulse pattern inside the condition (on for on_frames, then off for
      off_frames, repeated); on_frames = 0 means on for the whole condition.
    delay_frames: frames of the condition before the pattern starts (off until then).
    order, order_seed: if order >= 0, the drive reaches a single neuron: the order-th (modulo
      the pool size) of the matched neurons in a random order fixed by the plan's
      ``selection_seed`` and ``order_seed``. Drives with orders 0..K-1 and one order_seed thus
      visit K distinct neurons, each in turn (the optogenetic atlas plans).

    Numbers must be numbers: text such as ``rate_hz="50"`` raises ConfigError (it is not
    converted), as does a fraction where a whole number goes (frames, counts, seeds).
    """

    names: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    n_random: int = 0
    rate_hz: float = 50.0
    weight_mv: float = 10.0
    on_frames: int = 0
    off_frames: int = 0
    delay_frames: int = 0
    order: int = -1
    order_seed: int = 0

    def __post_init__(self):
        for name in ("names", "types"):
            object.__setattr__(self, name, as_tuple(getattr(self, name), str, f"Drive.{name}",
                                                    f"{name}='ASH?' or {name}=('ASH?', 'ADL?')"))
        check_number(self.rate_hz, "Drive.rate_hz")
        check_number(self.weight_mv, "Drive.weight_mv")
        if self.rate_hz < 0 or not np.isfinite(self.rate_hz):
            raise ConfigError(f"Drive.rate_hz must be a finite rate >= 0, got {self.rate_hz}")
        if not np.isfinite(self.weight_mv):
            raise ConfigError(f"Drive.weight_mv must be finite, got {self.weight_mv}")
        for name in ("n_random", "on_frames", "off_frames", "delay_frames", "order", "order_seed"):
            check_whole(getattr(self, name), f"Drive.{name}")
        if self.n_random < 0 or self.on_frames < 0 or self.off_frames < 0:
            raise ConfigError("Drive.n_random, on_frames and off_frames must be >= 0")
        if self.on_frames == 0 and self.off_frames > 0:
            raise ConfigError("Drive.off_frames needs on_frames > 0 (a pulse pattern)")
        if self.delay_frames < 0 or self.order < -1:
            raise ConfigError("Drive.delay_frames must be >= 0 and Drive.order >= -1 (-1: no order)")
        if self.order >= 0 and self.n_random:
            raise ConfigError("Drive.order and Drive.n_random exclude each other",
                              "order picks one neuron of a seeded random order; n_random a random set")

    def on_mask(self, n_frames: int) -> np.ndarray:
        """bool (n_frames,): True in the frames of the condition where this drive is on."""
        k = np.arange(n_frames) - self.delay_frames
        if self.on_frames == 0:
            return k >= 0
        period = self.on_frames + self.off_frames
        return (k >= 0) & ((k % period) < self.on_frames)

    def resolve(self, connectome, *, seed_key: str = "", selection_seed: int = 0) -> np.ndarray:
        """Positions (int64, sorted) of the neurons this drive reaches in ``connectome``.

        Raises ConfigError if the patterns match no neuron (naming the patterns).
        """
        n = connectome.n_neurons
        table = connectome.neurons
        if not self.names and not self.types:
            pool = np.arange(n)
        else:
            hit = np.zeros(n, dtype=bool)
            names = table["name"].astype(str).to_numpy()
            types = table["type"].astype(str).to_numpy()
            for pat in self.names:  # the name patterns of resolve_neurons and Connectome.index_of
                hit |= glob_mask(names, pat)
            for pat in self.types:
                hit |= glob_mask(types, pat)
            pool = np.flatnonzero(hit)
        if len(pool) == 0:
            raise NoMatch(
                f"drive matches no neuron of {connectome.name or 'the connectome'}: "
                f"names={list(self.names)}, types={list(self.types)}",
                "check the patterns against `neurocast connectome info` or the neuron table",
            )
        if self.order >= 0:
            rng = np.random.default_rng([selection_seed, zlib.crc32(b"order"), self.order_seed])
            return pool[rng.permutation(len(pool))[self.order % len(pool)]][None].astype(np.int64)
        if self.n_random:
            if self.n_random > len(pool):
                raise ConfigError(f"drive asks for {self.n_random} random neurons but only "
                                  f"{len(pool)} match its patterns")
            key = zlib.crc32(seed_key.encode())
            rng = np.random.default_rng([selection_seed, key])
            pool = np.sort(rng.choice(pool, size=self.n_random, replace=False))
        return pool.astype(np.int64)


class NoMatch(ConfigError):
    """A drive's patterns match no neuron of the connectome (``StimulusPlan`` explains it)."""
