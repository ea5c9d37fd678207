"""as_strided and its family, storage_offset, set_ and the resizes (cynn/_ops/strided.py):
views share storage with the tensor, geometry errors are torch's, gradients match
torch's and pass float64 gradchecks (first and second order)."""
import warnings

import numpy as np
import pytest

import cynn
from helpers import (assert_same_tensor, check_gradcheck, helper_test_exception, helper_test_op,
                     torch_module)

GEOMETRIES = [((2, 2), (1, 2), None), ((3, 2), (1, 1), None), ((2, 3), (3, 1), 0),
              ((4,), (0,), 2), ((2, 2), (2, 1), 1), ((0, 3), (1, 1), 5)]


@pytest.mark.parametrize("size, stride, offset", GEOMETRIES)
def test_as_strided_matches_torch(size, stride, offset):
    helper_test_op([(6,)], lambda x: x.as_strided(size, stride, offset))
    helper_test_op([(6,)], lambda x: torch_module().as_strided(x, size, stride, offset),
                   lambda x: cynn.as_strided(x, size, stride, offset))


def test_as_strided_of_a_view_defaults_to_its_storage_offset():
    torch = torch_module()
    t, c = torch.arange(8.0), cynn.arange(8.0)
    tv, cv = t[3:], c[3:]
    assert cv.storage_offset() == tv.storage_offset() == 3
    assert_same_tensor(cv.as_strided((2, 2), (1, 2)), tv.as_strided((2, 2), (1, 2)))
    assert_same_tensor(cv.as_strided((2,), (1,), 0), tv.as_strided((2,), (1,), 0))


def test_as_strided_is_a_view_of_the_storage():
    x = cynn.arange(6.0)
    view = x[2:].as_strided((2, 2), (2, 1), 0)
    view[1, 1] = -1.0
    assert x[3].item() == -1.0
    x[0] = 10.0
    assert view[0, 0].item() == 10.0
    assert view._version is x._version


@pytest.mark.parametrize("size, stride, offset, message", [
    ((4,), (2,), 0, "requiring a storage size of 28 are out of bounds for storage of size 24"),
    ((2,), (-1,), 0, "Negative strides are not supported at the moment, got strides: \\[-1\\]"),
    ((2, 2), (1, 2), -1, "invalid storage offset -1"),
])
def test_as_strided_geometry_errors(size, stride, offset, message):
    helper_test_exception(lambda lib: lib.arange(6.0).as_strided(size, stride, offset),
                          RuntimeError, match=message)


def test_as_strided_rejects_non_int_sizes():
    helper_test_exception(lambda lib: lib.as_strided(lib.arange(6.0), (2, 2.0), (1, 2)),
                          TypeError, match="failed to unpack the object at pos 2")


def test_as_strided_of_an_expanded_tensor_divides_repeated_gradients():
    torch = torch_module()
    t = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = cynn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    te, ce = t.expand(2, 3), c.expand(2, 3)
    g = np.arange(4.0, dtype=np.float32).reshape(2, 2)
    te.as_strided((2, 2), (1, 1)).backward(torch.tensor(g))
    ce.as_strided((2, 2), (1, 1)).backward(cynn.tensor(g))
    assert_same_tensor(c.grad, t.grad)


@pytest.mark.parametrize("size, stride, offset", GEOMETRIES[:5])
def test_as_strided_gradcheck_first_and_second_order(size, stride, offset):
    fn = lambda x: x.as_strided(size, stride, offset)  # noqa: E731
    check_gradcheck(fn, [(6,)])
    tensors = [cynn.tensor(np.random.default_rng(0).standard_normal(6), requires_grad=True)]
    assert cynn.autograd.gradgradcheck(lambda x: fn(x) ** 2, tensors)


def test_as_strided_copy_shares_nothing():
    helper_test_op([(6,)], lambda x: torch_module().as_strided_copy(x, (2, 2), (1, 2)),
                   lambda x: cynn.as_strided_copy(x, (2, 2), (1, 2)))
    x = cynn.arange(6.0)
    copy = cynn.as_strided_copy(x, (2, 2), (1, 2))
    copy[0, 0] = 5.0
    assert x[0].item() == 0.0


def test_as_strided_in_place():
    torch = torch_module()
    t, c = torch.arange(6.0), cynn.arange(6.0)
    assert t.as_strided_((2, 2), (1, 2), 1) is t
    assert c.as_strided_((2, 2), (1, 2), 1) is c
    assert_same_tensor(c, t)


@pytest.mark.parametrize("shape, size, stride, offset", [
    ((6,), (2, 2), (1, 2), None), ((2, 3), (2,), (1,), 1), ((3, 2), (3,), (2,), 0)])
def test_as_strided_scatter(shape, size, stride, offset):
    """Values and src's gradient against torch; input's gradient against finite
    differences only: torch 2.13's eager formula for it sends the gradient to the
    overwritten elements instead of the kept ones (e.g. as_strided_scatter(zeros(6),
    s, (3,), (2,)) backward of arange(6) gives input grad [0, 0, 2, 0, 4, 0]; the
    output's elements 0, 2, 4 are src's, so the correct answer is [0, 1, 0, 3, 0, 5])."""
    torch = torch_module()
    rng = np.random.default_rng(0)
    x, src = rng.standard_normal(shape), rng.standard_normal(size)
    g = rng.standard_normal(shape)
    tx, ts = torch.tensor(x, requires_grad=True), torch.tensor(src, requires_grad=True)
    cx, cs = cynn.tensor(x, requires_grad=True), cynn.tensor(src, requires_grad=True)
    t_out = torch.as_strided_scatter(tx, ts, size, stride, offset)
    c_out = cynn.as_strided_scatter(cx, cs, size, stride, offset)
    assert_same_tensor(c_out, t_out)
    assert_same_tensor(cx.as_strided_scatter(cs, size, stride, offset), t_out)
    t_out.backward(torch.tensor(g))
    c_out.backward(cynn.tensor(g))
    assert_same_tensor(cs.grad, ts.grad)
    kept = np.ones(x.size, bool)
    written = cynn.as_strided(cynn.arange(float(x.size)), size, stride, offset or 0)
    kept[written.numpy().astype(int).reshape(-1)] = False
    np.testing.assert_allclose(cx.grad.numpy(), np.where(kept.reshape(shape), g, 0.0))
    check_gradcheck(lambda x, s: cynn.as_strided_scatter(x, s, size, stride, offset) ** 2,
                    [shape, size])


def test_as_strided_scatter_keeps_a_transposed_layout():
    helper_test_op([(3, 2), (2,)],
                   lambda x, s: torch_module().as_strided_scatter(x.t(), s, (2,), (1,)),
                   lambda x, s: cynn.as_strided_scatter(x.t(), s, (2,), (1,)), grad=False)


def test_as_strided_scatter_wants_src_of_the_slice_size():
    helper_test_exception(lambda lib: lib.as_strided_scatter(lib.zeros(6), lib.ones(3), (2,),
                                                             (1,)),
                          RuntimeError, match="expected src to have a size equal to the slice")


def test_set_shares_storage_and_keeps_its_own_version():
    a, b = cynn.arange(6.0), cynn.zeros(1)
    assert b.set_(a) is b
    b[0] = 7.0
    assert a[0].item() == 7.0 and a._version[0] == 0
    b.set_(a, 2, (2,), (2,))
    torch = torch_module()
    ta, tb = torch.arange(6.0), torch.zeros(1)
    ta[0] = 7.0
    tb.set_(ta, 2, (2,), (2,))
    assert_same_tensor(b, tb)
    assert tuple(cynn.zeros(2).set_().shape) == tuple(torch.zeros(2).set_().shape)


def test_set_on_a_leaf_that_requires_grad():
    helper_test_exception(lambda lib: lib.zeros(3, requires_grad=True).set_(lib.ones(2)),
                          RuntimeError, match="a leaf Variable that requires grad")


def test_resize_as_in_place():
    torch = torch_module()
    assert tuple(cynn.resize_as_(cynn.zeros(4), cynn.zeros(2, 2)).shape) == \
        tuple(torch.resize_as_(torch.zeros(4), torch.zeros(2, 2)).shape)


@pytest.mark.parametrize("method, arg", [("resize", (3, 2)), ("resize_as", "template")])
def test_deprecated_out_of_place_resize(method, arg):
    torch = torch_module()

    def run(lib):
        x = lib.arange(6.0).requires_grad_()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = (x.resize(*arg) if method == "resize" else x.resize_as(lib.zeros(3, 2)))
        assert any(f"non-inplace {method} is deprecated" in str(w.message) for w in caught)
        (out * lib.arange(6.0).reshape(3, 2)).sum().backward()
        return out, x.grad
    (c_out, c_grad), (t_out, t_grad) = run(cynn), run(torch)
    assert_same_tensor(c_out, t_out)
    assert_same_tensor(c_grad, t_grad)
    assert c_out.grad_fn.name() == "ResizeBackward"


def test_resize_keeps_the_element_count():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        helper_test_exception(lambda lib: lib.zeros(6).resize(4), RuntimeError,
                              match="requested resize to 4 \\(4 elements in total\\)")


def test_slice_inverse_views_the_base_storage():
    torch = torch_module()
    tb, cb = torch.arange(10.0, requires_grad=True), cynn.arange(10.0, requires_grad=True)
    base_t, base_c = torch.arange(10.0), cynn.arange(10.0)
    t_out = torch.slice_inverse(tb[2:8:2], base_t, 0, 2, 8, 2)
    c_out = cynn.slice_inverse(cb[2:8:2], base_c, 0, 2, 8, 2)
    assert_same_tensor(c_out, t_out)
    assert c_out.grad_fn.name() == t_out.grad_fn.name()
    g = np.arange(10.0, dtype=np.float32)
    t_out.backward(torch.tensor(g))
    c_out.backward(cynn.tensor(g))
    assert_same_tensor(cb.grad, tb.grad)
    assert_same_tensor(cb[1:].detach().slice_inverse(base_c[1:], 0, 1), base_t[1:])


def test_slice_inverse_geometry_must_fit():
    helper_test_exception(lambda lib: lib.slice_inverse(lib.zeros(3), lib.arange(10.0), 0, 2, 8,
                                                        2),
                          RuntimeError, match="requiring a storage size of 40 are out of bounds "
                                              "for storage of size 12")
