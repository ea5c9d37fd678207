"""Crash classes found before the harness existed, each as one fixed case, and proof
that the generators reach each class by themselves (so the fuzz run would have found
them). A class fails here until its kernel or argument check is fixed."""
import pytest
from hypothesis import Phase, find, settings

from fuzz_strategies import STRATEGIES


def _tensor(shape):
    return {"shape": shape, "layout": "contiguous", "values": "normal"}


def _conv2d(stride):
    return dict(op="conv2d", seed=0, dtype="float32", max_output=50, stride=stride,
                padding=[0, 0], dilation=[1, 1], groups=1,
                tensors={"x": _tensor([1, 1, 5, 5]), "weight": _tensor([1, 1, 3, 3]),
                         "bias": None})


def _pool(op, stride):
    arguments = dict(kernel_size=[2, 2], stride=stride, padding=[0, 0], ceil_mode=False)
    if op == "max_pool2d":
        arguments.update(dilation=[1, 1], return_indices=False)
    else:
        arguments.update(count_include_pad=True, divisor_override=None)
    return dict(op=op, seed=0, dtype="float32", max_output=50,
                tensors={"x": _tensor([1, 2, 4, 5])}, **arguments)


# name: (the case, the property every case of the class has)
KNOWN = {
    "conv2d stride 2**32 (heap overflow)": (
        _conv2d([2**32, 1]),
        lambda s: s["op"].startswith("conv") and "transpose" not in s["op"]
        and max(s["stride"]) >= 2**32),
    "max_unpool2d backward, indices overwritten with 10**12 after validation": (
        dict(op="max_unpool2d", seed=0, dtype="float32", max_output=50,
             tensors={"x": _tensor([1, 1, 4, 4])}, kernel_size=[2, 2], stride=None,
             padding=[0, 0], output_size=None, plane=[4, 4],
             corrupt={"when": "backward", "at": "all", "value": 10**12}),
        lambda s: (s.get("corrupt") or {}).get("when") == "backward"
        and s["corrupt"]["value"] == 10**12),
    "max_pool2d stride 2**31": (
        _pool("max_pool2d", [2**31, 1]),
        lambda s: s["op"] == "max_pool2d" and max(s["stride"] or [0]) >= 2**31),
    "avg_pool2d stride 2**31": (
        _pool("avg_pool2d", [1, 2**31]),
        lambda s: s["op"] == "avg_pool2d" and max(s["stride"] or [0]) >= 2**31),
    "conv_transpose2d, empty batch": (
        dict(op="conv_transpose2d", seed=0, dtype="float32", max_output=50,
             stride=[2, 2], padding=[0, 0], dilation=[1, 1], groups=1,
             output_padding=[0, 0],
             tensors={"x": _tensor([0, 2, 3, 3]), "weight": _tensor([2, 3, 2, 2]),
                      "bias": _tensor([3])}),
        lambda s: s["op"] == "conv_transpose2d" and len(s["tensors"]["x"]["shape"]) == 4
        and s["tensors"]["x"]["shape"][0] == 0),
}


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_known_crash_class_matches_torch(fuzz_pool, name):
    fuzz_pool.run(KNOWN[name][0])


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_generators_reach_known_crash_class(name):
    case, in_class = KNOWN[name]
    assert in_class(case), "the fixed case is not in its own class"
    found = find(STRATEGIES[case["op"]], in_class,
                 settings=settings(max_examples=3000, database=None, derandomize=True,
                                   phases=[Phase.generate]))
    assert in_class(found)
