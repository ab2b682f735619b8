"""Defaults shared across neurocast, in one place.

Cheap to import (plain constants), so the command line can show them in ``--help`` without
loading the library. The packages re-export the ones they use (``neurocast.data.DEFAULT_CONTEXT``).
"""

#: Frames of context (C): ZAPBench's short-context standard (``data.ZAPBENCH.standard_contexts[0]``).
DEFAULT_CONTEXT = 4
#: Frames forecast (H): ZAPBench's horizon (``data.ZAPBENCH.horizon``).
DEFAULT_HORIZON = 32
#: Calcium indicator when none is named (pan-neuronal GCaMP6s, as in C. elegans NeuroPAL strains).
DEFAULT_INDICATOR = "gcamp6s"
#: Forecasters ``neurocast bench`` runs when none are named.
DEFAULT_MODELS = ("naive", "mean", "stimulus", "linear", "var")
