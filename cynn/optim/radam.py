"""RAdam (Adam with a rectified variance estimate)."""
import numpy as np

from .._kernels import optim as _kernels
from .._tensor import Tensor
from . import _elementwise as ew
from .optimizer import _check_adam_args, _check_lr, _to_scalar

__all__ = ["RAdam", "radam"]


class RAdam(ew.ElementwiseOptimizer):
    r"""RAdam, as ``torch.optim.RAdam``.

    For each parameter :math:`\theta` with gradient :math:`g` (negated if ``maximize``),
    at step :math:`t` (counted per parameter, from 1)::

        theta = theta * (1 - lr * weight_decay)      if decoupled_weight_decay
        g = g + weight_decay * theta                 otherwise, if weight_decay != 0
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 t beta2 ** t / (1 - beta2 ** t)
        r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
        theta = theta - lr * m / (1 - beta1 ** t) * sqrt(1 - beta2 ** t)
                / (sqrt(v) + eps) * r                if rho_t > 5
        theta = theta - lr * m / (1 - beta1 ** t)    otherwise

    Args:
        params (iterable): tensors to optimize, or dicts defining parameter groups.
        lr (float or Tensor): learning rate (default: 1e-3).
        betas (tuple[float, float]): moment decay rates (default: (0.9, 0.999)).
        eps (float): added to the denominator for stability (default: 1e-8).
        weight_decay (float): weight decay (default: 0).
        decoupled_weight_decay (bool): decay the weights directly, as AdamW does.
        foreach (bool, optional): ``False`` makes one kernel call per parameter;
            otherwise one fused multi-tensor call covers every parameter of a dtype.
        maximize (bool): maximize the objective instead of minimizing it.
        capturable (bool): must be False (CUDA graphs only).
        differentiable (bool): record the step in autograd (Tensor ops, slower).

    State (per parameter): ``"step"`` (0-dim float tensor), ``"exp_avg"`` and
    ``"exp_avg_sq"``.

    Example::

        >>> optimizer = cynn.optim.RAdam(model.parameters())
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_lr(lr)
        _check_adam_args(eps, betas, weight_decay)
        ew.check_capturable(capturable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("decoupled_weight_decay", False)

    @staticmethod
    def _state_names(group):
        return ["exp_avg", "exp_avg_sq"]

    @staticmethod
    def _scalars(group, states):
        beta1, beta2 = group["betas"]
        rho_inf = 2 / (1 - beta2) - 1
        out = np.zeros((len(states), 4))
        for i, s in enumerate(states):
            step = ew.bump(s["step"])
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
            out[i, 0] = bias_correction1
            out[i, 1] = bias_correction2 ** 0.5
            if rho_t > 5.0:
                out[i, 2] = ((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        return out

    _kernel = ew.adam_moments_kernel(_kernels.radam_update)

    @staticmethod
    def _math(group, p, g, state, scalars):
        beta1, beta2 = group["betas"]
        lr = group["lr"] if isinstance(p, Tensor) else _to_scalar(group["lr"])
        p, g = ew.maximize_and_decay(group, p, g, lr)
        exp_avg = ew.lerp(state["exp_avg"], g, 1 - beta1)
        exp_avg_sq = state["exp_avg_sq"] * beta2 + g * (1 - beta2) * g
        corrected = exp_avg / scalars[0]
        if scalars[2] != 0:
            # torch computes scalar / tensor as reciprocal(tensor) * scalar
            adaptive = ew.reciprocal(ew.sqrt(exp_avg_sq) + group["eps"]) * scalars[1]
            p = p - corrected * lr * adaptive * scalars[2]
        else:
            p = p - corrected * lr
        return p, {"exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}


def radam(params, grads, exp_avgs, exp_avg_sqs, state_steps, decoupled_weight_decay=False,
          foreach=None, differentiable=False, capturable=False, has_complex=False,
          maximize=False, *, beta1, beta2, lr, weight_decay, eps):
    """The RAdam update of ``params`` in place (functional form of ``RAdam.step``)."""
    ew.check_capturable(capturable)
    group = {"lr": lr, "betas": (beta1, beta2), "eps": eps, "weight_decay": weight_decay,
             "maximize": maximize, "foreach": foreach,
             "decoupled_weight_decay": decoupled_weight_decay,
             "differentiable": differentiable}
    ew.functional_step(RAdam, group, params, grads,
                       {"step": state_steps, "exp_avg": exp_avgs, "exp_avg_sq": exp_avg_sqs})
