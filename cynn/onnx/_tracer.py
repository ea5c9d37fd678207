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
"""
import numpy as np

from .._tensor import Tensor
from ..autograd.function import DispatchObserver
from .errors import UnsupportedOperatorError
from .graph import Value
from .registry import mapping_for

__all__ = ["Tracer"]


class Tracer(DispatchObserver):
    """Records the ops of one forward into ``graph`` (a ``GraphBuilder``).

    ``constant_names`` maps ``_array_key(array)`` of parameters and buffers to their
    state-dict names, which their initializers take.
    """

    def __init__(self, graph, constant_names):
        self.graph = graph
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
        if not self.touches_trace(args, kwargs):
            return
        mapping = mapping_for(function)
        if mapping is None:
            raise UnsupportedOperatorError(
                f"cannot export the op {_op_name(function)} to ONNX: it has no ONNX mapping "
                f"(register one with cynn.onnx.register_op({function.__name__}))")
        self.record(_op_name(function), mapping, args, kwargs, result)

    def record(self, label, mapping, args, kwargs, result):
        """Add the nodes ``mapping`` makes for the op ``label`` that was called with
        ``args`` and ``kwargs`` and returned ``result``; bind its outputs."""
        outputs = result if type(result) is tuple else (result,)
        self.graph.results = tuple(Value(None, t.shape, t._data.dtype) for t in outputs)
        names = mapping(self.graph, *[self._argument(a) for a in args],
                        **{k: self._argument(a) for k, a in kwargs.items()})
        names = names if type(names) is tuple else (names,)
        if len(names) != len(outputs):
            raise UnsupportedOperatorError(
                f"the ONNX mapping of {label} returned {len(names)} output names for the "
                f"op's {len(outputs)} outputs")
        for tensor, name in zip(outputs, names):
            if name is not None:
                self.bind(tensor, Value(name, tensor.shape, tensor._data.dtype))
            else:
                self._by_identity[id(tensor)] = _Unexported(label)
                self._alive.append(tensor)

    def _argument(self, a):
        if isinstance(a, Tensor):
            value = self.value(a)
            if isinstance(value, _Unexported):
                raise UnsupportedOperatorError(
                    f"cannot export a use of an output of {value.label} that its ONNX "
                    f"mapping does not produce")
            return value
        if isinstance(a, np.ndarray):
            return self._array_value(a)
        return a

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
