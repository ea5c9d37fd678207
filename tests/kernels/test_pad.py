"""``F.pad`` in every mode: values, gradients and grad_fn names against PyTorch,
float64 finite differences, and PyTorch's exceptions."""
import numpy as np
import pytest

import cynn.nn.functional as F
from helpers import check_gradcheck, helper_test_exception, helper_test_op, torch_module

MODES = ["constant", "reflect", "replicate", "circular"]

# (input shape, pad): 1-, 2- and 3-d padding of batched and unbatched inputs, zero
# pads, the largest pads reflect (size - 1) and circular (size) allow, and negative
# pads (cropping).
CASES = [
    ((2, 3, 7), (2, 3)),
    ((3, 7), (1, 0)),
    ((2, 3, 7), (6, 6)),
    ((2, 3, 8), (-2, 3)),
    ((2, 3, 5, 6), (1, 2, 3, 4)),
    ((3, 5, 6), (0, 5, 4, 0)),
    ((2, 3, 6, 7), (-1, 2, 2, -3)),
    ((1, 2, 3, 4, 5), (1, 1, 2, 2, 1, 2)),
    ((2, 3, 4, 5), (2, 0, 0, 3, 1, 1)),
    ((1, 1, 4, 4), (0, 0, 0, 0)),
    ((2, 2, 3, 2), (2, -3, 4, -2)),
]


def _ids(cases):
    return [f"{shape}-{pad}" for shape, pad in cases]


def _allowed(mode, shape, pad):
    """Whether PyTorch defines this padding (reflect: each pad < its axis; circular:
    each pad <= the axis left after cropping; constant: no crop beyond the axis)."""
    for k in range(len(pad) // 2):
        n = shape[len(shape) - 1 - k]
        before, after = pad[2 * k], pad[2 * k + 1]
        kept = n - max(-before, 0) - max(-after, 0)
        if mode == "reflect" and (before >= n or after >= n):
            return False
        if mode == "circular" and (before > kept or after > kept):
            return False
        if mode == "constant" and kept < 0:
            return False
    return True


GRID = [(mode, shape, pad) for mode in MODES for shape, pad in CASES
        if _allowed(mode, shape, pad)]
GRID_IDS = [f"{mode}-{shape}-{pad}" for mode, shape, pad in GRID]


@pytest.mark.parametrize("mode, shape, pad", GRID, ids=GRID_IDS)
def test_pad_matches_torch(mode, shape, pad):
    helper_test_op([shape], lambda x: torch_module().nn.functional.pad(x, pad, mode=mode),
                   lambda x: F.pad(x, pad, mode=mode), seed=sum(shape))


@pytest.mark.parametrize("mode, shape, pad", GRID, ids=GRID_IDS)
def test_pad_gradcheck(mode, shape, pad):
    check_gradcheck(lambda x: F.pad(x, pad, mode=mode), [shape], seed=sum(shape))


CONSTANT_CASES = [
    ((2, 3, 4), (1, 2, 0, 1, 2, 0), 1.5),
    ((5,), (3, -2), -0.25),
    ((2, 3, 4), (-1, -2, 1, 1), None),
    ((2, 2, 3, 4), (1, 1, 1, 1, 1, 1, 1, 1), 2.0),
    ((2, 3), (), None),
]


@pytest.mark.parametrize("shape, pad, value", CONSTANT_CASES,
                         ids=[f"{s}-{p}-{v}" for s, p, v in CONSTANT_CASES])
def test_constant_pad_any_rank_matches_torch(shape, pad, value):
    helper_test_op([shape], lambda x: torch_module().nn.functional.pad(x, pad, value=value),
                   lambda x: F.pad(x, pad, value=value))
    check_gradcheck(lambda x: F.pad(x, pad, value=value), [shape])


@pytest.mark.parametrize("dtype, value", [("int64", -2.7), ("int32", 3.9), ("bool", 2.0),
                                          ("int64", None)])
def test_constant_pad_converts_value_like_torch(dtype, value):
    helper_test_op([(2, 5)], lambda x: torch_module().nn.functional.pad(x, (2, 1), value=value),
                   lambda x: F.pad(x, (2, 1), value=value), dtype=dtype, low=-3, high=3)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_index_pad_of_integers_matches_torch(mode):
    helper_test_op([(2, 3, 6)], lambda x: torch_module().nn.functional.pad(x, (2, 3), mode=mode),
                   lambda x: F.pad(x, (2, 3), mode=mode), dtype="int64", low=-9, high=9)


@pytest.mark.parametrize("mode", MODES)
def test_pad_of_a_non_contiguous_view_matches_torch(mode):
    pad = (1, 2, 2, 1)
    helper_test_op([(2, 3, 6, 7)],
                   lambda x: torch_module().nn.functional.pad(x.transpose(-1, -2)[..., ::2],
                                                              pad, mode=mode),
                   lambda x: F.pad(x.transpose(-1, -2)[..., ::2], pad, mode=mode))


@pytest.mark.parametrize("mode", MODES)
def test_pad_of_float16_matches_torch(mode):
    helper_test_op([(2, 3, 5, 6)],
                   lambda x: torch_module().nn.functional.pad(x, (1, 2, 2, 1), mode=mode),
                   lambda x: F.pad(x, (1, 2, 2, 1), mode=mode), dtype="float16",
                   rtol=1e-3, atol=1e-3)


def _pad(shape, pad, dtype=None, **kwargs):
    def call(lib):
        x = lib.randn(*shape)
        if dtype is not None:
            x = x.to(getattr(lib, dtype))
        return lib.nn.functional.pad(x, pad, **kwargs)
    return call


ERRORS = [
    (_pad((2, 3, 4), (1,)), RuntimeError, "Padding length must be divisible by 2"),
    (_pad((2, 3), (1, 1, 1, 1, 1, 1)), RuntimeError, "less than or equal to two times"),
    (_pad((2, 3, 4), (1, 1), mode="foo"), NotImplementedError, "Unrecognised padding mode foo"),
    (_pad((2, 3, 4), (1, 1), mode="reflect", value=1.0), RuntimeError,
     "doesn't take in value argument"),
    (_pad((2, 3, 4, 5), (1, 1), mode="reflect"), NotImplementedError,
     "Padding size 2 is not supported for 4D input tensor"),
    (_pad((5,), (1, 1), mode="replicate"), NotImplementedError, "not supported for 1D input"),
    (_pad((3, 4, 5), (5, 1), mode="reflect"), RuntimeError,
     r"Argument #4: .* padding \(5, 1\) at dimension 2 of input \[3, 4, 5\]"),
    (_pad((2, 3, 4, 5), (1, 1, 0, 4), mode="reflect"), RuntimeError,
     r"Argument #6: .* padding \(0, 4\) at dimension 2"),
    (_pad((1, 2, 3, 4, 5), (1, 1, 1, 1, 3, 0), mode="reflect"), RuntimeError, "Argument #8"),
    (_pad((3, 4, 5), (-3, -2), mode="reflect"), RuntimeError,
     r"input \(W: 5\) is too small. Calculated output W: 0"),
    (_pad((2, 3, 4, 5), (-3, -2, -2, -2), mode="replicate"), RuntimeError, "is too small"),
    (_pad((2, 3, 0), (1, 1), mode="replicate"), RuntimeError, "other non-zero dimensions"),
    (_pad((2, 0, 4, 5), (1, 1, 1, 1), mode="reflect"), RuntimeError,
     "Expected 3D or 4D"),
    (_pad((3, 4, 5), (6, 0), mode="circular"), RuntimeError, "wrapping around more than once"),
    (_pad((3, 4, 5), (-4, -2), mode="circular"), RuntimeError, "resulting in an empty dimension"),
    (_pad((1, 1, 4), (-3, 4), mode="circular"), RuntimeError, "single memory location"),
    (_pad((2, 3, 5), (-3, -3)), RuntimeError, r"narrow\(\): length must be non-negative"),
    (_pad((1, 5), (1, 1), mode="replicate", dtype="bool"), NotImplementedError,
     "replication_pad1d"),
    (_pad((3,), (1, 1), dtype="int64", value=float("nan")), RuntimeError,
     "cannot be converted to type int64_t without overflow"),
    (_pad((2, 3), (1, 1.5)), TypeError, "failed to unpack the object at pos 2"),
    (_pad((2, 3), (1.5, 1)), TypeError, "found element of type float at pos 0"),
    (_pad((2, 3), 1), TypeError, "must be tuple of ints, not int"),
    (_pad((2, 3), (1, 1), mode=None), TypeError, "argument 'mode'"),
    (_pad((2, 3), (1, 1), value="a"), TypeError, "argument 'value'"),
]


@pytest.mark.parametrize("fn, exception, match", ERRORS,
                         ids=[f"{i}-{m[:30]}" for i, (_, _, m) in enumerate(ERRORS)])
def test_pad_errors_match_torch(fn, exception, match):
    helper_test_exception(fn, exception, match=match)


def test_pad_does_not_alias_its_input():
    import cynn
    x = cynn.randn(2, 3, 4)
    for mode in MODES:
        y = F.pad(x, (0, 0), mode=mode)
        y.add_(1.0)
        assert not np.shares_memory(y.numpy(), x.numpy())


@pytest.mark.parametrize("mode", MODES)
def test_pad_one_and_two_threads_agree_exactly(mode):
    import cynn
    before = cynn.get_num_threads()
    data = np.random.default_rng(2).standard_normal((4, 16, 40, 41)).astype(np.float32)
    results = []
    try:
        for threads in (1, 2):
            cynn.set_num_threads(threads)
            x = cynn.tensor(data, requires_grad=True)
            y = F.pad(x, (2, 3, 1, 2), mode=mode)
            y.backward(cynn.ones(*y.shape))
            results.append((y.detach().numpy(), x.grad.numpy()))
    finally:
        cynn.set_num_threads(before)
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)
