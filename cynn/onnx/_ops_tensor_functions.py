"""ONNX mappings of the tensor-function families (``cynn/_ops``): the pointwise math
ONNX has (or builds from two nodes), gathers, triangular masks, einsum, amax/amin."""
import math

import numpy as np

from ..autograd.functions import indexing as I
from ..autograd.functions import layout as LAY
from ..autograd.functions import matrix as M
from ..autograd.functions import pointwise as PW
from ..autograd.functions import scans as SC
from ._ops import _as_dtype, _ints, _reduce, _result_dtype, _unsupported
from ._table import builtin
from .graph import Value


def _unary(op_type):
    def mapping(g, x):
        return g.op(op_type, _as_dtype(g, x, _result_dtype(g)))
    return mapping


for _function, _op_type in ((PW.Tan, "Tan"), (PW.Asin, "Asin"), (PW.Acos, "Acos"),
                            (PW.Atan, "Atan"), (PW.Sinh, "Sinh"), (PW.Cosh, "Cosh"),
                            (PW.Asinh, "Asinh"), (PW.Acosh, "Acosh"), (PW.Atanh, "Atanh"),
                            (PW.Erf, "Erf")):
    builtin(_function)(_unary(_op_type))


def _with_constant(build):
    def mapping(g, x):
        dtype = _result_dtype(g)
        return build(g, _as_dtype(g, x, dtype), lambda v: g.constant(v, dtype))
    return mapping


builtin(PW.Log1p)(_with_constant(lambda g, x, c: g.op("Log", g.op("Add", x, c(1.0)))))
builtin(PW.Expm1)(_with_constant(lambda g, x, c: g.op("Sub", g.op("Exp", x), c(1.0))))
builtin(PW.Log2)(_with_constant(lambda g, x, c: g.op("Div", g.op("Log", x), c(math.log(2.0)))))
builtin(PW.Log10)(_with_constant(lambda g, x, c: g.op("Div", g.op("Log", x),
                                                      c(math.log(10.0)))))
builtin(PW.Exp2)(_with_constant(lambda g, x, c: g.op("Pow", c(2.0), x)))
builtin(PW.Erfc)(_with_constant(lambda g, x, c: g.op("Sub", c(1.0), g.op("Erf", x))))


@builtin(PW.Fmod)
def _fmod(g, a, b):
    dtype = _result_dtype(g)
    return g.op("Mod", _as_dtype(g, a, dtype), _as_dtype(g, b, dtype), fmod=1)


def _index_input(g, index):
    """The index array as a node input: the tracer hands arrays over as constant Values."""
    if isinstance(index, Value):
        return _as_dtype(g, index, np.dtype(np.int64))
    return g.constant(np.asarray(index, np.int64))


@builtin(I.Gather)
def _gather(g, x, dim, index):
    if x.ndim == 0:
        raise _unsupported("gather", "a 0-d input")
    if tuple(index.shape[d] for d in range(index.ndim) if d != dim) != \
            tuple(x.shape[d] for d in range(x.ndim) if d != dim):
        raise _unsupported("gather", "an index smaller than the input on other dims")
    return g.op("GatherElements", x, _index_input(g, index), axis=dim)


@builtin(I.IndexSelect)
def _index_select(g, x, dim, index):
    if x.ndim == 0:
        raise _unsupported("index_select", "a 0-d input")
    return g.op("Gather", x, _index_input(g, index), axis=dim)


@builtin(LAY.Tril, LAY.Triu)
def _triangle(g, x, diagonal, lower):
    return g.op("Trilu", x, g.constant(np.array(diagonal, np.int64)), upper=int(not lower))


@builtin(M.Einsum)
def _einsum(g, equation, *operands):
    dtype = _result_dtype(g)
    return g.op("Einsum", *[_as_dtype(g, o, dtype) for o in operands], equation=equation)


@builtin(SC.Amax, SC.Amin)
def _amax_amin(g, x, dims, keepdim, largest):
    return _reduce(g, "ReduceMax" if largest else "ReduceMin", x, dims, keepdim)
