"""The updates of ``differentiable=True``: the same arithmetic as the fused kernels,
written in Tensor ops and run with grad mode on, so that autograd records the step.

Meta-learning and hyperparameter gradients need the parameters after a step as a
function of the parameters, gradients and hyperparameters before it (as torch's
``differentiable=True``). The kernels write raw memory and record nothing, so this
path is slower and used only when asked.
"""
from .. import autograd
from .._tensor import Tensor

__all__ = ["sgd_step", "adam_step"]


def sgd_step(params, grads, buffers, *, lr, momentum, dampening, weight_decay, nesterov,
             maximize):
    """One SGD step recorded by autograd. ``buffers[i]`` (None before the first step) is
    replaced by the new momentum buffer: a new tensor each step, because the previous
    one may still be needed by the backward of the previous step's update."""
    with autograd.set_grad_enabled(True):
        for i, (param, grad) in enumerate(zip(params, grads)):
            g = -grad if maximize else grad
            if weight_decay != 0:
                g = g + param * weight_decay
            if momentum != 0:
                buf = buffers[i]
                if buf is None:
                    # as torch: the first buffer is a detached copy of the gradient
                    buf = g.detach().clone()
                else:
                    buf = buf * momentum + g * (1 - dampening)
                buffers[i] = buf
                g = g + buf * momentum if nesterov else buf
            if isinstance(lr, Tensor):  # a learnable learning rate
                param.sub_(g * lr)
            else:
                param.add_(g, alpha=-lr)


def adam_step(params, grads, states, *, amsgrad, beta1, beta2, lr, weight_decay, eps,
              maximize, decoupled_weight_decay):
    """One Adam/AdamW step recorded by autograd. The moments in ``states`` are replaced
    by new tensors (see ``sgd_step``); the step counters are incremented in place."""
    with autograd.set_grad_enabled(True):
        for param, grad, state in zip(params, grads, states):
            g = -grad if maximize else grad
            with autograd.no_grad():
                state["step"].add_(1)
            step = float(state["step"].item())
            if weight_decay != 0:
                if decoupled_weight_decay:
                    param.mul_(1 - lr * weight_decay)
                else:
                    g = g + param * weight_decay
            exp_avg = state["exp_avg"] * beta1 + g * (1 - beta1)
            exp_avg_sq = state["exp_avg_sq"] * beta2 + g * g * (1 - beta2)
            state["exp_avg"], state["exp_avg_sq"] = exp_avg, exp_avg_sq
            bias_correction1 = 1 - beta1 ** step
            bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
            second = exp_avg_sq
            if amsgrad:
                second = state["max_exp_avg_sq"].maximum(exp_avg_sq)
                state["max_exp_avg_sq"] = second
            denom = second.sqrt() / bias_correction2_sqrt + eps
            param.sub_(exp_avg / denom * (lr / bias_correction1))
