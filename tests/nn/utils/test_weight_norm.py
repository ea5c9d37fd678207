"""weight_norm / remove_weight_norm (the hook-based API) against torch.nn.utils."""
import numpy as np
import pytest

import cynn

torch = pytest.importorskip("torch", reason="torch is the test oracle")

TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-12, atol=1e-14)}


def twin_modules(make, dtype):
    """The same module in both libraries, with torch's initial values copied into cynn's."""
    t, c = make(torch).to(getattr(torch, dtype)), make(cynn).to(getattr(cynn, dtype))
    with cynn.no_grad():
        for name, p in t.named_parameters():
            getattr(c, name).copy_(cynn.tensor(p.detach().numpy()))
    return t, c


def assert_close(got, expected, dtype):
    assert tuple(got.shape) == tuple(expected.shape)
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), **TOL[dtype])


LINEAR = lambda lib: lib.nn.Linear(4, 3)  # noqa: E731
CONV = lambda lib: lib.nn.Conv2d(2, 3, 3)  # noqa: E731


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("make, dim", [(LINEAR, 0), (LINEAR, 1), (LINEAR, None), (LINEAR, -1),
                                       (CONV, 0), (CONV, 1), (CONV, 3), (CONV, None),
                                       (CONV, -2)])
def test_weight_norm_matches_torch(make, dim, dtype):
    t, c = twin_modules(make, dtype)
    with pytest.warns(FutureWarning, match=r"`torch\.nn\.utils\.weight_norm` is deprecated"):
        assert torch.nn.utils.weight_norm(t, dim=dim) is t
    with pytest.warns(FutureWarning, match=r"`torch\.nn\.utils\.weight_norm` is deprecated"):
        assert cynn.nn.utils.weight_norm(c, dim=dim) is c
    assert [n for n, _ in c.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert list(c.state_dict()) == list(t.state_dict())
    for name in ("weight_g", "weight_v", "weight"):
        assert_close(getattr(c, name), getattr(t, name), dtype)
    assert not isinstance(c.weight, cynn.nn.Parameter)

    # change g and v: the hook recomputes the weight before the forward
    with torch.no_grad():
        t.weight_g.mul_(1.5)
        t.weight_v.add_(0.25)
    with cynn.no_grad():
        c.weight_g.mul_(1.5)
        c.weight_v.add_(0.25)
    x = np.random.default_rng(1).normal(size=(2, 4) if make is LINEAR else (2, 2, 5, 5))
    yt = t(torch.tensor(x, dtype=getattr(torch, dtype)))
    yc = c(cynn.tensor(x, dtype=getattr(cynn, dtype)))
    assert_close(yc, yt, dtype)
    assert_close(c.weight, t.weight, dtype)
    (yt * yt).sum().backward()
    (yc * yc).sum().backward()
    for name in ("weight_g", "weight_v", "bias"):
        assert_close(getattr(c, name).grad, getattr(t, name).grad, dtype)

    assert torch.nn.utils.remove_weight_norm(t) is t
    assert cynn.nn.utils.remove_weight_norm(c) is c
    assert [n for n, _ in c.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert isinstance(c.weight, cynn.nn.Parameter)
    assert_close(c.weight, t.weight, dtype)
    assert not c._forward_pre_hooks


def test_weight_norm_on_another_parameter_name():
    t, c = twin_modules(LINEAR, "float64")
    with pytest.warns(FutureWarning):
        torch.nn.utils.weight_norm(t, name="bias")
        cynn.nn.utils.weight_norm(c, name="bias")
    assert tuple(c.bias_g.shape) == tuple(t.bias_g.shape) == (3,)
    assert_close(c.bias, t.bias, "float64")


def test_weight_norm_errors_match_torch():
    for lib in (torch, cynn):
        m = lib.nn.Linear(2, 2)
        with pytest.warns(FutureWarning):
            lib.nn.utils.weight_norm(m)
        with pytest.raises(RuntimeError, match=r"^Cannot register two weight_norm hooks on "
                                               r"the same parameter weight$"), \
                pytest.warns(FutureWarning):
            lib.nn.utils.weight_norm(m)
        with pytest.raises(ValueError, match=r"^weight_norm of 'bias' not found in Linear\("
                                             r"in_features=2, out_features=2, bias=True\)$"):
            lib.nn.utils.remove_weight_norm(m, "bias")
        lib.nn.utils.remove_weight_norm(m)
        with pytest.raises(ValueError, match=r"^weight_norm of 'weight' not found"):
            lib.nn.utils.remove_weight_norm(m)
