"""Whether ops record the graph: ``no_grad``, ``enable_grad``, ``set_grad_enabled``."""
import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]

# One flag for the process: cynn's ops run on the calling thread only.
_enabled = True


def is_grad_enabled() -> bool:
    """True when new ops record the graph for backward."""
    return _enabled


def _set(mode: bool) -> None:
    global _enabled
    _enabled = bool(mode)


class _GradModeContext:
    _mode = True

    def __enter__(self):
        self._prev = _enabled
        _set(self._mode)
        return None

    def __exit__(self, *exc):
        _set(self._prev)
        return False

    def __call__(self, func):
        """Use as a decorator: run ``func`` in this mode."""
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):
    """Context manager and decorator that stops ops from recording the graph.

    Example::

        >>> x = cynn.ones(2, requires_grad=True)
        >>> with cynn.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """
    _mode = False


class enable_grad(_GradModeContext):
    """Context manager and decorator that turns graph recording back on."""
    _mode = True


class set_grad_enabled(_GradModeContext):
    """Sets graph recording to ``mode`` (immediately, and restores it on exit)."""

    def __init__(self, mode: bool):
        self._prev = _enabled
        self._mode = bool(mode)
        _set(self._mode)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _set(self._prev)
        return False
