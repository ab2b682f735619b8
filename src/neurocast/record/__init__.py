"""Synthetic recordings with known wiring: stimulus plans and ``record``.

A *stimulus plan* is a sequence of named conditions (contiguous blocks of frames). Each
condition says which neurons receive which Poisson drive; a low background drive (to every
neuron, or to a fixed sparse share of them) keeps the network spontaneously active.
(A stimulus plan says what is stimulated; a forecasting *protocol*, ``neurocast.data.Protocol``,
says how the recording is split and scored.)
``record`` simulates the connectome under the plan as one continuous simulation (streamed
chunk by chunk, calcium integrated as the chunks arrive; a warm-up of at least 10 s before
frame 0 is simulated and imaged, then discarded, so frame 0 is in the steady state), passes
the spikes through the calcium observation model (``neurocast.observe``) and returns an
``xarray.Dataset`` in the
shared schema (``traces`` (time, neuron) ΔF/F float32, ``condition`` (time,), ``stimulus``
(time, covariate), ``spike_counts`` (time, neuron) uint16: the spikes each frame's sample
shows first, attrs ``dt_s``, ``source``,
``stimulus_plan``, ``protocol``, ``indicator``, ``seed``, ``neurocast_version``,
``conditions``, ``heldout_conditions``).

Public API::

    record(network, plan, *, seed=0, n_frames=None, observe=None, progress=None, warmup_s=None)
      -> xarray.Dataset
    record_to(path, network, plan, *, seed=0, overwrite=False, n_frames=None, ...) -> pathlib.Path
    warmup_frames(frame_dt_s, indicator, warmup_s=None) -> int: frames of warm-up before frame 0
    RECORD_VERSION: version of record's method (part of the built-in datasets' fingerprints)
    get_plan(name) -> StimulusPlan;  PLANS: registry name -> StimulusPlan
    Condition, Drive, StimulusPlan: frozen dataclasses;  SIM_DT_MS: the simulation step (ms)
    StateProcess, BehaviouralState: slow shared state drives of a plan (``plan.states``; stored as
      covariates ``state:<name>``);  worm_states(...): C. elegans forward / reverse / turn states

To store the true wiring with the data, load the connectome yourself and pass it to both calls::

    con = neurocast.load_connectome("celegans-cook2019")
    ds = record(con, "worm-default", seed=0)
    neurocast.data.save_dataset(ds, "worm.zarr", connectome=con)

or call ``record_to(path, ...)``, which does exactly that.
"""

from neurocast.record import _plans  # noqa: F401  (registers the built-in stimulus plans)
from neurocast.record._plan import PLANS, Condition, Drive, StimulusPlan, get_plan
from neurocast.record._plans import worm_states
from neurocast.record._record import RECORD_VERSION, SIM_DT_MS, record, record_to, warmup_frames
from neurocast.record._states import BehaviouralState, StateProcess

__all__ = [
    "PLANS",
    "RECORD_VERSION",
    "SIM_DT_MS",
    "BehaviouralState",
    "Condition",
    "Drive",
    "StateProcess",
    "StimulusPlan",
    "get_plan",
    "record",
    "record_to",
    "warmup_frames",
    "worm_states",
]
