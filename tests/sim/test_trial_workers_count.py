"""Every worker process that ``run_trials`` forks gets trials to run.

The first trial runs in the calling process (it checks the arguments and compiles the kernels
before anything is forked), so only the other trials go to the workers: no more workers are
forked than there are trials left, and a single trial left runs here, without a fork.
"""

from __future__ import annotations

import multiprocessing
import os

import numpy as np
import pytest

from neurocast import sim
from neurocast.sim import _experiments

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="the trial workers are forked")

_run_trial = _experiments._worker
_forks: list[int | None] = [None]  # processes forked by this one while a test counts them (None: not counting)


def _count_fork() -> None:
    if _forks[0] is not None:
        _forks[0] += 1


os.register_at_fork(after_in_parent=_count_fork)


def _tagged_worker(args):
    """The trial worker, noting in the spikes' attrs which process ran the trial."""
    spikes = _run_trial(args)
    spikes.attrs["worker_pid"] = os.getpid()
    return spikes


@pytest.fixture
def forks(monkeypatch):
    """A one-item list: the number of processes forked during the test. The trials sent to
    worker processes note the pid of the one that ran them."""
    monkeypatch.setattr(_experiments, "_worker", _tagged_worker)
    _forks[0] = 0
    yield _forks
    _forks[0] = None


@pytest.mark.parametrize(("n_trials", "n_jobs", "workers"), [
    (2, 2, 0),  # one trial left after the first: it runs here, nothing is forked
    (2, -1, 0),
    (3, 2, 2),
    (3, 4, 2),  # two trials left: two workers, not four
    (9, 2, 2),
])
def test_each_forked_worker_runs_trials(tiny_connectome, forks, n_trials, n_jobs, workers):
    net = sim.build_network(tiny_connectome)
    kw = {"stimulate": np.array([0, 1]), "rate_hz": 300.0}
    trials = sim.run_trials(net, 50.0, n_trials, seed=2, n_jobs=n_jobs, **kw)
    ran = {s.attrs["worker_pid"] for s in trials if "worker_pid" in s.attrs}
    assert forks[0] == workers
    assert len(ran) == workers  # every forked process ran at least one trial
    serial = [sim.simulate(net, 50.0, seed=2 + k, **kw) for k in range(n_trials)]
    for a, b in zip(trials, serial, strict=True):
        np.testing.assert_array_equal(a.steps, b.steps)
        np.testing.assert_array_equal(a.neurons, b.neurons)


@pytest.mark.parametrize(("n_trials", "said"), [(2, "about 2 min"), (3, "about 2 min"),
                                                 (4, "about 3 min")])
def test_the_cost_of_several_trials_counts_the_first_alone(capsys, tiny_connectome, tmp_path,
                                                           monkeypatch, n_trials, said):
    """A trial of 60 s: the first runs alone, the others two at a time (2 trials: 2 min)."""
    from neurocast.cli import main
    from neurocast.sim._simulate import Estimate

    def one_minute(net, duration_ms, **kwargs):
        return Estimate(run_s=60.0, n_spikes=10.0, peak_bytes=1e6, available_bytes=10**12,
                        duration_ms=duration_ms, probe_ms=200.0, chunked=False)

    monkeypatch.setattr(sim, "estimate", one_minute)
    net = tiny_connectome.save(tmp_path / "tiny.npz")
    assert main(["simulate", str(net), "--stimulate", "A", "--duration", "5",
                 "--trials", str(n_trials), "-q"]) == 0
    line = next(ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("estimated"))
    assert line.startswith(f"estimated cost: {said} and "), line
