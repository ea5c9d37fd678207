"""Which ONNX nodes stand for each autograd Function: the mapping table.

A mapping is a function ``mapping(g, *args, **kwargs)`` called once per traced
``Function.apply``, with the op's own arguments: every Tensor replaced by a
``cynn.onnx.graph.Value`` (its ONNX name, shape and dtype), everything else as the
op received it. It adds nodes with ``g.op(...)`` and returns the ONNX name of the
op's output (a tuple of names, or None for an output it does not export, for an op
with several). The table is keyed by the exact Function class: a subclass is often
a different op (``Celu`` extends ``Elu``), so each registers its own mapping.

Registering needs no ``onnx`` installed: plugins register at import time and
``onnx`` is only imported by ``cynn.onnx.export``.
"""

from . import _ops, _ops_rnn, _ops_tensor_functions  # noqa: F401 -- cynn's own ops
from ._table import MAPPINGS as _MAPPINGS

__all__ = ["register_op", "mapping_for"]


def register_op(function, *, override=False):
    """Register the decorated function as the ONNX mapping of the Function class
    ``function``; returns the mapping unchanged.

    Example (a plugin's Function ``SwishFunction(x, beta)``)::

        from cynn.onnx import register_op

        @register_op(SwishFunction)
        def _swish_to_onnx(g, x, beta):
            scaled = g.op("Mul", x, g.constant(beta, x.dtype))
            return g.op("Mul", x, g.op("Sigmoid", scaled))

    Raises ValueError when ``function`` already has a mapping, unless ``override``.
    """
    from ..autograd.function import Function
    if not (isinstance(function, type) and issubclass(function, Function)):
        raise TypeError(f"register_op(): 'function' must be a cynn.autograd.Function "
                        f"subclass, not {function!r}")

    def decorator(mapping):
        if not callable(mapping):
            raise TypeError(f"register_op({function.__name__}): the mapping must be "
                            f"callable, not {type(mapping).__name__}")
        if function in _MAPPINGS and not override and _MAPPINGS[function] is not mapping:
            raise ValueError(f"{_qualified(function)} already has an ONNX mapping "
                             f"({_qualified(_MAPPINGS[function])}); pass override=True "
                             f"to replace it")
        _MAPPINGS[function] = mapping
        return mapping

    return decorator


def mapping_for(function):
    """The mapping registered for the Function class ``function``, or None."""
    return _MAPPINGS.get(function)


def _qualified(obj):
    return f"{obj.__module__}.{obj.__qualname__}"
