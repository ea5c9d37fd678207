"""``cynn.distributed``: torch.distributed's process group and collectives over MPI.

Needs the ``[mpi]`` extra (``pip install "cynn-nn[mpi]"``: mpi4py and the mpich wheel).
Importing this package never imports mpi4py; the first call that needs MPI does, and
raises an error naming the extra when it is missing. Start a job with::

    mpiexec -n 2 python -m mpi4py train.py

(``-m mpi4py`` turns an uncaught exception on one rank into the end of the whole job,
instead of the other ranks waiting for it forever.) See docs/distributed.md.
"""
from . import _mpi
from .collectives import ReduceOp, Work, all_gather, all_reduce, barrier, broadcast
from .process_group import (ProcessGroup, destroy_process_group, get_backend, get_rank,
                            get_world_size, group, init_process_group, is_initialized)

__all__ = ["ProcessGroup", "ReduceOp", "Work", "all_gather", "all_reduce", "barrier",
           "broadcast", "destroy_process_group", "get_backend", "get_rank", "get_world_size",
           "group", "init_process_group", "is_available", "is_initialized", "is_mpi_available"]


def is_available():
    """Whether collectives can run here: True when mpi4py (the ``[mpi]`` extra) is
    installed. Does not start MPI."""
    return _mpi.mpi4py_installed()


def is_mpi_available():
    """Whether the MPI backend is available (the same answer as ``is_available``)."""
    return _mpi.mpi4py_installed()
