"""In-place ops: values like PyTorch, ``self`` returned, version bumped, and gradients
through in-place ops on intermediate tensors equal PyTorch's."""
import numpy as np
import pytest

import cynn
from helpers import assert_same_tensor, helper_test_op, torch_module

INPLACE = {
    "add_": lambda lib, t: t.add_(lib.tensor([1.0, 2.0, 3.0])),
    "add_alpha": lambda lib, t: t.add_(lib.ones(3), alpha=-2),
    "add_scalar": lambda lib, t: t.add_(0.5),
    "sub_": lambda lib, t: t.sub_(lib.ones(2, 1)),
    "sub_alpha": lambda lib, t: t.sub_(2.0, alpha=3),
    "mul_": lambda lib, t: t.mul_(lib.tensor([2.0, 0.0, -1.0])),
    "mul_scalar": lambda lib, t: t.mul_(3),
    "div_": lambda lib, t: t.div_(4),
    "div_tensor": lambda lib, t: t.div_(lib.tensor([1.0, 2.0, 4.0])),
    "pow_": lambda lib, t: t.pow_(2),
    "iadd": lambda lib, t: t.__iadd__(1.5),
    "isub": lambda lib, t: t.__isub__(lib.ones(3)),
    "imul": lambda lib, t: t.__imul__(-1),
    "itruediv": lambda lib, t: t.__itruediv__(2),
    "zero_": lambda lib, t: t.zero_(),
    "fill_": lambda lib, t: t.fill_(3.25),
    "fill_tensor": lambda lib, t: t.fill_(lib.tensor(2.0)),
    "copy_": lambda lib, t: t.copy_(lib.tensor([[9.0, 8.0, 7.0], [6.0, 5.0, 4.0]])),
    "copy_broadcast": lambda lib, t: t.copy_(lib.tensor([1.0, 2.0, 3.0])),
    "copy_int": lambda lib, t: t.copy_(lib.tensor([1, 2, 3])),
    "clamp_": lambda lib, t: t.clamp_(-0.5, 0.5),
    "clamp_min": lambda lib, t: t.clamp_(min=0),
    "clamp_max": lambda lib, t: t.clamp_(max=0.1),
    "relu_": lambda lib, t: t.relu_(),
    "sigmoid_": lambda lib, t: t.sigmoid_(),
    "tanh_": lambda lib, t: t.tanh_(),
    "exp_": lambda lib, t: t.exp_(),
    "abs_": lambda lib, t: t.abs_(),
    "neg_": lambda lib, t: t.neg_(),
    "masked_fill_": lambda lib, t: t.masked_fill_(t > 0, -7.0),
    "squeeze_": lambda lib, t: t.unsqueeze_(0).squeeze_(),
    "unsqueeze_": lambda lib, t: t.unsqueeze_(1),
}

START = np.array([[0.5, -1.0, 2.0], [-0.25, 1.5, -3.0]], dtype=np.float32)


@pytest.mark.parametrize("op", list(INPLACE.values()), ids=list(INPLACE))
def test_inplace_values_match_torch_and_return_self(op):
    torch = torch_module()
    expected = torch.tensor(START)
    op(torch, expected)
    t = cynn.tensor(START)
    version = t._version_counter
    out = op(cynn, t)
    assert out is t
    assert_same_tensor(t, expected)
    assert t._version_counter > version


@pytest.mark.parametrize("op", [v for k, v in INPLACE.items() if k not in ("fill_tensor",)],
                         ids=[k for k in INPLACE if k not in ("fill_tensor",)])
def test_inplace_on_an_intermediate_gives_torch_gradients(op):
    """``y = x * w`` (w saved by nobody in-place) then ``op(y)``: the gradient to x and
    w is the one PyTorch computes through the in-place node."""
    torch = torch_module()

    def fn(lib, x, w):
        y = x + w
        op(lib, y)
        return y * 2

    helper_test_op(None, lambda x, w: fn(torch, x, w), lambda x, w: fn(cynn, x, w),
                   inputs=[START, START[::-1].copy() * 0.3])


def test_inplace_ops_under_no_grad_on_leaves():
    w = cynn.ones(3, requires_grad=True)
    with cynn.no_grad():
        w.mul_(2).add_(1)
        w -= 0.5
        w.clamp_(max=2.0)
        w.copy_(w * 2)
    assert w.tolist() == [4.0, 4.0, 4.0]
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    (w * w).sum().backward()
    assert w.grad.tolist() == [8.0, 8.0, 8.0]


@pytest.mark.parametrize("fill", [
    lambda t: t.normal_(), lambda t: t.normal_(2.0, 0.5), lambda t: t.uniform_(),
    lambda t: t.uniform_(-3, -1), lambda t: t.zero_(), lambda t: t.fill_(1.0)],
    ids=["normal", "normal_args", "uniform", "uniform_args", "zero", "fill"])
def test_random_and_fill_inplace_keep_shape_dtype_and_identity(fill):
    for dtype in (cynn.float32, cynn.float64):
        t = cynn.empty(50, 4, dtype=dtype)
        assert fill(t) is t
        assert t.shape == (50, 4) and t.dtype is dtype


def test_random_inplace_ranges():
    u = cynn.empty(5000).uniform_(-3, -1).numpy()
    assert u.min() >= -3 and u.max() < -1
    n = cynn.empty(20000).normal_(2.0, 0.5).numpy()
    assert abs(n.mean() - 2.0) < 0.02 and abs(n.std() - 0.5) < 0.02


def test_requires_grad_in_place():
    t = cynn.zeros(2)
    assert t.requires_grad_() is t and t.requires_grad
    t.requires_grad_(False)
    assert not t.requires_grad
    t.requires_grad = True
    assert t.requires_grad and t.is_leaf


def test_integer_inplace_stays_integer():
    torch = torch_module()

    def ops(lib):
        t = lib.tensor([5, -3, 8])
        t.add_(2)
        t.mul_(lib.tensor([1, 2, 3]))
        t.clamp_(0, 10)
        t.sub_(1)
        return t

    assert_same_tensor(ops(cynn), ops(torch))
