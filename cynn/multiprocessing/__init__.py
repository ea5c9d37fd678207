"""``cynn.multiprocessing``: the standard library's ``multiprocessing`` plus tensors
shared between processes, as ``torch.multiprocessing``.

Every name of ``multiprocessing`` is re-exported unchanged. Importing this module
registers how Tensors are pickled by multiprocessing (``Queue``, ``Pipe``, the
arguments of a spawned ``Process``): a tensor moved to shared memory with
``share_memory_`` (or ``Module.share_memory()``) travels as a handle to its memory,
so a write in one process is seen by every other; any other tensor is copied.

Segments are POSIX shared memory (``/dev/shm``); with the default
``"file_descriptor"`` strategy they have no name at all once created, so nothing is
left in ``/dev/shm`` however the processes end (see ``cynn._shared_storage`` for
``"file_system"``).

Example (Hogwild: several processes update one shared model)::

    import cynn as torch
    import cynn.multiprocessing as mp

    def train(rank, model):
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        ...                                  # ordinary training steps

    if __name__ == "__main__":
        model = Net()
        model.share_memory()                 # parameters now live in shared memory
        procs = [mp.Process(target=train, args=(rank, model)) for rank in range(2)]
        for p in procs: p.start()
        for p in procs: p.join()             # model carries both processes' updates
"""
import multiprocessing
from multiprocessing import *  # noqa: F401,F403

from ._storage import (_register_reducers, get_all_sharing_strategies, get_sharing_strategy,
                       is_shared, set_sharing_strategy, share_memory_)
from .spawn import (ProcessContext, ProcessExitedException, ProcessRaisedException,
                    SpawnContext, spawn, start_processes)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies"]
__all__ += multiprocessing.__all__

_register_reducers()
