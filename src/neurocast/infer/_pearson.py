"""Pearson correlation of the traces: the Connectomics Challenge's baseline (private)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocast.infer._activity import Activity, standardise
from neurocast.infer._linalg import check_dense_fits, gram
from neurocast.infer._registry import InferenceMethod


@dataclass(frozen=True)
class Pearson(InferenceMethod):
    """Zero-lag Pearson correlation of every pair of traces: symmetric, signed, undirected."""

    name = "pearson"
    directed = False
    signed = True
    summary = "Pearson correlation of the traces (symmetric; the Challenge's baseline)"

    def infer(self, activity: Activity) -> np.ndarray:
        check_dense_fits(activity.n_neurons, self.name)
        c = gram(standardise(activity.traces))
        np.fill_diagonal(c, 0.0)
        return c
