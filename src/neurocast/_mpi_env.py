"""This process's place in an MPI job, read from the environment mpiexec/mpirun (or srun)
started it with, without importing mpi4py (an optional extra) nor anything of neurocast: the
command line reads it at start-up (``neurocast.sim`` takes over a second to import).

Each launcher sets a rank and a size variable, read as pairs in this order: MPICH and Intel
MPI (Hydra's PMI), Open MPI, PMIx launchers (``srun --mpi=pmix``), then Hydra's rank and
number of ranks on the node. A rank alone says nothing about a job: Slurm sets ``PMIX_RANK``
for each task of ``srun -n 8 CMD`` (eight independent commands), so only a size > 1 makes the
process one of several ranks of one job (``mpi_world_size``).
"""

from __future__ import annotations

import os

__all__ = ["RANK_VARIABLES", "SIZE_VARIABLES", "mpi_rank", "mpi_world_size"]

#: (rank variable, size variable) of each launcher, in the order they are read.
_LAUNCHERS = (("PMI_RANK", "PMI_SIZE"), ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
              ("PMIX_RANK", "PMIX_SIZE"), ("MPI_LOCALRANKID", "MPI_LOCALNRANKS"))
RANK_VARIABLES = tuple(rank for rank, _ in _LAUNCHERS)
SIZE_VARIABLES = tuple(size for _, size in _LAUNCHERS)


def _number(var: str) -> int | None:
    value = os.environ.get(var, "")
    return int(value) if value.isdigit() else None


def _place() -> tuple[int, int]:
    """(rank, size) of the first launcher that set a size, its rank (0 if unset) with it; else
    (the first rank set or 0, 1): one launcher's rank never mixes with another's size."""
    for rank_var, size_var in _LAUNCHERS:
        size = _number(size_var)
        if size is not None:
            rank = _number(rank_var)
            return (0 if rank is None else rank), size
    return next((r for r in map(_number, RANK_VARIABLES) if r is not None), 0), 1


def mpi_world_size() -> int:
    """Processes started by mpiexec/mpirun as one job (from their environment; 1 outside MPI)."""
    return _place()[1]


def mpi_rank() -> int:
    """This process's rank from its environment (0 outside MPI). A rank is set for tasks that
    are not one MPI job too (``srun -n 8``): check ``mpi_world_size() > 1`` before counting on
    it."""
    return _place()[0]
