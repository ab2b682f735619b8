"""record(): simulate a connectome under a stimulus plan and image it (private)."""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import time
from pathlib import Path

import numpy as np

from neurocast._background import run_ahead
from neurocast._files import check_output, require_output_folder
from neurocast._memory import available_memory_bytes, format_bytes
from neurocast._numbers import is_finite_real, is_whole
from neurocast._progress import progress as make_bar
from neurocast._progress import quiet
from neurocast.connectome import Connectome, load_connectome
from neurocast.data import make_dataset, save_dataset
from neurocast.errors import ConfigError, ResourceError
from neurocast.observe import (
    CalciumIntegrator,
    ObserveConfig,
    fluorescence,
    get_indicator,
    plane_offsets,
)
from neurocast.record._kernels import add_spike_counts
from neurocast.record._plan import StimulusPlan, get_plan
from neurocast.sim import RECORD_DT_MS, PoissonInput, get_neuron_model, preset_name

__all__ = ["RECORD_VERSION", "SIM_DT_MS", "build_inputs", "record", "record_to", "warmup_frames"]

#: Version of the way ``record`` turns a plan and a seed into data; bumped whenever the same plan
#: and seed give different data (traces, spike counts, attrs), so cached built-in recordings
#: are remade (their fingerprint holds it). 2: the network and the calcium warm up before
#: frame 0 (``warmup_frames``). 3: ``spike_counts`` count a spike in the frame whose sample
#: shows it first, every frame over one frame interval [t[f-1], t[f]) (a frame later than
#: before for most spikes; frame 0 from the warm-up's last frame interval, none after the last
#: sample: ``add_spike_counts``), and ``n_spikes`` is the spikes counted.
RECORD_VERSION = 3

#: Simulation step of the Shiu models in recordings (ms; their ``record_dt_ms``). 0.2 ms is the
#: coarsest step that keeps the Shiu et al. delay (1.8 ms = 9 steps) and refractory period
#: (2.2 ms = 11 steps) whole numbers of steps; the integration is exact, so it only quantises
#: spike times to 0.2 ms, far below a frame.
SIM_DT_MS = RECORD_DT_MS

#: Frames simulated per chunk of the one continuous simulation (bounds the spike buffer).
CHUNK_FRAMES = 64
#: Frames of calcium integrated at once (its scratch memory is 16 bytes × frames × neurons).
INTEGRATE_FRAMES = 64

#: The warm-up before frame 0 lasts at least WARMUP_MIN_S seconds and WARMUP_DECAYS decay time
#: constants of the indicator's calcium kernel (``warmup_frames``).
WARMUP_MIN_S = 10.0
WARMUP_DECAYS = 5.0


def warmup_frames(frame_dt_s: float, indicator, warmup_s: float | None = None) -> int:
    """Frames simulated and imaged before frame 0 of a recording, then discarded (int >= 0).

    A recording should start in the middle of the animal's life, not at the moment its calcium
    is switched on: without a warm-up, frame 0 shows the resting fluorescence against a
    baseline taken from the active recording (most neurons clipped at the lower ΔF/F bound),
    and the mean ΔF/F rises over the first seconds. ``warmup_s`` (seconds) defaults to
    max(WARMUP_MIN_S, WARMUP_DECAYS × τ_decay) for the indicator (name or Indicator): 10 s for
    every preset (GCaMP6s: τ_decay 1.15 s, so 5 τ is 5.8 s; after 10 s, e^(−10/1.15) ≈ 2·10⁻⁴
    of the start-up deficit is left); 10 s also covers the settling of the network itself
    (adaptation 1 s, graded membranes ~0.15 s). Rounded up to whole frames of ``frame_dt_s`` s.
    """
    if warmup_s is None:
        warmup_s = max(WARMUP_MIN_S, WARMUP_DECAYS * get_indicator(indicator).tau_ms[1] / 1000.0)
    if not (is_finite_real(warmup_s) and warmup_s >= 0):
        raise ConfigError(f"warmup_s must be a number of seconds >= 0, got {warmup_s!r}",
                          "leave it out for the default (10 s)")
    return math.ceil(warmup_s / frame_dt_s - 1e-9)


def _load(network):
    if isinstance(network, Connectome):
        return network
    return load_connectome(network)


def build_inputs(plan: StimulusPlan, connectome, *, start_frame: int = 0,
                 stop_frame: int | None = None, seed: int = 0, warmup_frames: int = 0) -> list:
    """Poisson inputs (``neurocast.sim.PoissonInput``) of a stimulus plan, for frames [start, stop).

    Times are in ms from the start of the run, ``warmup_frames`` frames before ``start_frame``:
    one input per drive pulse overlapping the window, one per visit of a state (``plan.states``,
    the state sequence of recording ``seed``) and drive, plus the background drive
    (``plan.background_neurons``). During the warm-up only the background and the state in
    force at ``start_frame`` are on (its visit is extended back over the warm-up); no
    condition's drive is.
    """
    stop_frame = plan.n_frames if stop_frame is None else stop_frame
    ms = plan.frame_dt_s * 1000.0
    start_ms = start_frame * ms
    origin_ms = (start_frame - warmup_frames) * ms  # the run's t = 0
    driven = plan.resolve(connectome)
    inputs = []
    for ci, di, a, b in plan.pulses():
        a, b = max(a, start_frame), min(b, stop_frame)
        if a >= b:
            continue
        d = plan.conditions[ci].drives[di]
        inputs.append(PoissonInput(driven[ci][di], float(d.rate_hz), float(d.weight_mv),
                                   start_ms=a * ms - origin_ms, stop_ms=b * ms - origin_ms))
    for i, k, a_s, b_s, neurons in plan.state_inputs(connectome, seed):
        a_ms, b_ms = max(a_s * 1000.0, start_ms), min(b_s * 1000.0, stop_frame * ms)
        if a_ms >= b_ms:
            continue
        if a_ms <= start_ms:  # the state in force at the start also holds during the warm-up
            a_ms = origin_ms
        d = plan.states.states[i].drives[k]
        inputs.append(PoissonInput(neurons, float(d.rate_hz), float(d.weight_mv),
                                   start_ms=a_ms - origin_ms, stop_ms=b_ms - origin_ms))
    if plan.background_rate_hz > 0:
        inputs.append(PoissonInput(plan.background_neurons(connectome), float(plan.background_rate_hz),
                                   float(plan.background_weight_mv)))
    return inputs


def _simulate(model, net, dt_ms: float, plan: StimulusPlan, connectome, seed: int, record_seed: int,
              warmup: int = 0):
    """Yield (spike_t_s, spike_neuron, end_s) chunk by chunk of ONE continuous simulation.

    The warm-up (``warmup`` frames, ``build_inputs``) and the whole plan are one
    ``model.simulate_chunks`` run (state carried over, so the spikes are exactly those of a
    single ``simulate`` call) cut into chunks of about ``CHUNK_FRAMES`` frames (whole
    simulation steps); spike times are in s from frame 0 of the recording (negative in the
    warm-up), ``end_s`` is the chunk's end (all spikes before it have been yielded).
    ``model`` is the registered NeuronModel, ``net`` its network; a model without spikes (the
    graded one) yields the calcium events that take their place.
    """
    frame_ms = plan.frame_dt_s * 1000.0
    n_steps = max(1, round((warmup + plan.n_frames) * frame_ms / dt_ms))
    chunk_steps = max(1, round(CHUNK_FRAMES * frame_ms / dt_ms))
    warm_s = warmup * plan.frame_dt_s
    inputs = build_inputs(plan, connectome, seed=record_seed, warmup_frames=warmup)
    for sp in model.simulate_chunks(net, n_steps * dt_ms, chunk_steps * dt_ms, seed=seed, inputs=inputs):
        lo = int(sp.attrs["start_step"])
        hi = lo + round(sp.duration_ms / dt_ms)
        t_s = (sp.steps + lo) * (dt_ms / 1000.0) - warm_s
        yield t_s.astype(np.float64), sp.neurons.astype(np.int32), hi * dt_ms / 1000.0 - warm_s


def _model_params(stim_plan: StimulusPlan, params):
    """(NeuronModel, parameters) of a recording: ``params``, else the plan's, else the model's
    registered defaults at its recording step. ConfigError for parameters of another model."""
    model = get_neuron_model(stim_plan.model)
    if model.simulate_chunks is None:
        raise ConfigError(f"neuron model {model.name!r} has no simulate_chunks, so it cannot record",
                          "register it with simulate_chunks=... (see neurocast.sim.NeuronModel)")
    if params is None:
        params = stim_plan.params if stim_plan.params is not None else model.recording_params()
    if type(params) is not type(model.params):
        raise ConfigError(f"stimulus plan {stim_plan.name!r} is recorded with model {model.name!r}, whose "
                          f"parameters are {type(model.params).__name__}, not {type(params).__name__}",
                          f"pass params={type(model.params).__name__}(...) or leave params out")
    return model, params


def _sim_attrs(model, params, plan_params) -> dict:
    """Dataset attrs of the simulation: ``sim_model`` and ``sim_<field>`` for every number or flag
    of the parameters (e.g. ``sim_dt_ms``, ``sim_adapt_mv``). ``sim_model`` is the registered
    model the parameters are (at any step), else the plan's model if they are the plan's own
    parameters, else "custom"."""
    name = preset_name(params)
    if name == "custom" and plan_params is not None and plan_params.replace(dt_ms=params.dt_ms) == params:
        name = model.name
    out = {"sim_model": name}
    for f in dataclasses.fields(params):
        v = getattr(params, f.name)
        if isinstance(v, (bool, int, float, np.integer, np.floating)):
            out[f"sim_{f.name}"] = v if isinstance(v, bool) else float(v)
    return out


def record(network, plan: str | StimulusPlan, *, seed: int = 0, n_frames: int | None = None,
           observe: ObserveConfig | None = None, params=None, spike_counts: bool = True,
           progress: bool | None = None, warmup_s: float | None = None):
    """Simulate ``network`` under a stimulus ``plan`` and return a synthetic calcium-imaging Dataset.

    network: a built-in connectome name, a path, or a Connectome.
    plan: a registered stimulus plan name (``PLANS``) or a StimulusPlan.
    seed: one seed for the simulation (Poisson inputs) and the imaging noise; same seed, same data.
    n_frames: record only this many frames (every condition shortened in proportion), for quick runs.
    observe: ``neurocast.observe.ObserveConfig`` (indicator, noise, ...; default settings if None).
    params: parameters of the plan's neuron model (``plan.model``, a ``neurocast.sim.NEURON_MODELS``
      name): ``ShiuParams`` for ``shiu``/``shiu-adapt``, ``GradedParams`` for ``graded``. Default:
      the plan's own ``params``, else the model's registered defaults at its recording step (the
      Shiu models: ``SIM_DT_MS``). Attr ``sim_model`` names the preset the parameters match (or
      the plan's model for the plan's own parameters), else "custom". ConfigError for the
      parameters of another model.
    spike_counts: include ``spike_counts`` (time, neuron) uint16: frame f holds the spikes of
      neuron i that its sample of i (at t[f, i] = f · dt + i's plane offset) shows first, those
      in [t[f-1, i], t[f, i]) (a spike at a sample time shows from the next sample), so a
      spike counts in the frame where its calcium transient appears. Every frame counts one
      frame interval: frame 0 the spikes of the warm-up's last interval; spikes after the
      last frame's sample are in no frame. They add up to ``n_spikes`` (unless a count
      saturates at 65535).
    progress: show progress bars (None: when stderr is a terminal; False: never).
    warmup_s: seconds simulated and imaged before frame 0, then discarded, so the recording
      starts with the network and the calcium in their steady state (no start-up transient).
      During it only the background and the command/module state in force at t = 0 drive the
      network, no condition's drive. Default (None): max(10 s, 5 decay times of the indicator),
      rounded up to whole frames (``warmup_frames``); 0 turns it off. The recording's frames,
      conditions, covariates and times are the plan's whatever the warm-up; its spikes are not
      counted (``n_spikes``, ``spike_counts``), except those of its last frame interval, which
      frame 0 shows first, and the ΔF/F baseline never sees it.

    Returns an ``xarray.Dataset`` in the shared schema: ``traces`` (time, neuron) float32 ΔF/F,
    ``condition`` (time,), ``stimulus`` (time, covariate) float32, optional ``spike_counts``;
    coords ``time`` (s), ``neuron`` (names), ``covariate``; attrs ``dt_s``, ``source`` (the
    connectome name), ``stimulus_plan``, ``protocol`` (the plan's split protocol), ``indicator``,
    ``seed``, ``conditions``, ``heldout_conditions``, ``neurocast_version``, plus ``sim_dt_ms``,
    ``n_spikes`` (the spikes the frames show first: ``spike_counts.sum()`` but for
    saturation), ``warmup_s`` (the warm-up simulated, s), ``wall_sim_s``, ``wall_observe_s``.
    The connectome is not inside the Dataset: pass the same Connectome to
    ``neurocast.data.save_dataset(ds, path, connectome=con)``, or use ``record_to``.
    """
    with quiet(progress is False):
        return _record(network, plan, seed=seed, n_frames=n_frames, observe=observe, params=params,
                       spike_counts=spike_counts, warmup_s=warmup_s)


def _record(network, plan, *, seed, n_frames, observe, params, spike_counts, warmup_s):
    if not is_whole(seed) or seed < 0:
        raise ConfigError(f"the seed must be a non-negative integer, got {seed!r}", "e.g. --seed 0")
    stim_plan = get_plan(plan)
    if n_frames is not None:
        stim_plan = stim_plan.with_frames(int(n_frames))
    cfg = observe if observe is not None else ObserveConfig()
    if not isinstance(cfg, ObserveConfig):
        raise ConfigError(f"observe must be an ObserveConfig, not {type(cfg).__name__}")
    model, params = _model_params(stim_plan, params)
    warm = warmup_frames(stim_plan.frame_dt_s, cfg.indicator, warmup_s)
    con = _load(network)
    net = model.build_network(con, params)
    n, t_total = con.n_neurons, stim_plan.n_frames
    frame_dt = stim_plan.frame_dt_s
    held = t_total * n * (4 + (2 if spike_counts else 0))  # traces float32, counts uint16
    have = available_memory_bytes()
    if held > 0.8 * have:
        raise ResourceError(
            f"recording {t_total:,} frames × {n:,} neurons holds about {format_bytes(held)} of traces"
            f"{' and spike counts' if spike_counts else ''} in memory, but only {format_bytes(have)} "
            "is available", "record fewer frames (--frames) or leave out the spike counts (--no-spikes)")
    z = con.neurons["z"].to_numpy() if "z" in con.neurons.columns else None
    # the calcium runs from the start of the warm-up (frame -warm); its frames go to `scratch`
    offsets = plane_offsets(n, cfg.n_planes, frame_dt, z)
    integ = CalciumIntegrator(n, frame_dt, cfg.indicator, offsets, first_frame=-warm)
    scratch = np.empty((min(warm, INTEGRATE_FRAMES), n), dtype=np.float32)
    traces = np.empty((t_total, n), dtype=np.float32)
    counts = np.zeros((t_total, n), dtype=np.uint16) if spike_counts else None
    no_counts = np.zeros((0, 0), dtype=np.uint16)  # add_spike_counts then only counts
    n_spikes = 0
    t0 = time.perf_counter()
    # the Poisson inputs' seed (derived twice, so recordings match those made before chunking)
    sim_seed = int(np.random.SeedSequence([int(seed), 1]).generate_state(1)[0])
    sim_seed = int(np.random.SeedSequence(sim_seed).generate_state(1)[0])
    # Calcium is integrated in groups of INTEGRATE_FRAMES frames at fixed positions (-warm,
    # -warm + 64, ..., then 0, 64, ...) as soon as all their spikes have arrived, so traces do
    # not depend on the chunking. Spike times are in s from frame 0 (negative in the warm-up).
    edges = np.concatenate([np.arange(-warm, 0, INTEGRATE_FRAMES),
                            np.arange(0, t_total, INTEGRATE_FRAMES), [t_total]])
    half_step_s = 0.5e-3 * params.dt_ms
    g = 0  # next group to integrate: frames edges[g]:edges[g + 1]
    held_t, held_n = np.zeros(0), np.zeros(0, np.int32)  # spikes of the groups not yet integrated
    desc = (f"simulating {con.name or 'network'} ({t_total * frame_dt / 60:.1f} min of recording, "
            f"{format_bytes(held)} in memory)")
    with make_bar(total=warm + t_total, desc=desc, unit="frame") as bar:
        # the next chunk is simulated in a background thread while this one is imaged
        chunks = run_ahead(_simulate(model, net, params.dt_ms, stim_plan, con, sim_seed, int(seed),
                                     warm))
        for t_s, neu, end_s in itertools.chain(chunks, [(None,) * 3]):
            if t_s is not None:
                # the spikes each frame shows first, frame 0's from the end of the warm-up
                n_spikes += add_spike_counts(t_s, neu, offsets, frame_dt, t_total,
                                             no_counts if counts is None else counts)
                held_t = np.concatenate([held_t, t_s]) if len(held_t) else t_s
                held_n = np.concatenate([held_n, neu]) if len(held_n) else neu
            g0 = g
            # a group is complete when it ends at least half a step before the chunk's end
            # (end of the run: everything left)
            while g < len(edges) - 1 and (t_s is None or edges[g + 1] * frame_dt < end_s - half_step_s):
                a, b = int(edges[g]), int(edges[g + 1])
                k = len(held_t) if g == len(edges) - 2 else int(np.searchsorted(held_t, b * frame_dt))
                out = traces[a:b] if a >= 0 else scratch[:b - a]  # the warm-up's are dropped
                integ.advance(held_t[:k], held_n[:k], b - a, out=out)
                held_t, held_n = held_t[k:], held_n[k:]
                g += 1
            bar.update(int(edges[g] - edges[g0]))
    del integ, scratch  # their scratch (2 × 64 frames × N float64) is not needed while imaging
    t1 = time.perf_counter()
    with make_bar(total=n, desc="imaging", unit="neuron") as bar:
        fluorescence(traces, cfg, frame_dt_s=frame_dt, seed=int(seed), progress=bar)
    t2 = time.perf_counter()
    names, cov = stim_plan.covariates(int(seed), con)
    sim_attrs = _sim_attrs(model, params, stim_plan.params)
    return make_dataset(
        traces, dt_s=frame_dt, condition=stim_plan.condition_per_frame(), neuron=con.names.astype(str),
        stimulus=cov, covariate=names, spike_counts=counts, source=con.name or "connectome",
        protocol=stim_plan.split_protocol, stimulus_plan=stim_plan.name, indicator=cfg.indicator, seed=int(seed),
        heldout_conditions=stim_plan.heldout_conditions,
        attrs={**sim_attrs, "n_spikes": int(n_spikes), "warmup_s": round(warm * frame_dt, 6),
               "wall_sim_s": round(t1 - t0, 3), "wall_observe_s": round(t2 - t1, 3),
               "snr": float(cfg.snr), "normalised": bool(cfg.normalise)},
    )


def record_to(path: str | os.PathLike, network, plan: str | StimulusPlan, *, seed: int = 0,
              overwrite: bool = False, n_frames: int | None = None, observe: ObserveConfig | None = None,
              params=None, spike_counts: bool = True, progress: bool | None = None,
              warmup_s: float | None = None) -> Path:
    """``record`` and save the Dataset with its connectome at ``path`` (zarr, atomic).

    Checks ``path`` and the plan before simulating: raises NeurocastError if the path exists
    and not ``overwrite``, is a folder neurocast did not write (``check_output``), or its
    folder does not exist. Returns the path.
    """
    path = Path(path)
    get_plan(plan)
    check_output(path, overwrite=overwrite, folder=True)
    require_output_folder(path)
    con = _load(network)
    ds = record(con, plan, seed=seed, n_frames=n_frames, observe=observe, params=params,
                spike_counts=spike_counts, progress=progress, warmup_s=warmup_s)
    return save_dataset(ds, path, connectome=con, overwrite=overwrite)
