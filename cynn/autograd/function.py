"""The extension point for differentiable ops: subclass ``Function``.

An op is one class with two static methods that work on **numpy arrays**:

* ``forward(ctx, *args, **kwargs)`` -- Tensor arguments arrive as their numpy
  arrays (read-only by convention: never write into them), everything else as
  given. Returns one array, or a tuple of arrays for several outputs.
* ``backward(ctx, *grad_outputs)`` -- one gradient array per output; returns one
  gradient (array or ``None``) per *positional* argument of ``forward``.
  ``ctx.needs_input_grad[i]`` says whether argument ``i`` wants one, so backward
  computes only what is asked for. A gradient may have the broadcast shape of the
  output: the engine sums it down to the input's shape.

``ctx`` is the graph node itself (its class is named ``<Op>Backward0`` unless
``grad_fn_name`` says otherwise, as PyTorch names them). Store what backward
needs on it: arrays that are inputs or outputs go through
``ctx.save_for_backward`` so that an in-place change to them is detected (version
counter) and so that they are freed after backward; plain values can be set as
attributes. Save only what the requested gradients need (``ctx.needs_input_grad``
is already set in ``forward``): PyTorch does, so an in-place change of an array
that no requested gradient needs is legal there and must not raise here (see
``Mul``: each side's gradient needs only the other side).

Worked example -- a Cython-backed ReLU (this is ``cynn.relu``)::

    import numpy as np
    from cynn.autograd.function import Function
    from cynn._kernels import elementwise
    from cynn._threads import get_num_threads

    class Relu(Function):
        @staticmethod
        def forward(ctx, x):
            y = np.empty_like(x)
            elementwise.relu_forward(x.reshape(-1), y.reshape(-1), get_num_threads())
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, gy):
            (y,) = ctx.saved_tensors
            gx = np.empty_like(y)
            elementwise.relu_backward(y.reshape(-1), np.ascontiguousarray(gy).reshape(-1),
                                      gx.reshape(-1), get_num_threads())
            return gx

    out = Relu.apply(tensor)          # a Tensor with grad_fn=<ReluBackward0>

Class attributes a Function may set:

* ``grad_fn_name`` -- the node's class name, e.g. ``"AddmmBackward0"``; with a
  ``"namespace::"`` prefix (``"torch::autograd::CopySlices"``) only ``name()``
  shows it.
* ``output_is_view`` -- the output is a numpy view of the first Tensor argument:
  it then shares that tensor's version counter, so in-place writes through either
  are seen by nodes that saved the other.
* ``fresh_gradients`` -- True when every array ``backward`` returns is newly
  allocated by it and reachable from nowhere else (not ``gy``, not a view of it, not
  a saved array, not one array returned for two inputs, nothing the Function keeps).
  The engine may then make such an array a leaf's ``.grad`` as it is, without a copy
  (AlexNet's fc6 weight gradient is 150 MB); any other gradient is copied first.
  Mark a Function only after reading its backward: a wrong True lets two tensors
  share memory, and an in-place update of one silently changes the other.

Gradient ownership, as the engine tracks it: an array is *owned* (only the engine
holds it) when a ``fresh_gradients`` backward returned it, when the engine made it
(summing gradients that meet at one input, or reducing a broadcast gradient to its
input's shape), and stays owned until something else sees it: a hook (its argument
may be kept), or the caller (a root gradient given to ``backward`` is never owned).
"""
import contextlib
import itertools
import threading
import warnings

import numpy as np

from .grad_mode import _local as _grad_state

__all__ = ["Function", "BackwardNode", "AccumulateGrad", "FunctionCtx", "DispatchObserver",
           "observe_dispatch"]

_sequence = itertools.count()

# PyTorch returns inf / nan from 1 / 0, log(0), ... silently; numpy warns. Silence those
# warnings where cynn's own code computes (a filter costs nothing until a warning fires,
# unlike np.errstate around every op), and leave them on for everyone else's numpy code.
warnings.filterwarnings("ignore", r"(divide by zero|invalid value|overflow) encountered",
                        RuntimeWarning, r"cynn\.")

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved "
    "tensors after they have already been freed). Saved intermediate values of the "
    "graph are freed when you call .backward() or autograd.grad(). Specify "
    "retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward.")


class BackwardNode:
    """A node of the backward graph (what ``tensor.grad_fn`` returns).

    ``next_functions`` is a tuple of ``(node, output_nr)`` pairs, one per
    positional forward argument (``(None, 0)`` where no gradient flows).
    """

    _function = None
    _name = "BackwardNode"
    # Class-level defaults: a node is created per recorded op, so __init__ sets only
    # what every node needs; the rest is set when used.
    next_functions = ()
    needs_input_grad = ()
    _saved = ()
    _saved_versions = ()       # (index into _saved, version list, expected, producer, output_nr)
    _freed = False
    _pre_hooks = None          # handle id -> fn(grad_outputs) -> grad_outputs | None
    _post_hooks = None         # handle id -> fn(grad_inputs, grad_outputs) -> grad_inputs | None
    _tensor_pre_hooks = None   # output_nr -> {handle id: fn(grad) -> grad | None}
    _retained = None           # output_nr -> weakref of a tensor that retains its grad
    _input_meta = ()           # (shape, dtype) per positional argument, for reduction
    _output_meta = ()          # (shape, dtype) per output
    _non_differentiable = ()
    _inputs = ()               # the forward's arguments (Tensors stay Tensors)
    _kwargs = {}               # and its keyword arguments
    _input_versions = ()       # each Tensor argument's version when forward ran

    def __init__(self):
        self._sequence_nr = next(_sequence)

    # -- what forward calls -------------------------------------------------
    def save_for_backward(self, *arrays):
        """Keep ``arrays`` for backward; read them back with ``saved_tensors``."""
        self._saved = arrays

    def mark_non_differentiable(self, *arrays):
        """Outputs (by identity) that never carry a gradient, e.g. argmax indices."""
        self._non_differentiable = arrays

    @property
    def saved_tensors(self):
        """The arrays given to ``save_for_backward``; raises once they were freed or
        when an input or output among them was modified in place since forward."""
        if self._freed:
            raise RuntimeError(_FREED_MESSAGE)
        for index, version, expected, node, output_nr in self._saved_versions:
            if version[0] != expected:
                array = self._saved[index]
                kind = _TYPE_NAMES.get(array.dtype.type, "Tensor")
                dims = ", ".join(str(n) for n in array.shape)
                node = self if node is _THIS_NODE else node
                where = f", which is output {output_nr} of {node.name()}" if node else ""
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been "
                    f"modified by an inplace operation: [cynn.{kind} [{dims}]]{where}, is at "
                    f"version {version[0]}; expected version {expected} instead. Hint: the "
                    "operation that modified it must be done out of place "
                    "(e.g. x = x * 2 instead of x.mul_(2)), or on a .clone().")
        return self._saved

    # -- graph API ----------------------------------------------------------
    def name(self):
        return self._name

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node (gradients as numpy
        arrays, already summed to each input's shape); may return a tuple of new
        grad_inputs (tensors, arrays or None), each of the replaced one's shape and dtype."""
        from ..utils.hooks import RemovableHandle
        if self._post_hooks is None:
            self._post_hooks = {}
        handle = RemovableHandle(self._post_hooks)
        self._post_hooks[handle.id] = fn
        return handle

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node (gradients as numpy arrays); may
        return a tuple of new grad_outputs (tensors, arrays or None), each of the replaced
        one's shape and dtype."""
        from ..utils.hooks import RemovableHandle
        if self._pre_hooks is None:
            self._pre_hooks = {}
        handle = RemovableHandle(self._pre_hooks)
        self._pre_hooks[handle.id] = fn
        return handle

    def _free(self):
        self._saved = ()
        self._inputs = ()
        self._freed = True

    def __call__(self, grads, owned, capture=None):
        """One step of backward at this node: the hooks on the gradients ``grads`` that
        reached its outputs, its backward, then the hooks on the gradients it returns.

        ``owned[i]`` says whether only the engine holds ``grads[i]`` (see the module
        docstring). Returns one gradient (or None) per ``next_functions`` edge and the
        same flags for them. ``capture(node, grads)`` (autograd.grad's) sees the
        gradients once the pre-hooks ran; a node that passes nothing on
        (AccumulateGrad) then stops, since grad() leaves ``.grad`` alone.
        """
        if self._tensor_pre_hooks or self._retained or self._pre_hooks:
            grads = self._run_pre_hooks(grads)
            owned = [False] * len(grads)   # hooks may keep the arrays they were shown
        if capture is not None:
            capture(self, grads)
            if not self.next_functions:
                return (), ()
        if all(g is None for g in grads):
            return (None,) * len(self.next_functions), (False,) * len(self.next_functions)
        if len(grads) > 1:  # an output no gradient reached gets zeros
            grads = [np.zeros(s, d) if g is None else g
                     for g, (s, d) in zip(grads, self._output_meta)]
        in_grads, in_owned = self._backward(grads, owned)
        if self._post_hooks:
            in_grads = self._run_post_hooks(in_grads, grads)
            in_owned = (False,) * len(in_grads)
        return in_grads, in_owned

    def _backward(self, grads, owned):
        """The op's backward: one gradient (or None) per positional input, summed down
        to the input's shape and cast to its dtype (before post-hooks see it, as in
        PyTorch), and whether each is owned. Gradients for edges that want none are left
        as the op returned them."""
        returned = self._function.backward(self, *grads)
        if not isinstance(returned, tuple):
            returned = (returned,)
        if len(returned) != len(self.next_functions):
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {len(self.next_functions)}, got {len(returned)})")
        fresh = self._function.fresh_gradients
        in_grads, in_owned = list(returned), [False] * len(returned)
        for i, ((nxt, _), g) in enumerate(zip(self.next_functions, returned)):
            if g is None or nxt is None:
                continue
            if not isinstance(g, np.ndarray):
                g = np.asarray(g)
            shape, dtype = self._input_meta[i]
            reduced = in_grads[i] = _reduce_to(g, shape, dtype, self, i)
            # the reduction made a new array; or the op promises a fresh one, which it
            # must not hand to two inputs (two .grads would then share it)
            in_owned[i] = reduced is not g or fresh and not (i and _returned_before(returned, i))
        return in_grads, in_owned

    # -- hooks (PyTorch's checks on what they return) ---------------------------
    def _run_pre_hooks(self, grads):
        """Tensor hooks of each output, ``.grad`` of the outputs that retain it (after
        their hooks, as in PyTorch), then the node's own pre-hooks."""
        grads = list(grads)
        if self._tensor_pre_hooks:
            for nr, fns in self._tensor_pre_hooks.items():
                if grads[nr] is None:
                    continue
                for fn in list(fns.values()):
                    out = fn(Tensor._wrap(grads[nr]))
                    if out is not None:
                        grads[nr] = _hook_value(fn, out, grads[nr], False)
        if self._retained:
            _retain(self, grads)
        if self._pre_hooks:
            for fn in list(self._pre_hooks.values()):
                out = fn(tuple(grads))
                if out is not None:
                    grads = _hook_values(fn, out, grads, self._output_meta)
        return grads

    def _run_post_hooks(self, in_grads, grads):
        for fn in list(self._post_hooks.values()):
            out = fn(tuple(in_grads), tuple(grads))
            if out is not None:
                in_grads = _hook_values(fn, out, in_grads, self._input_meta)
        return in_grads


# Threads may run backward into the same leaves (one model, several threads): the
# "is .grad None" test and numpy's in-place add (which releases the GIL) must not
# interleave, or one thread's gradient is lost. PyTorch locks AccumulateGrad too.
_accumulate_lock = threading.Lock()


class AccumulateGrad(BackwardNode):
    """Sink node of a leaf tensor: runs its hooks, then adds into ``variable.grad``,
    then runs its post-accumulate hooks (``Tensor.register_post_accumulate_grad_hook``)."""

    _name = "torch::autograd::AccumulateGrad"
    _post_accumulate_hooks = None   # handle id -> fn(variable) -> None

    def __init__(self, variable):
        super().__init__()
        self.variable = variable
        self._output_meta = ((variable.shape, variable._data.dtype),)

    def _backward(self, grads, owned):
        """The first gradient becomes ``.grad``: as it is when the engine owns it and
        it has the leaf's dtype and layout (PyTorch's AccumulateGrad steals an unshared
        gradient too), else as a copy. Later ones are added into it in place."""
        var, g = self.variable, grads[0]
        dtype = var._data.dtype
        with _accumulate_lock:
            if var._grad is None:
                if not (owned[0] and type(g) is np.ndarray and g.dtype == dtype
                        and g.flags.writeable and g.flags.c_contiguous):
                    g = np.array(g, dtype=dtype, copy=True)
                var._grad = Tensor._wrap(g)
            else:
                np.add(var._grad._data, g, out=var._grad._data, casting="unsafe")
                var._grad._version[0] += 1
        if self._post_accumulate_hooks:
            for fn in list(self._post_accumulate_hooks.values()):
                out = fn(var)
                if out is not None:
                    raise TypeError(f"post accumulate grad hook '{_hook_name(fn)}' returned "
                                    f"'{type(out).__name__}'; it must return None")
        return (), ()


def _returned_before(returned, i):
    """Whether the array ``returned[i]`` is also an earlier entry of ``returned``."""
    for j in range(i):
        if returned[j] is returned[i]:
            return True
    return False


def _retain(node, grads):
    """``.grad`` of the non-leaf outputs of ``node`` that asked for it (a copy: the
    engine's array goes on to the node's backward)."""
    for nr, ref in node._retained.items():
        tensor, g = ref(), grads[nr]
        if tensor is None or g is None:
            continue
        with _accumulate_lock:
            if tensor._grad is None:
                tensor._grad = Tensor._wrap(np.array(g, copy=True))
            else:
                tensor._grad = Tensor._wrap(tensor._grad._data + g)


def _reduce_to(grad, shape, dtype, node, index):
    """Sum a broadcast gradient down to the input's ``shape`` and cast to its dtype."""
    if grad.shape != shape:
        extra = grad.ndim - len(shape)
        if extra < 0:
            raise _bad_shape(node, index, grad.shape, shape)
        axes = tuple(range(extra)) + tuple(
            extra + i for i, s in enumerate(shape) if s == 1 and grad.shape[extra + i] != 1)
        if axes:
            grad = grad.sum(axis=axes, keepdims=True)
        if extra:
            grad = grad.reshape(grad.shape[extra:])
        if grad.shape != shape:
            raise _bad_shape(node, index, grad.shape, shape)
    if grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def _bad_shape(node, index, got, expected):
    return RuntimeError(
        f"Function {node.name()} returned an invalid gradient at index {index} - got "
        f"{list(got)} but expected shape compatible with {list(expected)}")


def _hook_name(fn):
    return getattr(fn, "__name__", "<unknown>")


def _hook_value(fn, value, expected, allow_array):
    """The array of gradient ``value`` returned by hook ``fn`` where a gradient like
    ``expected`` (an array, or a ``(shape, dtype)`` pair) was; PyTorch's errors when it
    is not a tensor or changes the size or dtype (an optimizer would broadcast a wrong
    shape into the parameter, or silently cast)."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        array = value._data
    elif allow_array and type(value) is np.ndarray:
        # node hooks receive the engine's arrays, and may hand arrays back
        array = value
    else:
        raise TypeError(f"expected Variable, but hook returned '{type(value).__name__}'")
    if expected is None:
        return array
    shape, dtype = ((expected.shape, expected.dtype) if isinstance(expected, np.ndarray)
                    else expected)
    if array.shape != shape:
        raise RuntimeError(f"hook '{_hook_name(fn)}' has changed the size of value")
    if array.dtype != dtype:
        raise RuntimeError(f"hook '{_hook_name(fn)}' has changed the type of value (was "
                           f"{_type_name(dtype)} got {_type_name(array.dtype)})")
    return array


def _type_name(dtype):
    return "cynn." + _TYPE_NAMES.get(np.dtype(dtype).type, "Tensor")


def _hook_values(fn, values, current, meta):
    """The gradients returned by node hook ``fn`` in place of ``current`` (one per
    entry; ``meta[i]`` is the expected ``(shape, dtype)`` where ``current[i]`` is None)."""
    if not isinstance(values, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(values).__name__}'")
    if len(values) != len(current):
        raise RuntimeError(f"hook '{_hook_name(fn)}' has returned an incorrect number of values "
                           f"(got {len(values)}, but expected {len(current)})")
    return [_hook_value(fn, v, c if c is not None else m, True)
            for v, c, m in zip(values, current, meta)]


class FunctionCtx(BackwardNode):
    """The ``ctx`` given to ``forward`` when no gradient will be recorded."""

    def __init__(self):
        pass


_TYPE_NAMES = {np.float16: "HalfTensor", np.float32: "FloatTensor", np.float64: "DoubleTensor",
               np.uint8: "ByteTensor", np.int8: "CharTensor", np.int16: "ShortTensor",
               np.int32: "IntTensor", np.int64: "LongTensor", np.bool_: "BoolTensor"}

_THIS_NODE = "this node"
Tensor = None  # cynn.Tensor, set by cynn._tensor once defined (it imports this module)


class Function:
    """Base class of differentiable ops; see the module docstring."""

    grad_fn_name = None
    output_is_view = False
    fresh_gradients = False
    _node_type = FunctionCtx

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("grad_fn_name") or f"{cls.__name__}Backward0"
        # "torch::autograd::CopySlices": the class is CopySlices, name() the full string
        cls._node_type = type(name.rsplit("::", 1)[-1], (BackwardNode,),
                              {"_function": cls, "_name": name, "__module__": cls.__module__})

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` on the arrays of the Tensor arguments and wrap the result,
        recording a graph node when grad mode is on and an input requires grad."""
        if _observing and _dispatch_state.observers:
            return _observed_apply(cls, args, kwargs, _dispatch_state.observers)
        record = False
        raw = []
        for a in args:
            if isinstance(a, Tensor):
                raw.append(a._data)
                record = record or a._requires_grad
            else:
                raw.append(a)
        if not (record and _grad_state.enabled):
            out = cls.forward(FunctionCtx(), *raw, **kwargs)
            if type(out) is tuple:
                return tuple([_wrap(o, cls, args) for o in out])
            return _wrap(out, cls, args)

        node = cls._node_type()
        needs, edges, meta = [], [], []
        for a in args:
            if isinstance(a, Tensor):
                meta.append((a._data.shape, a._data.dtype))
                if a._requires_grad:
                    needs.append(True)
                    edges.append((a._grad_fn, a._output_nr) if a._grad_fn is not None
                                 else a._gradient_edge())
                    continue
            else:
                meta.append(None)
            needs.append(False)
            edges.append((None, 0))
        node.needs_input_grad = tuple(needs)
        node.next_functions = tuple(edges)
        node._input_meta = tuple(meta)
        # the arguments themselves, for a backward that builds a graph (create_graph):
        # their values then enter the gradient formulas as Tensors
        node._inputs = args
        node._kwargs = kwargs
        node._input_versions = tuple([a._version[0] if isinstance(a, Tensor) else None
                                      for a in args])

        out = cls.forward(node, *raw, **kwargs)
        multi = type(out) is tuple
        outs = out if multi else (out,)
        non_diff = node._non_differentiable
        results = []
        for i, o in enumerate(outs):
            t = _wrap(o, cls, args)
            if t._data.dtype.kind == "f" and not (non_diff and any(o is nd for nd in non_diff)):
                t._requires_grad = True
                t._grad_fn = node
                t._output_nr = i
            results.append(t)
        node._output_meta = tuple([(t._data.shape, t._data.dtype) for t in results])
        if node._saved:
            node._saved_versions = _track_saved(node, args, results)
        return tuple(results) if multi else results[0]


def _wrap(array, cls, args):
    if type(array) is not np.ndarray:
        array = np.asarray(array)
    t = Tensor._wrap(array)
    if cls.output_is_view:
        for a in args:
            if isinstance(a, Tensor):
                t._version = a._version
                t._base = a._base if a._base is not None else a
                break
    return t


def _track_saved(node, args, results):
    """Version checks for saved arrays that are a Tensor input or output (by identity).

    An output's producer is recorded as ``_THIS_NODE`` rather than as the node itself,
    so that the node does not reference itself."""
    checks = []
    for index, s in enumerate(node._saved):
        for t in results:
            if t._data is s:
                checks.append((index, t._version, t._version[0], _THIS_NODE, t._output_nr))
                break
        else:
            for t in args:
                if isinstance(t, Tensor) and t._data is s:
                    checks.append((index, t._version, t._version[0], t._grad_fn, t._output_nr))
                    break
    return tuple(checks)


class DispatchObserver:
    """Sees every ``Function.apply`` of the thread that installed it with
    ``observe_dispatch`` (a tracer, a profiler). Override either method.

    ``function`` is the Function class, ``args`` and ``kwargs`` exactly what ``apply``
    was given (Tensors and everything else), ``result`` what it returned (a Tensor or
    a tuple of them). ``after_apply`` runs only when the op returned. While an
    observer's method runs, and while the op itself runs, nothing is observed: an
    observer may use cynn's ops freely, and each reported call is one op.
    """

    def before_apply(self, function, args, kwargs):
        pass

    def after_apply(self, function, args, kwargs, result):
        pass


class _DispatchState(threading.local):
    # the class attribute is what every thread starts with: nothing observed
    observers = ()


_dispatch_state = _DispatchState()
# How many observe_dispatch blocks are open in any thread: apply reads this global
# (~10 ns), not the thread-local stack (~100 ns), while nothing observes.
_observing = 0
_observing_lock = threading.Lock()


@contextlib.contextmanager
def observe_dispatch(observer):
    """Report the calling thread's ``Function.apply`` calls to ``observer`` (a
    ``DispatchObserver``) inside the ``with`` block. Observers nest: the innermost one
    hears of each call first and last.

    Example::

        >>> class Count(DispatchObserver):
        ...     def __init__(self):
        ...         self.names = []
        ...     def after_apply(self, function, args, kwargs, result):
        ...         self.names.append(function.__name__)
        >>> count = Count()
        >>> with observe_dispatch(count):
        ...     y = cynn.ones(2).exp() + 1
        >>> count.names
        ['Exp', 'Add']
    """
    global _observing
    state = _dispatch_state
    outer = state.observers
    state.observers = (observer,) + outer
    with _observing_lock:
        _observing += 1
    try:
        yield observer
    finally:
        state.observers = outer
        with _observing_lock:
            _observing -= 1


def _observed_apply(cls, args, kwargs, observers):
    """``cls.apply`` with ``observers`` told before and after (see DispatchObserver)."""
    state = _dispatch_state
    state.observers = ()
    try:
        for observer in observers:
            observer.before_apply(cls, args, kwargs)
        result = cls.apply(*args, **kwargs)
        for observer in reversed(observers):
            observer.after_apply(cls, args, kwargs, result)
    finally:
        state.observers = observers
    return result
