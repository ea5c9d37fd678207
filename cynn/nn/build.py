"""``cynn.nn.build``: modules from plain JSON data, through the layer registry.

A spec is what a JSON or YAML config holds::

    {"type": "Conv2d", "args": [3, 6, 5], "kwargs": {"stride": 2}}   # one layer
    [{"type": "Linear", "args": [4, 8]}, {"type": "ReLU"}]          # a Sequential
    {"type": "Sequential", "layers": {"fc": {...}, "act": {...}}}   # a named Sequential

``type`` is any name :func:`cynn.registry.get` accepts (built-ins, registered
layers, plugin layers, ``"dist:Name"``); ``args`` and ``kwargs`` are optional.
JSON has no tuples, so lists inside arguments become tuples (``"kernel_size": [3, 3]``
gives ``(3, 3)``, as PyTorch layers keep it). ``layers`` is taken by the
containers: ``Sequential`` (a list, or a dict of named layers), ``ModuleList`` (a
list) and ``ModuleDict`` (a dict).

Every error is a :class:`cynn.registry.SpecError` (a ``ValueError``) whose message
starts with the path of the offending entry, such as ``spec[2].kwargs.stride`` or
``spec.layers.conv1.type``; an error raised by a layer's constructor is chained.
"""
import difflib
import inspect
import re
from collections import OrderedDict
from collections.abc import Mapping

from .. import registry
from ..registry import SpecError

__all__ = ["build"]

_SPEC_KEYS = ("type", "args", "kwargs", "layers")


def build(spec):
    """Build a module (or a ``Sequential`` of modules) from plain data.

    Args:
        spec (dict or list): ``{"type": name, "args": [...], "kwargs": {...}}``, a
            list of such specs (built into a ``Sequential``), or a container spec
            with ``"layers"``: ``{"type": "Sequential", "layers": {"conv1": {...}}}``.

    Returns:
        The ``cynn.nn.Module``.

    Raises:
        SpecError: the spec is malformed, names an unknown or broken layer, or a
            constructor rejected its arguments; the message starts with the path of
            the offending entry.

    Example::

        >>> import cynn
        >>> cynn.nn.build([{"type": "Linear", "args": [4, 8]}, {"type": "ReLU"}])
        Sequential(
          (0): Linear(in_features=4, out_features=8, bias=True)
          (1): ReLU()
        )
    """
    return _build(spec, "spec")


def _build(spec, path):
    if isinstance(spec, (list, tuple)):
        sequential = registry.get("cynn:Sequential")
        return _construct(sequential, "Sequential", _build_list(spec, path), {}, path)
    if not isinstance(spec, Mapping):
        raise SpecError(f"{path}: expected a layer spec (a dict with 'type') or a list of "
                        f"them, got {_show(spec)}")
    for key in spec:
        if key not in _SPEC_KEYS:
            raise SpecError(f"{_join(path, key)}: unknown key; a layer spec has 'type', "
                            f"'args', 'kwargs' and, for containers, 'layers'")
    if "type" not in spec:
        raise SpecError(f"{path}: missing 'type' (a layer name such as 'Linear')")
    type_name = spec["type"]
    if not isinstance(type_name, str):
        raise SpecError(f"{path}.type: expected a layer name string, got {_show(type_name)}")
    try:
        cls = registry.get(type_name)
    except (LookupError, ImportError) as exc:
        raise SpecError(f"{path}.type: {exc}") from exc
    args = spec.get("args", [])
    if not isinstance(args, (list, tuple)):
        raise SpecError(f"{path}.args: expected a list of positional arguments, got {_show(args)}")
    kwargs = spec.get("kwargs", {})
    if not isinstance(kwargs, Mapping):
        raise SpecError(f"{path}.kwargs: expected a dict of keyword arguments, "
                        f"got {_show(kwargs)}")
    for key in kwargs:
        if not isinstance(key, str):
            raise SpecError(f"{path}.kwargs: keyword names must be strings, got {_show(key)}")
    args = [_as_argument(value) for value in args]
    kwargs = {key: _as_argument(value) for key, value in kwargs.items()}
    if "layers" in spec:
        if args:
            raise SpecError(f"{path}.layers: a container takes 'layers' or 'args', not both")
        args = _container_args(cls, type_name, spec["layers"], f"{path}.layers")
    return _construct(cls, type_name, args, kwargs, path)


def _build_list(specs, path):
    return [_build(item, f"{path}[{i}]") for i, item in enumerate(specs)]


def _build_named(specs, path):
    named = OrderedDict()
    for key, item in specs.items():
        if not isinstance(key, str):
            raise SpecError(f"{path}: layer names must be strings, got {_show(key)}")
        named[key] = _build(item, _join(path, key))
    return named


def _container_args(cls, type_name, layers, path):
    """Constructor arguments for a container from ``layers`` (a list, or name -> spec)."""
    if _is_builtin_subclass(cls, "Sequential"):
        if isinstance(layers, Mapping):
            return [_build_named(layers, path)]
        if isinstance(layers, (list, tuple)):
            return _build_list(layers, path)
        raise SpecError(f"{path}: expected a list of layer specs or a dict of named ones, "
                        f"got {_show(layers)}")
    if _is_builtin_subclass(cls, "ModuleList"):
        if isinstance(layers, (list, tuple)):
            return [_build_list(layers, path)]
        raise SpecError(f"{path}: {type_name} takes a list of layer specs, got {_show(layers)}")
    if _is_builtin_subclass(cls, "ModuleDict"):
        if isinstance(layers, Mapping):
            return [_build_named(layers, path)]
        raise SpecError(f"{path}: {type_name} takes a dict of named layer specs, "
                        f"got {_show(layers)}")
    raise SpecError(f"{path}: only Sequential, ModuleList and ModuleDict take 'layers'; "
                    f"give {type_name} its arguments in 'args' and 'kwargs'")


def _is_builtin_subclass(cls, builtin_name):
    try:
        return issubclass(cls, registry.get(f"cynn:{builtin_name}"))
    except LookupError:
        return False


def _construct(cls, type_name, args, kwargs, path):
    argument_paths = _bind(cls, type_name, args, kwargs, path)
    try:
        return cls(*args, **kwargs)
    except Exception as exc:  # any constructor error becomes a SpecError pointing into the spec
        raise SpecError(f"{_blame(exc, argument_paths) or path}: {type_name}() raised "
                        f"{type(exc).__name__}: {exc}") from exc


def _bind(cls, type_name, args, kwargs, path):
    """Check the arguments against the constructor's signature; parameter name -> spec path."""
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):  # no introspectable signature: let the call decide
        return {}
    parameters = signature.parameters
    takes_any_keyword = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as exc:
        unknown = [key for key in kwargs if key not in parameters]
        if unknown and not takes_any_keyword:
            close = difflib.get_close_matches(unknown[0], list(parameters), n=1)
            hint = (f"did you mean {close[0]!r}?" if close
                    else f"its arguments are {', '.join(parameters)}")
            raise SpecError(f"{path}.kwargs.{unknown[0]}: {type_name} has no argument "
                            f"{unknown[0]!r}; {hint}") from None
        where = f"{path}.args" if "positional" in str(exc) else path
        raise SpecError(f"{where}: {type_name}{signature}: {exc}") from None
    positional = [name for name, p in parameters.items()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    paths = {}
    for name in bound.arguments:
        if name in kwargs:
            paths[name] = f"{path}.kwargs.{name}"
        elif name in positional and positional.index(name) < len(args):
            paths[name] = f"{path}.args[{positional.index(name)}]"
    return paths


def _blame(exc, argument_paths):
    """The path of the one argument an exception message names, if exactly one."""
    message = str(exc)
    named = [path for name, path in argument_paths.items()
             if re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", message)]
    return named[0] if len(named) == 1 else None


def _as_argument(value):
    """JSON data as constructor arguments: lists become tuples, as PyTorch keeps sizes."""
    if isinstance(value, (list, tuple)):
        return tuple(_as_argument(item) for item in value)
    if isinstance(value, Mapping):
        return {key: _as_argument(item) for key, item in value.items()}
    return value


def _join(path, key):
    if isinstance(key, str) and key.isidentifier():
        return f"{path}.{key}"
    return f"{path}[{key!r}]"


def _show(value):
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"
