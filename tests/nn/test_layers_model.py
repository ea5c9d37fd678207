"""Layers composed into a small CNN: the whole model's loss and every parameter
gradient agree with the same model in torch, over several optimisation-free
training steps (BatchNorm statistics evolve) and then in eval."""
import numpy as np

import cynn
import cynn.nn as nn
from _nn_parity import assert_close, copy_state, rng, torch


def _model(lib):
    return lib.nn.Sequential(
        lib.nn.Conv2d(1, 6, 3, padding=1), lib.nn.BatchNorm2d(6), lib.nn.ReLU(),
        lib.nn.MaxPool2d(2), lib.nn.Conv2d(6, 8, 3, groups=2, padding_mode="reflect",
                                           padding=1),
        lib.nn.LeakyReLU(0.1), lib.nn.AdaptiveAvgPool2d((2, 2)), lib.nn.Flatten(),
        lib.nn.Dropout(0.0), lib.nn.Linear(32, 10), lib.nn.LogSoftmax(dim=1))


def test_small_cnn_matches_torch_in_train_and_eval():
    c_model, t_model = _model(cynn), _model(torch)
    assert repr(c_model) == repr(t_model)
    copy_state(c_model, t_model)
    c_loss_fn, t_loss_fn = nn.NLLLoss(), torch.nn.NLLLoss()
    for step in range(3):
        x = rng(step).standard_normal((4, 1, 8, 8)).astype(np.float32)
        y = rng(step + 10).integers(0, 10, 4)
        c_model.zero_grad()
        t_model.zero_grad()
        c_loss = c_loss_fn(c_model(cynn.from_numpy(x)), cynn.from_numpy(y))
        t_loss = t_loss_fn(t_model(torch.from_numpy(x)), torch.from_numpy(y))
        assert_close(c_loss, t_loss)
        c_loss.backward()
        t_loss.backward()
        t_params = dict(t_model.named_parameters())
        for name, p in c_model.named_parameters():
            assert_close(p.grad, t_params[name].grad, what=name)
    t_buffers = dict(t_model.named_buffers())
    for name, b in c_model.named_buffers():
        np.testing.assert_allclose(b.numpy(), t_buffers[name].numpy(), rtol=1e-4, atol=1e-5)
    c_model.eval()
    t_model.eval()
    x = rng(99).standard_normal((2, 1, 8, 8)).astype(np.float32)
    assert_close(c_model(cynn.from_numpy(x)), t_model(torch.from_numpy(x)).detach())
