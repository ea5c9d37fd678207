"""``Module``: the base class of every layer and model, with PyTorch's registration,
traversal, ``state_dict`` and hook semantics.

A module keeps its Parameters, buffers and child modules in three ordered dicts
(``_parameters``, ``_buffers``, ``_modules``); ``__setattr__`` routes assignments
into them and ``__getattr__`` reads them back. ``__call__`` runs ``forward``
directly when no hook is registered anywhere, and dispatches hooks otherwise.

Full backward hooks work as PyTorch's ``BackwardHook`` does: the Tensor inputs of
the call pass through one identity graph node before ``forward`` and the Tensor
outputs through another after it. When backward reaches the output node, its
incoming gradients are the module's ``grad_output``; when it leaves the input node,
its outgoing gradients are the module's ``grad_input``. The module's internals
never need to be known, so this works for any module, containers included.
"""
import functools
import itertools
import weakref
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from ... import _warnings
from ... import _dtype
from ..._handles import RemovableHandle
from ..._tensor import Tensor, _check_device
from ..._typename import typename
from ...autograd import grad_mode
from ...autograd.function import Function
from ..parameter import Buffer, Parameter

__all__ = [
    "Module",
    "register_module_forward_pre_hook",
    "register_module_forward_hook",
    "register_module_full_backward_pre_hook",
    "register_module_full_backward_hook",
    "register_module_backward_hook",
    "register_module_buffer_registration_hook",
    "register_module_module_registration_hook",
    "register_module_parameter_registration_hook",
]

_EXTRA_STATE_KEY_SUFFIX = "_extra_state"

_CPU_ONLY_MESSAGE = ("cynn runs on the CPU only: .cuda() is not available. "
                     "Remove the .cuda() call or use .to('cpu').")


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it missed and the keys it did not use."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _addindent(text, n_spaces):
    """Indent every line but the first by ``n_spaces`` (blank lines stay empty)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    first = lines.pop(0)
    rest = "\n".join(" " * n_spaces + line if line.strip() else "" for line in lines)
    return first + "\n" + rest


_typename = typename


# ---------------------------------------------------------------------------- global hooks
# Hooks common to all modules, run before each module's own hooks. Debugging and
# profiling tools (and cynn.hooks) install them.
_global_buffer_registration_hooks = OrderedDict()
_global_module_registration_hooks = OrderedDict()
_global_parameter_registration_hooks = OrderedDict()
_global_backward_pre_hooks = OrderedDict()
_global_backward_hooks = OrderedDict()
_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_always_called = OrderedDict()
_global_forward_hooks_with_kwargs = OrderedDict()


def _add_hook(hooks, hook, *flag_dicts, prepend=False):
    """Store ``hook`` in ``hooks`` under a new handle; ``flag_dicts`` are cleared on remove."""
    handle = RemovableHandle(hooks, *flag_dicts)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_module_buffer_registration_hook(hook):
    """``hook(module, name, buffer) -> None | new buffer`` runs in every ``register_buffer``."""
    return _add_hook(_global_buffer_registration_hooks, hook)


def register_module_module_registration_hook(hook):
    """``hook(module, name, submodule) -> None | new submodule`` runs whenever a child is added."""
    return _add_hook(_global_module_registration_hooks, hook)


def register_module_parameter_registration_hook(hook):
    """``hook(module, name, param) -> None | new param`` runs in every ``register_parameter``."""
    return _add_hook(_global_parameter_registration_hooks, hook)


def register_module_forward_pre_hook(hook):
    """Register ``hook(module, args) -> None | new args`` before every module's ``forward``.

    Runs before the hooks a module registers itself. A non-tuple return value is
    wrapped into a 1-tuple. Returns a handle whose ``remove()`` unregisters it.
    """
    return _add_hook(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """Register ``hook(module, args, output) -> None | new output`` after every ``forward``.

    With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs, output)``;
    with ``always_call=True`` it also runs when ``forward`` raises. Runs before the
    hooks a module registers itself. Returns a removable handle.
    """
    handle = _add_hook(_global_forward_hooks, hook, _global_forward_hooks_always_called,
                       _global_forward_hooks_with_kwargs)
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def register_module_full_backward_pre_hook(hook):
    """Register ``hook(module, grad_output) -> None | new grad_output`` for every module.

    Same semantics as ``Module.register_full_backward_pre_hook``; runs before the
    module's own backward pre-hooks.
    """
    return _add_hook(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook):
    """Register ``hook(module, grad_input, grad_output) -> None | new grad_input`` for every
    module. Same semantics as ``Module.register_full_backward_hook``; runs before the
    module's own backward hooks."""
    return _add_hook(_global_backward_hooks, hook)


def register_module_backward_hook(hook):
    """Same as ``register_module_full_backward_hook`` in cynn (see
    ``Module.register_backward_hook``)."""
    return _add_hook(_global_backward_hooks, hook)


class _WrappedHook:
    """A hook that receives its module (held weakly) as first argument."""

    def __init__(self, hook, module):
        self.hook = hook
        functools.update_wrapper(self, hook)
        self.module = weakref.ref(module)

    def __call__(self, *args, **kwargs):
        module = self.module()
        if module is None:
            raise RuntimeError("You are trying to call the hook of a dead Module!")
        return self.hook(module, *args, **kwargs)


# ---------------------------------------------------------------------------- backward hooks
class _BackwardHookFunction(Function):
    """Identity on any number of tensors: the graph node where module hooks attach.

    The outputs are numpy views of the inputs (new array objects, so that the ones
    not requiring grad can be marked non-differentiable by identity).
    """

    grad_fn_name = "BackwardHookFunctionBackward"

    @staticmethod
    def forward(ctx, *arrays, requires_grad):
        outputs = tuple(a.view() for a in arrays)
        ctx.mark_non_differentiable(*(o for o, r in zip(outputs, requires_grad) if not r))
        return outputs

    @staticmethod
    def backward(ctx, *grads):
        # As in PyTorch, an input that does not require grad still shows a (zero)
        # gradient to the module's backward hooks; the engine drops it afterwards.
        return grads


def _as_tensor_or_none(grad):
    return None if grad is None else Tensor._wrap(grad)


def _as_array_or_none(grad):
    if grad is None:
        return None
    return grad._data if isinstance(grad, Tensor) else np.asarray(grad)


class _BackwardHook:
    """Calls one module call's full backward (pre-)hooks from its identity nodes.

    ``setup_input_hook`` and ``setup_output_hook`` route the call's inputs and
    outputs through ``_BackwardHookFunction``. The output node's pre-hook records
    ``grad_output`` (after the backward pre-hooks may have replaced it); the input
    node's post-hook then calls the backward hooks with ``grad_input``. When no input
    requires grad there is no input node, and the backward hooks run from the output
    node with ``grad_input`` all None.
    """

    def __init__(self, module, hooks, pre_hooks):
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_positions = None   # where the Tensors are in args; None: no input node
        self.n_outputs = 0
        self.output_positions = None

    @staticmethod
    def _route_through_identity(values):
        """Replace the Tensors in ``values`` by identity outputs; returns (values, positions
        of the Tensors, node), or (values, None, None) when nothing requires grad."""
        positions = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
        tensors = [values[i] for i in positions]
        if not (grad_mode._local.enabled and any(t._requires_grad for t in tensors)):
            return values, None, None
        outputs = _BackwardHookFunction.apply(
            *tensors, requires_grad=tuple(t._requires_grad for t in tensors))
        node = None
        for t, out in zip(tensors, outputs):
            # Each output is a view of its input: it shares the version counter, and an
            # in-place op on it is refused (it would bypass the hook node).
            out._version = t._version
            out._base = t._base if t._base is not None else t
            if node is None and out._grad_fn is not None:
                node = out._grad_fn
        replaced = list(values)
        for i, out in zip(positions, outputs):
            replaced[i] = out
        if type(values) is tuple:
            return tuple(replaced), positions, node
        return type(values)(*replaced), positions, node   # a namedtuple

    @staticmethod
    def _pack(positions, grads, size):
        """Module-level gradient tuple: Tensors at ``positions``, None elsewhere."""
        packed = [None] * size
        for i, g in zip(positions, grads):
            packed[i] = _as_tensor_or_none(g)
        return tuple(packed)

    def setup_input_hook(self, args):
        args, self.input_positions, node = self._route_through_identity(args)
        self.n_inputs = len(args)
        if node is not None:
            node.register_hook(self._on_grad_input)
        return args

    def setup_output_hook(self, result):
        is_tuple = isinstance(result, tuple)
        outputs = result if is_tuple else (result,)
        outputs, self.output_positions, node = self._route_through_identity(outputs)
        self.n_outputs = len(outputs)
        if node is not None:
            node.register_prehook(self._on_grad_output)
        return outputs if is_tuple else outputs[0]

    def _on_grad_output(self, grads):
        """Pre-hook of the output node: ``grads`` are the arrays arriving at the outputs."""
        self.grad_outputs = self._pack(self.output_positions, grads, self.n_outputs)
        for hook in self.pre_hooks:
            replaced = hook(self.module, self.grad_outputs)
            if replaced is None:
                continue
            if isinstance(replaced, Tensor):
                replaced = (replaced,)
            if len(replaced) != len(self.grad_outputs):
                raise RuntimeError(f"Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(replaced)}, but expected "
                                   f"{len(self.grad_outputs)}")
            self.grad_outputs = tuple(replaced)
        grad_outputs = self.grad_outputs
        if self.input_positions is None and self.hooks:
            _warnings.warn("Full backward hook is firing when gradients are computed with "
                           "respect to module outputs since no inputs require gradients.")
            grad_input = (None,) * self.n_inputs
            for hook in self.hooks:
                result = hook(self.module, grad_input, grad_outputs)
                if result is not None and not (isinstance(result, tuple)
                                               and all(r is None for r in result)):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return tuple(_as_array_or_none(grad_outputs[i]) for i in self.output_positions)

    def _on_grad_input(self, grad_inputs, _grad_outputs):
        """Post-hook of the input node: ``grad_inputs`` are the arrays leaving for the inputs."""
        if self.grad_outputs is None:
            # The gradient reached the inputs without passing through the outputs.
            return None
        grad_input = self._pack(self.input_positions, grad_inputs, self.n_inputs)
        for hook in self.hooks:
            replaced = hook(self.module, grad_input, self.grad_outputs)
            if replaced is None:
                continue
            if isinstance(replaced, Tensor):
                replaced = (replaced,)
            if len(replaced) != len(grad_input):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                   f"got {len(replaced)}, but expected {len(grad_input)}")
            grad_input = tuple(replaced)
        self.grad_outputs = None
        return tuple(_as_array_or_none(grad_input[i]) for i in self.input_positions)


# ---------------------------------------------------------------------------- Module
def _forward_unimplemented(self, *input):
    """Define the computation performed at every call; every subclass overrides it.

    Call the module (``module(x)``) rather than ``forward``: the call runs the hooks.
    """
    raise NotImplementedError(
        f'Module [{type(self).__name__}] is missing the required "forward" function')


def _parse_to(*args, device=None, dtype=None, non_blocking=False, memory_format=None,
              copy=False):
    """``Module.to``'s arguments as (device, dtype): ``to(device)``, ``to(dtype)``,
    ``to(device, dtype)``, ``to(tensor)`` and keyword forms."""
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif isinstance(arg, _dtype.dtype):
            dtype = arg
        elif isinstance(arg, bool):
            non_blocking = arg
        else:
            device = arg
    if dtype is not None:
        dtype = _dtype.to_dtype(dtype)
    return device, dtype


class Module:
    """Base class for all neural network modules; models subclass it.

    Modules hold Parameters, buffers and other Modules, assigned as attributes in
    ``__init__`` (after ``super().__init__()``), and define ``forward``::

        import cynn.nn as nn
        import cynn.nn.functional as F

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 20, 5)
                self.conv2 = nn.Conv2d(20, 20, 5)

            def forward(self, x):
                x = F.relu(self.conv1(x))
                return F.relu(self.conv2(x))

    Attributes:
        training (bool): whether the module is in training mode (``train()`` /
            ``eval()`` set it for the whole tree).
    """

    dump_patches = False
    # Saved in state_dict()'s ``_metadata``; a module bumps it when its state layout
    # changes, so that ``_load_from_state_dict`` can convert old checkpoints.
    _version = 1
    call_super_init = False

    def __init__(self, *args, **kwargs):
        if self.call_super_init is False and kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword "
                            f"argument '{next(iter(kwargs))}'")
        if self.call_super_init is False and args:
            raise TypeError(f"{type(self).__name__}.__init__() takes 1 positional argument "
                            f"but {len(args) + 1} were given")
        # Straight into __dict__: these must exist before __setattr__ can route anything.
        self.__dict__.update(
            training=True,
            _parameters={},
            _buffers={},
            _non_persistent_buffers_set=set(),
            _backward_pre_hooks=OrderedDict(),
            _backward_hooks=OrderedDict(),
            _is_full_backward_hook=None,
            _forward_hooks=OrderedDict(),
            _forward_hooks_with_kwargs=OrderedDict(),
            _forward_hooks_always_called=OrderedDict(),
            _forward_pre_hooks=OrderedDict(),
            _forward_pre_hooks_with_kwargs=OrderedDict(),
            _state_dict_hooks=OrderedDict(),
            _state_dict_pre_hooks=OrderedDict(),
            _load_state_dict_pre_hooks=OrderedDict(),
            _load_state_dict_post_hooks=OrderedDict(),
            _modules={},
        )
        if self.call_super_init:
            super().__init__(*args, **kwargs)

    forward = _forward_unimplemented

    # ------------------------------------------------------------------ registration
    def register_buffer(self, name, tensor, persistent=True):
        """Add a buffer: state that is not a parameter (e.g. BatchNorm's ``running_mean``).

        Args:
            name (str): attribute name of the buffer.
            tensor (Tensor or None): the buffer; ``None`` keeps the name registered but
                out of ``state_dict()`` and conversions.
            persistent (bool): whether the buffer is part of ``state_dict()``.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError('buffer name can\'t contain "."')
        if name == "":
            raise KeyError('buffer name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            "(cynn Tensor or None required)")
        if isinstance(tensor, Buffer):
            tensor = tensor._as_tensor()
        for hook in _global_buffer_registration_hooks.values():
            output = hook(self, name, tensor)
            if output is not None:
                tensor = output
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name, param):
        """Add a Parameter (or ``None``, which keeps the name but no value) as ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"parameter name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError('parameter name can\'t contain "."')
        if name == "":
            raise KeyError('parameter name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            "(cynn.nn.Parameter or None required)")
        if param._grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must "
                f"be created explicitly. To express '{name}' as a function of another Tensor, "
                "compute the value in the forward() method.")
        for hook in _global_parameter_registration_hooks.values():
            output = hook(self, name, param)
            if output is not None:
                param = output
        self._parameters[name] = param

    def add_module(self, name, module):
        """Add ``module`` (or ``None``) as the child ``name``, reachable as an attribute."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {_typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        for hook in _global_module_registration_hooks.values():
            output = hook(self, name, module)
            if output is not None:
                module = output
        self._modules[name] = module

    def register_module(self, name, module):
        """Alias for ``add_module``."""
        self.add_module(name, module)

    def get_submodule(self, target):
        """The submodule at dotted path ``target`` (``""`` is ``self``); AttributeError if
        a step does not exist or is not a Module."""
        if target == "":
            return self
        module = self
        for item in target.split("."):
            if not hasattr(module, item):
                raise AttributeError(module._get_name() + " has no attribute `" + item + "`")
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise AttributeError("`" + item + "` is not an nn.Module")
        return module

    def set_submodule(self, target, module, strict=False):
        """Set the submodule at dotted path ``target`` (its parent must exist; with
        ``strict=True`` the submodule itself must exist too)."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        if strict and not hasattr(parent, name):
            raise AttributeError(parent._get_name() + " has no attribute `" + name + "`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError("`" + name + "` is not an nn.Module")
        setattr(parent, name, module)

    def get_parameter(self, target):
        """The Parameter at dotted path ``target`` (e.g. ``"fc.weight"``)."""
        module_path, _, param_name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, param_name):
            raise AttributeError(module._get_name() + " has no attribute `" + param_name + "`")
        param = getattr(module, param_name)
        if not isinstance(param, Parameter):
            raise AttributeError("`" + param_name + "` is not an nn.Parameter")
        return param

    def get_buffer(self, target):
        """The buffer at dotted path ``target`` (e.g. ``"bn.running_mean"``)."""
        module_path, _, buffer_name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, buffer_name):
            raise AttributeError(module._get_name() + " has no attribute `" + buffer_name + "`")
        buffer = getattr(module, buffer_name)
        if buffer_name not in module._buffers:
            raise AttributeError("`" + buffer_name + "` is not a buffer")
        return buffer

    def get_extra_state(self):
        """Override (with ``set_extra_state``) to store non-tensor state in ``state_dict``."""
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never "
                           "be called.")

    def set_extra_state(self, state):
        """Override (with ``get_extra_state``) to restore what ``get_extra_state`` returned."""
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never "
                           "be called.")

    # ------------------------------------------------------------------ attribute routing
    def __getattr__(self, name):
        # Only reached when normal lookup fails: parameters, buffers and children live in
        # their dicts, not in __dict__.
        d = self.__dict__
        if "_parameters" in d:
            params = d["_parameters"]
            if name in params:
                return params[name]
        if "_buffers" in d:
            buffers = d["_buffers"]
            if name in buffers:
                return buffers[name]
        if "_modules" in d:
            modules = d["_modules"]
            if name in modules:
                return modules[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            _remove_from(name, d, self._buffers, self._modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(cynn.nn.Parameter or None expected)")
            self.register_parameter(name, value)
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            _remove_from(name, d, self._parameters, self._buffers,
                         self._non_persistent_buffers_set)
            for hook in _global_module_registration_hooks.values():
                output = hook(self, name, value)
                if output is not None:
                    value = output
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                "(cynn.nn.Module or None expected)")
            for hook in _global_module_registration_hooks.values():
                output = hook(self, name, value)
                if output is not None:
                    value = output
            modules[name] = value
            return
        buffers = d.get("_buffers")
        if isinstance(value, Buffer) or (buffers is not None and name in buffers):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                "(cynn.nn.Buffer, cynn.Tensor or None expected)")
            if isinstance(value, Buffer):
                persistent = value.persistent
            else:
                persistent = name not in self._non_persistent_buffers_set
            self.register_buffer(name, value, persistent)
            return
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        keys = (dir(type(self)) + list(self.__dict__) + list(self._parameters)
                + list(self._modules) + list(self._buffers))
        return sorted(k for k in keys if not k[0].isdigit())

    # Defined on the class so that pickle and copy find them without going through
    # __getattr__, which reads _parameters before an unpickled module has any.
    def __getstate__(self):
        return self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)

    # ------------------------------------------------------------------ calling
    def _call_impl(self, *args, **kwargs):
        if not (self._forward_hooks or self._forward_pre_hooks or self._backward_hooks
                or self._backward_pre_hooks or _global_forward_hooks
                or _global_forward_pre_hooks or _global_backward_hooks
                or _global_backward_pre_hooks):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    __call__ = _call_impl

    def _call_with_hooks(self, args, kwargs):
        """Forward pre-hooks, backward-hook setup, ``forward``, forward hooks; on an
        exception, the ``always_call`` forward hooks that have not run yet."""
        result = None
        ran_always_called = set()
        try:
            if _global_forward_pre_hooks or self._forward_pre_hooks:
                args, kwargs = self._run_forward_pre_hooks(args, kwargs)
            backward_hook = self._make_backward_hook()
            if backward_hook is not None:
                args = backward_hook.setup_input_hook(args)
            result = self.forward(*args, **kwargs)
            if _global_forward_hooks or self._forward_hooks:
                for hook_id, hook in (*_global_forward_hooks.items(),
                                      *self._forward_hooks.items()):
                    if (hook_id in self._forward_hooks_always_called
                            or hook_id in _global_forward_hooks_always_called):
                        ran_always_called.add(hook_id)
                    if (hook_id in self._forward_hooks_with_kwargs
                            or hook_id in _global_forward_hooks_with_kwargs):
                        hook_result = hook(self, args, kwargs, result)
                    else:
                        hook_result = hook(self, args, result)
                    if hook_result is not None:
                        result = hook_result
            if backward_hook is not None:
                if not isinstance(result, (Tensor, tuple)):
                    _warnings.warn("For backward hooks to be called, module output should be a "
                                   "Tensor or a tuple of Tensors but received "
                                   f"{type(result)}")
                result = backward_hook.setup_output_hook(result)
            return result
        except Exception:
            self._run_always_called_hooks(args, kwargs, result, ran_always_called)
            raise

    def _run_forward_pre_hooks(self, args, kwargs):
        for hook_id, hook in (*_global_forward_pre_hooks.items(),
                              *self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                hook_result = hook(self, args, kwargs)
                if hook_result is not None:
                    if not (isinstance(hook_result, tuple) and len(hook_result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {hook_result}.")
                    args, kwargs = hook_result
            else:
                hook_result = hook(self, args)
                if hook_result is not None:
                    args = hook_result if isinstance(hook_result, tuple) else (hook_result,)
        return args, kwargs

    def _make_backward_hook(self):
        pre_hooks = [*_global_backward_pre_hooks.values(), *self._backward_pre_hooks.values()]
        hooks = [*_global_backward_hooks.values(), *self._backward_hooks.values()]
        if hooks or pre_hooks:
            return _BackwardHook(self, hooks, pre_hooks)
        return None

    def _run_always_called_hooks(self, args, kwargs, result, already_ran):
        for hook_id, hook in _global_forward_hooks.items():
            if hook_id in _global_forward_hooks_always_called and hook_id not in already_ran:
                try:
                    hook_result = hook(self, args, result)
                    if hook_result is not None:
                        result = hook_result
                except Exception as e:
                    _warnings.warn("global module forward hook with ``always_call=True`` raised "
                                   "an exception that was silenced as another error was raised "
                                   f"in forward: {e}")
        for hook_id, hook in self._forward_hooks.items():
            if hook_id in self._forward_hooks_always_called and hook_id not in already_ran:
                try:
                    if hook_id in self._forward_hooks_with_kwargs:
                        hook_result = hook(self, args, kwargs, result)
                    else:
                        hook_result = hook(self, args, result)
                    if hook_result is not None:
                        result = hook_result
                except Exception as e:
                    _warnings.warn("module forward hook with ``always_call=True`` raised an "
                                   "exception that was silenced as another error was raised in "
                                   f"forward: {e}")

    # ------------------------------------------------------------------ hooks
    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Run ``hook(module, args) -> None | new args`` before every ``forward``.

        A non-tuple return value is wrapped into a 1-tuple. With ``with_kwargs=True``:
        ``hook(module, args, kwargs) -> None | (new_args, new_kwargs)``. ``prepend``
        runs it before this module's existing pre-hooks (global ones still run first).
        Returns a handle whose ``remove()`` unregisters the hook.
        """
        handle = _add_hook(self._forward_pre_hooks, hook, self._forward_pre_hooks_with_kwargs,
                           prepend=prepend)
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        """Run ``hook(module, args, output) -> None | new output`` after every ``forward``.

        With ``with_kwargs=True``: ``hook(module, args, kwargs, output)``. With
        ``always_call=True`` the hook also runs when ``forward`` raises. Returns a
        removable handle.
        """
        handle = _add_hook(self._forward_hooks, hook, self._forward_hooks_with_kwargs,
                           self._forward_hooks_always_called, prepend=prepend)
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        return handle

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """Run ``hook(module, grad_output) -> None | new grad_output`` when the gradients
        with respect to the module's outputs have been computed.

        ``grad_output`` is a tuple with one entry per output (None for non-Tensor
        outputs and outputs that received no gradient). A returned tuple replaces it
        for the rest of backward. As in PyTorch, ``forward`` then receives views of its
        Tensor inputs and the caller views of the outputs, and modifying those in place
        raises. Returns a removable handle.
        """
        return _add_hook(self._backward_pre_hooks, hook, prepend=prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """Run ``hook(module, grad_input, grad_output) -> None | new grad_input`` when the
        gradients with respect to the module's inputs have been computed.

        ``grad_input`` has one entry per positional input (None for non-Tensors and
        inputs that do not require grad), ``grad_output`` one per output; both are
        for the module as a whole. When no input requires grad, the hook runs once
        the output gradients are known, with ``grad_input`` all None; when no output
        requires grad, it does not run. A returned tuple replaces ``grad_input``.
        Inputs and outputs are views, as for ``register_full_backward_pre_hook``.
        Returns a removable handle.
        """
        self._is_full_backward_hook = True
        return _add_hook(self._backward_hooks, hook, prepend=prepend)

    def register_backward_hook(self, hook):
        """Same as ``register_full_backward_hook`` in cynn.

        PyTorch's deprecated non-full hook reports the gradients of whichever graph
        node produced the output; cynn always reports the gradients for the module as
        a whole (the documented, full behaviour), so the two can also be mixed.
        """
        return self.register_full_backward_hook(hook)

    def register_state_dict_pre_hook(self, hook):
        """Run ``hook(module, prefix, keep_vars)`` before ``state_dict`` collects this module."""
        return _add_hook(self._state_dict_pre_hooks, hook)

    def register_state_dict_post_hook(self, hook):
        """Run ``hook(module, state_dict, prefix, local_metadata) -> None`` after this module's
        entries are in ``state_dict``; it may edit ``state_dict`` in place."""
        return _add_hook(self._state_dict_hooks, hook)

    def register_load_state_dict_pre_hook(self, hook):
        """Run ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before this module loads its entries."""
        return _add_hook(self._load_state_dict_pre_hooks, _WrappedHook(hook, self))

    def register_load_state_dict_post_hook(self, hook):
        """Run ``hook(module, incompatible_keys) -> None`` after ``load_state_dict`` visited
        this module; it may edit the missing/unexpected key lists in place."""
        return _add_hook(self._load_state_dict_post_hooks, hook)

    # ------------------------------------------------------------------ traversal
    def _named_members(self, get_members, prefix="", recurse=True, remove_duplicate=True):
        seen = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        for module_prefix, module in modules:
            for name, value in get_members(module):
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield (module_prefix + "." + name if module_prefix else name), value

    def parameters(self, recurse=True):
        """Iterator over the Parameters (of submodules too when ``recurse``), each once."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Iterator over ``(dotted name, Parameter)``; a shared Parameter is yielded once
        (under its first name) unless ``remove_duplicate=False``."""
        yield from self._named_members(lambda m: m._parameters.items(), prefix=prefix,
                                       recurse=recurse, remove_duplicate=remove_duplicate)

    def buffers(self, recurse=True):
        """Iterator over the buffers (of submodules too when ``recurse``)."""
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """Iterator over ``(dotted name, buffer)``."""
        yield from self._named_members(lambda m: m._buffers.items(), prefix=prefix,
                                       recurse=recurse, remove_duplicate=remove_duplicate)

    def children(self):
        """Iterator over the immediate child modules."""
        for _, module in self.named_children():
            yield module

    def named_children(self):
        """Iterator over ``(name, child)``; a child registered twice is yielded once."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def modules(self, remove_duplicate=True):
        """Iterator over all modules of the tree, ``self`` first, each once."""
        for _, module in self.named_modules(remove_duplicate=remove_duplicate):
            yield module

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Iterator over ``(dotted name, module)`` in depth-first pre-order, ``("", self)``
        first; a module reachable twice is yielded once (under its first name)."""
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + "." + name if prefix else name,
                                            remove_duplicate)

    def apply(self, fn):
        """Call ``fn(module)`` on every child (recursively), then on ``self``; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode=True):
        """Set training mode (``mode=True``) or evaluation mode on the whole tree."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` on every parameter; returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset every parameter's ``.grad``: to None (default) or to zeros in place."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                if p.grad.grad_fn is not None:
                    p.grad.detach_()
                else:
                    p.grad.requires_grad_(False)
                p.grad.zero_()

    # ------------------------------------------------------------------ conversion
    def _apply(self, fn, recurse=True):
        """Replace every parameter's and buffer's value by ``fn(tensor)``; Parameters keep
        their identity (their storage is swapped), gradients are converted too."""
        if recurse:
            for module in self.children():
                module._apply(fn)
        for param in self._parameters.values():
            if param is None:
                continue
            with grad_mode.no_grad():
                applied = fn(param)
            param.data = applied
            if param.grad is not None:
                with grad_mode.no_grad():
                    param.grad.data = fn(param.grad)
        for key, buf in self._buffers.items():
            if buf is not None:
                self._buffers[key] = fn(buf)
        return self

    def to(self, *args, **kwargs):
        """Convert floating-point parameters and buffers: ``to(dtype)``, ``to(device)``,
        ``to(device, dtype)``, ``to(tensor)``. cynn runs on the CPU: any other device
        raises RuntimeError. Returns self (modified in place)."""
        device, dtype = _parse_to(*args, **kwargs)
        if dtype is not None and not dtype.is_floating_point:
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but "
                            f"got desired dtype={dtype}")
        _check_device(device)
        if dtype is None:
            return self

        def convert(t):
            return t.to(dtype) if t.is_floating_point() else t
        return self._apply(convert)

    def cpu(self):
        """Parameters are always on the CPU in cynn; returns self."""
        return self

    def cuda(self, device=None):
        """Not available: cynn runs on the CPU only (raises RuntimeError)."""
        raise RuntimeError(_CPU_ONLY_MESSAGE)

    def type(self, dst_type):
        """Cast all parameters and buffers to ``dst_type``; returns self."""
        return self._apply(lambda t: t.type(dst_type))

    def float(self):
        """Cast floating-point parameters and buffers to float32; returns self."""
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self):
        """Cast floating-point parameters and buffers to float64; returns self."""
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self):
        """Cast floating-point parameters and buffers to float16; returns self."""
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def share_memory(self):
        """Move every parameter, buffer and gradient into shared memory, in place
        (see Tensor.share_memory_); returns self."""
        return self._apply(lambda t: t.share_memory_())

    # ------------------------------------------------------------------ state dict
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        """Put this module's own parameters and persistent buffers into ``destination``."""
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()
        if type(self).get_extra_state is not Module.get_extra_state:
            destination[prefix + _EXTRA_STATE_KEY_SUFFIX] = self.get_extra_state()

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """The module's state: an OrderedDict of dotted name -> Tensor.

        Holds every parameter and persistent buffer of the tree (None ones left
        out), detached from the graph unless ``keep_vars``; the tensors share storage
        with the module. ``_metadata`` on the dict holds each module's ``_version``.
        """
        if args:
            _warnings.warn("Positional args are being deprecated, use kwargs instead.",
                           FutureWarning)
            if destination is None:
                destination = args[0]
            if len(args) > 1 and prefix == "":
                prefix = args[1]
            if len(args) > 2 and keep_vars is False:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        local_metadata = dict(version=self._version)
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".",
                                  keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            if hook(self, destination, prefix, local_metadata) is not None:
                raise RuntimeError("state_dict post-hook must return None")
        return destination

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        """Copy this module's own entries (``prefix + name``) from ``state_dict``.

        Subclasses override it to convert older layouts (``local_metadata["version"]``).
        Problems are appended to ``missing_keys``, ``unexpected_keys`` and
        ``error_msgs`` rather than raised.
        """
        for hook in self._load_state_dict_pre_hooks.values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                 error_msgs)
        local_state = {name: value for name, value in itertools.chain(
            self._parameters.items(),
            ((k, v) for k, v in self._buffers.items()
             if k not in self._non_persistent_buffers_set)) if value is not None}
        assign = local_metadata.get("assign_to_params_buffers", False)
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            input_param = state_dict[key]
            if isinstance(input_param, np.ndarray):
                input_param = Tensor._wrap(input_param)
            if not isinstance(input_param, Tensor):
                error_msgs.append(f'While copying the parameter named "{key}", expected '
                                  "cynn.Tensor or Tensor-like object from checkpoint but "
                                  f"received {type(input_param)}")
                continue
            if param.dim() == 0 and input_param.dim() == 1 and input_param.shape[0] == 1:
                input_param = input_param[0]
            if input_param.shape != param.shape:
                error_msgs.append(f"size mismatch for {key}: copying a param with shape "
                                  f"{input_param.shape} from checkpoint, the shape in current "
                                  f"model is {param.shape}.")
                continue
            try:
                with grad_mode.no_grad():
                    if assign:
                        self._assign_loaded(name, param, input_param)
                    else:
                        param.copy_(input_param)
            except Exception as ex:
                error_msgs.append(f'While copying the parameter named "{key}", whose dimensions '
                                  f"in the model are {param.size()} and whose dimensions in "
                                  f"the checkpoint are {input_param.size()}, an exception "
                                  f"occurred : {ex.args}.")
        extra_state_key = prefix + _EXTRA_STATE_KEY_SUFFIX
        if type(self).set_extra_state is not Module.set_extra_state:
            if extra_state_key in state_dict:
                self.set_extra_state(state_dict[extra_state_key])
            elif strict:
                missing_keys.append(extra_state_key)
        elif strict and extra_state_key in state_dict:
            unexpected_keys.append(extra_state_key)
        if strict:
            for key in state_dict:
                if key.startswith(prefix) and key != extra_state_key:
                    head, dot, _ = key[len(prefix):].partition(".")
                    if dot:
                        if head not in self._modules:
                            unexpected_keys.append(key)
                    elif head not in local_state:
                        unexpected_keys.append(key)

    def _assign_loaded(self, name, current, loaded):
        """``load_state_dict(assign=True)``: the module takes the loaded tensor itself."""
        if isinstance(current, Parameter):
            if isinstance(loaded, Parameter):
                loaded.requires_grad_(current.requires_grad)
            else:
                loaded = Parameter(loaded, requires_grad=current.requires_grad)
        setattr(self, name, loaded)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy parameters and buffers from ``state_dict`` into the module tree.

        Values are copied in place under ``no_grad`` (parameters keep their
        identity), or, with ``assign=True``, the module takes the tensors of the
        state dict (parameters keep their ``requires_grad``). With ``strict=True``
        (default) missing or unexpected keys raise RuntimeError, as do shape
        mismatches in any case.

        Returns:
            ``_IncompatibleKeys(missing_keys, unexpected_keys)``, a namedtuple of lists.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing_keys, unexpected_keys, error_msgs = [], [], []
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)
        if metadata is not None:
            state_dict._metadata = metadata

        def load(module, local_state_dict, prefix=""):
            local_metadata = {} if metadata is None else dict(metadata.get(prefix[:-1], {}))
            if assign:
                local_metadata["assign_to_params_buffers"] = assign
            module._load_from_state_dict(local_state_dict, prefix, local_metadata, True,
                                         missing_keys, unexpected_keys, error_msgs)
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    load(child, {k: v for k, v in local_state_dict.items()
                                 if k.startswith(child_prefix)}, child_prefix)
            incompatible_keys = _IncompatibleKeys(missing_keys, unexpected_keys)
            for hook in module._load_state_dict_post_hooks.values():
                if hook(module, incompatible_keys) is not None:
                    raise AssertionError(
                        "Hooks registered with ``register_load_state_dict_post_hook`` are not "
                        "expected to return new values, if incompatible_keys need to be "
                        "modified, it should be done inplace.")

        load(self, state_dict)
        if strict:
            if unexpected_keys:
                error_msgs.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected_keys)))
            if missing_keys:
                error_msgs.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing_keys)))
        if error_msgs:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(error_msgs)))
        return _IncompatibleKeys(missing_keys, unexpected_keys)

    # ------------------------------------------------------------------ repr
    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        """The text inside this module's ``repr`` parentheses; override to describe
        the module's configuration (one or several lines)."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = ["(" + name + "): " + _addindent(repr(module), 2)
                       for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return self._get_name() + "(" + body + ")"


def _remove_from(name, *dicts_or_sets):
    for d in dicts_or_sets:
        if name in d:
            if isinstance(d, dict):
                del d[name]
            else:
                d.discard(name)
