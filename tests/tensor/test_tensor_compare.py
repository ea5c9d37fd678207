"""Comparisons, logical ops, nan/inf tests, all/any, arg-reductions, sorting, and the
ops of 0-d and empty tensors."""
import functools

import numpy as np
import pytest

import cynn
from helpers import assert_same_tensor, helper_test_op, torch_module

A = np.array([[1.0, -2.0, np.nan], [3.0, 3.0, -np.inf]], dtype=np.float32)
B = np.array([[1.0, 0.5, 0.0], [np.inf, 3.0, -1.0]], dtype=np.float32)

NON_DIFFERENTIABLE = {
    "eq": lambda lib, a, b: a == b,
    "ne": lambda lib, a, b: a != b,
    "gt": lambda lib, a, b: a > b,
    "ge": lambda lib, a, b: a >= b,
    "lt": lambda lib, a, b: a < b,
    "le": lambda lib, a, b: a <= b,
    "eq_method": lambda lib, a, b: a.eq(b),
    "ne_method": lambda lib, a, b: lib.ne(a, b),
    "gt_method": lambda lib, a, b: a.gt(b),
    "ge_function": lambda lib, a, b: lib.ge(a, b),
    "lt_method": lambda lib, a, b: a.lt(b),
    "le_method": lambda lib, a, b: a.le(b),
    "eq_scalar": lambda lib, a, b: a == 3,
    "gt_scalar_float": lambda lib, a, b: a > 0.5,
    "rlt_scalar": lambda lib, a, b: 0 < a,
    "broadcast_compare": lambda lib, a, b: a > b[0],
    "int_float_compare": lambda lib, a, b: lib.tensor([1, 2, 3]) >= lib.tensor([1.5, 2.0, 2.5]),
    "isnan": lambda lib, a, b: a.isnan(),
    "isinf": lambda lib, a, b: lib.isinf(a),
    "isfinite": lambda lib, a, b: a.isfinite(),
    "and": lambda lib, a, b: (a > 0) & (b > 0),
    "or": lambda lib, a, b: (a > 0) | (b > 0),
    "xor": lambda lib, a, b: (a > 0) ^ (b > 0),
    "invert_bool": lambda lib, a, b: ~(a > 0),
    "invert_int": lambda lib, a, b: ~lib.tensor([0, 5, -3]),
    "logical_not": lambda lib, a, b: (a > 0).logical_not(),
    "all": lambda lib, a, b: (b >= 0).all(),
    "any": lambda lib, a, b: (b > 2).any(),
    "all_dim": lambda lib, a, b: (b >= 0).all(1),
    "any_dim_keepdim": lambda lib, a, b: (b > 0).any(0, keepdim=True),
    "all_float": lambda lib, a, b: b.all(),
    "any_int": lambda lib, a, b: lib.tensor([0, 0, 2]).any(),
    "argmax": lambda lib, a, b: b.argmax(),
    "argmax_dim": lambda lib, a, b: b.argmax(1),
    "argmin_dim_keepdim": lambda lib, a, b: b.argmin(0, keepdim=True),
    "argmax_ties_first": lambda lib, a, b: lib.tensor([1.0, 3.0, 3.0, 0.0]).argmax(),
    "argmin_function": lambda lib, a, b: lib.argmin(b, dim=-1),
    "max_indices": lambda lib, a, b: b.max(1).indices,
    "min_indices": lambda lib, a, b: b.min(0)[1],
    "argsort": lambda lib, a, b: lib.tensor([3.0, 1.0, 2.0, 1.0]).argsort(),
    "argsort_descending": lambda lib, a, b: lib.tensor([3.0, 1.0, 2.0, 5.0]).argsort(
        descending=True),
    "nonzero": lambda lib, a, b: lib.tensor([[0, 1], [2, 0]]).nonzero(),
    "where_condition_only": lambda lib, a, b: lib.where(lib.tensor([0.0, 2.0, 0.0, 1.0]) > 0),
    "sign": lambda lib, a, b: lib.tensor([-2.0, 0.0, 3.5]).sign(),
    "floor": lambda lib, a, b: lib.tensor([-1.5, 0.5, 2.0]).floor(),
    "ceil": lambda lib, a, b: lib.tensor([-1.5, 0.5, 2.0]).ceil(),
    "round_half_even": lambda lib, a, b: lib.tensor([0.5, 1.5, 2.5, -0.5]).round(),
    "sum_int": lambda lib, a, b: lib.tensor([1, 2, 3], dtype=lib.int32).sum(),
    "sum_bool": lambda lib, a, b: (b > 0).sum(),
    "sum_dtype": lambda lib, a, b: lib.tensor([1, 2]).sum(dtype=lib.float64),
    "mean_float64": lambda lib, a, b: lib.tensor([1.0, 2.0], dtype=lib.float64).mean(),
    "max_nan": lambda lib, a, b: a.max(),
    "sum_nan": lambda lib, a, b: a.sum(1),
    "clamp_int": lambda lib, a, b: lib.tensor([-5, 0, 9]).clamp(-1, 3),
    "abs_int": lambda lib, a, b: lib.tensor([-5, 0, 9]).abs(),
    "neg_int": lambda lib, a, b: -lib.tensor([-5, 0, 9]),
}


@pytest.mark.parametrize("op", list(NON_DIFFERENTIABLE.values()), ids=list(NON_DIFFERENTIABLE))
def test_non_differentiable_ops_match_torch(op):
    torch = torch_module()
    expected = op(torch, torch.tensor(A), torch.tensor(B))
    got = op(cynn, cynn.tensor(A), cynn.tensor(B))
    if isinstance(expected, tuple):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same_tensor(g, e)
    else:
        assert_same_tensor(got, expected)


def test_bool_value_and_equal_allclose():
    assert bool(cynn.tensor([1.0]) == 1.0) is True
    assert cynn.tensor([1.0, 2.0]).equal(cynn.tensor([1.0, 2.0]))
    assert not cynn.tensor([1.0, 2.0]).equal(cynn.tensor([1.0]))
    assert cynn.equal(cynn.ones(2), cynn.ones(2))
    assert cynn.tensor([1.0, 2.0]).allclose(cynn.tensor([1.0, 2.0 + 1e-7]))
    assert not cynn.allclose(cynn.tensor([1.0]), cynn.tensor([1.1]))


def test_comparison_results_are_not_differentiable():
    x = cynn.randn(3, requires_grad=True)
    for out in (x > 0, x == x, x.isnan(), (x > 0).all(), x.argmax()):
        assert out.dtype in (cynn.bool, cynn.int64) and not out.requires_grad


def test_sort_and_topk_values_indices_and_gradients():
    torch = torch_module()
    data = np.array([[3.0, 1.0, 2.0, 5.0], [0.5, -1.0, 4.0, 2.5]], dtype=np.float32)
    for descending in (False, True):
        helper_test_op(None, lambda x: x.sort(1, descending=descending),
                       lambda x: x.sort(1, descending=descending), inputs=[data])
    helper_test_op(None, lambda x: x.topk(2), lambda x: x.topk(2), inputs=[data])
    helper_test_op(None, lambda x: x.topk(3, dim=0, largest=False),
                   lambda x: x.topk(3, dim=0, largest=False), inputs=[data.T.copy()])
    values, indices = cynn.tensor(data).sort(descending=True)
    assert values.shape == indices.shape == (2, 4)
    assert torch.__version__


ZERO_D = {
    "sum": lambda lib, x: x.sum(),
    "sum_dim0": lambda lib, x: x.sum(0),
    "mean_dim_neg": lambda lib, x: x.mean(-1),
    "softmax": lambda lib, x: x.softmax(0),
    "log_softmax": lambda lib, x: x.log_softmax(-1),
    "max_dim": lambda lib, x: x.max(0),
    "min_dim_keepdim": lambda lib, x: x.min(0, keepdim=True),
    "unsqueeze": lambda lib, x: x.unsqueeze(0),
    "squeeze": lambda lib, x: x.squeeze(),
    "flatten": lambda lib, x: x.flatten(),
    "view": lambda lib, x: x.view(1, 1),
    "expand": lambda lib, x: x.expand(3),
    "mul_vector": lambda lib, x: x * lib.tensor([1.0, 2.0]),
    "t": lambda lib, x: x.t(),
    "transpose": lambda lib, x: x.transpose(0, -1),
    "exp": lambda lib, x: x.exp(),
    "norm_dim": lambda lib, x: x.norm(dim=0),
    "cumsum": lambda lib, x: x.cumsum(0),
    "flip": lambda lib, x: x.flip(0),
    "repeat": lambda lib, x: x.repeat(2),
    "prod": lambda lib, x: x.prod(0),
}


@pytest.mark.parametrize("op", list(ZERO_D.values()), ids=list(ZERO_D))
def test_zero_dim_tensors_like_torch(op):
    torch = torch_module()
    helper_test_op([()], functools.partial(op, torch), functools.partial(op, cynn))


def test_zero_dim_arg_reductions():
    torch = torch_module()
    for op in (lambda t: t.argmax(0), lambda t: t.argmin(-1, True), lambda t: t.argmax()):
        assert_same_tensor(op(cynn.tensor(2.0)), op(torch.tensor(2.0)))


EMPTY = {
    "sum": lambda lib, x: x.sum(),
    "sum_dim": lambda lib, x: x.sum(0),
    "mean_dim1": lambda lib, x: x.mean(1),
    "mul": lambda lib, x: x * 2,
    "reshape": lambda lib, x: x.reshape(3, 0),
    "cat": lambda lib, x: lib.cat([x, x]),
    "matmul": lambda lib, x: x @ lib.ones(3, 2),
    "relu": lambda lib, x: x.relu(),
    "softmax": lambda lib, x: x.softmax(1),
}


@pytest.mark.parametrize("op", list(EMPTY.values()), ids=list(EMPTY))
def test_empty_tensors_like_torch(op):
    torch = torch_module()
    helper_test_op([(0, 3)], functools.partial(op, torch), functools.partial(op, cynn))
