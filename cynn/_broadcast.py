"""Broadcasting shapes with PyTorch's error, for every op that checks its operands'
shapes before computing anything."""
import numpy as np

__all__ = ["broadcast_shapes", "broadcast_error"]


def broadcast_error(shapes):
    """PyTorch's RuntimeError for ``shapes`` that do not broadcast: it names the
    rightmost dimension where two sizes other than 1 differ, counted in the result."""
    shapes = [tuple(s) for s in shapes]
    ndim = max(len(s) for s in shapes)
    for i in range(1, ndim + 1):
        sizes = [s[-i] for s in shapes if i <= len(s) and s[-i] != 1]
        if len(set(sizes)) > 1:
            a = sizes[0]
            b = next(n for n in sizes if n != a)
            return RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b "
                                f"({b}) at non-singleton dimension {ndim - i}")
    return RuntimeError(f"shapes {shapes} cannot be broadcast together")


def broadcast_shapes(*shapes):
    """numpy's broadcast shape of ``shapes`` as a tuple, or PyTorch's RuntimeError."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise broadcast_error(shapes) from None
