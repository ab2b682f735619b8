"""Neuron selections written as text, and what a stimulation experiment made respond."""

from __future__ import annotations

import zlib

import numpy as np

from neurocast.errors import ConfigError, UnknownNameError
from neurocast.sim._network import random_pick, resolve_neurons

__all__ = ["response_summary", "select_neurons"]


def select_neurons(connectome, spec: str | None, *, seed: int = 0, what: str = "--stimulate",
                   exclude: np.ndarray | None = None) -> np.ndarray:
    """Positions (int64, sorted, unique) named by the text ``spec``: 'A,B,123' or 'random:K'.

    None (the option not given) selects no neuron; a blank text is refused. 'random:K' exactly
    (``random_pick``) draws K distinct neurons from a generator keyed on ``seed`` and the
    option ``what``: for '--stimulate' (without ``exclude``) exactly as
    ``simulate(..., stimulate="random:K", seed=seed)`` does; every other option draws
    independently of it, so '--stimulate random:20 --silence random:20' are two draws, not one.
    Any other text is comma-separated names or ids (names match first, then ids; a name holding
    a comma is given by its id). ``exclude``: positions random:K leaves out (the driven neurons
    for --silence, the silenced ones for a stimulate:each sweep's --of); names are not checked
    against it. ``what`` names the option.
    Raises ConfigError for bad syntax and UnknownNameError (with near matches) for unknown names.
    """
    if spec is None:
        return np.zeros(0, dtype=np.int64)
    spec = spec.strip()
    k = random_pick(connectome, spec, what)
    if k is None:
        names = [p.strip() for p in spec.split(",") if p.strip()]
        if not names:
            raise ConfigError(f"{what} {spec!r} names no neuron", f"e.g. {what} NAME1,NAME2 or random:20")
        return _resolve_names(connectome, names, what)
    pool = np.setdiff1d(np.arange(connectome.n_neurons), [] if exclude is None else exclude)
    if k > len(pool):
        raise ConfigError(f"{what} random:{k} asks for more neurons than the network has besides "
                          f"the {connectome.n_neurons - len(pool)} it must leave out ({len(pool)})",
                          f"use K <= {len(pool)}")
    if what == "--stimulate" and exclude is None:
        return resolve_neurons(connectome, spec, seed=seed)
    rng = np.random.default_rng([int(seed), zlib.crc32(what.encode())])
    return np.sort(rng.choice(pool, size=k, replace=False)).astype(np.int64)


def _resolve_names(connectome, names: list[str], what: str) -> np.ndarray:
    """``resolve_neurons`` of names split at commas; an unknown one that is part of a name
    holding a comma, or that looks like a random pick, gets a hint that can be typed."""
    try:
        return resolve_neurons(connectome, names)
    except UnknownNameError as exc:
        given = set(names)
        for name, nid in zip(connectome.names.astype(str).tolist(), connectome.ids.tolist(), strict=True):
            if "," in name and given & {p.strip() for p in name.split(",")}:
                raise UnknownNameError(f"{exc.message} ({what} splits names at commas)",
                                       f"give the neuron {name!r} by its id: {what} {nid}") from None
        if len(names) == 1 and names[0].lower().startswith("random"):
            raise UnknownNameError(exc.message, "a random pick is written random:K alone, in "
                                   f"lowercase, K a whole number: e.g. {what} random:20") from None
        raise
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
