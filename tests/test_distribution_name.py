"""The distribution is ``cynn-nn``: the bare name on PyPI is an unrelated project, so no
file of this repository may ask pip for it (``pip install NAME``, ``"NAME[plot]"``,
``NAME>=0.1`` in a requirement). Plugin names such as ``cynn-activations`` are ours."""
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIST = "cynn-nn"
BARE = "cy" + "nn"  # spelled apart so that this file does not match its own patterns

# a token that is exactly the bare name: not part of cynn-activations, plugins/cynn-lrn,
# cynn.nn, cynn_lrn or my-cynn
_TOKEN = rf"(?<![\w.\-/]){BARE}(?![\w\-/]|\.(?!\s|$))"
_PATTERNS = [
    # pip install / download / wheel with it among the arguments (a backtick, ; & | or #
    # ends the command)
    re.compile(rf"\bpip3?\s+(install|download|wheel)(\s+[^\s`;&|#]+)*?\s+[\"']?{_TOKEN}"),
    # a quoted requirement with extras: "NAME[plot]", 'NAME[demo]'
    re.compile(rf"[\"']{BARE}\["),
    # a requirement with a version specifier: NAME>=0.1, NAME == 0.1, NAME (>=0.1)
    re.compile(rf"{_TOKEN}\s*(\[[^\]]*\])?\s*\(?\s*(===|==|>=|<=|~=|!=|<|>)"),
]
# in packaging data a bare quoted name is a requirement too: dependencies = ["NAME"]
# (not in setup.py, where "cynn" is also the package directory)
_PACKAGING = re.compile(rf"[\"']{BARE}[\"']")
_PACKAGING_FILES = re.compile(r"(^|/)(pyproject\.toml|setup\.cfg|requirements[^/]*\.txt)$")


def bare_requests(path, text):
    """``(line number, line)`` for every line of ``text`` that asks pip for the bare name."""
    hits = []
    packaging = bool(_PACKAGING_FILES.search(path))
    for number, line in enumerate(text.splitlines(), 1):
        if any(p.search(line) for p in _PATTERNS) or (packaging and _PACKAGING.search(line)):
            hits.append((number, line.strip()))
    return hits


def repository_files():
    """Tracked files plus new ones not ignored (git), else every file under the root."""
    try:
        out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                              "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60)
        return sorted({p for p in out.stdout.decode().split("\0") if p})
    except (OSError, subprocess.SubprocessError):  # an unpacked sdist: no git metadata
        skip = {".git", ".venv", "build", "dist", "__pycache__", ".pytest_cache", ".hypothesis"}
        files = []
        for folder, dirs, names in os.walk(ROOT):
            dirs[:] = [d for d in dirs if d not in skip and not d.endswith(".egg-info")]
            files += [os.path.relpath(os.path.join(folder, n), ROOT) for n in names]
        return sorted(files)


@pytest.mark.parametrize("line, asks", [
    (f"pip install {BARE}", True),
    (f"pip install -U {BARE}==0.1.5", True),
    (f"pip install '{BARE}[plot]'", True),
    (f'logger.plot()  # needs matplotlib: pip install "{BARE}[demo]"', True),
    (f'dependencies = ["{BARE}>=0.1,<0.2"]', True),
    (f'    (["{BARE} (>=0.1,<1.0)"], True),', True),
    (f"requires {BARE}<0.1 here", True),
    (f"pip download --no-deps {BARE}", True),
    (f"pip install {DIST}", False),
    (f"pip install '{DIST}[plot]'", False),
    (f'dependencies = ["{DIST}>=0.1,<0.2"]', False),
    (f"pip install plugins/{BARE}-activations plugins/{BARE}-lrn", False),
    (f'dependencies = ["{BARE}-activations>=0.1"]', False),
    (f"pip install -e . && python -m {BARE}.demo", False),
    (f"import {BARE}; {BARE}.nn.Linear(2, 3)", False),
    (f"pip install -e . # then import {BARE}", False),
    (f"`pip install -e .` registers the entry points too. {BARE} scans", False),
    (f"pip install -e . && {BARE} --help", False),
    (f"if len({BARE}_layers) > 2:", False),
])
def test_detector(line, asks):
    assert bool(bare_requests("README.md", line)) is asks


def test_detector_reads_bare_requirements_in_packaging_files_only():
    assert bare_requests("plugins/x/pyproject.toml", f'dependencies = ["{BARE}"]')
    assert bare_requests("requirements-dev.txt", f'"{BARE}"')
    assert not bare_requests("cynn/registry.py", f'origin = "{BARE}"')


def test_the_project_and_its_plugins_use_the_distribution_name():
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        assert re.search(rf'^name = "{DIST}"$', f.read(), re.M)
    plugins = os.path.join(ROOT, "plugins")
    names = sorted(d for d in os.listdir(plugins)
                   if os.path.isfile(os.path.join(plugins, d, "pyproject.toml")))
    assert names == ["cynn-activations", "cynn-lrn"]
    for name in names:
        with open(os.path.join(plugins, name, "pyproject.toml"), encoding="utf-8") as f:
            assert f'"{DIST}>=0.1,<0.2"' in f.read(), name


def test_no_file_asks_pip_for_the_bare_name():
    offenders = []
    files = repository_files()
    assert "pyproject.toml" in files and "README.md" in files
    for path in files:
        full = os.path.join(ROOT, path)
        if not os.path.isfile(full):
            continue  # deleted in the working tree
        try:
            with open(full, encoding="utf-8") as f:
                text = f.read()
        except UnicodeDecodeError:
            continue  # binary
        offenders += [f"{path}:{n}: {line}" for n, line in bare_requests(path, text)]
    assert not offenders, (f"`{BARE}` on PyPI is an unrelated project; ask for `{DIST}`:\n"
                           + "\n".join(offenders))
