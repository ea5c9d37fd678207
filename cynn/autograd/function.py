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
"""
import itertools
import warnings

import numpy as np

from .grad_mode import _local as _grad_state

__all__ = ["Function", "BackwardNode", "AccumulateGrad", "FunctionCtx"]

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
        self._freed = True

    def _backward(self, grad_outputs):
        """Run the op's backward; one gradient (or None) per positional input."""
        grads = self._function.backward(self, *grad_outputs)
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != len(self.next_functions):
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {len(self.next_functions)}, got {len(grads)})")
        return grads


class AccumulateGrad(BackwardNode):
    """Sink node of a leaf tensor: runs its hooks, then adds into ``variable.grad``."""

    _name = "torch::autograd::AccumulateGrad"

    def __init__(self, variable):
        super().__init__()
        self.variable = variable
        self._output_meta = ((variable.shape, variable._data.dtype),)


class FunctionCtx(BackwardNode):
    """The ``ctx`` given to ``forward`` when no gradient will be recorded."""

    def __init__(self):
        pass


_TYPE_NAMES = {np.float16: "HalfTensor", np.float32: "FloatTensor", np.float64: "DoubleTensor",
               np.uint8: "ByteTensor", np.int8: "CharTensor", np.int16: "ShortTensor",
               np.int32: "IntTensor", np.int64: "LongTensor", np.bool_: "BoolTensor"}

_THIS_NODE = "this node"
Tensor = None  # cynn.Tensor, set by cynn._tensor once defined (the two modules import each other)


class Function:
    """Base class of differentiable ops; see the module docstring."""

    grad_fn_name = None
    output_is_view = False
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
