"""Whether ops record the graph: ``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``.

The mode is per thread, as in PyTorch: one thread evaluating a model under
``no_grad`` does not stop another from training. A new thread starts with grad
enabled and inference mode off, whatever the thread that started it had.
"""
import functools
import inspect
import threading
import warnings

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "inference_mode", "is_inference_mode_enabled"]


class _GradState(threading.local):
    # Class attributes are what a thread sees before it sets anything: the defaults
    # of every new thread.
    grad = True          # what is_grad_enabled() reports
    inference = False    # what is_inference_mode_enabled() reports
    # What ops read on their hot path (one attribute, not two): nothing is recorded
    # in inference mode, even under enable_grad, as in PyTorch.
    enabled = True

    def __init__(self):
        # (grad, inference) saved by each __enter__ of this thread, restored by its
        # __exit__: a context object shared between threads (or entered twice) keeps
        # no per-use state of its own.
        self.saved = []


_local = _GradState()


def is_grad_enabled() -> bool:
    """True when grad mode is on in the calling thread."""
    return _local.grad


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` in the calling thread."""
    return _local.inference


def _set(grad, inference):
    state = _local
    state.grad = grad
    state.inference = inference
    state.enabled = grad and not inference


def __getattr__(name):
    # ``grad_mode._enabled`` was a module global before the mode became per thread;
    # code outside this package may still read it.
    if name == "_enabled":
        return _local.enabled
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _wrap_generator(make_context, func):
    """Run each step of the generator ``func`` returns in the mode (and leave the
    caller's mode alone between steps), as PyTorch's decorators do."""

    @functools.wraps(func)
    def generator(*args, **kwargs):
        gen = func(*args, **kwargs)
        try:
            with make_context():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with make_context():
                        gen.close()
                    raise
                except BaseException as exc:
                    with make_context():
                        response = gen.throw(exc)
                else:
                    with make_context():
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value

    return generator


def _decorate(make_context, func):
    if inspect.isclass(func):
        warnings.warn("Decorating classes is deprecated and will be disabled in future "
                      "versions. You should only decorate functions or methods. To preserve "
                      "the current behavior of class decoration, you can directly decorate "
                      "the `__init__` method and nothing else.", FutureWarning, stacklevel=3)
        cls = func

        def func(*args, **kwargs):
            return cls(*args, **kwargs)
    if inspect.isgeneratorfunction(func):
        return _wrap_generator(make_context, func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with make_context():
            return func(*args, **kwargs)
    return wrapper


class _ModeContext:
    """Sets (grad, inference) from ``_target`` on enter and restores the thread's
    previous mode on exit; used bare as a decorator (``@no_grad``) or called on a
    function (``@no_grad()``)."""

    def __new__(cls, func=None):
        if func is None:
            return super().__new__(cls)
        return cls()(func)

    def _target(self):
        raise NotImplementedError

    def __enter__(self):
        state = _local
        state.saved.append((state.grad, state.inference))
        _set(*self._target())
        return None

    def __exit__(self, *exc):
        _set(*_local.saved.pop())
        return False

    def __call__(self, func):
        """Use as a decorator: run ``func`` in this mode."""
        return _decorate(self.clone, func)

    def clone(self):
        return type(self)()


class no_grad(_ModeContext):
    """Context manager and decorator that stops ops from recording the graph
    (in the calling thread only).

    Example::

        >>> x = cynn.ones(2, requires_grad=True)
        >>> with cynn.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    def _target(self):
        return False, _local.inference


class enable_grad(_ModeContext):
    """Context manager and decorator that turns grad mode back on (in the calling
    thread only). Inside ``inference_mode`` ops still record nothing."""

    def _target(self):
        return True, _local.inference


class inference_mode(_ModeContext):
    """Context manager and decorator for code that will never call backward.

    ``inference_mode()`` (or ``inference_mode(True)``) turns grad mode off and
    inference mode on in the calling thread: ops record no graph, even inside
    ``enable_grad``. ``inference_mode(False)`` turns grad mode on and inference
    mode off. ``@inference_mode`` may decorate a function with or without the
    parentheses.

    Difference from PyTorch: cynn has no separate kind of "inference tensor".
    Tensors made inside are ordinary tensors that do not require grad, so using
    them later in recorded computations is allowed here (PyTorch refuses to save
    them for backward); there is also no speed gain over ``no_grad``.

    Args:
        mode (bool): enable (``True``, the default) or disable inference mode.

    Example::

        >>> x = cynn.ones(2, requires_grad=True)
        >>> with cynn.inference_mode():
        ...     y = x * x
        >>> y.requires_grad
        False
        >>> @cynn.inference_mode()
        ... def double(x):
        ...     return x * 2
        >>> double(x).requires_grad
        False
    """

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return object.__new__(cls)
        return cls()(mode)

    def __init__(self, mode=True):
        self.mode = mode

    def _target(self):
        return not self.mode, self.mode

    def clone(self):
        return type(self)(self.mode)


class set_grad_enabled(_ModeContext):
    """Sets grad mode to ``mode`` in the calling thread: at once when called as a
    function, for the block as a context manager (restored on exit), or for each
    call of a decorated function.

    Example::

        >>> x = cynn.ones(1, requires_grad=True)
        >>> with cynn.set_grad_enabled(False):
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    def __new__(cls, mode):
        return object.__new__(cls)

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self._prev = (_local.grad, _local.inference)
        _set(self.mode, _local.inference)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _set(*self._prev)
        return False

    def __call__(self, func):
        # As a decorator, the call that made this object must not leave the mode changed.
        _set(*self._prev)
        mode = self.mode
        return _decorate(lambda: set_grad_enabled(mode), func)

    def clone(self):
        return set_grad_enabled(self.mode)

    def __repr__(self):
        return f"cynn.autograd.grad_mode.set_grad_enabled(mode={self.mode})"
