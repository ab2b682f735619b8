"""Experiments: many trials on both cores, and parameter sweeps."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import numpy as np

from neurocast.errors import ConfigError
from neurocast.sim._network import Network, PoissonInput
from neurocast.sim._simulate import simulate
from neurocast.spikes import Spikes

__all__ = ["run_trials", "sweep"]

_WORKER_NET: Network | None = None


def _worker(args):
    seed, duration_ms, kwargs = args
    return simulate(_WORKER_NET, duration_ms, seed=seed, **kwargs)


def _init_worker(net):
    global _WORKER_NET
    _WORKER_NET = net


def _check_jobs(n_jobs) -> int:
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
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
    n_jobs: worker processes (-1 = all cores); the network's arrays are shared with the workers
    by fork (no copy). Results are the same for any n_jobs: trial k equals
    ``simulate(net, duration_ms, seed=seed + k, **kwargs)`` with selections given as positions.
    Returns a list of Spikes, one per trial, in trial order.
    """
    if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
        raise ConfigError(f"n_trials must be a positive integer, not {n_trials!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, not {seed!r}")
    kwargs.pop("progress", None)
    kwargs = _fix_selections(net, kwargs, int(seed))
    jobs = min(_check_jobs(n_jobs), int(n_trials))
    if jobs > 1:  # the trials already use the cores: one thread each (same spikes either way)
        kwargs.setdefault("threads", 1)
    seeds = [int(seed) + k for k in range(int(n_trials))]
    # the first trial runs here: validates the arguments and compiles the kernels before forking
    first = simulate(net, duration_ms, seed=seeds[0], **kwargs)
    if n_trials == 1:
        return [first]
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [first] + [simulate(net, duration_ms, seed=s, **kwargs) for s in seeds[1:]]
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(net,)) as pool:
        rest = list(pool.map(_worker, [(s, duration_ms, kwargs) for s in seeds[1:]]))
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
