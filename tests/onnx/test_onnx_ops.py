"""One line per op: a one-op model (per input shape without the batch axis) exported,
checked and compared with cynn through ONNX Runtime at two batch sizes."""
import numpy as np
import pytest

import cynn
from cynn import nn
from cynn.nn import functional as F
from onnx_export_check import check_export, op_types


class Lambda(nn.Module):
    def __init__(self, fn, *layers):
        super().__init__()
        self.fn = fn
        self.layers = nn.ModuleList(layers)

    def forward(self, x):
        return self.fn(x, *self.layers)


def fn(f):
    return lambda: Lambda(f)


def layer(factory, *args, **kwargs):
    return lambda: Lambda(lambda x, m: m(x), factory(*args, **kwargs))


CASES = {
    # convolution and pooling
    "conv1d_strided": (layer(nn.Conv1d, 3, 4, 5, stride=3, padding=2), (3, 17)),
    "conv2d_tail_skipped": (layer(nn.Conv2d, 3, 4, 3, stride=3), (3, 11, 10)),
    "conv2d_same_even_kernel": (layer(nn.Conv2d, 3, 4, 4, padding="same", dilation=3), (3, 13, 12)),
    "conv2d_replicate": (layer(nn.Conv2d, 3, 4, 3, padding=2, padding_mode="replicate"), (3, 9, 9)),
    "conv2d_circular": (layer(nn.Conv2d, 3, 4, 3, padding=1, padding_mode="circular"), (3, 8, 9),
                        19),
    "conv3d": (layer(nn.Conv3d, 2, 3, 3, padding=(1, 0, 1), stride=(1, 2, 1)), (2, 5, 6, 7)),
    "conv_transpose1d": (layer(nn.ConvTranspose1d, 3, 2, 4, stride=3, output_padding=2), (3, 7)),
    "conv_transpose2d_dilated": (layer(nn.ConvTranspose2d, 4, 6, 3, stride=2, padding=2,
                                       dilation=2, groups=2, output_padding=1), (4, 6, 5)),
    "max_pool2d_dilated": (layer(nn.MaxPool2d, 3, stride=2, padding=1, dilation=2), (3, 11, 12)),
    "max_pool2d_ceil": (layer(nn.MaxPool2d, 2, ceil_mode=True), (3, 7, 9)),
    "max_pool1d": (layer(nn.MaxPool1d, 3, stride=2, padding=1, ceil_mode=True), (3, 10)),
    "avg_pool2d_ceil_pad": (layer(nn.AvgPool2d, 3, stride=2, padding=1, ceil_mode=True), (3, 12, 12)),
    "avg_pool2d_ceil_no_pad": (layer(nn.AvgPool2d, 2, ceil_mode=True), (3, 7, 9)),
    "avg_pool2d_exclude_pad": (layer(nn.AvgPool2d, 3, stride=2, padding=1, ceil_mode=True,
                                     count_include_pad=False), (3, 12, 11)),
    "avg_pool2d_divisor": (layer(nn.AvgPool2d, 3, stride=2, padding=1, divisor_override=5), (3, 9, 9)),
    "avg_pool1d": (layer(nn.AvgPool1d, 4, stride=2, padding=2), (3, 11)),
    "adaptive_avg_pool_global": (layer(nn.AdaptiveAvgPool2d, 1), (3, 7, 5)),
    "adaptive_avg_pool_cells": (layer(nn.AdaptiveAvgPool2d, (2, 3)), (3, 8, 9)),
    "adaptive_max_pool": (layer(nn.AdaptiveMaxPool2d, (2, 1)), (3, 8, 9)),
    # linear
    "linear_3d_input": (layer(nn.Linear, 5, 3), (4, 5)),
    "linear_no_bias": (layer(nn.Linear, 5, 3, bias=False), (5,)),
    "matmul_constants": (fn(lambda x: x @ cynn.ones(5, 2) + x.matmul(cynn.ones(5)).unsqueeze(-1)),
                         (5,)),
    "bmm": (fn(lambda x: cynn.bmm(x, x.transpose(1, 2))), (3, 4)),
    # normalisation
    "batch_norm1d": (layer(nn.BatchNorm1d, 5, affine=False), (5,)),
    "layer_norm": (layer(nn.LayerNorm, (4, 5)), (3, 4, 5)),
    "group_norm": (layer(nn.GroupNorm, 2, 6), (6, 3, 4)),
    "instance_like_group_norm": (layer(nn.GroupNorm, 3, 3, affine=False), (3, 5)),
    # activations
    "relu6": (layer(nn.ReLU6), (7,)),
    "leaky_relu": (layer(nn.LeakyReLU, 0.2), (7,)),
    "prelu_channels": (layer(nn.PReLU, 3, 0.3), (3, 4, 4)),
    "prelu_shared": (layer(nn.PReLU), (3, 4)),
    "rrelu_eval": (layer(nn.RReLU), (7,)),
    "elu": (layer(nn.ELU, 0.7), (7,)),
    "selu": (layer(nn.SELU), (7,)),
    "celu": (layer(nn.CELU, 1.5), (7,)),
    "gelu": (layer(nn.GELU), (7,)),
    "gelu_tanh": (layer(nn.GELU, approximate="tanh"), (7,)),
    "silu": (layer(nn.SiLU), (7,)),
    "mish": (layer(nn.Mish), (7,)),
    "softplus": (layer(nn.Softplus, 2.0, 3.0), (7,)),
    "log_sigmoid": (layer(nn.LogSigmoid), (7,)),
    "hardtanh": (layer(nn.Hardtanh, -0.5, 0.8), (7,)),
    "hardsigmoid": (layer(nn.Hardsigmoid), (7,)),
    "hardswish": (layer(nn.Hardswish), (7,)),
    "threshold": (layer(nn.Threshold, 0.1, -2.0), (7,)),
    "sigmoid_tanh": (fn(lambda x: cynn.sigmoid(x) * cynn.tanh(x)), (7,)),
    "softmax": (layer(nn.Softmax, dim=1), (3, 4)),
    "log_softmax": (fn(lambda x: x.log_softmax(-1)), (3, 4)),
    # elementwise
    "arithmetic": (fn(lambda x: (2 - x) * 3 / (x.abs() + 1) - x.add(x, alpha=2) + 1.5), (4,)),
    "unary": (fn(lambda x: x.exp().log() + x.abs().sqrt() + x.sin() - x.cos()
                 + (x.abs() + 1).rsqrt() + (x.abs() + 1).reciprocal() - x.neg()), (4,)),
    "powers": (fn(lambda x: x.abs() ** 1.5 + 2 ** x + x.pow(2)), (4,)),
    "rounding": (fn(lambda x: (x * 4).floor() + (x * 4).ceil() + (x * 4).round() + x.sign()), (4,)),
    "clamp": (fn(lambda x: x.clamp(-0.5, 0.5) + x.clamp(min=0) + x.clamp(max=cynn.zeros(4))), (4,)),
    "max_min_where": (fn(lambda x: cynn.maximum(x, x.flip(-1) * 0 + 0.1) +
                         cynn.where(x > 0, x, cynn.zeros(4)) + x.masked_fill(x < -1, 0.0)), (4,)),
    "dtype_cast": (fn(lambda x: x.double() * 2), (4,)),
    "reductions": (fn(lambda x: x.sum(1, keepdim=True) + x.mean() - x.mean((1, 2)).unsqueeze(1)
                      .unsqueeze(2) + x.sum()), (3, 4)),
    # shapes
    "view_permute": (fn(lambda x: x.view(x.size(0), 3, 2, 2).permute(0, 2, 3, 1).reshape(-1, 12)),
                     (12,)),
    "transpose_contiguous": (fn(lambda x: x.transpose(1, 2).contiguous().view(x.size(0), -1)),
                             (3, 4)),
    "squeeze_unsqueeze": (fn(lambda x: x.unsqueeze(1).squeeze(1).unsqueeze(-1).squeeze()), (3, 4)),
    "expand": (fn(lambda x: x[:, :1].expand(-1, 4) * x), (4,)),
    "cat_stack": (fn(lambda x: cynn.cat([x, x * 2], 1) + cynn.stack([x, -x], 1).flatten(1)), (4,)),
    "chained_basic_indexing": (fn(lambda x: x[:, 1:, ::2][..., None, 0]
                                  + x[:, -1, :1].reshape(-1, 1, 1)), (3, 5)),
    "flip": (fn(lambda x: x.flip(-1) - x.flip((1, 2))), (3, 4)),
    "pad_constant": (fn(lambda x: F.pad(x, (1, 2, 0, 1), value=0.5)), (3, 4)),
    "pad_crop": (fn(lambda x: F.pad(x, (-1, 2))), (5,)),
    "pad_reflect": (fn(lambda x: F.pad(x, (2, 1, 1, 0), mode="reflect")), (2, 4, 5)),
    "clone_identity": (fn(lambda x: x.clone()), (4,)),
    # advanced indexing with constant index arrays, the batch axis left whole
    "index_one_array": (fn(lambda x: x[:, [2, 0, 2]] + x[..., np.array([-1, 0])].sum(-1, True)),
                        (3, 4)),
    "index_adjacent_arrays": (fn(lambda x: x[:, [0, 2], [1, -1]]), (3, 4)),
    "index_boolean_mask": (fn(lambda x: x[:, np.array([True, False, True, True])]), (4,)),
    # split, chunk, unbind, repeat
    "split_chunk_unbind": (fn(lambda x: cynn.cat([x.split([1, 3], 1)[1] * x.chunk(2, 1)[0]
                                                   .sum(1, True), x[:, :1]], 1)
                              + cynn.stack(x.unbind(1), -1)), (4,)),
    "repeat": (fn(lambda x: x.repeat(1, 2) + x[:, :1].repeat(1, 8) + x.repeat(3, 1, 2)[1]),
               (4,)),
}


@pytest.mark.parametrize("name", CASES)
def test_op_exports_and_matches(name):
    factory, shape, *opset = CASES[name]
    check_export(factory(), shape, opset=opset[0] if opset else None)


def test_circular_padding_needs_opset_19():
    model = nn.Conv2d(3, 4, 3, padding=1, padding_mode="circular")
    with pytest.raises(cynn.onnx.UnsupportedOperatorError, match="circular padding.*opset 19"):
        check_export(model, (3, 8, 9), opset=18)


def test_ops_emitted_for_flatten_and_dropout():
    model = nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(12, 2), nn.Softmax(dim=-1))
    assert op_types(check_export(model, (3, 4))) == ["Reshape", "Gemm", "Softmax"]


def test_gelu_is_one_node_from_opset_20():
    assert op_types(check_export(nn.GELU(), (4,), opset=20)) == ["Gelu"]
    assert "Erf" in op_types(check_export(nn.GELU(), (4,), opset=18))


def test_float64_model():
    # ONNX Runtime has no float64 convolution; CELU is float32-only in ONNX, so it is
    # spelled out here
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 5), nn.CELU(0.5), nn.Linear(5, 2),
                          nn.LogSoftmax(1)).double()
    proto = check_export(model, (3, 4), dtype=cynn.float64, rtol=1e-10)
    assert "Celu" not in op_types(proto)
