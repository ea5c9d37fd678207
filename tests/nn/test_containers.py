"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict against torch: the
same operations on both must leave the same names, order, reprs and errors."""
from collections import OrderedDict

import numpy as np
import pytest

import cynn
from cynn import nn


def _layers(models, n):
    """``n`` distinguishable modules: Affine(i+1, i+2)."""
    return [models.Affine(i + 1, i + 2) for i in range(n)]


def _summary(container):
    """Names and module reprs, in order: what has to agree with torch."""
    return [(name, repr(module)) for name, module in container.named_children()]


# ---------------------------------------------------------------------------- Sequential
_SEQUENTIAL_OPS = {
    "construct": lambda s, m: s,
    "append": lambda s, m: s.append(m.Tanh()),
    "extend": lambda s, m: s.extend([m.Tanh(), m.Affine(9, 9)]),
    "insert-front": lambda s, m: s.insert(0, m.Tanh()),
    "insert-negative": lambda s, m: s.insert(-1, m.Tanh()),
    "insert-end": lambda s, m: s.insert(4, m.Tanh()),
    "pop": lambda s, m: (s.pop(1), s)[1],
    "del-int": lambda s, m: (s.__delitem__(-2), s)[1],
    "del-slice": lambda s, m: (s.__delitem__(slice(0, 3, 2)), s)[1],
    "setitem": lambda s, m: (s.__setitem__(-1, m.Tanh()), s)[1],
    "slice": lambda s, m: s[1:3],
    "slice-step": lambda s, m: s[::-2],
    "add": lambda s, m: s + s[:2],
    "iadd": lambda s, m: s.__iadd__(s[1:]),
    "mul": lambda s, m: s[:2] * 2,
    "rmul": lambda s, m: 2 * s[:1],
    "imul": lambda s, m: s.__imul__(2),
}


@pytest.mark.parametrize("name", sorted(_SEQUENTIAL_OPS))
def test_sequential_operations_match_torch(cynn_models, torch_models, torch, name):
    def run(lib, models):
        return _SEQUENTIAL_OPS[name](lib.nn.Sequential(*_layers(models, 4)), models)
    c, t = run(cynn, cynn_models), run(torch, torch_models)
    assert type(c) is nn.Sequential
    assert _summary(c) == _summary(t)
    assert list(c.state_dict()) == list(t.state_dict())
    assert repr(c) == repr(t)


def test_sequential_from_ordered_dict_keeps_names(cynn_models, torch_models, torch):
    def build(lib, models):
        return lib.nn.Sequential(OrderedDict(
            [("fc1", models.Affine(2, 3)), ("act", models.Tanh()), ("fc2", models.Affine(3, 1))]))
    c, t = build(cynn, cynn_models), build(torch, torch_models)
    assert repr(c) == repr(t)
    assert c.fc1 is c[0] and c.act is c[-2] and c.fc2 is c[2]
    assert _summary(c[1:]) == _summary(t[1:]) == [("act", "Tanh()"),
                                                  ("fc2", repr(c.fc2))]
    assert [n for n, _ in c.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight",
                                                    "fc2.bias"]
    del c[0]   # renumbers, as torch does
    del t[0]
    assert _summary(c) == _summary(t)


def test_sequential_indexing_and_iteration(cynn_models):
    layers = _layers(cynn_models, 3)
    s = nn.Sequential(*layers)
    assert len(s) == 3 and list(s) == layers
    assert s[0] is layers[0] and s[-1] is layers[2] and s[np.int64(1)] is layers[1]
    assert type(s[0:2]) is nn.Sequential and list(s[0:2]) == layers[:2]
    assert s[0:2][0] is layers[0]   # slicing shares the modules
    assert getattr(s, "2") is layers[2]


def test_sequential_forward_chains_modules(cynn_models):
    a, b = cynn_models.Affine(2, 3), cynn_models.Affine(3, 1)
    rng = np.random.default_rng(0)
    for layer in (a, b):
        for p in layer.parameters():
            p._data[...] = rng.standard_normal(p.shape)
    x = cynn.randn(4, 2)
    np.testing.assert_allclose(nn.Sequential(a, cynn_models.Tanh(), b)(x).detach().numpy(),
                               b(a(x).tanh()).detach().numpy(), rtol=1e-6)
    assert nn.Sequential()(x) is x


_SEQUENTIAL_ERRORS = {
    "index-high": lambda lib, s: s[3],
    "index-low": lambda lib, s: s[-4],
    "index-type": lambda lib, s: s["0"],
    "setitem-out-of-range": lambda lib, s: s.__setitem__(5, lib.nn.Module()),
    "del-out-of-range": lambda lib, s: s.__delitem__(7),
    "add-list": lambda lib, s: s + [lib.nn.Module()],
    "iadd-list": lambda lib, s: s.__iadd__([lib.nn.Module()]),
    "mul-float": lambda lib, s: s * 1.5,
    "mul-zero": lambda lib, s: s * 0,
    "insert-out-of-range": lambda lib, s: s.insert(5, lib.nn.Module()),
    "append-not-module": lambda lib, s: s.append(3),
}


@pytest.mark.parametrize("name", sorted(_SEQUENTIAL_ERRORS))
def test_sequential_errors_match_torch(cynn_models, torch_models, torch, same_error, name):
    op = _SEQUENTIAL_ERRORS[name]
    same_error(lambda: op(cynn, nn.Sequential(*_layers(cynn_models, 3))),
               lambda: op(torch, torch.nn.Sequential(*_layers(torch_models, 3))))


def test_sequential_insert_rejects_non_modules():
    with pytest.raises(AssertionError, match="module should be of type"):
        nn.Sequential().insert(0, 3)


# ---------------------------------------------------------------------------- ModuleList
_MODULELIST_OPS = {
    "construct": lambda ml, m: ml,
    "append": lambda ml, m: ml.append(m.Tanh()),
    "extend": lambda ml, m: ml.extend(iter([m.Tanh(), m.Tanh()])),
    "iadd": lambda ml, m: ml.__iadd__([m.Affine(1, 1)]),
    "add": lambda ml, m: ml + [m.Tanh()],
    "insert": lambda ml, m: (ml.insert(1, m.Tanh()), ml)[1],
    "insert-end": lambda ml, m: (ml.insert(3, m.Tanh()), ml)[1],
    "pop": lambda ml, m: (ml.pop(-1), ml)[1],
    "del-slice": lambda ml, m: (ml.__delitem__(slice(1, None)), ml)[1],
    "del-int": lambda ml, m: (ml.__delitem__(0), ml)[1],
    "setitem": lambda ml, m: (ml.__setitem__(-3, m.Tanh()), ml)[1],
    "slice": lambda ml, m: ml[::2],
    "repeated-runs": lambda ml, m: ml.extend([m.Tanh(), m.Tanh(), m.Tanh(), m.Affine(1, 2),
                                              m.Affine(1, 2), m.Scale(2)]),
    "empty": lambda ml, m: ml[5:],
}


@pytest.mark.parametrize("name", sorted(_MODULELIST_OPS))
def test_modulelist_operations_match_torch(cynn_models, torch_models, torch, name):
    def run(lib, models):
        return _MODULELIST_OPS[name](lib.nn.ModuleList(_layers(models, 3)), models)
    c, t = run(cynn, cynn_models), run(torch, torch_models)
    assert type(c) is nn.ModuleList
    assert _summary(c) == _summary(t)
    assert repr(c) == repr(t)
    assert list(c.state_dict()) == list(t.state_dict())


def test_modulelist_compresses_repeated_children_in_repr(cynn_models):
    ml = nn.ModuleList([cynn_models.Tanh() for _ in range(3)] + [cynn_models.Scale(1)])
    assert repr(ml) == ("ModuleList(\n  (0-2): 3 x Tanh()\n  (3): Scale(\n    n=1\n"
                        "    kind=scale\n  )\n)")


def test_modulelist_indexing(cynn_models):
    layers = _layers(cynn_models, 3)
    ml = nn.ModuleList(layers)
    assert ml[-1] is layers[2] and list(ml) == layers and len(ml) == 3
    assert list(ml[1:]) == layers[1:]
    assert len(nn.ModuleList()) == 0


@pytest.mark.parametrize("op", [
    lambda lib, ml: ml[3], lambda lib, ml: ml[-4], lambda lib, ml: ml.extend(3),
    lambda lib, ml: ml.__setitem__(9, lib.nn.Module()), lambda lib, ml: ml.append([]),
], ids=["high", "low", "extend-int", "setitem-range", "append-list"])
def test_modulelist_errors_match_torch(cynn_models, torch_models, torch, same_error, op):
    same_error(lambda: op(cynn, nn.ModuleList(_layers(cynn_models, 3))),
               lambda: op(torch, torch.nn.ModuleList(_layers(torch_models, 3))))


# ---------------------------------------------------------------------------- ModuleDict
def _moduledict_trace(lib, models):
    d = lib.nn.ModuleDict({"z": models.Tanh(), "a": models.Affine(1, 2)})
    trace = [list(d.keys()), len(d), "a" in d, "q" in d]
    d["m"] = models.Scale(2)
    d.update([("b", models.Tanh()), ("z", models.Affine(2, 2))])
    d.update(OrderedDict(y=models.Tanh()))
    trace += [list(d), [repr(v) for v in d.values()], [k for k, _ in d.items()]]
    popped = d.pop("a")
    del d["b"]
    trace += [repr(popped), list(d), list(d.state_dict()), repr(d)]
    d.clear()
    trace += [len(d), repr(d)]
    return trace


def test_moduledict_mapping_api_matches_torch(cynn_models, torch_models, torch):
    assert _moduledict_trace(cynn, cynn_models) == _moduledict_trace(torch, torch_models)


@pytest.mark.parametrize("op", [
    lambda lib, d: d.update(3), lambda lib, d: d.update([3]),
    lambda lib, d: d.update([("a", lib.nn.Module(), 1)]), lambda lib, d: d["missing"],
    lambda lib, d: d.__setitem__("a.b", lib.nn.Module()),
], ids=["not-iterable", "element-not-iterable", "element-length", "missing", "dotted"])
def test_moduledict_errors_match_torch(torch, same_error, op):
    same_error(lambda: op(cynn, nn.ModuleDict()), lambda: op(torch, torch.nn.ModuleDict()))


# ---------------------------------------------------------------------------- ParameterList
def _parameterlist_trace(lib):
    pl = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2, 3)), lib.zeros(3, dtype=lib.float64)])
    pl.append(lib.ones(1))
    pl.extend([lib.ones(2, 2)])
    pl += ["not a tensor"]
    trace = [len(pl), repr(pl), [type(p).__name__ for p in pl],
             [n for n, _ in pl.named_parameters()]]
    pl[0] = lib.full((1,), 2.0)
    sliced = pl[1:4:2]
    trace += [repr(pl), type(pl[0]).__name__, repr(sliced), list(pl.state_dict()),
              pl[-1], repr(lib.nn.ParameterList())]
    return trace


def test_parameterlist_matches_torch(torch):
    assert _parameterlist_trace(cynn) == [
        t.replace("torch.", "cynn.") if isinstance(t, str) else t
        for t in _parameterlist_trace(torch)]


def test_parameterlist_repr_format():
    pl = nn.ParameterList([nn.Parameter(cynn.ones(2, 3)), cynn.ones(4, dtype=cynn.float64)])
    assert repr(pl) == ("ParameterList(\n"
                        "    (0): Parameter containing: [cynn.float32 of size 2x3]\n"
                        "    (1): Parameter containing: [cynn.float64 of size 4]\n)")


def test_parameterlist_parameters_train_in_a_parent():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = nn.ParameterList([cynn.ones(2), cynn.full((2,), 3.0)])

        def forward(self, x):
            for w in self.weights:
                x = x * w
            return x.sum()
    model = Model()
    model(cynn.tensor([1.0, 2.0])).backward()
    assert [n for n, _ in model.named_parameters()] == ["weights.0", "weights.1"]
    assert model.weights[0].grad.tolist() == [3.0, 6.0]
    assert model.weights[1].grad.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("op", [
    lambda lib, pl: pl[2], lambda lib, pl: pl.extend(lib.ones(2)), lambda lib, pl: pl.extend(4),
    lambda lib, pl: pl(lib.ones(1)),
], ids=["index", "extend-tensor", "extend-int", "call"])
def test_parameterlist_errors_match_torch(torch, same_error, op):
    same_error(lambda: op(cynn, nn.ParameterList([cynn.ones(1)])),
               lambda: op(torch, torch.nn.ParameterList([torch.ones(1)])))


# ---------------------------------------------------------------------------- ParameterDict
def _parameterdict_trace(lib):
    pd = lib.nn.ParameterDict({"w": lib.ones(2), "b": lib.nn.Parameter(lib.zeros(1, 2)),
                               "note": "text"})
    trace = [list(pd), repr(pd), type(pd["w"]).__name__, "w" in pd, len(pd)]
    pd.update(OrderedDict([("z", lib.ones(3)), ("a", lib.ones(1, dtype=lib.float64))]))
    pd.update([("m", lib.ones(2))])
    trace += [list(pd.keys()), repr(pd), [n for n, _ in pd.named_parameters()]]
    trace += [tuple(pd.popitem()[1].shape), list(pd), pd.get("q", "default"),
              tuple(pd.pop("z").shape), list(reversed(pd))]
    pd.setdefault("s", lib.ones(4))
    merged = pd | lib.nn.ParameterDict({"extra": lib.ones(1)})
    trace += [list(merged), list(pd.copy()), list(pd.fromkeys(["x", "y"]))]
    pd |= lib.nn.ParameterDict({"more": lib.ones(1)})
    del pd["w"]
    trace += [list(pd), list(pd.state_dict())]
    pd.clear()
    trace += [len(pd), repr(pd)]
    return trace


def test_parameterdict_matches_torch(torch):
    assert _parameterdict_trace(cynn) == [
        t.replace("torch.", "cynn.") if isinstance(t, str) else t
        for t in _parameterdict_trace(torch)]


def test_parameterdict_repr_format():
    pd = nn.ParameterDict({"b": cynn.ones(2, dtype=cynn.float64), "a": cynn.ones(1, 2)})
    assert repr(pd) == ("ParameterDict(\n"
                        "    (a): Parameter containing: [cynn.FloatTensor of size 1x2]\n"
                        "    (b): Parameter containing: [cynn.DoubleTensor of size 2]\n)")


@pytest.mark.parametrize("op", [
    lambda lib, pd: pd[1], lambda lib, pd: pd["missing"], lambda lib, pd: pd.update(5),
    lambda lib, pd: pd.update([("a",)]), lambda lib, pd: pd(lib.ones(1)),
], ids=["int-key", "missing", "not-iterable", "element-length", "call"])
def test_parameterdict_errors_match_torch(torch, same_error, op):
    same_error(lambda: op(cynn, nn.ParameterDict({"a": cynn.ones(1)})),
               lambda: op(torch, torch.nn.ParameterDict({"a": torch.ones(1)})))


# ---------------------------------------------------------------------------- nesting
def test_nested_containers_state_dict_and_repr_match_torch(cynn_models, torch_models, torch):
    def build(lib, models):
        return lib.nn.Sequential(OrderedDict([
            ("blocks", lib.nn.ModuleList([lib.nn.Sequential(models.Affine(2, 2), models.Tanh())
                                          for _ in range(2)])),
            ("heads", lib.nn.ModuleDict({"cls": models.Affine(2, 3)})),
            ("scales", lib.nn.ParameterList([lib.ones(2)])),
            ("extra", lib.nn.ParameterDict({"bias": lib.zeros(3)})),
        ]))
    c, t = build(cynn, cynn_models), build(torch, torch_models)
    assert list(c.state_dict()) == list(t.state_dict())
    assert [n for n, _ in c.named_modules()] == [n for n, _ in t.named_modules()]
    assert repr(c) == repr(t).replace("torch.", "cynn.")
