"""The calcium imaging observation model: spikes → calcium → fluorescence → ΔF/F.

Every neuron's spikes are turned into a calcium trace (a difference-of-exponentials kernel
per spike, time constants solved from the indicator's published 1-AP kinetics), read out
through the indicator's saturating Hill titration, scaled by per-neuron brightness, modulated
by slow drift, corrupted by shot and read noise at a given SNR, sampled once per frame (with
optional per-plane offsets of a volumetric scan) and normalised ZAPBench-style
(running 8th-percentile F0 over ±400 frames, ΔF/F clipped to [−0.25, 1.5]).

Public API: ``Indicator``, ``INDICATORS``, ``get_indicator``, ``ObserveConfig``, ``observe``,
``calcium``, ``CalciumIntegrator``, ``fluorescence``, ``delta_f_over_f``, ``plane_offsets``,
``transient_times``, ``sample_frames`` (the frame whose sample first shows a spike: one
rule for the calcium and for a recording's spike counts), and the plots in ``neurocast.observe.plot``.
"""

from neurocast.observe._indicators import (
    DEFAULT_INDICATOR,
    INDICATORS,
    Indicator,
    get_indicator,
    transient_times,
)
from neurocast.observe._kernels import sample_frames
from neurocast.observe._model import (
    CalciumIntegrator,
    ObserveConfig,
    calcium,
    delta_f_over_f,
    fluorescence,
    observe,
    plane_offsets,
)

__all__ = [
    "DEFAULT_INDICATOR",
    "INDICATORS",
    "CalciumIntegrator",
    "Indicator",
    "ObserveConfig",
    "calcium",
    "delta_f_over_f",
    "fluorescence",
    "get_indicator",
    "observe",
    "plane_offsets",
    "sample_frames",
    "transient_times",
]
