"""cynn-activations against torch (forward and input gradient), float64 gradcheck,
in-place forms, errors, and discovery through cynn's registry (run against the
installed plugin)."""
import importlib.metadata

import numpy as np
import pytest

import cynn
from cynn_activations import GELU, Hardswish, Mish, SiLU, Swish

torch = pytest.importorskip("torch", reason="torch is the parity oracle for cynn-activations")

TOLERANCE = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}

# (id, cynn layer, torch reference) -- the reference is a torch module or function
CASES = [
    ("SiLU", lambda: SiLU(), lambda: torch.nn.SiLU()),
    ("Swish", lambda: Swish(), lambda: torch.nn.SiLU()),
    ("Swish-beta", lambda: Swish(beta=1.7), lambda: (lambda x: x * torch.sigmoid(1.7 * x))),
    ("Mish", lambda: Mish(), lambda: torch.nn.Mish()),
    ("GELU", lambda: GELU(), lambda: torch.nn.GELU()),
    ("GELU-tanh", lambda: GELU(approximate="tanh"), lambda: torch.nn.GELU(approximate="tanh")),
    ("Hardswish", lambda: Hardswish(), lambda: torch.nn.Hardswish()),
]
CASE_IDS = [c[0] for c in CASES]


def run_both(make_layer, make_reference, x, gy):
    """(cynn output, cynn input grad), (torch output, torch input grad) for input ``x``."""
    xt = torch.tensor(x, requires_grad=True)
    yt = make_reference()(xt)
    yt.backward(torch.tensor(gy))
    xc = cynn.tensor(x, requires_grad=True)
    yc = make_layer()(xc)
    yc.backward(cynn.tensor(gy))
    return (yc, xc.grad), (yt, xt.grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7,), (4, 5), (2, 3, 4, 5)])
@pytest.mark.parametrize("name,make_layer,make_reference", CASES, ids=CASE_IDS)
def test_matches_torch(name, make_layer, make_reference, shape, dtype):
    rng = np.random.default_rng(sum(map(ord, name)))
    x = (rng.standard_normal(shape) * 4).astype(dtype)   # covers both sides of every kink
    gy = rng.standard_normal(shape).astype(dtype)
    (yc, gxc), (yt, gxt) = run_both(make_layer, make_reference, x, gy)
    assert tuple(yc.shape) == tuple(yt.shape)
    assert yc.dtype == (cynn.float32 if dtype == np.float32 else cynn.float64)
    np.testing.assert_allclose(yc.detach().numpy(), yt.detach().numpy(), **TOLERANCE[dtype])
    np.testing.assert_allclose(gxc.numpy(), gxt.numpy(), **TOLERANCE[dtype])


@pytest.mark.parametrize("name,make_layer,make_reference", CASES, ids=CASE_IDS)
def test_extreme_inputs_match_torch_without_overflow(name, make_layer, make_reference):
    x = np.array([-1e4, -100.0, -30.0, -3.0, 0.0, 3.0, 30.0, 100.0, 1e4], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        (yc, gxc), (yt, gxt) = run_both(make_layer, make_reference, x, np.ones_like(x))
    assert np.isfinite(yc.detach().numpy()).all() and np.isfinite(gxc.numpy()).all()
    np.testing.assert_allclose(yc.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    # includes Hardswish's kinks at -3 and 3, where both take the same one-sided slope
    np.testing.assert_allclose(gxc.numpy(), gxt.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,make_layer,make_reference", CASES, ids=CASE_IDS)
def test_gradcheck_float64(name, make_layer, make_reference):
    # away from Hardswish's kinks at +-3, where the function is not differentiable
    x = cynn.tensor([[-5.0, -2.9, -1.2, -0.3, 0.0], [0.4, 1.1, 2.5, 3.2, 6.0]],
                    dtype=cynn.float64, requires_grad=True)
    assert cynn.autograd.gradcheck(make_layer(), (x,))


@pytest.mark.parametrize("name,make_layer,torch_name", [
    ("SiLU", SiLU, "SiluBackward0"), ("Mish", Mish, "MishBackward0"),
    ("GELU", GELU, "GeluBackward0"), ("Hardswish", Hardswish, "HardswishBackward0")])
def test_grad_fn_names_match_torch(name, make_layer, torch_name):
    assert type(getattr(torch.nn, name)()(torch.randn(2, requires_grad=True)).grad_fn).__name__ \
        == torch_name
    assert type(make_layer()(cynn.randn(2, requires_grad=True)).grad_fn).__name__ == torch_name


@pytest.mark.parametrize("layer,reference", [
    (SiLU(), torch.nn.SiLU()), (SiLU(inplace=True), torch.nn.SiLU(inplace=True)),
    (Mish(), torch.nn.Mish()), (Mish(inplace=True), torch.nn.Mish(inplace=True)),
    (GELU(), torch.nn.GELU()), (GELU(approximate="tanh"), torch.nn.GELU(approximate="tanh")),
    (Hardswish(), torch.nn.Hardswish()), (Hardswish(inplace=True), torch.nn.Hardswish(True))])
def test_repr_matches_torch(layer, reference):
    assert repr(layer) == repr(reference)


def test_swish_repr():
    assert repr(Swish()) == "Swish(beta=1.0)"
    assert repr(Swish(beta=2.0, inplace=True)) == "Swish(beta=2.0, inplace=True)"


@pytest.mark.parametrize("make_layer,torch_layer", [
    (lambda: SiLU(inplace=True), torch.nn.SiLU(inplace=True)),
    (lambda: Swish(inplace=True), torch.nn.SiLU(inplace=True)),
    (lambda: Mish(inplace=True), torch.nn.Mish(inplace=True)),
    (lambda: Hardswish(inplace=True), torch.nn.Hardswish(inplace=True))])
def test_inplace_overwrites_input_and_backpropagates_like_torch(make_layer, torch_layer):
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32) * 4
    wt = torch.tensor(x, requires_grad=True)
    ht = wt * 2
    yt = torch_layer(ht)
    (yt * yt).sum().backward()

    wc = cynn.tensor(x, requires_grad=True)
    hc = wc * 2
    yc = make_layer()(hc)
    assert yc is hc  # the same tensor, overwritten
    (yc * yc).sum().backward()
    np.testing.assert_allclose(yc.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(wc.grad.numpy(), wt.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_inplace_on_a_leaf_that_requires_grad_raises_like_torch():
    with pytest.raises(RuntimeError, match="leaf Variable"):
        torch.nn.SiLU(inplace=True)(torch.randn(3, requires_grad=True))
    with pytest.raises(RuntimeError, match="leaf Variable"):
        SiLU(inplace=True)(cynn.randn(3, requires_grad=True))


def test_bad_gelu_approximation_raises_runtime_error_like_torch():
    with pytest.raises(RuntimeError):
        torch.nn.GELU(approximate="erf")(torch.randn(2))
    with pytest.raises(RuntimeError, match="approximate.*'erf'"):
        GELU(approximate="erf")(cynn.randn(2))


@pytest.mark.parametrize("make_layer", [SiLU, Swish, Mish, GELU, Hardswish])
def test_integer_input_raises_not_implemented_like_torch(make_layer):
    with pytest.raises(NotImplementedError):
        torch.nn.SiLU()(torch.ones(2, dtype=torch.int64))
    with pytest.raises(NotImplementedError, match=r"int64.*\(2,\)"):
        make_layer()(cynn.ones(2, dtype=cynn.int64))


# ------------------------------------------------------------------ as an installed plugin
LAYERS = {"SiLU": SiLU, "Swish": Swish, "Mish": Mish, "GELU": GELU, "Hardswish": Hardswish}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_installed_entry_points_name_the_layers(name):
    (entry_point,) = [ep for ep in importlib.metadata.entry_points(group="cynn.layers")
                      if ep.name == name and ep.dist.name == "cynn-activations"]
    assert entry_point.load() is LAYERS[name]


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_registry_gets_each_layer_by_its_distribution_qualified_name(name):
    # cynn's own built-ins win a bare name that both provide; the qualified one is ours
    assert cynn.registry.get(f"cynn-activations:{name}") is LAYERS[name]
    infos = cynn.registry.layers()
    info = infos.get(name) if infos.get(name, None) and infos[name].origin != "cynn" \
        else infos[f"cynn-activations:{name}"]
    assert info.origin == f"cynn-activations {importlib.metadata.version('cynn-activations')}"


def test_registry_lists_swish_by_its_bare_name():
    cynn.registry.get("Swish")
    assert str(cynn.registry.layers()["Swish"]) == (
        f"Swish (cynn-activations {importlib.metadata.version('cynn-activations')}, loaded)")


def test_build_a_network_with_plugin_layers_and_train_one_step():
    net = cynn.nn.build([
        {"type": "Linear", "args": [6, 8]},
        {"type": "Swish", "kwargs": {"beta": 1.5}},
        {"type": "cynn-activations:Mish"},
        {"type": "Linear", "args": [8, 1]},
    ])
    assert isinstance(net[1], Swish) and isinstance(net[2], Mish)
    loss = net(cynn.randn(5, 6)).pow(2).mean()
    loss.backward()
    assert all(p.grad is not None and np.isfinite(p.grad.numpy()).all()
               for p in net.parameters())


def test_gradient_logger_records_the_layer_before_a_plugin_activation():
    from cynn.hooks import GradientLogger
    net = cynn.nn.Sequential(cynn.nn.Linear(4, 3), Mish(), cynn.nn.Linear(3, 1))
    with GradientLogger(net, modules=True) as logger:
        net(cynn.randn(6, 4)).sum().backward()
    first = next(r for r in logger.records if r["name"] == "0.weight")
    assert first["norm"] == pytest.approx(float(np.linalg.norm(net[0].weight.grad.numpy())),
                                          rel=1e-5)
    mish = next(r for r in logger.records if r["name"] == "1")
    assert mish["kind"] == "module" and mish["has_grad"]
