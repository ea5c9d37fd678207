"""A gradient hook may replace a gradient but not change its size or dtype, nor return
something that is not a tensor: PyTorch's errors, for every kind of hook."""
import functools
import re

import numpy as np
import pytest

import cynn
from helpers import torch_module


def _errors(script):
    """(type, message) raised by ``script(lib)`` for torch and cynn; torch's type names
    (``torch.FloatTensor``) are spelled with cynn's prefix."""
    torch = torch_module()
    found = []
    for lib in (torch, cynn):
        with pytest.raises(Exception) as info:
            script(lib)
        found.append((info.type, str(info.value)))
    (ttype, tmsg), (ctype, cmsg) = found
    return (ttype, tmsg.replace("torch.", "cynn.")), (ctype, cmsg)


def _leaf_hook(make):
    def script(lib):
        q = lib.ones(3, requires_grad=True)
        q.register_hook(lambda g: make(lib, g))
        (q * 2).sum().backward()
    return script


def _non_leaf_hook(make):
    def script(lib):
        q = lib.ones(3, requires_grad=True)
        r = q * 2
        r.register_hook(lambda g: make(lib, g))
        (r * 3).sum().backward()
    return script


def _scalar_root_hook(make):
    def script(lib):
        r = lib.ones(3, requires_grad=True).sum()
        r.register_hook(lambda g: make(lib, g))
        r.backward()
    return script


def _node_prehook(make):
    def script(lib):
        r = lib.ones(3, requires_grad=True) * 2
        r.grad_fn.register_prehook(lambda go: make(lib, go))
        r.sum().backward()
    return script


def _node_posthook(make):
    def script(lib):
        r = lib.ones(3, requires_grad=True) * lib.ones(3, requires_grad=True)
        r.grad_fn.register_hook(lambda gi, go: make(lib, gi))
        r.sum().backward()
    return script


def _accumulate_prehook(make):
    def script(lib):
        r = lib.ones(3, requires_grad=True) * 2
        r.grad_fn.next_functions[0][0].register_prehook(lambda go: make(lib, go))
        r.sum().backward()
    return script


TENSOR_HOOK_CASES = {
    "shape": lambda lib, g: lib.tensor([5.0]),
    "extra dim": lambda lib, g: g.reshape(1, -1) if g.dim() else g.reshape(1),
    "float64": lambda lib, g: g.double(),
    "int64": lambda lib, g: g.long(),
    "list": lambda lib, g: [1.0, 2.0, 3.0],
    "number": lambda lib, g: 5,
}


@pytest.mark.parametrize("case", sorted(TENSOR_HOOK_CASES))
@pytest.mark.parametrize("where", [_leaf_hook, _non_leaf_hook, _scalar_root_hook])
def test_tensor_hook_return_is_checked_like_torch(where, case):
    expected, got = _errors(where(TENSOR_HOOK_CASES[case]))
    assert got == expected


NODE_HOOK_CASES = {
    "shape": lambda lib, gs: (lib.ones(2),) + tuple(gs[1:]),
    "float64": lambda lib, gs: (gs[0].double(),) + tuple(gs[1:]),
    "one too many": lambda lib, gs: tuple(gs) + (gs[0],),
    "list not tuple": lambda lib, gs: list(gs),
    "a tensor not a tuple": lambda lib, gs: gs[0],
    "list element": lambda lib, gs: ([1.0, 2.0, 3.0],) + tuple(gs[1:]),
}


def _tensor_grads(make):
    # cynn's node hooks receive the engine's numpy arrays; hand them back as tensors
    # so that the same script builds the same return value in both libraries
    def wrapped(lib, grads):
        if lib is cynn:
            grads = tuple(None if g is None else cynn.from_numpy(g) for g in grads)
        return make(lib, grads)
    return wrapped


@pytest.mark.parametrize("case", sorted(NODE_HOOK_CASES))
@pytest.mark.parametrize("where", [_node_prehook, _node_posthook, _accumulate_prehook])
def test_node_hook_return_is_checked_like_torch(where, case):
    expected, got = _errors(where(_tensor_grads(NODE_HOOK_CASES[case])))
    assert got == expected


def test_hook_names_in_messages_match_torch():
    def my_hook(g):
        return g[:2]

    class CallableHook:
        def __call__(self, g):
            return g[:2]

    for hook in (my_hook, CallableHook(), functools.partial(my_hook)):
        expected, got = _errors(lambda lib, hook=hook: _leaf_hook(lambda lib, g: hook(g))(lib))
        assert got == expected
        named = _errors(lambda lib, hook=hook: _register_direct(lib, hook))
        assert named[1] == named[0]


def _register_direct(lib, hook):
    q = lib.ones(3, requires_grad=True)
    q.register_hook(hook)
    (q * 2).sum().backward()


def test_rejected_hook_leaves_grad_unset_and_sgd_untouched():
    q = cynn.nn.Parameter(cynn.ones(3))
    q.register_hook(lambda g: cynn.tensor([5.0]))
    opt = cynn.optim.SGD([q], lr=1.0)
    with pytest.raises(RuntimeError, match="has changed the size of value"):
        (q * 2).sum().backward()
    opt.step()
    assert q.grad is None
    assert q.tolist() == [1.0, 1.0, 1.0]


def test_hooks_that_keep_size_and_dtype_still_replace_the_gradient():
    torch = torch_module()
    grads = []
    for lib in (torch, cynn):
        q = lib.ones(3, requires_grad=True)
        r = q * 2
        r.register_hook(lambda g: g * 10)
        q.register_hook(lambda g: g + 1)
        r.grad_fn.register_prehook(lambda go: None)
        r.sum().backward()
        grads.append(q.grad.tolist())
    assert grads[0] == grads[1] == [21.0, 21.0, 21.0]


def test_node_hook_may_return_arrays_and_none():
    q = cynn.ones(3, requires_grad=True)
    r = q * 2
    r.grad_fn.register_prehook(lambda go: (np.full(3, 0.5, np.float32),))
    r.sum().backward()
    assert q.grad.tolist() == [1.0, 1.0, 1.0]
    w = cynn.ones(3, requires_grad=True)
    s = w * cynn.ones(3, requires_grad=True)
    s.grad_fn.register_hook(lambda gi, go: (None, gi[1]))
    s.sum().backward()
    assert w.grad is None


def test_post_hooks_see_gradients_already_summed_to_the_input_shapes():
    torch = torch_module()
    shapes = []
    for lib in (torch, cynn):
        a = lib.ones(3, requires_grad=True)
        b = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
        seen = []
        r = a + b
        r.grad_fn.register_hook(lambda gi, go: seen.append(
            [(tuple(g.shape), str(g.dtype).split(".")[-1]) for g in gi]))
        r.sum().backward()
        shapes.append(seen)
    assert shapes[0] == shapes[1] == [[((3,), "float32"), ((2, 3), "float64")]]


def test_root_gradient_is_cast_to_the_output_dtype_like_torch():
    torch = torch_module()
    for lib in (torch, cynn):
        q = lib.ones(3, requires_grad=True)
        r = q * 2
        seen = []
        r.register_hook(lambda g: seen.append(str(g.dtype).split(".")[-1]))
        r.backward(lib.ones(3, dtype=lib.float64))
        assert seen == ["float32"]
        assert str(q.grad.dtype).split(".")[-1] == "float32"


# -- Module full backward hooks and backward pre hooks ---------------------------------
def _module_error(lib, register, make):
    lib.manual_seed(0)
    m = lib.nn.Linear(3, 2)
    register(m, make)
    with pytest.raises(Exception) as info:
        m(lib.ones(4, 3, requires_grad=True)).sum().backward()
    return info.type, info.value


MODULE_CASES = {
    "shape": lambda lib, gs: (lib.ones(2, 3),),
    "float64": lambda lib, gs: (gs[0].double(),),
}
_HOOK_NAME = re.compile(r"^hook '[^']*'")


@pytest.mark.parametrize("case", sorted(MODULE_CASES))
@pytest.mark.parametrize("kind", ["full", "pre"])
def test_module_backward_hook_return_is_checked_like_torch(kind, case):
    torch = torch_module()
    make = MODULE_CASES[case]

    def register(m, make, lib):
        if kind == "full":
            m.register_full_backward_hook(lambda mod, gi, go: make(lib, gi))
        else:
            m.register_full_backward_pre_hook(lambda mod, go: make(lib, go))

    (ttype, tval), (ctype, cval) = (
        _module_error(lib, functools.partial(register, lib=lib), make) for lib in (torch, cynn))
    assert ctype is ttype is RuntimeError
    # PyTorch names its own internal wrapper ('hook') rather than the user's function
    expected = _HOOK_NAME.sub("hook", str(tval).replace("torch.", "cynn."))
    assert _HOOK_NAME.sub("hook", str(cval)) == expected


def test_module_hook_with_the_right_shape_replaces_grad_input_like_torch():
    torch = torch_module()
    grads = []
    weight = np.arange(6, dtype=np.float32).reshape(2, 3) / 7 - 0.3
    for lib in (torch, cynn):
        m = lib.nn.Linear(3, 2)
        with lib.no_grad():
            m.weight.copy_(lib.tensor(weight))
        m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 3,))
        m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
        x = lib.ones(4, 3, requires_grad=True)
        m(x).sum().backward()
        grads.append(np.array(x.grad.tolist()))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6)
