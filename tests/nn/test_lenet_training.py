"""A LeNet trained for 300 SGD steps on a small separable problem ends at the same loss
as the identical PyTorch run started from the same weights."""
import numpy as np
import pytest

import cynn
from helpers import lenet

torch = pytest.importorskip("torch")


def separable_batches(steps, batch, seed=0):
    """Class 1 images carry a bright vertical bar; noise everywhere."""
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        labels = rng.integers(0, 2, batch)
        images = rng.normal(0.0, 1.0, (batch, 3, 32, 32)).astype(np.float32)
        images[labels == 1, :, :, 12:20] += 1.0
        yield images, labels.astype(np.int64)


def test_lenet_300_steps_matches_torch_loss():
    torch.manual_seed(0)
    tnet = lenet(torch, classes=2)
    cnet = lenet(cynn, classes=2)
    for (name, p), (other, q) in zip(tnet.named_parameters(), cnet.named_parameters()):
        assert name == other
        q.data.copy_(cynn.from_numpy(p.detach().numpy().copy()))
    topt = torch.optim.SGD(tnet.parameters(), lr=0.01, momentum=0.9)
    copt = cynn.optim.SGD(cnet.parameters(), lr=0.01, momentum=0.9)
    tlosses, closses = [], []
    for images, labels in separable_batches(300, 16):
        tloss = torch.nn.functional.cross_entropy(tnet(torch.from_numpy(images)),
                                                  torch.from_numpy(labels))
        topt.zero_grad()
        tloss.backward()
        topt.step()
        closs = cynn.nn.functional.cross_entropy(cnet(cynn.from_numpy(images)),
                                                 cynn.from_numpy(labels))
        copt.zero_grad()
        closs.backward()
        copt.step()
        tlosses.append(tloss.item())
        closses.append(closs.item())
    assert np.mean(tlosses[-20:]) < 0.5 * np.mean(tlosses[:20])  # it did learn
    assert abs(np.mean(closses[-20:]) - np.mean(tlosses[-20:])) < 1e-3
    np.testing.assert_allclose(closses[:50], tlosses[:50], rtol=1e-3, atol=1e-4)
