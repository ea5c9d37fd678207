"""Sizes that a dynamic axis changes, computed by the graph instead of stored in it.

cynn's ops take their sizes as Python ints, so one trace sees only the traced sizes.
With dynamic axes the exporter runs the model a second time with every dynamic axis
of the inputs at another size (``Tracer``'s shadow run); a size that differs between
the two runs follows a dynamic axis, and the pair (traced size, other size) tells
which one: ``batch`` is (2, 5), ``steps * batch`` (12, 30), ``batch * heads`` (8, 20).

The graph reads such a size with ``Shape`` from a value that has it on one of its
axes (the graph inputs first), or computes it from one that does: a static multiple,
quotient or offset of it (``steps * batch``, ``batch + 1`` after a concatenation) or
the product of two (``steps * batch`` when both are dynamic).
"""
import itertools

import numpy as np

from .errors import UnsupportedOperatorError

__all__ = ["SizeSources"]


class SizeSources:
    """Where the graph of ``graph`` (a ``GraphBuilder``) can read each dynamic size."""

    def __init__(self, graph):
        self._graph = graph
        self._where = {}    # (traced, other) -> (value name, axis): the first value with it
        self._read = {}     # (traced, other) -> name of a 1-element int64 tensor

    def register(self, value):
        """Note the dynamic axes of ``value`` (a graph input, or a traced value) as
        places to read their sizes from."""
        for axis in value.dynamic:
            self._where.setdefault((value.shape[axis], value.other_shape[axis]),
                                   (value.name, axis))

    def size(self, pair):
        """The name of a 1-element int64 tensor holding, at run time, the size that was
        ``pair[0]`` while tracing and ``pair[1]`` at the other input sizes; None when
        the graph has no way to compute it."""
        if pair not in self._read:
            name = self._compute(pair)
            if name is None:
                return None
            self._read[pair] = name
        return self._read[pair]

    def shape_of(self, value, reshape_of=None):
        """The name of a 1-D int64 tensor holding the run-time shape of ``value`` (a
        ``Value``, e.g. ``g.results[0]``): static sizes as constants, dynamic ones
        computed by the graph.

        With ``reshape_of=x`` it is a ``Reshape`` target for ``x``: a dynamic size that
        ``x`` has on the same axis is ``0`` (copied from ``x``), and one dynamic size
        is ``-1`` (inferred) when that saves reading it.

        Raises UnsupportedOperatorError when a dynamic size cannot be computed.
        """
        dims, pending = [], []
        for axis, pair in enumerate(zip(value.shape, value.other_shape)):
            if pair[0] == pair[1]:
                dims.append(pair[0])
            elif reshape_of is not None and axis < reshape_of.ndim and \
                    (reshape_of.shape[axis], reshape_of.other_shape[axis]) == pair:
                dims.append(0)
            else:
                dims.append(None)
                pending.append(axis)
        inferred = reshape_of is not None and len(pending) == 1
        for axis in pending:
            pair = (value.shape[axis], value.other_shape[axis])
            name = None if inferred else self.size(pair)
            if name is None:
                if reshape_of is None or -1 in dims:
                    raise UnsupportedOperatorError(
                        f"cannot export a shape {list(value.shape)} with dynamic axes: its "
                        f"size {pair[0]} at axis {axis} follows a dynamic axis ({pair[1]} "
                        f"when the inputs' dynamic axes change size), but no value of the "
                        f"graph has it")
                dims[axis] = -1
            else:
                dims[axis] = name
        return self.concat(dims)

    def _compute(self, pair):
        g = self._graph
        if pair in self._where:
            source, axis = self._where[pair]
            return g.op("Shape", source, start=axis, end=axis + 1)
        a, b = pair
        known = list(self._where)
        for sa, sb in known:
            if a % sa == 0 and b % sb == 0 and a // sa == b // sb:
                return g.op("Mul", self.size((sa, sb)), _ints(g, a // sa))
            if sa % a == 0 and sb % b == 0 and sa // a == sb // b:
                return g.op("Div", self.size((sa, sb)), _ints(g, sa // a))
            if a - sa == b - sb:
                return g.op("Add", self.size((sa, sb)), _ints(g, a - sa))
        for (sa, sb), (ta, tb) in itertools.combinations_with_replacement(known, 2):
            if sa * ta == a and sb * tb == b:
                return g.op("Mul", self.size((sa, sb)), self.size((ta, tb)))
        return None

    def concat(self, dims):
        """``dims`` (ints and names of 1-element int64 tensors) as one 1-D int64 tensor."""
        g = self._graph
        if all(isinstance(d, (int, np.integer)) for d in dims):
            return _ints(g, dims)
        pieces = []
        for is_int, run in itertools.groupby(dims, key=lambda d: not isinstance(d, str)):
            pieces.extend([_ints(g, list(run))] if is_int else run)
        return g.op("Concat", *pieces, axis=0)


def _ints(g, values):
    return g.constant(np.array(values, dtype=np.int64).reshape(-1))
