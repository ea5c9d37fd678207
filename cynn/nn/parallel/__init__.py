"""``cynn.nn.parallel``: data-parallel training across MPI ranks."""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
