"""The observation model: spikes → calcium → fluorescence → ΔF/F (private).

Stages (all shapes are (time, neuron), time in frames):
  1. ``CalciumIntegrator``: the calcium kernel sum k_i(t) = Σ_spikes k(t − t_spike), sampled at
     each neuron's acquisition time (frame start + its plane offset). Exact at the sample times:
     two exponential states per neuron are carried between blocks of frames, so a long run can
     be integrated block by block as the simulation produces spikes.
  2. ``fluorescence``: Ca = Ca_rest + ΔCa · a_i · k (a_i per-neuron amplitude), saturating Hill
     brightness, per-neuron baseline b_i, slow multiplicative drift, shot + read noise.
  3. ``delta_f_over_f``: F0 = running low percentile, (F − F0) / F0, clipped (ZAPBench style).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from neurocast._numbers import is_finite_real, is_real, is_whole
from neurocast.errors import ConfigError, FormatError, NonFiniteError, unknown_name
from neurocast.observe._indicators import DEFAULT_INDICATOR, INDICATORS, Indicator, get_indicator
from neurocast.observe._kernels import (
    fluorescence_kernel,
    run_kernel,
    sliding_percentile,
    spikes_to_injections,
)

__all__ = [
    "CalciumIntegrator",
    "ObserveConfig",
    "calcium",
    "delta_f_over_f",
    "fluorescence",
    "observe",
    "plane_offsets",
]


@dataclass(frozen=True)
class ObserveConfig:
    """Settings of the calcium imaging model; the defaults live here only.

    indicator: preset name (see ``INDICATORS``) — kinetics, 1-AP amplitude, Hill titration.
    snr: peak ΔF/F of one spike divided by the noise s.d. of ΔF/F at rest, for a neuron of
      median brightness (brighter neurons are less noisy: shot noise ∝ √F, read noise fixed).
    read_noise_fraction: share of the resting noise variance that is read noise (rest is shot).
    baseline_sigma: s.d. of log brightness across neurons (lognormal, median 1).
    amplitude_cv: cell-to-cell spread of the 1-AP peak ΔF/F, s.d. / mean (lognormal, mean = the
      preset's dff_1ap); 0.35 is the middle of the 25–50 % measured in the jGCaMP8 culture
      screen (Zhang et al. 2023) [P]. Each neuron's calcium per spike is solved to give its
      drawn 1-AP amplitude (capped at 95 % of the indicator's saturating ΔF/F).
    drift_amplitude: s.d. of the slow log-brightness drift (0.03 = 3 %); drift_tau_s its
      correlation time (Ornstein–Uhlenbeck, seconds).
    n_planes: planes of a volumetric scan; neurons in plane p are sampled p/n_planes of a frame
      after the frame starts (planes assigned by z if the connectome has positions, else in
      order of neuron position).
    normalise: True → ZAPBench ΔF/F: F0 = running ``f0_percentile`` over ±``f0_radius_frames``,
      (F − F0)/F0, clipped to [clip_min, clip_max]. False → ΔF/F against each neuron's true
      resting brightness, unclipped (noise included).
    chunk_neurons: neurons processed at once (bounds memory: about seven (time, chunk_neurons)
      float32 arrays at a time, the next chunk's noise being drawn meanwhile; results depend on
      it only through the noise streams, which are fixed for a given value).

    Every number must be finite and in its range (``_RANGES``; snr may also be inf: no noise;
    counts are ints, not 2.0), and normalise must be a bool; else ConfigError naming the setting
    and its range. baseline_sigma and drift_amplitude stop at 5 (brightness spread over e^±15 at 3 s.d.), amplitude_cv at 10 (1000 %): far beyond
    measured cells, and short of float32 overflow.
    """

    indicator: str = DEFAULT_INDICATOR
    snr: float = 5.0
    read_noise_fraction: float = 0.2
    baseline_sigma: float = 0.3
    amplitude_cv: float = 0.35
    drift_amplitude: float = 0.03
    drift_tau_s: float = 300.0
    n_planes: int = 1
    normalise: bool = True
    f0_percentile: float = 8.0
    f0_radius_frames: int = 400
    clip_min: float = -0.25
    clip_max: float = 1.5
    chunk_neurons: int = 2048

    def __post_init__(self):
        if isinstance(self.indicator, Indicator) and INDICATORS.get(self.indicator.name) == self.indicator:
            object.__setattr__(self, "indicator", self.indicator.name)  # a preset, given as itself
        if not isinstance(self.indicator, str):
            raise ConfigError(f"the observation setting indicator must be a preset name, got "
                              f"{self.indicator!r}", "known: " + ", ".join(INDICATORS))
        if self.indicator.lower() not in INDICATORS:
            raise get_indicator_error(self.indicator)
        object.__setattr__(self, "indicator", self.indicator.lower())
        if not isinstance(self.normalise, (bool, np.bool_)):  # "no" (any non-empty text) is truthy
            raise ConfigError(f"the observation setting normalise must be True or False, got "
                              f"{self.normalise!r}", "e.g. normalise=True (the default: ZAPBench "
                              "ΔF/F) or normalise=False (against each neuron's resting brightness)")
        object.__setattr__(self, "normalise", bool(self.normalise))
        for name, (ok, rule) in _RANGES.items():
            value = getattr(self, name)
            finite = is_finite_real(value) or (name == "snr" and is_real(value) and value == np.inf)
            if not (finite and ok(value)):
                raise ConfigError(f"the observation setting {name} must be {rule}, got {value!r}",
                                  f"e.g. {name}={getattr(ObserveConfig, name)!r} (the default)")
        if self.clip_max <= self.clip_min:
            raise ConfigError(f"the observation setting clip_max must be > clip_min ({self.clip_min!r}), "
                              f"got {self.clip_max!r}", f"set clip_max to a value > {self.clip_min!r}")

    @property
    def indicator_preset(self) -> Indicator:
        return get_indicator(self.indicator)


#: The largest whole-number setting: an int beyond int64 (2**80, a finite number to
#: is_finite_real) would reach NumPy as a bare OverflowError, so its rule refuses it.
_MOST_WHOLE = int(np.iinfo(np.int64).max)

#: Valid range of every numeric ObserveConfig setting: name -> (test of a finite value, rule).
_RANGES = {
    "snr": (lambda v: v > 0, "a number > 0 (inf: no noise)"),
    "read_noise_fraction": (lambda v: 0 <= v <= 1, "a finite number in [0, 1]"),
    "baseline_sigma": (lambda v: 0 <= v <= 5, "a finite number in [0, 5]"),
    "amplitude_cv": (lambda v: 0 <= v <= 10, "a finite number in [0, 10]"),
    "drift_amplitude": (lambda v: 0 <= v <= 5, "a finite number in [0, 5]"),
    "drift_tau_s": (lambda v: v > 0, "a finite number > 0"),
    "n_planes": (lambda v: is_whole(v) and 1 <= v <= _MOST_WHOLE, "a whole number >= 1"),
    "f0_percentile": (lambda v: 0 <= v <= 100, "a finite number in [0, 100]"),
    "f0_radius_frames": (lambda v: is_whole(v) and 1 <= v <= _MOST_WHOLE, "a whole number >= 1"),
    "clip_min": (lambda v: True, "a finite number"),
    "clip_max": (lambda v: True, "a finite number"),
    "chunk_neurons": (lambda v: is_whole(v) and 1 <= v <= _MOST_WHOLE, "a whole number >= 1"),
}


def amplitude_scale(ind: Indicator, cv: float, z: np.ndarray) -> np.ndarray:
    """Per-neuron factor on the calcium per spike, float32 (neuron,), from standard normals z.

    The 1-AP peak ΔF/F of neuron i is ``dff_1ap · m_i`` with m lognormal of mean 1 and
    coefficient of variation ``cv``, capped at 95 % of the saturating ΔF/F.
    """
    s = np.sqrt(np.log1p(cv * cv))
    dff = np.minimum(ind.dff_1ap * np.exp(s * z - s * s / 2), 0.95 * ind.max_dff)
    return (ind.dca_for_dff(dff) / ind.dca_per_spike_nm).astype(np.float32)


def get_indicator_error(name):
    return unknown_name("indicator", name, INDICATORS)


def _frame_interval(frame_dt_s) -> float:
    """``frame_dt_s`` as a float (s); ConfigError unless it is a finite number > 0."""
    if not (is_finite_real(frame_dt_s) and frame_dt_s > 0):
        raise ConfigError(f"frame_dt_s (seconds per frame) must be a finite number > 0, got {frame_dt_s!r}",
                          "e.g. frame_dt_s=0.2 for 5 frames per second")
    return float(frame_dt_s)


def plane_offsets(n_neurons: int, n_planes: int, frame_dt_s: float, z=None) -> np.ndarray:
    """Acquisition offset of every neuron within a frame (s), float64 (N,).

    Neurons are split into ``n_planes`` equal groups by rank of ``z`` (or by position if z is
    None); plane p is sampled ``p * frame_dt_s / n_planes`` after the frame starts.
    """
    if n_planes <= 1:
        return np.zeros(n_neurons)
    order = np.argsort(np.asarray(z), kind="stable") if z is not None else np.arange(n_neurons)
    plane = np.empty(n_neurons, dtype=np.int64)
    plane[order] = np.arange(n_neurons) * n_planes // max(n_neurons, 1)
    return plane * (frame_dt_s / n_planes)


class CalciumIntegrator:
    """Calcium kernel sums sampled at frames, integrated block by block as spikes arrive.

    n_neurons: N; frame_dt_s: seconds per frame; indicator: preset name or Indicator;
    offsets_s: (N,) acquisition offset of each neuron within a frame (default 0).
    first_frame: index of the first frame; frame f starts at f × frame_dt_s seconds. A negative
      value integrates frames before t = 0 (a warm-up, whose frames the caller discards) so
      that the calcium at frame 0 already carries the spikes that came before it.
    ``advance(spike_t_s, spike_neuron, n_frames)`` takes the spikes that happened since the
    previous call (times in s on that clock, sorted or not) and returns float32
    (n_frames, N): the kernel sum in units of single-spike peaks. A spike exactly at a sample
    time adds 0 there (the transient starts at 0) and shows from the next frame
    (``sample_frames``). Spikes later than the returned frames are carried over.
    """

    def __init__(self, n_neurons: int, frame_dt_s: float, indicator: str | Indicator = DEFAULT_INDICATOR,
                 offsets_s: np.ndarray | None = None, first_frame: int = 0):
        self.n_neurons = int(n_neurons)
        self.frame_dt_s = _frame_interval(frame_dt_s)
        self.indicator = get_indicator(indicator)
        off = np.zeros(self.n_neurons) if offsets_s is None else np.asarray(offsets_s, np.float64)
        if off.shape != (self.n_neurons,) or np.any(off < 0) or np.any(off >= frame_dt_s):
            raise ConfigError(f"offsets_s must have shape ({self.n_neurons},) with values in [0, frame_dt_s)")
        self.offsets_s = off
        tr, td = (t / 1000.0 for t in self.indicator.tau_ms)
        self._tau = (tr, td)
        self._a = (np.exp(-self.frame_dt_s / tr), np.exp(-self.frame_dt_s / td))
        t_peak = tr * td / (td - tr) * np.log(td / tr)
        self._peak = float(np.exp(-t_peak / td) - np.exp(-t_peak / tr))
        self._state = (np.zeros(self.n_neurons), np.zeros(self.n_neurons))
        self._pend = (np.zeros(self.n_neurons), np.zeros(self.n_neurons))
        self._inj = np.empty((2, 0, self.n_neurons))  # scratch of advance: float64 (2, frames, N)
        if int(first_frame) != first_frame:
            raise ConfigError(f"first_frame must be a whole number of frames, got {first_frame!r}")
        self.frame = int(first_frame)  # index of the next frame to integrate

    def advance(self, spike_t_s: np.ndarray, spike_neuron: np.ndarray, n_frames: int,
                out: np.ndarray | None = None) -> np.ndarray:
        """Integrate ``n_frames`` more frames; returns (or fills ``out``) float32 (n_frames, N)."""
        n = self.n_neurons
        spike_t_s = np.asarray(spike_t_s, np.float64)
        spike_neuron = np.asarray(spike_neuron, np.int32)
        if spike_t_s.shape != spike_neuron.shape:
            raise FormatError("spike times and neurons must have the same length")
        if len(spike_neuron) and (spike_neuron.min() < 0 or spike_neuron.max() >= n):
            raise FormatError(f"spike neurons must lie in 0..{n - 1}")
        t0 = self.frame * self.frame_dt_s
        if self._inj.shape[1] < n_frames:  # reused between calls: fresh pages cost a fault each
            self._inj = np.empty((2, n_frames, n))
        inj_r, inj_d = self._inj[0, :n_frames], self._inj[1, :n_frames]
        inj_r[:] = 0.0
        inj_d[:] = 0.0
        if n_frames:
            inj_r[0] += self._pend[0]
            inj_d[0] += self._pend[1]
            self._pend[0][:] = 0.0
            self._pend[1][:] = 0.0
        spikes_to_injections(spike_t_s, spike_neuron, self.offsets_s, t0, self.frame_dt_s, n_frames,
                             self._tau[0], self._tau[1], inj_r, inj_d, self._pend[0], self._pend[1])
        if out is None:
            out = np.empty((n_frames, n), dtype=np.float32)
        run_kernel(inj_r, inj_d, self._state[0], self._state[1], self._a[0], self._a[1], self._peak, out)
        self.frame += n_frames
        return out


def calcium(spikes, frame_dt_s: float, *, n_frames: int | None = None,
            indicator: str | Indicator = DEFAULT_INDICATOR, offsets_s: np.ndarray | None = None) -> np.ndarray:
    """Calcium kernel sums of a whole ``Spikes`` run sampled every ``frame_dt_s`` seconds.

    Returns float32 (n_frames, N) in units of the single-spike peak (one isolated spike peaks
    at 1.0). n_frames: the whole frames of the run, those that end within it,
    floor(duration / frame_dt), or fewer. Frame f is acquired over [f·dt, (f+1)·dt) (each
    neuron sampled at f·dt plus its plane offset); a frame that would end after the run is not
    imaged, even if it starts within it: part of it (with several planes, some neurons'
    samples) would lie where no spikes were simulated, silent rather than measured. More
    frames are a ConfigError. ConfigError for a frame_dt_s that is not a finite number > 0.
    """
    frame_dt_s = _frame_interval(frame_dt_s)
    most = int(np.floor(spikes.duration_ms / 1000.0 / frame_dt_s + 1e-9))
    if n_frames is None:
        n_frames = most
    elif not (is_whole(n_frames) and 0 <= n_frames <= most):
        raise ConfigError(f"n_frames must be a whole number from 0 to {most} (the whole frames of "
                          f"{frame_dt_s:g} s, those that end within the {spikes.duration_ms / 1000.0:g} s "
                          f"of spikes), got {n_frames!r}",
                          f"use n_frames={most} or fewer (or simulate a longer run: a frame that "
                          "ends after the run would image time no spikes were simulated for)")
    integ = CalciumIntegrator(spikes.n_neurons, frame_dt_s, indicator, offsets_s)
    return integ.advance(spikes.steps * (spikes.dt_ms / 1000.0), spikes.neurons, n_frames)


def fluorescence(k: np.ndarray, config: ObserveConfig, *, frame_dt_s: float, seed: int,
                 progress=None) -> np.ndarray:
    """Turn calcium kernel sums into ΔF/F traces, in place, neuron chunk by neuron chunk.

    k: float32 (time, neuron) from ``calcium``/``CalciumIntegrator`` (single-spike units).
    Returns the same array, now holding ΔF/F (float32, clipped if config.normalise).
    seed: per-neuron baselines, amplitudes, drift and noise all derive from it; the same seed,
    config and shape give the same traces. progress: optional bar with ``update(n_neurons)``.
    frame_dt_s: seconds per frame (the drift's time scale), a finite number > 0.
    Raises ConfigError (``_noise_error``) if the noise makes the fluorescence go negative where
    ΔF/F divides by it, or overflow.
    """
    frame_dt_s = _frame_interval(frame_dt_s)
    if k.dtype != np.float32 or k.ndim != 2:
        raise FormatError(f"calcium traces must be float32 (time, neuron), got {k.dtype} {k.shape}")
    for t in range(0, k.shape[0], 256):  # blocks of frames: no full-size boolean temporary
        if not np.isfinite(k[t:t + 256]).all():
            raise NonFiniteError("calcium traces hold NaN or inf")
    ind = config.indicator_preset
    n_t, n = k.shape
    ss = np.random.SeedSequence(seed)
    per_neuron, per_chunk = ss.spawn(2)
    rng = np.random.default_rng(per_neuron)
    z_brightness = rng.standard_normal(n)
    brightness = np.exp(config.baseline_sigma * z_brightness).astype(np.float32)
    amplitude = amplitude_scale(ind, config.amplitude_cv, rng.standard_normal(n))
    sigma_rest = np.float64(ind.dff_1ap) / config.snr
    with np.errstate(over="ignore"):  # an absurdly low snr: noise beyond float32 is refused below
        shot_k = np.float32((1.0 - config.read_noise_fraction) * sigma_rest**2)
        read_sd = np.float32(np.sqrt(config.read_noise_fraction) * sigma_rest)
    if not (np.isfinite(shot_k) and np.isfinite(read_sd)):
        raise _noise_error(config, z_brightness.min(initial=0.0))
    a_drift = float(np.exp(-frame_dt_s / config.drift_tau_s))
    dca = ind.dca_per_spike_nm
    slices = [slice(c, min(c + config.chunk_neurons, n)) for c in range(0, n, config.chunk_neurons)]
    seqs = per_chunk.spawn(len(slices))

    def draws(c: int) -> list[np.ndarray]:
        """The chunk's three (time, neurons) float32 standard normals: drift, shot, read."""
        crng = np.random.default_rng(seqs[c])
        shape = (n_t, slices[c].stop - slices[c].start)
        return [crng.standard_normal(shape, dtype=np.float32) for _ in range(3)]

    # the next chunk's normals are drawn on a second thread (NumPy releases the GIL) while
    # this chunk is processed: the draws are a third of the work and run on one core (a pool of
    # one, not ``run_ahead``, which would keep two chunks of draws waiting instead of one)
    with ThreadPoolExecutor(1, "neurocast-noise") as pool:
        ahead = pool.submit(draws, 0) if slices else None
        for c, sl in enumerate(slices):
            z_drift, z_shot, z_read = ahead.result()
            ahead = pool.submit(draws, c + 1) if c + 1 < len(slices) else None
            x = k[:, sl]
            f = np.ascontiguousarray(x)
            fluorescence_kernel(f, amplitude[sl], brightness[sl], z_drift, z_shot, z_read, a_drift,
                                float(config.drift_amplitude), float(ind.ca_rest_nm), float(dca),
                                float(ind.kd_nm), float(ind.hill_n), float(ind.dynamic_range),
                                float(ind._f_rest), float(shot_k), float(read_sd))
            del z_drift, z_shot, z_read
            if config.normalise:
                try:
                    x[:] = delta_f_over_f(f, percentile=config.f0_percentile,
                                          radius=config.f0_radius_frames,
                                          clip=(config.clip_min, config.clip_max))
                except (FormatError, NonFiniteError):  # F0 <= 0 (or F overflowed): only noise does it
                    raise _noise_error(config, z_brightness.min(initial=0.0)) from None
                del f
            else:
                x[:] = f / brightness[sl] - 1.0
            if progress is not None:
                progress.update(sl.stop - sl.start)
    return k


#: The low point of the drift that the noise check allows for, in s.d. of the drift path.
_DRIFT_LOW_SD = 3.0
#: The settings that set the noise relative to the resting fluorescence.
_NOISE_SETTINGS = ("snr", "baseline_sigma", "drift_amplitude")


def _dimmest(config: ObserveConfig, z_dim: float) -> float:
    """Resting fluorescence of the dimmest neuron at the drift's low point (``_DRIFT_LOW_SD``
    below its mean), relative to a median neuron without drift; z_dim: that neuron's standard
    normal of brightness (baseline_sigma · z_dim is its log brightness)."""
    return float(np.exp(config.baseline_sigma * z_dim - _DRIFT_LOW_SD * config.drift_amplitude))


def _log_noise(config: ObserveConfig, z_dim: float) -> float:
    """Natural log of the resting noise s.d. (shot + read) of the dimmest neuron over its own
    resting fluorescence (log: an absurdly low snr does not overflow)."""
    mu, r = _dimmest(config, z_dim), config.read_noise_fraction
    return float(np.log(config.indicator_preset.dff_1ap) - np.log(config.snr)
                 + 0.5 * np.log((1.0 - r) / mu + r / mu**2))


def _round(x: float, up: bool) -> float:
    """x rounded up (or down) to 3 significant digits."""
    step = 10.0 ** (np.floor(np.log10(abs(x))) - 2) if x else 1.0
    return float((np.ceil if up else np.floor)(x / step) * step)


def _noise_error(config: ObserveConfig, z_dim: float) -> ConfigError:
    """The error for imaging noise so large that F goes negative (F0 <= 0) or overflows.

    z_dim: the dimmest neuron's standard normal of brightness. The noise is fine when the
    resting noise s.d. of the dimmest neuron at the low point of its drift is at most half its
    resting fluorescence: F then goes below 0 in about 2 % of those frames at most, well under
    the F0 percentile. The error names the settings among ``_NOISE_SETTINGS`` whose default
    alone would make it fine (else every one that is not at its default) and, for each, the
    value that would (the others as they are).
    """
    limit = np.log(0.5)
    changed = [n for n in _NOISE_SETTINGS if getattr(config, n) != getattr(ObserveConfig, n)]
    culprits = [n for n in changed
                if _log_noise(replace(config, **{n: getattr(ObserveConfig, n)}), z_dim) <= limit]
    culprits = culprits or changed or ["snr"]
    dff, r = config.indicator_preset.dff_1ap, config.read_noise_fraction
    # log of the dimmest resting F (relative to a median neuron) that keeps the noise fine
    s = dff / config.snr
    log_mu = np.log(2.0) + 2 * np.log(s) + np.log((1 - r) + np.sqrt((1 - r) ** 2 + r * (config.snr / dff) ** 2))
    spread = -min(z_dim, 0.0)  # the dimmest neuron's log brightness is -baseline_sigma · spread
    fixes = {
        "snr": ("--snr", np.exp(np.log(config.snr) + _log_noise(config, z_dim) - limit), "more"),
        "baseline_sigma": ("baseline_sigma", (-log_mu - _DRIFT_LOW_SD * config.drift_amplitude)
                           / spread if spread else 0.0, "less"),
        "drift_amplitude": ("drift_amplitude", (-log_mu - config.baseline_sigma * spread) / _DRIFT_LOW_SD,
                            "less"),
    }
    subject = " and ".join(f"{fixes[n][0]} {getattr(config, n):g}" for n in culprits)
    values = {n: _round(fixes[n][1], fixes[n][2] == "more") for n in culprits if fixes[n][1] > 0}
    values = {n: v for n, v in values.items() if v > 0}  # a value <= 0 is out of range: no fix alone
    goal = "the noise s.d. of the dimmest neuron below half of its resting fluorescence"
    if values:
        hint = "use " + " or ".join(f"{fixes[n][0]} {v:g} or {fixes[n][2]} (default "
                                    f"{getattr(ObserveConfig, n):g})" for n, v in values.items())
        hint += f": it keeps {goal}"
    else:  # e.g. baseline_sigma and drift_amplitude both far up: each alone would need <= 0
        defaults = " and ".join(f"{getattr(ObserveConfig, n):g}" for n in culprits)
        hint = (f"bring {' and '.join(culprits)} back toward "
                f"{'its default' if len(culprits) == 1 else 'their defaults'} ({defaults}): no one "
                f"setting alone keeps {goal}, it takes several together")
    return ConfigError(
        f"{subject} {'makes' if len(culprits) == 1 else 'make'} the imaging noise so large that the "
        "fluorescence goes negative, and ΔF/F (F − F0) / F0 is undefined: its s.d. is "
        f"{s:.3g} × the resting fluorescence of a median neuron, and the dimmest neuron is "
        f"{_dimmest(config, z_dim):.3g} × as bright at the low point of its drift", hint)


def delta_f_over_f(f: np.ndarray, *, percentile: float = 8.0, radius: int = 400,
                   clip: tuple[float, float] | None = (-0.25, 1.5)) -> np.ndarray:
    """ZAPBench-style ΔF/F of raw fluorescence.

    f: float (time, neuron), positive. F0[t] = the ``percentile``-th percentile of f over frames
    [t − radius, t + radius] (window truncated at the ends, linear interpolation between order
    statistics); returns float32 (f − F0) / F0 clipped to ``clip`` (None: no clipping).
    ZAPBench: 8th percentile, radius 400 frames, clip [−0.25, 1.5].
    radius: a whole number >= 1 (an int, Python's or NumPy's; 2.5 or 2.0 is refused, as
    ``ObserveConfig.f0_radius_frames`` refuses it); percentile: a finite number in [0, 100].
    Raises ConfigError for those, NonFiniteError on NaN/inf in f, FormatError if F0 is not
    positive somewhere.
    """
    if not (is_whole(radius) and 1 <= radius <= _MOST_WHOLE):
        raise ConfigError(f"radius must be a whole number >= 1 (frames), got {radius!r}",
                          "e.g. radius=400 (ZAPBench)")
    if not (is_finite_real(percentile) and 0 <= percentile <= 100):
        raise ConfigError(f"percentile must be a finite number in [0, 100], got {percentile!r}",
                          "e.g. percentile=8 (ZAPBench)")
    f = np.ascontiguousarray(f, dtype=np.float32)
    if f.ndim != 2:
        raise FormatError(f"fluorescence must be 2-D (time, neuron), got shape {f.shape}")
    if not np.isfinite(f).all():
        raise NonFiniteError("fluorescence holds NaN or inf", "mask or interpolate them first")
    f0 = np.empty_like(f)
    sliding_percentile(f, float(percentile), int(radius), f0)
    if not (f0 > 0).all():
        raise FormatError("the running baseline F0 is zero or negative somewhere",
                          "ΔF/F needs positive fluorescence; add an offset to raw traces")
    out = np.divide(f, f0, out=f0)  # in place: (f - F0) / F0 = f / F0 - 1, no extra copies
    out -= 1.0
    if clip is not None:
        np.clip(out, clip[0], clip[1], out=out)
    return out


def observe(spikes, config: ObserveConfig | None = None, *, frame_dt_s: float, seed: int = 0,
            n_frames: int | None = None, z=None) -> np.ndarray:
    """Spikes → ΔF/F traces, float32 (n_frames, N), one frame every ``frame_dt_s`` seconds.

    config: ObserveConfig (default settings if None); seed: noise and per-neuron variation;
    z: optional (N,) depths used to assign imaging planes when config.n_planes > 1;
    n_frames: as in ``calcium`` (at most the whole frames, those that end within the spikes'
      duration: floor(duration / frame_dt_s)).
    """
    config = config or ObserveConfig()
    frame_dt_s = _frame_interval(frame_dt_s)
    offsets = plane_offsets(spikes.n_neurons, config.n_planes, frame_dt_s, z)
    k = calcium(spikes, frame_dt_s, n_frames=n_frames, indicator=config.indicator, offsets_s=offsets)
    return fluorescence(k, config, frame_dt_s=frame_dt_s, seed=seed)
