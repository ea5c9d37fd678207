"""``DistributedDataParallel``: one model replica per MPI rank, gradients averaged."""
import contextlib

import numpy as np

from ...autograd import grad_mode
from ...distributed import process_group as _pg
from ..modules.module import Module
from ._reducer import DEFAULT_BUCKET_BYTES, Reducer

__all__ = ["DistributedDataParallel"]


class DistributedDataParallel(Module):
    """Data-parallel training over the ranks of an MPI job: each rank runs ``module``
    on its own part of the batch, and ``loss.backward()`` leaves on every rank the
    gradients averaged over all ranks, so an optimizer step keeps the replicas equal.

    At construction the parameters and buffers of rank 0 are copied to every rank,
    after checking that all ranks hold the same parameter names, shapes and dtypes
    (else a RuntimeError on every rank names the first differing parameter and the
    ranks). During backward, gradients are averaged in buckets (about 1 MB first, then
    ``bucket_cap_mb``) whose all-reduces start while backward still runs;
    ``backward()`` returns once every average is in ``.grad``. Each gradient is divided
    by the world size as it is copied into its bucket, so the all-reduced sum is the
    average (torch's order of operations). A parameter that got no gradient on a rank
    contributes zeros there (its ``.grad`` if it has one); one with no gradient on any
    rank keeps ``.grad`` None.

    Args:
        module (Module): the replica on this rank.
        broadcast_buffers (bool): copy rank 0's buffers (e.g. BatchNorm running
            statistics) to every rank at the start of each training-mode forward.
            Default: ``True``.
        init_sync (bool): copy rank 0's parameters and buffers at construction.
            Default: ``True``.
        process_group: the group to average over (default: the world).
        bucket_cap_mb (float, optional): bucket size in MiB after the first.
            Default: 25.
        gradient_as_bucket_view (bool): make every ``.grad`` a view into its bucket,
            as torch's option does: backward accumulates straight into the buckets and
            the average is reduced in place, saving a copy of every gradient each step
            (and the memory of a second copy). ``zero_grad()`` writes zeros into the
            views; after ``zero_grad(set_to_none=True)`` (or a ``.grad`` replaced by
            another tensor) the next synchronised backward copies the gradient into
            its bucket and makes ``.grad`` the view again. Default: ``False``.
        device_ids, output_device, dim, find_unused_parameters, check_reduction,
        static_graph: accepted for torch compatibility (unused parameters are always
            handled; cynn runs on the CPU).

    Attributes:
        module (Module): the wrapped module; ``state_dict`` keys carry the
            ``module.`` prefix, as torch's.

    Shape: as ``module``.

    Example (run as ``mpiexec -n 2 python -m mpi4py train.py``)::

        >>> dist.init_process_group("mpi")
        >>> model = nn.parallel.DistributedDataParallel(nn.Linear(10, 2))
        >>> optimizer = cynn.optim.SGD(model.parameters(), lr=0.1)
        >>> loss = model(cynn.randn(8, 10)).sum()
        >>> loss.backward()          # gradients averaged over both ranks
        >>> optimizer.step()
        >>> with model.no_sync():    # accumulate locally, no communication
        ...     model(cynn.randn(8, 10)).sum().backward()
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, init_sync=True, process_group=None,
                 bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel expects a cynn.nn.Module, got "
                            f"{type(module).__name__}")
        self.process_group = _pg._resolve(process_group)
        self.module = module
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        named = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        _check_same_parameters(self.process_group, module)
        if init_sync:
            _broadcast_from_rank0(self.process_group,
                                  list(module.parameters()) + list(module.buffers()))
        cap = DEFAULT_BUCKET_BYTES if bucket_cap_mb is None else int(bucket_cap_mb * 1024 ** 2)
        self.reducer = Reducer([p for _, p in named], self.process_group, cap,
                               gradient_as_bucket_view=gradient_as_bucket_view)

    def forward(self, *inputs, **kwargs):
        if self.broadcast_buffers and self.training and self.process_group.size() > 1:
            buffers = list(self.module.buffers())
            if buffers:
                _broadcast_from_rank0(self.process_group, buffers)
        if grad_mode.is_grad_enabled() and self.require_backward_grad_sync:
            self.reducer.prepare_for_backward()
        else:
            self.reducer.disarm()
        return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Inside, forward passes set up no gradient averaging: their backward only
        accumulates into the local ``.grad``. The first backward of a forward run
        outside averages everything accumulated so far.

        Example::

            >>> with ddp.no_sync():
            ...     for x in micro_batches[:-1]:
            ...         ddp(x).sum().backward()
            >>> ddp(micro_batches[-1]).sum().backward()   # averages all of them
        """
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous


def _check_same_parameters(pg, module):
    """Raise on every rank, with the same message, unless all ranks hold parameters of
    the same names, shapes and dtypes in the same order (else their gradient buckets
    would not match and the all-reduces would mix unrelated values or hang)."""
    # small metadata, not arrays: mpi4py's pickled allgather is the right tool
    mine = [(name, tuple(p.shape), str(p._data.dtype))
            for name, p in module.named_parameters()]
    everyone = pg.comm.allgather(mine)
    reference = everyone[0]
    for rank, theirs in enumerate(everyone[1:], start=1):
        for index in range(max(len(reference), len(theirs))):
            ours = reference[index] if index < len(reference) else None
            other = theirs[index] if index < len(theirs) else None
            if ours != other:
                raise RuntimeError(
                    "DistributedDataParallel expects the same model on every rank, but "
                    f"parameter {index} is {_describe(ours)} on rank 0 and "
                    f"{_describe(other)} on rank {rank}.")


def _describe(entry):
    if entry is None:
        return "missing"
    name, shape, dtype = entry
    return f"'{name}' with shape {list(shape)} and dtype {dtype}"


def _broadcast_from_rank0(pg, tensors):
    """Overwrite ``tensors`` with rank 0's values, in one message (their bytes packed
    end to end)."""
    arrays = [t._data for t in tensors]
    packed = np.concatenate([np.ascontiguousarray(a).reshape(-1).view(np.uint8)
                             for a in arrays]) if arrays else np.empty(0, np.uint8)
    pg.comm.Bcast(packed, root=0)
    start = 0
    for a in arrays:
        end = start + a.nbytes
        np.copyto(a, packed[start:end].view(a.dtype).reshape(a.shape))
        start = end
