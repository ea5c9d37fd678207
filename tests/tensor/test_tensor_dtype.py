"""dtypes: inference, conversion, and PyTorch's type promotion (dimensioned tensors decide
first; 0-d tensors and python scalars only raise the category)."""
import itertools

import numpy as np
import pytest

import cynn
from helpers import assert_same_tensor, dtype_name, torch_dtype, torch_module

VALUES = {
    "bool": [True, False, True],
    "int32": [3, -2, 5],
    "int64": [4, 7, -3],
    "float32": [0.5, -1.25, 2.0],
    "float64": [1.5, 0.25, -3.0],
}


def _operand(lib, kind):
    """``kind`` is ``"<dtype>[<ndim>]"`` for a tensor or a python scalar's repr."""
    if "[" not in kind:
        return eval(kind)
    name, ndim = kind[:-3], int(kind[-2])
    values = VALUES[name] if ndim else VALUES[name][0]
    dtype = getattr(lib, name)
    return lib.tensor(values, dtype=dtype)


TENSOR_KINDS = [f"{d}[{n}]" for d in VALUES for n in (1, 0)]
SCALAR_KINDS = ["True", "2", "2.5"]

BINARY = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "sub": lambda a, b: a - b,
    "div": lambda a, b: a / b,
    "maximum": lambda a, b: a.maximum(b),
    "eq": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
}


def _pairs():
    for left, right in itertools.product(TENSOR_KINDS, TENSOR_KINDS + SCALAR_KINDS):
        for name in BINARY:
            if name == "maximum" and right in SCALAR_KINDS:
                continue
            yield pytest.param(name, left, right, id=f"{left}-{name}-{right}")


@pytest.mark.parametrize("op, left, right", list(_pairs()))
def test_binary_promotion_matches_torch(op, left, right):
    fn = BINARY[op]
    _check_like_torch(lambda lib: fn(_operand(lib, left), _operand(lib, right)))


def _check_like_torch(fn):
    """Same result as torch, or the same exception type when torch refuses."""
    torch = torch_module()
    try:
        expected = fn(torch)
    except (RuntimeError, NotImplementedError) as err:
        with pytest.raises(type(err)):
            fn(cynn)
        return
    assert_same_tensor(fn(cynn), expected)


@pytest.mark.parametrize("scalar", SCALAR_KINDS)
@pytest.mark.parametrize("tensor", TENSOR_KINDS)
@pytest.mark.parametrize("op", ["radd", "rmul", "rsub", "rdiv"])
def test_reflected_scalar_ops_promote_like_torch(op, tensor, scalar):
    fn = {"radd": lambda s, t: s + t, "rmul": lambda s, t: s * t, "rsub": lambda s, t: s - t,
          "rdiv": lambda s, t: s / t}[op]
    _check_like_torch(lambda lib: fn(eval(scalar), _operand(lib, tensor)))


@pytest.mark.parametrize("exponent", ["2", "2.5", "int64[1]", "float64[0]", "float32[1]"])
@pytest.mark.parametrize("base", ["int64[1]", "int32[0]", "float32[1]", "float64[1]"])
def test_pow_promotion(base, exponent):
    torch = torch_module()
    if base.startswith("int") and exponent.startswith("int"):
        exponent = "2"  # int64 values include negatives: an error for integer bases
    expected = _operand(torch, base) ** _operand(torch, exponent)
    got = _operand(cynn, base) ** _operand(cynn, exponent)
    assert_same_tensor(got, expected)


@pytest.mark.parametrize("mode", [None, "floor", "trunc"])
@pytest.mark.parametrize("dtype", ["int64", "float32"])
def test_div_rounding_modes(mode, dtype):
    torch = torch_module()
    a, b = [7, -7, 9, -1], [2, 2, -4, 3]
    expected = torch.tensor(a, dtype=torch_dtype(dtype)).div(torch.tensor(b), rounding_mode=mode)
    got = cynn.tensor(a, dtype=getattr(cynn, dtype)).div(cynn.tensor(b), rounding_mode=mode)
    assert_same_tensor(got, expected)
    assert_same_tensor(cynn.tensor(a) // cynn.tensor(b), torch.tensor(a) // torch.tensor(b))
    assert_same_tensor(cynn.tensor(a) % cynn.tensor(b), torch.tensor(a) % torch.tensor(b))
    assert_same_tensor(7 // cynn.tensor(b), 7 // torch.tensor(b))
    assert_same_tensor(7.5 % cynn.tensor(b), 7.5 % torch.tensor(b))


def test_in_place_keeps_the_destination_dtype():
    x = cynn.ones(3)
    x += cynn.ones(3, dtype=cynn.float64)
    x.mul_(cynn.tensor([2, 3, 4]))
    assert x.dtype is cynn.float32
    np.testing.assert_array_equal(x.numpy(), [4.0, 6.0, 8.0])
    n = cynn.tensor([1, 2, 3])
    n += 2
    n *= cynn.tensor([True, False, True])
    assert n.dtype is cynn.int64
    assert n.tolist() == [3, 0, 5]


@pytest.mark.parametrize("data, expected", [
    ([1, 2], "int64"),
    ([1.0, 2], "float32"),
    ([True, False], "bool"),
    ([[1, 2], [3, 4.5]], "float32"),
    (3, "int64"),
    (2.5, "float32"),
    (True, "bool"),
    (np.array([1.0, 2.0]), "float64"),
    (np.array([1, 2], dtype=np.int32), "int32"),
    (np.float64(1.5), "float64"),
])
def test_tensor_infers_dtype_like_torch(data, expected):
    torch = torch_module()
    assert dtype_name(torch.tensor(data)) == expected
    t = cynn.tensor(data)
    assert dtype_name(t) == expected
    np.testing.assert_array_equal(t.numpy(), np.asarray(data))


def test_tensor_of_tensors_keeps_values():
    t = cynn.tensor([cynn.tensor(1.5), cynn.tensor(2.0)])
    assert t.dtype is cynn.float32 and t.tolist() == [1.5, 2.0]


@pytest.mark.parametrize("method, expected", [
    ("float", "float32"), ("double", "float64"), ("long", "int64"), ("int", "int32"),
    ("bool", "bool")])
def test_conversion_methods(method, expected):
    torch = torch_module()
    data = [1.7, -2.2, 0.0]
    expected_t = getattr(torch.tensor(data), method)()
    got = getattr(cynn.tensor(data), method)()
    assert dtype_name(got) == expected
    assert_same_tensor(got, expected_t)


def test_to_dtype_forms_and_no_op_identity():
    x = cynn.tensor([1.5, 2.5])
    assert x.to(cynn.float64).dtype is cynn.float64
    assert x.to(dtype=cynn.int32).dtype is cynn.int32
    assert x.to(cynn.ones(1, dtype=cynn.int64)).dtype is cynn.int64
    assert x.to("cpu", cynn.float64).dtype is cynn.float64
    assert x.to(cynn.float32) is x
    assert x.to(cynn.float32, copy=True) is not x
    assert x.type(cynn.float64).dtype is cynn.float64
    assert x.type() == "cynn.FloatTensor"
    assert x.long().type() == "cynn.LongTensor"


def test_dtype_objects():
    assert repr(cynn.float32) == "cynn.float32"
    assert cynn.float is cynn.float32 and cynn.double is cynn.float64
    assert cynn.long is cynn.int64 and cynn.int is cynn.int32
    assert cynn.float32.is_floating_point and not cynn.int64.is_floating_point
    assert cynn.get_default_dtype() is cynn.float32
    assert cynn.ones(2).element_size() == 4 and cynn.ones(2, dtype=cynn.float64).element_size() == 8
    assert cynn.ones(1).is_floating_point()
    assert not cynn.ones(1, dtype=cynn.int64).is_floating_point()


def test_set_default_dtype_changes_float_inference():
    cynn.set_default_dtype(cynn.float64)
    try:
        assert cynn.tensor([1.5]).dtype is cynn.float64
        assert cynn.randn(2).dtype is cynn.float64
        assert cynn.zeros(2).dtype is cynn.float64
        assert (cynn.tensor([1, 2]) / 2).dtype is cynn.float64
        assert repr(cynn.tensor([1.5])) == "tensor([1.5000])"
    finally:
        cynn.set_default_dtype(cynn.float32)
    assert cynn.tensor([1.5]).dtype is cynn.float32
    with pytest.raises(TypeError):
        cynn.set_default_dtype(cynn.int64)


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "float32", "float64"])
@pytest.mark.parametrize("op", ["sum", "mean", "max", "prod", "cumsum", "abs", "neg", "relu",
                                "exp", "sigmoid"])
def test_unary_and_reduction_output_dtypes(op, dtype):
    fn = {"sum": lambda t: t.sum(), "mean": lambda t: t.mean(), "max": lambda t: t.max(),
          "prod": lambda t: t.prod(), "cumsum": lambda t: t.cumsum(0), "abs": lambda t: t.abs(),
          "neg": lambda t: -t, "relu": lambda t: t.relu(), "exp": lambda t: t.exp(),
          "sigmoid": lambda t: t.sigmoid()}[op]
    _check_like_torch(lambda lib: fn(lib.tensor(VALUES[dtype], dtype=getattr(lib, dtype))))


@pytest.mark.parametrize("make", [
    lambda lib, x: np.float32(2) * x, lambda lib, x: x * np.float64(2),
    lambda lib, x: np.float64(2) + x, lambda lib, x: np.int64(3) * x,
    lambda lib, x: x / np.float64(2), lambda lib, x: x - np.int32(1),
    lambda lib, x: x ** np.float64(2), lambda lib, x: lib.tensor([1, 2]) * np.float64(1.5)],
    ids=["f32*t", "t*f64", "f64+t", "i64*t", "t/f64", "t-i32", "t**f64", "long*f64"])
def test_numpy_scalars_act_like_python_numbers(make):
    _check_like_torch(lambda lib: make(lib, lib.ones(2)))
