"""Seed 001: model building -- linear and logistic regression, LeNet (+ its training loop on
generated two-class images), Sequential / OrderedDict / ModuleList / ModuleDict containers,
AlexNet, vanishing/exploding gradients and init, conv/transposed/3-d conv, pooling, unpooling,
linear layer, activation layers."""
from collections import OrderedDict

import numpy as np
import pytest

import cynn as torch
import cynn.nn as nn
import cynn.nn.functional as F
import cynn.optim as optim
from cynn.utils.data import DataLoader, TensorDataset


def test_linear_regression_converges():
    torch.manual_seed(1)  # plain GD with lr 0.05 is stable while lr * mean(x^2) < 2
    lr = 0.05
    x = torch.rand(20, 1) * 10
    y = 2 * x + (5 + torch.randn(20, 1))
    w = torch.randn((1), requires_grad=True)
    b = torch.zeros((1), requires_grad=True)
    losses = []
    for iteration in range(1000):
        wx = torch.mul(w, x)
        y_pred = torch.add(wx, b)
        loss = (0.5 * (y - y_pred) ** 2).mean()
        loss.backward()
        b.data.sub_(lr * b.grad)
        w.data.sub_(lr * w.grad)
        w.grad.zero_()
        b.grad.zero_()
        losses.append(float(loss.data.numpy()))
        if loss.data.numpy() < 1:
            break
    assert losses[-1] < 1 < losses[0]
    assert isinstance(w.data.numpy(), np.ndarray) and "Iteration: {}\nw: {} b: {}".format(
        iteration, w.data.numpy(), b.data.numpy())


def test_logistic_regression_reaches_accuracy():
    torch.manual_seed(10)
    sample_nums = 100
    mean_value = 1.7
    bias = 1
    n_data = torch.ones(sample_nums, 2)
    x0 = torch.normal(mean_value * n_data, 1) + bias
    y0 = torch.zeros(sample_nums)
    x1 = torch.normal(-mean_value * n_data, 1) + bias
    y1 = torch.ones(sample_nums)
    train_x = torch.cat((x0, x1), 0)
    train_y = torch.cat((y0, y1), 0)
    assert train_x.shape == (200, 2) and train_y.shape == (200,)

    class LR(nn.Module):
        def __init__(self):
            super(LR, self).__init__()
            self.features = nn.Linear(2, 1)
            self.sigmoid = nn.Sigmoid()

        def forward(self, x):
            x = self.features(x)
            x = self.sigmoid(x)
            return x

    lr_net = LR()
    loss_fn = nn.BCELoss()
    optimizer = torch.optim.SGD(lr_net.parameters(), lr=0.01, momentum=0.9)
    first_loss = acc = None
    for iteration in range(1000):
        y_pred = lr_net(train_x)
        loss = loss_fn(y_pred.squeeze(), train_y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        first_loss = loss.item() if first_loss is None else first_loss
        if iteration % 20 == 0:
            mask = y_pred.ge(0.5).float().squeeze()
            correct = (mask == train_y).sum()
            acc = correct.item() / train_y.size(0)
            w0, w1 = lr_net.features.weight[0]
            w0, w1 = float(w0.item()), float(w1.item())
            plot_b = float(lr_net.features.bias[0].item())
            "w0:{:.2f} w1:{:.2f} b: {:.2f} accuracy:{:.2%}".format(w0, w1, plot_b, acc)
            if acc > 0.99:
                break
    assert acc > 0.97
    assert loss.item() < first_loss


class LeNet(nn.Module):
    def __init__(self, classes):
        super(LeNet, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x):
        out = F.relu(self.conv1(x))
        out = F.max_pool2d(out, 2)
        out = F.relu(self.conv2(out))
        out = F.max_pool2d(out, 2)
        out = out.view(out.size(0), -1)
        out = F.relu(self.fc1(out))
        out = F.relu(self.fc2(out))
        out = self.fc3(out)
        return out

    def initialize_weights(self):
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_normal_(m.weight.data)
                if m.bias is not None:
                    m.bias.data.zero_()
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.data.fill_(1)
                m.bias.data.zero_()
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight.data, 0, 0.1)
                m.bias.data.zero_()


def _two_class_images(n, seed):
    """Stand-in for the seed's RMB banknote images: class 1 is brighter in the red channel
    with a vertical bar; 3x32x32, normalised like the seed's transform."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    images = rng.normal(0.0, 1.0, (n, 3, 32, 32)).astype(np.float32)
    images[labels == 1, 0] += 1.0
    images[labels == 1, :, :, 12:20] += 1.5
    return torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64))


def test_lenet_training_loop_as_in_seed():
    torch.manual_seed(1)
    MAX_EPOCH, BATCH_SIZE, LR, log_interval, val_interval = 3, 16, 0.01, 10, 1
    train_data = TensorDataset(*_two_class_images(160, 0))
    valid_data = TensorDataset(*_two_class_images(48, 1))
    train_loader = DataLoader(dataset=train_data, batch_size=BATCH_SIZE, shuffle=True)
    valid_loader = DataLoader(dataset=valid_data, batch_size=BATCH_SIZE)

    net = LeNet(classes=2)
    net.initialize_weights()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=LR, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.1)

    train_curve, valid_accs = [], []
    for epoch in range(MAX_EPOCH):
        loss_mean, correct, total = 0., 0., 0.
        net.train()
        for i, data in enumerate(train_loader):
            inputs, labels = data
            outputs = net(inputs)
            optimizer.zero_grad()
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).squeeze().sum().numpy()
            loss_mean += loss.item()
            train_curve.append(loss.item())
            if (i + 1) % log_interval == 0:
                loss_mean = loss_mean / log_interval
                line = ("Training:Epoch[{:0>3}/{:0>3}] Iteration[{:0>3}/{:0>3}] Loss: {:.4f} "
                        "Acc:{:.2%}".format(epoch, MAX_EPOCH, i + 1, len(train_loader),
                                            loss_mean, correct / total))
                assert line.startswith(f"Training:Epoch[00{epoch}/003] Iteration[010/010]")
                loss_mean = 0.
        scheduler.step()
        if (epoch + 1) % val_interval == 0:
            correct_val, total_val = 0., 0.
            net.eval()
            with torch.no_grad():
                for j, data in enumerate(valid_loader):
                    inputs, labels = data
                    outputs = net(inputs)
                    assert outputs.grad_fn is None
                    _, predicted = torch.max(outputs.data, 1)
                    total_val += labels.size(0)
                    correct_val += (predicted == labels).squeeze().sum().numpy()
            valid_accs.append(correct_val / total_val)
    assert len(train_loader) == 10
    assert np.mean(train_curve[-5:]) < np.mean(train_curve[:5])
    assert valid_accs[-1] >= 0.9

    single = DataLoader(dataset=valid_data, batch_size=1)
    inputs, labels = next(iter(single))
    _, predicted = torch.max(net(inputs).data, 1)
    assert predicted.numpy()[0] in (0, 1)


class LeNetSequential(nn.Module):
    def __init__(self, classes):
        super(LeNetSequential, self).__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(kernel_size=2, stride=2),)
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, classes),)

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size()[0], -1)
        x = self.classifier(x)
        return x


class LeNetSequentialOrderDict(nn.Module):
    def __init__(self, classes):
        super(LeNetSequentialOrderDict, self).__init__()
        self.features = nn.Sequential(OrderedDict({
            'conv1': nn.Conv2d(3, 6, 5),
            'relu1': nn.ReLU(inplace=True),
            'pool1': nn.MaxPool2d(kernel_size=2, stride=2),
            'conv2': nn.Conv2d(6, 16, 5),
            'relu2': nn.ReLU(inplace=True),
            'pool2': nn.MaxPool2d(kernel_size=2, stride=2),
        }))
        self.classifier = nn.Sequential(OrderedDict({
            'fc1': nn.Linear(16 * 5 * 5, 120),
            'relu3': nn.ReLU(),
            'fc2': nn.Linear(120, 84),
            'relu4': nn.ReLU(inplace=True),
            'fc3': nn.Linear(84, classes),
        }))

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size()[0], -1)
        x = self.classifier(x)
        return x


LENET_SEQUENTIAL_REPR = """LeNetSequential(
  (features): Sequential(
    (0): Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1))
    (1): ReLU()
    (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    (3): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
    (4): ReLU()
    (5): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  )
  (classifier): Sequential(
    (0): Linear(in_features=400, out_features=120, bias=True)
    (1): ReLU()
    (2): Linear(in_features=120, out_features=84, bias=True)
    (3): ReLU()
    (4): Linear(in_features=84, out_features=2, bias=True)
  )
)"""

LENET_ORDERED_REPR = """LeNetSequentialOrderDict(
  (features): Sequential(
    (conv1): Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1))
    (relu1): ReLU(inplace=True)
    (pool1): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
    (relu2): ReLU(inplace=True)
    (pool2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  )
  (classifier): Sequential(
    (fc1): Linear(in_features=400, out_features=120, bias=True)
    (relu3): ReLU()
    (fc2): Linear(in_features=120, out_features=84, bias=True)
    (relu4): ReLU(inplace=True)
    (fc3): Linear(in_features=84, out_features=2, bias=True)
  )
)"""


@pytest.mark.parametrize("cls, expected", [(LeNetSequential, LENET_SEQUENTIAL_REPR),
                                           (LeNetSequentialOrderDict, LENET_ORDERED_REPR)])
def test_lenet_containers_print_and_run(cls, expected):
    net = cls(classes=2)
    fake_img = torch.randn((4, 3, 32, 32), dtype=torch.float32)
    output = net(fake_img)
    assert repr(net) == expected
    assert output.shape == (4, 2)


def test_module_list_of_twenty_linears():
    class ModuleList(nn.Module):
        def __init__(self):
            super(ModuleList, self).__init__()
            self.linears = nn.ModuleList([nn.Linear(10, 10) for i in range(20)])

        def forward(self, x):
            for i, linear in enumerate(self.linears):
                x = linear(x)
            return x

    net = ModuleList()
    text = repr(net)
    assert text.startswith("ModuleList(\n  (linears): ModuleList(\n    (0-19): 20 x Linear(")
    fake_data = torch.ones((10, 10))
    assert net(fake_data).shape == (10, 10)


def test_module_dict_choices():
    class ModuleDict(nn.Module):
        def __init__(self):
            super(ModuleDict, self).__init__()
            self.choices = nn.ModuleDict({'conv': nn.Conv2d(10, 10, 3), 'pool': nn.MaxPool2d(3)})
            self.activations = nn.ModuleDict({'relu': nn.ReLU(), 'prelu': nn.PReLU()})

        def forward(self, x, choice, act):
            x = self.choices[choice](x)
            x = self.activations[act](x)
            return x

    net = ModuleDict()
    fake_img = torch.randn((4, 10, 32, 32))
    output = net(fake_img, 'conv', 'relu')
    assert output.shape == (4, 10, 30, 30)
    assert float(output.min()) >= 0
    assert net(fake_img, 'pool', 'prelu').shape == (4, 10, 10, 10)


class AlexNet(nn.Module):
    """The AlexNet the seed spells out (torchvision's), minus torchvision."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.classifier(x)
        return x


def test_alexnet_forward_and_repr():
    alexnet = AlexNet()
    assert sum(p.numel() for p in alexnet.parameters()) == 61100840
    alexnet.eval()
    with torch.no_grad():
        out = alexnet(torch.randn(1, 3, 224, 224))
    assert out.shape == (1, 1000)
    text = repr(alexnet)
    assert "(0): Conv2d(3, 64, kernel_size=(11, 11), stride=(4, 4), padding=(2, 2))" in text
    assert "(avgpool): AdaptiveAvgPool2d(output_size=(6, 6))" in text
    assert "(0): Dropout(p=0.5, inplace=False)" in text


class MLP(nn.Module):
    def __init__(self, neural_num, layers):
        super(MLP, self).__init__()
        self.linears = nn.ModuleList([nn.Linear(neural_num, neural_num, bias=False)
                                      for i in range(layers)])
        self.neural_num = neural_num
        self.stds = []

    def forward(self, x):
        for (i, linear) in enumerate(self.linears):
            x = linear(x)
            x = torch.relu(x)
            self.stds.append(float(x.std()))
            if torch.isnan(x.std()):
                break
        return x


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_std_explodes_with_standard_normal_init():
    torch.manual_seed(1)
    net = MLP(256, 100)
    for m in net.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight.data)
    net(torch.randn((16, 256)))
    assert any(not np.isfinite(s) for s in net.stds)
    assert len(net.stds) < 100


def test_kaiming_init_keeps_std_stable():
    torch.manual_seed(1)
    net = MLP(256, 100)
    for m in net.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight.data)
    net(torch.randn((16, 256)))
    assert len(net.stds) == 100
    assert all(0.1 < s < 10 for s in net.stds)


def test_tanh_gain():
    torch.manual_seed(1)
    x = torch.randn(10000)
    out = torch.tanh(x)
    gain = x.std() / out.std()
    assert 1.5 < float(gain) < 1.7
    assert nn.init.calculate_gain('tanh') == pytest.approx(5.0 / 3)
    nn.init.xavier_uniform_(torch.empty(4, 4), gain=nn.init.calculate_gain('tanh'))


def _image():
    torch.manual_seed(3)
    img_tensor = torch.rand(3, 40, 48)   # stands in for ToTensor()(lena)
    img_tensor.unsqueeze_(dim=0)
    return img_tensor


def test_conv_transposed_and_3d_shapes():
    img_tensor = _image()
    assert img_tensor.shape == (1, 3, 40, 48)
    conv_layer = nn.Conv2d(3, 1, 3)
    assert conv_layer.weight.shape == (1, 3, 3, 3)
    nn.init.xavier_normal_(conv_layer.weight.data)
    assert conv_layer(img_tensor).shape == (1, 1, 38, 46)

    conv_layer = nn.ConvTranspose2d(3, 1, 3, stride=2)
    nn.init.xavier_normal_(conv_layer.weight.data)
    assert conv_layer(img_tensor).shape == (1, 1, 81, 97)

    img_tensor.unsqueeze_(dim=2)
    assert img_tensor.shape == (1, 3, 1, 40, 48)
    conv_layer = nn.Conv3d(3, 1, (3, 3, 3), padding=(1, 0, 0), bias=False)
    assert conv_layer(img_tensor).shape == (1, 1, 1, 38, 46)
    with pytest.raises(RuntimeError):
        nn.Conv3d(3, 1, (3, 3, 3), bias=False)(img_tensor)


def test_max_and_avg_pool_halve_the_image():
    img_tensor = _image()
    maxpool_layer = nn.MaxPool2d((2, 2), stride=(2, 2))
    img_pool = maxpool_layer(img_tensor)
    assert img_pool.shape == (1, 3, 20, 24)
    avgpool_layer = nn.AvgPool2d((2, 2), stride=(2, 2))
    img_avg = avgpool_layer(img_tensor)
    assert img_avg.shape == (1, 3, 20, 24)
    assert float((img_avg - img_pool).max()) <= 0  # averages never exceed maxima


def test_max_unpool_puts_values_back_at_indices():
    torch.manual_seed(1)
    img_tensor = torch.randint(high=5, size=(1, 1, 4, 4), dtype=torch.float)
    maxpool_layer = nn.MaxPool2d((2, 2), stride=(2, 2), return_indices=True)
    img_pool, indices = maxpool_layer(img_tensor)
    img_reconstruct = torch.randn_like(img_pool, dtype=torch.float)
    maxunpool_layer = nn.MaxUnpool2d((2, 2), stride=(2, 2))
    img_unpool = maxunpool_layer(img_reconstruct, indices)
    text = "raw_img:\n{}\nimg_pool:\n{}".format(img_tensor, img_pool)
    assert text.startswith("raw_img:\ntensor([[[[")
    assert img_unpool.shape == (1, 1, 4, 4)
    flat = img_unpool.view(-1)
    np.testing.assert_array_equal(flat[indices.view(-1)].numpy(), img_reconstruct.view(-1).numpy())
    assert int((img_unpool != 0).sum()) == 4
    np.testing.assert_array_equal(img_tensor.view(-1)[indices.view(-1)].numpy(),
                                  img_pool.view(-1).numpy())


def test_linear_layer_by_hand(capsys):
    inputs = torch.tensor([[1., 2, 3]])
    linear_layer = nn.Linear(3, 4)
    linear_layer.weight.data = torch.tensor([[1., 1., 1.],
                                             [2., 2., 2.],
                                             [3., 3., 3.],
                                             [4., 4., 4.]])
    linear_layer.bias.data.fill_(0.5)
    output = linear_layer(inputs)
    print(inputs, inputs.shape)
    print(linear_layer.weight.data, linear_layer.weight.data.shape)
    print(output, output.shape)
    assert capsys.readouterr().out == (
        "tensor([[1., 2., 3.]]) cynn.Size([1, 3])\n"
        "tensor([[1., 1., 1.],\n        [2., 2., 2.],\n        [3., 3., 3.],\n"
        "        [4., 4., 4.]]) cynn.Size([4, 3])\n"
        "tensor([[ 6.5000, 12.5000, 18.5000, 24.5000]], grad_fn=<AddmmBackward0>) "
        "cynn.Size([1, 4])\n")


def test_activation_layers():
    x = torch.tensor([[-2.0, -0.5, 0.0, 1.5]])
    np.testing.assert_allclose(nn.LeakyReLU(negative_slope=0.01)(x).numpy(),
                               [[-0.02, -0.005, 0.0, 1.5]], rtol=1e-6)
    prelu = nn.PReLU(num_parameters=1, init=0.25)
    assert prelu.weight.shape == (1,) and float(prelu.weight) == 0.25
    prelu_c = nn.PReLU(num_parameters=3)
    assert prelu_c(torch.randn(2, 3, 4)).shape == (2, 3, 4)
    rrelu = nn.RReLU(lower=0.125, upper=0.3333333333333333)
    y = rrelu(torch.full((1000,), -1.0))
    assert float(y.max()) <= -0.125 and float(y.min()) >= -1 / 3
    rrelu.eval()
    np.testing.assert_allclose(rrelu(torch.tensor([-1.0])).numpy(), [-(0.125 + 1 / 3) / 2],
                               rtol=1e-6)
    assert float(nn.Sigmoid()(torch.tensor([0.0]))) == 0.5
    assert float(nn.Tanh()(torch.tensor([0.0]))) == 0.0
