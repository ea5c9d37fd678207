"""Ready-made ``grad_graph`` formulas (see ``graph_backward``) for two kinds of ops:

* ``grad_graph_via(composite)``: an op whose output a composite of differentiable
  Tensor ops recomputes (normalisations, losses): its gradient is taken through the
  composite with ``create_graph``.
* ``linear_grad_graph``: an op linear in its one Tensor argument (average pools,
  padding): its backward becomes ``LinearAdjoint``, whose own derivative is the op.

and one for ops whose backward torch itself does not differentiate (CTC loss,
embedding_bag): ``grad_graph_raising`` gives the exact first derivative from a node
whose own backward raises torch's error.
"""
import numpy as np

from . import function
from .api import grad
from .function import Function

__all__ = ["grad_graph_via", "LinearAdjoint", "linear_grad_graph", "grad_graph_raising",
           "DelayedError", "NotImplementedDerivative"]


def grad_graph_via(composite):
    """A ``grad_graph`` from a composite: ``composite(ctx, *inputs)`` recomputes the op's
    output(s) with differentiable Tensor ops (as the forward computed them), and the
    gradient is taken through it with ``create_graph`` (a recompute, paid only by a
    recorded backward). For ops whose formula is long (normalisations, losses)."""

    def grad_graph(ctx, inputs, *grads):
        Tensor = function.Tensor
        wanted = [i for i, a in enumerate(inputs) if isinstance(a, Tensor) and
                  i < len(ctx.needs_input_grad) and ctx.needs_input_grad[i]]
        # each wanted input enters the composite through an alias of its own, so that
        # the gradient found for it is the partial derivative: when one input is
        # computed from another (an LSTM's c0 from its h0, a loss's target from its
        # input), a gradient taken at the inputs themselves would also count the path
        # from one to the other, which the engine then adds once more
        args = list(inputs)
        for i in wanted:
            args[i] = _Alias.apply(inputs[i])
        out = composite(ctx, *args)
        outs = out if isinstance(out, tuple) else (out,)
        pairs = [(o, g) for o, g in zip(outs, grads) if o.requires_grad]
        result = [None] * len(inputs)
        if not pairs or not wanted:
            return tuple(result)
        found = grad([o for o, _ in pairs], [args[i] for i in wanted],
                     [g for _, g in pairs], create_graph=True, allow_unused=True)
        for i, g in zip(wanted, found):
            result[i] = g
        return tuple(result)
    return grad_graph


class _Alias(Function):
    """The identity as a node of its own (a view: it shares the input's version)."""
    output_is_view = True

    @staticmethod
    def forward(ctx, x):
        return x.view()

    @staticmethod
    def backward(ctx, g):
        return g

    @staticmethod
    def grad_graph(ctx, inputs, g):
        return g


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


class DelayedError(Function):
    """``value`` as it is, from a node whose backward raises ``error_type(message)``:
    a gradient that is right as a value but has no derivative (torch's ``Error``
    node). ``*edges`` are the Tensors it was computed from, so that a later backward
    reaches this node, and raises, exactly where it would differentiate through them."""
    grad_fn_name = "torch::autograd::Error"

    @staticmethod
    def forward(ctx, value, *edges, error_type, message):
        ctx.error = (error_type, message)
        return value

    @staticmethod
    def backward(ctx, *grads):
        error_type, message = ctx.error
        raise error_type(message)


class NotImplementedDerivative(DelayedError):
    """A ``DelayedError`` named as torch's node for a derivative it does not implement."""
    grad_fn_name = "torch::autograd::NotImplemented"


def grad_graph_raising(*errors):
    """A ``grad_graph`` for an op whose backward torch does not differentiate: the op's
    numpy backward gives the gradients, and input ``i``'s comes out of a node that
    raises when differentiated: ``errors[i]`` is ``(node Function, exception type,
    message)`` (a ``DelayedError`` subclass, named as torch's node), or None for an
    argument without a gradient. A derivative of order 2 thus fails where torch's
    does, with torch's exception and message."""

    def grad_graph(ctx, inputs, *grads):
        Tensor = function.Tensor
        returned = ctx._function.backward(ctx, *(g._data for g in grads))
        returned = returned if isinstance(returned, tuple) else (returned,)
        edges = [g for g in grads if g.requires_grad]
        edges += [a for a in inputs if isinstance(a, Tensor) and a.requires_grad]
        result = []
        for value, error in zip(returned, errors):
            if value is None or error is None:
                result.append(None)
                continue
            node, error_type, message = error
            result.append(node.apply(Tensor._wrap(np.asarray(value)), *edges,
                                     error_type=error_type, message=message))
        return tuple(result) + (None,) * (len(inputs) - len(result))
    return grad_graph
