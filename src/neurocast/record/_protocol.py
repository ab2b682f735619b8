"""Stimulus protocols: named conditions, their Poisson drives, and per-frame covariates (private)."""

from __future__ import annotations

import fnmatch
import zlib
from dataclasses import dataclass, field

import numpy as np

from neurocast.data.protocol import ZAPBENCH
from neurocast.errors import ConfigError, unknown_name
from neurocast.record._states import BehaviouralState, StateProcess

__all__ = ["PROTOCOLS", "Condition", "Drive", "StimulusProtocol", "get_protocol"]


@dataclass(frozen=True)
class Drive:
    """Poisson input to a set of neurons while a condition lasts.

    names: glob patterns matched against neuron names (e.g. ``"ASH?"`` → ASHL, ASHR).
    types: glob patterns matched against the neuron ``type`` column (e.g. ``"sensory"``).
    n_random: if > 0, instead of all matches take this many of them at random (a fixed draw:
      seeded by the protocol's ``selection_seed`` and the condition name, not the recording seed).
      With no names and no types, the random draw is from all neurons.
    rate_hz: Poisson rate per driven neuron (Hz) while the drive is on.
    weight_mv: jump of the membrane potential per input event (mV).
    on_frames, off_frames: pulse pattern inside the condition (on for on_frames, then off for
      off_frames, repeated); on_frames = 0 means on for the whole condition.
    """

    names: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    n_random: int = 0
    rate_hz: float = 50.0
    weight_mv: float = 10.0
    on_frames: int = 0
    off_frames: int = 0

    def __post_init__(self):
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "types", tuple(self.types))
        if self.rate_hz < 0 or not np.isfinite(self.rate_hz):
            raise ConfigError(f"Drive.rate_hz must be a finite rate >= 0, got {self.rate_hz}")
        if not np.isfinite(self.weight_mv):
            raise ConfigError(f"Drive.weight_mv must be finite, got {self.weight_mv}")
        if self.n_random < 0 or self.on_frames < 0 or self.off_frames < 0:
            raise ConfigError("Drive.n_random, on_frames and off_frames must be >= 0")
        if self.on_frames == 0 and self.off_frames > 0:
            raise ConfigError("Drive.off_frames needs on_frames > 0 (a pulse pattern)")

    def on_mask(self, n_frames: int) -> np.ndarray:
        """bool (n_frames,): True in the frames of the condition where this drive is on."""
        if self.on_frames == 0:
            return np.ones(n_frames, dtype=bool)
        period = self.on_frames + self.off_frames
        return (np.arange(n_frames) % period) < self.on_frames

    def resolve(self, connectome, *, seed_key: str = "", selection_seed: int = 0) -> np.ndarray:
        """Positions (int64, sorted) of the neurons this drive reaches in ``connectome``.

        Raises ConfigError if the patterns match no neuron (naming the patterns).
        """
        n = connectome.n_neurons
        table = connectome.neurons
        if not self.names and not self.types:
            pool = np.arange(n)
        else:
            hit = np.zeros(n, dtype=bool)
            names = table["name"].astype(str).to_numpy()
            types = table["type"].astype(str).to_numpy()
            for pat in self.names:
                hit |= np.array([fnmatch.fnmatchcase(x, pat) for x in names], dtype=bool) \
                    if n < 50_000 else _glob_vector(names, pat)
            for pat in self.types:
                hit |= _glob_vector(types, pat)
            pool = np.flatnonzero(hit)
        if len(pool) == 0:
            raise ConfigError(
                f"drive matches no neuron of {connectome.name or 'the connectome'}: "
                f"names={list(self.names)}, types={list(self.types)}",
                "check the patterns against `neurocast connectome info` or the neuron table",
            )
        if self.n_random:
            if self.n_random > len(pool):
                raise ConfigError(f"drive asks for {self.n_random} random neurons but only "
                                  f"{len(pool)} match its patterns")
            key = zlib.crc32(seed_key.encode())
            rng = np.random.default_rng([selection_seed, key])
            pool = np.sort(rng.choice(pool, size=self.n_random, replace=False))
        return pool.astype(np.int64)


def _glob_vector(values: np.ndarray, pattern: str) -> np.ndarray:
    """fnmatch over many strings at once (via a compiled regular expression)."""
    import re

    rx = re.compile(fnmatch.translate(pattern))
    uniq, inv = np.unique(values, return_inverse=True)
    return np.array([bool(rx.match(u)) for u in uniq], dtype=bool)[inv]


@dataclass(frozen=True)
class Condition:
    """A named block of ``n_frames`` consecutive frames and the drives active during it."""

    name: str
    n_frames: int
    drives: tuple[Drive, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "drives", tuple(self.drives))
        if not self.name or not isinstance(self.name, str):
            raise ConfigError("a condition needs a non-empty name")
        if int(self.n_frames) != self.n_frames or self.n_frames < 1:
            raise ConfigError(f"condition {self.name!r}: n_frames must be an integer >= 1, got {self.n_frames}")


@dataclass(frozen=True)
class StimulusProtocol:
    """A sequence of conditions imaged every ``frame_dt_s`` seconds.

    name: protocol name; network: the connectome it is designed for (a built-in name; record()
      accepts any connectome whose neurons match the drives).
    conditions: in temporal order, names unique. heldout_conditions: names kept out of training.
    background_rate_hz, background_weight_mv: Poisson input throughout, so the network is
      spontaneously active (rate 0 disables it).
    background_fraction: share of the neurons that receive the background (1.0: every neuron;
      less: a fixed random draw seeded by ``selection_seed``, e.g. the few spontaneously active
      neurons of a sparse brain). The engine is event-driven, so a background reaching every
      neuron makes every neuron cost time; a sparse one keeps most neurons at rest and cheap.
    selection_seed: fixes random neuron selections of the drives (part of the protocol).
    model: the neuron model it is recorded with, a preset of ``neurocast.sim.NEURON_MODELS``
      (``"shiu"``: the published model; ``"shiu-adapt"``: with spike-frequency adaptation), or
      ``"graded"``: the graded-potential model of Kunert et al. 2014 (``neurocast.sim.GradedParams``,
      given by ``graded_params``; default the published values).
    states: optional ``StateProcess``: slow shared state drives (e.g. forward / reverse / turn),
      switching with the recording seed; stored as covariates ``state:<name>``.
    """

    name: str
    conditions: tuple[Condition, ...]
    frame_dt_s: float
    network: str = ""
    heldout_conditions: tuple[str, ...] = ()
    background_rate_hz: float = 0.0
    background_weight_mv: float = 0.0
    background_fraction: float = 1.0
    selection_seed: int = 0
    description: str = ""
    model: str = "shiu"
    graded_params: object = None
    states: StateProcess | None = None
    covariate_names: tuple[str, ...] = field(init=False, repr=False, default=())

    def __post_init__(self):
        object.__setattr__(self, "conditions", tuple(self.conditions))
        object.__setattr__(self, "heldout_conditions", tuple(self.heldout_conditions))
        if not self.conditions:
            raise ConfigError(f"protocol {self.name!r} has no conditions")
        names = [c.name for c in self.conditions]
        if len(set(names)) != len(names):
            raise ConfigError(f"protocol {self.name!r} repeats a condition name: {names}")
        for h in self.heldout_conditions:
            if h not in names:
                raise ConfigError(f"held-out condition {h!r} is not a condition of {self.name!r}",
                                  f"conditions: {', '.join(names)}")
        if not self.frame_dt_s > 0:
            raise ConfigError(f"frame_dt_s must be > 0, got {self.frame_dt_s}")
        if self.background_rate_hz < 0:
            raise ConfigError(f"background_rate_hz must be >= 0, got {self.background_rate_hz}")
        if not 0.0 < self.background_fraction <= 1.0:
            raise ConfigError(f"background_fraction must lie in (0, 1], got {self.background_fraction}",
                              "1.0 drives every neuron")
        from neurocast.sim import GradedParams, neuron_model

        if self.model == "graded":
            if self.graded_params is None:
                object.__setattr__(self, "graded_params", GradedParams())
            if not isinstance(self.graded_params, GradedParams):
                raise ConfigError("graded_params must be a neurocast.sim.GradedParams")
        else:
            neuron_model(self.model)
        if self.states is not None and not isinstance(self.states, StateProcess):
            raise ConfigError(f"states must be a StateProcess, not {type(self.states).__name__}")
        state_cols = () if self.states is None else tuple(f"state:{n}" for n in self.states.names)
        cov = (*tuple(f"condition:{n}" for n in names), "drive_on", "drive_rate_hz", *state_cols)
        object.__setattr__(self, "covariate_names", cov)

    # ------------------------------------------------------------------ frames
    @property
    def n_frames(self) -> int:
        return int(sum(c.n_frames for c in self.conditions))

    @property
    def duration_s(self) -> float:
        return self.n_frames * self.frame_dt_s

    @property
    def condition_names(self) -> list[str]:
        return [c.name for c in self.conditions]

    @property
    def offsets(self) -> np.ndarray:
        """Frame offsets of the condition boundaries, int64 (n_conditions + 1,), ZAPBench style."""
        return np.concatenate([[0], np.cumsum([c.n_frames for c in self.conditions])]).astype(np.int64)

    def condition_per_frame(self) -> np.ndarray:
        """Condition name of every frame, str array (n_frames,)."""
        return np.repeat(np.array(self.condition_names, dtype=str), [c.n_frames for c in self.conditions])

    def covariates(self, seed: int = 0) -> tuple[list[str], np.ndarray]:
        """Stimulus covariates per frame: (names, float32 (n_frames, n_covariates)).

        One-hot condition columns ``condition:<name>``, ``drive_on`` (1 while any drive of the
        condition is on) and ``drive_rate_hz`` (summed rate of the drives that are on); with
        ``states``, one-hot ``state:<name>`` columns of the recording ``seed``'s state sequence.
        """
        n_cond = len(self.conditions)
        out = np.zeros((self.n_frames, len(self.covariate_names)), dtype=np.float32)
        if self.states is not None:
            out[:, n_cond + 2:] = self.states.covariates(self.n_frames, self.frame_dt_s, seed)[1]
        for j, (c, start) in enumerate(zip(self.conditions, self.offsets[:-1], strict=True)):
            rows = slice(int(start), int(start) + c.n_frames)
            out[rows, j] = 1.0
            for d in c.drives:
                on = d.on_mask(c.n_frames)
                out[rows, n_cond] = np.maximum(out[rows, n_cond], on)
                out[rows, n_cond + 1] += on * np.float32(d.rate_hz)
        return list(self.covariate_names), out

    def pulses(self) -> list[tuple[int, int, int, int]]:
        """Every stretch of frames a drive is on: (condition index, drive index, start, stop).

        start/stop are absolute frame indices (stop exclusive), contiguous on-runs merged.
        """
        out = []
        for ci, (c, start) in enumerate(zip(self.conditions, self.offsets[:-1], strict=True)):
            for di, d in enumerate(c.drives):
                on = np.r_[False, d.on_mask(c.n_frames), False].astype(np.int8)
                edges = np.flatnonzero(np.diff(on))
                for a, b in zip(edges[::2], edges[1::2], strict=True):
                    out.append((ci, di, int(start) + int(a), int(start) + int(b)))
        return out

    def resolve(self, connectome) -> list[list[np.ndarray]]:
        """Driven neuron positions per condition and drive: ``[cond][drive] -> int64 array``."""
        return [[d.resolve(connectome, seed_key=f"{c.name}/{i}", selection_seed=self.selection_seed)
                 for i, d in enumerate(c.drives)] for c in self.conditions]

    def state_inputs(self, connectome, seed: int) -> list[tuple[int, float, float, np.ndarray]]:
        """The state drives of recording ``seed``: (state index, start_s, stop_s, neurons) per
        visit and drive, with the Drive as ``self.states.states[i].drives[k]`` (a list of
        (state, drive index, start_s, stop_s, positions)); empty without states."""
        if self.states is None:
            return []
        pos = [[d.resolve(connectome, seed_key=f"state:{st.name}/{k}", selection_seed=self.selection_seed)
                for k, d in enumerate(st.drives)] for st in self.states.states]
        starts, idx = self.states.intervals(self.duration_s, seed)
        stops = np.append(starts[1:], self.duration_s)
        return [(int(i), k, float(a), float(min(b, self.duration_s)), pos[i][k])
                for a, b, i in zip(starts, stops, idx, strict=True) for k in range(len(pos[i]))]

    def background_neurons(self, connectome) -> np.ndarray:
        """Positions (int64, sorted) of the neurons receiving the background drive.

        Every neuron if ``background_fraction`` is 1, else round(fraction · N) neurons (at least
        one) drawn once with ``selection_seed`` (the same for every recording seed).
        """
        n = connectome.n_neurons
        if self.background_fraction >= 1.0:
            return np.arange(n, dtype=np.int64)
        k = max(1, round(self.background_fraction * n))
        rng = np.random.default_rng([self.selection_seed, zlib.crc32(b"background")])
        return np.sort(rng.choice(n, size=k, replace=False)).astype(np.int64)

    def with_frames(self, n_frames: int) -> StimulusProtocol:
        """A shorter version: every condition cut to its share of ``n_frames`` (at least 1 frame).

        For quick runs and benchmarks; keeps the order, drives and held-out set.
        """
        from dataclasses import replace

        if n_frames < len(self.conditions):
            raise ConfigError(f"n_frames ({n_frames}) must be at least the number of conditions "
                              f"({len(self.conditions)})")
        if n_frames >= self.n_frames:
            return self
        share = np.array([c.n_frames for c in self.conditions], dtype=np.float64) / self.n_frames
        lengths = np.maximum(1, np.floor(share * n_frames).astype(int))
        lengths[np.argmax(lengths)] += n_frames - lengths.sum()
        conds = tuple(replace(c, n_frames=int(k)) for c, k in zip(self.conditions, lengths, strict=True))
        return replace(self, conditions=conds)


# ---------------------------------------------------------------------- built-ins
#: C. elegans command states (Gray, Hill & Bargmann 2005; Kato et al. 2015): the neurons each
#: state drives (glob patterns of Cook 2019 names). Forward: AVB/PVC/RIB/AIY and the B-type motor
#: neurons; reverse: AVA/AVD/AVE/RIM/AIB and the A-type motor neurons; turn: SMD/RIV/RMD/SAA.
WORM_STATE_NEURONS = {
    "forward": ("AVB?", "PVC?", "RIB?", "AIY?", "DB*", "VB*"),
    "reverse": ("AVA?", "AVD?", "AVE?", "RIM?", "AIB?", "DA*", "VA*", "AS*"),
    "turn": ("SMD??", "RIV?", "RMD*", "SAA??"),
}


def worm_states(*, forward_s: float = 20.0, reverse_s: float = 6.0, turn_s: float = 4.0,
                rate_hz: float = 50.0, weight_mv: float = 2000.0, n_random: int = 0) -> StateProcess:
    """Forward / reverse / turn command states switching on seconds (mean visit lengths in s).

    Each state drives its neurons (``WORM_STATE_NEURONS``) with Poisson events; for the graded
    model one event is a charge of C · weight_mv (mean current C · weight_mv · rate_hz: 1.5 pF ·
    2000 mV · 50 Hz = 150 pA). Transitions: forward → reverse (0.8) or turn (0.2); reverse →
    turn (0.6) or forward (0.4); turn → forward.
    """
    mk = {name: (Drive(names=pats, rate_hz=rate_hz, weight_mv=weight_mv),)
          + ((Drive(n_random=n_random, rate_hz=rate_hz, weight_mv=weight_mv),) if n_random else ())
          for name, pats in WORM_STATE_NEURONS.items()}
    return StateProcess(
        (BehaviouralState("forward", forward_s, mk["forward"]), BehaviouralState("reverse", reverse_s, mk["reverse"]),
         BehaviouralState("turn", turn_s, mk["turn"])),
        transitions=((0.0, 0.8, 0.2), (0.4, 0.0, 0.6), (1.0, 0.0, 0.0)), initial="forward")


def _worm_default(**knobs) -> StimulusProtocol:
    """C. elegans (Cook 2019), graded model with gap junctions, command states and sensory pulses.

    knobs (the calibration, docs/recordings.md): noise_pa, noise_tau_ms, event_rate_max_hz,
    pulse_weight_mv, background_rate_hz, background_weight_mv, and worm_states() arguments.
    """
    from neurocast.sim import GradedParams

    n = 360
    pulse_w = knobs.pop("pulse_weight_mv", 2000.0)
    sim = {k: knobs.pop(k) for k in ("noise_pa", "noise_tau_ms", "event_rate_max_hz", "poisson_events")
           if k in knobs}
    bg_rate = knobs.pop("background_rate_hz", 0.0)
    bg_w = knobs.pop("background_weight_mv", 0.0)

    def pulse(names):  # 6 s on / 12 s off, 50 Hz of C · pulse_w charges (150 pA at 2000 mV)
        return (Drive(names=names, rate_hz=50.0, weight_mv=pulse_w, on_frames=10, off_frames=20),)

    conds = (
        Condition("spontaneous", n),
        Condition("nociceptive", n, pulse(("ASH?", "ADL?", "FLP?"))),
        Condition("salt", n, pulse(("ASE?",))),
        Condition("odor", n, pulse(("AWC?", "AWA?"))),
        Condition("thermosensory", n, pulse(("AFD?",))),
        Condition("gentle-touch", n, pulse(("ALM?", "AVM", "PLM?", "PVM"))),
        Condition("oxygen", n, pulse(("URX?", "BAG?"))),
    )
    return StimulusProtocol(
        "worm-default", conds, frame_dt_s=0.6, network="celegans-cook2019",
        heldout_conditions=("thermosensory",), background_rate_hz=bg_rate, background_weight_mv=bg_w,
        model="graded", graded_params=GradedParams(**sim), states=worm_states(**knobs),
        description="C. elegans, graded model (Kunert et al. 2014) with gap junctions and "
                    "forward/reverse/turn command states: spontaneous + 6 sensory conditions "
                    "(360 frames each, 0.6 s frames); thermosensory held out",
    )


def _worm_lif() -> StimulusProtocol:
    """C. elegans (Cook 2019) with the Shiu et al. LIF model: the original worm-default plan (kept so
    published comparisons stay reproducible)."""
    n = 360  # frames per condition: 3.6 min, enough for a 70/10/20 split (≥ 300)

    def pulse(names):  # Shiu et al.'s 150 Hz activation, 6 s on / 12 s off
        return (Drive(names=names, rate_hz=150.0, weight_mv=10.0, on_frames=10, off_frames=20),)

    conds = (
        Condition("spontaneous", n),
        Condition("nociceptive", n, pulse(("ASH?", "ADL?", "FLP?"))),          # ASH/ADL/FLP avoidance
        Condition("salt", n, pulse(("ASE?",))),                                 # ASE chemosensation
        Condition("odor", n, pulse(("AWC?", "AWA?"))),                          # AWC/AWA olfaction
        Condition("thermosensory", n, pulse(("AFD?",))),                        # AFD temperature
        Condition("gentle-touch", n, pulse(("ALM?", "AVM", "PLM?", "PVM"))),    # touch receptor neurons
        Condition("oxygen", n, pulse(("URX?", "BAG?"))),                        # O2 / CO2 sensing
    )
    return StimulusProtocol(
        "worm-lif", conds, frame_dt_s=0.6, network="celegans-cook2019",
        heldout_conditions=("thermosensory",), background_rate_hz=10.0, background_weight_mv=4.0,
        description="C. elegans, Shiu LIF model (the first worm-default): spontaneous + 6 sensory conditions (360 frames each, 0.6 s frames); "
                    "10 frames on / 20 off pulses; thermosensory held out",
    )


def _fly_zap() -> StimulusProtocol:
    """fly-synth under ZAPBench's 9 conditions: each drives its own random subset of neurons.

    Sparse by design, as in a real brain (and so the event-driven engine stays fast): a fixed 5 %
    of the neurons are spontaneously active (Poisson 1 Hz, 10 mV per event: 3 mV above
    threshold at rest), the others are at rest unless the network drives them. Each condition
    except dark pulses its own 400 excitatory neurons at 20–40 Hz (10 mV per event).

    The model is Shiu et al.'s with spike-frequency adaptation (each spike raises the threshold
    by 0.5 mV, decaying over 1 s). Without it, fly-synth's strongly coupled modules, once driven,
    stay active for good (bistable up-states), so over two hours more and more of the brain
    latches on and the recording no longer follows the stimulus (docs/recordings.md).
    """
    # per condition: (rate_hz, on_frames, off_frames, n_neurons); dark has no drive
    plan = {"gain": (30.0, 20, 20, 400), "dots": (25.0, 5, 10, 400), "flash": (40.0, 5, 25, 400),
            "taxis": (30.0, 30, 30, 400), "turning": (25.0, 15, 15, 400), "position": (20.0, 60, 30, 400),
            "open loop": (30.0, 10, 10, 400), "rotation": (35.0, 20, 10, 400)}
    conds = []
    lengths = np.diff(ZAPBENCH.offsets).tolist()
    for name, n_frames in zip(ZAPBENCH.names, lengths, strict=True):
        drives = ()
        if name in plan:
            rate, on, off, k = plan[name]
            drives = (Drive(types=("*.ACh",), n_random=k, rate_hz=rate, weight_mv=10.0,
                            on_frames=on, off_frames=off),)
        conds.append(Condition(name, n_frames, drives))
    return StimulusProtocol(
        "fly-zap", tuple(conds), frame_dt_s=ZAPBENCH.dt_s, network="fly-synth",
        heldout_conditions=ZAPBENCH.heldout, background_rate_hz=1.0, background_weight_mv=10.0,
        background_fraction=0.05, selection_seed=783, model="shiu-adapt",
        description="fly-synth under ZAPBench's 9 conditions and lengths (7,879 frames at 0.9141 s); "
                    "each condition pulses its own random set of excitatory neurons; taxis held out",
    )


PROTOCOLS: dict[str, StimulusProtocol] = {p.name: p for p in (_worm_default(), _worm_lif(), _fly_zap())}


def get_protocol(protocol: str | StimulusProtocol) -> StimulusProtocol:
    """A StimulusProtocol from a built-in name or the object itself; unknown names list the known."""
    if isinstance(protocol, StimulusProtocol):
        return protocol
    if protocol not in PROTOCOLS:
        raise unknown_name("stimulus protocol", protocol, PROTOCOLS)
    return PROTOCOLS[protocol]
