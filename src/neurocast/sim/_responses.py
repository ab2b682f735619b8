"""Neuron selections written as text, and what a stimulation experiment made respond."""

from __future__ import annotations

import zlib

import numpy as np

from neurocast.errors import ConfigError
from neurocast.sim._network import resolve_neurons

__all__ = ["response_summary", "select_neurons"]


def select_neurons(connectome, spec: str, *, seed: int = 0, what: str = "--stimulate",
                   driven: np.ndarray | None = None) -> np.ndarray:
    """Positions (int64, sorted, unique) named by the text ``spec``: 'A,B,123' or 'random:K'.

    Names match first, then ids. random:K draws K distinct neurons from a generator keyed on
    ``seed`` and the option ``what``: for '--stimulate' (without ``driven``) exactly as
    ``simulate(..., stimulate="random:K", seed=seed)`` does; every other option draws
    independently of it, so '--stimulate random:20 --silence random:20' are two draws, not one.
    ``driven``: positions of the driven neurons, which random:K leaves out (for --silence);
    names are not checked against it. ``what`` names the option in messages.
    Raises ConfigError for bad syntax and UnknownNameError (with near matches) for unknown names.
    """
    spec = spec.strip()
    if not spec:
        return np.zeros(0, dtype=np.int64)
    if spec.lower().startswith("random"):
        head, _, k = spec.partition(":")
        if head.lower() != "random" or not k.strip().isdigit() or int(k) < 1:
            raise ConfigError(f"{what} {spec!r}: expected random:K with K a positive integer",
                              f"e.g. {what} random:20")
        pool = np.setdiff1d(np.arange(connectome.n_neurons), [] if driven is None else driven)
        if int(k) > len(pool):
            besides = " besides the driven ones" if len(pool) < connectome.n_neurons else ""
            raise ConfigError(f"{what} random:{int(k)} asks for more neurons than the network has"
                              f"{besides} ({len(pool)})", f"use K <= {len(pool)}")
        if what == "--stimulate" and driven is None:
            return resolve_neurons(connectome, f"random:{int(k)}", seed=seed)
        rng = np.random.default_rng([int(seed), zlib.crc32(what.encode())])
        return np.sort(rng.choice(pool, size=int(k), replace=False)).astype(np.int64)
    names = [p.strip() for p in spec.split(",") if p.strip()]
    if not names:
        raise ConfigError(f"{what} {spec!r} names no neuron", f"e.g. {what} NAME1,NAME2 or random:20")
    return resolve_neurons(connectome, names)


def response_summary(counts: np.ndarray, duration_s: float, connectome, driven: np.ndarray, *,
                     silenced: np.ndarray = (), top: int = 10) -> dict:
    """Which neurons responded to a drive, over one or several trials.

    counts: int (trial, neuron) spikes of each neuron in each trial of ``duration_s`` seconds.
    driven: positions of the driven neurons (they are not counted as responding).
    silenced: positions of the silenced neurons. Silencing cuts a neuron's outgoing synapses
    only, so it still fires on its input and may respond; its entry says so.
    Returns n_spikes, n_active_neurons, n_responding_neurons, mean_rate_responding_hz and
    top_responding (the ``top`` responding neurons by mean rate: name, rate_hz, silenced).
    """
    counts = np.asarray(counts)
    rates = counts.sum(axis=0) / (len(counts) * duration_s)              # mean Hz per neuron
    active = counts.sum(axis=0) > 0
    is_driven = np.zeros(connectome.n_neurons, dtype=bool)
    is_driven[np.asarray(driven, dtype=np.int64)] = True
    responding = np.flatnonzero(active & ~is_driven)
    best = responding[np.argsort(-rates[responding], kind="stable")][:top]
    names = connectome.names
    is_silenced = np.zeros(connectome.n_neurons, dtype=bool)
    is_silenced[np.asarray(silenced, dtype=np.int64)] = True
    return {
        "n_spikes": int(counts.sum()),
        "n_active_neurons": int(active.sum()),
        "n_responding_neurons": len(responding),
        "mean_rate_responding_hz": round(float(rates[responding].mean()), 3) if len(responding) else 0.0,
        "top_responding": [{"name": str(names[i]), "rate_hz": round(float(rates[i]), 3),
                            "silenced": bool(is_silenced[i])} for i in best],
    }
