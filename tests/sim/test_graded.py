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
    measure_oscillation,
    simulate_graded,
    simulate_graded_chunks,
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


def test_input_threshold_puts_every_activation_at_half_under_the_input(cook2019):
    """threshold="input" (Kunert et al.'s construction): V^th is the equilibrium under the constant
    current, so a weak current (stable fixed point) brings the network to exactly that voltage with
    every s back at s_rest; the run starts from the unforced equilibrium. threshold="rest" ends
    elsewhere: the driven neurons' synapses stay more active."""
    p = GradedParams()
    ext = np.zeros(cook2019.n_neurons)
    plm = cook2019.index_of(["PLML", "PLMR"])
    ext[plm] = 20.0
    v_in = graded_equilibrium(cook2019, p, i_ext_pa=ext)
    v_rest = graded_equilibrium(cook2019, p)
    assert (v_in[plm] - v_rest[plm]).min() > 1.0
    tr = simulate_graded(cook2019, 30_000, params=p, i_ext_pa=ext, sample_ms=1000, threshold="input")
    assert np.abs(tr.v_mv[0] - v_rest).max() > 0.1  # it started at rest and moved
    assert np.abs(tr.v_mv[-1] - v_in).max() < 1e-3
    assert np.abs(tr.s[-1] - p.s_rest).max() < 1e-6
    rest = simulate_graded(cook2019, 30_000, params=p, i_ext_pa=ext, sample_ms=1000, threshold="rest")
    assert rest.s[-1, plm].min() > p.s_rest + 0.01
    chunks = list(simulate_graded_chunks(cook2019, 30_000, 7000, params=p, i_ext_pa=ext, threshold="input"))
    steps = np.concatenate([c.steps + c.attrs["start_step"] for c in chunks])
    assert np.array_equal(steps, tr.events.steps)
    with pytest.raises(ConfigError, match="rest, input"):
        simulate_graded(cook2019, 100, params=p, threshold="equilibrium")


KUNERT = GradedParams(c_pf=1.0, dt_ms=5.0)  # Kunert et al.'s C (their tau = C / 100 pS = 10 ms)


def _plm_motor_oscillation(con, amp_pa, threshold="input", seconds=20):
    ext = np.zeros(con.n_neurons)
    ext[con.index_of(["PLML", "PLMR"])] = amp_pa
    tr = simulate_graded(con, seconds * 1000, params=KUNERT, i_ext_pa=ext, sample_ms=10, threshold=threshold)
    motor = np.flatnonzero(con.neurons["type"].to_numpy() == "motor")
    return measure_oscillation(tr.v_mv[len(tr.t_ms) // 2:, motor], 10.0)


def test_plm_current_induces_a_low_dimensional_motor_oscillation(varshney_kunert):
    """Kunert et al. 2014: constant current into PLM drives the motor neurons through a Hopf
    bifurcation into a two-mode oscillation. On their wiring (Varshney 2011) and signs (26
    GABAergic neurons inhibitory), with their thresholds (V^th under the input): a fixed point at
    800 pA per PLM neuron, a sustained oscillation at 2,000 pA (the amplitude of the authors'
    code, 2·10^4 in its units of 0.1 pA) with two modes carrying the variance, and a fixed point
    again at 10,000 pA (an independent Brian2 replication: none at 1,000 pA, onset by 1,500,
    gone at 10,000). Measured here: onset 1,050–1,100 pA, period 1.2 s at 2,000 pA, end
    8,000–8,500 pA, a small second window near 12,000 pA (docs/simulator.md)."""
    below = _plm_motor_oscillation(varshney_kunert, 800.0)
    assert below.amplitude_mv < 1e-3
    osc = _plm_motor_oscillation(varshney_kunert, 2000.0)
    assert osc.amplitude_mv > 3.0                        # mV: a large, sustained swing
    assert 1000.0 < osc.period_ms < 1500.0 and osc.peak_autocorrelation > 0.9
    assert osc.two_mode_fraction > 0.95                  # low-dimensional (two modes)
    above = _plm_motor_oscillation(varshney_kunert, 10000.0)
    assert above.amplitude_mv < 1e-3
    # the thresholds are what makes it: fixed at the unforced equilibrium, the same drive
    # saturates the activations and the network settles (the reason Cook 2019 runs showed none)
    assert _plm_motor_oscillation(varshney_kunert, 2000.0, threshold="rest").amplitude_mv < 1e-3


def test_measure_oscillation_reads_period_and_dimension():
    t = np.arange(2000) * 5.0  # ms
    rng = np.random.default_rng(0)
    mix = rng.normal(size=(2, 30))
    v = np.column_stack([np.sin(2 * np.pi * t / 800.0), np.cos(2 * np.pi * t / 800.0)]) @ mix
    osc = measure_oscillation(v, 5.0)
    assert osc.period_ms == pytest.approx(800.0, abs=5.0)
    assert osc.two_mode_fraction == pytest.approx(1.0)
    assert osc.amplitude_mv == pytest.approx(np.sqrt((mix**2).sum(axis=0) / 2).max(), rel=0.01)
    flat = measure_oscillation(np.full((100, 3), -30.0), 5.0)
    assert flat.amplitude_mv == 0.0 and np.isnan(flat.period_ms)
    drift = measure_oscillation(np.outer(np.exp(-t / 1000.0), np.ones(4)), 5.0)  # decays, no rhythm
    assert np.isnan(drift.period_ms)
    with pytest.raises(ConfigError, match="at least 8"):
        measure_oscillation(np.zeros((3, 2)), 5.0)
