"""``cynn.autograd.gradcheck`` itself: it passes correct backwards and catches wrong ones."""
import numpy as np
import pytest

import cynn
from cynn.autograd import Function, GradcheckError, gradcheck


def _f64(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return cynn.tensor(rng.uniform(-1, 1, shape), dtype=cynn.float64, requires_grad=True)


class ScaledWrong(Function):
    """d(3x)/dx returned as 2: wrong by a constant factor."""

    @staticmethod
    def forward(ctx, x):
        return 3 * x

    @staticmethod
    def backward(ctx, g):
        return 2 * g


class WrongSign(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * np.cos(x)


class OneElementWrong(Function):
    """Correct except at a single element: the full numerical Jacobian must catch it."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        gx = 2 * g * x
        gx.reshape(-1)[-1] *= 1.01
        return gx


class WrongSecondInput(Function):
    """x * y with the gradient for y computed as if it were for x."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * y, g * y


class TransposedGradient(Function):
    """A matrix product whose backward uses W instead of W^T."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x @ w

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g @ w, x.T @ g


class WrongSecondOutput(Function):
    """Two outputs (x^2, x^3); the backward forgets the second one's gradient."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x, x * x * x

    @staticmethod
    def backward(ctx, g_square, g_cube):
        (x,) = ctx.saved_tensors
        return 2 * x * g_square


WRONG = {
    "constant_factor": (lambda x: ScaledWrong.apply(x), [(3, 2)]),
    "sign": (lambda x: WrongSign.apply(x), [(5,)]),
    "one_element": (lambda x: OneElementWrong.apply(x), [(4, 3)]),
    "second_input": (lambda x, y: WrongSecondInput.apply(x, y), [(3,), (3,)]),
    "transposed": (lambda x, w: TransposedGradient.apply(x, w), [(2, 3), (3, 3)]),
    "second_output": (lambda x: WrongSecondOutput.apply(x), [(4,)]),
    "scalar_output": (lambda x: ScaledWrong.apply(x).sum(), [(3,)]),
}


@pytest.mark.parametrize("fn, shapes", list(WRONG.values()), ids=list(WRONG))
def test_gradcheck_detects_a_wrong_backward(fn, shapes):
    inputs = [_f64(*s, seed=i) for i, s in enumerate(shapes)]
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(fn, inputs)
    assert gradcheck(fn, inputs, raise_exception=False) is False


def test_gradcheck_error_is_a_runtime_error_like_torch():
    assert issubclass(GradcheckError, RuntimeError)


@pytest.mark.parametrize("fn, shapes", [
    (lambda x: x.sin() * x, [(3, 4)]),
    (lambda x, w: (x @ w).tanh(), [(2, 3), (3, 4)]),
    (lambda x: (x.exp(), x.sum(0)), [(3, 2)]),
    (lambda x, y: x * y + y, [(3, 1), (4,)]),
], ids=["product", "matmul_tanh", "two_outputs", "broadcast"])
def test_gradcheck_passes_correct_backwards(fn, shapes):
    assert gradcheck(fn, [_f64(*s, seed=i) for i, s in enumerate(shapes)])


def test_gradcheck_ignores_inputs_that_do_not_require_grad():
    x = _f64(3)
    constant = cynn.tensor([1.0, 2.0, 3.0], dtype=cynn.float64)
    assert gradcheck(lambda a, c: a * c, [x, constant])
    assert gradcheck(lambda a, k: a * k, [x, 2.5])


def test_gradcheck_restores_the_inputs():
    x = _f64(2, 3)
    before = x.detach().numpy().copy()
    gradcheck(lambda a: a.exp(), [x])
    np.testing.assert_array_equal(x.detach().numpy(), before)


def test_gradcheck_warns_about_float32_and_needs_a_differentiable_input():
    with pytest.warns(UserWarning, match="float64"):
        gradcheck(lambda a: a * 2, [cynn.ones(2, requires_grad=True)], raise_exception=False)
    with pytest.raises(ValueError, match="require gradient"):
        gradcheck(lambda a: a * 2, [cynn.ones(2, dtype=cynn.float64)])


def test_gradcheck_accepts_a_single_tensor():
    assert gradcheck(lambda a: a ** 2, _f64(3))
