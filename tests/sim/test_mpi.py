"""MPI simulation: partition, and identical spike trains for K = 1 and 2 ranks (mpiexec subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from neurocast.errors import ConfigError
from neurocast.sim import build_network, mpi_world_size, partition_network
from neurocast.spikes import Spikes

pytestmark = pytest.mark.distributed


def _run(mpiexec: str, k: int, *argv, timeout=240) -> subprocess.CompletedProcess:
    out = subprocess.run([mpiexec, "-n", str(k), *argv], capture_output=True, text=True,
                         timeout=timeout, env={**os.environ, "NUMBA_NUM_THREADS": "1"})
    assert out.returncode == 0, out.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def busy(tmp_path_factory):
    """2,000 neurons, 100 connections each, saved as a file: with a background drive every rank
    spikes and receives many spikes from the other rank."""
    from neurocast.connectome import random_connectome

    path = tmp_path_factory.mktemp("net") / "busy.npz"
    return random_connectome(2_000, 100, seed=3, name="busy").save(path)


def test_partition_keeps_every_synapse_once():
    from neurocast.connectome import random_connectome

    net = build_network(random_connectome(3_000, 40, seed=1), silence=np.array([5, 17]))
    pre = np.repeat(np.arange(net.n_neurons), np.diff(net.indptr))
    for size in (1, 2, 3):
        seen = []
        for rank in range(size):
            loc = partition_network(net, rank, size)
            assert loc.neurons.tolist() == list(range(rank, net.n_neurons, size))
            lpre = np.repeat(np.arange(net.n_neurons), np.diff(loc.indptr))
            post = loc.neurons[loc.indices]
            assert (post % size == rank).all()
            seen.append(np.stack([lpre, post, loc.weight.view(np.int32)], axis=1))
        got = np.concatenate(seen)
        want = np.stack([pre, net.indices, net.weight.view(np.int32)], axis=1)
        got, want = got[np.lexsort(got.T[::-1])], want[np.lexsort(want.T[::-1])]
        np.testing.assert_array_equal(got, want)
        if size > 1:  # each rank stores about 1/K of the synapses
            assert loc.nbytes < 0.7 * net.nbytes


def test_partition_refuses_per_connection_delays(chain2):
    net = build_network(chain2, delays_ms=[1.8])
    with pytest.raises(ConfigError, match="one synaptic delay"):
        partition_network(net, 0, 2)
    with pytest.raises(ConfigError, match="not a valid MPI layout"):
        partition_network(build_network(chain2), 2, 2)


def test_world_size_from_the_environment(monkeypatch):
    for var in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS", "PMIX_SIZE"):
        monkeypatch.delenv(var, raising=False)
    assert mpi_world_size() == 1
    monkeypatch.setenv("PMI_SIZE", "4")
    assert mpi_world_size() == 4


def test_cli_two_ranks_write_the_same_bytes(busy, tmp_path, mpiexec):
    argv = [sys.executable, "-m", "neurocast.cli", "simulate", str(busy), "--stimulate", "random:200",
            "--rate", "200", "--duration", "1.5", "--seed", "4"]  # two chunks of the streamed file
    one = _run(mpiexec, 1, *argv, "--out", str(tmp_path / "k1.npz"))
    two = _run(mpiexec, 2, *argv, "--out", str(tmp_path / "k2.npz"), "--json")
    summary = json.loads(two.stdout)  # one JSON object: only rank 0 prints
    assert summary["mpi_ranks"] == 2 and summary["n_exchanges"] == 834  # ceil(15,000 steps / 18)
    assert "spikes written" in one.stderr
    a, b = (tmp_path / "k1.npz").read_bytes(), (tmp_path / "k2.npz").read_bytes()
    assert a == b
    spikes = Spikes.load(tmp_path / "k2.npz")
    assert spikes.n_spikes > 1000 and len(np.unique(spikes.neurons)) > 200  # a busy network


def test_cli_run_s_leaves_out_the_partitioning(busy, tmp_path, mpiexec):
    """run_s (and rtf) are the simulation's wall seconds, as in one process; the partitioning,
    made to last 3 s here, is partition_s alone."""
    script = tmp_path / "slow_partition.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        import neurocast.sim._mpi as mpi
        from neurocast.cli import main
        plain = mpi.partition_network
        def slow(*args):
            time.sleep(3.0)
            return plain(*args)
        mpi.partition_network = slow
        sys.exit(main(["simulate", {str(busy)!r}, "--stimulate", "random:20", "--duration", "0.2",
                       "--json", *sys.argv[1:]]))
    """))
    for extra in ([], ["--out", str(tmp_path / "s.npz")]):  # trials in memory, and streamed
        s = json.loads(_run(mpiexec, 2, sys.executable, str(script), *extra).stdout)
        assert s["partition_s"] >= 3.0
        assert s["run_s"] < 2.5, s  # 0.2 s simulated: well under the 3 s partitioning
        assert s["rtf"] == pytest.approx(s["run_s"] / s["sim_s"], rel=1e-3, abs=1e-4)


def test_simulate_mpi_equals_simulate_with_per_neuron_parameters(busy, tmp_path, mpiexec):
    """Silencing, per-neuron parameters (constant drives that start neurons active), a
    background input, both engine modes: K = 2 gives simulate's spikes."""
    script = tmp_path / "check.py"
    script.write_text(textwrap.dedent(f"""
        import numpy as np
        from neurocast.connectome import load_connectome
        from neurocast.sim import PoissonInput, build_network, simulate, simulate_mpi
        con = load_connectome({str(busy)!r})
        rng = np.random.default_rng(0)
        net = build_network(con, silence=np.arange(0, 2000, 97),
                            neuron_params={{"i_ext_mv": rng.uniform(0, 8.0, 2000),
                                            "refractory_ms": 2.2}})
        driven = np.setdiff1d(net.resolve("random:50", seed=9), net.silenced)  # never both
        kw = dict(stimulate=driven, inputs=[PoissonInput(np.arange(2000), 20.0, 4.0, 50.0, 250.0)],
                  seed=9)
        for mode in ("fast", "event", "reference"):
            got = simulate_mpi(net, 300.0, mode=mode, **kw)
            ref = simulate(net, 300.0, mode=mode, **kw)
            assert got.n_spikes > 500, got.n_spikes
            assert np.array_equal(got.steps, ref.steps) and np.array_equal(got.neurons, ref.neurons), mode
            assert got.attrs == ref.attrs
        print("ok", got.n_spikes)
    """))
    out = _run(mpiexec, 2, sys.executable, str(script))
    assert out.stdout.count("ok") == 2  # both ranks hold the whole spike train (printed after 3 modes)
