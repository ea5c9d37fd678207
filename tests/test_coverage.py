"""python -m cynn coverage: its counts are what the namespaces hold, its exclusion list
has no stale entries, and docs/coverage.md shows its current table."""
import fnmatch
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

from cynn import _coverage  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def results():
    return _coverage.measure()


def test_every_namespace_is_measured(results):
    assert [c.torch_name for c in results] == [t for t, _, _ in _coverage.NAMESPACES]


def test_present_names_resolve_and_the_others_do_not(results):
    for c in results:
        namespace = _coverage._resolve(c.cynn_name)
        for name in c.present:
            assert namespace is not None and hasattr(namespace, name), (c.cynn_name, name)
        for name in c.missing + c.excluded:
            assert namespace is None or not hasattr(namespace, name), (c.cynn_name, name)
        for name in c.missing:
            assert not _coverage._excluded(c.torch_name, name)
        assert len(set(c.present + c.excluded + c.missing)) == c.total


def test_each_exclusion_matches_a_torch_name_and_gives_a_reason():
    names = []
    for torch_name, _, kind in _coverage.NAMESPACES:
        namespace = _coverage._resolve(torch_name)
        if namespace is not None:
            names += [f"{torch_name}:{n}" for n in _coverage._public_names(namespace, kind)]
    for pattern, reason in _coverage.EXCLUDED:
        assert reason.strip(), pattern
        assert any(fnmatch.fnmatchcase(n, pattern) for n in names), f"stale: {pattern}"


def test_known_names_are_classified_as_they_are():
    by_name = {c.torch_name: c for c in _coverage.measure()}
    assert "Conv2d" in by_name["torch.nn"].present
    assert "conv2d" in by_name["torch.nn.functional"].present
    assert "bfloat16" in by_name["torch"].excluded
    assert "SGD" in by_name["torch.optim"].present


def test_the_documented_table_is_current(results):
    text = (ROOT / "docs" / "coverage.md").read_text()
    match = re.search(r"<!-- coverage-table -->\n(.*?)\n<!-- /coverage-table -->", text, re.S)
    assert match, "docs/coverage.md lost its table markers"
    assert match.group(1) == _coverage.markdown_table(results), (
        "docs/coverage.md is out of date: regenerate it with python -m cynn coverage --markdown")


def test_the_command_prints_the_table_and_the_missing_names():
    out = subprocess.run([sys.executable, "-m", "cynn", "coverage"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, check=True).stdout
    assert "| `torch.nn.functional` |" in out
    assert "missing from cynn" in out
