"""Rprop (resilient backpropagation)."""
import numpy as np

from .. import autograd
from .._kernels import optim as _kernels
from .._tensor import Tensor
from . import _elementwise as ew
from .optimizer import _check_lr, _to_scalar

__all__ = ["Rprop", "rprop"]


class Rprop(ew.ElementwiseOptimizer):
    r"""Rprop, as ``torch.optim.Rprop``: a per-element step size that grows while the
    gradient keeps its sign and shrinks when it flips; only the gradient's sign is used.

    For each element, with gradient :math:`g` (negated if ``maximize``) and the previous
    step's (possibly zeroed) gradient ``prev``::

        f = etaplus if g * prev > 0, etaminus if g * prev < 0, else 1
        step_size = clamp(step_size * f, step_size_min, step_size_max)
        g = 0 where f == etaminus          (a sign change skips this step)
        theta = theta - sign(g) * step_size;  prev = g

    Args:
        params (iterable): tensors to optimize, or dicts defining parameter groups.
        lr (float or Tensor): initial step size (default: 1e-2).
        etas (tuple[float, float]): ``(etaminus, etaplus)`` with
            ``0 < etaminus < 1 < etaplus`` (default: (0.5, 1.2)).
        step_sizes (tuple[float, float]): minimal and maximal step size
            (default: (1e-6, 50)).
        capturable (bool): must be False (CUDA graphs only).
        foreach (bool, optional): ``False`` makes one kernel call per parameter;
            otherwise one fused multi-tensor call covers every parameter of a dtype.
        maximize (bool): maximize the objective instead of minimizing it.
        differentiable (bool): record the step in autograd (Tensor ops, slower).

    State (per parameter): ``"step"`` (0-dim float tensor), ``"prev"`` and
    ``"step_size"``.

    Example::

        >>> optimizer = cynn.optim.Rprop(model.parameters())
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        ew.check_capturable(capturable)
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, group, p, state):
        state["step"] = ew.new_scalar(0.0)
        state["prev"] = Tensor._wrap(np.zeros_like(p._data))
        lr = group["lr"]
        if group["differentiable"] and isinstance(lr, Tensor):
            # a learnable lr: the step sizes start as a function of it
            with autograd.set_grad_enabled(True):
                state["step_size"] = Tensor._wrap(np.ones_like(p.grad._data)) * lr
        else:
            state["step_size"] = Tensor._wrap(np.full_like(p.grad._data, _to_scalar(lr)))

    @staticmethod
    def _state_names(group):
        return ["prev", "step_size"]

    @staticmethod
    def _kernel(group, thetas, grads, arrays, scalars, n_threads):
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        _kernels.rprop_update(thetas, grads, arrays["prev"], arrays["step_size"], etaminus,
                              etaplus, step_size_min, step_size_max, group["maximize"],
                              n_threads)

    @staticmethod
    def _math(group, p, g, state, scalars):
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        if group["maximize"]:
            g = -g
        # the factor and the mask come from signs: constants for autograd
        dtype = ew.data(p).dtype
        prod = np.asarray(ew.data(g) * ew.data(state["prev"]))
        factor = np.where(prod > 0, dtype.type(etaplus),
                          np.where(prod < 0, dtype.type(etaminus), dtype.type(1)))
        factor = np.where(np.isnan(prod), prod, factor).astype(dtype)
        step_size = ew.clamp(state["step_size"] * ew.constant_like(p, factor),
                             step_size_min, step_size_max)
        keep = ew.constant_like(p, factor != dtype.type(etaminus))
        g = g * keep
        return p - ew.sign(g) * step_size, {"prev": g, "step_size": step_size}


def rprop(params, grads, prevs, step_sizes, state_steps, foreach=None, capturable=False,
          maximize=False, differentiable=False, has_complex=False, *, step_size_min,
          step_size_max, etaminus, etaplus):
    """The Rprop update of ``params`` in place (functional form of ``Rprop.step``)."""
    ew.check_capturable(capturable)
    group = {"etas": (etaminus, etaplus), "step_sizes": (step_size_min, step_size_max),
             "foreach": foreach, "maximize": maximize, "differentiable": differentiable}
    ew.functional_step(Rprop, group, params, grads,
                       {"step": state_steps, "prev": prevs, "step_size": step_sizes})
