"""Thread count for cynn's OpenMP kernels, and what it becomes on a busy machine.

Every kernel takes ``n_threads`` as an argument; ops read it from ``kernel_threads()``
so that ``cynn.set_num_threads`` governs all of them. The configured count is
``OMP_NUM_THREADS`` when set, else the number of CPUs this process may run on.

Why kernels sometimes run on fewer threads than configured: libgomp's threads spin
at every barrier, and when another process holds a core each parallel region waits
for a preempted thread while the spinning one burns the share of CPU the scheduler
grants us. On a 2-core machine with one busy process per core a LeNet training step
at 2 threads took 2-9x its time at 1 thread (benchmarks/bench_busy.py). The wait
policy (``OMP_WAIT_POLICY``, ``GOMP_SPINCOUNT``) cannot be the fix: it is read once,
by the single libgomp that every OpenMP library in the process shares (torch's wheel
and cynn's extensions bind to whichever copy loads first), so setting it would change
torch's runtime too. cynn changes only its own team size instead: while the process
is being preempted, measured as involuntary context switches per CPU-second of the
whole process, its kernels run on one thread. Kernels are thread-count independent
(same bits at any count), so switching never changes a result.

An explicit choice turns adaptation off: ``set_num_threads()``, or ``OMP_NUM_THREADS``,
``OMP_WAIT_POLICY`` or ``GOMP_SPINCOUNT`` in the environment.
"""
import os
import time

from ._kernels import parallel as _parallel

try:
    import resource as _resource
except ImportError:  # Windows: no rusage, no adaptation
    _resource = None

__all__ = ["set_num_threads", "get_num_threads", "kernel_threads", "openmp_compiled", "usable_cpus"]

# Variables through which a user has already decided how OpenMP should behave.
_USER_SETTINGS = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT")

# Involuntary context switches per CPU-second of the process. Measured on 2 vCPUs
# (benchmarks/README.md, "Busy machine"): 2-25 on a quiet machine at 1 or 2 threads,
# 140-250 with one or two competing busy processes at 1 or 2 threads. 70 sits between
# with a margin of about 3x either side.
CONTENDED_SWITCH_RATE = 70.0
# A decision needs this much process CPU time in its window: fewer seconds make the
# switch count (a few per window) too noisy to compare.
_MIN_WINDOW_CPU = 0.02
# How often the counters are read at most (getrusage is a system call).
_SAMPLE_INTERVAL = 0.05
# After contention is seen, one thread for at least this long before the full count
# is tried again; the hold doubles each time the trial meets contention at once.
_MIN_HOLD = 1.0
_MAX_HOLD = 16.0


def usable_cpus() -> frozenset:
    """The CPUs this process may run on (its affinity mask as the process started).

    Not simply ``os.sched_getaffinity(0)``: with ``OMP_PROC_BIND``/``OMP_PLACES`` set,
    libgomp pins the calling thread to the first OpenMP place as soon as it loads
    (cynn's kernels or torch's), and the mask then names one CPU. The places are built
    from the mask the process started with (a ``taskset`` restriction included).
    """
    try:
        own = frozenset(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return frozenset(range(os.cpu_count() or 1))
    return own | _parallel.openmp_place_cpus()


def _default_threads() -> int:
    env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, len(usable_cpus()))


def _process_usage():
    """(CPU seconds, involuntary context switches) of the whole process so far."""
    usage = _resource.getrusage(_resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_nivcsw


class ContentionMonitor:
    """Decides, from the process's own counters, whether kernels should run on one
    thread because other processes hold the CPUs.

    ``usage()`` returns (CPU seconds, involuntary switches) and ``clock()`` seconds;
    both are parameters so that tests can drive the monitor through any history.
    """

    def __init__(self, usage=_process_usage, clock=time.monotonic):
        self._usage, self._clock = usage, clock
        self.contended = False
        self._next_sample = 0.0
        self._window_start = None   # (cpu, switches) where the current window began
        self._hold = _MIN_HOLD
        self._hold_until = 0.0

    def threads(self, configured: int) -> int:
        now = self._clock()
        if now >= self._next_sample:
            self._next_sample = now + _SAMPLE_INTERVAL
            self._sample(now)
        return 1 if self.contended else configured

    def _sample(self, now):
        cpu, switches = self._usage()
        if self._window_start is None:
            self._window_start = (cpu, switches)
            return
        cpu0, switches0 = self._window_start
        if cpu - cpu0 < _MIN_WINDOW_CPU:
            return  # idle or barely running: keep accumulating this window
        self._window_start = (cpu, switches)
        busy = (switches - switches0) / (cpu - cpu0) > CONTENDED_SWITCH_RATE
        if not self.contended:
            if busy:
                self.contended = True
                self._hold_until = now + self._hold
            else:
                self._hold = _MIN_HOLD  # a clean window at full count: start afresh
        elif not busy and now >= self._hold_until:
            # One thread runs unhindered; try the full count again, and wait longer
            # next time if that trial is contended straight away.
            self.contended = False
            self._hold = min(2 * self._hold, _MAX_HOLD)


def _user_decided() -> bool:
    return any(os.environ.get(name, "").strip() for name in _USER_SETTINGS)


_num_threads = _default_threads()
_adaptive = _resource is not None and not _user_decided()
_monitor = ContentionMonitor() if _resource is not None else None


def set_num_threads(n: int) -> None:
    """Set the number of OpenMP threads every cynn kernel uses (``n >= 1``).

    An explicit count is kept even when other processes compete for the CPUs.
    """
    global _num_threads, _adaptive
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads(): argument 'n' must be int, not {type(n).__name__}")
    if n < 1:
        raise ValueError(f"set_num_threads(): number of threads must be positive, got {n}")
    _num_threads = n
    _adaptive = False


def get_num_threads() -> int:
    """The number of threads cynn kernels are configured to run with."""
    return _num_threads


def kernel_threads() -> int:
    """``n_threads`` for the next kernel call: the configured count, or 1 while
    other processes hold the CPUs (see the module docstring)."""
    if not _adaptive or _num_threads == 1:
        return _num_threads
    return _monitor.threads(_num_threads)


def openmp_compiled() -> bool:
    """Whether the kernels were compiled with OpenMP."""
    return _parallel.openmp_compiled()
