"""``Optimizer``: parameter groups, per-parameter state, and PyTorch's state_dict format.

Subclasses implement ``step`` by reading ``p.grad._data`` and writing ``p._data`` in
place, through the fused kernels of ``cynn._kernels.optim`` (``_multi_tensor`` below
groups the parameters into as few calls as their dtypes and layouts allow, with a
numpy fallback for what no kernel takes). Those writes bypass autograd on purpose (an update is not part of
the graph), but they bump ``p._version`` like any in-place op, so a graph that saved
the old value refuses to backward through it.
"""
import copy
import functools
from collections import OrderedDict, defaultdict
from itertools import chain

import numpy as np

from .. import _warnings
from .._handles import RemovableHandle
from .._tensor import Tensor
from .._threads import kernel_threads
from ..autograd.grad_mode import enable_grad

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a default that every parameter group must give (no usable default)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _to_scalar(value):
    """A python float from a float or a one-element Tensor (``lr`` may be either)."""
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        return float(value._data.reshape(()))
    return value


def _check_lr(lr):
    """torch's checks of ``lr``: a one-element Tensor or a number, not negative."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_adam_args(eps, betas, weight_decay):
    """torch's checks, in torch's order, of the Adam family's ``eps``, ``betas`` and
    ``weight_decay`` (made after the check of ``lr``)."""
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _typename(obj):
    return obj.type() if isinstance(obj, Tensor) else type(obj).__name__


# ---------------------------------------------------------------------- fused updates
# Elements (summed over one kernel call) from which a second thread pays for waking
# it. Measured on the 2-core AMD EPYC development machine (no AVX-512), best of 5x300
# calls at 8192 float32 elements: SGD momentum 2.5 us on one thread, 7.0 us on two,
# so an OpenMP fork/join costs ~5 us; one thread updates ~0.3 ns/element (SGD, in
# cache) to ~1.4 ns/element (Adam), so halving the work saves 5 us from ~33k elements
# for SGD and ~7k for Adam. 65536 keeps a 2x margin for the memory-bound SGD case.
# (The machine was shared with other jobs: above that size two threads won only
# when the second core was free.)
_PARALLEL_MIN = 65536

_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _kernel_threads(arrays):
    """``n_threads`` for one multi-tensor kernel call over ``arrays``."""
    n = 0
    for a in arrays:
        n += a.size
    return kernel_threads() if n >= _PARALLEL_MIN else 1


def _multi_tensor(run, params, grads, states, reference, *, foreach=True):
    """Update every parameter with as few kernel calls as the arrays allow.

    ``run(indices, grads)`` updates ``params[i] for i in indices`` (every parameter
    if ``indices`` is None) in one kernel call;
    ``reference(i, grad)`` updates one parameter with numpy. ``states`` lists, per
    state kind, the arrays parallel to ``params``. With ``foreach`` every parameter
    goes into one call (the kernels check dtype, layout and sizes before touching
    anything, so a refused call has written nothing); a list they refuse is split
    by dtype, gradients are made C-contiguous in the parameter's dtype, and a
    parameter the kernels cannot take (float16, a non-contiguous parameter or
    state) goes through ``reference``. Without ``foreach``, one call per parameter.
    """
    if foreach:
        try:
            run(None, grads)
            return
        except (TypeError, ValueError):
            pass  # sorted out below, one parameter at a time
    buckets = {}
    for i in range(len(params)):
        p, g = params[i], grads[i]
        own = [s[i] for s in states]
        if p.dtype in _KERNEL_DTYPES and all(
                a.flags.c_contiguous and a.dtype == p.dtype for a in [p] + own):
            g = np.ascontiguousarray(g, dtype=p.dtype)
            if foreach:
                buckets.setdefault(p.dtype, ([], []))
                buckets[p.dtype][0].append(i)
                buckets[p.dtype][1].append(g)
            else:
                run([i], [g])
        else:
            reference(i, g)
    for indices, bucket_grads in buckets.values():
        run(indices, bucket_grads)


def _check_fused(fused, foreach, differentiable):
    """PyTorch's refusals for ``fused=True`` combinations, in its order."""
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def _with_step_hooks(step):
    """Wrap a subclass's ``step``: run the step hooks once, and note the call.

    ``_opt_called`` lets an LR scheduler warn when it is stepped before the optimizer.
    A ``step`` that calls ``super().step()`` runs the hooks only at the outer level.
    """
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        if self.__dict__.get("_in_step", False):
            return step(self, *args, **kwargs)
        self._opt_called = True
        for pre_hook in list(self._optimizer_step_pre_hooks.values()):
            result = pre_hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{step} must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {result}.")
                args, kwargs = result
        self._in_step = True
        try:
            out = step(self, *args, **kwargs)
        finally:
            self._in_step = False
        for post_hook in list(self._optimizer_step_post_hooks.values()):
            post_hook(self, args, kwargs)
        return out

    wrapper._cynn_step_hooks = True
    return wrapper


class Optimizer:
    r"""Base class for all optimizers.

    Args:
        params (iterable): Tensors to optimize, or dicts defining parameter groups
            (each with a ``"params"`` entry and any per-group option overrides).
        defaults (dict): the optimizer's options, filled into every group that does
            not set them.

    Attributes:
        param_groups (list[dict]): one dict per group: ``"params"`` (list of Tensors)
            plus every option (``lr``, ``weight_decay``, ...).
        state (defaultdict[Tensor, dict]): per-parameter buffers (momentum, moments,
            step counts), keyed by the parameter tensor itself.

    Parameters must be given in a deterministic order (a list, not a set): the
    state_dict refers to them by position.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_cynn_step_hooks", False):
            cls.step = _with_step_hooks(step)

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()

        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))

        self.state = defaultdict(dict)
        self.param_groups = []

        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            self.__dict__.setdefault(name, OrderedDict())
        self.defaults.setdefault("differentiable", False)

    def __repr__(self):
        format_string = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            format_string += "\n"
            format_string += f"Parameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    format_string += f"    {key}: {group[key]}\n"
        format_string += ")"
        return format_string

    # ------------------------------------------------------------------ parameter groups
    def add_param_group(self, param_group):
        """Add a group (a dict with ``"params"`` and optional option overrides).

        Useful when fine tuning: unfreeze layers and hand their parameters to the
        optimizer with their own learning rate. Options the group leaves out take the
        optimizer's defaults.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")

        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)

        # named_parameters() yields (name, tensor) pairs; keep the names alongside
        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            param_group["param_names"] = names

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not self.defaults.get("differentiable", None) and not (
                    param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            _warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                           "in future, this will cause an error; see "
                           "github.com/pytorch/pytorch/issues/40967 for more information")

        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                current = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {current} to the optimizer")
        if any(id(p) in seen for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")

        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ gradients and steps
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of every optimized tensor.

        Args:
            set_to_none (bool): drop the ``.grad`` tensors (default) instead of filling
                them with zeros. A parameter whose grad is None is skipped by ``step``,
                while a zero grad still decays it through momentum or weight decay.
        """
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if grad.grad_fn is not None:
                    grad.detach_()
                else:
                    grad.requires_grad_(False)
                grad._data[...] = 0
                grad._version[0] += 1

    def step(self, closure=None):
        """Perform one optimization step; ``closure`` re-evaluates the loss and returns it."""
        raise NotImplementedError

    @staticmethod
    def _evaluate_closure(closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ------------------------------------------------------------------ hooks
    def register_step_pre_hook(self, hook):
        """``hook(optimizer, args, kwargs) -> None | (new_args, new_kwargs)`` before each step."""
        handle = RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook):
        """``hook(optimizer, args, kwargs) -> None`` after each step."""
        handle = RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """``hook(optimizer) -> None`` before ``state_dict`` builds its result."""
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """``hook(optimizer, state_dict) -> state_dict | None`` on the built state_dict."""
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """``hook(optimizer, state_dict) -> state_dict | None`` before loading."""
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """``hook(optimizer) -> None`` after loading."""
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    @staticmethod
    def _register(hooks, hook, prepend):
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    # ------------------------------------------------------------------ state_dict
    def state_dict(self):
        """The optimizer's state as a dict, in PyTorch's layout::

            {"state": {0: {"momentum_buffer": tensor(...)}, 1: {...}},
             "param_groups": [{"lr": 0.01, ..., "params": [0, 1]}]}

        Parameters are replaced by integer ids (their position across all groups);
        the state tensors are the live buffers, not copies.
        """
        for pre_hook in self._optimizer_state_dict_pre_hooks.values():
            pre_hook(self)

        param_ids = {}
        start_index = 0

        def pack_group(group):
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start_index):
                param_ids.setdefault(id(p), i)
            packed["params"] = [param_ids[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(param_ids[id(k)] if isinstance(k, Tensor) else k): v
                        for k, v in self.state.items()}
        state_dict = {"state": packed_state, "param_groups": param_groups}

        for post_hook in self._optimizer_state_dict_post_hooks.values():
            result = post_hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict):
        """Load a state returned by ``state_dict`` (of an optimizer with the same groups).

        Group options (lr, momentum, ...) are replaced by the saved ones; state tensors
        are copied (cast to their parameter's floating dtype, except step counters).

        Raises:
            ValueError: the number of groups, or of parameters in a group, differs.
        """
        state_dict = state_dict.copy()
        for pre_hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = pre_hook(self, state_dict)
            if result is not None:
                state_dict = result

        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")

        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = _cast_state(param, value)
            else:
                state[key] = value

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})

        for post_hook in self._optimizer_load_state_dict_post_hooks.values():
            post_hook(self)


def _cast_state(param, value, key=None):
    """A copy of a saved state ``value`` for ``param``.

    Floating arrays take the parameter's dtype, except ``"step"`` counters, which keep
    their own (a float32 step would lose counts if cast to float16).
    """
    if isinstance(value, (Tensor, np.ndarray)):
        array = value._data if isinstance(value, Tensor) else value
        if key != "step" and array.dtype.kind == "f" and param.is_floating_point():
            array = array.astype(param._data.dtype)
        return Tensor._wrap(np.array(array, copy=True))
    if isinstance(value, dict):
        return {k: _cast_state(param, v, key=k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v) for v in value)
    return value
