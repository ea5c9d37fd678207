"""Seed 002: the official NEURAL NETWORKS tutorial -- Net, its parameters, pooling shapes,
flattening, view, backward with a given gradient, MSELoss, zero_grad, SGD step."""
import numpy as np
import pytest

import cynn as torch
import cynn.nn as nn
import cynn.nn.functional as F
import cynn.optim as optim
from cynn import autograd


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 3)
        self.conv2 = nn.Conv2d(6, 16, 3)
        self.fc1 = nn.Linear(16 * 6 * 6, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
        self.shapes = []

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        self.shapes.append(tuple(x.shape))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        self.shapes.append(tuple(x.shape))
        x = x.view(-1, self.num_flat_features(x))
        self.shapes.append(tuple(x.shape))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


NET_REPR = """Net(
  (conv1): Conv2d(1, 6, kernel_size=(3, 3), stride=(1, 1))
  (conv2): Conv2d(6, 16, kernel_size=(3, 3), stride=(1, 1))
  (fc1): Linear(in_features=576, out_features=120, bias=True)
  (fc2): Linear(in_features=120, out_features=84, bias=True)
  (fc3): Linear(in_features=84, out_features=10, bias=True)
)"""


def test_net_repr_and_parameters():
    net = Net()
    assert repr(net) == NET_REPR
    params = list(net.parameters())
    assert len(params) == 10
    assert params[0].size() == torch.Size([6, 1, 3, 3])
    assert params[1].size() == torch.Size([6])


def test_shapes_through_the_network():
    net = Net()
    x = torch.randn(1, 1, 32, 32)
    assert F.relu(net.conv1(x)).shape == (1, 6, 30, 30)
    out = net(x)
    assert net.shapes == [(1, 6, 15, 15), (1, 16, 6, 6), (1, 576)]
    assert out.shape == (1, 10)


@pytest.mark.parametrize("kernel, expected", [(3, (20, 7, 24)), ((2, 4), (20, 8, 24))])
def test_pooling_changes_only_the_last_two_dims(kernel, expected):
    m = torch.nn.MaxPool2d(kernel, stride=2)
    input = autograd.Variable(torch.randn(20, 16, 50))
    assert input.shape == (20, 16, 50)
    assert m(input).shape == expected


def test_view():
    a = torch.tensor([[1, 2, 3], [4, 5, 6]])
    assert a.view(-1, 6).shape == torch.Size([1, 6])
    assert a.view(-1).shape == torch.Size([6])
    assert torch.tensor([1, 2, 3]).shape == torch.Size([3])


def test_backward_with_random_gradient_and_loss_and_sgd():
    torch.manual_seed(0)
    net = Net()
    input = torch.randn(1, 1, 32, 32)
    out = net(input)
    net.zero_grad()
    out.backward(torch.randn(1, 10))
    assert all(p.grad is not None for p in net.parameters())

    output = net(input)
    target = torch.randn(10)
    target = target.view(1, -1)
    criterion = nn.MSELoss()
    loss = criterion(output, target)
    np.testing.assert_allclose(loss.item(), ((output.detach().numpy() - target.numpy()) ** 2).mean(),
                               rtol=1e-5)
    assert loss.grad_fn.name() == "MseLossBackward0"

    net.zero_grad()
    assert net.conv1.bias.grad is None
    loss.backward()
    assert net.conv1.bias.grad is not None and net.conv1.bias.grad.shape == (6,)

    optimizer = optim.SGD(net.parameters(), lr=0.01)
    before = net.fc3.bias.detach().numpy().copy()
    optimizer.zero_grad()
    output = net(input)
    loss = criterion(output, target)
    loss.backward()
    grad = net.fc3.bias.grad.numpy().copy()
    optimizer.step()
    np.testing.assert_allclose(net.fc3.bias.detach().numpy(), before - 0.01 * grad, rtol=1e-6)
    assert criterion(net(input), target).item() < loss.item()
