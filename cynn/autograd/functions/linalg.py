"""Matrix products: ``mm``, ``bmm``, ``matmul`` (numpy's BLAS-backed matmul)."""
import numpy as np

from ..function import Function
from .elementwise import promote


def _sum_to(g, shape):
    """Sum batch-broadcast leading dimensions of ``g`` down to ``shape``."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


class Matmul(Function):
    """General ``a @ b`` with numpy's batching and 1-d promotion rules."""
    grad_fn_name = "MmBackward0"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, a, b):
        a, b, _ = promote(a, b)
        # each operand only for the other's gradient
        needs = ctx.needs_input_grad or (False, False)  # () when not recording
        ctx.save_for_backward(a if needs[1] else None, b if needs[0] else None)
        ctx.a_shape, ctx.b_shape = a.shape, b.shape
        return np.asarray(np.matmul(a, b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        a_shape, b_shape = ctx.a_shape, ctx.b_shape
        if len(a_shape) == 1 and len(b_shape) == 1:
            return (g * b if ctx.needs_input_grad[0] else None,
                    g * a if ctx.needs_input_grad[1] else None)
        # 1-d operands take part as a row (a) or a column (b), as in the forward
        a2_shape = (1,) + a_shape if len(a_shape) == 1 else a_shape
        b2_shape = b_shape + (1,) if len(b_shape) == 1 else b_shape
        g2 = g
        if len(a_shape) == 1:
            g2 = np.expand_dims(g2, -2)
        if len(b_shape) == 1:
            g2 = np.expand_dims(g2, -1)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            b2 = b.reshape(b2_shape)
            ga = _sum_to(np.matmul(g2, np.swapaxes(b2, -1, -2)), a2_shape).reshape(a_shape)
        if ctx.needs_input_grad[1]:
            a2 = a.reshape(a2_shape)
            gb = _sum_to(np.matmul(np.swapaxes(a2, -1, -2), g2), b2_shape).reshape(b_shape)
        return ga, gb


class Mm(Matmul):
    grad_fn_name = "MmBackward0"


class Bmm(Matmul):
    grad_fn_name = "BmmBackward0"


class Dot(Matmul):
    grad_fn_name = "DotBackward0"


class Mv(Matmul):
    grad_fn_name = "MvBackward0"


class VecMat(Matmul):
    # PyTorch computes vector @ matrix as unsqueeze(0) @ matrix, then squeeze_(0).
    grad_fn_name = "SqueezeBackward4"


class BatchedMatmul(Matmul):
    # PyTorch folds batched matmul into a bmm and reshapes the result.
    grad_fn_name = "UnsafeViewBackward0"


class MatBatchedMatmul(Matmul):
    # matrix @ batch: PyTorch transposes into batch @ matrix and copies the result back.
    grad_fn_name = "CloneBackward0"


def check_mm(a, b):
    """PyTorch's errors for ``mm``: 2-d operands with matching inner sizes."""
    if a.ndim != 2:
        raise RuntimeError(f"self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({a.shape[0]}x{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")


def check_bmm(a, b):
    if a.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError(f"batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")


def matmul_function(a, b):
    """The Function class (hence grad_fn name) PyTorch's matmul dispatches to, after
    checking shapes with PyTorch's errors."""
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    if a.ndim == 1 and b.ndim == 1:
        if a.shape[0] != b.shape[0]:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                f"[{b.shape[0]}] to have the same number of elements, but got {a.shape[0]} "
                f"and {b.shape[0]} elements respectively")
        return Dot
    if a.ndim == 2 and b.ndim == 2:
        check_mm(a, b)
        return Mm
    if a.ndim == 2 and b.ndim == 1:
        if a.shape[1] != b.shape[0]:
            raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat "
                               f"({a.shape[0]}x{a.shape[1]}), vec ({b.shape[0]})")
        return Mv
    if a.ndim == 1 and b.ndim == 2:
        if a.shape[0] != b.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                               f"(1x{a.shape[0]} and {b.shape[0]}x{b.shape[1]})")
        return VecMat
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        rows_a = int(np.prod(a.shape[:-1])) if a.ndim > 1 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({rows_a}x{k_a} and {k_b}x{b.shape[-1] if b.ndim > 1 else 1})")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a must match the size of tensor b at non-singleton "
            f"dimension: batch shapes {list(a.shape[:-2])} and {list(b.shape[:-2])}") from None
    return MatBatchedMatmul if a.ndim == 2 else BatchedMatmul


# ---------------------------------------------------------------------------------------
# Gradients in differentiable ops, for a recorded backward (create_graph=True).

def _matmul_grad(ctx, inputs, g):
    from ..graph_backward import sum_to
    a, b = inputs
    if a.dim() == 1 and b.dim() == 1:
        return g * b, g * a
    a2 = a.unsqueeze(0) if a.dim() == 1 else a
    b2 = b.unsqueeze(-1) if b.dim() == 1 else b
    g2 = g.unsqueeze(-2) if a.dim() == 1 else g
    g2 = g2.unsqueeze(-1) if b.dim() == 1 else g2
    ga = gb = None
    if ctx.needs_input_grad[0]:
        ga = sum_to(Matmul.apply(g2, b2.transpose(-1, -2)), a2.shape,
                    a._data.dtype).reshape(*a.shape)
    if ctx.needs_input_grad[1]:
        gb = sum_to(Matmul.apply(a2.transpose(-1, -2), g2), b2.shape,
                    b._data.dtype).reshape(*b.shape)
    return ga, gb


Matmul.grad_graph = staticmethod(_matmul_grad)
