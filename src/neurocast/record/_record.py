"""record(): simulate a connectome under a stimulus plan and image it (private)."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

import numpy as np

from neurocast._progress import progress as make_bar
from neurocast._progress import quiet
from neurocast.connectome import Connectome, load_connectome
from neurocast.data import make_dataset, save_dataset
from neurocast.errors import ConfigError, NeurocastError
from neurocast.observe import CalciumIntegrator, ObserveConfig, fluorescence, plane_offsets
from neurocast.record._kernels import add_spike_counts
from neurocast.record._plan import StimulusPlan, get_plan
from neurocast.sim import (
    GradedParams,
    PoissonInput,
    build_network,
    neuron_model,
    simulate_chunks,
    simulate_graded_chunks,
)

__all__ = ["SIM_DT_MS", "build_inputs", "record", "record_to"]

#: Simulation step for recordings (ms). 0.2 ms is the coarsest step that keeps the Shiu et al.
#: delay (1.8 ms = 9 steps) and refractory period (2.2 ms = 11 steps) whole numbers of steps;
#: the integration is exact, so it only quantises spike times to 0.2 ms, far below a frame.
SIM_DT_MS = 0.2

#: Frames simulated per chunk of the one continuous simulation (bounds the spike buffer).
CHUNK_FRAMES = 64
#: Frames of calcium integrated at once (its scratch memory is 16 bytes × frames × neurons).
INTEGRATE_FRAMES = 64


def _load(network):
    if isinstance(network, Connectome):
        return network
    return load_connectome(network)


def build_inputs(plan: StimulusPlan, connectome, *, start_frame: int = 0,
                 stop_frame: int | None = None, seed: int = 0) -> list:
    """Poisson inputs (``neurocast.sim.PoissonInput``) of a stimulus plan, for frames [start, stop).

    Times are in ms relative to ``start_frame``: one input per drive pulse overlapping the
    window, one per visit of a state (``plan.states``, the state sequence of recording ``seed``)
    and drive, plus the background drive (``plan.background_neurons``).
    """
    stop_frame = plan.n_frames if stop_frame is None else stop_frame
    ms = plan.frame_dt_s * 1000.0
    driven = plan.resolve(connectome)
    inputs = []
    for ci, di, a, b in plan.pulses():
        a, b = max(a, start_frame), min(b, stop_frame)
        if a >= b:
            continue
        d = plan.conditions[ci].drives[di]
        inputs.append(PoissonInput(driven[ci][di], float(d.rate_hz), float(d.weight_mv),
                                   start_ms=(a - start_frame) * ms, stop_ms=(b - start_frame) * ms))
    for i, k, a_s, b_s, neurons in plan.state_inputs(connectome, seed):
        a_ms, b_ms = max(a_s * 1000.0, start_frame * ms), min(b_s * 1000.0, stop_frame * ms)
        if a_ms >= b_ms:
            continue
        d = plan.states.states[i].drives[k]
        inputs.append(PoissonInput(neurons, float(d.rate_hz), float(d.weight_mv),
                                   start_ms=a_ms - start_frame * ms, stop_ms=b_ms - start_frame * ms))
    if plan.background_rate_hz > 0:
        inputs.append(PoissonInput(plan.background_neurons(connectome), float(plan.background_rate_hz),
                                   float(plan.background_weight_mv)))
    return inputs


def _simulate(net, plan: StimulusPlan, connectome, seed: int, record_seed: int):
    """Yield (spike_t_s, spike_neuron, end_s) chunk by chunk of ONE continuous simulation.

    The whole plan is one ``simulate_chunks`` run (state carried over, so the spikes are
    exactly those of a single ``simulate`` call) cut into chunks of about ``CHUNK_FRAMES``
    frames (whole simulation steps); spike times are in s from the start, ``end_s`` is the
    chunk's end (all spikes before it have been yielded). ``net`` is a Network, or GradedParams
    for the graded model (whose calcium events take the place of spikes).
    """
    graded = isinstance(net, GradedParams)
    dt = net.dt_ms if graded else net.params.dt_ms
    frame_ms = plan.frame_dt_s * 1000.0
    n_steps = max(1, round(plan.n_frames * frame_ms / dt))
    chunk_steps = max(1, round(CHUNK_FRAMES * frame_ms / dt))
    inputs = build_inputs(plan, connectome, seed=record_seed)
    if graded:
        chunks = simulate_graded_chunks(connectome, n_steps * dt, chunk_steps * dt, params=net, seed=seed,
                                        inputs=inputs)
    else:
        chunks = simulate_chunks(net, n_steps * dt, chunk_steps * dt, seed=seed, inputs=inputs)
    for sp in chunks:
        lo = int(sp.attrs["start_step"])
        hi = lo + round(sp.duration_ms / dt)
        yield ((sp.steps + lo) * (dt / 1000.0)).astype(np.float64), sp.neurons.astype(np.int32), hi * dt / 1000.0


def record(network, plan: str | StimulusPlan, *, seed: int = 0, n_frames: int | None = None,
           observe: ObserveConfig | None = None, params=None, spike_counts: bool = True,
           progress: bool | None = None):
    """Simulate ``network`` under a stimulus ``plan`` and return a synthetic calcium-imaging Dataset.

    network: a built-in connectome name, a path, or a Connectome.
    plan: a registered stimulus plan name (``PLANS``) or a StimulusPlan.
    seed: one seed for the simulation (Poisson inputs) and the imaging noise; same seed, same data.
    n_frames: record only this many frames (every condition shortened in proportion), for quick runs.
    observe: ``neurocast.observe.ObserveConfig`` (indicator, noise, ...; default settings if None).
    params: ``neurocast.sim.ShiuParams`` (default: the plan's neuron model preset, e.g.
      fly-zap's ``"shiu-adapt"``, with dt_ms = ``SIM_DT_MS``; attr ``sim_model`` names the preset
      the parameters match, else "custom").
    spike_counts: include ``spike_counts`` (time, neuron) uint16 (spikes per frame).
    progress: show progress bars (None: when stderr is a terminal; False: never).

    Returns an ``xarray.Dataset`` in the shared schema: ``traces`` (time, neuron) float32 ΔF/F,
    ``condition`` (time,), ``stimulus`` (time, covariate) float32, optional ``spike_counts``;
    coords ``time`` (s), ``neuron`` (names), ``covariate``; attrs ``dt_s``, ``source`` (the
    connectome name), ``stimulus_plan``, ``protocol`` (the plan's split protocol), ``indicator``,
    ``seed``, ``conditions``, ``heldout_conditions``, ``neurocast_version``, plus ``sim_dt_ms``,
    ``n_spikes``, ``wall_sim_s``, ``wall_observe_s``.
    The connectome is not inside the Dataset: pass the same Connectome to
    ``neurocast.data.save_dataset(ds, path, connectome=con)``, or use ``record_to``.
    """
    with quiet(progress is False):
        return _record(network, plan, seed=seed, n_frames=n_frames, observe=observe, params=params,
                       spike_counts=spike_counts)


def _record(network, plan, *, seed, n_frames, observe, params, spike_counts):
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ConfigError(f"the seed must be a non-negative integer, got {seed!r}", "e.g. --seed 0")
    stim_plan = get_plan(plan)
    if n_frames is not None:
        stim_plan = stim_plan.with_frames(int(n_frames))
    cfg = observe if observe is not None else ObserveConfig()
    if not isinstance(cfg, ObserveConfig):
        raise ConfigError(f"observe must be an ObserveConfig, not {type(cfg).__name__}")
    con = _load(network)
    if stim_plan.model == "graded":
        params = params if params is not None else stim_plan.graded_params
        net = params
    else:
        params = params if params is not None else neuron_model(stim_plan.model).replace(dt_ms=SIM_DT_MS)
        net = build_network(con, params)
    n, t_total = con.n_neurons, stim_plan.n_frames
    frame_dt = stim_plan.frame_dt_s
    z = con.neurons["z"].to_numpy() if "z" in con.neurons.columns else None
    integ = CalciumIntegrator(n, frame_dt, cfg.indicator, plane_offsets(n, cfg.n_planes, frame_dt, z))
    traces = np.empty((t_total, n), dtype=np.float32)
    counts = np.zeros((t_total, n), dtype=np.uint16) if spike_counts else None
    n_spikes = 0
    t0 = time.perf_counter()
    # the Poisson inputs' seed (derived twice, so recordings match those made before chunking)
    sim_seed = int(np.random.SeedSequence([int(seed), 1]).generate_state(1)[0])
    sim_seed = int(np.random.SeedSequence(sim_seed).generate_state(1)[0])
    # Calcium is integrated in groups of INTEGRATE_FRAMES frames at fixed positions (0, 64, ...)
    # as soon as all their spikes have arrived, so traces do not depend on the chunking.
    edges = np.append(np.arange(0, t_total, INTEGRATE_FRAMES), t_total)
    half_step_s = 0.5e-3 * params.dt_ms
    g = 0  # next group to integrate: frames edges[g]:edges[g + 1]
    held_t, held_n = np.zeros(0), np.zeros(0, np.int32)  # spikes of the groups not yet integrated
    with make_bar(total=t_total, desc=f"simulating {con.name or 'network'}", unit="frame") as bar:
        for t_s, neu, end_s in itertools.chain(_simulate(net, stim_plan, con, sim_seed, int(seed)), [(None,) * 3]):
            if t_s is not None:
                if counts is not None and len(t_s):
                    add_spike_counts(t_s, neu, frame_dt, counts)
                n_spikes += len(t_s)
                held_t = np.concatenate([held_t, t_s]) if len(held_t) else t_s
                held_n = np.concatenate([held_n, neu]) if len(held_n) else neu
            g0 = g
            # a group is complete when it ends at least half a step before the chunk's end
            # (end of the run: everything left)
            while g < len(edges) - 1 and (t_s is None or edges[g + 1] * frame_dt < end_s - half_step_s):
                a, b = int(edges[g]), int(edges[g + 1])
                k = len(held_t) if g == len(edges) - 2 else int(np.searchsorted(held_t, b * frame_dt))
                integ.advance(held_t[:k], held_n[:k], b - a, out=traces[a:b])
                held_t, held_n = held_t[k:], held_n[k:]
                g += 1
            bar.update(int(edges[g] - edges[g0]))
    t1 = time.perf_counter()
    with make_bar(total=n, desc="imaging", unit="neuron") as bar:
        fluorescence(traces, cfg, frame_dt_s=frame_dt, seed=int(seed), progress=bar)
    t2 = time.perf_counter()
    names, cov = stim_plan.covariates(int(seed), con)
    if stim_plan.model == "graded":
        sim_attrs = {"sim_model": "graded", "sim_dt_ms": float(params.dt_ms)}
    else:
        sim_attrs = {"sim_model": params.preset_name(), "sim_dt_ms": float(params.dt_ms),
                     "sim_adapt_mv": float(params.adapt_mv), "sim_tau_adapt_ms": float(params.tau_adapt_ms)}
    return make_dataset(
        traces, dt_s=frame_dt, condition=stim_plan.condition_per_frame(), neuron=con.names.astype(str),
        stimulus=cov, covariate=names, spike_counts=counts, source=con.name or "connectome",
        protocol=stim_plan.split_protocol, stimulus_plan=stim_plan.name, indicator=cfg.indicator, seed=int(seed),
        heldout_conditions=stim_plan.heldout_conditions,
        attrs={**sim_attrs, "n_spikes": int(n_spikes),
               "wall_sim_s": round(t1 - t0, 3), "wall_observe_s": round(t2 - t1, 3),
               "snr": float(cfg.snr), "normalised": bool(cfg.normalise)},
    )


def record_to(path: str | os.PathLike, network, plan: str | StimulusPlan, *, seed: int = 0,
              overwrite: bool = False, n_frames: int | None = None, observe: ObserveConfig | None = None,
              params=None, spike_counts: bool = True, progress: bool | None = None) -> Path:
    """``record`` and save the Dataset with its connectome at ``path`` (zarr, atomic).

    Checks ``path`` and the plan before simulating: raises NeurocastError if the path exists
    and not ``overwrite``, or its folder does not exist. Returns the path.
    """
    path = Path(path)
    get_plan(plan)
    if path.exists() and not overwrite:
        raise NeurocastError(f"output '{path}' already exists", "choose another path or pass --overwrite")
    if not path.parent.exists():
        raise NeurocastError(f"output folder '{path.parent}' does not exist",
                             "create it first or choose another path")
    con = _load(network)
    ds = record(con, plan, seed=seed, n_frames=n_frames, observe=observe, params=params,
                spike_counts=spike_counts, progress=progress)
    return save_dataset(ds, path, connectome=con, overwrite=overwrite)
