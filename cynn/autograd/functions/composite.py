"""One graph node for an op that cynn computes as a composite of differentiable Tensor
ops but torch records as a single node (``TriangularSolveBackward0``,
``LinalgLuSolveBackward0``...): the node carries torch's name, and its gradients are
those of the composite.

``named_composite(name).apply(fn, non_differentiable, *tensors)`` runs
``fn(*tensors)`` without recording; backward runs it again with recording and takes
the gradient through it (the recompute is paid only by a backward), and a recorded
backward (``create_graph``) does the same with ``create_graph``, so every order of
derivative is the composite's. ``non_differentiable`` lists output positions that
never carry a gradient (a permutation matrix), as torch marks them.
"""
import numpy as np

from .. import function
from ..api import grad
from ..function import Function
from ..grad_mode import enable_grad, no_grad
from ..recorded_formulas import grad_graph_via

__all__ = ["named_composite"]


def _outputs(out):
    return out if isinstance(out, tuple) else (out,)


class _Composite(Function):

    @staticmethod
    def forward(ctx, fn, non_differentiable, *arrays):
        wrap = function.Tensor._wrap
        with no_grad():
            out = fn(*[wrap(a) for a in arrays])
        results = tuple(np.asarray(o._data) for o in _outputs(out))
        ctx.save_for_backward(*arrays)
        ctx.fn = fn
        ctx.mark_non_differentiable(*[results[i] for i in non_differentiable])
        return results if isinstance(out, tuple) else results[0]

    @staticmethod
    def backward(ctx, *grads):
        arrays = ctx.saved_tensors
        needs = ctx.needs_input_grad[2:]
        wrap = function.Tensor._wrap
        with enable_grad():
            xs = [wrap(a).requires_grad_() if need else wrap(a)
                  for a, need in zip(arrays, needs)]
            outs = _outputs(ctx.fn(*xs))
        pairs = [(o, wrap(np.asarray(g, o._data.dtype))) for o, g in zip(outs, grads)
                 if g is not None and o.requires_grad]
        wanted = [x for x, need in zip(xs, needs) if need]
        found = iter(grad([o for o, _ in pairs], wanted, [g for _, g in pairs],
                          allow_unused=True) if pairs and wanted else [None] * len(wanted))
        result = []
        for a, need in zip(arrays, needs):
            g = next(found) if need else None
            result.append(None if not need else
                          np.zeros_like(a) if g is None else np.asarray(g._data))
        return (None, None, *result)


_composite_grad_graph = grad_graph_via(lambda ctx, fn, non_differentiable, *xs: fn(*xs))
_NAMED = {}


def named_composite(name):
    """The composite Function whose node is named ``name`` (one class per name)."""
    if name not in _NAMED:
        _NAMED[name] = type(name.replace("Backward0", ""), (_Composite,),
                            {"grad_fn_name": name,
                             "grad_graph": staticmethod(_composite_grad_graph),
                             "__module__": __name__})
    return _NAMED[name]
