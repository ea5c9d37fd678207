"""Recording ranges as cynn runs: a ``DispatchObserver`` times every ``Function.apply``
of the profiled thread, hooks on the graph node an op created time its backward, and
``record_function`` opens user ranges. Ranges nest on one stack per collector, so a
range's self time is its duration minus the ranges directly inside it.

Event names: the forward of a Function class is ``aten::`` plus the class name in
snake case (``Addmm`` -> ``aten::addmm``, ``MaxPool2d`` -> ``aten::max_pool2d``,
``Convolution`` -> ``aten::convolution``), which matches torch's name wherever cynn's
op has torch's name; the backward is the graph node's name (``AddmmBackward0``).
"""
import contextlib
import re
import threading
import time
import weakref

import numpy as np

from ..autograd.function import DispatchObserver, observe_dispatch

__all__ = ["record_function", "op_name"]

_state = threading.local()
_names = {}


def op_name(function):
    """The event name of ``function``'s forward (see the module docstring)."""
    name = _names.get(function)
    if name is None:
        snake = re.sub(r"(?<=[a-z0-9])([A-Z])|(?<=[A-Z])([A-Z][a-z])", r"_\1\2",
                       function.__name__)
        name = _names[function] = "aten::" + snake.lower()
    return name


def _shape_of(value):
    shape = getattr(value, "shape", None)
    if shape is not None and not isinstance(value, (int, float)):
        return list(shape)
    return []


def _nbytes(result):
    if isinstance(result, tuple):
        return sum(_nbytes(r) for r in result)
    data = getattr(result, "_data", result)
    return data.nbytes if isinstance(data, np.ndarray) else 0


class _Range:
    """An open or finished range; ``FunctionEvent``s are built from these at the end."""

    __slots__ = ("name", "category", "start", "end", "shapes", "parent", "nbytes",
                 "sequence_nr", "thread", "function")

    def __init__(self, name, category, start, shapes, parent, thread, function=None):
        self.name = name
        self.category = category
        self.start = start
        self.end = None
        self.shapes = shapes
        self.parent = parent
        self.nbytes = 0
        self.sequence_nr = -1
        self.thread = thread
        self.function = function


class Collector(DispatchObserver):
    """Records the ranges of one thread between ``start`` and ``stop``."""

    def __init__(self, record_shapes=False, profile_memory=False):
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.ranges = []          # finished, in order of ending
        self.stack = []
        self.recording = False
        self.thread = threading.get_native_id()
        self._dispatch = None

    # -- turning on and off (in the profiled thread) ----------------------------------
    def start(self):
        self.thread = threading.get_native_id()
        _state.collectors = getattr(_state, "collectors", ()) + (self,)
        self._dispatch = observe_dispatch(self)
        self._dispatch.__enter__()
        self.recording = True

    def stop(self):
        self.recording = False
        self._dispatch.__exit__(None, None, None)
        self._dispatch = None
        _state.collectors = tuple(c for c in _state.collectors if c is not self)
        self.stack.clear()  # ranges still open now are not reported, as in torch

    # -- ranges ---------------------------------------------------------------------------
    def push(self, name, category, shapes=None, function=None):
        r = _Range(name, category, time.perf_counter_ns(), shapes,
                   self.stack[-1] if self.stack else None, self.thread, function)
        self.stack.append(r)
        return r

    def pop(self, r):
        end = time.perf_counter_ns()
        stack = self.stack
        if r not in stack:
            return False
        # ranges above ``r`` were left open by an op that raised: dropped
        while stack.pop() is not r:
            pass
        r.end = end
        self.ranges.append(r)
        return True

    # -- DispatchObserver ------------------------------------------------------------------
    def before_apply(self, function, args, kwargs):
        shapes = [_shape_of(a) for a in args] if self.record_shapes else None
        self.push(op_name(function), "cpu_op", shapes, function)

    def after_apply(self, function, args, kwargs, result):
        stack = self.stack
        # the op's own range is on top unless an earlier op raised between its before
        # and after calls; those stale ranges are dropped
        for i in range(len(stack) - 1, -1, -1):
            r = stack[i]
            if r.function is function and r.category == "cpu_op":
                break
        else:
            return
        if self.profile_memory:
            r.nbytes = _nbytes(result)
        self.pop(r)
        first = result[0] if isinstance(result, tuple) and result else result
        node = getattr(first, "_grad_fn", None)
        if node is not None:
            r.sequence_nr = node._sequence_nr
            _time_backward(self, node)


def _time_backward(collector, node):
    ref = weakref.ref(collector)
    opened = []

    def before(grad_outputs):
        c = ref()
        if c is not None and c.recording and threading.get_native_id() == c.thread:
            shapes = [_shape_of(g) for g in grad_outputs] if c.record_shapes else None
            r = c.push(node.name(), "cpu_op", shapes)
            r.sequence_nr = node._sequence_nr
            opened.append(r)

    def after(grad_inputs, grad_outputs):
        c = ref()
        if opened and c is not None:
            r = opened.pop()
            if c.profile_memory:
                r.nbytes = sum(g.nbytes for g in grad_inputs if isinstance(g, np.ndarray))
            c.pop(r)

    node.register_prehook(before)
    node.register_hook(after)


def current():
    """The collectors recording in this thread (a profile, an execution trace)."""
    return getattr(_state, "collectors", ())


class record_function(contextlib.ContextDecorator):
    """Mark a block (or every call of a function) as a named range of the profile.

    Outside a recording profiler it costs two attribute lookups and records nothing.

    Args:
        name (str): the range's name in tables and traces.
        args (str, optional): kept for torch compatibility (shown nowhere).

    Example::

        >>> with cynn.profiler.profile() as prof:
        ...     with cynn.profiler.record_function("model_inference"):
        ...         y = model(x)
        >>> @cynn.profiler.record_function("loss")
        ... def compute_loss(y, t):
        ...     return F.cross_entropy(y, t)
    """

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self.run_callbacks_on_exit = True
        self._ranges = ()

    def _recreate_cm(self):
        # a fresh range per call: the decorated function may run re-entrantly
        return record_function(self.name, self.args)

    def __enter__(self):
        collectors = getattr(_state, "collectors", ())
        if collectors:
            self._ranges = [(c, c.push(self.name, "user_annotation"))
                            for c in collectors if c.recording]
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if self.run_callbacks_on_exit:
            for c, r in self._ranges:
                c.pop(r)
        self._ranges = ()
        return False
