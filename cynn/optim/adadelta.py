"""Adadelta."""

from .._kernels import optim as _kernels
from .._tensor import Tensor
from . import _elementwise as ew
from .optimizer import _check_lr, _to_scalar

__all__ = ["Adadelta", "adadelta"]


class Adadelta(ew.ElementwiseOptimizer):
    r"""Adadelta, as ``torch.optim.Adadelta``.

    For each parameter :math:`\theta` with gradient :math:`g` (negated if ``maximize``)::

        g = g + weight_decay * theta                 if weight_decay != 0
        v = rho * v + (1 - rho) * g * g
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        theta = theta - lr * delta

    Args:
        params (iterable): tensors to optimize, or dicts defining parameter groups.
        lr (float or Tensor): scale of the delta (default: 1.0).
        rho (float): decay of the running averages, in [0, 1] (default: 0.9).
        eps (float): added inside both square roots (default: 1e-6).
        weight_decay (float): L2 penalty (default: 0).
        foreach (bool, optional): ``False`` makes one kernel call per parameter;
            otherwise one fused multi-tensor call covers every parameter of a dtype.
        capturable (bool): must be False (CUDA graphs only).
        maximize (bool): maximize the objective instead of minimizing it.
        differentiable (bool): record the step in autograd (Tensor ops, slower).

    State (per parameter): ``"step"`` (0-dim float tensor), ``"square_avg"`` (``v``)
    and ``"acc_delta"`` (``u``).

    Example::

        >>> optimizer = cynn.optim.Adadelta(model.parameters())
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        ew.check_capturable(capturable)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    @staticmethod
    def _state_names(group):
        return ["square_avg", "acc_delta"]

    @staticmethod
    def _kernel(group, thetas, grads, arrays, scalars, n_threads):
        _kernels.adadelta_update(thetas, grads, arrays["square_avg"], arrays["acc_delta"],
                                 _to_scalar(group["lr"]), group["rho"], group["eps"],
                                 group["weight_decay"], group["maximize"], n_threads)

    @staticmethod
    def _math(group, p, g, state, scalars):
        lr = group["lr"] if isinstance(p, Tensor) else _to_scalar(group["lr"])
        rho, eps = group["rho"], group["eps"]
        p, g = ew.maximize_and_decay(group, p, g)
        square_avg = state["square_avg"] * rho + g * (1 - rho) * g
        delta = ew.sqrt(state["acc_delta"] + eps) / ew.sqrt(square_avg + eps) * g
        acc_delta = state["acc_delta"] * rho + delta * (1 - rho) * delta
        return p - delta * lr, {"square_avg": square_avg, "acc_delta": acc_delta}


def adadelta(params, grads, square_avgs, acc_deltas, state_steps, capturable=False,
             foreach=None, differentiable=False, has_complex=False, *, lr, rho, eps,
             weight_decay, maximize):
    """The Adadelta update of ``params`` in place (functional form of ``Adadelta.step``)."""
    ew.check_capturable(capturable)
    group = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
             "maximize": maximize, "foreach": foreach, "differentiable": differentiable}
    ew.functional_step(Adadelta, group, params, grads,
                       {"step": state_steps, "square_avg": square_avgs,
                        "acc_delta": acc_deltas})
