"""Notes on stderr that several sub-commands print with their result (private)."""

from __future__ import annotations

from neurocast import sim
from neurocast.cli._output import count, info
from neurocast.connectome import Connectome


def note_gap_junctions(con: Connectome, params) -> None:
    """Say that the gap junctions of ``con`` are not simulated when ``params`` are those of a
    spiking Shiu model (chemical synapses only); other models (graded) simulate them. Said with
    the result (simulate, record), so that an error stays the first line of a failed run."""
    if con.n_gap_junctions and isinstance(params, sim.ShiuParams):
        info(f"note: {con.name or 'the connectome'} has {count(con.n_gap_junctions, 'gap-junction pair')}; "
             "they are not simulated: the LIF models (shiu, shiu-adapt) have chemical synapses only")
