"""A Dask client for the stages that fan work out (simulation sweeps, evaluation shards).

Dask is an optional, heavy dependency (the ``dask`` extra): it is imported inside the
functions that use it, never at module import.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Iterator

from neurocast._numbers import is_whole
from neurocast.errors import ConfigError, NeurocastError

__all__ = ["dask_client", "require_dask"]

#: Seconds the worker processes of a local cluster get to stop by themselves when the work is
#: given up (Ctrl-C, SIGTERM, a failed task) before they are killed. distributed's own close
#: waits up to 4 s for each busy worker to finish its running task, whose result nobody wants.
STOP_WAIT_S = 0.5


def require_dask() -> None:
    """Raise NeurocastError with the install hint unless dask.distributed can be imported."""
    try:
        import distributed  # noqa: F401  (heavy optional dependency: only checked here)
    except ImportError:
        raise NeurocastError("Dask is not installed (needed for sweeps and evaluation on a cluster)",
                             "pip install 'neurocast[dask]'") from None


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, *, n_workers: int = 2) -> Iterator[object]:
    """A ``distributed.Client``: connected to ``scheduler`` (an address such as
    ``tcp://host:8786``) or, if None, to a new LocalCluster of ``n_workers`` single-threaded
    worker processes (closed at the end of the block).

    Workers of a LocalCluster run numba with one thread each (NUMBA_NUM_THREADS=1), so that
    W workers use W cores. Raises ConfigError for n_workers < 1, NeurocastError if dask is
    missing or the scheduler cannot be reached.
    Stopping: when the block ends with an exception (Ctrl-C's KeyboardInterrupt, a signal the
    CLI raises as an exception, a failed task), the local cluster's workers are ended at once,
    running tasks included (``_stop_workers``), before the exception goes on. A cluster at
    ``scheduler`` is not this process's to stop: closing the client releases its tasks there.
    """
    require_dask()
    import dask  # heavy optional dependency
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise NeurocastError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}",
                                 "start one with `dask scheduler` (and workers with `dask worker "
                                 "ADDRESS`), or omit --scheduler for a local cluster") from None
        try:
            yield client
        finally:
            client.close()
        return
    if not is_whole(n_workers) or n_workers < 1:
        raise ConfigError(f"n_workers must be a positive integer, not {n_workers!r}", "e.g. --workers 2")
    n_workers = int(n_workers)  # a NumPy integer (np.int64 from an array) as a Python int
    old = os.environ.get("NUMBA_NUM_THREADS")
    os.environ["NUMBA_NUM_THREADS"] = "1"  # inherited by the worker processes started below
    try:
        preload = [*dask.config.get("distributed.worker.preload"), __name__]  # dask_setup
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40, preload=preload)
    finally:
        if old is None:
            os.environ.pop("NUMBA_NUM_THREADS", None)
        else:
            os.environ["NUMBA_NUM_THREADS"] = old
    try:
        with Client(cluster) as client:
            yield client
    except BaseException:
        with contextlib.suppress(Exception):  # if it fails, cluster.close ends them, in time
            _stop_workers(cluster)
        raise
    finally:
        cluster.close()


def _stop_workers(cluster) -> None:
    """End the worker processes of a LocalCluster now, running tasks included: each nanny asks
    its worker to stop, kills it (SIGKILL) after STOP_WAIT_S and waits for it to end. A nanny
    that is closing does not restart its worker; ``cluster.close()`` then finds them closed."""

    async def close_nannies():
        nannies = list(cluster.workers.values())
        await asyncio.gather(*(n.close(timeout=STOP_WAIT_S) for n in nannies),
                             return_exceptions=True)  # one that cannot close: cluster.close's

    cluster.sync(close_nannies)


def dask_setup(worker) -> None:
    """Run by distributed in each worker process of ``dask_client``'s local cluster as it starts
    (a preload): progress bars there (tqdm, ``neurocast._progress``) lock with a thread lock.

    tqdm's default lock holds a multiprocessing semaphore, registered with the resource tracker
    that the worker shares with this process; a worker killed while stopping
    (``_stop_workers``) cannot unregister it, and the tracker would warn of 'leaked semaphore
    objects' on stderr when the command ends. Bars of one worker are never drawn by another
    process, so a thread lock is all they need.
    """
    from tqdm.std import tqdm  # on the worker only, where the bars are made

    tqdm.set_lock(threading.RLock())
