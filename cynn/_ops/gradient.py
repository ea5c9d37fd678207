"""``cynn.gradient``: finite-difference derivatives of sampled values, as numpy.gradient.

Built from slicing and arithmetic on Tensors, so it is differentiable (to any order) in
the input and in coordinate tensors.

The formulas (``h`` the spacing; ``hl``, ``hr`` the gaps to the left and right
neighbours when the samples are not evenly spaced):
  interior, second-order central:  (hl^2 f[i+1] - hr^2 f[i-1] + (hr^2 - hl^2) f[i])
                                   / (hl hr (hl + hr))      (= (f[i+1] - f[i-1]) / 2h)
  edges, edge_order=1:  one-sided first differences;
  edges, edge_order=2:  one-sided second-order differences (three samples).
"""
import numbers

from .. import _dtype
from .._creation import cat
from .._tensor import Tensor, _canon_dim
from ._checks import check_tensor

__all__ = ["gradient"]
METHODS = []
INPLACE = []


def gradient(input, *, spacing=1, dim=None, edge_order=1):  # noqa: A002
    """The derivative of ``input`` along each of ``dim`` (default: every dim), by central
    differences inside and one-sided differences of order ``edge_order`` (1 or 2) at the
    edges.

    ``spacing``: one number (the same sample distance along every dim), a list of numbers
    (one per dim), or a list of 1-d tensors holding each dim's sample coordinates.

    Returns a tuple with one tensor per dim, each of ``input``'s shape (integers promote
    to the default float). Every dim must have at least ``edge_order + 1`` samples.

    Example::

        >>> cynn.gradient(cynn.tensor([1.0, 2.0, 4.0]))
        (tensor([1.0000, 1.5000, 2.0000]),)
    """
    check_tensor("gradient", input)
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if dim is None:
        dims = list(range(input.dim()))
    elif isinstance(dim, int):
        dims = [dim]
    else:
        dims = list(dim)
    dims = [_canon_dim(d, input.dim()) for d in dims]
    if len(set(dims)) != len(dims):
        raise RuntimeError("torch.gradient expected each dimension to appear once")
    spacings = _spacings(spacing, dims, input.dim())
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least "
                               "edge_order+1")
    x = input if input.dtype.is_floating_point else input.to(_dtype.get_default_dtype())
    return tuple(_along(x, d, h, edge_order) for d, h in zip(dims, spacings))


def _spacings(spacing, dims, ndim):
    if isinstance(spacing, (numbers.Number, Tensor)) and not (
            isinstance(spacing, Tensor) and spacing.dim() == 1):
        value = spacing.item() if isinstance(spacing, Tensor) else spacing
        return [value] * len(dims)
    spacing = list(spacing)
    if len(spacing) != len(dims):
        raise RuntimeError(
            f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and "
            f"dim arguments to have the same length, but got a spacing argument of length "
            f"{len(spacing)} and a dim argument of length {len(dims)}.")
    for d, h in zip(dims, spacing):
        if isinstance(h, Tensor) and h.dim() != 1:
            raise RuntimeError(f"torch.gradient expected each tensor to be on the same device "
                               f"and 1-dimensional, got a {h.dim()}-d spacing tensor for "
                               f"dim {d}")
    return spacing


def _slice(x, d, start, stop):
    index = [slice(None)] * x.dim()
    index[d] = slice(start, stop)
    return x[tuple(index)]


def _shaped(coords, d, ndim):
    """A 1-d coordinate difference reshaped to broadcast along dim ``d``."""
    shape = [1] * ndim
    shape[d] = -1
    return coords.reshape(*shape)


def _along(f, d, h, edge_order):
    n, ndim = f.shape[d], f.dim()
    first, second, third = _slice(f, d, 0, 1), _slice(f, d, 1, 2), _slice(f, d, 2, 3)
    last, last2, last3 = (_slice(f, d, n - 1, n), _slice(f, d, n - 2, n - 1),
                          _slice(f, d, n - 3, n - 2))
    if isinstance(h, Tensor):
        if h.shape[0] != n:
            raise RuntimeError(f"torch.gradient expected each tensor to have the same number "
                               f"of elements as the input along its dim, got {h.shape[0]} "
                               f"for dim {d} of size {n}")
        x = h if h.dtype.is_floating_point else h.to(f.dtype)
        gaps = _shaped(x[1:] - x[:-1], d, ndim)
        hl, hr = _slice(gaps, d, 0, n - 2), _slice(gaps, d, 1, n - 1)
        interior = (hl * hl * _slice(f, d, 2, n) - hr * hr * _slice(f, d, 0, n - 2)
                    + (hr * hr - hl * hl) * _slice(f, d, 1, n - 1)) / (hl * hr * (hl + hr))
        h0, h1 = _slice(gaps, d, 0, 1), _slice(gaps, d, 1, 2)
        hn, hm = _slice(gaps, d, n - 2, n - 1), _slice(gaps, d, n - 3, n - 2)
        if edge_order == 1:
            head, tail = (second - first) / h0, (last - last2) / hn
        else:
            head = (-(2 * h0 + h1) / (h0 * (h0 + h1)) * first
                    + (h0 + h1) / (h0 * h1) * second - h0 / (h1 * (h0 + h1)) * third)
            tail = (hn / (hm * (hm + hn)) * last3 - (hm + hn) / (hm * hn) * last2
                    + (2 * hn + hm) / (hn * (hm + hn)) * last)
    else:
        interior = (_slice(f, d, 2, n) - _slice(f, d, 0, n - 2)) / (2.0 * h)
        if edge_order == 1:
            head, tail = (second - first) / h, (last - last2) / h
        else:
            head = (-1.5 * first + 2.0 * second - 0.5 * third) / h
            tail = (0.5 * last3 - 2.0 * last2 + 1.5 * last) / h
    if n == 2:
        return cat([head, tail], d)
    return cat([head, interior, tail], d)
