"""``spawn`` / ``start_processes``: run ``fn(rank, *args)`` in ``nprocs`` processes and
turn the first failure into an exception in the parent, as torch.multiprocessing does."""
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import sys
import tempfile
import warnings

__all__ = ["spawn", "start_processes", "ProcessContext", "ProcessException",
           "ProcessRaisedException", "ProcessExitedException"]

log = logging.getLogger(__name__)


class ProcessException(Exception):
    """A child process of ``spawn`` failed: ``error_index`` is its rank, ``error_pid``
    its process id."""

    __slots__ = ["error_index", "error_pid"]

    def __init__(self, msg, error_index, error_pid):
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.error_pid = error_pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid)


class ProcessRaisedException(ProcessException):
    """A child raised an exception; the message carries its traceback."""


class ProcessExitedException(ProcessException):
    """A child ended by a signal or with a non-zero exit code and no Python exception."""

    __slots__ = ["exit_code"]

    def __init__(self, msg, error_index, error_pid, exit_code, signal_name=None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self):
        return (type(self),
                (self.msg, self.error_index, self.error_pid, self.exit_code, self.signal_name))


def _set_parent_death_signal(sig):
    # Linux only: a child whose parent dies unexpectedly gets ``sig`` instead of
    # running on as an orphan
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(sig))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _wrap(fn, i, args, error_file):
    _set_parent_death_signal(signal.SIGINT)
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass  # the parent interrupted us while ending the others
    except Exception:
        import traceback
        # a file, not a queue: a one-shot message that cannot deadlock on exit
        with open(error_file, "wb") as fh:
            pickle.dump(traceback.format_exc(), fh)
        sys.exit(1)


class ProcessContext:
    """The processes started by ``start_processes(..., join=False)``.

    Attributes:
        processes: the ``multiprocessing.Process`` objects, by rank.
        error_files: where each child writes its traceback if it raises.
        sentinels: ``{sentinel: rank}`` of the processes not joined yet.
    """

    def __init__(self, processes, error_files):
        self.error_files = error_files
        self.processes = processes
        self.sentinels = {process.sentinel: index for index, process in enumerate(processes)}

    def pids(self):
        """The process ids of the children, by rank."""
        return [int(process.pid) for process in self.processes]

    def _join_procs_with_timeout(self, timeout):
        import time
        end = time.monotonic() + timeout
        for process in self.processes:
            process.join(max(end - time.monotonic(), 0))

    def join(self, timeout=None, grace_period=None):
        """Wait (up to ``timeout`` seconds) for a child to end.

        Returns True once every child ended successfully, False while some still run.
        When one fails, the others are terminated (SIGTERM, then SIGKILL if they are
        still running after ``grace_period`` seconds, 30 by default) and
        ``ProcessRaisedException`` (it raised; the message has its traceback) or
        ``ProcessExitedException`` (a signal or an exit code) is raised.
        """
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(self.sentinels.keys(), timeout=timeout)
        error_index = None
        for sentinel in ready:
            index = self.sentinels.pop(sentinel)
            process = self.processes[index]
            process.join()
            if process.exitcode != 0:
                error_index = index
                break
        if error_index is None:
            return len(self.sentinels) == 0

        if grace_period is not None:
            self._join_procs_with_timeout(grace_period)
        for process in self.processes:
            if process.is_alive():
                log.warning("Terminating process %s via signal SIGTERM", process.pid)
                process.terminate()
        self._join_procs_with_timeout(30 if grace_period is None else grace_period)
        for process in self.processes:
            if process.is_alive():
                log.warning("Unable to shutdown process %s via SIGTERM , forcefully exiting "
                            "via SIGKILL", process.pid)
                process.kill()
            process.join()

        failed = self.processes[error_index]
        if not os.access(self.error_files[error_index], os.R_OK):
            exitcode = failed.exitcode
            if exitcode < 0:
                try:
                    name = signal.Signals(-exitcode).name
                except ValueError:
                    name = f"<Unknown signal {-exitcode}>"
                raise ProcessExitedException(
                    f"process {error_index:d} terminated with signal {name}",
                    error_index=error_index, error_pid=failed.pid, exit_code=exitcode,
                    signal_name=name)
            raise ProcessExitedException(
                f"process {error_index:d} terminated with exit code {exitcode:d}",
                error_index=error_index, error_pid=failed.pid, exit_code=exitcode)

        with open(self.error_files[error_index], "rb") as fh:
            original_trace = pickle.load(fh)
        os.unlink(self.error_files[error_index])
        msg = f"\n\n-- Process {error_index:d} terminated with the following error:\n"
        msg += original_trace
        raise ProcessRaisedException(msg, error_index, failed.pid)


class SpawnContext(ProcessContext):
    """Deprecated name of ``ProcessContext``."""

    def __init__(self, processes, error_files):
        warnings.warn("SpawnContext is renamed to ProcessContext since 1.4 release.",
                      stacklevel=2)
        super().__init__(processes, error_files)


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Start ``nprocs`` processes running ``fn(i, *args)`` (``i`` = rank) with the given
    ``start_method`` ("spawn", "fork" or "forkserver").

    Returns None after every process ended when ``join`` is True (raising as
    ``ProcessContext.join`` does if one failed), else the ``ProcessContext``.
    """
    mp = multiprocessing.get_context(start_method)
    error_files = []
    processes = []
    for i in range(nprocs):
        # a path that does not exist yet: the child creates it only if it raises
        tf = tempfile.NamedTemporaryFile(prefix="cynn-errorfile-", suffix=".pickle",
                                         delete=False)
        tf.close()
        os.unlink(tf.name)
        process = mp.Process(target=_wrap, args=(fn, i, args, tf.name), daemon=daemon)
        process.start()
        error_files.append(tf.name)
        processes.append(process)
    context = ProcessContext(processes, error_files)
    if not join:
        return context
    while not context.join():
        pass


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Spawn ``nprocs`` processes running ``fn(i, *args)``, ``i`` being the rank.

    If one process raises, the others are terminated and the parent raises
    ``ProcessRaisedException`` whose message holds the child's rank and traceback;
    a child killed by a signal or exiting non-zero gives ``ProcessExitedException``.

    Args:
        fn: a picklable (module-level) function, called as ``fn(i, *args)``.
        args (tuple): the arguments after the rank.
        nprocs (int): how many processes.
        join (bool): wait for all of them (True) or return a ``ProcessContext``.
        daemon (bool): start daemonic processes.
        start_method (str): must be "spawn" (others warn; use ``start_processes``).

    Returns:
        None if ``join`` is True, else a ``ProcessContext``.

    Example::

        >>> import cynn.multiprocessing as mp
        >>> def work(rank, t):
        ...     t[rank] = rank + 1
        >>> t = cynn.zeros(2).share_memory_()      # doctest: +SKIP
        >>> mp.spawn(work, args=(t,), nprocs=2)    # doctest: +SKIP
        >>> t                                      # doctest: +SKIP
        tensor([1., 2.])
    """
    if start_method != "spawn":
        msg = (f"This method only supports start_method=spawn (got: {start_method}).\n"
               "To use a different start_method use:\n\t\t"
               " torch.multiprocessing.start_processes(...)")
        warnings.warn(msg, FutureWarning, stacklevel=2)
    return start_processes(fn, args, nprocs, join, daemon, start_method="spawn")
