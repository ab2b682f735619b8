"""``neurocast.data.orient_dataset``: the one rule that puts a dataset's variables in the schema's
dim order by their names, shared by bench (``run_benchmark``) and infer (``as_activity``,
``run_inference``), which each had their own copy (session 28 review)."""

from __future__ import annotations

import numpy as np
import pytest

import neurocast.data as nd
from neurocast.bench import run_benchmark
from neurocast.errors import FormatError


def _dataset() -> object:
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(size=(40, 5)), 0).astype(np.float32)
    stim = rng.random((40, 2)).astype(np.float32)
    spikes = rng.integers(0, 3, size=(40, 5)).astype(np.uint16)
    return nd.make_dataset(x, dt_s=0.5, stimulus=stim, covariate=["flash", "odor"], spike_counts=spikes)


def test_every_variable_is_put_in_the_schema_order_by_its_dim_names():
    ds = _dataset()
    flipped = ds.transpose("neuron", "covariate", "time")
    assert flipped["stimulus"].dims == ("covariate", "time")
    got = nd.orient_dataset(flipped)
    assert {v: got[v].dims for v in got.data_vars} == {v: ds[v].dims for v in ds.data_vars}
    for v in ds.data_vars:
        np.testing.assert_array_equal(got[v].values, ds[v].values)
    assert got.attrs == ds.attrs
    nd.validate_dataset(got)


def test_a_dataset_in_order_is_returned_as_it_is():
    ds = _dataset()
    assert nd.orient_dataset(ds) is ds


def test_a_stored_dataset_stays_lazy_and_keeps_its_encoding(tmp_path):
    path = nd.save_dataset(_dataset(), tmp_path / "d.zarr")
    opened = nd.open_dataset(path)
    got = nd.orient_dataset(opened.transpose("neuron", "time", "covariate"))
    assert got["traces"].dims == ("time", "neuron")
    assert not got["traces"].variable._in_memory  # transposed, not read
    assert got.encoding == opened.encoding  # the store it came from (its connectome, bench's notes)
    np.testing.assert_array_equal(got["traces"].values, opened["traces"].values)


def test_traces_without_time_and_neuron_dims_are_refused_with_the_schema_message():
    ds = _dataset()
    with pytest.raises(FormatError, match=r"^dataset: variable 'traces' has dims \('frame', 'cell'\), "
                                          r"expected \('time', 'neuron'\)") as err:
        nd.orient_dataset(ds.rename(time="frame", neuron="cell"))
    with pytest.raises(FormatError) as same:
        nd.validate_dataset(ds.rename(neuron="cell").rename(time="frame"), allow_nan=True)
    assert err.value.hint == same.value.hint


@pytest.mark.parametrize("kind, match", [
    ("array", "dataset is a ndarray, not an xarray.Dataset"),
    ("dataarray", "dataset is a DataArray, not an xarray.Dataset"),
    ("no traces", r"dataset: missing required variable 'traces'"),
])
def test_something_other_than_a_dataset_with_traces_is_refused(kind, match):
    ds = _dataset()
    bad = {"array": ds["traces"].values, "dataarray": ds["traces"], "no traces": ds.drop_vars("traces")}
    with pytest.raises(FormatError, match=match):
        nd.orient_dataset(bad[kind])


def test_run_benchmark_given_an_array_says_it_needs_a_dataset():
    """It failed with a bare AttributeError ('numpy.ndarray' object has no attribute 'sizes')."""
    x = np.cumsum(np.random.default_rng(0).normal(size=(40, 5)), 0).astype(np.float32)
    with pytest.raises(FormatError, match=r"is a ndarray, not an xarray\.Dataset") as err:
        run_benchmark(x, models=["naive"], context=2, horizon=2)
    assert "make_dataset" in err.value.hint
