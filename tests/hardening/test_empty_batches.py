"""Every non-convolution, non-pooling layer on a zero-size batch, forward and backward,
against PyTorch: where torch computes, the same (empty) output and zero parameter
gradients; where torch raises, the same exception type. (Convolutions, pools and
padding have their own empty-input tests beside this file.)"""
import numpy as np
import pytest

import cynn
from helpers import assert_same_tensor, torch_module

# (class name, constructor args, input shape with a zero batch)
LAYERS = [
    ("Linear", (4, 3), (0, 4)),
    ("Linear", (4, 3), (2, 0, 4)),
    ("Identity", (), (0, 3)),
    ("Flatten", (), (0, 2, 3)),
    ("Unflatten", (1, (2, 3)), (0, 6)),
    ("BatchNorm1d", (3,), (0, 3)),
    ("BatchNorm2d", (3,), (0, 3, 4, 4)),
    ("BatchNorm3d", (2,), (0, 2, 2, 2, 2)),
    ("LayerNorm", (4,), (0, 4)),
    ("GroupNorm", (2, 4), (0, 4, 3)),
    ("InstanceNorm1d", (3,), (0, 3, 5)),
    ("InstanceNorm2d", (3,), (0, 3, 4, 4)),
    ("Dropout", (0.5,), (0, 4)),
    ("Dropout2d", (0.5,), (0, 3, 4, 4)),
    ("AlphaDropout", (0.5,), (0, 4)),
    ("Softmax", (1,), (0, 4)),
    ("LogSoftmax", (1,), (0, 4)),
    ("Softmin", (1,), (0, 4)),
    ("Softmax2d", (), (0, 3, 2, 2)),
    ("GLU", (), (0, 4)),
    ("PReLU", (), (0, 4)),
] + [(name, (), (0, 4)) for name in (
    "ReLU", "ReLU6", "LeakyReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish", "Sigmoid",
    "Tanh", "Hardtanh", "Hardsigmoid", "Hardswish", "LogSigmoid", "Softplus", "Softsign",
    "Tanhshrink")] + [("Threshold", (0.1, 0.0), (0, 4))]


def _run(lib, name, args, shape, train):
    layer = getattr(lib.nn, name)(*args)
    layer.train(train)
    x = lib.zeros(shape, dtype=lib.float64, requires_grad=True)
    layer = layer.double()
    y = layer(x)
    y.sum().backward()
    return x, y, dict(layer.named_parameters())


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name,args,shape", LAYERS, ids=lambda v: str(v))
def test_layer_on_an_empty_batch(name, args, shape, train):
    torch = torch_module()
    try:
        expected = _run(torch, name, args, shape, train)
    except Exception as exc:  # torch refuses: cynn must refuse the same way
        with pytest.raises(type(exc)):
            _run(cynn, name, args, shape, train)
        return
    x, y, params = _run(cynn, name, args, shape, train)
    tx, ty, tparams = expected
    assert_same_tensor(y, ty, what="output")
    assert_same_tensor(x.grad, tx.grad, what="input gradient")
    assert params.keys() == tparams.keys()
    for key, p in params.items():
        tp = tparams[key]
        if tp.grad is None:
            assert p.grad is None or not np.any(p.grad.numpy()), key
        else:
            assert p.grad is not None, f"{key}: no gradient"
            assert_same_tensor(p.grad, tp.grad, what=f"{key} gradient")


LOSSES = [
    ("MSELoss", lambda lib: lib.zeros(0, 3, dtype=lib.float64)),
    ("L1Loss", lambda lib: lib.zeros(0, 3, dtype=lib.float64)),
    ("SmoothL1Loss", lambda lib: lib.zeros(0, 3, dtype=lib.float64)),
    ("HuberLoss", lambda lib: lib.zeros(0, 3, dtype=lib.float64)),
    ("BCELoss", lambda lib: lib.zeros(0, 3, dtype=lib.float64)),
    ("BCEWithLogitsLoss", lambda lib: lib.zeros(0, 3, dtype=lib.float64)),
    ("KLDivLoss", lambda lib: lib.zeros(0, 3, dtype=lib.float64)),
    ("CrossEntropyLoss", lambda lib: lib.zeros(0, dtype=lib.int64)),
    ("NLLLoss", lambda lib: lib.zeros(0, dtype=lib.int64)),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,target", LOSSES, ids=[n for n, _ in LOSSES])
def test_loss_on_an_empty_batch(name, target, reduction):
    torch = torch_module()

    def run(lib):
        x = lib.zeros(0, 3, dtype=lib.float64, requires_grad=True)
        loss = getattr(lib.nn, name)(reduction=reduction)(x, target(lib))
        loss.sum().backward()
        return x, loss

    try:
        tx, tloss = run(torch)
    except Exception as exc:
        with pytest.raises(type(exc)):
            run(cynn)
        return
    x, loss = run(cynn)
    assert_same_tensor(loss, tloss.detach(), what="loss")
    assert_same_tensor(x.grad, tx.grad, what="input gradient")


def test_batch_norm_keeps_its_running_estimates_on_an_empty_batch():
    torch = torch_module()
    layers = [lib.nn.BatchNorm2d(3) for lib in (cynn, torch)]
    for lib, layer in zip((cynn, torch), layers):
        with lib.no_grad():
            layer.running_mean.add_(1.5)
        layer(lib.zeros(0, 3, 4, 4))
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        assert_same_tensor(getattr(layers[0], name), getattr(layers[1], name), what=name)
