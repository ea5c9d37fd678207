"""``contiguous()`` gives a C-contiguous tensor; ``std`` / ``var`` of large float32
values stay finite where PyTorch's do; numpy conversion of a tensor that requires
grad is refused as in PyTorch."""
import re

import numpy as np
import pytest

import cynn
from helpers import (check_gradcheck, helper_test_exception, helper_test_op, to_numpy,
                     torch_module)

# -- contiguous --------------------------------------------------------------------------
LAYOUTS = {
    "permute": ((2, 3, 4), lambda x: x.permute(2, 0, 1)),
    "transpose": ((3, 5), lambda x: x.t()),
    "step slice": ((4, 6), lambda x: x[:, ::2]),
    "expand": ((3, 1), lambda x: x.expand(3, 4)),
    "permute of slice": ((4, 3, 2), lambda x: x[1:].permute(1, 2, 0)),
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_contiguous_then_view_matches_torch(name):
    shape, layout = LAYOUTS[name]
    out = helper_test_op([shape], lambda x: layout(x).contiguous().view(-1))
    assert out[0].is_contiguous()


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_contiguous_has_torch_strides_and_grad_fn(name):
    torch = torch_module()
    shape, layout = LAYOUTS[name]
    data = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    c = layout(cynn.tensor(data, requires_grad=True)).contiguous()
    t = layout(torch.tensor(data, requires_grad=True)).contiguous()
    assert c.is_contiguous() and t.is_contiguous()
    assert c.stride() == t.stride()
    assert c.grad_fn.name() == t.grad_fn.name() == "CloneBackward0"


def test_contiguous_of_a_contiguous_tensor_is_itself_and_clone_keeps_the_layout():
    torch = torch_module()
    for lib in (torch, cynn):
        x = lib.ones(2, 3)
        assert x.contiguous() is x
        # clone preserves strides (PyTorch's preserve_format); only contiguous() reorders
        assert not x.t().clone().is_contiguous()
        assert x.t().clone().stride() == (1, 3)


def test_view_of_permuted_tensor_still_raises_like_torch():
    helper_test_exception(lambda lib: lib.ones(2, 3, 4).permute(2, 0, 1).view(-1),
                          RuntimeError, match="view size is not compatible")


def test_contiguous_gradcheck():
    check_gradcheck(lambda x: x.permute(1, 2, 0).contiguous().view(4, 6), [(2, 3, 4)])


# -- std / var -----------------------------------------------------------------------------
HUGE = np.array([[1e19, -1e19, 5e18, 0.0], [3e19, -2e19, 1e18, 2.5e19],
                 [1e30, -1e30, 7e29, 3e29]], dtype=np.float32)


@pytest.mark.parametrize("op", ["std", "var"])
@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": 0, "keepdim": True},
                                    {"dim": 1, "correction": 0}, {"unbiased": False}])
def test_std_var_of_huge_float32_values_match_torch(op, kwargs):
    torch = torch_module()
    got = getattr(cynn.tensor(HUGE), op)(**kwargs)
    expected = getattr(torch.tensor(HUGE), op)(**kwargs)
    assert got.dtype == cynn.float32
    np.testing.assert_array_equal(np.isinf(to_numpy(got)), np.isinf(to_numpy(expected)))
    np.testing.assert_allclose(to_numpy(got), to_numpy(expected), rtol=1e-5)
    if op == "std":
        assert np.isfinite(to_numpy(got)).all()


def test_std_of_values_near_1e19_is_finite_with_gradients_like_torch():
    data = np.array([[1e19, -1e19, 5e18], [2e19, 1e19, -3e19]], dtype=np.float32)
    helper_test_op([], lambda x: x.std(dim=1), inputs=[data], rtol=1e-5, grad_atol=0,
                   grad_rtol=1e-4)
    helper_test_op([], lambda x: x.var(), inputs=[data / 1e10], rtol=1e-5, grad_rtol=1e-4,
                   grad_atol=0)


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_std_var_other_float_dtypes_match_torch(dtype):
    data = np.array([[200.0, -150.0, 90.0], [1.0, 2.0, 4.5]])
    for op in ("std", "var"):
        helper_test_op([], lambda x, op=op: getattr(x, op)(dim=1), inputs=[data.astype(dtype)],
                       dtype=dtype, grad=False, rtol=1e-3 if dtype == "float16" else 1e-7)


def test_std_var_of_float64_overflow_like_torch():
    torch = torch_module()
    data = np.array([1e160, -1e160, 0.0])
    for op in ("std", "var"):
        assert np.isinf(getattr(cynn.tensor(data), op)().item())
        assert np.isinf(getattr(torch.tensor(data), op)().item())


@pytest.mark.parametrize("op", ["std", "var"])
def test_std_var_of_integers_raise_like_torch(op):
    helper_test_exception(lambda lib: getattr(lib.ones(3, dtype=lib.int64), op)(),
                          RuntimeError, match="only support floating point")


@pytest.mark.parametrize("op", ["std", "var"])
def test_std_var_gradcheck(op):
    check_gradcheck(lambda x: getattr(x, op)(dim=1, correction=0), [(3, 4)])
    check_gradcheck(lambda x: getattr(x, op)(), [(3, 4)])


# -- numpy conversion ------------------------------------------------------------------------
CONVERSIONS = {
    "np.array": lambda t: np.array(t),
    "np.asarray": lambda t: np.asarray(t),
    "np.asarray dtype": lambda t: np.asarray(t, dtype=np.float64),
    "__array__": lambda t: t.__array__(),
    "numpy()": lambda t: t.numpy(),
    "ufunc": lambda t: np.exp(t),
    "list of tensors": lambda t: np.array([t, t]),
    "0-d": lambda t: np.array(t.sum()),
}
_MESSAGE = re.escape("Can't call numpy() on Tensor that requires grad. Use "
                     "tensor.detach().numpy() instead.")


@pytest.mark.parametrize("name", sorted(CONVERSIONS))
def test_numpy_conversion_of_a_tensor_requiring_grad_raises_like_torch(name):
    convert = CONVERSIONS[name]
    helper_test_exception(lambda lib: convert(lib.ones(3, requires_grad=True)), RuntimeError,
                          match=_MESSAGE)


@pytest.mark.parametrize("name", sorted(CONVERSIONS))
@pytest.mark.parametrize("how", ["detached", "no requires_grad", "no_grad", "inference_mode"])
def test_numpy_conversion_allowed_where_torch_allows_it(name, how):
    torch = torch_module()
    results = []
    for lib in (torch, cynn):
        t = lib.tensor([1.0, 2.0, 3.0], requires_grad=how != "no requires_grad")
        if how == "detached":
            results.append(CONVERSIONS[name](t.detach()))
            continue
        context = {"no_grad": lib.no_grad, "inference_mode": lib.inference_mode}.get(how)
        if context is None:
            results.append(CONVERSIONS[name](t))
        else:
            with context():
                results.append(CONVERSIONS[name](t))
    np.testing.assert_array_equal(np.asarray(results[1]), np.asarray(results[0]))


def test_numpy_force_and_non_leaf_tensors():
    x = cynn.ones(3, requires_grad=True)
    assert x.numpy(force=True).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(RuntimeError, match=_MESSAGE):
        np.asarray(x * 2)
    np.testing.assert_array_equal(np.asarray((x * 2).detach()), [2.0, 2.0, 2.0])


def test_binary_op_with_a_numpy_array_still_records_the_graph():
    # numpy defers `array + tensor` to Tensor.__radd__ (__array_priority__): no conversion
    x = cynn.ones(3, requires_grad=True)
    y = np.full(3, 2.0, np.float32) * x
    assert isinstance(y, cynn.Tensor) and y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
