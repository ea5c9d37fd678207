"""``grad_fn`` names equal PyTorch's for each op (``type(t.grad_fn).__name__`` and
``t.grad_fn.name()``), including in-place ops and index assignment."""
import numpy as np
import pytest

import cynn
from helpers import torch_module


def _inputs(lib):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.uniform(0.5, 2.0, (2, 3, 4)).astype(np.float32), requires_grad=True)
    m = lib.tensor(rng.uniform(-1, 1, (3, 4)).astype(np.float32), requires_grad=True)
    v = lib.tensor(rng.uniform(-1, 1, (4,)).astype(np.float32), requires_grad=True)
    return x, m, v


def _setitem(index, value):
    def op(lib, x, m, v):
        z = x * 1
        z[index(z) if callable(index) else index] = value(m) if callable(value) else value
        return z
    return op


def _inplace(*steps):
    def op(lib, x, m, v):
        z = x * 1
        for step in steps:
            step(z, m)
        return z
    return op


GRAD_FN_OPS = {
    # arithmetic
    "add": lambda lib, x, m, v: x + m[0],
    "radd": lambda lib, x, m, v: 1 + x,
    "sub": lambda lib, x, m, v: x - 1,
    "rsub": lambda lib, x, m, v: 1 - x,
    "mul": lambda lib, x, m, v: x * 2,
    "div": lambda lib, x, m, v: x / 2,
    "rdiv": lambda lib, x, m, v: 2 / x,
    "pow_scalar": lambda lib, x, m, v: x ** 2,
    "rpow": lambda lib, x, m, v: 2 ** x,
    "pow_tensor": lambda lib, x, m, v: x ** x,
    "neg": lambda lib, x, m, v: -x,
    "square": lambda lib, x, m, v: x.square(),
    "rsqrt": lambda lib, x, m, v: x.rsqrt(),
    "reciprocal": lambda lib, x, m, v: x.reciprocal(),
    # unary
    "exp": lambda lib, x, m, v: x.exp(),
    "log": lambda lib, x, m, v: x.log(),
    "sqrt": lambda lib, x, m, v: x.sqrt(),
    "abs": lambda lib, x, m, v: x.abs(),
    "sin": lambda lib, x, m, v: x.sin(),
    "cos": lambda lib, x, m, v: x.cos(),
    "tanh": lambda lib, x, m, v: x.tanh(),
    "sigmoid": lambda lib, x, m, v: x.sigmoid(),
    "relu": lambda lib, x, m, v: x.relu(),
    "clamp": lambda lib, x, m, v: x.clamp(0, 1),
    "clamp_min": lambda lib, x, m, v: x.clamp(min=0),
    # matmul family
    "mm": lambda lib, x, m, v: m.t().mm(m),
    "matmul_2d": lambda lib, x, m, v: m @ m.t(),
    "dot": lambda lib, x, m, v: v @ v,
    "mv": lambda lib, x, m, v: m @ v,
    "vec_mat": lambda lib, x, m, v: v @ m.t(),
    "batch_mat": lambda lib, x, m, v: x @ m.t(),
    "batch_batch": lambda lib, x, m, v: x @ x.transpose(1, 2),
    "batch_vec": lambda lib, x, m, v: x @ v,
    "mat_batch": lambda lib, x, m, v: m @ x.transpose(1, 2),
    "bmm": lambda lib, x, m, v: x.bmm(x.transpose(1, 2)),
    # reductions
    "sum": lambda lib, x, m, v: x.sum(),
    "sum_dim": lambda lib, x, m, v: x.sum(0),
    "sum_dim_keepdim": lambda lib, x, m, v: x.sum((0, 1), keepdim=True),
    "mean": lambda lib, x, m, v: x.mean(),
    "mean_dim": lambda lib, x, m, v: x.mean(1),
    "var": lambda lib, x, m, v: x.var(),
    "var_dim": lambda lib, x, m, v: x.var(0, keepdim=True),
    "std": lambda lib, x, m, v: x.std(),
    "std_dim": lambda lib, x, m, v: x.std(1),
    "max": lambda lib, x, m, v: x.max(),
    "max_dim": lambda lib, x, m, v: x.max(0)[0],
    "min": lambda lib, x, m, v: x.min(),
    "min_dim": lambda lib, x, m, v: x.min(-1, keepdim=True).values,
    "maximum": lambda lib, x, m, v: x.maximum(x * 2),
    "minimum": lambda lib, x, m, v: lib.minimum(x, x * 2),
    "softmax": lambda lib, x, m, v: x.softmax(0),
    "log_softmax": lambda lib, x, m, v: x.log_softmax(-1),
    "norm": lambda lib, x, m, v: x.norm(),
    "where": lambda lib, x, m, v: lib.where(x > 1, x, m),
    "where_scalar": lambda lib, x, m, v: lib.where(x > 1, x, 0.0),
    "masked_fill": lambda lib, x, m, v: x.masked_fill(x > 1, 0.0),
    "prod": lambda lib, x, m, v: x.prod(),
    "prod_dim": lambda lib, x, m, v: x.prod(1),
    "cumsum": lambda lib, x, m, v: x.cumsum(0),
    "sign": lambda lib, x, m, v: x.sign(),
    "floor": lambda lib, x, m, v: x.floor(),
    "ceil": lambda lib, x, m, v: x.ceil(),
    "round": lambda lib, x, m, v: x.round(),
    "sort": lambda lib, x, m, v: x.sort(1)[0],
    "topk": lambda lib, x, m, v: x.topk(2)[0],
    "norm_p1_dim": lambda lib, x, m, v: x.norm(1, dim=0),
    "floor_divide": lambda lib, x, m, v: x // 2,
    "div_floor": lambda lib, x, m, v: x.div(m[0], rounding_mode="floor"),
    "remainder": lambda lib, x, m, v: x % 0.7,
    # shape
    "view": lambda lib, x, m, v: x.view(-1),
    "unflatten": lambda lib, x, m, v: x.unflatten(2, (2, 2)),
    "reshape_view": lambda lib, x, m, v: x.reshape(4, 6),
    "reshape_copy": lambda lib, x, m, v: x.transpose(0, 1).reshape(-1),
    "flatten": lambda lib, x, m, v: x.flatten(1),
    "squeeze": lambda lib, x, m, v: x[:1].squeeze(),
    "squeeze_dim": lambda lib, x, m, v: x[:1].squeeze(0),
    "squeeze_dims": lambda lib, x, m, v: x[:1].squeeze((0, 1)),
    "unsqueeze": lambda lib, x, m, v: x.unsqueeze(1),
    "permute": lambda lib, x, m, v: x.permute(2, 0, 1),
    "transpose": lambda lib, x, m, v: x.transpose(0, 1),
    "t": lambda lib, x, m, v: m.t(),
    "t_1d": lambda lib, x, m, v: v.t(),
    "T": lambda lib, x, m, v: m.T,
    "mT": lambda lib, x, m, v: x.mT,
    "expand": lambda lib, x, m, v: v.expand(3, 4),
    "contiguous": lambda lib, x, m, v: m.t().contiguous(),
    "clone": lambda lib, x, m, v: x.clone(),
    "double": lambda lib, x, m, v: x.double(),
    "to_dtype": lambda lib, x, m, v: x.to(lib.float64),
    "cat": lambda lib, x, m, v: lib.cat([m, m]),
    "stack": lambda lib, x, m, v: lib.stack([m, m]),
    "repeat": lambda lib, x, m, v: m.repeat(2, 1),
    "chunk": lambda lib, x, m, v: x.chunk(2, 2)[1],
    "split": lambda lib, x, m, v: x.split(1)[0],
    "split_sizes": lambda lib, x, m, v: x.split([1, 3], 2)[1],
    "unbind": lambda lib, x, m, v: x.unbind(1)[2],
    "flip": lambda lib, x, m, v: x.flip(0),
    # indexing
    "index_int": lambda lib, x, m, v: x[1],
    "index_slice": lambda lib, x, m, v: x[:, 1:],
    "index_full_slice": lambda lib, x, m, v: x[:],
    "index_ellipsis": lambda lib, x, m, v: x[...],
    "index_none": lambda lib, x, m, v: x[None],
    "index_slice_then_none": lambda lib, x, m, v: x[1:, None],
    "index_none_then_int": lambda lib, x, m, v: x[None, ..., 1],
    "index_slice_then_int": lambda lib, x, m, v: x[:, 1],
    "index_array": lambda lib, x, m, v: x[[0, 1, 1]],
    "index_mask": lambda lib, x, m, v: x[x > 1],
    "select": lambda lib, x, m, v: x.select(2, 0),
    "narrow": lambda lib, x, m, v: x.narrow(1, 0, 2),
    # index assignment
    "setitem_int": _setitem(0, 1.0),
    "setitem_slice_tensor": _setitem((0, slice(None)), lambda m: m),
    "setitem_mask": _setitem(lambda z: z > 1, 0.0),
    "setitem_array": _setitem(lambda z: [0, 1], 1.0),
    # in place
    "add_": _inplace(lambda z, m: z.add_(1)),
    "add_tensor_": _inplace(lambda z, m: z.add_(m)),
    "sub_": _inplace(lambda z, m: z.sub_(m, alpha=2)),
    "mul_": _inplace(lambda z, m: z.mul_(m)),
    "div_": _inplace(lambda z, m: z.div_(2)),
    "clamp_": _inplace(lambda z, m: z.clamp_(0, 1)),
    "relu_": _inplace(lambda z, m: z.relu_()),
    "sigmoid_": _inplace(lambda z, m: z.sigmoid_()),
    "tanh_": _inplace(lambda z, m: z.tanh_()),
    "exp_": _inplace(lambda z, m: z.exp_()),
    "neg_": _inplace(lambda z, m: z.neg_()),
    "abs_": _inplace(lambda z, m: z.abs_()),
    "pow_": _inplace(lambda z, m: z.pow_(2)),
    "fill_": _inplace(lambda z, m: z.fill_(1)),
    "zero_": _inplace(lambda z, m: z.zero_()),
    "copy_": _inplace(lambda z, m: z.copy_(m)),
    "masked_fill_": _inplace(lambda z, m: z.masked_fill_(z > 1, 0.0)),
    "squeeze_": lambda lib, x, m, v: (x[:1] * 1).squeeze_(),
    "squeeze_dim_": lambda lib, x, m, v: (x[:1] * 1).squeeze_(0),
    "squeeze_dims_": lambda lib, x, m, v: (x[:1] * 1).squeeze_((0, 2)),
    "unsqueeze_": _inplace(lambda z, m: z.unsqueeze_(0)),
    "iadd": _inplace(lambda z, m: z.__iadd__(m)),
    "imul": _inplace(lambda z, m: z.__imul__(2)),
}


@pytest.mark.parametrize("op", list(GRAD_FN_OPS.values()), ids=list(GRAD_FN_OPS))
def test_grad_fn_name_matches_torch(op):
    torch = torch_module()
    expected = op(torch, *_inputs(torch))
    got = op(cynn, *_inputs(cynn))
    assert expected.grad_fn is not None
    assert got.grad_fn is not None, f"no grad_fn; torch has {expected.grad_fn.name()}"
    assert type(got.grad_fn).__name__ == type(expected.grad_fn).__name__
    assert got.grad_fn.name() == expected.grad_fn.name()


def test_squeeze_in_place_on_a_view_names_like_torch():
    torch = torch_module()
    for lib in (torch, cynn):
        z = lib.ones(1, 3, requires_grad=True) * 1
        z.squeeze_(0)
        z.unsqueeze_(1)
        assert tuple(z.shape) == (3, 1)
    assert z.grad_fn.name() == "UnsqueezeBackward1"


def test_grad_fn_repr_and_next_functions_point_at_inputs():
    x = cynn.ones(2, requires_grad=True)
    w = cynn.ones(2, requires_grad=True)
    y = (x * w).sum()
    mul_node = y.grad_fn.next_functions[0][0]
    assert type(mul_node).__name__ == "MulBackward0"
    leaves = [node for node, _ in mul_node.next_functions]
    assert [type(n).__name__ for n in leaves] == ["AccumulateGrad", "AccumulateGrad"]
    assert leaves[0].name() == "torch::autograd::AccumulateGrad"
    assert leaves[0].variable is x and leaves[1].variable is w
    assert "SumBackward0" in repr(y)
