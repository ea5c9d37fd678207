"""torch's top-level linear-algebra names beside torch.linalg (legacy ``svd``/``qr``/``lu``,
``lu_solve``, ``lu_unpack``, ``triangular_solve``, ``cholesky_solve``/``_inverse``,
``geqrf``/``orgqr``/``ormqr``, ``pinverse``, ``matrix_exp``, ``frobenius_norm``,
``nuclear_norm``) and their Tensor methods, against torch: values, result names,
gradients, float64 finite differences and errors."""
import re
import warnings

import numpy as np
import pytest

import cynn
from helpers import check_gradcheck, helper_test_exception, helper_test_op, torch_module

torch = torch_module()

RNG = np.random.default_rng(1515)


@pytest.fixture(autouse=True)
def _quiet_torch_deprecations():
    # torch warns once that lu/qr/lu_solve/triangular_solve are deprecated
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def _triangular(shape, upper, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    a = np.triu(a) if upper else np.tril(a)
    n = shape[-1]
    return (a + 3 * np.sign(np.diagonal(a, 0, -2, -1))[..., None] * np.eye(n)).astype(np.float32)


def _cholesky_factor(shape, upper, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    low = np.linalg.cholesky(a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1]))
    return (np.swapaxes(low, -1, -2) if upper else low).astype(np.float32)


def _reflectors(shape, seed=0):
    a, tau = torch.geqrf(torch.tensor(np.random.default_rng(seed).standard_normal(shape)))
    return a.numpy().astype(np.float32), tau.numpy().astype(np.float32)


# -- LU ------------------------------------------------------------------------------------

@pytest.mark.parametrize("get_infos", [False, True])
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 5), (0, 2, 2)])
def test_lu(shape, get_infos):
    helper_test_op([shape], lambda a: tuple(torch.lu(a, get_infos=get_infos)),
                   lambda a: tuple(cynn.lu(a, get_infos=get_infos)))
    helper_test_op([shape], lambda a: tuple(a.lu(get_infos=get_infos)))


def test_lu_result_names_and_singular_input():
    result = cynn.lu(cynn.tensor([[1.0, 2.0], [2.0, 4.0]]), get_infos=True)
    assert int(result.info) == 2 and result.pivots.dtype == cynn.int32
    plain = cynn.lu(cynn.tensor([[1.0, 2.0], [2.0, 4.0]]))
    assert type(plain) is tuple and len(plain) == 2


@pytest.mark.parametrize("shapes", [[(3, 2), (3, 3)], [(2, 4, 1), (2, 4, 4)],
                                    [(4, 3, 2), (3, 3)]])
def test_lu_solve(shapes):
    b_shape, a_shape = shapes

    def run(lib, method):
        def f(b, a):
            LU, pivots = lib.linalg.lu_factor(a)
            return b.lu_solve(LU, pivots) if method else lib.lu_solve(b, LU, pivots)
        return f
    for method in (False, True):
        helper_test_op([b_shape, a_shape], run(torch, method), run(cynn, method))


@pytest.mark.parametrize("unpack_data,unpack_pivots", [(True, True), (False, True),
                                                       (True, False)])
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 5), (5, 3)])
def test_lu_unpack(shape, unpack_data, unpack_pivots):
    def run(lib):
        def f(a):
            LU, pivots = lib.linalg.lu_factor(a)
            return tuple(lib.lu_unpack(LU, pivots, unpack_data, unpack_pivots))
        return f
    # without unpack_data, torch's own backward through the empty L and U fails
    helper_test_op([shape], run(torch), run(cynn), grad=unpack_data)


def test_lu_unpack_result_names_and_gradcheck():
    LU, pivots = cynn.linalg.lu_factor(cynn.tensor(RNG.standard_normal((3, 3))))
    result = cynn.lu_unpack(LU, pivots)
    np.testing.assert_allclose((result.P @ result.L @ result.U).numpy(),
                               (result[0] @ result[1] @ result[2]).numpy())
    check_gradcheck(lambda lu: cynn.lu_unpack(lu, pivots).L.sum(0) + cynn.lu_unpack(lu, pivots).U,
                    [(3, 3)])


# -- triangular and Cholesky solves --------------------------------------------------------

@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("unitriangular", [False, True])
def test_triangular_solve(upper, transpose, unitriangular):
    A = _triangular((2, 4, 4), upper)
    B = RNG.standard_normal((2, 4, 3)).astype(np.float32)

    def run(lib):
        return lambda b, a: tuple(lib.triangular_solve(b, a, upper, transpose, unitriangular))
    helper_test_op([], run(torch), run(cynn), inputs=[B, A])
    helper_test_op([], lambda b, a: tuple(b.triangular_solve(a, upper, transpose,
                                                             unitriangular)), inputs=[B, A])
    check_gradcheck(lambda b, a: cynn.triangular_solve(b, a, upper, transpose,
                                                       unitriangular).solution,
                    [], inputs=[B, A])


@pytest.mark.parametrize("shapes", [[(2, 3, 2), (3, 3)], [(3, 2), (2, 3, 3)], [(0, 3, 1), (3, 3)]])
def test_triangular_solve_broadcasts_and_copies_the_coefficient(shapes):
    b_shape, a_shape = shapes
    A = _triangular(a_shape, True)
    B = RNG.standard_normal(b_shape).astype(np.float32)
    helper_test_op([], lambda b, a: tuple(torch.triangular_solve(b, a)),
                   lambda b, a: tuple(cynn.triangular_solve(b, a)), inputs=[B, A])
    a = cynn.tensor(A)
    result = cynn.triangular_solve(cynn.tensor(B), a)
    assert result.cloned_coefficient is not a


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("shapes", [[(4, 3), (4, 4)], [(2, 3, 2), (3, 3)], [(3, 1), (2, 3, 3)]])
def test_cholesky_solve(upper, shapes):
    b_shape, l_shape = shapes
    L = _cholesky_factor(l_shape, upper)
    B = RNG.standard_normal(b_shape).astype(np.float32)
    helper_test_op([], lambda b, l: torch.cholesky_solve(b, l, upper),
                   lambda b, l: cynn.cholesky_solve(b, l, upper), inputs=[B, L])
    helper_test_op([], lambda b, l: b.cholesky_solve(l, upper), inputs=[B, L])
    # torch's gradient reaches every entry of the factor (it differentiates L L^T with
    # the full L) while the value reads one triangle: finite differences check that one
    triangle = (lambda l: l.triu()) if upper else (lambda l: l.tril())
    check_gradcheck(lambda b, l: cynn.cholesky_solve(b, triangle(l), upper), [], inputs=[B, L])


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3)])
def test_cholesky_inverse(upper, shape):
    L = _cholesky_factor(shape, upper)
    helper_test_op([], lambda l: torch.cholesky_inverse(l, upper),
                   lambda l: cynn.cholesky_inverse(l, upper), inputs=[L])
    helper_test_op([], lambda l: l.cholesky_inverse(upper), inputs=[L])
    triangle = (lambda l: l.triu()) if upper else (lambda l: l.tril())
    check_gradcheck(lambda l: cynn.cholesky_inverse(triangle(l), upper), [], inputs=[L])


# -- Householder ---------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 5), (4, 4), (0, 3, 2)])
def test_geqrf(shape):
    helper_test_op([shape], lambda a: tuple(torch.geqrf(a)), lambda a: tuple(cynn.geqrf(a)),
                   grad=False)
    helper_test_op([shape], lambda a: tuple(a.geqrf()), grad=False)
    result = cynn.geqrf(cynn.tensor(RNG.standard_normal(shape)))
    assert result.a is result[0] and result.tau is result[1]


def test_geqrf_has_no_derivative_as_in_torch():
    def backward(lib):
        a, tau = lib.geqrf(lib.ones(3, 3, requires_grad=True) + lib.eye(3))
        assert a.grad_fn.name() == "GeqrfBackward0"
        (a.sum() + tau.sum()).backward()
    helper_test_exception(backward, NotImplementedError,
                          match=re.escape("the derivative for 'geqrf' is not implemented."))


def test_orgqr():
    a, tau = _reflectors((5, 3))
    helper_test_op([], lambda x, t: torch.orgqr(x, t), lambda x, t: cynn.orgqr(x, t),
                   inputs=[a, tau])
    helper_test_op([], lambda x, t: x.orgqr(t), inputs=[a, tau])


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 4), (3, 5)])
def test_ormqr(shape, left, transpose):
    a, tau = _reflectors(shape)
    m = shape[-2]
    other_shape = shape[:-2] + ((m, 2) if left else (2, m))
    C = RNG.standard_normal(other_shape).astype(np.float32)
    helper_test_op([], lambda x, t, c: torch.ormqr(x, t, c, left, transpose),
                   lambda x, t, c: cynn.ormqr(x, t, c, left, transpose), inputs=[a, tau, C])
    helper_test_op([], lambda x, t, c: x.ormqr(t, c, left, transpose), inputs=[a, tau, C])
    check_gradcheck(lambda x, t, c: cynn.ormqr(x, t, c, left, transpose), [],
                    inputs=[a, tau, C])


# -- legacy SVD and QR, pinverse, matrix_exp, norms -----------------------------------------

@pytest.mark.parametrize("some", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5), (3, 3)])
def test_svd(shape, some):
    """Singular vectors are defined up to sign (and LAPACK builds choose differently), so
    the comparison is on U diag(S) V^T, S and the projector U U^T; gradients through
    those gauge-invariant products."""
    def run(lib, method):
        def f(a):
            U, S, V = a.svd(some) if method else lib.svd(a, some)
            k = S.shape[-1]
            Uk, Vk = U[..., :, :k], V[..., :, :k]
            return (Uk * S.unsqueeze(-2)) @ Vk.mT, S, Uk @ Uk.mT
        return f
    for method in (False, True):
        helper_test_op([shape], run(torch, method), run(cynn, method))
    U, S, V = cynn.svd(cynn.tensor(RNG.standard_normal(shape)), some)
    k = min(shape[-2:])
    assert tuple(U.shape[-2:]) == (shape[-2], k if some else shape[-2])
    assert tuple(V.shape[-2:]) == (shape[-1], k if some else shape[-1])


@pytest.mark.parametrize("some", [True, False])
def test_svd_without_uv(some):
    helper_test_op([(2, 4, 3)], lambda a: tuple(torch.svd(a, some, compute_uv=False)),
                   lambda a: tuple(cynn.svd(a, some, compute_uv=False)))
    result = cynn.svd(cynn.ones(4, 3), compute_uv=False)
    assert result.U is result[0] and result.V is result[2]


@pytest.mark.parametrize("some", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 4)])
def test_qr(shape, some):
    # complete QR of a tall matrix has no derivative (torch raises; so does cynn)
    grad = some or shape[-2] <= shape[-1]
    helper_test_op([shape], lambda a: tuple(torch.qr(a, some)), lambda a: tuple(cynn.qr(a, some)),
                   grad=grad)
    helper_test_op([shape], lambda a: tuple(a.qr(some)), grad=grad)
    result = cynn.qr(cynn.ones(3, 2) + cynn.eye(3, 2))
    assert result.Q is result[0] and result.R is result[1]


@pytest.mark.parametrize("rcond", [1e-15, 0.3])
def test_pinverse(rcond):
    """With rcond=0.3 singular values are cut: torch's gradient is the constant-rank
    derivative of the pseudo-inverse, not the truncated SVD's."""
    helper_test_op([(2, 4, 3)], lambda a: torch.pinverse(a, rcond),
                   lambda a: cynn.pinverse(a, rcond))
    helper_test_op([(3, 5)], lambda a: a.pinverse(rcond))
    check_gradcheck(lambda a: cynn.pinverse(a), [(3, 5)])


def test_matrix_exp():
    helper_test_op([(2, 3, 3)], lambda a: torch.matrix_exp(a), lambda a: cynn.matrix_exp(a),
                   low=-1, high=1)
    helper_test_op([(4, 4)], lambda a: a.matrix_exp(), low=-1, high=1)
    check_gradcheck(lambda a: cynn.matrix_exp(a), [(3, 3)], low=-1, high=1)


@pytest.mark.parametrize("dim,keepdim", [((0, 1), False), ((0, 2), True), (1, False),
                                         ((-1,), True)])
def test_frobenius_norm(dim, keepdim):
    # torch's node is the legacy NormBackward1, cynn's linalg.vector_norm's
    helper_test_op([(2, 3, 4)], lambda a: torch.frobenius_norm(a, dim, keepdim),
                   lambda a: cynn.frobenius_norm(a, dim, keepdim), check_grad_fn=False)


@pytest.mark.parametrize("args", [(), (True,), ((0, 2),), ((0, 2), True), ((-1, -2), False)])
def test_nuclear_norm(args):
    # with keepdim torch's last node is a permute, cynn's an unsqueeze
    helper_test_op([(2, 3, 4)], lambda a: torch.nuclear_norm(a, *args),
                   lambda a: cynn.nuclear_norm(a, *args), check_grad_fn=False)
    check_gradcheck(lambda a: cynn.nuclear_norm(a, *args), [(2, 3, 4)])


LEGACY_ERRORS = [
    (lambda lib: lib.lu(lib.eye(2), pivot=False), RuntimeError,
     "LU without pivoting is not implemented on the CPU"),
    (lambda lib: lib.lu_unpack(lib.ones(3), lib.ones(3, dtype=lib.int32)), RuntimeError,
     "torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: [3] instead"),
    (lambda lib: lib.lu_unpack(lib.ones(3, 3), lib.ones(3)), RuntimeError,
     "torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype."),
    # a pivot out of range (not a short pivots tensor: torch then reads past its end and
    # raises or not depending on what lies there)
    (lambda lib: lib.lu_unpack(lib.ones(3, 3), lib.tensor([1, 2, 4], dtype=lib.int32)),
     RuntimeError, "pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive."),
    (lambda lib: lib.triangular_solve(lib.ones(3), lib.eye(3)), RuntimeError,
     "torch.triangular_solve: Expected b to have at least 2 dimensions, but it has 1 "
     "dimensions instead"),
    (lambda lib: lib.triangular_solve(lib.ones(3, 2), lib.ones(3)), RuntimeError,
     "torch.triangular_solve: Expected A to have at least 2 dimensions, but it has 1 "
     "dimensions instead"),
    (lambda lib: lib.triangular_solve(lib.ones(3, 2), lib.ones(3, 4)), RuntimeError,
     "A must be batches of square matrices, but they are 3 by 4 matrices"),
    (lambda lib: lib.triangular_solve(lib.ones(4, 2), lib.eye(3)), RuntimeError,
     "Incompatible matrix sizes for triangular_solve: each A matrix is 3 by 3 but each b "
     "matrix is 4 by 2"),
    (lambda lib: lib.cholesky_solve(lib.ones(3), lib.eye(3)), RuntimeError,
     "b should have at least 2 dimensions, but has 1 dimensions instead"),
    (lambda lib: lib.cholesky_solve(lib.ones(3, 2), lib.ones(3)), RuntimeError,
     "u should have at least 2 dimensions, but has 1 dimensions instead"),
    (lambda lib: lib.cholesky_solve(lib.ones(4, 2), lib.eye(3)), RuntimeError,
     "Incompatible matrix sizes for cholesky_solve: each A matrix is 3 by 3 but each b matrix "
     "is 4 by 2"),
    (lambda lib: lib.cholesky_inverse(lib.ones(3)), RuntimeError,
     "cholesky_inverse: The input tensor A must have at least 2 dimensions."),
    (lambda lib: lib.cholesky_inverse(lib.ones(3, 4)), RuntimeError,
     "cholesky_inverse: A must be batches of square matrices, but they are 3 by 4 matrices"),
    (lambda lib: lib.geqrf(lib.ones(3)), RuntimeError,
     "torch.geqrf: input must have at least 2 dimensions."),
    (lambda lib: lib.geqrf(lib.ones(3, 3, dtype=lib.int64)), NotImplementedError,
     "\"geqrf_cpu\" not implemented for 'Long'"),
    (lambda lib: lib.ormqr(lib.ones(4), lib.ones(4), lib.ones(4, 2)), RuntimeError,
     "torch.ormqr: input must have at least 2 dimensions."),
    (lambda lib: lib.ormqr(lib.ones(4, 3), lib.ones(3), lib.ones(4)), RuntimeError,
     "torch.ormqr: other must have at least 2 dimensions."),
    (lambda lib: lib.ormqr(lib.ones(4, 3), lib.ones(3), lib.ones(5, 2)), RuntimeError,
     "torch.ormqr: other.shape[-2] must be equal to input.shape[-2]"),
    (lambda lib: lib.ormqr(lib.ones(4, 3), lib.ones(3), lib.ones(2, 5), left=False),
     RuntimeError, "torch.ormqr: other.shape[-1] must be equal to input.shape[-2]"),
    (lambda lib: lib.ormqr(lib.ones(4, 3), lib.ones(2), lib.ones(4, 2)), RuntimeError,
     "torch.ormqr: tau.shape[-1] must be equal to min(other.shape[-2], input.shape[-1])"),
    (lambda lib: lib.ormqr(lib.ones(2, 4, 3), lib.ones(3, 3), lib.ones(2, 4, 2)), RuntimeError,
     "torch.ormqr: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
     "[3]"),
    (lambda lib: lib.ormqr(lib.ones(2, 4, 3), lib.ones(2, 3), lib.ones(3, 4, 2)), RuntimeError,
     "torch.ormqr: Expected batch dimensions of other to be equal to input.shape[:-2], but got "
     "[3]"),
    (lambda lib: lib.svd(lib.ones(3)), RuntimeError,
     "linalg.svd: input should have at least 2 dimensions, but has 1 dimensions instead"),
    (lambda lib: lib.qr(lib.ones(3)), RuntimeError,
     "linalg.qr: The input tensor A must have at least 2 dimensions."),
    (lambda lib: lib.pinverse(lib.ones(3)), RuntimeError,
     "linalg.pinv(Float{[3]}): expected a tensor with 2 or more dimensions of float, double, "
     "cfloat or cdouble types"),
    (lambda lib: lib.matrix_exp(lib.ones(3, 2)), RuntimeError,
     "linalg.matrix_exp: A must be batches of square matrices, but they are 3 by 2 matrices"),
    (lambda lib: lib.frobenius_norm(lib.ones(2, 3, 4), (0, 1, 2)), RuntimeError,
     "Expected at most 2 dimensions, but got 3 dimensions instead."),
    (lambda lib: lib.nuclear_norm(lib.ones(3, 3), (0,)), RuntimeError,
     "linalg.matrix_norm: dim must be a 2-tuple. Got 0"),
    (lambda lib: lib.nuclear_norm(lib.ones(3)), RuntimeError,
     "linalg.matrix_norm: The input tensor A must have at least 2 dimensions."),
]


@pytest.mark.parametrize("case", range(len(LEGACY_ERRORS)))
def test_legacy_errors(case):
    fn, exception, message = LEGACY_ERRORS[case]
    helper_test_exception(fn, exception, match=re.escape(message))


@pytest.mark.parametrize("name,args", [("eig", ()), ("symeig", ()), ("lstsq", (1,)),
                                       ("solve", (1,))])
def test_methods_torch_removed_raise_as_torch(name, args):
    def call(lib):
        a = lib.eye(2)
        getattr(a, name)(*[a for _ in args])
    helper_test_exception(call, RuntimeError,
                          match="This function was deprecated since version 1.9 and is now "
                                "removed.")


@pytest.mark.parametrize("call,message", [
    (lambda lib, a: lib.lu(a), "torch.lu is deprecated in favor of torch.linalg.lu_factor"),
    (lambda lib, a: a.lu(), "torch.lu is deprecated in favor of torch.linalg.lu_factor"),
    (lambda lib, a: lib.lu_solve(a, *lib.linalg.lu_factor(a)),
     "torch.lu_solve is deprecated in favor of torch.linalg.lu_solve"),
    (lambda lib, a: lib.triangular_solve(a, a),
     "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangular"),
    (lambda lib, a: lib.qr(a), "torch.qr is deprecated in favor of torch.linalg.qr"),
    (lambda lib, a: lib.frobenius_norm(a, (0, 1)), "at::frobenius_norm is deprecated"),
    (lambda lib, a: lib.nuclear_norm(a), "at::nuclear_norm is deprecated"),
])
def test_deprecation_warnings_as_torch(call, message):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call(cynn, cynn.eye(3) * 2)
    assert any(message in str(w.message) and w.category is UserWarning for w in caught)
    # torch warns once per process, so its text is checked only when it still fires
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call(torch, torch.eye(3) * 2)
    assert all(message in str(w.message) for w in caught if "deprecated" in str(w.message))


@pytest.mark.parametrize("name,fn,shapes", [
    ("cholesky_solve", lambda lib: lambda b, l: lib.cholesky_solve(b, l), [(0, 3, 2), (3, 3)]),
    ("cholesky_inverse", lambda lib: lambda l: lib.cholesky_inverse(l), [(0, 3, 3)]),
    ("ormqr", lambda lib: lambda a, t, c: lib.ormqr(a, t, c), [(0, 4, 3), (0, 3), (0, 4, 2)]),
    ("svd", lambda lib: lambda a: tuple(lib.svd(a)), [(0, 4, 3)]),
    ("pinverse", lambda lib: lambda a: lib.pinverse(a), [(0, 4, 3)]),
    ("nuclear_norm", lambda lib: lambda a: lib.nuclear_norm(a), [(0, 4, 3)]),
    ("lu_solve", lambda lib: lambda b, a: lib.lu_solve(b, *lib.linalg.lu_factor(a)),
     [(0, 3, 2), (0, 3, 3)]),
])
def test_empty_batches(name, fn, shapes):
    # torch's ormqr hands back no gradient at all for empty reflectors (cynn: empty ones)
    helper_test_op(shapes, fn(torch), fn(cynn), grad=name != "ormqr")
