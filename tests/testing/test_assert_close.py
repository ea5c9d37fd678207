"""``cynn.testing.assert_close`` against ``torch.testing.assert_close``: the same inputs
pass or fail alike, with the same exception type and message (``torch.`` names read
``cynn.``)."""
import math

import numpy as np
import pytest

import cynn
from helpers import torch_module

torch = torch_module()


def outcome(lib, build):
    actual, expected, kwargs = build(lib)
    try:
        lib.testing.assert_close(actual, expected, **kwargs)
    except Exception as error:  # noqa: BLE001 -- the exception is what is compared
        message = str(error)
        for name in ("torch.Tensor", "cynn._tensor.Tensor"):
            message = message.replace(f"<class '{name}'>", "<class 'Tensor'>")
        return type(error), message.replace("torch.", "cynn.")
    return None


def tensor_pair(dtype, changes):
    def build(lib):
        a = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).to(getattr(lib, dtype))
        b = a.clone()
        for index, value in changes:
            b[index] = value
        return a, b
    return build


CASES = {
    "equal float32": lambda lib: (*tensor_pair("float32", [])(lib), {}),
    "float32 two off": lambda lib: (*tensor_pair("float32", [((0, 1), 2.1), ((1, 2), 6.5)])(lib),
                                    {}),
    "float64 two off": lambda lib: (*tensor_pair("float64", [((0, 1), 2.1), ((1, 2), 6.5)])(lib),
                                    {}),
    "float32 within default tolerance":
        lambda lib: (*tensor_pair("float32", [((0, 0), 1.000001)])(lib), {}),
    "explicit tolerances pass": lambda lib: (*tensor_pair("float32", [((1, 2), 6.5)])(lib),
                                             {"rtol": 0.1, "atol": 0.0}),
    "explicit tolerances fail": lambda lib: (*tensor_pair("float32", [((1, 2), 6.5)])(lib),
                                             {"rtol": 0.01, "atol": 0.01}),
    "only rtol": lambda lib: (*tensor_pair("float32", [])(lib), {"rtol": 1.0}),
    "only atol": lambda lib: (*tensor_pair("float32", [])(lib), {"atol": 1.0}),
    "int64": lambda lib: (lib.tensor([1, 2, 3]), lib.tensor([1, 2, 4]), {}),
    "int64 thirds": lambda lib: (lib.tensor([1, 2, 4]), lib.tensor([1, 2, 3]), {}),
    "bool": lambda lib: (lib.tensor([True, False]), lib.tensor([True, True]), {}),
    "0-d": lambda lib: (lib.tensor(1.0), lib.tensor(2.0), {}),
    "shape": lambda lib: (lib.ones(2, 3), lib.ones(3), {}),
    "dtype": lambda lib: (lib.ones(3), lib.ones(3, dtype=lib.float64), {}),
    "dtype unchecked": lambda lib: (lib.ones(3), lib.ones(3, dtype=lib.float64),
                                    {"check_dtype": False}),
    "dtype unchecked mismatch": lambda lib: (lib.tensor([1, 2]), lib.tensor([1.0, 2.5]),
                                             {"check_dtype": False}),
    "nan": lambda lib: (lib.tensor([math.nan]), lib.tensor([math.nan]), {}),
    "nan equal": lambda lib: (lib.tensor([math.nan]), lib.tensor([math.nan]),
                              {"equal_nan": True}),
    "inf equal": lambda lib: (lib.tensor([math.inf, -math.inf]), lib.tensor([math.inf, -math.inf]),
                              {}),
    "inf vs finite": lambda lib: (lib.tensor([math.inf]), lib.tensor([1.0]), {}),
    "opposite infs": lambda lib: (lib.tensor([math.inf]), lib.tensor([-math.inf]), {}),
    "zero expected": lambda lib: (lib.tensor([0.5, 0.0]), lib.tensor([0.0, 0.0]), {}),
    "all off": lambda lib: (lib.zeros(100), lib.ones(100) * 1e-3, {}),
    "stride": lambda lib: (lib.ones(2, 3).t().contiguous(), lib.ones(2, 3).t(),
                           {"check_stride": True}),
    "stride unchecked": lambda lib: (lib.ones(2, 3).t().contiguous(), lib.ones(2, 3).t(), {}),
    "requires_grad ignored": lambda lib: (lib.ones(2, requires_grad=True), lib.ones(2), {}),
    "custom msg": lambda lib: (lib.ones(2), lib.zeros(2), {"msg": "custom"}),
    "callable msg": lambda lib: (lib.ones(2), lib.zeros(2),
                                 {"msg": lambda generated: "wrapped: " + generated}),
    "float scalars": lambda lib: (1.0, 1.1, {}),
    "float scalars close": lambda lib: (1.0, 1.0 + 1e-9, {}),
    "int scalars": lambda lib: (1, 2, {}),
    "int and float": lambda lib: (1, 1.0, {}),
    "int and float unchecked": lambda lib: (1, 1.0, {"check_dtype": False}),
    "complex": lambda lib: (1 + 1j, 1 + 1j, {}),
    "bools": lambda lib: (True, False, {}),
    "Nones": lambda lib: (None, None, {}),
    "None and int": lambda lib: (None, 1, {}),
    "tensor and float": lambda lib: (lib.tensor(1.0), 1.0, {}),
    "strings": lambda lib: ("a", "a", {}),
    "list of tensors": lambda lib: ([lib.ones(2), lib.ones(2)], [lib.ones(2), lib.zeros(2)], {}),
    "tuple and list": lambda lib: ((lib.ones(2),), [lib.ones(2)], {}),
    "nested lists": lambda lib: ([[1.0, 2.0]], [[1.0, 2.5]], {}),
    "sequence lengths": lambda lib: ([lib.ones(1)], [lib.ones(1), lib.ones(1)], {}),
    "list and tensor": lambda lib: ([1.0, 2.0], lib.tensor([1.0, 2.0]), {}),
    "dict": lambda lib: ({"x": lib.ones(2)}, {"x": lib.zeros(2)}, {}),
    "dict keys": lambda lib: ({"x": lib.ones(2)}, {"y": lib.ones(2)}, {}),
    "dict nested": lambda lib: ({"a": [1.0, {"b": lib.ones(3)}]},
                                {"a": [1.0, {"b": lib.ones(3) * 2}]}, {}),
    "numpy": lambda lib: (np.ones(3), np.ones(3) * 1.1, {}),
    "numpy equal float32": lambda lib: (np.ones(3, np.float32), np.ones(3, np.float32), {}),
    "numpy and tensor": lambda lib: (np.ones(3), lib.ones(3), {}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_outcome_as_torch(case):
    assert outcome(cynn, CASES[case]) == outcome(torch, CASES[case])


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_default_tolerances_are_torchs(dtype):
    # just inside and just outside each dtype's default atol at expected == 0
    rtol, atol = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5),
                  "float64": (1e-7, 1e-7)}[dtype]
    for offset, passes in ((0.5 * atol, True), (4 * atol, False)):
        def build(lib, offset=offset):
            return (lib.tensor([offset], dtype=getattr(lib, dtype)),
                    lib.tensor([0.0], dtype=getattr(lib, dtype)), {})
        result = outcome(cynn, build)
        assert (result is None) is passes
        assert result == outcome(torch, build)
