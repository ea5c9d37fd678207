"""cynn's dtypes, each a thin name over a numpy dtype, and PyTorch's promotion rules."""
import builtins

import numpy as np

__all__ = ["dtype", "float32", "float64", "float16", "int64", "int32", "int16", "int8",
           "uint8", "uint16", "uint32", "uint64", "bool", "float", "double", "long", "int",
           "half",
           "get_default_dtype", "set_default_dtype"]


class dtype:
    """A tensor element type (``cynn.float32`` ...); ``repr`` is ``cynn.float32``."""

    __slots__ = ("name", "numpy", "is_floating_point", "itemsize")

    def __init__(self, name, np_dtype):
        self.name = name
        self.numpy = np.dtype(np_dtype)
        self.is_floating_point = self.numpy.kind == "f"
        self.itemsize = self.numpy.itemsize

    def __repr__(self):
        return f"cynn.{self.name}"

    def __reduce__(self):
        return (to_dtype, (self.name,))


float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
float16 = dtype("float16", np.float16)
int64 = dtype("int64", np.int64)
int32 = dtype("int32", np.int32)
int16 = dtype("int16", np.int16)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
# torch's "shell" unsigned types: storage and conversion, no promotion with other types
uint16 = dtype("uint16", np.uint16)
uint32 = dtype("uint32", np.uint32)
uint64 = dtype("uint64", np.uint64)
bool = dtype("bool", np.bool_)  # noqa: A001 -- mirrors torch.bool
float, double, half = float32, float64, float16  # noqa: A001
long, int = int64, int32  # noqa: A001

_BY_NUMPY = {d.numpy: d
             for d in (float32, float64, float16, int64, int32, int16, int8, uint8, uint16,
                       uint32, uint64, bool)}
_BY_NAME = {d.name: d for d in _BY_NUMPY.values()}

_default = float32


def get_default_dtype():
    """The floating dtype used for Python floats and random tensors (``cynn.float32``)."""
    return _default


def set_default_dtype(d):
    """Set the default floating dtype (``cynn.float32`` or ``cynn.float64``)."""
    global _default
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default = d


def to_dtype(d):
    """A cynn dtype from a cynn dtype, numpy dtype, python type or name."""
    if isinstance(d, dtype):
        return d
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d]
    if d is builtins.float:
        return _default
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool
    try:
        return _BY_NUMPY[np.dtype(d)]
    except (TypeError, KeyError):
        raise TypeError(f"unsupported dtype: {d!r}") from None


def from_numpy_dtype(np_dtype):
    try:
        return _BY_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only "
                        "supported types are: float64, float32, float16, int64, int32, "
                        "int16, int8, uint64, uint32, uint16, uint8, and bool.") from None


# --- PyTorch's type promotion ----------------------------------------------------------
# Categories: bool < integer < floating. Tensors with dimensions decide first; 0-d tensors
# and python scalars only raise the category (to the default dtype for that category).
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def _category(np_dtype):
    return _CATEGORY[np_dtype.kind]


_SHELL_UNSIGNED = frozenset(np.dtype(t) for t in (np.uint16, np.uint32, np.uint64))
_TORCH_NAMES = {"uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64", "uint8": "Byte",
                "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long", "bool": "Bool"}


def _promote(a, b):
    """Two tensor dtypes: the higher category wins outright (int64 + float32 -> float32);
    within one category the wider type (numpy's rule there equals PyTorch's). torch does
    not promote uint16/32/64 with any other integer or bool type."""
    if a is None or a == b:
        return b
    if (a in _SHELL_UNSIGNED or b in _SHELL_UNSIGNED) and a.kind != "f" and b.kind != "f":
        raise RuntimeError(f"Promotion for uint16, uint32, uint64 types is not supported, "
                           f"attempted to promote {_TORCH_NAMES[a.name]} and "
                           f"{_TORCH_NAMES[b.name]}")
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def result_type(*operands):
    """The numpy dtype PyTorch gives an elementwise op over ``operands``.

    Each operand is an ``np.ndarray`` (``ndim == 0`` standing for a 0-d tensor) or
    a python scalar.
    """
    dims = zeros = None
    scalar_cat = -1
    for o in operands:
        if isinstance(o, np.ndarray):
            if o.ndim:
                dims = _promote(dims, o.dtype)
            else:
                zeros = _promote(zeros, o.dtype)
        else:
            scalar_cat = max(scalar_cat, 0 if isinstance(o, builtins.bool)
                             else 2 if isinstance(o, (builtins.float, np.floating)) else 1)
    result = dims
    if zeros is not None and (result is None or _category(zeros) > _category(result)):
        result = zeros
    if result is None or scalar_cat > _category(result):
        result = (np.dtype(np.bool_), np.dtype(np.int64), _default.numpy)[max(scalar_cat, 0)] \
            if result is None or scalar_cat >= 0 else result
    return result
