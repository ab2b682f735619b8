"""A stopped Dask run ends its local cluster's workers at once, running tasks included.

``simulate --sweep`` and ``bench --dask`` run their work on a local Dask cluster
(``neurocast._dask.dask_client``). distributed's own close waits up to 4 s for each busy worker
to finish its task; Ctrl-C or SIGTERM should end the command within about a second instead,
with one message and its exit status, no process left behind and nothing written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

#: From the signal to the exit of a stopped command: generous for a busy 2-core machine, and
#: still below the 4 s that distributed's own close waits for a busy worker.
STOP_WITHIN_S = 3.5

#: A script holding two busy Dask workers (awaited as the sweeps and bench await theirs): each
#: task notes its start in a file, then computes.
BUSY = """
import sys, time
from pathlib import Path
from distributed import as_completed
from neurocast._dask import dask_client

def busy(marker):
    Path(marker).touch()
    t = time.monotonic()
    while time.monotonic() - t < 120:
        sum(range(10_000))

try:
    with dask_client(n_workers=2) as client:
        for done in as_completed([client.submit(busy, f"{sys.argv[1]}/{k}", pure=False)
                                  for k in range(2)]):
            done.result()
except KeyboardInterrupt:
    sys.exit(130)
"""


def _cpu_s(procs, pid: int) -> float:
    f = procs.stat(pid)
    return 0.0 if f is None else (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def _stop_and_check(procs, proc: subprocess.Popen, signum: int, code: int) -> str:
    """Send ``signum``; the command ends within STOP_WITHIN_S with ``code``, and no process
    of its session outlives it. Returns its stderr."""
    t0 = time.monotonic()
    proc.send_signal(signum)
    assert proc.wait(timeout=60) == code
    took = time.monotonic() - t0
    err = proc.communicate()[1]
    assert took < STOP_WITHIN_S, f"stopping took {took:.1f} s"
    assert procs.wait_for(lambda: not procs.having(3, proc.pid), 10), \
        f"processes {procs.having(3, proc.pid)} outlived the command"
    return err


def _end(procs, proc: subprocess.Popen) -> None:
    """Whatever the test saw, leave no process behind."""
    for pid in procs.having(3, proc.pid):
        os.kill(pid, signal.SIGKILL)
    proc.communicate()


def test_an_interrupted_dask_client_ends_its_busy_workers_at_once(tmp_path, procs):
    proc = procs.start(BUSY, tmp_path)
    try:
        assert procs.wait_for(lambda: len(list(tmp_path.iterdir())) == 2
                              or proc.poll() is not None, 120), proc.communicate()[1]
        err = _stop_and_check(procs, proc, signal.SIGINT, 130)
        assert "Traceback" not in err and "leaked" not in err, err
    finally:
        _end(procs, proc)


def test_a_terminated_sweep_ends_at_once_with_one_message(net_file, tmp_path, procs):
    out = tmp_path / "out"
    out.mkdir()
    proc = procs.start(procs.CLI, "simulate", net_file, "--sweep", "silence:each", "--of",
                       "random:20", "--stimulate", "random:200", "--duration", "60",
                       "--out", out / "s.zarr")

    def busy() -> bool:  # both workers started and well into their first experiment
        workers = [p for p in procs.having(1, proc.pid)
                   if "resource_tracker" not in Path(f"/proc/{p}/cmdline").read_text()]
        return len(workers) == 2 and all(_cpu_s(procs, p) > 4 for p in workers)

    try:
        assert procs.wait_for(lambda: busy() or proc.poll() is not None, 180), \
            proc.communicate()[1]
        err = _stop_and_check(procs, proc, signal.SIGTERM, 128 + signal.SIGTERM)
        lines = err.strip().splitlines()
        assert lines[-1] == "neurocast: terminated (SIGTERM)", err  # the only line after the start
        assert "Traceback" not in err and "leaked" not in err and len(lines) == 2, err
        assert list(out.iterdir()) == []
    finally:
        _end(procs, proc)
