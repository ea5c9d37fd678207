"""``cynn.Tensor``: a numpy array plus what reverse-mode autograd needs.

The array lives in ``_data``. A tensor that requires grad is either a leaf
(``grad_fn is None``; gradients accumulate into ``.grad``) or the output number
``_output_nr`` of the graph node ``grad_fn``. ``_version`` is a one-element list
shared by a tensor and its views; in-place ops bump it, and nodes that saved the
tensor compare it in backward.

An in-place op runs out of place on a private copy and the tensor then takes the
result's place in the graph (``_inplace``); on a view (``_base`` set) the base is
rebased as in PyTorch: it becomes "old base with the view's elements replaced"
(``CopySlices``) and the view is re-read from it (``AsStridedBackward0``).
"""
import functools
import numbers
import warnings
import weakref
from collections import namedtuple

import numpy as np

from . import _dtype, _warnings
from ._tensor_str import tensor_repr
from ._handles import RemovableHandle
from .autograd.grad_mode import _local as _grad_state
from .autograd.api import backward as _autograd_backward
from .autograd import function as _function
from .autograd.function import AccumulateGrad
from .autograd.functions import elementwise as E
from .autograd.functions import linalg as L
from .autograd.functions import reduction as R
from .autograd.functions import shape as S

__all__ = ["Tensor", "Size", "is_tensor"]

def _return_type(name):
    """A ``(values, indices)`` namedtuple that prints like ``torch.return_types.max``."""
    base = namedtuple(name, ["values", "indices"])

    def __repr__(self):
        return f"cynn.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__})


_MaxResult = _return_type("max")
_MinResult = _return_type("min")
_SortResult = _return_type("sort")
_TopkResult = _return_type("topk")


class _ContiguousClone(E.Clone):
    """``contiguous()``: a C-ordered copy. ``Clone`` keeps the layout (``order="K"``, as
    ``torch.clone`` preserves strides), so a permuted clone is not C-contiguous."""
    grad_fn_name = "CloneBackward0"

    @staticmethod
    def forward(ctx, x):
        return np.array(x, copy=True, order="C")


class Size(tuple):
    """A tensor shape: a tuple that prints like ``cynn.Size([2, 3])``."""

    def __repr__(self):
        return f"cynn.Size({list(self)})"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        out = super().__getitem__(item)
        return Size(out) if isinstance(item, slice) else out


def _canon_dim(dim, ndim):
    """Wrap a negative ``dim``; IndexError like PyTorch's when out of range."""
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, not {type(dim).__name__}")
    if dim < lo or dim > hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], "
                         f"but got {dim})")
    return int(dim) % max(ndim, 1)


def _canon_dims(dim, ndim):
    """``None`` (all dims), or sorted non-negative dims; ``()`` on a 0-d tensor, where
    reducing over dim 0 / -1 leaves the value as it is."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return None
        dims = tuple(sorted(_canon_dim(d, ndim) for d in dim))
        for a, b in zip(dims, dims[1:]):
            if a == b:
                raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
    else:
        dims = (_canon_dim(dim, ndim),)
    return dims if ndim else ()


def _numpy_names(*torch_names):
    """Let a method take numpy's keyword for each of ``torch_names`` (``axis`` for
    ``dim``, ``keepdims`` for ``keepdim``), as PyTorch's argument parser does.

    Giving both spellings is the TypeError PyTorch raises for the numpy one.
    """
    aliases = tuple((_NUMPY_NAME[name], name) for name in torch_names)

    def decorate(method):
        @functools.wraps(method)
        def with_numpy_names(self, *args, **kwargs):
            if kwargs:
                for numpy_name, torch_name in aliases:
                    if numpy_name in kwargs:
                        if torch_name in kwargs:
                            raise TypeError(f"{method.__name__}() got an unexpected keyword "
                                            f"argument '{numpy_name}'")
                        kwargs[torch_name] = kwargs.pop(numpy_name)
            return method(self, *args, **kwargs)
        return with_numpy_names
    return decorate


_NUMPY_NAME = {"dim": "axis", "keepdim": "keepdims"}


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _flatten_data(data):
    """Nested lists/tuples of Tensors or numbers -> ndarray (keeps Tensor dtypes)."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)) and any(isinstance(d, (Tensor, list, tuple)) for d in data):
        return np.array([_flatten_data(d) for d in data])
    return np.asarray(data)


def _require_grad(t):
    if not t.is_floating_point():
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")
    t._requires_grad = True


def _is_sparse(x):
    """A cynn sparse COO tensor (duck-typed: _sparse_tensor imports this module)."""
    return getattr(type(x), "is_sparse", False) is True and hasattr(x, "to_dense")


def _alpha_first_form(name, other, alpha, extra=()):
    """``(other, alpha)``, also from torch's deprecated ``name(Number alpha, Tensor other)``
    (old scripts call ``p.data.add_(-lr, p.grad)``), which torch accepts with a warning."""
    if extra:
        if len(extra) > 1:
            raise TypeError(f"{name}() takes 1 positional argument but {1 + len(extra)} were "
                            "given")
        alpha, other = other, extra[0]
    elif not (isinstance(alpha, Tensor) and isinstance(other, numbers.Number)):
        return other, alpha
    else:
        alpha, other = other, alpha
    if not (isinstance(other, Tensor) and isinstance(alpha, numbers.Number)):
        raise TypeError(f"{name}() received an invalid combination of arguments: expected "
                        f"(Tensor other, *, Number alpha) or (Number alpha, Tensor other)")
    _warnings.warn(f"This overload of {name} is deprecated:\n\t{name}(Number alpha, Tensor "
                   f"other)\nConsider using one of the following signatures instead:\n\t{name}"
                   "(Tensor other, *, Number alpha = 1)")
    return other, alpha


def _operand(x):
    """An argument of a math op: Tensors and python numbers stay, numpy scalars become
    python numbers (PyTorch treats ``np.float64(2)`` like ``2.0``), arrays wrap, and a
    sparse tensor meeting a dense one becomes dense (as torch's dense + sparse and
    dense @ sparse give dense results; gradients reach its values)."""
    if isinstance(x, Tensor) or type(x) in (float, int, bool):
        return x
    if _is_sparse(x):
        return x.to_dense()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, numbers.Number):
        return x
    if isinstance(x, np.ndarray):
        return Tensor._wrap(x)
    raise TypeError(f"unsupported operand type: {type(x).__name__}")


def _check_broadcast(shape, other, into=False):
    """RuntimeError like PyTorch's when ``other`` does not broadcast against ``shape``
    (with ``into``: onto ``shape`` without growing it)."""
    for i in range(1, max(len(shape), len(other)) + 1):
        a = shape[-i] if i <= len(shape) else 1
        b = other[-i] if i <= len(other) else 1
        if a != b and a != 1 and b != 1:
            raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b "
                               f"({b}) at non-singleton dimension "
                               f"{max(len(shape), len(other)) - i}")
    if into and len(other) > len(shape) or into and any(
            a == 1 and b != 1 for a, b in zip(shape[::-1], other[::-1])):
        raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape "
                           f"{list(np.broadcast_shapes(shape, other))}")


def _bound(value):
    if not isinstance(value, Tensor):
        return value
    if value._requires_grad and _grad_state.enabled:
        raise NotImplementedError("cynn's clamp does not differentiate tensor bounds; pass "
                                  "bound.detach() or numbers")
    return value._data


def _check_rounding_mode(mode):
    if mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{mode}'")


def _as_tensor_like(value, like):
    """A python number on the left of a reflected op, as a 0-d tensor of PyTorch's dtype."""
    return Tensor._wrap(np.asarray(value, dtype=_dtype.result_type(like._data, value)))


def _check_device(device):
    if device is None:
        return
    name = str(device)
    if name != "cpu" and not name.startswith("cpu:"):
        raise RuntimeError(
            f"cynn runs on the CPU only; device {name!r} is not available. "
            "Use device='cpu' (or drop .cuda()/.to(device) calls).")


class Tensor:
    """A multi-dimensional array with reverse-mode autograd (see ``cynn.tensor``)."""

    __slots__ = ("_data", "_requires_grad", "_grad", "_grad_fn", "_output_nr", "_version",
                 "_base", "_hooks", "_acc_node", "_retains_grad", "__weakref__", "__dict__")
    __array_priority__ = 1000  # numpy defers binary operators to Tensor

    def __init__(self, *args, requires_grad=False):
        """``Tensor(data)`` (a default-dtype copy), ``Tensor(*sizes)`` (zeros), ``Tensor()``
        (empty), ``Tensor(tensor)`` (an alias), as ``torch.Tensor``."""
        if len(args) == 1 and isinstance(args[0], Tensor):
            array = args[0]._data
        elif args and all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                          for a in args):
            array = np.zeros(_shape_arg(args), _dtype.get_default_dtype().numpy)
        elif len(args) == 1 and isinstance(args[0], Size):
            array = np.zeros(tuple(args[0]), _dtype.get_default_dtype().numpy)
        elif len(args) <= 1:
            array = np.array(args[0] if args else [], dtype=_dtype.get_default_dtype().numpy)
        else:
            raise TypeError(f"Tensor(): expected sizes or one data argument, got {args!r}")
        self._init(array, requires_grad)

    def _init(self, array, requires_grad=False):
        self._data = array
        self._requires_grad = bool(requires_grad)
        self._grad = None
        self._grad_fn = None
        self._output_nr = 0
        self._version = [0]
        self._base = None
        self._hooks = None
        self._acc_node = None
        self._retains_grad = False

    @classmethod
    def _wrap(cls, array, requires_grad=False):
        """A Tensor over ``array`` without copying or converting it."""
        t = object.__new__(cls)
        t._init(array, requires_grad)
        return t

    # ------------------------------------------------------------------ basic attributes
    @property
    def data(self):
        """The same storage, detached from the graph and from version tracking."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._data = value._data

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape as ``cynn.Size``, or one dimension's length."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_canon_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return _dtype.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        from ._device import device
        return device("cpu")

    @property
    def is_cuda(self):
        return False

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def ndimension(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_contiguous(self):
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim=None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[_canon_dim(dim, self._data.ndim)]

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    # ------------------------------------------------------------------ autograd attributes
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place (leaves only); returns ``self``."""
        if self._grad_fn is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If "
                               "you want to use a computed variable in a subgraph that doesn't "
                               "require differentiation use var_no_grad = var.detach().")
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad(self):
        if self._grad is None and self._grad_fn is not None and not self._retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                ".retain_grad() on the non-leaf Tensor.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got "
                                f"grad of type {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"assigned grad has data of a different size")
        self._grad = value

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def _version_counter(self):
        return self._version[0]

    def _gradient_edge(self):
        """The (node, output_nr) a gradient for this tensor flows into."""
        if self._grad_fn is not None:
            return (self._grad_fn, self._output_nr)
        if self._acc_node is None:
            self._acc_node = AccumulateGrad(self)
        return (self._acc_node, 0)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``gradient`` is required unless ``self`` has one element. ``retain_graph``
        keeps the saved arrays so that backward can run through the graph again.
        """
        _autograd_backward(self, gradient, retain_graph=retain_graph,
                           create_graph=create_graph, inputs=inputs)

    def share_memory_(self):
        """Move the data into shared memory, in place (cynn.multiprocessing then sends
        the tensor to other processes as a handle to that memory); returns self."""
        from . import _shared_storage
        if not _shared_storage.is_shared_array(self._data):
            self._data = _shared_storage.share_array(self._data)
        return self

    def is_shared(self):
        """Whether the data lives in shared memory (see share_memory_)."""
        from . import _shared_storage
        return _shared_storage.is_shared_array(self._data)

    def detach(self):
        """A tensor sharing storage and version counter, outside the graph."""
        t = Tensor._wrap(self._data)
        t._version = self._version
        return t

    def detach_(self):
        self._grad_fn = None
        self._requires_grad = False
        return self

    def register_hook(self, hook):
        """``hook(grad) -> Tensor | None`` runs when this tensor's gradient is computed;
        a returned tensor replaces the gradient and must have its size and dtype
        (RuntimeError otherwise, as in PyTorch). Returns a handle with ``remove()``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node, nr = self._gradient_edge()
        if node._tensor_pre_hooks is None:
            node._tensor_pre_hooks = {}
        hooks = node._tensor_pre_hooks.setdefault(nr, {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor) -> None`` runs on this leaf once backward has accumulated its
        gradient into ``.grad`` (not for ``autograd.grad``, which leaves ``.grad`` alone).
        Returns a handle with ``remove()``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        node, _ = self._gradient_edge()
        if node._post_accumulate_hooks is None:
            node._post_accumulate_hooks = {}
        handle = RemovableHandle(node._post_accumulate_hooks)
        node._post_accumulate_hooks[handle.id] = hook
        return handle

    def retain_grad(self):
        """Keep ``.grad`` of this non-leaf tensor after backward (the gradient after all
        of its hooks, accumulated over backward calls)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        node = self._grad_fn
        if node._retained is None:
            node._retained = {}
        node._retained[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self):
        return self._retains_grad

    # ------------------------------------------------------------------ conversion
    def numpy(self, *, force=False):
        """The numpy array holding this tensor's data (shared, not a copy).

        Raises while grad mode is on and the tensor requires grad, as PyTorch does:
        the array would escape the graph (use ``detach().numpy()``, or ``force=True``).
        """
        if not force:
            self._check_numpy()
        return self._data

    def _check_numpy(self):
        if self._requires_grad and _grad_state.grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")

    def __array__(self, dtype=None, copy=None):
        # np.asarray(t) / np.array(t) / numpy functions on a tensor: PyTorch refuses
        # the same tensors as numpy() does
        self._check_numpy()
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return tensor_repr(self)

    def __format__(self, spec):
        if self._data.ndim == 0 and spec:
            return self.item().__format__(spec)
        return repr(self)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self._requires_grad))

    def __deepcopy__(self, memo):
        if self._grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")
        new = type(self).__new__(type(self))
        Tensor._init(new, self._data.copy(), self._requires_grad)
        if type(self) is not Tensor and hasattr(self, "__dict__"):
            import copy
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        if self._grad is not None:
            new._grad = Tensor._wrap(self._grad._data.copy())
        memo[id(self)] = new
        return new

    # dtype / device conversion
    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
        """``to(dtype)``, ``to("cpu")``, ``to(other_tensor)``; a no-op when nothing changes."""
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (_dtype.dtype, type)) or (
                    isinstance(a, str) and a in _dtype._BY_NAME):
                dtype = a
            else:
                device = a
        _check_device(device)
        if dtype is None or _dtype.to_dtype(dtype).numpy == self._data.dtype:
            return self.clone() if copy else self
        return E.ToCopy.apply(self, _dtype.to_dtype(dtype).numpy)

    def type(self, dtype=None):
        if dtype is None:
            names = {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor",
                     "int32": "IntTensor", "bool": "BoolTensor", "uint8": "ByteTensor"}
            return "cynn." + names.get(self.dtype.name, "Tensor")
        return self.to(dtype)

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def half(self):
        return self.to(_dtype.float16)

    def long(self):
        return self.to(_dtype.int64)

    def int(self):
        return self.to(_dtype.int32)

    def bool(self):
        return self.to(_dtype.bool)

    def byte(self):
        return self.to(_dtype.uint8)

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        raise RuntimeError("cynn runs on the CPU only: .cuda() is not available. "
                           "Remove the .cuda() call or use .to('cpu').")

    def clone(self, memory_format=None):
        return E.Clone.apply(self)

    def contiguous(self, memory_format=None):
        return self if self._data.flags.c_contiguous else _ContiguousClone.apply(self)

    def new_tensor(self, data, dtype=None, requires_grad=False):
        array = _flatten_data(data).astype(_dtype.to_dtype(dtype or self.dtype).numpy, order="C")
        t = Tensor._wrap(array)
        if requires_grad:
            _require_grad(t)
        return t

    def new_zeros(self, *size, dtype=None):
        return Tensor._wrap(np.zeros(_shape_arg(size), (_dtype.to_dtype(dtype).numpy if dtype
                                                        else self._data.dtype)))

    def new_ones(self, *size, dtype=None):
        return Tensor._wrap(np.ones(_shape_arg(size), (_dtype.to_dtype(dtype).numpy if dtype
                                                       else self._data.dtype)))

    def new_full(self, size, fill_value, dtype=None):
        return Tensor._wrap(np.full(_shape_arg((size,)), fill_value, (
            _dtype.to_dtype(dtype).numpy if dtype else self._data.dtype)))

    def new_empty(self, *size, dtype=None):
        return self.new_zeros(*size, dtype=dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    # ------------------------------------------------------------------ shape ops
    def view(self, *shape):
        """Same storage, new shape (one ``-1`` allowed); RuntimeError if strides forbid it."""
        if len(shape) == 1 and isinstance(shape[0], (_dtype.dtype,)):
            raise NotImplementedError("view(dtype) is not supported by cynn")
        shape = self._infer_shape(_shape_arg(shape))
        try:
            self._data.reshape(shape, copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) "
                "instead.") from None
        return S.View.apply(self, shape)

    def view_as(self, other):
        return self.view(other.shape)

    def reshape(self, *shape):
        """``view`` when the strides allow it, else a copy."""
        shape = self._infer_shape(_shape_arg(shape))
        try:
            self._data.reshape(shape, copy=False)
        except ValueError:
            return S.UnsafeView.apply(self, shape)
        return S.View.apply(self, shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def _infer_shape(self, shape):
        numel = self._data.size
        if shape.count(-1) > 1:
            raise RuntimeError("only one dimension can be inferred")
        for s in shape:
            if s < -1:
                raise RuntimeError(f"invalid shape dimension {s}")
        if -1 in shape:
            known = 1
            for s in shape:
                if s != -1:
                    known *= s
            if known == 0 or numel % known:
                raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
            shape = tuple(numel // known if s == -1 else s for s in shape)
        n = 1
        for s in shape:
            n *= s
        if n != numel:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        return shape

    def flatten(self, start_dim=0, end_dim=-1):
        if self._data.ndim == 0:
            return self.reshape(1)
        start = _canon_dim(start_dim, self._data.ndim)
        end = _canon_dim(end_dim, self._data.ndim)
        if start > end:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        if start == end:
            return self
        shape = self._data.shape
        return self.reshape(*shape[:start], -1 if self._data.size else 0, *shape[end + 1:]) \
            if self._data.size else self.reshape(*shape[:start],
                                                 int(np.prod(shape[start:end + 1])),
                                                 *shape[end + 1:])

    def unflatten(self, dim, sizes):
        dim = _canon_dim(dim, self._data.ndim)
        shape = self._data.shape
        return self.view(*shape[:dim], *sizes, *shape[dim + 1:])

    @_numpy_names("dim")
    def squeeze(self, dim=None):
        return self._squeeze(dim, S.Squeeze, S.SqueezeDim, S.SqueezeDims)

    def _squeeze(self, dim, all_fn, dim_fn, dims_fn):
        if dim is None:
            return all_fn.apply(self, None)
        fn = dims_fn if isinstance(dim, (tuple, list)) else dim_fn
        return fn.apply(self, _canon_dims(dim, self._data.ndim) or ())

    @_numpy_names("dim")
    def unsqueeze(self, dim):
        return S.Unsqueeze.apply(self, _canon_dim(dim, self._data.ndim + 1))

    @_numpy_names("dim")
    def squeeze_(self, dim=None):
        self._check_inplace_target()
        return self._adopt_view(self._squeeze(dim, S.SqueezeInplace, S.SqueezeDimInplace,
                                              S.SqueezeDimsInplace))

    @_numpy_names("dim")
    def unsqueeze_(self, dim):
        self._check_inplace_target()
        return self._adopt_view(S.UnsqueezeInplace.apply(self,
                                                         _canon_dim(dim, self._data.ndim + 1)))

    def _adopt_view(self, out):
        """Shape-changing in-place ops: this tensor takes ``out``'s view and graph position."""
        self._data = out._data
        if out._grad_fn is not None:
            self._grad_fn, self._output_nr = out._grad_fn, out._output_nr
        self._version[0] += 1
        return self

    def permute(self, *dims):
        dims = _shape_arg(dims)
        if len(dims) != self._data.ndim:
            raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input "
                               f"does not match the length of the desired ordering of dimensions "
                               f"i.e. input.dim() = {self._data.ndim} is not equal to "
                               f"len(dims) = {len(dims)}")
        dims = tuple(_canon_dim(d, self._data.ndim) for d in dims)
        if len(set(dims)) != len(dims):
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        return S.Permute.apply(self, dims)

    def transpose(self, dim0, dim1):
        n = self._data.ndim
        return S.Transpose.apply(self, _canon_dim(dim0, n), _canon_dim(dim1, n))

    def t(self):
        if self._data.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                               f"{self._data.ndim}D")
        return S.T.apply(self, 0, self._data.ndim - 1 if self._data.ndim else 0)

    @property
    def T(self):
        return self.permute(*reversed(range(self._data.ndim))) if self._data.ndim > 1 else self

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def expand(self, *sizes):
        sizes = _shape_arg(sizes)
        shape = self._data.shape
        if len(sizes) < len(shape):
            kind = _function._TYPE_NAMES.get(self._data.dtype.type, "Tensor")
            raise RuntimeError(
                f"expand(cynn.{kind}{{{list(shape)}}}, size={list(sizes)}): the number of "
                f"sizes provided ({len(sizes)}) must be greater or equal to the number of "
                f"dimensions in the tensor ({len(shape)})")
        lead = len(sizes) - len(shape)
        target = []
        for i, s in enumerate(sizes):
            if i < lead:
                if s < 0:
                    raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                       f"leading, non-existing dimension {i}")
                target.append(s)
            else:
                own = shape[i - lead]
                if s == -1:
                    s = own
                elif own != 1 and s != own:
                    raise RuntimeError(
                        f"The expanded size of the tensor ({s}) must match the existing size "
                        f"({own}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                        f"Tensor sizes: {list(shape)}")
                target.append(s)
        return S.Expand.apply(self, tuple(target))

    def expand_as(self, other):
        return self.expand(other.shape)

    def repeat(self, *sizes):
        sizes = _shape_arg(sizes)
        if len(sizes) < self._data.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than "
                               "number of dimensions of tensor")
        if any(r < 0 for r in sizes):
            raise RuntimeError(f"Trying to create tensor with negative dimension: {list(sizes)}")
        return S.Repeat.apply(self, sizes)

    @_numpy_names("dim")
    def chunk(self, chunks, dim=0):
        if self._data.ndim == 0:
            raise RuntimeError("chunk expects at least a 1-dimensional tensor")
        if chunks <= 0:
            raise RuntimeError("chunk expects `chunks` to be greater than 0, got: "
                               f"{chunks}")
        dim = _canon_dim(dim, self._data.ndim)
        n = self._data.shape[dim]
        if n == 0:  # PyTorch returns `chunks` empty pieces
            return S.Split.apply(self, (0,) * chunks, dim)
        return self.split(-(-n // chunks), dim)

    def split(self, split_size_or_sections, dim=0):
        if self._data.ndim == 0:
            raise RuntimeError("split expects at least a 1-dimensional tensor")
        dim = _canon_dim(dim, self._data.ndim)
        n = self._data.shape[dim]
        if isinstance(split_size_or_sections, (list, tuple)):
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != n:
                raise RuntimeError(
                    f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                    f"size at dimension {dim}), but got split_sizes={sizes}")
            return S.SplitWithSizes.apply(self, tuple(sizes), dim)
        step = int(split_size_or_sections)
        if step <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [min(step, n - i) for i in range(0, n, step)] if n else [0]
        return S.Split.apply(self, tuple(sizes), dim)

    @_numpy_names("dim")
    def unbind(self, dim=0):
        if self._data.ndim == 0:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        return S.Unbind.apply(self, _canon_dim(dim, self._data.ndim))

    @_numpy_names("dim")
    def select(self, dim, index):
        if self._data.ndim == 0:
            raise IndexError("select() cannot be applied to a 0-dim tensor.")
        dim = _canon_dim(dim, self._data.ndim)
        return self[(slice(None),) * dim + (index,)]

    @_numpy_names("dim")
    def narrow(self, dim, start, length):
        if self._data.ndim == 0:
            raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
        dim = _canon_dim(dim, self._data.ndim)
        n = self._data.shape[dim]
        start = start + n if start < 0 else start
        if not 0 <= start <= n or length < 0 or start + length > n:
            raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                               f"({n}).")
        return self[(slice(None),) * dim + (slice(start, start + length),)]

    def flip(self, *args, dims=None):
        """Reverse the order of elements along ``dims``: ``x.flip(0, 1)`` or ``x.flip([0, 1])``."""
        if dims is None:
            if not args:
                raise TypeError('flip() missing 1 required positional arguments: "dims"')
            dims = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
        if isinstance(dims, int):
            dims = (dims,)
        return S.Flip.apply(self, _canon_dims(tuple(dims), self._data.ndim) or ())

    # ------------------------------------------------------------------ indexing
    def __getitem__(self, index):
        index = _convert_index(index, self)
        return S.index_function(index).apply(self, index)

    def __setitem__(self, index, value):
        index = _convert_index(index, self)
        try:
            if self._records_inplace(value):
                self._inplace(lambda s: S.setitem_function(index).apply(s, index, value))
                return
            self._data[index] = value._data if isinstance(value, Tensor) else value
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(value))} "
                               f"cannot be broadcast to indexing result of shape "
                               f"{list(self._data[index].shape)}") from None
        self._version[0] += 1

    # ------------------------------------------------------------------ in-place machinery
    def _check_inplace_target(self):
        if self._grad_fn is None and self._requires_grad and _grad_state.enabled:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")

    def _records_inplace(self, other=None):
        """Whether an in-place op must go through the graph: grad mode is on and this
        tensor, the other operand or the base this tensor is a view of requires grad."""
        return _grad_state.enabled and (
            self._requires_grad or (isinstance(other, Tensor) and other._requires_grad)
            or (self._base is not None and self._base._requires_grad))

    def _inplace(self, op):
        """Apply ``op(self) -> Tensor`` in place: write the result into this storage.

        When the graph is recorded, ``op`` runs on a private copy of the current value
        standing at this tensor's place in the graph, and this tensor then becomes the
        op's output; nodes that saved the old value see the version bump. A view passes
        the new value on to its base (see ``_rebase_view``).
        """
        self._check_inplace_target()
        if not _grad_state.enabled:
            self._write_inplace(op(self)._data)
            return self
        base = self._base
        if base is not None:
            self._check_view_inplace(base)
        out = op(self._graph_copy())
        if base is not None and out._requires_grad:
            return self._rebase_view(base, out)
        self._write_inplace(out._data)
        if out._requires_grad:
            self._requires_grad = True
            self._grad_fn, self._output_nr = out._grad_fn, out._output_nr
            self._adopt_saved_output(out)
        return self

    def _adopt_saved_output(self, out):
        """The op's node saved its output ``out`` (e.g. ``sigmoid_``): point it at this
        tensor's storage and version instead, so that a later in-place change of this
        tensor is caught in backward, as in PyTorch."""
        node = out._grad_fn
        if not node._saved_versions:
            return
        node._saved = tuple(self._data if s is out._data else s for s in node._saved)
        node._saved_versions = tuple(
            (i, self._version, self._version[0], producer, nr) if version is out._version
            else (i, version, expected, producer, nr)
            for i, version, expected, producer, nr in node._saved_versions)

    def _check_view_inplace(self, base):
        """PyTorch's refusals of in-place ops on views it cannot rebase safely."""
        if base._requires_grad and base._grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                               "an in-place operation.")
        node = self._grad_fn
        if node is None:
            if base._requires_grad:
                raise RuntimeError(
                    "A view was created in no_grad mode and is being modified inplace with grad "
                    "mode enabled. Given that this use case is ambiguous and error-prone, it is "
                    "forbidden. You can clarify your code by moving both the view and the "
                    "inplace either both inside the no_grad block (if you don't want the "
                    "inplace to be tracked) or both outside (if you want the inplace to be "
                    "tracked).")
            return
        if not node._function.output_is_view:
            raise RuntimeError(
                f"Output {self._output_nr} of {node.name()} is a view and is being modified "
                "inplace. This view was created inside a custom Function (or because an input "
                "was returned as-is) and the autograd logic to handle view+inplace would "
                "override the custom backward associated with the custom Function, leading to "
                "incorrect gradients. This behavior is forbidden. You can fix this by cloning "
                "the output of the custom Function.")
        if len(node._output_meta) > 1:
            raise RuntimeError(
                f"Output {self._output_nr} of {node.name()} is a view and is being modified "
                "inplace. This view is the output of a function that returns multiple views. "
                "Such functions do not allow the output views to be modified inplace. You "
                "should replace the inplace operation by an out-of-place one.")

    def _graph_copy(self):
        """A private copy of the value standing at this tensor's place in the graph."""
        t = Tensor._wrap(self._data.copy())
        t._requires_grad = self._requires_grad
        t._grad_fn, t._output_nr, t._acc_node = self._grad_fn, self._output_nr, self._acc_node
        return t

    def _rebase_view(self, base, out):
        """In-place on a view, as PyTorch's CopySlices: the base becomes "the old base with
        the view's elements replaced by ``out``", and the view is read back from it."""
        index = _view_index(self._data, base._data)
        if index is None:
            raise RuntimeError("unsupported operation: more than one element of the written-to "
                               "tensor refers to a single memory location. Please clone() the "
                               "tensor before performing the operation.")
        new_base = S.CopySlices.apply(base._graph_copy(), index, out)
        base._write_inplace(new_base._data)
        base._requires_grad = True
        base._grad_fn, base._output_nr = new_base._grad_fn, 0
        self._requires_grad = True
        self._grad_fn, self._output_nr = S.AsStrided.apply(base, index)._grad_fn, 0
        return self

    def _write_inplace(self, result):
        if result.shape != self._data.shape:
            if np.broadcast_shapes(result.shape, self._data.shape) != self._data.shape:
                raise RuntimeError(
                    f"output with shape {list(self._data.shape)} doesn't match the broadcast "
                    f"shape {list(np.broadcast_shapes(result.shape, self._data.shape))}")
        if result.dtype != self._data.dtype and not np.can_cast(result.dtype, self._data.dtype,
                                                                "same_kind"):
            raise RuntimeError(f"result type {_torch_type_name(result.dtype)} can't be cast to "
                               f"the desired output type {_torch_type_name(self._data.dtype)}")
        np.copyto(self._data, result, casting="unsafe")
        self._version[0] += 1

    def _inplace_binary(self, ufunc, fn_cls, other, **kw):
        """``self <op>= other``: straight into the buffer when nothing is recorded."""
        other = _operand(other)
        if not self._records_inplace(other):
            raw = other._data if isinstance(other, Tensor) else other
            if kw.get("alpha", 1) != 1:
                raw = raw * kw["alpha"]
            result_dt = _dtype.result_type(self._data, raw)
            if ufunc is np.divide and result_dt.kind != "f":
                result_dt = _dtype.get_default_dtype().numpy
            if not np.can_cast(result_dt, self._data.dtype, "same_kind"):
                raise RuntimeError(f"result type {_torch_type_name(result_dt)} can't be cast to "
                                   f"the desired output type {_torch_type_name(self._data.dtype)}")
            if np.shape(raw) != self._data.shape:
                shape = np.broadcast_shapes(np.shape(raw), self._data.shape)
                if shape != self._data.shape:
                    raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match "
                                       f"the broadcast shape {list(shape)}")
            ufunc(self._data, raw, out=self._data, casting="unsafe")
            self._version[0] += 1
            return self
        return self._inplace(lambda s: fn_cls.apply(s, other, **kw))

    def add_(self, other, alpha=1):
        other, alpha = _alpha_first_form("add_", other, alpha)
        return self._inplace_binary(np.add, E.Add, other, alpha=alpha)

    def sub_(self, other, alpha=1):
        other, alpha = _alpha_first_form("sub_", other, alpha)
        return self._inplace_binary(np.subtract, E.Sub, other, alpha=alpha)

    def mul_(self, other):
        return self._inplace_binary(np.multiply, E.Mul, other)

    def div_(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return self._inplace_binary(np.divide, E.Div, other)
        _check_rounding_mode(rounding_mode)
        return self._inplace(lambda s: E.DivRounding.apply(s, _operand(other), rounding_mode))

    def pow_(self, exponent):
        return self._inplace(lambda s: s.pow(exponent))

    def zero_(self):
        return self._fill(0, E.Zero)

    def fill_(self, value):
        if isinstance(value, Tensor):
            if value.dim() != 0:
                raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                                   f"with {value.dim()} dimensions.")
            value = value.item()
        return self._fill(value, E.Fill)

    def _fill(self, value, fn):
        self._check_inplace_target()
        if self._records_inplace():
            return self._inplace(lambda s: fn.apply(s, value))
        self._data[...] = value
        self._version[0] += 1
        return self

    def copy_(self, src, non_blocking=False):
        """Write ``src`` (broadcast to this shape, cast to this dtype) into this tensor."""
        src = src if isinstance(src, Tensor) else Tensor._wrap(np.asarray(src))
        self._check_inplace_target()
        _check_broadcast(self._data.shape, src._data.shape, into=True)
        if self._records_inplace(src):
            return self._inplace(lambda s: E.Copy.apply(s, src))
        np.copyto(self._data, src._data, casting="unsafe")
        self._version[0] += 1
        return self

    def clamp_(self, min=None, max=None):  # noqa: A002
        return self._inplace(lambda s: s.clamp(min, max))

    clip_ = clamp_

    def relu_(self):
        return self._inplace(lambda s: s.relu())

    def sigmoid_(self):
        return self._inplace(lambda s: s.sigmoid())

    def tanh_(self):
        return self._inplace(lambda s: s.tanh())

    def exp_(self):
        return self._inplace(lambda s: s.exp())

    def log_(self):
        return self._inplace(lambda s: s.log())

    def sqrt_(self):
        return self._inplace(lambda s: s.sqrt())

    def abs_(self):
        return self._inplace(lambda s: s.abs())

    def neg_(self):
        return self._inplace(lambda s: -s)

    def masked_fill_(self, mask, value):
        return self._inplace(lambda s: s.masked_fill(mask, value))

    def _fill_random(self, sample):
        self._check_inplace_target()
        self._data[...] = sample(self._data.shape)
        self._version[0] += 1
        return self

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        from ._random import generator as gen
        return self._fill_random(lambda shape: gen().normal(mean, std, shape))

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        from ._random import generator as gen
        return self._fill_random(lambda shape: gen().uniform(a, b, shape))

    def bernoulli_(self, p=0.5, *, generator=None):
        from ._random import generator as gen
        return self._fill_random(lambda shape: gen().random(shape) < p)

    def random_(self, low=0, high=None, *, generator=None):
        from ._random import generator as gen
        if high is None:
            low, high = 0, low
        return self._fill_random(lambda shape: gen().integers(low, high, shape))

    def exponential_(self, lambd=1.0, *, generator=None):
        from ._random import generator as gen
        return self._fill_random(lambda shape: gen().exponential(1.0 / lambd, shape))

    # ------------------------------------------------------------------ math
    def add(self, other, *deprecated_other, alpha=1):
        other, alpha = _alpha_first_form("add", other, alpha, deprecated_other)
        return E.Add.apply(self, _operand(other), alpha=alpha)

    def sub(self, other, *deprecated_other, alpha=1):
        other, alpha = _alpha_first_form("sub", other, alpha, deprecated_other)
        return E.Sub.apply(self, _operand(other), alpha=alpha)

    def mul(self, other):
        return E.Mul.apply(self, _operand(other))

    def div(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return E.Div.apply(self, _operand(other))
        _check_rounding_mode(rounding_mode)
        return E.DivRounding.apply(self, _operand(other), rounding_mode)

    true_divide = divide = div
    multiply = mul
    subtract = sub

    def pow(self, exponent):
        exponent = _operand(exponent)
        if isinstance(exponent, Tensor):
            return E.PowTensor.apply(self, exponent)
        return E.Pow.apply(self, exponent)

    def __add__(self, other):
        return E.Add.apply(self, _operand(other))

    def __radd__(self, other):
        return E.Add.apply(self, _operand(other))

    def __sub__(self, other):
        return E.Sub.apply(self, _operand(other))

    def __rsub__(self, other):
        return E.Rsub.apply(self, _operand(other))

    def __mul__(self, other):
        return E.Mul.apply(self, _operand(other))

    def __rmul__(self, other):
        return E.Mul.apply(self, _operand(other))

    def __truediv__(self, other):
        return E.Div.apply(self, _operand(other))

    def __rtruediv__(self, other):
        return E.Rdiv.apply(self, _operand(other))

    def __floordiv__(self, other):
        return E.FloorDivide.apply(self, _operand(other))

    def __rfloordiv__(self, other):
        return E.FloorDivide.apply(_as_tensor_like(other, self), self)

    def __mod__(self, other):
        other = _operand(other)
        if isinstance(other, Tensor):
            return E.RemainderTensor.apply(self, other)
        return E.Remainder.apply(self, other)

    def __rmod__(self, other):
        return E.Rremainder.apply(_as_tensor_like(other, self), self)

    floor_divide = __floordiv__
    remainder = __mod__

    def __pow__(self, other):
        return self.pow(other)

    def __rpow__(self, other):
        return E.Rpow.apply(self, _operand(other))

    def __matmul__(self, other):
        return self.matmul(other)

    def __rmatmul__(self, other):
        return _operand(other).matmul(self)

    def __neg__(self):
        return E.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def neg(self):
        return E.Neg.apply(self)

    negative = neg

    def exp(self):
        return E.Exp.apply(self)

    def log(self):
        return E.Log.apply(self)

    def sqrt(self):
        return E.Sqrt.apply(self)

    def rsqrt(self):
        return E.Rsqrt.apply(self)

    def reciprocal(self):
        return E.Reciprocal.apply(self)

    def abs(self):
        return E.Abs.apply(self)

    def sin(self):
        return E.Sin.apply(self)

    def cos(self):
        return E.Cos.apply(self)

    def tanh(self):
        return E.Tanh.apply(self)

    def sigmoid(self):
        return E.Sigmoid.apply(self)

    def relu(self):
        return E.Relu.apply(self)

    def square(self):
        return E.Pow.apply(self, 2)

    def sign(self):
        return E.Sign.apply(self)

    def floor(self):
        return E.Floor.apply(self)

    def ceil(self):
        return E.Ceil.apply(self)

    def round(self, decimals=0):
        return E.Round.apply(self, decimals)

    def clamp(self, min=None, max=None):  # noqa: A002 -- PyTorch's argument names
        """Limit to ``[min, max]`` (numbers, or tensors broadcast against this one); the
        gradient passes where the input is inside. Tensor bounds are constants here."""
        lo, hi = _bound(min), _bound(max)
        fn = E.ClampTensor if isinstance(lo, np.ndarray) or isinstance(hi, np.ndarray) else E.Clamp
        return fn.apply(self, lo, hi)

    clip = clamp

    def masked_fill(self, mask, value):
        """``value`` where the bool ``mask`` (broadcast against this tensor) is True."""
        mask = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
        if mask.dtype != np.bool_:
            raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with "
                               f"dtype {_torch_type_name(mask.dtype)}")
        if isinstance(value, Tensor):
            if value.dim() != 0:
                raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, "
                                   f"but got tensor with {value.dim()} dimension(s).")
            value = value.item()
        _check_broadcast(self._data.shape, mask.shape)
        return E.MaskedFill.apply(self, mask, value)

    def matmul(self, other):
        """Matrix product with numpy's batching rules (``@``)."""
        other = _operand(other)
        if not isinstance(other, Tensor):
            raise TypeError(f"matmul(): argument 'other' must be Tensor, not "
                            f"{type(other).__name__}")
        fn = L.matmul_function(self._data, other._data)
        return fn.apply(self, other)

    def mm(self, mat2):
        if _is_sparse(mat2):
            mat2 = mat2.to_dense()
        L.check_mm(self._data, mat2._data)
        return L.Mm.apply(self, mat2)

    def bmm(self, mat2):
        L.check_bmm(self._data, mat2._data)
        return L.Bmm.apply(self, mat2)

    def dot(self, other):
        if self._data.ndim != 1 or other._data.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {self._data.ndim}D and "
                               f"{other._data.ndim}D tensors")
        return self.matmul(other)

    # ------------------------------------------------------------------ reductions
    @_numpy_names("dim", "keepdim")
    def sum(self, dim=None, keepdim=False, *, dtype=None):
        dims = _canon_dims(dim, self._data.ndim)
        np_dtype = _dtype.to_dtype(dtype).numpy if dtype is not None else None
        if dims is None and not keepdim:
            return R.Sum.apply(self, None, False, np_dtype)
        return R.SumDim.apply(self, dims, keepdim, np_dtype)

    @_numpy_names("dim", "keepdim")
    def mean(self, dim=None, keepdim=False, *, dtype=None):
        x = self.to(dtype) if dtype is not None else self
        dims = _canon_dims(dim, self._data.ndim)
        if dims is None and not keepdim:
            return R.Mean.apply(x, None, False)
        return R.MeanDim.apply(x, dims, keepdim)

    def _correction(self, unbiased, correction):
        if correction is not None:
            return correction
        return 1 if unbiased in (None, True) else 0

    @_numpy_names("dim", "keepdim")
    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """Variance over ``dim`` (all elements by default), Bessel-corrected unless
        ``unbiased=False`` / ``correction=0``."""
        if isinstance(dim, bool):
            unbiased, dim = dim, None
        return R.Var.apply(self, _canon_dims(dim, self._data.ndim), keepdim,
                           self._correction(unbiased, correction))

    @_numpy_names("dim", "keepdim")
    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        if isinstance(dim, bool):
            unbiased, dim = dim, None
        return R.Std.apply(self, _canon_dims(dim, self._data.ndim), keepdim,
                           self._correction(unbiased, correction))

    @_numpy_names("dim", "keepdim")
    def max(self, dim=None, keepdim=False):
        """No ``dim``: the largest value. With ``dim``: ``(values, indices)``.
        With a Tensor: the elementwise maximum."""
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        if dim is None:
            return R.MaxAll.apply(self)
        return _MaxResult(*self._dim_reduction(R.MaxDim, dim, keepdim))

    @_numpy_names("dim", "keepdim")
    def min(self, dim=None, keepdim=False):
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        if dim is None:
            return R.MinAll.apply(self)
        return _MinResult(*self._dim_reduction(R.MinDim, dim, keepdim))

    def _dim_reduction(self, fn, dim, keepdim):
        dim = _canon_dim(dim, self._data.ndim)
        if self._data.ndim == 0:  # the value itself, at index 0
            return fn.apply(self.unsqueeze(0), 0, False)
        return fn.apply(self, dim, keepdim)

    def maximum(self, other):
        return E.Maximum.apply(self, other)

    def minimum(self, other):
        return E.Minimum.apply(self, other)

    @_numpy_names("dim", "keepdim")
    def argmax(self, dim=None, keepdim=False):
        return self._arg(np.argmax, dim, keepdim)

    @_numpy_names("dim", "keepdim")
    def argmin(self, dim=None, keepdim=False):
        return self._arg(np.argmin, dim, keepdim)

    def _arg(self, fn, dim, keepdim):
        if dim is None:
            out = np.asarray(fn(self._data), dtype=np.int64)
            return Tensor._wrap(out.reshape((1,) * self._data.ndim) if keepdim else out)
        d = _canon_dim(dim, self._data.ndim)
        if self._data.ndim == 0:
            return Tensor._wrap(np.zeros((), np.int64))
        out = fn(self._data, axis=d)
        return Tensor._wrap(np.asarray(np.expand_dims(out, d) if keepdim else out,
                                       dtype=np.int64))

    @_numpy_names("dim")
    def softmax(self, dim):
        return R.Softmax.apply(self, _canon_dim(dim, self._data.ndim))

    @_numpy_names("dim")
    def log_softmax(self, dim):
        return R.LogSoftmax.apply(self, _canon_dim(dim, self._data.ndim))

    @_numpy_names("dim", "keepdim")
    def prod(self, dim=None, keepdim=False, *, dtype=None):
        x = self.to(dtype) if dtype is not None else self
        if dim is None:
            return R.Prod.apply(x, None, False)
        return R.ProdDim.apply(x, _canon_dims(dim, self._data.ndim), keepdim)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        """The vector ``p``-norm over ``dim`` (all elements by default); ``"fro"`` is 2."""
        if p == "fro" or p is None:
            p = 2
        if isinstance(p, str):
            raise RuntimeError(f"cynn's norm supports numeric p and 'fro', not p={p!r}")
        x = self.to(dtype) if dtype is not None else self
        return R.Norm.apply(x, float(p), _canon_dims(dim, self._data.ndim), keepdim)

    @_numpy_names("dim")
    def cumsum(self, dim, *, dtype=None):
        x = self.to(dtype) if dtype is not None else self
        return R.Cumsum.apply(x, _canon_dim(dim, self._data.ndim))

    def _sorted_indices(self, dim, descending):
        d = _canon_dim(dim, self._data.ndim)
        if self._data.ndim == 0:
            return 0, np.zeros((), np.int64)
        if descending:  # a stable descending order: stable ascending of the reversed axis
            flipped = np.flip(self._data, d)
            idx = self._data.shape[d] - 1 - np.flip(np.argsort(flipped, axis=d, kind="stable"), d)
        else:
            idx = np.argsort(self._data, axis=d, kind="stable")
        return d, idx.astype(np.int64)

    @_numpy_names("dim")
    def sort(self, dim=-1, descending=False, stable=False):
        d, idx = self._sorted_indices(dim, descending)
        return _SortResult(S.Sort.apply(self, _along(idx, d)), Tensor._wrap(idx))

    @_numpy_names("dim")
    def argsort(self, dim=-1, descending=False, stable=False):
        return Tensor._wrap(self._sorted_indices(dim, descending)[1])

    @_numpy_names("dim")
    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002
        d, idx = self._sorted_indices(dim, largest)
        if not 0 <= k <= (self._data.shape[d] if self._data.ndim else 1):
            raise RuntimeError("selected index k out of range")
        idx = np.take(idx, np.arange(k), axis=d) if self._data.ndim else idx
        return _TopkResult(S.Topk.apply(self, _along(idx, d)), Tensor._wrap(idx))

    # ------------------------------------------------------------------ comparisons
    def _compare(self, ufunc, other):
        other = _operand(other)
        raw = other._data if isinstance(other, Tensor) else other
        try:
            return Tensor._wrap(np.asarray(ufunc(self._data, raw)))
        except ValueError:
            raise E.broadcast_error(self._data, raw) from None

    def eq(self, other):
        return self._compare(np.equal, other)

    def ne(self, other):
        return self._compare(np.not_equal, other)

    def gt(self, other):
        return self._compare(np.greater, other)

    def ge(self, other):
        return self._compare(np.greater_equal, other)

    def lt(self, other):
        return self._compare(np.less, other)

    def le(self, other):
        return self._compare(np.less_equal, other)

    __eq__ = eq
    __ne__ = ne
    __gt__ = gt
    __ge__ = ge
    __lt__ = lt
    __le__ = le
    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def equal(self, other):
        return bool(self.shape == other.shape and np.array_equal(self._data, other._data))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return bool(np.allclose(self._data, other._data, rtol=rtol, atol=atol,
                                equal_nan=equal_nan))

    def isnan(self):
        return Tensor._wrap(np.isnan(self._data))

    def isinf(self):
        return Tensor._wrap(np.isinf(self._data))

    def isfinite(self):
        return Tensor._wrap(np.isfinite(self._data))

    @_numpy_names("dim", "keepdim")
    def all(self, dim=None, keepdim=False):
        if dim is None:
            return Tensor._wrap(np.asarray(np.all(self._data)))
        return Tensor._wrap(np.all(self._data, axis=_canon_dim(dim, self._data.ndim),
                                   keepdims=keepdim))

    @_numpy_names("dim", "keepdim")
    def any(self, dim=None, keepdim=False):
        if dim is None:
            return Tensor._wrap(np.asarray(np.any(self._data)))
        return Tensor._wrap(np.any(self._data, axis=_canon_dim(dim, self._data.ndim),
                                   keepdims=keepdim))

    def logical_not(self):
        return Tensor._wrap(np.logical_not(self._data))

    def __invert__(self):
        if self._data.dtype == np.bool_:
            return Tensor._wrap(np.logical_not(self._data))
        return Tensor._wrap(np.invert(self._data))

    def __and__(self, other):
        return self._compare(np.bitwise_and, other)

    def __or__(self, other):
        return self._compare(np.bitwise_or, other)

    def __xor__(self, other):
        return self._compare(np.bitwise_xor, other)

    def nonzero(self, as_tuple=False):
        if self._data.ndim == 0:  # a 0-d tensor is one element with no index coordinates
            hits = int(bool(self._data))
            if as_tuple:
                return (Tensor._wrap(np.zeros(hits, np.int64)),)
            return Tensor._wrap(np.zeros((hits, 0), np.int64))
        idx = np.nonzero(self._data)
        if as_tuple:
            return tuple(Tensor._wrap(i.astype(np.int64)) for i in idx)
        return Tensor._wrap(np.stack(idx, axis=1).astype(np.int64))

    def unique(self, sorted=True, return_counts=False):  # noqa: A002
        out = np.unique(self._data, return_counts=return_counts)
        if return_counts:
            return Tensor._wrap(out[0]), Tensor._wrap(out[1].astype(np.int64))
        return Tensor._wrap(out)


_function.Tensor = Tensor


def _view_index(view, base):
    """Index arrays that pick the elements of ``view`` out of ``base`` (whose memory it
    shares), or None when the view repeats an element (an expanded view)."""
    if not base.flags.c_contiguous:
        return None
    if any(stride == 0 and n > 1 for stride, n in zip(view.strides, view.shape)):
        return None
    flat = np.arange(base.size, dtype=np.int64)
    if view.size:
        start = (view.__array_interface__["data"][0]
                 - base.__array_interface__["data"][0]) // base.itemsize
        positions = np.lib.stride_tricks.as_strided(
            flat[start:], shape=view.shape,
            strides=tuple(s // base.itemsize * flat.itemsize for s in view.strides)).copy()
    else:
        positions = np.zeros(view.shape, np.int64)
    return np.unravel_index(positions, base.shape)


def _along(idx, dim):
    """A fancy index that picks ``idx`` along ``dim`` (take_along_axis as an index)."""
    grids = np.indices(idx.shape, sparse=True)
    return tuple(idx if d == dim else g for d, g in enumerate(grids))


def _convert_index(index, tensor):
    """Tensors inside an index become numpy arrays; checks integer bounds like PyTorch."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    dim = 0
    for position, item in enumerate(items):
        if item is Ellipsis:
            # the ellipsis stands for every dim the items after it do not take
            dim = tensor._data.ndim - sum(_dims_taken(i) for i in items[position + 1:])
        if isinstance(item, Tensor):
            item = item._data
            if item.ndim == 0 and item.dtype.kind in "iu":
                item = int(item)
        elif isinstance(item, list):
            item = np.asarray(item)
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            if dim >= tensor._data.ndim:
                raise IndexError(f"too many indices for tensor of dimension "
                                 f"{tensor._data.ndim}")
            n = tensor._data.shape[dim]
            if not -n <= item < n:
                raise IndexError(f"index {item} is out of bounds for dimension {dim} with size {n}")
        if item is not None and item is not Ellipsis:
            dim += item.ndim if isinstance(item, np.ndarray) and item.dtype == np.bool_ else 1
        out.append(item)
    return tuple(out) if isinstance(index, tuple) else out[0]


def _dims_taken(item):
    """How many of the indexed tensor's dims one index item consumes."""
    if item is None or item is Ellipsis:
        return 0
    data = item._data if isinstance(item, Tensor) else item
    if isinstance(data, np.ndarray) and data.dtype == np.bool_:
        return data.ndim
    return 1


def _torch_type_name(np_dtype):
    names = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
             "bool": "Bool", "uint8": "Byte", "float16": "Half", "int16": "Short", "int8": "Char"}
    return names.get(np.dtype(np_dtype).name, str(np_dtype))


def _rebuild(array, requires_grad):
    return Tensor._wrap(array, requires_grad)


def is_tensor(obj):
    return isinstance(obj, Tensor)
