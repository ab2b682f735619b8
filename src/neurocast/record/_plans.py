"""The built-in stimulus plans, one registration line each (``PLANS.register``)."""

from __future__ import annotations

import numpy as np

from neurocast.data import ZAPBENCH
from neurocast.record._plan import PLANS, Condition, Drive, StimulusPlan
from neurocast.record._states import BehaviouralState, StateProcess
from neurocast.sim import GradedParams

#: C. elegans command states (Gray, Hill & Bargmann 2005; Kato et al. 2015): the neurons each
#: state drives (glob patterns of Cook 2019 names). Forward: AVB/PVC/RIB/AIY and the B-type motor
#: neurons; reverse: AVA/AVD/AVE/RIM/AIB and the A-type motor neurons; turn: SMD/RIV/RMD/SAA.
WORM_STATE_NEURONS = {
    "forward": ("AVB?", "PVC?", "RIB?", "AIY?", "DB*", "VB*"),
    "reverse": ("AVA?", "AVD?", "AVE?", "RIM?", "AIB?", "DA*", "VA*", "AS*"),
    "turn": ("SMD??", "RIV?", "RMD*", "SAA??"),
}


def worm_states(*, forward_s: float = 60.0, reverse_s: float = 20.0, turn_s: float = 12.0,
                rate_hz: float = 50.0, weight_mv: float = 2000.0, n_random: int = 0,
                dwell_shape: float = 4.0) -> StateProcess:
    """Forward / reverse / turn command states switching on seconds (mean visit lengths in s).

    Each state drives its neurons (``WORM_STATE_NEURONS``) with a Poisson drive of ``rate_hz`` ×
    ``weight_mv``; the graded model takes it as the mean current C · w · r (1.5 pF · 2000 mV ·
    50 Hz = 150 pA). n_random: each state also drives its own fixed random set of this many
    neurons. Visit lengths are gamma distributed (shape ``dwell_shape``: 4 makes the
    forward-reverse-turn cycle fairly regular, as in Kato et al. 2015's whole-brain cycles).
    Transitions: forward → reverse (0.8) or turn (0.2); reverse → turn (0.6) or forward (0.4);
    turn → forward.
    """
    mk = {name: (Drive(names=pats, rate_hz=rate_hz, weight_mv=weight_mv),)
          + ((Drive(n_random=n_random, rate_hz=rate_hz, weight_mv=weight_mv),) if n_random else ())
          for name, pats in WORM_STATE_NEURONS.items()}
    return StateProcess(
        (BehaviouralState("forward", forward_s, mk["forward"]), BehaviouralState("reverse", reverse_s, mk["reverse"]),
         BehaviouralState("turn", turn_s, mk["turn"])),
        transitions=((0.0, 0.8, 0.2), (0.4, 0.0, 0.6), (1.0, 0.0, 0.0)), dwell_shape=dwell_shape,
        initial="forward")


def _worm_default(**knobs) -> StimulusPlan:
    """C. elegans (Cook 2019), graded model with gap junctions, command states and sensory pulses.

    The sensory conditions of worm-lif, each pulse a 150 pA current (50 Hz × 2000 mV × 1.5 pF)
    into the sensory neurons. knobs (the calibration, docs/recordings.md): noise_pa,
    noise_tau_ms, event_rate_max_hz, poisson_events (GradedParams), pulse_weight_mv,
    background_rate_hz, background_weight_mv, and worm_states() arguments.
    """
    n = 360
    pulse_w = knobs.pop("pulse_weight_mv", 2000.0)
    sim = {"noise_pa": 4.0, "noise_tau_ms": 20_000.0, "event_rate_max_hz": 6.0}  # calibrated
    sim.update({k: knobs.pop(k) for k in ("noise_pa", "noise_tau_ms", "event_rate_max_hz", "poisson_events")
                if k in knobs})
    bg_rate = knobs.pop("background_rate_hz", 0.0)
    bg_w = knobs.pop("background_weight_mv", 0.0)

    def pulse(names):  # 6 s on / 12 s off, mean current C · pulse_w · 50 Hz (150 pA at 2000 mV)
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
    return StimulusPlan(
        "worm-default", conds, frame_dt_s=0.6, network="celegans-cook2019",
        heldout_conditions=("thermosensory",), background_rate_hz=bg_rate, background_weight_mv=bg_w,
        model="graded", graded_params=GradedParams(**sim), states=worm_states(**knobs),
        description="C. elegans, graded model (Kunert et al. 2014) with gap junctions and "
                    "forward/reverse/turn command states: spontaneous + 6 sensory conditions "
                    "(360 frames each, 0.6 s frames); thermosensory held out",
    )


#: Neurons of the C. elegans hermaphrodite (celegans-cook2019): one slot each per repeat.
WORM_NEURONS = 302


def _worm_optogenetics(*, repeats: int = 3, on_frames: int = 1, off_frames: int = 7,
                       rate_hz: float = 50.0, weight_mv: float = 2000.0) -> StimulusPlan:
    """Each neuron driven in turn, as in the C. elegans signal-propagation atlas (Randi et al.,
    Nature 2023, by optogenetic activation of single neurons during whole-brain imaging).

    ``repeats`` conditions ("repeat-1", ...), each visiting all 302 neurons once in its own
    random order (``Drive.order``, seeded by the repeat): a pulse of ``on_frames`` frames
    (0.6 s each; the graded model takes the drive as a mean current of C · w · r, 150 pA at the
    defaults, as worm-default's sensory pulses) then ``off_frames`` quiet frames for the
    response. The driven neuron is a covariate (``driven:<name>``). The network, noise and
    command states are worm-default's; the last repeat is held out.
    """
    slot = on_frames + off_frames
    conds = tuple(
        Condition(f"repeat-{r + 1}", WORM_NEURONS * slot, tuple(
            Drive(rate_hz=rate_hz, weight_mv=weight_mv, on_frames=on_frames, off_frames=WORM_NEURONS * slot,
                  delay_frames=k * slot, order=k, order_seed=r) for k in range(WORM_NEURONS)))
        for r in range(repeats))
    base = _worm_default()
    return StimulusPlan(
        "worm-optogenetics", conds, frame_dt_s=base.frame_dt_s, network="celegans-cook2019",
        heldout_conditions=(conds[-1].name,), model="graded", graded_params=base.graded_params,
        states=base.states, driven_covariates=True,
        description=f"C. elegans, worm-default's network: each of the {WORM_NEURONS} neurons driven in turn "
                    f"({on_frames} frame on, {off_frames} off), {repeats} repeats in random orders, the driven "
                    "neuron a covariate (Randi et al. 2023); the last repeat held out",
    )


def _worm_lif() -> StimulusPlan:
    """C. elegans (Cook 2019) with the Shiu et al. LIF model: the first worm-default plan, kept so
    published comparisons stay reproducible."""
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
    return StimulusPlan(
        "worm-lif", conds, frame_dt_s=0.6, network="celegans-cook2019",
        heldout_conditions=("thermosensory",), background_rate_hz=10.0, background_weight_mv=4.0,
        description="C. elegans, Shiu LIF model (the first worm-default): spontaneous + 6 sensory conditions (360 frames each, 0.6 s frames); "
                    "10 frames on / 20 off pulses; thermosensory held out",
    )


def _zapbench_conditions() -> tuple[Condition, ...]:
    """ZAPBench's 9 conditions and lengths; each but dark pulses its own 400 random excitatory
    fly-synth neurons at 20–40 Hz (10 mV per event)."""
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
    return tuple(conds)


def _fly_zap_states(**knobs) -> StimulusPlan:
    """fly-zap (below) with a broader background and slow arousal states.

    A realism candidate, not yet inside the zebrafish ranges (docs/recordings.md): a broader background (``background_fraction``
    of the neurons, Poisson ``background_rate_hz``) and slow arousal states: "quiet" and
    "active" (swim-bout-like) visits of ``quiet_s`` / ``active_s`` seconds on average; while
    active, a fixed random set of ``arousal_fraction`` · N excitatory neurons receives Poisson input
    at ``arousal_rate_hz`` (10 mV per event). The state sequence depends on the recording seed
    and is stored as covariates ``state:quiet``, ``state:active``.
    """
    bg_fraction = knobs.pop("background_fraction", 0.3)
    bg_rate = knobs.pop("background_rate_hz", 1.0)
    arousal_fraction = knobs.pop("arousal_fraction", 0.3)
    arousal_rate = knobs.pop("arousal_rate_hz", 3.0)
    quiet_s, active_s = knobs.pop("quiet_s", 8.0), knobs.pop("active_s", 4.0)
    if knobs:
        raise ValueError(f"unknown fly-zap knobs {sorted(knobs)}")
    n_fly = 138_639  # fly-synth's neurons; the arousal share is of all neurons, drawn among the excitatory
    states = StateProcess((
        BehaviouralState("quiet", quiet_s),
        BehaviouralState("active", active_s, (Drive(types=("*.ACh",), n_random=round(arousal_fraction * n_fly),
                                                    rate_hz=arousal_rate, weight_mv=10.0),)),
    ), initial="quiet")
    conds = _zapbench_conditions()
    return StimulusPlan(
        "fly-zap-states", conds, frame_dt_s=ZAPBENCH.dt_s, network="fly-synth",
        heldout_conditions=ZAPBENCH.heldout, split_protocol="zapbench", background_rate_hz=bg_rate, background_weight_mv=10.0,
        background_fraction=bg_fraction, selection_seed=783, model="shiu-adapt", states=states,
        description="fly-synth under ZAPBench's 9 conditions and lengths (7,879 frames at 0.9141 s); "
                    "each condition pulses its own random set of excitatory neurons; slow quiet/active "
                    "arousal states; taxis held out",
    )


def _fly_zap() -> StimulusPlan:
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
    conds = _zapbench_conditions()
    return StimulusPlan(
        "fly-zap", conds, frame_dt_s=ZAPBENCH.dt_s, network="fly-synth",
        heldout_conditions=ZAPBENCH.heldout, split_protocol="zapbench", background_rate_hz=1.0, background_weight_mv=10.0,
        background_fraction=0.05, selection_seed=783, model="shiu-adapt",
        description="fly-synth under ZAPBench's 9 conditions and lengths (7,879 frames at 0.9141 s); "
                    "each condition pulses its own random set of excitatory neurons; taxis held out",
    )


PLANS.register(_worm_default())
PLANS.register(_worm_lif())
PLANS.register(_worm_optogenetics())
PLANS.register(_fly_zap_states())
PLANS.register(_fly_zap())
