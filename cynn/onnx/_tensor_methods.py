"""The Tensor methods that compute without ``Function.apply``, during a trace.

Comparisons, ``argmax``/``argmin``, ``isnan``/``isinf``, logical not and ``detach``
produce tensors without an autograd Function, so the dispatch observer never sees
them. While a model is traced they are wrapped (for the tracing thread only): the
wrapper records the op when its input is traced. Methods that hand a traced value
to Python (``item``, ``numpy``, ``bool(t)``, ...) would freeze it into the graph:
they raise ``UnsupportedOperatorError`` naming the method instead.
"""
import contextlib
import functools
import threading

import numpy as np

from .._tensor import Tensor
from .errors import UnsupportedOperatorError
from .graph import Value, onnx_type

__all__ = ["tracing_tensor_methods"]

# one trace at a time patches the class
_patch_lock = threading.Lock()

_COMPARISONS = {np.equal: "Equal", np.greater: "Greater", np.greater_equal: "GreaterOrEqual",
                np.less: "Less", np.less_equal: "LessOrEqual"}
_LOGICAL = {np.bitwise_and: ("And", "BitwiseAnd"), np.bitwise_or: ("Or", "BitwiseOr"),
            np.bitwise_xor: ("Xor", "BitwiseXor")}

# methods that read a tensor's values into Python (the names users call)
_VALUE_READERS = ("item", "tolist", "numpy", "__array__", "__bool__", "__float__", "__int__",
                  "__index__", "all", "any", "isfinite", "nonzero", "unique")


def _compare(g, x, ufunc, other):
    # numpy's promotion, as the traced comparison ran (a Python number is weak)
    dtype = np.result_type(x.dtype, other.dtype if isinstance(other, Value) else other)
    a = _operand(g, x, dtype)
    b = _operand(g, other, dtype)
    if ufunc is np.not_equal:
        return g.op("Not", g.op("Equal", a, b))
    if ufunc in _COMPARISONS:
        return g.op(_COMPARISONS[ufunc], a, b)
    if ufunc in _LOGICAL:
        boolean, bitwise = _LOGICAL[ufunc]
        return g.op(boolean if dtype == np.bool_ else bitwise, a, b)
    raise UnsupportedOperatorError(f"cannot export the comparison {ufunc.__name__} to ONNX")


def _operand(g, a, dtype):
    if isinstance(a, Value):
        return a.name if a.dtype == dtype else g.op("Cast", a, to=onnx_type(dtype))
    return g.constant(a, dtype)


def _arg(g, x, fn, dim, keepdim):
    op = "ArgMax" if fn is np.argmax else "ArgMin"
    if dim is None:
        flat = g.op("Reshape", x, g.constant(np.array([-1], np.int64)))
        index = g.op(op, flat, axis=0, keepdims=0)
        if keepdim:
            index = g.op("Reshape", index, g.constant(np.ones(x.ndim, np.int64)))
        return index
    return g.op(op, x, axis=dim % x.ndim, keepdims=int(keepdim))


def _isnan(g, x):
    return g.op("IsNaN", x)


def _isinf(g, x):
    return g.op("IsInf", x)


def _logical_not(g, x):
    if x.dtype != np.bool_:
        raise UnsupportedOperatorError("cannot export the bitwise not of an integer tensor")
    return g.op("Not", x)


_RECORDED = {"_compare": ("comparison", _compare), "_arg": ("argmax/argmin", _arg),
             "isnan": ("isnan", _isnan), "isinf": ("isinf", _isinf),
             "logical_not": ("logical_not", _logical_not),
             "__invert__": ("logical_not", _logical_not)}


@contextlib.contextmanager
def tracing_tensor_methods(tracer):
    """Within the block, the calling thread's non-Function tensor ops are recorded by
    (or refused for) ``tracer``."""
    owner = threading.get_ident()
    with _patch_lock:
        originals = {name: Tensor.__dict__[name] for name in
                     (*_RECORDED, *_VALUE_READERS, "detach") if name in Tensor.__dict__}
        try:
            for name, original in originals.items():
                if name == "detach":
                    wrapper = _detach(original, tracer, owner)
                elif name in _RECORDED:
                    wrapper = _recorded(original, tracer, owner, *_RECORDED[name])
                else:
                    wrapper = _refused(name, original, tracer, owner)
                setattr(Tensor, name, wrapper)
            yield
        finally:
            for name, original in originals.items():
                setattr(Tensor, name, original)


def _recorded(original, tracer, owner, label, mapping):
    @functools.wraps(original)
    def method(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if threading.get_ident() == owner and tracer.touches_trace((self, *args), kwargs):
            tracer.record(f"Tensor.{label}", mapping, (self, *args), kwargs, result)
        return result
    return method


def _detach(original, tracer, owner):
    @functools.wraps(original)
    def method(self):
        result = original(self)
        if threading.get_ident() == owner:
            value = tracer.traced(self)
            if value is not None:
                tracer.bind(result, value)
        return result
    return method


def _refused(name, original, tracer, owner):
    @functools.wraps(original)
    def method(self, *args, **kwargs):
        if threading.get_ident() == owner and tracer.traced(self) is not None:
            raise UnsupportedOperatorError(
                f"cannot export Tensor.{name.strip('_')}() on a tensor computed from the "
                f"model's inputs: it reads the value into Python, so the graph would hold "
                f"the traced value instead of the computation (data-dependent control "
                f"flow and numpy round trips cannot be exported)")
        return original(self, *args, **kwargs)
    return method
