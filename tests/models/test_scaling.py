"""Traces far from ΔF/F's scale (raw fluorescence, percent, tiny units) are fitted through a
per-neuron map, so a model's forecasts do not depend on the units, or the baselines, of the
traces."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.connectome import random_connectome
from neurocast.models import (
    ConnectomeLinearForecaster,
    LinearConfig,
    LinearForecaster,
    NaiveForecaster,
    TraceScale,
)

RAW = (1000.0, 5000.0)  # raw fluorescence: counts on a baseline
OTHER = (1e-4, -1e-3)  # tiny units with an offset


def _units(x, how):
    return (x.astype(np.float64) * how[0] + how[1]).astype(np.float32)


def _baselines(x, seed=3):
    """Raw fluorescence with each neuron's own baseline and gain, F = f0 (1 + x) (per neuron:
    the affine map (f0, f0)); returns (F, f0)."""
    f0 = np.random.default_rng(seed).uniform(200.0, 3000.0, x.shape[1])
    return (f0 * (1.0 + x.astype(np.float64))).astype(np.float32), f0


def _noisy_sines(dd, t=400, n=12):
    x = dd.sines(t=t, n=n)
    return x + np.random.default_rng(2).normal(0, 0.05, x.shape).astype(np.float32)


def test_dff_scale_traces_are_used_as_they_are_others_are_standardised_per_neuron(dd):
    x = _noisy_sines(dd)
    proto = dd.protocol(len(x))
    assert TraceScale.of(dd.split(x, proto)[0]).identity  # sines of amplitude <= 1
    assert TraceScale.of(dd.split(x * 10, proto)[0]).identity  # s.d. up to 10: still ΔF/F-like
    assert not TraceScale.of(dd.split(x * 30, proto)[0]).identity
    raw, _ = _baselines(x)
    train = dd.split(raw, proto)[0]
    s = TraceScale.of(train)
    frames = np.concatenate([seg.load() for seg in train]).astype(np.float64)
    np.testing.assert_allclose(s.offset, frames.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(s.scale, frames.std(axis=0), rtol=1e-6)
    z = s.to_model(frames)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(z.std(axis=0), 1, rtol=1e-4)
    np.testing.assert_allclose(s.to_data(z), frames, rtol=1e-4)  # z is float32
    assert not TraceScale.of(dd.split(x + 3.0, proto)[0]).identity  # an offset alone counts
    flat = np.full_like(x, 7.0)
    flat[:, 1] += x[:, 1]  # one live neuron among flat ones
    flat[:, 2] += 1e-3 * x[:, 2]  # a nearly flat one: not blown up to s.d. 1
    s = TraceScale.of(dd.split(flat, proto)[0])
    sd = np.concatenate([seg.load() for seg in dd.split(flat, proto)[0]]).std(axis=0)
    typical = np.median(sd[sd > 0])
    assert sd[2] < 0.01 * typical and s.scale[2] == pytest.approx(0.01 * typical, rel=1e-5)
    # constant in the train frames: a typical neuron's s.d., so that a change later (a ROI lost
    # while the model was fitted) is not a jump of a hundred s.d. in the model's units
    assert s.offset[0] == 7.0 and s.scale[0] == pytest.approx(typical, rel=1e-5)
    z = s.to_model(np.full((1, x.shape[1]), 7.0) + np.eye(1, x.shape[1]))
    assert z[0, 0] == pytest.approx(1 / typical, rel=1e-5)


def test_a_small_recording_is_measured_on_every_frame(dd):
    """15 train frames (not a multiple of the sample's 8 runs) are all read, not 8 of them."""
    x = _units(_noisy_sines(dd, t=21, n=2), RAW)
    train = dd.split(x, dd.protocol(21, context=2, horizon=1))[0]
    assert sum(seg.n_frames for seg in train) % 8
    frames = np.concatenate([seg.load() for seg in train]).astype(np.float64)
    s = TraceScale.of(train)
    np.testing.assert_allclose(s.offset, frames.mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(s.scale, frames.std(axis=0), rtol=1e-9)


def test_a_large_recording_is_measured_on_a_sample_of_frames(monkeypatch, dd):
    import neurocast.models._scaling as scaling

    monkeypatch.setattr(scaling, "_SAMPLE_VALUES", 12 * 160)
    x = _units(_noisy_sines(dd), RAW)
    train = dd.split(x, dd.protocol(len(x)))[0]
    s = TraceScale.of(train)
    full = np.concatenate([seg.load() for seg in train])
    np.testing.assert_allclose(s.offset, full.mean(axis=0), rtol=0.05)
    np.testing.assert_allclose(s.scale, full.std(axis=0), rtol=0.25)


def test_the_sample_of_a_large_recording_sees_every_phase_of_a_fast_pattern(monkeypatch, dd):
    """Every k-th frame of a pattern of period k sees one phase only (odd frames +300 read as a
    baseline of 5000 or 5300): runs of consecutive frames see both."""
    import neurocast.models._scaling as scaling

    monkeypatch.setattr(scaling, "_SAMPLE_VALUES", 12 * 80)
    x = np.full((400, 12), 5000.0, np.float32)
    x[1::2] += 300.0
    s = TraceScale.of(dd.split(x, dd.protocol(len(x)))[0])
    np.testing.assert_allclose(s.offset, 5150, atol=5)
    np.testing.assert_allclose(s.scale, 150, rtol=0.05)


def _same_up_to_units(a, b, how_a, how_b, atol):
    """Forecasts a (in units how_a) and b (in units how_b) agree once both are put in units of
    the sines (how: (gain, offset), scalars or per neuron)."""
    np.testing.assert_allclose((a - how_a[1]) / how_a[0], (b - how_b[1]) / how_b[0], atol=atol)


@pytest.mark.parametrize("name", ["linear", "connectome-linear"])
def test_closed_form_fits_do_not_depend_on_the_units_or_the_baselines(name, dd):
    x = _noisy_sines(dd)
    stim = dd.stimulus_for(len(x))  # connectome-linear's penalty once mixed its energy with the traces'
    proto = dd.protocol(len(x), context=3)
    wiring = random_connectome(x.shape[1], 3, seed=0)
    _, f0 = _baselines(x)
    per_neuron = (f0, f0)  # F = f0 + f0 x

    def fitted(how):  # how: RAW, OTHER or per_neuron
        m = (LinearForecaster(4) if name == "linear"
             else ConnectomeLinearForecaster(4, connectome=wiring))
        return m.fit(*dd.split(_units(x, how), proto, stim))

    seg = dd.split(x, proto, stim)[1][0]
    first, ctx, _ = next(seg.windows(seg.load(), 8))
    meta = seg.meta(first, ctx.shape[0])
    raw, other, own = (fitted(how).predict(_units(ctx, how), meta) for how in (RAW, OTHER, per_neuron))
    _same_up_to_units(raw, other, RAW, OTHER, 1e-4)
    _same_up_to_units(raw, own, RAW, per_neuron, 1e-4)


@pytest.mark.parametrize("name", ["linear-mae", "timemix", "population"])
def test_learned_models_train_as_well_on_raw_fluorescence_as_on_dff(name, dd):
    """Raw F with each neuron on its own baseline: errors relative to naive's as on ΔF/F (with
    no map the learned models lost up to 16 % against their ΔF/F scores on worm-default)."""
    pytest.importorskip("torch")
    x = _noisy_sines(dd)
    proto = dd.protocol(len(x))
    raw, _ = _baselines(x)
    ratio = {}
    for label, data in (("dff", x), ("raw", raw)):
        train, val = dd.split(data, proto)
        m = dd.model(name, max_steps=300).fit(train, val)
        ratio[label] = dd.train_mae(m, train) / dd.train_mae(NaiveForecaster(horizon=4), train)
        assert m.trace_scale.identity == (label == "dff")
        assert m.fitted["trace_map"].startswith("identity" if label == "dff" else "per-neuron")
    assert ratio["raw"] < 1.5 * ratio["dff"] + 0.02 and ratio["raw"] < 0.5, ratio


def test_a_saved_model_forecasts_in_the_units_it_was_fitted_in(tmp_path, dd):
    pytest.importorskip("torch")
    from neurocast.models.deep import load_model, save_model

    x, f0 = _baselines(_noisy_sines(dd, t=300))
    m = dd.model("linear-mae", max_steps=30).fit(*dd.split(x, dd.protocol(300)))
    back = load_model(save_model(m, tmp_path / "m.pt"))
    ctx = x[None, 100:104]
    assert back.trace_scale == m.trace_scale and not m.trace_scale.identity
    np.testing.assert_array_equal(back.predict(ctx), m.predict(ctx))
    np.testing.assert_allclose(back.predict(ctx).mean(axis=(0, 1)), f0, rtol=0.5)


@pytest.mark.parametrize("name", ["linear", "linear-mae"])
def test_hidden_neurons_are_zeros_in_the_model_units_too(name, dd):
    """Held-out neurons come as zeros in the context (bench.evaluate): for a model fitted
    through a map, they are zeros after it (the neuron's mean), not −offset / scale."""
    from neurocast.data import WindowMeta

    if name != "linear":
        pytest.importorskip("torch")
    x, _ = _baselines(_noisy_sines(dd, t=300))
    split = dd.split(x, dd.protocol(300))
    m = LinearForecaster(4).fit(*split) if name == "linear" else \
        dd.model(name, max_steps=30).fit(*split)
    hidden = np.zeros(x.shape[1], bool)
    hidden[[2, 5]] = True
    ctx = x[None, 100:104].copy()
    ctx[:, :, hidden] = 0.0
    at_mean = x[None, 100:104].copy()
    at_mean[:, :, hidden] = m.trace_scale.offset[hidden]
    meta = WindowMeta("c", np.zeros(1, np.int64), hidden=hidden)
    np.testing.assert_allclose(m.predict(ctx, meta), m.predict(at_mean), rtol=1e-5)
    assert not np.allclose(m.predict(ctx), m.predict(at_mean), rtol=1e-3)


@pytest.mark.parametrize("name", ["linear", "connectome-linear", "linear-mae"])
def test_a_context_of_other_neurons_than_fitted_through_a_map_is_refused_clearly(name, dd):
    """linear forecasts any number of neurons on ΔF/F; through a per-neuron map only those it
    was fitted on (once, a numpy broadcasting error)."""
    from neurocast.errors import FormatError

    x, _ = _baselines(_noisy_sines(dd, t=300))
    split = dd.split(x, dd.protocol(300))
    if name == "linear":
        m = LinearForecaster(4).fit(*split)
        assert LinearForecaster(4).fit(*dd.split(x / x.mean(axis=0) - 1, dd.protocol(300))
                                       ).predict(x[None, 100:104, :5]).shape == (1, 4, 5)
    elif name == "connectome-linear":
        m = ConnectomeLinearForecaster(4, connectome=random_connectome(x.shape[1], 3, seed=0))
        m.fit(*split)
    else:
        pytest.importorskip("torch")
        m = dd.model(name, max_steps=5).fit(*split)
    assert not m.trace_scale.identity
    with pytest.raises(FormatError, match=r"\b12\b.*\b5\b"):
        m.predict(x[None, 100:104, :5])


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
    reads that chunk's frames only, not every neuron's each time, and is mapped with its own
    neurons' offsets and scales."""
    x = _noisy_sines(dd, n=40)
    proto = dd.protocol(len(x))
    raw, _ = _baselines(x)
    read, forecasts = {}, {}
    for label, data in (("dff", x), ("raw", raw)):  # no map, a map
        for chunk in (4, 40):
            log = []
            m = LinearForecaster(4, LinearConfig(chunk_neurons=chunk))
            m.fit(*dd.split(_Lazy(data, log), proto))
            read[label, chunk] = sum(log)
            forecasts[label, chunk] = m.predict(data[None, 100:104])
    assert read["raw", 4] == read["dff", 4]
    np.testing.assert_allclose(forecasts["raw", 4], forecasts["raw", 40], rtol=1e-5)
