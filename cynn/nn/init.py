"""``cynn.nn.init``: in-place parameter initialisation, as ``torch.nn.init``.

Every function fills its tensor in place without recording a graph (as under
``no_grad``), draws from cynn's seeded generator (``cynn.manual_seed``) unless a
``generator`` is given, and returns the tensor it was given.

Example::

    >>> w = cynn.empty(3, 5)
    >>> cynn.nn.init.kaiming_uniform_(w, a=math.sqrt(5))  # Linear's default
    >>> cynn.nn.init.calculate_gain("leaky_relu", 0.2)
    1.3867504905630728
"""
import math

import numpy as np

from .. import _warnings
from .. import _random

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_", "sparse_"]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d")


def _numpy_generator(generator):
    """The numpy Generator to draw from: ``generator``'s, else cynn's default one."""
    if generator is None:
        return _random.generator()
    if isinstance(generator, _random.Generator):
        return generator.numpy
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"generator must be a cynn Generator, not {type(generator).__name__}")


def _write(tensor, values):
    """Store ``values`` into ``tensor``'s buffer in place, outside the graph."""
    tensor._data[...] = values
    tensor._version[0] += 1
    return tensor


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (scales the std of the init).

    ==================  ============================
    nonlinearity        gain
    ==================  ============================
    linear / conv*d     1
    sigmoid             1
    tanh                5/3
    relu                sqrt(2)
    leaky_relu          sqrt(2 / (1 + slope^2)), slope = ``param`` (default 0.01)
    selu                3/4
    ==================  ============================

    Raises ValueError for an unknown nonlinearity or a non-numeric ``param``.
    """
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif (not isinstance(param, bool) and isinstance(param, int)) or isinstance(param, float):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill ``tensor`` with values drawn from U(a, b)."""
    return _write(tensor, _numpy_generator(generator).uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill ``tensor`` with values drawn from N(mean, std^2)."""
    return _write(tensor, _numpy_generator(generator).normal(mean, std, tensor.shape))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill ``tensor`` with N(mean, std^2) values truncated to ``[a, b]``.

    Out-of-range draws are redrawn (rejection sampling), so the values follow the
    truncated normal exactly. When ``[a, b]`` holds little of the normal's mass,
    candidates are drawn uniformly on ``[a, b]`` and accepted with probability
    proportional to the normal density, as PyTorch does.
    """
    def norm_cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if mean < a - 2 * std or mean > b + 2 * std:
        _warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                       "The distribution of values may be incorrect.")
    rng = _numpy_generator(generator)
    shape = tuple(tensor.shape)
    mass = norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std)
    if mass > 0.3:
        values = rng.normal(mean, std, shape)
        pending = (values < a) | (values > b)
        while pending.any():
            values[pending] = rng.normal(mean, std, int(pending.sum()))
            pending = (values < a) | (values > b)
    else:
        # Accept x ~ U(a, b) with probability pdf(x) / pdf(mode), mode the density's
        # highest point inside [a, b]; compare in log space.
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2
        values = np.empty(shape)
        pending = np.ones(shape, dtype=bool)
        while pending.any():
            n = int(pending.sum())
            candidates = rng.uniform(a, b, n)
            log_ratio = -0.5 * ((candidates - mean) / std) ** 2 - log_peak
            accepted = np.log(rng.uniform(0.0, 1.0, n)) <= log_ratio
            idx = np.flatnonzero(pending)
            values.reshape(-1)[idx[accepted]] = candidates[accepted]
            pending.reshape(-1)[idx[accepted]] = False
    return _write(tensor, values)


def constant_(tensor, val):
    """Fill ``tensor`` with the value ``val``."""
    return _write(tensor, val)


def ones_(tensor):
    """Fill ``tensor`` with ones."""
    return _write(tensor, 1.0)


def zeros_(tensor):
    """Fill ``tensor`` with zeros."""
    return _write(tensor, 0.0)


def eye_(tensor):
    """Fill the 2-D ``tensor`` with the identity matrix (ones on the main diagonal)."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tensor.shape))


def dirac_(tensor, groups=1):
    """Fill the 3/4/5-D ``tensor`` with the Dirac delta: a convolution with it copies
    (per group) as many input channels as it can to the output channels."""
    dimensions = tensor.dim()
    if dimensions not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_chans_per_grp = sizes[0] // groups
    min_dim = min(out_chans_per_grp, sizes[1])
    values = np.zeros(sizes)
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min_dim):
            values[(g * out_chans_per_grp + d, d) + centre] = 1
    return _write(tensor, values)


def _calculate_fan_in_and_fan_out(tensor):
    """``(fan_in, fan_out)`` of a weight ``(out, in, *kernel)``: channels times kernel size."""
    dimensions = tensor.dim()
    if dimensions < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than "
                         "2 dimensions")
    receptive_field_size = 1
    for s in tensor.shape[2:]:
        receptive_field_size *= s
    fan_in = tensor.shape[1] * receptive_field_size
    fan_out = tensor.shape[0] * receptive_field_size
    return fan_in, fan_out


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He uniform: U(-bound, bound), bound = gain * sqrt(3 / fan).

    ``a`` is the negative slope for ``leaky_relu``; ``mode`` picks ``fan_in``
    (preserves the forward variance) or ``fan_out`` (the backward one).
    """
    if 0 in tuple(tensor.shape):
        _warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He normal: N(0, std^2), std = gain / sqrt(fan); arguments as ``kaiming_uniform_``."""
    if 0 in tuple(tensor.shape):
        _warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return normal_(tensor, 0.0, gain / math.sqrt(fan), generator)


def orthogonal_(tensor, gain=1, generator=None):
    """Fill ``tensor`` (viewed as ``(rows, numel // rows)``) with a (semi-)orthogonal
    matrix times ``gain``: Q of the QR decomposition of a Gaussian matrix, signs fixed
    by diag(R) so that Q is uniformly distributed."""
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flattened = _numpy_generator(generator).normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _write(tensor, (q * gain).reshape(tensor.shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Fill the 2-D ``tensor`` from N(0, std^2), then zero ``ceil(sparsity * rows)``
    randomly chosen entries in every column."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rng = _numpy_generator(generator)
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    values = rng.normal(0.0, std, (rows, cols))
    for col_idx in range(cols):
        values[rng.permutation(rows)[:num_zeros], col_idx] = 0
    return _write(tensor, values)


def _deprecated(new):
    """torch's old names without the trailing underscore: the same function, with its
    deprecation warning."""
    old = new.__name__[:-1]

    def deprecated(*args, **kwargs):
        _warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{old}_`.",
                       FutureWarning)
        return new(*args, **kwargs)
    deprecated.__name__ = deprecated.__qualname__ = old
    deprecated.__doc__ = f"Deprecated alias of :func:`{new.__name__}`."
    return deprecated


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)
__all__ += ["uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal",
            "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse"]
