"""``cynn.autograd.functional``: Jacobians, Hessians and their products with vectors,
as ``torch.autograd.functional``, built on ``grad`` (with ``create_graph`` where a
second derivative is needed).

``func`` takes Tensors and returns a Tensor or a tuple of them; ``inputs`` is a Tensor
or a tuple. Results mirror the structure of the arguments, as torch returns them.
"""
import numpy as np

from . import function
from .api import grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _tuple(x):
    return (tuple(x), True) if isinstance(x, (tuple, list)) else ((x,), False)


def _prepare(inputs, create_graph):
    """Inputs that require grad: detached copies (so the caller's graph is untouched)
    unless ``create_graph`` asks to differentiate through them."""
    out = []
    for x in inputs:
        if not isinstance(x, function.Tensor):
            raise TypeError(f"The inputs given to the function must be Tensors, got "
                            f"{type(x).__name__}")
        out.append(x if create_graph and x.requires_grad else x.detach().requires_grad_())
    return tuple(out)


def _grads(outputs, inputs, grad_outputs, create_graph, strict, what):
    grads = grad(outputs, inputs, grad_outputs, retain_graph=True, create_graph=create_graph,
                 allow_unused=True)
    result = []
    for i, (g, x) in enumerate(zip(grads, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"The output of the user-provided function is independent "
                                   f"of input {i}. This is not allowed in strict mode.")
            g = function.Tensor._wrap(np.zeros(x._data.shape, x._data.dtype))
        result.append(g if create_graph else g.detach())
    return tuple(result)


def _ones_like_checked(outputs, v, what):
    if v is None:
        for o in outputs:
            if o.numel() != 1:
                raise RuntimeError(f"The vector v can only be None if the user-provided function "
                                   f"returns a single Tensor with a single element.")
        return [function.Tensor._wrap(np.ones(o._data.shape, o._data.dtype)) for o in outputs]
    vs, _ = _tuple(v)
    if len(vs) != len(outputs):
        raise RuntimeError(f"v has invalid size: should be {len(outputs)} but got {len(vs)}.")
    return list(vs)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``."""
    xs, tuple_in = _tuple(inputs)
    with enable_grad():
        xs = _prepare(xs, create_graph)
        out = func(*xs)
        outs, tuple_out = _tuple(out)
        vs = _ones_like_checked(outs, v, "vjp")
        grads = _grads(list(outs), list(xs), vs, create_graph, strict, "vjp")
    out = out if create_graph else (tuple(o.detach() for o in outs) if tuple_out
                                    else outs[0].detach())
    return out, grads if tuple_in else grads[0]


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product, by the double-vjp trick
    (the vjp is linear in its vector ``u``; differentiating ``u -> J^T u`` against
    ``v`` gives ``J v``)."""
    xs, tuple_in = _tuple(inputs)
    if v is None:
        if len(xs) != 1 or xs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the "
                               "user-provided function is a single Tensor with a single element.")
        vs = (function.Tensor._wrap(np.ones(xs[0]._data.shape, xs[0]._data.dtype)),)
    else:
        vs, _ = _tuple(v)
    with enable_grad():
        xs = _prepare(xs, create_graph)
        out = func(*xs)
        outs, tuple_out = _tuple(out)
        us = [function.Tensor._wrap(np.zeros(o._data.shape, o._data.dtype)).requires_grad_()
              for o in outs]
        grads = grad(list(outs), list(xs), us, create_graph=True, allow_unused=True)
        pairs = [(g, vv) for g, vv in zip(grads, vs) if g is not None]
        if not pairs:
            jv = tuple(function.Tensor._wrap(np.zeros(o._data.shape, o._data.dtype))
                       for o in outs)
        else:
            jv = grad([g for g, _ in pairs], us, [vv for _, vv in pairs],
                      create_graph=create_graph, allow_unused=True)
            jv = tuple(function.Tensor._wrap(np.zeros(o._data.shape, o._data.dtype))
                       if j is None else (j if create_graph else j.detach())
                       for j, o in zip(jv, outs))
    out = out if create_graph else (tuple(o.detach() for o in outs) if tuple_out
                                    else outs[0].detach())
    return out, jv if tuple_out else jv[0]


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for one input and one output a Tensor of
    shape ``output.shape + input.shape``; tuples of them otherwise (outputs outer)."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                         f'Hint: If your function has more outputs than inputs, "forward-mode" '
                         f'tends to be more performant. Otherwise, prefer to use "reverse-mode".')
    xs, tuple_in = _tuple(inputs)
    with enable_grad():
        xs = _prepare(xs, create_graph)
        out = func(*xs)
        outs, tuple_out = _tuple(out)
        rows = []
        for o in outs:
            per_input = [[] for _ in xs]
            flat_n = o.numel()
            for k in range(flat_n):
                v = np.zeros(flat_n, o._data.dtype)
                v[k] = 1
                grads = _grads([o], list(xs), [function.Tensor._wrap(v.reshape(o.shape))],
                               create_graph, strict, "jacobian")
                for j, g in enumerate(grads):
                    per_input[j].append(g)
            from .functions.shape import Stack
            blocks = []
            for j, x in enumerate(xs):
                if per_input[j]:
                    block = Stack.apply(0, *per_input[j]).reshape(*o.shape, *x.shape)
                else:
                    block = function.Tensor._wrap(np.zeros(tuple(o.shape) + tuple(x.shape),
                                                           x._data.dtype))
                blocks.append(block)
            rows.append(tuple(blocks) if tuple_in else blocks[0])
    return tuple(rows) if tuple_out else rows[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of the scalar ``func`` at ``inputs`` (shape ``input.shape * 2`` for
    one input; a tuple of tuples for several)."""
    xs, tuple_in = _tuple(inputs)

    def gradient(*args):
        out = func(*args)
        if not isinstance(out, function.Tensor) or out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor "
                               "with a single element.")
        grads = grad(out, list(args), create_graph=True, allow_unused=True)
        return tuple(function.Tensor._wrap(np.zeros(a._data.shape, a._data.dtype))
                     if g is None else g for g, a in zip(grads, args))

    result = jacobian(gradient, xs, create_graph=create_graph, strict=strict)
    return result if tuple_in else result[0][0] if isinstance(result[0], tuple) else result[0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for the scalar ``func``."""
    xs, tuple_in = _tuple(inputs)
    with enable_grad():
        xs = _prepare(xs, True)
        out = func(*xs)
        if not isinstance(out, function.Tensor) or out.numel() != 1:
            raise RuntimeError("The function given to hvp should return a single Tensor with a "
                               "single element.")
        grads = grad(out, list(xs), create_graph=True, allow_unused=True)
        vs = list(_tuple(v)[0]) if v is not None else None
        if vs is None:
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        pairs = [(g, vv, x) for g, vv, x in zip(grads, vs, xs)]
        used = [(g, vv) for g, vv, _ in pairs if g is not None]
        result = _grads([g for g, _ in used], list(xs), [vv for _, vv in used], create_graph,
                        strict, "hvp") if used else tuple(
            function.Tensor._wrap(np.zeros(x._data.shape, x._data.dtype)) for x in xs)
    out = out if create_graph else out.detach()
    return out, result if tuple_in else result[0]


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for the scalar ``func`` (equal to ``vhp``: the Hessian of
    a twice-differentiable function is symmetric)."""
    return vhp(func, inputs, v, create_graph, strict)
