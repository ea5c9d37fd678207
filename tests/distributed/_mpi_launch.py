"""Start a worker script under ``mpiexec -n N python -m mpi4py`` with a hard timeout, so
that a hang fails the test instead of stalling CI (OMP_NUM_THREADS=1: the ranks share
the machine's cores)."""
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

WORKERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "workers")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Finished:
    """What a job left behind: exit status, output, wall time."""

    def __init__(self, returncode, stdout, stderr, seconds):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr
        self.seconds = seconds

    def describe(self):
        return (f"exit status {self.returncode} after {self.seconds:.1f} s\n--- stdout\n"
                f"{self.stdout}\n--- stderr\n{self.stderr}")


def mpiexec():
    """The mpiexec of the ``[mpi]`` extra (next to this Python), else the system's; skips
    the test when mpi4py or mpiexec is missing (CI installs the extra)."""
    pytest.importorskip("mpi4py")
    found = (shutil.which("mpiexec", path=os.path.dirname(sys.executable))
             or shutil.which("mpiexec"))
    if found is None:
        pytest.skip("mpiexec not found (pip install \"cynn-nn[mpi]\")")
    return found


def run_workers(script, *args, n=2, timeout=120):
    """Run ``workers/<script>`` on ``n`` ranks; kill the whole job after ``timeout``
    seconds and fail."""
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [REPO, os.environ.get("PYTHONPATH")])))
    command = [mpiexec(), "-n", str(n), sys.executable, "-m", "mpi4py",
               os.path.join(WORKERS, script), *map(str, args)]
    start = time.monotonic()
    # a session of its own: on timeout the launcher and every rank are killed together
    job = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=env, start_new_session=True)
    try:
        stdout, stderr = job.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(job.pid, signal.SIGKILL)
        stdout, stderr = job.communicate()
        pytest.fail(f"{script} on {n} ranks did not finish within {timeout} s:\n"
                    f"{Finished(None, stdout, stderr, timeout).describe()}")
    return Finished(job.returncode, stdout, stderr, time.monotonic() - start)


def case_results(finished):
    """``{(rank, case): "ok" | failure text}`` from the worker lines
    ``CASE <rank> <case> <result>``."""
    results = {}
    for line in finished.stdout.splitlines():
        if line.startswith("CASE "):
            _, rank, case, result = line.split(" ", 3)
            results[int(rank), case] = result
    return results
