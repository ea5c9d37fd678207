"""Tracing: run the model once and turn every ``Function.apply`` into ONNX nodes.

The tracer is a ``DispatchObserver``. Each op whose inputs include a traced tensor is
handed to its mapping (``registry``), with its tensors as ``Value``s; an op whose
tensors are all constants is left out, its result being a constant too (constant
folding, as PyTorch's exporter does).

A tensor is recognised by where the autograd graph says its value comes from,
``(grad_fn, output_nr)``, not by the Python object: the trace records the graph
(the inputs require grad), and an in-place op (``ReLU(inplace=True)``) leaves the
same object holding a new value with a new ``grad_fn``, while the op itself ran on a
copy standing at the old place. Tensors without a grad_fn (integer results, the
inputs) are recognised by identity. Anything else is a constant: a parameter or
buffer (named after it) or a tensor made during forward.

With dynamic axes the model runs twice: first under a ``ShapeRecorder`` with every
dynamic input axis at another size, which logs the shapes of each op's arguments and
results, then under the ``Tracer`` that builds the graph and gives every ``Value``
its ``other_shape`` from that log (see ``_sizes``). An op on constants alone whose
result shape follows a dynamic axis (a parameter expanded to the batch size) is then
exported rather than folded, and a constant made inside forward at such a size (a
tensor of zeros of the batch size) is built at run time when all its elements are
equal.
"""
import numpy as np

from .._tensor import Tensor
from ..autograd.function import DispatchObserver
from ..autograd.functions import shape as S
from .errors import OnnxExporterError, UnsupportedOperatorError
from .graph import Value
from .registry import mapping_for

__all__ = ["Tracer", "ShapeRecorder"]

# record() is told the op's shadow shapes by after_apply when after_apply logged it
_UNLOGGED = object()


class Tracer(DispatchObserver):
    """Records the ops of one forward into ``graph`` (a ``GraphBuilder``).

    ``constant_names`` maps ``_array_key(array)`` of parameters and buffers to their
    state-dict names, which their initializers take. ``shadow`` is the ``events`` log
    of a ``ShapeRecorder`` run at other sizes of the dynamic axes, or None.
    """

    is_shadow = False

    def __init__(self, graph, constant_names, shadow=None):
        self.graph = graph
        # per op: (label, argument shapes, result shapes, plain arguments, as shown)
        self.events = []
        self._shadow = shadow
        self._compares_runs = shadow is not None or self.is_shadow
        self._constant_names = constant_names
        self._by_place = {}     # (id(grad_fn), output_nr) -> Value
        self._by_identity = {}  # id(tensor) -> Value
        self._by_array = {}     # id(tensor._data) -> (Value, version counter, its value)
        self._constants = {}    # _array_key(array) -> Value
        self._alive = []        # what the ids above refer to, kept so that no id is reused

    # -- values ----------------------------------------------------------------
    def bind(self, tensor, value):
        """Make ``value`` what ``tensor`` (as it is now) stands for."""
        self._alive.append(tensor)
        self._by_array[id(tensor._data)] = (value, tensor._version, tensor._version[0])
        node = tensor._grad_fn
        if node is not None:
            self._alive.append(node)
            self._by_place[(id(node), tensor._output_nr)] = value
        else:
            self._by_identity[id(tensor)] = value
        self.graph.sizes.register(value)

    def traced(self, tensor):
        """The Value ``tensor`` holds if it comes from the traced inputs, else None."""
        node = tensor._grad_fn
        if node is not None:
            value = self._by_place.get((id(node), tensor._output_nr))
            if value is not None:
                # after an in-place op the storage holds this value (see _array_value)
                self._by_array[id(tensor._data)] = (value, tensor._version, tensor._version[0])
                return value
        return self._by_identity.get(id(tensor))

    def value(self, tensor):
        """The Value of ``tensor``: traced, or a constant of the graph."""
        traced = self.traced(tensor)
        return traced if traced is not None else self.constant(tensor._data)

    def constant(self, array):
        """The Value of a constant array (an initializer, named after the parameter or
        buffer it is, if any)."""
        key = _array_key(array)
        value = self._constants.get(key)
        if value is None:
            name = self.graph.fresh_name(self._constant_names.get(key, "onnx_const"))
            self.graph.add_initializer(name, array)
            value = self._constants[key] = Value(name, array.shape, array.dtype, constant=array)
            self._alive.append(array)
        return value

    # -- ops -------------------------------------------------------------------
    def touches_trace(self, args, kwargs):
        """Whether a traced tensor is among ``args`` / ``kwargs`` (values included)."""
        return any(isinstance(a, Tensor) and self.traced(a) is not None
                   for a in (*args, *kwargs.values()))

    def after_apply(self, function, args, kwargs, result):
        other = _UNLOGGED
        if not self.touches_trace(args, kwargs):
            other = self._event(_op_name(function), args, kwargs, result)
            if other is None or other[2] == self.events[-1][2]:
                return   # a constant: folded
            # a constant whose shape follows a dynamic axis: the graph computes it
        mapping = mapping_for(function)
        if mapping is None:
            raise UnsupportedOperatorError(
                f"cannot export the op {_op_name(function)} to ONNX: it has no ONNX mapping "
                f"(register one with cynn.onnx.register_op({function.__name__}))")
        self.record(_op_name(function), mapping, args, kwargs, result, other)

    def record(self, label, mapping, args, kwargs, result, other=_UNLOGGED):
        """Add the nodes ``mapping`` makes for the op ``label`` that was called with
        ``args`` and ``kwargs`` and returned ``result``; bind its outputs."""
        outputs = result if type(result) is tuple else (result,)
        if other is _UNLOGGED:
            other = self._event(label, args, kwargs, result)
        other_arguments = iter(other[1]) if other is not None else None
        other_results = other[2] if other is not None else (None,) * len(outputs)
        self.graph.results = tuple(Value(None, t.shape, t._data.dtype, other_shape=o)
                                   for t, o in zip(outputs, other_results))
        arguments = [self._argument(a, other_arguments, label) for a in args]
        keywords = {k: self._argument(a, other_arguments, label) for k, a in kwargs.items()}
        names = mapping(self.graph, *arguments, **keywords)
        names = names if type(names) is tuple else (names,)
        if len(names) != len(outputs):
            raise UnsupportedOperatorError(
                f"the ONNX mapping of {label} returned {len(names)} output names for the "
                f"op's {len(outputs)} outputs")
        for tensor, name, other_shape in zip(outputs, names, other_results):
            if name is not None:
                self.bind(tensor, Value(name, tensor.shape, tensor._data.dtype,
                                        other_shape=other_shape))
            else:
                self._by_identity[id(tensor)] = _Unexported(label)
                self._alive.append(tensor)

    def _event(self, label, args, kwargs, result):
        """Log the op's shapes; return the same op's entry of the shadow log (None
        without one)."""
        outputs = result if type(result) is tuple else (result,)
        plain = shown = None
        if self._compares_runs:
            plain = _plain_arguments(args, kwargs)
            # how the other run's error message shows them
            shown = tuple(_shown(a) if p is not None else None
                          for a, p in zip((*args, *kwargs.values()), plain))
        entry = (label, _argument_shapes(args, kwargs), tuple(tuple(t.shape) for t in outputs),
                 plain, shown)
        self.events.append(entry)
        if self._shadow is None:
            return None
        k = len(self.events) - 1
        other = self._shadow[k] if k < len(self._shadow) else None
        if other is None or other[0] != label or len(other[1]) != len(entry[1]) or \
                len(other[2]) != len(entry[2]):
            raise diverged(label)
        if other[3] != entry[3] and label not in _SIZES_FROM_SHAPES:
            i = next(i for i, (a, b) in enumerate(zip(entry[3], other[3])) if a != b)
            here, there = _shown((*args, *kwargs.values())[i]), other[4][i]
            raise UnsupportedOperatorError(
                f"cannot export {label} with dynamic axes: its argument {i} is {here} here "
                f"but {there} when the inputs' dynamic axes have other sizes; a number "
                f"computed from such a size (x.size(0), a slice end) would be stored in "
                f"the graph as traced (compute it with tensor ops, or keep that axis "
                f"static)")
        return other

    def _argument(self, a, others, label):
        if isinstance(a, Tensor):
            other_shape = next(others) if others is not None else None
            value = self.value(a)
            if isinstance(value, _Unexported):
                raise UnsupportedOperatorError(
                    f"cannot export a use of an output of {value.label} that its ONNX "
                    f"mapping does not produce")
            if value.constant is not None and other_shape is not None and \
                    tuple(other_shape) != value.shape:
                return self._filled(value, other_shape, label)
            return value.with_other_shape(other_shape)
        if isinstance(a, np.ndarray):
            other_shape = next(others) if others is not None else None
            return self._array_value(a).with_other_shape(other_shape)
        return a

    def _filled(self, value, other_shape, label):
        """A constant made inside forward at a size that follows a dynamic axis, built
        by the graph at its run-time size: possible when its elements are all equal."""
        array = value.constant
        fill = array.reshape(-1)[:1]
        if array.size and not np.array_equal(array, np.broadcast_to(fill, array.shape),
                                              equal_nan=array.dtype.kind == "f"):
            raise UnsupportedOperatorError(
                f"cannot export {label} with dynamic axes: it takes a tensor made inside "
                f"forward whose shape {list(value.shape)} follows a dynamic axis "
                f"({list(other_shape)} at other input sizes) and whose elements differ; "
                f"the graph can only build a tensor of one repeated value at a run-time "
                f"size (compute it from the inputs instead)")
        target = Value(None, value.shape, value.dtype, other_shape=other_shape)
        scalar = fill if fill.size else np.zeros(1, array.dtype)
        name = self.graph.op("Expand", self.graph.constant(scalar.reshape(())),
                             self.graph.sizes.shape_of(target))
        return Value(name, value.shape, value.dtype, other_shape=other_shape)

    def _array_value(self, array):
        """An array argument: the value of the traced tensor it is the storage of (an op
        may take a mask or an index as the tensor's array), else a constant."""
        entry = self._by_array.get(id(array))
        if entry is None:
            return self.constant(array)
        value, version, expected = entry
        if version[0] != expected:
            raise UnsupportedOperatorError(
                "cannot export an op that reads the array of a traced tensor after that "
                "tensor was modified in place")
        return value


class ShapeRecorder(Tracer):
    """The shadow run: follows the trace as ``Tracer`` does and logs every op's shapes
    in ``events``, without building nodes."""

    is_shadow = True

    def record(self, label, mapping, args, kwargs, result, other=_UNLOGGED):
        outputs = result if type(result) is tuple else (result,)
        if other is _UNLOGGED:
            self._event(label, args, kwargs, result)
        for tensor in outputs:
            self.bind(tensor, Value(self.graph.fresh_name("shadow"), tensor.shape,
                                    tensor._data.dtype))


def diverged(label):
    """The error for a forward whose ops depend on the size of a dynamic axis."""
    return OnnxExporterError(
        f"cannot export with dynamic axes: the forward ran other ops when the dynamic "
        f"axes of its inputs had other sizes (first at {label}); Python control flow that "
        f"depends on a size is frozen by tracing, so export without dynamic_axes")


def _plain_arguments(args, kwargs):
    """The op's plain Python arguments (numbers, strings, slices, and tuples, lists
    and arrays inside them), comparable between the two runs; Tensors, top-level
    arrays (their shapes are logged) and other objects as None."""
    def plain(a, nested):
        if isinstance(a, (bool, int, str, type(None), np.integer, np.bool_)):
            return a.item() if isinstance(a, np.generic) else a
        if isinstance(a, (float, np.floating)):
            return ("float", repr(float(a)))   # NaN equals NaN here
        if isinstance(a, slice):
            return ("slice", plain(a.start, True), plain(a.stop, True), plain(a.step, True))
        if isinstance(a, (tuple, list)):
            return tuple(plain(x, True) for x in a)
        if isinstance(a, np.ndarray) and nested:
            return ("array", a.shape, a.tobytes())
        return None
    return tuple(plain(a, False) for a in (*args, *kwargs.values()))


def _shown(argument):
    text = repr(argument)
    return text if len(text) <= 80 else text[:77] + "..."


def _argument_shapes(args, kwargs):
    """The shapes of the Tensor and array arguments, in the order ``record`` reads them."""
    return tuple(tuple(a.shape) for a in (*args, *kwargs.values())
                 if isinstance(a, (Tensor, np.ndarray)))


class _Unexported:
    """Stands for an output that the op's mapping left out (e.g. pooling indices)."""

    def __init__(self, label):
        self.label = label


def _op_name(function):
    return f"'{function.__name__}' ({function._node_type._name})"


def _array_key(array):
    """Identifies an array's memory and layout: a view of a buffer with the same
    start, shape and strides (``running_mean.reshape(-1)``) is that buffer."""
    return (array.__array_interface__["data"][0], array.shape, array.strides, array.dtype.str)


# ops whose mappings build their sizes from the shapes of their inputs and results
# (so a size argument that follows a dynamic axis is expected)
_SIZES_FROM_SHAPES = {_op_name(f) for f in (S.View, S.UnsafeView, S.Expand, S.Repeat)}
