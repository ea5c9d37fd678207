"""Seed 000: torch.nn basics -- Parameter, Module, add_module, Linear, apply, modules,
named_*, parameters, Sequential, ModuleList, ParameterList, Conv2d groups errors."""
from collections import OrderedDict

import pytest

import cynn as torch
import cynn.nn as nn
import cynn.nn.functional as F


class Model(nn.Module):
    def __init__(self):
        super(Model, self).__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.conv2 = nn.Conv2d(20, 20, 5)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        return F.relu(self.conv2(x))


class AddModuleModel(nn.Module):
    def __init__(self):
        nn.Module.__init__(self)
        self.add_module("conv", nn.Conv2d(10, 20, 4))


def test_submodules_as_attributes_run_forward():
    model = Model()
    out = model(torch.randn(2, 1, 16, 16))
    assert out.shape == (2, 20, 8, 8)
    assert [n for n, _ in model.named_children()] == ["conv1", "conv2"]


def test_add_module_prints_conv(capsys):
    model = AddModuleModel()
    print(model.conv)
    assert capsys.readouterr().out == "Conv2d(10, 20, kernel_size=(4, 4), stride=(1, 1))\n"
    children = list(model.named_children())
    assert [n for n, _ in children] == ["conv"]
    assert repr(children[0][1]) == "Conv2d(10, 20, kernel_size=(4, 4), stride=(1, 1))"


def test_linear_parameter_repr_and_shapes():
    L = nn.Linear(2, 2)
    text = repr(L.weight)
    assert text.startswith("Parameter containing:\ntensor([[")
    assert text.endswith("]], requires_grad=True)")
    assert L.bias.shape == torch.Size([2])
    assert repr(L.bias.shape) == "cynn.Size([2])"

    x = torch.randn(128, 20)
    m = torch.nn.Linear(20, 30)
    c = m(x)
    assert m.weight.shape == (30, 20)
    assert c.shape == (128, 30)
    assert m.bias.shape == (30,)
    assert c.grad_fn.name() == "AddmmBackward0"
    text = repr(c)
    # 128x30 = 3840 elements > 1000: summarised with '...' rows and columns, like the seed
    assert "...," in text and text.endswith("grad_fn=<AddmmBackward0>)")


def test_apply_initialises_every_linear(capsys):
    def init_weights(m):
        print(m)
        if type(m) == nn.Linear:
            m.weight.data.fill_(1.0)
            print(m.weight)

    net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    returned = net.apply(init_weights)
    assert returned is net
    expected_linear = ("Linear(in_features=2, out_features=2, bias=True)\n"
                       "Parameter containing:\ntensor([[1., 1.],\n        [1., 1.]], "
                       "requires_grad=True)\n")
    expected = expected_linear * 2 + (
        "Sequential(\n  (0): Linear(in_features=2, out_features=2, bias=True)\n"
        "  (1): Linear(in_features=2, out_features=2, bias=True)\n)\n")
    assert capsys.readouterr().out == expected


def test_modules_and_named_modules_yield_shared_module_once():
    l = nn.Linear(2, 2)
    net = nn.Sequential(l, l)
    mods = list(net.modules())
    assert len(mods) == 2 and mods[0] is net and mods[1] is l
    named = list(net.named_modules())
    assert [n for n, _ in named] == ["", "0"]
    assert repr(net) == ("Sequential(\n  (0): Linear(in_features=2, out_features=2, bias=True)\n"
                         "  (1): Linear(in_features=2, out_features=2, bias=True)\n)")


def test_named_parameters_and_parameters():
    l = nn.Linear(2, 2)
    named = list(l.named_parameters())
    assert [n for n, _ in named] == ["weight", "bias"]
    assert repr(named[1][1]).startswith("Parameter containing:\ntensor([")
    kinds = [(type(p.data), p.size()) for p in l.parameters()]
    assert kinds == [(torch.Tensor, torch.Size([2, 2])), (torch.Tensor, torch.Size([2]))]


def test_sequential_positional_and_ordered_dict():
    model = nn.Sequential(nn.Conv2d(1, 20, 5), nn.ReLU(), nn.Conv2d(20, 64, 5), nn.ReLU())
    assert model(torch.randn(1, 1, 12, 12)).shape == (1, 64, 4, 4)
    model = nn.Sequential(OrderedDict([
        ('conv1', nn.Conv2d(1, 20, 5)),
        ('relu1', nn.ReLU()),
        ('conv2', nn.Conv2d(20, 64, 5)),
        ('relu2', nn.ReLU())
    ]))
    assert [n for n, _ in model.named_children()] == ["conv1", "relu1", "conv2", "relu2"]
    assert model(torch.randn(1, 1, 12, 12)).shape == (1, 64, 4, 4)


def test_module_list_forward():
    class MyModule(nn.Module):
        def __init__(self):
            super(MyModule, self).__init__()
            self.linears = nn.ModuleList([nn.Linear(10, 10) for i in range(10)])

        def forward(self, x):
            for i, l in enumerate(self.linears):
                x = self.linears[i // 2](x) + l(x)
            return x

    m = MyModule()
    assert len(list(m.parameters())) == 20
    out = m(torch.randn(3, 10))
    assert out.shape == (3, 10)
    out.sum().backward()
    assert all(p.grad is not None for p in m.parameters())


def test_parameter_list_repr(capsys):
    class MyModule(nn.Module):
        def __init__(self):
            super(MyModule, self).__init__()
            self.params = nn.ParameterList([nn.Parameter(torch.randn(10, 10)) for i in range(10)])
            print(self.params)

        def forward(self, x):
            for i, p in enumerate(self.params):
                x = self.params[i // 2].mm(x) + p.mm(x)
            return x

    m = MyModule()
    lines = ["ParameterList("] + [
        f"    ({i}): Parameter containing: [cynn.float32 of size 10x10]" for i in range(10)] + [")"]
    assert capsys.readouterr().out == "\n".join(lines) + "\n"
    assert m(torch.randn(10, 3)).shape == (10, 3)


@pytest.mark.parametrize("in_channels, out_channels, groups, message", [
    (2, 6, 3, "in_channels must be divisible by groups"),
    (6, 3, 2, "out_channels must be divisible by groups"),
])
def test_conv_groups_errors(in_channels, out_channels, groups, message):
    with pytest.raises(ValueError, match=message):
        nn.Conv2d(in_channels=in_channels, out_channels=out_channels, kernel_size=1, groups=groups)


@pytest.mark.parametrize("groups, expected", [(2, (6, 3, 3, 3)), (3, (6, 2, 3, 3))])
def test_conv_groups_weight_shape(groups, expected):
    conv = nn.Conv2d(in_channels=6, out_channels=6, kernel_size=3, groups=groups)
    assert conv.weight.data.size() == torch.Size(expected)
