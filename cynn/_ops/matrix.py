"""Matrix and contraction functions: ``einsum``, ``tensordot``, ``outer``/``ger``,
``inner``, ``kron``, ``vdot``, ``mv``, ``addmm``/``addmv``/``addr``/``baddbmm``/
``addbmm``, ``chain_matmul``, ``cross``, ``det``/``logdet``/``slogdet``/``inverse``,
``cholesky``, ``matrix_power``.

The products are compositions of ``matmul`` (BLAS); ``einsum`` is one Function over
numpy's einsum with its greedy path optimiser for three or more operands.
"""
import re

import numpy as np

from .._tensor import Tensor, _canon_dim
from ..autograd.functions import matrix as M
from ._checks import check_tensor

__all__ = ["einsum", "tensordot", "outer", "ger", "inner", "kron", "vdot", "mv", "addmm",
           "addmv", "addr", "baddbmm", "addbmm", "chain_matmul", "cross", "det", "logdet",
           "slogdet", "inverse", "cholesky", "matrix_power"]

_FUNCTIONS_ONLY = {"einsum", "tensordot", "chain_matmul"}


def _parse_einsum(equation, operands):
    eq = equation.replace(" ", "")
    if "->" not in eq:  # implicit output: letters seen once, in alphabetical order
        letters = re.sub(r"[^a-zA-Z]", "", eq)
        eq = eq + "->" + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    inputs, output = eq.split("->")
    subs = inputs.split(",")
    if len(subs) != len(operands):
        raise RuntimeError(f"einsum(): more operands were provided than specified in the equation"
                         if len(operands) > len(subs) else
                         "einsum(): fewer operands were provided than specified in the equation")
    if "." in eq:  # expand the ellipsis into explicit letters so backward can name dims
        free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in eq]
        width = max(o.dim() - len(s.replace("...", "")) for s, o in zip(subs, operands)
                    if "..." in s)
        fill = "".join(free[:width])
        new_subs = []
        for s, o in zip(subs, operands):
            if "..." in s:
                n = o.dim() - len(s.replace("...", ""))
                s = s.replace("...", fill[width - n:])
            new_subs.append(s)
        subs = new_subs
        output = output.replace("...", fill)
    for s, o in zip(subs, operands):
        if len(s) != o.dim():
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) "
                               f"does not match the number of dimensions ({o.dim()}) for "
                               f"operand {subs.index(s)} and no ellipsis was given")
    sizes = {}
    for i, (s, o) in enumerate(zip(subs, operands)):
        for c, n in zip(s, o.shape):
            if c in sizes and sizes[c] != n and 1 not in (sizes[c], n):
                raise RuntimeError(f"einsum(): operands do not broadcast with remapped shapes "
                                   f"(original->remapped): {list(o.shape)}")
            sizes[c] = max(sizes.get(c, n), n)
    return ",".join(subs) + "->" + output


def einsum(equation, *operands):
    """Einstein summation over ``operands`` (``"ij,jk->ik"``; ``...`` broadcasts; an
    omitted ``->`` sums the repeated letters). Three or more operands are contracted
    in the order numpy's greedy path optimiser picks.
    Shape: one dim per output letter."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, o in enumerate(operands):
        check_tensor("einsum", o, f"operands[{i}]", 2)
    eq = _parse_einsum(equation, operands)
    from .. import _dtype
    dt = _dtype.from_numpy_dtype(_dtype.result_type(*[o._data for o in operands]))
    operands = [o.to(dt) for o in operands]
    return M.Einsum.apply(eq, *operands)


def tensordot(a, b, dims=2, out=None):
    """Sum of products over the last ``dims`` dims of ``a`` and the first of ``b`` (or
    the listed pairs ``dims=([a dims], [b dims])``).
    Shape: ``a``'s free dims followed by ``b``'s."""
    check_tensor("tensordot", a, "a", 1)
    check_tensor("tensordot", b, "b", 2)
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        dims_a, dims_b = list(range(a.dim() - dims, a.dim())), list(range(dims))
    else:
        dims_a, dims_b = [list(d) if isinstance(d, (list, tuple)) else [d] for d in dims]
    dims_a = [_canon_dim(d, a.dim()) for d in dims_a]
    dims_b = [_canon_dim(d, b.dim()) for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[da]} in dim {da} and second has size {b.shape[db]} "
                               f"in dim {db}")
    free_a = [d for d in range(a.dim()) if d not in dims_a]
    free_b = [d for d in range(b.dim()) if d not in dims_b]
    k = int(np.prod([a.shape[d] for d in dims_a])) if dims_a else 1
    left = a.permute(*(free_a + dims_a)).reshape(-1, k)
    right = b.permute(*(dims_b + free_b)).reshape(k, -1)
    return (left @ right).reshape(*[a.shape[d] for d in free_a], *[b.shape[d] for d in free_b])


def _check_1d(fn, *tensors):
    for t in tensors:
        if t.dim() != 1:
            raise RuntimeError(f"{fn}: Expected 1-D argument self, but got {t.dim()}-D")


def outer(input, vec2):  # noqa: A002
    """``input[i] * vec2[j]``. Shape: ``(len(input), len(vec2))``."""
    check_tensor("outer", input)
    _check_1d("outer", input, vec2)
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


def inner(input, other):  # noqa: A002
    """Sum of products over the last dim of both (a product with a 0-d operand).
    Shape: ``input.shape[:-1] + other.shape[:-1]``."""
    check_tensor("inner", input)
    if input.dim() == 0 or other.dim() == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got"
                           f" shapes {list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([input.dim() - 1], [other.dim() - 1]))


def kron(input, other):  # noqa: A002
    """Kronecker product: every element of ``input`` times the whole of ``other``.
    Shape: dimensionwise product of the (left-padded) shapes."""
    check_tensor("kron", input)
    n = max(input.dim(), other.dim())
    a = input.reshape(*((1,) * (n - input.dim()) + tuple(input.shape)))
    b = other.reshape(*((1,) * (n - other.dim()) + tuple(other.shape)))
    a_view, b_view = [], []
    for sa, sb in zip(a.shape, b.shape):
        a_view += [sa, 1]
        b_view += [1, sb]
    out_shape = [sa * sb for sa, sb in zip(a.shape, b.shape)]
    return (a.reshape(*a_view) * b.reshape(*b_view)).reshape(*out_shape)


def vdot(input, other):  # noqa: A002
    """Dot product of two 1-d tensors (no conjugation: cynn is real)."""
    check_tensor("vdot", input)
    if input.dim() != 1 or other.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.dim()}D and {other.dim()}D "
                           f"tensors")
    return input.dot(other)


def mv(input, vec):  # noqa: A002
    """Matrix-vector product. Shape: ``(n, m) @ (m,) -> (n,)``."""
    check_tensor("mv", input)
    if input.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {1}, {input.dim()}, "
                           f"{vec.dim()}")
    return input.matmul(vec)


def _scaled_sum(input, product, beta, alpha):
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:  # torch ignores input (nan and inf included), giving it a zero gradient
        return scaled + _zero_through(input)
    return (input if beta == 1 else input * beta) + scaled


def _zero_through(t):
    """Zeros shaped like ``t`` whose gradient to ``t`` is zero (``0 * t`` would turn
    nan and inf into nan)."""
    from .._creation import where, zeros
    return where(zeros(t.shape, dtype=_bool_dtype()), t, 0.0)


def _bool_dtype():
    from .. import _dtype
    return _dtype.bool


def addmm(input, mat1, mat2, *, beta=1, alpha=1):  # noqa: A002
    """``beta * input + alpha * (mat1 @ mat2)``. Shape: ``(n, p)``."""
    check_tensor("addmm", input)
    return _scaled_sum(input, mat1.mm(mat2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):  # noqa: A002
    """``beta * input + alpha * (mat @ vec)``. Shape: ``(n,)``."""
    check_tensor("addmv", input)
    return _scaled_sum(input, mv(mat, vec), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):  # noqa: A002
    """``beta * input + alpha * outer(vec1, vec2)``. Shape: ``(n, m)``."""
    check_tensor("addr", input)
    return _scaled_sum(input, outer(vec1, vec2), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    """``beta * input + alpha * bmm(batch1, batch2)``. Shape: ``(b, n, p)``."""
    check_tensor("baddbmm", input)
    return _scaled_sum(input, batch1.bmm(batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]``. Shape: ``(n, p)``."""
    check_tensor("addbmm", input)
    return _scaled_sum(input, batch1.bmm(batch2).sum(0), beta, alpha)


def chain_matmul(*matrices):
    """``matrices[0] @ matrices[1] @ ...`` (deprecated in torch for linalg.multi_dot)."""
    return multi_dot(list(matrices))


def multi_dot(tensors):
    """``tensors[0] @ tensors[1] @ ...``; a 1-d first (last) tensor is a row (column)
    vector. The product order is chosen to minimise multiplications (dynamic program
    over the chain). Shape: as the chained product."""
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError("multi_dot(): expected at least 2 tensors but got " f"{len(ts)}")
    first_vec, last_vec = ts[0].dim() == 1, ts[-1].dim() == 1
    if first_vec:
        ts[0] = ts[0].unsqueeze(0)
    if last_vec:
        ts[-1] = ts[-1].unsqueeze(1)
    for i, t in enumerate(ts):
        if t.dim() != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.dim()}D")
    dims = [ts[0].shape[0]] + [t.shape[1] for t in ts]
    n = len(ts)
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = float("inf")
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def product(i, j):
        if i == j:
            return ts[i]
        k = split[i][j]
        return product(i, k) @ product(k + 1, j)

    out = product(0, n - 1)
    if first_vec:
        out = out.squeeze(0)
    if last_vec:
        out = out.squeeze(-1)
    return out


def linalg_cross(input, other, *, dim=-1):  # noqa: A002
    """Cross product of 3-vectors along ``dim`` (broadcast). Shape: the broadcast shape."""
    if input.dim() != other.dim():
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions.")
    shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    d = _canon_dim(dim, len(shape))
    if input.shape[d] != 3 or other.shape[d] != 3:  # the cross dim does not broadcast
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d]}")
    a, b = input.expand(*shape), other.expand(*shape)
    from .._creation import stack
    x = [a.select(d, i) for i in range(3)]
    y = [b.select(d, i) for i in range(3)]
    return stack([x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2],
                  x[0] * y[1] - x[1] * y[0]], d)


def cross(input, other, dim=None):  # noqa: A002
    """3-vector cross product along ``dim`` (the first dim of size 3 when None, with
    torch's deprecation of that default). Shape: the broadcast shape."""
    check_tensor("cross", input)
    if dim is None:
        import warnings
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\n"
                      "Please either pass the dim explicitly or simply use torch.linalg.cross."
                      "\nThe default value of dim will change to agree with that of "
                      "linalg.cross in a future release.", UserWarning, stacklevel=2)
        shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim)


def _square(fn, a):
    check_tensor(fn, a, "A")
    if a.dim() < 2:
        raise RuntimeError(f"{fn}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{fn}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. Got "
                           f"{str(a.dtype).replace('cynn.', '').capitalize()}")


def det(input):  # noqa: A002
    """Determinant of each square matrix. Shape: ``(*, n, n) -> (*)``."""
    _square("linalg.det", input)
    return M.Det.apply(input)


def slogdet(input):  # noqa: A002
    """``(sign, log|det|)`` of each square matrix. Shape: ``(*, n, n) -> (*), (*)``."""
    _square("linalg.slogdet", input)
    sign, logabs = M.Slogdet.apply(input)
    return _SlogdetResult(sign, logabs)


class _SlogdetResult(tuple):
    __slots__ = ()

    def __new__(cls, sign, logabsdet):
        return super().__new__(cls, (sign, logabsdet))

    sign = property(lambda self: self[0])
    logabsdet = property(lambda self: self[1])


def logdet(input):  # noqa: A002
    """``log(det)``: nan for a negative determinant, -inf for 0."""
    sign, logabs = slogdet(input)
    return logabs + (sign.detach() < 0).to(logabs.dtype) * float("nan") \
        if bool((sign < 0).any()) else logabs


def inverse(input):  # noqa: A002
    """Inverse of each square matrix. Shape: ``(*, n, n)``."""
    _square("linalg.inv", input)
    return M.Inverse.apply(input)


def cholesky(input, upper=False):  # noqa: A002
    """Cholesky factor of each symmetric positive-definite matrix (lower, or upper
    with ``upper=True``). Shape: ``(*, n, n)``."""
    _square("linalg.cholesky", input)
    return M.Cholesky.apply(input, bool(upper))


def matrix_power(input, n):  # noqa: A002
    """``input`` multiplied by itself ``n`` times (the inverse's power for n < 0).
    Shape: ``(*, m, m)``."""
    _square("linalg.matrix_power", input)
    from .._creation import eye
    if n == 0:
        return eye(input.shape[-1], dtype=input.dtype) + _zero_through(input)
    base = inverse(input) if n < 0 else input
    result = None
    power = abs(n)
    while power:  # square-and-multiply: log2(n) products
        if power & 1:
            result = base if result is None else result @ base
        power >>= 1
        if power:
            base = base @ base
    return result


METHODS = [n for n in __all__ if n not in _FUNCTIONS_ONLY]
INPLACE = ["addmm", "addmv", "addr", "baddbmm", "addbmm"]
