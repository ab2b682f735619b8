"""Experiments: many trials on both cores, and parameter sweeps."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from itertools import islice
from multiprocessing.connection import wait

from neurocast._numbers import is_whole
from neurocast.errors import ConfigError
from neurocast.sim._network import Network, PoissonInput
from neurocast.sim._simulate import simulate
from neurocast.spikes import Spikes

__all__ = ["run_trials", "sweep"]

_WORKER_NET: Network | None = None


def _worker(args):
    seed, duration_ms, kwargs = args
    return simulate(_WORKER_NET, duration_ms, seed=seed, **kwargs)


#: Trials handed to the workers ahead of the one awaited, per worker: enough to keep them busy.
AHEAD_PER_WORKER = 4
#: Seconds that stopped workers get to end on SIGTERM before they are killed.
STOP_WAIT_S = 1.0
_PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)


def _init_worker(net, parent_pid: int):
    """In each worker, once: the network (shared by fork), and the worker's signals.

    SIGTERM ends the worker at once (the default, not a handler inherited from the parent);
    Ctrl-C (SIGINT, sent to the whole process group) is left to the parent, which stops the
    workers (``_stop``). On Linux the worker also ends with its parent, however the parent
    ends (even SIGKILL or the OOM killer): the kernel sends it SIGTERM (``PR_SET_PDEATHSIG``,
    tied to the thread that forked the workers: the one in ``run_trials`` until they are gone),
    so a closed terminal (SIGHUP) is left to the parent too.
    """
    global _WORKER_NET
    _WORKER_NET = net
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    prctl = getattr(ctypes.CDLL(None), "prctl", None) if sys.platform.startswith("linux") else None
    tied = prctl is not None and prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
    signal.signal(signal.SIGHUP, signal.SIG_IGN if tied else signal.SIG_DFL)
    if os.getppid() != parent_pid:  # the parent died before prctl: no signal will come
        os.kill(os.getpid(), signal.SIGTERM)


def _stop(pool: ProcessPoolExecutor) -> None:
    """End the pool's workers now, running trials included (SIGTERM, then SIGKILL for any still
    there after STOP_WAIT_S), and cancel the trials not started. Returns once they have ended.
    (Python 3.14 has ``ProcessPoolExecutor.terminate_workers`` for this.)"""
    procs = list((pool._processes or {}).values())  # before shutdown forgets them
    pool.shutdown(wait=False, cancel_futures=True)  # wait=True would wait for running trials
    for end in ("terminate", "kill"):
        live = [p for p in procs if not wait([p.sentinel], 0)]  # a sentinel is ready once it ended
        for p in live:
            getattr(p, end)()
        deadline = time.monotonic() + STOP_WAIT_S
        while live and (left := deadline - time.monotonic()) > 0:
            ready = wait([p.sentinel for p in live], left)
            live = [p for p in live if p.sentinel not in ready]
        if not live:
            return


def _check_jobs(n_jobs) -> int:
    if not is_whole(n_jobs) or n_jobs == 0:
        raise ConfigError(f"n_jobs must be a positive integer or -1 (all cores), not {n_jobs!r}")
    if n_jobs < 0:
        return os.cpu_count() or 1
    return int(n_jobs)


def _fix_selections(net: Network, kwargs: dict, seed: int) -> dict:
    """Resolve neuron selections once, so "random:K" picks the same neurons in every trial."""

    out = dict(kwargs)
    if out.get("stimulate") is not None:
        out["stimulate"] = net.resolve(out["stimulate"], seed=seed)
    inputs = out.get("inputs") or ()
    if isinstance(inputs, PoissonInput):
        inputs = (inputs,)
    out["inputs"] = tuple(replace(inp, neurons=net.resolve(inp.neurons, seed=seed))
                          if isinstance(inp, PoissonInput) else inp for inp in inputs)
    return out


def run_trials(net: Network, duration_ms: float, n_trials: int, *, seed: int = 0, n_jobs: int = 2,
               **kwargs) -> list[Spikes]:
    """Run ``n_trials`` independent trials; trial k uses seed ``seed + k``.

    kwargs are passed to ``simulate`` (stimulate, rate_hz, inputs, mode, ...). Neuron
    selections are resolved once with ``seed``, so ``stimulate="random:20"`` drives the same
    20 neurons in every trial (only the Poisson events differ).
    n_jobs: worker processes (-1 = all cores); the first trial runs in this process, so at most
    n_trials - 1 workers are forked, and none for a single trial left (it runs here too). The
    network's arrays are shared with the workers by fork (no copy). Results are the same for
    any n_jobs: trial k equals ``simulate(net, duration_ms, seed=seed + k, **kwargs)`` with
    selections given as positions.
    Returns a list of Spikes, one per trial, in trial order.
    Stopping: an exception here (Ctrl-C's KeyboardInterrupt, a failed trial) ends the workers
    at once, running trials included, before it goes on. The workers end on SIGTERM and ignore
    SIGINT (left to this process); on Linux they also end if this process is killed.
    """
    if not is_whole(n_trials) or n_trials < 1:
        raise ConfigError(f"n_trials must be a positive integer, not {n_trials!r}")
    if not is_whole(seed) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, not {seed!r}")
    # the first trial runs here: it validates the arguments and compiles the kernels before
    # forking; the workers share the trials left, so more of them than that would get none
    jobs = min(_check_jobs(n_jobs), int(n_trials) - 1)
    fork = jobs > 1 and "fork" in multiprocessing.get_all_start_methods()
    kwargs.pop("progress", None)
    kwargs = _fix_selections(net, kwargs, int(seed))
    if fork:  # the trials use the cores: one thread each (the same spikes either way)
        kwargs.setdefault("threads", 1)
    seeds = [int(seed) + k for k in range(int(n_trials))]
    first = simulate(net, duration_ms, seed=seeds[0], **kwargs)
    if not fork:  # n_jobs=1, a single trial left, or no fork: all run here in turn
        return [first] + [simulate(net, duration_ms, seed=s, **kwargs) for s in seeds[1:]]
    ctx = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                               initargs=(net, os.getpid()))
    todo = ((s, duration_ms, kwargs) for s in seeds[1:])
    rest = []
    try:  # a few trials per worker handed out ahead, not all: stopping has little to cancel
        ahead = deque(pool.submit(_worker, t) for t in islice(todo, AHEAD_PER_WORKER * jobs))
        while ahead:
            rest.append(ahead.popleft().result())
            ahead.extend(pool.submit(_worker, t) for t in islice(todo, 1))
    except BaseException:  # Ctrl-C, a signal the CLI raises as an exception, a failed trial:
        _stop(pool)        # no running trial keeps the caller waiting
        raise
    pool.shutdown()
    return [first, *rest]


def sweep(net: Network, duration_ms: float, param: str, values, *, n_trials: int = 1,
          seed: int = 0, n_jobs: int = 2, **kwargs) -> list[list[Spikes]]:
    """Run the same experiment for several values of one parameter.

    param: "rate_hz" (the Poisson rate of the driven neurons) or any ShiuParams field
      (e.g. "w_syn_mv", "tau_syn_ms"); the network is not rebuilt.
    values: the values to try; n_trials trials each, with seeds seed..seed+n_trials-1 for every
      value (common random numbers, so differences come from the parameter).
    Returns results[i][k]: Spikes of value i, trial k.
    """
    values = list(values)
    if not values:
        raise ConfigError("sweep needs at least one value")
    out = []
    for val in values:
        if param == "rate_hz":
            out.append(run_trials(net, duration_ms, n_trials, seed=seed, n_jobs=n_jobs,
                                  rate_hz=val, **kwargs))
        else:
            out.append(run_trials(net.with_params(**{param: val}), duration_ms, n_trials,
                                  seed=seed, n_jobs=n_jobs, **kwargs))
    return out
