"""Seeds beyond int32 in scorecard.nc and statistics.nc (netCDF3 has no 64-bit integer attributes)."""

from __future__ import annotations

import numpy as np

from neurocast._files import netcdf3_attrs, read_wide_ints
from neurocast.bench import read_scorecard, run_benchmark
from neurocast.bench._statistics import read_statistics
from neurocast.data import make_dataset


def _dataset(seed):
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.standard_normal((1800, 6)), axis=0).astype(np.float32) * 0.05
    cond = np.repeat(["rest", "flash", "dark"], 600)
    return make_dataset(x, dt_s=0.5, condition=cond, heldout_conditions=["dark"], source="t", seed=seed)


def test_attrs_beyond_int32_become_text_and_read_back():
    attrs = {"a": 2**31, "b": -2**31 - 1, "c": 2**31 - 1, "d": np.int64(2**40), "e": True,
             "f": 1.5, "g": "x", "h": "12"}
    enc = netcdf3_attrs(attrs)
    assert enc == {"a": str(2**31), "b": str(-2**31 - 1), "c": 2**31 - 1, "d": str(2**40),
                   "e": True, "f": 1.5, "g": "x", "h": "12", "wide_int_attrs": "a,b,d"}
    assert read_wide_ints(enc) == attrs  # text that was text stays text ('h')


def test_bench_with_seeds_beyond_int32(tmp_path):
    big = 2**63 + 1
    run_benchmark(_dataset(2**31), models="naive,mean", context=4, horizon=2, out_dir=tmp_path,
                  heldout_neurons=0.5, neuron_seed=big, realism=False)
    card = read_scorecard(tmp_path / "scorecard.nc")
    assert card.attrs["dataset_seed"] == 2**31
    assert card.attrs["protocol_neuron_seed"] == big
    _, protocol = read_statistics(tmp_path / "statistics.nc")
    assert protocol.neuron_seed == big
