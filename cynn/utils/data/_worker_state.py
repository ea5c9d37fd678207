"""What a DataLoader worker knows about itself (``get_worker_info``) and the messages
both sides of the worker protocol share (an exception to re-raise, the end of an
iterable dataset), below the transports that carry them (``_worker``, ``_ring``)."""
import dataclasses
import sys
import traceback

__all__ = ["WorkerInfo", "get_worker_info", "ExceptionWrapper"]


@dataclasses.dataclass(frozen=True, slots=True)
class WorkerInfo:
    """Information about the DataLoader worker process this code runs in.

    Attributes:
        id (int): this worker's id, ``0 <= id < num_workers``.
        num_workers (int): how many workers the iterator started.
        seed (int): the seed this worker gave ``random`` and cynn's generator
            (``base_seed + id``, ``base_seed`` drawn once per iterator in the main process).
        dataset: this process's copy of the dataset.
        rng: always None (torch fills it for thread workers only).
        worker_method (str): ``"multiprocessing"``.
    """

    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str = "multiprocessing"


_worker_info = None


def get_worker_info():
    """The ``WorkerInfo`` of the DataLoader worker process calling it; None in the main process.

    Use it in an ``IterableDataset.__iter__`` to give each worker its share of the
    stream, or in ``worker_init_fn`` to configure ``dataset`` per worker.

    Example::

        >>> class Range(IterableDataset):
        ...     def __iter__(self):
        ...         info = get_worker_info()
        ...         if info is None:
        ...             return iter(range(10))
        ...         return iter(range(info.id, 10, info.num_workers))
        >>> sorted(b.item() for b in DataLoader(Range(), num_workers=2))
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    return _worker_info


@dataclasses.dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """Sent when a worker's copy of an IterableDataset is exhausted."""

    worker_id: int


class KeyErrorMessage(str):
    """str whose repr is itself: ``KeyError`` reprs its argument, which would print the
    traceback on a single line with ``\\n`` escapes."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception and its formatted traceback, to re-raise in another process.

    Args:
        exc_info (tuple, optional): ``sys.exc_info()`` of the exception (default: the one
            being handled).
        where (str): where it was caught, for the message.
    """

    def __init__(self, exc_info=None, where="in background"):
        # the traceback is formatted now and not kept: it references every frame
        exc_info = sys.exc_info() if exc_info is None else exc_info
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise the wrapped exception type with the original traceback in its message.

        The type is kept when it can be built from one message argument; otherwise a
        RuntimeError carries the message.
        """
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        try:
            raise exception
        finally:
            # the exception's traceback holds this frame: drop the local to break the cycle
            del exception
