"""Every differentiable Tensor op of the contract: float32 forward + backward parity with
PyTorch (values, dtype, shape, grad_fn name, every input gradient) and a float64
finite-difference gradcheck, from one table."""
import functools

import numpy as np
import pytest

import cynn
from helpers import check_gradcheck, helper_test_op, torch_module


def case(name, shapes, fn, *, low=-2.0, high=2.0, gradcheck=True, **kwargs):
    """``fn(lib, *inputs)`` runs with ``lib`` = torch and ``lib`` = cynn."""
    return pytest.param(shapes, fn, low, high, gradcheck, kwargs, id=name)


POSITIVE = {"low": 0.5, "high": 3.0}

OPS = [
    # arithmetic, with broadcasting and scalars
    case("add", [(3, 4), (3, 4)], lambda lib, x, y: x + y),
    case("add_broadcast_row", [(3, 4), (4,)], lambda lib, x, y: x + y),
    case("add_broadcast_both", [(2, 1, 4), (3, 1)], lambda lib, x, y: x + y),
    case("add_0d", [(3, 4), ()], lambda lib, x, y: x + y),
    case("add_scalar", [(3, 4)], lambda lib, x: x + 1.5),
    case("radd_scalar", [(3, 4)], lambda lib, x: 2 + x),
    case("add_alpha", [(3, 4), (4,)], lambda lib, x, y: lib.add(x, y, alpha=0.5)),
    case("sub", [(3, 4), (1, 4)], lambda lib, x, y: x - y),
    case("sub_alpha", [(3, 4), (3, 4)], lambda lib, x, y: x.sub(y, alpha=2)),
    case("rsub_scalar", [(3, 4)], lambda lib, x: 1.0 - x),
    case("mul", [(3, 4), (3, 1)], lambda lib, x, y: x * y),
    case("mul_same_tensor", [(3, 4)], lambda lib, x: x * x),
    case("mul_scalar", [(3, 4)], lambda lib, x: x * 3),
    case("rmul_scalar", [(2, 3)], lambda lib, x: 0.5 * x),
    case("mul_function", [(2, 3), (3,)], lambda lib, x, y: lib.mul(x, y)),
    case("div", [(3, 4), (4,)], lambda lib, x, y: x / y, **POSITIVE),
    case("div_scalar", [(3, 4)], lambda lib, x: x / 4),
    case("rdiv_scalar", [(3, 4)], lambda lib, x: 2.0 / x, **POSITIVE),
    case("div_function", [(3, 4), (3, 4)], lambda lib, x, y: lib.div(x, y), **POSITIVE),
    case("div_floor", [(3, 4), (4,)], lambda lib, x, y: x.div(y, rounding_mode="floor"),
         **POSITIVE),
    case("div_trunc", [(3, 4)], lambda lib, x: lib.div(x, -0.3, rounding_mode="trunc")),
    case("remainder", [(3, 4), (4,)], lambda lib, x, y: x % y, **POSITIVE),
    case("remainder_scalar", [(3, 4)], lambda lib, x: x % 0.7),
    case("pow_scalar", [(3, 4)], lambda lib, x: x ** 3),
    case("pow_fractional", [(3, 4)], lambda lib, x: x ** 1.5, **POSITIVE),
    case("pow_negative", [(3, 4)], lambda lib, x: x.pow(-2), **POSITIVE),
    case("pow_tensor", [(3, 4), (3, 4)], lambda lib, x, y: x ** y, **POSITIVE),
    case("pow_tensor_broadcast", [(3, 4), (4,)], lambda lib, x, y: lib.pow(x, y), **POSITIVE),
    case("rpow_scalar", [(3, 4)], lambda lib, x: 2.0 ** x),
    case("neg", [(3, 4)], lambda lib, x: -x),
    case("neg_method", [(3, 4)], lambda lib, x: x.neg()),
    case("square", [(3, 4)], lambda lib, x: x.square()),
    # matrix products
    case("matmul_2d", [(3, 4), (4, 5)], lambda lib, x, y: x @ y),
    case("matmul_vec_vec", [(4,), (4,)], lambda lib, x, y: x @ y),
    case("matmul_mat_vec", [(3, 4), (4,)], lambda lib, x, y: x @ y),
    case("matmul_vec_mat", [(4,), (4, 5)], lambda lib, x, y: lib.matmul(x, y)),
    case("matmul_batched", [(2, 3, 4), (2, 4, 5)], lambda lib, x, y: x @ y),
    case("matmul_batch_broadcast", [(2, 1, 3, 4), (3, 4, 2)], lambda lib, x, y: x @ y),
    case("matmul_batch_mat", [(2, 3, 4), (4, 5)], lambda lib, x, y: x @ y),
    case("matmul_mat_batch", [(3, 4), (2, 4, 5)], lambda lib, x, y: x.matmul(y)),
    case("matmul_vec_batch", [(4,), (2, 4, 5)], lambda lib, x, y: x @ y),
    case("matmul_batch_vec", [(2, 3, 4), (4,)], lambda lib, x, y: x @ y),
    case("mm", [(3, 4), (4, 5)], lambda lib, x, y: lib.mm(x, y)),
    case("mm_transposed", [(4, 3), (4, 5)], lambda lib, x, y: x.t().mm(y)),
    case("bmm", [(2, 3, 4), (2, 4, 5)], lambda lib, x, y: x.bmm(y)),
    case("dot", [(5,), (5,)], lambda lib, x, y: lib.dot(x, y)),
    # unary
    case("exp", [(3, 4)], lambda lib, x: lib.exp(x)),
    case("log", [(3, 4)], lambda lib, x: x.log(), **POSITIVE),
    case("sqrt", [(3, 4)], lambda lib, x: lib.sqrt(x), **POSITIVE),
    case("rsqrt", [(3, 4)], lambda lib, x: x.rsqrt(), **POSITIVE),
    case("reciprocal", [(3, 4)], lambda lib, x: x.reciprocal(), **POSITIVE),
    case("abs", [(3, 4)], lambda lib, x: lib.abs(x)),
    case("abs_operator", [(3, 4)], lambda lib, x: abs(x)),
    case("sin", [(3, 4)], lambda lib, x: lib.sin(x)),
    case("cos", [(3, 4)], lambda lib, x: x.cos()),
    case("tanh", [(3, 4)], lambda lib, x: lib.tanh(x)),
    case("sigmoid", [(3, 4)], lambda lib, x: x.sigmoid(), low=-8, high=8),
    case("sigmoid_function", [(3, 4)], lambda lib, x: lib.sigmoid(x)),
    case("relu", [(3, 4)], lambda lib, x: lib.relu(x)),
    case("relu_method_3d", [(2, 3, 4)], lambda lib, x: x.relu()),
    case("clamp_both", [(3, 4)], lambda lib, x: x.clamp(-0.5, 0.7)),
    case("clamp_min", [(3, 4)], lambda lib, x: x.clamp(min=0.1)),
    case("clamp_max", [(3, 4)], lambda lib, x: lib.clamp(x, max=0.3)),
    case("clip", [(3, 4)], lambda lib, x: x.clip(-1, 1)),
    case("clamp_tensor_bounds", [(3, 4)],
         lambda lib, x: x.clamp(lib.tensor([-1.0, 0.0, -0.5, 0.2]), lib.tensor([[0.5], [1.0],
                                                                               [1.5]]))),
    case("clamp_0d_tensor_bound", [(3, 4)], lambda lib, x: x.clamp(max=lib.tensor(0.3))),
    # reductions
    case("sum", [(3, 4)], lambda lib, x: x.sum()),
    case("sum_dim", [(3, 4)], lambda lib, x: x.sum(1)),
    case("sum_dim_neg_keepdim", [(2, 3, 4)], lambda lib, x: x.sum(-2, keepdim=True)),
    case("sum_dims", [(2, 3, 4)], lambda lib, x: lib.sum(x, (0, 2))),
    case("sum_dim_kw", [(2, 3, 4)], lambda lib, x: x.sum(dim=[0, -1], keepdim=True)),
    case("mean", [(3, 4)], lambda lib, x: x.mean()),
    case("mean_dim", [(2, 3, 4)], lambda lib, x: x.mean(dim=1)),
    case("mean_dims_keepdim", [(2, 3, 4)], lambda lib, x: lib.mean(x, (0, 1), keepdim=True)),
    case("var", [(3, 4)], lambda lib, x: x.var()),
    case("var_biased", [(3, 4)], lambda lib, x: x.var(unbiased=False)),
    case("var_dim", [(3, 4)], lambda lib, x: x.var(0)),
    case("var_dim_keepdim_biased", [(2, 3, 4)],
         lambda lib, x: lib.var(x, dim=(1, 2), keepdim=True, unbiased=False)),
    case("var_correction", [(2, 5)], lambda lib, x: x.var(1, correction=2)),
    case("std", [(3, 4)], lambda lib, x: x.std()),
    case("std_dim_biased", [(3, 4)], lambda lib, x: x.std(1, unbiased=False)),
    case("std_dim_keepdim", [(2, 3, 4)], lambda lib, x: lib.std(x, -1, keepdim=True)),
    case("max", [(3, 4)], lambda lib, x: x.max()),
    case("min", [(3, 4)], lambda lib, x: lib.min(x)),
    case("max_dim", [(3, 4)], lambda lib, x: x.max(1)),
    case("max_dim_keepdim", [(2, 3, 4)], lambda lib, x: x.max(dim=0, keepdim=True)),
    case("min_dim", [(3, 4)], lambda lib, x: lib.min(x, -1)),
    case("max_elementwise", [(3, 4), (3, 4)], lambda lib, x, y: x.max(y)),
    case("maximum", [(3, 4), (3, 4)], lambda lib, x, y: lib.maximum(x, y)),
    case("minimum", [(3, 4), (3, 4)], lambda lib, x, y: x.minimum(y)),
    case("softmax", [(3, 4)], lambda lib, x: x.softmax(1)),
    case("softmax_dim0", [(2, 3, 4)], lambda lib, x: lib.softmax(x, dim=0)),
    case("log_softmax", [(3, 4)], lambda lib, x: x.log_softmax(-1)),
    case("log_softmax_dim1", [(2, 3, 4)], lambda lib, x: lib.log_softmax(x, 1)),
    case("norm", [(3, 4)], lambda lib, x: x.norm()),
    case("norm_p1_dim", [(3, 4)], lambda lib, x: x.norm(1, dim=1)),
    case("norm_p3_keepdim", [(3, 4)], lambda lib, x: x.norm(3, dim=0, keepdim=True)),
    case("norm_inf", [(3, 4)], lambda lib, x: x.norm(float("inf"))),
    case("prod", [(2, 3)], lambda lib, x: x.prod()),
    case("prod_dim", [(3, 4)], lambda lib, x: x.prod(1, keepdim=True)),
    case("cumsum", [(3, 4)], lambda lib, x: x.cumsum(1)),
    case("cumsum_dim0", [(3, 4)], lambda lib, x: lib.cumsum(x, dim=0)),
    case("sort", [(3, 4)], lambda lib, x: x.sort(1)[0]),
    case("sort_descending", [(3, 4)], lambda lib, x: x.sort(0, descending=True).values),
    case("topk", [(3, 5)], lambda lib, x: x.topk(2).values),
    case("sum_dtype", [(3, 4)], lambda lib, x: x.sum(dtype=lib.float64), gradcheck=False),
    # selection
    case("where", [(3, 4), (3, 4)], lambda lib, x, y: lib.where(x > y, x, y)),
    case("where_broadcast", [(3, 4), (4,)], lambda lib, x, y: lib.where(x > 0, x, y)),
    case("where_scalar", [(3, 4)], lambda lib, x: lib.where(x > 0, x, 0.0)),
    case("masked_fill", [(3, 4)], lambda lib, x: x.masked_fill(x < 0, 0.5)),
    # shape
    case("view", [(3, 4)], lambda lib, x: x.view(2, 6)),
    case("view_infer", [(3, 4)], lambda lib, x: x.view(-1, 2)),
    case("view_tuple", [(3, 4)], lambda lib, x: x.view((4, 3))),
    case("reshape", [(3, 4)], lambda lib, x: x.reshape(12)),
    case("reshape_noncontiguous", [(3, 4)], lambda lib, x: x.t().reshape(-1)),
    case("reshape_function", [(2, 3, 4)], lambda lib, x: lib.reshape(x, (4, -1))),
    case("flatten", [(2, 3, 4)], lambda lib, x: x.flatten()),
    case("flatten_start", [(2, 3, 4)], lambda lib, x: x.flatten(1)),
    case("flatten_range", [(2, 3, 4, 5)], lambda lib, x: lib.flatten(x, 1, 2)),
    case("squeeze", [(3, 1, 4, 1)], lambda lib, x: x.squeeze()),
    case("squeeze_dim", [(3, 1, 4)], lambda lib, x: x.squeeze(1)),
    case("squeeze_dims", [(1, 3, 1, 4)], lambda lib, x: x.squeeze((0, 2))),
    case("unsqueeze", [(3, 4)], lambda lib, x: x.unsqueeze(1)),
    case("unsqueeze_neg", [(3, 4)], lambda lib, x: lib.unsqueeze(x, -1)),
    case("permute", [(2, 3, 4)], lambda lib, x: x.permute(2, 0, 1)),
    case("permute_tuple", [(2, 3, 4)], lambda lib, x: lib.permute(x, (1, 2, 0))),
    case("transpose", [(2, 3, 4)], lambda lib, x: x.transpose(0, 2)),
    case("t", [(3, 4)], lambda lib, x: x.t()),
    case("T", [(3, 4)], lambda lib, x: x.T),
    case("contiguous", [(3, 4)], lambda lib, x: x.t().contiguous()),
    case("expand", [(3, 1)], lambda lib, x: x.expand(3, 4)),
    case("expand_new_dims", [(3, 1)], lambda lib, x: x.expand(2, -1, 4)),
    case("expand_as", [(1, 4), (3, 4)], lambda lib, x, y: x.expand_as(y) * y),
    case("chunk", [(5, 4)], lambda lib, x: x.chunk(2)),
    case("chunk_dim1", [(3, 6)], lambda lib, x: lib.chunk(x, 3, dim=1)),
    case("split_size", [(5, 4)], lambda lib, x: x.split(2)),
    case("split_sections", [(3, 6)], lambda lib, x: x.split([1, 2, 3], dim=1)),
    case("cat", [(2, 3), (4, 3)], lambda lib, x, y: lib.cat([x, y])),
    case("cat_dim1", [(2, 3), (2, 1)], lambda lib, x, y: lib.cat((x, y), dim=1)),
    case("cat_neg_dim", [(2, 3, 2), (2, 3, 1)], lambda lib, x, y: lib.cat([x, y, x], -1)),
    case("stack", [(2, 3), (2, 3)], lambda lib, x, y: lib.stack([x, y])),
    case("stack_dim", [(2, 3), (2, 3)], lambda lib, x, y: lib.stack((x, y, x), dim=2)),
    case("clone", [(3, 4)], lambda lib, x: x.clone()),
    case("repeat", [(2, 3)], lambda lib, x: x.repeat(2, 1, 3)),
    case("unflatten", [(2, 6)], lambda lib, x: x.unflatten(1, (2, 3))),
    case("mT", [(2, 3, 4)], lambda lib, x: x.mT),
    case("to_double", [(3, 4)], lambda lib, x: x.double() * 2, gradcheck=False),
    # indexing
    case("index_int", [(3, 4)], lambda lib, x: x[1]),
    case("index_neg_int", [(3, 4)], lambda lib, x: x[-1, 2]),
    case("index_slice", [(5, 4)], lambda lib, x: x[1:4]),
    case("index_slice_step", [(6, 5)], lambda lib, x: x[::2, 1::3]),
    case("index_none_ellipsis", [(2, 3, 4)], lambda lib, x: x[None, ..., 1]),
    case("index_int_array", [(5, 3)], lambda lib, x: x[[0, 2, 2, 4]]),
    case("index_int_tensor", [(5, 3)], lambda lib, x: x[lib.tensor([4, 0, 4])]),
    case("index_two_arrays", [(4, 3)], lambda lib, x: x[[0, 1, 3], [2, 2, 0]]),
    case("index_array_and_slice", [(4, 5)], lambda lib, x: x[1:3, [0, 4, 0]]),
    case("index_bool_mask", [(3, 4)], lambda lib, x: x[x > 0]),
    case("index_bool_rows", [(3, 4)], lambda lib, x: x[lib.tensor([True, False, True])]),
    case("select", [(3, 4)], lambda lib, x: x.select(1, 2)),
    case("narrow", [(3, 4)], lambda lib, x: x.narrow(1, 1, 2)),
    case("unbind", [(3, 2)], lambda lib, x: x.unbind(0)),
    case("flip", [(3, 4)], lambda lib, x: x.flip(0)),
    # compositions: shared inputs and fan-out
    case("mlp_step", [(4, 3), (3, 5), (5,)],
         lambda lib, x, w, b: (x @ w + b).relu().sum(1).mean()),
    case("fan_out", [(3, 4)], lambda lib, x: (x * x.sigmoid() + x.exp()).sum(0)),
    case("softmax_cross_entropy", [(4, 5)],
         lambda lib, x: -(x.log_softmax(1)[[0, 1, 2, 3], [1, 0, 4, 2]]).mean()),
]


@pytest.mark.parametrize("shapes, fn, low, high, gradcheck, kwargs", OPS)
def test_float32_parity_with_torch(shapes, fn, low, high, gradcheck, kwargs):
    torch = torch_module()
    helper_test_op(shapes, functools.partial(fn, torch), functools.partial(fn, cynn),
                   low=low, high=high, **kwargs)


def _differentiable_outputs(fn):
    def call(*xs):
        out = fn(cynn, *xs)
        outs = out if isinstance(out, tuple) else (out,)
        return tuple(o for o in outs if o.dtype.is_floating_point)
    return call


# dtype conversions are left out: in float64 they are the identity.
@pytest.mark.parametrize("shapes, fn, low, high, gradcheck, kwargs",
                         [op for op in OPS if op.values[4]])
def test_float64_gradcheck(shapes, fn, low, high, gradcheck, kwargs):
    check_gradcheck(_differentiable_outputs(fn), shapes, low=low, high=high)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shapes, fn", [
    ([(3, 4), (4,)], lambda lib, x, y: x * y + x / (y.abs() + 1)),
    ([(2, 3, 4), (2, 4, 3)], lambda lib, x, y: (x @ y).softmax(-1).var(1)),
    ([(3, 4)], lambda lib, x: x.t().reshape(2, 6)[:, 1:].sum(1).exp()),
], ids=["arith", "matmul_softmax_var", "views"])
def test_parity_keeps_dtype(dtype, shapes, fn):
    torch = torch_module()
    helper_test_op(shapes, functools.partial(fn, torch), functools.partial(fn, cynn),
                   dtype=dtype)


def test_noncontiguous_inputs_give_torch_gradients():
    torch = torch_module()

    def fn(lib, x, y):
        xt = x.t()                 # (4, 3), strided
        ys = y[:, ::2]             # (3, 2), strided
        return (xt @ ys).tanh() * xt[:, :2]

    helper_test_op([(3, 4), (3, 4)], functools.partial(fn, torch), functools.partial(fn, cynn))


def test_wrong_backward_would_fail_the_parity_helper():
    """The parity helper compares gradients, so a broken backward cannot slip through."""
    torch = torch_module()

    class BadExp(cynn.autograd.Function):
        grad_fn_name = "ExpBackward0"

        @staticmethod
        def forward(ctx, x):
            return np.exp(x)

        @staticmethod
        def backward(ctx, g):
            return g  # missing the factor exp(x)

    with pytest.raises(AssertionError, match="gradient of input 0"):
        helper_test_op([(3,)], torch.exp, BadExp.apply)


def test_inf_and_nan_results_are_silent_like_torch_but_numpy_still_warns():
    """1 / 0, log(0), exp(1000) give inf / nan without numpy's RuntimeWarning (PyTorch is
    silent); other code's numpy warnings are untouched. Run in a fresh interpreter:
    pytest resets warning filters after collecting."""
    import subprocess
    import sys
    code = ("import numpy as np, cynn\n"
            "x = cynn.tensor([0.0, 1.0])\n"
            "print((1 / x).tolist(), (x / 0).tolist(), x.log().tolist(), "
            "cynn.tensor([1000.0]).exp().tolist(), (x ** -1).tolist())\n"
            "np.array([1.0]) / 0\n")
    done = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True,
                          text=True, timeout=60, cwd=str(__import__("pathlib").Path(
                              cynn.__file__).parent.parent))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("[inf, 1.0] [nan, inf] [-inf, 0.0] [inf] [inf, 1.0]")
    assert done.stderr.count("RuntimeWarning") == 1 and "<string>:4" in done.stderr


@pytest.mark.parametrize("fn", [
    lambda x, y: x.maximum(y), lambda x, y: x.minimum(y), lambda x, y: x.max(y),
    lambda x, y: x.max(), lambda x, y: x.min(), lambda x, y: (x + y).norm(float("inf")),
    lambda x, y: x.max(1), lambda x, y: x.min(0), lambda x, y: x.argmax(1),
    lambda x, y: x.clamp(min=1.0, max=3.0), lambda x, y: x.relu() + y.abs()],
    ids=["maximum", "minimum", "max_tensor", "max_all", "min_all", "norm_inf", "max_dim",
         "min_dim", "argmax", "clamp_bounds", "relu_abs_at_zero"])
def test_gradients_at_ties_and_kinks_match_torch(fn):
    """Equal elements and values exactly on a kink: where the gradient is split or
    chosen must be PyTorch's choice."""
    torch_module()
    ties = np.array([[1.0, 3.0, 3.0], [0.0, 2.0, -3.0]], dtype=np.float32)
    other = np.array([[1.0, 2.0, 3.0], [0.0, 2.0, 3.0]], dtype=np.float32)
    helper_test_op(None, fn, inputs=[ties, other])
