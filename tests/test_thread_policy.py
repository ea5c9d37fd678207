"""cynn's kernels drop to one thread while other processes hold the CPUs, and keep an
explicit thread count (cynn/_threads.py; figures in benchmarks/README.md)."""
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cynn import _threads
from cynn._threads import CONTENDED_SWITCH_RATE, ContentionMonitor

ROOT = Path(__file__).resolve().parent.parent


class FakeProcess:
    """A process whose CPU time and involuntary switches the test advances."""

    def __init__(self):
        self.now = 0.0
        self.cpu = 0.0
        self.switches = 0

    def usage(self):
        return self.cpu, self.switches

    def clock(self):
        return self.now

    def run(self, seconds, cpu_share, switch_rate):
        """``seconds`` of wall time using ``cpu_share`` CPUs, preempted ``switch_rate``
        times per CPU-second."""
        cpu = seconds * cpu_share
        self.now += seconds
        self.cpu += cpu
        self.switches += round(cpu * switch_rate)


QUIET, BUSY = CONTENDED_SWITCH_RATE / 4, CONTENDED_SWITCH_RATE * 2


def drive(monitor, process, seconds, switch_rate, configured=2, step=0.01):
    """Call the monitor every ``step`` seconds, as kernels would; the threads it
    returns each step, in order."""
    seen = []
    for _ in range(round(seconds / step)):
        threads = monitor.threads(configured)
        seen.append(threads)
        process.run(step, threads, switch_rate)
    return seen


def new_monitor():
    process = FakeProcess()
    return ContentionMonitor(usage=process.usage, clock=process.clock), process


def test_quiet_machine_keeps_the_configured_count():
    monitor, process = new_monitor()
    assert set(drive(monitor, process, 5.0, QUIET, configured=4)) == {4}


def test_contention_drops_to_one_thread_within_a_few_windows():
    monitor, process = new_monitor()
    drive(monitor, process, 1.0, QUIET)
    seen = drive(monitor, process, 0.5, BUSY)
    assert seen[0] == 2 and seen[-1] == 1
    assert seen.index(1) * 0.01 <= 0.2, "took longer than four sampling windows"


def test_one_thread_stays_while_the_machine_stays_busy():
    monitor, process = new_monitor()
    drive(monitor, process, 0.5, BUSY)
    # far beyond every hold: preemption seen even at one thread means still busy
    assert set(drive(monitor, process, 60.0, BUSY)[50:]) == {1}


def test_full_count_returns_after_the_hold_once_one_thread_runs_unhindered():
    monitor, process = new_monitor()
    drive(monitor, process, 0.3, BUSY)
    assert monitor.contended
    seen = drive(monitor, process, 3.0, QUIET)
    first_full = seen.index(2) * 0.01
    assert 0.7 <= first_full <= 1.3, first_full  # the first hold is about a second
    assert set(seen[seen.index(2):]) == {2}


def test_the_hold_doubles_while_trials_meet_contention_and_is_capped():
    monitor, process = new_monitor()
    drive(monitor, process, 0.3, BUSY)
    holds = []
    for _ in range(7):
        # partly busy: one thread is not preempted, two threads are
        ones = 0
        while monitor.threads(2) == 1:
            ones += 1
            process.run(0.01, 1, QUIET)
        holds.append(ones * 0.01)
        while monitor.threads(2) == 2:
            process.run(0.01, 2, BUSY)
    assert holds[1] > 1.6 * holds[0] and holds[2] > 1.6 * holds[1], holds
    assert max(holds) <= _threads._MAX_HOLD + 0.2
    assert holds[-1] >= _threads._MAX_HOLD - 0.2, holds


def test_a_clean_window_at_full_count_forgets_past_contention():
    monitor, process = new_monitor()
    for _ in range(3):  # grow the hold
        drive(monitor, process, 0.3, BUSY)
        while monitor.threads(2) == 1:
            process.run(0.01, 1, QUIET)
    drive(monitor, process, 1.0, QUIET)  # a long quiet spell at full count
    drive(monitor, process, 0.3, BUSY)
    seen = drive(monitor, process, 3.0, QUIET)
    assert seen.index(2) * 0.01 <= 1.3


def test_an_idle_process_decides_nothing():
    monitor, process = new_monitor()
    drive(monitor, process, 0.3, BUSY)
    assert monitor.contended
    # sleeping: wall time passes, almost no CPU; a handful of switches are noise
    for _ in range(500):
        monitor.threads(2)
        process.now += 0.01
        process.cpu += 0.00001
    assert monitor.contended
    process.switches += 1000  # preemptions while using no CPU never count as a verdict
    assert monitor.threads(2) == 1


def run_python(code, **env):
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    environment.update(env)
    environment["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=environment,
                          capture_output=True, text=True, timeout=120, check=True).stdout


@pytest.mark.skipif(_threads._resource is None, reason="no getrusage on this platform")
@pytest.mark.parametrize("env, adaptive", [
    ({}, True),
    ({"OMP_NUM_THREADS": "2"}, False),
    ({"OMP_WAIT_POLICY": "passive"}, False),
    ({"GOMP_SPINCOUNT": "1000"}, False),
])
def test_an_explicit_environment_turns_adaptation_off(env, adaptive):
    out = run_python("""
        from cynn import _threads
        print(_threads._adaptive)
    """, **env)
    assert out.strip() == str(adaptive)


def test_set_num_threads_is_kept_even_when_contended(monkeypatch):
    monkeypatch.setattr(_threads, "_adaptive", True)
    monkeypatch.setattr(_threads, "_num_threads", 2)
    monitor, process = new_monitor()
    monkeypatch.setattr(_threads, "_monitor", monitor)
    drive(monitor, process, 0.3, BUSY)
    assert _threads.kernel_threads() == 1
    _threads.set_num_threads(2)
    try:
        assert _threads.kernel_threads() == 2
        assert _threads.get_num_threads() == 2
    finally:
        monkeypatch.undo()


def test_every_kernel_call_takes_its_count_from_kernel_threads():
    """get_num_threads() is the user's setting; a kernel call reading it would ignore
    contention."""
    offenders = []
    for path in (ROOT / "cynn").rglob("*.py"):
        if path.name in ("_threads.py", "demo.py", "__main__.py", "__init__.py", "_worker.py"):
            continue
        text = path.read_text()
        # the Function docstring's example shows plugin authors the public name
        code = re.sub(r'"""(.|\n)*?"""', "", text)
        if re.search(r"\bget_num_threads\(\)", code):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.skipif(_threads._resource is None, reason="no getrusage on this platform")
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
def test_real_competitors_move_kernels_to_one_thread():
    """One busy process per CPU, as on a shared server: within seconds of kernel work
    cynn's kernels run on one thread."""
    out = run_python("""
        import os, subprocess, sys, time
        import numpy as np
        import cynn
        from cynn import _threads
        import cynn.nn.functional as F
        x = cynn.from_numpy(np.random.default_rng(0).standard_normal((8, 8, 32, 32)).astype(np.float32))
        w = cynn.from_numpy(np.random.default_rng(1).standard_normal((8, 8, 3, 3)).astype(np.float32))
        competitors = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                       for _ in os.sched_getaffinity(0)]
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and _threads.kernel_threads() != 1:
                F.conv2d(x, w, padding=1)
        finally:
            for p in competitors:
                p.kill()
        print(_threads.get_num_threads(), _threads.kernel_threads())
    """)
    configured, used = map(int, out.split())
    assert configured >= 2 and used == 1


BINDINGS = [{"OMP_PROC_BIND": "close", "OMP_PLACES": "cores"}, {"OMP_PROC_BIND": "true"},
            {"OMP_PLACES": "threads"}]


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no affinity masks here")
@pytest.mark.parametrize("binding", BINDINGS, ids=lambda b: ",".join(f"{k}={v}" for k, v in b.items()))
@pytest.mark.parametrize("torch_first", [False, True], ids=["cynn_first", "torch_first"])
def test_openmp_binding_keeps_every_cpu_usable(binding, torch_first):
    """libgomp pins the main thread to one place as it loads; the default thread count
    and usable_cpus() still see every CPU the process started with, as torch's count does."""
    pytest.importorskip("torch")
    out = run_python(f"""
        import os
        before = len(os.sched_getaffinity(0))
        {"import torch" if torch_first else ""}
        import cynn
        from cynn import _threads
        print(before, len(_threads.usable_cpus()), cynn.get_num_threads())
    """, **binding)
    before, usable, threads = map(int, out.split())
    assert usable == before and threads == before


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs two CPUs and affinity masks")
def test_a_taskset_restriction_still_bounds_usable_cpus():
    cpu = min(os.sched_getaffinity(0))
    out = subprocess.run(
        [sys.executable, "-c", "import os; os.sched_setaffinity(0, {%d}); "
         "import cynn; from cynn import _threads; "
         "print(sorted(_threads.usable_cpus()), cynn.get_num_threads())" % cpu],
        env={**os.environ, "OMP_PROC_BIND": "close", "OMP_PLACES": "cores",
             "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split("]")[0] + "]" == f"[{cpu}]"
    assert out.stdout.split()[-1] == "1"
