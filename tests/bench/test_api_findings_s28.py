"""run_benchmark from Python: a labelled mask is aligned by its labels, a transposed dataset is
oriented by its dim names, and a Protocol object is accepted for ``protocol=`` (the route the
hint for a short held-out condition names)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import neurocast.data as nd
from neurocast import run_benchmark
from neurocast.errors import ConfigError, FormatError


def _dataset(frames: int = 600, neurons: int = 6, **kw):
    x = np.cumsum(np.random.default_rng(0).normal(size=(frames, neurons)), 0).astype(np.float32) * 0.01
    x[:, 0] *= 100  # neuron A: large errors, the one to mask out
    half = frames // 2
    return nd.make_dataset(x, dt_s=0.5, condition=nd.conditions_from_offsets([0, half, frames], ["rest", "odor"]),
                           neuron=[chr(ord("A") + i) for i in range(neurons)], **kw)


def _mae(ds, **kw) -> float:
    return run_benchmark(ds, models=["naive"], context=4, horizon=8, **kw).summary["naive"]["mae"]


def _mask_a(ds) -> xr.DataArray:
    m = xr.DataArray(np.ones((ds.sizes["time"], ds.sizes["neuron"]), bool), dims=("time", "neuron"),
                     coords={"time": ds.time, "neuron": ds.neuron.values})
    m.loc[:, "A"] = False
    return m


# --- mask: a DataArray is aligned by dim names and labels; a NumPy mask must be (time, neuron)


def test_a_labelled_mask_is_aligned_by_its_labels_not_its_order():
    ds = _dataset()
    m = _mask_a(ds)
    aligned = _mae(ds, mask=m)
    assert aligned == pytest.approx(_mae(ds, mask=m.values))  # the same mask as a NumPy array
    assert aligned < 0.1  # neuron A (large errors) is masked out
    assert _mae(ds, mask=m.isel(neuron=slice(None, None, -1))) == pytest.approx(aligned)
    assert _mae(ds, mask=m.transpose("neuron", "time")) == pytest.approx(aligned)
    assert _mae(ds, mask=m.isel(time=slice(None, None, -1))) == pytest.approx(aligned)


def test_a_labelled_mask_without_coordinates_is_taken_by_dim_names():
    ds = _dataset()
    m = _mask_a(ds).drop_vars(["time", "neuron"])
    assert _mae(ds, mask=m.transpose("neuron", "time")) == pytest.approx(_mae(ds, mask=m.values))


def test_a_labelled_mask_with_other_neurons_is_refused():
    ds = _dataset()
    m = _mask_a(ds).assign_coords(neuron=list("ABCDEZ"))
    with pytest.raises(ConfigError, match=r"mask.*neuron.*'Z'") as err:
        _mae(ds, mask=m)
    assert "F" in str(err.value)  # the dataset's neuron it lacks


def test_a_labelled_mask_with_other_frame_times_is_refused():
    ds = _dataset()
    m = _mask_a(ds).assign_coords(time=ds.time.values + 0.25)
    with pytest.raises(ConfigError, match=r"mask.*time"):
        _mae(ds, mask=m)


def test_a_labelled_mask_with_other_dims_is_refused():
    ds = _dataset()
    m = _mask_a(ds).rename(neuron="cell")
    with pytest.raises(ConfigError, match=r"mask has dims \('time', 'cell'\).*\(time, neuron\)"):
        _mae(ds, mask=m)


def test_a_numpy_mask_of_the_wrong_shape_names_the_expected_one():
    ds = _dataset()
    with pytest.raises(ConfigError, match=r"mask has shape \(6, 600\).*\(time, neuron\) = \(600, 6\)") as err:
        _mae(ds, mask=_mask_a(ds).values.T)
    assert ".T" in err.value.hint  # it looks transposed
    with pytest.raises(ConfigError, match=r"mask has shape \(600, 5\).*\(600, 6\)"):
        _mae(ds, mask=np.ones((600, 5), bool))


def test_a_mask_with_constant_neurons_left_out_is_aligned_first():
    ds = _dataset()
    ds["traces"][:, 3] = 0.0  # D: constant, left out before scoring
    m = _mask_a(ds)
    assert _mae(ds, mask=m.isel(neuron=slice(None, None, -1))) == pytest.approx(_mae(ds, mask=m.values))


# --- a dataset whose variables are transposed is oriented by its dim names


def test_a_transposed_dataset_scores_as_the_dataset():
    ds = _dataset()
    assert _mae(ds.transpose("neuron", "time")) == pytest.approx(_mae(ds))


def test_a_square_transposed_dataset_is_not_scored_along_the_wrong_axis():
    """As many frames as neurons: no shape error could catch the wrong axis."""
    x = np.cumsum(np.random.default_rng(1).normal(size=(48, 48)), 0).astype(np.float32)
    stim = np.tile(np.arange(4, dtype=np.float32), 12)[:, None]
    ds = nd.make_dataset(x, dt_s=0.5, stimulus=stim, covariate=["flash"])
    ref = run_benchmark(ds, models=["naive", "mean", "stimulus"], context=2, horizon=2)
    got = run_benchmark(ds.transpose("neuron", "time", "covariate"), models=["naive", "mean", "stimulus"],
                        context=2, horizon=2)
    xr.testing.assert_identical(got.scorecard["score"], ref.scorecard["score"])


def test_a_dataset_with_other_dims_is_refused_as_validate_dataset_does():
    ds = _dataset().rename(neuron="cell")
    with pytest.raises(FormatError, match=r"variable 'traces' has dims \('time', 'cell'\), expected \('time', 'neuron'\)"):
        _mae(ds)


# --- protocol=: a Protocol object (what the hint for a short held-out condition builds)


def _short_heldout():
    x = np.cumsum(np.random.default_rng(0).normal(size=(600, 6)), 0).astype(np.float32) * 0.01
    return nd.make_dataset(x, dt_s=0.5, condition=nd.conditions_from_offsets([0, 400, 600], ["rest", "odor"]),
                           neuron=list("ABCDEF"), heldout_conditions=["odor"])


def test_following_the_max_context_hint_works():
    ds = _short_heldout()
    with pytest.raises(ConfigError) as err:
        run_benchmark(ds, models=["naive"], context=4, horizon=8)
    assert "run_benchmark(ds, protocol=protocol_for_dataset(ds, max_context=K" in err.value.hint
    proto = nd.protocol_for_dataset(ds, max_context=64, context=4, horizon=8)
    res = run_benchmark(ds, models=["naive"], context=4, horizon=8, protocol=proto)
    assert res.protocol.max_context == 64 and res.protocol.heldout == ("odor",)
    assert set(res.scorecard["condition"].values.tolist()) == {"rest", "odor"}
    # context and horizon default to the protocol's
    res2 = run_benchmark(ds, models=["naive"], protocol=proto)
    assert (res2.protocol.context, res2.protocol.horizon) == (4, 8)
    assert res2.summary == res.summary


def test_a_protocol_object_gives_the_same_scores_as_its_name():
    ds = _dataset()
    by_name = run_benchmark(ds, models=["naive"], context=4, horizon=8, protocol="conditions")
    by_object = run_benchmark(ds, models=["naive"], protocol=nd.protocol_for_dataset(ds, "conditions",
                                                                                     context=4, horizon=8))
    assert by_object.protocol == by_name.protocol
    xr.testing.assert_identical(by_object.scorecard["score"], by_name.scorecard["score"])


def test_a_protocol_object_that_disagrees_with_the_arguments_is_refused():
    ds = _dataset()
    proto = nd.protocol_for_dataset(ds, context=4, horizon=8)
    with pytest.raises(ConfigError, match=r"horizon=16.*protocol.*horizon 8"):
        run_benchmark(ds, models=["naive"], horizon=16, protocol=proto)
    with pytest.raises(ConfigError, match=r"heldout_neurons=0.5.*protocol"):
        run_benchmark(ds, models=["naive"], heldout_neurons=0.5, protocol=proto)


def test_a_protocol_object_of_another_recording_is_refused():
    ds = _dataset()
    other = nd.protocol_for_dataset(_dataset(frames=500), context=4, horizon=8)
    with pytest.raises(ConfigError, match=r"protocol.*500 frames.*600"):
        run_benchmark(ds, models=["naive"], protocol=other)
    shifted = other.replace(offsets=(0, 250, 600))
    with pytest.raises(ConfigError, match=r"protocol.*condition"):
        run_benchmark(ds, models=["naive"], protocol=shifted)
