"""Screens on a Dask cluster: identical to the same experiments simulated one by one."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

pytest.importorskip("distributed")

from neurocast.cli import main
from neurocast.errors import ConfigError, UnknownNameError
from neurocast.sim import (
    build_network,
    each_experiments,
    grid_experiments,
    run_experiments,
    simulate,
)
from neurocast.sim._sweeps import cached_networks, clear_cached_networks

pytestmark = pytest.mark.distributed

DURATION_MS = 300.0


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A LocalCluster of two worker processes (started once for this module)."""
    from neurocast._dask import dask_client

    before = os.environ.get("NEUROCAST_CACHE")
    os.environ["NEUROCAST_CACHE"] = str(tmp_path_factory.mktemp("cache"))  # inherited by workers
    try:
        with dask_client(n_workers=2) as cl:
            yield cl
    finally:
        if before is None:
            os.environ.pop("NEUROCAST_CACHE", None)
        else:
            os.environ["NEUROCAST_CACHE"] = before


def _one_by_one(con, exp, n_trials, seed, params=None, rate_hz=None):
    """What the screen must equal: plain simulate calls, trial k with seed + k."""
    from neurocast.sim import ShiuParams

    params = (params or ShiuParams()).replace(**{k: v for k, v in exp.changes if k != "rate_hz"})
    rate = dict(exp.changes).get("rate_hz", rate_hz)
    net = build_network(con, params, silence=np.array(exp.silence, np.int64))
    counts = sum(simulate(net, DURATION_MS, stimulate=np.array(exp.stimulate, np.int64),
                          rate_hz=rate, seed=seed + k).counts() for k in range(n_trials))
    return (counts / (n_trials * DURATION_MS / 1000.0)).astype(np.float32)


def test_silence_each_equals_one_by_one(client, cook2019):
    drive = cook2019.index_of(["ASHL", "ASHR"])
    # neurons downstream of ASH (silencing them changes the response) and two bystanders; a
    # driven neuron (ASHR) is refused (test_a_sweep_silencing_a_driven_neuron_is_refused...)
    of = np.array([*cook2019.index_of(["AIBL", "AVAL", "AVAR", "AVDL"]), 0, 7])
    exps = each_experiments(cook2019, "silence:each", of, stimulate=drive)
    ds = run_experiments(cook2019, exps, DURATION_MS, n_trials=2, seed=5, client=client)
    assert ds["rate_hz"].dims == ("experiment", "neuron") and ds.sizes["experiment"] == len(of)
    assert ds["target"].values.tolist() == of.tolist()  # in the order given
    for k, exp in enumerate(exps):
        np.testing.assert_array_equal(ds["rate_hz"].values[k], _one_by_one(cook2019, exp, 2, 5))
    # the screen is not trivially constant: silencing a neuron downstream of ASH changes it
    assert len({int(v) for v in ds["n_spikes"].values}) > 1
    # the worker's weight copy was restored: a later unsilenced run is the plain one
    base = each_experiments(cook2019, "stimulate:each", drive[:1], stimulate=drive)
    again = run_experiments(cook2019, base, DURATION_MS, n_trials=1, seed=5, client=client)
    np.testing.assert_array_equal(again["rate_hz"].values[0], _one_by_one(cook2019, base[0], 1, 5))


def test_each_worker_builds_the_network_once(client, cook2019):
    of = np.arange(8)
    exps = each_experiments(cook2019, "stimulate:each", of)
    client.run(clear_cached_networks)
    ds = run_experiments("celegans-cook2019", exps, DURATION_MS, seed=1, client=client)
    built = list(client.run(cached_networks).values())
    # every worker that ran tasks built the network once (the key is the built-in name)
    assert ["celegans-cook2019"] in built and all(b in ([], ["celegans-cook2019"]) for b in built)
    for k in (0, 7):
        np.testing.assert_array_equal(ds["rate_hz"].values[k], _one_by_one(cook2019, exps[k], 1, 1))
    driven = ds["rate_hz"].values[np.arange(8), of]
    assert (driven > 50).all()  # each experiment drove its own neuron


def test_a_scattered_connectome_sent_again_is_built_once(client, cook2019):
    # back-to-back screens of one Connectome object: each scatters its own copy (no shared key
    # whose release could race the next scatter) yet the workers reuse the cached network
    exps = each_experiments(cook2019, "stimulate:each", np.arange(2))
    client.run(clear_cached_networks)
    spikes = [run_experiments(cook2019, exps, DURATION_MS, seed=3, client=client)["n_spikes"].values
             for _ in range(4)]
    built = [b for b in client.run(cached_networks).values() if b]
    assert built and all(len(b) == 1 and b[0].startswith("Connectome-") for b in built)
    assert len({b[0] for b in built}) == 1
    assert all((s == spikes[0]).all() for s in spikes)


def test_parameter_grids(client, cook2019):
    drive = cook2019.index_of(["ASHL", "ASHR"])
    for param, values in (("w_syn_mv", [0.2, 0.4]), ("rate_hz", [50.0, 200.0])):
        exps = grid_experiments(param, values, stimulate=drive)
        ds = run_experiments(cook2019, exps, DURATION_MS, n_trials=2, seed=2, client=client)
        assert ds["param"].values.tolist() == [param] * 2 and ds["value"].values.tolist() == values
        for k, exp in enumerate(exps):
            np.testing.assert_array_equal(ds["rate_hz"].values[k], _one_by_one(cook2019, exp, 2, 2))
        assert ds["n_spikes"].values[1] > ds["n_spikes"].values[0]


def test_bad_screens(cook2019):
    with pytest.raises(UnknownNameError, match="did you mean"):
        each_experiments(cook2019, "silence:evry", [1])
    with pytest.raises(ConfigError, match="needs neurons"):
        each_experiments(cook2019, "silence:each", [])
    with pytest.raises(UnknownNameError, match="w_syn_mv"):
        grid_experiments("w_syn", [0.1])
    exps = grid_experiments("w_syn_mv", [0.1])
    with pytest.raises(ConfigError, match="n_trials"):
        run_experiments(cook2019, exps, DURATION_MS, n_trials=0)


def test_cli_sweep_writes_tidy_zarr(client, capsys, tmp_path, cook2019):
    import xarray as xr

    out = tmp_path / "screen.zarr"
    code = main(["simulate", "celegans-cook2019", "--stimulate", "ASHL,ASHR", "--sweep", "silence:each",
                 "--of", "AIBL,AVAL,ADAL", "--duration", "0.3", "--trials", "2", "--seed", "5",
                 "--rate", "120", "--scheduler", client.scheduler.address, "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary = json.loads(captured.out)
    assert summary["n_experiments"] == 3 and summary["out"] == [str(out)]  # a list, as in simulate
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # plain open_zarr opens the screen silently
        ds = xr.open_zarr(out).load()
    assert ds["label"].values.tolist() == ["silence ADAL", "silence AIBL", "silence AVAL"]
    drive = cook2019.index_of(["ASHL", "ASHR"])
    # what drove the runs, recorded as a spike file records it: positions, and the rate (Hz)
    assert ds.attrs["stimulated"] == sorted(drive.tolist()) and ds.attrs["rate_hz"] == 120.0
    exps = each_experiments(cook2019, "silence:each", np.sort(cook2019.index_of(["AIBL", "AVAL", "ADAL"])),
                            stimulate=drive)
    for k, exp in enumerate(exps):
        np.testing.assert_array_equal(ds["rate_hz"].values[k], _one_by_one(cook2019, exp, 2, 5, rate_hz=120.0))


def test_the_screen_records_the_drive_every_experiment_shares(client, cook2019, monkeypatch):
    """stimulated: the positions driven in every experiment (stimulate:each adds its target);
    more than POSITIONS_LISTED are counted, as in a spike file's attrs."""
    import neurocast.sim._sweeps as sweeps

    drive = np.sort(cook2019.index_of(["ASHL", "ASHR"]))
    exps = each_experiments(cook2019, "stimulate:each", np.array([0, 7]), stimulate=drive)
    ds = run_experiments(cook2019, exps, DURATION_MS, client=client)
    assert ds.attrs["stimulated"] == drive.tolist() and ds.attrs["rate_hz"] == 150.0
    monkeypatch.setattr(sweeps, "POSITIONS_LISTED", 1)
    ds = run_experiments(cook2019, grid_experiments("w_syn_mv", [0.2], stimulate=drive), DURATION_MS,
                         silence=[3], client=client)
    assert ds.attrs["stimulated"] == 2 and ds.attrs["silenced"] == [3]


def test_cli_sweep_reads_the_network_with_the_read_options(client, capsys, tmp_path):
    """--sum-duplicates (and the other read options) hold for the workers' copy of the network too."""
    edges = tmp_path / "dup.csv"
    edges.write_text("pre,post,count,sign\n1,2,300,1\n2,3,30,1\n1,2,20,1\n")
    code = main(["simulate", str(edges), "--sum-duplicates", "--stimulate", "1", "--sweep",
                 "stimulate:each", "--of", "2", "--duration", "0.1",
                 "--scheduler", client.scheduler.address, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert json.loads(captured.out)["n_experiments"] == 1


@pytest.mark.parametrize("argv, message", [
    (["--sweep", "silence:each"], "needs --of"),
    (["--sweep", "silence:each", "--of", "ASHL", "--out", "x.npz"], "must end in .zarr"),
    (["--sweep", "bogus"], "unknown --sweep"),
    (["--of", "ASHL"], "--of goes with --sweep"),
    (["--sweep", "w_syn_mv=a,b"], "must be numbers"),
    (["--sweep", "silence:each", "--of", "ASHL,AVAL", "--stimulate", "ASHL,ASHR"],
     "1 neuron(s) both driven and silenced: ASHL"),
    (["--sweep", "silence:each", "--of", "random:301", "--stimulate", "ASHL,ASHR"],
     "it must leave out (300)"),
])
def test_cli_sweep_bad_input(capsys, argv, message):
    assert main(["simulate", "celegans-cook2019", *argv]) == 2
    assert message in capsys.readouterr().err


def test_a_screen_driving_a_silenced_neuron_is_refused_before_the_cluster(capsys, monkeypatch):
    import neurocast.sim._sweeps as sweeps

    def no_cluster(*args, **kwargs):
        raise AssertionError("a cluster was started")

    monkeypatch.setattr(sweeps, "dask_client", no_cluster)
    argv = ["simulate", "celegans-cook2019", "--stimulate", "ASHL", "--sweep", "silence:each", "--of", "ASHL"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("neurocast: error: 1 neuron(s) both driven and silenced: ASHL")
    assert "experiment" not in err.splitlines()[0] and "cluster" not in err  # nothing announced first


def test_the_sweep_announcement_counts_in_the_singular_and_plural(capsys, monkeypatch):
    """The line before a screen: '1 experiment x 1 trial', '2 experiments x 3 trials'."""
    import neurocast.sim._sweeps as sweeps

    class Stop(Exception):
        pass

    def stop(*args, **kwargs):
        raise Stop

    monkeypatch.setattr(sweeps, "dask_client", stop)
    for of, trials, said in (("AVAL", "1", "1 experiment x 1 trial of"),
                             ("AVAL,AVAR", "3", "2 experiments x 3 trials of")):
        with pytest.raises(Stop):
            main(["simulate", "celegans-cook2019", "--stimulate", "ASHL", "--sweep", "silence:each",
                  "--of", of, "--trials", trials, "--workers", "1"])
        assert f"celegans-cook2019: {said} 1 s on a local cluster of 1 worker\n" in capsys.readouterr().err
