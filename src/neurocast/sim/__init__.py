"""Spiking-network simulation: the Shiu et al. (2024) whole-brain LIF model, fast.

Public API (see docs/simulator.md for the exact semantics and measured speeds):

- ``ShiuParams``: frozen dataclass of the model parameters (mV, ms, Hz) with the published
  defaults; ``params.replace(**changes)``. ``NEURON_MODELS`` / ``neuron_model(name)``: named
  presets, ``"shiu"`` (published) and ``"shiu-adapt"`` (with spike-frequency adaptation).
- ``build_network(connectome, params=None, *, silence=None, neuron_params=None,
  delays_ms=None) -> Network``: synapse arrays (CSR by presynaptic neuron, signed synapse
  counts as float32; silenced rows zero) plus parameters; optional per-neuron v_rest_mv,
  v_threshold_mv, v_reset_mv, refractory_ms, i_ext_mv and per-connection delays.
  ``net.with_params(**changes)`` changes parameters without touching the arrays.
- ``PoissonInput(neurons, rate_hz, weight_mv, start_ms=0.0, stop_ms=None)``: independent
  Poisson event trains into v (e.g. a background drive or a time-windowed stimulus).
- ``simulate(net, duration_ms, *, stimulate=None, rate_hz=None, inputs=(), input_spikes=None,
  seed=0, mode="fast", progress=False) -> Spikes``.
- ``simulate_chunks(net, duration_ms, chunk_ms, **same) -> Iterator[Spikes]``: the same run
  yielded chunk by chunk with continuous state (long runs in bounded memory).
- ``trace(net, duration_ms, record, **same) -> Trace``: spikes plus v, g of chosen neurons
  at every step (for validation and plots).
- ``run_trials(net, duration_ms, n_trials, *, seed=0, n_jobs=2, **simulate_kwargs)
  -> list[Spikes]``: trial k uses seed + k; both cores via forked processes.
- ``sweep(net, duration_ms, param, values, *, n_trials=1, seed=0, n_jobs=2, **kw)
  -> list[list[Spikes]]``: e.g. ``sweep(net, 1000, "rate_hz", range(10, 261, 50), ...)``.
- ``resolve_neurons(connectome, selection, *, seed=0) -> positions``: names, ids, NumPy
  positions, boolean masks or "random:K".
- ``MODES = ("fast", "reference")``: the event-driven engine and the dense reference;
  identical spike trains for the same seed.

- ``GradedParams``, ``simulate_graded(connectome, duration_ms, *, params, inputs, seed, i_ext_pa,
  sample_ms) -> GradedTrace``, ``simulate_graded_chunks(...)``, ``graded_equilibrium(connectome)``:
  the graded-potential C. elegans model of Kunert, Shlizerman & Kutz (2014) with gap junctions
  and graded synapses; its calcium events feed the observation model like spikes.

The Brian2 version of the same model (for equivalence tests and benchmarks) is in
``neurocast.sim._brian2.run_brian2``.
"""

from neurocast.sim._experiments import run_trials, sweep
from neurocast.sim._graded import (
    GradedParams,
    GradedTrace,
    graded_equilibrium,
    simulate_graded,
    simulate_graded_chunks,
)
from neurocast.sim._network import Network, PoissonInput, build_network, resolve_neurons
from neurocast.sim._params import NEURON_MODELS, ShiuParams, neuron_model
from neurocast.sim._simulate import MODES, Trace, simulate, simulate_chunks, trace

__all__ = [
    "MODES",
    "NEURON_MODELS",
    "GradedParams",
    "GradedTrace",
    "Network",
    "PoissonInput",
    "ShiuParams",
    "Trace",
    "build_network",
    "graded_equilibrium",
    "neuron_model",
    "resolve_neurons",
    "run_trials",
    "simulate",
    "simulate_chunks",
    "simulate_graded",
    "simulate_graded_chunks",
    "sweep",
    "trace",
]
