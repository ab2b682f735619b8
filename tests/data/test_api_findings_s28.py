"""Findings of a notebook user of the Python API (session 28): DataFrames given to make_dataset,
subsets saved with their wiring and spike totals, whole frame counts in a Protocol, and a
single condition name given as a str."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import neurocast.data as nd
from neurocast.errors import ConfigError, FormatError


def _frame(index):
    x = np.random.default_rng(0).random((len(index), 3)).astype(np.float32)
    return pd.DataFrame(x, columns=["AVAL", "AVAR", "ASHL"], index=index)


# --- make_dataset(DataFrame): names from the columns, times from the index -----------------

def test_make_dataset_takes_neuron_names_from_the_columns_and_seconds_from_the_index():
    df = _frame(10.0 + np.arange(20) * 0.5)
    ds = nd.make_dataset(df, dt_s=0.5)
    assert ds.neuron.values.tolist() == ["AVAL", "AVAR", "ASHL"]
    assert float(ds.time[0]) == 10.0 and float(ds.time[-1]) == 19.5
    np.testing.assert_array_equal(ds.traces.values, df.to_numpy())


def test_make_dataset_reads_a_timedelta_index_as_seconds_and_a_datetime_one_from_its_first_row():
    td = _frame(pd.to_timedelta(5 + np.arange(20) * 0.5, unit="s"))
    assert nd.make_dataset(td, dt_s=0.5).time.values[:2].tolist() == [5.0, 5.5]
    dt = _frame(pd.Timestamp("2024-01-01 12:00") + pd.to_timedelta(np.arange(20) * 0.5, unit="s"))
    assert nd.make_dataset(dt, dt_s=0.5).time.values[:2].tolist() == [0.0, 0.5]


def test_make_dataset_keeps_given_names_and_times_and_ignores_the_default_index():
    df = _frame(pd.RangeIndex(20))
    ds = nd.make_dataset(df, dt_s=0.5)
    assert ds.neuron.values.tolist() == ["AVAL", "AVAR", "ASHL"]
    assert ds.time.values[:2].tolist() == [0.0, 0.5]  # the default index holds no times
    ds = nd.make_dataset(_frame(10.0 + np.arange(20) * 0.5), dt_s=0.5, neuron=["a", "b", "c"],
                         time_s=np.arange(20) * 0.5)
    assert ds.neuron.values.tolist() == ["a", "b", "c"] and float(ds.time[0]) == 0.0


def test_make_dataset_refuses_an_index_of_frame_numbers_asking_for_time_s():
    df = _frame(pd.RangeIndex(100, 120))  # df.iloc[100:120] of a longer table: frames, not s
    with pytest.raises(FormatError, match=r"steps by 1 but dt_s is 0\.5") as err:
        nd.make_dataset(df, dt_s=0.5)
    assert "time_s=" in err.value.hint


def test_make_dataset_refuses_a_text_index_and_columns_of_several_levels():
    with pytest.raises(FormatError, match="index") as err:
        nd.make_dataset(_frame([f"r{i}" for i in range(20)]), dt_s=0.5)
    assert "time_s=" in err.value.hint
    df = _frame(pd.RangeIndex(20))
    df.columns = pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)])
    with pytest.raises(FormatError, match="several levels") as err:
        nd.make_dataset(df, dt_s=0.5)
    assert "neuron=" in err.value.hint


# --- a single name given as a str -------------------------------------------------------

def _two_conditions():
    x = np.zeros((600, 3), np.float32) + np.arange(600, dtype=np.float32)[:, None] / 600
    return x, nd.conditions_from_offsets([0, 300, 600], ["rest", "odor"])


def test_make_dataset_takes_one_heldout_condition_as_a_str():
    x, cond = _two_conditions()
    ds = nd.make_dataset(x, dt_s=0.5, condition=cond, neuron=list("ABC"), heldout_conditions="odor")
    assert list(ds.attrs["heldout_conditions"]) == ["odor"]


def test_get_protocol_and_protocol_take_one_heldout_condition_as_a_str():
    p = nd.get_protocol("conditions", conditions=["rest", "odor"], offsets=[0, 300, 600],
                        heldout="odor")
    assert p.heldout == ("odor",)
    assert nd.Protocol("p", ("rest", "odor"), (0, 300, 600), heldout="odor").heldout == ("odor",)
    assert nd.Protocol("p", "all", (0, 300)).conditions == ("all",)


# --- whole frame counts in a Protocol -----------------------------------------------------

@pytest.mark.parametrize("field", ["context", "horizon", "padding", "max_context"])
def test_protocol_refuses_a_float_frame_count_at_construction(field):
    with pytest.raises(ConfigError, match=f"{field} must be a whole number of frames, not 8.0"):
        nd.get_protocol("single", frames=600, **{field: 8.0})


def test_protocol_takes_numpy_ints_as_python_ints():
    p = nd.get_protocol("single", frames=600, context=np.int64(4), horizon=np.int32(8))
    assert (p.context, p.horizon) == (4, 8) and type(p.horizon) is int


# --- save_dataset of a subset: its wiring and n_spikes ----------------------------------

@pytest.fixture
def wired_store(tmp_path, tiny_connectome):
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 4, (40, 5)).astype(np.uint16)
    ds = nd.make_dataset(rng.random((40, 5)).astype(np.float32), dt_s=0.5,
                         neuron=["A", "B", "C", "D", "E"], spike_counts=counts,
                         attrs={"n_spikes": int(counts.sum())})
    path = nd.save_dataset(ds, tmp_path / "full.zarr", connectome=tiny_connectome)
    return nd.open_dataset(path)


def test_save_dataset_of_a_neuron_subset_keeps_the_wiring(wired_store, tmp_path):
    sub = wired_store.isel(neuron=[1, 3, 4])
    before = nd.dataset_connectome(sub)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the n_spikes note
        back = nd.open_dataset(nd.save_dataset(sub, tmp_path / "sub.zarr"))
    after = nd.dataset_connectome(back)
    assert after is not None and before is not None
    assert after.names.tolist() == before.names.tolist()
    assert after.to_scipy().nnz == before.to_scipy().nnz
    np.testing.assert_array_equal(nd.connectome_positions(back, after)[0], [1, 3, 4])


def test_save_dataset_of_a_whole_opened_dataset_keeps_its_wiring_quietly(wired_store, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = nd.open_dataset(nd.save_dataset(wired_store, tmp_path / "copy.zarr"))
    assert nd.dataset_connectome(back).names.tolist() == ["A", "B", "C", "D", "E"]
    assert back.attrs["n_spikes"] == int(wired_store.spike_counts.sum())


def test_save_dataset_of_a_subset_makes_n_spikes_the_sum_of_its_spike_counts(wired_store, tmp_path):
    sub = wired_store.isel(neuron=[0, 2], time=slice(0, 30))
    with pytest.warns(UserWarning, match="n_spikes .* saved as"):
        back = nd.open_dataset(nd.save_dataset(sub, tmp_path / "sub.zarr"))
    assert back.attrs["n_spikes"] == int(back.spike_counts.values.sum(dtype=np.int64))
    assert back.attrs["n_spikes"] < wired_store.attrs["n_spikes"]


def test_save_dataset_with_a_connectome_naming_none_of_the_neurons_warns_and_saves_none(
        wired_store, tmp_path):
    sub = wired_store.assign_coords(neuron=["v", "w", "x", "y", "z"])  # renamed: not in 'tiny'
    with pytest.warns(UserWarning, match="not saved with it"):
        back = nd.open_dataset(nd.save_dataset(sub, tmp_path / "renamed.zarr"))
    assert nd.dataset_connectome(back) is None


def test_save_dataset_with_connectome_false_saves_no_wiring_and_no_record(wired_store, tmp_path):
    from neurocast.data import _store

    back = nd.open_dataset(nd.save_dataset(wired_store, tmp_path / "bare.zarr", connectome=False))
    assert nd.dataset_connectome(back) is None
    assert _store.CONNECTOME_ATTR not in back.attrs
    assert nd.verify_dataset(tmp_path / "bare.zarr").ok


def test_a_copy_keeps_a_record_of_its_own_connectome_file(wired_store, tmp_path):
    from neurocast.data import _store

    copy = nd.save_dataset(wired_store, tmp_path / "copy.zarr")
    record = nd.open_dataset(copy).attrs[_store.CONNECTOME_ATTR]
    assert record["n_bytes"] == (copy / "connectome.npz").stat().st_size
    assert nd.verify_dataset(copy).ok
