"""A DataArray (e.g. ``ds.traces``) is read by its labels: neurons named by its neuron
coordinate and oriented by its dim names, never by position (session 28 finding)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurocast.errors import FormatError
from neurocast.infer import as_activity, infer_connectivity


def _traces(n_time=60, names=("a", "b", "c", "d")):
    x = np.random.default_rng(0).random((n_time, len(names))).astype(np.float32)
    return xr.DataArray(x, dims=("time", "neuron"),
                        coords={"time": 10.0 + 0.5 * np.arange(n_time), "neuron": list(names)})


def test_a_dataarray_gives_its_neuron_names():
    da = _traces()
    rev = da.isel(neuron=slice(None, None, -1))
    assert as_activity(rev).names.tolist() == ["d", "c", "b", "a"]
    assert as_activity(da).names.tolist() == ["a", "b", "c", "d"]


def test_a_neuron_major_dataarray_is_oriented_by_its_dim_names():
    da = _traces()
    act, act_t = as_activity(da), as_activity(da.T)
    assert act_t.traces.shape == (60, 4)
    np.testing.assert_array_equal(act_t.traces, act.traces)
    assert act_t.names.tolist() == act.names.tolist()
    np.testing.assert_allclose(infer_connectivity(da.T, "pearson"), infer_connectivity(da, "pearson"))


def test_a_dataarray_gives_its_frame_interval_and_pauses_from_its_times():
    da = _traces()
    assert as_activity(da).dt_s == 0.5
    assert as_activity(da, dt_s=0.25).dt_s == 0.25  # given: used
    paused = da.assign_coords(time=np.concatenate([0.5 * np.arange(30), 100 + 0.5 * np.arange(30)]))
    assert as_activity(paused).segment_starts.tolist() == [30]


def test_a_dataarray_with_other_dim_names_keeps_its_neuron_labels():
    da = _traces().rename(neuron="cell").T  # (cell, time)
    act = as_activity(da)
    assert act.traces.shape == (60, 4) and act.names.tolist() == ["a", "b", "c", "d"]


def test_activity_dataset_is_a_recording_with_names_and_traces_in_time_order():
    from neurocast.infer._activity import activity_dataset

    da = _traces().T
    ds = activity_dataset(da)
    assert ds["traces"].dims == ("time", "neuron")
    assert ds["neuron"].values.tolist() == ["a", "b", "c", "d"]
    assert ds.attrs["dt_s"] == 0.5


def test_a_dataarray_of_three_dims_is_refused():
    with pytest.raises(FormatError, match="2-D"):
        as_activity(xr.DataArray(np.zeros((3, 4, 5)), dims=("time", "neuron", "z")))
