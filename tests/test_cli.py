"""``python -m cynn``: the ``info`` report (with the distribution read from metadata)
and the ``plugins`` listing."""
import importlib.metadata
import os
import subprocess
import sys

import pytest

import cynn
from cynn import __main__ as cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


def test_plugins_lists_layers_with_their_origin(monkeypatch, capsys):
    # built-ins only: the listing must not depend on what else is installed here
    monkeypatch.setenv("CYNN_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert cli.main(["plugins"]) == 0
    assert "(cynn, builtin)" not in capsys.readouterr().out
    assert cli.main(["plugins", "--load"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "Linear (cynn, builtin)" in lines and "Conv2d (cynn, builtin)" in lines
    assert lines == sorted(lines)
