"""Fixtures for registry tests: a clean registry per test, and fake plugin distributions.

A fake plugin is a ``<name>-<version>.dist-info`` directory (METADATA and
entry_points.txt) plus its module source in a temporary directory put on
``sys.path``: ``importlib.metadata`` finds it exactly as it finds an installed
distribution, and nothing is installed.
"""
import importlib
import itertools
import sys
import textwrap
from collections import OrderedDict

import pytest

import cynn
import cynn.nn
from cynn import registry

_serial = itertools.count()


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    """Each test starts with no registrations, no cached plugins and autoload on."""
    monkeypatch.setattr(registry, "_registrations", {})
    monkeypatch.setattr(registry, "_plugin_layers", {})
    monkeypatch.setattr(registry, "_incompatibility", {})
    monkeypatch.setattr(registry, "_discovered", (None, []))
    monkeypatch.setattr(registry, "_invalid_entry_points", set())
    monkeypatch.setattr(registry, "_distribution_locks", {})
    monkeypatch.delenv("CYNN_DISABLE_PLUGIN_AUTOLOAD", raising=False)


# -- Stand-ins for cynn.nn layers that have not landed yet ----------------------------------
# TODO(registry): delete this block once cynn.nn exports Module, Linear, ReLU, Dropout, Conv2d,
# Sequential, ModuleList and ModuleDict; the tests then run against the real layers only. The
# stand-ins mirror the real constructors and PyTorch's error messages, and derive from the real
# cynn.nn.Module when it exists.

class _MinimalModule:
    def __init__(self):
        self._modules = OrderedDict()

    def add_module(self, name, module):
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        self._modules[name] = module

    def named_children(self):
        return iter(self._modules.items())


def _pair(value):
    return tuple(value) if isinstance(value, (list, tuple)) else (value, value)


def _stand_ins(module_base):
    class Linear(module_base):
        def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
            super().__init__()
            self.in_features, self.out_features = in_features, out_features

    class ReLU(module_base):
        def __init__(self, inplace=False):
            super().__init__()
            self.inplace = inplace

    class Dropout(module_base):
        def __init__(self, p=0.5, inplace=False):
            super().__init__()
            if p < 0 or p > 1:
                raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
            self.p = p

    class Conv2d(module_base):
        def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                     dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                     dtype=None):
            super().__init__()
            if isinstance(padding, str) and padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 "{'valid', 'same'}")
            self.in_channels, self.out_channels = in_channels, out_channels
            self.kernel_size, self.stride = _pair(kernel_size), _pair(stride)

    class Sequential(module_base):
        def __init__(self, *args):
            super().__init__()
            if len(args) == 1 and isinstance(args[0], OrderedDict):
                for name, module in args[0].items():
                    self.add_module(name, module)
            else:
                for i, module in enumerate(args):
                    self.add_module(str(i), module)

        def __len__(self):
            return len(self._modules)

    class ModuleList(module_base):
        def __init__(self, modules=None):
            super().__init__()
            for i, module in enumerate(modules or []):
                self.add_module(str(i), module)

    class ModuleDict(module_base):
        def __init__(self, modules=None):
            super().__init__()
            for name, module in (modules or {}).items():
                self.add_module(name, module)

    return {cls.__name__: cls for cls in (Linear, ReLU, Dropout, Conv2d, Sequential, ModuleList,
                                          ModuleDict)}


@pytest.fixture(autouse=True)
def nn_layers(monkeypatch):
    """cynn.nn as the registry sees it, with stand-ins for the layers it does not export yet."""
    module_base = getattr(cynn.nn, "Module", None)
    if module_base is None:
        module_base = _MinimalModule
        monkeypatch.setattr(cynn.nn, "Module", module_base, raising=False)
    for name, cls in _stand_ins(module_base).items():
        if getattr(cynn.nn, name, None) is None:
            monkeypatch.setattr(cynn.nn, name, cls, raising=False)
    return cynn.nn


# -- Fake plugin distributions ----------------------------------------------------------------

@pytest.fixture
def make_plugin(tmp_path, monkeypatch):
    """make_plugin(dist, entry_points, sources, requires=()) -> the directory put on sys.path.

    ``entry_points`` maps layer name -> "module:attr"; ``sources`` maps module name -> code.
    Modules created here are removed from sys.modules after the test.
    """
    created_modules = []

    def make(dist, entry_points, sources, version="0.1", requires=()):
        site = tmp_path / f"site{next(_serial)}"
        info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        metadata = ["Metadata-Version: 2.1", f"Name: {dist}", f"Version: {version}"]
        metadata += [f"Requires-Dist: {requirement}" for requirement in requires]
        (info / "METADATA").write_text("\n".join(metadata) + "\n")
        lines = [f"{name} = {target}" for name, target in entry_points.items()]
        (info / "entry_points.txt").write_text("[cynn.layers]\n" + "\n".join(lines) + "\n")
        for module, code in sources.items():
            (site / f"{module}.py").write_text(textwrap.dedent(code))
            created_modules.append(module)
        monkeypatch.syspath_prepend(str(site))
        importlib.invalidate_caches()
        return site

    yield make
    for module in created_modules:
        sys.modules.pop(module, None)


@pytest.fixture
def unique():
    """unique("swish") -> "swish_<n>": module names no other test has imported."""
    return lambda stem: f"{stem}_{next(_serial)}"


SWISH_SOURCE = """
    import cynn.nn

    class FakeSwish(cynn.nn.Module):
        def __init__(self, beta=1.0):
            super().__init__()
            self.beta = beta
"""


@pytest.fixture
def swish_source():
    return SWISH_SOURCE
