"""Padding layers: ``ZeroPad``, ``ConstantPad``, ``ReflectionPad``, ``ReplicationPad``
and ``CircularPad`` in 1, 2 and 3 dims, each one call to ``F.pad``."""
from .. import functional as F
from .module import Module

__all__ = [f"{kind}Pad{d}d" for kind in ("Zero", "Constant", "Reflection", "Replication",
                                          "Circular") for d in (1, 2, 3)]


def _ntuple(padding, n):
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    padding = tuple(padding)
    if len(padding) != 2 * n:
        raise ValueError(f"expected padding to be an int or a {2 * n}-tuple, got "
                         f"{len(padding)} elements")
    return padding


class _PadNd(Module):
    """``F.pad(input, self.padding, mode, value)`` over the last ``dims`` axes.

    ``padding`` is an int (every side) or ``2 * dims`` ints: (left, right) for the
    last axis, then (top, bottom), then (front, back).

    Shape:
        Input: ``(N, C, *S)`` or ``(C, *S)`` with ``dims`` spatial axes ``S`` (constant
        and zero padding take any leading axes).
        Output: each padded axis grows from ``n`` to ``n + before + after``.
    """
    mode = "constant"
    dims = 1

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = _ntuple(padding, self.dims)
        if self.mode == "constant":
            self.value = value

    def forward(self, input):  # noqa: A002
        if self.mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self):
        if self.mode == "constant" and not isinstance(self, _ZeroPad):
            return f"padding={self.padding}, value={self.value}"
        return f"{self.padding}"


class _ZeroPad(_PadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)


def _make(kind, mode, dims, base, doc):
    cls = type(f"{kind}Pad{dims}d", (base,), {"mode": mode, "dims": dims,
                                             "__module__": __name__, "__doc__": doc})
    return cls


_DOCS = {
    "Zero": "Pads with zeros.",
    "Constant": "Pads with the constant ``value`` (``ConstantPadNd(padding, value)``).",
    "Reflection": "Pads with the reflection of the input, edge not repeated (each pad "
                  "smaller than its axis).",
    "Replication": "Pads by repeating the edge values.",
    "Circular": "Pads by wrapping around (each pad at most its axis).",
}

for _kind, _mode in (("Zero", "constant"), ("Constant", "constant"), ("Reflection", "reflect"),
                     ("Replication", "replicate"), ("Circular", "circular")):
    for _dims in (1, 2, 3):
        _base = _ZeroPad if _kind == "Zero" else _PadNd
        _doc = (f"{_DOCS[_kind]} over the last {_dims} ax{'is' if _dims == 1 else 'es'}.\n\n"
                + _PadNd.__doc__.split("\n\n", 1)[1])
        globals()[f"{_kind}Pad{_dims}d"] = _make(_kind, _mode, _dims, _base, _doc)
