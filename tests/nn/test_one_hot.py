"""F.one_hot against torch: shapes, dtype, inferred and given class counts, errors."""
import doctest

import numpy as np
import pytest

import cynn
from cynn.nn.functional import sparse as F
from _nn_parity import assert_same_error, cy, rng, th, torch

TF = torch.nn.functional


# an empty input with num_classes=-1 is an error (see _errors)
CASES = [(shape, n) for shape in [(), (6,), (3, 4), (2, 0, 3), (0,)] for n in (-1, 5, 9)
         if n != -1 or 0 not in shape]


@pytest.mark.parametrize("shape,num_classes", CASES, ids=str)
def test_one_hot_matches_torch(shape, num_classes):
    idx = rng(0).integers(0, 5, size=shape).astype(np.int64)
    got = F.one_hot(cy(idx), num_classes)
    expected = TF.one_hot(th(idx), num_classes).numpy()
    assert got.dtype == cynn.int64 and tuple(got.shape) == expected.shape
    np.testing.assert_array_equal(got.numpy(), expected)


def test_inferred_class_count_is_max_plus_one_and_rows_sum_to_one():
    out = F.one_hot(cy(np.array([[0, 7], [3, 3]]))).numpy()
    assert out.shape == (2, 2, 8)
    np.testing.assert_array_equal(out.sum(-1), np.ones((2, 2)))
    assert out[0, 1, 7] == 1 and out[1, 0, 3] == 1


def test_keyword_and_tensor_class_count():
    idx = np.array([1, 0])
    np.testing.assert_array_equal(F.one_hot(input=cy(idx), num_classes=cy(np.array(3))).numpy(),
                                  TF.one_hot(input=th(idx), num_classes=3).numpy())


def _errors():
    return [
        ("too small", lambda M, T: M.one_hot(T(np.array([1, 2, 3])), 3)),
        ("negative", lambda M, T: M.one_hot(T(np.array([1, -1])), 3)),
        ("negative inferred", lambda M, T: M.one_hot(T(np.array([1, -1])))),
        ("zero classes", lambda M, T: M.one_hot(T(np.array([0])), 0)),
        ("num_classes -2", lambda M, T: M.one_hot(T(np.array([0])), -2)),
        ("empty inferred", lambda M, T: M.one_hot(T(np.array([], np.int64)))),
        ("empty zero classes", lambda M, T: M.one_hot(T(np.zeros((2, 0), np.int64)), 0)),
        ("float input", lambda M, T: M.one_hot(T(np.array([1.0, 2.0], np.float32)))),
        ("int32 input", lambda M, T: M.one_hot(T(np.array([1, 2], np.int32)), 4)),
        ("bool input", lambda M, T: M.one_hot(T(np.array([True])), 4)),
        ("float num_classes", lambda M, T: M.one_hot(T(np.array([1])), 4.0)),
        ("None num_classes", lambda M, T: M.one_hot(T(np.array([1])), None)),
        ("bool num_classes", lambda M, T: M.one_hot(T(np.array([1])), True)),
        ("not a tensor", lambda M, T: M.one_hot([1, 2], 4)),
    ]


@pytest.mark.parametrize("call", [c for _, c in _errors()], ids=[n for n, _ in _errors()])
def test_errors_match_torch(call):
    assert_same_error(lambda: call(F, cy), lambda: call(TF, th))


def test_docstring_example_runs():
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for test in doctest.DocTestFinder().find(F.one_hot, globs={"cynn": cynn, "F": F}):
        runner.run(test)
    assert runner.failures == 0 and runner.tries == 1
