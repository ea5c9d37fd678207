"""Edge cases where cynn used to part from PyTorch (issue 20): 0-d inputs to relu and
nonzero, numpy's ``axis`` / ``keepdims`` keywords, gradients of ``**`` and ``/`` at IEEE
special points, and repeated dims in dims lists. Every expectation comes from torch."""
import itertools

import numpy as np
import pytest

import cynn
from helpers import (assert_same_tensor, check_gradcheck, helper_test_exception,
                     helper_test_op, to_numpy, torch_module)

torch = torch_module()


# ---------------------------------------------------------------- 0-d relu / nonzero
@pytest.mark.parametrize("value", [0.7, -0.7])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("form", ["method", "function", "functional"])
def test_relu_of_0d_tensor_keeps_its_shape(value, dtype, form):
    call = {"method": lambda lib: lambda x: x.relu(),
            "function": lambda lib: lambda x: lib.relu(x),
            "functional": lambda lib: lambda x: lib.nn.functional.relu(x)}[form]
    out = helper_test_op(None, call(torch), call(cynn), inputs=[np.array(value, dtype)],
                         dtype=dtype)
    assert out[0].shape == ()


def test_inplace_relu_of_0d_tensor():
    x, t = cynn.tensor(-1.5), torch.tensor(-1.5)
    assert_same_tensor(x.relu_(), t.relu_())
    assert x.shape == ()


def test_relu_gradcheck_0d_and_nd():
    check_gradcheck(lambda x: x.relu(), [()], inputs=[np.array(0.3)])
    check_gradcheck(lambda x: x.relu(), [(3, 4)])


@pytest.mark.parametrize("value", [2.0, 0.0, -1.0])
@pytest.mark.parametrize("as_tuple", [False, True])
def test_nonzero_of_0d_tensor(value, as_tuple):
    got = cynn.nonzero(cynn.tensor(value), as_tuple=as_tuple)
    expected = torch.nonzero(torch.tensor(value), as_tuple=as_tuple)
    if as_tuple:
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same_tensor(g, e)
    else:
        assert_same_tensor(got, expected)
        assert_same_tensor(cynn.tensor(value).nonzero(), torch.tensor(value).nonzero())


# ---------------------------------------------------------------- numpy keyword names
DIM_AND_KEEPDIM = ["sum", "mean", "var", "std", "prod", "max", "min", "argmax", "argmin"]
DIM_ONLY = ["softmax", "log_softmax", "cumsum", "unsqueeze", "sort", "argsort"]


@pytest.mark.parametrize("name", DIM_AND_KEEPDIM)
@pytest.mark.parametrize("kwargs", [{"axis": 1}, {"axis": -1, "keepdims": True},
                                    {"dim": 0, "keepdims": True}])
def test_reductions_take_axis_and_keepdims(name, kwargs):
    grad = name not in ("argmax", "argmin")
    helper_test_op([(3, 4)], lambda x: getattr(x, name)(**kwargs), grad=grad)
    helper_test_op([(3, 4)], lambda x: getattr(torch, name)(x, **kwargs),
                   lambda x: getattr(cynn, name)(x, **kwargs), grad=grad)


@pytest.mark.parametrize("name", ["all", "any"])
def test_all_any_take_axis_and_keepdims(name):
    helper_test_op(None, lambda x: getattr(x, name)(axis=0, keepdims=True),
                   inputs=[np.array([[True, False], [True, True]])], grad=False)


@pytest.mark.parametrize("name", DIM_ONLY)
def test_dim_functions_take_axis(name):
    helper_test_op([(3, 4)], lambda x: getattr(x, name)(axis=1),
                   grad=name not in ("argsort",))


@pytest.mark.parametrize("call", [
    lambda x: x.squeeze(axis=0), lambda x: x.unbind(axis=1), lambda x: x.chunk(2, axis=1),
    lambda x: x.select(axis=1, index=2), lambda x: x.narrow(axis=1, start=1, length=2),
    lambda x: x.topk(2, axis=1)])
def test_shape_methods_take_axis(call):
    helper_test_op([(1, 4)], call)


def test_inplace_squeeze_unsqueeze_take_axis():
    for lib in (torch, cynn):
        x = lib.zeros(2, 3)
        x.unsqueeze_(axis=0)
        assert tuple(x.shape) == (1, 2, 3)
        x.squeeze_(axis=0)
        assert tuple(x.shape) == (2, 3)


@pytest.mark.parametrize("call", [lambda lib: lib.ones(2, 3).sum(dim=1, axis=1),
                                  lambda lib: lib.ones(2, 3).mean(1, keepdim=True,
                                                                  keepdims=True)])
def test_both_spellings_of_one_argument_is_a_type_error(call):
    helper_test_exception(call, TypeError, match="unexpected keyword argument")


# ---------------------------------------------------------------- IEEE special points
SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, 1.5, np.inf, -np.inf, np.nan,
           1e-30, -7.25]
OPS = {"pow": lambda a, b: a ** b, "div": lambda a, b: a / b}


def _run(lib, op, a, b, dtype, tensor_a, tensor_b):
    def leaf(v):
        return lib.tensor(v, dtype=getattr(lib, dtype), requires_grad=True)
    a_in = leaf(a) if tensor_a else a
    b_in = leaf(b) if tensor_b else b
    out = op(a_in, b_in)
    out.backward(lib.ones_like(out))  # not sum(): inf + -inf would warn
    grads = [t.grad for t, is_tensor in ((a_in, tensor_a), (b_in, tensor_b)) if is_tensor]
    return [out, *grads]


def _assert_same(got, expected, what):
    assert_same_tensor(got, expected, what=what)
    g, e = to_numpy(got), to_numpy(expected)
    np.testing.assert_array_equal(np.isnan(g), np.isnan(e), err_msg=what)
    np.testing.assert_array_equal(np.isposinf(g), np.isposinf(e), err_msg=what)
    np.testing.assert_array_equal(np.isneginf(g), np.isneginf(e), err_msg=what)


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tensor_tensor_values_and_gradients_at_special_points(op, dtype):
    a, b = (np.array(v, dtype) for v in zip(*itertools.product(SPECIAL, SPECIAL)))
    for name, c, t in zip(("value", "grad a", "grad b"),
                          _run(cynn, OPS[op], a, b, dtype, True, True),
                          _run(torch, OPS[op], a, b, dtype, True, True)):
        _assert_same(c, t, f"{op} {name}")


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("scalar", SPECIAL)
@pytest.mark.parametrize("scalar_side", ["left", "right"])
def test_tensor_scalar_values_and_gradients_at_special_points(op, dtype, scalar, scalar_side):
    tensor_values = np.array(SPECIAL, dtype)
    left = scalar_side == "left"
    a, b = (scalar, tensor_values) if left else (tensor_values, scalar)
    for name, c, t in zip(("value", "grad"),
                          _run(cynn, OPS[op], a, b, dtype, not left, left),
                          _run(torch, OPS[op], a, b, dtype, not left, left)):
        _assert_same(c, t, f"{op} {scalar_side} scalar {scalar}: {name}")


@pytest.mark.parametrize("exponent", [0.5, -0.5, 2, 3, -1, -2, 1.5])
def test_pow_of_one_element_tensors_matches_torch_at_signed_zero_and_inf(exponent):
    # numpy evaluates x ** 0.5 through sqrt also for a one-element exponent array
    for dtype in ("float32", "float64"):
        base = np.array([-0.0, -np.inf, 2.0], dtype)
        for values in (base[:1], base[1:2], base[2:]):
            helper_test_op(None, lambda x, y: x ** y,
                           inputs=[values, np.array(exponent, dtype)], dtype=dtype)


@pytest.mark.parametrize("fn", [lambda x, y: x ** y, lambda x: x ** 0.5, lambda x: x ** -0.5,
                                lambda x: x ** 3, lambda x: x ** -2, lambda x: 2.5 ** x,
                                lambda x, y: x / y, lambda x: 1.5 / x])
def test_pow_div_gradcheck(fn):
    n_inputs = fn.__code__.co_argcount
    check_gradcheck(fn, [(3, 4)] * n_inputs, low=0.5, high=2.0)


def test_rdiv_rounds_like_torch():
    # PyTorch evaluates s / x as s * (1 / x)
    helper_test_op([(1000,)], lambda x: 3.0 / x, low=0.1, high=5.0, rtol=0, atol=0,
                   grad_rtol=1e-6)


# ---------------------------------------------------------------- repeated dims
@pytest.mark.parametrize("call", [
    lambda x: x.flip(0, 0), lambda x: x.flip([1, -1]), lambda x: x.sum((0, 0)),
    lambda x: x.sum((1, -1)), lambda x: x.mean((1, -1)), lambda x: x.std((0, 0)),
    lambda x: x.var((1, -1)), lambda x: x.squeeze((0, 0)), lambda x: x.sum(axis=(1, -1))])
def test_repeated_dim_is_a_runtime_error(call):
    helper_test_exception(lambda lib: call(lib.ones(2, 3)), RuntimeError,
                          match="dim [01] appears multiple times in the list of dims")


def test_permute_repeated_dim():
    helper_test_exception(lambda lib: lib.ones(2, 3).permute(0, 0), RuntimeError,
                          match="duplicate dims are not allowed")


@pytest.mark.parametrize("call", [lambda x: x.flip(0, 1), lambda x: x.flip((1,)),
                                  lambda x: x.flip(dims=[0]), lambda x: x.flip([])])
def test_flip_forms(call):
    helper_test_op([(2, 3)], call)


def test_flip_without_dims():
    helper_test_exception(lambda lib: lib.ones(2).flip(), TypeError, match="dims")
