"""Adafactor: Adam-like steps with a factored (row x column) second moment."""

import numpy as np

from .._tensor import Tensor
from . import _elementwise as ew
from .optimizer import Optimizer, _to_scalar

__all__ = ["Adafactor", "adafactor"]


def _lerp_(start, end, weight):
    """``start`` moved towards ``end`` in place, with torch's two-sided lerp formula."""
    w = start.dtype.type(weight)
    if abs(w) < 0.5:
        start += (end - start) * w
    else:
        np.subtract(end, (end - start) * (1 - w), out=start)


def _squared_norm_mean(g, axis):
    """``(g * g).mean(axis)`` as torch computes it: a norm, squared, divided."""
    return np.square(np.linalg.norm(g, axis=axis, keepdims=True)) / g.shape[axis]


class Adafactor(Optimizer):
    r"""Adafactor, as ``torch.optim.Adafactor`` (Shazeer & Stern, 2018, with torch's
    choices: no first moment, relative step size, update clipping).

    For each parameter :math:`\theta` with gradient :math:`G` (negated if ``maximize``),
    at step :math:`t` (counted per parameter, from 1)::

        beta2_hat = 1 - t ** beta2_decay
        rho = min(lr, 1 / sqrt(t));  alpha = max(eps2, RMS(theta)) * rho
        theta = theta * (1 - lr * weight_decay)
        R = lerp(R, mean(G * G, over the last dim), 1 - beta2_hat)    (matrices:
        C = lerp(C, mean(G * G, over the 2nd-last dim), 1 - beta2_hat)  factored)
        V = R @ C / max(mean(R), eps1)       (vectors: V = lerp(V, G * G, 1 - beta2_hat))
        U = G / sqrt(max(V, eps1 ** 2))
        theta = theta - alpha / max(1, RMS(U) / d) * U

    The update needs row and column reductions and an outer product, so it runs as
    numpy array operations rather than an elementwise kernel.

    Args:
        params (iterable): tensors to optimize, or dicts defining parameter groups.
        lr (float or Tensor): upper bound of the relative step size (default: 1e-2).
        beta2_decay (float): decay exponent of the second moment, <= 0 (default: -0.8).
        eps (tuple[float or None, float]): ``(eps1, eps2)``: floor of the variance
            estimate (None: the dtype's machine epsilon) and of the parameter RMS
            (default: (None, 1e-3)).
        d (float): clipping threshold of the update's RMS, >= 1 (default: 1.0).
        weight_decay (float): decoupled weight decay (default: 0.0).
        foreach (bool, optional): accepted for torch compatibility; the update is the
            same either way.
        maximize (bool): maximize the objective instead of minimizing it.

    State (per parameter): ``"step"`` (0-dim float tensor), and ``"row_var"`` and
    ``"col_var"`` for a parameter of two or more dimensions, ``"variance"`` otherwise.

    Example::

        >>> optimizer = cynn.optim.Adafactor(model.parameters(), lr=1e-2)
    """

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
                 weight_decay=0.0, *, foreach=None, maximize=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            for p in group["params"]:
                p_state = self.state.get(p, {})
                if p_state and not isinstance(p_state["step"], Tensor):
                    p_state["step"] = ew.new_scalar(float(p_state["step"]))

    def step(self, closure=None):
        """Perform one optimization step.

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss.

        Returns:
            The closure's loss, or None.
        """
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            eps1, eps2 = group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                if getattr(p.grad, "is_sparse", False):
                    raise RuntimeError("Adafactor does not support sparse gradients")
                state = self.state[p]
                grad = p.grad._data
                if len(state) == 0:
                    state["step"] = ew.new_scalar(0.0)
                    if grad.ndim > 1:
                        state["row_var"] = Tensor._wrap(
                            np.zeros(grad.shape[:-1] + (1,), dtype=grad.dtype))
                        state["col_var"] = Tensor._wrap(
                            np.zeros(grad.shape[:-2] + (1, grad.shape[-1]), dtype=grad.dtype))
                    else:
                        state["variance"] = Tensor._wrap(np.zeros_like(grad))
                if eps1 is None:
                    # as torch: the first parameter's dtype sets eps1 for the whole group
                    eps1 = float(np.finfo(p._data.dtype).eps)
                self._update(p, grad, state, lr, eps1, eps2, group)
        return loss

    @staticmethod
    def _update(p, grad, state, lr, eps1, eps2, group):
        theta = p._data
        if group["maximize"]:
            grad = -grad
        step = ew.bump(state["step"])
        one_minus_beta2_t = step ** group["beta2_decay"]
        rho_t = min(lr, 1 / (step ** 0.5))
        alpha = max(eps2, float(np.linalg.norm(theta.reshape(-1))) / (theta.size ** 0.5)) * rho_t
        if group["weight_decay"] != 0:
            theta *= theta.dtype.type(1 - lr * group["weight_decay"])

        if grad.ndim > 1:
            row_var, col_var = state["row_var"]._data, state["col_var"]._data
            _lerp_(row_var, _squared_norm_mean(grad, -1), one_minus_beta2_t)
            _lerp_(col_var, _squared_norm_mean(grad, -2), one_minus_beta2_t)
            var_estimate = row_var @ col_var
            var_estimate /= np.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
            state["row_var"]._version[0] += 1
            state["col_var"]._version[0] += 1
        else:
            variance = state["variance"]._data
            _lerp_(variance, grad * grad, one_minus_beta2_t)
            state["variance"]._version[0] += 1
            var_estimate = variance.copy()

        # in place from here on: var_estimate becomes the update, one temporary in all.
        # eps1 is squared because the update takes the square root.
        update = var_estimate
        np.maximum(update, theta.dtype.type(eps1 * eps1), out=update)
        np.sqrt(update, out=update)
        np.reciprocal(update, out=update)
        update *= grad
        flat = update.reshape(-1)
        denom = max(1.0, float(np.sqrt(flat.dot(flat))) / ((update.size ** 0.5) * group["d"]))
        update *= theta.dtype.type(-alpha / denom)
        theta += update
        p._version[0] += 1


def adafactor(params, grads, row_vars, col_vars, variances, state_steps, foreach=None,
              grad_scale=None, found_inf=None, has_complex=False, *, d, lr, beta2_decay,
              weight_decay, eps1, eps2, maximize):
    """The Adafactor update of ``params`` in place (functional form of
    ``Adafactor.step``): ``row_vars[i]`` and ``col_vars[i]`` are used for a parameter
    of two or more dimensions, ``variances[i]`` otherwise (the others may be None)."""
    ew.check_no_amp(grad_scale, found_inf)
    lr = _to_scalar(lr)
    group = {"beta2_decay": beta2_decay, "d": d, "weight_decay": weight_decay,
             "maximize": maximize}
    for i, p in enumerate(params):
        if eps1 is None:
            eps1 = float(np.finfo(p._data.dtype).eps)
        state = {"step": state_steps[i]}
        if grads[i].dim() > 1:
            state["row_var"], state["col_var"] = row_vars[i], col_vars[i]
        else:
            state["variance"] = variances[i]
        Adafactor._update(p, grads[i]._data, state, lr, eps1, eps2, group)
