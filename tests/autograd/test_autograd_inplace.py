"""In-place ops and the version counter: modifying something a backward node saved raises
PyTorch's RuntimeError; legal in-place ops give PyTorch's gradients."""
import numpy as np
import pytest

import cynn
from helpers import assert_same_tensor, torch_module

VERSION_ERROR = "one of the variables needed for gradient computation has been modified by an " \
                "inplace operation"

ILLEGAL = {
    # sigmoid saves its output; mul_ changes it
    "saved_output": lambda lib, x: _sum(x.sigmoid().mul_(2)),
    # b = a * a saved a; a.add_(1) changes it
    "saved_input": lambda lib, x: _saved_input(x),
    "exp_then_add_": lambda lib, x: _sum(x.exp().add_(1)),
    "tanh_then_relu_": lambda lib, x: _sum(x.tanh().relu_()),
    "saved_constant_input": lambda lib, x: _saved_constant(lib, x),
    "through_a_view": lambda lib, x: _through_view(x),
    "setitem_on_saved": lambda lib, x: _setitem_saved(x),
    "div_saved_denominator": lambda lib, x: _div_saved(x),
    "pow_saved_base": lambda lib, x: _pow_saved(x),
    "zero_on_saved": lambda lib, x: _sum(x.sqrt().zero_()),
    # sigmoid_ saves its (in-place) output; the later mul_ changes it
    "inplace_saved_output": lambda lib, x: _sum((x * 1).sigmoid_().mul_(2)),
    "relu_then_add_": lambda lib, x: _sum((x - 1).relu_().add_(1)),
}


def _sum(t):
    return t.sum()


def _saved_input(x):
    a = x * 2
    b = a * a
    a.add_(1)
    return b.sum()


def _saved_constant(lib, x):
    w = lib.tensor([1.0, 2.0, 3.0])
    y = x * w
    w.mul_(2)
    return y.sum()


def _through_view(x):
    a = x * 2
    b = a.exp()  # saves its output b
    b.detach()[0:2].mul_(3)  # a view of a detached alias: shares b's version counter
    return b.sum()


def _setitem_saved(x):
    a = x * 2
    b = a.sin()  # saves a
    a[0] = 5.0
    return b.sum()


def _div_saved(x):
    d = x + 1
    y = x / d
    d.mul_(2)
    return y.sum()


def _pow_saved(x):
    base = x * 1
    y = base ** 3
    base.sub_(1)
    return y.sum()


@pytest.mark.parametrize("build", list(ILLEGAL.values()), ids=list(ILLEGAL))
def test_modifying_a_saved_tensor_raises_like_torch(build):
    torch = torch_module()
    for lib in (torch, cynn):
        x = lib.tensor([0.5, 1.0, 2.0], requires_grad=True)
        loss = build(lib, x)
        with pytest.raises(RuntimeError, match=VERSION_ERROR):
            loss.backward()


def test_version_error_message_names_the_tensor_and_versions():
    x = cynn.tensor([[0.5, 1.0, 2.0]], requires_grad=True)
    y = x.sigmoid()
    y.mul_(2)
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    message = str(info.value)
    assert "[cynn.FloatTensor [1, 3]], which is output 0 of SigmoidBackward0" in message
    assert "is at version 1; expected version 0 instead" in message


def test_in_place_on_a_leaf_that_requires_grad_raises():
    torch = torch_module()
    ops = [lambda t: t.add_(1), lambda t: t.mul_(2), lambda t: t.zero_(), lambda t: t.relu_(),
           lambda t: t.clamp_(0, 1), lambda t: t.copy_(t.detach() * 2),
           lambda t: t.__setitem__(0, 1.0), lambda t: t.__iadd__(1), lambda t: t.squeeze_()]
    for lib in (torch, cynn):
        for op in ops:
            w = lib.ones(1, 3, requires_grad=True)
            with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being "
                                                   "used in an in-place operation"):
                op(w)


LEGAL = {
    # relu_ on an intermediate nobody saved (mul saved x and w, not y)
    "relu_on_product": lambda lib, x, w: _then(x * w, lambda y: y.relu_()),
    "add_then_mul_": lambda lib, x, w: _then(x + w, lambda y: y.mul_(w)),
    "chain_of_inplace": lambda lib, x, w: _then(x - w, lambda y: y.mul_(2).add_(w).clamp_(
        -1.0, 1.0)),
    "sigmoid_then_inplace_on_clone": lambda lib, x, w: _then(x.sigmoid().clone(),
                                                             lambda y: y.mul_(w)),
    "iadd_tensor": lambda lib, x, w: _then(x * 1, lambda y: y.__iadd__(w * w)),
    "setitem_then_use": lambda lib, x, w: _then(x * 3, lambda y: y.__setitem__(1, w[0] * 2)),
    "inplace_after_use": lambda lib, x, w: _inplace_after_use(x, w),
    "fill_then_add": lambda lib, x, w: _then(x * w, lambda y: y.fill_(2.0)) + x,
    "copy_from_other": lambda lib, x, w: _then(x * 2, lambda y: y.copy_(w.exp())) * x,
    "masked_fill_": lambda lib, x, w: _then(x * w, lambda y: y.masked_fill_(y > 0, 0.5)),
    "div_then_sub_": lambda lib, x, w: _then(x + 0, lambda y: y.div_(w).sub_(x)),
}


def _then(y, op):
    op(y)
    return y


def _inplace_after_use(x, w):
    y = x + w       # Add saves nothing
    z = y * 2       # Mul by a scalar: saves y, but the scalar side needs only the scalar
    s = z.sum()
    y.add_(1)
    return s + (y * x).sum()


@pytest.mark.parametrize("build", list(LEGAL.values()), ids=list(LEGAL))
def test_legal_in_place_gives_torch_gradients(build):
    torch = torch_module()
    rng = np.random.default_rng(3)
    x0, w0 = rng.uniform(-1, 1, (2, 3)).astype(np.float32), rng.uniform(0.5, 1.5, (3,))
    results = []
    for lib in (torch, cynn):
        x = lib.tensor(x0, requires_grad=True)
        w = lib.tensor(w0.astype(np.float32), requires_grad=True)
        out = build(lib, x, w)
        out.sum().backward()
        results.append((out, x.grad, w.grad))
    (t_out, t_gx, t_gw), (c_out, c_gx, c_gw) = results
    assert_same_tensor(c_out, t_out)
    assert_same_tensor(c_gx, t_gx)
    if t_gw is None:
        assert c_gw is None
    else:
        assert_same_tensor(c_gw, t_gw)


def test_versions_count_in_place_writes():
    torch = torch_module()
    for lib in (torch, cynn):
        t = lib.zeros(3)
        v = t[1:]
        t.add_(1)
        v.mul_(2)
        t[0] = 5.0
        t.copy_(lib.ones(3))
        versions = (t._version, v._version) if lib is torch else (t._version_counter,
                                                                  v._version_counter)
        assert versions == (4, 4)


def _view_then(make_view, op):
    def build(lib, x, w):
        y = x * 2
        op(make_view(y), w)
        return y * y
    return build


VIEW_INPLACE = {
    "row_mul_": _view_then(lambda y: y[0], lambda v, w: v.mul_(w)),
    "column_add_": _view_then(lambda y: y[:, 1], lambda v, w: v.add_(w[:2])),
    "flat_view_relu_": _view_then(lambda y: y.view(-1), lambda v, w: v.relu_()),
    "transposed_sub_": _view_then(lambda y: y.t(), lambda v, w: v.sub_(w.unsqueeze(1))),
    "strided_zero_": _view_then(lambda y: y[:, ::2], lambda v, w: v.zero_()),
    "setitem_on_view": _view_then(lambda y: y[1], lambda v, w: v.__setitem__(2, w[0] * 5)),
    "nested_views": _view_then(lambda y: y[1][1:], lambda v, w: v.clamp_(max=0.1)),
    "copy_into_view": _view_then(lambda y: y[0], lambda v, w: v.copy_(w.exp())),
    "constant_base_gets_grad": lambda lib, x, w: _constant_base(lib, x, w),
    "view_used_after": lambda lib, x, w: _view_used_after(x, w),
}


def _constant_base(lib, x, w):
    buffer = lib.zeros(2, 3)
    buffer[0].add_(w)  # the base did not require grad: it now does, through CopySlices
    return buffer * x


def _view_used_after(x, w):
    y = x + 0
    v = y[:, 0]
    v.mul_(3)
    return y.sum(1) + v * w[:2]


@pytest.mark.parametrize("build", list(VIEW_INPLACE.values()), ids=list(VIEW_INPLACE))
def test_in_place_on_a_view_gives_torch_gradients(build):
    test_legal_in_place_gives_torch_gradients(build)


def test_in_place_on_a_view_names_nodes_like_torch():
    torch = torch_module()
    for lib in (torch, cynn):
        y = lib.ones(2, 3, requires_grad=True) * 2
        v = y[0]
        v.mul_(2)
        assert y.grad_fn.name() == "torch::autograd::CopySlices"
        assert type(v.grad_fn).__name__ == "AsStridedBackward0"


def _view_made_without_grad(lib):
    y = lib.ones(3, requires_grad=True) * 1
    with lib.no_grad():
        view = y[1:]
    view.mul_(2)


class _Identity(cynn.autograd.Function):
    output_is_view = False  # returns a view of its input without saying so

    @staticmethod
    def forward(ctx, x):
        return x.view()

    @staticmethod
    def backward(ctx, g):
        return g


@pytest.mark.parametrize("build, match", [
    (lambda lib: lib.ones(3, requires_grad=True)[0].mul_(2),
     "a view of a leaf Variable that requires grad is being used in an in-place operation"),
    (lambda lib: (lib.ones(1, requires_grad=True) * 1).expand(3).mul_(2),
     "more than one element of the written-to tensor refers to a single memory location"),
    (lambda lib: (lib.ones(4, requires_grad=True) * 1).split(2)[1].mul_(2),
     "is a view and is being modified inplace. This view is the output of a function that "
     "returns multiple views"),
    (lambda lib: (lib.ones(2, 3, requires_grad=True) * 1).unbind(0)[0].zero_(),
     "output of a function that returns multiple views"),
    (_view_made_without_grad, "A view was created in no_grad mode and is being modified "
                              "inplace with grad mode enabled"),
], ids=["view_of_leaf", "expanded_view", "split_output", "unbind_output", "no_grad_view"])
def test_in_place_on_views_refused_like_torch(build, match):
    torch = torch_module()
    for lib in (torch, cynn):
        with pytest.raises(RuntimeError, match=match):
            build(lib)


def test_in_place_on_a_view_made_by_a_custom_function_is_refused():
    x = cynn.ones(3, requires_grad=True) * 1
    out = _Identity.apply(x)
    out._base = x  # the function's output aliases its input
    with pytest.raises(RuntimeError, match="This view was created inside a custom Function"):
        out.add_(1)
