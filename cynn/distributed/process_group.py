"""The default process group: one MPI communicator over every process of the job.

Launched by ``mpiexec -n N python -m mpi4py script.py``, each process learns its rank
and the world size from MPI itself; nothing (address, port, store) has to be passed.
"""
import warnings

from . import _mpi

__all__ = ["ProcessGroup", "group", "init_process_group", "destroy_process_group",
           "is_initialized", "get_rank", "get_world_size", "get_backend"]

_NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to "
                    "call init_process_group.")


class ProcessGroup:
    """The ranks a collective runs over, on its own MPI communicator (a duplicate of
    ``COMM_WORLD``, so cynn's messages never match a user's own mpi4py traffic)."""

    def __init__(self, comm):
        self.comm = comm

    def rank(self):
        return self.comm.Get_rank()

    def size(self):
        return self.comm.Get_size()

    def name(self):
        return "mpi"

    def __repr__(self):
        return f"ProcessGroup(backend='mpi', rank={self.rank()}, size={self.size()})"


class _GroupNamespace:
    """``group.WORLD``: the default process group (None before ``init_process_group``)."""

    WORLD = None


group = _GroupNamespace  # torch.distributed.group; the functions' ``group`` argument shadows it


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join the default process group of the MPI job this process was started in.

    Args:
        backend (str, optional): ``"mpi"`` (the only backend; also the default).
        init_method, timeout, store, group_name, pg_options, device_id: accepted for
            torch compatibility; MPI's launcher already connected the processes.
        world_size (int): -1, or the size MPI reports (a different value is ignored
            with a warning, as torch does for its MPI backend).
        rank (int): -1, or the rank MPI reports (same).

    Raises:
        ValueError: an unknown backend, or a second call without
            ``destroy_process_group`` in between.
        ModuleNotFoundError: mpi4py is not installed (``pip install "cynn-nn[mpi]"``).

    Example (run as ``mpiexec -n 2 python -m mpi4py train.py``)::

        >>> import cynn.distributed as dist
        >>> dist.init_process_group("mpi")
        >>> dist.get_rank(), dist.get_world_size()
        (0, 2)
    """
    if backend is not None and str(backend).lower() != "mpi":
        raise ValueError(f"cynn.distributed supports only the 'mpi' backend, got "
                         f"backend={backend!r}")
    if _GroupNamespace.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice!")
    mpi = _mpi.MPI()
    comm = mpi.COMM_WORLD.Dup()
    for name, given, actual in (("world_size", world_size, comm.Get_size()),
                                ("rank", rank, comm.Get_rank())):
        if given not in (-1, None) and given != actual:
            warnings.warn(f"For the MPI backend, {name}={given} is ignored: the MPI runtime "
                          f"assigned {name} {actual}.", stacklevel=2)
    _GroupNamespace.WORLD = ProcessGroup(comm)


def destroy_process_group(group=None):  # noqa: A002 -- torch's argument name
    """Leave the default process group (``init_process_group`` may then be called again).

    Raises:
        AssertionError: no process group was initialized (as torch).
    """
    world = _resolve(group, AssertionError("Process group cannot be None"))
    world.comm.Free()
    _GroupNamespace.WORLD = None


def is_initialized():
    """Whether ``init_process_group`` has been called (and not undone)."""
    return _GroupNamespace.WORLD is not None


def get_rank(group=None):  # noqa: A002
    """This process's rank in ``group`` (default: the world), ``0 .. world_size - 1``.

    Raises:
        ValueError: the default process group has not been initialized.
    """
    return _resolve(group).rank()


def get_world_size(group=None):  # noqa: A002
    """The number of processes in ``group`` (default: the world).

    Raises:
        ValueError: the default process group has not been initialized.
    """
    return _resolve(group).size()


def get_backend(group=None):  # noqa: A002
    """``"mpi"``, the backend of ``group``."""
    return _resolve(group).name()


def _resolve(pg, error=None):
    """``pg``, or the default group when None; ``error`` (a ValueError by default)
    when there is none."""
    if pg is None:
        pg = _GroupNamespace.WORLD
        if pg is None:
            raise error if error is not None else ValueError(_NOT_INITIALIZED)
    if not isinstance(pg, ProcessGroup):
        raise TypeError(f"group must be a cynn.distributed ProcessGroup, not "
                        f"{type(pg).__name__}")
    return pg
