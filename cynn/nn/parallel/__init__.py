"""``cynn.nn.parallel``: data-parallel training across MPI ranks, and torch's
single-process DataParallel and its functions (on the CPU they run the module as is)."""
from ._functions import gather, parallel_apply, replicate, scatter
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["replicate", "scatter", "parallel_apply", "gather", "data_parallel", "DataParallel",
           "DistributedDataParallel"]
