"""Averaged stochastic gradient descent."""
import numpy as np

from .._kernels import optim as _kernels
from .._tensor import Tensor
from . import _elementwise as ew
from .optimizer import _check_lr, _to_scalar

__all__ = ["ASGD", "asgd"]


class ASGD(ew.ElementwiseOptimizer):
    r"""Averaged SGD, as ``torch.optim.ASGD``.

    For each parameter :math:`\theta` with gradient :math:`g` (negated if ``maximize``),
    at step :math:`t` (counted per parameter, from 1), with the state's ``eta`` and
    ``mu`` from the previous step::

        g = g + weight_decay * theta                 if weight_decay != 0
        theta = theta * (1 - lambd * eta) - eta * g
        ax = ax + mu * (theta - ax)                  (ax = theta while mu == 1)
        eta = lr / (1 + lambd * lr * t) ** alpha;  mu = 1 / max(1, t - t0)

    Args:
        params (iterable): tensors to optimize, or dicts defining parameter groups.
        lr (float or Tensor): learning rate (default: 1e-2).
        lambd (float): decay term (default: 1e-4).
        alpha (float): power of the eta update (default: 0.75).
        t0 (float): step from which averaging starts (default: 1e6).
        weight_decay (float): L2 penalty (default: 0).
        foreach (bool, optional): ``False`` makes one kernel call per parameter;
            otherwise one fused multi-tensor call covers every parameter of a dtype.
        maximize (bool): maximize the objective instead of minimizing it.
        differentiable (bool): record the step in autograd (Tensor ops, slower).
        capturable (bool): must be False (CUDA graphs only).

    State (per parameter): ``"step"``, ``"eta"``, ``"mu"`` (0-dim float tensors) and
    ``"ax"`` (the average of the parameter).

    Example::

        >>> optimizer = cynn.optim.ASGD(model.parameters(), lr=0.01, t0=100)
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        ew.check_capturable(capturable)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for p in group["params"]:
                p_state = self.state.get(p, {})
                for key in ("eta", "mu"):
                    if p_state and not isinstance(p_state.get(key), Tensor):
                        p_state[key] = ew.new_scalar(float(p_state[key]))

    def _init_state(self, group, p, state):
        state["step"] = ew.new_scalar(0.0)
        state["eta"] = ew.new_scalar(_to_scalar(group["lr"]))
        state["mu"] = ew.new_scalar(1.0)
        state["ax"] = Tensor._wrap(np.zeros_like(p._data))

    @staticmethod
    def _state_names(group):
        return ["ax"]

    @staticmethod
    def _scalars(group, states):
        lr = _to_scalar(group["lr"])
        lambd, alpha, t0 = group["lambd"], group["alpha"], group["t0"]
        out = np.zeros((len(states), 4))
        for i, s in enumerate(states):
            step = ew.bump(s["step"])
            # this step uses the eta and mu of the previous one, as stored (rounded)
            eta, mu = float(s["eta"]._data), float(s["mu"]._data)
            out[i, :3] = eta, mu, 1 - lambd * eta
            # torch builds the new values as default-dtype tensors, then copies them in
            rounded = ew.scalar_dtype()
            ew.set_scalar(s["eta"], rounded(lr / ((1 + lambd * lr * step) ** alpha)))
            ew.set_scalar(s["mu"], rounded(1 / max(1, step - t0)))
        return out

    @staticmethod
    def _kernel(group, thetas, grads, arrays, scalars, n_threads):
        _kernels.asgd_update(thetas, grads, arrays["ax"], scalars, group["weight_decay"],
                             group["maximize"], n_threads)

    @staticmethod
    def _math(group, p, g, state, scalars):
        eta, mu, decay = scalars[0], scalars[1], scalars[2]
        p, g = ew.maximize_and_decay(group, p, g)
        p = p * decay - g * eta
        ax = state["ax"] + (p - state["ax"]) * mu if mu != 1 else p * 1
        return p, {"ax": ax}


def asgd(params, grads, axs, mus, etas, state_steps, foreach=None, maximize=False,
         differentiable=False, capturable=False, has_complex=False, *, lambd, lr, t0, alpha,
         weight_decay):
    """The ASGD update of ``params`` in place (functional form of ``ASGD.step``);
    ``mus``, ``etas`` and ``state_steps`` are 0-dim tensors updated in place."""
    ew.check_capturable(capturable)
    group = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
             "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
             "differentiable": differentiable}
    ew.functional_step(ASGD, group, params, grads,
                       {"step": state_steps, "eta": etas, "mu": mus, "ax": axs})
