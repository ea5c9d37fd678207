"""Recorded gradients (``grad_graph``, see ``graph_backward``) of the Cholesky, eigh and
QR Functions in ``matrix.py``: the formulas of their numpy backwards, written with
differentiable Tensor ops on factors recomputed in the graph (``ctx._function.apply``),
so that a backward with ``create_graph=True`` is itself differentiable and second
derivatives are exact.

The formulas (real matrices, batched over leading dims):
  cholesky (A = L L^T):  gA = sym(L^-T Phi(L^T gL) L^-1), Phi = lower triangle with the
                         diagonal halved, sym(X) = (X + X^T) / 2.
  eigh (A = V diag(w) V^T):  gA = sym(V (diag(gw) + F o (V^T gV)) V^T),
                         F[i, j] = 1 / (w_j - w_i), 0 where two eigenvalues coincide.
  qr (A = QR, m >= n):   gA = (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q,
                         copyltu(M) = tril(M) + tril(M, -1)^T.

They use Tensor methods only: this module imports nothing from ``cynn._ops`` (which sits
above the autograd layer).
"""
from .. import function

__all__ = ["cholesky_grad_graph", "eigh_grad_graph", "qr_grad_graph"]


def _mT(t):
    return t.transpose(-2, -1)


def _sym(t):
    return 0.5 * (t + _mT(t))


def cholesky_grad_graph(ctx, inputs, g):
    a, upper = inputs
    low = ctx._function.apply(a, False)
    g_low = _mT(g) if upper else g
    phi = (_mT(low) @ g_low).tril()
    phi = phi - 0.5 * phi.diagonal(0, -2, -1).diag_embed()
    low_inv = low.inverse()
    return _sym(_mT(low_inv) @ phi @ low_inv), None


def eigh_grad_graph(ctx, inputs, gw, gv):
    a, uplo = inputs
    w, v = ctx._function.apply(a, uplo)
    gap = w.unsqueeze(-2) - w.unsqueeze(-1)        # gap[i, j] = w_j - w_i
    # degenerate pairs (and the diagonal): the gradient is undefined there; 0 as forward's
    same = function.Tensor._wrap(gap._data == 0)
    ratio = (1.0 / gap.masked_fill(same, 1.0)).masked_fill(same, 0.0)
    inner = gw.diag_embed() + ratio * (_mT(v) @ gv)
    return _sym(v @ inner @ _mT(v)), None


def qr_grad_graph(ctx, inputs, gq, gr):
    a, mode = inputs
    m, n = a.shape[-2], a.shape[-1]
    if mode == "r" or m < n or (mode == "complete" and m > n):
        return NotImplemented  # the numpy backward raises its error for these
    q, r = ctx._function.apply(a, mode)
    M = r @ _mT(gr) - _mT(gq) @ q
    copyltu = M.tril() + _mT(M.tril(-1))
    return (gq + q @ copyltu) @ _mT(r.inverse()), None

