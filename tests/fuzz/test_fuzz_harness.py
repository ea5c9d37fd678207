"""The harness itself: a crash, an abort or a hang in a worker fails only that case,
with the signal, the worker's stderr and a reproducer line, and the pool carries on;
mismatches are reported; the comparison's tolerances and special values."""
import shlex
import subprocess
import sys

import numpy as np
import pytest

from fuzz_pool import REPO, CaseFailed, WorkerPool

SMALL = dict(op="linear", seed=1, dtype="float64", max_output=12,
             tensors={"x": {"shape": [2, 3], "layout": "strided", "values": "normal"},
                      "weight": {"shape": [4, 3], "layout": "permuted", "values": "normal"},
                      "bias": {"shape": [4], "layout": "expanded", "values": "normal",
                               "expand": [0]}})


@pytest.mark.parametrize("op, signal", [("_selftest_segfault", "SIGSEGV"),
                                        ("_selftest_abort", "SIGABRT")])
def test_crash_fails_the_case_and_the_pool_recovers(fuzz_pool, op, signal):
    with pytest.raises(CaseFailed) as failure:
        fuzz_pool.run({"op": op})
    message = str(failure.value)
    # under AddressSanitizer its handler reports the signal and exits with status 1
    assert f"worker killed by {signal}" in message or (
        "worker exited with status 1" in message and "AddressSanitizer" in message)
    assert "reproduce: python tests/fuzz/fuzz_worker.py" in message
    assert "Fatal Python error" in message   # faulthandler's stack, from the worker's stderr
    # the next cases run on the spare worker and on the one started in place of the dead one
    for _ in range(3):
        assert fuzz_pool.run(SMALL) == "torch returned"


def test_hang_fails_the_case_after_the_timeout():
    pool = WorkerPool(size=1, timeout=20)
    try:
        with pytest.raises(CaseFailed, match="worker hung"):
            pool.run({"op": "_selftest_hang"})
        assert pool.run(SMALL) == "torch returned"
    finally:
        pool.close()


def test_mismatch_is_reported_with_a_reproducer(fuzz_pool):
    with pytest.raises(CaseFailed) as failure:
        fuzz_pool.run({"op": "_selftest_mismatch"})
    message = str(failure.value)
    assert "1 of 3 elements differ, first at [2]" in message
    assert "reproduce: " in message


def test_reproducer_line_runs_the_case_in_process():
    from fuzz_pool import reproducer
    line = reproducer(SMALL)
    done = subprocess.run([sys.executable] + shlex.split(line)[1:], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "torch returned"


def _outcome(**arrays):
    from fuzz_cases import Outcome
    out = Outcome()
    out.arrays.update(arrays)
    return out


@pytest.mark.parametrize("got, want, same", [
    ([1.0, np.nan, np.inf], [1.0, np.nan, np.inf], True),
    ([1.0 + 5e-5, 0.0], [1.0, 0.0], True),          # within rtol 1e-4
    ([1.0 + 5e-4, 0.0], [1.0, 0.0], False),
    ([1.0, np.inf], [1.0, 3.0e38], False),
    ([1.0, np.nan], [1.0, np.inf], False),
    ([-np.inf], [np.inf], False),
])
def test_comparison_float32(got, want, same):
    from fuzz_cases import _compare
    problems = []
    _compare(_outcome(y=np.float32(got)), _outcome(y=np.float32(want)),
             {"tensors": {}}, problems, "test")
    assert (not problems) == same, problems


def test_comparison_scales_atol_for_huge_values():
    from fuzz_cases import _compare
    spec = {"tensors": {"x": {"values": "huge"}}}
    want = np.array([1e15, 1.0], np.float32)
    problems = []
    _compare(_outcome(y=want + np.float32([0.0, 5.0])), _outcome(y=want), spec, problems, "t")
    assert not problems
    _compare(_outcome(y=want + np.float32([0.0, 1e12])), _outcome(y=want), spec, problems, "t")
    assert problems


def test_exception_types_must_match():
    from fuzz_cases import Outcome, _compare
    torch_raised, cynn_raised = Outcome(), Outcome()
    torch_raised.error = ("forward", "RuntimeError", "bad stride")
    cynn_raised.error = ("forward", "OverflowError", "too large")
    problems = []
    _compare(cynn_raised, torch_raised, {"tensors": {}}, problems, "t")
    assert problems
    cynn_raised.error = ("forward", "RuntimeError", "another message")
    problems = []
    _compare(cynn_raised, torch_raised, {"tensors": {}}, problems, "t")
    assert not problems
