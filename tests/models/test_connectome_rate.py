"""connectome-rate: a leaky rate network on the connectome's edges, its controls, held-out neurons."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("torch")

from neurocast.connectome import Connectome, random_connectome
from neurocast.data import get_protocol, segments_for
from neurocast.errors import ConfigError, FormatError, UnknownNameError
from neurocast.models import get_model
from neurocast.models.deep import ConnectomeRateConfig, ConnectomeRateForecaster, TrainConfig
from neurocast.models.deep._connectome_rate import rate_edges


def _coupled(n=30, t=900, seed=0):
    """x[t+1] = 0.6 x[t] + 0.4 A tanh(x[t]) + noise, A on a random connectome's edges."""
    c = random_connectome(n, 3, seed=seed)
    rng = np.random.default_rng(seed)
    a = c.to_scipy("weight").T.toarray()
    a /= np.abs(a).sum(axis=1, keepdims=True).clip(1e-9)
    x = np.zeros((t, n))
    for k in range(1, t):
        x[k] = 0.6 * x[k - 1] + 0.4 * a @ np.tanh(2 * x[k - 1]) + rng.normal(0, 0.3, n)
    return c, x.astype(np.float32)


def _fast(wiring="true", seed=0, max_steps=150):
    return ConnectomeRateConfig(wiring=wiring, train=TrainConfig(val_every=50, patience=3, max_steps=max_steps,
                                                                 batch_size=16, seed=seed, device="cpu"))


def test_edges_carry_signed_counts_and_both_gap_directions():
    table = pd.DataFrame({"id": np.arange(4), "sign": [1, -1, 1, 1]})
    c = Connectome.from_edges(table, [0, 1, 2], [1, 2, 3], [2, 4, 6], gap_pre=[0], gap_post=[3], gap_count=[8])
    pre, post, w0 = rate_edges(c)
    pairs = {(int(a), int(b)): float(w) for a, b, w in zip(pre, post, w0, strict=True)}
    assert set(pairs) == {(0, 1), (1, 2), (2, 3), (0, 3), (3, 0)}
    norm = np.mean([2, 4, 6, 8, 8]) * 5 / 4  # mean |strength| × mean in-degree
    assert pairs[(1, 2)] == pytest.approx(-4 / norm) and pairs[(0, 1)] == pytest.approx(2 / norm)
    assert pairs[(0, 3)] == pairs[(3, 0)] == pytest.approx(8 / norm)
    weighted = Connectome.from_edges(table, [0, 1], [1, 2], None, weight=[0.5, 0.25])  # neuron 1 inhibitory
    _, _, w = rate_edges(weighted)
    assert w[0] == pytest.approx(-2 * w[1]) and w[0] > 0


def test_coupling_exists_only_on_the_edges_dense_or_sparse(monkeypatch):
    import torch

    from neurocast.models.deep import _net_rate

    c = random_connectome(25, 3, seed=1)
    pre, post, w0 = rate_edges(c)
    net = _net_rate.RateNet(25, pre, post, w0, np.ones(25, np.float32), 0, 5)
    dense = net._coupling().detach().numpy()
    expect = np.zeros((25, 25), bool)
    expect[pre, post] = True
    np.testing.assert_array_equal(dense != 0, expect)
    x = torch.randn(3, 4, 25)
    with torch.no_grad():
        out_dense = net(x)
        monkeypatch.setattr(_net_rate, "DENSE_MAX", 0)  # the per-edge path of large networks
        out_sparse = net(x)
    torch.testing.assert_close(out_dense, out_sparse, rtol=1e-5, atol=1e-6)


def test_controls_change_the_graph_and_lowrank_matches_the_parameter_count():
    c, x = _coupled(n=30, t=300)
    proto = get_protocol("single", frames=len(x), context=3, horizon=4)
    train, val = segments_for(x, proto, "train"), segments_for(x, proto, "val")
    fitted = {w: ConnectomeRateForecaster(4, _fast(w, max_steps=5), connectome=c).fit(train, val)
              for w in ("true", "permuted", "none", "lowrank")}
    e = len(rate_edges(c)[2])
    assert fitted["true"].fitted["n_edges"] == fitted["permuted"].fitted["n_edges"] == e
    assert fitted["none"].fitted["n_edges"] == 0
    rank = fitted["lowrank"].fitted["rank"]
    assert rank == max(1, round(e / 60)) and abs(2 * 30 * rank - e) <= 30
    assert abs(fitted["lowrank"].n_parameters - fitted["true"].n_parameters) <= 30
    assert fitted["permuted"].name == "connectome-rate:permuted"
    true_pairs = set(zip(fitted["true"].net.pre.tolist(), fitted["true"].net.post.tolist(), strict=True))
    perm_pairs = set(zip(fitted["permuted"].net.pre.tolist(), fitted["permuted"].net.post.tolist(), strict=True))
    assert true_pairs != perm_pairs


def test_training_learns_the_coupling_and_is_seeded():
    c, x = _coupled()
    proto = get_protocol("single", frames=len(x), context=3, horizon=4)
    train, val = segments_for(x, proto, "train"), segments_for(x, proto, "val")
    m = ConnectomeRateForecaster(4, _fast(max_steps=400), connectome=c).fit(train, val)
    history = [v for _, v in m.fitted["val_history"]] if "val_history" in m.fitted else None
    ctx = np.stack([x[t:t + 3] for t in range(600, 700)])
    tgt = np.stack([x[t + 3:t + 7] for t in range(600, 700)])
    mae = np.abs(m.predict(ctx) - tgt).mean()
    mean_mae = np.abs(x[600:710].mean(axis=0) - tgt).mean()
    assert mae < 0.95 * mean_mae, (mae, mean_mae, history)
    again = ConnectomeRateForecaster(4, _fast(max_steps=400), connectome=c).fit(train, val)
    np.testing.assert_array_equal(m.predict(ctx), again.predict(ctx))


def test_heldout_neurons_context_is_never_used():
    c, x = _coupled(n=30, t=300)
    proto = get_protocol("single", frames=len(x), context=3, horizon=4, heldout_neurons=0.2, neuron_seed=1)
    train, val = segments_for(x, proto, "train"), segments_for(x, proto, "val")
    m = ConnectomeRateForecaster(4, _fast(max_steps=20), connectome=c).fit(train, val)
    hidden = train[0].hidden
    assert m.fitted["n_heldout_neurons"] == hidden.sum() == 6
    ctx = np.stack([x[t:t + 3] for t in range(200, 210)])
    other = ctx.copy()
    other[:, :, hidden] = 5.0
    meta = segments_for(x, proto, "test")[0].meta(0, len(ctx))
    np.testing.assert_array_equal(m.predict(ctx, meta), m.predict(other, meta))
    changed = ctx.copy()
    changed[:, :, ~hidden] += 1.0
    assert not np.allclose(m.predict(ctx, meta), m.predict(changed, meta))
    wrong = get_protocol("single", frames=len(x), context=3, horizon=4, heldout_neurons=0.2, neuron_seed=7)
    with pytest.raises(FormatError, match="held-out neurons"):
        m.predict(ctx, segments_for(x, wrong, "test")[0].meta(0, len(ctx)))


def test_bad_use_is_reported():
    _, x = _coupled(n=30, t=200)
    proto = get_protocol("single", frames=len(x), context=3, horizon=4)
    train, val = segments_for(x, proto, "train"), segments_for(x, proto, "val")
    with pytest.raises(ConfigError, match="needs the connectome"):
        get_model("connectome-rate", horizon=4).fit(train, val)
    with pytest.raises(FormatError, match="20 neurons, the data 30"):
        ConnectomeRateForecaster(4, connectome=random_connectome(20, 3, seed=0)).fit(train, val)
    with pytest.raises(UnknownNameError, match="lowrank"):
        ConnectomeRateConfig(wiring="shuffled")
    with pytest.raises(ConfigError, match="tau_frames"):
        ConnectomeRateConfig(tau_frames=0.5)


@pytest.mark.parametrize("wiring", ["permuted", "lowrank"])
def test_save_then_load_gives_identical_forecasts_without_the_connectome(wiring, tmp_path):
    """A saved connectome-rate carries its drawn graph (or low-rank factors), held-out neurons
    and stimulus inputs: loaded without any connectome, it forecasts exactly as fitted."""
    from neurocast.data import make_dataset
    from neurocast.models.deep import load_model, save_model

    c, x = _coupled(n=30, t=300)
    stim = (np.arange(300) % 20 < 3).astype(np.float32)[:, None]
    x = x + stim  # a stimulus the network takes as an input
    ds = make_dataset(x, dt_s=0.5, neuron=c.names, stimulus=stim, covariate=["pulse"], source="coupled", seed=0)
    proto = get_protocol("single", frames=len(x), context=3, horizon=4, heldout_neurons=0.2, neuron_seed=1)
    train, val = (segments_for(ds["traces"], proto, s, stimulus=ds["stimulus"]) for s in ("train", "val"))
    m = ConnectomeRateForecaster(4, _fast(wiring, seed=0, max_steps=20), connectome=c).fit(train, val)
    back = load_model(save_model(m, tmp_path / "rate.pt", dataset=ds), dataset=ds)
    assert back.connectome is None and back.name == f"connectome-rate:{wiring}"
    np.testing.assert_array_equal(back.hidden, m.hidden)
    assert back.n_edges == m.n_edges and back.n_parameters == m.n_parameters
    test = segments_for(ds["traces"], proto, "test", stimulus=ds["stimulus"])[0]
    first, ctx, _ = next(test.windows(test.load(), 16))
    meta = test.meta(first, ctx.shape[0])
    np.testing.assert_array_equal(back.predict(ctx, meta), m.predict(ctx, meta))
    with pytest.raises(FormatError, match="held-out neurons"):  # fitted for another draw of them
        other = get_protocol("single", frames=len(x), context=3, horizon=4, heldout_neurons=0.2, neuron_seed=7)
        back.predict(ctx, segments_for(ds["traces"], other, "test", stimulus=ds["stimulus"])[0].meta(first, len(ctx)))
    renamed = ds.assign_coords(neuron=[f"m{i}" for i in range(30)])
    with pytest.raises(FormatError, match="neuron_sha1"):
        load_model(tmp_path / "rate.pt", dataset=renamed)
