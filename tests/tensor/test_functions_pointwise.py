"""cynn._ops.pointwise against torch: values, gradients, grad_fn names, errors, float64
finite differences, in-place twins."""
import numpy as np
import pytest

import cynn
from helpers import check_gradcheck, helper_test_exception, helper_test_op, torch_module

torch = torch_module()

# name, input range (low, high) where the function and its derivative are defined
UNARY = [("log1p", -0.9, 3), ("expm1", -2, 2), ("log2", 0.1, 3), ("log10", 0.1, 3),
         ("exp2", -2, 2), ("tan", -1.2, 1.2), ("asin", -0.9, 0.9), ("acos", -0.9, 0.9),
         ("atan", -3, 3), ("sinh", -2, 2), ("cosh", -2, 2), ("asinh", -3, 3),
         ("acosh", 1.1, 4), ("atanh", -0.9, 0.9), ("erf", -3, 3), ("erfc", -3, 3),
         ("erfinv", -0.95, 0.95), ("lgamma", 0.1, 6), ("digamma", 0.1, 6), ("sinc", -3, 3),
         ("arcsin", -0.9, 0.9), ("arctanh", -0.9, 0.9), ("frac", -3, 3), ("trunc", -3, 3),
         ("fix", -3, 3), ("deg2rad", -3, 3), ("rad2deg", -3, 3)]


@pytest.mark.parametrize("name,low,high", UNARY)
def test_unary_matches_torch(name, low, high):
    helper_test_op([(3, 5)], getattr(torch, name), getattr(cynn, name), low=low, high=high,
                   check_grad_fn=name not in ("fix", "deg2rad", "rad2deg", "arcsin",
                                              "arctanh"))
    helper_test_op([(3, 5)], lambda x: getattr(x, name)(), low=low, high=high,
                   check_grad_fn=False)


@pytest.mark.parametrize("name,low,high", [u for u in UNARY if u[0] not in ("frac", "trunc",
                                                                               "fix")])
def test_unary_gradcheck(name, low, high):
    check_gradcheck(getattr(cynn, name), [(2, 3)], low=low, high=high)


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "lgamma", "digamma"])
def test_special_functions_float64_and_edges(name):
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 2.5, np.inf, -np.inf, np.nan, -3.0, 1e-8])
    got = getattr(cynn, name)(cynn.tensor(x)).numpy()
    want = getattr(torch, name)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300, equal_nan=True)


def test_special_kernel_same_bits_at_one_and_two_threads():
    x = cynn.tensor(np.random.default_rng(0).uniform(-0.99, 0.99, 50_000))
    before = cynn.get_num_threads()
    try:
        cynn.set_num_threads(1)
        one = [cynn.erfinv(x).numpy(), cynn.lgamma(x).numpy()]
        cynn.set_num_threads(2)
        two = [cynn.erfinv(x).numpy(), cynn.lgamma(x).numpy()]
    finally:
        cynn.set_num_threads(before)
    for a, b in zip(one, two):
        assert np.array_equal(a.view(np.uint64), b.view(np.uint64))


def test_integer_inputs_promote_like_torch():
    for name in ("log1p", "erf", "sinh", "exp2"):
        got = getattr(cynn, name)(cynn.tensor([1, 2, 3]))
        want = getattr(torch, name)(torch.tensor([1, 2, 3]))
        assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


BINARY = ["atan2", "hypot", "fmod", "xlogy", "logaddexp", "logaddexp2", "copysign", "fmax",
          "fmin", "arctan2"]


@pytest.mark.parametrize("name", BINARY)
def test_binary_matches_torch_with_broadcasting(name):
    helper_test_op([(3, 4), (4,)], getattr(torch, name), getattr(cynn, name), low=0.2,
                   high=3, check_grad_fn=name != "arctan2")
    helper_test_op([(3, 1), (1, 4)], lambda a, b: getattr(a, name)(b), low=0.2, high=3,
                   check_grad_fn=False)


@pytest.mark.parametrize("name", [b for b in BINARY if b not in ("fmax", "fmin")])
def test_binary_gradcheck(name):
    check_gradcheck(getattr(cynn, name), [(2, 3), (3,)], low=0.3, high=2)


def test_xlogy_and_fmax_special_points():
    x = np.array([0.0, 0.0, 1.0, np.nan, 2.0])
    y = np.array([0.0, np.nan, 0.0, 1.0, np.nan])
    helper_test_op([], torch.xlogy, cynn.xlogy, inputs=[x, y], dtype="float64")
    helper_test_op([], torch.fmax, cynn.fmax, inputs=[x, y], dtype="float64")
    helper_test_op([], torch.fmin, cynn.fmin, inputs=[np.array([1.0, 2.0, 3.0]),
                                                      np.array([1.0, 1.0, 4.0])],
                   dtype="float64")


def test_integer_fmod_and_fmax_keep_the_dtype():
    a, b = np.array([5, -7, 9]), np.array([3, 2, -4])
    for name in ("fmod", "fmax", "fmin"):
        got = getattr(cynn, name)(cynn.tensor(a), cynn.tensor(b))
        want = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
        assert got.dtype == cynn.int64
        np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("eps", [None, 1e-3, 0.2])
def test_logit(eps):
    helper_test_op([(4, 5)], lambda x: torch.logit(x, eps), lambda x: cynn.logit(x, eps),
                   low=0.01, high=0.99)
    helper_test_op([], lambda x: torch.logit(x, eps), lambda x: cynn.logit(x, eps),
                   inputs=[np.array([0.1, 0.15, 0.5, 0.9, 0.95])], dtype="float64")


@pytest.mark.parametrize("args", [{}, {"nan": 1.5}, {"posinf": 7.0, "neginf": -9.0}])
def test_nan_to_num(args):
    x = np.array([1.0, np.nan, np.inf, -np.inf, -2.0], np.float32)
    helper_test_op([], lambda t: torch.nan_to_num(t, **args),
                   lambda t: cynn.nan_to_num(t, **args), inputs=[x])


def test_addcmul_addcdiv_lerp():
    helper_test_op([(3, 4), (3, 4), (4,)], lambda a, b, c: torch.addcmul(a, b, c, value=0.5),
                   lambda a, b, c: cynn.addcmul(a, b, c, value=0.5), check_grad_fn=False)
    helper_test_op([(3, 4), (3, 4), (4,)], lambda a, b, c: a.addcdiv(b, c, value=-2),
                   low=0.5, high=2, check_grad_fn=False)
    helper_test_op([(3, 4), (3, 4)], lambda a, b: torch.lerp(a, b, 0.3),
                   lambda a, b: cynn.lerp(a, b, 0.3), check_grad_fn=False)
    helper_test_op([(3, 4), (3, 4), (3, 4)], lambda a, b, w: a.lerp(b, w), check_grad_fn=False)
    helper_test_exception(lambda lib: lib.addcdiv(lib.ones(2), lib.ones(2, dtype=lib.int64),
                                                  lib.ones(2, dtype=lib.int64)),
                          RuntimeError, match="Integer division with addcdiv")


def test_misc_functions_match_torch():
    x = np.array([-2.0, -0.0, 0.0, 1.5, np.inf, -np.inf, np.nan])
    for name in ("isneginf", "isposinf", "signbit", "isreal", "sgn"):
        np.testing.assert_array_equal(getattr(cynn, name)(cynn.tensor(x)).numpy(),
                                      getattr(torch, name)(torch.tensor(x)).numpy())
    a, b = np.array([1.0, 1.0001, np.nan, 3.0]), np.array([1.0, 1.0, np.nan, 3.1])
    for kw in ({}, {"equal_nan": True}, {"rtol": 1e-3}, {"atol": 0.2}):
        np.testing.assert_array_equal(cynn.isclose(cynn.tensor(a), cynn.tensor(b), **kw).numpy(),
                                      torch.isclose(torch.tensor(a), torch.tensor(b), **kw).numpy())
    p, q = np.array([0.0, 1.0, 2.0]), np.array([1.0, 0.0, 3.0])
    for name in ("logical_and", "logical_or", "logical_xor"):
        np.testing.assert_array_equal(getattr(cynn, name)(cynn.tensor(p), cynn.tensor(q)).numpy(),
                                      getattr(torch, name)(torch.tensor(p), torch.tensor(q)).numpy())
    np.testing.assert_array_equal(
        cynn.heaviside(cynn.tensor(x[:4]), cynn.tensor([0.5], dtype=cynn.float64)).numpy(),
        torch.heaviside(torch.tensor(x[:4]), torch.tensor([0.5], dtype=torch.float64)).numpy())
    helper_test_exception(lambda lib: lib.heaviside(lib.ones(2), lib.ones(2, dtype=lib.float64)),
                          RuntimeError, match="not yet implemented for tensors with different")
    helper_test_op([(3,)], lambda t: torch.float_power(t, 2), lambda t: cynn.float_power(t, 2),
                   check_grad_fn=False)
    helper_test_op([(3,), (3,)], lambda t, e: torch.ldexp(t, e.round()),
                   lambda t, e: cynn.ldexp(t, e.round()), check_grad_fn=False)
    helper_test_op([(3,)], lambda t: torch.rsub(t, 2.0, alpha=3),
                   lambda t: cynn.rsub(t, 2.0, alpha=3), check_grad_fn=False)
    helper_test_op([(3,)], lambda t: torch.clamp_min(t, 0.2),
                   lambda t: cynn.clamp_min(t, 0.2), check_grad_fn=False)
    helper_test_exception(lambda lib: lib.positive(lib.ones(2, dtype=lib.bool)), RuntimeError,
                          match="bool tensor is not supported")
    helper_test_exception(lambda lib: lib.isclose(lib.ones(2), lib.ones(2), rtol=-1),
                          RuntimeError, match="rtol must be greater than or equal to zero")


@pytest.mark.parametrize("name,args", [("log1p_", ()), ("erf_", ()), ("atan2_", (0.5,)),
                                       ("hypot_", (2.0,)), ("addcmul_", ("t", "t")),
                                       ("lerp_", ("t", 0.25)), ("nan_to_num_", ()),
                                       ("clamp_min_", (0.3,))])
def test_inplace_twins_write_into_self_and_record_the_graph(name, args):
    data = np.linspace(0.1, 0.9, 6).reshape(2, 3).astype(np.float32)

    def run(lib):
        leaf = lib.tensor(data, requires_grad=True)
        x = leaf * 1.0
        other = [lib.tensor(data[::-1].copy()) if a == "t" else
                 (lib.tensor(a) if name in ("atan2_", "hypot_") else a) for a in args]
        out = getattr(x, name)(*other)
        assert out is x
        x.sum().backward()
        return x.detach().numpy(), leaf.grad.numpy()

    for got, want in zip(run(cynn), run(torch)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_non_tensor_input_raises_type_error():
    helper_test_exception(lambda lib: lib.log1p([1.0]), TypeError,
                          match=r"log1p\(\): argument 'input' \(position 1\) must be Tensor")


def test_empty_tensors():
    for name in ("erf", "lgamma", "log1p", "atan"):
        out = getattr(cynn, name)(cynn.zeros(0, 3, requires_grad=True))
        assert tuple(out.shape) == (0, 3)
        out.sum().backward()
