"""Baseline forecasters: outputs, fitting in closed form, streaming, registry."""

from __future__ import annotations

import numpy as np
import pytest

from neurocast.data import get_protocol, segments_for
from neurocast.errors import ConfigError, FormatError, UnknownNameError
from neurocast.models import (
    MODELS,
    LinearConfig,
    LinearForecaster,
    MeanForecaster,
    NaiveForecaster,
    StimulusForecaster,
    VarConfig,
    VarForecaster,
    get_model,
    parse_model_names,
)
from neurocast.models._baselines import stimulus_period
from neurocast.models._linear import lagged_moments


def _ar2(t=600, n=40, a=1.2, b=-0.4, seed=0):
    """Every neuron follows x[t] = a x[t-1] + b x[t-2] + noise (shared coefficients)."""
    rng = np.random.default_rng(seed)
    x = np.zeros((t, n))
    e = rng.standard_normal((t, n))
    for i in range(2, t):  # test data generator, not library code
        x[i] = a * x[i - 1] + b * x[i - 2] + e[i]
    return x.astype(np.float32)


def _split(x, proto):
    return segments_for(x, proto, "train"), segments_for(x, proto, "val")


def test_naive_and_mean():
    ctx = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    np.testing.assert_array_equal(NaiveForecaster(horizon=5).predict(ctx), np.repeat(ctx[:, -1:], 5, axis=1))
    np.testing.assert_allclose(MeanForecaster(horizon=5).predict(ctx),
                               np.repeat(ctx.mean(axis=1, keepdims=True), 5, axis=1))
    with pytest.raises(FormatError, match="batch, time, neuron"):
        MeanForecaster().predict(np.zeros((4, 3), np.float32))


def test_lagged_moments_equal_an_explicit_design_matrix():
    x = np.random.default_rng(1).standard_normal((120, 9)).astype(np.float32)
    proto = get_protocol("single", frames=120, context=3, horizon=2)
    seg = segments_for(x, proto, "train")[0]
    m_mat, m_vec, count = lagged_moments(seg, chunk_neurons=4)  # neuron chunks of 4
    data = x[seg.start:seg.stop].astype(np.float64)
    rows = np.stack([data[i:i + 5, n] for i in range(seg.n_windows) for n in range(9)])  # (W*N, L)
    np.testing.assert_allclose(m_mat, rows.T @ rows, rtol=1e-10)
    np.testing.assert_allclose(m_vec, rows.sum(axis=0), rtol=1e-10)
    assert count == rows.shape[0]


def test_linear_recovers_ar_coefficients_and_streams_over_neuron_chunks():
    x = _ar2()
    proto = get_protocol("single", frames=len(x), context=2, horizon=1)
    train, val = _split(x, proto)
    fit = LinearForecaster(horizon=1).fit(train, val)
    np.testing.assert_allclose(fit.weights[:, 0], [-0.4, 1.2], atol=0.03)
    assert abs(fit.bias[0]) < 0.05
    chunked = LinearForecaster(horizon=1, cfg=LinearConfig(chunk_neurons=7)).fit(train, val)
    np.testing.assert_allclose(chunked.weights, fit.weights, rtol=1e-5)
    ctx = x[None, 100:102]
    np.testing.assert_allclose(fit.predict(ctx)[0, 0], fit.weights[0, 0] * x[100] + fit.weights[1, 0] * x[101]
                               + fit.bias[0], rtol=1e-5)


def test_linear_penalty_is_chosen_on_val():
    x = _ar2(seed=3)
    proto = get_protocol("single", frames=len(x), context=4, horizon=3)
    fit = LinearForecaster(horizon=3).fit(*_split(x, proto))
    mses = fit.fitted["val_mse_by_alpha"]
    assert fit.fitted["val_mse"] == min(mses.values())
    assert f'{fit.fitted["normalize"]}:{fit.fitted["alpha"]}' in mses
    # the val MSE is the plain MSE of the fitted model's forecasts of the val windows (not train)
    val = segments_for(x, proto, "val")[0]
    _, ctx, tgt = next(val.windows(val.load(), 10_000))
    direct = np.mean((fit.predict(ctx).astype(np.float64) - tgt) ** 2)
    assert fit.fitted["val_mse"] == pytest.approx(direct, rel=1e-4)


def test_var_uses_other_neurons():
    # two latent oscillators drive 30 neurons; each neuron alone is a noisy mix
    rng = np.random.default_rng(4)
    t = np.arange(900)
    lat = np.stack([np.sin(2 * np.pi * t / 37), np.cos(2 * np.pi * t / 23)], axis=1)
    x = (lat @ rng.standard_normal((2, 30)) + 0.05 * rng.standard_normal((900, 30))).astype(np.float32)
    proto = get_protocol("single", frames=900, context=8, horizon=4)
    train, val = _split(x, proto)
    var = VarForecaster(horizon=4).fit(train, val)
    test = segments_for(x, proto, "test")[0]
    data = test.load()
    _, ctx, tgt = next(test.windows(data, 10_000))
    err_var = np.abs(var.predict(ctx) - tgt).mean()
    err_naive = np.abs(NaiveForecaster(horizon=4).predict(ctx) - tgt).mean()
    assert err_var < 0.5 * err_naive
    assert var.fitted["rank"] == 16
    # the penalty is chosen on val: the reported MSE is that of the val forecasts in the latent space
    assert var.fitted["val_latent_mse"] == min(var.fitted["val_latent_mse_by_alpha"].values())
    seg = val[0]
    _, vctx, vtgt = next(seg.windows(seg.load(), 10_000))
    latent_err = (var.predict(vctx).astype(np.float64) - vtgt) @ var.components.astype(np.float64)
    assert var.fitted["val_latent_mse"] == pytest.approx(np.mean(latent_err ** 2), rel=1e-3)


def test_stimulus_learns_the_response_per_phase():
    period, n = 20, 12
    t = np.arange(1000)
    rng = np.random.default_rng(5)
    profile = rng.standard_normal((period, n))
    x = (profile[t % period] + 0.01 * rng.standard_normal((1000, n))).astype(np.float32)
    stim = ((t % period) < 3).astype(np.float32)[:, None]
    assert stimulus_period(stim, 512, 2) == period
    proto = get_protocol("single", frames=1000, context=4, horizon=6)
    train = segments_for(x, proto, "train", stimulus=stim)
    model = StimulusForecaster(horizon=6).fit(train, [])
    test = segments_for(x, proto, "test", stimulus=stim)[0]
    _, ctx, tgt = next(test.windows(test.load(), 10_000))
    pred = model.predict(ctx, test.meta(0, ctx.shape[0]))
    assert np.abs(pred - tgt).mean() < 0.02
    assert model.fitted["periods"] == {"all": period}


def test_stimulus_without_period_uses_the_condition_mean():
    x = np.random.default_rng(6).standard_normal((300, 4)).astype(np.float32) + 3.0
    proto = get_protocol("single", frames=300, context=4, horizon=2)
    flat = np.zeros((300, 1), np.float32)  # covariates that never change: no stimulus effect
    model = StimulusForecaster(horizon=2).fit(segments_for(x, proto, "train", stimulus=flat),
                                              segments_for(x, proto, "val", stimulus=flat))
    seg = segments_for(x, proto, "test", stimulus=flat)[0]
    pred = model.predict(np.zeros((3, 4, 4), np.float32), seg.meta(0, 3))
    np.testing.assert_allclose(pred[0, 0], x[:210].mean(axis=0), rtol=1e-5)  # train frames only


def test_registry():
    assert list(MODELS) == ["naive", "mean", "stimulus", "linear", "var", "connectome-linear",
                            "connectome-rate", "linear-mae", "timemix", "tsmixer", "tide", "population"]
    assert isinstance(get_model("linear", horizon=8), LinearForecaster)
    with pytest.raises(UnknownNameError, match="naive, mean, stimulus, linear, var, connectome-linear"):
        parse_model_names("naive,lstm")
    with pytest.raises(UnknownNameError, match=r"did you mean 'linear'.*known: naive, mean, stimulus, linear, var, connectome-linear"):
        get_model("linaer")
    with pytest.raises(ConfigError, match="takes a LinearConfig"):
        get_model("linear", cfg=VarConfig())
    with pytest.raises(ConfigError, match="takes no settings"):
        get_model("naive", cfg=LinearConfig())
    with pytest.raises(ConfigError, match="horizon must be at least 1"):
        get_model("mean", horizon=0)
    assert get_model("var").horizon == 32 and get_model("var").cfg == VarConfig()
    with pytest.raises(FormatError, match="fitted"):
        LinearForecaster().predict(np.zeros((1, 4, 2), np.float32))


def test_linear_normalisations():
    x = _ar2(seed=7)
    proto = get_protocol("single", frames=len(x), context=4, horizon=3)
    train, val = _split(x, proto)
    raw = LinearForecaster(3, LinearConfig(normalize="none")).fit(train, val)
    last = LinearForecaster(3, LinearConfig(normalize="last")).fit(train, val)
    auto = LinearForecaster(3).fit(train, val)
    # Nlinear: each step's weights sum to 1 (adding a constant to the context adds it to the forecast)
    np.testing.assert_allclose(last.weights.sum(axis=0), 1.0, rtol=1e-5)
    ctx = x[None, 200:204]
    np.testing.assert_allclose(last.predict(ctx + 1.0), last.predict(ctx) + 1.0, rtol=1e-5)
    assert auto.fitted["val_mse"] == min(raw.fitted["val_mse"], last.fitted["val_mse"])
    assert len(auto.fitted["val_mse_by_alpha"]) == 2 * len(LinearConfig().alphas)
    # a huge penalty leaves only the intercept: persistence (+ bias) for "last"
    stiff = LinearForecaster(3, LinearConfig(alphas=(1e12,), normalize="last")).fit(train, val)
    np.testing.assert_allclose(stiff.weights, [[0] * 3, [0] * 3, [0] * 3, [1] * 3], atol=1e-6)


def test_stimulus_matches_a_hand_computation_of_zapbench_s_definition():
    """ZAPBench's stimulus baseline on a tiny recording, against plain loops: per condition, the
    mean train response at each place in the stimulus repeat (period from the covariates, the
    animal's ``state:`` column ignored); no repeat → the condition's train mean; held out → the
    mean of all train frames. Val and test frames never enter the averages."""
    import neurocast.data as nd

    rng = np.random.default_rng(11)
    lengths = {"flash": 120, "dark": 90, "taxis": 100}
    names = [c for c, n in lengths.items() for _ in range(n)]
    t_all = sum(lengths.values())
    x = rng.normal(0, 1, (t_all, 3)).astype(np.float32)
    stim = np.zeros((t_all, 3), np.float32)
    stim[:120, 0] = (np.arange(120) % 6) < 2  # flash: 2 frames on, 4 off: period 6
    stim[210:, 1] = (np.arange(100) % 5) == 0  # taxis: period 5 (held out)
    stim[:, 2] = rng.random(t_all) < 0.3  # state:active, random: would break every period
    ds = nd.make_dataset(x, dt_s=1.0, condition=names, stimulus=stim,
                         covariate=["flash_on", "taxis_on", "state:active"], heldout_conditions=["taxis"])
    proto = nd.protocol_for_dataset(ds, "conditions", context=4, horizon=3, max_context=8)
    train = segments_for(ds["traces"], proto, "train", stimulus=ds["stimulus"])
    model = StimulusForecaster(horizon=3).fit(train, segments_for(ds["traces"], proto, "val",
                                                                    stimulus=ds["stimulus"]))
    assert model.fitted["periods"] == {"flash": 6, "dark": 1}
    start = {"flash": 0, "dark": 120, "taxis": 210}
    train_frames = {c: [t for s in train if s.condition == c for t in range(s.start, s.stop)] for c in start}
    assert all(train_frames[c] for c in ("flash", "dark")) and not train_frames["taxis"]

    def hand(condition: str, frame_in_condition: int) -> list[float]:
        period = {"flash": 6, "dark": 1}.get(condition)
        if period is None:  # held out: all train frames
            frames = [t for c in ("flash", "dark") for t in train_frames[c]]
        else:
            frames = [t for t in train_frames[condition]
                      if (t - start[condition]) % period == frame_in_condition % period]
        return [sum(float(x[t, j]) for t in frames) / len(frames) for j in range(3)]

    n_checked = 0
    for seg in segments_for(ds["traces"], proto, "test", stimulus=ds["stimulus"]):
        _, ctx, _ = next(seg.windows(seg.load(), 10_000))
        meta = seg.meta(0, ctx.shape[0])
        pred = model.predict(ctx, meta)
        for w in range(ctx.shape[0]):
            for h in range(3):
                np.testing.assert_allclose(pred[w, h], hand(seg.condition, int(meta.target_frame[w]) + h),
                                           rtol=1e-5, atol=1e-6)
                n_checked += 1
    assert n_checked > 30
