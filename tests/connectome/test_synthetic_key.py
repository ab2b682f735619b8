"""The cache key of a synthetic connectome's parameters does not depend on how a number was typed."""

import numpy as np

from neurocast.connectome import SyntheticParams


def test_numpy_integers_hash_as_python_ints():
    base = SyntheticParams(n_neurons=50, mean_out_degree=4.0, seed=3)
    assert SyntheticParams(n_neurons=np.int64(50), mean_out_degree=4.0, seed=np.int64(3)).key() == base.key()
    assert SyntheticParams(n_neurons=50, mean_out_degree=np.float32(4.0), seed=3).key() == base.key()
    assert SyntheticParams(n_neurons=50, mean_out_degree=4.0, seed=4).key() != base.key()
