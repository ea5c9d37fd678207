"""Adam and AdamW (decoupled weight decay)."""
import numpy as np

from .. import _dtype
from .._tensor import Tensor
from .._kernels import optim as _kernels
from .optimizer import (Optimizer, _check_adam_args, _check_fused, _kernel_threads,
                        _multi_tensor, _to_scalar)
from ._differentiable import adam_step

__all__ = ["Adam", "AdamW", "adam"]


def _step_dtype(fused):
    """dtype of the per-parameter step counter, as PyTorch picks it."""
    if fused:
        return np.float32
    return np.float64 if _dtype.get_default_dtype() is _dtype.float64 else np.float32


class Adam(Optimizer):
    r"""Adam, as ``torch.optim.Adam`` (same update order, bias correction and eps placement).

    For each parameter :math:`\theta` with gradient :math:`g` (negated if ``maximize``),
    at step :math:`t` (counted per parameter, from 1)::

        theta = theta * (1 - lr * weight_decay)       if decoupled_weight_decay
        g = g + weight_decay * theta                  otherwise, if weight_decay != 0
        m = m + (1 - beta1) * (g - m)
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)                         if amsgrad (then use v_max for v)
        denom = sqrt(v) / sqrt(1 - beta2 ** t) + eps
        theta = theta - lr / (1 - beta1 ** t) * m / denom

    Args:
        params (iterable): tensors to optimize, or dicts defining parameter groups.
        lr (float or Tensor): learning rate (default: 1e-3).
        betas (tuple[float, float]): decay rates of the first and second moment
            averages (default: (0.9, 0.999)).
        eps (float): added to the denominator for stability (default: 1e-8).
        weight_decay (float): L2 penalty (default: 0).
        amsgrad (bool): use the AMSGrad variant (running maximum of ``v``).
        maximize (bool): maximize the objective instead of minimizing it.
        decoupled_weight_decay (bool): decay the weights directly, as AdamW does.
        foreach (bool, optional): ``False`` makes one kernel call per parameter, as
            torch's for-loop; otherwise (default) one call covers every parameter of
            a dtype. Results are bitwise the same either way.
        fused (bool, optional): ``True`` asks for the fused kernel, which every step
            runs anyway: one OpenMP pass per parameter that reads the parameter, its
            gradient and its moments once and writes them once, with the bias
            corrections computed once per step in Python (float32 and float64; other
            dtypes and non-contiguous arrays fall back to the same update in numpy).
            As in torch, ``fused=True`` also keeps the step counter in float32, and
            raises with ``foreach=True`` or ``differentiable=True``.
        capturable (bool): must be False (CUDA graphs only).
        differentiable (bool): record the step in autograd (Tensor ops with grad mode
            on, much slower than the kernel), so that the updated parameters are
            differentiable with respect to the parameters, gradients and a Tensor ``lr``
            before the step; parameters may then be non-leaf tensors.

    State (per parameter): ``"step"`` (0-dim float tensor), ``"exp_avg"`` and
    ``"exp_avg_sq"`` (the parameter's shape), plus ``"max_exp_avg_sq"`` with amsgrad.

    Example::

        >>> optimizer = cynn.optim.Adam(model.parameters(), lr=1e-3)
        >>> optimizer.zero_grad()
        >>> loss_fn(model(x), y).backward()
        >>> optimizer.step()
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError(
                    "lr as a Tensor is not supported for capturable=False and foreach=True")
            if lr.numel() != 1:
                raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        _check_adam_args(eps, betas, weight_decay)
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, beta in enumerate(betas):
            if isinstance(beta, Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for "
                                     "capturable=False and foreach=True")
                if beta.numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        if capturable:
            raise ValueError("capturable=True needs CUDA graphs; cynn runs on the CPU only")
        betas = tuple(float(_to_scalar(b)) for b in betas)

        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable,
                    "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            fused = group.setdefault("fused", None)
            for p in group["params"]:
                p_state = self.state.get(p, {})
                if p_state and not isinstance(p_state.get("step"), Tensor):
                    # older checkpoints store the step as a python number
                    p_state["step"] = Tensor._wrap(
                        np.array(float(p_state["step"]), dtype=_step_dtype(fused)))

    def _init_group(self, group):
        """The parameters with a gradient, their gradients and their states, creating
        the states on first use."""
        params, grads, states = [], [], []
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            params.append(p)
            grads.append(grad)
            state = self.state[p]
            states.append(state)
            if len(state) == 0:
                state["step"] = Tensor._wrap(np.zeros((), dtype=_step_dtype(group["fused"])))
                state["exp_avg"] = Tensor._wrap(np.zeros_like(p._data))
                state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
        return params, grads, states

    def step(self, closure=None):
        """Perform one optimization step.

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss.

        Returns:
            The closure's loss, or None.
        """
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            params, grads, states = self._init_group(group)
            beta1, beta2 = group["betas"]
            if group["differentiable"]:
                if group["foreach"]:
                    raise AssertionError("_foreach ops don't support autograd")
                adam_step(params, grads, states, amsgrad=group["amsgrad"],
                          beta1=beta1, beta2=beta2, lr=group["lr"],
                          weight_decay=group["weight_decay"], eps=group["eps"],
                          maximize=group["maximize"],
                          decoupled_weight_decay=group["decoupled_weight_decay"])
                continue
            adam(params, grads,
                 [s["exp_avg"] for s in states], [s["exp_avg_sq"] for s in states],
                 [s["max_exp_avg_sq"] for s in states] if group["amsgrad"] else [],
                 [s["step"] for s in states],
                 foreach=group["foreach"], fused=group["fused"],
                 amsgrad=group["amsgrad"], beta1=beta1, beta2=beta2, lr=group["lr"],
                 weight_decay=group["weight_decay"], eps=group["eps"],
                 maximize=group["maximize"],
                 decoupled_weight_decay=group["decoupled_weight_decay"])
        return loss


def adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, foreach=None,
         capturable=False, differentiable=False, fused=None, grad_scale=None,
         found_inf=None, has_complex=False, decoupled_weight_decay=False, *, amsgrad,
         beta1, beta2, lr, weight_decay, eps, maximize):
    """The Adam update of ``params`` in place (functional form of ``Adam.step``).

    All state tensors are updated in place; ``state_steps`` are 0-dim counters, each
    incremented once. The bias corrections are computed here, once per parameter, in
    double precision as torch does, and handed to the kernel as scalars.
    ``foreach=False`` (without ``fused``) makes one kernel call per parameter,
    otherwise one call covers every parameter of a dtype. ``capturable``,
    ``differentiable``, ``grad_scale`` and ``found_inf`` must keep their defaults.
    """
    if capturable or differentiable:
        raise RuntimeError("capturable and differentiable updates are not supported by cynn")
    if grad_scale is not None or found_inf is not None:
        raise RuntimeError("grad_scale and found_inf are not supported: cynn has no AMP")
    lr = _to_scalar(lr)
    n = len(params)
    step_size = np.empty(n)
    bias_correction2_sqrt = np.empty(n)
    corrections = {}  # parameters usually share their step count
    for i, step_t in enumerate(state_steps):
        step_t._data += 1
        step_t._version[0] += 1
        step = float(step_t._data)
        if step not in corrections:
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            corrections[step] = (lr / bias_correction1, bias_correction2 ** 0.5)
        step_size[i], bias_correction2_sqrt[i] = corrections[step]

    thetas = [p._data for p in params]
    ms = [m._data for m in exp_avgs]
    vs = [v._data for v in exp_avg_sqs]
    v_maxs = [v._data for v in max_exp_avg_sqs] if amsgrad else None
    options = {"beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay,
               "lr": lr, "maximize": maximize,
               "decoupled_weight_decay": decoupled_weight_decay}

    def run(indices, gs):
        if indices is None:
            lists = (thetas, ms, vs, v_maxs, step_size, bias_correction2_sqrt)
        else:
            indices = list(indices)
            lists = ([thetas[i] for i in indices], [ms[i] for i in indices],
                     [vs[i] for i in indices],
                     None if v_maxs is None else [v_maxs[i] for i in indices],
                     step_size[indices], bias_correction2_sqrt[indices])
        ps, m, v, v_max, sizes, bc2 = lists
        _kernels.adam_update(ps, gs, m, v, v_max, sizes, bc2, beta1, beta2, eps,
                             weight_decay, lr, amsgrad, maximize, decoupled_weight_decay,
                             _kernel_threads(ps))

    def reference(i, g):
        _adam_reference(thetas[i], g, ms[i], vs[i], None if v_maxs is None else v_maxs[i],
                        step_size[i], bias_correction2_sqrt[i], **options)

    states = [ms, vs] + ([v_maxs] if amsgrad else [])
    _multi_tensor(run, thetas, [g._data for g in grads], states, reference,
                  foreach=bool(fused) or foreach is not False)
    for p in params:
        p._version[0] += 1


def _lerp_(start, end, weight):
    """``start += weight * (end - start)`` in place, rounded as PyTorch's ``lerp_``.

    PyTorch switches formula at weight 0.5 so the result is exact at either end; like
    it (and the kernel), the weight is rounded to the array's dtype before ``1 - weight``.
    """
    weight = start.dtype.type(weight)
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        np.subtract(end, (end - start) * (1 - weight), out=start)


def _adam_reference(theta, g, m, v, v_max, step_size, bias_correction2_sqrt, *, beta1,
                    beta2, eps, weight_decay, lr, maximize, decoupled_weight_decay):
    """numpy form of the kernel, for parameters it does not take (float16, strided)."""
    # `g` may be the .grad array itself: only ever rebind it, never write into it
    if maximize:
        g = -g
    if weight_decay != 0:
        if decoupled_weight_decay:
            theta *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * theta
    _lerp_(m, g, 1 - beta1)
    v *= beta2
    v += (1 - beta2) * g * g
    if v_max is not None:
        np.maximum(v_max, v, out=v_max)
        v = v_max
    # the per-step scalars come as float64: rounded to the array's dtype first, as the
    # kernel does, so that float32 arrays are not computed in double
    scalar = theta.dtype.type
    denom = np.sqrt(v)
    denom /= scalar(bias_correction2_sqrt)
    denom += eps
    theta += scalar(-step_size) * (m / denom)


class AdamW(Adam):
    r"""Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    Each step first shrinks the weights, ``theta = theta * (1 - lr * weight_decay)``,
    then applies the Adam update without weight decay in the gradient (see ``Adam``).

    Args:
        params (iterable): tensors to optimize, or dicts defining parameter groups.
        lr (float or Tensor): learning rate (default: 1e-3).
        betas (tuple[float, float]): moment decay rates (default: (0.9, 0.999)).
        eps (float): added to the denominator for stability (default: 1e-8).
        weight_decay (float): decoupled weight decay coefficient (default: 1e-2).
        amsgrad (bool): use the AMSGrad variant.
        maximize (bool): maximize the objective instead of minimizing it.
        foreach, capturable, differentiable, fused: as for ``Adam``.

    Example::

        >>> optimizer = cynn.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
