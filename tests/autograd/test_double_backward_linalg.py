"""Second derivatives of the matrix decompositions and the functions built on them
(cholesky, eigh, qr, lu_factor/lu_solve, householder_product/ormqr, pinv,
cholesky_solve): equal to torch's double backward, and gradgradcheck in float64."""
import warnings

import numpy as np
import pytest

import cynn
from helpers import helper_test_exception, torch_module

torch = torch_module()


def _second_order(lib, fn, arrays, seed=1):
    """The first gradients of ``<w, fn(x)>`` (recorded) and the gradients of
    ``<v, first gradients>``, for fixed random ``w`` and ``v``."""
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    w = np.random.default_rng(seed).standard_normal(tuple(out.shape))
    grads = lib.autograd.grad((out * lib.tensor(w)).sum(), xs, create_graph=True)
    total = sum((g * lib.tensor(np.random.default_rng(seed + 1 + i).standard_normal(
        tuple(g.shape)))).sum() for i, g in enumerate(grads))
    second = lib.autograd.grad(total, xs)
    return [g.detach().numpy() for g in grads] + [s.numpy() for s in second]


def _spd(lib, a):
    return a @ a.mT + a.shape[-1] * lib.eye(a.shape[-1], dtype=lib.float64)


def _eigh_invariants(lib, a):
    """Eigenvalues and the projector onto each eigenvector (sign-free)."""
    w, v = lib.linalg.eigh(a + a.mT)
    return (w ** 2).unsqueeze(-2) + v ** 2


def _qr_invariants(lib, a):
    """Q and R with each R row's sign made positive (the sign is LAPACK's choice)."""
    q, r = lib.linalg.qr(a)
    sign = r.diagonal(0, -2, -1).sign().detach()
    return (q * sign.unsqueeze(-2)).sum(-2) + (r * sign.unsqueeze(-1)).sum(-2)


def _legacy(name):
    """torch's top-level name ``name`` (deprecation warnings silenced)."""
    def call(lib, *args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return getattr(lib, name)(*args, **kwargs)
    return call


OPS = [
    ("cholesky", lambda lib, a: lib.linalg.cholesky(_spd(lib, a)), [(3, 3)]),
    ("cholesky_upper_batched", lambda lib, a: lib.linalg.cholesky(_spd(lib, a), upper=True),
     [(2, 4, 4)]),
    ("cholesky_ex", lambda lib, a: lib.linalg.cholesky_ex(_spd(lib, a)).L.sin(), [(3, 3)]),
    ("eigh_values", lambda lib, a: lib.linalg.eigh(a + a.mT).eigenvalues.exp(), [(2, 4, 4)]),
    ("eigh_vectors", _eigh_invariants, [(4, 4)]),
    ("eigh_upper", lambda lib, a: (lib.linalg.eigh(a + a.mT, UPLO="U").eigenvectors ** 2)
     + lib.linalg.eigvalsh(a + a.mT, UPLO="U").unsqueeze(-2), [(3, 3)]),
    ("qr_tall", _qr_invariants, [(5, 3)]),
    ("qr_square_batched", _qr_invariants, [(2, 4, 4)]),
    ("qr_complete_square", lambda lib, a: (lambda q, r: (q ** 2).sum(0) * r.diagonal().abs())(
        *lib.linalg.qr(a, mode="complete")), [(3, 3)]),
    ("lu_factor", lambda lib, a: lib.linalg.lu_factor(a).LU, [(4, 4)]),
    ("lu_factor_wide", lambda lib, a: lib.linalg.lu_factor(a).LU, [(3, 5)]),
    ("lu_factor_tall", lambda lib, a: lib.linalg.lu_factor(a).LU, [(5, 3)]),
    ("lu_solve", lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b,
                                                       adjoint=True), [(3, 3), (3, 2)]),
    ("householder_product", lambda lib, a, tau: lib.linalg.householder_product(a, tau),
     [(4, 3), (3,)]),
    ("ormqr", lambda lib, a, tau, c: _legacy("ormqr")(lib, a, tau, c, False, True),
     [(4, 3), (3,), (2, 4)]),
    ("pinv", lambda lib, a: lib.linalg.pinv(a), [(3, 4)]),
    ("pinv_tall", lambda lib, a: lib.linalg.pinv(a), [(2, 4, 3)]),
    ("cholesky_solve", lambda lib, b, a: _legacy("cholesky_solve")(
        lib, b, lib.linalg.cholesky(_spd(lib, a))), [(3, 2), (3, 3)]),
]


@pytest.mark.parametrize("name,fn,shapes", OPS, ids=[o[0] for o in OPS])
def test_second_derivatives_match_torch(name, fn, shapes):
    rng = np.random.default_rng(sum(map(ord, name)))
    arrays = [rng.uniform(-1, 1, s) for s in shapes]
    if name in ("lu_factor", "lu_solve"):
        arrays[0] = arrays[0] + 2 * np.eye(shapes[0][-1])
    got = _second_order(cynn, fn, arrays)
    want = _second_order(torch, fn, arrays)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("fn,shape", [
    (lambda a: cynn.linalg.cholesky(_spd(cynn, a)), (3, 3)),
    (lambda a: cynn.linalg.cholesky(_spd(cynn, a), upper=True), (2, 3, 3)),
    (lambda a: cynn.linalg.eigh(a + a.mT).eigenvalues, (3, 3)),
    (lambda a: cynn.linalg.eigh(a + a.mT).eigenvectors ** 2, (3, 3)),
    (lambda a: _qr_invariants(cynn, a), (4, 3)),
    (lambda a: cynn.linalg.lu_factor(a + 2 * cynn.eye(3, dtype=cynn.float64)).LU, (3, 3)),
    (lambda a: cynn.linalg.pinv(a), (2, 3)),
])
def test_gradgradcheck(fn, shape):
    x = cynn.tensor(np.random.default_rng(7).uniform(-1, 1, shape), requires_grad=True)
    assert cynn.autograd.gradgradcheck(fn, [x])


def test_qr_complete_tall_still_refuses_a_recorded_backward():
    """Where the first derivative is undefined the recorded backward must not invent
    one: complete QR of a tall matrix raises in both libraries."""
    def backward(lib):
        x = lib.tensor(np.random.default_rng(3).standard_normal((4, 2)), requires_grad=True)
        q, r = lib.linalg.qr(x, mode="complete")
        lib.autograd.grad(q.sum() + r.sum(), x, create_graph=True)
    helper_test_exception(backward, RuntimeError)
