"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, _to_scalar

__all__ = ["SGD", "sgd"]


def _refuse_differentiable(differentiable):
    if differentiable:
        raise RuntimeError("differentiable=True is not supported: cynn optimizers update "
                           "parameters outside autograd")


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
        foreach, fused (bool, optional): accepted for PyTorch compatibility; cynn has
            one numpy implementation that updates every parameter in place.
        differentiable (bool): must be False (updates are not recorded by autograd).

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
        _refuse_differentiable(differentiable)
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

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
            params = [p for p in group["params"] if p.grad is not None]
            momentum = group["momentum"]
            buffers = [self.state[p].get("momentum_buffer") for p in params] \
                if momentum != 0 else None
            sgd(params, [p.grad for p in params], buffers,
                weight_decay=group["weight_decay"], momentum=momentum, lr=group["lr"],
                dampening=group["dampening"], nesterov=group["nesterov"],
                maximize=group["maximize"])
            if momentum != 0:
                for p, buf in zip(params, buffers):
                    self.state[p]["momentum_buffer"] = buf
        return loss


def sgd(params, grads, momentum_buffer_list, *, weight_decay, momentum, lr, dampening,
        nesterov, maximize):
    """The SGD update of ``params`` in place (functional form of ``SGD.step``).

    ``momentum_buffer_list[i]`` is the buffer of ``params[i]`` or None before its first
    step; new buffers are written back into the list.
    """
    lr = _to_scalar(lr)
    for i, param in enumerate(params):
        theta = param._data
        g = grads[i]._data
        # `g` may still be the .grad array itself: only ever rebind it, never write into it
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * theta

        if momentum != 0:
            buf = momentum_buffer_list[i]
            if buf is None:
                buf = Tensor._wrap(np.array(g, copy=True))
                momentum_buffer_list[i] = buf
            else:
                b = buf._data
                b *= momentum
                b += (1 - dampening) * g
            g = g + momentum * buf._data if nesterov else buf._data

        theta -= lr * g
        param._version[0] += 1
