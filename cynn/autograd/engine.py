"""Reverse-mode engine: ``backward`` and ``grad`` over the graph of BackwardNodes.

1. Count, for every node reachable from the roots, how many edges lead into it.
2. Run nodes when all their incoming gradients have arrived (newest node first
   among the ready ones, as PyTorch does), summing gradients that meet at one
   input and passing each node's input gradients along its ``next_functions``.
"""
import heapq
import sys

import numpy as np

from . import grad_mode
from . import function
from .function import AccumulateGrad

__all__ = ["run_backward"]


def _reduce_to(grad, shape, dtype, node, index):
    """Sum a broadcast gradient down to the input's ``shape`` and cast to its dtype."""
    if grad.shape != shape:
        extra = grad.ndim - len(shape)
        if extra < 0:
            raise _bad_shape(node, index, grad.shape, shape)
        axes = tuple(range(extra)) + tuple(
            extra + i for i, s in enumerate(shape) if s == 1 and grad.shape[extra + i] != 1)
        if axes:
            grad = grad.sum(axis=axes, keepdims=True)
        if extra:
            grad = grad.reshape(grad.shape[extra:])
        if grad.shape != shape:
            raise _bad_shape(node, index, grad.shape, shape)
    if grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def _bad_shape(node, index, got, expected):
    return RuntimeError(
        f"Function {node.name()} returned an invalid gradient at index {index} - got "
        f"{list(got)} but expected shape compatible with {list(expected)}")


def _run_tensor_pre_hooks(node, grads):
    Tensor = function.Tensor
    grads = list(grads)
    for nr, fns in node._tensor_pre_hooks.items():
        if grads[nr] is None:
            continue
        for fn in list(fns.values()):
            out = fn(Tensor._wrap(grads[nr]))
            if out is not None:
                grads[nr] = out._data if isinstance(out, Tensor) else np.asarray(out)
    return grads


def _retain(node, grads):
    """``.grad`` of non-leaf tensors that asked for it (after their hooks, as in PyTorch)."""
    for nr, ref in node._retained.items():
        tensor, g = ref(), grads[nr]
        if tensor is None or g is None:
            continue
        if tensor._grad is None:
            tensor._grad = function.Tensor._wrap(np.array(g, copy=True))
        else:
            tensor._grad = function.Tensor._wrap(tensor._grad._data + g)


# References to a gradient array that only the engine holds, as _unshared counts them:
# run_backward's list of gradients, _accumulate's argument, _unshared's argument and
# getrefcount's own.
_ENGINE_ONLY_REFS = 4


def _unshared(grad, dtype):
    """Whether ``grad`` (held by the engine alone) is a writeable,
    C-contiguous array of ``dtype`` whose memory nothing else can reach: it owns
    its data, or it is the one whole-array view (a reshape) of an array that
    nothing else references."""
    if (type(grad) is not np.ndarray or grad.dtype != dtype or not grad.flags.writeable
            or not grad.flags.c_contiguous or sys.getrefcount(grad) > _ENGINE_ONLY_REFS):
        return False
    base = grad.base
    if base is None:
        return True
    # references to base: grad's, this local and getrefcount's argument
    return (type(base) is np.ndarray and base.base is None and base.size == grad.size
            and base.dtype == dtype and sys.getrefcount(base) <= 3)


def _accumulate(node, grad):
    var = node.variable
    if var._grad is None:
        if _unshared(grad, var._data.dtype):
            # a fresh array no one else can see becomes .grad as it is (PyTorch's
            # AccumulateGrad steals an unshared gradient too)
            var._grad = function.Tensor._wrap(grad)
            return
        # The engine's arrays may alias other gradients: own a fresh copy.
        var._grad = function.Tensor._wrap(np.array(grad, dtype=var._data.dtype, copy=True))
    else:
        np.add(var._grad._data, grad, out=var._grad._data, casting="unsafe")
        var._grad._version[0] += 1


def run_backward(roots, root_grads, retain_graph=False, capture=None):
    """Propagate ``root_grads`` from ``roots`` (each a ``(node, output_nr)`` edge).

    Without ``capture``, gradients are accumulated into leaves' ``.grad``.
    With ``capture`` (a list of edges), nothing is accumulated and the gradient
    arriving at each captured edge is returned, in order (None where none arrives).
    """
    dependencies = {}
    seen = {node for node, _ in roots if node is not None}
    stack = list(seen)  # several roots may be outputs of one node: count its edges once
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            dependencies[nxt] = dependencies.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)

    buffers = {}
    for (node, nr), g in zip(roots, root_grads):
        if node is None:
            continue
        buf = buffers.setdefault(node, [None] * len(node._output_meta))
        buf[nr] = g if buf[nr] is None else buf[nr] + g

    captured = None
    capture_at = {}
    if capture is not None:
        captured = [None] * len(capture)
        for i, (node, nr) in enumerate(capture):
            capture_at.setdefault(node, []).append((nr, i))

    ready = [(-n._sequence_nr, id(n), n) for n in buffers if dependencies.get(n, 0) == 0]
    heapq.heapify(ready)
    with grad_mode.set_grad_enabled(False):
        while ready:
            _, _, node = heapq.heappop(ready)
            grads = buffers.pop(node, None) or [None] * len(node._output_meta)
            if node._tensor_pre_hooks:
                grads = _run_tensor_pre_hooks(node, grads)
            if node._retained:
                _retain(node, grads)
            if node._pre_hooks:
                for fn in list(node._pre_hooks.values()):
                    out = fn(tuple(grads))
                    if out is not None:
                        grads = list(out)
            if node in capture_at:
                for nr, i in capture_at[node]:
                    captured[i] = grads[nr]

            if isinstance(node, AccumulateGrad):
                if capture is None and grads[0] is not None:
                    _accumulate(node, grads[0])
                continue

            if all(g is None for g in grads):
                in_grads = (None,) * len(node.next_functions)
            else:
                if len(grads) > 1:  # materialise missing output grads as zeros
                    grads = [np.zeros(s, d) if g is None else g
                             for g, (s, d) in zip(grads, node._output_meta)]
                in_grads = node._backward(grads)
                if node._post_hooks:
                    for fn in list(node._post_hooks.values()):
                        out = fn(tuple(in_grads), tuple(grads))
                        if out is not None:
                            in_grads = tuple(out)
            if not retain_graph:
                node._free()

            for i, ((nxt, nr), g) in enumerate(zip(node.next_functions, in_grads)):
                if nxt is None:
                    continue
                if g is not None:
                    if not isinstance(g, np.ndarray):
                        g = np.asarray(g)
                    shape, dtype = node._input_meta[i]
                    g = _reduce_to(g, shape, dtype, node, i)
                    buf = buffers.setdefault(nxt, [None] * len(nxt._output_meta))
                    buf[nr] = g if buf[nr] is None else buf[nr] + g
                left = dependencies[nxt] - 1
                dependencies[nxt] = left
                if left == 0:
                    heapq.heappush(ready, (-nxt._sequence_nr, id(nxt), nxt))
            # drop the loop's own references, so that _accumulate can tell an unshared
            # gradient by its reference count
            in_grads = g = grads = None
    return captured
