"""The building blocks of data parallelism, for CPU tensors: ``scatter`` splits inputs
into chunks, ``replicate`` makes per-worker copies of a module, ``parallel_apply`` runs
them (one thread each; cynn's kernels release the GIL) and ``gather`` concatenates the
results. Gradients flow through all four as through ``chunk`` and ``cat``.

torch implements these for CUDA devices only and fails on a CPU-only build; here the
``devices`` / ``target_gpus`` / ``target_device`` arguments only count the workers
(their values are ignored: everything is on the CPU).
"""
import threading
import warnings

from ... import _tensor
from ...autograd import grad_mode

__all__ = ["scatter", "scatter_kwargs", "gather", "replicate", "parallel_apply"]


def _is_namedtuple(obj):
    return isinstance(obj, tuple) and hasattr(obj, "_asdict") and hasattr(obj, "_fields")


def scatter(inputs, target_gpus, dim=0):
    """Split ``inputs`` into ``len(target_gpus)`` pieces along ``dim``.

    Tensors are split with ``chunk`` (so there are fewer pieces when a tensor has
    fewer than ``len(target_gpus)`` rows); tuples, lists, dicts and namedtuples are
    split element-wise into one container per piece; anything else is repeated.
    Returns a list with one entry per piece.

    Example::

        >>> scatter(cynn.arange(6).view(3, 2), [0, 1])
        [tensor([[0, 1],
                [2, 3]]), tensor([[4, 5]])]
    """
    n = len(target_gpus)

    def scatter_map(obj):
        if isinstance(obj, _tensor.Tensor):
            return list(obj.chunk(n, dim)) if n else []
        if _is_namedtuple(obj):
            return [type(obj)(*args) for args in zip(*map(scatter_map, obj))]
        if isinstance(obj, tuple) and len(obj) > 0:
            return list(zip(*map(scatter_map, obj)))
        if isinstance(obj, list) and len(obj) > 0:
            return [list(i) for i in zip(*map(scatter_map, obj))]
        if isinstance(obj, dict) and len(obj) > 0:
            return [type(obj)(i) for i in zip(*map(scatter_map, obj.items()))]
        return [obj for _ in target_gpus]

    try:
        return scatter_map(inputs)
    finally:
        scatter_map = None  # the closure refers to itself: break the cycle


def scatter_kwargs(inputs, kwargs, target_gpus, dim=0):
    """``scatter`` of the positional and of the keyword arguments, padded to the same
    number of pieces (``()`` and ``{}``); returns two tuples."""
    scattered_inputs = scatter(inputs, target_gpus, dim) if inputs else []
    scattered_kwargs = scatter(kwargs, target_gpus, dim) if kwargs else []
    if len(scattered_inputs) < len(scattered_kwargs):
        scattered_inputs.extend(() for _ in range(len(scattered_kwargs) - len(scattered_inputs)))
    elif len(scattered_kwargs) < len(scattered_inputs):
        scattered_kwargs.extend({} for _ in range(len(scattered_inputs) - len(scattered_kwargs)))
    return tuple(scattered_inputs), tuple(scattered_kwargs)


def gather(outputs, target_device, dim=0):
    """Concatenate per-worker ``outputs`` along ``dim`` (recursively through tuples,
    lists, dicts and namedtuples; ``None`` stays ``None``). 0-d tensors are stacked
    into a vector, with torch's warning.

    Example::

        >>> gather([cynn.ones(2, 3), cynn.zeros(1, 3)], "cpu").shape
        cynn.Size([3, 3])
    """
    def gather_map(outputs):
        out = outputs[0]
        if isinstance(out, _tensor.Tensor):
            return _gather_tensors(outputs, dim)
        if out is None:
            return None
        if isinstance(out, dict):
            if not all(len(out) == len(d) for d in outputs):
                raise ValueError("All dicts must have the same number of keys")
            return type(out)((k, gather_map([d[k] for d in outputs])) for k in out)
        if _is_namedtuple(out):
            return type(out)._make(map(gather_map, zip(*outputs)))
        return type(out)(map(gather_map, zip(*outputs)))

    try:
        return gather_map(outputs)
    finally:
        gather_map = None


def _gather_tensors(tensors, dim):
    from ..._creation import cat
    if all(t.dim() == 0 for t in tensors) and dim == 0:
        warnings.warn("Was asked to gather along dimension 0, but all input tensors were "
                      "scalars; will instead unsqueeze and return a vector.", stacklevel=4)
        tensors = [t.view(1) for t in tensors]
    return cat(list(tensors), dim)


def replicate(network, devices, detach=False):
    """``len(devices)`` copies of ``network`` for ``parallel_apply``.

    Each replica is a new module tree (its own ``training`` flag, hooks and
    containers) whose parameters and buffers are the original's tensors, so
    gradients from every replica accumulate in the original's ``.grad`` (with
    ``detach=True`` the replicas hold detached tensors: no gradient flows back).
    A module reached twice in the tree is replicated once per replica.
    """
    from ..modules.module import Module
    if not isinstance(network, Module):
        raise TypeError(f"replicate() expects an nn.Module, got {type(network).__name__}")
    replicas = []
    for _ in devices:
        memo = {}
        replicas.append(_replicate_module(network, memo, detach))
    return replicas


def _replicate_module(module, memo, detach):
    if id(module) in memo:
        return memo[id(module)]
    replica = module.__new__(type(module))
    memo[id(module)] = replica
    replica.__dict__ = module.__dict__.copy()
    replica.__dict__["_parameters"] = dict(module._parameters)
    replica.__dict__["_buffers"] = dict(module._buffers)
    replica.__dict__["_modules"] = {
        name: None if child is None else _replicate_module(child, memo, detach)
        for name, child in module._modules.items()}
    replica.__dict__["_is_replica"] = True
    if detach:
        for name, param in module._parameters.items():
            if param is not None:
                # a plain tensor, as torch's replicas hold: not a parameter of the copy
                replica._parameters[name] = None
                object.__setattr__(replica, name, param.detach())
    return replica


def parallel_apply(modules, inputs, kwargs_tup=None, devices=None):
    """Run ``modules[i](*inputs[i], **kwargs_tup[i])`` for every ``i``, one thread
    each, and return the outputs in order. An input that is not a tuple or list is
    passed as the only argument. The first exception raised by a worker (in module
    order) is raised again here, with the worker's traceback in its message. Grad mode
    is that of the caller in every thread.
    """
    if len(modules) != len(inputs):
        raise AssertionError(f"The number of modules {len(modules)} is not equal to the "
                             f"number of inputs {len(inputs)}")
    if kwargs_tup is not None:
        if len(modules) != len(kwargs_tup):
            raise AssertionError(f"The number of modules {len(modules)} is not equal to the "
                                 f"number of kwargs_tup {len(kwargs_tup)}")
    else:
        kwargs_tup = ({},) * len(modules)
    if devices is not None:
        if len(modules) != len(devices):
            raise AssertionError(f"The number of modules {len(modules)} is not equal to the "
                                 f"number of devices {len(devices)}")
    grad_enabled = grad_mode.is_grad_enabled()
    results = {}
    lock = threading.Lock()

    def worker(i, module, input, kwargs):
        try:
            with grad_mode.set_grad_enabled(grad_enabled):
                if not isinstance(input, (list, tuple)):
                    input = (input,)
                output = module(*input, **kwargs)
        except Exception as error:
            output = _ExceptionWrapper(error, f"in replica {i}")
        with lock:
            results[i] = output

    if len(modules) > 1:
        threads = [threading.Thread(target=worker, args=(i, m, x, k))
                   for i, (m, x, k) in enumerate(zip(modules, inputs, kwargs_tup))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    elif modules:
        worker(0, modules[0], inputs[0], kwargs_tup[0])
    outputs = []
    for i in range(len(inputs)):
        output = results[i]
        if isinstance(output, _ExceptionWrapper):
            output.reraise()
        outputs.append(output)
    return outputs


class _ExceptionWrapper:
    """An exception caught in a worker thread, raised again in the caller with the
    worker's traceback in the message (as torch's ExceptionWrapper)."""

    def __init__(self, error, where):
        import traceback
        self.exc_type = type(error)
        self.exc_msg = "".join(traceback.format_exception(type(error), error,
                                                          error.__traceback__))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception
