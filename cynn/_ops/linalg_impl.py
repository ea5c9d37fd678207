"""The implementation of ``cynn.linalg`` (see that module); here, inside ``_ops``, so
that the Tensor methods built on it need not climb to the public namespace."""
import numpy as np

from . import matrix as _matrix
from .._tensor import Tensor, _canon_dim, _canon_dims
from ..autograd.functions import matrix as _M
from ..autograd.functions import pinv as _Pinv
from ..autograd.functions.composite import named_composite

__all__ = ["det", "slogdet", "inv", "inv_ex", "solve", "cholesky", "cholesky_ex", "norm",
           "vector_norm", "matrix_norm", "cross", "matrix_power", "multi_dot", "vecdot",
           "matmul", "diagonal", "svdvals"]

det = _matrix.det
cross = _matrix.linalg_cross
multi_dot = _matrix.multi_dot
slogdet = _matrix.slogdet
inv = _matrix.inverse
cholesky = _matrix.cholesky
matrix_power = _matrix.matrix_power


def inv_ex(A, *, check_errors=False):
    """``(inverse, info)``: info is 0 where the matrix was invertible (a singular
    matrix raises with ``check_errors=True``, else its result is undefined)."""
    try:
        return _InvExResult(inv(A), Tensor._wrap(np.zeros(tuple(A.shape[:-2]), np.int32)))
    except RuntimeError:
        if check_errors:
            raise
        return _InvExResult(A.detach() * float("nan"),
                            Tensor._wrap(np.ones(tuple(A.shape[:-2]), np.int32)))


def cholesky_ex(A, *, upper=False, check_errors=False):
    """``(L, info)`` as :func:`cholesky`; info is 0 on success."""
    try:
        return _CholeskyExResult(cholesky(A, upper=upper),
                                 Tensor._wrap(np.zeros(tuple(A.shape[:-2]), np.int32)))
    except RuntimeError:
        if check_errors:
            raise
        return _CholeskyExResult(A.detach() * 0,
                                 Tensor._wrap(np.ones(tuple(A.shape[:-2]), np.int32)))


def solve(A, B, *, left=True):
    """``X`` with ``A X = B`` (``X A = B`` with ``left=False``); ``B`` may be a vector
    or a batch of vectors (``B.shape == A.shape[:-1]``).
    Shape: ``A (*, n, n)``, ``B (*, n, k)`` or ``(*, n)`` -> ``X`` like ``B``."""
    _matrix._square("linalg.solve", A)
    vector = B.dim() == 1 or (B.dim() == A.dim() - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if not left:
        if vector:
            raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not "
                               "supported for left=False. In this case linalg.solve is "
                               "equivalent to B / A.squeeze(-1)")
        return solve(A.mT, B.mT).mT
    n = A.shape[-1]
    rows = B.shape[-1] if vector else B.shape[-2]
    if rows != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"AX = B ({A.shape[-2]}x{n} and {rows}x"
                           f"{1 if vector else B.shape[-1]})")
    from .. import _dtype
    dt = _dtype.from_numpy_dtype(_dtype.result_type(A._data, B._data))
    return _M.Solve.apply(A.to(dt), B.to(dt), vector)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``(sum |x|^ord)^(1/ord)`` over ``dim`` (all elements by default); ``inf``/``-inf``
    are the max/min of ``|x|``, 0 counts the non-zeros.
    Shape: ``dim`` removed (kept as 1 with ``keepdim``)."""
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {str(x.dtype).replace('cynn.', '').capitalize()}")
    x = x.to(dtype) if dtype is not None else x
    dims = _canon_dims(dim, x.dim()) if dim is not None else None
    if ord in (float("inf"), -float("inf")):
        a = x.abs()
        reduce = a.amax if ord > 0 else a.amin
        return reduce(() if dims is None else dims, keepdim)
    if ord == 0:
        return _M.CountNonzeroNorm.apply(x, dims, bool(keepdim))
    return x.norm(float(ord), dims, keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """Matrix norms over the two dims ``dim``: ``'fro'``, ``'nuc'`` (sum of singular
    values), ``2``/``-2`` (largest/smallest singular value), ``1``/``-1`` (max/min
    column sum of |A|), ``inf``/``-inf`` (max/min row sum).
    Shape: the two dims removed (kept as 1 with ``keepdim``)."""
    if A.dim() < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 "
                           f"dimensions.")
    A = A.to(dtype) if dtype is not None else A
    d0, d1 = (_canon_dim(d, A.dim()) for d in dim)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        moved = A.movedim((d0, d1), (-2, -1))
        s = _M.Svdvals.apply(moved)
        out = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            for d in sorted((d0, d1)):
                out = out.unsqueeze(d)
        return out
    if ord in (1, -1, float("inf"), -float("inf")):
        summed, other = (d0, d1) if abs(ord) == 1 else (d1, d0)
        sums = A.abs().sum(summed, keepdim=True)
        out = sums.amax(other, keepdim=True) if ord > 0 else sums.amin(other, keepdim=True)
        return out if keepdim else out.squeeze((d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``vector_norm`` for 1-d input or an int ``dim``; ``matrix_norm`` for 2-d input
    or a 2-tuple ``dim``; with neither ``ord`` nor ``dim`` the 2-norm of everything."""
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if (dim is not None and len(dim) == 2) or (dim is None and A.dim() == 2):
        return matrix_norm(A, ord, dim or (-2, -1), keepdim, dtype=dtype)
    if dim is None and A.dim() != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.dim()}D.")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Order {ord} not supported.")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


def vecdot(x, y, *, dim=-1):
    """Dot products along ``dim`` (broadcast). Shape: the broadcast shape without dim."""
    return (x * y).sum(dim)


def matmul(input, other):  # noqa: A002
    """``input @ other``."""
    return input.matmul(other)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonal of each matrix in the last two dims (as ``cynn.diagonal``)."""
    return A.diagonal(offset, dim1, dim2)


def svdvals(A):
    """Singular values of each matrix, descending. Shape: ``(*, min(m, n))``."""
    if A.dim() < 2:
        raise RuntimeError("linalg.svd: The input tensor A must have at least 2 dimensions.")
    return _M.Svdvals.apply(A)


# -- decompositions and the functions built on them --------------------------------------

class _Named(tuple):
    """A result tuple with field names (torch.return_types)."""
    __slots__ = ()
    _fields = ()

    def __new__(cls, *values):
        return super().__new__(cls, values)

    def __getattr__(self, name):
        try:
            return self[self._fields.index(name)]
        except ValueError:
            raise AttributeError(name) from None


def _named(name, fields):
    return type(name, (_Named,), {"_fields": tuple(fields), "__slots__": ()})


_SvdResult = _named("svd", ("U", "S", "Vh"))
_EighResult = _named("eigh", ("eigenvalues", "eigenvectors"))
_QrResult = _named("qr", ("Q", "R"))
_LstsqResult = _named("lstsq", ("solution", "residuals", "rank", "singular_values"))
_SolveExResult = _named("solve_ex", ("result", "info"))
_InvExResult = _named("linalg_inv_ex", ("inverse", "info"))
_CholeskyExResult = _named("linalg_cholesky_ex", ("L", "info"))


def svd(A, full_matrices=True, *, driver=None):
    """``(U, S, Vh)`` with ``A = U diag(S) Vh``; differentiable (gauge-invariant losses
    with ``full_matrices=False``). Shape: ``(*, m, n)`` -> ``(*, m, m|k)``, ``(*, k)``,
    ``(*, n|k, n)`` with ``k = min(m, n)``."""
    _matrix_input("linalg.svd", A)
    u, s, vh = _M.Svd.apply(A, bool(full_matrices))
    return _SvdResult(u, s, vh)


def eigh(A, UPLO="L"):
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices, reading the
    ``UPLO`` triangle. Shape: ``(*, n, n)`` -> ``(*, n)``, ``(*, n, n)``."""
    _matrix._square("linalg.eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    w, v = _M.Eigh.apply(A, UPLO)
    return _EighResult(w, v)


def eigvalsh(A, UPLO="L"):
    """Eigenvalues (ascending) of symmetric matrices."""
    return eigh(A, UPLO).eigenvalues


def qr(A, mode="reduced"):
    """``(Q, R)`` with ``A = QR``; ``mode`` ``"reduced"``, ``"complete"`` or ``"r"``."""
    _matrix_input("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    q, r = _M.Qr.apply(A, mode)
    return _QrResult(q, r)


def _matrix_input(fn, A):
    if A.dim() < 2:
        raise RuntimeError(f"{fn}: The input tensor A must have at least 2 dimensions.")
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. Got "
                           f"{str(A.dtype).replace('cynn.', '').capitalize()}")


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None):
    """The number of singular values above ``max(atol, rtol * largest)`` (rtol defaults
    to ``eps * max(m, n)`` when neither tolerance is given)."""
    _matrix_input("linalg.matrix_rank", A)
    s = np.linalg.svd(A._data, compute_uv=False) if not hermitian else \
        np.abs(np.linalg.eigvalsh(A._data))
    if tol is not None:
        atol = tol
    largest = s.max(axis=-1, keepdims=True) if s.size else s
    if atol is None and rtol is None:
        rtol = np.finfo(A._data.dtype).eps * max(A.shape[-2:])
    threshold = np.maximum(0.0 if atol is None else _value(atol),
                           (0.0 if rtol is None else _value(rtol)) * largest)
    return Tensor._wrap(np.asarray((s > threshold).sum(axis=-1), np.int64))


def _value(t):
    return t._data if isinstance(t, Tensor) else t


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """The pseudo-inverse ``V diag(1/s) U^T`` over the singular values above
    ``max(atol, rtol * largest)`` (rtol defaults to ``eps * max(m, n)``), with torch's
    constant-rank gradient (``autograd/functions/pinv.py``).
    Shape: ``(*, m, n)`` -> ``(*, n, m)``."""
    _matrix_input("linalg.pinv", A)
    if atol is None and rtol is None:
        rtol = float(np.finfo(A._data.dtype).eps) * max(A.shape[-2:])
    # tolerances given per batch element broadcast against the (*, 1) largest value
    atol = 0.0 if atol is None else np.asarray(_value(atol))[..., None]
    rtol = 0.0 if rtol is None else np.asarray(_value(rtol))[..., None]
    return _Pinv.Pinv.apply(A, atol, rtol)


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of ``A X = B`` (through the pseudo-inverse);
    ``residuals`` are the squared residual norms for tall full-rank A with a
    ``gelsd``/``gelss`` driver, empty otherwise, as torch. ``rank`` and
    ``singular_values`` are filled for the SVD drivers."""
    _matrix_input("linalg.lstsq", A)
    vector = B.dim() == A.dim() - 1
    b = B.unsqueeze(-1) if vector else B
    kw = {} if rcond is None else {"rtol": rcond}
    x = pinv(A, **kw) @ b
    m, n = A.shape[-2:]
    residuals = Tensor._wrap(np.empty(0, A._data.dtype))
    rank = Tensor._wrap(np.empty(0, np.int64))
    singular = Tensor._wrap(np.empty(0, A._data.dtype))
    if driver in ("gelsd", "gelss"):
        rank = matrix_rank(A)
        singular = svdvals(A).detach()
        if m > n and bool((rank == n).all()):
            residuals = ((A @ x - b) ** 2).sum(-2)
    elif driver == "gelsy":
        rank = matrix_rank(A)
    return _LstsqResult(x.squeeze(-1) if vector else x, residuals, rank, singular)


def cond(A, p=None):
    """The condition number in norm ``p`` (None/2: largest over smallest singular
    value; -2: the reciprocal; others: ``norm(A, p) * norm(inv(A), p)``)."""
    _matrix_input("linalg.cond", A)
    if p in (None, 2, -2):
        s = svdvals(A)
        ratio = s.amax(-1) / s.amin(-1)
        return ratio if p != -2 else 1.0 / ratio
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """``X`` with ``A X = B`` (``X A = B`` when not ``left``) reading only ``A``'s upper
    or lower triangle (its diagonal as ones with ``unitriangular``)."""
    _matrix._square("linalg.solve_triangular", A)
    tri = A.triu() if upper else A.tril()
    if unitriangular:
        n = A.shape[-1]
        from .._creation import eye
        tri = tri - tri.diagonal(0, -2, -1).diag_embed() + eye(n, dtype=A.dtype)
    if not left:
        return solve(tri.transpose(-2, -1), B.transpose(-2, -1)).transpose(-2, -1)
    return solve(tri, B)


def solve_ex(A, B, *, left=True, check_errors=False):
    """``(solve(A, B), info)``: info 0 on success; a singular A raises with
    ``check_errors`` and gives info > 0 (and an undefined result) otherwise."""
    try:
        return _SolveExResult(solve(A, B, left=left),
                              Tensor._wrap(np.zeros(tuple(A.shape[:-2]), np.int32)))
    except RuntimeError:
        if check_errors:
            raise
        return _SolveExResult(B.detach() * float("nan"),
                              Tensor._wrap(np.ones(tuple(A.shape[:-2]), np.int32)))


def matrix_exp(A):
    """``exp(A)`` by scaling and squaring with a Taylor series, all in differentiable
    ops (higher derivatives included). Shape: ``(*, n, n)``."""
    _matrix._square("linalg.matrix_exp", A)
    return named_composite("LinalgMatrixExpBackward0").apply(_matrix_exp, (), A)


def _matrix_exp(A):
    n = A.shape[-1]
    from .._creation import eye
    norm = float(np.abs(A._data).sum(-1).max()) if A.numel() else 0.0
    squarings = max(0, int(np.ceil(np.log2(norm))) + 1) if norm > 0.5 else 0
    X = A / (2.0 ** squarings)
    identity = eye(n, dtype=A.dtype)
    result, term = identity + X, X
    for k in range(2, 20):
        term = term @ X / k
        result = result + term
    for _ in range(squarings):
        result = result @ result
    return result


def tensorinv(A, ind=2):
    """The inverse with respect to ``tensordot(…, ind)``: ``A`` reshaped to a square
    matrix from its first ``ind`` dims, inverted, reshaped back (swapped halves)."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    left, right = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    rows, cols = int(np.prod(left)), int(np.prod(right))
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return inv(A.reshape(rows, cols)).reshape(*right, *left)


def tensorsolve(A, B, dims=None):
    """``X`` with ``tensordot(A, X, X.ndim) = B``."""
    if dims is not None:
        dims = [d % A.dim() for d in dims]
        order = [d for d in range(A.dim()) if d not in dims] + list(dims)
        A = A.permute(*order)
    rest = tuple(A.shape[B.dim():])
    rows = int(np.prod(B.shape))
    return solve(A.reshape(rows, -1), B.reshape(rows)).reshape(*rest)


def vander(x, *, N=None):
    """``x ** 0, x ** 1, ..., x ** (N - 1)`` as the last dim (increasing powers, unlike
    ``cynn.vander``). Shape: ``(*, n)`` -> ``(*, n, N)``."""
    n = x.shape[-1] if N is None else N
    if n <= 1 and N is not None and N < 1:
        raise RuntimeError("N must be greater than 1.")
    from .._creation import stack
    powers = [x ** k for k in range(n)]
    return stack(powers, -1)


__all__ += ["svd", "eigh", "eigvalsh", "qr", "matrix_rank", "pinv", "lstsq", "cond",
            "solve_triangular", "solve_ex", "matrix_exp", "tensorinv", "tensorsolve", "vander"]
