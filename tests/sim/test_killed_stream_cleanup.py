"""What a killed ``simulate --out FILE`` leaves beside FILE is removed by the next run.

SIGKILL (or the OOM killer) ends a run without any clean-up. A streamed run (one trial, no
plot) names every temporary file and folder it makes beside the output after the output and
the run's process id (``.FILE.PID-XXXXXXXX.partial``); ``clean_stale``, which the next write
of FILE runs first, removes them once process PID no longer runs, and never those of a run
still going.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from neurocast._files import clean_stale, partial_path
from neurocast.cli import main

CLI = "import sys; from neurocast.cli import main; sys.exit(main())"


def _wait_for(cond, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _ended_pid() -> int:
    """The id of a process that has ended (and been reaped): no process runs under it now."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


@pytest.fixture
def net_file(tmp_path):
    """2,000 neurons, 50 connections each: a streamed run of an hour simulated takes minutes."""
    from neurocast.connectome import random_connectome

    folder = tmp_path / "net"
    folder.mkdir()
    return random_connectome(2000, 50, seed=1, name="r2k").save(folder / "r2k.npz")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
@pytest.mark.parametrize("suffix", [".npz", ".parquet"])
def test_a_killed_streamed_run_is_cleaned_by_the_next(net_file, tmp_path, capsys, suffix):
    out = tmp_path / "out"
    out.mkdir()
    target = out / f"x{suffix}"
    proc = subprocess.Popen([sys.executable, "-c", CLI, "simulate", str(net_file), "--stimulate",
                             "random:200", "--duration", "3600", "--out", str(target), "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        # the spike writer has made its scratch folder: the run is streaming
        assert _wait_for(lambda: any(p.is_dir() for p in out.glob(".*.partial"))
                         or proc.poll() is not None, 120), proc.communicate()[1]
        time.sleep(0.3)
        assert proc.poll() is None, proc.communicate()[1]
    finally:
        proc.kill()
        proc.communicate()
    left = list(out.iterdir())  # hidden, named after the output and the killed run
    assert left and all(re.fullmatch(rf"\.x{re.escape(suffix)}\.{proc.pid}-[0-9a-f]{{8}}\.partial",
                                     p.name) for p in left), left
    capsys.readouterr()
    assert main(["simulate", str(net_file), "--stimulate", "random:200", "--duration", "0.01",
                 "--out", str(target), "-q"]) == 0
    assert [p.name for p in out.iterdir()] == [target.name]


def test_clean_stale_keeps_the_folder_of_a_live_run(tmp_path):
    path = tmp_path / "x.npz"
    live = partial_path(path)  # named with this process's id: a run still going
    live.mkdir()
    (live / "steps.bin").write_bytes(b"1234")
    dead = tmp_path / f".x.npz.{_ended_pid()}-0123abcd.partial"
    dead.mkdir()
    (dead / ".spikes-k2j4h1x0").mkdir()
    other = tmp_path / ".spikes-k2j4h1x0"  # no owner to check: never guessed at
    other.mkdir()
    assert clean_stale(path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])
