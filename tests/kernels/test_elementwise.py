"""pyx/elementwise.pyx against numpy, per dtype, 1 and 2 threads, sizes on both sides of
the parallel threshold."""
import numpy as np
import pytest

from cynn._kernels import elementwise as ek


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 7, 40000, 75264])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_relu_forward_and_backward_match_numpy(dtype, n, n_threads):
    rng = np.random.default_rng(n)
    x = rng.standard_normal(n).astype(dtype)
    x[::5] = 0.0  # the kink: PyTorch's gradient there is 0
    gy = rng.standard_normal(n).astype(dtype)
    gy[::3] = np.nan  # a NaN gradient where the unit is off still gives 0, as in PyTorch
    y = np.empty_like(x)
    gx = np.empty_like(x)
    ek.relu_forward(x, y, n_threads)
    ek.relu_backward(y, gy, gx, n_threads)
    np.testing.assert_array_equal(y, np.maximum(x, 0))
    np.testing.assert_array_equal(gx, np.where(x > 0, gy, 0))
