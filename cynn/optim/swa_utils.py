"""Stochastic weight averaging and exponential moving averages of a model's weights,
as ``torch.optim.swa_utils``: ``AveragedModel``, ``SWALR``, ``update_bn`` and the
averaging functions."""
import copy
import itertools
import math

import numpy as np

from .. import _warnings
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..nn.modules.module import Module
from ..nn.modules.normalization import _BatchNorm
from .lr_scheduler import LRScheduler, _format_param

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _is_floating(t):
    return t._data.dtype.kind == "f"


def _lerp_(start, end, weight):
    """``start.lerp_(end, weight)`` on the arrays, torch's two-sided formula with the
    weight rounded to the dtype first."""
    a, b = start._data, end._data
    w = a.dtype.type(weight)
    if abs(w) < 0.5:
        a += (b - a) * w
    else:
        np.subtract(b, (b - a) * (1 - w), out=a)
    start._version[0] += 1


def _copy_into(target, values):
    """``target.copy_(values)``: float values cast (truncated) to an integer target."""
    target._data[...] = np.asarray(values).astype(target._data.dtype, copy=False)
    target._version[0] += 1


def _num(num_averaged):
    return int(num_averaged.item()) if isinstance(num_averaged, Tensor) else num_averaged


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         "[0,1] range.")


def get_ema_multi_avg_fn(decay=0.999):
    """An exponential moving average over lists of tensors, for ``AveragedModel``'s
    ``multi_avg_fn``: ``ema = decay * ema + (1 - decay) * param`` (as a lerp).

    Raises:
        ValueError: ``decay`` outside [0, 1].
    """
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _):
        if _is_floating(ema_param_list[0]):
            for p_ema, p_model in zip(ema_param_list, current_param_list):
                _lerp_(p_ema, p_model, 1 - decay)
        else:
            for p_ema, p_model in zip(ema_param_list, current_param_list):
                _copy_into(p_ema, p_ema._data * decay + p_model._data * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """The running mean over lists of tensors, for ``AveragedModel``'s
    ``multi_avg_fn``: ``avg = avg + (param - avg) / (num_averaged + 1)``."""
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        if _is_floating(averaged_param_list[0]):
            weight = 1 / (_num(num_averaged) + 1)
            for p_avg, p_model in zip(averaged_param_list, current_param_list):
                _lerp_(p_avg, p_model, weight)
        elif isinstance(num_averaged, Tensor):
            raise RuntimeError("Integer division with addcdiv_ is no longer supported, and "
                               "in a future release addcdiv_ will perform a true division "
                               "of tensor1 and tensor2. The historic addcdiv_ behavior can "
                               "be implemented as (input + value * torch.trunc(tensor1 / "
                               "tensor2)).to(input.dtype) for integer inputs and as (input "
                               "+ value * tensor1 / tensor2) for float inputs. The future "
                               "addcdiv_ behavior is just the latter implementation: "
                               "(input + value * tensor1 / tensor2), for all dtypes.")
        else:
            raise RuntimeError("For integral input tensors, argument alpha must not be a "
                               "floating point number.")
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """An exponential moving average of one tensor, for ``AveragedModel``'s ``avg_fn``:
    returns ``decay * ema + (1 - decay) * param``.

    Raises:
        ValueError: ``decay`` outside [0, 1].
    """
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """The running mean of one tensor, for ``AveragedModel``'s ``avg_fn``: returns
    ``avg + (param - avg) / (num_averaged + 1)``."""
    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    r"""A copy of ``model`` whose weights are an average of ``model``'s weights over
    the ``update_parameters`` calls: the running mean (stochastic weight averaging) by
    default, or any average given by ``avg_fn`` / ``multi_avg_fn`` (e.g. an
    exponential moving average from ``get_ema_multi_avg_fn``).

    Args:
        model (Module): the model to average (deep-copied at construction).
        device (str, optional): cynn runs on the CPU; ``"cpu"`` or None.
        avg_fn (callable, optional): ``(averaged, current, num_averaged) -> new
            averaged`` for one tensor.
        multi_avg_fn (callable, optional): ``(averaged_list, current_list,
            num_averaged) -> None``, updating the averaged tensors in place; one call
            per dtype. Only one of ``avg_fn`` and ``multi_avg_fn`` may be given.
        use_buffers (bool): average the buffers too (default: copy them from
            ``model`` at each update).

    Attributes:
        module (Module): the averaged copy; ``forward`` calls it.
        n_averaged (Tensor): int64 count of the averaged models.

    Example::

        >>> swa_model = cynn.optim.swa_utils.AveragedModel(model)
        >>> for epoch in range(10):
        ...     train_one_epoch(model, optimizer)
        ...     swa_model.update_parameters(model)
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None,
                 use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", Tensor._wrap(np.array(0, dtype=np.int64)))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        """Run the averaged module."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Fold ``model``'s current weights into the average (the first call copies)."""
        if self.use_buffers:
            self_param = itertools.chain(self.module.parameters(), self.module.buffers())
            model_param = itertools.chain(model.parameters(), model.buffers())
        else:
            self_param, model_param = self.parameters(), model.parameters()
        averaged, current = [], []
        copy_param = int(self.n_averaged.item()) == 0
        for p_averaged, p_model in zip(self_param, model_param):
            averaged.append(p_averaged.detach())
            current.append(p_model.detach())
            if copy_param:
                _copy_into(averaged[-1], current[-1]._data)

        if int(self.n_averaged.item()) > 0:
            if self.avg_fn is None:
                # per dtype, in order of first appearance, as torch groups them
                groups = {}
                for a, c in zip(averaged, current):
                    pair = groups.setdefault(a._data.dtype, ([], []))
                    pair[0].append(a)
                    pair[1].append(c)
                for averaged_group, current_group in groups.values():
                    if self.multi_avg_fn is not None:
                        self.multi_avg_fn(averaged_group, current_group, self.n_averaged)
                    else:
                        self._running_mean(averaged_group, current_group)
            else:
                for a, c in zip(averaged, current):
                    with no_grad():
                        _copy_into(a, np.asarray(self.avg_fn(a, c, self.n_averaged)._data))

        if not self.use_buffers:
            # running statistics are not averaged: they follow the model's
            for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
                _copy_into(b_swa, b_model._data)
        self.n_averaged._data += 1
        self.n_averaged._version[0] += 1

    def _running_mean(self, averaged, current):
        """``avg + (param - avg) / (n + 1)``, rounded as torch's CPU path (the
        divisor is a 0-dim int64 tensor, which does not promote a float tensor)."""
        n1 = int(self.n_averaged.item()) + 1
        for a, c in zip(averaged, current):
            x, y = a._data, c._data
            if x.dtype.kind == "f":
                _copy_into(a, x + (y - x) / x.dtype.type(n1))
            else:
                step = (y - x).astype(np.float32) / np.float32(n1)
                _copy_into(a, x + step)


def update_bn(loader, model, device=None):
    """Recompute the running statistics of every batch-norm layer of ``model`` with one
    pass over ``loader`` (their cumulative average), e.g. after weight averaging.

    Args:
        loader (iterable): batches; a list or tuple batch contributes its first item.
        model (Module): the model; its training mode is restored afterwards.
        device (str, optional): cynn runs on the CPU; ``"cpu"`` or None.

    Example::

        >>> cynn.optim.swa_utils.update_bn(train_loader, swa_model)
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None  # a cumulative average over the pass
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    r"""Anneal each group's lr to a constant ``swa_lr`` over ``anneal_epochs`` epochs,
    then keep it (the schedule of stochastic weight averaging)::

        lr_t = swa_lr * alpha_t + lr_{t-1}' * (1 - alpha_t)

    with ``alpha_t = t / anneal_epochs`` (linear) or ``(1 - cos(pi t /
    anneal_epochs)) / 2`` (cos), and ``lr'`` the lr the annealing started from.

    Args:
        optimizer (Optimizer): wrapped optimizer.
        swa_lr (float or list): the final lr, for all groups or per group.
        anneal_epochs (int): epochs of the annealing, >= 0 (default: 10).
        anneal_strategy (str): ``"cos"`` (default) or ``"linear"``.
        last_epoch (int): index of the last epoch (default: -1).

    Example::

        >>> swa_scheduler = SWALR(optimizer, swa_lr=0.05, anneal_epochs=5)
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        """The lr the annealing started from, recovered from the current one."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        if not self._get_lr_called_within_step:
            _warnings.warn("To get the last learning rate computed by the scheduler, please "
                           "use `get_last_lr()`.", UserWarning)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
                    for group in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [group["swa_lr"] * alpha + lr * (1 - alpha)
                for group, lr in zip(self.optimizer.param_groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = (self._cosine_anneal if anneal_strategy == "cos"
                            else self._linear_anneal)

    def state_dict(self):
        """Every attribute except the optimizer and the annealing function."""
        return {key: value for key, value in self.__dict__.items()
                if key not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        """Restore a ``state_dict()``; load the optimizer's state separately."""
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
