"""The registered neuron models: one registration line each (see _registry.py)."""

from __future__ import annotations

from neurocast.sim._graded import (
                                  GradedParams,
                                  build_graded_network,
                                  simulate_graded,
                                  simulate_graded_chunks,
)
from neurocast.sim._network import build_network
from neurocast.sim._params import RECORD_DT_MS, ShiuParams
from neurocast.sim._registry import NeuronModel, register_neuron_model
from neurocast.sim._simulate import simulate, simulate_chunks

register_neuron_model(NeuronModel("shiu", ShiuParams(), build_network, simulate,
                                  "Shiu et al. 2024 whole-brain LIF model (published parameters)",
                                  simulate_chunks=simulate_chunks, record_dt_ms=RECORD_DT_MS))
# spike-frequency adaptation: +0.5 mV of threshold per spike, decaying over 1 s, so that
# self-sustained activity ends (used by the fly-zap recordings)
register_neuron_model(NeuronModel("shiu-adapt", ShiuParams(adapt_mv=0.5, tau_adapt_ms=1000.0),
                                  build_network, simulate,
                                  "shiu with spike-frequency adaptation (threshold +0.5 mV per spike, 1 s)",
                                  simulate_chunks=simulate_chunks, record_dt_ms=RECORD_DT_MS))
# graded potentials, gap junctions and graded synapses; calcium follows synaptic activation
register_neuron_model(NeuronModel("graded", GradedParams(), build_graded_network, simulate_graded,
                                  "Kunert, Shlizerman & Kutz 2014 graded C. elegans model with gap junctions",
                                  simulate_chunks=simulate_graded_chunks))
