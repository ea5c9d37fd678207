"""Index tensors changed behind the version counter never reach memory outside the
arrays: max-unpooling checks every index in the forward and the backward and raises
PyTorch's error; max-pooling's backward ignores an argmax outside the plane, as
PyTorch's does. Every case is compared with PyTorch."""
import numpy as np
import pytest

import cynn
from helpers import assert_same_tensor, torch_module


def _corrupt(lib, idx, how):
    """Change ``idx`` without bumping its version counter."""
    if how == "huge":
        idx.data.add_(10 ** 12)
    elif how == "just_past":
        idx.data.add_(16)
    elif how == "negative":
        idx.data.sub_(100)
    elif how == "numpy_one":
        idx.numpy()[(0,) * idx.dim()] = 17
    elif how == "numpy_min":
        idx.numpy()[(0,) * idx.dim()] = np.iinfo(np.int64).min
    elif how == "numpy_last":
        idx.numpy().reshape(-1)[-1] = 2 ** 62


def _unpool_backward(lib, shape, how):
    x = lib.arange(float(np.prod(shape) * 4)).reshape(shape[:-2] + (shape[-2] * 2,
                                                                   shape[-1] * 2))
    y, idx = lib.nn.functional.max_pool2d(x, 2, return_indices=True)
    y = y.detach().clone().requires_grad_()
    idx = idx.clone()
    out = lib.nn.functional.max_unpool2d(y, idx, 2)
    _corrupt(lib, idx, how)
    out.sum().backward()


HOWS = ["huge", "just_past", "negative", "numpy_one", "numpy_min", "numpy_last"]


@pytest.mark.parametrize("shape", [(1, 1, 2, 2), (2, 3, 2, 2), (3, 2, 2)])
@pytest.mark.parametrize("how", HOWS)
def test_unpool_backward_with_corrupted_indices_raises_torch_error(shape, how):
    torch = torch_module()
    with pytest.raises(RuntimeError) as expected:
        _unpool_backward(torch, shape, how)
    with pytest.raises(RuntimeError) as got:
        _unpool_backward(cynn, shape, how)
    assert str(got.value) == str(expected.value)
    assert "is out of bounds for dimension" in str(got.value)


def _unpool_forward(lib, how):
    x = lib.arange(32.).reshape(2, 1, 4, 4)
    y, idx = lib.nn.functional.max_pool2d(x, 2, return_indices=True)
    _corrupt(lib, idx, how)
    lib.nn.functional.max_unpool2d(y, idx, 2)


@pytest.mark.parametrize("how", HOWS)
def test_unpool_forward_with_out_of_range_indices_raises_torch_error(how):
    torch = torch_module()
    with pytest.raises(RuntimeError) as expected:
        _unpool_forward(torch, how)
    with pytest.raises(RuntimeError) as got:
        _unpool_forward(cynn, how)
    assert str(got.value) == str(expected.value)
    assert str(got.value).startswith("Found an invalid max index")


def test_unpool_backward_after_in_range_rewrite_matches_torch():
    """Indices moved within range are used, not refused (PyTorch gathers them)."""
    torch = torch_module()
    grads = []
    for lib in (torch, cynn):
        x = lib.arange(16.).reshape(1, 1, 4, 4)
        y, idx = lib.nn.functional.max_pool2d(x, 2, return_indices=True)
        y = y.detach().clone().requires_grad_()
        idx = idx.clone()
        out = lib.nn.functional.max_unpool2d(y, idx, 2)
        idx.numpy()[0, 0, 0, 0] = 15
        out.backward(lib.arange(16.).reshape(1, 1, 4, 4))
        grads.append(y.grad)
    assert_same_tensor(grads[1], grads[0])


@pytest.mark.parametrize("op", ["max_pool2d", "adaptive_max_pool2d", "max_pool1d"])
@pytest.mark.parametrize("how", ["huge", "negative", "numpy_one", "numpy_last"])
def test_max_pool_backward_skips_corrupted_argmax(op, how):
    """PyTorch's own kernel reads out of bounds here (``+10**12`` crashes it), so the
    reference is the definition: each gradient goes to its argmax when that lies in
    the plane, and nowhere otherwise."""
    x = cynn.arange(32.).reshape(2, 1, 4, 4)
    if op == "max_pool1d":
        x = x.reshape(2, 1, 16)
    x.requires_grad_()
    y, idx = getattr(cynn.nn.functional, op)(x, 2, return_indices=True)
    _corrupt(cynn, idx, how)
    gy = np.arange(1., y.numel() + 1).reshape(tuple(y.shape))
    y.backward(cynn.tensor(gy, dtype=cynn.float32))
    n_plane = 16
    expected = np.zeros((2, n_plane))
    flat_idx = idx.numpy().reshape(2, -1)
    for p in range(2):
        for g, i in zip(gy.reshape(2, -1)[p], flat_idx[p]):
            if 0 <= i < n_plane:
                expected[p, i] += g
    np.testing.assert_array_equal(x.grad.numpy().reshape(2, -1), expected)
    assert (flat_idx < 0).any() or (flat_idx >= n_plane).any()


def test_unpool_gradcheck():
    x = cynn.tensor(np.random.default_rng(0).standard_normal((2, 2, 3, 3)))
    _, idx = cynn.nn.functional.max_pool2d(cynn.randn(2, 2, 6, 6, dtype=cynn.float64), 2,
                                           return_indices=True)
    x.requires_grad_()
    assert cynn.autograd.gradcheck(lambda v: cynn.nn.functional.max_unpool2d(v, idx, 2), [x])
