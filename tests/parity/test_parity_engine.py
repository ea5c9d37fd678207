"""The harness itself: ``difference`` must notice every kind of disagreement it claims
to check, or an empty known_differences list would prove nothing."""
import pytest
import torch

import cynn
from parity_engine import Sample, T, difference


def differing(cynn_fn, torch_fn):
    """An op whose cynn side is ``cynn_fn`` and torch side ``torch_fn``."""
    return lambda lib: cynn_fn if lib is cynn else torch_fn


def _raise(exception):
    def fn(*args, **kwargs):
        raise exception
    return fn


def _scaled_grad(x):
    # the value of x with a gradient of 3 instead of 1
    return x.detach() + (x * 3 - (x * 3).detach())


def _write_into(x):
    y = x * 1
    x.add_(1.0)
    return y


SAMPLE = Sample("f32", [T((3, 4))])


@pytest.mark.parametrize("cynn_fn, expected", [
    (lambda x: x.exp() * (1 + 1e-3), "values differ"),
    (lambda x: x.exp().reshape(12), "shape"),
    (lambda x: x.double().exp(), "dtype"),
    (lambda x: (x.exp(), x), "outputs"),
    (_raise(RuntimeError("boom")), "cynn raises RuntimeError"),
    (lambda x: x.detach().exp(), "requires_grad False, torch True"),
    (lambda x: _scaled_grad(x).exp(), "grad 0"),
])
def test_difference_reports_what_differs(cynn_fn, expected):
    found = difference(differing(cynn_fn, torch.exp), SAMPLE)
    assert found is not None and expected in found


def test_difference_reports_a_write_into_an_input():
    found = difference(differing(_write_into, lambda x: x * 1),
                       Sample("f32", [T((3, 4))], grad=False))
    assert "input 0 after the call" in found


def test_difference_compares_exception_types_and_messages():
    torch_fn = _raise(RuntimeError("Dimension out of range"))
    assert "cynn raises ValueError" in difference(
        differing(_raise(ValueError("Dimension out of range")), torch_fn), SAMPLE)
    assert "message" in difference(
        differing(_raise(RuntimeError("dim is bad")), torch_fn), SAMPLE)
    assert difference(differing(_raise(RuntimeError("Dimension out of range (got 3)")),
                                torch_fn), SAMPLE) is None
    assert "torch raises" in difference(differing(lambda x: x, torch_fn), SAMPLE)


def test_difference_finds_nothing_when_both_agree_at_special_values():
    sample = Sample("special", [T([0.0, -0.0, float("inf"), float("nan"), 1e-40])],
                    ones_upstream=True)
    assert difference(lambda lib: lib.exp, sample) is None


def test_nan_and_inf_positions_must_match():
    found = difference(differing(lambda x: x.exp().nan_to_num(), torch.exp),
                       Sample("special", [T([float("nan"), float("inf")])], grad=False))
    assert "values differ" in found


def test_views_reach_the_op_and_gradients_reach_the_leaf():
    seen = []

    def record(lib):
        def fn(x):
            seen.append((lib.__name__, tuple(x.shape), x.is_contiguous()))
            return x * 2
        return fn
    assert difference(record, Sample("T", [T((3, 4), view="T")])) is None
    assert seen == [("torch", (3, 4), False), ("cynn", (3, 4), False)]
