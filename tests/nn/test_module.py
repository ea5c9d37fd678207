"""Parameter and Module: registration, traversal, modes, conversion, state_dict, repr
-- compared with torch side by side."""
import copy
from collections import OrderedDict

import numpy as np
import pytest

import cynn
from cynn import nn
from cynn.nn.modules.module import _IncompatibleKeys


# ---------------------------------------------------------------------------- Parameter
@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.Parameter(lib.ones(2, 3)),
    lambda lib: lib.nn.Parameter(),
    lambda lib: lib.nn.Parameter(lib.arange(4.0), requires_grad=False),
    lambda lib: lib.nn.Parameter(lib.ones(2, dtype=lib.int64), requires_grad=False),
    lambda lib: lib.nn.Parameter(lib.ones(2, dtype=lib.float64)),
], ids=["ones", "empty", "no-grad", "int64", "float64"])
def test_parameter_repr_matches_torch(torch, make):
    assert repr(make(cynn)) == repr(make(torch)).replace("torch.", "cynn.")


def test_parameter_is_a_tensor_and_ops_return_plain_tensors():
    p = nn.Parameter(cynn.ones(2, 3))
    assert isinstance(p, cynn.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    for out in (p * 2, p + p, p.t(), p.sum(), p.detach(), p.data, p.clone(), p[0]):
        assert type(out) is cynn.Tensor
    assert p.to(cynn.float32) is p   # no conversion: same object, as in torch


def test_parameter_shares_storage_with_its_data():
    t = cynn.zeros(3)
    p = nn.Parameter(t)
    t._data[1] = 5.0
    assert p.tolist() == [0.0, 5.0, 0.0]


def test_parameter_deepcopy_is_an_independent_parameter():
    p = nn.Parameter(cynn.ones(2))
    p.grad = cynn.full((2,), 3.0)
    q = copy.deepcopy(p)
    assert type(q) is nn.Parameter and q.requires_grad
    assert q._data is not p._data and q.tolist() == [1.0, 1.0]
    assert q.grad.tolist() == [3.0, 3.0] and q.grad._data is not p.grad._data
    q._data[0] = 7.0
    assert p.tolist() == [1.0, 1.0]
    assert type(copy.copy(p)) is nn.Parameter


def test_parameter_backward_accumulates_into_grad():
    p = nn.Parameter(cynn.tensor([1.0, 2.0]))
    (p * p).sum().backward()
    assert p.grad.tolist() == [2.0, 4.0]


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.Parameter(lib.ones(2, dtype=lib.int64)),
    lambda lib: lib.nn.Parameter([1.0, 2.0]),
], ids=["int-requires-grad", "not-a-tensor"])
def test_parameter_errors_match_torch(torch, same_error, make):
    same_error(lambda: make(cynn), lambda: make(torch))


def test_buffer_assignment_registers_a_plain_tensor(torch):
    for lib in (cynn, torch):
        m = lib.nn.Module()
        m.stats = lib.nn.Buffer(lib.ones(2), persistent=False)
        m.kept = lib.nn.Buffer(lib.zeros(1))
        assert [n for n, _ in m.named_buffers()] == ["stats", "kept"]
        assert list(m.state_dict()) == ["kept"]
    assert type(m.stats) is torch.Tensor
    c = nn.Module()
    c.stats = nn.Buffer(cynn.ones(2))
    assert type(c.stats) is cynn.Tensor


# ---------------------------------------------------------------------------- registration errors
def _assign_before_init(lib, what):
    class Early(lib.nn.Module):
        def __init__(self):
            if what == "module":
                self.child = lib.nn.Module()
            elif what == "parameter":
                self.p = lib.nn.Parameter(lib.ones(1))
            elif what == "buffer":
                self.register_buffer("b", lib.ones(1))
            else:
                self.register_parameter("p", None)
    return Early()


@pytest.mark.parametrize("what", ["module", "parameter", "buffer", "register_parameter"])
def test_assignment_before_init_errors_match_torch(torch, same_error, what):
    same_error(lambda: _assign_before_init(cynn, what), lambda: _assign_before_init(torch, what))


def _affine_like(lib):
    m = lib.nn.Module()
    m.weight = lib.nn.Parameter(lib.ones(2, 2))
    m.child = lib.nn.Module()
    m.register_buffer("stat", lib.zeros(2))
    m.plain = 3
    return m


_BAD_OPERATIONS = {
    "tensor-as-parameter": lambda lib, m: setattr(m, "weight", lib.ones(2, 2)),
    "int-as-parameter": lambda lib, m: setattr(m, "weight", 3),
    "int-as-module": lambda lib, m: setattr(m, "child", 3),
    "int-as-buffer": lambda lib, m: setattr(m, "stat", 3),
    "buffer-dotted": lambda lib, m: m.register_buffer("a.b", lib.ones(1)),
    "buffer-empty": lambda lib, m: m.register_buffer("", lib.ones(1)),
    "buffer-exists": lambda lib, m: m.register_buffer("plain", lib.ones(1)),
    "buffer-name-type": lambda lib, m: m.register_buffer(3, lib.ones(1)),
    "buffer-not-tensor": lambda lib, m: m.register_buffer("x", [1.0]),
    "param-dotted": lambda lib, m: m.register_parameter("a.b", None),
    "param-empty": lambda lib, m: m.register_parameter("", None),
    "param-exists": lambda lib, m: m.register_parameter("child", None),
    "param-name-type": lambda lib, m: m.register_parameter(1.5, None),
    "param-not-parameter": lambda lib, m: m.register_parameter("q", lib.ones(1)),
    "module-not-module": lambda lib, m: m.add_module("x", 3),
    "module-name-type": lambda lib, m: m.add_module(3, lib.nn.Module()),
    "module-exists": lambda lib, m: m.add_module("weight", lib.nn.Module()),
    "module-dotted": lambda lib, m: m.add_module("a.b", lib.nn.Module()),
    "module-empty": lambda lib, m: m.add_module("", lib.nn.Module()),
    "missing-attribute": lambda lib, m: m.nope,
    "delete-missing": lambda lib, m: delattr(m, "nope"),
    "submodule-missing": lambda lib, m: m.get_submodule("child.deeper"),
    "submodule-not-module": lambda lib, m: m.get_submodule("plain"),
    "parameter-missing": lambda lib, m: m.get_parameter("child.w"),
    "parameter-not-parameter": lambda lib, m: m.get_parameter("stat"),
    "buffer-missing": lambda lib, m: m.get_buffer("nothing"),
    "buffer-not-buffer": lambda lib, m: m.get_buffer("weight"),
    "set-submodule-empty": lambda lib, m: m.set_submodule("", lib.nn.Module()),
    "set-submodule-not-module": lambda lib, m: m.set_submodule("child", 3),
    "set-submodule-strict": lambda lib, m: m.set_submodule("child.new", lib.nn.Module(),
                                                           strict=True),
    "forward-missing": lambda lib, m: m(lib.ones(1)),
    "train-not-bool": lambda lib, m: m.train(1),
    "init-kwargs": lambda lib, m: lib.nn.Module(size=3),
    "init-args": lambda lib, m: lib.nn.Module(3),
    "to-int-dtype": lambda lib, m: m.to(lib.int64),
    "load-not-mapping": lambda lib, m: m.load_state_dict([1, 2]),
}


@pytest.mark.parametrize("name", sorted(_BAD_OPERATIONS))
def test_bad_operations_raise_like_torch(torch, same_error, name):
    operation = _BAD_OPERATIONS[name]
    same_error(lambda: operation(cynn, _affine_like(cynn)),
               lambda: operation(torch, _affine_like(torch)))


def test_reassigning_a_name_moves_it_between_kinds(torch):
    def history(lib):
        m = lib.nn.Module()
        states = []
        for value in (5, lib.nn.Module(), 6, lib.nn.Parameter(lib.ones(1)), lib.nn.Module(),
                      lib.nn.Parameter(lib.ones(1))):
            try:
                m.x = value
            except TypeError:
                states.append("TypeError")
            states.append((list(m._parameters), list(m._modules), list(m._buffers),
                           "x" in m.__dict__))
        m.x = None            # a registered Parameter name accepts None
        states.append((dict(m._parameters), "x" in m.__dict__))
        m.register_buffer("b", lib.ones(1), persistent=False)
        m.b = lib.zeros(2)    # a Tensor assigned to a buffer name replaces the buffer
        states.append((list(m.state_dict()), list(m._buffers), m.b.shape[0]))
        del m.b
        states.append((list(m._buffers), sorted(m._non_persistent_buffers_set)))
        return states
    assert history(cynn) == history(torch)


def test_getattr_reads_parameters_buffers_and_modules():
    m = _affine_like(cynn)
    assert m.weight is m._parameters["weight"]
    assert m.stat is m._buffers["stat"]
    assert m.child is m._modules["child"]
    assert "weight" not in m.__dict__
    del m.weight, m.stat, m.child
    assert not m._parameters and not m._buffers and not m._modules


def test_dir_lists_registered_names():
    names = dir(_affine_like(cynn))
    assert {"weight", "child", "stat", "plain", "forward", "state_dict"} <= set(names)
    assert names == sorted(names)


def test_submodule_parameter_and_buffer_lookup(cynn_models):
    net = cynn_models.Net()
    assert net.get_submodule("") is net
    assert net.get_submodule("features.2") is net.features[2]
    assert net.get_parameter("heads.0.weight") is net.heads[0].weight
    assert net.get_buffer("norm.running") is net.norm.running
    replacement = cynn_models.Tanh()
    net.set_submodule("features.1", replacement)
    assert net.features[1] is replacement


# ---------------------------------------------------------------------------- traversal
_TRAVERSALS = {
    "named_parameters": lambda m: [n for n, _ in m.named_parameters()],
    "named_parameters-dup": lambda m: [n for n, _ in m.named_parameters(remove_duplicate=False)],
    "named_parameters-flat": lambda m: [n for n, _ in m.heads[0].named_parameters(
        prefix="h", recurse=False)],
    "named_buffers": lambda m: [n for n, _ in m.named_buffers()],
    "named_buffers-prefix": lambda m: [n for n, _ in m.named_buffers(prefix="net")],
    "named_children": lambda m: [n for n, _ in m.named_children()],
    "named_modules": lambda m: [n for n, _ in m.named_modules()],
    "named_modules-dup": lambda m: [n for n, _ in m.named_modules(remove_duplicate=False)],
    "named_modules-prefix": lambda m: [n for n, _ in m.named_modules(prefix="root")],
    "modules": lambda m: [type(x).__name__ for x in m.modules()],
    "children": lambda m: [type(x).__name__ for x in m.children()],
    "parameter-shapes": lambda m: [tuple(p.shape) for p in m.parameters()],
    "buffer-shapes": lambda m: [tuple(b.shape) for b in m.buffers(recurse=False)],
    "apply": lambda m: _applied(m),
    "state_dict": lambda m: list(m.state_dict()),
    "state_dict-prefix": lambda m: list(m.state_dict(prefix="model.")),
    "metadata": lambda m: list(m.state_dict()._metadata.items()),
    "dir": lambda m: [k for k in dir(m) if not k.startswith("_") and k in
                      ("features", "norm", "heads", "extra", "shared", "temperature")],
}


def _applied(model):
    visited = []
    model.apply(lambda m: visited.append(type(m).__name__))
    return visited


@pytest.mark.parametrize("name", sorted(_TRAVERSALS))
def test_traversal_matches_torch(model_pair, name):
    c, t = model_pair
    assert _TRAVERSALS[name](c) == _TRAVERSALS[name](t)


def test_shared_module_and_parameter_counted_once(torch):
    def counts(lib):
        layer = lib.nn.Module()
        layer.w = lib.nn.Parameter(lib.ones(2))
        model = lib.nn.Sequential(layer, layer)
        model.tied = layer.w
        return (len(list(model.parameters())), len(list(model.modules())),
                len(list(model.children())), list(model.state_dict()),
                len(list(model.named_parameters(remove_duplicate=False))))
    assert counts(cynn) == counts(torch)
    assert counts(cynn)[0] == 1


def test_named_modules_honours_a_given_memo(cynn_models):
    net = cynn_models.Net()
    names = [n for n, _ in net.named_modules(memo={net.features})]
    assert "features" not in names and "features.0" not in names
    assert "shared" in names   # features.0 is only reachable through features otherwise


# ---------------------------------------------------------------------------- modes and grads
def test_train_and_eval_set_the_whole_tree(cynn_models):
    net = cynn_models.Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.heads.train(False)
    assert [m.training for m in net.modules()].count(False) == 3


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(model_pair, set_to_none):
    c, _ = model_pair
    c(cynn.randn(2, 4)).sum().backward()
    assert all(p.grad is not None for p in c.parameters())
    grads = [p.grad for p in c.parameters()]
    c.zero_grad(set_to_none=set_to_none)
    for p, g in zip(c.parameters(), grads):
        if set_to_none:
            assert p.grad is None
        else:
            assert p.grad is g and not p.grad._data.any() and not p.grad.requires_grad


def test_requires_grad_freezes_parameters(cynn_models):
    net = cynn_models.Net()
    assert net.features.requires_grad_(False) is net.features
    frozen = {id(p) for p in net.features.parameters()}
    for p in net.parameters():
        assert p.requires_grad == (id(p) not in frozen)
    net(cynn.randn(2, 4)).sum().backward()
    assert all((p.grad is None) == (id(p) in frozen) for p in net.parameters())


def test_forward_values_and_gradients_match_torch(model_pair, torch):
    c, t = model_pair
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    yc, yt = c(cynn.from_numpy(x)), t(torch.from_numpy(x))
    np.testing.assert_allclose(yc.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    yc.sum().backward()
    yt.sum().backward()
    tgrads = dict(t.named_parameters())
    for name, p in c.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tgrads[name].grad.numpy(),
                                   rtol=1e-4, atol=1e-5, err_msg=name)


# ---------------------------------------------------------------------------- conversion
@pytest.mark.parametrize("convert, dtype", [
    (lambda m: m.double(), cynn.float64),
    (lambda m: m.to(cynn.float64), cynn.float64),
    (lambda m: m.to("cpu", cynn.float64), cynn.float64),
    (lambda m: m.to(dtype=cynn.float64, device="cpu"), cynn.float64),
    (lambda m: m.to(cynn.zeros(1, dtype=cynn.float64)), cynn.float64),
    (lambda m: m.half(), cynn.float16),
    (lambda m: m.type(cynn.float64), cynn.float64),
    (lambda m: m.double().float(), cynn.float32),
])
def test_dtype_conversion_keeps_parameter_identity(cynn_models, convert, dtype):
    net = cynn_models.Net()
    net(cynn.randn(2, 4)).sum().backward()
    params = list(net.parameters())
    values = [p.detach().numpy().copy() for p in params]
    assert convert(net) is net
    assert all(a is b for a, b in zip(net.parameters(), params))
    for p, v in zip(net.parameters(), values):
        assert type(p) is nn.Parameter and p.requires_grad and p.dtype == dtype
        assert p.grad.dtype == dtype
        np.testing.assert_allclose(p.detach().numpy().astype(np.float64), v, rtol=1e-3)
    assert all(b.dtype == dtype for b in net.buffers())


def test_conversion_leaves_integer_buffers_alone():
    m = nn.Module()
    m.register_buffer("count", cynn.zeros(1, dtype=cynn.int64))
    m.register_buffer("mean", cynn.zeros(1))
    m.double()
    assert m.count.dtype == cynn.int64 and m.mean.dtype == cynn.float64


@pytest.mark.parametrize("call", [lambda m: m.cuda(), lambda m: m.to("cuda"),
                                  lambda m: m.to("cuda:0", cynn.float64)])
def test_cuda_raises_cpu_only_error(call):
    with pytest.raises(RuntimeError, match="CPU only"):
        call(nn.Module())


def test_cpu_to_cpu_and_share_memory_are_no_ops(cynn_models):
    net = cynn_models.Net()
    w = net.features[0].weight
    assert net.cpu() is net and net.to("cpu") is net and net.share_memory() is net
    assert net.to(cynn.device("cpu")) is net
    assert net.features[0].weight is w and w.dtype == cynn.float32


def test_deepcopy_keeps_sharing_inside_the_copy(cynn_models):
    net = cynn_models.Net()
    clone = copy.deepcopy(net)
    assert clone.shared is clone.features[0] and clone.shared is not net.shared
    assert clone.features[0].weight is not net.features[0].weight
    assert list(clone.state_dict()) == list(net.state_dict())
    clone.features[0].weight._data[...] = 1.0
    assert not (net.features[0].weight._data == 1.0).all()


# ---------------------------------------------------------------------------- state_dict
def test_state_dict_is_detached_and_shares_storage(model_pair):
    c, _ = model_pair
    sd = c.state_dict()
    assert isinstance(sd, OrderedDict)
    w = sd["features.0.weight"]
    assert type(w) is cynn.Tensor and not w.requires_grad
    assert w._data is c.features[0].weight._data
    kept = c.state_dict(keep_vars=True)
    assert kept["features.0.weight"] is c.features[0].weight
    assert "norm.scratch" not in sd and "heads.1.bias" not in sd


def test_state_dict_round_trip_with_torch(model_pair, cynn_models, torch):
    c, t = model_pair
    fresh = cynn_models.Net()
    params_before = dict(fresh.named_parameters())
    result = fresh.load_state_dict({k: cynn.from_numpy(v.detach().numpy().copy())
                                    for k, v in t.state_dict().items()})
    assert isinstance(result, _IncompatibleKeys)
    assert repr(result) == "<All keys matched successfully>" == repr(
        t.load_state_dict(t.state_dict()))
    assert dict(fresh.named_parameters()) == params_before   # same Parameter objects
    for k, v in c.state_dict().items():
        np.testing.assert_array_equal(fresh.state_dict()[k].numpy(), v.numpy())


def _load_case(lib, models, case):
    net = models.Net()
    sd = OrderedDict((k, v.clone()) for k, v in net.state_dict().items())
    if case == "missing":
        del sd["heads.0.bias"], sd["norm.running"]
    elif case == "unexpected":
        sd["heads.1.bias"] = lib.zeros(2)
        sd["extra.c.weight"] = lib.zeros(1)
    elif case == "both":
        del sd["temperature"]
        sd["bogus"] = lib.zeros(1)
    elif case == "size":
        sd["features.2.weight"] = lib.zeros(4, 5)
        sd["norm.gain"] = lib.zeros(2)
    elif case == "size-and-missing":
        sd["features.2.weight"] = lib.zeros(3)
        del sd["features.0.bias"]
    elif case == "not-a-tensor":
        sd["norm.gain"] = [1.0, 2.0, 3.0]
    return net, sd


@pytest.mark.parametrize("case", ["missing", "unexpected", "both", "size", "size-and-missing",
                                  "not-a-tensor"])
def test_load_state_dict_strict_errors_match_torch(cynn_models, torch_models, torch,
                                                   same_error, case):
    c, csd = _load_case(cynn, cynn_models, case)
    t, tsd = _load_case(torch, torch_models, case)
    error = same_error(lambda: c.load_state_dict(csd), lambda: t.load_state_dict(tsd))
    assert str(error).startswith("Error(s) in loading state_dict for Net:\n\t")


@pytest.mark.parametrize("case", ["missing", "unexpected", "both"])
def test_load_state_dict_non_strict_reports_keys_like_torch(cynn_models, torch_models, torch,
                                                            case):
    c, csd = _load_case(cynn, cynn_models, case)
    t, tsd = _load_case(torch, torch_models, case)
    result, expected = c.load_state_dict(csd, strict=False), t.load_state_dict(tsd, strict=False)
    assert result.missing_keys == expected.missing_keys
    assert result.unexpected_keys == expected.unexpected_keys
    assert repr(result) == repr(expected)


def test_load_state_dict_size_mismatch_message():
    m = nn.Module()
    m.fc = nn.Module()
    m.fc.weight = nn.Parameter(cynn.zeros(2, 3))
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict({"fc.weight": cynn.zeros(3, 2)})
    assert str(info.value) == (
        "Error(s) in loading state_dict for Module:\n\tsize mismatch for fc.weight: copying a "
        "param with shape cynn.Size([3, 2]) from checkpoint, the shape in current model is "
        "cynn.Size([2, 3]).")


def test_load_state_dict_copies_in_place_without_recording():
    m = nn.Module()
    m.w = nn.Parameter(cynn.zeros(2))
    m.register_buffer("count", cynn.zeros((), dtype=cynn.int64))
    w = m.w
    m.load_state_dict({"w": cynn.tensor([1.0, 2.0], dtype=cynn.float64),
                       "count": cynn.tensor([7])})   # 1-element into 0-d, as torch allows
    assert m.w is w and m.w.dtype == cynn.float32 and m.w.tolist() == [1.0, 2.0]
    assert m.w.is_leaf and m.w.requires_grad
    assert m.count.item() == 7 and m.count.dim() == 0


def test_load_state_dict_assign_takes_the_tensors():
    m = nn.Module()
    m.w = nn.Parameter(cynn.zeros(2))
    m.register_buffer("b", cynn.zeros(2))
    new_w, new_b = cynn.tensor([1.0, 2.0], dtype=cynn.float64), cynn.tensor([3.0, 4.0])
    m.load_state_dict({"w": new_w, "b": new_b}, assign=True)
    assert type(m.w) is nn.Parameter and m.w.requires_grad and m.w.dtype == cynn.float64
    assert m.w._data is new_w._data and m.b is new_b


def test_load_state_dict_accepts_numpy_arrays():
    m = nn.Module()
    m.w = nn.Parameter(cynn.zeros(2))
    m.load_state_dict({"w": np.array([5.0, 6.0])})
    assert m.w.tolist() == [5.0, 6.0]


def test_state_dict_and_load_hooks_run(torch):
    def trace(lib):
        events = []
        m = lib.nn.Module()
        m.w = lib.nn.Parameter(lib.zeros(1))
        m.register_state_dict_pre_hook(lambda mod, prefix, keep: events.append(("pre", prefix)))
        m.register_state_dict_post_hook(
            lambda mod, sd, prefix, meta: events.append(("post", list(sd))))
        m.register_load_state_dict_pre_hook(
            lambda mod, sd, prefix, *rest: events.append(("load-pre", sorted(sd))))

        def post(mod, keys):
            events.append(("load-post", list(keys.unexpected_keys)))
            keys.unexpected_keys.clear()
        m.register_load_state_dict_post_hook(post)
        sd = m.state_dict()
        sd["extra"] = lib.zeros(1)
        m.load_state_dict(sd)   # the post hook clears the unexpected key: no error
        return events
    assert trace(cynn) == trace(torch)


def test_extra_state_round_trips():
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.steps = 0

        def get_extra_state(self):
            return {"steps": self.steps}

        def set_extra_state(self, state):
            self.steps = state["steps"]

    a, b = Counter(), Counter()
    a.steps = 12
    sd = a.state_dict()
    assert list(sd) == ["_extra_state"]
    b.load_state_dict(sd)
    assert b.steps == 12
    with pytest.raises(RuntimeError, match='Missing key.*"_extra_state"'):
        b.load_state_dict({})


# ---------------------------------------------------------------------------- repr
def test_repr_matches_torch(model_pair):
    c, t = model_pair
    assert repr(c) == repr(t)
    assert "(extra): ModuleDict(\n    (b): Tanh()" in repr(c)


def test_repr_of_leaf_and_empty_modules(torch, cynn_models, torch_models):
    assert repr(nn.Module()) == repr(torch.nn.Module()) == "Module()"
    assert repr(cynn_models.Affine(2, 3)) == repr(torch_models.Affine(2, 3)) == \
        "Affine(in_features=2, out_features=3, bias=True)"
    assert repr(cynn_models.Scale(2)) == repr(torch_models.Scale(2)) == \
        "Scale(\n  n=2\n  kind=scale\n)"


def test_repr_with_extra_repr_and_children(torch, cynn_models, torch_models):
    def build(lib, models):
        class Block(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = lib.nn.Sequential(models.Affine(1, 1), models.Scale(1))

            def extra_repr(self):
                return "depth=2"
        return Block()
    assert repr(build(cynn, cynn_models)) == repr(build(torch, torch_models))
