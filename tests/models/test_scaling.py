"""Traces far from ΔF/F's scale (raw fluorescence, percent, tiny units) are fitted through one
global map, so a model's forecasts do not depend on the units the traces were written in."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.connectome import random_connectome
from neurocast.models import (
    ConnectomeLinearForecaster,
    LinearConfig,
    LinearForecaster,
    MeanForecaster,
    TraceScale,
)

RAW = (1000.0, 5000.0)  # raw fluorescence: counts on a baseline
OTHER = (1e-4, -1e-3)  # tiny units with an offset


def _units(x, how):
    return (x.astype(np.float64) * how[0] + how[1]).astype(np.float32)


def _noisy_sines(dd, t=400, n=12):
    x = dd.sines(t=t, n=n)
    return x + np.random.default_rng(2).normal(0, 0.05, x.shape).astype(np.float32)


def test_dff_scale_traces_are_used_as_they_are_others_are_standardised(dd):
    x = _noisy_sines(dd)
    proto = dd.protocol(len(x))
    assert TraceScale.of(dd.split(x, proto)[0]).identity  # sines of amplitude <= 1
    assert TraceScale.of(dd.split(x * 10, proto)[0]).identity  # s.d. up to 10: still ΔF/F-like
    assert not TraceScale.of(dd.split(x * 30, proto)[0]).identity
    train = dd.split(_units(x, RAW), proto)[0]
    s = TraceScale.of(train)
    frames = np.concatenate([seg.load() for seg in train]).astype(np.float64)
    assert s.offset == pytest.approx(frames.mean(), rel=1e-6)
    assert s.scale == pytest.approx(frames.std(), rel=1e-6)
    z = s.to_model(frames)
    assert abs(z.mean()) < 1e-5 and z.std() == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(s.to_data(z), frames, rtol=1e-6)
    assert TraceScale.of(dd.split(x + 3.0, proto)[0]).offset != 0.0  # an offset alone counts
    flat = np.full_like(x, 7.0)
    assert TraceScale.of(dd.split(flat, proto)[0]) == TraceScale(7.0, 1.0)


def test_a_large_recording_is_measured_on_a_sample_of_frames(monkeypatch, dd):
    import neurocast.models._scaling as scaling

    monkeypatch.setattr(scaling, "_SAMPLE_VALUES", 600)
    x = _units(_noisy_sines(dd), RAW)
    train = dd.split(x, dd.protocol(len(x)))[0]
    s = TraceScale.of(train)
    assert s.offset == pytest.approx(5000, abs=30) and s.scale == pytest.approx(500, rel=0.2)


def test_the_sample_of_a_large_recording_sees_every_phase_of_a_fast_pattern(monkeypatch, dd):
    """Every k-th frame of a pattern of period k sees one phase only (odd frames +300 read as a
    baseline of 5000 or 5300): runs of consecutive frames see both."""
    import neurocast.models._scaling as scaling

    monkeypatch.setattr(scaling, "_SAMPLE_VALUES", 12 * 80)
    x = np.full((400, 12), 5000.0, np.float32)
    x[1::2] += 300.0
    s = TraceScale.of(dd.split(x, dd.protocol(len(x)))[0])
    assert s.offset == pytest.approx(5150, abs=5) and s.scale == pytest.approx(150, rel=0.05)


def _same_up_to_units(a, b, how_a, how_b, atol):
    """Forecasts a (in units how_a) and b (in units how_b) agree once both are put in units of
    the sines."""
    np.testing.assert_allclose((a - how_a[1]) / how_a[0], (b - how_b[1]) / how_b[0], atol=atol)


@pytest.mark.parametrize("name", ["linear", "connectome-linear"])
def test_closed_form_fits_do_not_depend_on_the_units(name, dd):
    x = _noisy_sines(dd)
    stim = dd.stimulus_for(len(x))  # connectome-linear's penalty once mixed its energy with the traces'
    proto = dd.protocol(len(x), context=3)
    wiring = random_connectome(x.shape[1], 3, seed=0)

    def fitted(how):
        m = (LinearForecaster(4) if name == "linear"
             else ConnectomeLinearForecaster(4, connectome=wiring))
        return m.fit(*dd.split(_units(x, how), proto, stim))

    a, b = fitted(RAW), fitted(OTHER)
    seg = dd.split(x, proto, stim)[1][0]
    first, ctx, _ = next(seg.windows(seg.load(), 8))
    meta = seg.meta(first, ctx.shape[0])
    _same_up_to_units(a.predict(_units(ctx, RAW), meta), b.predict(_units(ctx, OTHER), meta),
                      RAW, OTHER, 1e-4)
    mse = {"linear": "val_mse", "connectome-linear": "val_mse_one_step"}[name]
    assert a.fitted[mse] / RAW[0] ** 2 == pytest.approx(b.fitted[mse] / OTHER[0] ** 2, rel=1e-3)


@pytest.mark.parametrize("name", ["linear-mae", "timemix", "population"])
def test_learned_models_train_as_well_on_raw_fluorescence_as_on_dff(name, dd):
    pytest.importorskip("torch")
    x = _noisy_sines(dd)
    proto = dd.protocol(len(x))
    on_dff = dd.model(name, max_steps=300).fit(*dd.split(x, proto))
    train, val = dd.split(_units(x, RAW), proto)
    on_raw = dd.model(name, max_steps=300).fit(train, val)
    assert on_raw.trace_scale.scale == pytest.approx(on_raw.fitted["trace_scale"]["scale"])
    err_dff = dd.train_mae(on_dff, dd.split(x, proto)[0]) * RAW[0]
    err_raw = dd.train_mae(on_raw, train)
    naive = dd.train_mae(MeanForecaster(horizon=4), train)
    # without the map, the raw traces' errors were tens of times the mean forecast's
    assert err_raw < 1.5 * err_dff and err_raw < 0.5 * naive, (err_raw, err_dff, naive)
    assert on_raw.fitted["best_val_mae"] == pytest.approx(
        on_dff.fitted["best_val_mae"] * RAW[0], rel=0.5)  # reported in the data's units


def test_a_saved_model_forecasts_in_the_units_it_was_fitted_in(tmp_path, dd):
    pytest.importorskip("torch")
    from neurocast.models.deep import load_model, save_model

    x = _units(_noisy_sines(dd, t=300), RAW)
    proto = dd.protocol(300)
    m = dd.model("linear-mae", max_steps=30).fit(*dd.split(x, proto))
    back = load_model(save_model(m, tmp_path / "m.pt"))
    ctx = x[None, 100:104]
    assert back.trace_scale == m.trace_scale and not m.trace_scale.identity
    np.testing.assert_array_equal(back.predict(ctx), m.predict(ctx))
    assert abs(float(back.predict(ctx).mean()) - 5000) < 1000


def test_hidden_neurons_are_zeros_in_the_model_units_too(dd):
    """Held-out neurons come as zeros in the context (bench.evaluate): for a model fitted
    through a map, they are zeros after it (the traces' mean), not −offset / scale."""
    pytest.importorskip("torch")
    from neurocast.data import WindowMeta

    x = _units(_noisy_sines(dd, t=300), RAW)
    m = dd.model("linear-mae", max_steps=30).fit(*dd.split(x, dd.protocol(300)))
    hidden = np.zeros(x.shape[1], bool)
    hidden[[2, 5]] = True
    ctx = x[None, 100:104].copy()
    ctx[:, :, hidden] = 0.0
    at_mean = x[None, 100:104].copy()
    at_mean[:, :, hidden] = m.trace_scale.offset
    meta = WindowMeta("c", np.zeros(1, np.int64), hidden=hidden)
    np.testing.assert_allclose(m.predict(ctx, meta), m.predict(at_mean), rtol=1e-6)
    assert not np.allclose(m.predict(ctx), m.predict(at_mean), rtol=1e-3)


class _Lazy:
    """A lazily indexed (time, neuron) source, as a store's traces: indexing reads nothing,
    ``np.asarray`` reads what was indexed; ``log`` counts the values read."""

    def __init__(self, a, log):
        self.a, self.log = a, log
        self.shape, self.ndim, self.dtype = a.shape, a.ndim, a.dtype

    def __getitem__(self, key):
        return _Lazy(self.a[key], self.log)  # a view of the numpy array: nothing read yet

    def __array__(self, dtype=None, copy=None):
        self.log.append(self.a.size)
        return np.asarray(self.a, dtype)


def test_mapped_segments_read_only_the_neuron_chunk_asked_for(dd):
    """linear streams over neuron chunks (Segment.load(neurons)): through the map, a chunk still
    reads that chunk's frames only, not every neuron's each time."""
    x = _noisy_sines(dd, n=40)
    proto = dd.protocol(len(x))
    read = {}
    for how in ((1.0, 0.0), RAW):  # ΔF/F (no map), raw fluorescence (through the map)
        log = []
        src = _Lazy(_units(x, how), log)
        m = LinearForecaster(4, LinearConfig(chunk_neurons=4))
        m.fit(*dd.split(src, proto))
        read[how] = sum(log)
    assert m.fitted["trace_scale"]["scale"] != 1.0
    assert read[RAW] == read[(1.0, 0.0)]
