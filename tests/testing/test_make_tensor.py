"""``cynn.testing.make_tensor`` against ``torch.testing.make_tensor``: shapes, dtypes, ranges,
layout options and the same errors for the same bad arguments."""
import math
import warnings

import numpy as np
import pytest

import cynn
from cynn.testing import make_tensor
from helpers import torch_module

torch = torch_module()

DTYPES = ["float32", "float64", "int64", "int32", "int8", "uint8", "bool"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_default_range_is_torchs(dtype):
    x = make_tensor(4000, dtype=getattr(cynn, dtype), device="cpu").numpy().astype(np.float64)
    t = torch.testing.make_tensor(4000, dtype=getattr(torch, dtype),
                                  device="cpu").numpy().astype(np.float64)
    assert x.dtype == t.dtype
    assert (x.min(), x.max()) == pytest.approx((t.min(), t.max()), abs=0.05)
    if dtype not in ("float32", "float64"):  # integers: every value of the range is drawn
        assert set(np.unique(x)) == set(np.unique(t))


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), ((2, 3),), ([4, 1, 2],)])
def test_shape_forms(shape):
    got = make_tensor(*shape, dtype=cynn.float32, device="cpu")
    expected = torch.testing.make_tensor(*shape, dtype=torch.float32, device="cpu")
    assert tuple(got.shape) == tuple(expected.shape)
    assert got.dtype == cynn.float32


@pytest.mark.parametrize("dtype,low,high", [("float32", -1.5, 0.25), ("int64", 0.5, 3.5),
                                            ("uint8", -5, 3), ("int8", -200, 200),
                                            ("float32", -math.inf, 0.0), ("bool", 1, 2)])
def test_bounds_and_clamping(dtype, low, high):
    x = make_tensor(5000, dtype=getattr(cynn, dtype), device="cpu", low=low, high=high).numpy()
    t = torch.testing.make_tensor(5000, dtype=getattr(torch, dtype), device="cpu", low=low,
                                  high=high).numpy()
    if x.dtype.kind in "biu":
        assert set(np.unique(x)) == set(np.unique(t))
    else:
        lowest = np.finfo(x.dtype).min
        assert x.min() >= max(low, lowest) and x.max() < high
        assert np.isfinite(x).all()


def test_requires_grad():
    x = make_tensor(3, dtype=cynn.float64, device="cpu", requires_grad=True)
    assert x.requires_grad and x.is_leaf


@pytest.mark.parametrize("shape", [(2, 3), (4,), (1,), ()])
def test_noncontiguous_matches_torchs_layout(shape):
    x = make_tensor(*shape, dtype=cynn.float32, device="cpu", noncontiguous=True)
    t = torch.testing.make_tensor(*shape, dtype=torch.float32, device="cpu", noncontiguous=True)
    assert x.is_contiguous() == t.is_contiguous()
    assert tuple(x.stride()) == tuple(t.stride())
    assert tuple(x.shape) == tuple(t.shape)


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_exclude_zero(dtype):
    x = make_tensor(5000, dtype=getattr(cynn, dtype), device="cpu", exclude_zero=True,
                    low=0 if dtype == "bool" else -2, high=2).numpy()
    assert (x != 0).all()


def test_exclude_zero_uses_tiny_for_floats():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        x = make_tensor(3, dtype=cynn.float32, device="cpu", low=0, high=0, exclude_zero=True)
        t = torch.testing.make_tensor(3, dtype=torch.float32, device="cpu", low=0, high=0,
                                      exclude_zero=True)
    np.testing.assert_array_equal(x.numpy(), t.numpy())


def test_same_seed_same_values():
    cynn.manual_seed(3)
    a = make_tensor(5, dtype=cynn.float32, device="cpu")
    cynn.manual_seed(3)
    b = make_tensor(5, dtype=cynn.float32, device="cpu")
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def raised(lib, kwargs, shape=(3,)):
    try:
        lib.testing.make_tensor(*shape, **{"device": "cpu", **kwargs})
    except Exception as error:  # noqa: BLE001 -- the exception is what is compared
        return type(error), str(error).replace("torch.", "cynn.")
    return None


@pytest.mark.parametrize("kwargs", [
    {"dtype": "float32", "low": 5, "high": 1}, {"dtype": "float32", "low": math.nan},
    {"dtype": "int64", "low": 2, "high": 2}, {"dtype": "bool", "low": 2, "high": 3},
    {"dtype": "int64", "requires_grad": True}, {"dtype": "bool", "requires_grad": True},
    {"dtype": "float32", "low": 1e40}])
def test_errors_as_torchs(kwargs):
    dtype = kwargs["dtype"]
    assert raised(cynn, {**kwargs, "dtype": getattr(cynn, dtype)}) == \
        raised(torch, {**kwargs, "dtype": getattr(torch, dtype)})
    assert raised(cynn, {**kwargs, "dtype": getattr(cynn, dtype)}) is not None


def test_dtype_and_device_are_required():
    with pytest.raises(TypeError, match="dtype"):
        make_tensor(3, device="cpu")
    with pytest.raises(TypeError, match="device"):
        make_tensor(3, dtype=cynn.float32)


def test_low_equal_high_warns_for_floats_as_torch():
    for lib in (torch, cynn):
        with pytest.warns(FutureWarning, match="Passing `low==high`"):
            x = lib.testing.make_tensor(3, dtype=lib.float32, device="cpu", low=2, high=2)
        assert x.tolist() == [2.0, 2.0, 2.0]
