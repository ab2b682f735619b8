"""Spike files written chunk by chunk while a simulation runs (bounded memory).

``SpikeFileWriter`` appends the chunks of ``simulate_chunks`` to a ``.parquet`` file (one row
group per chunk) or an ``.npz`` file (the columns stream to temporary files, then into the zip),
in the format of ``Spikes.save``, so ``Spikes.load`` reads it back. The file appears under its
name only when the writer closes without error (atomic); after a failure or interruption the
previous file, if any, is untouched and no partial file remains.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np

from neurocast._files import atomic_path, json_default, partial_path
from neurocast.errors import NeurocastError
from neurocast.sim._simulate import simulate_chunks
from neurocast.spikes import _FORMAT, _VERSION, Spikes

__all__ = ["CHUNK_MS", "SpikeFileWriter", "simulate_to_file"]

CHUNK_MS = 1000.0  # simulated time per chunk of simulate_to_file (ms)
_COPY_BYTES = 1 << 24  # copy 16 MB at a time from the column files into the zip


class SpikeFileWriter:
    """Append Spikes chunks (steps counted from each chunk's ``attrs["start_step"]``) to a file.

    path: ``.parquet`` or ``.npz``. duration_ms: the whole run's duration (ms). Use as a context
    manager; ``write(chunk)`` for each chunk in time order, then leave the block: the file is
    finished with the attrs of the first chunk (without start_step/start_ms) and ``extra_attrs``,
    only if the chunks covered ``duration_ms`` (else NeurocastError and no file).
    counts: int64 (N,) spikes per neuron so far (the summary a caller needs without the spikes).
    Raises NeurocastError for another suffix or a missing folder, WriteError if the disk refuses.
    """

    def __init__(self, path: str | os.PathLike, duration_ms: float, extra_attrs: dict | None = None):
        self.path = Path(path)
        if self.path.suffix not in (".parquet", ".npz"):
            raise NeurocastError(f"spike files end in .npz or .parquet, not '{self.path.suffix}'",
                                 f"e.g. {self.path.with_suffix('.parquet')}")
        self.extra_attrs = dict(extra_attrs or {})
        self.counts: np.ndarray | None = None
        self.n_spikes = 0
        self._meta: dict | None = None
        self.duration_ms = float(duration_ms)
        self._end_ms = 0.0

    def __enter__(self) -> SpikeFileWriter:
        self._atomic = atomic_path(self.path)
        self._tmp = self._atomic.__enter__()
        try:
            # named after the output and this process: if the process is killed outright, the
            # next write of the output removes it (``clean_stale``)
            self._dir = partial_path(self.path)
            self._dir.mkdir()
        except OSError as exc:  # atomic_path's clean-up raises WriteError naming the output
            self._atomic.__exit__(type(exc), exc, exc.__traceback__)
            raise
        self._pq = None
        self._cols = None
        if self.path.suffix == ".npz":
            self._cols = [open(self._dir / "steps.bin", "wb"), open(self._dir / "neurons.bin", "wb")]
        return self

    def write(self, chunk: Spikes) -> None:
        """Append one chunk (its steps are shifted by ``attrs["start_step"]``)."""
        start = int(chunk.attrs.get("start_step", 0))
        steps = chunk.steps + start
        if self._meta is None:
            attrs = {k: v for k, v in chunk.attrs.items() if k not in ("start_step", "start_ms")}
            self._meta = {"format": _FORMAT, "version": _VERSION, "n_neurons": chunk.n_neurons,
                          "dt_ms": chunk.dt_ms, "duration_ms": self.duration_ms,
                          "attrs": {**attrs, **self.extra_attrs}}
            self.counts = np.zeros(chunk.n_neurons, np.int64)
        self._end_ms = start * chunk.dt_ms + chunk.duration_ms
        self.counts += np.bincount(chunk.neurons, minlength=chunk.n_neurons)
        self.n_spikes += len(steps)
        if self._cols is not None:
            self._cols[0].write(np.ascontiguousarray(steps, np.int64).tobytes())
            self._cols[1].write(np.ascontiguousarray(chunk.neurons, np.int32).tobytes())
            return
        import pyarrow as pa  # optional dependency of parquet output
        import pyarrow.parquet as pq

        table = pa.table({"step": steps, "time_ms": steps * chunk.dt_ms, "neuron": chunk.neurons})
        if self._pq is None:
            text = json.dumps(self._meta, default=json_default)
            self._schema = table.schema.with_metadata({"neurocast": text})
            self._pq = pq.ParquetWriter(self._tmp, self._schema)
        self._pq.write_table(table.cast(self._schema))

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if exc_type is None:
                self._finish()
        except BaseException as err:
            self._close_files()
            shutil.rmtree(self._dir, ignore_errors=True)
            self._atomic.__exit__(type(err), err, err.__traceback__)
            raise
        self._close_files()
        shutil.rmtree(self._dir, ignore_errors=True)
        return bool(self._atomic.__exit__(exc_type, exc, tb))

    def _close_files(self) -> None:
        for fh in self._cols or ():
            if not fh.closed:
                fh.close()
        if self._pq is not None:
            self._pq.close()
            self._pq = None

    def _finish(self) -> None:
        if self._meta is None:
            raise NeurocastError("no spikes chunk was written", "call write() at least once")
        if abs(self._end_ms - self.duration_ms) > 1e-6 * max(1.0, self.duration_ms):
            raise NeurocastError(f"the chunks cover {self._end_ms} ms, not the run's {self.duration_ms} ms",
                                 "write every chunk of the run")
        if self._cols is None:
            self._pq.close()
            self._pq = None
            return
        text = json.dumps(self._meta, default=json_default)
        for fh in self._cols:
            fh.close()
        n = self.n_spikes
        with zipfile.ZipFile(self._tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            for name, dtype in (("steps", np.int64), ("neurons", np.int32)):
                with zf.open(f"{name}.npy", "w", force_zip64=True) as dst, \
                        open(self._dir / f"{name}.bin", "rb") as src:
                    np.lib.format.write_array_header_1_0(
                        dst, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                              "fortran_order": False, "shape": (n,)})
                    shutil.copyfileobj(src, dst, _COPY_BYTES)
            with zf.open("meta.npy", "w") as dst:
                np.lib.format.write_array(dst, np.array(text), allow_pickle=False)


def simulate_to_file(net, duration_ms: float, path: str | os.PathLike, *, chunk_ms: float = CHUNK_MS,
                     extra_attrs: dict | None = None, **simulate_kwargs) -> np.ndarray:
    """Simulate like ``simulate`` and write the spikes to ``path`` (.parquet or .npz) as they come.

    Memory holds one chunk of ``chunk_ms`` (default 1 s simulated) instead of the whole run;
    the file is the one ``simulate(...).save(path)`` would write (``dense_fraction`` in its
    attrs is that of the last chunk) and appears only when the run completes. The run is
    checked first (``estimate``): ResourceError if even streamed it cannot fit or finish.
    extra_attrs: added to the file's attrs. simulate_kwargs: as for ``simulate``.
    Returns int64 (N,) the number of spikes of each neuron.
    """

    chunks = simulate_chunks(net, duration_ms, min(float(chunk_ms), float(duration_ms)),
                             **simulate_kwargs)
    with SpikeFileWriter(path, duration_ms, extra_attrs) as writer:
        for chunk in chunks:
            writer.write(chunk)
    return writer.counts
