"""The user's allow list: classes and functions a weights-only load may build or call.

By default ``cynn.load`` builds only tensors, containers and the few types of
torch's own weights-only table. A checkpoint of a whole module names the module's
class; it loads only once that class is allowed here -- exactly what you would
tell ``torch.serialization``, so the same lines work with either library.
"""
__all__ = ["add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
           "allowed_by_name"]

_allowed = []


def _name_of(entry):
    if isinstance(entry, tuple):
        return entry[1]
    return f"{entry.__module__}.{entry.__qualname__}"


def _check(entries):
    if not isinstance(entries, list):
        raise TypeError(f"safe_globals must be a list, not {type(entries).__name__}")
    for entry in entries:
        if isinstance(entry, tuple):
            if len(entry) != 2 or not isinstance(entry[1], str):
                raise TypeError("a safe global given as a tuple must be (object, 'module.name'), "
                                f"got {entry!r}")
        elif not (hasattr(entry, "__module__") and hasattr(entry, "__qualname__")):
            raise TypeError(f"a safe global must be a class or function, got {entry!r}")


def add_safe_globals(safe_globals):
    """Allow ``cynn.load(..., weights_only=True)`` to build these classes and call these functions.

    Args:
        safe_globals (list): classes or functions, found in a checkpoint under
            ``f"{obj.__module__}.{obj.__qualname__}"``; or ``(obj, "module.name")``
            tuples for an object saved under another name.

    Only allow what you trust: loading calls the class's ``__new__`` and
    ``__setstate__`` (or updates its ``__dict__``) with what the file holds.

    Example::

        >>> import cynn, io
        >>> buffer = io.BytesIO()
        >>> cynn.save(cynn.nn.Linear(2, 3), buffer)
        >>> _ = buffer.seek(0)
        >>> cynn.serialization.add_safe_globals([cynn.nn.Linear])
        >>> cynn.load(buffer)
        Linear(in_features=2, out_features=3, bias=True)
        >>> cynn.serialization.clear_safe_globals()
    """
    _check(safe_globals)
    _allowed.extend(safe_globals)


def get_safe_globals():
    """The allow list: what :func:`add_safe_globals` added, in order (a copy)."""
    return list(_allowed)


def clear_safe_globals():
    """Empty the allow list."""
    _allowed.clear()


class safe_globals:  # noqa: N801 -- torch.serialization.safe_globals is a lowercase class
    """Allow these globals inside a ``with`` block only (see :func:`add_safe_globals`).

    Args:
        safe_globals (list): as for :func:`add_safe_globals`.

    Example::

        >>> import cynn, io
        >>> buffer = io.BytesIO()
        >>> cynn.save(cynn.nn.ReLU(), buffer)
        >>> _ = buffer.seek(0)
        >>> with cynn.serialization.safe_globals([cynn.nn.ReLU]):
        ...     cynn.load(buffer)
        ReLU()
    """

    def __init__(self, safe_globals):
        _check(safe_globals)
        self.safe_globals = safe_globals

    def __enter__(self):
        self._previous = list(_allowed)
        _allowed.extend(self.safe_globals)

    def __exit__(self, *exc_info):
        _allowed[:] = self._previous


def allowed_by_name():
    """``"module.qualname" -> object`` for every allowed global."""
    return {_name_of(entry): entry[0] if isinstance(entry, tuple) else entry
            for entry in _allowed}
