"""Activation functions (``torch.nn.functional`` names and defaults).

Every function works elementwise on a tensor of any shape and returns the same
shape, except the ``softmax`` family (normalises along ``dim``) and ``prelu``
(one slope per channel, dimension 1). ``inplace=True`` writes the result into
``input`` and returns it, as PyTorch does.
"""

import numpy as np

from ... import _warnings
from ... import _random
from ..._tensor import Tensor, _canon_dim, _torch_type_name
from ...autograd.functions import activation as A

__all__ = ["relu", "relu_", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_", "elu",
           "elu_", "selu", "selu_", "celu", "celu_", "sigmoid", "tanh", "hardtanh", "hardtanh_",
           "relu6", "threshold", "threshold_", "gelu", "silu", "mish", "softplus", "logsigmoid",
           "softsign", "hardsigmoid", "hardswish", "tanhshrink", "softmax", "log_softmax",
           "softmin", "glu", "hardshrink", "softshrink", "gumbel_softmax"]

# SELU's constants (Klambauer et al. 2017), as PyTorch uses them.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check_tensor(input, name):  # noqa: A002 -- PyTorch's argument name
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def _require_float(input, kernel):  # noqa: A002
    """PyTorch's error for an integer or bool input to a floating-point-only kernel."""
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for "
                                  f"'{_torch_type_name(input._data.dtype)}'")


def _apply(input, inplace, op, name, kernel=None):  # noqa: A002
    """``op(input)``, written back into ``input`` when ``inplace``; ``kernel`` names
    PyTorch's floating-point-only kernel for the dtype error."""
    _check_tensor(input, name)
    if kernel is not None:
        _require_float(input, kernel)
    if inplace:
        return input._inplace(op)
    return op(input)


def relu(input, inplace=False):  # noqa: A002
    """max(0, x) elementwise."""
    return _apply(input, inplace, Tensor.relu, "relu")


def relu_(input):  # noqa: A002
    """In-place ``relu``."""
    return relu(input, inplace=True)


def leaky_relu(input, negative_slope=0.01, inplace=False):  # noqa: A002
    """x for x > 0, ``negative_slope * x`` otherwise."""
    return _apply(input, inplace, lambda x: A.LeakyRelu.apply(x, negative_slope), "leaky_relu",
                  "leaky_relu_cpu")


def leaky_relu_(input, negative_slope=0.01):  # noqa: A002
    """In-place ``leaky_relu``."""
    return leaky_relu(input, negative_slope, inplace=True)


def prelu(input, weight):  # noqa: A002
    """x for x > 0, ``weight[c] * x`` otherwise, c the channel (dimension 1).

    Shape:
        input ``(N, C, *)`` (or any shape when ``weight`` has one element),
        weight ``(C,)`` or ``(1,)``; output as input.
    """
    _check_tensor(input, "prelu")
    _require_float(input, "prelu_cpu")
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.dim()}")
    if weight.numel() != 1:
        channels = input.shape[1] if input.dim() >= 2 else 1
        if weight.numel() != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {weight.numel()} and channel size = "
                               f"{channels}.")
    return A.Prelu.apply(input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):  # noqa: A002
    """Randomized leaky ReLU: in training each negative element gets its own slope
    drawn from U(lower, upper) (cynn's seeded generator); in eval the slope is
    ``(lower + upper) / 2``."""
    _check_tensor(input, "rrelu")
    _require_float(input, "leaky_relu_cpu")
    if training:
        x = input._data
        slopes = _random.generator().uniform(lower, upper, x.shape).astype(x.dtype, copy=False)
        noise = Tensor._wrap(np.where(x > 0, np.ones((), x.dtype), slopes))

        def op(t):
            return A.RreluWithNoise.apply(t, noise, None)
    else:
        def op(t):
            return A.RreluWithNoise.apply(t, None, (lower + upper) / 2)
    return input._inplace(op) if inplace else op(input)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):  # noqa: A002
    """In-place ``rrelu``."""
    return rrelu(input, lower, upper, training, inplace=True)


def elu(input, alpha=1.0, inplace=False):  # noqa: A002
    """x for x > 0, ``alpha * (exp(x) - 1)`` otherwise."""
    return _apply(input, inplace, lambda x: A.Elu.apply(x, alpha), "elu", "elu_cpu")


def elu_(input, alpha=1.0):  # noqa: A002
    """In-place ``elu``."""
    return elu(input, alpha, inplace=True)


def selu(input, inplace=False):  # noqa: A002
    """``scale * elu(x, alpha)`` with SELU's fixed alpha ~ 1.6733 and scale ~ 1.0507."""
    return _apply(input, inplace, lambda x: A.Elu.apply(x, _SELU_ALPHA, _SELU_SCALE), "selu",
                  "elu_cpu")


def selu_(input):  # noqa: A002
    """In-place ``selu``."""
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):  # noqa: A002
    """x for x > 0, ``alpha * (exp(x / alpha) - 1)`` otherwise."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _apply(input, inplace, lambda x: A.Celu.apply(x, alpha), "celu", "elu_cpu")


def celu_(input, alpha=1.0):  # noqa: A002
    """In-place ``celu``."""
    return celu(input, alpha, inplace=True)


def sigmoid(input):  # noqa: A002
    """1 / (1 + exp(-x))."""
    _check_tensor(input, "sigmoid")
    return input.sigmoid()


def tanh(input):  # noqa: A002
    """Hyperbolic tangent."""
    _check_tensor(input, "tanh")
    return input.tanh()


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):  # noqa: A002
    """clamp(x, min_val, max_val)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _apply(input, inplace, lambda x: A.Hardtanh.apply(x, min_val, max_val), "hardtanh")


def hardtanh_(input, min_val=-1.0, max_val=1.0):  # noqa: A002
    """In-place ``hardtanh``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):  # noqa: A002
    """min(max(0, x), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def threshold(input, threshold, value, inplace=False):  # noqa: A002
    """x where x > threshold, else ``value``."""
    return _apply(input, inplace, lambda x: A.Threshold.apply(x, threshold, value), "threshold")


def threshold_(input, threshold, value):  # noqa: A002
    """In-place ``threshold``."""
    return _apply(input, True, lambda x: A.Threshold.apply(x, threshold, value), "threshold")


def gelu(input, approximate="none"):  # noqa: A002
    """x * Phi(x) (Gaussian CDF), or its tanh approximation (``approximate='tanh'``)."""
    _check_tensor(input, "gelu")
    _require_float(input, "GeluKernelImpl")
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return A.Gelu.apply(input, approximate)


def silu(input, inplace=False):  # noqa: A002
    """x * sigmoid(x) (swish)."""
    return _apply(input, inplace, A.Silu.apply, "silu", "silu_cpu")


def mish(input, inplace=False):  # noqa: A002
    """x * tanh(softplus(x))."""
    return _apply(input, inplace, A.Mish.apply, "mish", "mish_cpu")


def softplus(input, beta=1.0, threshold=20.0):  # noqa: A002
    """log(1 + exp(beta * x)) / beta; linear where beta * x > threshold."""
    _check_tensor(input, "softplus")
    _require_float(input, "softplus_cpu")
    return A.Softplus.apply(input, beta, threshold)


def logsigmoid(input):  # noqa: A002
    """log(sigmoid(x)), computed without overflow."""
    _check_tensor(input, "logsigmoid")
    _require_float(input, "log_sigmoid_cpu")
    return A.LogSigmoid.apply(input)


def softsign(input):  # noqa: A002
    """x / (1 + |x|)."""
    _check_tensor(input, "softsign")
    return input / (input.abs() + 1)


def tanhshrink(input):  # noqa: A002
    """x - tanh(x)."""
    _check_tensor(input, "tanhshrink")
    return input - input.tanh()


def hardshrink(input, lambd=0.5):  # noqa: A002
    """x where |x| > lambd, else 0. Shape: as the input."""
    _check_tensor(input, "hardshrink")
    return input * (input.detach().abs() > lambd)


def softshrink(input, lambd=0.5):  # noqa: A002
    """x - lambd above lambd, x + lambd below -lambd, else 0 (x minus its clamp to
    [-lambd, lambd]). Shape: as the input."""
    _check_tensor(input, "softshrink")
    if lambd < 0:
        kind = {"float32": "Float", "float64": "Double", "float16": "Half"}.get(
            str(input._data.dtype), str(input._data.dtype))
        top = float(np.finfo(input._data.dtype).max) if input._data.dtype.kind == "f" else 0
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype {kind}, but "
                           f"found {lambd:g}")
    return input - input.clamp(-lambd, lambd)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """A sample from the Gumbel-softmax distribution over ``dim``: softmax of
    ``(logits + g) / tau`` with ``g`` standard Gumbel noise (from cynn's generator);
    ``hard=True`` returns the one-hot of its argmax with the soft sample's gradient
    (straight-through). Shape: as ``logits``."""
    _check_tensor(logits, "gumbel_softmax")
    if eps != 1e-10:
        _warnings.warn("`eps` parameter is deprecated and has no effect.")
    exponential = _random.generator().exponential(1.0, tuple(logits.shape))
    gumbels = -Tensor._wrap(np.log(exponential).astype(logits._data.dtype))
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.detach().argmax(dim, keepdim=True)
    y_hard = Tensor._wrap(np.zeros(tuple(logits.shape), logits._data.dtype)).scatter(
        dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def hardsigmoid(input, inplace=False):  # noqa: A002
    """clamp(x / 6 + 1/2, 0, 1)."""
    return _apply(input, inplace, A.Hardsigmoid.apply, "hardsigmoid", "hardsigmoid_cpu")


def hardswish(input, inplace=False):  # noqa: A002
    """x * clamp(x + 3, 0, 6) / 6."""
    return _apply(input, inplace, A.Hardswish.apply, "hardswish", "hardswish_cpu")


def _get_softmax_dim(name, ndim):
    _warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                   "to include dim=X as an argument.")
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_input(input, dim, dtype, name, kernel):  # noqa: A002
    _check_tensor(input, name)
    if dim is None:
        dim = _get_softmax_dim(name, input.dim())
    if dtype is not None:
        input = input.to(dtype)
    dim = _canon_dim(dim, input.dim())
    last = "lastdim_" if dim == input.dim() - 1 or input.dim() == 0 else ""
    _require_float(input, f"{kernel}_{last}kernel_impl")
    return input, dim


def softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """exp(x_i) / sum_j exp(x_j) along ``dim`` (max-shifted, so no overflow).

    ``dtype`` casts the input first (e.g. softmax of float32 logits in float64).
    """
    input, dim = _softmax_input(input, dim, dtype, "softmax", "softmax")
    return input.softmax(dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """softmax(-x) along ``dim``."""
    input, dim = _softmax_input(input, dim, dtype, "softmin", "softmax")
    return (-input).softmax(dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """log(softmax(x)) along ``dim``, as x - logsumexp(x) (no overflow or log(0))."""
    input, dim = _softmax_input(input, dim, dtype, "log_softmax", "log_softmax")
    return input.log_softmax(dim)


def glu(input, dim=-1):  # noqa: A002
    """Gated linear unit: a * sigmoid(b), where a, b are the halves of ``input``
    along ``dim`` (whose size must be even)."""
    _check_tensor(input, "glu")
    _require_float(input, "glu_cpu")
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = _canon_dim(dim, input.dim())
    if input.shape[dim] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim} is size "
                           f"{input.shape[dim]}")
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()
