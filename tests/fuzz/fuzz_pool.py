"""A small pool of long-lived worker processes (``fuzz_worker.py``) that run fuzz cases.

The test process sends a spec to a worker and waits for the reply. If the worker dies
(segfault, abort, a sanitizer report) or hangs past ``CYNN_FUZZ_TIMEOUT`` seconds, the
case fails with the signal, the tail of the worker's stderr (faulthandler's Python
stack, the sanitizer's report) and a reproducer line; a fresh worker replaces it.
Two workers by default, so that one is already warm (torch imported) when the other
is replaced after a crash.
"""
import json
import os
import pickle
import select
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque

from fuzz_worker import HEADER, write_frame

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
WORKER = os.path.join(HERE, "fuzz_worker.py")
TIMEOUT = float(os.environ.get("CYNN_FUZZ_TIMEOUT", "300"))
STARTUP_TIMEOUT = 600   # importing torch takes half a minute on a busy 2-core machine
STDERR_TAIL = 60


class CaseFailed(AssertionError):
    """A case crashed, hung, mismatched torch, or broke the harness."""


def reproducer(spec):
    path = os.path.relpath(WORKER, REPO)
    return f"python {path} {shlex.quote(json.dumps(spec))}"


def _tail(path, lines=STDERR_TAIL):
    try:
        with open(path, errors="replace") as f:
            text = f.read().splitlines()
    except OSError:
        return "(no stderr)"
    # the log lists every case the worker ran; only the last one matters
    text = [line for line in text if not line.startswith("case: ")] or ["(empty)"]
    return "\n".join(text[-lines:])


def _describe_exit(code):
    if code is None:
        return "hung"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with status {code}"


class Worker:
    def __init__(self):
        self.log = tempfile.NamedTemporaryFile(prefix="cynn-fuzz-", suffix=".log", delete=False)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen([sys.executable, WORKER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log, env=env, cwd=REPO)
        self.ready = False

    def run(self, spec, timeout):
        """The worker's reply, or None when it died or hung (then it is dead)."""
        try:
            if not self.ready:
                self.ready = self._reply(STARTUP_TIMEOUT)[0] == "ready"
            write_frame(self.proc.stdin, spec)
            return self._reply(timeout)
        except (BrokenPipeError, EOFError, TimeoutError):
            self.kill()
            return None

    def _reply(self, timeout):
        header = self._read(HEADER.size, timeout)
        return pickle.loads(self._read(HEADER.unpack(header)[0], timeout))

    def _read(self, n, timeout):
        fd, chunks, deadline = self.proc.stdout.fileno(), [], time.monotonic() + timeout
        while n:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, n)
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
        os.unlink(self.log.name)


class WorkerPool:
    def __init__(self, size=2, timeout=TIMEOUT):
        self.timeout = timeout
        self.workers = deque(Worker() for _ in range(size))
        self.crashes = 0

    def run(self, spec):
        """Run one case; return the worker's summary or raise ``CaseFailed``."""
        worker = self.workers.popleft()
        started = time.monotonic()
        reply = worker.run(spec, self.timeout)
        if reply is None:
            self.crashes += 1
            # worker.run kills a worker that outlives the timeout: that SIGKILL is ours
            hung = worker.proc.returncode == -signal.SIGKILL and \
                time.monotonic() - started >= self.timeout
            how = "hung" if hung else _describe_exit(worker.proc.returncode)
            stderr = _tail(worker.log.name)
            worker.log.close()
            os.unlink(worker.log.name)
            self.workers.append(Worker())
            raise CaseFailed(f"cynn crashed: worker {how} on {spec['op']}\n"
                             f"reproduce: {reproducer(spec)}\n"
                             f"worker stderr (tail):\n{stderr}")
        self.workers.append(worker)
        status, text = reply
        if status == "ok":
            return text
        kind = "mismatch" if status == "mismatch" else "harness error"
        raise CaseFailed(f"{kind} on {spec['op']}:\n{text}\nreproduce: {reproducer(spec)}")

    def close(self):
        while self.workers:
            self.workers.popleft().close()
