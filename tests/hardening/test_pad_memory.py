"""``F.pad`` allocates its output once and writes every element of it once: peak
memory (numpy's allocations, as tracemalloc sees them) stays near the output's size
in every mode, forward and backward, where a table per output row or ``np.pad``
temporaries cost several times the output."""
import tracemalloc

import numpy as np
import pytest

import cynn
from helpers import assert_same_tensor, torch_module

MODES = ["constant", "reflect", "replicate", "circular"]
# (input shape, pad): narrow rows (a source-row table would cost 8 bytes a row),
# square planes, and a long single padded axis.
CASES = [((64, 16, 32, 8), (1, 1, 2, 2)), ((2, 4, 128, 128), (3, 1, 2, 4)),
         ((1, 1 << 18, 2), (1, 1))]


def _peak(fn):
    """Bytes traced at the peak of ``fn()`` above what was live before it."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = fn()
        return result, tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("shape, pad", CASES)
@pytest.mark.parametrize("mode", MODES)
def test_pad_forward_peak_is_about_its_output(mode, shape, pad):
    x = cynn.rand(*shape)
    F = cynn.nn.functional
    F.pad(x, pad, mode=mode)   # warm the per-shape maps and lazy imports
    y, peak = _peak(lambda: F.pad(x, pad, mode=mode))
    out_bytes = y.numel() * 4
    assert peak <= 1.3 * out_bytes, f"peak {peak / out_bytes:.2f}x the output"
    assert peak >= out_bytes   # the measurement sees the output itself


@pytest.mark.parametrize("shape, pad", CASES)
@pytest.mark.parametrize("mode", MODES)
def test_pad_backward_peak_is_about_its_input(mode, shape, pad):
    F = cynn.nn.functional
    x = cynn.rand(*shape, requires_grad=True)
    y = F.pad(x, pad, mode=mode)
    gy = cynn.ones(y.shape)
    _, peak = _peak(lambda: y.backward(gy))
    in_bytes = x.numel() * 4
    assert peak <= 1.3 * in_bytes, f"peak {peak / in_bytes:.2f}x the input"


@pytest.mark.parametrize("shape, pad", CASES)
@pytest.mark.parametrize("mode", MODES)
def test_pad_values_and_gradients_match_torch(mode, shape, pad):
    torch = torch_module()
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    gy_shape = torch.nn.functional.pad(torch.tensor(x), pad, mode=mode).shape
    gy = np.random.default_rng(1).standard_normal(tuple(gy_shape)).astype(np.float32)
    results = []
    for lib in (torch, cynn):
        xt = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.pad(xt, pad, mode=mode)
        y.backward(lib.tensor(gy))
        results.append((y, xt.grad))
    assert_same_tensor(results[1][0], results[0][0], what="output")
    assert_same_tensor(results[1][1], results[0][1], what="gradient")


@pytest.mark.parametrize("mode", MODES)
def test_pad_gradcheck(mode):
    F = cynn.nn.functional
    x = cynn.tensor(np.random.default_rng(2).standard_normal((2, 3, 4, 5)), requires_grad=True)
    assert cynn.autograd.gradcheck(lambda v: F.pad(v, (2, 1, 1, 3), mode=mode), [x])
