"""Dataset schema, zarr storage, registry."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
import zarr

import neurocast.data as nd
from neurocast import catalog
from neurocast.data import _store
from neurocast.errors import (
    ConfigError,
    FormatError,
    NeurocastError,
    NonFiniteError,
    UnknownNameError,
)


def _dataset(n_time=600, n_neuron=5, seed=0, **kw):
    rng = np.random.default_rng(seed)
    cond = nd.conditions_from_offsets([0, 200, 400, n_time], ["rest", "touch", "heat"])
    return nd.make_dataset(
        rng.standard_normal((n_time, n_neuron)), dt_s=0.5, condition=cond,
        neuron=[f"n{i}" for i in range(n_neuron)],
        stimulus=rng.random((n_time, 2)), covariate=["touch_on", "heat_rate_hz"],
        spike_counts=rng.integers(0, 4, (n_time, n_neuron)),
        source="test", protocol="p", indicator="gcamp6s", seed=3, heldout_conditions=["heat"], **kw)


def test_make_dataset_follows_schema():
    ds = _dataset()
    assert ds.traces.dims == ("time", "neuron") and ds.traces.dtype == np.float32
    assert ds.spike_counts.dtype == np.uint16 and ds.stimulus.dims == ("time", "covariate")
    assert ds.attrs["conditions"] == ["rest", "touch", "heat"]
    np.testing.assert_allclose(ds.time.values[:3], [0.0, 0.5, 1.0])
    assert nd.condition_blocks(ds.condition.values) == [("rest", 0, 200), ("touch", 200, 400),
                                                         ("heat", 400, 600)]


def test_roundtrip_identical_and_lazy(tmp_path):
    ds = _dataset()
    path = nd.save_dataset(ds, tmp_path / "d.zarr")
    back = nd.open_dataset(path)
    # lazily opened: traces are not a numpy array until read
    assert not isinstance(back.traces.variable._data, np.ndarray)
    np.testing.assert_array_equal(back.traces[10:20].values, ds.traces[10:20].values)
    # the store adds what the write saw in the values: no constant channel, no NaN
    quality = {"constant_neurons": [], "n_nan_values": 0, "n_nan_frames": 0, "empty_neurons": [],
               "n_gap_values": 0, "n_gap_frames": 0,
               "all_chunks_written": True}
    xr.testing.assert_identical(back.load(), ds.assign_attrs(quality))
    assert back.encoding["neurocast_path"] == str(path)


def test_chunked_along_time(tmp_path):
    ds = _dataset(n_time=700, n_neuron=6)
    path = nd.save_dataset(ds, tmp_path / "d.zarr")
    group = zarr.open_group(path, mode="r")
    assert group["traces"].chunks == (256, 6)
    assert group["spike_counts"].chunks == (256, 6)
    assert group["traces"].metadata.zarr_format == 3


def test_blockwise_write_equals_single_write(tmp_path, monkeypatch):
    ds = _dataset(n_time=1000, n_neuron=7)
    monkeypatch.setattr(_store, "_WRITE_BLOCK_VALUES", 256 * 20)  # several append steps
    path = nd.save_dataset(ds, tmp_path / "blocks.zarr")
    quality = {"constant_neurons": [], "n_nan_values": 0, "n_nan_frames": 0, "empty_neurons": [],
               "n_gap_values": 0, "n_gap_frames": 0,
               "all_chunks_written": True}
    xr.testing.assert_identical(nd.open_dataset(path).load(), ds.assign_attrs(quality))


def test_connectome_travels_with_the_data(tmp_path, tiny_connectome):
    ds = _dataset(n_neuron=5).assign_coords(neuron=["A", "B", "C", "D", "E"])
    path = nd.save_dataset(ds, tmp_path / "d.zarr", connectome=tiny_connectome)
    back = nd.dataset_connectome(path)
    assert back.equals(tiny_connectome)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # zarr must not complain about connectome.npz
        opened = nd.open_dataset(path)
    assert nd.dataset_connectome(opened).equals(tiny_connectome)
    assert (path / "connectome.npz").is_file() and (path / "zarr.json").is_file()
    info = nd.dataset_info(path)
    assert info["has_connectome"] and info["connectome"]["n_neurons"] == 5
    other = nd.save_dataset(ds, tmp_path / "none.zarr")
    assert nd.dataset_connectome(other) is None


def test_connectome_must_match_neurons(tmp_path, tiny_connectome):
    ds = _dataset(n_neuron=7)
    with pytest.raises(FormatError, match="names none of the recording's 7 neurons") as err:
        nd.save_dataset(ds, tmp_path / "d.zarr", connectome=tiny_connectome)
    assert "'n0' vs 'A'" in str(err.value)  # the first differences are shown
    assert not (tmp_path / "d.zarr").exists()
    # same count, other names: refused too (it used to be accepted silently)
    with pytest.raises(FormatError, match="names none of the recording's 5"):
        nd.save_dataset(_dataset(n_neuron=5), tmp_path / "d.zarr", connectome=tiny_connectome)
    # a subset of the wired neurons, by name: accepted
    sub = _dataset(n_neuron=2).assign_coords(neuron=["E", "B"])
    nd.save_dataset(sub, tmp_path / "sub.zarr", connectome=tiny_connectome)


def test_a_label_repeated_in_another_case_is_refused_as_a_repeated_label(tiny_connectome):
    """'b', 'b' (names 'b', 'b#2'): which of them is B is unknown, as for 'B', 'B'; a single
    'b' beside an exact 'B' is only a name the connectome lacks."""
    def labelled(labels):
        names = nd.unique_names(labels)
        ds = nd.make_dataset(np.zeros((10, len(labels))), dt_s=1.0, neuron=names)
        return ds.assign_coords(label=("neuron", np.asarray(labels, str)))

    for labels in (["B", "B", "A"], ["b", "b", "A"]):
        with pytest.raises(FormatError, match=rf"same label to several neurons \('{labels[0]}' ×2\)"):
            nd.connectome_positions(labelled(labels), tiny_connectome)
    pos, notes = nd.connectome_positions(labelled(["b", "B", "A"]), tiny_connectome)
    assert pos.tolist() == [-1, 1, 0] and "named but not in connectome" in notes[0]


def test_existing_output_needs_overwrite(tmp_path):
    ds = _dataset()
    path = nd.save_dataset(ds, tmp_path / "d.zarr")
    with pytest.raises(NeurocastError, match="already exists"):
        nd.save_dataset(ds, path)
    ds2 = _dataset(seed=1)
    nd.save_dataset(ds2, path, overwrite=True)
    np.testing.assert_array_equal(nd.open_dataset(path).traces.values, ds2.traces.values)


def test_crash_leaves_no_half_dataset(tmp_path, monkeypatch):
    ds = _dataset(n_time=1000)
    monkeypatch.setattr(_store, "_WRITE_BLOCK_VALUES", 256 * 5)
    calls = {"n": 0}
    original = xr.Dataset.to_zarr

    def failing(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return original(self, *a, **k)

    monkeypatch.setattr(xr.Dataset, "to_zarr", failing)
    with pytest.raises(RuntimeError):
        nd.save_dataset(ds, tmp_path / "d.zarr")
    assert list(tmp_path.iterdir()) == []


def test_missing_variable_is_a_format_error(tmp_path):
    ds = _dataset().drop_vars("condition")
    with pytest.raises(FormatError, match="missing required variable 'condition'"):
        nd.validate_dataset(ds)
    # a store missing a variable on disk
    path = nd.save_dataset(_dataset(), tmp_path / "d.zarr")
    import shutil
    shutil.rmtree(path / "traces")
    with pytest.raises(FormatError, match="missing required variable 'traces'"):
        nd.open_dataset(path)


@pytest.mark.parametrize("change, message", [
    (lambda ds: ds.assign(traces=ds.traces.astype("float64")), "dtype float64"),
    (lambda ds: ds.assign(traces=ds.traces.T), "dims"),
    (lambda ds: ds.assign_attrs(dt_s=0.7), "0.5 s apart but dt_s is 0.7"),
    (lambda ds: ds.assign_attrs(conditions=["touch", "rest", "heat"]), "temporal order"),
    (lambda ds: ds.assign_attrs(heldout_conditions=["taxis"]), "not conditions"),
    (lambda ds: ds.drop_attrs() if hasattr(ds, "drop_attrs") else ds.assign_attrs(), "missing attribute"),
    (lambda ds: ds.assign_coords(neuron=["a", "a", "b", "c", "d"]), "duplicated neuron"),
    (lambda ds: ds.assign(spike_counts=ds.spike_counts.astype("int64")), "spike_counts"),
])
def test_schema_errors(change, message):
    with pytest.raises(FormatError, match=message):
        nd.validate_dataset(change(_dataset()))


def test_mismatched_sizes():
    with pytest.raises(FormatError, match="4 neuron names for 5"):
        nd.make_dataset(np.zeros((10, 5)), dt_s=1.0, neuron=list("abcd"))
    with pytest.raises(FormatError, match="9 timestamps for 10 frames"):
        nd.make_dataset(np.zeros((10, 5)), dt_s=1.0, time_s=np.arange(9.0))
    with pytest.raises(FormatError, match="3 condition labels for 10"):
        nd.make_dataset(np.zeros((10, 5)), dt_s=1.0, condition=["a", "a", "b"])
    with pytest.raises(FormatError, match="offsets"):
        nd.conditions_from_offsets([0, 5, 3], ["a", "b"])


def test_nan_raises_unless_allowed(tmp_path):
    x = np.zeros((300, 4))
    x[123, 2] = np.nan
    with pytest.raises(NonFiniteError, match="first at frame 123, neuron 2"):
        nd.make_dataset(x, dt_s=1.0)
    ds = nd.make_dataset(x, dt_s=1.0, allow_nan=True)
    with pytest.raises(NonFiniteError):
        nd.save_dataset(ds, tmp_path / "n.zarr")
    path = nd.save_dataset(ds, tmp_path / "n.zarr", allow_nan=True)
    with pytest.raises(NonFiniteError, match="NaN"):
        nd.open_dataset(path)
    assert np.isnan(nd.open_dataset(path, allow_nan=True).traces.values[123, 2])


def test_registry_names_and_user_datasets(tmp_path):
    rows = {r["name"]: r for r in catalog.list_datasets()}
    assert rows["worm-default"]["kind"] == "built-in"
    nd.save_dataset(_dataset(), catalog.dataset_path("mine"), overwrite=True)
    rows = {r["name"]: r for r in catalog.list_datasets()}
    assert rows["mine"]["kind"] == "user" and rows["mine"]["available"]
    assert catalog.open_dataset("mine").sizes["neuron"] == 5
    with pytest.raises(UnknownNameError, match="unknown dataset 'mien'") as err:
        catalog.open_dataset("mien")
    assert "mine" in err.value.hint
    with pytest.raises(FormatError, match="no dataset at"):
        catalog.open_dataset(tmp_path / "nope.zarr")
    with pytest.raises(FormatError, match="no dataset at"):  # the data layer takes paths only
        nd.open_dataset("mine")


def test_register_builtin_builds_once(tmp_path):
    calls = []

    def build(path):
        calls.append(path)
        nd.save_dataset(_dataset(), path, overwrite=True)

    entry = catalog.BuiltinDataset("unit-test-builtin", "test", "test", build)
    catalog.DATASETS.register(entry)
    try:
        ds = catalog.open_dataset("unit-test-builtin")
        ds2 = catalog.open_dataset("unit-test-builtin")
        assert len(calls) == 1 and ds.sizes == ds2.sizes
        with pytest.raises(NeurocastError, match="already registered"):
            catalog.DATASETS.register(entry)
    finally:
        catalog.DATASETS.unregister("unit-test-builtin")


def test_an_outdated_builtin_is_rebuilt(tmp_path):
    """A cached built-in made under another fingerprint (an older plan or version of neurocast)
    is rebuilt on next use; with the same fingerprint it is reused; a failed build leaves no
    fingerprint, so the next use tries again."""
    calls, version = [], ["plan v1"]

    def build(path):
        calls.append(version[0])
        if version[0] == "broken":
            raise ConfigError("build failed")
        nd.save_dataset(_dataset(), path, overwrite=True)

    entry = catalog.BuiltinDataset("unit-test-versioned", "test", "test", build,
                                   fingerprint=lambda: version[0])
    catalog.DATASETS.register(entry)
    try:
        catalog.open_dataset("unit-test-versioned")
        catalog.open_dataset("unit-test-versioned")
        assert calls == ["plan v1"] and catalog.is_built("unit-test-versioned")
        version[0] = "plan v2"
        assert not catalog.is_built("unit-test-versioned")
        catalog.open_dataset("unit-test-versioned")
        assert calls == ["plan v1", "plan v2"]
        assert catalog.dataset_path("unit-test-versioned").with_suffix(".fingerprint").read_text() == "plan v2\n"
        version[0] = "broken"
        with pytest.raises(ConfigError, match="build failed"):
            catalog.open_dataset("unit-test-versioned")
        version[0] = "plan v2"  # the fingerprint went with the failed build: built again
        catalog.open_dataset("unit-test-versioned")
        assert calls == ["plan v1", "plan v2", "broken", "plan v2"]
    finally:
        catalog.DATASETS.unregister("unit-test-versioned")


def test_builtin_recordings_carry_their_plan_in_the_fingerprint():
    fp = catalog.DATASETS["worm-default"].fingerprint
    assert fp() == fp() and fp() != catalog.DATASETS["worm-lif"].fingerprint()


def test_not_a_store(tmp_path):
    (tmp_path / "x.zarr").mkdir()
    with pytest.raises(FormatError, match="not a zarr store"):
        nd.open_dataset(tmp_path / "x.zarr")


def test_nan_in_a_later_block_aborts_the_write(tmp_path, monkeypatch):
    monkeypatch.setattr(_store, "_WRITE_BLOCK_VALUES", 256 * 4)  # blocks of 256 frames
    x = np.zeros((900, 4))
    x[700, 1] = np.nan
    ds = nd.make_dataset(x, dt_s=1.0, allow_nan=True)
    with pytest.raises(NonFiniteError, match="first at frame 700, neuron 1"):
        nd.save_dataset(ds, tmp_path / "n.zarr")
    assert list(tmp_path.iterdir()) == []


def test_a_bare_array_is_not_a_dataset(tmp_path):
    arr = zarr.create_array(store=tmp_path / "traces", shape=(10, 3), dtype="float32")
    arr[...] = 0
    with pytest.raises(FormatError, match="single zarr array") as err:
        nd.open_dataset(tmp_path / "traces")
    assert "--format zapbench" in err.value.hint


def test_plain_xarray_open_zarr_prints_no_warnings(tmp_path):
    """A store opens with plain ``xarray.open_zarr(path)`` without any warning (consolidated
    metadata; the connectome file inside the store), also after attaching a connectome later."""
    import warnings

    import pandas as pd

    from neurocast.connectome import Connectome

    ds = _dataset()
    con = Connectome.from_edges(pd.DataFrame({"id": range(5), "name": [f"n{i}" for i in range(5)]}),
                                [0, 1], [1, 2], [3, 1])
    with_con = nd.save_dataset(ds, tmp_path / "with.zarr", connectome=con)
    later = nd.save_dataset(ds, tmp_path / "later.zarr")
    nd.attach_connectome(later, con)
    for path in (with_con, later):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # any warning fails the test
            plain = xr.open_zarr(path)
            np.testing.assert_array_equal(plain["traces"].values, ds["traces"].values)
            assert plain.attrs["n_nan_values"] == 0 and "consolidated_metadata" in (path / "zarr.json").read_text()


def test_attaching_over_an_attached_connectome_is_refused_before_matching_names(tmp_path):
    """No note about the new connectome's names precedes the refusal (it used to)."""
    import warnings

    import pandas as pd

    from neurocast.connectome import Connectome

    ds = _dataset()
    con = Connectome.from_edges(pd.DataFrame({"id": range(5), "name": [f"n{i}" for i in range(5)]}),
                                [0, 1], [1, 2], [3, 1])
    other = Connectome.from_edges(pd.DataFrame({"id": range(3), "name": ["n0", "x", "y"]}),
                                  [0], [1], [1])  # names only one neuron: a warning if matched
    path = nd.save_dataset(ds, tmp_path / "d.zarr", connectome=con)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(NeurocastError, match="has a connectome attached already"):
            nd.attach_connectome(path, other)


def test_overwrite_replaces_only_what_neurocast_wrote(tmp_path):
    ds = _dataset()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("precious")
    with pytest.raises(NeurocastError, match="a folder that neurocast did not write") as err:
        nd.save_dataset(ds, mine, overwrite=True)
    assert err.value.hint and "another path" in err.value.hint
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    (tmp_path / "empty").mkdir()  # an empty folder may be replaced
    nd.save_dataset(ds, tmp_path / "empty", overwrite=True)
    store = nd.save_dataset(ds, tmp_path / "d.zarr")
    assert (store / ".neurocast-output").is_file()
    nd.save_dataset(_dataset(seed=1), store, overwrite=True)  # a neurocast store: replaced
    (store / ".neurocast-output").unlink()  # a store written before the mark: still neurocast's
    nd.save_dataset(ds, store, overwrite=True)
    (tmp_path / "a.txt").write_text("text")
    with pytest.raises(NeurocastError, match="is a file, where neurocast writes a folder"):
        nd.save_dataset(ds, tmp_path / "a.txt", overwrite=True)
    assert (tmp_path / "a.txt").read_text() == "text"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "d.zarr", "empty", "mine"]


def test_reopened_labels_stay_on_the_neuron_dimension(tmp_path):
    ds = _dataset(n_neuron=4).assign_coords(label=("neuron", ["AVAL", "", "AVAL", "RIS"]))
    back = nd.open_dataset(nd.save_dataset(ds, tmp_path / "d.zarr"))
    assert dict(back.sizes) == {"time": 600, "neuron": 4, "covariate": 2}
    assert back["label"].dims == ("neuron",) and back["label"].dtype.kind == "U"
    assert back["covariate"].dtype.kind == "U" and back["condition"].dtype.kind == "U"
    sub = nd.save_dataset(back.isel(neuron=slice(0, 2)), tmp_path / "sub.zarr")
    assert nd.open_dataset(sub)["label"].values.tolist() == ["AVAL", ""]
    assert nd.dataset_info(sub)["n_neurons"] == 2


def test_nan_in_stimulus_covariates_is_refused_and_named(tmp_path, zapbench_like):
    stim = np.ones((40, 3), dtype=np.float32)
    stim[7, 1] = np.nan
    with pytest.raises(NonFiniteError, match=r"stimulus covariate\(s\) dots hold 1 NaN/inf value\(s\), "
                                             r"first at frame 7"):
        nd.make_dataset(np.zeros((40, 2)), dt_s=1.0, stimulus=stim, covariate=["flash", "dots", "gain"],
                        allow_nan=True)  # allow_nan is about traces
    ds = nd.make_dataset(np.zeros((40, 2)), dt_s=1.0, stimulus=np.ones((40, 3)))
    ds["stimulus"][7, 1] = np.nan
    with pytest.raises(NonFiniteError, match="stimulus covariate") as err:
        nd.save_dataset(ds, tmp_path / "s.zarr", allow_nan=True)
    assert "--allow-nan and bench --nan apply to traces only" in err.value.hint
    assert not (tmp_path / "s.zarr").exists()
    zapbench_like(tmp_path / "traces", n_time=40)
    zarr.create_array(store=tmp_path / "cov", shape=stim.shape, dtype="float32")[...] = stim
    with pytest.raises(NonFiniteError, match=r"covariate\(s\) c1 hold"):
        nd.load_zapbench(tmp_path / "traces", covariates=tmp_path / "cov", condition_offsets=None,
                         condition_names=None)


def test_outputs_without_a_name_of_their_own_or_of_the_wrong_kind_are_refused_before_work(
        tmp_path, monkeypatch, capsys):
    from neurocast.cli import main

    src = tmp_path / "absent.npy"  # refused before the source is read: no error about it
    (tmp_path / "afile").write_text("text")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.chdir(tmp_path / "real")  # an empty current folder
    for out, says in ((".", "does not name a new file or folder"),
                      (str(tmp_path / "afile"), "is a file, where neurocast writes a folder"),
                      (str(tmp_path / "link"), "is a symbolic link to a folder")):
        assert main(["data", "import", str(src), out, "--format", "matrix", "--dt-s", "0.5",
                     "--overwrite"]) == 2
        err = capsys.readouterr().err
        assert says in err and "Traceback" not in err and "absent.npy" not in err
    assert (tmp_path / "afile").read_text() == "text" and list((tmp_path / "real").iterdir()) == []
    with pytest.raises(NeurocastError, match="does not name a new file or folder"):
        nd.save_dataset(_dataset(), ".", overwrite=True)


def test_a_label_given_to_several_neurons_is_named_when_attaching(tmp_path):
    """'ASHL', 'ASHL' are stored as 'ASHL', 'ASHL#2' (label 'ASHL' twice); a connectome has one
    ASHL: the error says the label repeats, not that the connectome lacks 'ASHL#2'."""
    import pandas as pd

    from neurocast.connectome import Connectome

    x = np.cumsum(np.random.default_rng(0).normal(0, 0.05, (30, 3)), axis=0)
    np.save(tmp_path / "x.npy", x)
    ds = nd.load_matrix(tmp_path / "x.npy", dt_s=0.5, neuron_names=["ASHL", "ASHL", "AVAL"])
    con = Connectome.from_edges(pd.DataFrame({"id": [0, 1], "name": ["ASHL", "AVAL"]}),
                                [0], [1], [1], name="two")
    with pytest.raises(FormatError, match=r"same label to several neurons \('ASHL' ×2\)"):
        nd.save_dataset(ds, tmp_path / "w.zarr", connectome=con)
    assert not (tmp_path / "w.zarr").exists()


def test_a_neuron_without_any_value_is_told_apart_from_gaps(tmp_path, capsys):
    """A dead ROI exported as an empty column is not a gap: the import error names it, and
    data info counts the gaps apart from it."""
    from neurocast.cli import main

    x = np.random.default_rng(0).normal(size=(300, 4))
    x[:, 2] = np.nan
    names = ["AVAL", "AVAR", "ASHL", "ASHR"]
    with pytest.raises(NonFiniteError, match=r"neuron 2 \(ASHL\); 1 neuron\(s\) hold no value in "
                       r"any of these frames \(e.g. ASHL\)") as err:
        nd.make_dataset(x, dt_s=0.5, neuron=names)
    assert "a neuron with no value at all is a dead channel" in err.value.hint
    dead = nd.save_dataset(nd.make_dataset(x, dt_s=0.5, neuron=names, allow_nan=True),
                           tmp_path / "dead.zarr", allow_nan=True)
    assert nd.dataset_info(dead)["empty_neurons"] == ["ASHL"]
    assert main(["data", "info", str(dead)]) == 0
    assert ("NaN          only in 1 neuron(s) with no value at all (ASHL): dead channels, left "
            "out without --nan") in capsys.readouterr().out
    x[10:13, 0] = np.nan
    gaps = nd.save_dataset(nd.make_dataset(x, dt_s=0.5, neuron=names, allow_nan=True),
                           tmp_path / "gaps.zarr", allow_nan=True)
    assert main(["data", "info", str(gaps)]) == 0
    assert ("NaN          3 value(s) in 3 frame(s) of the other neurons (bench --nan"
            in capsys.readouterr().out)
    info = nd.dataset_info(gaps)
    assert (info["n_nan_values"], info["n_nan_frames"]) == (303, 300)  # the dead channel counts
    assert (info["n_gap_values"], info["n_gap_frames"]) == (3, 3)  # the gaps alone
    scan = nd.scan_traces(x)
    assert scan.empty.tolist() == [False, False, True, False]
    assert np.flatnonzero(scan.gap_frames).tolist() == [10, 11, 12]
    # frames among the other neurons, without reading the traces again
    keep = ~scan.empty
    assert np.flatnonzero(scan.bad_frames_among(keep, None)).tolist() == [10, 11, 12]


def test_partial_names_are_shown_with_the_names_they_may_mean():
    """A side left open, a doubtful identification ('DB3?') and punctuation: the note says what
    each may mean, and a name that differs only by its punctuation says which mark is in the way."""
    from neurocast.connectome import load_connectome

    cook2019 = load_connectome("celegans-cook2019")
    names = ["AVA", "DB3?", "ava-l", "unknown", "AVAR"]
    ds = nd.make_dataset(np.zeros((4, 5), np.float32), dt_s=1.0, neuron=names, source="test")
    pos, notes = nd.connectome_positions(ds, cook2019)
    assert (pos[:4] == -1).all() and pos[4] >= 0
    assert ("'AVA' (AVAL or AVAR?), 'DB3?' (DB3, without '?'?), 'ava-l' (AVAL, without '-'?), "
            "'unknown'") in notes[0]
