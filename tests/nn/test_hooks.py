"""Module hooks against torch: the sequence of hook calls and what each hook sees
and returns is recorded in both libraries and compared."""
import warnings

import numpy as np
import pytest

import cynn
from cynn import nn
from cynn.nn.modules import module as cynn_module_globals


def _array(t):
    return None if t is None else t.detach().numpy().copy()


def _assert_same_records(cynn_records, torch_records):
    """Records are (label, [array or None, ...]) tuples; labels equal, arrays close."""
    assert [r[0] for r in cynn_records] == [r[0] for r in torch_records]
    for (label, c_arrays), (_, t_arrays) in zip(cynn_records, torch_records):
        assert len(c_arrays) == len(t_arrays), label
        for c, t in zip(c_arrays, t_arrays):
            assert (c is None) == (t is None), label
            if c is not None:
                assert c.dtype == t.dtype and c.shape == t.shape, label
                np.testing.assert_allclose(c, t, rtol=1e-4, atol=1e-5, err_msg=str(label))


class _GlobalHooks:
    """Registers global hooks and always removes them (they would leak into other tests)."""

    def __init__(self):
        self.handles = []

    def add(self, handle):
        self.handles.append(handle)
        return handle

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for h in self.handles:
            h.remove()


# ---------------------------------------------------------------------------- forward hooks
def _forward_trace(lib):
    events = []

    class Add(lib.nn.Module):
        def forward(self, x, y=0.0):
            events.append(("forward", x.tolist(), y))
            return x + y

    m = Add()
    globals_ = lib.nn.modules.module
    with _GlobalHooks() as g:
        g.add(globals_.register_module_forward_pre_hook(
            lambda mod, args: events.append(("global-pre", type(mod).__name__, len(args)))))
        g.add(globals_.register_module_forward_hook(
            lambda mod, args, out: events.append(("global-post", out.tolist()))))
        g.add(globals_.register_module_forward_hook(
            lambda mod, args, kwargs, out: events.append(("global-post-kw", dict(kwargs))),
            with_kwargs=True))
        handles = [
            m.register_forward_pre_hook(lambda mod, args: events.append("pre-1")),
            # A non-tuple return value replaces the input as a 1-tuple.
            m.register_forward_pre_hook(lambda mod, args: (events.append("pre-0"),
                                                           args[0] * 2)[1], prepend=True),
            m.register_forward_pre_hook(
                lambda mod, args, kwargs: (events.append(("pre-kw", dict(kwargs))),
                                           (args, {"y": kwargs["y"] + 10}))[1],
                with_kwargs=True),
            m.register_forward_hook(lambda mod, args, out: events.append(
                ("post-1", args[0].tolist(), out.tolist()))),
            m.register_forward_hook(lambda mod, args, kwargs, out: out * 100,
                                    with_kwargs=True),
            m.register_forward_hook(lambda mod, args, out: events.append("post-0"), prepend=True),
        ]
        events.append(("result", m(lib.tensor([1.0, 2.0]), y=5.0).tolist()))
    for h in handles:
        h.remove()
    events.append(("after-remove", m(lib.tensor([1.0]), y=1.0).tolist()))
    return events


def test_forward_hook_order_and_replacement_match_torch(torch):
    assert _forward_trace(cynn) == _forward_trace(torch)


def test_forward_pre_hook_with_kwargs_must_return_a_pair(torch, same_error):
    def run(lib):
        m = _Echo(lib)
        m.register_forward_pre_hook(lambda mod, args, kwargs: args, with_kwargs=True)
        return m(lib.ones(1))
    same_error(lambda: run(cynn), lambda: run(torch))


def _Echo(lib):
    class Echo(lib.nn.Module):
        def forward(self, *args, **kwargs):
            return args[0] if len(args) == 1 else args
    return Echo()


def _always_call_trace(lib):
    events = []

    class Broken(lib.nn.Module):
        def forward(self, x):
            raise ValueError("forward failed")

    m = Broken()
    m.register_forward_hook(lambda mod, args, out: events.append("plain"))
    m.register_forward_hook(lambda mod, args, out: events.append(("always", out)),
                            always_call=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: events.append(("always-kw", kwargs)),
                            always_call=True, with_kwargs=True)

    def failing(mod, args, out):
        raise KeyError("hook failed too")
    m.register_forward_hook(failing, always_call=True)
    with _GlobalHooks() as g:
        g.add(lib.nn.modules.module.register_module_forward_hook(
            lambda mod, args, out: events.append("global-always"), always_call=True))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(ValueError, match="forward failed"):
                m(lib.ones(1))
    events.append([str(w.message).split(":")[0] for w in caught])
    return events


def test_always_call_hooks_run_when_forward_raises(torch):
    assert _always_call_trace(cynn) == _always_call_trace(torch)
    assert _always_call_trace(cynn)[:3] == ["global-always", ("always", None), ("always-kw", {})]


def test_handles_remove_and_work_as_context_managers():
    calls = []
    m = _Echo(cynn)
    with m.register_forward_hook(lambda *a: calls.append("in")):
        m(cynn.ones(1))
    m(cynn.ones(1))
    handle = m.register_forward_pre_hook(lambda *a: calls.append("pre"))
    handle.remove()
    handle.remove()   # removing twice is harmless
    m(cynn.ones(1))
    assert calls == ["in"]
    assert not m._forward_hooks and not m._forward_pre_hooks


def test_call_without_hooks_goes_straight_to_forward():
    m = _Echo(cynn)
    x = cynn.ones(2)
    assert m(x) is x
    assert m(x, cynn.zeros(1))[0] is x


# ---------------------------------------------------------------------------- backward hooks
def _record_backward(lib, model, x_requires_grad, seed=0):
    """Register pre and full backward hooks on every submodule, run forward+backward,
    return the records and x.grad."""
    records = []

    def pre(name):
        def hook(module, grad_output):
            records.append((f"pre {name}", [_array(g) for g in grad_output]))
        return hook

    def full(name):
        def hook(module, grad_input, grad_output):
            records.append((f"full {name}", [_array(g) for g in grad_input + grad_output]))
        return hook

    for name, m in model.named_modules():
        m.register_full_backward_pre_hook(pre(name or "root"))
        m.register_full_backward_hook(full(name or "root"))
    x_np = np.random.default_rng(seed).standard_normal((3, 4)).astype(np.float32)
    x = lib.tensor(x_np, requires_grad=x_requires_grad)
    weights = lib.tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2))
    (model(x) * weights).sum().backward()
    return records, (_array(x.grad) if x_requires_grad else None)


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
@pytest.mark.parametrize("x_requires_grad", [True, False])
def test_backward_hook_order_and_values_match_torch(model_pair, x_requires_grad):
    c, t = model_pair
    c_records, c_grad = _record_backward(cynn, c, x_requires_grad)
    t_records, t_grad = _record_backward(pytest.importorskip("torch"), t, x_requires_grad)
    _assert_same_records(c_records, t_records)
    if x_requires_grad:
        np.testing.assert_allclose(c_grad, t_grad, rtol=1e-4, atol=1e-5)
    else:
        # The container's first layer sees an input that does not require grad.
        assert dict(c_records)["full features.0"][0] is None
    for (name, p), tp in zip(c.named_parameters(), t.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=name)


def test_sequential_input_without_grad_gives_none_grad_input(cynn_models):
    seen = []
    model = nn.Sequential(cynn_models.Affine(2, 2), cynn_models.Tanh())
    model.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go)))
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        model(cynn.ones(1, 2)).sum().backward()
    (grad_input, grad_output), = seen
    assert grad_input == (None,)
    assert grad_output[0].tolist() == [[1.0, 1.0]]


def _two_output_trace(lib, use_second_output, b_dtype):
    records = []

    class Two(lib.nn.Module):
        def forward(self, a, b, k, label="x"):
            return a * k + a * b.to(a.dtype), a - b.to(a.dtype), label

    m = Two()
    m.register_full_backward_pre_hook(
        lambda mod, go: records.append(("pre", [_array(g) for g in go])))
    m.register_full_backward_hook(
        lambda mod, gi, go: records.append(("full", [_array(g) for g in gi + go])))
    a = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
    b = lib.tensor([0.5, 1.0, 2.0]).to(getattr(lib, b_dtype))
    y1, y2, label = m(a, b, 3.0, label="kw")
    loss = y1.sum() + (y2 * 2).sum() if use_second_output else y1.sum()
    loss.backward()
    records.append(("a.grad", [_array(a.grad)]))
    records.append((label, []))
    return records


@pytest.mark.parametrize("use_second_output", [True, False])
@pytest.mark.parametrize("b_dtype", ["float32", "int64"])
def test_tuple_outputs_and_mixed_inputs_match_torch(torch, use_second_output, b_dtype):
    # grad_input: a Tensor input that does not require grad gets a zero gradient (as
    # torch does when another input requires grad), a non-Tensor None; grad_output:
    # None for an unused output and for the non-Tensor output.
    _assert_same_records(_two_output_trace(cynn, use_second_output, b_dtype),
                         _two_output_trace(torch, use_second_output, b_dtype))


def _replacement_trace(lib, models, mode):
    model = lib.nn.Sequential(models.Affine(2, 3), models.Tanh(), models.Affine(3, 1))
    rng = np.random.default_rng(3)
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32)))
    seen = []
    if mode == "grad_input":
        model[1].register_full_backward_hook(lambda m, gi, go: (gi[0] * 10,))
    elif mode == "grad_output":
        model[2].register_full_backward_pre_hook(lambda m, go: (go[0] * 0 + 3,))
    elif mode == "chained":
        model[1].register_full_backward_hook(lambda m, gi, go: (gi[0] + 1,))
        model[1].register_full_backward_hook(lambda m, gi, go: seen.append(_array(gi[0])))
        model[1].register_full_backward_hook(lambda m, gi, go: (gi[0] * 2,), prepend=True)
    elif mode == "none":
        model[1].register_full_backward_hook(lambda m, gi, go: None)
    x = lib.tensor(rng.standard_normal((4, 2)).astype(np.float32), requires_grad=True)
    model(x).sum().backward()
    return [("x", [_array(x.grad)])] + [(n, [_array(p.grad)]) for n, p in
                                        model.named_parameters()] + [("seen", seen)]


@pytest.mark.parametrize("mode", ["grad_input", "grad_output", "chained", "none"])
def test_hook_return_values_replace_gradients_like_torch(cynn_models, torch_models, torch, mode):
    c = _replacement_trace(cynn, cynn_models, mode)
    t = _replacement_trace(torch, torch_models, mode)
    _assert_same_records(c, t)
    if mode != "none":
        baseline = _replacement_trace(cynn, cynn_models, "none")
        assert not np.allclose(c[0][1][0], baseline[0][1][0])


_BAD_BACKWARD_HOOKS = {
    "full-too-many": lambda m: m.register_full_backward_hook(lambda mod, gi, go: gi + gi),
    "pre-too-many": lambda m: m.register_full_backward_pre_hook(lambda mod, go: go + go),
}


@pytest.mark.parametrize("name", sorted(_BAD_BACKWARD_HOOKS))
def test_wrong_number_of_returned_gradients_raises_like_torch(torch, same_error, name):
    def run(lib):
        m = _Echo(lib)
        _BAD_BACKWARD_HOOKS[name](m)
        m(lib.ones(2, requires_grad=True) * 1).sum().backward()
    same_error(lambda: run(cynn), lambda: run(torch))


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_hook_returning_gradients_when_no_input_requires_grad_raises_like_torch(
        torch, same_error, cynn_models, torch_models):
    def run(lib, models):
        m = models.Affine(2, 2)
        m.register_full_backward_hook(lambda mod, gi, go: (go[0],))
        m(lib.ones(1, 2)).sum().backward()
    same_error(lambda: run(cynn, cynn_models), lambda: run(torch, torch_models))


@pytest.mark.parametrize("where", ["output", "input-inside-forward"])
def test_in_place_on_hooked_views_raises(torch, where):
    def run(lib):
        class InPlace(lib.nn.Module):
            def forward(self, x):
                if where == "input-inside-forward":
                    x.mul_(2)
                return x * 1
        m = InPlace()
        m.register_full_backward_hook(lambda *a: None)
        out = m(lib.ones(2, requires_grad=True) * 1)
        out.add_(1)
    for lib in (torch, cynn):
        with pytest.raises(RuntimeError, match="view"):
            run(lib)


def test_hooks_on_a_layer_built_from_a_user_function(torch):
    class Cube(cynn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * gy

    def run(lib, cube):
        class CubeLayer(lib.nn.Module):
            def forward(self, x):
                return cube(x)
        records = []
        m = CubeLayer()
        m.register_full_backward_hook(
            lambda mod, gi, go: records.append(("full", [_array(gi[0]), _array(go[0])])))
        x = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        (m(x) * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        return records + [("x", [_array(x.grad)])]

    _assert_same_records(run(cynn, Cube.apply), run(torch, lambda x: x ** 3))


def test_module_called_twice_fires_its_hooks_twice(torch, cynn_models, torch_models):
    def run(lib, models):
        layer = models.Affine(2, 2)
        with lib.no_grad():
            layer.weight.copy_(lib.tensor([[1.0, 2.0], [3.0, -1.0]]))
        records = []
        layer.register_full_backward_hook(
            lambda mod, gi, go: records.append(("full", [_array(gi[0]), _array(go[0])])))
        x = lib.tensor([[1.0, 1.0]], requires_grad=True)
        layer(layer(x)).sum().backward()
        return records
    c = run(cynn, cynn_models)
    _assert_same_records(c, run(torch, torch_models))
    assert len(c) == 2


def test_register_backward_hook_behaves_as_full(model_pair, torch):
    # torch's deprecated non-full hook would report the last graph node's gradients;
    # cynn's register_backward_hook reports the module's, like torch's full hook.
    c, t = model_pair
    records = {"cynn": [], "torch": []}

    def recorder(out):
        return lambda m, gi, go: out.append(("hook", [_array(g) for g in gi + go]))
    c.features.register_backward_hook(recorder(records["cynn"]))
    t.features.register_full_backward_hook(recorder(records["torch"]))
    c(cynn.ones(2, 4, requires_grad=True)).sum().backward()
    t(torch.ones(2, 4, requires_grad=True)).sum().backward()
    _assert_same_records(records["cynn"], records["torch"])
    assert len(records["cynn"]) == 1


def test_hooks_do_not_fire_without_grad(cynn_models):
    fired = []
    m = cynn_models.Affine(2, 2)
    m.register_full_backward_hook(lambda *a: fired.append("full"))
    m.register_forward_hook(lambda *a: fired.append("forward"))
    with cynn.no_grad():
        out = m(cynn.ones(1, 2, requires_grad=True))
    assert fired == ["forward"] and out.grad_fn is None


def test_removed_backward_hook_does_not_fire(cynn_models):
    fired = []
    m = cynn_models.Affine(2, 2)
    m.register_full_backward_hook(lambda *a: fired.append("kept"))
    m.register_full_backward_pre_hook(lambda *a: fired.append("removed-pre")).remove()
    m.register_full_backward_hook(lambda *a: fired.append("removed")).remove()
    m(cynn.ones(1, 2, requires_grad=True)).sum().backward()
    assert fired == ["kept"]


def test_tensor_hooks_on_outputs_still_run(cynn_models):
    m = cynn_models.Affine(2, 1)
    m.register_full_backward_hook(lambda mod, gi, go: None)
    out = m(cynn.ones(1, 2, requires_grad=True))
    seen = []
    out.register_hook(lambda g: seen.append(g.tolist()))
    (out * 4).sum().backward()
    assert seen == [[[4.0]]]


# ---------------------------------------------------------------------------- global hooks
def _global_trace(lib, models):
    events = []
    model = lib.nn.Sequential(models.Affine(2, 2), models.Tanh())
    globals_ = lib.nn.modules.module

    def label(kind):
        return lambda mod, *rest: events.append((kind, type(mod).__name__))
    with _GlobalHooks() as g:
        for m in model.modules():
            m.register_forward_pre_hook(label("pre"))
            m.register_forward_hook(label("fwd"))
            m.register_full_backward_pre_hook(label("bw-pre"))
            m.register_full_backward_hook(label("bw"))
        g.add(globals_.register_module_forward_pre_hook(label("global-pre")))
        g.add(globals_.register_module_forward_hook(label("global-fwd")))
        g.add(globals_.register_module_full_backward_pre_hook(label("global-bw-pre")))
        g.add(globals_.register_module_full_backward_hook(label("global-bw")))
        model(lib.ones(1, 2, requires_grad=True)).sum().backward()
    events.append("removed")
    model(lib.ones(1, 2, requires_grad=True)).sum().backward()
    return events


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_global_hooks_run_before_module_hooks_like_torch(cynn_models, torch_models, torch):
    c = _global_trace(cynn, cynn_models)
    assert c == _global_trace(torch, torch_models)
    assert c[:2] == [("global-pre", "Sequential"), ("pre", "Sequential")]
    assert not cynn_module_globals._global_forward_hooks
    assert not cynn_module_globals._global_backward_hooks


def test_global_registration_hooks_can_replace_values(torch):
    def run(lib):
        globals_ = lib.nn.modules.module
        seen = []
        with _GlobalHooks() as g:
            g.add(globals_.register_module_parameter_registration_hook(
                lambda m, name, p: seen.append(("param", name))))
            g.add(globals_.register_module_buffer_registration_hook(
                lambda m, name, b: b * 0 + 7))
            g.add(globals_.register_module_module_registration_hook(
                lambda m, name, sub: seen.append(("module", name))))
            m = lib.nn.Module()
            m.w = lib.nn.Parameter(lib.ones(1))
            m.register_buffer("b", lib.ones(2))
            m.child = lib.nn.Module()
            m.add_module("other", lib.nn.Module())
        return seen, m.b.tolist()
    assert run(cynn) == run(torch)
