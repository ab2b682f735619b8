"""The Shiu et al. model in Brian2 (a peer), for equivalence tests and benchmarks.

``run_brian2(net, duration_ms, ...)`` builds the same model as neurocast's ``shiu`` preset
in Brian2 2.9 — the equations, ``method='linear'``, threshold ``v > v_th``, reset
``v = v_rst; g = 0 mV``, ``refractory='rfc'`` with ``(unless refractory)`` on v and g, one
Synapses object ``g += w`` with the homogeneous delay — runs it and returns spike counts,
spike trains and timings (build, compile, run) separately.

Inputs: driven neurons get rfc = 0 and either independent Poisson events (a PoissonGroup
connected one-to-one with ``v += w_input``; the same Bernoulli-per-step law as Shiu et al.'s
``PoissonInput(N=1)``, in the same 'synapses' scheduling slot) or explicit trains through a
SpikeGeneratorGroup (to compare spike for spike with neurocast fed the same trains).

With ``adapt_mv > 0`` the threshold rises at each spike as in neurocast
(``dtheta/dt = -theta/tau_adapt (unless refractory)``, threshold ``v > v_th + theta``,
reset adds ``theta += adapt_mv``).

``n_copies`` simulates independent copies of the network side by side in one Brian2 run
(block-diagonal synapses, independent inputs): a cheap way to get many trials with one
compilation. Brian2 must be installed (the ``peers`` extra).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

from neurocast.errors import ConfigError
from neurocast.sim._network import Network, check_duration, check_rate

__all__ = ["DEVICES", "Brian2Result", "run_brian2"]

DEVICES = ("runtime", "numpy", "cpp_standalone")


@dataclass
class Brian2Result:
    """Output of one Brian2 run.

    counts: int64 (n_copies, N) spikes per neuron and copy.
    steps, neurons, copies: int64 (S,) spike step index, neuron position, copy index.
    build_s: constructing the Brian2 objects (s); compile_s: code generation and compilation
    (s); run_s: Brian2's own measurement of the simulation loop (s).
    device: the device used.
    """

    counts: np.ndarray
    steps: np.ndarray
    neurons: np.ndarray
    copies: np.ndarray
    build_s: float
    compile_s: float
    run_s: float
    device: str
    extra: dict = field(default_factory=dict)


def run_brian2(net: Network, duration_ms: float, *, stimulate=None, rate_hz: float | None = None,
               input_spikes=None, n_copies: int = 1, seed: int = 0, device: str = "runtime",
               threads: int = 1, directory: str | None = None) -> Brian2Result:
    """Run the Shiu model of ``net`` in Brian2 and return counts, spikes and timings.

    net: a neurocast Network (parameters, silencing and per-connection delays are taken from it).
    stimulate: driven neurons (any selection accepted by ``net.resolve``); rfc = 0 for them.
    rate_hz: Poisson rate of the driven neurons (default net.params.rate_hz).
    input_spikes: explicit (steps, neurons) input trains instead of Poisson (copy 0 only when
      n_copies > 1 is not allowed: use n_copies=1); each event adds w_input_mv to v.
    n_copies: independent copies simulated side by side (trials in one run).
    seed: Brian2's random seed.
    device: "runtime" (Cython code generation), "numpy" (no compiler) or "cpp_standalone".
    threads: OpenMP threads for cpp_standalone.
    directory: build folder for cpp_standalone (default: a temporary folder).
    """
    # brian2: the optional peer simulator (extra 'peers')
    import brian2 as b2

    if device not in DEVICES:
        raise ConfigError(f"unknown Brian2 device {device!r}", f"use one of {', '.join(DEVICES)}")
    if net.neuron_params:
        raise ConfigError("the Brian2 peer runs the uniform Shiu preset only",
                          "build the network without neuron_params to compare with Brian2")
    if input_spikes is not None and n_copies != 1:
        raise ConfigError("input_spikes works with n_copies=1 only")
    p = net.params
    n_steps = check_duration(duration_ms, p.dt_ms)
    rate = p.rate_hz if rate_hz is None else check_rate(rate_hz, p.dt_ms)
    nn = net.n_neurons
    driven = net.resolve(stimulate, seed=seed)
    if input_spikes is not None:
        steps_in, neu_in = (np.asarray(a, dtype=np.int64) for a in input_spikes)
        if stimulate is None:
            driven = np.unique(neu_in)

    t0 = time.perf_counter()
    if device == "cpp_standalone":
        tmp = directory or tempfile.mkdtemp(prefix="neurocast-brian2-")
        b2.set_device("cpp_standalone", directory=tmp, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = int(threads)
    else:
        b2.set_device("runtime")
        b2.prefs.codegen.target = "cython" if device == "runtime" else "numpy"
    b2.start_scope()
    b2.defaultclock.dt = p.dt_ms * b2.ms
    b2.seed(int(seed))
    mv, ms = b2.mV, b2.ms
    ns = {"v_0": p.v_rest_mv * mv, "v_rst": p.v_reset_mv * mv, "v_th": p.v_threshold_mv * mv,
          "t_mbr": p.tau_m_ms * ms, "tau": p.tau_syn_ms * ms}
    eqs = """
    dv/dt = (v_0 - v + g) / t_mbr : volt (unless refractory)
    dg/dt = -g / tau : volt (unless refractory)
    rfc : second
    """
    threshold, reset = "v > v_th", "v = v_rst; g = 0 * mV"
    if p.adapt_mv > 0:  # spike-frequency adaptation: a threshold that rises at each spike
        eqs += "dtheta/dt = -theta / t_adp : volt (unless refractory)\n"
        threshold, reset = "v > v_th + theta", reset + "; theta += adp"
        ns.update(t_adp=p.tau_adapt_ms * ms, adp=p.adapt_mv * mv)
    total = nn * n_copies
    neu = b2.NeuronGroup(total, eqs, method="linear", threshold=threshold, reset=reset,
                         refractory="rfc", namespace=ns, name="shiu_neurons")
    neu.v = p.v_rest_mv * mv
    neu.g = 0 * mv
    rfc_ms = np.full(total, p.refractory_ms)
    offsets = np.arange(n_copies, dtype=np.int64) * nn
    driven_all = (driven[None, :] + offsets[:, None]).ravel()
    rfc_ms[driven_all] = 0.0
    neu.rfc = rfc_ms * ms

    pre = np.repeat(np.arange(nn, dtype=np.int64), np.diff(net.indptr))
    post = net.indices.astype(np.int64)
    w_mv = net.weight.astype(np.float64) * p.w_syn_mv
    keep = w_mv != 0.0
    pre, post, w_mv = pre[keep], post[keep], w_mv[keep]
    if net.delay_steps is None:
        syn = b2.Synapses(neu, neu, "w : volt", on_pre="g += w", delay=p.delay_ms * ms,
                          name="shiu_synapses")
    else:
        syn = b2.Synapses(neu, neu, "w : volt", on_pre="g += w", name="shiu_synapses")
    syn.connect(i=(pre[None, :] + offsets[:, None]).ravel(),
                j=(post[None, :] + offsets[:, None]).ravel())
    syn.w = np.tile(w_mv, n_copies) * mv
    if net.delay_steps is not None:
        syn.delay = np.tile(net.delay_steps[keep] * p.dt_ms, n_copies) * ms
    objects = [neu, syn]
    w_in = {"w_in": p.w_input_mv * mv}
    if input_spikes is not None:
        uniq, src = np.unique(neu_in, return_inverse=True)
        gen = b2.SpikeGeneratorGroup(len(uniq), src, steps_in * p.dt_ms * ms, name="shiu_input")
        isyn = b2.Synapses(gen, neu, on_pre="v += w_in", namespace=w_in, name="shiu_input_syn")
        isyn.connect(i=np.arange(len(uniq)), j=uniq)
        objects += [gen, isyn]
    elif len(driven_all) and rate > 0:
        pg = b2.PoissonGroup(len(driven_all), rate * b2.Hz, name="shiu_poisson")
        isyn = b2.Synapses(pg, neu, on_pre="v += w_in", namespace=w_in, name="shiu_input_syn")
        isyn.connect(i=np.arange(len(driven_all)), j=driven_all)
        objects += [pg, isyn]
    mon = b2.SpikeMonitor(neu, name="shiu_spikes")
    objects.append(mon)
    network = b2.Network(*objects)
    build_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    network.run(n_steps * p.dt_ms * ms)
    if device == "cpp_standalone":
        b2.device.build(directory=tmp, compile=True, run=True, debug=False)
    run_s = float(b2.get_device()._last_run_time)
    elapsed = time.perf_counter() - t1
    idx = np.asarray(mon.i[:], dtype=np.int64)
    steps = np.round(np.asarray(mon.t[:] / ms) / p.dt_ms).astype(np.int64)
    if device == "cpp_standalone":
        b2.device.reinit()
        b2.device.activate()
        b2.set_device("runtime")
    copies, neurons = np.divmod(idx, nn)
    order = np.lexsort((neurons, steps))
    counts = np.bincount(idx, minlength=total).reshape(n_copies, nn).astype(np.int64)
    return Brian2Result(counts, steps[order], neurons[order], copies[order], build_s,
                        max(0.0, elapsed - run_s), run_s, device)
