"""The explicit table from the names in torch's pickles to cynn's types.

A pickle names every class and function it needs (``GLOBAL 'torch._utils
_rebuild_tensor_v2'``). The weights-only reader resolves a name only through this
table or the user's allow list, so these entries are the whole of what a file
can build by default: tensors, parameters, ``torch.Size``, dtypes, devices,
OrderedDicts, sets, complex numbers, bytes, and plain numpy arrays and scalars.
Each builder checks its arguments itself and raises
:class:`WeightsOnlyUnpicklingError` for anything else, so that what a hostile
file hands them can neither crash nor allocate beyond what the file holds.
"""
import collections
import math

import numpy as np

from .. import _dtype
from .._device import device
from .._tensor import Size, Tensor
from ._errors import WeightsOnlyUnpicklingError

__all__ = ["Storage", "StorageType", "lookup", "is_builder", "build_allowed", "build",
           "storage_name", "torch_dtype_name", "canonical_name"]

_MAX_NDIM = 64  # numpy's limit


class StorageType:
    """What ``torch.FloatStorage`` and its siblings stand for: an element type."""

    __slots__ = ("name", "numpy")

    def __init__(self, name, np_dtype):
        self.name, self.numpy = name, np.dtype(np_dtype)

    def __repr__(self):
        return f"torch.{self.name}"


class Storage:
    """A storage read from a checkpoint: a flat array all its tensors view."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array


_STORAGE_TYPES = {t.name: t for t in (
    StorageType("FloatStorage", np.float32), StorageType("DoubleStorage", np.float64),
    StorageType("HalfStorage", np.float16), StorageType("LongStorage", np.int64),
    StorageType("IntStorage", np.int32), StorageType("ShortStorage", np.int16),
    StorageType("CharStorage", np.int8), StorageType("ByteStorage", np.uint8),
    StorageType("BoolStorage", np.bool_))}
_STORAGE_BY_NUMPY = {t.numpy: t.name for t in _STORAGE_TYPES.values()}
# torch names for element types cynn cannot hold: refused with a clear message.
_FOREIGN_STORAGES = ("BFloat16Storage", "ComplexFloatStorage", "ComplexDoubleStorage",
                     "ComplexHalfStorage", "QInt8Storage", "QUInt8Storage", "QInt32Storage",
                     "QUInt4x2Storage", "QUInt2x4Storage", "UntypedStorage", "TypedStorage")
_FOREIGN_DTYPES = ("bfloat16", "complex32", "complex64", "complex128", "cfloat", "cdouble",
                   "chalf", "uint16", "uint32", "uint64", "qint8", "quint8", "qint32",
                   "quint4x2", "quint2x4", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz",
                   "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2")
_DTYPE_ALIASES = {"float": "float32", "double": "float64", "half": "float16",
                  "long": "int64", "int": "int32", "short": "int16"}

# numpy dtypes a checkpoint may carry: numbers and bools, never objects or records.
_NUMPY_TYPECODES = frozenset(
    ["b1", "?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16"])
# Python 2 spelled these modules differently; protocol-2 pickles still do.
_MODULE_ALIASES = {"__builtin__": "builtins", "copy_reg": "copyreg"}


def canonical_name(module, name):
    """``"module.name"`` with Python 2's module names mapped to Python 3's."""
    return f"{_MODULE_ALIASES.get(module, module)}.{name}"


def storage_name(np_dtype):
    """torch's storage class name for a numpy dtype cynn holds (``float32 -> FloatStorage``)."""
    return _STORAGE_BY_NUMPY[np.dtype(np_dtype)]


def torch_dtype_name(d):
    """torch's attribute name for a cynn dtype: the same name (``float32``, ``bool``)."""
    return d.name


def _refuse(what):
    raise WeightsOnlyUnpicklingError(what)


def _is_index(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2 ** 63


def _shape(value, what):
    if not (isinstance(value, tuple) and len(value) <= _MAX_NDIM and all(map(_is_index, value))):
        _refuse(f"{what} must be a tuple of at most {_MAX_NDIM} non-negative integers, "
                f"got {_short(value)}")
    return value


def _short(value):
    text = repr(value) if isinstance(value, (int, float, str, bytes, tuple, type(None))) \
        else f"a {type(value).__name__}"
    return text if len(text) <= 80 else text[:77] + "..."


def _arity(args, low, high, name):
    if not isinstance(args, tuple) or not low <= len(args) <= high:
        count = len(args) if isinstance(args, tuple) else _short(args)
        expected = low if low == high else f"{low} to {high}"
        _refuse(f"{name} takes {expected} arguments, got {count}")


# ---------------------------------------------------------------------- tensors

def _rebuild_tensor_v2(*args):
    _arity(args, 6, 7, "torch._utils._rebuild_tensor_v2")
    storage, offset, size, stride, requires_grad, backward_hooks = args[:6]
    if not isinstance(storage, Storage):
        _refuse(f"torch._utils._rebuild_tensor_v2 needs a storage, got {_short(storage)}")
    if not _is_index(offset):
        _refuse(f"a tensor's storage offset must be a non-negative integer, got {_short(offset)}")
    _shape(size, "a tensor's size")
    _shape(stride, "a tensor's stride")
    if len(stride) != len(size):
        _refuse(f"a tensor's size {size} and stride {stride} differ in length")
    if not isinstance(requires_grad, bool):
        _refuse(f"requires_grad must be a bool, got {_short(requires_grad)}")
    if backward_hooks is not None and not (isinstance(backward_hooks, dict) and not backward_hooks):
        _refuse("tensors with backward hooks cannot be loaded")
    array = _view(storage.array, offset, size, stride)
    if requires_grad and array.dtype.kind != "f":
        _refuse(f"a tensor of {array.dtype} cannot require gradients")
    return Tensor._wrap(array, requires_grad)


def _view(flat, offset, size, stride):
    """The tensor ``(offset, size, stride)`` over the storage ``flat``, without copying."""
    numel = math.prod(size)
    if numel == 0:
        return np.empty(size, flat.dtype)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= flat.size:
        _refuse(f"a tensor of size {list(size)}, stride {list(stride)} at offset {offset} "
                f"reaches element {last} of a storage of {flat.size} elements")
    contiguous, step = [], 1
    for n in reversed(size):
        contiguous.append(step)
        step *= n
    if all(n == 1 or s == c for n, s, c in zip(size, stride, reversed(contiguous))):
        return flat[offset:offset + numel].reshape(size)
    itemsize = flat.dtype.itemsize
    return np.lib.stride_tricks.as_strided(flat[offset:], shape=size,
                                           strides=[s * itemsize for s in stride])


def _rebuild_parameter(*args):
    _arity(args, 3, 3, "torch._utils._rebuild_parameter")
    return _parameter(*args)


def _rebuild_parameter_with_state(*args):
    _arity(args, 4, 4, "torch._utils._rebuild_parameter_with_state")
    data, requires_grad, backward_hooks, state = args
    if state:
        _refuse("parameters with extra attributes cannot be loaded with weights_only=True")
    return _parameter(data, requires_grad, backward_hooks)


def _parameter(data, requires_grad, backward_hooks):
    from ..nn.parameter import Parameter  # cynn.nn loads only when a file holds parameters
    if not isinstance(data, Tensor) or type(data) is not Tensor:
        _refuse(f"torch._utils._rebuild_parameter needs a tensor, got {_short(data)}")
    if not isinstance(requires_grad, bool):
        _refuse(f"requires_grad must be a bool, got {_short(requires_grad)}")
    if backward_hooks is not None and not (isinstance(backward_hooks, dict) and not backward_hooks):
        _refuse("parameters with backward hooks cannot be loaded")
    if requires_grad and data._data.dtype.kind != "f":
        _refuse(f"a parameter of {data._data.dtype} cannot require gradients")
    return Parameter(data, requires_grad)


def _size(*args):
    _arity(args, 0, 1, "torch.Size")
    dims = args[0] if args else ()
    return Size(_shape(tuple(dims) if isinstance(dims, list) else dims, "torch.Size"))


def _device(*args):
    _arity(args, 1, 2, "torch.device")
    if not isinstance(args[0], str) or (len(args) == 2 and not _is_index(args[1])):
        _refuse(f"torch.device takes a device name and an index, got {_short(args)}")
    if args[0].split(":", 1)[0] != "cpu":
        _refuse(f"the checkpoint holds torch.device({args[0]!r}); cynn runs on the CPU only")
    return device(*args)


# ---------------------------------------------------------------------- python values

def _ordered_dict(*args):
    _arity(args, 0, 0, "collections.OrderedDict")
    return collections.OrderedDict()


def _set_like(kind):
    def make(*args):
        _arity(args, 0, 1, f"builtins.{kind.__name__}")
        items = args[0] if args else []
        if not isinstance(items, list):
            _refuse(f"builtins.{kind.__name__} takes a list, got {_short(items)}")
        return kind(items)
    return make


def _complex(*args):
    _arity(args, 1, 2, "builtins.complex")
    if not all(isinstance(a, (int, float)) for a in args):
        _refuse(f"builtins.complex takes numbers, got {_short(args)}")
    return complex(*args)


def _bytearray(*args):
    _arity(args, 0, 2, "builtins.bytearray")
    if args and not isinstance(args[0], (bytes, str, list)):
        _refuse(f"builtins.bytearray takes bytes, got {_short(args[0])}")
    return bytearray(_codecs_encode(*args) if len(args) == 2 else (args[0] if args else b""))


def _codecs_encode(*args):
    # Protocol 2 has no bytes opcode: bytes are pickled as encode(text, "latin1").
    _arity(args, 2, 2, "_codecs.encode")
    text, encoding = args
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        _refuse(f"_codecs.encode is allowed only as encode(str, 'latin1'), got {_short(args)}")
    return text.encode("latin-1")


# ---------------------------------------------------------------------- numpy

def _numpy_dtype(*args):
    _arity(args, 1, 3, "numpy.dtype")
    code = args[0]
    if not isinstance(code, str) or code not in _NUMPY_TYPECODES:
        _refuse(f"numpy.dtype({_short(code)}) is not a numeric numpy dtype")
    return np.dtype(code)


def _numpy_reconstruct(*args):
    _arity(args, 3, 3, "numpy._core.multiarray._reconstruct")
    if args[0] is not np.ndarray:
        _refuse("numpy._core.multiarray._reconstruct is allowed only for numpy.ndarray")
    # The data arrives with BUILD (see build), which checks it against shape and dtype.
    return np.ndarray.__new__(np.ndarray, (0,), "b")


def _numpy_scalar(*args):
    _arity(args, 2, 2, "numpy._core.multiarray.scalar")
    dtype, data = args
    if not (isinstance(dtype, np.dtype) and dtype.str[1:] in _allowed_dtype_strs()
            and isinstance(data, bytes) and len(data) == dtype.itemsize):
        _refuse(f"numpy._core.multiarray.scalar takes a numeric dtype and its bytes, "
                f"got {_short(args)}")
    return np.frombuffer(data, dtype)[0]


def _allowed_dtype_strs():
    return {np.dtype(code).str[1:] for code in _NUMPY_TYPECODES}


def _build_ndarray(array, state):
    if not (isinstance(state, tuple) and len(state) == 5):
        _refuse("a numpy array's state must be (version, shape, dtype, is_fortran, data)")
    version, shape, dtype, is_fortran, data = state
    _shape(shape, "a numpy array's shape")
    if not (version == 1 and isinstance(dtype, np.dtype) and dtype.str[1:] in _allowed_dtype_strs()
            and isinstance(is_fortran, bool) and isinstance(data, bytes)):
        _refuse("a numpy array must have a numeric dtype and its data as bytes")
    if math.prod(shape) * dtype.itemsize != len(data):
        _refuse(f"a numpy array of shape {list(shape)} and dtype {dtype} needs "
                f"{math.prod(shape) * dtype.itemsize} bytes, the file gives {len(data)}")
    array.__setstate__(state)


def _build_numpy_dtype(dt, state):
    if not (isinstance(state, tuple) and len(state) in (8, 9) and state[0] in (3, 4)
            and state[1] in ("<", ">", "|", "=") and state[2:5] == (None, None, None)):
        _refuse("only a plain numeric numpy dtype's state can be loaded")
    dt.__setstate__(state)


def _build_attributes(obj, state):
    """BUILD on an OrderedDict: torch keeps a state dict's ``_metadata`` as an attribute."""
    if not (isinstance(state, dict) and all(isinstance(key, str) for key in state)):
        _refuse("an OrderedDict's state must be a dict of attribute names")
    obj.__dict__.update(state)


def build_allowed(obj):
    """Whether BUILD may set the state of ``obj``, an object this table made."""
    return type(obj) in (np.ndarray, collections.OrderedDict) or isinstance(obj, np.dtype)


def build(obj, state):
    """BUILD on an object of this table (``build_allowed(obj)`` holds)."""
    if type(obj) is np.ndarray:
        _build_ndarray(obj, state)
    elif isinstance(obj, np.dtype):
        _build_numpy_dtype(obj, state)
    else:
        _build_attributes(obj, state)


def _torch_dtypes():
    table = {}
    for d in _dtype._BY_NAME.values():
        table[f"torch.{torch_dtype_name(d)}"] = d
    for alias, name in _DTYPE_ALIASES.items():
        table[f"torch.{alias}"] = _dtype._BY_NAME[name]
    return table


class _Foreign:
    """A torch name cynn cannot represent: resolving it is an error that names it."""

    def __init__(self, name, reason):
        self.name, self.reason = name, reason


_TABLE = {
    "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
    "torch._utils._rebuild_parameter": _rebuild_parameter,
    "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
    "torch.Size": _size,
    "torch.device": _device,
    "collections.OrderedDict": _ordered_dict,
    "builtins.set": _set_like(set),
    "builtins.frozenset": _set_like(frozenset),
    "builtins.complex": _complex,
    "builtins.bytearray": _bytearray,
    "_codecs.encode": _codecs_encode,
    "numpy.dtype": _numpy_dtype,
    "numpy.ndarray": np.ndarray,
    "numpy.core.multiarray._reconstruct": _numpy_reconstruct,
    "numpy._core.multiarray._reconstruct": _numpy_reconstruct,
    "numpy.core.multiarray.scalar": _numpy_scalar,
    "numpy._core.multiarray.scalar": _numpy_scalar,
    **_torch_dtypes(),
    **{f"torch.{name}": t for name, t in _STORAGE_TYPES.items()},
    **{f"torch.{name}": _Foreign(f"torch.{name}", "an element type cynn has no dtype for")
       for name in _FOREIGN_STORAGES},
    **{f"torch.{name}": _Foreign(f"torch.{name}", "a dtype cynn does not have")
       for name in _FOREIGN_DTYPES},
}


def lookup(name):
    """The object ``name`` (``"module.qualname"``) stands for in the table, or None.

    Raises:
        WeightsOnlyUnpicklingError: ``name`` is a torch dtype or storage cynn cannot hold.
    """
    found = _TABLE.get(name)
    if isinstance(found, _Foreign):
        _refuse(f"the checkpoint holds {found.name}, {found.reason}")
    return found


_BUILDERS = {id(value): value for value in _TABLE.values() if type(value) is type(lookup)}


def is_builder(obj):
    """Whether REDUCE may call ``obj``: one of this table's checking builders (never a
    type such as ``numpy.ndarray``, whose constructor would allocate what a file asks)."""
    return _BUILDERS.get(id(obj)) is obj
