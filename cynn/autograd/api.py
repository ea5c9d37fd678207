"""``backward`` and ``grad``: the two ways in to the engine.

Below the ``cynn.autograd`` package and ``gradcheck``, and importing nothing above
``function``: ``cynn._tensor`` imports this module for ``Tensor.backward``, so the tensor
class is reached through ``function.Tensor``, which ``cynn._tensor`` sets once defined.
"""
import numpy as np

from . import function
from .engine import run_backward

__all__ = ["backward", "grad"]


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _root_grads(outputs, grad_outputs):
    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs is not None and i < len(grad_outputs) else None
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = np.ones(out._data.shape, out._data.dtype)
        else:
            g = g._data if isinstance(g, function.Tensor) else np.asarray(g, out._data.dtype)
            if g.dtype != out._data.dtype:
                # as PyTorch: the gradient flowing back has the output's dtype, which
                # is what hooks and the accumulated .grad then see
                g = g.astype(out._data.dtype)
            if g.shape != out._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{tuple(g.shape)} and output[{i}] has a shape of "
                                   f"{tuple(out._data.shape)}.")
        grads.append(g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of graph leaves."""
    if create_graph:
        raise NotImplementedError("cynn does not support create_graph (higher-order gradients)")
    outputs = _as_list(tensors)
    grads = _root_grads(outputs, _as_list(grad_tensors) if grad_tensors is not None else None)
    if inputs is not None:
        raise NotImplementedError("backward(inputs=...) is not supported; use autograd.grad")
    run_backward([o._gradient_edge() for o in outputs], grads, retain_graph=bool(retain_graph))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """d(outputs)/d(inputs) as a tuple of tensors, without touching any ``.grad``."""
    if create_graph:
        raise NotImplementedError("cynn does not support create_graph (higher-order gradients)")
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _root_grads(outputs, _as_list(grad_outputs) if grad_outputs is not None else None)
    captured = run_backward([o._gradient_edge() for o in outputs], grads,
                            retain_graph=bool(retain_graph),
                            capture=[t._gradient_edge() for t in inputs])
    result = []
    for i, (t, g) in enumerate(zip(inputs, captured)):
        if g is None:
            if materialize_grads:
                g = np.zeros(t._data.shape, t._data.dtype)
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is "
                                   "the desired behavior.")
        result.append(None if g is None else function.Tensor._wrap(np.array(g, copy=True)))
    return tuple(result)
