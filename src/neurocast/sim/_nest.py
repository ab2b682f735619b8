"""NEST 3.10 peer adapter: the Shiu et al. (2024) fly-brain LIF model on NEST's ``iaf_psc_exp``.

Used by the peer tests and ``benchmarks/sim_vs_peers.py``; neurocast itself never needs NEST.
NEST is imported lazily (``pip install 'neurocast[peers]'``).

How the model maps onto ``iaf_psc_exp`` (NEST integrates it exactly, like neurocast):

======================  ==========================  =======================================
Shiu et al. (mV, ms)    iaf_psc_exp parameter       value used here
======================  ==========================  =======================================
v0 (rest)               ``E_L``                     v_rest (-52 mV)
reset                   ``V_reset``                 v_reset (-52 mV)
threshold (``v > θ``)   ``V_th``                    v_threshold (-45 mV)
tau_m                   ``tau_m``                   20 ms
membrane capacitance    ``C_m``                     numerically equal to tau_m (20 pF), so that
                                                    1 pA of synaptic current = 1 mV of ``g``
tau_syn                 ``tau_syn_ex``/``_in``      5 ms (both)
refractory period       ``t_ref``                   2.2 ms (0 for driven neurons)
(no bias current)       ``I_e``                     0 pA
w = 0.275 mV × signed   connection ``weight``       0.275 × signed count × C_m / tau_m pA
synapse count                                       (= the mV value, given C_m = tau_m)
delay 1.8 ms            connection ``delay``        1.8 ms
======================  ==========================  =======================================

With ``C_m = tau_m`` the membrane equation ``C_m dV/dt = -(C_m/tau_m)(V - E_L) + I_syn`` becomes
``dV/dt = (E_L - V + I_syn) / tau_m``: exactly Shiu's ``dv/dt = (v0 - v + g) / tau_m`` with
``g`` (mV) = ``I_syn`` (pA). The subthreshold trajectory is identical (checked against the
analytic solution in tests/sim/test_nest.py).

Poisson drive. Shiu adds 68.75 mV directly to ``v`` of a driven neuron per Poisson event;
``iaf_psc_exp`` has no voltage-jump input. Each driven neuron therefore gets its own
``parrot_neuron`` fed by a ``poisson_generator`` (independent trains per target, delay 1.8 ms),
and the parrot hits the driven neuron twice: ``+W`` with delay 1.8 ms and
``-W·exp(-dt/tau_syn)`` one step later. The second event cancels the current exactly, so each
Poisson event is a one-step current pulse that raises ``v`` by exactly ``W·P21 = 68.75 mV``
(``P21`` being the one-step current→voltage propagator), with no current left over. All delays
are 1.8 ms or more (a 0.1 ms connection would set NEST's min_delay to one step and slow it down
2–5×). The two 1.8 ms hops delay the drive by 3.6 ms; NEST therefore runs 3.6 ms longer and its
clock is shifted back by 3.6 ms, which is exact (nothing happens before input arrives), so the
drive acts from time 0 and NEST spike steps line up with neurocast's. With explicit input trains
(``input_spikes``: ``spike_generator`` instead of ``poisson_generator``) a driven neuron fires in
the same step in both simulators.

What differs from Shiu et al. (and from neurocast / Brian2):

- ``iaf_psc_exp`` neither zeroes nor freezes the synaptic current at and after a spike: the
  current keeps decaying during the refractory period, input arriving then is stored (Shiu/Brian2
  lose it), and whatever is left drives ``v`` after the refractory period ends. Non-driven
  neurons that fire therefore fire more in NEST (about 30 % on C. elegans with identical
  inputs, per-neuron counts still correlate at r = 0.995; see docs/simulate-cli.md).
- Poisson trains come from NEST's own random generator (which may emit two events in one step),
  so with Poisson input spikes match neurocast statistically, not spike for spike; use
  ``input_spikes`` for identical inputs. Two input events in consecutive steps make a driven
  neuron fire twice in NEST, once in neurocast/Brian2 (the second event meets the reset).
An exact port needs a NESTML model compiled into NEST (Debian build dependencies); it is not
used here.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neurocast.errors import ConfigError, NeurocastError
from neurocast.sim._inputs import explicit_events
from neurocast.sim._params import ShiuParams
from neurocast.spikes import Spikes

__all__ = ["NestResult", "nest_available", "pulse_weight_pa", "run_nest", "shiu_nest_params"]


@dataclass(frozen=True)
class NestResult:
    """Outcome of one NEST run.

    spikes: Spikes (N neurons of the connectome), steps = NEST spike time / dt - 1 - 2·delay/dt
      (NEST stamps a spike at the end of the step in which threshold was crossed, neurocast at
      its start; the input path's two delays are taken off, see ``run_nest``).
    build_s: wall seconds to create nodes and connections and prepare the kernel.
    run_s: wall seconds of ``nest.Run`` (the simulation itself, including the extra 2·delay).
    threads: NEST local threads used.
    v_mv: membrane potential (mV) of the ``record_v`` neurons at the end of every step,
      float64 (n_steps, K), columns in ascending position order, row i at time (i + 1) · dt; None if nothing was recorded.
    """

    spikes: Spikes
    build_s: float
    run_s: float
    threads: int
    v_mv: np.ndarray | None = None

    @property
    def counts(self) -> np.ndarray:
        """Spikes per neuron, int64 (N,)."""
        return self.spikes.counts()


def nest_available() -> bool:
    """True if the ``nest`` module (nest-simulator) can be imported."""

    return importlib.util.find_spec("nest") is not None


def _import_nest():
    if not nest_available():
        raise NeurocastError("NEST is not installed",
                             "pip install 'neurocast[peers]' (nest-simulator==3.10.0)")
    os.environ.setdefault("PYNEST_QUIET", "1")  # no banner on stdout
    # nest: the optional peer simulator (extra 'peers')
    import nest

    nest.verbosity = nest.VerbosityLevel.ERROR
    return nest


def _shiu_values(params) -> dict[str, float]:
    """The Shiu parameters (mV, ms) of a neurocast ``ShiuParams`` as a plain dict."""

    if not isinstance(params, ShiuParams):
        raise ConfigError(f"params must be a ShiuParams, not {type(params).__name__}")
    if params.adapt_mv > 0:
        raise ConfigError("the NEST peer maps the published Shiu model only, without adaptation",
                          "use adapt_mv=0, or compare adaptation with the Brian2 peer")
    return {
        "v_rest": params.v_rest_mv, "v_reset": params.v_reset_mv, "v_th": params.v_threshold_mv,
        "tau_m": params.tau_m_ms, "tau_syn": params.tau_syn_ms, "t_ref": params.refractory_ms,
        "delay": params.delay_ms, "w_syn": params.w_syn_mv, "w_poisson": params.w_input_mv,
        "dt": params.dt_ms,
    }


def shiu_nest_params(params, *, driven: bool = False) -> dict[str, float]:
    """``iaf_psc_exp`` status dict for the Shiu model (see the module docstring for the mapping)."""
    p = _shiu_values(params)
    return {
        "E_L": p["v_rest"], "V_reset": p["v_reset"], "V_th": p["v_th"], "V_m": p["v_rest"],
        "tau_m": p["tau_m"], "C_m": p["tau_m"],
        "tau_syn_ex": p["tau_syn"], "tau_syn_in": p["tau_syn"],
        "t_ref": 0.0 if driven else p["t_ref"], "I_e": 0.0,
    }


def pulse_weight_pa(jump_mv: float, *, tau_m_ms: float, tau_syn_ms: float, c_m_pf: float,
                    dt_ms: float) -> float:
    """Current (pA) that, present for exactly one step of ``dt_ms``, raises V by ``jump_mv``.

    Uses the exact propagator of ``iaf_psc_exp``: a current I at the start of a step adds
    ``I · tau_s tau_m / (C_m (tau_m - tau_s)) · (exp(-dt/tau_m) - exp(-dt/tau_s))`` mV by its end.
    """
    if tau_m_ms == tau_syn_ms:
        p21 = dt_ms / c_m_pf * math.exp(-dt_ms / tau_m_ms)
    else:
        p21 = (tau_syn_ms * tau_m_ms / (c_m_pf * (tau_m_ms - tau_syn_ms))
               * (math.exp(-dt_ms / tau_m_ms) - math.exp(-dt_ms / tau_syn_ms)))
    return jump_mv / p21


def run_nest(
    connectome,
    params=None,
    *,
    stimulate: Sequence[int] | np.ndarray = (),
    rate_hz: float = 150.0,
    silence: Sequence[int] | np.ndarray = (),
    duration_ms: float = 1000.0,
    seed: int = 0,
    threads: int = 2,
    record_v: Sequence[int] | np.ndarray = (),
    input_spikes=None,
) -> NestResult:
    """Simulate the Shiu model of ``connectome`` in NEST (``iaf_psc_exp``) and return its spikes.

    connectome: neurocast Connectome (N neurons, E connections; gap junctions are ignored,
      as in Shiu et al.).
    params: a ``ShiuParams`` (mV, ms; dt, delay, weights, refractory period are read from it);
      None for the published values.
    stimulate: positions (0..N-1) of neurons driven by independent Poisson trains at ``rate_hz``.
    silence: positions whose outgoing connections are removed (weight 0).
    duration_ms: simulated time (ms); seed: NEST's rng_seed is ``seed + 1``; threads: local threads.
    record_v: positions whose membrane potential is sampled every step (``NestResult.v_mv``,
      columns sorted by position).
    input_spikes: explicit input trains instead of Poisson input, as in ``neurocast.sim.simulate``:
      a Spikes object or (steps, positions); each event adds ``w_input_mv`` to v of its neuron
      (those neurons are the driven ones). Same inputs in both simulators allow spike-by-spike
      comparison.
    Resets the NEST kernel (NEST holds one network per process). NEST runs 2·delay longer than
    ``duration_ms`` and its clock is shifted back by that much, so that input reaches the driven
    neurons from time 0 and spike steps follow neurocast's convention (spike at step n = n·dt).
    """
    if params is None:
        params = ShiuParams()
    p = _shiu_values(params)
    n = connectome.n_neurons
    stimulate = np.unique(np.asarray(stimulate, dtype=np.int64))
    silence = np.unique(np.asarray(silence, dtype=np.int64))
    if not (np.isfinite(rate_hz) and rate_hz >= 0):
        raise ConfigError(f"rate_hz must be finite and >= 0, got {rate_hz}")
    if not (np.isfinite(duration_ms) and duration_ms > 0):
        raise ConfigError(f"duration_ms must be finite and > 0, got {duration_ms}")
    n_steps = round(duration_ms / p["dt"])
    explicit = None
    if input_spikes is not None:
        in_steps, in_neurons, _ = explicit_events(input_spikes, n, n_steps, p["w_poisson"])
        explicit = (in_steps, in_neurons.astype(np.int64))
        stimulate = np.unique(explicit[1])
    for arr, what in ((stimulate, "stimulate"), (silence, "silence")):
        if len(arr) and (arr.min() < 0 or arr.max() >= n):
            raise ConfigError(f"{what} positions must lie in 0..{n - 1}")
    if threads < 1:
        raise ConfigError(f"threads must be >= 1, got {threads}")
    dt, delay = p["dt"], p["delay"]
    # Input travels generator -> parrot -> neuron (two delays); NEST runs that much longer and
    # its clock is shifted back so that spike steps line up with neurocast's.
    shift = round(2 * delay / dt)
    nest = _import_nest()

    t0 = time.perf_counter()
    nest.ResetKernel()
    nest.set(resolution=dt, local_num_threads=int(threads), rng_seed=int(seed) % (2**31 - 2) + 1,
             print_time=False)
    nodes = nest.Create("iaf_psc_exp", n, params=shiu_nest_params(params))
    first = int(nodes[0].global_id)
    # Chemical synapses: drop silenced presynaptic neurons and zero weights (sign 0).
    pre = connectome.pre_positions()
    w_mv = connectome.weight.astype(np.float64) * p["w_syn"]
    keep = w_mv != 0
    if len(silence):
        keep &= ~np.isin(pre, silence)
    src = pre[keep].astype(np.uint64) + first
    tgt = connectome.indices[keep].astype(np.uint64) + first
    if len(src):
        # C_m = tau_m numerically, so the weight in pA equals the Shiu weight in mV.
        nest.Connect(src, tgt, "one_to_one",
                     syn_spec={"synapse_model": "static_synapse", "weight": w_mv[keep],
                               "delay": np.full(len(src), delay)})
    if len(stimulate) and (rate_hz > 0 or explicit is not None):
        driven = nodes[stimulate.tolist()]
        driven.set(t_ref=0.0)
        parrots = nest.Create("parrot_neuron", len(stimulate))
        if explicit is None:
            gen = nest.Create("poisson_generator", params={"rate": float(rate_hz)})
            nest.Connect(gen, parrots, "all_to_all", {"delay": delay})
        else:
            # one spike_generator per driven neuron; an event at step k (neurocast: v jumps in
            # step k, the neuron fires at step k + 1) is emitted at time (k + 1) dt
            gens = nest.Create("spike_generator", len(stimulate))
            row = np.searchsorted(stimulate, explicit[1])
            order = np.lexsort((explicit[0], row))
            bounds = np.searchsorted(row[order], np.arange(len(stimulate) + 1))
            times = (explicit[0][order] + 1) * dt
            gens.set([{"spike_times": np.unique(times[a:b]).tolist()}
                      for a, b in itertools.pairwise(bounds)])
            nest.Connect(gens, parrots, "one_to_one", {"delay": delay})
        w_pulse = pulse_weight_pa(p["w_poisson"], tau_m_ms=p["tau_m"], tau_syn_ms=p["tau_syn"],
                                  c_m_pf=p["tau_m"], dt_ms=dt)
        nest.Connect(parrots, driven, "one_to_one", {"weight": w_pulse, "delay": delay})
        nest.Connect(parrots, driven, "one_to_one",
                     {"weight": -w_pulse * math.exp(-dt / p["tau_syn"]), "delay": delay + dt})
    recorder = nest.Create("spike_recorder")
    nest.Connect(nodes, recorder)
    record_v = np.unique(np.asarray(record_v, dtype=np.int64))
    meter = None
    if len(record_v):
        meter = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": dt})
        nest.Connect(meter, nodes[record_v.tolist()])
    nest.Prepare()
    build_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    nest.Run(float((n_steps + shift) * dt))
    run_s = time.perf_counter() - t1
    nest.Cleanup()

    v_mv = None
    if meter is not None:
        mev = meter.get("events")
        who = np.asarray(mev["senders"], dtype=np.int64) - first
        when = np.rint(np.asarray(mev["times"]) / dt).astype(np.int64) - 1 - shift
        ok = (when >= 0) & (when < n_steps)
        v_mv = np.full((n_steps, len(record_v)), np.nan)
        v_mv[when[ok], np.searchsorted(record_v, who[ok])] = np.asarray(mev["V_m"])[ok]
    ev = recorder.get("events")
    senders = np.asarray(ev["senders"], dtype=np.int64) - first
    steps = np.rint(np.asarray(ev["times"], dtype=np.float64) / dt).astype(np.int64) - 1 - shift
    ok = (steps >= 0) & (steps < n_steps)
    steps, senders = steps[ok], senders[ok]
    order = np.lexsort((senders, steps))
    spikes = Spikes(steps[order], senders[order].astype(np.int32), n, dt, n_steps * dt,
                    attrs={"simulator": f"nest {nest.__version__}", "model": "iaf_psc_exp (shiu map)",
                           "seed": int(seed), "rate_hz": float(rate_hz), "threads": int(threads),
                           "stimulate": stimulate.tolist(), "silence": silence.tolist()})
    return NestResult(spikes=spikes, build_s=build_s, run_s=run_s, threads=int(threads), v_mv=v_mv)
