"""The Transformer of "Attention Is All You Need": encoder and decoder layers, their
stacks and the full model, with PyTorch's parameter names (so state dicts load both
ways), defaults, mask handling and errors."""
import copy

import numpy as np

from ... import _creation, _warnings
from ...autograd.grad_mode import is_grad_enabled
from .. import functional as F
from .. import init
from ..functional import attention as FA
from .activation import GELU, ReLU
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder",
           "TransformerEncoderLayer", "TransformerDecoderLayer"]


def _generate_square_subsequent_mask(sz, device=None, dtype=None):
    from ..._ops.shape import triu
    return triu(_creation.full((sz, sz), float("-inf"), dtype=dtype, device=device),
                diagonal=1)


def _get_activation_fn(activation):
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


def _get_clones(module, n):
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


def _get_seq_len(src, batch_first):
    """The sequence length of ``src``: ``(S, E)`` unbatched, else dim 1 or 0."""
    size = src.shape
    if len(size) == 2:
        return size[0]
    return size[1 if batch_first else 0]


def _detect_is_causal_mask(mask, is_causal=None, size=None):
    """``is_causal`` if given; otherwise whether ``mask`` equals the square causal mask."""
    make_causal = is_causal is True
    if is_causal is None and mask is not None:
        sz = size if size is not None else mask.shape[-2]
        dt = mask._data.dtype
        # the square causal mask in the mask's own dtype (-inf, or True, above the diagonal)
        causal = np.triu(np.full((sz, sz), True if dt == np.bool_ else -np.inf, dtype=dt), 1)
        if tuple(mask.shape) == causal.shape:
            make_causal = bool(np.array_equal(mask._data, causal))
        else:
            make_causal = False
    return make_causal


def _activation_kind(activation):
    """1 for ReLU, 2 for GELU, 0 otherwise (PyTorch's ``activation_relu_or_gelu``)."""
    if activation is F.relu or isinstance(activation, ReLU):
        return 1
    if activation is F.gelu or isinstance(activation, GELU):
        return 2
    return 0


class TransformerEncoderLayer(Module):
    r"""Self-attention and a feed-forward network, each with a residual connection and
    layer norm (after the residual by default, before the block with ``norm_first``).

    Args:
        d_model (int): feature size of the input.
        nhead (int): number of attention heads.
        dim_feedforward (int): hidden size of the feed-forward network. Default: 2048.
        dropout (float): dropout after attention and in the feed-forward. Default: 0.1.
        activation (str or callable): ``"relu"``, ``"gelu"`` or a callable. Default: relu.
        layer_norm_eps (float): ``eps`` of the layer norms. Default: 1e-5.
        batch_first (bool): ``(N, S, E)`` instead of ``(S, N, E)``. Default: ``False``.
        norm_first (bool): pre-norm instead of post-norm. Default: ``False``.
        bias (bool): biases of the linear and layer-norm layers. Default: ``True``.

    Shape:
        src ``(S, N, E)`` (``(N, S, E)`` with ``batch_first``, ``(S, E)`` unbatched);
        src_mask ``(S, S)`` or ``(N*nhead, S, S)``; src_key_padding_mask ``(N, S)``.
        Output: the shape of ``src``.

    Example::

        >>> layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32)
        >>> layer(cynn.randn(10, 2, 16)).shape
        cynn.Size([10, 2, 16])
    """

    __constants__ = ["norm_first"]

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            activation = _get_activation_fn(activation)
        self.activation_relu_or_gelu = _activation_kind(activation)
        self.activation = activation

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """Encode ``src``; ``is_causal`` hints that ``src_mask`` is the causal mask."""
        src_key_padding_mask = FA._canonical_mask(
            src_key_padding_mask, "src_key_padding_mask", FA._none_or_dtype(src_mask),
            "src_mask", src.dtype)
        src_mask = FA._canonical_mask(src_mask, "src_mask", None, "", src.dtype,
                                      check_other=False)
        # PyTorch's fused inference path has the same arithmetic but a plain softmax, so
        # a query with every key masked gives NaN there (zeros otherwise); match it
        plain = self._as_fused_inference(src)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal,
                                   plain)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal,
                                              plain))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _as_fused_inference(self, src):
        """Whether PyTorch would run this call through its fused inference kernel."""
        attn = self.self_attn
        if self.training or src.dim() != 3 or not attn.batch_first or \
                attn.in_proj_bias is None or not attn._qkv_same_embed_dim or \
                not self.activation_relu_or_gelu or self.norm1.eps != self.norm2.eps or \
                attn.num_heads % 2 == 1:
            return False
        if any(getattr(m, "_forward_hooks", None) or getattr(m, "_forward_pre_hooks", None)
               for m in self.modules()):
            return False
        return not (is_grad_enabled() and (src.requires_grad or
                                           any(p.requires_grad for p in self.parameters())))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False, plain=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=plain, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


class TransformerDecoderLayer(Module):
    r"""Self-attention, attention over the encoder's output (``memory``) and a
    feed-forward network, each with a residual connection and layer norm.

    Args:
        d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
        batch_first, norm_first, bias: as in :class:`TransformerEncoderLayer`.

    Shape:
        tgt ``(T, N, E)``, memory ``(S, N, E)`` (batch first with ``batch_first``;
        unbatched ``(T, E)``, ``(S, E)``); tgt_mask ``(T, T)``, memory_mask ``(T, S)``;
        tgt_key_padding_mask ``(N, T)``, memory_key_padding_mask ``(N, S)``.
        Output: the shape of ``tgt``.

    Example::

        >>> layer = nn.TransformerDecoderLayer(d_model=16, nhead=4, dim_feedforward=32)
        >>> layer(cynn.randn(7, 2, 16), cynn.randn(10, 2, 16)).shape
        cynn.Size([7, 2, 16])
    """

    __constants__ = ["norm_first"]

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                            batch_first=batch_first, bias=bias, **kw)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                                 batch_first=batch_first, bias=bias, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        if isinstance(activation, str):
            self.activation = _get_activation_fn(activation)
        else:
            self.activation = activation

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        """Decode ``tgt`` attending to ``memory``; the ``*_is_causal`` flags hint that the
        matching mask is the causal one."""
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask,
                                   tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask,
                                              tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask,
                                               memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           is_causal=is_causal, need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal=False):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, is_causal=is_causal,
                                need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)


def _why_not_nested(layer):
    """PyTorch's reason for not using nested tensors with this layer ('' when it would)."""
    name = "encoder_layer"
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{name} was not TransformerEncoderLayer"
    if layer.norm_first:
        return f"{name}.norm_first was True"
    if not layer.self_attn.batch_first:
        return (f"{name}.self_attn.batch_first was not True"
                "(use batch_first for better inference performance)")
    if not layer.self_attn._qkv_same_embed_dim:
        return f"{name}.self_attn._qkv_same_embed_dim was not True"
    if layer.self_attn.in_proj_bias is None:
        return f"{name}.self_attn was passed bias=False"
    if not layer.activation_relu_or_gelu:
        return f"{name}.activation_relu_or_gelu was not True"
    if not (layer.norm1.eps == layer.norm2.eps):
        return f"{name}.norm1.eps was not equal to {name}.norm2.eps"
    if layer.self_attn.num_heads % 2 == 1:
        return f"{name}.self_attn.num_heads is odd"
    return ""


def _left_aligned(valid):
    """Every row of the bool ``valid`` (N, S) is a run of True followed by False."""
    counts = valid.sum(axis=1, keepdims=True)
    return bool(np.array_equal(valid, np.arange(valid.shape[1])[None, :] < counts))


class TransformerEncoder(Module):
    r"""A stack of ``num_layers`` copies of ``encoder_layer``, then an optional norm.

    Args:
        encoder_layer: the layer to copy (e.g. :class:`TransformerEncoderLayer`).
        num_layers (int): number of copies.
        norm (Module, optional): applied to the last layer's output.
        enable_nested_tensor (bool): PyTorch's packed inference path. cynn has no nested
            tensors; where PyTorch would use them (evaluation without gradients, batch
            first, a left-aligned ``src_key_padding_mask`` and no ``mask``) the output
            at padded positions is zero before ``norm``, as PyTorch's is. Default: ``True``.
        mask_check (bool): check that the padding mask is left-aligned first. Default:
            ``True``.

    Shape:
        src as for the layer; mask ``(S, S)``; src_key_padding_mask ``(N, S)``.
        Output: the shape of ``src``.

    Example::

        >>> layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32)
        >>> encoder = nn.TransformerEncoder(layer, num_layers=2)
        >>> encoder(cynn.randn(10, 2, 16)).shape
        cynn.Size([10, 2, 16])
    """

    __constants__ = ["norm"]

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why = _why_not_nested(encoder_layer)
        if enable_nested_tensor and why:
            _warnings.warn("enable_nested_tensor is True, but self.use_nested_tensor is False "
                           f"because {why}")
            self.use_nested_tensor = False

    def _pads_like_nested(self, src, mask, padding):
        """The padded positions (N, S) where PyTorch's nested-tensor path would zero the
        output, or None when it would not take that path."""
        first = self.layers[0]
        if not self.use_nested_tensor or first.training or src.dim() != 3 or \
                padding is None or mask is not None:
            return None
        valid = padding._data == 0
        if self.mask_check and not _left_aligned(valid):
            return None
        if is_grad_enabled() and (src.requires_grad or
                                  any(p.requires_grad for p in first.parameters())):
            return None
        return ~valid

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """Pass ``src`` through every layer; ``is_causal=None`` detects a causal ``mask``."""
        src_key_padding_mask = FA._canonical_mask(
            src_key_padding_mask, "src_key_padding_mask", FA._none_or_dtype(mask), "mask",
            src.dtype)
        mask = FA._canonical_mask(mask, "mask", None, "", src.dtype, check_other=False)
        padded = self._pads_like_nested(src, mask, src_key_padding_mask)
        batch_first = self.layers[0].self_attn.batch_first
        seq_len = _get_seq_len(src, batch_first)
        is_causal = _detect_is_causal_mask(mask, is_causal, seq_len)
        output = src
        for mod in self.layers:
            output = mod(output, src_mask=mask, is_causal=is_causal,
                         src_key_padding_mask=src_key_padding_mask)
        if padded is not None:
            output = output.masked_fill(_creation.from_numpy(padded[:, :, None]), 0.0)
        if self.norm is not None:
            output = self.norm(output)
        return output


class TransformerDecoder(Module):
    r"""A stack of ``num_layers`` copies of ``decoder_layer``, then an optional norm.

    Args:
        decoder_layer: the layer to copy (e.g. :class:`TransformerDecoderLayer`).
        num_layers (int): number of copies.
        norm (Module, optional): applied to the last layer's output.

    Shape:
        as :class:`TransformerDecoderLayer`; output: the shape of ``tgt``.

    Example::

        >>> layer = nn.TransformerDecoderLayer(d_model=16, nhead=4, dim_feedforward=32)
        >>> decoder = nn.TransformerDecoder(layer, num_layers=2)
        >>> decoder(cynn.randn(7, 2, 16), cynn.randn(10, 2, 16)).shape
        cynn.Size([7, 2, 16])
    """

    __constants__ = ["norm"]

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        """Pass ``tgt`` through every layer; ``tgt_is_causal=None`` detects a causal
        ``tgt_mask``."""
        output = tgt
        seq_len = _get_seq_len(tgt, self.layers[0].self_attn.batch_first)
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, seq_len)
        for mod in self.layers:
            output = mod(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                         tgt_key_padding_mask=tgt_key_padding_mask,
                         memory_key_padding_mask=memory_key_padding_mask,
                         tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    r"""An encoder-decoder Transformer.

    Args:
        d_model (int): feature size. Default: 512.
        nhead (int): attention heads. Default: 8.
        num_encoder_layers, num_decoder_layers (int): stack depths. Default: 6 each.
        dim_feedforward (int): feed-forward hidden size. Default: 2048.
        dropout (float): Default: 0.1.
        activation (str or callable): Default: relu.
        custom_encoder, custom_decoder (Module, optional): used instead of the stacks.
        layer_norm_eps (float): Default: 1e-5.
        batch_first (bool): Default: ``False``.
        norm_first (bool): Default: ``False``.
        bias (bool): Default: ``True``.

    Every parameter with more than one dimension is re-drawn with ``xavier_uniform_``.

    Shape:
        src ``(S, N, E)``, tgt ``(T, N, E)`` (``(N, S, E)``, ``(N, T, E)`` with
        ``batch_first``; unbatched ``(S, E)``, ``(T, E)``); masks as in the layers.
        Output ``(T, N, E)``.

    Example::

        >>> model = nn.Transformer(d_model=16, nhead=4, num_encoder_layers=2,
        ...                        num_decoder_layers=2, dim_feedforward=32)
        >>> model(cynn.randn(10, 2, 16), cynn.randn(7, 2, 16)).shape
        cynn.Size([7, 2, 16])
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation=F.relu, custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False,
                 norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout,
                                            activation, layer_norm_eps, batch_first,
                                            norm_first, bias, **kw)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout,
                                            activation, layer_norm_eps, batch_first,
                                            norm_first, bias, **kw)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
            self.decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        """Encode ``src``, then decode ``tgt`` against it."""
        is_batched = src.dim() == 3
        if is_batched and src.shape[0 if self.batch_first else 1] != \
                tgt.shape[0 if self.batch_first else 1]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The ``(sz, sz)`` causal mask: 0 on and below the diagonal, -inf above.

        Shape: ``(sz, sz)``, of ``dtype`` (default: the default float dtype).
        """
        return _generate_square_subsequent_mask(sz, device=device, dtype=dtype)

    def _reset_parameters(self):
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)
