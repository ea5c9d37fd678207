"""Seed 003: nn.Conv2d and nn.functional.conv2d -- parameters, attributes, setting weights,
layer vs functional, the worked 5x5 examples, channel counts, 'same'-size padding."""
import numpy as np
import pytest

import cynn as torch
import cynn.nn as nn
import cynn.nn.functional as F


def _reference_conv(image, kernel, stride=1, padding=0):
    """Plain numpy cross-correlation: the expected values never come from cynn."""
    image = np.pad(image, padding)
    k = kernel.shape[0]
    n = (image.shape[0] - k) // stride + 1
    return np.array([[np.sum(image[i * stride:i * stride + k, j * stride:j * stride + k] * kernel)
                      for j in range(n)] for i in range(n)])


def test_bias_none_and_weight_shape(capsys):
    conv_layer = torch.nn.Conv2d(in_channels=1, out_channels=1, kernel_size=(3, 3),
                                 stride=1, padding=0, bias=False)
    print(f"conv_layer.bias: {conv_layer.bias}")
    assert capsys.readouterr().out == "conv_layer.bias: None\n"
    assert conv_layer.weight.shape == (1, 1, 3, 3)
    assert f"{conv_layer.weight}".startswith("Parameter containing:\ntensor([[[[")


def test_replacing_parameters(capsys):
    conv_layer = torch.nn.Conv2d(in_channels=1, out_channels=1, kernel_size=(3, 3),
                                 stride=1, padding=0, bias=True)
    conv_layer.bias = nn.Parameter(torch.zeros(conv_layer.bias.size()))
    conv_layer.weight = nn.Parameter(torch.ones(conv_layer.weight.size()))
    print(f"conv_layer.bias: {conv_layer.bias}")
    print(f"conv_layer.weight: {conv_layer.weight}")
    assert capsys.readouterr().out == (
        "conv_layer.bias: Parameter containing:\ntensor([0.], requires_grad=True)\n"
        "conv_layer.weight: Parameter containing:\ntensor([[[[1., 1., 1.],\n"
        "          [1., 1., 1.],\n          [1., 1., 1.]]]], requires_grad=True)\n")
    assert [n for n, _ in conv_layer.named_parameters()] == ["weight", "bias"]


def test_attributes():
    conv_layer = torch.nn.Conv2d(in_channels=1, out_channels=1, kernel_size=(3, 3),
                                 stride=1, padding=0, bias=True)
    assert conv_layer.in_channels == 1
    assert conv_layer.out_channels == 1
    assert conv_layer.kernel_size == (3, 3)
    assert conv_layer.stride == (1, 1)
    assert conv_layer.padding == (0, 0)
    assert conv_layer.dilation == (1, 1)
    assert conv_layer.groups == 1
    assert conv_layer.padding_mode == "zeros"
    assert conv_layer.bias.shape == (1,)


def test_layer_and_functional_agree():
    input_feature_map = torch.randn(size=[1, 1, 4, 4])
    conv_layer = torch.nn.Conv2d(in_channels=1, out_channels=1, kernel_size=(3, 3),
                                 stride=1, padding=0, bias=False)
    kernel_weight = torch.Tensor([[[[-0.0765, 0.1716, 0.2779],
                                    [-0.1685, -0.1217, 0.0160],
                                    [0.1584, -0.2000, -0.2148]]]])
    conv_layer.weight = nn.Parameter(kernel_weight)
    output_feature_map_1 = conv_layer(input_feature_map)
    output_feature_map_2 = torch.nn.functional.conv2d(
        input=input_feature_map, weight=kernel_weight, bias=None, stride=1, padding=0)
    assert output_feature_map_1.grad_fn.name() == "ConvolutionBackward0"
    assert output_feature_map_2.grad_fn is None
    np.testing.assert_allclose(output_feature_map_1.detach().numpy(),
                               output_feature_map_2.numpy(), rtol=1e-6)
    expected = _reference_conv(input_feature_map.numpy()[0, 0], kernel_weight.numpy()[0, 0])
    np.testing.assert_allclose(output_feature_map_2.numpy()[0, 0], expected, rtol=1e-5, atol=1e-6)


IMAGE = [[3, 3, 2, 1, 0],
         [0, 0, 1, 3, 1],
         [3, 1, 2, 2, 3],
         [2, 0, 0, 2, 2],
         [2, 0, 0, 0, 1]]
KERNEL = [[[[0.0, 1.0, 2.0],
            [2.0, 2.0, 0.0],
            [0.0, 1.0, 2.0]]]]


@pytest.mark.parametrize("stride, padding, known", [
    (1, 0, [[12., 12., 17.], [10., 17., 19.], [9., 6., 14.]]),
    (2, 1, [[6., 17., 3.], [8., 17., 13.], [6., 4., 4.]]),
])
def test_worked_5x5_examples(stride, padding, known):
    input_feature_map = torch.FloatTensor(IMAGE).view((1, 1, 5, 5))
    kernel_weight = torch.Tensor(KERNEL)
    conv_layer = torch.nn.Conv2d(in_channels=1, out_channels=1, kernel_size=(3, 3),
                                 stride=stride, padding=padding, bias=False)
    conv_layer.weight = nn.Parameter(kernel_weight)
    output_feature_map = conv_layer(input_feature_map)
    expected = _reference_conv(np.array(IMAGE, float), np.array(KERNEL[0][0]), stride, padding)
    np.testing.assert_array_equal(expected, known)
    np.testing.assert_allclose(output_feature_map.detach().numpy()[0, 0], expected)


def test_channels_follow_kernels():
    conv = torch.nn.Conv2d(in_channels=2, out_channels=3, kernel_size=3, stride=1, padding=0)
    assert conv.weight.shape == (3, 2, 3, 3)
    assert conv(torch.randn(1, 2, 5, 5)).shape == (1, 3, 3, 3)


@pytest.mark.parametrize("kernel_size", [1, 3, 5, 7])
def test_odd_kernel_padding_keeps_size(kernel_size):
    padding = (kernel_size - 1) // 2
    conv = nn.Conv2d(1, 1, kernel_size, padding=padding)
    assert conv(torch.randn(1, 1, 9, 9)).shape == (1, 1, 9, 9)


def test_functional_examples():
    input = torch.randn(1, 1, 28, 28)
    conv1 = nn.Conv2d(1, 6, 5)
    output = F.conv2d(input, conv1.weight, conv1.bias, stride=1, padding=2)
    assert output.shape == (1, 6, 28, 28)
    assert F.max_pool2d(input, kernel_size=2, stride=2).shape == (1, 1, 14, 14)
    x = torch.randn(1, 10)
    np.testing.assert_array_equal(F.relu(x).numpy(), np.maximum(x.numpy(), 0))
    input = torch.randn(3, 5)
    target = torch.tensor([1, 0, 4])
    loss = F.cross_entropy(input, target)
    logits = input.numpy().astype(np.float64)
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    np.testing.assert_allclose(loss.item(), -logp[[0, 1, 2], [1, 0, 4]].mean(), rtol=1e-5)
