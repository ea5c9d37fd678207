"""F.linear: values and gradients against PyTorch, float64 finite differences,
grad_fn names, PyTorch's errors, thread-count independence."""
import numpy as np
import pytest

import cynn
import cynn.nn.functional as F
from cynn.autograd import gradcheck

from cynn._kernels import gemm as _gemm

torch = pytest.importorskip("torch", reason="torch is the parity oracle")
TF = torch.nn.functional


@pytest.fixture(params=["cynn", "blas"])
def gemm_kernel(request):
    """Run the test with cynn's float32 GEMM kernel and again with BLAS."""
    if request.param == "cynn" and not _gemm.cynn_gemm_supported():
        pytest.skip("this CPU lacks AVX-512F: cynn's float32 kernel is never used here")
    previous = _gemm.gemm_kernel()
    _gemm.set_gemm_kernel(request.param)
    yield request.param
    _gemm.set_gemm_kernel(previous)

# (input shape, weight shape, bias shape or None)
SHAPES = [
    ((3, 4), (5, 4), (5,)),
    ((3, 4), (5, 4), None),
    ((2, 6, 4), (5, 4), (5,)),
    ((2, 3, 2, 4), (3, 4), None),
    ((4,), (5, 4), (5,)),
    ((4,), (5, 4), None),
    ((3, 4), (4,), None),
    ((3, 4), (5, 4), (3, 5)),
    ((3, 4), (5, 4), (1,)),
    ((1, 7), (1, 7), (1,)),
    ((0, 4), (5, 4), (5,)),
    ((3, 0), (5, 0), (5,)),
    ((33, 65), (17, 65), (17,)),
]
# products large enough for cynn's float32 kernel (values only: too big for gradcheck)
LARGE_SHAPES = [((64, 300), (200, 300), (200,)), ((2, 40, 96), (48, 96), None)]


def _ids(shapes):
    return [f"x{'x'.join(map(str, x))}-w{'x'.join(map(str, w))}-b{b}" for x, w, b in shapes]


def _arrays(x_shape, w_shape, b_shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) if s is not None else None
            for s in (x_shape, w_shape, b_shape)]


@pytest.mark.parametrize("x_shape, w_shape, b_shape", SHAPES + LARGE_SHAPES,
                         ids=_ids(SHAPES + LARGE_SHAPES))
@pytest.mark.usefixtures("gemm_kernel")
def test_matches_torch(x_shape, w_shape, b_shape):
    arrays = _arrays(x_shape, w_shape, b_shape, np.float32)
    ours = [cynn.tensor(a, requires_grad=True) if a is not None else None for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) if a is not None else None for a in arrays]
    y = F.linear(*ours)
    expected = TF.linear(*theirs)
    assert y.shape == tuple(expected.shape)
    np.testing.assert_allclose(y.detach().numpy(), expected.detach().numpy(),
                               rtol=1e-4, atol=1e-5)
    gy = np.random.default_rng(1).standard_normal(expected.shape).astype(np.float32)
    y.backward(cynn.tensor(gy))
    expected.backward(torch.tensor(gy))
    for name, mine, ref in zip(("input", "weight", "bias"), ours, theirs):
        if ref is not None:
            assert mine.grad.shape == tuple(ref.grad.shape)
            np.testing.assert_allclose(mine.grad.numpy(), ref.grad.numpy(), rtol=1e-4,
                                       atol=1e-5, err_msg=f"grad of {name}")


GRAD_SHAPES = [s for s in SHAPES if 0 not in s[0] + s[1]]


@pytest.mark.parametrize("x_shape, w_shape, b_shape", GRAD_SHAPES, ids=_ids(GRAD_SHAPES))
def test_gradcheck_float64(x_shape, w_shape, b_shape):
    arrays = _arrays(x_shape, w_shape, b_shape, np.float64)
    tensors = [cynn.tensor(a, requires_grad=True) for a in arrays if a is not None]
    assert gradcheck(F.linear, tensors)


@pytest.mark.parametrize("bias, expected", [(True, "AddmmBackward0"), (False, "MmBackward0")])
def test_grad_fn_names(bias, expected):
    x = cynn.randn(3, 4, requires_grad=True)
    b = cynn.randn(5) if bias else None
    assert F.linear(x, cynn.randn(5, 4), b).grad_fn.name() == expected


def test_only_requested_gradients_are_computed():
    x = cynn.randn(3, 4)
    w = cynn.randn(5, 4, requires_grad=True)
    F.linear(x, w).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), np.tile(x.numpy().sum(0), (5, 1)), rtol=1e-5)


@pytest.mark.parametrize("dtype", [cynn.float32, cynn.float64])
def test_dtype_is_kept(dtype):
    y = F.linear(cynn.randn(3, 4, dtype=dtype), cynn.randn(5, 4, dtype=dtype))
    assert y.dtype == dtype


def test_integer_inputs_fall_back_to_exact_products():
    x = cynn.tensor(np.arange(12).reshape(3, 4))
    w = cynn.tensor(np.ones((2, 4), dtype=np.int64))
    np.testing.assert_array_equal(F.linear(x, w).numpy(), [[6, 6], [22, 22], [38, 38]])


@pytest.mark.usefixtures("gemm_kernel")
def test_one_thread_and_two_threads_agree():
    x, w, b = _arrays((64, 300), (200, 300), (200,), np.float32)
    results = []
    previous = cynn.get_num_threads()
    try:
        for threads in (1, 2, 3):
            cynn.set_num_threads(threads)
            tensors = [cynn.tensor(a, requires_grad=True) for a in (x, w, b)]
            y = F.linear(*tensors)
            (y * y).sum().backward()
            results.append([y.detach().numpy()] + [t.grad.numpy() for t in tensors])
    finally:
        cynn.set_num_threads(previous)
    # GEMM cuts C by its shape alone: the same bits at any thread count
    for one, *others in zip(*results):
        for other in others:
            np.testing.assert_array_equal(one, other)


ERRORS = [
    # (id, input, weight, bias, compare the message too)
    ("inner-mismatch", (2, 3), (5, 4), None, True),
    ("inner-mismatch-3d", (2, 6, 3), (5, 4), None, True),
    ("inner-mismatch-1d", (3,), (5, 4), None, True),
    ("bias-size", (2, 4), (5, 4), (3,), True),
    ("weight-3d", (2, 4), (1, 5, 4), None, True),
    ("input-0d", (), (5, 4), None, True),
    ("weight-1d-with-bias", (2, 4), (4,), (1,), True),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_match_torch(case):
    _, x_shape, w_shape, b_shape, same_message = case
    arrays = _arrays(x_shape, w_shape, b_shape, np.float32)
    with pytest.raises(Exception) as expected:
        TF.linear(*[torch.tensor(a) if a is not None else None for a in arrays])
    with pytest.raises(expected.type) as ours:
        F.linear(*[cynn.tensor(a) if a is not None else None for a in arrays])
    if same_message:
        assert str(ours.value) == str(expected.value)


@pytest.mark.parametrize("w_dtype, b_dtype", [(np.float64, None), (np.float32, np.float64)])
def test_dtype_mismatch_errors_match_torch(w_dtype, b_dtype):
    x = np.ones((2, 4), np.float32)
    w = np.ones((5, 4), w_dtype)
    b = np.ones(5, b_dtype) if b_dtype else None
    with pytest.raises(RuntimeError) as expected:
        TF.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b) if b is not None else None)
    with pytest.raises(RuntimeError) as ours:
        F.linear(cynn.tensor(x), cynn.tensor(w), cynn.tensor(b) if b is not None else None)
    assert str(ours.value) == str(expected.value)


def test_non_tensor_argument_is_a_type_error():
    with pytest.raises(TypeError, match="linear"):
        F.linear(np.ones((2, 4), np.float32), cynn.randn(5, 4))
