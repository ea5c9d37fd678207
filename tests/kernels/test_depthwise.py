"""Depthwise convolutions (groups == input channels) run on their own kernels
(pyx/depthwise.h): register tiles of 4 output rows by 16-32 columns over a padded
copy of each plane. These cases aim at the tiles' edges -- rows and columns that
are not whole tiles, channel multipliers, strides, dilation, 1-d and 3-d -- and
at the weight gradient's fallback for inputs that are not finite."""
import numpy as np
import pytest

import cynn
import cynn.nn.functional as F
from cynn.autograd import gradcheck

torch = pytest.importorskip("torch", reason="torch is the parity oracle")
TF = torch.nn.functional

CASES = [
    # op, x shape, weight shape, kwargs
    ("conv2d", (2, 6, 37, 45), (6, 1, 3, 3), dict(groups=6, padding=1)),
    ("conv2d", (2, 4, 21, 50), (8, 1, 5, 3), dict(groups=4, padding=(2, 1), dilation=(1, 2))),
    ("conv2d", (1, 3, 30, 33), (3, 1, 3, 3), dict(groups=3, stride=2, padding=1)),
    ("conv2d", (2, 3, 17, 70), (3, 1, 7, 7), dict(groups=3, padding=3)),
    ("conv2d", (1, 2, 8, 8), (2, 1, 3, 3), dict(groups=2, padding=4)),
    ("conv2d", (3, 2, 9, 16), (2, 1, 2, 4), dict(groups=2, stride=(1, 3))),
    ("conv2d", (2, 5, 12, 32), (5, 1, 3, 3), dict(groups=5, padding="same", dilation=2)),
    ("conv1d", (2, 5, 40), (5, 1, 5), dict(groups=5, padding=2)),
    ("conv3d", (1, 4, 5, 9, 20), (4, 1, 3, 3, 3), dict(groups=4, padding=1)),
    ("conv3d", (2, 2, 6, 7, 8), (4, 1, 2, 3, 3), dict(groups=2, stride=(2, 1, 2))),
]


def _ids(case):
    op, x_shape, w_shape, kwargs = case
    return f"{op}-x{'x'.join(map(str, x_shape))}-w{'x'.join(map(str, w_shape))}-" + ",".join(
        f"{k}={v}" for k, v in kwargs.items())


def _run(lib, functional, op, x, w, b, gy, kwargs):
    tensors = [lib.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = getattr(functional, op)(*tensors, **kwargs)
    y.backward(lib.tensor(gy))
    return [y.detach().numpy()] + [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_matches_torch(case, threads):
    op, x_shape, w_shape, kwargs = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    b = rng.standard_normal(w_shape[0]).astype(np.float32)
    with torch.no_grad():
        out_shape = getattr(TF, op)(torch.tensor(x), torch.tensor(w), **kwargs).shape
    gy = rng.standard_normal(tuple(out_shape)).astype(np.float32)
    previous = cynn.get_num_threads()
    cynn.set_num_threads(threads)
    try:
        ours = _run(cynn, F, op, x, w, b, gy, kwargs)
    finally:
        cynn.set_num_threads(previous)
    theirs = _run(torch, TF, op, x, w, b, gy, kwargs)
    for name, mine, ref in zip(("output", "input grad", "weight grad", "bias grad"), ours, theirs):
        scale = max(1.0, float(np.abs(ref).max()))
        np.testing.assert_allclose(mine, ref, rtol=1e-4, atol=1e-5 * scale, err_msg=name)


@pytest.mark.parametrize("case", CASES[:3] + CASES[5:6] + CASES[7:], ids=_ids)
def test_gradcheck_float64(case):
    op, x_shape, w_shape, kwargs = case
    # small versions of the cases: same channels and options, fewer positions
    x_shape = x_shape[:2] + tuple(min(s, 9) for s in x_shape[2:])
    rng = np.random.default_rng(1)
    x, w, b = (cynn.tensor(rng.standard_normal(s), dtype=cynn.float64, requires_grad=True)
               for s in (x_shape, w_shape, (w_shape[0],)))
    assert gradcheck(lambda *a: getattr(F, op)(*a, **kwargs), (x, w, b))


def test_weight_grad_ignores_inputs_no_output_reads():
    # With padding 1, tap column 0 never reads the last input column. An inf there
    # must leave that tap's gradient finite (the padded long-dot-product kernel
    # would compute 0 * inf = NaN, and falls back to the row kernel).
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 20, 40)).astype(np.float32)
    x[:, :, 5, -1] = np.inf
    w = rng.standard_normal((3, 1, 3, 3)).astype(np.float32)
    gy = rng.standard_normal((2, 3, 20, 40)).astype(np.float32)
    ours = cynn.tensor(w, requires_grad=True)
    F.conv2d(cynn.tensor(x), ours, padding=1, groups=3).backward(cynn.tensor(gy))
    theirs = torch.tensor(w, requires_grad=True)
    TF.conv2d(torch.tensor(x), theirs, padding=1, groups=3).backward(torch.tensor(gy))
    expected = theirs.grad.numpy()
    assert np.isfinite(expected[:, :, :, 0]).all() and not np.isfinite(expected).all()
    np.testing.assert_allclose(ours.grad.numpy(), expected, rtol=1e-4, atol=1e-4)
