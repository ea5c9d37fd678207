"""What an ONNX mapping builds with: ``Value`` (a traced tensor) and ``GraphBuilder``.

Both are plain Python, free of ``onnx``: the exporter turns the recorded nodes and
constants into an ``onnx.ModelProto`` at the end.
"""
import itertools

import numpy as np

from ._sizes import SizeSources

__all__ = ["Value", "GraphBuilder", "onnx_type"]


class Value:
    """A tensor of the traced graph as a mapping sees it.

    Attributes:
        name (str): its ONNX name, what ``GraphBuilder.op`` takes as an input.
        shape (tuple): the shape it had while tracing (a dimension exported as
            dynamic may differ at run time: derive sizes from the graph, e.g. with
            ``Shape``, when they matter).
        dtype (numpy.dtype): its element type.
        constant (numpy.ndarray or None): its value when it is a constant of the
            graph (a parameter, a buffer, a tensor made inside forward), else None.
        other_shape (tuple): its shape when the model ran a second time with every
            dynamic axis of the inputs at another size (``shape`` when nothing is
            dynamic). The axes where the two differ are the ``dynamic`` ones.
    """

    __slots__ = ("name", "shape", "dtype", "constant", "other_shape")

    def __init__(self, name, shape, dtype, constant=None, other_shape=None):
        self.name = name
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.constant = constant
        self.other_shape = self.shape if other_shape is None else tuple(other_shape)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def dynamic(self):
        """The axes whose size follows a dynamic axis of the graph's inputs."""
        return tuple(axis for axis, (a, b) in enumerate(zip(self.shape, self.other_shape))
                     if a != b)

    def with_other_shape(self, other_shape):
        """This value, known to have ``other_shape`` at the other input sizes."""
        if other_shape is None or tuple(other_shape) == self.other_shape:
            return self
        return Value(self.name, self.shape, self.dtype, self.constant, other_shape)

    def __repr__(self):
        kind = "constant" if self.constant is not None else "traced"
        return f"Value({self.name!r}, shape={list(self.shape)}, dtype={self.dtype}, {kind})"


class GraphBuilder:
    """Collects the nodes and constants of the graph being exported (``g`` in a mapping).

    Attributes:
        opset (int): the ONNX opset of the default domain being targeted.
        results (tuple of Value): while a mapping runs, the outputs of the op being
            mapped as they were traced (``shape``, ``other_shape`` and ``dtype``;
            ``name`` is None).
        sizes (SizeSources): run-time sizes of dynamic axes (``g.sizes.shape_of``,
            ``g.sizes.reshape_target``), for mappings that need a shape as an input.
    """

    def __init__(self, opset):
        self.opset = opset
        self.results = ()
        self.sizes = SizeSources(self)
        self.nodes = []          # (op_type, input names, output names, attributes, domain, name)
        self.initializers = {}   # name -> numpy array
        self.domains = set()     # custom operator domains used
        self._taken = set()
        self._serial = itertools.count()

    def fresh_name(self, base):
        """A name no value or node of the graph has yet, starting with ``base``."""
        name = base
        while name in self._taken:
            name = f"{base}_{next(self._serial)}"
        self._taken.add(name)
        return name

    def op(self, op_type, *inputs, outputs=1, domain="", **attributes):
        """Append the node ``op_type(*inputs)`` and return its output name (a tuple of
        ``outputs`` names when ``outputs`` > 1).

        ``inputs`` are Values, names or None (an omitted optional input); numpy arrays
        become constants. ``attributes`` are ONNX attributes (ints, floats, strings,
        lists of them); a None attribute is left out. ``domain`` names a custom
        operator set (version 1) for ops outside the default one.
        """
        names = tuple(self._input_name(value) for value in inputs)
        results = tuple(self.fresh_name(f"{op_type}_out") for _ in range(outputs))
        attributes = {key: _attribute(value) for key, value in attributes.items()
                      if value is not None}
        if domain:
            self.domains.add(domain)
        self.nodes.append((op_type, names, results, attributes, domain,
                           self.fresh_name(f"/{op_type}")))
        return results[0] if outputs == 1 else results

    def constant(self, value, dtype=None):
        """The name of a new constant (an initializer) holding ``value`` (a number, a
        sequence or an array), as ``dtype`` when given."""
        array = np.array(value, dtype=dtype)
        return self.add_initializer(self.fresh_name("onnx_const"), array)

    def add_initializer(self, name, array):
        """Store ``array`` under the (already reserved) ``name``; returns ``name``."""
        # np.require keeps a 0-d array 0-d (ascontiguousarray makes it 1-d)
        self.initializers[name] = np.require(array, requirements="C")
        return name

    def _input_name(self, value):
        if value is None:
            return ""
        if isinstance(value, Value):
            return value.name
        if isinstance(value, str):
            return value
        if isinstance(value, np.ndarray):
            return self.constant(value)
        raise TypeError(f"GraphBuilder.op(): an input must be a Value, a name, a numpy "
                        f"array or None, not {type(value).__name__} (make numbers constants "
                        f"with g.constant(value, dtype))")


def _attribute(value):
    """An attribute value as onnx.helper.make_attribute takes it."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, (tuple, list)):
        return [_attribute(v) for v in value]
    return value


# onnx.TensorProto.DataType: fixed by the ONNX standard, so mappings need not import onnx
_ONNX_TYPES = {np.dtype(np.float32): 1, np.dtype(np.uint8): 2, np.dtype(np.int8): 3,
               np.dtype(np.uint16): 4, np.dtype(np.int16): 5, np.dtype(np.int32): 6,
               np.dtype(np.int64): 7, np.dtype(np.bool_): 9, np.dtype(np.float16): 10,
               np.dtype(np.float64): 11, np.dtype(np.uint32): 12, np.dtype(np.uint64): 13}


def onnx_type(dtype):
    """The ``onnx.TensorProto`` element type of a numpy dtype (Cast's ``to``)."""
    try:
        return _ONNX_TYPES[np.dtype(dtype)]
    except KeyError:
        raise TypeError(f"ONNX has no element type for {np.dtype(dtype)}") from None
