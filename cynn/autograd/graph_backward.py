"""One node's backward when the backward itself is recorded (``create_graph=True``):
gradients are Tensors, and each op's ``grad_graph`` formula computes its input
gradients with differentiable Tensor ops from the forward's own arguments, so that
second (and higher) derivatives are exact.

An op without ``grad_graph`` still gives the right first-order gradient: its numpy
backward runs inside ``OnceDifferentiable``, a node that raises if a later backward
tries to differentiate through it.

``grad_graph(ctx, inputs, *grads)`` receives the node (``ctx``, with everything the
forward stored on it), the forward's positional arguments (Tensors as Tensors) and one
gradient Tensor per output; it returns one gradient (Tensor or None) per argument,
like ``backward``. Broadcast gradients are summed to each input's shape here.
"""
import numpy as np

from . import function
from .function import AccumulateGrad, Function, _accumulate_lock

__all__ = ["call_node_recorded"]


def call_node_recorded(node, grads, capture=None):
    """``node``'s step of a recorded backward; ``grads`` are Tensors (or None)."""
    Tensor = function.Tensor
    if node._tensor_pre_hooks or node._retained or node._pre_hooks:
        grads = _pre_hooks(node, list(grads))
    if capture is not None:
        capture(node, grads)
        if not node.next_functions:
            return ()
    if all(g is None for g in grads):
        return (None,) * len(node.next_functions)
    if isinstance(node, AccumulateGrad):
        _accumulate(node, grads[0])
        return ()
    if len(grads) > 1:
        grads = [Tensor._wrap(np.zeros(s, d)) if g is None else g
                 for g, (s, d) in zip(grads, node._output_meta)]
    _check_inputs_unchanged(node)
    formula = getattr(node._function, "grad_graph", None)
    returned = NotImplemented if formula is None else formula(node, node._inputs, *grads)
    if returned is NotImplemented:  # no formula (for these arguments): first order only
        returned = _once_differentiable(node, grads)
    if not isinstance(returned, tuple):
        returned = (returned,)
    if len(returned) != len(node.next_functions):
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                           f"(expected {len(node.next_functions)}, got {len(returned)})")
    in_grads = []
    for (nxt, _), g, meta in zip(node.next_functions, returned, node._input_meta):
        if g is None or nxt is None:
            in_grads.append(None)
            continue
        if not isinstance(g, Tensor):
            g = Tensor._wrap(np.asarray(g))
        in_grads.append(sum_to(g, *meta))
    if node._post_hooks:
        in_grads = _post_hooks(node, in_grads, grads)
    return tuple(in_grads)


def sum_to(g, shape, dtype):
    """``g`` summed over the dims a forward broadcast (leading ones, and size-1 dims
    of ``shape``), in ``dtype``."""
    shape = tuple(shape)
    if tuple(g.shape) != shape:
        lead = g.dim() - len(shape)
        if lead > 0:
            g = g.sum(tuple(range(lead)))
        dims = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
        if dims:
            g = g.sum(dims, keepdim=True)
        if tuple(g.shape) != shape:
            raise RuntimeError(f"a recorded backward returned an invalid gradient - got "
                               f"{list(g.shape)} but expected shape compatible with "
                               f"{list(shape)}")
    if g._data.dtype != dtype:
        g = g.to(_dtype_of(dtype))
    return g


def _dtype_of(np_dtype):
    from .. import _dtype
    return _dtype.from_numpy_dtype(np_dtype)


def _check_inputs_unchanged(node):
    """The formulas read the arguments' current values: refuse, as a saved-tensor
    check would, when one was modified in place after the forward."""
    for a, version in zip(node._inputs, node._input_versions):
        if version is not None and a._version[0] != version:
            dims = ", ".join(str(n) for n in a.shape)
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [cynn.{a.__class__.__name__} [{dims}]], is at version "
                f"{a._version[0]}; expected version {version} instead. Hint: the operation "
                "that modified it must be done out of place (e.g. x = x * 2 instead of "
                "x.mul_(2)), or on a .clone().")


def _accumulate(node, g):
    """A recorded gradient becomes ``.grad`` with its graph (later ones are added out
    of place), as PyTorch's AccumulateGrad does under create_graph."""
    var = node.variable
    if g._data.dtype != var._data.dtype:
        g = g.to(var.dtype)
    with _accumulate_lock:
        var._grad = g if var._grad is None else var._grad + g
    if node._post_accumulate_hooks:
        for fn in list(node._post_accumulate_hooks.values()):
            fn(var)


def _pre_hooks(node, grads):
    Tensor = function.Tensor
    if node._tensor_pre_hooks:
        for nr, fns in node._tensor_pre_hooks.items():
            if grads[nr] is None:
                continue
            for fn in list(fns.values()):
                out = fn(grads[nr])
                if out is not None:
                    grads[nr] = out if isinstance(out, Tensor) else Tensor._wrap(np.asarray(out))
    if node._retained:
        for nr, ref in node._retained.items():
            tensor = ref()
            if tensor is not None and grads[nr] is not None:
                tensor._grad = grads[nr] if tensor._grad is None else tensor._grad + grads[nr]
    if node._pre_hooks:  # these hooks see arrays; what they return enters as constants
        for fn in list(node._pre_hooks.values()):
            out = fn(tuple(None if g is None else g._data for g in grads))
            if out is not None:
                grads = [None if o is None else o if isinstance(o, Tensor)
                         else Tensor._wrap(np.asarray(o)) for o in out]
    return grads


def _post_hooks(node, in_grads, grads):
    Tensor = function.Tensor
    for fn in list(node._post_hooks.values()):
        out = fn(tuple(None if g is None else g._data for g in in_grads),
                 tuple(None if g is None else g._data for g in grads))
        if out is not None:
            in_grads = [None if o is None else o if isinstance(o, Tensor)
                        else Tensor._wrap(np.asarray(o)) for o in out]
    return in_grads


def _once_differentiable(node, grads):
    """The op's numpy backward as a recorded node: right values, and a clear error
    if a later backward needs its derivative."""
    tensors = [a for a in node._inputs if isinstance(a, function.Tensor)]
    outs = OnceDifferentiable.apply(node, len(grads), *grads, *tensors)
    outs = iter(outs)
    positions = node._once_positions
    return tuple(next(outs) if has else None for has in positions)


class OnceDifferentiable(Function):
    """Runs ``node``'s numpy backward; its own backward raises (see module docstring)."""

    @staticmethod
    def forward(ctx, node, n_grads, *arrays):
        returned = node._function.backward(node, *arrays[:n_grads])
        if not isinstance(returned, tuple):
            returned = (returned,)
        node._once_positions = tuple(r is not None for r in returned)
        ctx.op_name = node.name()
        return tuple(np.asarray(r) for r in returned if r is not None)

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(
            f"cynn cannot differentiate the backward of {ctx.op_name} (a derivative of "
            "order 2 or more through this op): its gradient formula is not yet written in "
            "differentiable ops")

