"""The graded-potential model (Kunert, Shlizerman & Kutz 2014): currents, fixed point, stability."""

import numpy as np
import pandas as pd
import pytest

from neurocast.connectome import Connectome
from neurocast.errors import ConfigError
from neurocast.sim import (
    GradedParams,
    PoissonInput,
    ShiuParams,
    graded_equilibrium,
    simulate_graded,
)


def gap_only(n_neurons, pairs, counts):
    neurons = pd.DataFrame({"id": np.arange(n_neurons), "name": [f"N{i}" for i in range(n_neurons)],
                            "type": "x", "transmitter": "ACh", "sign": 1})
    a, b = zip(*pairs, strict=True)
    return Connectome.from_edges(neurons, pre=[0], post=[1], count=[1], sign=[0],
                                 gap_pre=list(a), gap_post=list(b), gap_count=counts, name="gaps")


def test_two_cells_coupled_by_a_gap_junction_closed_form():
    p = GradedParams(g_gap_ps=100.0, dt_ms=2.0, cg_tol=1e-10)
    con = gap_only(2, [(0, 1)], [3])
    i_pa = 0.5
    tr = simulate_graded(con, 3000, params=p, i_ext_pa=[i_pa, 0.0], sample_ms=1000)
    g, gc, e = 3 * p.g_gap_ps, p.g_leak_ps, p.e_leak_mv
    # steady state: gc (V0 - E) + g (V0 - V1) = I, gc (V1 - E) + g (V1 - V0) = 0   (fA = pS · mV)
    a = np.array([[gc + g, -g], [-g, gc + g]])
    want = np.linalg.solve(a, [gc * e + i_pa * 1000.0, gc * e])
    assert tr.v_mv[-1] == pytest.approx(want, abs=1e-3)
    # mirrored injection, mirrored voltages (symmetric coupling)
    tr2 = simulate_graded(con, 3000, params=p, i_ext_pa=[0.0, i_pa], sample_ms=1000)
    assert tr2.v_mv[-1] == pytest.approx(want[::-1], abs=1e-3)


def test_gap_junctions_carry_no_net_charge():
    """With synapses off, C Σ dV/dt equals the leak plus the injected current at every step."""
    rng = np.random.default_rng(0)
    n = 40
    pairs = {tuple(sorted(rng.choice(n, 2, replace=False))) for _ in range(120)}
    con = gap_only(n, sorted(pairs), rng.integers(1, 20, len(pairs)).tolist())
    p = GradedParams(g_syn_ps=0.0, dt_ms=1.0, cg_tol=1e-12)
    ext = rng.normal(0, 2.0, n)
    tr = simulate_graded(con, 400, params=p, i_ext_pa=ext, inputs=[PoissonInput([3, 7], 200.0, 5.0)],
                         sample_ms=1.0)
    dt_s = p.dt_ms / 1000.0
    v = np.vstack([graded_equilibrium(con, p), tr.v_mv])
    charge_rate = p.c_pf * (v[1:] - v[:-1]).sum(axis=1) / dt_s             # fA
    leak = -p.g_leak_ps * (v[1:] - p.e_leak_mv).sum(axis=1)                  # fA (implicit Euler)
    residual = charge_rate - leak - ext.sum() * 1000.0
    # what remains is the Poisson input into neurons 3 and 7, as its mean current C · w · r
    assert residual == pytest.approx(np.full(len(residual), 2 * p.c_pf * 5.0 * 200.0), abs=1e-3)


def test_equilibrium_is_a_stable_fixed_point(cook2019):
    """Kunert et al. set V^th so that the unforced network rests at V^eq; it must stay there and
    return there after a kick (a stable fixed point, as the paper's bifurcation analysis assumes)."""
    p = GradedParams()
    v_eq = graded_equilibrium(cook2019, p)
    rest = simulate_graded(cook2019, 5000, params=p, sample_ms=1000)
    assert np.abs(rest.v_mv - v_eq).max() < 1e-6
    assert np.abs(rest.s - p.s_rest).max() < 1e-9
    kicked = simulate_graded(cook2019, 30_000, params=p, sample_ms=500,
                             inputs=[PoissonInput(np.arange(0, 302, 7), 100.0, 1000.0, stop_ms=1000)])
    moved = np.abs(kicked.v_mv[1] - v_eq).max()
    assert moved > 1.0
    assert np.abs(kicked.v_mv[-1] - v_eq).max() < 0.01 * moved


def test_graded_stimulus_response_and_events(cook2019):
    """A current into PLM (posterior touch) depolarises PLM and its gap-junction partners; the
    calcium events follow the activation, so driven neurons emit more of them."""
    p = GradedParams()
    plm = cook2019.index_of(["PLML", "PLMR"])
    ext = np.zeros(cook2019.n_neurons)
    ext[plm] = 20.0
    tr = simulate_graded(cook2019, 30_000, params=p, i_ext_pa=ext, seed=1, sample_ms=1000)
    v_eq = graded_equilibrium(cook2019, p)
    assert (tr.v_mv[-1, plm] - v_eq[plm]).min() > 1.0
    rates = tr.events.rates()
    assert rates[plm].min() > p.event_rate_max_hz * 0.6  # at rest 0.5; Poisson sd over 30 s: 0.06
    assert np.median(rates) == pytest.approx(p.event_rate_max_hz * 0.5, rel=0.1)


def test_noise_is_seeded():
    con = gap_only(5, [(0, 1), (1, 2)], [2, 2])
    p = GradedParams(noise_pa=0.5)
    a = simulate_graded(con, 2000, params=p, seed=3, sample_ms=10)
    b = simulate_graded(con, 2000, params=p, seed=3, sample_ms=10)
    c = simulate_graded(con, 2000, params=p, seed=4, sample_ms=10)
    assert np.array_equal(a.v_mv, b.v_mv) and not np.array_equal(a.v_mv, c.v_mv)
    assert a.v_mv.std(axis=0).min() > 1.0  # the OU current moves every neuron


def test_bad_parameters():
    with pytest.raises(ConfigError, match="c_pf"):
        GradedParams(c_pf=0)
    with pytest.raises(ConfigError, match="event_rate_max_hz"):
        GradedParams(event_rate_max_hz=500.0, dt_ms=5.0)


def test_graded_model_is_registered_beside_the_lif_models(cook2019):
    """NEURON_MODELS["graded"] builds, runs and chunks the same model as simulate_graded."""
    from neurocast.sim import NEURON_MODELS, GradedNetwork, get_neuron_model

    assert {"shiu", "shiu-adapt", "graded"} <= set(NEURON_MODELS)
    m = get_neuron_model("graded")
    assert m.params == GradedParams() and m.simulate_chunks is not None and m.recording_params() == m.params
    p = GradedParams(noise_pa=2.0)
    net = m.build_network(cook2019, p)
    assert isinstance(net, GradedNetwork) and net.params == p
    drive = [PoissonInput(["PLML", "PLMR"], 50.0, 400.0, start_ms=500, stop_ms=1500)]
    whole = m.simulate(net, 3000, seed=2, inputs=drive, sample_ms=100)
    direct = simulate_graded(cook2019, 3000, params=p, seed=2, inputs=drive, sample_ms=100)
    assert np.array_equal(whole.v_mv, direct.v_mv)
    chunks = list(m.simulate_chunks(net, 3000, 700, seed=2, inputs=drive))
    assert [c.attrs["start_step"] for c in chunks] == [0, 70, 140, 210, 280]
    steps = np.concatenate([c.steps + c.attrs["start_step"] for c in chunks])
    assert np.array_equal(steps, whole.events.steps)
    assert np.array_equal(np.concatenate([c.neurons for c in chunks]), whole.events.neurons)
    with pytest.raises(ConfigError, match="its own parameters"):
        m.simulate(net, 100, params=GradedParams())
    with pytest.raises(ConfigError, match="GradedParams"):
        m.build_network(cook2019, ShiuParams())
