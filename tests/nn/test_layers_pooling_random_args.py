"""Seeded random argument matrices for the pooling ops of issue 15, run in torch and
in cynn: the same exception type and message, or the same outputs (values, indices,
shapes, dtypes). Sizes, kernels, strides, paddings, dilations, output sizes and
samples are drawn around the edges where PyTorch's checks sit (zero, negative,
too large, wrong tuple lengths, empty axes, integer inputs)."""
import numpy as np
import pytest

import cynn
import cynn.nn.functional as F
from _nn_parity import torch

TF = torch.nn.functional
CASES_PER_SEED = 200
# numpy's warnings for the mean of an empty volume (adaptive pooling to 1x1x1)
pytestmark = pytest.mark.filterwarnings("ignore:Mean of empty slice",
                                        "ignore:invalid value encountered")


def _pick(g, options):
    return options[g.integers(len(options))]


def _arg(g, low, high, n):
    """An int, an n-tuple, or now and then a tuple of the wrong length."""
    r = g.random()
    if r < 0.4:
        return int(g.integers(low, high))
    if r < 0.9:
        return tuple(int(v) for v in g.integers(low, high, n))
    return tuple(int(v) for v in g.integers(low, high, _pick(g, [1, 2, 3, 4])))


def _windowed(g):
    name = _pick(g, ["max_pool3d", "avg_pool3d"])
    shape = tuple(int(v) for v in g.integers(0 if g.random() < 0.1 else 1, 7,
                                             _pick(g, [3, 4, 5, 5, 5])))
    kwargs = dict(kernel_size=_arg(g, -1, 5, 3), ceil_mode=bool(g.random() < 0.5))
    if g.random() < 0.7:
        kwargs["stride"] = _arg(g, -1, 4, 3)
    if g.random() < 0.6:
        kwargs["padding"] = _arg(g, -1, 3, 3)
    if name == "max_pool3d":
        kwargs["return_indices"] = True
        if g.random() < 0.5:
            kwargs["dilation"] = _arg(g, 0, 3, 3)
    else:
        if g.random() < 0.5:
            kwargs["count_include_pad"] = bool(g.random() < 0.5)
        if g.random() < 0.3:
            kwargs["divisor_override"] = int(g.integers(-2, 4))
    dtype = _pick(g, [np.float32, np.float64, np.int64]) if g.random() < 0.2 else np.float32
    x = (g.standard_normal(shape) * 5).astype(dtype)
    return lambda lib, f, T: getattr(f, name)(T(x), **kwargs)


def _adaptive(g):
    kind = _pick(g, ["adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_avg_pool3d",
                     "adaptive_max_pool3d"])
    dims = 1 if kind.endswith("1d") else 3
    ndim = int(g.integers(1, 7)) if g.random() < 0.05 else _pick(g, [dims + 1, dims + 2,
                                                                       dims + 2])
    shape = tuple(int(v) for v in g.integers(0 if g.random() < 0.1 else 1, 8, ndim))
    size = _arg(g, -1, 9, dims)
    if dims == 3 and isinstance(size, tuple) and g.random() < 0.3:
        size = tuple(None if g.random() < 0.4 else v for v in size)
    dtype = _pick(g, [np.float32, np.float64, np.int64]) if g.random() < 0.2 else np.float32
    x = (g.standard_normal(shape) * 5).astype(dtype)
    kwargs = {"return_indices": True} if "max" in kind else {}
    return lambda lib, f, T: getattr(f, kind)(T(x), size, **kwargs)


def _fractional(g):
    dims = _pick(g, [2, 3])
    ndim = int(g.integers(1, 7)) if g.random() < 0.05 else _pick(g, [dims + 1, dims + 2,
                                                                       dims + 2])
    shape = tuple(int(v) for v in g.integers(0 if g.random() < 0.1 else 1, 8, ndim))
    dtype = _pick(g, [np.float32, np.float64, np.int64]) if g.random() < 0.2 else np.float32
    x = (g.standard_normal(shape) * 5).astype(dtype)
    kernel, size = _arg(g, 0, 5, dims), _arg(g, -1, 7, dims)
    n = shape[0] if len(shape) == dims + 2 else 1
    c = shape[-dims - 1] if len(shape) > dims else 1
    samples = g.random((n + int(g.integers(0, 2)), c, dims)).astype(
        dtype if g.random() < 0.9 else np.float64)
    name = f"fractional_max_pool{dims}d"
    if g.random() < 0.8:
        return lambda lib, f, T: getattr(f, name)(T(x), kernel, size, return_indices=True,
                                                  _random_samples=T(samples))
    ratio = tuple(float(v) for v in g.random(dims) * 0.9 + 0.05)
    return lambda lib, f, T: getattr(f, name)(T(x), kernel, None, ratio, True, T(samples))


def _unpool(g):
    dims = _pick(g, [1, 3])
    ndim = int(g.integers(1, 7)) if g.random() < 0.05 else _pick(g, [dims + 1, dims + 2,
                                                                       dims + 2])
    shape = tuple(int(v) for v in g.integers(0 if g.random() < 0.1 else 1, 8, ndim))
    dtype = np.int64 if g.random() < 0.1 else np.float32
    x = (g.standard_normal(shape) * 5).astype(dtype)
    idx = g.integers(-1 if g.random() < 0.1 else 0, 60, shape).astype(np.int64)
    kernel = _arg(g, 1, 4, dims)
    stride = _arg(g, 0, 4, dims) if g.random() < 0.5 else None
    padding = _arg(g, 0, 2, dims) if g.random() < 0.4 else 0
    size = tuple(int(v) for v in g.integers(1, 12, dims)) if g.random() < 0.3 else None
    name = f"max_unpool{dims}d"
    return lambda lib, f, T: getattr(f, name)(T(x), T(idx), kernel, stride, padding, size)


def _outcome(call, lib, f):
    try:
        out = call(lib, f, lambda a: lib.from_numpy(np.array(a)))
    except Exception as e:  # noqa: BLE001 -- the exception is what is compared
        return type(e), str(e).split("\n")[0]
    return None, out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("draw", [_windowed, _adaptive, _fractional, _unpool])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_arguments_behave_as_torch(draw, seed):
    g = np.random.default_rng([seed, 15])
    threads = torch.get_num_threads()
    # torch reports the last bad unpooling index only when serial (cynn always)
    torch.set_num_threads(1)
    try:
        for case in range(CASES_PER_SEED):
            call = draw(g)
            t_kind, t_out = _outcome(call, torch, TF)
            c_kind, c_out = _outcome(call, cynn, F)
            where = f"case {case}"
            if t_kind is not None:
                builtin = next(k for k in t_kind.__mro__ if k.__module__ == "builtins")
                assert c_kind is not None and issubclass(c_kind, builtin), (where, t_out, c_out)
                assert c_out == t_out, where
                continue
            assert c_kind is None, (where, c_out)
            for t, c in zip(t_out, c_out):
                assert tuple(c.shape) == tuple(t.shape), where
                assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], where
                np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-5,
                                           atol=1e-6, equal_nan=True, err_msg=where)
    finally:
        torch.set_num_threads(threads)
