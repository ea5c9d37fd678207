"""Vision functions: ``interpolate`` (and the deprecated ``upsample*`` wrappers),
``grid_sample``, ``affine_grid``, ``unfold``/``fold``, ``pixel_shuffle``/
``pixel_unshuffle`` and ``channel_shuffle``/``native_channel_shuffle``.

Argument checks follow PyTorch (its messages, in its order). ``interpolate``
builds, per spatial axis, a table of source indices and weights the way PyTorch's
CPU kernels compute them (nearest in float32, the others in the input's precision),
and the kernels apply the tables separably (``cynn/autograd/functions/vision.py``,
``pyx/interpolate.pyx``).
"""
import math
import numbers

import numpy as np

from ..._warnings import warn
from ...autograd.functions import vision as V

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "grid_sample",
           "affine_grid", "unfold", "fold", "pixel_shuffle", "pixel_unshuffle",
           "channel_shuffle", "native_channel_shuffle"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_SCALAR_NAMES = {np.dtype(np.float16): "Half", np.dtype(np.int64): "Long",
                 np.dtype(np.int32): "Int", np.dtype(np.int16): "Short",
                 np.dtype(np.int8): "Char", np.dtype(np.uint8): "Byte",
                 np.dtype(np.bool_): "Bool", np.dtype(np.float32): "Float",
                 np.dtype(np.float64): "Double"}
_INT64_MAX = 2 ** 63 - 1


def _type_name(value):
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _tensor_arg(fn, value, position, name="input"):
    from ..._tensor import Tensor
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Tensor, "
                        f"not {_type_name(value)}")
    return value._data


def _require_float(kernel_name, x):
    if x.dtype not in _FLOATS:
        raise NotImplementedError(f'"{kernel_name}" not implemented for '
                                  f"'{_SCALAR_NAMES.get(x.dtype, str(x.dtype))}'")


def _sizes(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


# ---------------------------------------------------------------------------------------
# interpolate

_AXIS_NAMES = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}
_MODE_LIST = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
# (rank, mode) -> the name PyTorch gives the node (``<name>Backward0``)
_NODE_NAMES = {
    (1, "nearest"): "UpsampleNearest1D", (2, "nearest"): "UpsampleNearest2D",
    (3, "nearest"): "UpsampleNearest3D", (1, "nearest-exact"): "UpsampleNearestExact1D",
    (2, "nearest-exact"): "UpsampleNearestExact2D",
    (3, "nearest-exact"): "UpsampleNearestExact3D", (1, "linear"): "UpsampleLinear1D",
    (2, "bilinear"): "UpsampleBilinear2D", (3, "trilinear"): "UpsampleTrilinear3D",
    (2, "bicubic"): "UpsampleBicubic2D",
}
_AA_NODE_NAMES = {"bilinear": "UpsampleBilinear2DAa", "bicubic": "UpsampleBicubic2DAa",
                  "lanczos": "UpsampleLanczos2DAa"}
# the kernel PyTorch names when the dtype is not floating
_DTYPE_KERNELS = {"nearest": "compute_indices_weights_nearest",
                  "nearest-exact": "compute_indices_weights_nearest",
                  "linear": "compute_indices_weights_linear",
                  "bilinear": "compute_indices_weights_linear",
                  "trilinear": "compute_indices_weights_linear",
                  "bicubic": "compute_indices_weights_cubic"}
_MISMATCHED_RANK = {(3, "bilinear"): "Got 3D input, but bilinear mode needs 4D input",
                    (3, "trilinear"): "Got 3D input, but trilinear mode needs 5D input",
                    (4, "linear"): "Got 4D input, but linear mode needs 3D input",
                    (4, "trilinear"): "Got 4D input, but trilinear mode needs 5D input",
                    (5, "linear"): "Got 5D input, but linear mode needs 3D input",
                    (5, "bilinear"): "Got 5D input, but bilinear mode needs 4D input"}


def _output_size_from_scale(n_in, scale):
    value = n_in * float(scale)
    if not math.isfinite(value) or abs(value) >= 2 ** 63:
        raise RuntimeError("value cannot be converted to type int64_t without overflow")
    return math.floor(value) if value >= 0 else math.trunc(value)


def _nearest_table(n_in, n_out, scale, exact):
    """PyTorch's nearest source index, computed as it does in float32:
    ``floor(o * s)`` (``floor((o + 0.5) * s)`` for nearest-exact), clamped."""
    f32 = np.float32
    s = f32(1.0 / scale) if scale is not None and scale > 0 else f32(n_in) / f32(n_out)
    o = np.arange(n_out)
    if exact:
        src = np.floor(((o + 0.5) * np.float64(s)).astype(f32))
    else:
        src = np.floor(o.astype(f32) * s)
    idx = np.minimum(src.astype(np.int64), n_in - 1)
    return idx.reshape(-1, 1), np.ones((n_out, 1))


def _linear_scale(n_in, n_out, align_corners, scale, dtype):
    if align_corners:
        return dtype.type(n_in - 1) / dtype.type(n_out - 1) if n_out > 1 else dtype.type(0)
    if scale is not None and scale > 0:
        return dtype.type(1.0 / scale)
    return dtype.type(n_in) / dtype.type(n_out)


def _source_positions(n_in, n_out, align_corners, scale, dtype, cubic):
    s = _linear_scale(n_in, n_out, align_corners, scale, dtype)
    o = np.arange(n_out)
    if align_corners:
        return o.astype(dtype) * s
    real = (np.float64(s) * (o + 0.5) - 0.5).astype(dtype)
    return real if cubic else np.maximum(real, dtype.type(0))


def _linear_table(n_in, n_out, align_corners, scale, dtype):
    real = _source_positions(n_in, n_out, align_corners, scale, dtype, cubic=False)
    i0 = np.minimum(np.floor(real).astype(np.int64), n_in - 1)
    lam = np.clip(real - i0.astype(dtype), 0, 1).astype(dtype)
    i1 = i0 + (i0 < n_in - 1)
    return np.stack([i0, i1], 1), np.stack([1 - lam, lam], 1)


def _cubic_table(n_in, n_out, align_corners, scale, dtype):
    real = _source_positions(n_in, n_out, align_corners, scale, dtype, cubic=True)
    i0 = np.floor(real).astype(np.int64)
    t = (real - i0.astype(dtype)).astype(dtype)
    weights = V._cubic_weights(t)
    idx = np.stack([np.clip(i0 + k - 1, 0, n_in - 1) for k in range(4)], 1)
    return idx, np.stack(weights, 1)


def _triangle(x):
    x = np.abs(x)
    return np.where(x < 1, 1 - x, 0)


def _keys_cubic(x):
    # Keys' cubic with a = -0.5, the filter of antialiased bicubic (PIL's too)
    a = -0.5
    x = np.abs(x)
    return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0))


def _lanczos3(x):
    x = np.abs(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.sinc(x) * np.sinc(x / 3)
    return np.where(x < 3, value, 0)


_AA_FILTERS = {"bilinear": (2, _triangle), "bicubic": (4, _keys_cubic),
               "lanczos": (6, _lanczos3)}


def _antialias_table(n_in, n_out, align_corners, scale, dtype, mode):
    """Each output averages the inputs under a filter stretched by the downscale
    factor (never narrower than the plain filter), weights normalized to sum 1."""
    taps, filt = _AA_FILTERS[mode]
    s = _linear_scale(n_in, n_out, align_corners, scale, dtype)
    support = dtype.type(taps * 0.5) * s if s >= 1 else dtype.type(taps * 0.5)
    invscale = 1.0 / s if s >= 1 else 1.0
    center = (s * (np.arange(n_out) + 0.5)).astype(dtype)
    xmin = np.maximum(np.trunc(center - support + dtype.type(0.5)).astype(np.int64), 0)
    xmax = np.minimum(np.trunc(center + support + dtype.type(0.5)).astype(np.int64), n_in)
    width = max(int((xmax - xmin).max()), 1)
    j = np.arange(width)
    idx = xmin[:, None] + j
    valid = idx < xmax[:, None]
    w = filt((idx - center[:, None] + 0.5).astype(dtype) * dtype.type(invscale)).astype(dtype)
    w = np.where(valid, w, 0)
    total = w.sum(1, keepdims=True)
    w = np.where(total != 0, w / np.where(total != 0, total, 1), w)
    return np.where(valid, idx, np.minimum(xmin[:, None], n_in - 1)), w


def _op_name(dim, mode, antialias):
    """PyTorch's name of the op behind ``interpolate``, for its argument errors."""
    if antialias:
        return f"_upsample_{mode}2d_aa"
    if mode == "nearest-exact":
        return f"_upsample_nearest_exact{dim}d"
    return f"upsample_{mode}{dim}d"


def _check_argument_types(size, scale_factors, op):
    """Sizes must be ints and scale factors numbers (PyTorch's argument parser)."""
    bad_size = size is not None and not isinstance(size, (list, tuple)) and not _is_int(size)
    bad_scale = scale_factors is not None and not all(
        isinstance(s, numbers.Real) and not isinstance(s, (bool, np.bool_))
        for s in scale_factors)
    if bad_size or bad_scale:
        got = [_type_name(size), "NoneType"] if bad_size else \
            ["NoneType", f"list of [{', '.join(_type_name(s) for s in scale_factors)}]"]
        raise TypeError(f"{op}() received an invalid combination of arguments - got "
                        f"(Tensor, {', '.join(got)})")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    r"""Down/up samples ``input`` to ``size`` or by ``scale_factor``.

    Modes: ``'nearest'``, ``'nearest-exact'``, ``'linear'`` (3-D input), ``'bilinear'``
    and ``'bicubic'`` (4-D), ``'trilinear'`` (5-D), ``'area'`` (adaptive average
    pooling), and ``'lanczos'`` (4-D, antialiased only).

    Args:
        input (Tensor): ``(N, C, W)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        size (int or tuple of ints): output spatial size.
        scale_factor (float or tuple of floats): multiplier of the spatial size.
        mode (str): the algorithm. Default: ``'nearest'``.
        align_corners (bool): for the interpolating modes, whether the corner pixels'
            centres of input and output are aligned (else their outer edges are).
            Default: ``False``.
        recompute_scale_factor (bool): compute the output size from ``scale_factor``
            and then interpolate as if that size had been given.
        antialias (bool): filter when downsampling (bilinear, bicubic). Default: False.

    Shape:
        - Input: :math:`(N, C, *S_{in})`
        - Output: :math:`(N, C, *S_{out})` with :math:`S_{out} = size` or
          :math:`S_{out,i} = \lfloor S_{in,i} \times scale\_factor_i \rfloor`.

    Example::

        >>> x = cynn.arange(4.).view(1, 1, 2, 2)
        >>> F.interpolate(x, scale_factor=2, mode='nearest').shape
        cynn.Size([1, 1, 4, 4])
    """
    x = _tensor_arg("interpolate", input, 1)
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = x.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {list(x.shape[2:])} and output size "
                    f"of {size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                    "and output size in (o1, o2, ...,oK) format.")
            if not all(_is_int(s) for s in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(s) for s in size]}")
            output_size = [int(s) for s in size]
        else:
            output_size = [size] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {list(x.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in "
                    "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scale_factors = list(scale_factor)
        else:
            scale_factors = [scale_factor] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [_output_size_from_scale(x.shape[i + 2], s)
                       for i, s in enumerate(scale_factors)]
        scale_factors = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and x.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")

    if mode == "area" and 3 <= x.ndim <= 5:
        from . import pooling
        pool = {3: "adaptive_avg_pool1d", 4: "adaptive_avg_pool2d", 5: "adaptive_avg_pool3d"}
        return getattr(pooling, pool[x.ndim])(input, output_size)
    if mode == "lanczos" and x.ndim == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    elif (dim, mode) not in _NODE_NAMES:
        if (x.ndim, mode) in _MISMATCHED_RANK:
            raise NotImplementedError(_MISMATCHED_RANK[(x.ndim, mode)])
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {x.ndim}D) for the "
            f"modes: {_MODE_LIST} (got {mode})")
    _check_argument_types(size, scale_factors, _op_name(dim, mode, antialias))
    if output_size is None:
        output_size = [_output_size_from_scale(n, s) for n, s in zip(x.shape[2:], scale_factors)]
    return _resample(input, x, output_size, scale_factors, mode, align_corners, antialias)


def _resample(input, x, output_size, scale_factors, mode, align_corners, antialias):
    dim = x.ndim - 2
    in_size = x.shape[2:]
    if min(in_size) <= 0 or min(output_size) <= 0:
        names = _AXIS_NAMES[dim]
        given = ", ".join(f"{a}: {n}" for a, n in zip(names, in_size))
        wanted = ", ".join(f"{a}: {n}" for a, n in zip(names, output_size))
        joint = " and output" if dim == 1 else " output"
        raise RuntimeError("Input and output sizes should be greater than 0, but got input "
                           f"({given}){joint} ({wanted})")
    if x.size == 0 and math.prod(x.shape[1:]) == 0:
        raise RuntimeError(f"Non-empty {x.ndim}D data tensor expected but got a tensor with "
                           f"sizes {_sizes(x.shape)}")
    if antialias:
        _require_float("compute_index_ranges_weights", x)
    elif x.ndim == 4 and mode in ("nearest", "nearest-exact"):
        _require_float(f"upsample_{mode.replace('-', '_')}2d_channels_last"
                       .replace("nearest_exact", "nearest"), x)
    else:
        _require_float(_DTYPE_KERNELS[mode], x)
    dtype = x.dtype
    passes = []
    for d in reversed(range(dim)):      # innermost axis first
        n_in, n_out = in_size[d], output_size[d]
        scale = None if scale_factors is None else float(scale_factors[d])
        if antialias:
            idx, w = _antialias_table(n_in, n_out, align_corners, scale, dtype, mode)
        elif mode in ("nearest", "nearest-exact"):
            idx, w = _nearest_table(n_in, n_out, scale, mode == "nearest-exact")
        elif mode == "bicubic":
            idx, w = _cubic_table(n_in, n_out, align_corners, scale, dtype)
        else:
            idx, w = _linear_table(n_in, n_out, align_corners, scale, dtype)
        passes.append((d + 2, np.ascontiguousarray(idx, np.int64),
                       np.ascontiguousarray(w, dtype), n_in))
    name = _AA_NODE_NAMES[mode] if antialias else _NODE_NAMES[(dim, mode)]
    return V.resample_function(name).apply(input, tuple(passes))


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of :func:`interpolate` (warns).

    Shape: as :func:`interpolate`.
    """
    warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(input, size, scale_factor, mode='nearest')`` (warns).

    Shape: as :func:`interpolate`.
    """
    warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` "
         "instead.")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(input, size, scale_factor, mode='bilinear',
    align_corners=True)`` (warns).

    Shape: as :func:`interpolate`.
    """
    warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` "
         "instead.")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---------------------------------------------------------------------------------------
# grid_sample, affine_grid

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                  "old behavior is desired. See the documentation of grid_sample for details.")


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    r"""Samples ``input`` at the locations of ``grid`` (normalized to ``[-1, 1]``;
    x indexes the width, y the height, z the depth).

    Args:
        input (Tensor): ``(N, C, H_in, W_in)`` or ``(N, C, D_in, H_in, W_in)``.
        grid (Tensor): ``(N, H_out, W_out, 2)`` or ``(N, D_out, H_out, W_out, 3)``.
        mode (str): ``'bilinear'`` | ``'nearest'`` | ``'bicubic'`` (4-D only).
        padding_mode (str): ``'zeros'`` | ``'border'`` | ``'reflection'``.
        align_corners (bool): -1 and 1 are the centres of the corner pixels (True) or
            their outer edges (False, the default, with a warning when not given).

    Shape:
        - Output: ``(N, C, H_out, W_out)`` or ``(N, C, D_out, H_out, W_out)``.

    Example::

        >>> theta = cynn.tensor([[[1., 0., 0.], [0., 1., 0.]]])
        >>> grid = F.affine_grid(theta, (1, 1, 3, 3), align_corners=False)
        >>> F.grid_sample(cynn.ones(1, 1, 3, 3), grid, align_corners=False).shape
        cynn.Size([1, 1, 3, 3])
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warn(_ALIGN_WARNING)
        align_corners = False
    x = _tensor_arg("grid_sampler", input, 1)
    g = _tensor_arg("grid_sampler", grid, 2, "grid")
    if x.ndim < 1 or g.ndim < 1 or x.shape[0] != g.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {_sizes(x.shape)} and grid with sizes "
                           f"{_sizes(g.shape)}")
    if g.shape[-1] != x.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {x.ndim - 2} in last "
                           f"dimension, but got grid with sizes {_sizes(g.shape)}")
    for i in range(2, x.ndim):
        if x.shape[i] <= 0:
            raise RuntimeError("grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {_sizes(x.shape)} with "
                               f"dimension {i} being empty")
    rank = 4 if x.ndim == 4 else 5
    if x.ndim != rank or g.ndim != rank:
        raise RuntimeError(f"grid_sampler(): expected {rank}D input and grid with same number "
                           f"of dimensions, but got input with sizes {_sizes(x.shape)} and "
                           f"grid with sizes {_sizes(g.shape)}")
    if rank == 5 and mode == "bicubic":
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    _require_float("grid_sampler_2d_cpu_kernel_impl" if rank == 4 else "grid_sampler3d_cpu", x)
    if g.dtype != x.dtype:
        raise RuntimeError(f"expected scalar type {_SCALAR_NAMES[x.dtype]} but found "
                           f"{_SCALAR_NAMES.get(g.dtype, str(g.dtype))}")
    fn = V.GridSampler2D if rank == 4 else V.GridSampler3D
    return fn.apply(input, grid, mode, padding_mode, bool(align_corners))


def affine_grid(theta, size, align_corners=None):
    r"""The sampling grid of the affine maps ``theta``, for :func:`grid_sample`.

    Args:
        theta (Tensor): ``(N, 2, 3)`` for 2-D or ``(N, 3, 4)`` for 3-D maps.
        size (tuple): the target output size ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        align_corners (bool): as in :func:`grid_sample`. Default: ``False`` (warns).

    Shape:
        - Output: ``(N, H, W, 2)`` or ``(N, D, H, W, 3)``; point ``(.., y, x)`` is
          ``theta @ (x_i, y_j, 1)`` with ``x_i``, ``y_j`` spaced evenly in ``[-1, 1]``.

    Example::

        >>> theta = cynn.tensor([[[1., 0., 0.], [0., 1., 0.]]])
        >>> F.affine_grid(theta, (1, 1, 2, 2), align_corners=True)[0, 0]
        tensor([[-1., -1.],
                [ 1., -1.]])
    """
    from ..._dtype import from_numpy_dtype
    if align_corners is None:
        warn(_ALIGN_WARNING)
        align_corners = False
    t = _tensor_arg("affine_grid", theta, 1, "theta")
    if t.dtype.kind != "f":
        raise ValueError("Expected theta to have floating point type, but got "
                         f"{from_numpy_dtype(t.dtype)}")
    shape_text = f"{theta.shape}"
    if len(size) == 4:
        if t.ndim != 3 or t.shape[-2] != 2 or t.shape[-1] != 3:
            raise ValueError("Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {shape_text}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if t.ndim != 3 or t.shape[-2] != 3 or t.shape[-1] != 4:
            raise ValueError("Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {shape_text}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
             "align_corners=True. This is not an intended use case of affine_grid. See the "
             "documentation of affine_grid for details.")
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if t.shape[0] != size[0]:
        k = t.shape[-1]
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{size[0]}, {k}] but got: [{t.shape[0]}, {k}].")
    return V.AffineGridGenerator.apply(theta, tuple(int(s) for s in size), bool(align_corners))


# ---------------------------------------------------------------------------------------
# unfold, fold

def _int_pair(fn, name, position, value):
    """PyTorch's ``int[2]`` argument (an int is repeated)."""
    if _is_int(value):
        return (int(value), int(value))
    if not isinstance(value, (tuple, list)):
        # PyTorch reads a lone non-int as a one-element sequence
        value = (value,)
    for i, v in enumerate(value):
        if _is_int(v):
            continue
        if i == 0:
            raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be tuple "
                            f"of ints, but found element of type {_type_name(v)} at pos 0")
        raise TypeError(f"{fn}(): argument '{name}' failed to unpack the object at pos {i + 1} "
                        f'with error "type must be tuple of ints,but got {_type_name(v)}"')
    if len(value) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(value)}")
    if any(abs(int(v)) > _INT64_MAX for v in value):
        raise RuntimeError(f"{fn}(): {name} does not fit in 64 bits")
    return (int(value[0]), int(value[1]))


def _check_positive(kernel, dilation, padding, stride, order):
    checks = {
        "kernel": (min(kernel) > 0, "kernel size should be greater than zero, but got "
                   f"kernel_height: {kernel[0]} kernel_width: {kernel[1]}"),
        "dilation": (min(dilation) > 0, "dilation should be greater than zero, but got "
                     f"dilation_height: {dilation[0]} dilation_width: {dilation[1]}"),
        "padding": (min(padding) >= 0, "padding should be non-negative, but got "
                    f"pad_height: {padding[0]} pad_width: {padding[1]}"),
        "stride": (min(stride) > 0, "stride should be greater than zero, but got "
                   f"stride_height: {stride[0]} stride_width: {stride[1]}"),
    }
    for name in order:
        ok, message = checks[name]
        if not ok:
            raise RuntimeError(message)


def _blocks(size, kernel, dilation, padding, stride):
    return tuple((size[i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
                 for i in range(2))


def _dim_out_of_range(ndim):
    return IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                      f"{ndim - 1}], but got {ndim})")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    r"""Extracts sliding local blocks (im2col): each column holds one block's
    ``C * prod(kernel_size)`` values, channel-major.

    Args:
        input (Tensor): ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size, dilation, padding, stride (int or tuple): the block geometry.

    Shape:
        - Output: ``(N, C * kh * kw, L)`` (or without ``N``), where
          :math:`L = \prod_d \lfloor (S_d + 2 p_d - d_d (k_d - 1) - 1) / s_d \rfloor + 1`.

    Example::

        >>> F.unfold(cynn.randn(2, 3, 4, 4), kernel_size=2).shape
        cynn.Size([2, 12, 9])
    """
    x = _tensor_arg("im2col", input, 1)
    kernel = _int_pair("im2col", "kernel_size", 2, kernel_size)
    dilation = _int_pair("im2col", "dilation", 3, dilation)
    padding = _int_pair("im2col", "padding", 4, padding)
    stride = _int_pair("im2col", "stride", 5, stride)
    _check_positive(kernel, dilation, padding, stride,
                    ("kernel", "dilation", "padding", "stride"))
    if x.ndim < 3:
        raise _dim_out_of_range(x.ndim)
    if x.ndim not in (3, 4) or 0 in x.shape[x.ndim - 3:]:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
                           "and other non-zero dimensions for input, but got: "
                           f"{_sizes(x.shape)}")
    h_out, w_out = _blocks(x.shape[-2:], kernel, dilation, padding, stride)
    if h_out < 1 or w_out < 1:
        raise RuntimeError(
            f"Given input with spatial size ({x.shape[-2]}, {x.shape[-1]}), kernel_size="
            f"{kernel}, dilation={dilation}, padding={padding}, calculated shape of the array "
            f"of sliding blocks as ({h_out}, {w_out}), but its components must be at least "
            "one.")
    _require_float("im2col_out_cpu", x)
    return V.Im2Col.apply(input, kernel, dilation, padding, stride)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    r"""Combines sliding local blocks into a tensor (col2im), summing overlaps; the
    adjoint of :func:`unfold`.

    Args:
        input (Tensor): ``(N, C * kh * kw, L)`` or ``(C * kh * kw, L)``.
        output_size (int or tuple): the spatial size ``(H, W)`` of the output.
        kernel_size, dilation, padding, stride (int or tuple): the block geometry.

    Shape:
        - Output: ``(N, C, H, W)`` (or without ``N``); ``L`` must equal the number of
          blocks, :math:`\prod_d \lfloor (S_d + 2 p_d - d_d (k_d - 1) - 1) / s_d \rfloor + 1`.

    Example::

        >>> F.fold(cynn.ones(1, 4, 9), output_size=(4, 4), kernel_size=2).shape
        cynn.Size([1, 1, 4, 4])
    """
    x = _tensor_arg("col2im", input, 1)
    out = _int_pair("col2im", "output_size", 2, output_size)
    kernel = _int_pair("col2im", "kernel_size", 3, kernel_size)
    dilation = _int_pair("col2im", "dilation", 4, dilation)
    padding = _int_pair("col2im", "padding", 5, padding)
    stride = _int_pair("col2im", "stride", 6, stride)
    _check_positive(kernel, dilation, padding, stride,
                    ("kernel", "stride", "dilation", "padding"))
    if x.ndim not in (2, 3) or 0 in x.shape[x.ndim - 2:]:
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           "batch size and non-zero dimensions for input, but got: "
                           f"{_sizes(x.shape)}")
    channels, blocks = x.shape[-2:]
    if channels % (kernel[0] * kernel[1]) != 0:
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={channels} and "
                           f"kernel_size={kernel}.")
    h_blocks, w_blocks = _blocks(out, kernel, dilation, padding, stride)
    given = (f"Given output_size={out}, kernel_size={kernel}, dilation={dilation}, "
             f"padding={padding}, stride={stride}, ")
    if blocks != h_blocks * w_blocks:
        raise RuntimeError(
            given + "expected size of input's dimension 2 to match the calculated number of "
            f"sliding blocks {h_blocks} * {w_blocks} = {h_blocks * w_blocks}, but got "
            f"input.size(2)={blocks}.")
    if h_blocks < 1 or w_blocks < 1:
        raise RuntimeError(given + "calculated shape of the array of sliding blocks as "
                           f"({h_blocks}, {w_blocks}), which is too small (non-positive)")
    _require_float("col2im_out_cpu", x)
    return V.Col2Im.apply(input, out, kernel, dilation, padding, stride)


# ---------------------------------------------------------------------------------------
# Shuffles

def _int_arg(fn, name, value):
    if not _is_int(value):
        raise TypeError(f"{fn}(): argument '{name}' (position 2) must be int, not "
                        f"{_type_name(value)}")
    return int(value)


def pixel_shuffle(input, upscale_factor):
    r"""Rearranges ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)``.

    Shape:
        - Input: :math:`(*, C_{in}, H_{in}, W_{in})`
        - Output: :math:`(*, C_{in} / r^2, H_{in} r, W_{in} r)`

    Example::

        >>> F.pixel_shuffle(cynn.randn(1, 9, 4, 4), 3).shape
        cynn.Size([1, 1, 12, 12])
    """
    x = _tensor_arg("pixel_shuffle", input, 1)
    r = _int_arg("pixel_shuffle", "upscale_factor", upscale_factor)
    if x.ndim < 3:
        raise RuntimeError("pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {x.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    if x.shape[-3] % (r * r) != 0:
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)="
                           f"{x.shape[-3]} is not divisible by {r * r}")
    return V.PixelShuffle.apply(input, r)


def pixel_unshuffle(input, downscale_factor):
    r"""Rearranges ``(*, C, H r, W r)`` into ``(*, C r^2, H, W)``; the inverse of
    :func:`pixel_shuffle`.

    Shape:
        - Input: :math:`(*, C_{in}, H_{in}, W_{in})`
        - Output: :math:`(*, C_{in} r^2, H_{in} / r, W_{in} / r)`

    Example::

        >>> F.pixel_unshuffle(cynn.randn(1, 1, 12, 12), 3).shape
        cynn.Size([1, 9, 4, 4])
    """
    x = _tensor_arg("pixel_unshuffle", input, 1)
    r = _int_arg("pixel_unshuffle", "downscale_factor", downscale_factor)
    if x.ndim < 3:
        raise RuntimeError("pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {x.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    if x.shape[-2] % r != 0:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by downscale_factor, "
                           f"but input.size(-2)={x.shape[-2]} is not divisible by {r}")
    if x.shape[-1] % r != 0:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by downscale_factor, "
                           f"but input.size(-1)={x.shape[-1]} is not divisible by {r}")
    return V.PixelUnshuffle.apply(input, r)


def _check_channel_shuffle(fn, input, groups):
    x = _tensor_arg(fn, input, 1)
    groups = _int_arg(fn, "groups", groups)
    if x.ndim <= 2:
        raise RuntimeError("channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {_sizes(x.shape)}")
    if groups <= 0:
        raise RuntimeError("Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    if x.shape[1] % groups != 0:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {x.shape[1]} "
                           f"channels and {groups} groups.")
    return groups


def channel_shuffle(input, groups):
    r"""Splits the ``C`` channels into ``groups`` groups and interleaves them: output
    channel ``i * groups + g`` is input channel ``g * (C / groups) + i``.

    Shape:
        - Input: :math:`(N, C, *)`, with :math:`C` divisible by ``groups``
        - Output: :math:`(N, C, *)`

    Example::

        >>> F.channel_shuffle(cynn.arange(4.).view(1, 4, 1), 2).flatten()
        tensor([0., 2., 1., 3.])
    """
    groups = _check_channel_shuffle("channel_shuffle", input, groups)
    return V.ChannelShuffle.apply(input, groups)


def native_channel_shuffle(input, groups):
    r""":func:`channel_shuffle` without a derivative (as in PyTorch).

    Shape:
        - Input: :math:`(N, C, *)`; Output: :math:`(N, C, *)`

    Example::

        >>> F.native_channel_shuffle(cynn.arange(4.).view(1, 4, 1), 2).flatten()
        tensor([0., 2., 1., 3.])
    """
    groups = _check_channel_shuffle("native_channel_shuffle", input, groups)
    return V.NativeChannelShuffle.apply(input, groups)
