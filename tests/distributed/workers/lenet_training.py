"""LeNet trained for 20 SGD-momentum steps on a fixed global batch of 32: on N ranks
with DistributedDataParallel (``mpiexec -n N python -m mpi4py lenet_training.py
<variant> <out_dir>``: each rank saves its state right after wrapping to
``<out_dir>/wrapped<r>.npz`` and its final state to ``<out_dir>/rank<r>.npz``),
or in one process without any of cynn.distributed (``train_reference``), which the
test compares with.

Variants:
    plain      LeNet, default buckets (one: the model is under 1 MB).
    buckets    LeNet, ~4 kB buckets; also records when each bucket's all-reduce started.
    batchnorm  LeNet with BatchNorm (SyncBatchNorm on N ranks).
    no_sync    each rank's step is two micro-batches, the first under no_sync().
    unused     an extra head only rank 1's samples use (rank 0 computes no gradient
               for it), and a layer no rank uses.
    bucket_view  gradient_as_bucket_view=True, ~4 kB buckets; steps alternate
               zero_grad(set_to_none=False) and (True), every third step
               accumulates a micro-batch under no_sync() first; records whether
               the .grads set before wrapping moved into the buckets with their values,
               and whether every .grad is a view of its bucket after each step.
    unused_view  unused with gradient_as_bucket_view=True.
"""
import json
import os
import sys

import numpy as np

import cynn
import cynn.nn as nn
import cynn.nn.functional as F

GLOBAL_BATCH = 32
STEPS = 20
SMALL_BUCKET_BYTES = 4096


class LeNet(nn.Module):
    def __init__(self, batchnorm=False, extra_heads=False):
        super().__init__()
        norm2d = nn.BatchNorm2d if batchnorm else (lambda c: nn.Identity())
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), norm2d(6), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), norm2d(16), nn.ReLU(), nn.MaxPool2d(2))
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.bn1 = nn.BatchNorm1d(120) if batchnorm else nn.Identity()
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
        if extra_heads:
            self.extra = nn.Linear(84, 10)
            self.never_used = nn.Linear(2, 2)

    def forward(self, x, use_extra=False):
        h = self.features(x).flatten(1)
        h = F.relu(self.fc2(F.relu(self.bn1(self.fc1(h)))))
        out = self.fc3(h)
        return out + self.extra(h) if use_extra else out


# the one-process run each variant must reproduce
REFERENCE = {"batchnorm": "batchnorm", "unused": "unused", "unused_view": "unused"}
SMALL_BUCKETS = ("buckets", "unused", "bucket_view", "unused_view")


def reference_variant(variant):
    return REFERENCE.get(variant, "plain")


def make_model(variant, seed):
    cynn.manual_seed(seed)
    return LeNet(batchnorm=variant == "batchnorm", extra_heads=variant.startswith("unused"))


def global_batch():
    rng = np.random.default_rng(1234)
    x = rng.standard_normal((GLOBAL_BATCH, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, GLOBAL_BATCH)
    return cynn.from_numpy(x), cynn.from_numpy(y)


def optimizer_for(params):
    return cynn.optim.SGD(params, lr=0.05, momentum=0.9)


def state_of(model):
    return {name: t.detach().numpy().copy() for name, t in model.state_dict().items()}


def final_state(model):
    state = state_of(model)
    for name, p in model.named_parameters():
        state["grad_is_none." + name] = np.array(p.grad is None)
    return state


def train_reference(variant):
    """One process, the whole batch, no cynn.distributed."""
    model = make_model(variant, seed=100)
    optimizer = optimizer_for(model.parameters())
    x, y = global_batch()
    half = GLOBAL_BATCH // 2
    for _ in range(STEPS):
        optimizer.zero_grad()
        if variant == "unused":  # the samples of rank 0 without the extra head, rank 1's with
            loss = (F.cross_entropy(model(x[:half]), y[:half])
                    + F.cross_entropy(model(x[half:], use_extra=True), y[half:])) / 2
        else:
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return final_state(model)


def train_distributed(variant, out_dir):
    import cynn.distributed as dist
    from cynn.nn.modules.sync_batchnorm import SyncBatchNorm
    from cynn.nn.parallel import DistributedDataParallel, _reducer

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    # every rank starts from other weights and buffers: DDP must copy rank 0's
    model = make_model(variant, seed=100 + rank)
    for buffer in model.buffers():
        buffer._data[...] += rank
    if variant == "batchnorm":
        model = SyncBatchNorm.convert_sync_batchnorm(model)
    small = variant in SMALL_BUCKETS
    if small:
        _reducer.FIRST_BUCKET_BYTES = SMALL_BUCKET_BYTES
    as_view = variant.endswith("_view")
    if as_view:   # gradients from before the wrap: DDP must move them into its buckets
        for p in model.parameters():
            p.grad = cynn.full_like(p, 3.0)
    ddp = DistributedDataParallel(model, bucket_cap_mb=SMALL_BUCKET_BYTES / 2 ** 20 if small
                                  else None, gradient_as_bucket_view=as_view)
    np.savez(os.path.join(out_dir, f"wrapped{rank}.npz"), **state_of(ddp.module))
    grads_adopted = as_view and all_grads_are_bucket_views(ddp) and all(
        (p.grad.numpy() == 3.0).all() for p in ddp.parameters())
    events = record_bucket_starts(ddp.reducer) if variant == "buckets" else None
    optimizer = optimizer_for(ddp.parameters())
    x, y = global_batch()
    per_rank = GLOBAL_BATCH // world
    x, y = x[rank * per_rank:(rank + 1) * per_rank], y[rank * per_rank:(rank + 1) * per_rank]
    grads_are_views = []
    for step in range(STEPS):
        optimizer.zero_grad(set_to_none=not (as_view and step % 2))
        if variant == "no_sync" or (variant == "bucket_view" and step % 3 == 0):
            half = per_rank // 2
            with ddp.no_sync():
                (F.cross_entropy(ddp(x[:half]), y[:half]) / 2).backward()
            (F.cross_entropy(ddp(x[half:]), y[half:]) / 2).backward()
        else:
            use_extra = variant.startswith("unused") and rank == 1
            F.cross_entropy(ddp(x, use_extra=use_extra), y).backward()
        grads_are_views.append(all_grads_are_bucket_views(ddp))
        optimizer.step()
    state = final_state(ddp.module)
    if as_view:
        state["grads_are_views"] = np.array(grads_are_views)
        state["grads_adopted"] = np.array(grads_adopted)
    np.savez(os.path.join(out_dir, f"rank{rank}.npz"), **state)
    if events is not None:
        with open(os.path.join(out_dir, f"events{rank}.json"), "w") as f:
            json.dump({"events": events, "n_buckets": len(ddp.reducer.buckets)}, f)
    dist.destroy_process_group()


def all_grads_are_bucket_views(ddp):
    """Whether every parameter that has a ``.grad`` holds it in its bucket's memory."""
    return all(p.grad is None or np.shares_memory(p.grad._data, bucket.flat)
               for bucket in ddp.reducer.buckets for p in bucket.params)


def record_bucket_starts(reducer):
    """Log ``start <bucket>`` and ``finalize`` in the order they happen."""
    events = []
    start, finalize = reducer._start, reducer._finalize

    def logged_start(bucket):
        events.append(f"start {reducer.buckets.index(bucket)}")
        start(bucket)

    def logged_finalize():
        events.append("finalize")
        finalize()

    reducer._start, reducer._finalize = logged_start, logged_finalize
    return events


if __name__ == "__main__":
    train_distributed(sys.argv[1], sys.argv[2])
