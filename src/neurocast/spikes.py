"""Spikes: sparse spike trains of one simulation run (one trial)."""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neurocast._files import atomic_path, json_default
from neurocast.errors import FormatError, NeurocastError

__all__ = ["Spikes"]

_FORMAT = "neurocast-spikes"
_VERSION = 1


@dataclass(frozen=True, eq=False)
class Spikes:
    """Spike trains of N neurons over ``duration_ms``, on a time grid of ``dt_ms``.

    steps:   int64 (S,) time-step index of each spike (time = step * dt_ms), non-decreasing.
    neurons: int32 (S,) neuron position (0..N-1) of each spike.
    Both take any integer array, and floats of whole value (2.0, as one's own computations
    give: ``np.round(t_ms / dt_ms)``); a fraction (0.5, e.g. spike *times* passed as steps),
    NaN, inf, bools and text raise FormatError rather than being truncated.
    n_neurons, dt_ms, duration_ms: the network size and the time grid (ms).
    attrs: free-form provenance (seed, model, stimulated neurons, ...), JSON-serialisable.
    """

    steps: np.ndarray
    neurons: np.ndarray
    n_neurons: int
    dt_ms: float
    duration_ms: float
    attrs: dict = field(default_factory=dict)

    def __post_init__(self):
        steps = _whole(self.steps, "steps", np.int64)
        neurons = _whole(self.neurons, "neurons", np.int32, self.n_neurons)
        if steps.shape != neurons.shape or steps.ndim != 1:
            raise FormatError("spike steps and neurons must be 1-D arrays of equal length")
        if self.dt_ms <= 0 or self.duration_ms < 0:
            raise FormatError(f"dt_ms must be > 0 and duration_ms >= 0, got {self.dt_ms}, {self.duration_ms}")
        if len(steps):
            if np.any(np.diff(steps) < 0):
                raise FormatError("spike steps must be sorted in time")
            if neurons.min() < 0 or neurons.max() >= self.n_neurons:
                raise FormatError(f"spike neurons must lie in 0..{self.n_neurons - 1}")
            if steps[0] < 0 or steps[-1] >= self.n_steps:
                raise FormatError(f"spike steps must lie in 0..{self.n_steps - 1}")
        for a in (steps, neurons):
            a.flags.writeable = False
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "neurons", neurons)

    @property
    def n_steps(self) -> int:
        """Number of time steps in the run."""
        return round(self.duration_ms / self.dt_ms)

    @property
    def n_spikes(self) -> int:
        return len(self.steps)

    @property
    def times_ms(self) -> np.ndarray:
        """Spike times in ms, float64 (S,)."""
        return self.steps * self.dt_ms

    def counts(self) -> np.ndarray:
        """Spikes per neuron, int64 (N,)."""
        return np.bincount(self.neurons, minlength=self.n_neurons).astype(np.int64)

    def rates(self) -> np.ndarray:
        """Mean firing rate per neuron in Hz, float64 (N,)."""
        if self.duration_ms <= 0:
            return np.zeros(self.n_neurons)
        return self.counts() / (self.duration_ms / 1000.0)

    def active(self) -> np.ndarray:
        """Positions of neurons that spiked at least once, int64 (K,)."""
        return np.flatnonzero(self.counts())

    def to_dense(self, bin_ms: float) -> np.ndarray:
        """Spike counts in bins of ``bin_ms``: int32 array shaped (time_bin, neuron).

        bin_ms must be a positive multiple of dt_ms; the last partial bin is kept.
        """
        steps_per_bin = bin_ms / self.dt_ms
        if bin_ms <= 0 or abs(steps_per_bin - round(steps_per_bin)) > 1e-9:
            raise NeurocastError(f"bin_ms ({bin_ms}) must be a positive multiple of dt_ms ({self.dt_ms})")
        k = round(steps_per_bin)
        n_bins = -(-self.n_steps // k)
        out = np.zeros((n_bins, self.n_neurons), dtype=np.int32)
        np.add.at(out, (self.steps // k, self.neurons), 1)
        return out

    def equals(self, other: Spikes) -> bool:
        """Identical spike trains on the identical grid (attrs are not compared)."""
        return (
            isinstance(other, Spikes)
            and self.n_neurons == other.n_neurons
            and self.dt_ms == other.dt_ms
            and self.duration_ms == other.duration_ms
            and np.array_equal(self.steps, other.steps)
            and np.array_equal(self.neurons, other.neurons)
        )

    def __repr__(self) -> str:
        return (f"Spikes({self.n_spikes} spikes, {len(self.active())}/{self.n_neurons} neurons active, "
                f"{self.duration_ms} ms at dt={self.dt_ms} ms)")

    def save(self, path: str | os.PathLike) -> Path:
        """Write atomically as ``.npz`` or ``.parquet`` (columns step, time_ms, neuron)."""
        path = Path(path)
        meta = {"format": _FORMAT, "version": _VERSION, "n_neurons": self.n_neurons,
                "dt_ms": self.dt_ms, "duration_ms": self.duration_ms, "attrs": self.attrs}
        if path.suffix == ".npz":
            with atomic_path(path) as tmp, open(tmp, "wb") as fh:
                np.savez(fh, steps=self.steps, neurons=self.neurons, meta=np.array(json.dumps(meta, default=json_default)))
        elif path.suffix == ".parquet":
            import pyarrow as pa  # heavy: only for parquet files
            import pyarrow.parquet as pq  # heavy: only for parquet files

            table = pa.table({"step": self.steps, "time_ms": self.times_ms, "neuron": self.neurons})
            table = table.replace_schema_metadata({"neurocast": json.dumps(meta, default=json_default)})
            with atomic_path(path) as tmp:
                pq.write_table(table, tmp)
        else:
            raise NeurocastError(f"spike files end in .npz or .parquet, not '{path.suffix}'")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Spikes:
        """Read a file written by ``save``. Raises FormatError for other, damaged or newer files."""
        path = Path(path)
        if path.suffix not in (".npz", ".parquet"):
            raise NeurocastError(f"spike files end in .npz or .parquet, not '{path.suffix}'")
        if not path.is_file():
            raise FormatError(f"no spike file at '{path}'", "check the path")
        try:
            meta, steps, neurons = _read(path)
        except NeurocastError:
            raise
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise FormatError(f"'{path}' is not a readable neurocast spike file ({exc})",
                              "write it again with Spikes.save") from None
        if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
            raise FormatError(f"'{path}' is not a neurocast spike file")
        if meta.get("version", 0) > _VERSION:
            raise FormatError(f"'{path}' has spike format version {meta.get('version')}",
                              f"this neurocast reads versions up to {_VERSION}; upgrade neurocast")
        return cls(steps, neurons, meta["n_neurons"], meta["dt_ms"], meta["duration_ms"], meta.get("attrs", {}))


def _whole(values, what: str, dtype, n_neurons: int | None = None) -> np.ndarray:
    """``values`` as a contiguous array of ``dtype``; FormatError unless every value is a whole
    number (an integer, or a float of whole value), never truncated. For the neurons
    (``n_neurons`` given), a value outside 0..N-1 is refused before the cast to int32, which
    would wrap it (2**32 + 1 -> 1)."""
    arr = np.asarray(values)
    kind = arr.dtype.kind
    if (kind == "f" and arr.size == 0) or arr.dtype == dtype:  # empty, or already so
        return np.ascontiguousarray(arr, dtype=dtype)
    if kind == "f":
        bad = ~np.isfinite(arr)
        bad[~bad] = arr[~bad] != np.floor(arr[~bad])
        if bad.any():
            v = arr[np.flatnonzero(bad)[0]].item()
            raise FormatError(f"spike {what} must be whole numbers (indices), got {v!r}",
                              "spike steps are time-step indices (time / dt_ms) and neurons are "
                              "positions 0..N-1; round them yourself if that is meant")
    elif kind not in "iu":
        raise FormatError(f"spike {what} must be whole numbers (indices), not an array of "
                          f"dtype {arr.dtype}", "pass an integer array")
    if arr.size:
        lo, hi = (0, n_neurons - 1) if n_neurons is not None else (np.iinfo(dtype).min, np.iinfo(dtype).max)
        if arr.min() < lo or arr.max() > hi:
            raise FormatError(f"spike {what} must lie in {lo}..{hi}")
    return np.ascontiguousarray(arr, dtype=dtype)


def _read(path: Path) -> tuple[dict, np.ndarray, np.ndarray]:
    """(meta, steps, neurons) of a spike file written by ``Spikes.save``."""
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as z:
            return json.loads(str(z["meta"])), z["steps"], z["neurons"]
    import pyarrow.parquet as pq  # heavy: only for parquet files

    table = pq.read_table(path)
    raw = (table.schema.metadata or {}).get(b"neurocast")
    if raw is None:
        raise FormatError(f"'{path}' is a parquet file but not neurocast spikes")
    return json.loads(raw), table["step"].to_numpy(), table["neuron"].to_numpy()
