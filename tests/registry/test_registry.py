"""cynn.registry and cynn.nn.build: discovery, lazy import, failure isolation, specs."""
import os
import subprocess
import sys
import textwrap
import warnings

import pytest

import cynn
import cynn.nn
from cynn import registry
from cynn.nn.build import build
from cynn.registry import (AmbiguousLayerError, PluginError, PluginWarning, SpecError,
                           UnknownLayerError)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _swish_plugin(make_plugin, unique, swish_source, dist="cynn-fakeacts", **kw):
    module = unique("fakeacts")
    make_plugin(dist, {"FakeSwish": f"{module}:FakeSwish"}, {module: swish_source}, **kw)
    return module


# ---------------------------------------------------------------------- built-ins

def test_builtins_are_listed_with_origin_cynn(nn_layers):
    listed = registry.layers()
    for name in ("Linear", "ReLU", "Conv2d", "Sequential", "ModuleList"):
        assert listed[name] == registry.LayerInfo(name, "cynn", "builtin", None)
    assert "Module" not in listed
    assert str(listed["Linear"]) == "Linear (cynn, builtin)"


def test_get_builtin_plain_and_qualified(nn_layers):
    assert registry.get("Linear") is nn_layers.Linear
    assert registry.get("cynn:Conv2d") is nn_layers.Conv2d


@pytest.mark.parametrize("wrong, suggestion", [("conv2d", "Conv2d"), ("Conv2D", "Conv2d"),
                                               ("Linaer", "Linear")])
def test_unknown_name_suggests_close_names(wrong, suggestion):
    with pytest.raises(UnknownLayerError, match=rf"unknown layer '{wrong}'.*{suggestion}"):
        registry.get(wrong)


def test_get_rejects_non_string():
    with pytest.raises(TypeError, match="'name' must be str"):
        registry.get(3)


# ---------------------------------------------------------------------- plugin discovery

def test_listing_reads_metadata_only_and_get_imports(make_plugin, unique, swish_source):
    module = _swish_plugin(make_plugin, unique, swish_source)
    info = registry.layers()["FakeSwish"]
    assert (info.origin, info.status, info.error) == ("cynn-fakeacts 0.1", "available", None)
    assert module not in sys.modules

    cls = registry.get("FakeSwish")
    assert module in sys.modules and cls is sys.modules[module].FakeSwish
    assert str(registry.layers()["FakeSwish"]) == "FakeSwish (cynn-fakeacts 0.1, loaded)"


def test_get_imports_only_the_requested_plugin_module(make_plugin, unique, swish_source):
    first, second = unique("acts_a"), unique("acts_b")
    make_plugin("cynn-twomods", {"FakeSwish": f"{first}:FakeSwish", "Swish2": f"{second}:FakeSwish"},
                {first: swish_source, second: swish_source})
    registry.get("Swish2")
    assert second in sys.modules and first not in sys.modules
    assert registry.layers()["FakeSwish"].status == "available"


def test_qualified_plugin_name_accepts_normalized_distribution(make_plugin, unique, swish_source):
    module = _swish_plugin(make_plugin, unique, swish_source, dist="Cynn_FakeActs")
    assert registry.get("cynn-fakeacts:FakeSwish") is sys.modules[module].FakeSwish


def test_builtin_wins_over_plugin_and_qualified_name_reaches_plugin(
        make_plugin, unique, swish_source, nn_layers):
    module = unique("shadow")
    make_plugin("cynn-shadow", {"Linear": f"{module}:FakeSwish"}, {module: swish_source})
    assert registry.get("Linear") is nn_layers.Linear
    assert module not in sys.modules
    listed = registry.layers()
    assert listed["Linear"].status == "builtin"
    assert listed["cynn-shadow:Linear"].origin == "cynn-shadow 0.1"
    assert registry.get("cynn-shadow:Linear") is sys.modules[module].FakeSwish


def test_two_plugins_claiming_a_name_are_ambiguous(make_plugin, unique, swish_source):
    module_a = _swish_plugin(make_plugin, unique, swish_source, dist="cynn-acts-a")
    module_b = _swish_plugin(make_plugin, unique, swish_source, dist="cynn-acts-b", version="2.0")
    with pytest.raises(AmbiguousLayerError) as excinfo:
        registry.get("FakeSwish")
    message = str(excinfo.value)
    for expected in ("cynn-acts-a 0.1", "cynn-acts-b 2.0", "'cynn-acts-a:FakeSwish'",
                     "'cynn-acts-b:FakeSwish'"):
        assert expected in message
    listed = registry.layers()
    assert "FakeSwish" not in listed
    assert {"cynn-acts-a:FakeSwish", "cynn-acts-b:FakeSwish"} <= set(listed)
    assert registry.get("cynn-acts-b:FakeSwish") is sys.modules[module_b].FakeSwish
    assert module_a not in sys.modules


def test_unknown_qualifier_names_the_real_provider(make_plugin, unique, swish_source):
    _swish_plugin(make_plugin, unique, swish_source)
    with pytest.raises(UnknownLayerError, match="provided by cynn-fakeacts 0.1.*not by 'other'"):
        registry.get("other:FakeSwish")


def test_autoload_disabled_hides_plugins(make_plugin, unique, swish_source, monkeypatch):
    _swish_plugin(make_plugin, unique, swish_source)
    monkeypatch.setenv("CYNN_DISABLE_PLUGIN_AUTOLOAD", "1")
    listed = registry.layers()
    assert "FakeSwish" not in listed and "Linear" in listed
    with pytest.raises(UnknownLayerError):
        registry.get("FakeSwish")
    monkeypatch.setenv("CYNN_DISABLE_PLUGIN_AUTOLOAD", "0")
    assert registry.layers()["FakeSwish"].status == "available"


# ---------------------------------------------------------------------- broken plugins

BROKEN_SOURCES = {
    "raises": ("RuntimeError", "plugin exploded", "raise RuntimeError('plugin exploded')\n"),
    "missing_dependency": ("ModuleNotFoundError", "no_such_dependency_xyz",
                           "import no_such_dependency_xyz\n"),
    "syntax_error": ("SyntaxError", "", "def broken(:\n"),
    "missing_attribute": ("AttributeError", "FakeSwish", "x = 1\n"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN_SOURCES))
def test_broken_plugin_is_contained(kind, make_plugin, unique, tmp_path):
    exc_name, detail, body = BROKEN_SOURCES[kind]
    module = unique("broken")
    marker = tmp_path / "imports.txt"
    source = f"with open({str(marker)!r}, 'a') as log:\n    log.write('x')\n" + body
    make_plugin("cynn-broken", {"FakeSwish": f"{module}:FakeSwish"}, {module: source})

    assert registry.layers()["FakeSwish"].status == "available"
    with pytest.warns(PluginWarning, match=r"'FakeSwish' from cynn-broken 0.1") as caught:
        with pytest.raises(PluginError) as excinfo:
            registry.get("FakeSwish")
    assert caught[0].filename == __file__  # attributed to the caller, not to cynn's internals
    message = str(excinfo.value)
    assert "'FakeSwish'" in message and "cynn-broken 0.1" in message
    assert f"'FakeSwish = {module}:FakeSwish'" in message and exc_name in message and detail in message
    assert isinstance(excinfo.value, ImportError)
    assert type(excinfo.value.__cause__).__name__ == exc_name

    info = registry.layers()["FakeSwish"]
    assert info.status == "failed" and exc_name in info.error
    with pytest.raises(PluginError) as again:
        registry.get("FakeSwish")
    assert again.value.__cause__ is excinfo.value.__cause__
    runs = marker.read_text() if marker.exists() else ""
    assert runs == ("" if kind == "syntax_error" else "x")  # imported once, not retried


@pytest.mark.parametrize("target, described", [
    ("make_swish", "an object of type function"),
    ("NotAModule", "the class"),
    ("NUMBER", "an object of type int"),
])
def test_entry_point_that_is_not_a_module_subclass(target, described, make_plugin, unique):
    module = unique("notmodule")
    source = """
        def make_swish():
            pass

        class NotAModule:
            pass

        NUMBER = 3
    """
    make_plugin("cynn-wrongtype", {"FakeSwish": f"{module}:{target}"}, {module: source})
    with pytest.warns(PluginWarning, match="not a subclass of cynn.nn.Module"):
        with pytest.raises(PluginError, match=rf"'FakeSwish'.*cynn-wrongtype 0.1.*{described}"):
            registry.get("FakeSwish")
    assert registry.layers()["FakeSwish"].status == "failed"


def test_broken_plugin_does_not_break_import_cynn(make_plugin, unique):
    module = unique("broken_at_import")
    site = make_plugin("cynn-broken", {"FakeSwish": f"{module}:FakeSwish"},
                       {module: "raise RuntimeError('boom')\n"})
    code = textwrap.dedent(f"""
        import sys, warnings
        import cynn
        from cynn import registry
        assert {module!r} not in sys.modules
        print(registry.layers()["FakeSwish"].status)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                registry.get("FakeSwish")
            except registry.PluginError as exc:
                print(type(exc.__cause__).__name__)
        print(registry.layers()["FakeSwish"].status, len(caught))
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), ROOT]))
    env.pop("CYNN_DISABLE_PLUGIN_AUTOLOAD", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["available", "RuntimeError", "failed", "1"]


# ---------------------------------------------------------------------- versions

@pytest.mark.parametrize("requires, compatible", [
    (["cynn-nn>=0.1"], True),
    (["cynn-nn (>=0.1,<1.0)"], True),
    (["numpy>=2", "cynn-nn~=0.1"], True),
    (["cynn_nn>=0.1"], True),
    (["cynn-nn>=9.0"], False),
    (["cynn-nn<0.1"], False),
    (["cynn-nn==0.0.*"], False),
    (['cynn-nn>=9.0; extra == "test"'], True),
    (["cynn-other>=9.0"], True),
    ([f"{'cynn'}>=9.0"], True),  # the unrelated project on the package index is not us
])
def test_plugin_requirement_on_cynn_is_checked(requires, compatible, make_plugin, unique,
                                               swish_source):
    module = _swish_plugin(make_plugin, unique, swish_source, requires=requires)
    if compatible:
        assert registry.layers()["FakeSwish"].status == "available"
        assert registry.get("FakeSwish") is sys.modules[module].FakeSwish
        return
    with pytest.warns(PluginWarning, match=r"cynn-fakeacts 0.1 is incompatible"):
        info = registry.layers()["FakeSwish"]
    assert info.status == "failed"
    assert requires[0] in info.error and cynn.__version__ in info.error
    with pytest.raises(PluginError, match=r"'FakeSwish'.*cynn-fakeacts 0.1.*requires"):
        registry.get("FakeSwish")
    assert module not in sys.modules


VERSIONS = ["0.1", "0.1.0", "0.1.1", "0.2", "1.0", "1.0.0", "1.0a1", "1.0b2", "1.0rc1",
            "1.0.dev3", "1.0a1.dev1", "1.0.post1", "1.0.post1.dev2", "1!0.5", "2.0+local.1"]
SPECIFIERS = [">=0.1", ">0.1", "<1.0", "<=1.0", "==1.0", "!=1.0", "==1.*", "!=0.1.*",
              "~=0.1", "~=1.0.0", ">=0.1,<0.2", ">=1.0a1,<1.0", "===1.0", ">1.0", "==0.1.0"]


@pytest.mark.parametrize("specifier", SPECIFIERS)
def test_version_specifiers_agree_with_packaging(specifier):
    specifiers = pytest.importorskip("packaging.specifiers")
    expected = specifiers.SpecifierSet(specifier)
    for version in VERSIONS:
        got = registry._version_matches(version, specifier)
        assert got == expected.contains(version, prereleases=True), (version, specifier)


@pytest.mark.parametrize("specifier", [">>1.0", "~=1", ">=1.*", "==abc"])
def test_invalid_specifier_is_reported(specifier):
    with pytest.raises(ValueError):
        registry._version_matches("0.1.0", specifier)
    reason = registry._incompatibility_reason([f"cynn-nn{specifier}"], "0.1.0")
    assert "cannot read its requirement" in reason


# ---------------------------------------------------------------------- register_layer

def test_register_layer_returns_the_class_and_lists_it(nn_layers):
    @registry.register_layer("MyGelu")
    class MyGelu(nn_layers.Module):
        pass

    assert registry.get("MyGelu") is MyGelu
    assert registry.get(f"{__name__}:MyGelu") is MyGelu
    info = registry.layers()["MyGelu"]
    assert (info.origin, info.status) == (__name__, "registered")


def test_register_layer_refuses_builtin_names_without_override(nn_layers):
    with pytest.raises(ValueError, match="built-in cynn.nn.Linear.*override=True"):
        @registry.register_layer("Linear")
        class Linear(nn_layers.Module):
            pass


def test_register_layer_override_beats_builtin(nn_layers):
    @registry.register_layer("Linear", override=True)
    class MyLinear(nn_layers.Module):
        pass

    assert registry.get("Linear") is MyLinear
    assert registry.get("cynn:Linear") is nn_layers.Linear
    listed = registry.layers()
    assert listed["Linear"].status == "registered" and listed["cynn:Linear"].status == "builtin"


def test_register_layer_same_definition_again_is_allowed_but_another_is_not(nn_layers):
    def define():
        @registry.register_layer("Again")
        class Again(nn_layers.Module):
            pass
        return Again

    first, second = define(), define()
    assert registry.get("Again") is second and first is not second

    with pytest.raises(ValueError, match="already registered"):
        @registry.register_layer("Again")
        class Different(nn_layers.Module):
            pass


@pytest.mark.parametrize("name, decorated, error, match", [
    ("NotAModule", int, TypeError, "not a subclass of cynn.nn.Module"),
    ("Has:Colon", None, ValueError, "invalid layer name"),
    ("", None, ValueError, "invalid layer name"),
])
def test_register_layer_rejects_bad_input(name, decorated, error, match, nn_layers):
    with pytest.raises(error, match=match):
        registry.register_layer(name)(decorated or nn_layers.Linear)


def test_bare_register_layer_decorator_is_explained(nn_layers):
    with pytest.raises(TypeError, match=r"@register_layer\('Name'\)"):
        @registry.register_layer
        class Oops(nn_layers.Module):
            pass


def test_registration_and_plugin_with_one_name_are_ambiguous(make_plugin, unique, swish_source,
                                                             nn_layers):
    module = _swish_plugin(make_plugin, unique, swish_source)

    @registry.register_layer("FakeSwish")
    class LocalSwish(nn_layers.Module):
        pass

    with pytest.raises(AmbiguousLayerError, match=rf"cynn-fakeacts 0.1.*{__name__}"):
        registry.get("FakeSwish")
    assert registry.get(f"{__name__}:FakeSwish") is LocalSwish
    assert registry.get("cynn-fakeacts:FakeSwish") is sys.modules[module].FakeSwish


# ---------------------------------------------------------------------- build

def _children(module):
    return [(name, type(child)) for name, child in module.named_children()]


def test_build_single_layer_with_args_and_kwargs(nn_layers):
    conv = build({"type": "Conv2d", "args": [3, 6, 5], "kwargs": {"stride": 2}})
    assert isinstance(conv, nn_layers.Conv2d)
    assert (conv.in_channels, conv.out_channels) == (3, 6)
    assert conv.kernel_size == (5, 5) and conv.stride == (2, 2)


def test_build_turns_json_lists_into_tuples(nn_layers):
    conv = build({"type": "Conv2d", "args": [3, 6], "kwargs": {"kernel_size": [3, 1]}})
    assert conv.kernel_size == (3, 1)


def test_build_list_makes_a_sequential(nn_layers):
    model = build([{"type": "Linear", "args": [4, 8]}, {"type": "ReLU"},
                   {"type": "Linear", "kwargs": {"in_features": 8, "out_features": 2}}])
    assert isinstance(model, nn_layers.Sequential)
    assert _children(model) == [("0", nn_layers.Linear), ("1", nn_layers.ReLU),
                                ("2", nn_layers.Linear)]
    assert model._modules["2"].out_features == 2


def test_build_named_sequential_keeps_names_in_order(nn_layers):
    model = build({"type": "Sequential", "layers": {
        "conv1": {"type": "Conv2d", "args": [1, 4, 3]},
        "relu1": {"type": "ReLU", "kwargs": {"inplace": True}},
        "head": [{"type": "Linear", "args": [4, 2]}],
    }})
    assert _children(model) == [("conv1", nn_layers.Conv2d), ("relu1", nn_layers.ReLU),
                                ("head", nn_layers.Sequential)]
    assert model._modules["relu1"].inplace is True


def test_build_module_list_and_dict(nn_layers):
    listed = build({"type": "ModuleList", "layers": [{"type": "ReLU"}, {"type": "Linear",
                                                                        "args": [1, 1]}]})
    assert isinstance(listed, nn_layers.ModuleList)
    assert _children(listed) == [("0", nn_layers.ReLU), ("1", nn_layers.Linear)]
    named = build({"type": "ModuleDict", "layers": {"act": {"type": "ReLU"}}})
    assert isinstance(named, nn_layers.ModuleDict) and _children(named) == [("act", nn_layers.ReLU)]


def test_build_plugin_layer_by_plain_and_qualified_name(make_plugin, unique, swish_source):
    module = _swish_plugin(make_plugin, unique, swish_source)
    model = build([{"type": "FakeSwish", "kwargs": {"beta": 2.0}}, {"type": "cynn-fakeacts:FakeSwish"}])
    swish = sys.modules[module].FakeSwish
    assert [type(child) for _, child in model.named_children()] == [swish, swish]
    assert model._modules["0"].beta == 2.0


def test_nn_build_is_the_only_door(nn_layers):
    model = cynn.nn.build({"type": "Linear", "args": [2, 3]})
    assert isinstance(model, nn_layers.Linear)
    assert not hasattr(registry, "build")  # one way in: the registry sits below cynn.nn
    for _ in range(2):  # the second lookup must not find the submodule cynn.nn.build instead
        assert callable(cynn.nn.build)
        assert isinstance(cynn.nn.build({"type": "ReLU"}), nn_layers.ReLU)


@pytest.mark.parametrize("spec, message", [
    (5, r"^spec: expected a layer spec .*got int 5"),
    ([{"type": "ReLU"}, "ReLU"], r"^spec\[1\]: expected a layer spec"),
    ({"type": "Sequential", "layers": {"conv1": {"typ": "Conv2d"}}},
     r"^spec\.layers\.conv1\.typ: unknown key"),
    ({"type": "Sequential", "layers": {"conv1": {"args": [1]}}},
     r"^spec\.layers\.conv1: missing 'type'"),
    ({"type": "Sequential", "layers": {"conv1": {"type": 3}}},
     r"^spec\.layers\.conv1\.type: expected a layer name string"),
    ([{"type": "ReLU"}, {"type": "ReLU"},
      {"type": "Conv2d", "args": [3, 6, 5], "kwargs": {"strid": 2}}],
     r"^spec\[2\]\.kwargs\.strid: Conv2d has no argument 'strid'; did you mean 'stride'\?"),
    ([{"type": "Conv2D"}], r"^spec\[0\]\.type: unknown layer 'Conv2D'.*Conv2d"),
    ({"type": "Linear", "args": {"in_features": 2}}, r"^spec\.args: expected a list"),
    ({"type": "Linear", "kwargs": [2, 3]}, r"^spec\.kwargs: expected a dict"),
    ({"type": "Linear", "args": [1, 2, True, None, None, 6]},
     r"^spec\.args: Linear\(.*too many positional arguments"),
    ({"type": "Linear", "args": [3]}, r"^spec: Linear\(.*missing a required argument: "
                                      r"'out_features'"),
    ([{"type": "Conv2d", "args": [3, 6, 5], "kwargs": {"padding": "bogus"}}],
     r"^spec\[0\]\.kwargs\.padding: Conv2d\(\) raised ValueError: Invalid padding string"),
    ({"type": "Conv2d", "args": [3, 6, 3, 1, "bogus"]},
     r"^spec\.args\[4\]: Conv2d\(\) raised ValueError: Invalid padding string"),
    ({"type": "Dropout", "args": [1.5]},
     r"^spec: Dropout\(\) raised ValueError: dropout probability"),
    ({"type": "Linear", "layers": []}, r"^spec\.layers: only Sequential, ModuleList and "
                                       r"ModuleDict take 'layers'"),
    ({"type": "Sequential", "args": [1], "layers": []}, r"^spec\.layers: .*not both"),
    ({"type": "Sequential", "layers": 3}, r"^spec\.layers: expected a list"),
    ({"type": "ModuleList", "layers": {"a": {"type": "ReLU"}}},
     r"^spec\.layers: ModuleList takes a list"),
    ({"type": "Sequential", "layers": {"a.b": {"type": "ReLU"}}},
     r"^spec: Sequential\(\) raised KeyError"),
])
def test_build_errors_name_the_offending_entry(spec, message, nn_layers):
    with pytest.raises(SpecError, match=message):
        build(spec)


def test_build_error_for_broken_plugin_chains_the_plugin_error(make_plugin, unique):
    module = unique("broken_build")
    make_plugin("cynn-broken", {"FakeSwish": f"{module}:FakeSwish"},
                {module: "raise RuntimeError('boom')\n"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginWarning)
        with pytest.raises(SpecError, match=r"^spec\[1\]\.type: layer 'FakeSwish' .*cynn-broken") \
                as excinfo:
            build([{"type": "ReLU"}, {"type": "FakeSwish"}])
    assert isinstance(excinfo.value.__cause__, PluginError)
    assert isinstance(excinfo.value.__cause__.__cause__, RuntimeError)


def test_build_error_for_ambiguous_type(make_plugin, unique, swish_source):
    _swish_plugin(make_plugin, unique, swish_source, dist="cynn-acts-a")
    _swish_plugin(make_plugin, unique, swish_source, dist="cynn-acts-b")
    with pytest.raises(SpecError, match=r"^spec\.type: layer 'FakeSwish' is claimed by several"):
        build({"type": "FakeSwish"})


def test_malformed_entry_points_of_one_distribution_hide_only_its_layers(
        make_plugin, unique, swish_source, tmp_path):
    _swish_plugin(make_plugin, unique, swish_source)
    site = make_plugin("cynn-malformed", {}, {})
    (next(site.glob("*.dist-info")) / "entry_points.txt").write_text(
        "[cynn.layers]\nno equals sign here\n")
    with pytest.warns(PluginWarning, match="cynn-malformed"):
        listed = registry.layers()
    assert listed["FakeSwish"].status == "available" and "Linear" in listed
