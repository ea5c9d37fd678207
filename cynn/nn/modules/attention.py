"""``MultiheadAttention`` (and the ``NonDynamicallyQuantizableLinear`` its output
projection is, named so that ``repr`` and state dicts read as PyTorch's)."""
from ... import _creation
from .. import init
from ..functional import attention as FA
from ..parameter import Parameter
from .linear import Linear
from .module import Module

__all__ = ["MultiheadAttention"]   # torch.nn does not export NonDynamicallyQuantizableLinear


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` under PyTorch's name for ``MultiheadAttention.out_proj`` (cynn has no
    quantization; the name keeps ``repr`` identical)."""


class MultiheadAttention(Module):
    r"""Attention with ``num_heads`` parallel heads:
    ``MultiHead(Q, K, V) = Concat(head_1, ..., head_h) W^O`` where
    ``head_i = softmax(Q W_i^Q (K W_i^K)^T / sqrt(d)) V W_i^V``.

    Args:
        embed_dim (int): model dimension ``E``; split across heads.
        num_heads (int): number of heads; must divide ``embed_dim``.
        dropout (float): dropout on the attention weights in training. Default: 0.
        bias (bool): biases of the input and output projections. Default: ``True``.
        add_bias_kv (bool): learn a bias key and value appended to the sequence.
        add_zero_attn (bool): append a zero key and value.
        kdim, vdim (int): feature sizes of key and value (default ``embed_dim``); when
            either differs, the projections are three separate weights.
        batch_first (bool): inputs and output are ``(N, L, E)`` instead of ``(L, N, E)``.

    Shape:
        query ``(L, N, E)``, key ``(S, N, kdim)``, value ``(S, N, vdim)`` (or
        ``(N, L, E)`` ... with ``batch_first``, or unbatched ``(L, E)`` ...);
        ``key_padding_mask`` ``(N, S)`` (True = ignore that key); ``attn_mask``
        ``(L, S)`` or ``(N*num_heads, L, S)`` (bool True = not allowed, or float added).
        Output ``(L, N, E)``; weights ``(N, L, S)`` averaged over heads, else
        ``(N, num_heads, L, S)``, or None with ``need_weights=False``.

    Attributes:
        in_proj_weight: ``(3*embed_dim, embed_dim)`` (xavier uniform), or
            ``q_proj_weight`` ``(E, E)``, ``k_proj_weight`` ``(E, kdim)``,
            ``v_proj_weight`` ``(E, vdim)``; in_proj_bias ``(3*embed_dim,)`` (zeros);
            out_proj: ``Linear(E, E)`` with zero bias; bias_k, bias_v ``(1, 1, E)``
            (xavier normal).

    Example::

        >>> mha = nn.MultiheadAttention(16, 4)
        >>> x = cynn.randn(5, 2, 16)
        >>> out, weights = mha(x, x, x)
        >>> out.shape, weights.shape
        (cynn.Size([5, 2, 16]), cynn.Size([2, 5, 5]))
    """

    __constants__ = ["batch_first"]

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")

        def empty(*shape):
            return Parameter(_creation.empty(shape, dtype=dtype, device=device))

        if not self._qkv_same_embed_dim:
            self.q_proj_weight = empty(embed_dim, embed_dim)
            self.k_proj_weight = empty(embed_dim, self.kdim)
            self.v_proj_weight = empty(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = empty(3 * embed_dim, embed_dim)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = empty(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        device=device, dtype=dtype)
        if add_bias_kv:
            self.bias_k = empty(1, 1, embed_dim)
            self.bias_v = empty(1, 1, embed_dim)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        """Attention output and (with ``need_weights``) the weights; see the class."""
        is_batched = query.dim() == 3
        key_padding_mask = FA._canonical_mask(key_padding_mask, "key_padding_mask",
                                              FA._none_or_dtype(attn_mask), "attn_mask",
                                              query.dtype)
        attn_mask = FA._canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                       check_other=False)
        if self.batch_first and is_batched:
            # keep identity between q, k, v: it selects the fused input projection
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = query.transpose(1, 0), key.transpose(1, 0)
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        out, weights = FA.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, average_attn_weights=average_attn_weights,
            is_causal=is_causal)
        if self.batch_first and is_batched:
            return out.transpose(1, 0), weights
        return out, weights

    def merge_masks(self, attn_mask, key_padding_mask, query):
        """One ``(N, num_heads, L, L)`` mask from ``attn_mask`` and ``key_padding_mask``
        (``query`` is ``(N, L, E)``), with its type: None (no mask), 1 (the padding mask
        alone, unchanged) or 2 (merged)."""
        merged, mask_type = None, None
        if key_padding_mask is not None:
            mask_type, merged = 1, key_padding_mask
        if attn_mask is not None:
            batch, seq_len = query.shape[0], query.shape[1]
            mask_type = 2
            if attn_mask.dim() == 3:
                expanded = attn_mask.reshape(batch, -1, seq_len, seq_len)
            else:
                expanded = attn_mask.reshape(1, 1, seq_len, seq_len) \
                    .expand(batch, self.num_heads, -1, -1)
            merged = expanded
            if key_padding_mask is not None:
                merged = expanded + key_padding_mask.reshape(batch, 1, 1, seq_len) \
                    .expand(-1, self.num_heads, -1, -1)
        return merged, mask_type
