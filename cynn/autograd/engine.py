"""Reverse-mode engine: ``backward`` and ``grad`` over the graph of BackwardNodes.

1. Count, for every node reachable from the roots, how many edges lead into it.
2. Run nodes when all their incoming gradients have arrived (newest node first
   among the ready ones, as PyTorch does), summing gradients that meet at one
   input and passing each node's input gradients along its ``next_functions``.

Gradients that hooks return are checked as PyTorch checks them: same size and dtype as
the gradient they replace, so a wrong one fails here rather than being broadcast into
a parameter by the optimizer.
"""
import heapq
import sys
import threading

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


def _hook_name(fn):
    return getattr(fn, "__name__", "<unknown>")


def _hook_value(fn, value, expected, allow_array):
    """The array of gradient ``value`` returned by hook ``fn`` where a gradient like
    ``expected`` (an array, or a ``(shape, dtype)`` pair) was; PyTorch's errors when it
    is not a tensor or changes the size or dtype (an optimizer would broadcast a wrong
    shape into the parameter, or silently cast)."""
    if value is None:
        return None
    if isinstance(value, function.Tensor):
        array = value._data
    elif allow_array and type(value) is np.ndarray:
        # node hooks receive the engine's arrays, and may hand arrays back
        array = value
    else:
        raise TypeError(f"expected Variable, but hook returned '{type(value).__name__}'")
    if expected is None:
        return array
    shape, dtype = ((expected.shape, expected.dtype) if isinstance(expected, np.ndarray)
                    else expected)
    if array.shape != shape:
        raise RuntimeError(f"hook '{_hook_name(fn)}' has changed the size of value")
    if array.dtype != dtype:
        raise RuntimeError(f"hook '{_hook_name(fn)}' has changed the type of value (was "
                           f"{_type_name(dtype)} got {_type_name(array.dtype)})")
    return array


def _type_name(dtype):
    return "cynn." + function._TYPE_NAMES.get(np.dtype(dtype).type, "Tensor")


def _hook_values(fn, values, current, meta):
    """The gradients returned by node hook ``fn`` in place of ``current`` (one per
    entry; ``meta[i]`` is the expected ``(shape, dtype)`` where ``current[i]`` is None)."""
    if not isinstance(values, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(values).__name__}'")
    if len(values) != len(current):
        raise RuntimeError(f"hook '{_hook_name(fn)}' has returned an incorrect number of values "
                           f"(got {len(values)}, but expected {len(current)})")
    return [_hook_value(fn, v, c if c is not None else m, True)
            for v, c, m in zip(values, current, meta)]


def _run_tensor_pre_hooks(node, grads):
    Tensor = function.Tensor
    grads = list(grads)
    for nr, fns in node._tensor_pre_hooks.items():
        if grads[nr] is None:
            continue
        for fn in list(fns.values()):
            out = fn(Tensor._wrap(grads[nr]))
            if out is not None:
                grads[nr] = _hook_value(fn, out, grads[nr], False)
    return grads


def _run_pre_hooks(node, grads):
    for fn in list(node._pre_hooks.values()):
        out = fn(tuple(grads))
        if out is not None:
            grads = _hook_values(fn, out, grads, node._output_meta)
    return grads


def _run_post_hooks(node, in_grads, grads):
    for fn in list(node._post_hooks.values()):
        out = fn(tuple(in_grads), tuple(grads))
        if out is not None:
            in_grads = _hook_values(fn, out, in_grads, node._input_meta)
    return in_grads


def _validate(node, in_grads):
    """Sum each input gradient down to its input's shape and cast it to its dtype (before
    the post hooks see them, as in PyTorch); gradients for edges that want none are
    left as the op returned them."""
    out = list(in_grads)
    for i, ((nxt, _), g) in enumerate(zip(node.next_functions, out)):
        if g is None or nxt is None:
            continue
        if not isinstance(g, np.ndarray):
            g = np.asarray(g)
        shape, dtype = node._input_meta[i]
        out[i] = _reduce_to(g, shape, dtype, node, i)
    return out


def _retain(node, grads):
    """``.grad`` of non-leaf tensors that asked for it (after their hooks, as in PyTorch)."""
    for nr, ref in node._retained.items():
        tensor, g = ref(), grads[nr]
        if tensor is None or g is None:
            continue
        with _accumulate_lock:
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


# Threads may run backward into the same leaves (one model, several threads): the
# "is .grad None" test and numpy's in-place add (which releases the GIL) must not
# interleave, or one thread's gradient is lost. PyTorch locks AccumulateGrad too.
_accumulate_lock = threading.Lock()


def _accumulate(node, grad):
    var = node.variable
    with _accumulate_lock:
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
                grads = _run_pre_hooks(node, grads)
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
                in_grads = _validate(node, node._backward(grads))
                if node._post_hooks:
                    in_grads = _run_post_hooks(node, in_grads, grads)
            if not retain_graph:
                node._free()

            for (nxt, nr), g in zip(node.next_functions, in_grads):
                if nxt is None:
                    continue
                if g is not None:
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
