"""Adamax (Adam with the infinity norm)."""
import numpy as np

from .._kernels import optim as _kernels
from .._tensor import Tensor
from . import _elementwise as ew
from .optimizer import _check_adam_args, _check_lr, _to_scalar

__all__ = ["Adamax", "adamax"]


class Adamax(ew.ElementwiseOptimizer):
    r"""Adamax, as ``torch.optim.Adamax``.

    For each parameter :math:`\theta` with gradient :math:`g` (negated if ``maximize``),
    at step :math:`t` (counted per parameter, from 1)::

        g = g + weight_decay * theta                 if weight_decay != 0
        m = lerp(m, g, 1 - beta1)
        u = max(beta2 * u, |g| + eps)
        theta = theta - lr / (1 - beta1 ** t) * m / u

    Args:
        params (iterable): tensors to optimize, or dicts defining parameter groups.
        lr (float or Tensor): learning rate (default: 2e-3).
        betas (tuple[float, float]): decay of the first moment and of the infinity
            norm (default: (0.9, 0.999)).
        eps (float): added to ``|g|`` for stability (default: 1e-8).
        weight_decay (float): L2 penalty (default: 0).
        foreach (bool, optional): ``False`` makes one kernel call per parameter;
            otherwise one fused multi-tensor call covers every parameter of a dtype.
        maximize (bool): maximize the objective instead of minimizing it.
        differentiable (bool): record the step in autograd (Tensor ops, slower).
        capturable (bool): must be False (CUDA graphs only).

    State (per parameter): ``"step"`` (0-dim float tensor), ``"exp_avg"`` (``m``)
    and ``"exp_inf"`` (``u``).

    Example::

        >>> optimizer = cynn.optim.Adamax(model.parameters())
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_adam_args(eps, betas, weight_decay)
        ew.check_capturable(capturable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    @staticmethod
    def _state_names(group):
        return ["exp_avg", "exp_inf"]

    @staticmethod
    def _scalars(group, states):
        lr, beta1 = _to_scalar(group["lr"]), group["betas"][0]
        out = np.zeros((len(states), 4))
        for i, s in enumerate(states):
            step = ew.bump(s["step"])
            out[i, 1] = 1 - beta1 ** step
            out[i, 0] = lr / out[i, 1]
        return out

    @staticmethod
    def _kernel(group, thetas, grads, arrays, scalars, n_threads):
        beta1, beta2 = group["betas"]
        _kernels.adamax_update(thetas, grads, arrays["exp_avg"], arrays["exp_inf"],
                               np.ascontiguousarray(scalars[:, 0]), beta1, beta2,
                               group["eps"], group["weight_decay"], group["maximize"],
                               n_threads)

    @staticmethod
    def _math(group, p, g, state, scalars):
        beta1, beta2 = group["betas"]
        clr = scalars[0]
        if isinstance(p, Tensor) and isinstance(group["lr"], Tensor):
            clr = group["lr"] / scalars[1]  # keeps a learnable lr in the graph
        p, g = ew.maximize_and_decay(group, p, g)
        exp_avg = ew.lerp(state["exp_avg"], g, 1 - beta1)
        exp_inf = ew.maximum(state["exp_inf"] * beta2, ew.absolute(g) + group["eps"])
        return p - exp_avg / exp_inf * clr, {"exp_avg": exp_avg, "exp_inf": exp_inf}


def adamax(params, grads, exp_avgs, exp_infs, state_steps, foreach=None, maximize=False,
           differentiable=False, capturable=False, has_complex=False, *, eps, beta1, beta2,
           lr, weight_decay):
    """The Adamax update of ``params`` in place (functional form of ``Adamax.step``)."""
    ew.check_capturable(capturable)
    group = {"lr": lr, "betas": (beta1, beta2), "eps": eps, "weight_decay": weight_decay,
             "foreach": foreach, "maximize": maximize, "differentiable": differentiable}
    ew.functional_step(Adamax, group, params, grads,
                       {"step": state_steps, "exp_avg": exp_avgs, "exp_inf": exp_infs})
