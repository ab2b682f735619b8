"""A Dask client for the stages that fan work out (simulation sweeps, evaluation shards).

Dask is an optional, heavy dependency (the ``dask`` extra): it is imported inside the
functions that use it, never at module import.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from neurocast.errors import ConfigError, NeurocastError

__all__ = ["dask_client", "require_dask"]


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
    """
    require_dask()
    from distributed import Client, LocalCluster  # heavy optional dependency

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
    if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
        raise ConfigError(f"n_workers must be a positive integer, not {n_workers!r}", "e.g. --workers 2")
    old = os.environ.get("NUMBA_NUM_THREADS")
    os.environ["NUMBA_NUM_THREADS"] = "1"  # inherited by the worker processes started below
    try:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
    finally:
        if old is None:
            os.environ.pop("NUMBA_NUM_THREADS", None)
        else:
            os.environ["NUMBA_NUM_THREADS"] = old
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()
