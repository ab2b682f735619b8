"""Spiking-network simulation: the Shiu et al. (2024) whole-brain LIF model, fast.

Public API (see docs/simulator.md for the exact semantics and measured speeds):

- ``ShiuParams``: frozen dataclass of the model parameters (mV, ms, Hz) with the published
  defaults; ``params.replace(**changes)``.
- ``NEURON_MODELS`` (name -> ``NeuronModel``: default params, build_network, simulate),
  ``neuron_model(name)`` (its params), ``get_neuron_model(name)``, ``register_neuron_model``:
  ``preset_name(params)`` (the model they are, else "custom"), ``RECORD_DT_MS`` (the Shiu
  models' step in recordings): ``"shiu"`` (published), ``"shiu-adapt"`` (with spike-frequency adaptation) and ``"graded"``
  (Kunert et al. 2014, below); each names its own build_network, simulate and simulate_chunks.
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
  yielded chunk by chunk with continuous state (long runs in bounded memory);
  ``simulate_to_file(net, duration_ms, path, **same)`` streams them into a spike file
  (``SpikeFileWriter``, chunks of ``CHUNK_MS`` by default); ``estimate(net, duration_ms, **same) -> Estimate``: time and memory
  from a short probe (long runs are checked with it before they start).
- ``trace(net, duration_ms, record, **same) -> Trace``: spikes plus v, g of chosen neurons
  at every step (for validation and plots).
- ``run_trials(net, duration_ms, n_trials, *, seed=0, n_jobs=2, **simulate_kwargs)
  -> list[Spikes]``: trial k uses seed + k; both cores via forked processes.
- ``sweep(net, duration_ms, param, values, *, n_trials=1, seed=0, n_jobs=2, **kw)
  -> list[list[Spikes]]``: e.g. ``sweep(net, 1000, "rate_hz", range(10, 261, 50), ...)``.
- ``run_experiments(network, experiments, duration_ms, *, n_trials=1, seed=0, client=None,
  scheduler=None, n_workers=2, ...) -> xarray.Dataset``: a screen (``each_experiments(con,
  "silence:each"|"stimulate:each", neurons)``, ``grid_experiments(param, values)``) as Dask
  tasks; rates (experiment × neuron), identical to simulating the experiments one by one.
  ``save_sweep(ds, path.zarr)``; ``check_experiments(con, experiments, params=, silence=)``
  refuses an experiment that cannot run, before any cluster. Needs the ``dask`` extra.
- ``simulate_mpi(net, duration_ms, *, same as simulate, comm=None, stats=None) -> Spikes``:
  the same run across MPI ranks (``mpiexec -n K``): neurons partitioned round robin, synapses
  stored with their postsynaptic neuron, spikes exchanged every synaptic delay; identical
  spike trains for any K. ``partition_network``, ``MPIStats``; ``mpi_world_size()`` and
  ``mpi_rank()`` read the launcher's environment (no mpi4py; a rank counts only when the size
  is > 1: ``srun -n 8`` sets one for independent tasks too). Needs the ``mpi`` extra.
- ``resolve_neurons(connectome, selection, *, seed=0) -> positions``: names, ids, name
  patterns ("ASH*", "AV[AB]?"), NumPy positions, boolean masks (NumPy, pandas Series/Index,
  lists of bools; a Series matched by its index: default 0..N-1 or neuron names, else refused)
  or "random:K"; masks, Series and patterns read as ``Connectome.index_of`` reads them.
- ``MODES = ("fast", "event", "reference")``: automatic choice between the event-driven and
  the dense engine every 1,000 steps, event-driven only, dense only; identical spike trains for
  the same seed, and for any ``threads``.
- ``MAX_STEPS = 10**12``: the most steps one run may take (3.2 years simulated at 0.1 ms);
  longer requests raise ConfigError before anything runs. ``PROBE_FROM_STEPS = 50_000``: runs
  of more steps are first probed (``estimate``) and refused if they cannot fit.
- ``check_duration(duration, dt_ms, *, name="duration_ms", unit_ms=1.0) -> n_steps``: the
  check every engine makes (positive, whole steps, at most ``MAX_STEPS``), with messages that
  name the caller's option and unit (the CLI passes ``name="--duration", unit_ms=1000``).
- ``check_disjoint(connectome, driven, silenced, hint)``: refuses a neuron both driven and
  silenced; ``is_whole_steps(value_ms, dt_ms)``, ``common_step_ms(dt_ms, *durations_ms)``
  (the largest step up to dt_ms that divides every duration): the checks behind the hints for
  a delay or refractory period that is not a whole number of steps.

- ``GradedParams``, ``build_graded_network(connectome, params) -> GradedNetwork``,
  ``simulate_graded(network_or_connectome, duration_ms, *, params, inputs, seed, i_ext_pa,
  sample_ms, threshold) -> GradedTrace``, ``simulate_graded_chunks(...)``,
  ``graded_equilibrium(connectome, params, *, i_ext_pa)``, ``THRESHOLDS``:
  the graded-potential C. elegans model of Kunert, Shlizerman & Kutz (2014) with gap junctions
  and graded synapses; its calcium events feed the observation model like spikes.
- ``measure_oscillation(v_mv, dt_ms) -> Oscillation``: amplitude, period (autocorrelation of
  the first principal component) and two-mode variance fraction of (time, neuron) traces.

The Brian2 version of the same model (for equivalence tests and benchmarks) is in
``neurocast.sim._brian2.run_brian2``.
"""

from neurocast.sim import _models  # noqa: F401  (registers the built-in neuron models)
from neurocast.sim._experiments import run_trials, sweep
from neurocast.sim._graded import (
    THRESHOLDS,
    GradedNetwork,
    GradedParams,
    GradedTrace,
    build_graded_network,
    graded_equilibrium,
    simulate_graded,
    simulate_graded_chunks,
)
from neurocast.sim._mpi import (
    MPIStats,
    mpi_rank,
    mpi_world_size,
    partition_network,
    simulate_mpi,
    simulate_mpi_chunks,
)
from neurocast.sim._network import (
    MAX_STEPS,
    Network,
    PoissonInput,
    build_network,
    check_disjoint,
    check_duration,
    resolve_neurons,
)
from neurocast.sim._oscillation import Oscillation, measure_oscillation
from neurocast.sim._params import RECORD_DT_MS, ShiuParams, common_step_ms, is_whole_steps
from neurocast.sim._registry import (
    NEURON_MODELS,
    NeuronModel,
    get_neuron_model,
    neuron_model,
    preset_name,
    register_neuron_model,
)
from neurocast.sim._responses import response_summary, select_neurons
from neurocast.sim._simulate import (
    MODES,
    PROBE_FROM_STEPS,
    Estimate,
    Trace,
    estimate,
    simulate,
    simulate_chunks,
    trace,
)
from neurocast.sim._stream import CHUNK_MS, SpikeFileWriter, simulate_to_file
from neurocast.sim._sweeps import (
    SWEEP_KINDS,
    Experiment,
    check_experiments,
    each_experiments,
    grid_experiments,
    run_experiments,
    save_sweep,
)

__all__ = [
    "CHUNK_MS",
    "MAX_STEPS",
    "MODES",
    "NEURON_MODELS",
    "PROBE_FROM_STEPS",
    "RECORD_DT_MS",
    "SWEEP_KINDS",
    "THRESHOLDS",
    "Estimate",
    "Experiment",
    "GradedNetwork",
    "GradedParams",
    "GradedTrace",
    "MPIStats",
    "Network",
    "NeuronModel",
    "Oscillation",
    "PoissonInput",
    "ShiuParams",
    "SpikeFileWriter",
    "Trace",
    "build_graded_network",
    "build_network",
    "check_disjoint",
    "check_duration",
    "check_experiments",
    "common_step_ms",
    "each_experiments",
    "estimate",
    "get_neuron_model",
    "graded_equilibrium",
    "grid_experiments",
    "is_whole_steps",
    "measure_oscillation",
    "mpi_rank",
    "mpi_world_size",
    "neuron_model",
    "partition_network",
    "preset_name",
    "register_neuron_model",
    "resolve_neurons",
    "response_summary",
    "run_experiments",
    "run_trials",
    "save_sweep",
    "select_neurons",
    "simulate",
    "simulate_chunks",
    "simulate_graded",
    "simulate_graded_chunks",
    "simulate_mpi",
    "simulate_mpi_chunks",
    "simulate_to_file",
    "sweep",
    "trace",
]
