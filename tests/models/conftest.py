"""Fixtures of the model tests: tiny, exactly predictable recordings for the learned forecasters."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest


def sines(t: int = 400, n: int = 12, period: float = 16.0, seed: int = 0) -> np.ndarray:
    """(t, n) float32 sinusoids with one period and random phases/amplitudes: any C >= 2
    frames determine every future frame linearly (x[t+1] = 2 cos ω x[t] − x[t−1])."""
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, n)
    amp = rng.uniform(0.5, 1.0, n)
    tt = np.arange(t)[:, None]
    return (amp * np.sin(2 * np.pi * tt / period + phase)).astype(np.float32)


def stimulus_for(t: int, period: float = 16.0) -> np.ndarray:
    """(t, 2) covariates: the sines' phase as cos and sin (what TiDE reads for the future)."""
    tt = np.arange(t)[:, None]
    return np.hstack([np.cos(2 * np.pi * tt / period), np.sin(2 * np.pi * tt / period)]).astype(np.float32)


def as_traces(x: np.ndarray, names=None):
    """A DataArray (time, neuron) with neuron names, like a dataset's traces."""
    import xarray as xr

    names = names if names is not None else [f"n{i}" for i in range(x.shape[1])]
    return xr.DataArray(x, dims=("time", "neuron"), coords={"neuron": names})


def protocol(t: int, context: int = 4, horizon: int = 4):
    from neurocast.data.protocol import get_protocol

    return get_protocol("single", frames=t, context=context, horizon=horizon)


def split(x, proto, stimulus=None):
    """(train segments, val segments) of ``x`` under ``proto``."""
    from neurocast.data import segments_for

    return (segments_for(x, proto, "train", stimulus=stimulus),
            segments_for(x, proto, "val", stimulus=stimulus))


def model(name: str, horizon: int = 4, arch: dict | None = None, **train):
    """A learned forecaster with test-friendly training settings (``train`` overrides them;
    ``arch`` overrides fields of the model's own config)."""
    from neurocast.models import get_model

    m = get_model(name, horizon=horizon)
    settings = {"learning_rate": 1e-2, "val_every": 50, "patience": 1000, "max_steps": 400,
                "device": "cpu", **train}
    return type(m)(horizon=horizon, cfg=dataclasses.replace(
        m.cfg, train=dataclasses.replace(m.cfg.train, **settings), **(arch or {})))


def train_mae(m, segments) -> float:
    """MAE of the model's forecasts over every window of ``segments``."""
    errs = []
    for seg in segments:
        data = seg.load()
        for first, ctx, tgt in seg.windows(data, 64):
            pred = m.predict(np.ascontiguousarray(ctx), seg.meta(first, ctx.shape[0]))
            errs.append(np.abs(pred - tgt).mean())
    return float(np.mean(errs))


@pytest.fixture
def dd():
    """Helpers for the learned-forecaster tests (see this module)."""
    return SimpleNamespace(sines=sines, stimulus_for=stimulus_for, as_traces=as_traces,
                           protocol=protocol, split=split, model=model, train_mae=train_mae)
