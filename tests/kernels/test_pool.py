"""Pooling (``pyx/pool.pyx`` through ``cynn.nn.functional``): values, indices,
gradients and grad_fn names against PyTorch, float64 finite differences,
PyTorch's exceptions, and results that do not depend on the thread count."""
import numpy as np
import pytest

import cynn
import cynn.nn.functional as F
from helpers import check_gradcheck, helper_test_exception, helper_test_op, torch_module

# (input shape, keyword arguments); each grid covers strides larger than the kernel,
# the largest allowed padding, dilation, ceil-mode edge windows, odd sizes, batch 1,
# unbatched inputs, and rows wide enough for the vectorised kernel path.
MAX_POOL2D = [
    ((2, 3, 9, 9), dict(kernel_size=3)),
    ((2, 3, 9, 9), dict(kernel_size=3, stride=2)),
    ((1, 2, 11, 8), dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1))),
    ((2, 2, 7, 7), dict(kernel_size=2, stride=3)),
    ((2, 2, 10, 9), dict(kernel_size=5, padding=2)),
    ((1, 3, 12, 13), dict(kernel_size=3, dilation=2, padding=1)),
    ((2, 1, 8, 11), dict(kernel_size=(2, 3), stride=2, padding=1, dilation=(3, 2))),
    ((2, 2, 8, 8), dict(kernel_size=3, stride=2, ceil_mode=True)),
    ((1, 1, 5, 5), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)),
    ((1, 2, 7, 10), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((3, 5, 5), dict(kernel_size=2)),
    ((3, 7, 6), dict(kernel_size=3, stride=1, padding=1, ceil_mode=True)),
    ((1, 1, 4, 4), dict(kernel_size=4)),
    ((2, 2, 13, 24), dict(kernel_size=3, stride=2, padding=1)),
    ((1, 1, 3, 40), dict(kernel_size=(1, 5), stride=1, padding=(0, 2), dilation=(1, 3))),
]
MAX_POOL1D = [
    ((2, 3, 11), dict(kernel_size=3)),
    ((2, 3, 11), dict(kernel_size=3, stride=2, padding=1)),
    ((1, 2, 12), dict(kernel_size=2, stride=5)),
    ((2, 2, 17), dict(kernel_size=3, dilation=3, padding=1, ceil_mode=True)),
    ((1, 1, 10), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True)),
    ((3, 10), dict(kernel_size=2, stride=1)),
    ((2, 4, 33), dict(kernel_size=5, stride=1, padding=2)),
]
AVG_POOL2D = [
    ((2, 3, 9, 9), dict(kernel_size=3)),
    ((2, 3, 9, 9), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 9, 9), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((1, 2, 11, 8), dict(kernel_size=(3, 4), stride=(2, 3), padding=(1, 2))),
    ((2, 2, 7, 7), dict(kernel_size=2, stride=3)),
    ((1, 2, 8, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((1, 2, 8, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                        count_include_pad=False)),
    ((1, 1, 5, 5), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)),
    ((2, 2, 9, 7), dict(kernel_size=3, padding=1, divisor_override=4)),
    ((2, 2, 9, 7), dict(kernel_size=2, stride=1, divisor_override=-3)),
    ((3, 6, 7), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 2, 13, 24), dict(kernel_size=3, stride=2, padding=1)),
]
AVG_POOL1D = [
    ((2, 3, 11), dict(kernel_size=3)),
    ((2, 3, 11), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((1, 2, 12), dict(kernel_size=2, stride=5)),
    ((1, 1, 10), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True)),
    ((3, 10), dict(kernel_size=3, stride=1, padding=1)),
]
ADAPTIVE = [
    ((2, 3, 9, 9), 4),
    ((1, 2, 7, 10), (3, 5)),
    ((2, 2, 8, 6), (None, 4)),
    ((2, 2, 8, 6), (3, None)),
    ((2, 3, 5, 7), 1),
    ((1, 2, 3, 3), (5, 4)),
    ((3, 7, 7), (2, 3)),
    ((1, 1, 1, 9), (1, 4)),
    ((2, 2, 6, 6), 6),
]
UNPOOL = [
    ((2, 3, 8, 8), dict(kernel_size=2), None),
    ((1, 2, 9, 9), dict(kernel_size=3, stride=2, padding=1), None),
    ((1, 2, 9, 9), dict(kernel_size=3, stride=2), (9, 10)),
    ((3, 7, 6), dict(kernel_size=2, stride=2), (1, 3, 7, 6)),
]


def _ids(cases):
    return [f"{shape}-{kwargs}" for shape, kwargs, *_ in cases]


def _torch_f():
    return torch_module().nn.functional


# ------------------------------------------------------------ PyTorch parity
@pytest.mark.parametrize("grad", [True, False], ids=["grad", "nograd"])
@pytest.mark.parametrize("return_indices", [False, True], ids=["values", "indices"])
@pytest.mark.parametrize("shape, kwargs", MAX_POOL2D, ids=_ids(MAX_POOL2D))
def test_max_pool2d_matches_torch(shape, kwargs, return_indices, grad):
    helper_test_op([shape],
                   lambda x: _torch_f().max_pool2d(x, return_indices=return_indices, **kwargs),
                   lambda x: F.max_pool2d(x, return_indices=return_indices, **kwargs),
                   grad=grad, seed=len(shape) + sum(shape))


@pytest.mark.parametrize("grad", [True, False], ids=["grad", "nograd"])
@pytest.mark.parametrize("return_indices", [False, True], ids=["values", "indices"])
@pytest.mark.parametrize("shape, kwargs", MAX_POOL1D, ids=_ids(MAX_POOL1D))
def test_max_pool1d_matches_torch(shape, kwargs, return_indices, grad):
    helper_test_op([shape],
                   lambda x: _torch_f().max_pool1d(x, return_indices=return_indices, **kwargs),
                   lambda x: F.max_pool1d(x, return_indices=return_indices, **kwargs),
                   grad=grad, seed=sum(shape))


@pytest.mark.parametrize("shape, kwargs", AVG_POOL2D, ids=_ids(AVG_POOL2D))
def test_avg_pool2d_matches_torch(shape, kwargs):
    helper_test_op([shape], lambda x: _torch_f().avg_pool2d(x, **kwargs),
                   lambda x: F.avg_pool2d(x, **kwargs), seed=sum(shape))


@pytest.mark.parametrize("shape, kwargs", AVG_POOL1D, ids=_ids(AVG_POOL1D))
def test_avg_pool1d_matches_torch(shape, kwargs):
    helper_test_op([shape], lambda x: _torch_f().avg_pool1d(x, **kwargs),
                   lambda x: F.avg_pool1d(x, **kwargs), seed=sum(shape))


@pytest.mark.parametrize("shape, output_size", ADAPTIVE, ids=_ids(ADAPTIVE))
def test_adaptive_avg_pool2d_matches_torch(shape, output_size):
    helper_test_op([shape], lambda x: _torch_f().adaptive_avg_pool2d(x, output_size),
                   lambda x: F.adaptive_avg_pool2d(x, output_size), seed=sum(shape))


@pytest.mark.parametrize("shape", [(5, 7), (2, 3, 2, 4, 6), (4, 0, 5, 5)])
def test_adaptive_avg_pool2d_to_one_is_a_mean_of_any_rank_like_torch(shape):
    helper_test_op([shape], lambda x: _torch_f().adaptive_avg_pool2d(x, 1),
                   lambda x: F.adaptive_avg_pool2d(x, 1))


@pytest.mark.parametrize("return_indices", [False, True], ids=["values", "indices"])
@pytest.mark.parametrize("shape, output_size", ADAPTIVE, ids=_ids(ADAPTIVE))
def test_adaptive_max_pool2d_matches_torch(shape, output_size, return_indices):
    helper_test_op([shape],
                   lambda x: _torch_f().adaptive_max_pool2d(x, output_size, return_indices),
                   lambda x: F.adaptive_max_pool2d(x, output_size, return_indices),
                   seed=sum(shape))


def _pool_then_unpool(lib_f, kwargs, output_size):
    def run(x):
        y, indices = lib_f.max_pool2d(x, return_indices=True, **kwargs)
        return lib_f.max_unpool2d(y, indices, output_size=output_size, **kwargs)
    return run


@pytest.mark.parametrize("shape, kwargs, output_size", UNPOOL, ids=_ids(UNPOOL))
def test_max_unpool2d_matches_torch(shape, kwargs, output_size):
    helper_test_op([shape], _pool_then_unpool(_torch_f(), kwargs, output_size),
                   _pool_then_unpool(F, kwargs, output_size), seed=sum(shape))


def test_max_unpool2d_of_arbitrary_indices_matches_torch():
    torch = torch_module()
    x = np.random.default_rng(3).standard_normal((2, 3, 4, 4)).astype(np.float32)
    # each plane's indices are distinct, so the scatter order does not matter
    indices = np.stack([np.random.default_rng(p).permutation(25)[:16]
                        for p in range(6)]).reshape(2, 3, 4, 4).astype(np.int64)
    helper_test_op([], lambda t: torch.nn.functional.max_unpool2d(
                        t, torch.from_numpy(indices), 2, 1, output_size=(5, 5)),
                   lambda t: F.max_unpool2d(t, cynn.from_numpy(indices), 2, 1,
                                            output_size=(5, 5)),
                   inputs=[x])


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d",
                                  "adaptive_max_pool2d"])
def test_pooling_of_a_non_contiguous_view_matches_torch(name):
    helper_test_op([(2, 3, 9, 8)],
                   lambda x: getattr(_torch_f(), name)(x.transpose(-1, -2)[..., ::2, :], 3),
                   lambda x: getattr(F, name)(x.transpose(-1, -2)[..., ::2, :], 3))


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_max_pool2d_of_integers_matches_torch(dtype):
    # Small integers tie often: this checks PyTorch's first-maximum rule too.
    helper_test_op([(2, 3, 9, 8)],
                   lambda x: _torch_f().max_pool2d(x, 3, 2, 1, return_indices=True),
                   lambda x: F.max_pool2d(x, 3, 2, 1, return_indices=True),
                   dtype=dtype, low=-4, high=4)


@pytest.mark.parametrize("shape", [(2, 3, 9, 8), (1, 2, 10, 11), (3, 16, 10, 10)])
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_max_pool2d_2x2_ties_and_odd_sizes_match_torch(shape, ceil_mode):
    # kernel 2, stride 2 has its own kernel while every window is whole (floor mode,
    # or even sizes); odd sizes in ceil mode leave partial windows to the general one.
    helper_test_op([shape],
                   lambda x: _torch_f().max_pool2d(x, 2, ceil_mode=ceil_mode, return_indices=True),
                   lambda x: F.max_pool2d(x, 2, ceil_mode=ceil_mode, return_indices=True),
                   dtype="int64", low=-3, high=3)
    helper_test_op([shape], lambda x: _torch_f().max_pool2d(x, 2, ceil_mode=ceil_mode),
                   lambda x: F.max_pool2d(x, 2, ceil_mode=ceil_mode))


def test_avg_pool2d_of_int64_truncates_like_torch():
    helper_test_op([(2, 2, 7, 7)], lambda x: _torch_f().avg_pool2d(x, 3, 2, 1),
                   lambda x: F.avg_pool2d(x, 3, 2, 1), dtype="int64", low=-50, high=50)


@pytest.mark.parametrize("op", ["max", "avg"])
def test_float16_pooling_matches_torch(op):
    helper_test_op([(2, 3, 8, 8)], lambda x: getattr(_torch_f(), f"{op}_pool2d")(x, 2),
                   lambda x: getattr(F, f"{op}_pool2d")(x, 2), dtype="float16",
                   grad=False, rtol=1e-3, atol=1e-3)


def test_max_pool_nan_wins_like_torch():
    torch = torch_module()
    x = np.arange(32, dtype=np.float32).reshape(1, 2, 4, 4)
    x[0, 0, 1, 1] = x[0, 0, 2, 3] = x[0, 1, 0, 0] = np.nan

    def run(lib_f, make):
        y, indices = lib_f.max_pool2d(make(x.copy()), 2, return_indices=True)
        ya, ia = lib_f.adaptive_max_pool2d(make(x.copy()), 3, return_indices=True)
        return [t.numpy() for t in (y, indices, ya, ia)]

    expected = run(torch.nn.functional, torch.from_numpy)
    assert np.isnan(expected[0]).sum() == 3
    for got, want in zip(run(F, cynn.from_numpy), expected):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape", [(2, 3, 10, 10), (1, 2, 7, 71), (1, 1, 4, 65), (3, 1, 6, 2)])
def test_float32_2x2_max_pool_kernel_matches_torch_with_ties_and_nans(shape):
    """pool2x2.h's kernel (float32, AVX-512): rows of 1, 5, 16 + 16 + 3 and 32 + 0
    outputs, an odd last column left out, ties (small integers) and NaNs."""
    torch = torch_module()
    rng = np.random.default_rng(5)
    x = rng.integers(-2, 3, size=shape).astype(np.float32)
    x.reshape(-1)[rng.choice(x.size, size=max(1, x.size // 7), replace=False)] = np.nan
    y, indices = F.max_pool2d(cynn.from_numpy(x.copy()), 2, return_indices=True)
    yt, it = torch.nn.functional.max_pool2d(torch.from_numpy(x.copy()), 2, return_indices=True)
    np.testing.assert_array_equal(y.numpy(), yt.numpy())
    np.testing.assert_array_equal(indices.numpy(), it.numpy())


def test_max_pool2d_window_checks_survive_the_window_cache():
    """A cached window (kernel_size=2) must not let kernel_size=True or a float past."""
    x = cynn.zeros(1, 1, 4, 4)
    F.max_pool2d(x, 2)
    F.max_pool2d(x, 2)
    with pytest.raises(TypeError, match="kernel_size"):
        F.max_pool2d(x, True)
    with pytest.raises(TypeError, match="ceil_mode"):
        F.max_pool2d(x, 2, ceil_mode=1)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        F.max_pool2d(cynn.zeros(1, 1, 1, 1), 2)
    assert F.max_pool2d(x, [2, 2]).shape == (1, 1, 2, 2)


def test_window_without_input_taps_matches_torch_and_gets_no_gradient():
    # padding 1 and dilation 3 put both taps of the only window outside a length-2 input
    torch = torch_module()
    x = np.array([[[0.5, -1.0]]])
    yt, it = torch.nn.functional.max_pool1d(torch.from_numpy(x), 2, 1, 1, 3,
                                            return_indices=True)
    xc = cynn.tensor(x, requires_grad=True)
    y, indices = F.max_pool1d(xc, 2, 1, 1, 3, return_indices=True)
    np.testing.assert_array_equal(y.detach().numpy(), yt.numpy())
    np.testing.assert_array_equal(indices.numpy(), it.numpy())
    y.sum().backward()
    np.testing.assert_array_equal(xc.grad.numpy(), np.zeros_like(x))


# ------------------------------------------------------- float64 gradients
@pytest.mark.parametrize("shape, kwargs", MAX_POOL2D, ids=_ids(MAX_POOL2D))
def test_max_pool2d_gradcheck(shape, kwargs):
    check_gradcheck(lambda x: F.max_pool2d(x, **kwargs), [shape], seed=sum(shape))


@pytest.mark.parametrize("shape, kwargs", MAX_POOL1D, ids=_ids(MAX_POOL1D))
def test_max_pool1d_gradcheck(shape, kwargs):
    check_gradcheck(lambda x: F.max_pool1d(x, **kwargs), [shape], seed=sum(shape))


@pytest.mark.parametrize("shape, kwargs", AVG_POOL2D, ids=_ids(AVG_POOL2D))
def test_avg_pool2d_gradcheck(shape, kwargs):
    check_gradcheck(lambda x: F.avg_pool2d(x, **kwargs), [shape])


@pytest.mark.parametrize("shape, kwargs", AVG_POOL1D, ids=_ids(AVG_POOL1D))
def test_avg_pool1d_gradcheck(shape, kwargs):
    check_gradcheck(lambda x: F.avg_pool1d(x, **kwargs), [shape])


@pytest.mark.parametrize("op", ["avg", "max"])
@pytest.mark.parametrize("shape, output_size", ADAPTIVE, ids=_ids(ADAPTIVE))
def test_adaptive_pool2d_gradcheck(shape, output_size, op):
    fn = getattr(F, f"adaptive_{op}_pool2d")
    check_gradcheck(lambda x: fn(x, output_size), [shape], seed=sum(shape))


# Overlapping windows can share an argmax; unpooling then writes one output twice and,
# as in PyTorch, both inputs get its gradient: not the derivative, so not checked here.
UNPOOL_DISTINCT = [
    ((2, 3, 8, 8), dict(kernel_size=2), None),
    ((1, 2, 9, 9), dict(kernel_size=2, stride=3, padding=1), (10, 10)),
    ((3, 7, 6), dict(kernel_size=(2, 3)), (1, 3, 7, 6)),
]


@pytest.mark.parametrize("shape, kwargs, output_size", UNPOOL_DISTINCT, ids=_ids(UNPOOL_DISTINCT))
def test_max_unpool2d_gradcheck(shape, kwargs, output_size):
    x = cynn.tensor(np.random.default_rng(1).standard_normal(shape))
    _, indices = F.max_pool2d(x, return_indices=True, **kwargs)
    check_gradcheck(lambda y: F.max_unpool2d(y, indices, output_size=output_size, **kwargs),
                    [tuple(indices.shape)])


# ------------------------------------------------------------------- errors
def _fn(name, *args, shape=(2, 3, 9, 9), dtype=None, **kwargs):
    def call(lib):
        x = lib.randn(*shape)
        if dtype is not None:
            x = x.to(getattr(lib, dtype))
        return getattr(lib.nn.functional, name)(x, *args, **kwargs)
    return call


ERRORS = [
    (_fn("max_pool2d", 3, padding=2), RuntimeError, "at most half of effective kernel size"),
    (_fn("max_pool2d", 3, padding=2, dilation=2), RuntimeError,
     "smaller than or equal to half of kernel size"),
    (_fn("max_pool2d", 3, shape=(1, 1, 2, 2)), RuntimeError, "Output size is too small"),
    (_fn("max_pool2d", 2, shape=(1, 1, 1, 4, 4)), RuntimeError, "3D or 4D"),
    (_fn("max_pool2d", 2, shape=(2, 0, 4, 4)), RuntimeError, "optional 0 dim batch size"),
    (_fn("max_pool2d", 3, stride=0), RuntimeError, "stride should not be zero"),
    (_fn("max_pool2d", 0, stride=1), RuntimeError, "kernel size should be greater than zero"),
    (_fn("max_pool2d", 2, dilation=0), RuntimeError, "dilation should be greater than zero"),
    (_fn("max_pool2d", 2, padding=-1), RuntimeError, "pad must be non-negative"),
    (_fn("max_pool2d", (2, 2, 2)), RuntimeError, "kernel_size must either be a single int"),
    (_fn("max_pool2d", 2.0), TypeError, "kernel_size"),
    (_fn("max_pool2d", [2.5, 2]), TypeError, "found element of type float at pos 0"),
    (_fn("max_pool2d", [2, 2.5]), TypeError, "failed to unpack the object at pos 2"),
    (_fn("max_pool2d", 2, ceil_mode=1), TypeError, "ceil_mode"),
    (_fn("max_pool2d", 2, dtype="bool"), NotImplementedError, "not implemented for 'Bool'"),
    (lambda lib: lib.nn.functional.max_pool2d(np.zeros((1, 1, 4, 4)), 2), TypeError,
     "must be Tensor"),
    (_fn("max_pool1d", 3, padding=2, shape=(2, 3, 9)), RuntimeError,
     r"max_pool1d\(\) padding should be at most half of kernel size"),
    (_fn("max_pool1d", 0, shape=(2, 3, 9)), RuntimeError, "kernel_size must be greater than zero"),
    (_fn("max_pool1d", 2), RuntimeError, "Expected 2D or 3D"),
    (_fn("max_pool1d", 3, shape=(1, 1, 2)), RuntimeError, "Invalid computed output size: 0"),
    (_fn("max_pool1d", (2, 2), shape=(2, 3, 9)), RuntimeError, "of size 1 but got size 2"),
    (_fn("max_pool1d", 3, padding=2, shape=(2, 3, 9), return_indices=True), RuntimeError,
     "at most half of effective kernel size"),
    (_fn("max_pool1d", 2, shape=(2, 3, 9), dtype="int64"), NotImplementedError,
     "max_pool1d_impl"),
    (_fn("avg_pool2d", 2, divisor_override=0), RuntimeError, "divisor must be not zero"),
    (_fn("avg_pool2d", 3, padding=2), RuntimeError, "at most half of effective kernel size"),
    (_fn("avg_pool2d", 2, shape=(4, 4)), IndexError, "Dimension out of range"),
    (_fn("avg_pool2d", 2, divisor_override=2.0), TypeError, "divisor_override"),
    (_fn("avg_pool2d", 2, dtype="int32"), NotImplementedError, "not implemented for 'Int'"),
    (_fn("avg_pool1d", 2), RuntimeError, "Expected 2 to 3 dimensions"),
    (_fn("avg_pool1d", (2, 2), shape=(2, 3, 9)), RuntimeError, "should contain one int"),
    (_fn("avg_pool1d", 3, shape=(1, 1, 2)), RuntimeError, "Output size is too small"),
    (_fn("adaptive_avg_pool2d", 2, shape=(1, 1, 1, 4, 4)), RuntimeError,
     "Expected 3D or 4D tensor"),
    (_fn("adaptive_avg_pool2d", -1), RuntimeError, "greater than or equal to 0"),
    (_fn("adaptive_avg_pool2d", (1, 2, 3)), RuntimeError, "output_size must be 2"),
    (_fn("adaptive_avg_pool2d", (None, 2), shape=(4, 4)), ValueError,
     "Input dimension should be at least 3"),
    (_fn("adaptive_avg_pool2d", 2, shape=(1, 2, 0, 4)), RuntimeError, "non-zero size"),
    (_fn("adaptive_avg_pool2d", 2, dtype="int64"), NotImplementedError, "'Long'"),
    (_fn("adaptive_avg_pool2d", 1, dtype="int64"), RuntimeError, "could not infer output dtype"),
    (_fn("adaptive_max_pool2d", 2, shape=(1, 2, 0, 4)), RuntimeError, "non-zero size"),
    (_fn("adaptive_max_pool2d", 2, shape=(4, 4)), RuntimeError, "Expected 3D or 4D tensor"),
    (_fn("adaptive_max_pool2d", -1), RuntimeError, "negative dimension -1"),
    (_fn("adaptive_max_pool2d", 2.5), TypeError, "has no len"),
]


@pytest.mark.parametrize("fn, exception, match", ERRORS,
                         ids=[f"{i}-{m[:30]}" for i, (_, _, m) in enumerate(ERRORS)])
def test_errors_match_torch(fn, exception, match):
    helper_test_exception(fn, exception, match=match)


def _unpool(indices_dtype="int64", shift=0, indices_width=2, **kwargs):
    def call(lib):
        x = lib.randn(1, 1, 4, 4)
        y, indices = lib.nn.functional.max_pool2d(x, 2, return_indices=True)
        indices = (indices + shift).to(getattr(lib, indices_dtype))[..., :indices_width]
        return lib.nn.functional.max_unpool2d(y, indices, 2, **kwargs)
    return call


UNPOOL_ERRORS = [
    (_unpool("float32"), RuntimeError, "should be type int64 but got: Float"),
    (_unpool(shift=20), RuntimeError, "Found an invalid max index"),
    (_unpool(shift=-20), RuntimeError, "Found an invalid max index"),
    (_unpool(indices_width=1), RuntimeError, "Expected shape of indices"),
    (_unpool(output_size=(6, 6)), ValueError, "invalid output_size"),
    (_unpool(output_size=(1, 4, 4)), ValueError, "2 or 4 elements"),
    (_unpool(padding=3), ValueError, "non-negative spatial dimensions"),
]


@pytest.mark.parametrize("fn, exception, match", UNPOOL_ERRORS,
                         ids=[m[:30] for _, _, m in UNPOOL_ERRORS])
def test_max_unpool2d_errors_match_torch(fn, exception, match):
    helper_test_exception(fn, exception, match=match)


# ----------------------------------------------------------------- threads
@pytest.fixture
def restore_threads():
    before = cynn.get_num_threads()
    yield
    cynn.set_num_threads(before)


THREAD_CASES = [
    ("max_pool2d", dict(kernel_size=3, stride=2, padding=1, return_indices=True)),
    ("max_pool2d", dict(kernel_size=3, stride=1)),
    ("max_pool2d", dict(kernel_size=2, dilation=3)),
    ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ("adaptive_avg_pool2d", dict(output_size=(5, 7))),
    ("adaptive_avg_pool2d", dict(output_size=1)),
    ("adaptive_max_pool2d", dict(output_size=(5, 7), return_indices=True)),
    ("max_pool1d", dict(kernel_size=3, stride=2, padding=1, return_indices=True)),
]


@pytest.mark.parametrize("name, kwargs", THREAD_CASES, ids=[n for n, _ in THREAD_CASES])
def test_one_and_two_threads_agree_exactly(name, kwargs, restore_threads):
    shape = (4, 16, 45) if name.endswith("1d") else (4, 16, 33, 35)
    data = np.random.default_rng(5).standard_normal(shape).astype(np.float32)
    upstream = None
    results = []
    for threads in (1, 2):
        cynn.set_num_threads(threads)
        x = cynn.tensor(data, requires_grad=True)
        out = getattr(F, name)(x, **kwargs)
        outs = out if isinstance(out, tuple) else (out,)
        if upstream is None:
            upstream = np.random.default_rng(6).standard_normal(outs[0].shape).astype(np.float32)
        outs[0].backward(cynn.tensor(upstream))
        results.append([o.detach().numpy() for o in outs] + [x.grad.numpy()])
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)


def test_max_unpool2d_one_and_two_threads_agree_exactly(restore_threads):
    data = np.random.default_rng(7).standard_normal((8, 16, 24, 24)).astype(np.float32)
    results = []
    for threads in (1, 2):
        cynn.set_num_threads(threads)
        x = cynn.tensor(data)
        y, indices = F.max_pool2d(x, 2, return_indices=True)
        y.requires_grad_(True)
        out = F.max_unpool2d(y, indices, 2)
        out.backward(cynn.tensor(data))
        results.append((out.detach().numpy(), y.grad.numpy()))
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)
