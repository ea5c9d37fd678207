"""The models the ONNX export tests run, written the ways users write them."""
import cynn
from cynn import nn
from cynn.nn import functional as F


class AlexNet(nn.Module):
    """torchvision's AlexNet (in-place ReLUs, dropout, adaptive pooling, flatten)."""

    def __init__(self, num_classes=1000, dropout=0.5):
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

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = cynn.flatten(x, 1)
        return self.classifier(x)


class ConvZoo(nn.Module):
    """Grouped, dilated, 'same'-padded (odd total: asymmetric), reflect-padded,
    depthwise, strided-transposed convolutions, batch norm and ceil-mode pooling."""

    def __init__(self):
        super().__init__()
        self.grouped = nn.Conv2d(4, 8, 3, padding=2, dilation=2, groups=2)
        self.same = nn.Conv2d(8, 8, (4, 3), padding="same", bias=False)
        self.reflect = nn.Conv2d(8, 6, 3, stride=2, padding=1, padding_mode="reflect")
        self.bn = nn.BatchNorm2d(6)
        self.depthwise = nn.Conv2d(6, 6, 3, groups=6, padding=1)
        self.up = nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, output_padding=1, groups=2)
        self.up_dilated = nn.ConvTranspose2d(4, 3, 2, stride=1, dilation=2)
        self.pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.avg = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.line = nn.Conv1d(3, 5, 3, stride=2, padding=1)

    def forward(self, x):
        x = F.leaky_relu(self.grouped(x), 0.1)
        x = self.same(x)
        x = self.bn(self.reflect(x)).relu()
        x = F.elu(self.depthwise(x)) + x
        x = self.up_dilated(self.up(x))
        x = self.avg(self.pool(x))
        x = self.line(x.flatten(2))
        return F.log_softmax(x.mean(dim=-1), dim=1)
