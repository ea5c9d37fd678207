"""Every pool, unpool and ``F.pad`` on zero-size batches, channels and spatial axes,
forward and backward, against PyTorch: the same output and input gradient where
PyTorch computes, the same error where it raises (in the forward or the backward)."""
import numpy as np
import pytest

import cynn
from helpers import assert_same_tensor, torch_module


def _flat(x):
    return x.flatten(-2, -1) if x.dim() == 4 else x


OPS = {
    "max_pool2d": lambda F, lib, x: F.max_pool2d(x, 2),
    "max_pool2d_indices": lambda F, lib, x: F.max_pool2d(x, 2, return_indices=True)[0],
    "avg_pool2d": lambda F, lib, x: F.avg_pool2d(x, 2),
    "max_pool1d": lambda F, lib, x: F.max_pool1d(_flat(x), 2),
    "max_pool1d_indices": lambda F, lib, x: F.max_pool1d(_flat(x), 2, return_indices=True)[0],
    "avg_pool1d": lambda F, lib, x: F.avg_pool1d(_flat(x), 2),
    "adaptive_avg_pool2d": lambda F, lib, x: F.adaptive_avg_pool2d(x, 2),
    "adaptive_avg_pool2d_1": lambda F, lib, x: F.adaptive_avg_pool2d(x, 1),
    "adaptive_avg_pool2d_0": lambda F, lib, x: F.adaptive_avg_pool2d(x, (0, 2)),
    "adaptive_max_pool2d": lambda F, lib, x: F.adaptive_max_pool2d(x, 2),
    "adaptive_max_pool2d_0": lambda F, lib, x: F.adaptive_max_pool2d(x, (2, 0)),
    "max_unpool2d": lambda F, lib, x: F.max_unpool2d(x, lib.zeros(x.shape, dtype=lib.int64), 2),
    "max_unpool2d_size": lambda F, lib, x: F.max_unpool2d(
        x, lib.zeros(x.shape, dtype=lib.int64), 2,
        output_size=(x.shape[-2] * 2 + 1, x.shape[-1] * 2)),
    "pad_constant": lambda F, lib, x: F.pad(x, (1, 2, 1, 1)),
    "pad_constant_crop": lambda F, lib, x: F.pad(x, (-1, 2)),
    "pad_constant_outer": lambda F, lib, x: F.pad(x, (0, 0, 0, 0, 1, 1)),
    "pad_reflect": lambda F, lib, x: F.pad(x, (1, 1, 1, 1), mode="reflect"),
    "pad_replicate": lambda F, lib, x: F.pad(x, (1, 1, 1, 1), mode="replicate"),
    "pad_circular": lambda F, lib, x: F.pad(x, (1, 1, 1, 1), mode="circular"),
    "pad_reflect_1d": lambda F, lib, x: F.pad(x, (1, 1), mode="reflect"),
    "pad_replicate_1d": lambda F, lib, x: F.pad(x, (1, 1), mode="replicate"),
    "pad_circular_1d": lambda F, lib, x: F.pad(x, (1, 1), mode="circular"),
}
SHAPES = [(0, 3, 4, 4), (2, 0, 4, 4), (2, 3, 0, 4), (2, 3, 4, 0), (0, 4, 4), (3, 0, 4),
          (3, 4, 0), (0, 0, 0, 0), (0, 3, 1, 1)]


def _run(lib, op, shape):
    """("forward", error) or ("backward", output, error) or ("ok", output, gradient)."""
    x = lib.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    try:
        y = OPS[op](lib.nn.functional, lib, x)
    except Exception as e:   # noqa: BLE001 -- the error is the outcome compared
        return "forward", e
    try:
        y.backward(lib.ones(y.shape, dtype=y.dtype))
    except Exception as e:   # noqa: BLE001
        return "backward", y, e
    return "ok", y, x.grad


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("op", sorted(OPS))
def test_empty_input_matches_torch(op, shape):
    torch = torch_module()
    expected, got = _run(torch, op, shape), _run(cynn, op, shape)
    assert got[0] == expected[0], f"torch: {expected}, cynn: {got}"
    if expected[0] != "forward":
        assert_same_tensor(got[1], expected[1], what="output")
    if expected[0] == "ok":
        assert (got[2] is None) == (expected[2] is None)
        if expected[2] is not None:
            assert_same_tensor(got[2], expected[2], what="gradient")
        return
    error, torch_error = got[-1], expected[-1]
    assert type(error) is type(torch_error)
    assert str(error) == str(torch_error)
