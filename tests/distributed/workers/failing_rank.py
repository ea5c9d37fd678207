"""Rank 1 raises while rank 0 waits in a collective (``all_reduce`` or inside DDP's
backward): under ``python -m mpi4py`` the uncaught exception aborts the whole job.
Rank 0 writes ``<out_dir>/rank0-done`` only if it ever gets past its wait."""
import os
import sys

import cynn
import cynn.distributed as dist
import cynn.nn as nn
from cynn.nn.parallel import DistributedDataParallel


def main(where, out_dir):
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    if where == "collective":
        if rank == 1:
            raise RuntimeError("rank 1 fails before the all_reduce")
        dist.all_reduce(cynn.ones(3))
    elif where == "backward":
        model = DistributedDataParallel(nn.Linear(4, 2))
        loss = model(cynn.randn(8, 4)).sum()
        if rank == 1:
            raise RuntimeError("rank 1 fails before its backward")
        loss.backward()
    with open(os.path.join(out_dir, f"rank{rank}-done"), "w"):
        pass


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
