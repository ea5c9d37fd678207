"""Which gradient arrays may become a leaf's ``.grad`` without a copy.

Only arrays the engine owns (a ``fresh_gradients`` backward's, or ones the engine made:
a sum, a broadcast reduction) are taken as they are; anything else someone may still
hold -- the root gradient, a saved array, a view of either, an array given to two
inputs, a hook's argument or return value -- is copied, so that an in-place change of
one (``grad.zero_()``, the optimizer, the next accumulation) never shows in another.
"""
import numpy as np
import pytest

import cynn
import cynn.nn.functional as F
from cynn.autograd.function import AccumulateGrad
from cynn.autograd.functions import conv as conv_functions
from cynn.autograd.functions import elementwise as elementwise_functions
from cynn.autograd.functions import linear as linear_functions
from helpers import torch_module


def _leaf(*shape, value=1.0):
    return cynn.tensor(np.full(shape, value, np.float32), requires_grad=True)


def _independent(*arrays):
    """No two of ``arrays`` share memory."""
    return not any(np.shares_memory(a, b)
                   for i, a in enumerate(arrays) for b in arrays[i + 1:])


# -- never aliased ---------------------------------------------------------------------------
def test_one_gradient_shared_by_two_inputs_gives_two_independent_grads():
    """Add hands ``gy`` itself to both inputs; both .grads and the root stay apart, and
    accumulating into one leaves the other unchanged."""
    a, b = _leaf(4), _leaf(4)
    root = cynn.ones(4)
    (a + b).backward(root)
    assert _independent(a.grad.numpy(), b.grad.numpy(), root.numpy())
    (a * 3).sum().backward()
    assert a.grad.tolist() == [4.0] * 4 and b.grad.tolist() == [1.0] * 4 and \
        root.tolist() == [1.0] * 4


class _SameArrayTwice(cynn.autograd.Function):
    """Declares fresh gradients but hands one new array to both inputs: the engine may
    let only one .grad take it."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        shared = g * 1
        return shared, shared


def test_one_fresh_array_returned_for_two_inputs_is_owned_by_one_of_them_only():
    a, b = _leaf(3), _leaf(3)
    _SameArrayTwice.apply(a, b).sum().backward()
    assert _independent(a.grad.numpy(), b.grad.numpy())
    a.grad.zero_()
    assert b.grad.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("view", ["reshape", "t", "expand", "getitem"])
def test_a_view_of_the_root_gradient_is_copied(view):
    """Views pass a view of ``gy`` (or ``gy`` itself) on: the leaf's .grad must not be
    a window into the caller's gradient."""
    x = _leaf(2, 3) if view != "expand" else _leaf(1, 3)
    y = {"reshape": lambda: x.reshape(3, 2), "t": lambda: x.t(),
         "expand": lambda: x.expand(2, 3), "getitem": lambda: x[:, :]}[view]()
    root = cynn.ones(*y.shape)
    y.backward(root)
    assert not np.shares_memory(x.grad.numpy(), root.numpy())
    root.numpy()[...] = 5.0
    assert x.grad.numpy().max() <= 2.0


class _ReturnsSaved(cynn.autograd.Function):
    """Its gradient is a saved array (d(x * c)/dx = c): not fresh, never marked."""

    @staticmethod
    def forward(ctx, x, c):
        ctx.save_for_backward(c)
        return x * c

    @staticmethod
    def backward(ctx, g):
        (c,) = ctx.saved_tensors
        return c, None


def test_a_saved_array_returned_as_a_gradient_is_copied():
    x = _leaf(3)
    c = cynn.tensor([1.0, 2.0, 3.0])
    out = _ReturnsSaved.apply(x, c)
    out.backward(cynn.ones(3), retain_graph=True)
    assert not np.shares_memory(x.grad.numpy(), c.numpy())
    out.backward(cynn.ones(3))          # accumulates in place into .grad
    assert c.tolist() == [1.0, 2.0, 3.0] and x.grad.tolist() == [2.0, 4.0, 6.0]


def test_a_tensor_hooks_argument_and_return_value_are_copied():
    """A hook may keep what it was shown and what it returned; on the leaf's own node
    the gradient it sees is, without the hook, one the engine would have taken."""
    shown, returned = [], []

    def hook(g):
        shown.append(g)
        returned.append(g * 10)
        return returned[-1]

    x = _leaf(3)
    x.register_hook(hook)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [20.0] * 3
    assert _independent(x.grad.numpy(), shown[0].numpy(), returned[0].numpy())
    shown[0].numpy()[...] = 0.0
    returned[0].numpy()[...] = 0.0
    assert x.grad.tolist() == [20.0] * 3


def test_node_hooks_arrays_are_copied():
    """A pre-hook on AccumulateGrad and a post-hook on the node before it see (and may
    keep) the arrays that reach the leaf."""
    seen = []
    x = _leaf(3)
    y = x * 2
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.extend(grad_inputs))
    y.sum().backward()
    w = _leaf(3)
    z = w * 2
    z.grad_fn.next_functions[0][0].register_prehook(lambda grads: seen.extend(grads))
    z.sum().backward()
    assert not np.shares_memory(x.grad.numpy(), seen[0])
    assert not np.shares_memory(w.grad.numpy(), seen[2])
    seen[0][...] = seen[2][...] = -1.0
    assert x.grad.tolist() == [2.0] * 3 and w.grad.tolist() == [2.0] * 3


def test_a_retained_gradient_and_the_leaf_grad_are_independent():
    x = _leaf(3)
    y = x * 1
    y.retain_grad()
    (y * 2).sum().backward()
    assert _independent(x.grad.numpy(), y.grad.numpy())


# -- owned: taken without a copy -----------------------------------------------------------
def _spy(monkeypatch, cls):
    """Record the gradients ``cls.backward`` returns (keeping references to them, which
    must not change what the engine does)."""
    returned = []
    backward = cls.backward

    def spy(ctx, *grads):
        out = backward(ctx, *grads)
        returned.append(out)
        return out

    monkeypatch.setattr(cls, "backward", staticmethod(spy))
    return returned


def test_linear_gradients_become_grad_without_a_copy(monkeypatch):
    returned = _spy(monkeypatch, linear_functions.Linear)
    x, w, b = _leaf(5, 4), _leaf(3, 4, value=0.5), _leaf(3)
    F.linear(x, w, b).sum().backward()
    gx, gw, gb = returned[0]
    assert x.grad.numpy() is gx and w.grad.numpy() is gw and b.grad.numpy() is gb
    np.testing.assert_allclose(w.grad.numpy(), np.full((3, 4), 5.0))


def test_linear_bias_of_the_output_shape_gets_its_own_array(monkeypatch):
    """addmm with a full (m, out) input: its gradient would be gy itself, so Linear copies
    it (it declares fresh_gradients); the root gradient stays the caller's."""
    returned = _spy(monkeypatch, linear_functions.Linear)
    m, x, w = _leaf(5, 3), _leaf(5, 4), _leaf(3, 4)
    root = cynn.ones(5, 3)
    linear_functions.Addmm.apply(x, w, m).backward(root)
    assert m.grad.numpy() is returned[0][2]
    assert not np.shares_memory(m.grad.numpy(), root.numpy())
    root.numpy()[...] = 9.0
    assert m.grad.numpy().max() == 1.0


def test_conv_weight_gradient_becomes_grad_without_a_copy(monkeypatch):
    returned = _spy(monkeypatch, conv_functions.Convolution)
    x, w = _leaf(2, 3, 6, 6), _leaf(4, 3, 3, 3)
    F.conv2d(x, w).sum().backward()
    gx, gw, _ = returned[0]
    assert w.grad.numpy() is gw and x.grad.numpy() is gx


def test_elementwise_gradient_becomes_grad_without_a_copy(monkeypatch):
    returned = _spy(monkeypatch, elementwise_functions.Mul)
    a, b = _leaf(3, value=2.0), _leaf(3, value=5.0)
    (a * b).sum().backward()
    ga, gb = returned[0]
    assert a.grad.numpy() is ga and b.grad.numpy() is gb
    assert a.grad.tolist() == [5.0] * 3 and b.grad.tolist() == [2.0] * 3


def test_a_sum_of_gradients_meeting_at_a_leaf_is_taken_without_a_copy(monkeypatch):
    """Add passes the root gradient (not owned) to both inputs; where they meet at x the
    engine sums them into its own array, which becomes .grad as it is."""
    arrived = []
    accumulate = AccumulateGrad._backward

    def spy(node, grads, owned):
        arrived.append((grads[0], owned[0]))
        return accumulate(node, grads, owned)

    monkeypatch.setattr(AccumulateGrad, "_backward", spy)
    x = _leaf(3)
    root = cynn.ones(3)
    (x + x).backward(root)
    ((summed, owned),) = arrived
    assert owned and x.grad.numpy() is summed
    assert x.grad.tolist() == [2.0] * 3 and root.tolist() == [1.0] * 3


def test_accumulate_grad_post_hook_runs_after_accumulation_like_torch():
    """As in PyTorch (DDP relies on it), a post-hook on a leaf's AccumulateGrad node runs
    once ``.grad`` is written, with no input gradients and the arriving gradient."""
    torch = torch_module()
    results = []
    for lib in (torch, cynn):
        a = lib.ones(3, requires_grad=True)
        b = a * 2
        calls = []
        b.grad_fn.next_functions[0][0].register_hook(
            lambda grad_inputs, grad_outputs: calls.append(
                (len(grad_inputs), np.asarray(grad_outputs[0]).tolist(), a.grad is not None)))
        b.sum().backward()
        results.append(calls)
    assert results[1] == results[0] == [(0, [2.0, 2.0, 2.0], True)]


def test_layer_norm_without_leading_dimensions_does_not_hand_out_the_root_gradient():
    """LayerNorm's bias gradient is ``gy`` summed over the leading dimensions; with none
    that sum is still a new array (LayerNorm declares fresh_gradients)."""
    x, w, b = cynn.tensor([1.0, 2.0, 4.0, 8.0], requires_grad=True), _leaf(4), _leaf(4)
    root = cynn.ones(4)
    F.layer_norm(x, (4,), w, b).backward(root)
    assert _independent(b.grad.numpy(), root.numpy(), w.grad.numpy(), x.grad.numpy())
    root.numpy()[...] = 3.0
    assert b.grad.tolist() == [1.0] * 4
