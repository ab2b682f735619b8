"""Under ``mpiexec -n K neurocast ...`` a user mistake prints one error (rank 0's), not K copies,
and every rank still exits with status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from neurocast.cli import main

pytestmark = pytest.mark.distributed

RANK_VARIABLES = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "MPI_LOCALRANKID")
SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS")


@pytest.fixture
def net(tmp_path):
    folder = tmp_path / "net"
    folder.mkdir()
    pd.DataFrame({"id": range(4), "name": list("ABCD")}).to_csv(folder / "neurons.csv",
                                                               index=False)
    pd.DataFrame({"pre": [0, 1, 2], "post": [1, 2, 3], "count": [2, 2, 2]}).to_csv(
        folder / "edges.csv", index=False)
    return folder


# each rank runs the command and writes its exit status to a file of its own (rc.PID)
_RANK_SCRIPT = ("import os, sys; from neurocast.cli import main; rc = main(sys.argv[1:]); "
                "open(f'rc.{os.getpid()}', 'w').write(str(rc)); sys.exit(rc)")


def _statuses(folder: Path) -> list[str]:
    return sorted(p.read_text() for p in folder.glob("rc.*"))


@pytest.mark.parametrize("extra", [["--stimulate", "NOPE"],  # a NeurocastError
                                   ["--stimulate", "A", "--bogus"],  # unrecognized arguments
                                   ["--stimulate", "A", "--duration", "abc"]])  # argparse's own
def test_one_error_for_three_ranks(net, tmp_path, extra, mpiexec):
    argv = ["simulate", str(net), "--duration", "0.5", "--out", str(tmp_path / "a.npz"), *extra]
    out = subprocess.run([mpiexec, "-n", "3", sys.executable, "-c", _RANK_SCRIPT, *argv],
                         capture_output=True, text=True, timeout=240, cwd=tmp_path,
                         env={**os.environ, "NUMBA_NUM_THREADS": "1"})
    assert out.stderr.count("neurocast: error:") == 1, out.stderr[-3000:]
    assert out.stderr.count("  hint: ") == 1, out.stderr[-3000:]
    assert out.stderr.count("have an unknown sign") <= 1  # a note (UserWarning) once too
    assert _statuses(tmp_path) == ["2", "2", "2"]
    assert "Traceback" not in out.stderr


def test_existing_out_one_error(net, tmp_path, mpiexec):
    (tmp_path / "a.npz").write_bytes(b"")
    argv = ["simulate", str(net), "--stimulate", "A", "--duration", "0.5",
            "--out", str(tmp_path / "a.npz")]
    out = subprocess.run([mpiexec, "-n", "2", sys.executable, "-c", _RANK_SCRIPT, *argv],
                         capture_output=True, text=True, timeout=240, cwd=tmp_path,
                         env={**os.environ, "NUMBA_NUM_THREADS": "1"})
    assert out.stderr.count("neurocast: error:") == 1, out.stderr[-3000:]
    assert "already exists" in out.stderr
    assert _statuses(tmp_path) == ["2", "2"]


@pytest.mark.parametrize(("var", "size"), list(zip(RANK_VARIABLES, SIZE_VARIABLES, strict=True)))
def test_only_rank_zero_prints(net, monkeypatch, capsys, var, size):
    """Without mpiexec: the rank and size read from the environment decide who prints (in
    process): one of two ranks of one job."""
    for v in (*RANK_VARIABLES, *SIZE_VARIABLES):
        monkeypatch.delenv(v, raising=False)
    argv = ["simulate", str(net), "--stimulate", "NOPE", "--duration", "0.5"]
    monkeypatch.setenv(size, "2")
    monkeypatch.setenv(var, "1")
    assert main(argv) == 2
    assert "error" not in capsys.readouterr().err
    assert main([*argv, "--bogus"]) == 2 and main([*argv[:-1], "abc"]) == 2
    assert "error" not in capsys.readouterr().err
    monkeypatch.setenv(var, "0")
    assert main(argv) == 2
    assert capsys.readouterr().err.count("neurocast: error: ") == 1


# rank 1 alone fails once the distributed run has started (say its node cannot write)
_RANK_ONE_FAILS = ("import os, sys; from neurocast import sim; from neurocast.errors import ConfigError\n"
                   "def boom(*a, **k):\n"
                   "    raise ConfigError('rank one alone failed', 'look at the node of rank one')\n"
                   "if os.environ.get('PMI_RANK') == '1':\n"
                   "    sim.simulate_mpi = boom\n"
                   "from neurocast.cli import main; sys.exit(main(sys.argv[1:]))")


def test_one_rank_failing_during_the_run_says_so_and_ends_the_job(tmp_path, mpiexec):
    folder = tmp_path / "signed"
    folder.mkdir()
    pd.DataFrame({"id": range(4), "name": list("ABCD")}).to_csv(folder / "neurons.csv", index=False)
    pd.DataFrame({"pre": [0, 1, 2], "post": [1, 2, 3], "count": [2, 2, 2],
                  "sign": [1, 1, -1]}).to_csv(folder / "edges.csv", index=False)
    argv = ["simulate", str(folder), "--stimulate", "A", "--duration", "0.5", "--trials", "2"]
    try:  # before: rank 1 exited without a word and rank 0 waited for its spikes for ever
        out = subprocess.run([mpiexec, "-n", "2", sys.executable, "-c", _RANK_ONE_FAILS, *argv],
                             capture_output=True, text=True, timeout=200, cwd=tmp_path,
                             env={**os.environ, "NUMBA_NUM_THREADS": "1"})
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the job did not end: {exc.stderr!r}")
    assert out.stderr.count("neurocast: error (rank 1): rank one alone failed") == 1, out.stderr[-3000:]
    assert "look at the node of rank one" in out.stderr
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
