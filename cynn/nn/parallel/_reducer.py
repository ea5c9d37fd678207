"""Gradient averaging for DistributedDataParallel: buckets of gradients reduced with
non-blocking MPI all-reduces while backward is still running.

Parameters are grouped, in reverse registration order (roughly the order backward
produces their gradients), into flat buckets of one dtype: the first closes at about
1 MB so that communication starts early, later ones at about 25 MB. A parameter's
post-accumulate hook copies its ``.grad`` into its bucket, multiplied by 1 / world size
in the same pass (as torch's reducer does: the all-reduced sum is then the average);
the bucket's Iallreduce starts as soon as its last gradient is in, and only after
every earlier bucket's (MPI matches non-blocking collectives by the order they are
started, so every rank must start the same buckets in the same order even when its
gradients arrive in another). A callback queued for the end of backward starts
whatever is left (a parameter that got no gradient on this rank contributes its
existing ``.grad`` or zeros), waits for everything, and copies the averages into
``.grad``: two passes over the gradients besides MPI's own.

With ``gradient_as_bucket_view`` each ``.grad`` is a view into its bucket (torch's
option of that name): autograd accumulates straight into the bucket, the hook only
scales it in place, the all-reduce leaves the average in ``.grad``: one pass.
``zero_grad()`` keeps the views (zeros written in place); after
``zero_grad(set_to_none=True)`` the next gradient arrives in a new array, is copied
into the bucket and ``.grad`` becomes the view again.
"""
import numpy as np

from ..._tensor import Tensor
from ...autograd import engine
from ...distributed import _mpi

__all__ = ["Reducer", "assign_buckets"]

FIRST_BUCKET_BYTES = 1024 * 1024
DEFAULT_BUCKET_BYTES = 25 * 1024 * 1024


def assign_buckets(params, bucket_cap_bytes=DEFAULT_BUCKET_BYTES, first_bucket_bytes=None):
    """Indices into ``params`` grouped into buckets, in the order they will be reduced.

    Walks ``params`` backwards, filling one open bucket per dtype; a bucket closes once
    it holds at least its limit (``first_bucket_bytes`` for a dtype's first bucket,
    ``bucket_cap_bytes`` after), so a single large parameter makes a bucket of its own.
    """
    if first_bucket_bytes is None:
        first_bucket_bytes = FIRST_BUCKET_BYTES
    open_buckets, closed, sizes, filled = {}, [], {}, {}
    for index in reversed(range(len(params))):
        data = params[index]._data
        key = data.dtype
        bucket = open_buckets.setdefault(key, [])
        bucket.append(index)
        sizes[key] = sizes.get(key, 0) + data.nbytes
        limit = first_bucket_bytes if not filled.get(key) else bucket_cap_bytes
        if sizes[key] >= limit:
            closed.append(open_buckets.pop(key))
            sizes[key], filled[key] = 0, True
    closed.extend(open_buckets.values())
    # reduced in the order their first gradient is expected
    return sorted(closed, key=lambda bucket: -bucket[0])


class _Bucket:
    """One flat array holding the gradients of some parameters of one dtype."""

    def __init__(self, params, world_size, as_view):
        self.params = params
        # MPI has no half type: half gradients travel (and are summed) as float32
        dtype = params[0]._data.dtype
        self.dtype = np.dtype(np.float32) if dtype == np.float16 else dtype
        # a float32 bucket cannot be the .grad of half parameters: those are copied
        self.as_view = as_view and self.dtype == dtype
        self.scale = self.dtype.type(1 / world_size)
        self.flat = np.zeros(sum(p._data.size for p in params), self.dtype)
        self.views, start = [], 0
        for p in params:
            self.views.append(self.flat[start:start + p._data.size].reshape(p._data.shape))
            start += p._data.size
        self.grads = [Tensor._wrap(view) for view in self.views] if self.as_view else None
        self.ready = [False] * len(params)
        self.n_ready = 0
        self.request = None

    def reset(self):
        self.ready = [False] * len(self.params)
        self.n_ready = 0
        self.request = None

    def copy_in(self, i, grad):
        """Slot ``i`` := ``grad`` / world size (zeros for None), in one pass; in place
        when ``grad`` already is the slot."""
        view = self.views[i]
        if grad is None:
            view.fill(0)
        else:
            np.multiply(grad._data, self.scale, out=view, casting="unsafe")
        self.ready[i] = True
        self.n_ready += 1

    def complete(self):
        return self.n_ready == len(self.params)

    def write_grad(self, i):
        """``.grad`` of parameter ``i`` := the reduced slot: the view itself, or a copy
        into the existing ``.grad``."""
        param, view = self.params[i], self.views[i]
        if self.as_view:
            if param.grad is not self.grads[i]:
                param.grad = self.grads[i]
            param.grad._version[0] += 1
        elif param.grad is None:
            param.grad = Tensor._wrap(view.astype(param._data.dtype))
        else:
            np.copyto(param.grad._data, view, casting="unsafe")
            param.grad._version[0] += 1

    def adopt_grads(self):
        """Make existing ``.grad``s views of this bucket, keeping their values (torch's
        reducer does the same when built with ``gradient_as_bucket_view``)."""
        for param, view, grad in zip(self.params, self.views, self.grads):
            if param.grad is not None and param.grad is not grad:
                np.copyto(view, param.grad._data, casting="unsafe")
                param.grad = grad


class Reducer:
    """Averages the ``.grad`` of ``params`` over the ranks of ``process_group`` at the
    end of each armed backward pass (see the module docstring)."""

    def __init__(self, params, process_group, bucket_cap_bytes=DEFAULT_BUCKET_BYTES,
                 gradient_as_bucket_view=False):
        self.process_group = process_group
        # A communicator of its own: a bucket may start on one rank before a blocking
        # collective that runs inside backward (SyncBatchNorm's) and after it on another
        # (its last gradient came later there); on one communicator MPI would pair the
        # wrong operations.
        self.comm = process_group.comm.Dup()
        self.params = params
        world_size = process_group.size()
        self.buckets = [_Bucket([params[i] for i in indices], world_size,
                                gradient_as_bucket_view)
                        for indices in assign_buckets(params, bucket_cap_bytes)]
        for bucket in self.buckets:
            if bucket.as_view:
                bucket.adopt_grads()
        self._slot = {}
        for b, bucket in enumerate(self.buckets):
            for i, p in enumerate(bucket.params):
                self._slot[id(p)] = (b, i)
        self._hooks = [p.register_post_accumulate_grad_hook(self._on_grad_ready)
                       for p in params]
        self._armed = False
        self._finalize_queued = False
        self._next_bucket = 0

    def prepare_for_backward(self):
        """The next backward pass through these parameters averages their gradients."""
        for bucket in self.buckets:
            bucket.reset()
        self._armed = True
        self._finalize_queued = False
        self._next_bucket = 0

    def disarm(self):
        self._armed = False

    def close(self):
        """Detach from the parameters and free the communicator."""
        for handle in self._hooks:
            handle.remove()
        self._hooks = []
        if self.comm is not None:
            self.comm.Free()
            self.comm = None

    def _on_grad_ready(self, param):
        if not self._armed:
            return
        if not self._finalize_queued:
            engine.queue_callback(self._finalize)
            self._finalize_queued = True
        b, i = self._slot[id(param)]
        bucket = self.buckets[b]
        if bucket.ready[i]:
            raise RuntimeError(
                "DistributedDataParallel: a parameter's gradient was produced twice in one "
                "backward pass; run forward through the model again before another backward")
        bucket.copy_in(i, param.grad)
        self._start_complete_buckets()
        # MPI advances non-blocking collectives only inside MPI calls: poll the ones in
        # flight so they progress while the rest of backward runs
        _mpi.MPI().Request.Testall([bk.request for bk in self.buckets[:self._next_bucket]])

    def _start_complete_buckets(self):
        while self._next_bucket < len(self.buckets) and self.buckets[self._next_bucket].complete():
            self._start(self.buckets[self._next_bucket])
            self._next_bucket += 1

    def _start(self, bucket):
        mpi = _mpi.MPI()
        bucket.request = self.comm.Iallreduce(mpi.IN_PLACE, bucket.flat, op=mpi.SUM)

    def _finalize(self):
        """End of backward: start what is left, wait for all, write the averages."""
        self._armed = False
        mpi = _mpi.MPI()
        for bucket in self.buckets:
            for i, p in enumerate(bucket.params):
                if not bucket.ready[i]:   # no gradient reached it on this rank
                    bucket.copy_in(i, p.grad)
        self._start_complete_buckets()
        # a parameter keeps grad None only if it has none on every rank
        has_grad = np.array([p.grad is not None for p in self.params])
        has_grad_request = self.comm.Iallreduce(mpi.IN_PLACE, has_grad, op=mpi.LOR)
        mpi.Request.Waitall([bucket.request for bucket in self.buckets] + [has_grad_request])
        any_grad = dict(zip(map(id, self.params), has_grad))
        for bucket in self.buckets:
            for i, p in enumerate(bucket.params):
                if any_grad[id(p)]:
                    bucket.write_grad(i)
