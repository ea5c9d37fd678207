"""Tensor methods with no module-level twin worth a family of their own: the sliding
window ``unfold``, ``where``, ``sum_to_size``, the in-place transposes, sampling
methods (``multinomial``, ``bernoulli``, ``cauchy_``...), ``fill_diagonal_``,
``apply_``/``map_``/``map2_``, ``resize_``, dtype shorthands and property-like
queries (``itemsize``, ``nbytes``, ``is_cpu``, ``H``...)."""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, _canon_dim
from ._checks import check_tensor

__all__ = ["multinomial", "index_reduce", "nonzero_static"]
METHODS = []
INPLACE = []


def _method(fn):
    METHODS.append(fn.__name__)
    return fn


@_method
def unfold(self, dimension, size, step):
    """All slices of length ``size`` along ``dimension``, ``step`` apart, as a new last
    dim (a view, as torch's). Shape: ``dimension`` becomes ``(n - size) // step + 1``
    and a last dim of ``size`` is added."""
    d = _canon_dim(dimension, max(self.dim(), 1))
    n = self.shape[d] if self.dim() else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    count = (n - size) // step + 1
    index = (np.arange(count)[:, None] * step + np.arange(size)[None, :])
    x = self if self.dim() else self.reshape(1)
    moved = x.movedim(d, -1)                       # (..., n)
    windows = moved[..., Tensor._wrap(index)]      # (..., count, size)
    return windows.movedim(-2, d)


@_method
def where(self, condition, y):
    """``cynn.where(condition, self, y)``."""
    from .._creation import where as where_fn
    return where_fn(condition, self, y)


@_method
def sum_to_size(self, *size):
    """Sum over the dims that ``size`` broadcasts to this tensor's shape.
    Shape: ``size``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = tuple(self.shape)
    try:
        if np.broadcast_shapes(size, shape) != shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"size {{{', '.join(map(str, size))}}} is not expandable to size "
                           f"{{{', '.join(map(str, shape))}}}.") from None
    out = self
    lead = len(shape) - len(size)
    if lead:
        out = out.sum(tuple(range(lead)))
    dims = tuple(i for i, n in enumerate(size) if n == 1 and out.shape[i] != 1)
    return out.sum(dims, keepdim=True) if dims else out


def _metadata_inplace(self, view):
    """Make this tensor ``view`` in place (transpose_, t_): the same storage seen with
    another shape; recorded as the view op when autograd tracks this tensor."""
    if self.requires_grad and self.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    self._data = view._data
    if view.requires_grad:
        self._grad_fn, self._output_nr = view._grad_fn, view._output_nr
    return self


@_method
def transpose_(self, dim0, dim1):
    """In-place ``transpose``: this tensor becomes the transposed view."""
    return _metadata_inplace(self, self.transpose(dim0, dim1))


@_method
def t_(self):
    return _metadata_inplace(self, self.t())


@_method
def swapaxes_(self, axis0, axis1):
    return _metadata_inplace(self, self.transpose(axis0, axis1))


swapdims_ = swapaxes_
METHODS.append("swapdims_")


@_method
def multinomial(self, num_samples, replacement=False, *, generator=None):
    """``num_samples`` category indices per row drawn with probabilities proportional
    to the (non-negative) weights of ``self``. Shape: ``(num_samples,)`` or
    ``(rows, num_samples)``."""
    from .._random import generator as gen
    w = self._data.astype(np.float64)
    if w.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    rows = w.reshape(-1, w.shape[-1])
    if np.any(rows < 0) or not np.all(np.isfinite(rows)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(rows.sum(1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    rng = gen() if generator is None else generator.numpy
    out = np.empty((rows.shape[0], num_samples), np.int64)
    for r, row in enumerate(rows):
        p = row / row.sum()
        if replacement:
            out[r] = rng.choice(row.size, num_samples, replace=True, p=p)
        else:
            # sampling without replacement by exponential races (Gumbel-top-k)
            keys = np.where(p > 0, rng.exponential(size=row.size) / np.where(p > 0, p, 1),
                            np.inf)
            out[r] = np.argsort(keys, kind="stable")[:num_samples]
    return Tensor._wrap(out.reshape(w.shape[:-1] + (num_samples,)))


@_method
def bernoulli(self, p=None, *, generator=None):
    """A 0/1 sample per element with probability ``self`` (or ``p``), in self's dtype."""
    from .._random import generator as gen
    rng = gen() if generator is None else generator.numpy
    prob = self._data if p is None else np.broadcast_to(np.asarray(p), self._data.shape)
    if np.any((prob < 0) | (prob > 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    return Tensor._wrap((rng.random(self._data.shape) < prob).astype(self._data.dtype))


def _sampler(name, draw):
    def sample_(self, *args, generator=None):
        return self._fill_random(lambda shape: draw(_rng(generator), shape, *args))
    sample_.__name__ = name
    sample_.__doc__ = f"Fill in place with samples of the {name[:-1]} distribution."
    return sample_


def _rng(generator):
    from .._random import generator as gen
    return gen() if generator is None else generator.numpy


cauchy_ = _sampler("cauchy_", lambda rng, shape, median=0.0, sigma=1.0:
                   median + sigma * rng.standard_cauchy(shape))
geometric_ = _sampler("geometric_", lambda rng, shape, p: rng.geometric(p, shape))
log_normal_ = _sampler("log_normal_", lambda rng, shape, mean=1.0, std=2.0:
                       rng.lognormal(mean, std, shape))
METHODS += ["cauchy_", "geometric_", "log_normal_"]


@_method
def fill_diagonal_(self, fill_value, wrap=False):
    """Write ``fill_value`` on the main diagonal (all dims equal, or a tall matrix with
    ``wrap`` restarting the diagonal every ``cols + 1`` rows)."""
    if self.dim() < 2:
        raise RuntimeError("dimensions must larger than 1")
    if self.dim() > 2 and len(set(self.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    self._check_inplace_target()
    data = self._data
    if data.ndim == 2:
        rows, cols = data.shape
        flat = data.reshape(-1) if data.flags.c_contiguous else None
        if flat is not None:
            end = rows * cols if wrap else min(rows, cols) * cols
            flat[:end:cols + 1] = fill_value
        else:
            n = min(rows, cols)
            data[np.arange(n), np.arange(n)] = fill_value
    else:
        idx = np.arange(data.shape[0])
        data[(idx,) * data.ndim] = fill_value
    self._version[0] += 1
    return self


@_method
def apply_(self, callable):  # noqa: A002
    """Replace each element by ``callable(element)`` (Python speed; not differentiable)."""
    if self.requires_grad:
        raise RuntimeError("apply_ is only implemented on CPU tensors that do not require grad")
    flat = self._data.reshape(-1)
    for i, v in enumerate(flat.tolist()):
        flat[i] = callable(v)
    self._version[0] += 1
    return self


@_method
def map_(self, tensor, callable):  # noqa: A002
    """``self[i] = callable(self[i], tensor[i])`` with ``tensor`` broadcast."""
    other = np.broadcast_to(tensor._data, self._data.shape).reshape(-1).tolist()
    flat = self._data.reshape(-1)
    for i, (a, b) in enumerate(zip(flat.tolist(), other)):
        flat[i] = callable(a, b)
    self._version[0] += 1
    return self


@_method
def map2_(self, x, y, callable):  # noqa: A002
    """``self[i] = callable(self[i], x[i], y[i])`` with ``x``, ``y`` broadcast."""
    xs = np.broadcast_to(x._data, self._data.shape).reshape(-1).tolist()
    ys = np.broadcast_to(y._data, self._data.shape).reshape(-1).tolist()
    flat = self._data.reshape(-1)
    for i, (a, b, c) in enumerate(zip(flat.tolist(), xs, ys)):
        flat[i] = callable(a, b, c)
    self._version[0] += 1
    return self


@_method
def resize_(self, *sizes, memory_format=None):
    """Give this tensor ``sizes``: the leading elements are kept, new ones are
    uninitialised (zero here)."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    n = int(np.prod(sizes)) if sizes else 1
    flat = self._data.reshape(-1)
    fresh = np.zeros(n, self._data.dtype)
    fresh[:min(n, flat.size)] = flat[:n]
    self._data = fresh.reshape(sizes)
    self._version[0] += 1
    return self


@_method
def resize_as_(self, the_template, memory_format=None):
    return resize_(self, tuple(the_template.shape))


@_method
def short(self):
    return self.to(_dtype.int16)


@_method
def char(self):
    return self.to(_dtype.int8)


@_method
def pin_memory(self, device=None):
    """The tensor itself: pinning concerns host-to-GPU copies, which cynn never makes."""
    return self


@_method
def is_pinned(self, device=None):
    return False


@_method
def get_device(self):
    return -1


@_method
def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False):
    return self.new_empty(tuple(size), dtype=dtype).requires_grad_(requires_grad)


@_method
def index_reduce(self, dim, index, source, reduce, *, include_self=True):  # noqa: A002
    """``scatter_reduce`` of whole slices: slice ``i`` of ``source`` along ``dim`` is
    reduced into slice ``index[i]`` (``"prod"``, ``"mean"``, ``"amax"``, ``"amin"``)."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    d = _canon_dim(dim, self.dim())
    shape = [1] * source.dim()
    shape[d] = -1
    full_index = index.reshape(*shape).expand(*source.shape)
    return self.scatter_reduce(d, full_index, source, reduce, include_self=include_self)


def _imag(self):
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


def _property(name, getter, doc):
    setattr(Tensor, name, property(getter, doc=doc))


def install_properties():
    """Read-only attributes (torch has them as properties)."""
    _property("itemsize", lambda self: self._data.dtype.itemsize, "Bytes per element.")
    _property("nbytes", lambda self: self._data.nbytes, "Bytes of the elements.")
    _property("is_cpu", lambda self: True, "Always True: cynn is CPU-only.")
    _property("imag", _imag, "The imaginary part: raises, as torch does for real tensors.")
    _property("is_sparse", lambda self: False, "False: cynn tensors are strided.")
    _property("is_nested", lambda self: False, "False: no nested tensors.")
    _property("is_quantized", lambda self: False, "False: no quantized tensors.")
    _property("layout", lambda self: _strided(), "``cynn.strided``.")
    _property("H", lambda self: self.t() if self.dim() == 2 else self,
              "The (conjugate) transpose of a matrix.")
    _property("mH", lambda self: self.transpose(-2, -1), "``transpose(-2, -1)``.")


def _strided():
    from .._layout import strided
    return strided



# -- layer functions torch also has as Tensor methods (linear algebra: linalg_legacy) ---
@_method
def prelu(self, weight):
    """``F.prelu(self, weight)``: x above 0, ``weight[c] * x`` below (c = dim 1)."""
    from ..autograd.functions import activation as A
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.dim()}")
    if weight.numel() != 1:
        channels = self.shape[1] if self.dim() >= 2 else 1
        if weight.numel() != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {weight.numel()} and channel size = "
                               f"{channels}.")
    return A.Prelu.apply(self, weight)


@_method
def hardshrink(self, lambd=0.5):
    """``F.hardshrink``: x where ``|x| > lambd``, else 0."""
    return self * (self.detach().abs() > lambd)


@_method
def resolve_neg(self):
    """The tensor itself (cynn has no lazy negation)."""
    return self


@_method
def is_inference(self):
    return bool(getattr(self, "_inference", False))


@_method
def is_neg(self):
    return False


@_method
def dim_order(self, *, ambiguity_check=False):
    """The dims from outermost to innermost in memory (by stride)."""
    strides = self._data.strides
    return tuple(sorted(range(self.dim()), key=lambda d: -abs(strides[d])))


@_method
def const_data_ptr(self):
    return self.data_ptr()


@_method
def nonzero_static(self, *, size, fill_value=-1):
    """``nonzero()`` padded with ``fill_value`` (or cut) to exactly ``size`` rows."""
    found = np.argwhere(self._data)
    out = np.full((size, self.dim()), fill_value, np.int64)
    out[:min(size, len(found))] = found[:size]
    return Tensor._wrap(out)


@_method
def new(self, *args):
    """Legacy constructor: ``t.new(sizes...)`` (uninitialised) or ``t.new(data)``."""
    if len(args) == 1 and not isinstance(args[0], int):
        from .._creation import tensor
        return tensor(args[0], dtype=self.dtype)
    return self.new_empty(*args)


@_method
def is_set_to(self, tensor):
    return self._data is tensor._data or (self._data.shape == tensor._data.shape and
                                          np.shares_memory(self._data, tensor._data) and
                                          self._data.strides == tensor._data.strides)


# in-place twins of the methods above and of misc's (``t.index_reduce_(...)``)
TWINS_OF_METHODS = ["index_reduce", "mvlgamma"]


@_method
def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
    """The sparse COO form of this tensor (its non-zero entries)."""
    from .. import _sparse_tensor
    return _sparse_tensor.to_sparse(self, sparse_dim, layout=layout)


@_method
def to_sparse_coo(self, sparse_dim=None):
    from .. import _sparse_tensor
    return _sparse_tensor.to_sparse(self, sparse_dim)


@_method
def to_dense(self, dtype=None, *, masked_grad=None):
    """A dense tensor is its own dense form."""
    return self if dtype is None else self.to(dtype)
