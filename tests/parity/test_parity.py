"""Parity at the edges (issue 20, section 6): every op of the table, on every sample its
family generates, agrees with torch 2.13 unless ``known_differences`` lists that
(op, case); and every listed difference still differs, so a fix forces its entry out."""
import collections
import re

import pytest

from known_differences import KNOWN_DIFFERENCES
from parity_engine import difference
from parity_table import TABLE

OPS = {info.name: info for info in TABLE}


def test_table_names_are_unique():
    counts = collections.Counter(info.name for info in TABLE)
    assert [name for name, n in counts.items() if n > 1] == []


def test_case_names_are_unique_within_each_op():
    repeated = []
    for info in TABLE:
        counts = collections.Counter(sample.case for sample in info.samples())
        repeated += [(info.name, case) for case, n in counts.items() if n > 1]
    assert repeated == []


def test_every_known_difference_names_a_sample_of_the_table():
    cases = {(info.name, sample.case) for info in TABLE for sample in info.samples()}
    assert sorted(set(KNOWN_DIFFERENCES) - cases) == []


def test_every_known_difference_is_classified():
    pattern = re.compile(r"^(bug|missing|deliberate): \S.*")
    assert [key for key, reason in KNOWN_DIFFERENCES.items()
            if not pattern.match(reason) or "\n" in reason] == []


@pytest.mark.parametrize("name", list(OPS))
def test_op_matches_torch(name):
    info = OPS[name]
    unexpected, fixed = [], []
    for sample in info.samples():
        found = difference(info.op, sample, info.check_message)
        listed = (name, sample.case) in KNOWN_DIFFERENCES
        if found and not listed:
            unexpected.append(f"{sample.case}: {found}")
        elif listed and not found:
            fixed.append(sample.case)
    report = [f"differs from torch (not in known_differences): {line}" for line in unexpected]
    report += [f"now agrees with torch, remove ({name!r}, {case!r}) from known_differences"
               for case in fixed]
    assert not report, "\n".join(report)
