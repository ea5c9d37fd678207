"""``gradcheck``: backward of an op against float64 central differences.

The tensor class comes through ``function.Tensor`` rather than ``cynn._tensor``: the
``cynn.autograd`` package imports this module and ``cynn._tensor`` imports the package.
"""
import numpy as np

from .. import _warnings
from . import function
from .api import grad as autograd_grad
from .grad_mode import enable_grad, no_grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """The analytical and numerical Jacobians disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn, inputs):
    out = _as_tuple(fn(*inputs))
    return [o for o in out if isinstance(o, function.Tensor) and o._data.dtype.kind == "f"]


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              n_projections=3, seed=0):
    """Check ``func``'s gradients against central finite differences.

    For every differentiable input the full numerical Jacobian is built from
    ``(f(x + eps) - f(x - eps)) / 2 eps`` per element; the analytical side is the
    vector-Jacobian product ``v^T J`` from backward for ``n_projections`` random
    ``v`` (plus one ``v`` per output of size one), compared with ``v^T J_numeric``.
    Use float64 inputs: float32 differences are too coarse for these tolerances.
    Returns True, or raises ``GradcheckError`` (returns False with
    ``raise_exception=False``).
    """
    inputs = _as_tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, function.Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for i in diff:
        if inputs[i].dtype.name != "float64":
            _warnings.warn(f"gradcheck: input {i} is {inputs[i].dtype}, not float64; "
                           "the check will likely fail on precision")
    outputs = _outputs(func, inputs)
    if not outputs:
        raise ValueError("gradcheck: the function returned no floating-point tensor")

    # Numerical Jacobian: one row per input element, columns = all outputs flattened.
    numeric = []
    with no_grad():
        for i in diff:
            x = inputs[i]._data
            flat = x.reshape(-1)
            if not np.shares_memory(flat, x):
                raise ValueError("gradcheck needs contiguous input tensors")
            rows = np.zeros((flat.size, sum(o.numel() for o in outputs)))
            for k in range(flat.size):
                orig = flat[k]
                flat[k] = orig + eps
                plus = np.concatenate([o._data.reshape(-1) for o in _outputs(func, inputs)])
                flat[k] = orig - eps
                minus = np.concatenate([o._data.reshape(-1) for o in _outputs(func, inputs)])
                flat[k] = orig
                rows[k] = (plus - minus) / (2 * eps)
            numeric.append(rows)

    rng = np.random.default_rng(seed)
    n_out = sum(o.numel() for o in outputs)
    projections = [rng.standard_normal(n_out) for _ in range(n_projections)]
    if n_out == 1:
        projections = [np.ones(1)]
    for v in projections:
        grad_outputs, start = [], 0
        for o in outputs:
            n = o.numel()
            grad_outputs.append(function.Tensor._wrap(v[start:start + n].reshape(o.shape)
                                                     .astype(o._data.dtype)))
            start += n
        outs = _outputs(func, inputs)
        analytic = autograd_grad(outs, [inputs[i] for i in diff], grad_outputs,
                                 allow_unused=True)
        for j, i in enumerate(diff):
            expected = v @ numeric[j].T
            got = (np.zeros_like(expected) if analytic[j] is None
                   else analytic[j]._data.reshape(-1).astype(np.float64))
            if not np.allclose(got, expected, rtol=rtol, atol=atol):
                worst = int(np.argmax(np.abs(got - expected)))
                message = (f"Jacobian mismatch for output 0 with respect to input {i},\n"
                           f"numerical v^T J: {expected}\nanalytical v^T J: {got}\n"
                           f"largest difference at element {worst}: "
                           f"{expected[worst]} vs {got[worst]}")
                if raise_exception:
                    raise GradcheckError(message)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, n_projections=3, seed=0):
    """Check second derivatives: ``gradcheck`` of the function that maps the inputs
    (and the output gradients, random float64 ones by default) to ``func``'s input
    gradients computed with ``create_graph=True``."""
    inputs = _as_tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, function.Tensor) and x.requires_grad]
    outputs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        grad_outputs = [function.Tensor._wrap(rng.standard_normal(o.shape).astype(o._data.dtype))
                        .requires_grad_() for o in outputs]
    grad_outputs = list(_as_tuple(grad_outputs))
    n_in = len(inputs)

    def first_derivatives(*args):
        xs, gs = args[:n_in], args[n_in:]
        with enable_grad():  # also while gradcheck perturbs the inputs under no_grad
            outs = _outputs(func, xs)
            grads = autograd_grad(outs, [xs[i] for i in diff], list(gs), create_graph=True,
                                  allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, n_projections=n_projections,
                     seed=seed)
