"""Adagrad."""
import numpy as np

from .._kernels import optim as _kernels
from .._tensor import Tensor
from . import _elementwise as ew
from .optimizer import _check_fused, _check_lr, _to_scalar

__all__ = ["Adagrad", "adagrad"]


class Adagrad(ew.ElementwiseOptimizer):
    r"""Adagrad, as ``torch.optim.Adagrad``.

    For each parameter :math:`\theta` with gradient :math:`g` (negated if ``maximize``),
    at step :math:`t` (counted per parameter, from 1)::

        g = g + weight_decay * theta                 if weight_decay != 0
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        theta = theta - clr * g / (sqrt(s) + eps)

    Args:
        params (iterable): tensors to optimize, or dicts defining parameter groups.
        lr (float or Tensor): learning rate (default: 1e-2).
        lr_decay (float): learning rate decay (default: 0).
        weight_decay (float): L2 penalty (default: 0).
        initial_accumulator_value (float): starting value of the sum ``s`` (default: 0).
        eps (float): added to the denominator for stability (default: 1e-10).
        foreach (bool, optional): ``False`` makes one kernel call per parameter;
            otherwise one fused multi-tensor call covers every parameter of a dtype.
        maximize (bool): maximize the objective instead of minimizing it.
        differentiable (bool): record the step in autograd (Tensor ops, slower).
        fused (bool, optional): ``True`` asks for the fused kernel, which every step runs
            anyway; as in torch it keeps the step counter in float32 and raises with
            ``foreach=True`` or ``differentiable=True``.

    State (per parameter, created by the constructor as torch does): ``"step"``
    (0-dim float tensor) and ``"sum"``.

    Example::

        >>> optimizer = cynn.optim.Adagrad(model.parameters(), lr=0.01)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(group, p, self.state[p])

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("fused", None)

    def share_memory(self):
        """Move the ``sum`` accumulators to shared memory (for Hogwild-style training)."""
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"].share_memory_()

    def _init_state(self, group, p, state):
        state["step"] = ew.new_scalar(0.0, fused=bool(group["fused"]))
        state["sum"] = Tensor._wrap(
            np.full_like(p._data, self.defaults["initial_accumulator_value"]))

    @staticmethod
    def _state_names(group):
        return ["sum"]

    @staticmethod
    def _scalars(group, states):
        lr, lr_decay = _to_scalar(group["lr"]), group["lr_decay"]
        out = np.zeros((len(states), 4))
        for i, s in enumerate(states):
            step = ew.bump(s["step"])
            out[i, 1] = 1 + (step - 1) * lr_decay
            out[i, 0] = lr / out[i, 1]
        return out

    @staticmethod
    def _kernel(group, thetas, grads, arrays, scalars, n_threads):
        _kernels.adagrad_update(thetas, grads, arrays["sum"],
                                np.ascontiguousarray(scalars[:, 0]), group["weight_decay"],
                                group["eps"], group["maximize"], n_threads)

    @staticmethod
    def _math(group, p, g, state, scalars):
        p, g = ew.maximize_and_decay(group, p, g)
        clr = scalars[0]
        if isinstance(p, Tensor) and isinstance(group["lr"], Tensor):
            clr = group["lr"] / scalars[1]  # keeps a learnable lr in the graph
        new_sum = state["sum"] + g * g
        return p - g / (ew.sqrt(new_sum) + group["eps"]) * clr, {"sum": new_sum}


def adagrad(params, grads, state_sums, state_steps, fused=None, grad_scale=None,
            found_inf=None, has_sparse_grad=False, foreach=None, differentiable=False,
            has_complex=False, *, lr, weight_decay, lr_decay, eps, maximize):
    """The Adagrad update of ``params`` in place (functional form of ``Adagrad.step``).

    ``state_steps`` are 0-dim counters, each incremented once; ``grad_scale`` and
    ``found_inf`` (AMP's gradient unscaling) must be None.
    """
    ew.check_no_amp(grad_scale, found_inf)
    group = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
             "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
             "fused": fused}
    ew.functional_step(Adagrad, group, params, grads, {"step": state_steps, "sum": state_sums})
