"""Matrix functions with their own gradients: einsum (any subscripts, numpy's path
optimiser for 3+ operands), det/slogdet, inverse, solve, cholesky.

Gradients (batched over leading dims, ``^-T`` the inverse transpose):
  inv:   gA = -A^-T gY A^-T
  det:   gA = g det(A) A^-T               (A invertible; via the SVD otherwise)
  solve: X = A^-1 B:  gB = A^-T gX,  gA = -gB X^T
  cholesky (lower L): gA = L^-T Phi(L^T gL) L^-1, symmetrised, Phi = lower triangle
                      with the diagonal halved.
"""
import numpy as np

from ..function import Function
from .decomposition_grad_graph import cholesky_grad_graph, eigh_grad_graph, qr_grad_graph


def _mT(a):
    return np.swapaxes(a, -1, -2)


class Einsum(Function):
    """``np.einsum`` forward; the gradient of operand ``k`` is the einsum of the output
    gradient with the other operands into ``k``'s subscripts, then spread over letters
    that only ``k`` has (summed away in the forward) and onto repeated letters (a
    diagonal of ``k``)."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, equation, *operands):
        inputs, output = equation.split("->")
        subscripts = inputs.split(",")
        ctx.meta = (subscripts, output, [o.shape for o in operands])
        ctx.save_for_backward(*operands)
        path = len(operands) > 2 or None
        return np.asarray(np.einsum(equation, *operands, optimize="greedy" if path else False))

    @staticmethod
    def backward(ctx, g):
        subscripts, output, shapes = ctx.meta
        operands = ctx.saved_tensors
        grads = [None]
        for k, (sub, shape) in enumerate(zip(subscripts, shapes)):
            if not ctx.needs_input_grad[k + 1]:
                grads.append(None)
                continue
            others = [(s, o) for j, (s, o) in enumerate(zip(subscripts, operands)) if j != k]
            available = set(output).union(*[set(s) for s, _ in others])
            unique = "".join(dict.fromkeys(sub))
            target = "".join(c for c in unique if c in available)
            eq = ",".join([output] + [s for s, _ in others]) + "->" + target
            partial = np.einsum(eq, g, *[o for _, o in others],
                                optimize="greedy" if len(others) > 1 else False)
            sizes = {c: n for c, n in zip(sub, shape)}
            # letters only k has: the forward summed them, so every entry gets the same
            full = partial.reshape(partial.shape + (1,) * (len(unique) - len(target)))
            order = target + "".join(c for c in unique if c not in available)
            full = np.broadcast_to(full, tuple(sizes[c] for c in order))
            full = np.transpose(full, [order.index(c) for c in unique])
            if len(unique) == len(sub):
                grads.append(np.ascontiguousarray(full, dtype=g.dtype))
                continue
            # repeated letters: write onto the diagonal of k's shape
            gk = np.zeros(shape, g.dtype)
            index = np.indices(full.shape, sparse=True)
            gk[tuple(index[unique.index(c)] for c in sub)] = full
            grads.append(gk)
        return tuple(grads)


class Inverse(Function):
    grad_fn_name = "LinalgInvExBackward0"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, a):
        try:
            inv = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise RuntimeError(_singular_message("linalg.inv", a)) from None
        ctx.save_for_backward(inv)
        return inv

    @staticmethod
    def backward(ctx, g):
        (inv,) = ctx.saved_tensors
        return -_mT(inv) @ g @ _mT(inv)


def _singular_message(fn, a):
    # torch names the first failing batch element and pivot; numpy only says "Singular"
    return (f"{fn}: The diagonal element 1 is zero, the inversion could not be completed "
            f"because the input matrix is singular.") if a.ndim == 2 else \
        (f"{fn}: (Batch element 0): The diagonal element 1 is zero, the inversion could not "
         f"be completed because the input matrix is singular.")


class Det(Function):
    grad_fn_name = "LinalgDetBackward0"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, a):
        det = np.asarray(np.linalg.det(a))
        ctx.save_for_backward(a, det)
        return det

    @staticmethod
    def backward(ctx, g):
        a, det = ctx.saved_tensors
        # d det / dA = adj(A)^T; the SVD form stays defined for singular A:
        # adj(A) = V diag(prod_{j != i} s_j) U^T * det(U V^T)
        u, s, vt = np.linalg.svd(a)
        n = s.shape[-1]
        prods = np.stack([np.prod(np.delete(s, i, axis=-1), axis=-1) for i in range(n)], -1) \
            if n else s
        sign = np.linalg.det(u) * np.linalg.det(vt)
        adj_t = (u * prods[..., None, :]) @ vt * sign[..., None, None]
        return (g[..., None, None] * adj_t).astype(g.dtype, copy=False)


class Slogdet(Function):
    """``(sign, log|det|)``; only ``log|det|`` carries a gradient (A^-T)."""
    grad_fn_name = "LinalgSlogdetBackward0"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, a):
        sign, logabs = np.linalg.slogdet(a)
        sign = np.asarray(sign)
        ctx.save_for_backward(a)
        ctx.mark_non_differentiable(sign)
        ctx.sign = sign
        return sign, np.asarray(logabs)

    @staticmethod
    def backward(ctx, g_sign, g_logabs):
        (a,) = ctx.saved_tensors
        if g_logabs is None:
            return np.zeros_like(a)
        return g_logabs[..., None, None] * _mT(np.linalg.pinv(a) if np.any(ctx.sign == 0)
                                               else np.linalg.inv(a))


class Solve(Function):
    """``X`` with ``A X = B`` (``left=True``); ``B`` may be a batch of vectors."""
    grad_fn_name = "LinalgSolveExBackward0"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, a, b, vector):
        try:
            x = np.linalg.solve(a, b[..., None] if vector else b)
        except np.linalg.LinAlgError:
            raise RuntimeError("torch.linalg.solve: The solver failed because the input matrix "
                               "is singular.") from None
        x = x[..., 0] if vector else x
        ctx.save_for_backward(a, x)
        ctx.vector = vector
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        vector = ctx.vector
        gb = np.linalg.solve(_mT(a), g[..., None] if vector else g)
        gb_vec = gb[..., 0] if vector else gb
        xs = x[..., None] if vector else x
        ga = -gb @ _mT(xs)
        return ga, gb_vec, None


class Cholesky(Function):
    grad_fn_name = "LinalgCholeskyExBackward0"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, a, upper):
        try:
            low = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise RuntimeError("linalg.cholesky: The factorization could not be completed "
                               "because the input is not positive-definite (the leading minor "
                               "of order 1 is not positive-definite).") from None
        ctx.save_for_backward(low)
        ctx.upper = upper
        return np.ascontiguousarray(_mT(low)) if upper else low

    @staticmethod
    def backward(ctx, g):
        (low,) = ctx.saved_tensors
        gl = _mT(g) if ctx.upper else g
        phi = np.tril(_mT(low) @ gl)
        phi = phi - 0.5 * np.eye(phi.shape[-1]) * phi
        inv = np.linalg.inv(low)
        ga = _mT(inv) @ phi @ inv
        return (0.5 * (ga + _mT(ga))).astype(g.dtype, copy=False), None


class Svdvals(Function):
    """Singular values (descending); gA = U diag(gS) V^T."""
    grad_fn_name = "LinalgSvdBackward0"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, a):
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        ctx.save_for_backward(u, vt)
        return s

    @staticmethod
    def backward(ctx, g):
        u, vt = ctx.saved_tensors
        return (u * g[..., None, :]) @ vt


class CountNonzeroNorm(Function):
    """``vector_norm`` with ord 0: the count of non-zeros, in the graph (as torch)
    but with no gradient (torch's backward gives none)."""
    grad_fn_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        return np.count_nonzero(x, axis=dims, keepdims=keepdim).astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        return None, None, None


def _skew_ratio(values, squared):
    """F[i, j] = 1 / (v_j - v_i) (of squares for the SVD), 0 on the diagonal and where
    two values coincide (degenerate: the gradient there is not defined)."""
    v = values * values if squared else values
    diff = v[..., None, :] - v[..., :, None]
    with np.errstate(divide="ignore"):
        inv = np.where(diff == 0, 0.0, 1.0 / np.where(diff == 0, 1.0, diff))
    return inv


class Svd(Function):
    """``A = U diag(S) Vh`` (reduced unless ``full_matrices``). Backward (reduced, real;
    F = 1 / (s_j^2 - s_i^2), zero on the diagonal):
        gA = U [diag(gS) + (F o (U^T gU - gU^T U)) S + S (F o (V^T gV - gV^T V))] V^T
             + (I - U U^T) gU S^-1 V^T + U S^-1 gV^T (I - V V^T)."""
    fresh_gradients = True
    grad_fn_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, a, full_matrices):
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        ctx.save_for_backward(u, s, vh)
        ctx.full = full_matrices
        return u, s, vh

    @staticmethod
    def backward(ctx, gu, gs, gvh):
        u, s, vh = ctx.saved_tensors
        m, n = u.shape[-2], vh.shape[-1]
        k = s.shape[-1]
        if ctx.full and (gu is not None and np.any(gu[..., k:]) or
                         gvh is not None and np.any(gvh[..., k:, :])):
            raise RuntimeError("linalg_svd_backward: The singular vectors in the complex case "
                               "are specified up to multiplication by e^{i phi}. The specified "
                               "loss function depends on this phase term, making it "
                               "ill-defined. Use full_matrices=False for a well-defined "
                               "gradient.")
        u, vh = u[..., :, :k], vh[..., :k, :]
        v = np.swapaxes(vh, -1, -2)
        gu = np.zeros_like(u) if gu is None else gu[..., :, :k]
        gv = np.zeros_like(v) if gvh is None else np.swapaxes(gvh[..., :k, :], -1, -2)
        gs = np.zeros_like(s) if gs is None else gs
        F = _skew_ratio(s, squared=True)
        S = s[..., None, :] * np.eye(k)
        ut_gu = np.swapaxes(u, -1, -2) @ gu
        vt_gv = np.swapaxes(v, -1, -2) @ gv
        inner = gs[..., None, :] * np.eye(k) + (F * (ut_gu - np.swapaxes(ut_gu, -1, -2))) @ S \
            + S @ (F * (vt_gv - np.swapaxes(vt_gv, -1, -2)))
        ga = u @ inner @ vh
        with np.errstate(divide="ignore"):
            s_inv = np.where(s == 0, 0.0, 1.0 / np.where(s == 0, 1.0, s))
        if m > k:
            ga = ga + (gu - u @ ut_gu) * s_inv[..., None, :] @ vh
        if n > k:
            ga = ga + u @ ((np.swapaxes(gv, -1, -2) - np.swapaxes(vt_gv, -1, -2) @ vh)
                           * s_inv[..., :, None])
        return ga.astype(u.dtype, copy=False), None


class Eigh(Function):
    """``A = V diag(L) V^T`` of a symmetric matrix (its ``uplo`` triangle read).
    Backward: gA = V (diag(gL) + F o (V^T gV)) V^T, F = 1 / (l_j - l_i), symmetrised
    as torch returns it."""
    fresh_gradients = True
    grad_fn_name = "LinalgEighBackward0"

    @staticmethod
    def forward(ctx, a, uplo):
        w, v = np.linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, gw, gv):
        w, v = ctx.saved_tensors
        k = w.shape[-1]
        inner = np.zeros(w.shape[:-1] + (k, k), w.dtype)
        if gw is not None:
            inner = inner + gw[..., None, :] * np.eye(k)
        if gv is not None:
            inner = inner + _skew_ratio(w, squared=False) * (np.swapaxes(v, -1, -2) @ gv)
        ga = v @ inner @ np.swapaxes(v, -1, -2)
        return (0.5 * (ga + np.swapaxes(ga, -1, -2))).astype(w.dtype, copy=False), None


class Qr(Function):
    """``A = QR`` (reduced for m >= n). Backward (m >= n): with M = R gR^T - gQ^T Q,
    gA = (gQ + Q copyltu(M)) R^-T, copyltu(M) = tril(M) + tril(M, -1)^T."""
    fresh_gradients = True
    grad_fn_name = "LinalgQrBackward0"

    @staticmethod
    def forward(ctx, a, mode):
        q, r = np.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
        ctx.save_for_backward(q, r)
        ctx.mode = mode
        if mode == "r":
            return np.zeros(a.shape[:-2] + (0,), a.dtype), r
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        q, r = ctx.saved_tensors
        m, n = q.shape[-2], r.shape[-1]
        if ctx.mode == "r" or (ctx.mode == "complete" and m > n) or m < n:
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r', and is defined only for mode='reduced' with "
                               "m >= n in cynn")
        gq = np.zeros_like(q) if gq is None else gq
        gr = np.zeros_like(r) if gr is None else gr
        M = r @ np.swapaxes(gr, -1, -2) - np.swapaxes(gq, -1, -2) @ q
        copyltu = np.tril(M) + np.swapaxes(np.tril(M, -1), -1, -2)
        rhs = gq + q @ copyltu
        # X R^T = rhs  <=>  R X^T = rhs^T
        ga = np.swapaxes(np.linalg.solve(r, np.swapaxes(rhs, -1, -2)), -1, -2)
        return ga.astype(q.dtype, copy=False), None


# ---------------------------------------------------------------------------------------
# Gradients in differentiable ops, for a recorded backward (create_graph=True).

def _attach():
    def mT(t):
        return t.transpose(-2, -1)

    def inverse(ctx, inputs, g):
        inv = Inverse.apply(inputs[0])
        return -(mT(inv) @ g @ mT(inv))

    def det(ctx, inputs, g):
        a = inputs[0]
        if np.any(np.asarray(Det.forward(_ctx(), a._data)) == 0):
            return NotImplemented  # singular: the adjugate form has no Tensor-op version here
        d = Det.apply(a)
        return (g * d).unsqueeze(-1).unsqueeze(-1) * mT(Inverse.apply(a))

    def slogdet(ctx, inputs, g_sign, g_logabs):
        if g_logabs is None or np.any(ctx.sign == 0):
            return NotImplemented
        return g_logabs.unsqueeze(-1).unsqueeze(-1) * mT(Inverse.apply(inputs[0]))

    def solve(ctx, inputs, g):
        a, b, vector = inputs
        gb = Solve.apply(mT(a), g, vector)
        x = Solve.apply(a, b, vector)
        xs = x.unsqueeze(-1) if vector else x
        gbs = gb.unsqueeze(-1) if vector else gb
        return -(gbs @ mT(xs)), gb, None

    def einsum(ctx, inputs, g):
        subscripts, output, shapes = ctx.meta
        equation, operands = inputs[0], inputs[1:]
        grads = [None]
        for k, (sub, shape) in enumerate(zip(subscripts, shapes)):
            if not ctx.needs_input_grad[k + 1]:
                grads.append(None)
                continue
            others = [(s, o) for j, (s, o) in enumerate(zip(subscripts, operands)) if j != k]
            available = set(output).union(*[set(s) for s, _ in others])
            if len(set(sub)) != len(sub) or not set(sub) <= available:
                return NotImplemented
            eq = ",".join([output] + [s for s, _ in others]) + "->" + sub
            grads.append(Einsum.apply(eq, g, *[o for _, o in others]))
        return tuple(grads)

    def svdvals(ctx, inputs, g):
        u, s, vh = Svd.apply(inputs[0], False)
        return (u * g.unsqueeze(-2)) @ vh

    Inverse.grad_graph = staticmethod(inverse)
    Det.grad_graph = staticmethod(det)
    Slogdet.grad_graph = staticmethod(slogdet)
    Solve.grad_graph = staticmethod(solve)
    Einsum.grad_graph = staticmethod(einsum)
    Svdvals.grad_graph = staticmethod(svdvals)
    Cholesky.grad_graph = staticmethod(cholesky_grad_graph)
    Eigh.grad_graph = staticmethod(eigh_grad_graph)
    Qr.grad_graph = staticmethod(qr_grad_graph)


def _ctx():
    from ..function import FunctionCtx
    return FunctionCtx()


_attach()
