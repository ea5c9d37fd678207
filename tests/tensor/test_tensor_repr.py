"""``repr(tensor)`` equals PyTorch's with ``torch.`` -> ``cynn.``: number formats, sci mode,
nan/inf, 0-d, empty, summarization, line wrapping, dtype / requires_grad / grad_fn suffixes."""
import numpy as np
import pytest

import cynn
from helpers import torch_module

NAN, INF = float("nan"), float("inf")

VALUES = {
    "ints": ([1, 2, 3], None),
    "negative_ints": ([-1, 10, -100], None),
    "big_ints": ([-1, 10000000000], None),
    "integer_floats": ([1.0, 2.0, 3.0], None),
    "negative_integer_floats": ([-1.0, 20.0], None),
    "mixed": ([1.5, 2.0, -3.25], None),
    "long_decimals": ([[1.123456, -2.0], [3.0, 4.0]], None),
    "tiny": ([1e-5, 1.0], None),
    "tiny_only": ([1e-9], None),
    "tiny_and_small": ([0.1, 0.00001], None),
    "huge": ([1e10, 1.0], None),
    "huge_integer": ([123456789.0], None),
    "boundary_1e8": ([1e8, 1.0], None),
    "above_1e8": ([1.1e8], None),
    "span_1000": ([1000.0, 1.0], None),
    "span_1001": ([1001.0, 1.0], None),
    "span_1e-4": ([1e-4, 0.1], None),
    "nan_inf": ([NAN, 1.0, INF, -INF], None),
    "nan_only": ([NAN], None),
    "nan_with_fraction": ([0.5, NAN], None),
    "inf_with_fraction": ([INF, 1.5], None),
    "zeros": ([0.0, 0.0], None),
    "zero_and_nan": ([0.0, NAN], None),
    "negative_zero": ([-0.0, 1.0], None),
    "zero_in_sci": ([0.0, 1e-6, 5.0], None),
    "scalar_float": (3.5, None),
    "scalar_int": (3, None),
    "scalar_tiny": (1e-20, None),
    "scalar_nan": (NAN, None),
    "bool": ([True, False], None),
    "bool_2d": ([[True], [False]], None),
    "empty": ([], None),
    "empty_2d": ([[]], None),
    "empty_int": ([], "int64"),
    "empty_bool_2d": ([[]], "bool"),
    "empty_float64": ([], "float64"),
    "float64": ([1.0, 2.5], "float64"),
    "float64_scalar": (2.0, "float64"),
    "float64_huge": ([1e300, 1.0], "float64"),
    "int32": ([1, 2], "int32"),
    "int32_2d": ([[1, -20], [300, 4]], "int32"),
    "float16": ([1.0, 2.5], "float16"),
    "uint8": ([0, 255], "uint8"),
}


def _both(data, dtype, **kwargs):
    torch = torch_module()
    t = torch.tensor(data, dtype=getattr(torch, dtype) if dtype else None, **kwargs)
    c = cynn.tensor(data, dtype=getattr(cynn, dtype) if dtype else None, **kwargs)
    return t, c


def _assert_same_repr(c, t):
    expected = repr(t).replace("torch.", "cynn.")
    assert repr(c) == expected, f"\ncynn:\n{c!r}\ntorch:\n{expected}"


@pytest.mark.parametrize("data, dtype", list(VALUES.values()), ids=list(VALUES))
def test_repr_matches_torch(data, dtype):
    t, c = _both(data, dtype)
    _assert_same_repr(c, t)


FLOAT_VALUES = {k: v for k, v in VALUES.items()
                if v[1] in (None, "float64") and np.asarray(v[0]).dtype.kind == "f"}


@pytest.mark.parametrize("data, dtype", list(FLOAT_VALUES.values()), ids=list(FLOAT_VALUES))
def test_repr_with_requires_grad_and_grad_fn(data, dtype):
    t, c = _both(data, dtype, requires_grad=True)
    _assert_same_repr(c, t)
    _assert_same_repr(c * 1, t * 1)


def _generated(kind, shape, seed):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if kind == "randn":
        return rng.standard_normal(shape).astype(np.float32)
    if kind == "arange":
        return (np.arange(n) - n // 3).reshape(shape).astype(np.float32)
    if kind == "scaled":
        return (rng.standard_normal(shape) * 1e5).astype(np.float32)
    if kind == "int":
        return (np.arange(n) * 7 - n).reshape(shape)
    if kind == "mixed_sign_small":
        return (rng.standard_normal(shape) * 1e-3).astype(np.float32)
    raise ValueError(kind)


SHAPES = [(1,), (7,), (40,), (101,), (1001,), (2000,), (30, 40), (3, 400), (50, 50),
          (2, 3, 200), (1, 1, 1), (7, 7, 30), (2, 2, 2, 2), (4, 300), (0, 3), (5, 0, 2)]


@pytest.mark.parametrize("kind", ["randn", "arange", "scaled", "int", "mixed_sign_small"])
@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
def test_repr_of_generated_tensors(shape, kind):
    torch = torch_module()
    array = _generated(kind, shape, seed=len(shape))
    _assert_same_repr(cynn.from_numpy(array), torch.from_numpy(array))


@pytest.mark.parametrize("n", range(1, 30))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_suffix_wrapping_at_80_columns(n, dtype):
    """Rows of growing length push the ``dtype=`` / ``requires_grad=`` suffixes across
    the 80-column boundary one character at a time."""
    torch = torch_module()
    values = (np.arange(n) * 1.25 - 3).astype(dtype)
    _assert_same_repr(cynn.tensor(values, requires_grad=True),
                      torch.tensor(values, requires_grad=True))
    _assert_same_repr(cynn.tensor(values).unsqueeze(0) * 2, torch.tensor(values).unsqueeze(0) * 2)
    long_name = cynn.tensor(values, requires_grad=True).exp()
    _assert_same_repr(long_name, torch.tensor(values, requires_grad=True).exp())


def test_repr_of_views_and_noncontiguous():
    torch = torch_module()
    array = _generated("randn", (4, 5), 0)
    for f in (lambda x: x.t(), lambda x: x[::2, 1::2], lambda x: x[1], lambda x: x[:, 2]):
        _assert_same_repr(f(cynn.from_numpy(array)), f(torch.from_numpy(array)))


def test_str_and_format():
    torch = torch_module()
    assert str(cynn.tensor([1.5, 2.0])) == str(torch.tensor([1.5, 2.0]))
    assert f"{cynn.tensor(2.5):.2f}" == f"{torch.tensor(2.5):.2f}" == "2.50"
    assert f"{cynn.tensor([1.0])}" == "tensor([1.])"


def test_repr_of_values_indices_results():
    torch = torch_module()
    data = [[1.0, 5.0], [3.0, 2.0]]
    for op in (lambda t: t.max(1), lambda t: t.min(0), lambda t: t.sort(1), lambda t: t.topk(1)):
        _assert_same_repr(op(cynn.tensor(data)), op(torch.tensor(data)))
