"""``register_parametrization``: a module tensor computed from an ``original`` one
(``module.weight`` becomes ``f(original)`` on every access), as
``torch.nn.utils.parametrize``.

The module's class is swapped for a subclass with one property per parametrized name
(the instance's class only, so other instances keep theirs); the originals and the
parametrization modules live in ``module.parametrizations[name]``, which gives torch's
state-dict keys: ``parametrizations.weight.original`` (``original0``, ``original1``, ...
when ``right_inverse`` returns several tensors) and ``parametrizations.weight.0.<buffer>``.
"""
import contextlib

from ... import _creation
from ...autograd import grad_mode
from ..modules.container import ModuleDict, ModuleList
from ..modules.module import Module
from ..parameter import Parameter

__all__ = ["cached", "ParametrizationList", "register_parametrization", "is_parametrized",
           "remove_parametrizations", "type_before_parametrizations",
           "transfer_parametrizations_and_params"]

_cache_enabled = 0
_cache = {}


@contextlib.contextmanager
def cached():
    """Inside the block each parametrized tensor is computed once per module and name."""
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor (applied in order) and its ``original``."""

    def __init__(self, modules, original, unsafe=False):
        super().__init__(modules)
        self.unsafe = unsafe
        new = original
        with grad_mode.no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    new = module.right_inverse(new)
        self.is_tensor = not isinstance(new, (tuple, list))
        self.ntensors = 1 if self.is_tensor else len(new)
        requires_grad = original.requires_grad
        if self.is_tensor:
            with grad_mode.no_grad():
                if tuple(new.shape) == tuple(original.shape) and new.dtype == original.dtype:
                    original.copy_(new)
                    keep = original
                else:
                    keep = new
            self._register_original("original", keep, requires_grad)
        else:
            for i, t in enumerate(new):
                self._register_original(f"original{i}", t, requires_grad)

    def _register_original(self, name, tensor, requires_grad):
        if isinstance(tensor, Parameter):
            self.register_parameter(name, tensor)
        elif requires_grad:
            self.register_parameter(name, Parameter(tensor.detach(), requires_grad))
        else:
            self.register_buffer(name, tensor.detach())

    def right_inverse(self, value):
        """Set the originals so that the parametrized tensor becomes ``value``."""
        with grad_mode.no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
                elif not self.unsafe:
                    raise RuntimeError(f"parametrization {type(module).__name__} does not "
                                       f"implement right_inverse.")
            if self.is_tensor:
                self.original.copy_(value)
            else:
                for i, t in enumerate(value):
                    getattr(self, f"original{i}").copy_(t)

    def forward(self):
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def _parametrized_class(module):
    cls = module.__class__
    return type(f"Parametrized{cls.__name__}", (cls,), {"__module__": cls.__module__})


def _add_property(module, name):
    def getter(self):
        key = (id(self), name)
        if _cache_enabled and key in _cache:
            return _cache[key]
        value = self.parametrizations[name]()
        if _cache_enabled:
            _cache[key] = value
        return value

    def setter(self, value):
        self.parametrizations[name].right_inverse(value)

    setattr(module.__class__, name, property(getter, setter))


def is_parametrized(module, tensor_name=None):
    """Whether ``module`` (or its ``tensor_name``) has a parametrization."""
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if parametrizations is None or not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def type_before_parametrizations(module):
    """The module's class before any parametrization swapped it."""
    if is_parametrized(module):
        return module.__class__.__bases__[0]
    return type(module)


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Make ``module.<tensor_name>`` the output of ``parametrization`` (a Module) applied
    to the current tensor, which is kept as ``module.parametrizations.<tensor_name>
    .original``. Registering again on the same name chains the parametrizations."""
    if not isinstance(parametrization, Module):
        raise TypeError(f"parametrization must be an nn.Module, got "
                        f"{type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        if not unsafe:
            current = getattr(module, tensor_name)
            new = parametrization(current)
            if tuple(new.shape) != tuple(current.shape) or new.dtype != current.dtype:
                raise ValueError(f"Registering a parametrization may not change the shape or "
                                 f"dtype of the tensor, unless `unsafe` flag is enabled.\n"
                                 f"unparametrized dtype: {current.dtype}\n"
                                 f"parametrized dtype: {new.dtype}\n"
                                 f"unparametrized shape: {current.shape}\n"
                                 f"parametrized shape: {new.shape}")
        module.parametrizations[tensor_name].append(parametrization)
        module.parametrizations[tensor_name].unsafe |= unsafe
        return module
    if tensor_name in module._parameters or tensor_name in module._buffers:
        original = getattr(module, tensor_name)
        if not unsafe:
            new = parametrization(original)
            if tuple(new.shape) != tuple(original.shape) or new.dtype != original.dtype:
                raise ValueError(f"Registering a parametrization may not change the shape or "
                                 f"dtype of the tensor, unless `unsafe` flag is enabled.\n"
                                 f"unparametrized dtype: {original.dtype}\n"
                                 f"parametrized dtype: {new.dtype}\n"
                                 f"unparametrized shape: {original.shape}\n"
                                 f"parametrized shape: {new.shape}")
        parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
        if tensor_name in module._parameters:
            del module._parameters[tensor_name]
        else:
            del module._buffers[tensor_name]
        if not is_parametrized(module):
            module.parametrizations = ModuleDict()
            module.__class__ = _parametrized_class(module)
        module.parametrizations[tensor_name] = parametrizations
        _add_property(module, tensor_name)
        return module
    raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized "
                     f"element with name '{tensor_name}'")


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undo the parametrizations of ``tensor_name``: it becomes a plain parameter again,
    holding the parametrized value (``leave_parametrized``) or the original."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with grad_mode.no_grad():
                value = getattr(module, tensor_name)
            with grad_mode.no_grad():
                if tuple(value.shape) == tuple(original.shape) and value.dtype == original.dtype:
                    original.copy_(value)
                else:
                    original = Parameter(value.detach(), original.requires_grad)
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                             "that is parametrized in terms of a sequence of tensors.")
        with grad_mode.no_grad():
            value = getattr(module, tensor_name)
        original = Parameter(value.detach(), parametrizations.original0.requires_grad)
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    if isinstance(original, Parameter):
        module.register_parameter(tensor_name, original)
    else:
        module.register_buffer(tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module


def transfer_parametrizations_and_params(from_module, to_module, tensor_name=None):
    """Copy the parametrizations (and their originals) of ``from_module`` onto
    ``to_module`` for ``tensor_name`` (all of them when None)."""
    names = [tensor_name] if tensor_name is not None else list(from_module.parametrizations)
    for name in names:
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(getattr(from_module, name).detach()))
        for parametrization in from_module.parametrizations[name]:
            register_parametrization(to_module, name, parametrization)
        with grad_mode.no_grad():
            source = from_module.parametrizations[name]
            target = to_module.parametrizations[name]
            if source.is_tensor:
                target.original.copy_(source.original)
            else:
                for i in range(source.ntensors):
                    getattr(target, f"original{i}").copy_(getattr(source, f"original{i}"))
    return to_module


del _creation
