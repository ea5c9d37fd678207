"""A pickle writer that spells cynn's objects as torch's, so torch can read them.

``pickle.Pickler`` names each object's class by where it lives, which would write
``cynn._tensor`` into the file and make it unreadable where cynn is not
installed. This writer emits protocol-2 opcodes itself (what ``torch.save``
writes) and names cynn's types as torch does:

* a Tensor is ``torch._utils._rebuild_tensor_v2(storage, 0, size, stride,
  requires_grad, OrderedDict())``, its storage a persistent id
  ``('storage', torch.FloatStorage, key, 'cpu', numel)`` whose bytes go into
  ``data/<key>`` of the archive; tensors over the same array share a storage;
* a Parameter is ``torch._utils._rebuild_parameter(tensor, requires_grad,
  OrderedDict())``; ``cynn.Size`` is ``torch.Size``; a dtype is ``torch.float32``
  and its siblings; a device is ``torch.device``;
* dicts, lists, tuples, str, int, float, bool, None and bytes use pickle's own
  opcodes; OrderedDict, set, frozenset and complex are the builtins' reductions;
* anything else (a whole module, a numpy array, a user object) is written from
  its ``__reduce_ex__(2)``, as ``pickle`` would, under its own class name.
"""
import collections
import copyreg
import importlib
import pickle
import struct
import sys

import numpy as np

from .. import _dtype
from .._device import device
from .._tensor import Size, Tensor
from . import _torch_names

__all__ = ["TorchPickler"]

_BATCH = 1000  # items per APPENDS / SETITEMS, as pickle writes them


class TorchPickler:
    """Pickle one object; ``storages`` then holds the arrays its tensors refer to.

    Attributes:
        storages (list): ``(key, array)`` in key order; each array C-contiguous and
            little-endian, ready to be written as ``data/<key>``.
    """

    def __init__(self):
        self.storages = []
        self._storage_keys = {}   # id(source array) -> key
        self._memo = {}           # id(obj) -> (memo index, obj): obj kept alive for its id
        self._out = []

    def dumps(self, obj):
        """The pickle stream of ``obj`` (protocol 2)."""
        self._write(b"\x80\x02")
        self._save(obj)
        self._write(b".")
        return b"".join(self._out)

    # ------------------------------------------------------------------ output
    def _write(self, chunk):
        self._out.append(chunk)

    def _memoize(self, obj):
        index = len(self._memo)
        self._memo[id(obj)] = (index, obj)
        self._write(b"q" + bytes([index]) if index < 256 else b"r" + struct.pack("<I", index))

    def _get(self, index):
        self._write(b"h" + bytes([index]) if index < 256 else b"j" + struct.pack("<I", index))

    def _global(self, module, name):
        self._write(b"c" + module.encode("utf-8") + b"\n" + name.encode("utf-8") + b"\n")

    # ------------------------------------------------------------------ dispatch
    def _save(self, obj):
        if obj is None:
            self._write(b"N")
            return
        if obj is True or obj is False:
            self._write(b"\x88" if obj else b"\x89")
            return
        kind = type(obj)
        if kind is int:
            self._save_int(obj)
            return
        if kind is float:
            self._write(b"G" + struct.pack(">d", obj))
            return
        memoized = self._memo.get(id(obj))
        if memoized is not None:
            self._get(memoized[0])
            return
        if kind is str:
            data = obj.encode("utf-8", "surrogatepass")
            self._write(b"X" + struct.pack("<I", len(data)) + data)
            self._memoize(obj)
        elif kind is tuple:
            self._save_tuple(obj)
        elif kind is list:
            self._write(b"]")
            self._memoize(obj)
            self._save_items(obj)
        elif kind is dict:
            self._write(b"}")
            self._memoize(obj)
            self._save_pairs(obj.items())
        elif isinstance(obj, Tensor):
            self._save_tensor(obj)
        else:
            self._save_other(obj, kind)

    def _save_int(self, value):
        if 0 <= value < 256:
            self._write(b"K" + bytes([value]))
        elif 0 <= value < 65536:
            self._write(b"M" + struct.pack("<H", value))
        elif -2 ** 31 <= value < 2 ** 31:
            self._write(b"J" + struct.pack("<i", value))
        else:
            data = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
            if len(data) < 256:
                self._write(b"\x8a" + bytes([len(data)]) + data)
            else:
                self._write(b"\x8b" + struct.pack("<i", len(data)) + data)

    def _save_tuple(self, obj):
        if not obj:
            self._write(b")")
            return
        if len(obj) > 3:
            self._write(b"(")
        for item in obj:
            self._save(item)
        memoized = self._memo.get(id(obj))
        if memoized is not None:  # the tuple was reached through its own items
            self._write(b"1" if len(obj) > 3 else b"0" * len(obj))
            self._get(memoized[0])
            return
        self._write(b"t" if len(obj) > 3 else b"\x84\x85\x86\x87"[len(obj):len(obj) + 1])
        self._memoize(obj)

    def _save_items(self, items):
        items = list(items)
        for begin in range(0, len(items), _BATCH):
            batch = items[begin:begin + _BATCH]
            if len(batch) == 1:
                self._save(batch[0])
                self._write(b"a")
            else:
                self._write(b"(")
                for item in batch:
                    self._save(item)
                self._write(b"e")

    def _save_pairs(self, pairs):
        pairs = list(pairs)
        for begin in range(0, len(pairs), _BATCH):
            batch = pairs[begin:begin + _BATCH]
            if len(batch) == 1:
                self._save(batch[0][0])
                self._save(batch[0][1])
                self._write(b"s")
            else:
                self._write(b"(")
                for key, value in batch:
                    self._save(key)
                    self._save(value)
                self._write(b"u")

    def _call(self, module, name, args, obj):
        """``module.name(*args)``, memoized as ``obj``."""
        self._global(module, name)
        self._save(args)
        self._write(b"R")
        self._memoize(obj)

    # ------------------------------------------------------------------ cynn's types
    def _save_tensor(self, tensor):
        from ..nn.parameter import Parameter  # cynn.nn is loaded when a Parameter exists
        if isinstance(tensor, Parameter):
            self._global("torch._utils", "_rebuild_parameter")
            self._write(b"(")
            self._save_tensor_data(tensor._data, False)
            self._save(bool(tensor._requires_grad))
            self._save_empty_ordered_dict()
            self._write(b"tR")
            self._memoize(tensor)
            return
        self._save_tensor_data(tensor._data, bool(tensor._requires_grad))
        self._memoize(tensor)

    def _save_tensor_data(self, array, requires_grad):
        key, storage = self._storage(array)
        self._global("torch._utils", "_rebuild_tensor_v2")
        self._write(b"((")
        self._save("storage")
        self._global("torch", _torch_names.storage_name(storage.dtype))
        self._save(key)
        self._save("cpu")
        self._save(storage.size)
        self._write(b"tQ")
        self._save(0)
        self._save(tuple(array.shape))
        self._save(_contiguous_stride(array.shape))
        self._save(requires_grad)
        self._save_empty_ordered_dict()
        self._write(b"tR")

    def _save_empty_ordered_dict(self):
        self._global("collections", "OrderedDict")
        self._write(b")R")

    def _storage(self, array):
        key = self._storage_keys.get(id(array))
        if key is None:
            try:
                _torch_names.storage_name(array.dtype.newbyteorder("="))
            except KeyError:
                raise TypeError(f"cynn.save(): a tensor of dtype {array.dtype} has no torch "
                                f"storage type") from None
            contiguous = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"),
                                                            copy=False).reshape(-1)
            key = str(len(self.storages))
            self._storage_keys[id(array)] = key
            self.storages.append((key, contiguous, array))  # array kept alive for its id
        storage = self.storages[int(key)][1]
        return key, storage

    def _save_other(self, obj, kind):
        if kind is Size:
            self._call("torch", "Size", (tuple(int(n) for n in obj),), obj)
        elif kind is _dtype.dtype:
            self._global("torch", _torch_names.torch_dtype_name(obj))
            self._memoize(obj)
        elif kind is device:
            self._call("torch", "device", (str(obj),), obj)
        elif kind is bytes:
            self._call("_codecs", "encode", (obj.decode("latin-1"), "latin1"), obj)
        elif kind is collections.OrderedDict:
            self._save_empty_ordered_dict()
            self._memoize(obj)
            self._save_pairs(obj.items())
            if vars(obj):
                self._save(dict(vars(obj)))
                self._write(b"b")
        elif kind in (set, frozenset):
            self._call("__builtin__", kind.__name__, (list(obj),), obj)
        elif kind is complex:
            self._call("__builtin__", "complex", (obj.real, obj.imag), obj)
        elif isinstance(obj, type) or _is_function(obj):
            self._save_global(obj)
        else:
            self._save_reduced(obj, kind)

    # ------------------------------------------------------------------ everything else
    def _save_global(self, obj, name=None):
        module = getattr(obj, "__module__", None)
        qualname = name or getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
        if module is None or qualname is None or "<locals>" in qualname or "<lambda>" in qualname:
            raise pickle.PicklingError(f"Can't pickle {obj!r}: it is not reachable by name "
                                       f"(module {module!r}, name {qualname!r})")
        if _lookup(module, qualname) is not obj:
            raise pickle.PicklingError(f"Can't pickle {obj!r}: it's not the same object as "
                                       f"{module}.{qualname}")
        self._global("__builtin__" if module == "builtins" else module, qualname)
        self._memoize(obj)

    def _save_reduced(self, obj, kind):
        reduce = copyreg.dispatch_table.get(kind)
        if reduce is not None:
            reduced = reduce(obj)
        else:
            reduce_ex = getattr(obj, "__reduce_ex__", None)
            if reduce_ex is None:
                raise pickle.PicklingError(f"Can't pickle {type(obj).__name__} objects")
            reduced = reduce_ex(2)
        if isinstance(reduced, str):
            self._save_global(obj, reduced)
            return
        if not isinstance(reduced, tuple) or not 2 <= len(reduced) <= 5:
            raise pickle.PicklingError(f"{kind.__name__}.__reduce__ must return a string or a "
                                       f"tuple of 2 to 5 items, got {reduced!r}")
        func, args, state, list_items, dict_items = (reduced + (None,) * 3)[:5]
        if getattr(func, "__name__", "") == "__newobj__":
            cls, args = args[0], tuple(args[1:])
            self._save(cls)
            self._save(args)
            self._write(b"\x81")
        else:
            self._save(func)
            self._save(tuple(args))
            self._write(b"R")
        self._memoize(obj)
        if list_items is not None:
            self._save_items(list_items)
        if dict_items is not None:
            self._save_pairs(dict_items)
        if state is not None:
            self._save(state)
            self._write(b"b")


def _is_function(obj):
    return type(obj).__name__ in ("function", "builtin_function_or_method")


def _lookup(module, qualname):
    try:
        target = sys.modules.get(module) or importlib.import_module(module)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError):
        return None
    return target


def _contiguous_stride(shape):
    stride, step = [], 1
    for n in reversed(shape):
        stride.append(step)
        step *= max(n, 1)
    return tuple(reversed(stride))
