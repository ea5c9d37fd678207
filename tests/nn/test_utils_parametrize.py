"""nn.utils.parametrize / parametrizations / fusion / stateless against torch."""
import warnings

import numpy as np
import pytest

import cynn
from helpers import torch_module

torch = torch_module()
P, TP = cynn.nn.utils.parametrize, torch.nn.utils.parametrize


def _sym(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()
    return Symmetric()


def _copy(c, t):
    t.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in c.state_dict().items()})


def test_register_parametrization_matches_torch():
    c, t = cynn.nn.Linear(3, 3), torch.nn.Linear(3, 3)
    _copy(c, t)
    P.register_parametrization(c, "weight", _sym(cynn))
    TP.register_parametrization(t, "weight", _sym(torch))
    assert type(c).__name__ == type(t).__name__ == "ParametrizedLinear"
    assert list(c.state_dict()) == list(t.state_dict())
    assert P.is_parametrized(c) and P.is_parametrized(c, "weight")
    assert not P.is_parametrized(c, "bias")
    np.testing.assert_allclose(c.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-6)
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    c(cynn.tensor(x)).sum().backward()
    t(torch.tensor(x)).sum().backward()
    np.testing.assert_allclose(c.parametrizations.weight.original.grad.numpy(),
                               t.parametrizations.weight.original.grad.numpy(), rtol=1e-5)
    target = np.arange(9.0, dtype=np.float32).reshape(3, 3)
    target = target + target.T
    c.weight = cynn.tensor(target)
    np.testing.assert_allclose(c.weight.detach().numpy(), target)
    with P.cached():
        assert c.weight is c.weight
    P.remove_parametrizations(c, "weight")
    TP.remove_parametrizations(t, "weight")
    assert type(c) is cynn.nn.Linear and list(c.state_dict()) == list(t.state_dict())
    np.testing.assert_allclose(c.weight.detach().numpy(), target)


def test_parametrization_shape_change_needs_unsafe():
    class Twice(cynn.nn.Module):
        def forward(self, X):
            return cynn.cat([X, X], 0)
    with pytest.raises(ValueError, match="may not change the shape"):
        P.register_parametrization(cynn.nn.Linear(2, 2), "weight", Twice())
    m = P.register_parametrization(cynn.nn.Linear(2, 2), "weight", Twice(), unsafe=True)
    assert tuple(m.weight.shape) == (4, 2)
    with pytest.raises(ValueError, match="does not have a parameter"):
        P.register_parametrization(cynn.nn.Linear(2, 2), "nothing", Twice())


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_parametrization(dim):
    c, t = cynn.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    _copy(c, t)
    cynn.nn.utils.parametrizations.weight_norm(c, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(t, dim=dim)
    assert list(c.state_dict()) == list(t.state_dict())
    for key in c.state_dict():
        np.testing.assert_allclose(c.state_dict()[key].numpy(), t.state_dict()[key].numpy(),
                                   rtol=1e-6)
    x = np.random.default_rng(1).standard_normal((2, 4)).astype(np.float32)
    c(cynn.tensor(x)).pow(2).sum().backward()
    t(torch.tensor(x)).pow(2).sum().backward()
    for name in ("original0", "original1"):
        np.testing.assert_allclose(getattr(c.parametrizations.weight, name).grad.numpy(),
                                   getattr(t.parametrizations.weight, name).grad.numpy(),
                                   rtol=1e-4, atol=1e-6)


def test_spectral_norm_parametrization_loads_torch_state():
    c = cynn.nn.utils.parametrizations.spectral_norm(cynn.nn.Conv2d(2, 3, 3))
    t = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Conv2d(2, 3, 3))
    assert list(c.state_dict()) == list(t.state_dict())
    c.load_state_dict({k: cynn.tensor(v.numpy()) for k, v in t.state_dict().items()})
    for mode in ("train", "eval"):
        getattr(c, mode)()
        getattr(t, mode)()
        x = np.random.default_rng(2).standard_normal((1, 2, 5, 5)).astype(np.float32)
        np.testing.assert_allclose(c(cynn.tensor(x)).detach().numpy(),
                                   t(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
    sigma = np.linalg.svd(c.weight.detach().numpy().reshape(3, -1), compute_uv=False)[0]
    assert abs(sigma - 1) < 0.05


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_orthogonal_parametrization(shape):
    m = cynn.nn.utils.parametrizations.orthogonal(cynn.nn.Linear(shape[1], shape[0]))
    W = m.weight.detach().numpy().astype(np.float64)
    gram = W.T @ W if shape[0] >= shape[1] else W @ W.T
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-5)
    m(cynn.ones(2, shape[1])).sum().backward()
    assert m.parametrizations.weight.original.grad is not None


def test_fuse_conv_bn_and_linear_bn_match_torch():
    rng = np.random.default_rng(3)
    conv_c, bn_c = cynn.nn.Conv2d(3, 4, 3), cynn.nn.BatchNorm2d(4)
    conv_t, bn_t = torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4)
    _copy(conv_c, conv_t)
    for name, value in [("running_mean", rng.standard_normal(4)), ("running_var",
                                                                   rng.uniform(0.5, 2, 4)),
                        ("weight", rng.standard_normal(4)), ("bias", rng.standard_normal(4))]:
        getattr(bn_c, name).data.copy_(cynn.tensor(value.astype(np.float32)))
        getattr(bn_t, name).data.copy_(torch.tensor(value.astype(np.float32)))
    for m in (conv_c, bn_c, conv_t, bn_t):
        m.eval()
    fused_c = cynn.nn.utils.fuse_conv_bn_eval(conv_c, bn_c)
    fused_t = torch.nn.utils.fuse_conv_bn_eval(conv_t, bn_t)
    np.testing.assert_allclose(fused_c.weight.detach().numpy(), fused_t.weight.detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fused_c.bias.detach().numpy(), fused_t.bias.detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    lin_c, bn1_c = cynn.nn.Linear(3, 4), cynn.nn.BatchNorm1d(4)
    lin_t, bn1_t = torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)
    _copy(lin_c, lin_t)
    bn1_c.running_var.copy_(cynn.tensor([0.5, 1.0, 2.0, 3.0]))
    bn1_t.running_var.copy_(torch.tensor([0.5, 1.0, 2.0, 3.0]))
    for m in (lin_c, bn1_c, lin_t, bn1_t):
        m.eval()
    np.testing.assert_allclose(cynn.nn.utils.fuse_linear_bn_eval(lin_c, bn1_c).weight.detach()
                               .numpy(), torch.nn.utils.fuse_linear_bn_eval(lin_t, bn1_t).weight
                               .detach().numpy(), rtol=1e-5)
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        cynn.nn.utils.fuse_conv_bn_eval(cynn.nn.Conv2d(1, 1, 1), cynn.nn.BatchNorm2d(1))


def test_functional_call_swaps_and_restores():
    m = cynn.nn.Linear(3, 2)
    before = m.weight.detach().numpy().copy()
    out = cynn.nn.utils.stateless.functional_call(m, {"weight": cynn.zeros(2, 3)},
                                                  (cynn.ones(1, 3),))
    np.testing.assert_allclose(out.detach().numpy()[0], m.bias.detach().numpy())
    np.testing.assert_array_equal(m.weight.detach().numpy(), before)
    w = cynn.ones(2, 3, requires_grad=True)
    cynn.nn.utils.stateless.functional_call(m, ({"weight": w}, {"bias": cynn.zeros(2)}),
                                            cynn.ones(4, 3)).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.full((2, 3), 4.0))
    with pytest.raises(RuntimeError, match="missing keys"):
        cynn.nn.utils.stateless.functional_call(m, {"weight": w}, cynn.ones(1, 3), strict=True)
