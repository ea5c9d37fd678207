"""ONNX export of MultiheadAttention and the Transformer layers with a symbolic batch
(and sequence) axis, checked by ONNX Runtime against cynn at other batch sizes.

Their forwards fold heads into the batch (``(L, N, E) -> (N * H, L, E / H)``) and
make tensors of the batch size (``bias_k.repeat(1, N, 1)``, ``add_zero_attn``'s
zeros): the export must compute those sizes from the input, not store them."""
import pytest

import cynn
from cynn import nn
from onnx_export_check import check_dynamic_export, op_types

E, HEADS, L, S = 8, 2, 5, 3


class SelfAttention(nn.Module):
    def __init__(self, attention, **call):
        super().__init__()
        self.attention, self.call = attention, call

    def forward(self, x):
        return self.attention(x, x, x, **self.call)


class CrossAttention(nn.Module):
    def __init__(self, attention, **call):
        super().__init__()
        self.attention, self.call = attention, call

    def forward(self, query, key, value):
        return self.attention(query, key, value, **self.call)


def _batch_major(batch, length, features=E):
    return cynn.randn(batch, length, features)


SELF_ATTENTION = {
    "batch_first_with_weights": (dict(batch_first=True), dict()),
    "time_major_without_weights": (dict(), dict(need_weights=False)),
    "per_head_weights": (dict(batch_first=True), dict(average_attn_weights=False)),
    "bias_kv_and_zero_attention": (dict(batch_first=True, add_bias_kv=True,
                                        add_zero_attn=True), dict()),
    "causal_mask": (dict(batch_first=True),
                    dict(attn_mask=nn.Transformer.generate_square_subsequent_mask(L),
                         need_weights=False, is_causal=True)),
    "float_mask_with_weights": (dict(), dict(attn_mask=cynn.randn(L, L))),
}


@pytest.mark.parametrize("name", sorted(SELF_ATTENTION))
def test_self_attention_with_a_dynamic_batch(name):
    options, call = SELF_ATTENTION[name]
    cynn.manual_seed(0)
    attention = nn.MultiheadAttention(E, HEADS, **options)
    batch_first = options.get("batch_first", False)
    axis = 0 if batch_first else 1

    def make_inputs(batch):
        x = _batch_major(batch, L)
        return (x if batch_first else x.transpose(0, 1).contiguous(),)

    proto = check_dynamic_export(SelfAttention(attention, **call), make_inputs, (2, 3, 1),
                                 ["x"], {"x": {axis: "batch"}})
    assert "Softmax" in op_types(proto)


def test_cross_attention_with_separate_projections_and_dynamic_lengths():
    cynn.manual_seed(1)
    attention = nn.MultiheadAttention(E, HEADS, kdim=6, vdim=4, batch_first=True)

    def make_inputs(size):
        batch, length = size
        return (_batch_major(batch, length), _batch_major(batch, S, 6),
                _batch_major(batch, S, 4))

    check_dynamic_export(CrossAttention(attention), make_inputs, [(2, L), (3, 7), (1, 2)],
                         ["query", "key", "value"],
                         {"query": {0: "batch", 1: "length"}, "key": {0: "batch"},
                          "value": {0: "batch"}})


ENCODERS = {
    "encoder_layer_relu": lambda: nn.TransformerEncoderLayer(E, HEADS, 16, batch_first=True),
    "encoder_layer_gelu_norm_first": lambda: nn.TransformerEncoderLayer(
        E, HEADS, 16, activation="gelu", norm_first=True, batch_first=True),
    "encoder_stack_with_norm": lambda: nn.TransformerEncoder(
        nn.TransformerEncoderLayer(E, HEADS, 16, batch_first=True), 2,
        norm=nn.LayerNorm(E), enable_nested_tensor=False),
}


@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_transformer_encoders_with_a_dynamic_batch_and_length(name):
    cynn.manual_seed(2)
    proto = check_dynamic_export(ENCODERS[name](), lambda size: (_batch_major(*size),),
                                 [(2, L), (3, 7), (1, 2)], ["x"],
                                 {"x": {0: "batch", 1: "length"}})
    assert "LayerNormalization" in op_types(proto)


class Seq2Seq(nn.Module):
    """nn.Transformer with the causal target mask made inside forward."""

    def __init__(self):
        super().__init__()
        self.transformer = nn.Transformer(E, HEADS, num_encoder_layers=2, num_decoder_layers=2,
                                          dim_feedforward=16, batch_first=True)

    def forward(self, src, tgt):
        mask = nn.Transformer.generate_square_subsequent_mask(tgt.size(1))
        return self.transformer(src, tgt, tgt_mask=mask)


def test_transformer_with_a_causal_target_mask_and_a_dynamic_batch():
    cynn.manual_seed(3)
    check_dynamic_export(Seq2Seq(), lambda batch: (_batch_major(batch, L), _batch_major(batch, 4)),
                         (2, 3, 1), ["src", "tgt"], {"src": {0: "batch"}, "tgt": {0: "batch"}})


def test_decoder_layer_with_a_dynamic_batch():
    cynn.manual_seed(4)
    decoder = nn.TransformerDecoderLayer(E, HEADS, 16, batch_first=True, norm_first=True)
    check_dynamic_export(decoder, lambda batch: (_batch_major(batch, 4), _batch_major(batch, L)),
                         (2, 3), ["tgt", "memory"], {"tgt": {0: "batch"}, "memory": {0: "batch"}})


def test_a_mask_that_follows_a_dynamic_length_cannot_be_a_constant():
    # the causal mask is made from tgt.size(1): with a dynamic target length its values
    # (not only its size) would change, which a traced constant cannot do
    cynn.manual_seed(5)
    with pytest.raises(cynn.onnx.UnsupportedOperatorError, match="elements differ"):
        check_dynamic_export(Seq2Seq(), lambda size: (_batch_major(2, L), _batch_major(2, size)),
                             (4, 6), ["src", "tgt"], {"tgt": {1: "length"}})


class PaddedSelfAttention(nn.Module):
    def __init__(self, attention):
        super().__init__()
        self.attention = attention

    def forward(self, x, pad):
        return self.attention(x, x, x, key_padding_mask=pad, need_weights=False)


def test_a_boolean_key_padding_mask_is_a_graph_input_not_a_constant():
    """The mask of the traced batch must not be frozen into the graph: other batches
    carry other masks (the additive mask is computed with Tensor ops)."""
    cynn.manual_seed(2)
    attention = nn.MultiheadAttention(E, HEADS, batch_first=True)

    def make_inputs(batch):
        pad = cynn.rand(batch, L) > 0.6
        pad[:, 0] = False  # every row keeps one key, so no row is all -inf
        return _batch_major(batch, L), pad

    check_dynamic_export(PaddedSelfAttention(attention), make_inputs, (2, 3, 1), ["x", "pad"],
                         {"x": {0: "batch"}, "pad": {0: "batch"}})
