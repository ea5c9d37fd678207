"""Every fenced code block of README.md and docs/*.md is checked, so the docs cannot drift.

- ```python blocks run in a subprocess with a temporary working directory. The printed
  output must be what the doc shows: the plain block after a "prints" paragraph, or
  the ``# comment`` after each top-level ``print(...)``. A block that starts with
  ``# tests/test_<name>.py`` is a test file: it is run with pytest and must pass.
- ```toml blocks parse, and name the shipped plugin (plugins/cynn-activations): its
  project fields, entry points that resolve to Module subclasses in its ``src/``,
  and its ``[build-system]`` where shown.
- ```console blocks are run, command by command; the output must be exactly the lines
  shown.
- The plain blocks after ``<!-- demo-command -->`` and ``<!-- test-command -->`` are
  what CI runs (.ci/run takes the test command from README.md): they are not run
  here, only checked to be single lines.

Blocks about the plugin see it as if pip had installed it, without installing
anything: a ``cynn_activations-0.1.dist-info`` generated from the plugin's
pyproject.toml (importlib.metadata finds dist-info directories on ``sys.path``) and
the plugin's ``src/`` are put on the subprocess's PYTHONPATH.
"""
import dataclasses
import importlib
import importlib.metadata
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import cynn

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "plugins" / "cynn-activations"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CI_MARKERS = ("<!-- demo-command -->", "<!-- test-command -->")
ENTRY_POINT_GROUP = "cynn.layers"


@dataclasses.dataclass
class Block:
    path: Path
    line: int          # of the opening fence, 1-based
    lang: str
    text: str
    before: str        # the prose between the previous block (or the file start) and this one
    section: str
    previous: "Block | None"

    @property
    def id(self):
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def kind(self):
        if self.lang in ("python", "toml", "console", "sh"):
            return self.lang
        if self.lang == "":
            last = self.before.splitlines()[-1].strip() if self.before else ""
            if last in CI_MARKERS:
                return "ci"
            if (self.before.endswith("prints") and self.previous is not None
                    and self.previous.lang == "python" and self.previous.section == self.section):
                return "output"
        return None


def parse(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, prose, section, i = [], [], "", 0
    while i < len(lines):
        fence = re.fullmatch(r"```(\S*)\s*", lines[i])
        if fence is None:
            if lines[i].startswith("#"):
                section = lines[i].lstrip("#").strip()
            prose.append(lines[i])
            i += 1
            continue
        start, body = i, []
        i += 1
        while i < len(lines) and lines[i] != "```":
            body.append(lines[i])
            i += 1
        assert i < len(lines), f"{path}:{start + 1}: unterminated code block"
        blocks.append(Block(path, start + 1, fence[1], "\n".join(body), "\n".join(prose).strip(),
                            section, blocks[-1] if blocks else None))
        prose = []
        i += 1
    return blocks


BLOCKS = [block for path in DOCS for block in parse(path)]


def blocks_of(kind):
    chosen = [block for block in BLOCKS if block.kind == kind]
    return pytest.mark.parametrize("block", chosen, ids=[block.id for block in chosen])


def shipped_pyproject():
    return tomllib.loads((PLUGIN / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory):
    """A directory holding the plugin's dist-info, as pip would write it from pyproject.toml."""
    project = shipped_pyproject()["project"]
    site = tmp_path_factory.mktemp("site")
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir()
    metadata = ["Metadata-Version: 2.1", f"Name: {project['name']}",
                f"Version: {project['version']}"]
    metadata += [f"Requires-Dist: {requirement}" for requirement in project["dependencies"]]
    (info / "METADATA").write_text("\n".join(metadata) + "\n", encoding="utf-8")
    entry_points = project["entry-points"][ENTRY_POINT_GROUP]
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n" + "".join(f"{k} = {v}\n" for k, v in entry_points.items()),
        encoding="utf-8")
    return site


@pytest.fixture
def doc_env(plugin_site):
    env = dict(os.environ)
    env.pop("CYNN_DISABLE_PLUGIN_AUTOLOAD", None)
    env["PYTHONPATH"] = os.pathsep.join([str(plugin_site), str(PLUGIN / "src"), str(ROOT)])
    return env


def other_plugin_distributions():
    """Plugin distributions installed here besides the shipped one (CI installs cynn-lrn
    before its second run of the suite): their lines are not part of what the docs show."""
    names = set()
    for dist in importlib.metadata.distributions():
        if any(ep.group == ENTRY_POINT_GROUP for ep in dist.entry_points):
            names.add(dist.metadata["Name"])
    return names - {shipped_pyproject()["project"]["name"]}


# ------------------------------------------------------------------ every block is checked
@pytest.mark.parametrize("block", BLOCKS, ids=[block.id for block in BLOCKS])
def test_every_block_is_of_a_kind_this_file_checks(block):
    assert block.kind is not None, (
        f"{block.id}: a ```{block.lang} block that is neither python, toml, console, sh, the "
        f"output after 'prints', nor a CI command after {' or '.join(CI_MARKERS)}")


def test_the_docs_have_blocks_of_every_kind():
    kinds = {block.kind for block in BLOCKS}
    assert {"python", "toml", "console", "output", "ci"} <= kinds


# ------------------------------------------------------------------ CI's commands
def test_readme_has_the_demo_and_test_commands_as_single_lines():
    ci = [block for block in BLOCKS if block.kind == "ci"]
    markers = [block.before.splitlines()[-1].strip() for block in ci]
    assert sorted(markers) == sorted(CI_MARKERS)
    for block in ci:
        assert block.path.name == "README.md"
        assert len(block.text.splitlines()) == 1 and block.text.strip(), block.id
    # .ci/run reads the line two lines below the marker (awk: getline; getline)
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    at = lines.index("<!-- test-command -->")
    assert lines[at + 1] == "```" and "pytest" in lines[at + 2]


# ------------------------------------------------------------------ python
def expected_output(block):
    """The lines the doc says ``block`` prints, or None if it shows none."""
    after = [b for b in BLOCKS if b.previous is block and b.kind == "output"]
    if after:
        return after[0].text.splitlines()
    commented = [m[1] for m in (re.fullmatch(r"print\(.*\)\s+# (.*)", line)
                                for line in block.text.splitlines()) if m]
    return commented or None


@blocks_of("python")
def test_python_block_runs_and_prints_what_the_doc_shows(block, doc_env, tmp_path):
    first = block.text.splitlines()[0]
    test_file = re.fullmatch(r"# (tests/test_\w+\.py)", first)
    if test_file:
        path = tmp_path / test_file[1]
        path.parent.mkdir()
        path.write_text(block.text + "\n", encoding="utf-8")
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              "-rs", test_file[1]], capture_output=True, text=True,
                             cwd=tmp_path, env=doc_env, timeout=600)
        count = len(re.findall(r"^def test_", block.text, flags=re.M))
        assert run.returncode == 0, run.stdout + run.stderr
        assert re.search(rf"^{count} passed in ", run.stdout, flags=re.M), run.stdout
        return
    script = tmp_path / "block.py"
    script.write_text(block.text + "\n", encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         cwd=tmp_path, env=doc_env, timeout=600)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # a reader pasting the block sees no warning either
    shown = expected_output(block)
    if shown is not None:
        assert run.stdout.splitlines() == shown
    else:
        assert run.stdout == ""
    # the files the block says it writes (logger.to_jsonl("grads.jsonl"), ...) exist
    for written in re.findall(r"\.(?:to_jsonl|to_csv|plot)\(\"([^\"]+)\"\)", block.text):
        assert (tmp_path / written).stat().st_size > 0, written


# ------------------------------------------------------------------ toml
@pytest.fixture
def plugin_importable(monkeypatch):
    """The plugin's src/ on sys.path for this test; its modules are dropped afterwards."""
    monkeypatch.syspath_prepend(str(PLUGIN / "src"))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.split(".")[0] == "cynn_activations":
            del sys.modules[name]


@blocks_of("toml")
def test_toml_block_matches_the_shipped_plugin(block, plugin_importable):
    data = tomllib.loads(block.text)
    shipped = shipped_pyproject()
    project = data["project"]
    for key, value in project.items():
        if key != "entry-points":
            assert value == shipped["project"][key], key
    entry_points = project["entry-points"][ENTRY_POINT_GROUP]
    shipped_entry_points = shipped["project"]["entry-points"][ENTRY_POINT_GROUP]
    assert entry_points
    for name, value in entry_points.items():
        assert shipped_entry_points.get(name) == value, name
        module_name, _, attr = value.partition(":")
        module = importlib.import_module(module_name)
        assert Path(module.__file__).is_relative_to(PLUGIN / "src"), module.__file__
        cls = getattr(module, attr)
        assert issubclass(cls, cynn.nn.Module) and cls.__name__ == name
    if "build-system" in data:
        assert data["build-system"] == shipped["build-system"]
    if "tool" in data:
        assert data["tool"]["setuptools"]["packages"]["find"] == \
            shipped["tool"]["setuptools"]["packages"]["find"]


def test_the_plugin_guide_shows_a_complete_pyproject_with_the_src_layout():
    (block,) = [b for b in BLOCKS if b.kind == "toml" and b.path.name == "plugins.md"]
    data = tomllib.loads(block.text)
    assert data["build-system"]["build-backend"] == "setuptools.build_meta"
    assert data["tool"]["setuptools"]["packages"]["find"]["where"] == ["src"]
    for name in {v.partition(":")[0].split(".")[0] for v in
                 data["project"]["entry-points"][ENTRY_POINT_GROUP].values()}:
        assert (PLUGIN / "src" / name / "__init__.py").is_file()


# ------------------------------------------------------------------ console
def console_commands(text):
    """[(command, [shown output lines])] of a console block."""
    commands = []
    for line in text.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        else:
            assert commands, f"output before any command: {line!r}"
            commands[-1][1].append(line)
    return commands


@blocks_of("console")
def test_console_block_prints_exactly_what_the_doc_shows(block, doc_env, tmp_path):
    others = other_plugin_distributions()
    for command, shown in console_commands(block.text):
        argv = shlex.split(command, comments=True)
        env = dict(doc_env)
        while re.fullmatch(r"[A-Za-z_]\w*=.*", argv[0]):
            key, _, value = argv.pop(0).partition("=")
            env[key] = value
        assert argv[:3] == ["python", "-m", "cynn"], command
        run = subprocess.run([sys.executable, *argv[1:]], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, cwd=tmp_path, env=env,
                             timeout=600)
        assert run.returncode == 0, run.stdout
        lines = [line for line in run.stdout.splitlines()
                 if not any(f"({name} " in line for name in others)]
        assert lines == shown, command


# ------------------------------------------------------------------ sh
# Shell recipes (the fuzzer's long runs, the sanitizer build) take minutes to hours and
# rebuild the package, so the suite cannot run them; what it checks is what goes stale:
# the script parses, every file it names exists and every CYNN_* switch it sets is read
# somewhere in the code.
@blocks_of("sh")
def test_shell_recipe_parses_and_names_real_files_and_switches(block):
    check = subprocess.run(["bash", "-n"], input=block.text, text=True,
                           capture_output=True)
    assert check.returncode == 0, check.stderr
    for path in re.findall(r"(?:^|\s)((?:tests|cynn|pyx|benchmarks)/[\w./]*)", block.text):
        assert (ROOT / path).exists(), f"{block.id}: {path} does not exist"
    sources = "".join(p.read_text(encoding="utf-8", errors="replace")
                      for pattern in ("setup.py", "cynn/**/*.py", "tests/**/*.py", ".ci/run")
                      for p in ROOT.glob(pattern))
    for switch in set(re.findall(r"\b(CYNN_[A-Z_]+)=", block.text)):
        assert f"{switch}" in sources.replace(block.text, ""), \
            f"{block.id}: {switch} is read nowhere"
