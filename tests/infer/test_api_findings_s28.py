"""run_inference from Python as a notebook uses it (session 28 findings): a Dataset or DataArray
is oriented by its dim names, never by the position of its axes; one method name is one method;
the scorecard's ``method`` dimension is selected with a dict (its name is xarray's keyword)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurocast.data import make_dataset
from neurocast.errors import FormatError
from neurocast.infer import as_activity, get_method, infer_connectivity, run_inference


@pytest.fixture(scope="module")
def ring_ds(simulate_hawkes, ring):
    calcium, spikes = simulate_hawkes(ring, n_frames=1500)
    return make_dataset(calcium, dt_s=0.1, neuron=ring.names, spike_counts=spikes), ring


def _scores(res) -> np.ndarray:
    return res.scorecard["score"].values


def test_a_neuron_major_dataset_is_oriented_by_its_dim_names(ring_ds):
    ds, ring = ring_ds
    want = run_inference(ds, truth=ring, methods=["pearson", "ridge", "xcorr"])
    got = run_inference(ds.transpose("neuron", "time"), truth=ring, methods=["pearson", "ridge", "xcorr"])
    np.testing.assert_array_equal(_scores(got), _scores(want))
    assert int(got.scorecard.attrs["n_frames"]) == 1500 and int(got.scorecard.attrs["n_neurons"]) == 8


def test_as_many_frames_as_neurons_transposed_runs_on_the_frames_not_the_neurons(ring_ds):
    ds, ring = ring_ds
    square = ds.isel(time=slice(0, 8))  # 8 frames × 8 neurons: a transpose has the same shape
    want = infer_connectivity(square, "pearson")
    np.testing.assert_array_equal(infer_connectivity(square.transpose("neuron", "time"), "pearson"), want)
    got = run_inference(square.transpose("neuron", "time"), truth=ring, methods=["pearson"])
    np.testing.assert_array_equal(_scores(got), _scores(run_inference(square, truth=ring, methods=["pearson"])))


def test_as_activity_orients_a_dataset_with_its_spike_counts(ring_ds):
    ds, _ = ring_ds
    act, act_t = as_activity(ds), as_activity(ds.transpose("neuron", "time"))
    np.testing.assert_array_equal(act_t.traces, act.traces)
    np.testing.assert_array_equal(act_t.spike_counts, act.spike_counts)


def test_a_dataset_without_time_and_neuron_dims_is_refused_with_the_schema_message(ring_ds):
    ds, ring = ring_ds
    odd = ds.rename(time="frame", neuron="cell")
    with pytest.raises(FormatError, match=r"'traces' has dims \('frame', 'cell'\), expected \('time', 'neuron'\)"):
        run_inference(odd, truth=ring, methods=["pearson"])
    with pytest.raises(FormatError, match="expected"):
        as_activity(odd)


def test_a_dataarray_is_oriented_and_matched_to_the_truth_by_name(ring_ds):
    ds, ring = ring_ds
    want = _scores(run_inference(ds, truth=ring, methods=["pearson", "ridge"]))
    for da in (ds.traces, ds.traces.T, ds.traces.isel(neuron=slice(None, None, -1))):
        got = run_inference(da, truth=ring, methods=["pearson", "ridge"])
        np.testing.assert_allclose(_scores(got), want, rtol=1e-6)
        assert got.scorecard.attrs["dt_s"] == pytest.approx(0.1)


def test_an_unlabelled_neuron_major_dataarray_is_still_oriented_by_its_dim_names(ring_ds):
    ds, ring = ring_ds
    bare = xr.DataArray(ds.traces.values.T, dims=("neuron", "time"))  # no coordinates: by position
    got = run_inference(bare, truth=ring, dt_s=0.1, methods=["pearson"])
    np.testing.assert_allclose(_scores(got), _scores(run_inference(ds, truth=ring, methods=["pearson"])))


@pytest.mark.parametrize("methods", ["pearson", ("pearson",), get_method("pearson")])
def test_one_method_name_is_one_method(ring_ds, methods):
    ds, ring = ring_ds
    res = run_inference(ds, truth=ring, methods=methods)
    assert res.scorecard["method"].values.tolist() == ["pearson"]


def test_the_scorecard_method_dimension_is_selected_with_a_dict_as_documented(ring_ds):
    ds, ring = ring_ds
    score = run_inference(ds, truth=ring, methods=["pearson", "ridge"]).scorecard["score"]
    assert score.sel({"method": "ridge"}).dims == ("metric",)
    assert float(score.sel({"method": "ridge", "metric": "auroc"})) == 1.0
    doc = run_inference.__doc__
    assert 'sel({"method": "ridge"})' in doc
