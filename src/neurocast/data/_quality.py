"""What is wrong with a recording's values: NaN gaps and dead or constant channels (private).

``scan_traces`` reads the traces once, in blocks of frames (bounded memory for lazy stores), and
returns a ``TraceScan``. A channel (neuron) is *constant* when its finite values span no more
than ``CONSTANT_ATOL`` (all-zero regions, saturated or dead neurons) or it has no finite value
at all. Such channels carry nothing to forecast and would dominate a ranking of models by how
well each predicts a flat line, so the benchmark leaves them out by default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CONSTANT_ATOL", "QUALITY_KEYS", "TraceScan", "TraceScanner", "scan_traces"]

#: A channel whose finite values span at most this (ΔF/F) is constant.
CONSTANT_ATOL = 1e-6
#: What ``TraceScan.summary`` gives: dead/constant channels, every NaN/inf and the frames holding
#: one, the neurons without any value (dead channels), the NaN of the others (gaps) and their
#: frames, and how many of all those NaN/inf values are ±inf.
QUALITY_KEYS = ("constant_neurons", "n_nan_values", "n_nan_frames", "empty_neurons", "n_gap_values",
                "n_gap_frames", "n_inf_values")
# Values read per block when scanning.
_BLOCK_VALUES = 1 << 24


@dataclass(frozen=True)
class TraceScan:
    """Result of ``scan_traces``.

    nan_per_frame: int64 (time,), NaN/inf values per frame.
    nan_per_neuron: int64 (neuron,), NaN/inf values per neuron.
    constant: bool (neuron,), True for dead/constant channels (see the module doc).
    n_inf: how many of the NaN/inf values are ±inf (ΔF/F divided by a zero baseline).
    The properties tell gaps from dead channels: ``empty`` neurons hold no value at all, and
    ``gap_frames``/``n_gaps`` count the NaN of the other neurons only.
    """

    nan_per_frame: np.ndarray
    nan_per_neuron: np.ndarray
    constant: np.ndarray
    n_inf: int

    @property
    def n_nan(self) -> int:
        return int(self.nan_per_neuron.sum())

    @property
    def bad_frames(self) -> np.ndarray:
        """bool (time,): True where any neuron is NaN/inf."""
        return self.nan_per_frame > 0

    @property
    def empty(self) -> np.ndarray:
        """bool (neuron,): neurons NaN/inf in every frame (dead channels)."""
        return self.nan_per_neuron == self.nan_per_frame.size

    @property
    def gap_frames(self) -> np.ndarray:
        """bool (time,): True where a neuron that is not ``empty`` is NaN/inf (a gap)."""
        return self.nan_per_frame > int(self.empty.sum())

    @property
    def n_gaps(self) -> int:
        """NaN/inf values of the neurons that are not ``empty``."""
        return self.n_nan - int(self.empty.sum()) * self.nan_per_frame.size

    def summary(self, names) -> dict:
        """What a store records of its values on writing and ``data info`` reports
        (``QUALITY_KEYS``): names: the neurons' names, (neuron,)."""
        names = np.asarray(names)
        return {"constant_neurons": names[self.constant].tolist(), "n_nan_values": self.n_nan,
                "n_nan_frames": int(self.bad_frames.sum()), "empty_neurons": names[self.empty].tolist(),
                "n_gap_values": self.n_gaps, "n_gap_frames": int(self.gap_frames.sum()),
                "n_inf_values": self.n_inf}

    def bad_frames_among(self, keep: np.ndarray, traces) -> np.ndarray:
        """bad_frames restricted to the neurons ``keep`` (bool (neuron,)); rescans ``traces``
        only if a neuron left out holds some NaN but is not empty."""
        dropped = ~keep & (self.nan_per_neuron > 0)
        if not dropped.any():
            return self.bad_frames
        if self.empty[dropped].all():  # each is NaN in every frame: one per frame to discount
            return self.nan_per_frame > int(dropped.sum())
        return scan_traces(traces, neurons=np.flatnonzero(keep)).bad_frames


class TraceScanner:
    """Accumulates a TraceScan block by block: ``add(block)`` with consecutive blocks of frames."""

    def __init__(self, n_neuron: int):
        self._frames: list[np.ndarray] = []
        self.nan = np.zeros(n_neuron, dtype=np.int64)
        self.inf = 0
        self.lo = np.full(n_neuron, np.inf)
        self.hi = np.full(n_neuron, -np.inf)

    def add(self, block) -> None:
        """block: (frames, neuron) values, the next frames of the recording."""
        block = np.asarray(block, dtype=np.float64)
        finite = np.isfinite(block)
        bad = ~finite
        self._frames.append(bad.sum(axis=1))
        self.nan += bad.sum(axis=0)
        self.inf += int(np.isinf(block[bad]).sum())  # among the few non-finite values only
        if block.size:
            self.lo = np.minimum(self.lo, np.where(finite, block, np.inf).min(axis=0))
            self.hi = np.maximum(self.hi, np.where(finite, block, -np.inf).max(axis=0))

    def result(self) -> TraceScan:
        frames = np.concatenate(self._frames) if self._frames else np.zeros(0, dtype=np.int64)
        return TraceScan(frames, self.nan.copy(), ~(self.hi - self.lo > CONSTANT_ATOL), self.inf)


def scan_traces(traces, *, neurons: np.ndarray | None = None) -> TraceScan:
    """Scan traces (time, neuron) (numpy or a lazy xarray variable) for NaN/inf (counting the
    ±inf among them) and constant channels.

    neurons: optional int indices; scan only these columns (the result then covers them only).
    Reads blocks of frames (bounded memory).
    """
    n_time = int(traces.shape[0])
    n_neuron = int(traces.shape[1]) if neurons is None else len(neurons)
    scanner = TraceScanner(n_neuron)
    step = max(1, _BLOCK_VALUES // max(1, n_neuron))
    for start in range(0, n_time, step):  # blocks of frames
        block = traces[start:start + step]
        scanner.add(block if neurons is None else np.asarray(block)[:, neurons])
    return scanner.result()
