"""Dask evaluation of the kept neurons only: dead and constant channels, and neurons holding NaN
under --nan mask-neurons, are left out of the tasks' reads as they are in memory, so the Dask
scorecard equals the in-memory one bit for bit (same batches, same windows, same columns)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

from neurocast.bench import evaluate, evaluate_on_cluster, read_scorecard, run_benchmark
from neurocast.cli import main
from neurocast.data import (
    make_dataset,
    open_dataset,
    protocol_for_dataset,
    save_dataset,
    segments_for,
)
from neurocast.errors import ConfigError
from neurocast.models import get_model

pytestmark = pytest.mark.distributed

MODELS = ["naive", "mean", "stimulus", "linear", "var"]
N = 12
DEAD, FLAT, GAPPY = 3, 7, 1  # a ROI NaN throughout, a flat channel, a neuron with a gap


def _traces(t=900, n=N, seed=0):
    """Smooth low-rank dynamics with a stimulus response and noise, (time, neuron) float32."""
    rng = np.random.default_rng(seed)
    lat = np.cumsum(rng.standard_normal((t, 3)), axis=0) * 0.05
    stim = ((np.arange(t) % 15) < 3).astype(np.float32)
    x = lat @ rng.standard_normal((3, n)) + np.outer(np.convolve(stim, np.exp(-np.arange(10) / 3))[:t],
                                                       rng.random(n))
    return (x + 0.05 * rng.standard_normal((t, n))).astype(np.float32), stim


def _dataset(dead=False, flat=False, gap=False, frames=False):
    """Three conditions ('dark' held out) with a stimulus; optionally a dead channel, a
    constant one, a neuron with a gap in a test set, or NaN frames in train, val and test (one
    run across a 20-window chunk boundary of the Dask tasks) among the live neurons."""
    x, stim = _traces()
    if dead:
        x[:, DEAD] = np.nan
    if flat:
        x[:, FLAT] = 0.25
    if gap:
        x[250:254, GAPPY] = np.nan  # rest: test
    if frames:
        x[100, 0] = x[220, 4] = np.nan  # rest: train, val
        x[255:259, 0] = np.nan  # rest: test, across the chunk boundary at frame 256
        x[560:590:9, 8] = np.nan  # flash: test
        x[870, 2] = np.nan  # dark (held out): test
    names = [f"n{i:02d}" for i in range(N)]
    return make_dataset(x, dt_s=0.5, condition=np.repeat(["rest", "flash", "dark"], 300),
                        neuron=names, stimulus=stim[:, None], covariate=["flash"],
                        heldout_conditions=["dark"], source="test synth", allow_nan=True)


def _store(tmp_path, ds, connectome=None):
    return save_dataset(ds, tmp_path / "s.zarr", allow_nan=True, connectome=connectome)


def _both(ds, path, client, **kwargs):
    """(in-memory result, Dask result) of the same run; small batches and chunks that do not
    divide the test sets: many tasks, a short last one."""
    common = dict(models=MODELS, context=4, horizon=8, batch_windows=5, realism=False, **kwargs)
    memory = run_benchmark(ds, **common)
    cluster = run_benchmark(open_dataset(path, allow_nan=True), chunk_windows=20, client=client,
                            **common)
    return memory, cluster


def _assert_same(memory, cluster):
    a, b = memory.scorecard, cluster.scorecard
    for var in ("score", "score_by_group", "n_windows_skipped"):
        assert (var in a) == (var in b), var
        if var in a:
            np.testing.assert_array_equal(a[var].values, b[var].values, err_msg=var)
    assert a.attrs["neurons_left_out"] == b.attrs["neurons_left_out"]
    assert memory.summary == cluster.summary
    assert np.isfinite(a["score"].sel(model="linear").values).all()


@pytest.mark.parametrize("case, kwargs, left_out", [
    ("dead", {}, {"constant": [f"n{DEAD:02d}"]}),
    ("flat", {}, {"constant": [f"n{FLAT:02d}"]}),
    ("gap", {"nan": "mask-neurons"}, {"nan": [f"n{GAPPY:02d}"]}),
    ("dead+flat+gap", {"nan": "mask-neurons"},
     {"constant": [f"n{DEAD:02d}", f"n{FLAT:02d}"], "nan": [f"n{GAPPY:02d}"]}),
])
def test_left_out_neurons_score_as_in_memory(client, tmp_path, case, kwargs, left_out):
    ds = _dataset(dead="dead" in case, flat="flat" in case, gap="gap" in case)
    memory, cluster = _both(ds, _store(tmp_path, ds), client, **kwargs)
    _assert_same(memory, cluster)
    assert json.loads(cluster.scorecard.attrs["neurons_left_out"]) == left_out


def test_dead_channels_with_nan_frames_skipped_score_as_in_memory(client, tmp_path):
    ds = _dataset(dead=True, frames=True)
    memory, cluster = _both(ds, _store(tmp_path, ds), client, nan="skip-windows")
    _assert_same(memory, cluster)
    assert json.loads(cluster.scorecard.attrs["neurons_left_out"]) == {"constant": [f"n{DEAD:02d}"]}
    assert all(n > 0 for n in cluster.scorecard["n_windows_skipped"].values.tolist())


def _typed_connectome(ds):
    from neurocast.connectome import Connectome

    names = ds["neuron"].values.astype(str)
    table = pd.DataFrame({"id": np.arange(N), "name": names,
                          "type": np.where(np.arange(N) % 3 == 0, "motor", "sensory")})
    return Connectome.from_edges(table, [0, 1, 4, 8], [1, 2, 5, 9], [1, 2, 1, 3], name="typed")


def test_groups_of_the_kept_neurons_score_as_in_memory(client, tmp_path):
    """--group-by type from the connectome stored with the dataset: the groups are cut to the
    kept neurons (dead n03 is a motor neuron) on the workers as in memory; the connectome model
    is built in the client on the kept neurons' wiring and shipped."""
    ds = _dataset(dead=True, frames=True)
    path = _store(tmp_path, ds, connectome=_typed_connectome(ds))
    memory, cluster = _both(open_dataset(path, allow_nan=True), path, client, nan="skip-windows",
                            group_by="type")
    _assert_same(memory, cluster)
    card = cluster.scorecard
    assert card["group"].values.tolist() == ["motor", "sensory"]
    assert np.isfinite(card["score_by_group"].sel(model="linear").values).all()
    # and a connectome model, fitted in the client on the kept neurons
    kw = dict(models=["naive", "connectome-linear"], context=4, horizon=8, batch_windows=5,
              realism=False, nan="skip-windows", group_by="type")
    lazy = open_dataset(path, allow_nan=True)
    a = run_benchmark(lazy, **kw).scorecard
    b = run_benchmark(lazy, chunk_windows=20, client=client, **kw).scorecard
    np.testing.assert_array_equal(a["score_by_group"].values, b["score_by_group"].values)
    np.testing.assert_array_equal(a["score"].values, b["score"].values)


def test_held_out_neurons_are_drawn_among_the_kept_ones_as_in_memory(client, tmp_path):
    ds = _dataset(dead=True, flat=True)
    memory, cluster = _both(ds, _store(tmp_path, ds), client, heldout_neurons=0.3)
    _assert_same(memory, cluster)


def test_a_selection_of_the_stores_neurons_is_scored_by_name(client, tmp_path):
    """A dataset that is a selection of its store (in another order): the tasks read the
    selected neurons by name, not the store's neurons at the selection's positions."""
    ds = _dataset(dead=True, flat=True)
    path = _store(tmp_path, ds)
    pick = [11, 9, DEAD, 0, 5, FLAT, 2]
    lazy = open_dataset(path, allow_nan=True).isel(neuron=pick)
    common = dict(models=MODELS, context=4, horizon=8, batch_windows=5, realism=False)
    memory = run_benchmark(lazy, **common)
    cluster = run_benchmark(lazy, chunk_windows=20, client=client, **common)
    _assert_same(memory, cluster)
    assert memory.scorecard.attrs["n_neurons"] == len(pick)


def test_the_tasks_read_the_columns_the_models_were_fitted_on(client, tmp_path, same_statistics):
    """evaluate_on_cluster(..., neurons=) equals evaluate on the kept traces, whether the kept
    neurons are named, given by position or by a mask, in store order or not (the linear model
    is fitted on the kept traces in that order, in the client, and shipped)."""
    ds = _dataset(dead=True, flat=True)
    path = _store(tmp_path, ds)
    lazy = open_dataset(path, allow_nan=True)
    proto = protocol_for_dataset(ds, None, context=4, horizon=6)
    keep = np.ones(N, dtype=bool)
    keep[[DEAD, FLAT]] = False
    order = np.flatnonzero(keep)[::-1]  # a selection in another order than the store's
    groups = np.arange(N) % 3
    for sel in (np.flatnonzero(keep), order):
        traces = lazy["traces"].isel(neuron=sel)
        train = segments_for(traces, proto, "train", stimulus=lazy["stimulus"])
        val = segments_for(traces, proto, "val", stimulus=lazy["stimulus"])
        model = get_model("linear", horizon=6)
        model.fit(train, val)
        ref = evaluate(model, traces, proto, groups=groups[sel], group_names=("a", "b", "c"),
                       batch_windows=5)
        given = [traces["neuron"].values, sel] + ([keep] if sel is not order else [])
        for neurons in given:
            got = evaluate_on_cluster({"linear": model}, path, proto, client=client,
                                      groups=groups[sel], group_names=("a", "b", "c"),
                                      batch_windows=5, chunk_windows=7, progress=False,
                                      neurons=neurons)["linear"]
            same_statistics(got, ref)


@pytest.mark.parametrize("neurons, match", [
    (["n00", "nope"], r"1 of the scored neurons are not in the store \(e.g. nope\)"),
    ([0, 0, 1], "without repeats"),
    ([0, N], "without repeats"),
    (np.ones(N - 1, dtype=bool), "bool array of shape"),
    ([], "at least one neuron"),
    (np.zeros(N, dtype=bool), "selects no neuron"),
])
def test_bad_neuron_selections_are_refused(client, tmp_path, neurons, match):
    ds = _dataset(dead=True)
    path = _store(tmp_path, ds)
    proto = protocol_for_dataset(ds, None, context=4, horizon=6)
    with pytest.raises(ConfigError, match=match):
        evaluate_on_cluster({"naive": get_model("naive", horizon=6)}, path, proto, client=client,
                            progress=False, neurons=neurons)


def test_groups_must_be_over_the_scored_neurons(client, tmp_path):
    ds = _dataset(dead=True)
    path = _store(tmp_path, ds)
    proto = protocol_for_dataset(ds, None, context=4, horizon=6)
    with pytest.raises(ConfigError, match="groups has shape \\(12,\\) for 11 scored neurons"):
        evaluate_on_cluster({"naive": get_model("naive", horizon=6)}, path, proto, client=client,
                            progress=False, groups=np.arange(N) % 2, group_names=("a", "b"),
                            neurons=np.delete(np.arange(N), DEAD))


def test_what_is_still_refused_does_not_name_the_left_out_neurons(client, tmp_path):
    ds = _dataset(dead=True, gap=True)
    path = _store(tmp_path, ds)
    with pytest.raises(ConfigError) as err:
        run_benchmark(open_dataset(path, allow_nan=True), models=["naive"], context=4, horizon=8,
                      client=client, nan="mask-neurons", cv_folds=2, realism=False)
    assert err.value.message == "evaluation on a Dask cluster needs no folds"
    assert err.value.hint == "leave out --folds; or score in memory (leave out --dask and --scheduler)"
    with pytest.raises(ConfigError) as err:
        run_benchmark(ds, models=["naive"], context=4, horizon=8, client=client,
                      nan="mask-neurons", mask=np.ones((900, N), dtype=bool), realism=False)
    assert err.value.message == ("evaluation on a Dask cluster needs a dataset stored on disk "
                                 "(this one is in memory) and no mask")


def test_cli_bench_on_a_store_with_a_dead_channel(tmp_path, capsys):
    """The command of the issue: a real recording's dead ROI no longer refuses --dask."""
    path = _store(tmp_path, _dataset(dead=True))
    argv = ["bench", str(path), "--models", "naive,linear", "--context", "4", "--horizon", "8",
            "--no-realism", "--json"]
    assert main([*argv, "--out", str(tmp_path / "mem")]) == 0
    assert main([*argv, "--dask", "--workers", "1", "--out", str(tmp_path / "dask")]) == 0
    out = capsys.readouterr()
    mem, dask = (json.loads(line) for line in out.out.strip().splitlines())
    assert mem["summary"] == dask["summary"]
    assert "1 dead/constant channel(s) left out of fitting and scoring (e.g. n03)" in out.err
    assert "Traceback" not in out.err
    a = read_scorecard(tmp_path / "mem" / "scorecard.nc")
    b = read_scorecard(tmp_path / "dask" / "scorecard.nc")
    np.testing.assert_array_equal(a["score"].values, b["score"].values)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "mem" / "scorecard.csv"),
                                  pd.read_csv(tmp_path / "dask" / "scorecard.csv"))
