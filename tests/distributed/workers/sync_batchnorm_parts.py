"""SyncBatchNorm forward and backward on each rank's part of one batch; rank r writes
``<out_dir>/rank<r>.npz`` (its output and input gradient, its weight and bias
gradients, the running statistics). The test compares them with torch's BatchNorm
over the whole batch.

Usage: ``sync_batchnorm_parts.py <dims> <split> <out_dir>`` with dims ``2d`` (N, C, H, W)
or ``1d`` (N, C), and split the comma-separated batch sizes of the ranks (uneven splits
check that ranks are weighted by their counts).
"""
import os
import sys

import numpy as np

import cynn
import cynn.distributed as dist
from cynn.nn.modules.sync_batchnorm import SyncBatchNorm

CHANNELS = 3


def whole_batch(dims, total):
    rng = np.random.default_rng(42)
    shape = (total, CHANNELS, 4, 5) if dims == "2d" else (total, CHANNELS)
    x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
    upstream = rng.standard_normal(shape).astype(np.float32)   # d(loss)/d(output)
    weight = rng.uniform(0.5, 1.5, CHANNELS).astype(np.float32)
    bias = rng.standard_normal(CHANNELS).astype(np.float32)
    return x, upstream, weight, bias


def main(dims, split, out_dir):
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    sizes = [int(s) for s in split.split(",")]
    x, upstream, weight, bias = whole_batch(dims, sum(sizes))
    part = slice(sum(sizes[:rank]), sum(sizes[:rank + 1]))
    bn = SyncBatchNorm(CHANNELS, momentum=0.3)
    bn.weight.data = cynn.from_numpy(weight.copy())
    bn.bias.data = cynn.from_numpy(bias.copy())
    xr = cynn.from_numpy(x[part].copy()).requires_grad_()
    y = bn(xr)
    assert type(y.grad_fn).__name__ == "SyncBatchNormBackward", y.grad_fn
    y.backward(cynn.from_numpy(upstream[part].copy()))
    np.savez(os.path.join(out_dir, f"rank{rank}.npz"), y=y.detach().numpy(),
             gx=xr.grad.numpy(), gw=bn.weight.grad.numpy(), gb=bn.bias.grad.numpy(),
             running_mean=bn.running_mean.numpy(), running_var=bn.running_var.numpy(),
             num_batches_tracked=bn.num_batches_tracked.numpy())
    dist.destroy_process_group()


if __name__ == "__main__":
    main(*sys.argv[1:])
