"""``python -m cynn``: ``--version``, the ``info`` report (with the distribution read from
metadata and the plugin distributions with their layers), the ``plugins`` listing and
``--load``, and help texts without reStructuredText markup."""
import importlib
import importlib.metadata
import os
import subprocess
import sys
import warnings

import pytest

import cynn
from cynn import __main__ as cli
from cynn import registry

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    """No cached plugins from other tests, autoload on unless a test turns it off."""
    monkeypatch.setattr(registry, "_registrations", {})
    monkeypatch.setattr(registry, "_plugin_layers", {})
    monkeypatch.setattr(registry, "_incompatibility", {})
    monkeypatch.setattr(registry, "_discovered", (None, []))
    monkeypatch.setattr(registry, "_invalid_entry_points", set())
    monkeypatch.setattr(registry, "_distribution_locks", {})
    monkeypatch.delenv("CYNN_DISABLE_PLUGIN_AUTOLOAD", raising=False)


@pytest.fixture
def fake_plugin(tmp_path, monkeypatch):
    """fake_plugin(dist, {layer: class name}, broken=()) -> a dist-info directory and its
    module on sys.path: importlib.metadata finds it as it finds an installed distribution.
    Other installed plugin distributions are hidden, so the listings hold exactly the fakes."""
    real_distributions = importlib.metadata.distributions

    def only_fakes(**kwargs):
        return [d for d in real_distributions(**kwargs) if d.locate_file("") == tmp_path]

    monkeypatch.setattr(importlib.metadata, "distributions", only_fakes)
    modules = []

    def make(dist, layers, broken=(), version="0.3"):
        module = dist.replace("-", "_") + "_layers"
        info = tmp_path / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\n"
                                       f"Version: {version}\nRequires-Dist: cynn-nn>=0.1\n")
        entry_points = [f"{name} = {module}:{cls}" for name, cls in layers.items()]
        (info / "entry_points.txt").write_text("[cynn.layers]\n" + "\n".join(entry_points))
        source = ["import cynn.nn"]
        source += [f"class {cls}(cynn.nn.Module):\n    pass" for cls in layers.values()
                   if cls not in broken]
        (tmp_path / f"{module}.py").write_text("\n\n".join(source) + "\n")
        modules.append(module)
        importlib.invalidate_caches()

    monkeypatch.syspath_prepend(str(tmp_path))
    yield make
    for module in modules:
        sys.modules.pop(module, None)


def run_info(capsys):
    assert cli.main(["info"]) == 0
    return capsys.readouterr().out.splitlines()


def test_info_names_the_distribution_from_its_metadata(tmp_path, monkeypatch, capsys):
    # a stand-in installation: importlib.metadata finds dist-info directories on sys.path
    info = tmp_path / "cynn_nn-7.8.9.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: cynn-nn\nVersion: 7.8.9\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    lines = run_info(capsys)
    assert lines[0] == f"cynn {cynn.__version__} ({cynn.__file__})"
    assert lines[1] == "distribution: cynn-nn 7.8.9"


def test_info_without_installed_metadata(monkeypatch, capsys):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert run_info(capsys)[1] == ("distribution: cynn-nn not installed (no metadata: cynn runs "
                                   "from a source tree or an old install)")


def test_info_reports_the_build(capsys):
    lines = run_info(capsys)
    keys = [line.split(":")[0] for line in lines[2:] if ":" in line]
    assert {"openmp compiled in", "threads", "debug build (bounds checks)", "compile flags",
            "compiler", "cython directives", "plugin layers found"} <= set(keys)
    assert f"threads: {cynn.get_num_threads()}" in lines


def test_python_dash_m_cynn_runs(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT, CYNN_DISABLE_PLUGIN_AUTOLOAD="1")
    out = subprocess.run([sys.executable, "-m", "cynn", "info"], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1].startswith("distribution: cynn-nn ")
    usage = subprocess.run([sys.executable, "-m", "cynn"], capture_output=True, text=True,
                           cwd=tmp_path, env=env, timeout=120)
    assert usage.returncode == 2 and "info" in usage.stderr and "plugins" in usage.stderr


@pytest.mark.parametrize("argv", [["nope"], ["plugins", "--bogus"]])
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"cynn {cynn.__version__}\n"


def test_python_dash_m_cynn_version(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-m", "cynn", "--version"], capture_output=True,
                         text=True, cwd=tmp_path, env=env, timeout=120)
    assert (out.returncode, out.stdout) == (0, f"cynn {cynn.__version__}\n")


def plugin_lines_of_info(capsys):
    lines = run_info(capsys)
    found = [i for i, line in enumerate(lines) if line.startswith("plugin layers found: ")]
    assert len(found) == 1
    return lines[found[0]:]


def test_info_lists_plugin_distributions_and_their_layers(fake_plugin, capsys):
    fake_plugin("cynn-extra", {"Swish": "Swish", "Linear": "MyLinear", "Zap": "Zap"},
                broken=["Zap"])
    fake_plugin("more-layers", {"Gate": "Gate"}, version="2.0")
    cynn.registry.layers()
    with pytest.warns(registry.PluginWarning):
        with pytest.raises(registry.PluginError):
            cynn.registry.get("Zap")
    # by name, shadowed ones included (Linear is cynn's), failures marked
    assert plugin_lines_of_info(capsys) == [
        "plugin layers found: 4",
        "  cynn-extra 0.3: Linear, Swish, Zap (failed)",
        "  more-layers 2.0: Gate",
    ]


def test_info_without_plugins(fake_plugin, capsys):
    assert plugin_lines_of_info(capsys) == ["plugin layers found: 0"]


def test_info_with_autoload_disabled(fake_plugin, monkeypatch, capsys):
    fake_plugin("cynn-extra", {"Swish": "Swish"})
    monkeypatch.setenv("CYNN_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert plugin_lines_of_info(capsys) == [
        "plugin layers found: none, plugin autoload is disabled by "
        "CYNN_DISABLE_PLUGIN_AUTOLOAD=1"]


def run_plugins(capsys, *flags, status=0):
    assert cli.main(["plugins", *flags]) == status
    captured = capsys.readouterr()
    return captured.out.splitlines()


@pytest.mark.parametrize("flags", [[], ["--load"]])
def test_plugins_says_when_nothing_is_found(fake_plugin, capsys, flags):
    # plugins only: cynn's own layers are not listed, so nothing found means no output but this
    assert run_plugins(capsys, *flags) == [
        "no plugin layers found: no installed distribution declares entry points in the "
        "cynn.layers group"]


@pytest.mark.parametrize("flags", [[], ["--load"]])
def test_plugins_says_when_autoload_is_disabled(fake_plugin, monkeypatch, capsys, flags):
    fake_plugin("cynn-extra", {"Swish": "Swish"})
    monkeypatch.setenv("CYNN_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert run_plugins(capsys, *flags) == [
        "plugin autoload is disabled by CYNN_DISABLE_PLUGIN_AUTOLOAD=1: installed plugins are "
        "ignored"]


def test_plugins_lists_plugin_layers_with_origin_and_status(fake_plugin, capsys):
    fake_plugin("cynn-extra", {"Swish": "Swish", "Linear": "MyLinear"})
    lines = run_plugins(capsys)
    assert lines == [
        "cynn-extra:Linear (cynn-extra 0.3, available; the bare name Linear is cynn's built-in)",
        "Swish (cynn-extra 0.3, available)",
    ]
    assert "cynn_extra_layers" not in sys.modules      # listing reads metadata only


def test_plugins_load_imports_the_plugin_layers_only(fake_plugin, capsys):
    fake_plugin("cynn-extra", {"Swish": "Swish", "Linear": "MyLinear"})
    lines = run_plugins(capsys, "--load")
    assert lines == [
        "cynn-extra:Linear (cynn-extra 0.3, loaded; the bare name Linear is cynn's built-in)",
        "Swish (cynn-extra 0.3, loaded)",
    ]
    assert not any("builtin" in line for line in lines)
    assert cynn.registry.get("cynn-extra:Linear").__name__ == "MyLinear"


def test_plugins_load_reports_a_broken_plugin_and_exits_1(fake_plugin, capsys):
    fake_plugin("cynn-extra", {"Swish": "Swish", "Zap": "Zap"}, broken=["Zap"])
    with warnings.catch_warnings():
        # the failure is on its line of the listing; a PluginWarning would repeat it
        warnings.simplefilter("error", registry.PluginWarning)
        lines = run_plugins(capsys, "--load", status=1)
    assert lines == [
        "Swish (cynn-extra 0.3, loaded)",
        "Zap (cynn-extra 0.3, failed)  error: importing it raised AttributeError: module "
        "'cynn_extra_layers' has no attribute 'Zap'",
    ]
    assert run_plugins(capsys) == lines   # without --load: listed, exit status 0


@pytest.mark.parametrize("argv", [["--help"], ["info", "--help"], ["plugins", "--help"]])
def test_help_is_plain_text(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: python -m cynn")
    # reStructuredText markup from docstrings would show up raw
    for markup in ("``", ":func:", ":class:", "::"):
        assert markup not in text
    if argv == ["--help"]:
        assert "--version" in text and "info" in text and "plugins" in text
