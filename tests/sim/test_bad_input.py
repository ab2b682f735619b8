"""Every user mistake raises one clear neurocast error (the CLI turns it into exit code 2)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurocast.errors import ConfigError, NonFiniteError, ResourceError, UnknownNameError
from neurocast.sim import (
    PoissonInput,
    ShiuParams,
    build_network,
    run_trials,
    simulate,
    sweep,
    trace,
)


def test_defaults_are_the_published_values():
    p = ShiuParams()
    assert (p.v_rest_mv, p.v_reset_mv, p.v_threshold_mv) == (-52.0, -52.0, -45.0)
    assert (p.tau_m_ms, p.tau_syn_ms, p.refractory_ms, p.delay_ms) == (20.0, 5.0, 2.2, 1.8)
    assert p.w_syn_mv == 0.275 and p.w_input_mv == pytest.approx(250 * 0.275)
    assert (p.rate_hz, p.dt_ms, p.delay_steps, p.refractory_steps) == (150.0, 0.1, 18, 22)


def test_time_step_must_divide_delay():
    with pytest.raises(ConfigError, match=r"dt_ms \(0.07\) does not divide delay_ms") as e:
        ShiuParams(dt_ms=0.07)
    assert "whole numbers of steps, e.g. dt_ms=0.05" in e.value.hint
    assert ShiuParams(dt_ms=0.05, refractory_ms=2.2).delay_steps == 36


@pytest.mark.parametrize(("changes", "pattern"), [
    ({"v_threshold_mv": -60.0}, "must exceed v_rest_mv"),
    ({"tau_m_ms": 0.0}, "tau_m_ms must be > 0"),
    ({"tau_syn_ms": 20.0}, "must differ"),
    ({"rate_hz": -1.0}, "rate_hz must be >= 0"),
    ({"w_syn_mv": math.nan}, "must be finite"),
    ({"dt_ms": math.inf}, "must be finite"),
    ({"refractory_ms": 2.25}, "does not divide refractory_ms"),
    ({"rate_hz": 20_000.0}, "more than one event per step"),
])
def test_params_validation(changes, pattern):
    with pytest.raises(ConfigError, match=pattern):
        ShiuParams(**changes)


def test_unknown_parameter_lists_near_matches(tiny_connectome):
    net = build_network(tiny_connectome)
    with pytest.raises(UnknownNameError, match="w_sin_mv") as e:
        net.with_params(w_sin_mv=1.0)
    assert "w_syn_mv" in e.value.hint


def test_unknown_neuron_lists_near_matches(cook2019):
    net = build_network(cook2019)
    with pytest.raises(UnknownNameError, match="ASHX") as e:
        simulate(net, 10.0, stimulate=["ASHL", "ASHX"])
    assert "ASHL" in e.value.hint or "ASHR" in e.value.hint
    with pytest.raises(UnknownNameError):
        build_network(cook2019, silence=[999_999])


def test_bad_positions_and_random_selection(tiny_connectome):
    net = build_network(tiny_connectome)
    with pytest.raises(ConfigError, match=r"outside 0\.\.4"):
        simulate(net, 10.0, stimulate=np.array([7]))
    with pytest.raises(ConfigError, match="random:K"):
        simulate(net, 10.0, stimulate="random:99")


@pytest.mark.parametrize("rate", [-5.0, math.nan, math.inf, "fast"])
def test_bad_rates(tiny_connectome, rate):
    net = build_network(tiny_connectome)
    with pytest.raises((ConfigError, NonFiniteError)):
        simulate(net, 10.0, stimulate=["A"], rate_hz=rate)


def test_bad_poisson_input():
    with pytest.raises(ConfigError, match="rate_hz must be >= 0"):
        PoissonInput([1], -3.0, 1.0)
    with pytest.raises(NonFiniteError):
        PoissonInput([1], math.nan, 1.0)
    with pytest.raises(ConfigError, match="before start_ms"):
        PoissonInput([1], 3.0, 1.0, start_ms=10.0, stop_ms=5.0)


@pytest.mark.parametrize("duration", [0.0, -10.0, math.nan, math.inf])
def test_non_positive_duration(tiny_connectome, duration):
    net = build_network(tiny_connectome)
    with pytest.raises(ConfigError, match="duration_ms must be positive"):
        simulate(net, duration)


def test_duration_not_whole_steps(tiny_connectome):
    with pytest.raises(ConfigError, match=r"not a whole number of 0\.1 ms steps") as err:
        simulate(build_network(tiny_connectome), 10.05)
    assert err.value.hint in ("e.g. duration_ms 10", "e.g. duration_ms 10.1")


@pytest.mark.parametrize(("duration", "unit_ms", "hint"), [
    (0.04, 1.0, "e.g. duration_ms 0.1"),  # less than one step: suggest one step, never 0
    (0.00015, 1000.0, "e.g. --duration 0.0001"),  # seconds, as the CLI gives them
    (2.5e12, 1.0, "use duration_ms <= 1e+11"),  # over the cap: the longest allowed
])
def test_duration_hints_name_the_caller_and_can_be_followed(duration, unit_ms, hint):
    from neurocast.sim import check_duration

    name = "--duration" if unit_ms == 1000.0 else "duration_ms"
    with pytest.raises(ConfigError) as err:
        check_duration(duration, 0.1, name=name, unit_ms=unit_ms)
    assert err.value.hint == hint
    suggested = float(hint.split()[-1])
    assert check_duration(suggested, 0.1, name=name, unit_ms=unit_ms) >= 1


def test_bad_mode_seed_trials(tiny_connectome):
    net = build_network(tiny_connectome)
    with pytest.raises(ConfigError, match="unknown mode 'quick'"):
        simulate(net, 10.0, mode="quick")
    with pytest.raises(ConfigError, match="seed"):
        simulate(net, 10.0, seed=-1)
    with pytest.raises(ConfigError, match="n_trials"):
        run_trials(net, 10.0, 0)
    with pytest.raises(ConfigError, match="n_jobs"):
        run_trials(net, 10.0, 2, n_jobs=0)
    with pytest.raises(ConfigError, match="at least one value"):
        sweep(net, 10.0, "rate_hz", [])


def test_bad_input_spikes(tiny_connectome):
    net = build_network(tiny_connectome)
    with pytest.raises(ConfigError, match=r"steps must lie in 0\.\.99"):
        simulate(net, 10.0, input_spikes=([100], [0]))
    with pytest.raises(ConfigError, match=r"positions in 0\.\.4"):
        simulate(net, 10.0, input_spikes=([1], [5]))
    with pytest.raises(ConfigError, match="pair"):
        simulate(net, 10.0, input_spikes=42)


def test_not_a_network_or_connectome(tiny_connectome):
    with pytest.raises(ConfigError, match="needs a Network"):
        simulate(tiny_connectome, 10.0)
    with pytest.raises(ConfigError, match="needs a Connectome"):
        build_network("tiny")


def test_request_larger_than_memory_says_how_much(random10k, monkeypatch):
    net = build_network(random10k)
    # recording all 10,000 neurons for 10 hours would need ~58 TB
    with pytest.raises(ResourceError, match=r"needs about [\d.]+ TB") as e:
        trace(net, 36_000_000.0, np.arange(10_000))
    assert "record fewer neurons" in e.value.hint
    # and the check compares with what this machine has
    import neurocast.sim._simulate as mod

    monkeypatch.setattr(mod, "available_memory_bytes", lambda: 1 << 20)
    with pytest.raises(ResourceError, match=r"only 1\.0 MB is available"):
        simulate(net, 10.0)


def test_bad_neuron_params(tiny_connectome):
    with pytest.raises(UnknownNameError, match="v_treshold_mv") as e:
        build_network(tiny_connectome, neuron_params={"v_treshold_mv": -40.0})
    assert "v_threshold_mv" in e.value.hint
    with pytest.raises(ConfigError, match=r"shape \(5,\)"):
        build_network(tiny_connectome, neuron_params={"v_rest_mv": [1.0, 2.0]})
    with pytest.raises(NonFiniteError):
        build_network(tiny_connectome, neuron_params={"v_reset_mv": [math.nan] * 5})
    with pytest.raises(ConfigError, match="must exceed v_reset_mv for every neuron; position 2"):
        build_network(tiny_connectome, neuron_params={"v_reset_mv": [-52, -52, -40, -52, -52]})
    net = build_network(tiny_connectome, neuron_params={"refractory_ms": 2.25})
    with pytest.raises(ConfigError, match=r"does not divide refractory_ms \(2.25\)"):
        simulate(net, 10.0)


def test_bad_delays(tiny_connectome):
    with pytest.raises(ConfigError, match="not a whole number >= 1 of steps"):
        build_network(tiny_connectome, delays_ms=0.25)
    with pytest.raises(ConfigError, match="not a whole number >= 1 of steps"):
        build_network(tiny_connectome, delays_ms=[1.0, 1.0, 0.0, 1.0, 1.0, 1.0])
    with pytest.raises(ConfigError, match=r"shape \(6,\)"):
        build_network(tiny_connectome, delays_ms=[1.0, 2.0])
    with pytest.raises(NonFiniteError):
        build_network(tiny_connectome, delays_ms=[1.0, 2.0, math.nan, 1.0, 1.0, 1.0])
    net = build_network(tiny_connectome, delays_ms=1.0)
    with pytest.raises(ConfigError, match="dt_ms cannot change"):
        net.with_params(dt_ms=0.05)


def test_a_connectome_without_signs_is_refused(tmp_path):
    """Every weight 0 (no sign known): no spike would reach another neuron."""
    import pandas as pd

    from neurocast.connectome import Connectome
    from neurocast.sim import Experiment, check_experiments

    unsigned = Connectome.from_edges(pd.DataFrame({"id": [1, 2, 3]}), [0, 1], [1, 2], [5, 5],
                                     sign=[0, 0], name="unsigned")
    assert not unsigned.weight.any()
    with pytest.raises(ConfigError, match="all 2 connections of 'unsigned' have weight 0"):
        build_network(unsigned)
    with pytest.raises(ConfigError, match="signs are unknown"):
        check_experiments(unsigned, [Experiment("a", stimulate=(0,))])
    signed = Connectome.from_edges(pd.DataFrame({"id": [1, 2, 3]}), [0, 1], [1, 2], [5, 5],
                                   sign=[0, -1])
    build_network(signed)
