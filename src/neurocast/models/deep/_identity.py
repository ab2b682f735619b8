"""Which dataset a model was fitted on: neuron count and names, frame count, frame interval,
three sampled frames, source and version."""

from __future__ import annotations

import hashlib

import numpy as np

from neurocast.errors import FormatError

__all__ = ["check_identity", "dataset_identity"]

# Dataset attributes that identify a recording (compared when both sides have them).
_ATTRS = ("source", "protocol", "seed", "version", "neurocast_version", "dt_s")


def dataset_identity(data) -> dict:
    """A JSON-ready fingerprint of a dataset (xarray Dataset) or its traces (array-like).

    Always n_neurons; neuron_sha1 (of the neuron names in order) when the data carry a
    ``neuron`` coordinate; for an xarray Dataset also n_frames, the identifying attrs (source,
    protocol, seed, version, dt_s) and frames_sha1, a hash of three frames (the first, the
    middle and the last: two recordings of the same shape and names differ there, and a
    ZAPBench-size store is not read whole for it). Keys missing on one side (a model saved
    before a key existed) are not compared.
    """
    traces = data["traces"] if hasattr(data, "data_vars") else data
    ident: dict = {"n_neurons": int(traces.shape[1])}
    coords = getattr(traces, "coords", None)
    if coords is not None and "neuron" in coords:
        names = "\n".join(np.asarray(coords["neuron"].values).astype(str))
        ident["neuron_sha1"] = hashlib.sha1(names.encode()).hexdigest()
    if hasattr(data, "data_vars"):
        ident["n_frames"] = int(traces.shape[0])
        n = int(traces.shape[0])
        picked = np.asarray(traces[[0, n // 2, n - 1]].values, dtype=np.float32)
        ident["frames_sha1"] = hashlib.sha1(np.ascontiguousarray(picked).tobytes()).hexdigest()
        for key in _ATTRS:
            if key in data.attrs:
                value = data.attrs[key]
                ident[key] = value.item() if isinstance(value, np.generic) else value
    return ident


#: What a differing hash of the identity means, in words (its values say nothing to a reader).
_HASHED = {"neuron_sha1": "other neuron names or order", "frames_sha1": "other trace values"}


def check_identity(saved: dict, data, *, what: str) -> None:
    """Raise FormatError if ``data`` differs from the ``saved`` identity in any shared key."""
    now = dataset_identity(data)
    diffs = [f"{_HASHED[k]} ({k})" if k in _HASHED else f"{k}: {saved[k]!r} (fitted) vs {now[k]!r} (given)"
             for k in saved if k in now and saved[k] != now[k]]
    if diffs:
        raise FormatError(f"{what} was fitted on another dataset: " + "; ".join(diffs),
                          "load it with the dataset it was fitted on, or fit the model again")
