"""torch's top-level forms of ``nn.functional`` ops, with ATen's signatures: the calls that
``torch.nn.functional`` itself makes and that scripts (and exported code) call directly.

They differ from ``F``'s in argument order and encoding: ``torch.batch_norm`` takes
``weight, bias`` before the running statistics and a ``cudnn_enabled`` flag,
``torch.embedding`` takes the weight first, enums are integers (``reduction=1`` is
``'mean'``, ``interpolation_mode=0`` is ``'bilinear'``), the recurrent layers take their
parameters as one flat list. Each form checks what ATen checks and calls the functional
op, so values, gradients and errors are ``F``'s.

``cynn.nn`` is imported on first call, so ``import cynn`` stays free of it.
"""
import numpy as np

from ._tensor import Tensor

__all__ = ["batch_norm", "instance_norm", "embedding", "embedding_bag", "embedding_renorm_",
           "ctc_loss", "kl_div", "constant_pad_nd", "convolution", "conv_tbc",
           "grid_sampler", "grid_sampler_2d", "grid_sampler_3d", "affine_grid_generator",
           "norm_except_dim", "rnn_tanh", "rnn_relu", "lstm", "gru", "rnn_tanh_cell",
           "rnn_relu_cell", "lstm_cell", "gru_cell"]

# ATen's integer encodings of F's string arguments
_INTERPOLATIONS = ("bilinear", "nearest", "bicubic")
_PADDING_MODES = ("zeros", "border", "reflection")
_BAG_MODES = ("sum", "mean", "max")


def _functional():
    from .nn import functional as F
    return F


def batch_norm(input, weight, bias, running_mean, running_var,  # noqa: A002
               training, momentum, eps, cudnn_enabled):
    """``F.batch_norm`` in ATen's argument order (``cudnn_enabled`` is ignored: cynn has
    no cuDNN). Shape: input ``(N, C, *)``; weight, bias, running stats ``(C,)``."""
    return _functional().batch_norm(input, running_mean, running_var, weight, bias,
                                    training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats,  # noqa: A002
                  momentum, eps, cudnn_enabled):
    """``F.instance_norm`` in ATen's argument order. Shape: input ``(N, C, *)``."""
    return _functional().instance_norm(input, running_mean, running_var, weight, bias,
                                       use_input_stats, momentum, eps)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """``F.embedding(indices, weight)``; ATen's ``padding_idx`` is a row index, and a
    negative one means no padding row (F has already wrapped negative indices).

    Shape: weight ``(num_embeddings, embedding_dim)``, indices ``(*)``, output
    ``(*, embedding_dim)``."""
    return _functional().embedding(indices, weight, None if padding_idx < 0 else padding_idx,
                                   None, 2.0, scale_grad_by_freq, sparse)


def embedding_renorm_(input, indices, max_norm, norm_type):  # noqa: A002
    """Rescale, in place, each row of ``input`` named in ``indices`` whose
    ``norm_type``-norm exceeds ``max_norm`` to norm ``max_norm``; returns ``input``."""
    from .autograd import no_grad
    from .nn.functional.sparse import _check_renorm_rows, _renorm_
    if input.dim() != 2:
        raise RuntimeError(f"embedding_renorm_: Expected 2-D tensor for argument #1 'self' "
                           f"(while checking arguments for embedding_renorm_), but got "
                           f"{input.dim()}-D")
    if indices._data.dtype not in (np.int64, np.int32):
        raise RuntimeError("embedding_renorm_(): Expected dtype int32/int64 for indices")
    rows = indices._data.reshape(-1)
    _check_renorm_rows(rows, input.shape[0], input.shape)
    with no_grad():
        _renorm_(input, rows % max(input.shape[0], 1), max_norm, norm_type)
    return input


def embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """``F.embedding_bag`` with ATen's signature and its four outputs ``(output,
    offset2bag, bag_size, max_indices)``.

    ``mode`` is 0 (sum), 1 (mean) or 2 (max). The three int64 tensors are the bookkeeping
    ATen's CPU kernel returns: ``offset2bag`` the bag of each index (empty for a plain
    sum, which ATen computes without it), ``bag_size`` the bag sizes for mean and max
    (zeros for sum), ``max_indices`` the row chosen per bag and feature for max, else
    ``bag_size`` again.

    Shape: weight ``(num_embeddings, D)``, indices ``(n,)``, offsets ``(B,)`` (``(B+1,)``
    with ``include_last_offset``); output ``(B, D)``.
    """
    if not isinstance(offsets, Tensor):
        raise TypeError(f"embedding_bag(): argument 'offsets' (position 3) must be Tensor, "
                        f"not {type(offsets).__name__}")
    if not 0 <= mode < 3:
        raise RuntimeError(f"embedding_bag: mode must be 0 (sum), 1 (mean) or 2 (max), got "
                           f"{mode}")
    out = _functional().embedding_bag(
        indices, weight, offsets, None, 2, scale_grad_by_freq, _BAG_MODES[mode], sparse,
        per_sample_weights, include_last_offset, padding_idx)
    idx = indices._data.reshape(-1).astype(np.int64)
    starts = offsets._data.reshape(-1).astype(np.int64)
    n_bags = out.shape[0]
    bag_of = np.searchsorted(starts[:n_bags], np.arange(idx.size), side="right") - 1
    bag_of = np.clip(bag_of, 0, max(n_bags - 1, 0)).astype(np.int64)
    pad = None if padding_idx is None else padding_idx % max(weight.shape[0], 1)
    counted = np.ones(idx.size, bool) if pad is None else idx != pad
    if mode == 0:
        offset2bag = (np.empty(0, np.int64) if pad is None and per_sample_weights is None
                      else bag_of)
        bag_size = np.zeros(n_bags, np.int64)
    else:
        offset2bag = bag_of
        bag_size = np.bincount(bag_of[counted], minlength=n_bags).astype(np.int64)[:n_bags]
    if mode == 2:
        max_indices = _bag_argmax_rows(weight._data, idx, bag_of, counted, n_bags)
    else:
        max_indices = bag_size.copy()
    return (out, Tensor._wrap(offset2bag), Tensor._wrap(bag_size), Tensor._wrap(max_indices))


def _bag_argmax_rows(w, idx, bag_of, counted, n_bags):
    """Per bag and feature, the row of ``w`` that max mode picked (first on ties, -1 for
    an empty bag), as ATen's ``max_indices``."""
    rows = np.full((n_bags, w.shape[1]), -1, np.int64)
    best = np.full((n_bags, w.shape[1]), -np.inf)
    for position in np.flatnonzero(counted):
        bag, row = bag_of[position], idx[position]
        better = w[row] > best[bag]
        best[bag][better] = w[row][better]
        rows[bag][better] = row
    return rows


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=1,
             zero_infinity=False):
    """``F.ctc_loss`` with ATen's integer ``reduction`` (0 none, 1 mean, 2 sum).

    Shape: log_probs ``(T, N, C)``, targets ``(N, S)`` or concatenated ``(sum(lengths),)``;
    lengths lists or ``(N,)`` tensors; output ``()`` or ``(N,)`` for none."""
    return _functional().ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                                  _reduction_name(reduction), zero_infinity)


def kl_div(input, target, reduction=1, *, log_target=False):  # noqa: A002
    """``F.kl_div`` with ATen's integer ``reduction`` (0 none, 1 mean, 2 sum); mean is the
    mean over all elements (ATen has no batchmean)."""
    import warnings
    with warnings.catch_warnings():
        # F's warning about 'mean' versus 'batchmean': ATen has no batchmean to point to
        warnings.filterwarnings("ignore", "reduction: 'mean' divides", UserWarning)
        return _functional().kl_div(input, target, reduction=_reduction_name(reduction),
                                    log_target=log_target)


def _reduction_name(reduction):
    """ATen reduces by mean for 1 and sum for 2 and leaves any other value unreduced."""
    return {1: "mean", 2: "sum"}.get(int(reduction), "none")


def constant_pad_nd(input, pad, value=0):  # noqa: A002
    """Pad (or, with negative sizes, crop) the last ``len(pad) // 2`` dims with ``value``:
    ``pad = (left_last, right_last, left_second_last, ...)``, as ``F.pad``'s constant mode.
    """
    return _functional().pad(input, tuple(pad), "constant", value)


def convolution(input, weight, bias, stride, padding, dilation, transposed,  # noqa: A002
                output_padding, groups):
    """ATen's one convolution entry: ``F.conv{1,2,3}d`` or, with ``transposed``,
    ``F.conv_transpose{1,2,3}d``, chosen by ``weight.dim() - 2``.

    Shape: input ``(N, C_in, *spatial)``; weight ``(C_out, C_in / groups, *kernel)``
    (transposed: ``(C_in, C_out / groups, *kernel)``)."""
    F = _functional()
    spatial = weight.dim() - 2
    if weight.dim() < 3:
        raise RuntimeError("weight should have at least three dimensions")
    if spatial > 3:
        raise NotImplementedError(f"convolution: cynn has 1-, 2- and 3-d convolutions, not "
                                  f"{spatial}-d")
    stride, padding, dilation = (_expand(v, spatial) for v in (stride, padding, dilation))
    if transposed:
        conv = getattr(F, f"conv_transpose{spatial}d")
        return conv(input, weight, bias, stride, padding, _expand(output_padding, spatial),
                    groups, dilation)
    return getattr(F, f"conv{spatial}d")(input, weight, bias, stride, padding, dilation,
                                         groups)


def _expand(value, n):
    """ATen's int-list arguments: one value stands for every spatial dim."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    return values * n if len(values) == 1 else values


def conv_tbc(input, weight, bias, pad=0):  # noqa: A002
    """A 1-d convolution over a time-major sequence.

    Shape: input ``(T, N, C_in)``, weight ``(kw, C_in, C_out)``, bias ``(C_out,)``;
    output ``(T + 2 * pad - kw + 1, N, C_out)``.
    """
    if input.dim() != 3:
        raise RuntimeError("Input must have 3 dims: time, batch, in_channel")
    if weight.dim() != 3:
        raise RuntimeError("Weight tensor must have 3 dims: kernel_width, in_channels, "
                           "out_channels.")
    if bias.dim() != 1:
        raise RuntimeError("Bias must be 1-D")
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError("Input dim 2 (input channels) is not == dim 1 in the weight tensor")
    if weight.shape[2] != bias.shape[0]:
        raise RuntimeError("Bias size must equal dim 2 in the weight tensor (output channels).")
    # (T, N, C) -> (N, C, T) and (kw, C_in, C_out) -> (C_out, C_in, kw): conv1d's layout
    out = _functional().conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias,
                               padding=pad)
    return out.permute(2, 0, 1)


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):  # noqa: A002
    """``F.grid_sample`` with ATen's integer modes: interpolation 0 bilinear, 1 nearest,
    2 bicubic; padding 0 zeros, 1 border, 2 reflection.

    Shape: input ``(N, C, H_in, W_in)`` and grid ``(N, H_out, W_out, 2)``, output
    ``(N, C, H_out, W_out)``; or the 5-d volumetric forms."""
    if not 0 <= interpolation_mode < 3:
        raise RuntimeError(f"grid_sampler(): unknown interpolation mode {interpolation_mode}")
    if not 0 <= padding_mode < 3:
        raise RuntimeError(f"grid_sampler(): unknown padding mode {padding_mode}")
    return _functional().grid_sample(input, grid, _INTERPOLATIONS[interpolation_mode],
                                     _PADDING_MODES[padding_mode], align_corners)


def grid_sampler_2d(input, grid, interpolation_mode, padding_mode, align_corners):  # noqa: A002
    """``grid_sampler`` on 4-d inputs only."""
    if input.dim() != 4 or grid.dim() != 4:
        raise RuntimeError(f"grid_sampler(): expected 4D input and grid with same number of "
                           f"dimensions, but got input with sizes {list(input.shape)} and "
                           f"grid with sizes {list(grid.shape)}")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def grid_sampler_3d(input, grid, interpolation_mode, padding_mode, align_corners):  # noqa: A002
    """``grid_sampler`` on 5-d inputs only."""
    if input.dim() != 5 or grid.dim() != 5:
        raise RuntimeError(f"grid_sampler(): expected 5D input and grid with same number of "
                           f"dimensions, but got input with sizes {list(input.shape)} and "
                           f"grid with sizes {list(grid.shape)}")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def affine_grid_generator(theta, size, align_corners):
    """``F.affine_grid(theta, size, align_corners)`` with ``align_corners`` required.

    Shape: theta ``(N, 2, 3)`` for size ``(N, C, H, W)`` -> ``(N, H, W, 2)``; ``(N, 3, 4)``
    for ``(N, C, D, H, W)`` -> ``(N, D, H, W, 3)``."""
    return _functional().affine_grid(theta, list(size), align_corners)


def norm_except_dim(v, pow=2, dim=0):  # noqa: A002
    """The ``pow``-norm of ``v`` over every dim but ``dim``, shaped to broadcast against
    ``v`` (size 1 everywhere but ``dim``); over all of ``v`` when ``dim == -1``. Weight
    normalisation's ``||v||``."""
    if dim == -1:
        return v.norm(pow)
    dim = dim % max(v.dim(), 1)
    others = tuple(d for d in range(v.dim()) if d != dim)
    return v.norm(pow, dim=others, keepdim=True)


# --- recurrent layers ----------------------------------------------------------------
def _stack(mode):
    from .autograd.functions import rnn as R
    return {"LSTM": R.LSTMStack, "GRU": R.GRUStack, "RNN_TANH": R.RNNTanhStack,
            "RNN_RELU": R.RNNReluStack}[mode]


def _run_stack(mode, data, batch_sizes, states, params, has_biases, num_layers, dropout,
               train, bidirectional):
    """The stack Function over packed rows ``data`` ``(N, input_size)``; returns the output
    rows and the final states."""
    directions = 2 if bidirectional else 1
    params = list(params)
    per = len(params) // max(num_layers * directions, 1)
    plain = 4 if has_biases else 2
    if per not in (plain, plain + 1) or per * num_layers * directions != len(params):
        raise RuntimeError(f"{mode.lower()}: expected {plain * num_layers * directions} "
                           f"parameters for {num_layers} layer(s) and {directions} "
                           f"direction(s), got {len(params)}")
    proj_size = params[plain].shape[0] if per == plain + 1 else 0
    hidden = (proj_size or params[1].shape[1])
    masks = None
    if train and dropout > 0 and num_layers > 1:
        from .nn.modules.rnn import _dropout_masks
        masks = _dropout_masks(num_layers - 1, (data.shape[0], directions * hidden), dropout,
                               data._data.dtype)
    h0 = states[0]
    c0 = states[1] if len(states) > 1 else None
    return _stack(mode).apply(
        data, h0, c0, *params, mode=mode, num_layers=num_layers, bidirectional=bidirectional,
        batch_sizes=batch_sizes, has_bias=bool(has_biases), proj_size=proj_size,
        dropout_masks=masks)


def _layer(mode, name, input, args):  # noqa: A002
    """The stack forms' body: ``args`` are the rest of either ATen overload."""
    if len(args) == 8 and isinstance(args[0], Tensor) and args[0].dim() == 1 \
            and args[0].dtype.numpy.kind == "i":
        # the packed overload: (data, batch_sizes, hx, params, has_biases, num_layers,
        # dropout, train, bidirectional)
        batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidir = args
        states = list(hx) if mode == "LSTM" else [hx]
        sizes = np.asarray(batch_sizes._data, dtype=np.int64)
        return tuple(_run_stack(mode, input, sizes, states, params, has_biases, num_layers,
                                dropout, train, bidir))
    if len(args) != 8:
        raise TypeError(f"{name}() takes (input, hx, params, has_biases, num_layers, dropout, "
                        f"train, bidirectional, batch_first) or (data, batch_sizes, hx, params, "
                        f"has_biases, num_layers, dropout, train, bidirectional)")
    hx, params, has_biases, num_layers, dropout, train, bidir, batch_first = args
    if input.dim() != 3:
        raise RuntimeError(f"input must have 3 dimensions, got {input.dim()}")
    x = input.transpose(0, 1) if batch_first else input
    steps, batch = x.shape[0], x.shape[1]
    if steps == 0:
        raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
    states = list(hx) if mode == "LSTM" else [hx]
    sizes = np.full(steps, batch, dtype=np.int64)
    outs = _run_stack(mode, x.reshape(steps * batch, x.shape[2]), sizes, states, params,
                      has_biases, num_layers, dropout, train, bidir)
    y = outs[0].reshape(steps, batch, outs[0].shape[1])
    return (y.transpose(0, 1) if batch_first else y,) + tuple(outs[1:])


def rnn_tanh(input, *args):  # noqa: A002
    """A whole Elman RNN stack (tanh) over a sequence, with ATen's signatures:
    ``rnn_tanh(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
    batch_first)`` or, over packed rows, ``rnn_tanh(data, batch_sizes, hx, params,
    has_biases, num_layers, dropout, train, bidirectional)``. ``params`` is the flat list
    ``[w_ih, w_hh, b_ih, b_hh]`` per layer and direction (``[w_ih, w_hh]`` without biases).

    Shape: input ``(L, N, H_in)`` (``(N, L, H_in)`` with batch_first); hx
    ``(num_layers * directions, N, H)``. Returns ``(output, h_n)``, output
    ``(L, N, directions * H)``.
    """
    return _layer("RNN_TANH", "rnn_tanh", input, args)


def rnn_relu(input, *args):  # noqa: A002
    """``rnn_tanh`` with relu as the nonlinearity; the same signatures and shapes."""
    return _layer("RNN_RELU", "rnn_relu", input, args)


def gru(input, *args):  # noqa: A002
    """A whole GRU stack over a sequence, with ATen's signatures:
    ``gru(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
    batch_first)`` or ``gru(data, batch_sizes, hx, params, has_biases, num_layers, dropout,
    train, bidirectional)`` over packed rows. ``params``: ``[w_ih, w_hh, b_ih, b_hh]`` per
    layer and direction, gates stacked (r, z, n).

    Shape: input ``(L, N, H_in)``; hx ``(num_layers * directions, N, H)``; w_ih
    ``(3 * H, H_in)``. Returns ``(output, h_n)``, output ``(L, N, directions * H)``.
    """
    return _layer("GRU", "gru", input, args)


def lstm(input, *args):  # noqa: A002
    """A whole LSTM stack over a sequence, with ATen's signatures:
    ``lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
    batch_first)`` or ``lstm(data, batch_sizes, hx, params, has_biases, num_layers,
    dropout, train, bidirectional)`` over packed rows. ``hx`` is ``(h_0, c_0)``;
    ``params`` is ``[w_ih, w_hh, b_ih, b_hh]`` per layer and direction, plus ``w_hr``
    last when the layer has projections (gates stacked i, f, g, o).

    Shape: input ``(L, N, H_in)``; h_0 ``(num_layers * directions, N, H_out)``, c_0
    ``(num_layers * directions, N, H)``; w_ih ``(4 * H, H_in)``, w_hr ``(H_out, H)``.
    Returns ``(output, h_n, c_n)``, output ``(L, N, directions * H_out)``.
    """
    return _layer("LSTM", "lstm", input, args)


def _step(mode, name, input, states, w_ih, w_hh, b_ih, b_hh):  # noqa: A002
    """One step of one layer through the stack Function: the new state(s), ``(N, H)``."""
    if (b_ih is None) != (b_hh is None):
        raise RuntimeError(f"{name}: b_ih and b_hh must both be given or both be None")
    input.size(1)   # ATen's cells take batches only: a 1-d input fails here, as there
    batch = input.shape[0]
    params = [w_ih, w_hh] + ([b_ih, b_hh] if b_ih is not None else [])
    outs = _stack(mode).apply(
        input, states[0].unsqueeze(0), states[1].unsqueeze(0) if mode == "LSTM" else None,
        *params, mode=mode, num_layers=1, bidirectional=False,
        batch_sizes=np.array([batch], dtype=np.int64), has_bias=b_ih is not None,
        proj_size=0, dropout_masks=None)
    # a one-step layer's output is its final hidden state
    return [outs[0]] + [s.reshape(batch, w_hh.shape[1]) for s in outs[2:]]


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):  # noqa: A002
    """One Elman RNN step, ``h' = tanh(x w_ih^T + b_ih + h w_hh^T + b_hh)``.

    Shape (batches only, as ATen): input ``(N, H_in)``, hx ``(N, H)``, w_ih ``(H, H_in)``,
    w_hh ``(H, H)``, biases ``(H,)``; returns ``h'`` ``(N, H)``.
    """
    return _step("RNN_TANH", "rnn_tanh_cell", input, [hx], w_ih, w_hh, b_ih, b_hh)[0]


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):  # noqa: A002
    """``rnn_tanh_cell`` with relu as the nonlinearity; the same shapes."""
    return _step("RNN_RELU", "rnn_relu_cell", input, [hx], w_ih, w_hh, b_ih, b_hh)[0]


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):  # noqa: A002
    """One GRU step.

    Shape (batches only, as ATen): input ``(N, H_in)``, hx ``(N, H)``, w_ih
    ``(3 * H, H_in)``, w_hh ``(3 * H, H)``, biases ``(3 * H,)``; returns ``h'`` ``(N, H)``.
    """
    return _step("GRU", "gru_cell", input, [hx], w_ih, w_hh, b_ih, b_hh)[0]


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):  # noqa: A002
    """One LSTM step; ``hx`` is ``(h, c)``.

    Shape (batches only, as ATen): input ``(N, H_in)``, h and c ``(N, H)``, w_ih
    ``(4 * H, H_in)``, w_hh ``(4 * H, H)``, biases ``(4 * H,)``; returns ``(h', c')``.
    """
    return tuple(_step("LSTM", "lstm_cell", input, list(hx), w_ih, w_hh, b_ih, b_hh))
