"""The report's realism section says the subsets its statistics were averaged over (it said
'140-neuron subsets' whatever the recording)."""

from __future__ import annotations

import numpy as np

from neurocast.data import realism_plots, realism_stats


def _stats(n_neurons: int) -> dict:
    x = np.random.default_rng(n_neurons).standard_normal((400, n_neurons)).cumsum(axis=0)
    return realism_stats(x, dt_s=0.5, progress=False)


def test_the_realism_section_names_the_actual_subsets(tmp_path):
    _, fragment = realism_plots({"rec": _stats(58)}, tmp_path)
    intro = fragment[fragment.index("<p>"):fragment.index("</p>")]
    assert "(1 subset of 58 neurons, z-scored traces)" in intro and "140" not in intro
    _, fragment = realism_plots({"a": _stats(58), "b": _stats(150)}, tmp_path)
    assert "(a: 1 subset of 58 neurons; b: 10 subsets of 140 neurons, z-scored traces)" in fragment
