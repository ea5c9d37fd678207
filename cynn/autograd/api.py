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


def _as_tensor_grads(outputs, grads, grad_outputs):
    """Root gradients as Tensors for a recorded backward: a given Tensor stays itself
    (it may require grad: Hessian-vector products differentiate through it)."""
    Tensor = function.Tensor
    result = []
    for i, g in enumerate(grads):
        given = grad_outputs[i] if grad_outputs is not None and i < len(grad_outputs) else None
        if isinstance(given, Tensor) and given._data.dtype == g.dtype and \
                given._data.shape == g.shape:
            result.append(given)
        else:
            result.append(Tensor._wrap(g))
    return result


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of graph leaves (only
    into ``inputs``' when given). ``create_graph`` records the backward, so that the
    ``.grad``s can be differentiated again; it implies ``retain_graph``."""
    outputs = _as_list(tensors)
    given = _as_list(grad_tensors) if grad_tensors is not None else None
    grads = _root_grads(outputs, given)
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph:
        grads = _as_tensor_grads(outputs, grads, given)
    roots = [o._gradient_edge() for o in outputs]
    if inputs is None:
        run_backward(roots, grads, retain_graph=bool(retain_graph), create_graph=create_graph)
        return
    targets = _as_list(inputs)
    if not targets:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    for t in targets:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    captured = run_backward(roots, grads, retain_graph=bool(retain_graph),
                            capture=[t._gradient_edge() for t in targets],
                            create_graph=create_graph)
    for t, g in zip(targets, captured):
        if g is None:
            continue
        g = g if create_graph else function.Tensor._wrap(np.array(g, copy=True))
        if g._data.dtype != t._data.dtype:
            g = g.to(t.dtype)
        t._grad = g if t._grad is None else (t._grad + g if create_graph else
                                             _add_into(t._grad, g))


def _add_into(existing, g):
    np.add(existing._data, g._data, out=existing._data, casting="unsafe")
    existing._version[0] += 1
    return existing


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False, is_grads_batched=False):
    """d(outputs)/d(inputs) as a tuple of tensors, without touching any ``.grad``.
    With ``create_graph`` the result is itself differentiable (double backward)."""
    if is_grads_batched:
        raise NotImplementedError("grad(is_grads_batched=True) needs vmap, which cynn lacks")
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    given = _as_list(grad_outputs) if grad_outputs is not None else None
    grads = _root_grads(outputs, given)
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph:
        grads = _as_tensor_grads(outputs, grads, given)
    captured = run_backward([o._gradient_edge() for o in outputs], grads,
                            retain_graph=bool(retain_graph),
                            capture=[t._gradient_edge() for t in inputs],
                            create_graph=create_graph)
    result = []
    for i, (t, g) in enumerate(zip(inputs, captured)):
        if g is None:
            if materialize_grads:
                g = np.zeros(t._data.shape, t._data.dtype)
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is "
                                   "the desired behavior.")
        if g is None:
            result.append(None)
        elif isinstance(g, function.Tensor):
            result.append(g)
        else:
            result.append(function.Tensor._wrap(np.array(g, copy=True)))
    return tuple(result)
