"""RMSprop, optionally centered and with momentum."""
import numpy as np

from .._kernels import optim as _kernels
from .._tensor import Tensor
from . import _elementwise as ew
from .optimizer import _check_lr, _to_scalar

__all__ = ["RMSprop", "rmsprop"]


class RMSprop(ew.ElementwiseOptimizer):
    r"""RMSprop, as ``torch.optim.RMSprop``.

    For each parameter :math:`\theta` with gradient :math:`g` (negated if ``maximize``)::

        g = g + weight_decay * theta                 if weight_decay != 0
        v = alpha * v + (1 - alpha) * g * g
        avg = sqrt(v - g_avg ** 2) + eps, with g_avg = lerp(g_avg, g, 1 - alpha)
                                                    if centered
        avg = sqrt(v) + eps                          otherwise
        b = momentum * b + g / avg;  theta = theta - lr * b    if momentum > 0
        theta = theta - lr * g / avg                           otherwise

    Args:
        params (iterable): tensors to optimize, or dicts defining parameter groups.
        lr (float or Tensor): learning rate (default: 1e-2).
        alpha (float): smoothing constant of the square average (default: 0.99).
        eps (float): added to the denominator for stability (default: 1e-8).
        weight_decay (float): L2 penalty (default: 0).
        momentum (float): momentum factor (default: 0).
        centered (bool): normalise by an estimate of the gradient's variance.
        capturable (bool): must be False (CUDA graphs only).
        foreach (bool, optional): ``False`` makes one kernel call per parameter;
            otherwise one fused multi-tensor call covers every parameter of a dtype.
            Results are bitwise the same either way.
        maximize (bool): maximize the objective instead of minimizing it.
        differentiable (bool): record the step in autograd (Tensor ops, slower).

    State (per parameter): ``"step"`` (0-dim float tensor), ``"square_avg"``, plus
    ``"momentum_buffer"`` if ``momentum > 0`` and ``"grad_avg"`` if centered.

    Example::

        >>> optimizer = cynn.optim.RMSprop(model.parameters(), lr=0.01, momentum=0.9)
        >>> optimizer.zero_grad()
        >>> loss_fn(model(x), y).backward()
        >>> optimizer.step()
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        ew.check_capturable(capturable)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)

    def _init_state(self, group, p, state):
        state["step"] = ew.new_scalar(0.0)
        state["square_avg"] = Tensor._wrap(np.zeros_like(p._data))
        if group["momentum"] > 0:
            state["momentum_buffer"] = Tensor._wrap(np.zeros_like(p._data))
        if group["centered"]:
            state["grad_avg"] = Tensor._wrap(np.zeros_like(p._data))

    @staticmethod
    def _state_names(group):
        names = ["square_avg"]
        if group["centered"]:
            names.append("grad_avg")
        if group["momentum"] > 0:
            names.append("momentum_buffer")
        return names

    @staticmethod
    def _kernel(group, thetas, grads, arrays, scalars, n_threads):
        _kernels.rmsprop_update(thetas, grads, arrays["square_avg"], arrays.get("grad_avg"),
                                arrays.get("momentum_buffer"), _to_scalar(group["lr"]),
                                group["alpha"], group["eps"], group["weight_decay"],
                                group["momentum"], group["maximize"], n_threads)

    @staticmethod
    def _math(group, p, g, state, scalars):
        lr = group["lr"] if isinstance(p, Tensor) else _to_scalar(group["lr"])
        alpha, eps = group["alpha"], group["eps"]
        p, g = ew.maximize_and_decay(group, p, g)
        new = {"square_avg": state["square_avg"] * alpha + g * (1 - alpha) * g}
        if group["centered"]:
            new["grad_avg"] = ew.lerp(state["grad_avg"], g, 1 - alpha)
            avg = ew.sqrt(new["square_avg"] - new["grad_avg"] * new["grad_avg"])
        else:
            avg = ew.sqrt(new["square_avg"])
        avg = avg + eps
        if group["momentum"] > 0:
            new["momentum_buffer"] = state["momentum_buffer"] * group["momentum"] + g / avg
            return p - new["momentum_buffer"] * lr, new
        return p - g / avg * lr, new


def rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list, state_steps,
            foreach=None, maximize=False, differentiable=False, capturable=False,
            has_complex=False, *, lr, alpha, eps, weight_decay, momentum, centered):
    """The RMSprop update of ``params`` in place (functional form of ``RMSprop.step``).

    ``grad_avgs`` is read only if ``centered``, ``momentum_buffer_list`` only if
    ``momentum > 0``; ``state_steps`` are 0-dim counters, each incremented once.
    """
    ew.check_capturable(capturable)
    group = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
             "momentum": momentum, "centered": centered, "foreach": foreach,
             "maximize": maximize, "differentiable": differentiable}
    lists = {"step": state_steps, "square_avg": square_avgs}
    if centered:
        lists["grad_avg"] = grad_avgs
    if momentum > 0:
        lists["momentum_buffer"] = momentum_buffer_list
    ew.functional_step(RMSprop, group, params, grads, lists)
