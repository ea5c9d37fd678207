"""Seed 004: image convolution with a sharpening kernel, pooling without parameters, Linear,
BatchNorm1d statistics, Dropout, in-place ReLU, three ways to build a Sequential, ModuleList."""
from collections import OrderedDict

import numpy as np
import pytest

import cynn as t
from cynn import nn


def test_sharpening_kernel():
    t.manual_seed(0)
    input = t.rand(1, 28, 28).unsqueeze(0)   # stands in for to_tensor(lena).unsqueeze(0)
    kernel = t.ones(3, 3) / -9
    kernel[1][1] = 1
    np.testing.assert_allclose(kernel.numpy()[1, 1], 1.0)
    np.testing.assert_allclose(kernel.numpy()[0, 0], -1 / 9, rtol=1e-6)
    conv = nn.Conv2d(1, 1, (3, 3), 1, bias=False)
    conv.weight.data = kernel.view(1, 1, 3, 3)
    out = conv(input)
    assert out.data.squeeze(0).shape == (1, 26, 26)
    x = input.numpy()[0, 0]
    expected = x[1:-1, 1:-1] - (sum(x[i:i + 26, j:j + 26] for i in range(3) for j in range(3))
                                - x[1:-1, 1:-1]) / 9
    np.testing.assert_allclose(out.detach().numpy()[0, 0], expected, rtol=1e-4, atol=1e-5)


def test_pooling_has_no_parameters():
    pool = nn.AvgPool2d(2, 2)
    assert list(pool.parameters()) == []
    assert pool(t.rand(1, 1, 28, 28)).shape == (1, 1, 14, 14)


def test_linear_batchnorm_dropout():
    t.manual_seed(0)
    input = t.randn(2, 3)
    linear = nn.Linear(3, 4)
    h = linear(input)
    assert h.shape == (2, 4) and h.grad_fn.name() == "AddmmBackward0"

    bn = nn.BatchNorm1d(4)
    bn.weight.data = t.ones(4) * 4
    bn.bias.data = t.zeros(4)
    bn_out = bn(h)
    np.testing.assert_allclose(bn_out.mean(0).detach().numpy(), 0, atol=1e-5)
    # variance weight**2 = 16, shrunk by eps where the batch of two has little spread
    batch_var = h.detach().numpy().var(0)
    np.testing.assert_allclose(bn_out.var(0, unbiased=False).detach().numpy(),
                               16 * batch_var / (batch_var + bn.eps), rtol=1e-3)

    dropout = nn.Dropout(0.5)
    big = t.ones(10000)
    o = dropout(big)
    zero_frac = float((o == 0).float().mean())
    assert 0.45 < zero_frac < 0.55
    np.testing.assert_allclose(o.numpy()[o.numpy() != 0], 2.0)
    dropout.eval()
    assert dropout(big).equal(big)


def test_inplace_relu_overwrites_input():
    relu = nn.ReLU(inplace=True)
    input = t.randn(2, 3)
    before = input.numpy().copy()
    output = relu(input)
    assert output is input
    np.testing.assert_array_equal(output.numpy(), before.clip(min=0))
    np.testing.assert_array_equal(t.randn(2, 3).clamp(min=0).numpy() >= 0, True)


SEQ_REPR = """Sequential(
  (conv): Conv2d(3, 3, kernel_size=(3, 3), stride=(1, 1))
  (batchnorm): BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
  (activation_layer): ReLU()
)"""


def test_three_ways_to_build_a_sequential():
    net1 = nn.Sequential()
    net1.add_module('conv', nn.Conv2d(3, 3, 3))
    net1.add_module('batchnorm', nn.BatchNorm2d(3))
    net1.add_module('activation_layer', nn.ReLU())
    net2 = nn.Sequential(nn.Conv2d(3, 3, 3), nn.BatchNorm2d(3), nn.ReLU())
    # the seed writes OrderedDict[...] (a typo that fails in PyTorch too); the call is meant:
    net3 = nn.Sequential(OrderedDict([
        ('conv1', nn.Conv2d(3, 3, 3)),
        ('bn1', nn.BatchNorm2d(3)),
        ('relu1', nn.ReLU())
    ]))
    assert repr(net1) == SEQ_REPR
    assert repr(net2) == SEQ_REPR.replace("(conv)", "(0)").replace("(batchnorm)", "(1)").replace(
        "(activation_layer)", "(2)")
    assert repr(net3) == SEQ_REPR.replace("(conv)", "(conv1)").replace("(batchnorm)", "(bn1)") \
        .replace("(activation_layer)", "(relu1)")
    assert net1.conv is net1[0] and net2[0] is list(net2.children())[0] and net3.conv1 is net3[0]

    input = t.rand(1, 3, 4, 4)
    for net in (net1, net2, net3):
        assert net(input).shape == (1, 3, 2, 2)
    output = net3.relu1(net1.batchnorm(net1.conv(input)))
    np.testing.assert_allclose(output.detach().numpy(), net1(input).detach().numpy())


def test_module_list_is_iterable_but_not_callable():
    modellist = nn.ModuleList([nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)])
    input = t.randn(1, 3)
    for model in modellist:
        input = model(input)
    assert input.shape == (1, 2)
    with pytest.raises(NotImplementedError, match="forward"):
        modellist(input)


def test_python_list_is_not_registered():
    class MyModule(nn.Module):
        def __init__(self):
            super(MyModule, self).__init__()
            self.list = [nn.Linear(3, 4), nn.ReLU()]
            self.module_list = nn.ModuleList([nn.Conv2d(3, 3, 3), nn.ReLU()])

        def forward(self):
            pass

    model = MyModule()
    assert repr(model) == ("MyModule(\n  (module_list): ModuleList(\n"
                           "    (0): Conv2d(3, 3, kernel_size=(3, 3), stride=(1, 1))\n"
                           "    (1): ReLU()\n  )\n)")
    assert [n for n, _ in model.named_parameters()] == ["module_list.0.weight",
                                                         "module_list.0.bias"]
