"""LAPACK factorizations that keep LAPACK's packed output: LU with partial pivoting
(``getrf``), Bunch-Kaufman LDL^T (``sytrf``/``sytrs``) and Householder QR (``geqrf``),
called per matrix of a batch through ``scipy.linalg.lapack`` (which does not batch).

Pivots are LAPACK's: 1-based int32 row swaps, applied in order (``getrf``); for
``sytrf`` a negative pair marks a 2x2 diagonal block.

Only the LU factorization is differentiable, as in torch. With ``A = P L U`` (L unit
lower m x k, U upper k x n, k = min(m, n)) and gL, gU the gradient of the packed
factor split into its strictly-lower and upper parts:
  m = n:  gA = P L^-T [tril(L^T gL, -1) + triu(gU U^T)] U^-T
  m < n:  U = [U1 U2],  Phi = tril(L^T gL - gU2 U2^T, -1) + triu(gU1 U1^T),
          gA = P L^-T [Phi U1^-T, gU2]
  m > n:  L = [L1; L2], Psi = tril(L1^T gL1, -1) + triu(gU U^T - L2^T gL2),
          gA = P [L1^-T Psi; gL2] U^-T
The formula is written once, in differentiable Tensor ops: the numpy backward runs it
without recording, the recorded backward (``create_graph``) records it.
"""
import numpy as np

from .. import function
from ..function import Function
from ..grad_mode import no_grad

__all__ = ["LuFactor", "LdlFactor", "LdlSolve", "Geqrf", "pivots_to_permutation"]


def _lapack(name, a):
    # scipy.linalg loads on first use: ``import cynn`` does not pay for it
    from scipy.linalg import lapack
    return lapack.get_lapack_funcs((name,), (a,))[0]


def pivots_to_permutation(pivots, m, dtype):
    """The matrix P of ``A = P L U`` from getrf's 1-based row swaps ``pivots``
    (``(*, k)`` int32). Shape: ``(*, m, m)``."""
    batch = pivots.shape[:-1]
    k = pivots.shape[-1]
    count = int(np.prod(batch))
    swaps = pivots.reshape(count, k).astype(np.intp) - 1
    rows = np.tile(np.arange(m), (count, 1))
    at = np.arange(count)
    for i in range(k):
        j = swaps[:, i]
        # fancy indexing on the right copies both sides before either is written
        rows[at, i], rows[at, j] = rows[at, j], rows[at, i]
    # P^T A takes row rows[r] of A to row r, so P[rows[r], r] = 1
    perm = np.zeros((count, m, m), dtype)
    perm[at[:, None], rows, np.arange(m)] = 1
    return perm.reshape(batch + (m, m))


def _lu_gradient(lu, perm, g):
    """gA from the packed factor ``lu``, the permutation ``perm`` (a constant Tensor)
    and the gradient ``g`` of ``lu``, all Tensors (see the module docstring)."""
    Tensor = function.Tensor
    m, n = lu.shape[-2], lu.shape[-1]
    k = min(m, n)
    dtype = lu._data.dtype

    def eye(rows, cols):
        return Tensor._wrap(np.eye(rows, cols, dtype=dtype))

    if m >= n:
        low1 = lu[..., :k, :].tril(-1) + eye(k, k)
        up = lu[..., :k, :].triu()
        g_low1, g_up = g[..., :k, :].tril(-1), g[..., :k, :].triu()
        psi = (low1.mT @ g_low1).tril(-1) + (g_up @ up.mT).triu()
        if m > n:
            psi = psi - (lu[..., k:, :].mT @ g[..., k:, :]).triu()
        g_y = low1.inverse().mT @ psi
        if m > n:
            # stack [g_y; gL2] by placing each block's rows into m rows
            g_y = eye(m, k) @ g_y + eye(m, m)[:, k:] @ g[..., k:, :]
        return perm @ g_y @ up.inverse().mT
    low = lu[..., :, :k].tril(-1) + eye(k, k)
    up1, up2 = lu[..., :, :k].triu(), lu[..., :, k:]
    g_low, g_up1, g_up2 = g[..., :, :k].tril(-1), g[..., :, :k].triu(), g[..., :, k:]
    phi = (low.mT @ g_low - g_up2 @ up2.mT).tril(-1) + (g_up1 @ up1.mT).triu()
    g_x = phi @ up1.inverse().mT @ eye(k, n) + g_up2 @ eye(n, n)[k:, :]
    return perm @ low.inverse().mT @ g_x


class LuFactor(Function):
    """``(LU, pivots, info)`` of ``getrf``: L below the diagonal (its unit diagonal
    implied), U on and above it; info > 0 names the first exactly-zero U[i, i]
    (1-based), the factorization still completed."""
    grad_fn_name = "LinalgLuFactorExBackward0"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, a):
        m, n = a.shape[-2], a.shape[-1]
        batch = a.shape[:-2]
        lu = np.array(a, order="C", copy=True)
        pivots = np.broadcast_to(np.arange(1, min(m, n) + 1, dtype=np.int32),
                                 batch + (min(m, n),)).copy()
        info = np.zeros(batch, np.int32)
        if lu.size:
            getrf = _lapack("getrf", a)
            for idx in np.ndindex(*batch):
                lu[idx], piv, info[idx] = getrf(a[idx])
                pivots[idx] = piv + 1   # scipy hands back LAPACK's swaps 0-based
        if ctx.needs_input_grad and ctx.needs_input_grad[0]:
            ctx.save_for_backward(lu)
            ctx.perm = pivots_to_permutation(pivots, m, a.dtype)
        return lu, pivots, info

    @staticmethod
    def backward(ctx, g_lu, g_pivots=None, g_info=None):
        (lu,) = ctx.saved_tensors
        wrap = function.Tensor._wrap
        with no_grad():
            ga = _lu_gradient(wrap(lu), wrap(ctx.perm), wrap(np.asarray(g_lu, lu.dtype)))
        return np.array(ga._data, lu.dtype)

    @staticmethod
    def grad_graph(ctx, inputs, g_lu, g_pivots, g_info):
        lu = ctx._function.apply(inputs[0])[0]
        return _lu_gradient(lu, function.Tensor._wrap(ctx.perm), g_lu)


class _NotDifferentiable(Function):
    """Outputs torch records under a ``NotImplemented`` node: backward through them
    raises torch's error (each subclass names its node, as ``grad_fn_name`` is read from
    the class itself)."""
    aten_name = ""

    @classmethod
    def _refuse(cls):
        raise RuntimeError(f"derivative for aten::{cls.aten_name} is not implemented")


class LdlFactor(_NotDifferentiable):
    """``(LD, pivots, info)`` of ``sytrf`` on the lower triangle (the upper one is
    neither read nor written: zeros in the result, as torch)."""
    grad_fn_name = "torch::autograd::NotImplemented"
    aten_name = "linalg_ldl_factor_ex"

    @staticmethod
    def forward(ctx, a):
        n = a.shape[-1]
        batch = a.shape[:-2]
        ld = np.zeros_like(a, order="C")
        pivots = np.broadcast_to(np.arange(1, n + 1, dtype=np.int32), batch + (n,)).copy()
        info = np.zeros(batch, np.int32)
        if a.size:
            sytrf = _lapack("sytrf", a)
            lwork = int(_lapack("sytrf_lwork", a)(n, lower=1)[0])
            for idx in np.ndindex(*batch):
                out, pivots[idx], info[idx] = sytrf(a[idx], lower=1, lwork=max(lwork, 1))
                ld[idx] = np.tril(out)
        return ld, pivots, info

    @staticmethod
    def backward(ctx, *grads):
        LdlFactor._refuse()


class LdlSolve(_NotDifferentiable):
    """``X`` with ``A X = B`` from A's ``sytrf`` factors; ``B`` broadcast in its batch
    dims against ``LD``'s."""
    grad_fn_name = "torch::autograd::NotImplemented"
    aten_name = "linalg_ldl_solve"

    @staticmethod
    def forward(ctx, ld, pivots, b):
        batch = np.broadcast_shapes(ld.shape[:-2], pivots.shape[:-1], b.shape[:-2])
        n, k = b.shape[-2], b.shape[-1]
        x = np.empty(batch + (n, k), b.dtype)
        if x.size == 0:
            return x
        ld = np.broadcast_to(ld, batch + ld.shape[-2:])
        pivots = np.broadcast_to(pivots, batch + pivots.shape[-1:])
        b = np.broadcast_to(b, batch + (n, k))
        sytrs = _lapack("sytrs", ld)
        for idx in np.ndindex(*batch):
            x[idx] = sytrs(ld[idx], pivots[idx], b[idx], lower=1)[0]
        return x

    @staticmethod
    def backward(ctx, g):
        LdlSolve._refuse()


class Geqrf(Function):
    """``(a, tau)`` of ``geqrf``: R on and above the diagonal, the Householder vectors
    (unit first entry implied) below it, their scales in ``tau``. Not differentiable
    (torch has no derivative for it either)."""
    grad_fn_name = "GeqrfBackward0"

    @staticmethod
    def forward(ctx, a):
        m, n = a.shape[-2], a.shape[-1]
        batch = a.shape[:-2]
        qr = np.array(a, order="C", copy=True)
        tau = np.zeros(batch + (min(m, n),), a.dtype)
        if a.size:
            geqrf = _lapack("geqrf", a)
            lwork = max(int(geqrf(a[(0,) * len(batch)], lwork=-1)[2][0]), 1)
            for idx in np.ndindex(*batch):
                qr[idx], tau[idx] = geqrf(a[idx], lwork=lwork)[:2]
        return qr, tau

    @staticmethod
    def backward(ctx, g_qr, g_tau):
        raise NotImplementedError("the derivative for 'geqrf' is not implemented.")
