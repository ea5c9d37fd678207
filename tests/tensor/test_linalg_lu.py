"""cynn.linalg's LU, LDL^T and Householder functions against torch: values, int32
pivots and info, batching and empty batches, gradients (parity and float64 finite
differences), second derivatives, and torch's errors."""
import re

import numpy as np
import pytest

import cynn
from helpers import check_gradcheck, helper_test_exception, helper_test_op, torch_module

torch = torch_module()

RNG = np.random.default_rng(15)


def _symmetric(shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    return (a + np.swapaxes(a, -1, -2)).astype(np.float32)


def _reflectors(shape, seed=0):
    """geqrf's packed reflectors and scales of a random matrix (torch computes them
    here only as input data for the functions under test)."""
    a, tau = torch.geqrf(torch.tensor(np.random.default_rng(seed).standard_normal(shape)))
    return a.numpy(), tau.numpy()


LU_SHAPES = [(4, 4), (2, 3, 3), (5, 3), (3, 5), (2, 1, 4, 2), (0, 3, 3), (2, 0, 0)]


@pytest.mark.parametrize("shape", LU_SHAPES)
def test_lu_factor_ex_values_pivots_info_and_gradient(shape):
    helper_test_op([shape], lambda a: torch.linalg.lu_factor_ex(a),
                   lambda a: cynn.linalg.lu_factor_ex(a))
    helper_test_op([shape], lambda a: tuple(torch.linalg.lu_factor(a)),
                   lambda a: tuple(cynn.linalg.lu_factor(a)), dtype="float64")


@pytest.mark.parametrize("shape", LU_SHAPES)
def test_lu_unpacked_values_and_gradient(shape):
    helper_test_op([shape], lambda a: tuple(torch.linalg.lu(a)),
                   lambda a: tuple(cynn.linalg.lu(a)))


def test_lu_result_fields_and_pivot_convention():
    A = cynn.tensor([[1.0, 2.0], [3.0, 4.0]])
    factored = cynn.linalg.lu_factor_ex(A)
    assert factored.pivots.dtype == cynn.int32 and factored.info.dtype == cynn.int32
    result = cynn.linalg.lu(A)
    P, L, U = result
    assert result.P is P and result.L is L and result.U is U
    np.testing.assert_allclose((P @ L @ U).numpy(), A.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(P.numpy(), [[0.0, 1.0], [1.0, 0.0]])


def test_lu_factor_ex_reports_singular_matrices():
    singular = np.array([[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]]], np.float32)
    helper_test_op([], lambda a: tuple(torch.linalg.lu_factor_ex(a)),
                   lambda a: tuple(cynn.linalg.lu_factor_ex(a)), inputs=[singular], grad=False)


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (5, 3), (3, 5)])
def test_lu_factor_gradcheck(shape):
    check_gradcheck(lambda a: cynn.linalg.lu_factor(a).LU, [shape])
    check_gradcheck(lambda a: cynn.linalg.lu(a).L.sum(-1) + cynn.linalg.lu(a).U.sum(-2)[..., :1],
                    [shape])


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
@pytest.mark.parametrize("shapes", [[(3, 3), (3, 2)], [(2, 4, 4), (2, 4, 3)],
                                    [(2, 1, 3, 3), (4, 3, 2)], [(0, 3, 3), (0, 3, 1)]])
def test_lu_solve_values_and_gradients(left, adjoint, shapes):
    a_shape, b_shape = shapes
    if not left:
        b_shape = b_shape[:-2] + (b_shape[-1], b_shape[-2])

    def run(lib):
        def f(a, b):
            LU, pivots = lib.linalg.lu_factor(a)
            return lib.linalg.lu_solve(LU, pivots, b, left=left, adjoint=adjoint)
        return f
    helper_test_op([a_shape, b_shape], run(torch), run(cynn))


def test_lu_solve_gradient_with_respect_to_the_packed_factor():
    """The gradient reaching LU itself (not through lu_factor): only the entries that
    hold L (strictly lower) and U (upper) receive one."""
    A = RNG.standard_normal((2, 4, 4)).astype(np.float32)
    pivots = torch.linalg.lu_factor(torch.tensor(A)).pivots

    def run(lib):
        piv = lib.tensor(pivots.numpy())
        return lambda lu, b: lib.linalg.lu_solve(lu, piv, b, adjoint=True)
    lu = torch.linalg.lu_factor(torch.tensor(A)).LU.numpy()
    helper_test_op([], run(torch), run(cynn), inputs=[lu, RNG.standard_normal((2, 4, 3))
                                                     .astype(np.float32)])
    piv = cynn.tensor(pivots.numpy())
    check_gradcheck(lambda lu, b: cynn.linalg.lu_solve(lu, piv, b),
                    [], inputs=[lu, RNG.standard_normal((2, 4, 3))])


def test_lu_solve_gradcheck():
    check_gradcheck(lambda a, b: cynn.linalg.lu_solve(*cynn.linalg.lu_factor(a), b, left=False),
                    [(3, 3), (2, 3)])
    check_gradcheck(lambda a, b: cynn.linalg.lu_solve(*cynn.linalg.lu_factor(a), b, adjoint=True),
                    [(2, 3, 3), (2, 3, 2)])


def test_lu_second_derivatives_match_torch():
    a = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
    b = RNG.standard_normal((3, 2))

    def second(lib):
        A, B = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        X = lib.linalg.lu_solve(*lib.linalg.lu_factor(A), B)
        gA, gB = lib.autograd.grad((X ** 2).sum(), [A, B], create_graph=True)
        return [t.numpy() for t in lib.autograd.grad((gA.sin()).sum() + gB.sum(), [A, B])]
    for got, want in zip(second(cynn), second(torch)):
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)
    x = cynn.tensor(a, requires_grad=True)
    assert cynn.autograd.gradgradcheck(lambda t: cynn.linalg.lu_factor(t).LU, [x])


def _lu_error_cases():
    def bad_pivots(lib):
        return lib.linalg.lu_solve(lib.eye(3), lib.ones(3, dtype=lib.int64), lib.ones(3, 2))
    return [
        (lambda lib: lib.linalg.lu_factor(lib.ones(3)), RuntimeError,
         "Expected tensor with 2 or more dimensions. Got size: [3] instead"),
        (lambda lib: lib.linalg.lu_factor(lib.ones(3, 3, dtype=lib.int64)), NotImplementedError,
         "\"lu_cpu\" not implemented for 'Long'"),
        (lambda lib: lib.linalg.lu_factor(lib.eye(3), pivot=False), RuntimeError,
         "LU without pivoting is not implemented on the CPU"),
        (lambda lib: lib.linalg.lu(lib.eye(3), pivot=False), RuntimeError,
         "LU without pivoting is not implemented on the CPU"),
        (lambda lib: lib.linalg.lu_factor(lib.zeros(2, 3, 3)), RuntimeError,
         "torch.linalg.lu_factor: (Batch element 0): U[1,1] is zero and using it on lu_solve"),
        (lambda lib: lib.linalg.lu_factor(lib.tensor([[1.0, 2.0], [2.0, 4.0]])), RuntimeError,
         "torch.linalg.lu_factor: U[2,2] is zero"),
        (lambda lib: lib.linalg.lu_factor_ex(lib.zeros(3, 3), check_errors=True), RuntimeError,
         "torch.linalg.lu_factor_ex: U[1,1] is zero"),
        (lambda lib: lib.linalg.lu_solve(lib.ones(3), lib.ones(3, dtype=lib.int32),
                                         lib.ones(3, 2)), RuntimeError,
         "torch.linalg.lu_solve: The input tensor A must have at least 2 dimensions."),
        (lambda lib: lib.linalg.lu_solve(lib.ones(3, 4), lib.ones(3, dtype=lib.int32),
                                         lib.ones(3, 2)), RuntimeError,
         "A must be batches of square matrices, but they are 3 by 4 matrices"),
        (lambda lib: lib.linalg.lu_solve(lib.eye(3), lib.ones(3, dtype=lib.int32),
                                         lib.ones(3)), RuntimeError,
         "linalg.lu_solve: The input tensor B must have at least 2 dimensions."),
        (lambda lib: lib.linalg.lu_solve(lib.eye(3), lib.ones(3, dtype=lib.int32),
                                         lib.ones(4, 2)), RuntimeError,
         "Incompatible shapes of A and B for the equation AX = B (3x3 and 4x2)"),
        (lambda lib: lib.linalg.lu_solve(lib.eye(3), lib.ones(3, dtype=lib.int32),
                                         lib.ones(4, 2), left=False), RuntimeError,
         "Incompatible shapes of A and B for the equation XA = B (3x3 and 4x2)"),
        (bad_pivots, RuntimeError, "pivots should be a Tensor of scalar type torch.int32"),
        (lambda lib: lib.linalg.lu_solve(lib.eye(3), lib.ones(2, dtype=lib.int32),
                                         lib.ones(3, 2)), RuntimeError,
         "Number of pivots per batch should be same as the dimension of the matrix"),
        (lambda lib: lib.linalg.lu_solve(lib.ones(2, 3, 3), lib.ones(3, dtype=lib.int32),
                                         lib.ones(3, 2)), RuntimeError,
         "Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots with shape "
         "[3] instead"),
    ]


@pytest.mark.parametrize("case", range(len(_lu_error_cases())))
def test_lu_errors(case):
    fn, exception, message = _lu_error_cases()[case]
    helper_test_exception(fn, exception, match=re.escape(message))


@pytest.mark.parametrize("shape", [(4, 4), (3, 6, 6), (0, 2, 2), (1, 1)])
def test_ldl_factor_values_and_pivots(shape):
    A = _symmetric(shape, seed=len(shape))
    helper_test_op([], lambda a: tuple(torch.linalg.ldl_factor_ex(a)),
                   lambda a: tuple(cynn.linalg.ldl_factor_ex(a)), inputs=[A], grad=False)
    helper_test_op([], lambda a: tuple(torch.linalg.ldl_factor(a, hermitian=True)),
                   lambda a: tuple(cynn.linalg.ldl_factor(a, hermitian=True)), inputs=[A],
                   grad=False)


def test_ldl_factor_uses_two_by_two_blocks_where_needed():
    """A zero diagonal forces Bunch-Kaufman into a 2x2 block (negative pivots)."""
    A = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]])
    got = cynn.linalg.ldl_factor(cynn.tensor(A))
    want = torch.linalg.ldl_factor(torch.tensor(A))
    np.testing.assert_array_equal(got.pivots.numpy(), want.pivots.numpy())
    assert (got.pivots.numpy() < 0).any()
    np.testing.assert_allclose(got.LD.numpy(), want.LD.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shapes", [[(4, 4), (4, 2)], [(2, 3, 3), (3, 2)], [(3, 3), (2, 3, 1)]])
def test_ldl_solve(shapes):
    A = _symmetric(shapes[0], seed=3)
    B = RNG.standard_normal(shapes[1]).astype(np.float32)

    def run(lib):
        return lambda a, b: lib.linalg.ldl_solve(*lib.linalg.ldl_factor(a), b)
    helper_test_op([], run(torch), run(cynn), inputs=[A, B], grad=False, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("fn,name", [
    (lambda lib, a, b: lib.linalg.ldl_factor(a)[0], "linalg_ldl_factor_ex"),
    (lambda lib, a, b: lib.linalg.ldl_solve(*lib.linalg.ldl_factor(a.detach()), b),
     "linalg_ldl_solve"),
])
def test_ldl_has_no_derivative_as_in_torch(fn, name):
    A, B = _symmetric((3, 3), seed=4), RNG.standard_normal((3, 2)).astype(np.float32)

    def backward(lib):
        out = fn(lib, lib.tensor(A, requires_grad=True), lib.tensor(B, requires_grad=True))
        assert out.requires_grad
        assert out.grad_fn.name() == "torch::autograd::NotImplemented"
        out.sum().backward()
    helper_test_exception(backward, RuntimeError,
                          match=f"derivative for aten::{name} is not implemented")


@pytest.mark.parametrize("fn,exception,message", [
    (lambda lib: lib.linalg.ldl_factor(lib.ones(3)), RuntimeError,
     "torch.linalg.ldl_factor_ex: The input tensor A must have at least 2 dimensions."),
    (lambda lib: lib.linalg.ldl_factor(lib.ones(3, 4)), RuntimeError,
     "torch.linalg.ldl_factor_ex: A must be batches of square matrices, but they are 3 by 4 "
     "matrices"),
    (lambda lib: lib.linalg.ldl_factor(lib.ones(3, 3, dtype=lib.int64)), RuntimeError,
     "Expected a floating point or complex tensor as input. Got Long"),
    (lambda lib: lib.linalg.ldl_factor(lib.zeros(3, 3)), RuntimeError,
     "torch.linalg.ldl_factor: Unknown error code: 1."),
    (lambda lib: lib.linalg.ldl_solve(lib.eye(3), lib.ones(2, dtype=lib.int32), lib.ones(3, 2)),
     RuntimeError, "Expected LD.shape[:-1] and pivots.shape to be the same, but got pivots "
     "with shape [2] instead"),
    (lambda lib: lib.linalg.ldl_solve(lib.eye(3), lib.ones(3, dtype=lib.int32), lib.ones(4, 2)),
     RuntimeError, "Incompatible matrix sizes for torch.linalg.ldl_solve: each A matrix is 3 by "
     "3 but each b matrix is 4 by 2"),
])
def test_ldl_errors(fn, exception, message):
    helper_test_exception(fn, exception, match=re.escape(message))


def test_ldl_factor_ex_reports_a_zero_pivot():
    helper_test_op([], lambda a: tuple(torch.linalg.ldl_factor_ex(a)),
                   lambda a: tuple(cynn.linalg.ldl_factor_ex(a)),
                   inputs=[np.zeros((2, 3, 3), np.float32)], grad=False)


@pytest.mark.parametrize("shape,k", [((5, 3), 3), ((5, 3), 2), ((2, 4, 4), 4), ((3, 0), 0),
                                     ((0, 4, 2), 2)])
def test_householder_product(shape, k):
    a, tau = _reflectors(shape)
    tau = tau[..., :k]
    # empty inputs: values only -- torch hands back no gradient at all where cynn's
    # composite gives an empty one (or, with no reflectors, a constant result)
    helper_test_op([], lambda x, t: torch.linalg.householder_product(x, t),
                   lambda x, t: cynn.linalg.householder_product(x, t),
                   inputs=[a.astype(np.float32), tau.astype(np.float32)], grad=0 not in shape)
    if 0 not in shape:
        check_gradcheck(lambda x, t: cynn.linalg.householder_product(x, t), [],
                        inputs=[a, tau])


@pytest.mark.parametrize("fn,message", [
    (lambda lib: lib.linalg.householder_product(lib.ones(3), lib.ones(1)),
     "input must have at least 2 dimensions."),
    (lambda lib: lib.linalg.householder_product(lib.ones(3, 4), lib.ones(1)),
     "input.shape[-2] must be greater than or equal to input.shape[-1]"),
    (lambda lib: lib.linalg.householder_product(lib.ones(4, 3), lib.ones(4)),
     "input.shape[-1] must be greater than or equal to tau.shape[-1]"),
    (lambda lib: lib.linalg.householder_product(lib.ones(2, 4, 3), lib.ones(3, 2)),
     "Expected batch dimensions of tau to be equal to input.shape[:-2], but got [3]"),
    (lambda lib: lib.linalg.householder_product(lib.ones(4, 3), lib.ones(2, dtype=lib.float64)),
     "tau dtype Double does not match input dtype Float"),
])
def test_householder_product_errors(fn, message):
    helper_test_exception(fn, RuntimeError, match=re.escape(message))
