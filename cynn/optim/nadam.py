"""NAdam (Adam with Nesterov momentum)."""
import numpy as np

from .._kernels import optim as _kernels
from .._tensor import Tensor
from . import _elementwise as ew
from .optimizer import _check_adam_args, _check_lr, _to_scalar

__all__ = ["NAdam", "nadam"]


class NAdam(ew.ElementwiseOptimizer):
    r"""NAdam, as ``torch.optim.NAdam``.

    For each parameter :math:`\theta` with gradient :math:`g` (negated if ``maximize``),
    at step :math:`t` (counted per parameter, from 1)::

        theta = theta * (1 - lr * weight_decay)      if decoupled_weight_decay
        g = g + weight_decay * theta                 otherwise, if weight_decay != 0
        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        P = P * mu_t                                 (the state "mu_product")
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        denom = sqrt(v / (1 - beta2 ** t)) + eps
        theta = theta - lr * (1 - mu_t) / (1 - P) * g / denom
        theta = theta - lr * mu_{t+1} / (1 - P * mu_{t+1}) * m / denom

    Args:
        params (iterable): tensors to optimize, or dicts defining parameter groups.
        lr (float or Tensor): learning rate (default: 2e-3).
        betas (tuple[float, float]): moment decay rates (default: (0.9, 0.999)).
        eps (float): added to the denominator for stability (default: 1e-8).
        weight_decay (float): weight decay (default: 0).
        momentum_decay (float): momentum decay ``psi`` (default: 4e-3).
        decoupled_weight_decay (bool): decay the weights directly, as AdamW does.
        foreach (bool, optional): ``False`` makes one kernel call per parameter;
            otherwise one fused multi-tensor call covers every parameter of a dtype.
        maximize (bool): maximize the objective instead of minimizing it.
        capturable (bool): must be False (CUDA graphs only).
        differentiable (bool): record the step in autograd (Tensor ops, slower).

    State (per parameter): ``"step"`` and ``"mu_product"`` (0-dim float tensors),
    ``"exp_avg"`` and ``"exp_avg_sq"``.

    Example::

        >>> optimizer = cynn.optim.NAdam(model.parameters(), lr=2e-3)
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        _check_adam_args(eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        ew.check_capturable(capturable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("decoupled_weight_decay", False)
            for p in group["params"]:
                p_state = self.state.get(p, {})
                if p_state and not isinstance(p_state.get("mu_product"), Tensor):
                    p_state["mu_product"] = ew.new_scalar(float(p_state["mu_product"]))

    def _init_state(self, group, p, state):
        state["step"] = ew.new_scalar(0.0)
        state["mu_product"] = ew.new_scalar(1.0)
        ew.add_zeros(state, p, self._state_names(group))

    @staticmethod
    def _state_names(group):
        return ["exp_avg", "exp_avg_sq"]

    @staticmethod
    def _scalars(group, states):
        lr = _to_scalar(group["lr"])
        beta1, beta2 = group["betas"]
        psi = group["momentum_decay"]
        out = np.zeros((len(states), 6))
        for i, s in enumerate(states):
            step = ew.bump(s["step"])
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
            # the product lives in a 0-dim tensor, so it is rounded to its dtype
            product = s["mu_product"]
            product._data *= mu
            product._version[0] += 1
            mu_product = float(product._data)
            mu_product_next = mu_product * mu_next
            out[i, 0] = -lr * (1.0 - mu) / (1.0 - mu_product)
            out[i, 1] = (-lr * mu_next) / (1.0 - mu_product_next)
            out[i, 2] = 1 - beta2 ** step
            out[i, 4] = (1.0 - mu) / (1.0 - mu_product)
            out[i, 5] = mu_next / (1.0 - mu_product_next)
        return out

    _kernel = ew.adam_moments_kernel(_kernels.nadam_update)

    @staticmethod
    def _math(group, p, g, state, scalars):
        beta1, beta2 = group["betas"]
        lr = group["lr"] if isinstance(p, Tensor) else _to_scalar(group["lr"])
        c_grad, c_avg = scalars[0], scalars[1]
        if isinstance(lr, Tensor):  # keep a learnable lr in the graph
            c_grad, c_avg = -lr * scalars[4], -lr * scalars[5]
        p, g = ew.maximize_and_decay(group, p, g, lr)
        exp_avg = ew.lerp(state["exp_avg"], g, 1 - beta1)
        exp_avg_sq = state["exp_avg_sq"] * beta2 + g * (1 - beta2) * g
        denom = ew.sqrt(exp_avg_sq / scalars[2]) + group["eps"]
        p = p + g / denom * c_grad
        p = p + exp_avg / denom * c_avg
        return p, {"exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}


def nadam(params, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps,
          decoupled_weight_decay=False, foreach=None, capturable=False, differentiable=False,
          has_complex=False, maximize=False, *, beta1, beta2, lr, weight_decay,
          momentum_decay, eps):
    """The NAdam update of ``params`` in place (functional form of ``NAdam.step``);
    ``mu_products`` and ``state_steps`` are 0-dim tensors updated in place."""
    ew.check_capturable(capturable)
    group = {"lr": lr, "betas": (beta1, beta2), "eps": eps, "weight_decay": weight_decay,
             "momentum_decay": momentum_decay,
             "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
             "foreach": foreach, "differentiable": differentiable}
    ew.functional_step(NAdam, group, params, grads,
                       {"step": state_steps, "mu_product": mu_products, "exp_avg": exp_avgs,
                        "exp_avg_sq": exp_avg_sqs})
