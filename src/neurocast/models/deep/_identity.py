"""Which dataset a model was fitted on: neuron count and names, frame count, frame interval,
every trace value (hashed frame block by frame block), source and version."""

from __future__ import annotations

import hashlib

import numpy as np

from neurocast.errors import FormatError

__all__ = ["check_identity", "dataset_identity", "traces_sha1"]

# Dataset attributes that identify a recording (compared when both sides have them).
_ATTRS = ("source", "protocol", "seed", "version", "neurocast_version", "dt_s")

#: Bytes of traces read (and hashed) at once: a ZAPBench-size store is never loaded whole.
_BLOCK_BYTES = 16 * 2**20


def traces_sha1(traces) -> str:
    """SHA-1 hex of every value of ``traces`` (time, neuron), as little-endian float32 in frame
    order, read a block of frames at a time (whole zarr chunks of frames, about 16 MB, or one
    chunk if that is larger: 256 frames × 71,721 neurons are 73 MB): a lazily loaded store is
    never read whole, and no chunk is read twice. Every NaN hashes as the same NaN."""
    n_frames, n_neurons = int(traces.shape[0]), int(traces.shape[1])
    rows = max(1, _BLOCK_BYTES // max(1, 4 * n_neurons))
    chunk = _time_chunk(traces)
    if chunk:
        rows = max(chunk, rows - rows % chunk)  # whole chunks: none is decompressed twice
    h = hashlib.sha1()
    for lo in range(0, n_frames, rows):
        raw = traces[lo:lo + rows]
        raw = getattr(raw, "values", raw)
        block = np.ascontiguousarray(raw, dtype="<f4")
        nan = np.isnan(block)
        if nan.any():  # a copy: the caller's data is never written to
            block = np.where(nan, np.float32(np.nan), block).astype("<f4")
        del nan
        h.update(memoryview(block))
    return h.hexdigest()


def _time_chunk(traces) -> int:
    """The frames per zarr chunk of a lazily loaded ``traces`` (0: not known)."""
    enc = getattr(traces, "encoding", None) or {}
    chunks = enc.get("chunks") or enc.get("preferred_chunks", {}).get("time")
    if isinstance(chunks, (tuple, list)) and chunks:
        chunks = chunks[0]
    return int(chunks) if isinstance(chunks, (int, np.integer)) and chunks > 0 else 0


def dataset_identity(data) -> dict:
    """A JSON-ready fingerprint of a dataset (xarray Dataset) or its traces (array-like).

    Always n_neurons; neuron_sha1 (of the neuron names in order) when the data carry a
    ``neuron`` coordinate; for an xarray Dataset also n_frames, the identifying attrs (source,
    protocol, seed, version, dt_s) and traces_sha1, a hash of every trace value
    (``traces_sha1``: read block by block, NaN hashed alike). Keys missing on one side (a model
    saved before a key existed) are not compared; a model saved before traces_sha1 existed holds
    frames_sha1 (a hash of the first, middle and last frames), compared as it was then.
    """
    traces = data["traces"] if hasattr(data, "data_vars") else data
    ident: dict = {"n_neurons": int(traces.shape[1])}
    coords = getattr(traces, "coords", None)
    if coords is not None and "neuron" in coords:
        names = "\n".join(np.asarray(coords["neuron"].values).astype(str))
        ident["neuron_sha1"] = hashlib.sha1(names.encode()).hexdigest()
    if hasattr(data, "data_vars"):
        ident["n_frames"] = int(traces.shape[0])
        ident["traces_sha1"] = traces_sha1(traces)
        for key in _ATTRS:
            if key in data.attrs:
                value = data.attrs[key]
                ident[key] = value.item() if isinstance(value, np.generic) else value
    return ident


def _frames_sha1(traces) -> str:
    """The hash of three frames (first, middle, last) that models saved before traces_sha1 hold."""
    n = int(traces.shape[0])
    picked = np.asarray(traces[[0, n // 2, n - 1]].values, dtype=np.float32)
    return hashlib.sha1(np.ascontiguousarray(picked).tobytes()).hexdigest()


#: What a differing hash of the identity means, in words (its values say nothing to a reader).
_HASHED = {"neuron_sha1": "other neuron names or order", "traces_sha1": "other trace values",
           "frames_sha1": "other trace values"}


def check_identity(saved: dict, data, *, what: str, identity: dict | None = None) -> None:
    """Raise FormatError if ``data`` differs from the ``saved`` identity in any shared key.
    identity: ``dataset_identity(data)`` when the caller computed it already (else computed)."""
    now = dict(dataset_identity(data) if identity is None else identity)
    if "frames_sha1" in saved and "traces_sha1" not in saved and "n_frames" in now:
        now["frames_sha1"] = _frames_sha1(data["traces"])  # saved before every value was hashed
    diffs = [f"{_HASHED[k]} ({k})" if k in _HASHED else f"{k}: {saved[k]!r} (fitted) vs {now[k]!r} (given)"
             for k in saved if k in now and saved[k] != now[k]]
    if diffs:
        raise FormatError(f"{what} was fitted on another dataset: " + "; ".join(diffs),
                          "load it with the dataset it was fitted on, or fit the model again")
