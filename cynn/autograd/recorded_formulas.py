"""Ready-made ``grad_graph`` formulas (see ``graph_backward``) for two kinds of ops:

* ``grad_graph_via(composite)``: an op whose output a composite of differentiable
  Tensor ops recomputes (normalisations, losses): its gradient is taken through the
  composite with ``create_graph``.
* ``linear_grad_graph``: an op linear in its one Tensor argument (average pools,
  padding): its backward becomes ``LinearAdjoint``, whose own derivative is the op.
"""
import numpy as np

from . import function
from .api import grad
from .function import Function

__all__ = ["grad_graph_via", "LinearAdjoint", "linear_grad_graph"]


def grad_graph_via(composite):
    """A ``grad_graph`` from a composite: ``composite(ctx, *inputs)`` recomputes the op's
    output(s) with differentiable Tensor ops (as the forward computed them), and the
    gradient is taken through it with ``create_graph`` (a recompute, paid only by a
    recorded backward). For ops whose formula is long (normalisations, losses)."""

    def grad_graph(ctx, inputs, *grads):
        Tensor = function.Tensor
        wanted = [i for i, a in enumerate(inputs) if isinstance(a, Tensor) and
                  i < len(ctx.needs_input_grad) and ctx.needs_input_grad[i]]
        out = composite(ctx, *inputs)
        outs = out if isinstance(out, tuple) else (out,)
        pairs = [(o, g) for o, g in zip(outs, grads) if o.requires_grad]
        result = [None] * len(inputs)
        if not pairs or not wanted:
            return tuple(result)
        found = grad([o for o, _ in pairs], [inputs[i] for i in wanted],
                     [g for _, g in pairs], create_graph=True, allow_unused=True)
        for i, g in zip(wanted, found):
            result[i] = g
        return tuple(result)
    return grad_graph


class LinearAdjoint(Function):
    """The backward of an op that is linear in its one Tensor argument (average pools,
    padding by reflection, ...), as an op of its own: its forward is the op's numpy
    backward, and its derivative is the original op again (the adjoint of the adjoint),
    so every order of derivative is exact."""

    @staticmethod
    def forward(ctx, g, op_node):
        returned = op_node._function.backward(op_node, g)
        gx = returned[0] if isinstance(returned, tuple) else returned
        ctx.op = op_node._function
        ctx.op_args = op_node._inputs[1:]
        ctx.op_kwargs = dict(op_node._kwargs)
        return np.asarray(gx)

    @staticmethod
    def backward(ctx, u):
        from .function import FunctionCtx
        return ctx.op.forward(FunctionCtx(), u, *ctx.op_args, **ctx.op_kwargs), None

    @staticmethod
    def grad_graph(ctx, inputs, u):
        return ctx.op.apply(u, *ctx.op_args, **ctx.op_kwargs), None


def linear_grad_graph(ctx, inputs, g):
    """``grad_graph`` of an op linear in its first argument (the others constant)."""
    return (LinearAdjoint.apply(g, ctx),) + (None,) * (len(inputs) - 1)
