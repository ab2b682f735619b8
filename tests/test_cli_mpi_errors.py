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


@pytest.mark.parametrize("var", RANK_VARIABLES)
def test_only_rank_zero_prints(net, monkeypatch, capsys, var):
    """Without mpiexec: the rank read from the environment decides who prints (in process)."""
    for v in RANK_VARIABLES:
        monkeypatch.delenv(v, raising=False)
    argv = ["simulate", str(net), "--stimulate", "NOPE", "--duration", "0.5"]
    monkeypatch.setenv(var, "1")
    assert main(argv) == 2
    assert "error" not in capsys.readouterr().err
    assert main([*argv, "--bogus"]) == 2 and main([*argv[:-1], "abc"]) == 2
    assert "error" not in capsys.readouterr().err
    monkeypatch.setenv(var, "0")
    assert main(argv) == 2
    assert capsys.readouterr().err.count("neurocast: error: ") == 1
