"""The reverse-mode engine: order, accumulation, broadcasting, retain_graph, grad modes,
detach / .data, tensor hooks, retain_grad and ``cynn.autograd.grad``."""
import numpy as np
import pytest

import cynn
from helpers import assert_same_tensor, helper_test_op, torch_module


def _both(fn):
    """``fn(lib)`` run with torch and with cynn."""
    return fn(torch_module()), fn(cynn)


# -- topological order and gradient flow ---------------------------------------------
def test_diamond_graph_waits_for_all_consumers():
    """x feeds two branches that meet again: x's gradient is their sum, and the shared
    node runs once, after both branches delivered."""
    order = []

    class Tap(cynn.autograd.Function):
        @staticmethod
        def forward(ctx, x, name):
            ctx.name = name
            return x.copy()

        @staticmethod
        def backward(ctx, g):
            order.append(ctx.name)
            return g, None

    x = cynn.tensor([1.0, 2.0], requires_grad=True)
    shared = Tap.apply(x * 1, "shared")
    left = Tap.apply(shared * 2, "left")
    right = Tap.apply(shared.exp(), "right")
    (left + right).sum().backward()
    assert order.count("shared") == 1 and order.index("shared") == 2
    np.testing.assert_allclose(x.grad.numpy(), 2 + np.exp([1.0, 2.0]), rtol=1e-6)


def test_deep_chain_does_not_recurse():
    x = cynn.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001 ** 5000], rtol=1e-3)


def test_long_graph_against_torch():
    torch = torch_module()

    def fn(x, w1, w2):
        h = (x @ w1).tanh()
        for _ in range(3):
            h = h + (h @ w2).sigmoid() * h
        return h.log_softmax(1).mean()

    helper_test_op([(4, 5), (5, 6), (6, 6)], fn)


def test_gradients_accumulate_over_backward_calls():
    torch = torch_module()
    for lib in (torch, cynn):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        (x * x).sum().backward()
        (x * 3).sum().backward()
        if lib is torch:
            expected = x.grad
    assert_same_tensor(x.grad, expected)
    grad_object = x.grad
    (x * 1).sum().backward()
    assert x.grad is grad_object, "accumulation must write into the existing .grad"
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


class _Twice(cynn.autograd.Function):
    kept = []

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        out = (g * 2).reshape(-1).reshape(g.shape)   # a whole-array view of a fresh array
        _Twice.kept.append(out)
        return out


class _FreshTwice(_Twice):
    fresh_gradients = True


@pytest.mark.parametrize("fresh", [False, True])
def test_first_gradient_of_a_leaf_never_aliases_an_array_someone_else_holds(fresh):
    """AccumulateGrad takes a gradient the engine owns as .grad (as PyTorch steals it)
    and copies any other: one a Function that does not declare fresh_gradients returns,
    the root gradient, a hook's."""
    _Twice.kept.clear()
    x = cynn.tensor(np.ones((3, 4), np.float32), requires_grad=True)
    (_FreshTwice if fresh else _Twice).apply(x).backward(cynn.ones(3, 4))
    if fresh:
        # taken as it is, though the test still holds a reference: ownership is declared,
        # not guessed from reference counts
        assert x.grad.numpy() is _Twice.kept[0]
    else:
        _Twice.kept[0][...] = 99.0
        np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 4), 2.0, np.float32))
    root = cynn.ones(3, 4)
    leaf = cynn.tensor(np.zeros((3, 4), np.float32), requires_grad=True)
    leaf.backward(root)
    root.numpy()[...] = 7.0
    np.testing.assert_array_equal(leaf.grad.numpy(), np.ones((3, 4), np.float32))
    seen = []
    hooked = cynn.tensor(np.ones(3, np.float32), requires_grad=True)
    hooked.register_hook(seen.append)
    (hooked * 3).sum().backward()
    seen[0].numpy()[...] = -1.0
    np.testing.assert_array_equal(hooked.grad.numpy(), np.full(3, 3.0, np.float32))


def test_zeroing_grad_in_place_then_accumulating():
    x = cynn.ones(2, requires_grad=True)
    (x * 5).sum().backward()
    x.grad.zero_()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("shapes", [
    [(3, 4), (4,)], [(3, 4), (3, 1)], [(2, 1, 4), (3, 1)], [(3, 4), ()], [(1,), (2, 3)],
    [(1, 1), (5, 1, 3)]], ids=str)
def test_broadcasting_gradients_are_reduced_to_input_shapes(shapes):
    helper_test_op(shapes, lambda x, y: (x * y + x - y / 3) ** 2)


def test_backward_with_explicit_gradient_and_on_non_scalar():
    torch = torch_module()

    def run(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * x
        y.backward(lib.tensor([[1.0, 0.5], [-1.0, 2.0]]))
        return x.grad

    expected, got = _both(run)
    assert_same_tensor(got, expected)


def test_backward_of_several_outputs_of_one_node():
    torch = torch_module()
    helper_test_op([(6, 2)], lambda x: x.split(2), lambda x: x.split(2))
    x = cynn.arange(6.0, requires_grad=True)
    a, b = x.chunk(2)
    cynn.autograd.backward([a.sum(), (b * 2).sum()])
    assert x.grad.tolist() == [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]
    assert torch.__version__  # the oracle was importable


def test_unused_output_of_a_multi_output_node_gets_zero_gradient():
    x = cynn.arange(4.0, requires_grad=True)
    values, indices = x.reshape(2, 2).max(1)
    values.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0, 1.0]
    assert not indices.requires_grad


def test_integer_and_bool_outputs_do_not_require_grad():
    x = cynn.randn(3, requires_grad=True)
    for out in (x > 0, x.argmax(), x.max(0).indices, x.isnan(), x.long(), x == x):
        assert not out.requires_grad and out.grad_fn is None


def test_requires_grad_propagation_and_leafness():
    torch = torch_module()

    def flags(lib):
        a, b = lib.ones(2), lib.ones(2, requires_grad=True)
        return [(a * b).requires_grad, (a * a).requires_grad, (a * b).is_leaf, (a * a).is_leaf,
                b.is_leaf, (a * b).grad_fn is None]

    expected, got = _both(flags)
    assert got == expected


# -- retain_graph ------------------------------------------------------------------------
def test_second_backward_through_freed_graph_raises_like_torch():
    torch = torch_module()
    for lib in (torch, cynn):
        x = lib.ones(2, requires_grad=True)
        y = x.exp().sum()
        y.backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second "
                                               "time"):
            y.backward()


def test_retain_graph_allows_a_second_backward():
    torch = torch_module()

    def run(lib):
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        y.backward(retain_graph=True)
        y.backward()
        return x.grad

    expected, got = _both(run)
    assert_same_tensor(got, expected)


def test_graph_without_saved_arrays_can_be_reused():
    x = cynn.ones(2, requires_grad=True)
    y = (x + 1).sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]


# -- grad modes ----------------------------------------------------------------------
def test_no_grad_context_and_nesting():
    x = cynn.ones(2, requires_grad=True)
    with cynn.no_grad():
        assert not cynn.is_grad_enabled()
        y = x * 2
        with cynn.enable_grad():
            assert cynn.is_grad_enabled()
            z = x * 2
        assert not cynn.is_grad_enabled()
    assert cynn.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    assert z.requires_grad and z.grad_fn is not None


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(ValueError):
        with cynn.no_grad():
            raise ValueError
    assert cynn.is_grad_enabled()


def test_grad_mode_decorators():
    x = cynn.ones(2, requires_grad=True)

    @cynn.no_grad()
    def frozen(t):
        """docstring kept"""
        return t * 2

    @cynn.enable_grad()
    def recorded(t):
        return t * 2

    assert not frozen(x).requires_grad
    assert frozen.__doc__ == "docstring kept" and frozen.__name__ == "frozen"
    with cynn.no_grad():
        assert recorded(x).requires_grad
    assert cynn.is_grad_enabled()


def test_set_grad_enabled_as_function_and_context():
    x = cynn.ones(2, requires_grad=True)
    with cynn.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert cynn.is_grad_enabled()
    cynn.set_grad_enabled(False)
    try:
        assert not cynn.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        cynn.set_grad_enabled(True)
    assert (x * 2).requires_grad
    with cynn.set_grad_enabled(True):
        assert (x * 2).requires_grad


# -- detach, .data, requires_grad_ ---------------------------------------------------
def test_detach_shares_storage_and_leaves_the_graph():
    x = cynn.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert np.shares_memory(d.numpy(), y.detach().numpy())
    z = (y * d).sum()
    z.backward()
    assert x.grad.tolist() == [9.0, 18.0]  # d is a constant: dz/dx = 3 * d


def test_detach_shares_the_version_counter_with_its_source():
    torch = torch_module()
    for lib in (torch, cynn):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.sigmoid()
        y.detach().zero_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_data_is_untracked():
    x = cynn.tensor([1.0, 2.0], requires_grad=True)
    y = x.sigmoid()
    y.data.mul_(0)  # .data is outside version tracking, as in PyTorch
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]  # sigmoid'(x) = y (1 - y) with y now 0
    d = x.data
    assert not d.requires_grad and np.shares_memory(d.numpy(), x.detach().numpy())
    x.data = cynn.tensor([5.0, 6.0])
    assert x.tolist() == [5.0, 6.0] and x.requires_grad and x.is_leaf


def test_requires_grad_on_non_leaf_is_an_error_but_true_is_fine():
    x = cynn.ones(2, requires_grad=True)
    y = x * 2
    assert y.requires_grad_(True) is y
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        y.requires_grad_(False)
    w = cynn.ones(2)
    w.requires_grad_()
    (w * 2).sum().backward()
    assert w.grad.tolist() == [2.0, 2.0]


# -- hooks ---------------------------------------------------------------------------
def test_leaf_hook_sees_the_summed_gradient_once_and_handle_removes_it():
    torch = torch_module()
    for lib in (torch, cynn):
        x = lib.ones(2, requires_grad=True)
        seen = []
        handle = x.register_hook(lambda g: seen.append(g.tolist()))
        (x * 2 + x * 3).sum().backward()
        handle.remove()
        (x * 2).sum().backward()
        assert seen == [[5.0, 5.0]]
        assert x.grad.tolist() == [7.0, 7.0]


def test_hook_return_value_replaces_the_gradient():
    torch = torch_module()

    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: g + 1)
        x.register_hook(lambda g: g * 10)
        (y * 3).sum().backward()
        return x.grad

    expected, got = _both(run)
    assert_same_tensor(got, expected)


def test_several_hooks_run_in_registration_order():
    calls = []
    x = cynn.ones(1, requires_grad=True)
    y = x * 1
    y.register_hook(lambda g: calls.append("a") or g * 2)
    y.register_hook(lambda g: calls.append("b") or g * 3)
    y.sum().backward()
    assert calls == ["a", "b"] and x.grad.tolist() == [6.0]


def test_hook_on_tensor_without_grad_raises():
    torch = torch_module()
    for lib in (torch, cynn):
        with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't "
                                               "require gradient"):
            lib.ones(2).register_hook(lambda g: g)


def test_retain_grad_keeps_the_gradient_after_all_hooks():
    torch = torch_module()

    def run(lib, hook_first):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        if hook_first:
            y.register_hook(lambda g: g * 100)
            y.retain_grad()
        else:
            y.retain_grad()
            y.register_hook(lambda g: g * 100)
        (y * y).sum().backward(retain_graph=True)
        (y * 1).sum().backward()
        return y.grad, x.grad, y.retains_grad

    for hook_first in (True, False):
        (ty, tx, tr), (cy, cx, cr) = _both(lambda lib: run(lib, hook_first))
        assert_same_tensor(cy, ty)
        assert_same_tensor(cx, tx)
        assert cr == tr is True


def test_non_leaf_grad_is_none_with_a_warning():
    x = cynn.ones(2, requires_grad=True)
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert y.grad is None


# -- cynn.autograd.grad -----------------------------------------------------------------
def test_autograd_grad_matches_torch_and_leaves_dot_grad_alone():
    torch = torch_module()

    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = (x * w).exp().sum()
        gx, gw = lib.autograd.grad(y, [x, w])
        assert x.grad is None and w.grad is None
        return gx, gw

    (tx, tw), (cx, cw) = _both(run)
    assert_same_tensor(cx, tx)
    assert_same_tensor(cw, tw)


def test_autograd_grad_with_grad_outputs_and_non_leaf_inputs():
    torch = torch_module()

    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * x
        y = h * 3
        (gh,) = lib.autograd.grad([y], [h], grad_outputs=[lib.tensor([1.0, -2.0])])
        return gh

    expected, got = _both(run)
    assert_same_tensor(got, expected)


def test_autograd_grad_allow_unused_and_materialize():
    torch = torch_module()

    def run(lib, **kwargs):
        x = lib.ones(2, requires_grad=True)
        unused = lib.ones(3, requires_grad=True)
        return lib.autograd.grad((x * 3).sum(), [x, unused], **kwargs)

    (tx, tu), (cx, cu) = _both(lambda lib: run(lib, allow_unused=True))
    assert tu is None and cu is None
    assert_same_tensor(cx, tx)
    (tx, tu), (cx, cu) = _both(lambda lib: run(lib, allow_unused=True, materialize_grads=True))
    assert_same_tensor(cu, tu)


def test_autograd_grad_frees_the_graph_unless_retained():
    x = cynn.ones(2, requires_grad=True)
    y = x.exp().sum()
    cynn.autograd.grad(y, x, retain_graph=True)
    (g,) = cynn.autograd.grad(y, x)
    np.testing.assert_allclose(g.numpy(), np.e, rtol=1e-6)
    with pytest.raises(RuntimeError, match="second time"):
        cynn.autograd.grad(y, x)


def test_autograd_backward_function_with_several_roots():
    torch = torch_module()

    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a, b = x * 2, x.exp()
        lib.autograd.backward([a, b], [lib.ones(2), lib.tensor([0.5, 0.5])])
        return x.grad

    expected, got = _both(run)
    assert_same_tensor(got, expected)


def test_custom_function_extension_point():
    """A user-written Function: forward on arrays, backward only for the inputs asked."""
    asked = []

    class ScaledSquare(cynn.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return scale * x * x

        @staticmethod
        def backward(ctx, g):
            asked.append(ctx.needs_input_grad)
            (x,) = ctx.saved_tensors
            return 2 * ctx.scale * x * g, None

    x = cynn.tensor([1.0, -2.0], requires_grad=True)
    y = ScaledSquare.apply(x, 3.0)
    assert type(y.grad_fn).__name__ == "ScaledSquareBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [6.0, -12.0]
    assert asked == [(True, False)]
    assert cynn.autograd.gradcheck(lambda t: ScaledSquare.apply(t, 3.0),
                                   [cynn.tensor([0.3, -0.7], dtype=cynn.float64,
                                                requires_grad=True)])


def test_backward_returning_wrong_number_of_gradients_raises():
    class Bad(cynn.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g

    a, b = cynn.ones(2, requires_grad=True), cynn.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients"):
        Bad.apply(a, b).sum().backward()


def test_backward_returning_wrong_shape_raises():
    class Bad(cynn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return np.ones(7)

    with pytest.raises(RuntimeError, match="returned an invalid gradient at index 0"):
        Bad.apply(cynn.ones(2, requires_grad=True)).sum().backward()


def test_grad_dtype_matches_the_leaf():
    x = cynn.ones(3, dtype=cynn.float64, requires_grad=True)
    (x.float() * 2).sum().backward()
    assert x.grad.dtype is cynn.float64
    w = cynn.ones(3, requires_grad=True)
    (w * cynn.ones(3, dtype=cynn.float64)).sum().backward()
    assert w.grad.dtype is cynn.float32


def test_graph_nodes_do_not_keep_their_output_tensors_alive():
    """No reference cycles through saved outputs, hooks or retain_grad: an intermediate
    tensor dies with its last user reference, without waiting for the cyclic GC."""
    import gc
    import weakref
    gc.disable()
    try:
        x = cynn.ones(3, requires_grad=True)
        y = x.sigmoid()          # saves its own output
        y.retain_grad()
        h = x.exp()
        h.register_hook(lambda g: g * 2)
        refs = [weakref.ref(y), weakref.ref(h)]
        loss = (y * h).sum()
        del y, h
        loss.backward()
        del loss
        assert [r() for r in refs] == [None, None]
    finally:
        gc.enable()
