"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``.

Both are compositions of differentiable Tensor ops (matmul, softmax, masked_fill,
linear), so they get first and second derivatives from the ops they are made of. The
scores of a query row whose keys are all masked are -inf throughout; PyTorch's math
path returns zeros for such a row (not the NaN of a plain softmax), with zero
gradient, and so does ``scaled_dot_product_attention`` here. ``multi_head_attention_forward``
with ``need_weights=True`` uses a plain softmax, and gives NaN there, as PyTorch does.
"""
import math
import numbers

import numpy as np

from ... import _warnings
from ..._broadcast import broadcast_error
from .dropout import dropout as _dropout
from .linear import linear
from .padding import pad

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_C_TYPE_NAMES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double",
                 np.dtype(np.float16): "c10::Half", np.dtype(np.int64): "long int",
                 np.dtype(np.int32): "int", np.dtype(np.int16): "short int",
                 np.dtype(np.int8): "signed char", np.dtype(np.uint8): "unsigned char",
                 np.dtype(np.bool_): "bool"}
_SCALAR_NAMES = {np.dtype(np.float32): "Float", np.dtype(np.float64): "Double",
                 np.dtype(np.float16): "Half", np.dtype(np.int64): "Long",
                 np.dtype(np.int32): "Int", np.dtype(np.int16): "Short",
                 np.dtype(np.int8): "Char", np.dtype(np.uint8): "Byte",
                 np.dtype(np.bool_): "Bool"}


def _tensor_cls():
    from ..._tensor import Tensor
    return Tensor


def _np_dtype(t):
    return t._data.dtype


def _check_sdpa_arguments(query, key, value, attn_mask, dropout_p, is_causal, scale,
                          enable_gqa):
    """PyTorch's argument-parser TypeErrors, in signature order."""
    Tensor = _tensor_cls()
    name = "scaled_dot_product_attention()"
    for pos, (arg, value_) in enumerate((("query", query), ("key", key), ("value", value)), 1):
        if not isinstance(value_, Tensor):
            raise TypeError(f"{name}: argument '{arg}' (position {pos}) must be Tensor, "
                            f"not {type(value_).__name__}")
    if attn_mask is not None and not isinstance(attn_mask, Tensor):
        raise TypeError(f"{name}: argument 'attn_mask' must be Tensor, not "
                        f"{type(attn_mask).__name__}")
    if isinstance(dropout_p, bool) or not isinstance(dropout_p, numbers.Real):
        raise TypeError(f"{name}: argument 'dropout_p' must be float, not "
                        f"{type(dropout_p).__name__}")
    if not isinstance(is_causal, (bool, np.bool_)):
        raise TypeError(f"{name}: argument 'is_causal' must be bool, not "
                        f"{type(is_causal).__name__}")
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, numbers.Real)):
        raise TypeError(f"{name}: argument 'scale' must be float, not {type(scale).__name__}")
    if not isinstance(enable_gqa, (bool, np.bool_)):
        raise TypeError(f"{name}: argument 'enable_gqa' must be bool, not "
                        f"{type(enable_gqa).__name__}")


_INT_TYPE_NAMES = {np.dtype(np.int64): "int64_t", np.dtype(np.int32): "int",
                   np.dtype(np.int16): "int16_t", np.dtype(np.int8): "int8_t",
                   np.dtype(np.uint8): "uint8_t"}


def _check_sdpa_inputs(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa):
    """PyTorch's input checks, in its order: dtypes, ranks, the mask's dtype, the mask
    conversion, mask with is_causal, head counts."""
    qd, kd, vd = _np_dtype(query), _np_dtype(key), _np_dtype(value)
    if not (qd == kd == vd):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_C_TYPE_NAMES.get(qd, qd)} key.dtype: {_C_TYPE_NAMES.get(kd, kd)} and "
            f"value.dtype: {_C_TYPE_NAMES.get(vd, vd)} instead.")
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got "
            f"query.dim: {query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} "
            "instead.")
    if attn_mask is not None:
        md = _np_dtype(attn_mask)
        if not (md == np.bool_ or md == np.float32 or md == qd):
            raise RuntimeError(
                "Expected attn_mask dtype to be bool or float or to match query dtype, but "
                f"got attn_mask.dtype: {_C_TYPE_NAMES.get(md, md)} and  query.dtype: "
                f"{_C_TYPE_NAMES.get(qd, qd)} instead.")
        if attn_mask.dim() < 2 and dropout_p == 0 and \
                query.dim() == key.dim() == value.dim() == 4 and \
                tuple(query.shape[:2]) == tuple(key.shape[:2]) == tuple(value.shape[:2]):
            # PyTorch's fused CPU kernel (a candidate for 4-d inputs of equal batch and
            # heads without dropout) reads the mask's size(-2) before anything else
            raise IndexError("Dimension out of range (expected to be in range of [-1, 0], "
                             "but got -2)")
        if md == np.bool_ and qd.kind != "f":
            # a bool mask becomes -inf of the query's dtype
            raise RuntimeError(f"value cannot be converted to type "
                               f"{_INT_TYPE_NAMES.get(qd, qd)} without overflow")
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should "
                               "not be set when is_causal=True")
    if enable_gqa:
        low = min(query.dim(), key.dim(), value.dim())
        if low < 3:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-low}, {low - 1}], but got -3)")
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hk == 0 or hv == 0 or hq % hk != 0 or hq % hv != 0:
            raise RuntimeError("Number of heads in key and value must divide the number of "
                               "heads in ")


def _broadcast_batch(*shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


def _raise_broadcast_error(a, b):
    raise broadcast_error([a, b])


def _check_bmm_sizes(a_shape, b_shape):
    """The size check PyTorch's batched matmul reports for ``a @ b`` (contraction and
    broadcast batch), raised before anything is computed."""
    batch = _broadcast_batch(a_shape[:-2], b_shape[:-2])
    if batch is None:
        _raise_broadcast_error(tuple(a_shape[:-2]), tuple(b_shape[:-2]))
    n = int(np.prod(batch, dtype=np.int64))
    if a_shape[-1] != b_shape[-2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{n}, {a_shape[-1]}] but got: [{n}, {b_shape[-2]}].")


def _safe_softmax(scores):
    """Softmax over the last axis; a row that is -inf throughout gives zeros (and passes
    zero gradient) instead of NaN."""
    from ... import _creation
    x = scores._data
    if x.shape[-1] == 0:
        return scores * 0.0  # no keys: an empty row of weights
    dead = np.isneginf(x).all(axis=-1, keepdims=True)
    if not dead.any():
        return scores.softmax(-1)
    dead = _creation.from_numpy(dead)
    # fill before the softmax too: its backward through a NaN row would be NaN * 0
    return scores.masked_fill(dead, 0.0).softmax(-1).masked_fill(dead, 0.0)


def _repeat_heads(t, times):
    return t if times == 1 else t.repeat_interleave(times, dim=-3)


def _as_additive_mask(mask, dtype):
    """A bool mask (True = attend) as 0 / -inf of ``dtype``; a float mask unchanged."""
    from ... import _creation
    if mask._data.dtype != np.bool_:
        return mask
    out = np.zeros(mask.shape, dtype=dtype)
    out[~mask._data] = -np.inf
    return _creation.from_numpy(out)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    r"""``softmax(Q K^T * scale + mask) V``, with optional dropout on the weights.

    Args:
        query: ``(N, ..., Hq, L, E)``.
        key: ``(N, ..., H, S, E)``.
        value: ``(N, ..., H, S, Ev)``.
        attn_mask: optional, broadcastable to ``(N, ..., Hq, L, S)``: bool (True = take
            part in attention) or float (added to the scores).
        dropout_p (float): dropout probability on the attention weights (applied
            whenever it is positive, whatever the module's training mode).
        is_causal (bool): a lower-triangular mask ``(L, S)`` (query ``i`` sees keys
            ``0..i``); must not be combined with ``attn_mask``.
        scale (float, optional): defaults to ``1 / sqrt(E)``.
        enable_gqa (bool): grouped-query attention: ``H`` must divide ``Hq`` and each
            key/value head serves ``Hq / H`` consecutive query heads.

    Shape:
        output ``(N, ..., Hq, L, Ev)``; batch dimensions broadcast as in ``matmul``.
        A query row with every key masked gives zeros.

    Example::

        >>> q, k, v = cynn.randn(2, 4, 5, 8), cynn.randn(2, 4, 7, 8), cynn.randn(2, 4, 7, 3)
        >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
        cynn.Size([2, 4, 5, 3])
    """
    _check_sdpa_arguments(query, key, value, attn_mask, dropout_p, is_causal, scale,
                          enable_gqa)
    _check_sdpa_inputs(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa)
    dtype = _np_dtype(query)
    L, E = query.shape[-2], query.shape[-1]
    if enable_gqa:
        key = _repeat_heads(key, query.shape[-3] // key.shape[-3])
        value = _repeat_heads(value, query.shape[-3] // value.shape[-3])
    S = key.shape[-2]
    key_t = key.transpose(-2, -1)
    _check_bmm_sizes(query.shape, key_t.shape)
    score_shape = tuple(_broadcast_batch(query.shape[:-2], key.shape[:-2])) + (L, S)
    mask = None
    if attn_mask is not None:
        full = _broadcast_batch(score_shape, tuple(attn_mask.shape))
        if full is None:
            _raise_broadcast_error(score_shape, tuple(attn_mask.shape))
        if tuple(full) != score_shape:
            # PyTorch adds the mask in place, so it may not grow the scores
            shown = ", ".join(str(int(n)) for n in score_shape)
            raise RuntimeError(f"output with shape [{shown}] doesn't match the broadcast "
                               f"shape [{', '.join(str(int(n)) for n in full)}]")
        mask = _as_additive_mask(attn_mask, dtype)
    if dropout_p > 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got "
                           f"{float(dropout_p):g}")
    _check_bmm_sizes(score_shape, value.shape)
    if dtype.kind != "f":
        # PyTorch's scores are floating point; its final product with integer values fails
        if len(score_shape) == 2:
            raise RuntimeError("expected m1 and m2 to have the same dtype, but got: float != "
                               f"{_C_TYPE_NAMES.get(dtype, dtype)}")
        raise RuntimeError(f"expected scalar type Float but found {_SCALAR_NAMES.get(dtype)}")

    if is_causal:
        from ... import _creation
        mask = _as_additive_mask(
            _creation.from_numpy(np.tril(np.ones((L, S), dtype=np.bool_))), dtype)
    factor = 1.0 / math.sqrt(E) if scale is None else float(scale)
    scores = (query * factor) @ key_t
    if mask is not None:
        scores = scores + mask
    weights = _safe_softmax(scores)
    if dropout_p > 0:
        weights = _dropout(weights, p=float(dropout_p), training=True)
    return weights @ value


# ---------------------------------------------------------------------------------
# multi-head attention


def _none_or_dtype(input):  # noqa: A002 -- PyTorch's name
    """The dtype of ``input``, or None; anything but None or a Tensor is an error."""
    if input is None:
        return None
    if isinstance(input, _tensor_cls()):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask as an additive float mask of ``target_type`` (True -> -inf); a float
    mask unchanged; any other dtype is an error."""
    if mask is None:
        return None
    from ... import _creation
    dt = mask._data.dtype
    is_float = dt.kind == "f"
    if dt != np.bool_ and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        _warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                       "Use same type for both instead.")
    if is_float:
        return mask
    # Tensor ops, not numpy: a traced mask (cynn.onnx.export) stays a computation
    return _creation.zeros(mask.shape, dtype=target_type).masked_fill(mask, float("-inf"))


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """Whether the call is batched (3-d query) or not (2-d), with PyTorch's assertions."""
    if query.dim() == 3:
        if not (key.dim() == 3 and value.dim() == 3):
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be "
                                 f"3-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, "
                                 f"2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if not (key.dim() == 2 and value.dim() == 2):
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be "
                                 f"2-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to "
                                 f"be `None` or 1-D but found {key_padding_mask.dim()}-D "
                                 "tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask.dim()}-D tensor "
                                     "instead")
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                         f"{attn_mask.shape}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor")


def _in_projection_packed(q, k, v, w, b=None):
    """Project q, k, v with the stacked ``(3E, E)`` weight; one GEMM when they are the
    same tensor (self-attention), two when key is value."""
    E = q.shape[-1]
    if k is v and q is k:
        proj = linear(q, w, b)
        return tuple(proj.unflatten(-1, (3, E)).unbind(-2))
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    if k is v:
        kv = linear(k, w[E:], None if b is None else b[E:])
        k_proj, v_proj = kv.unflatten(-1, (2, E)).unbind(-2)
        return linear(q, w_q, b_q), k_proj, v_proj
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None):
    """Separate projections (``kdim``/``vdim`` differ from ``embed_dim``)."""
    Eq, Ek, Ev = q.shape[-1], k.shape[-1], v.shape[-1]
    for what, w, shape in (("query", w_q, (Eq, Eq)), ("key", w_k, (Eq, Ek)),
                           ("value", w_v, (Eq, Ev))):
        if tuple(w.shape) != shape:
            raise AssertionError(f"expecting {what} weights shape of {shape}, but got "
                                 f"{w.shape}")
    for what, b in (("query", b_q), ("key", b_k), ("value", b_v)):
        if b is not None and tuple(b.shape) != (Eq,):
            raise AssertionError(f"expecting {what} bias shape of {(Eq,)}, but got {b.shape}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    r"""The computation of ``nn.MultiheadAttention`` on explicit weights.

    Args:
        query, key, value: ``(L, N, E)``, ``(S, N, Ek)``, ``(S, N, Ev)``, or unbatched
            ``(L, E)``, ``(S, Ek)``, ``(S, Ev)``.
        embed_dim_to_check (int): ``E``; num_heads (int): ``H`` (must divide ``E``).
        in_proj_weight, in_proj_bias: ``(3E, E)``, ``(3E,)`` (stacked q, k, v), or
            ``q_proj_weight`` ``(E, E)``, ``k_proj_weight`` ``(E, Ek)``,
            ``v_proj_weight`` ``(E, Ev)`` with ``use_separate_proj_weight=True``.
        bias_k, bias_v: ``(1, 1, E)`` appended to the keys/values, or None.
        add_zero_attn (bool): append a zero key/value after the projections.
        dropout_p (float): dropout on the attention weights when ``training``.
        out_proj_weight, out_proj_bias: ``(E, E)``, ``(E,)``.
        key_padding_mask: ``(N, S)`` (``(S,)`` unbatched), bool (True = ignore) or float
            (added).
        need_weights (bool): also return the attention weights (computed explicitly; a
            fully masked row is NaN there); otherwise ``scaled_dot_product_attention``.
        attn_mask: ``(L, S)`` or ``(N*H, L, S)``, bool (True = not allowed) or float.
        static_k, static_v: ``(N*H, S, E/H)`` keys/values used instead of projections.
        average_attn_weights (bool): average the returned weights over heads.
        is_causal (bool): a hint that ``attn_mask`` is the causal mask (required with it).

    Shape:
        output ``(L, N, E)`` (``(L, E)`` unbatched); weights ``(N, L, S)`` averaged or
        ``(N, H, L, S)`` (without the ``N`` when unbatched), or None.
    """
    from ... import _creation
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        # the mask is the causal one: let scaled_dot_product_attention build it
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                    check_other=False)
        if key_padding_mask is not None:
            is_causal = False

    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, "
                             f"but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for name, w in (("q_proj_weight", q_proj_weight), ("k_proj_weight", k_proj_weight),
                        ("v_proj_weight", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name} is None")
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight,
                                 v_proj_weight, b_q, b_k, b_v)

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = _creation.cat([k, bias_k.repeat(1, bsz, 1)])
        v = _creation.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    elif bias_k is not None or bias_v is not None:
        raise AssertionError()

    # heads become batch entries: (len, N, E) -> (N*H, len, E/H)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    if static_k is None:
        k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        if static_k.shape[0] != bsz * num_heads:
            raise AssertionError(f"expecting static_k.size(0) of {bsz * num_heads}, but got "
                                 f"{static_k.shape[0]}")
        if static_k.shape[2] != head_dim:
            raise AssertionError(f"expecting static_k.size(2) of {head_dim}, but got "
                                 f"{static_k.shape[2]}")
        k = static_k
    if static_v is None:
        v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        if static_v.shape[0] != bsz * num_heads:
            raise AssertionError(f"expecting static_v.size(0) of {bsz * num_heads}, but got "
                                 f"{static_v.shape[0]}")
        if static_v.shape[2] != head_dim:
            raise AssertionError(f"expecting static_v.size(2) of {head_dim}, but got "
                                 f"{static_v.shape[2]}")
        v = static_v

    if add_zero_attn:
        zeros = _creation.zeros((bsz * num_heads, 1, head_dim), dtype=q.dtype)
        k = _creation.cat([k, zeros], dim=1)
        v = _creation.cat([v, zeros], dim=1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))

    src_len = k.shape[1]
    if key_padding_mask is not None:
        for i, expected in enumerate((bsz, src_len)):
            if key_padding_mask.shape[i] != expected:
                raise AssertionError(f"Expected key_padded_mask.shape[{i}] to be {expected}, "
                                     f"but got {key_padding_mask.shape[i]}")
        key_padding_mask = key_padding_mask.reshape(bsz, 1, 1, src_len) \
            .expand(-1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask

    if not training:
        dropout_p = 0.0

    if need_weights:
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        if attn_mask is not None and attn_mask._data.dtype != q._data.dtype:
            # PyTorch computes mask + q k^T in one baddbmm, which wants one dtype
            names = [_C_TYPE_NAMES.get(t._data.dtype, t._data.dtype) for t in (attn_mask, q, k)]
            raise RuntimeError(f"Input dtypes must be the same, got: input {names[0]}, "
                               f"batch1: {names[1]}, batch2: {names[2]}")
        scores = (q * math.sqrt(1.0 / float(head_dim))) @ k.transpose(-2, -1)
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = scores.softmax(-1)
        if dropout_p > 0.0:
            weights = _dropout(weights, p=dropout_p)
        out = weights @ v
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias)
        out = out.reshape(tgt_len, bsz, out.shape[-1])
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, bool(is_causal))
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias)
    out = out.reshape(tgt_len, bsz, out.shape[-1])
    if not is_batched:
        out = out.squeeze(1)
    return out, None
