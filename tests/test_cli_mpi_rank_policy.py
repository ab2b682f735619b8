"""Who prints an error under MPI: a rank alone (``srun -n 8`` sets PMIX_RANK for independent
tasks) is no MPI job, so every task prints its own errors; in one job of several ranks only
rank 0 prints the errors every rank shares (arguments, checks before the run), and once the
distributed run has started each rank prints its own, named ``(rank k)``."""

from __future__ import annotations

import os
import warnings

import pandas as pd
import pytest

from neurocast.cli import main
from neurocast.errors import ConfigError

RANK_VARIABLES = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "MPI_LOCALRANKID")
SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS")


@pytest.fixture
def clean_env(monkeypatch):
    for v in (*RANK_VARIABLES, *SIZE_VARIABLES):
        monkeypatch.delenv(v, raising=False)
    return monkeypatch


@pytest.fixture
def net(tmp_path):
    folder = tmp_path / "net"
    folder.mkdir()
    pd.DataFrame({"id": range(4), "name": list("ABCD")}).to_csv(folder / "neurons.csv", index=False)
    pd.DataFrame({"pre": [0, 1, 2], "post": [1, 2, 3], "count": [2, 2, 2],
                  "sign": [1, 1, -1]}).to_csv(folder / "edges.csv", index=False)
    return folder


@pytest.mark.parametrize("var", RANK_VARIABLES)
def test_a_rank_without_a_size_prints_its_errors(clean_env, capsys, tmp_path, var):
    clean_env.setenv(var, "3")
    assert main(["data", "info", str(tmp_path / "nonexistent")]) == 2
    err = capsys.readouterr().err
    assert err.count("neurocast: error: ") == 1 and "  hint: " in err
    assert main(["data", "info", str(tmp_path / "x"), "--bogus"]) == 2  # named by neurocast
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err
    assert main(["data", "nosuchaction"]) == 2  # argparse's own message
    assert "invalid choice" in capsys.readouterr().err


def test_a_size_of_one_is_no_mpi_job(clean_env, capsys, tmp_path):
    clean_env.setenv("PMIX_RANK", "3")
    clean_env.setenv("PMIX_SIZE", "1")
    assert main(["data", "info", str(tmp_path / "nonexistent")]) == 2
    assert capsys.readouterr().err.count("neurocast: error: ") == 1


def test_setup_error_on_rank_one_of_two_is_left_to_rank_zero(clean_env, capsys, net):
    argv = ["simulate", str(net), "--stimulate", "NOPE", "--duration", "0.5"]
    clean_env.setenv("PMI_SIZE", "2")
    clean_env.setenv("PMI_RANK", "1")
    assert main(argv) == 2
    assert capsys.readouterr().err == ""
    clean_env.setenv("PMI_RANK", "0")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("neurocast: error: ") == 1 and "(rank" not in err


@pytest.mark.parametrize("rank", ["1", "0"])
@pytest.mark.parametrize("exc", [ConfigError("the spike file cannot be written here", "free some space"),
                                 PermissionError(13, "Permission denied", "/node-local/a.npz")])
def test_an_error_during_the_distributed_run_is_printed_by_its_rank(clean_env, capsys, net,
                                                                     rank, exc):
    """One rank alone may fail once the run has started: it prints the error, named."""
    import neurocast.cli.simulate as simulate

    def fail(*args, **kwargs):
        warnings.warn("this node's clock jumped", UserWarning, stacklevel=1)
        raise exc

    clean_env.setattr(simulate, "_run_mpi", fail)
    clean_env.setenv("PMI_SIZE", "2")
    clean_env.setenv("PMI_RANK", rank)
    assert main(["simulate", str(net), "--stimulate", "A", "--duration", "0.5"]) == 2
    err = capsys.readouterr().err
    assert err.count(f"neurocast: error (rank {rank}): ") == 1, err
    assert ("spike file" in err) if isinstance(exc, ConfigError) else ("/node-local/a.npz" in err)
    assert err.count("  hint: ") == 1
    assert f"note (rank {rank}): this node's clock jumped" in err


def test_the_run_mark_ends_with_the_run(clean_env, capsys, net):
    """After the run (and outside one MPI job) errors and notes are printed as before."""
    from neurocast.cli import distributed_run

    clean_env.setenv("PMI_SIZE", "2")
    clean_env.setenv("PMI_RANK", "1")
    with pytest.raises(ConfigError) as caught, distributed_run():
        raise ConfigError("x")
    assert caught.value.neurocast_mpi_rank == 1
    clean_env.setenv("PMI_SIZE", "1")
    with pytest.raises(ConfigError) as caught, distributed_run():
        raise ConfigError("x")
    assert not hasattr(caught.value, "neurocast_mpi_rank")


def test_rank_and_size_read_in_pairs(clean_env):
    from neurocast import _mpi_env

    assert (_mpi_env.mpi_rank(), _mpi_env.mpi_world_size()) == (0, 1)
    clean_env.setenv("OMPI_COMM_WORLD_RANK", "2")
    clean_env.setenv("OMPI_COMM_WORLD_SIZE", "4")
    assert (_mpi_env.mpi_rank(), _mpi_env.mpi_world_size()) == (2, 4)
    clean_env.setenv("PMIX_RANK", "5")  # a rank left alone by another launcher never mixes in
    clean_env.setenv("PMI_RANK", "7")
    assert (_mpi_env.mpi_rank(), _mpi_env.mpi_world_size()) == (2, 4)
    clean_env.delenv("OMPI_COMM_WORLD_SIZE")  # no complete pair: the first rank, no job
    assert (_mpi_env.mpi_rank(), _mpi_env.mpi_world_size()) == (7, 1)
    assert _mpi_env.RANK_VARIABLES == RANK_VARIABLES
    assert set(_mpi_env.SIZE_VARIABLES) == set(SIZE_VARIABLES)
    from neurocast import sim

    assert sim.mpi_rank is _mpi_env.mpi_rank and sim.mpi_world_size is _mpi_env.mpi_world_size


def test_the_command_line_does_not_import_sim_to_read_the_rank():
    import subprocess
    import sys

    code = ("import sys; from neurocast.cli import main; "
            "main(['data', 'nosuchaction']); "
            "print('neurocast.sim' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**{k: v for k, v in os.environ.items()
                                 if k not in (*RANK_VARIABLES, *SIZE_VARIABLES)}, "PMIX_RANK": "3"})
    assert out.stdout.strip() == "False", out.stderr[-2000:]
    assert "invalid choice" in out.stderr


def test_any_failure_during_the_distributed_run_names_its_rank(clean_env, capsys, net):
    """Not only neurocast's errors: a MemoryError (or a bug) on one rank is printed, named, with
    its traceback, and raised on (under a real MPI job the rank then ends the job: MPI_Abort)."""
    import neurocast.cli.simulate as simulate

    def fail(*args, **kwargs):
        raise MemoryError("no room for the spike buffer")

    clean_env.setattr(simulate, "_run_mpi", fail)
    clean_env.setenv("PMI_SIZE", "2")
    clean_env.setenv("PMI_RANK", "1")
    with pytest.raises(MemoryError):
        main(["simulate", str(net), "--stimulate", "A", "--duration", "0.5"])
    err = capsys.readouterr().err
    assert "neurocast: error (rank 1): MemoryError during the distributed run" in err
    assert "Traceback" in err and "no room for the spike buffer" in err
