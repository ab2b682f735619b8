"""The built-in stimulus plans, one registration line each (``PLANS.register``)."""

from __future__ import annotations

import numpy as np

from neurocast.data import ZAPBENCH
from neurocast.record._plan import PLANS, Condition, Drive, StimulusPlan


def _worm_default() -> StimulusPlan:
    """C. elegans (Cook 2019): spontaneous activity and six sensory modalities, 0.6 s frames."""
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
        "worm-default", conds, frame_dt_s=0.6, network="celegans-cook2019",
        heldout_conditions=("thermosensory",), background_rate_hz=10.0, background_weight_mv=4.0,
        description="C. elegans: spontaneous + 6 sensory conditions (360 frames each, 0.6 s frames); "
                    "10 frames on / 20 off pulses; thermosensory held out",
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
    return StimulusPlan(
        "fly-zap", tuple(conds), frame_dt_s=ZAPBENCH.dt_s, network="fly-synth",
        heldout_conditions=ZAPBENCH.heldout, split_protocol="zapbench", background_rate_hz=1.0, background_weight_mv=10.0,
        background_fraction=0.05, selection_seed=783, model="shiu-adapt",
        description="fly-synth under ZAPBench's 9 conditions and lengths (7,879 frames at 0.9141 s); "
                    "each condition pulses its own random set of excitatory neurons; taxis held out",
    )


PLANS.register(_worm_default())
PLANS.register(_fly_zap())
