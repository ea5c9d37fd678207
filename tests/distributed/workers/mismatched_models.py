"""DistributedDataParallel over models that differ between ranks: every rank must
raise (none may hang). Prints ``RAISED <rank> <message>`` and exits normally.

Variants: ``shape`` (fc's output size differs on rank 1), ``name`` (a parameter with
another name on rank 1), ``count`` (rank 1 has an extra layer), ``dtype``.
"""
import sys

import cynn.distributed as dist
import cynn.nn as nn
from cynn.nn.parallel import DistributedDataParallel


def model_for(variant, rank):
    odd = rank == 1
    if variant == "shape":
        return nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 5 if odd else 2))
    if variant == "name":
        layers = {"first": nn.Linear(4, 3), ("other" if odd else "second"): nn.Linear(3, 2)}
        return nn.ModuleDict(layers)
    if variant == "count":
        return nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2), *([nn.Linear(2, 2)] if odd else []))
    if variant == "dtype":
        model = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
        return model.double() if odd else model
    raise ValueError(variant)


def main(variant):
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    try:
        DistributedDataParallel(model_for(variant, rank))
    except RuntimeError as err:
        sys.stdout.write(f"RAISED {rank} {err}\n")
        sys.stdout.flush()
    else:
        sys.stdout.write(f"ACCEPTED {rank}\n")
    dist.barrier()   # both ranks are still alive and in step after the error
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
