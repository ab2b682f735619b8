"""The worker processes of several trials end with their parent, whatever ends it.

`neurocast simulate --trials N` runs the trials in forked worker processes (``run_trials``).
SIGTERM or SIGINT (Ctrl-C) to the command ends them within a second or two, running trials
included, with the conventional exit status, no traceback and no file left behind; a parent
killed outright (SIGKILL, the OOM killer) takes its workers along too (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc; the workers are forked (Linux)")


def _workers(procs, proc: subprocess.Popen, n: int = 2) -> list[int]:
    """The pids of proc's n worker processes, once they have all started (fails after 60 s)."""
    assert procs.wait_for(lambda: len(procs.having(1, proc.pid)) >= n or proc.poll() is not None,
                          60), "the workers did not start"
    assert proc.poll() is None, proc.communicate()[1]
    return procs.having(1, proc.pid)


def _end(procs, proc: subprocess.Popen, kids: list[int]) -> None:
    """Whatever the test saw, leave no process behind."""
    for pid in kids:
        if procs.running(pid):
            os.kill(pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


@pytest.mark.parametrize(("signum", "code", "message"), [
    (signal.SIGTERM, 128 + signal.SIGTERM, "neurocast: terminated (SIGTERM)"),
    (signal.SIGINT, 130, "neurocast: interrupted"),
])
def test_a_stopped_command_ends_its_trial_workers(net_file, tmp_path, procs, signum, code,
                                                   message):
    """The running trials (several seconds each) are stopped, not awaited."""
    out = tmp_path / "out"
    out.mkdir()
    proc = procs.start(procs.CLI, "simulate", net_file, "--stimulate", "random:200", "--trials",
                       8, "--duration", 80, "--out", out / "x.npz")
    kids = []
    try:
        kids = _workers(procs, proc)
        time.sleep(0.5)  # each worker is inside a trial
        assert all(procs.running(pid) for pid in kids)
        t0 = time.monotonic()
        proc.send_signal(signum)
        assert proc.wait(timeout=15) == code
        assert time.monotonic() - t0 < 2.5
        assert procs.wait_for(lambda: not any(procs.running(pid) for pid in kids), 1), \
            f"workers {[p for p in kids if procs.running(p)]} outlived their parent"
        err = proc.communicate()[1]
        assert message in err
        assert "Traceback" not in err
        assert sorted(p.name for p in out.iterdir()) == []  # no trial file, no partial one
    finally:
        _end(procs, proc, kids)


def test_a_terminated_streamed_run_leaves_no_partial_file(net_file, tmp_path, procs):
    """One trial with --out streams its spikes into a temporary folder beside the file."""
    out = tmp_path / "out"
    out.mkdir()
    proc = procs.start(procs.CLI, "simulate", net_file, "--stimulate", "random:200",
                       "--duration", 3000, "--out", out / "x.npz")
    try:
        assert procs.wait_for(lambda: any(out.iterdir()) or proc.poll() is not None, 60)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 128 + signal.SIGTERM
        assert "Traceback" not in proc.communicate()[1]
        assert sorted(p.name for p in out.iterdir()) == []
    finally:
        _end(procs, proc, [])


def test_workers_end_with_a_killed_parent(net_file, procs):
    """SIGKILL cannot be handled: the kernel ends the workers (PR_SET_PDEATHSIG)."""
    code = ("import sys; from neurocast import sim; from neurocast.connectome import load_connectome; "
            "net = sim.build_network(load_connectome(sys.argv[1])); "
            "sim.run_trials(net, 1000.0, 100_000, stimulate='random:200', n_jobs=2)")
    proc = procs.start(code, net_file)
    kids = []
    try:
        kids = _workers(procs, proc)
        proc.kill()
        proc.wait(timeout=10)
        assert procs.wait_for(lambda: not any(procs.running(pid) for pid in kids), 3), \
            f"workers {[p for p in kids if procs.running(p)]} outlived their killed parent"
    finally:
        _end(procs, proc, kids)


def test_trials_beyond_those_handed_out_ahead_come_in_order(tiny_connectome):
    from neurocast import sim
    from neurocast.sim._experiments import AHEAD_PER_WORKER

    net = sim.build_network(tiny_connectome)
    n = 2 * AHEAD_PER_WORKER * 2 + 3
    kw = {"stimulate": np.array([0, 1]), "rate_hz": 300.0}
    pooled = sim.run_trials(net, 50.0, n, seed=3, n_jobs=2, **kw)
    serial = sim.run_trials(net, 50.0, n, seed=3, n_jobs=1, **kw)
    assert len(pooled) == n
    for a, b in zip(pooled, serial, strict=True):
        np.testing.assert_array_equal(a.steps, b.steps)
        np.testing.assert_array_equal(a.neurons, b.neurons)
