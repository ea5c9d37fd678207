"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
import numpy as np

from .._kernels import optim as _kernels
from .._tensor import Tensor
from ._differentiable import sgd_step
from .optimizer import Optimizer, _check_fused, _kernel_threads, _multi_tensor, _to_scalar

__all__ = ["SGD", "sgd"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    For each parameter :math:`\theta` with gradient :math:`g` (negated if ``maximize``)::

        g = g + weight_decay * theta                       if weight_decay != 0
        b = g  (first step),  b = momentum * b + (1 - dampening) * g  (later steps)
        g = g + momentum * b  if nesterov,  else  g = b      if momentum != 0
        theta = theta - lr * g

    Args:
        params (iterable): tensors to optimize, or dicts defining parameter groups.
        lr (float or Tensor): learning rate (default: 1e-3).
        momentum (float): momentum factor (default: 0).
        dampening (float): dampening for momentum (default: 0).
        weight_decay (float): L2 penalty (default: 0).
        nesterov (bool): Nesterov momentum; needs ``momentum > 0`` and zero dampening.
        maximize (bool): maximize the objective instead of minimizing it.
        foreach (bool, optional): ``False`` makes one kernel call per parameter, as
            torch's for-loop; otherwise (default) one call covers every parameter of
            a dtype, which saves the per-call overhead on models with many small
            parameters. Results are bitwise the same either way.
        fused (bool, optional): ``True`` asks for the fused kernel, which is what every
            step runs anyway: one OpenMP pass per parameter that reads the parameter,
            its gradient and its buffer once and writes the parameter and buffer once
            (float32 and float64; other dtypes and non-contiguous arrays fall back to
            the same update in numpy). ``fused=True`` with ``foreach=True`` or
            ``differentiable=True`` raises, as in torch.
        differentiable (bool): record the step in autograd (Tensor ops with grad mode
            on, much slower than the kernel), so that the updated parameters are
            differentiable with respect to the parameters, gradients and a Tensor ``lr``
            before the step; parameters may then be non-leaf tensors.

    State (per parameter, ``momentum != 0`` only): ``"momentum_buffer"`` with the
    parameter's shape.

    Example::

        >>> optimizer = cynn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> optimizer.zero_grad()
        >>> loss_fn(model(x), y).backward()
        >>> optimizer.step()
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def step(self, closure=None):
        """Perform one optimization step.

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss.

        Returns:
            The closure's loss, or None.
        """
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            momentum = group["momentum"]
            # one pass, one state lookup per parameter: on a model of many small
            # parameters this bookkeeping costs as much as the update itself
            params, grads, states, buffers = [], [], [], []
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                params.append(p)
                grads.append(grad)
                if momentum != 0:
                    state = self.state[p]
                    states.append(state)
                    buffers.append(state.get("momentum_buffer"))
            fresh = [i for i, buf in enumerate(buffers) if buf is None]
            if group["differentiable"]:
                sgd_step(params, grads, buffers, lr=group["lr"], momentum=momentum,
                         dampening=group["dampening"], weight_decay=group["weight_decay"],
                         nesterov=group["nesterov"], maximize=group["maximize"])
                for state, buf in zip(states, buffers):
                    state["momentum_buffer"] = buf
                continue
            sgd(params, grads, buffers if momentum != 0 else None,
                foreach=group["foreach"], fused=group["fused"],
                weight_decay=group["weight_decay"], momentum=momentum, lr=group["lr"],
                dampening=group["dampening"], nesterov=group["nesterov"],
                maximize=group["maximize"])
            for i in fresh:
                states[i]["momentum_buffer"] = buffers[i]
        return loss


def sgd(params, d_p_list, momentum_buffer_list, has_sparse_grad=False, foreach=None,
        fused=None, grad_scale=None, found_inf=None, *, weight_decay, momentum, lr,
        dampening, nesterov, maximize):
    """The SGD update of ``params`` in place (functional form of ``SGD.step``).

    ``momentum_buffer_list[i]`` is the buffer of ``params[i]`` or None before its first
    step; new buffers are written back into the list. ``foreach=False`` (without
    ``fused``) makes one kernel call per parameter; otherwise one call covers all
    parameters of a dtype. ``has_sparse_grad`` is accepted as torch's; ``grad_scale``
    and ``found_inf`` (AMP's gradient unscaling) must be None.
    """
    if grad_scale is not None or found_inf is not None:
        raise RuntimeError("grad_scale and found_inf are not supported: cynn has no AMP")
    lr = _to_scalar(lr)
    thetas = [p._data for p in params]
    grads = [g._data for g in d_p_list]
    options = {"lr": lr, "momentum": momentum, "dampening": dampening,
               "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize}
    foreach = bool(fused) or foreach is not False
    if momentum == 0:
        _sgd_lists(thetas, grads, None, False, foreach, options)
    else:
        fresh = [i for i, buf in enumerate(momentum_buffer_list) if buf is None]
        for i in fresh:
            momentum_buffer_list[i] = Tensor._wrap(np.empty_like(thetas[i]))
        buffers = [buf._data for buf in momentum_buffer_list]
        if len(fresh) in (0, len(params)):
            _sgd_lists(thetas, grads, buffers, len(fresh) > 0, foreach, options)
        else:
            fresh_set = set(fresh)
            for first_step in (True, False):
                idx = [i for i in range(len(params)) if (i in fresh_set) == first_step]
                _sgd_lists([thetas[i] for i in idx], [grads[i] for i in idx],
                           [buffers[i] for i in idx], first_step, foreach, options)
    for p in params:
        p._version[0] += 1


def _sgd_lists(thetas, grads, buffers, first_step, foreach, options):
    """One fused pass over each parameter; ``buffers`` is None without momentum."""
    def run(indices, gs):
        ps = thetas if indices is None else [thetas[i] for i in indices]
        bs = buffers if indices is None or buffers is None else [buffers[i] for i in indices]
        _kernels.sgd_update(ps, gs, bs, options["lr"], options["momentum"],
                            options["dampening"], options["weight_decay"],
                            options["nesterov"], options["maximize"], first_step,
                            _kernel_threads(ps))

    def reference(i, g):
        _sgd_reference(thetas[i], g, None if buffers is None else buffers[i], first_step,
                       **options)

    _multi_tensor(run, thetas, grads, [] if buffers is None else [buffers], reference,
                  foreach=foreach)


def _sgd_reference(theta, g, buf, first_step, *, lr, momentum, dampening, weight_decay,
                   nesterov, maximize):
    """numpy form of the kernel, for parameters it does not take (float16, strided)."""
    # `g` may be the .grad array itself: only ever rebind it, never write into it
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + weight_decay * theta
    if buf is not None:
        if first_step:
            buf[...] = g
        else:
            buf *= momentum
            buf += (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf
    theta -= lr * g
