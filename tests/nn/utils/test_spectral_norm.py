"""nn.utils.spectral_norm against torch: same parameters and buffers, same power
iteration, outputs and gradients through a few training steps, eval without
iteration, removal, and torch's errors."""
import numpy as np
import pytest
import torch

import cynn

LAYERS = {
    "linear": (lambda lib: lib.nn.Linear(5, 4), (3, 5)),
    "conv2d": (lambda lib: lib.nn.Conv2d(2, 3, 3), (2, 2, 6, 6)),
    "conv_transpose2d": (lambda lib: lib.nn.ConvTranspose2d(3, 2, 2), (2, 3, 4, 4)),
}


def _copy_state(src_torch, dst_cynn):
    for key, value in src_torch.state_dict().items():
        target = dict(dst_cynn.named_parameters()).get(key)
        if target is None:
            target = dict(dst_cynn.named_buffers())[key]
        with cynn.no_grad():
            target.copy_(cynn.from_numpy(value.detach().numpy().copy()))


def _pair(kind, n_power_iterations=1):
    make, shape = LAYERS[kind]
    torch.manual_seed(0)
    theirs = torch.nn.utils.spectral_norm(make(torch), n_power_iterations=n_power_iterations)
    mine = cynn.nn.utils.spectral_norm(make(cynn), n_power_iterations=n_power_iterations)
    _copy_state(theirs, mine)
    return mine, theirs, shape


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_names_and_shapes_match_torch(kind):
    mine, theirs, _ = _pair(kind)
    assert [k for k, _ in mine.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    assert [k for k, _ in mine.named_buffers()] == [k for k, _ in theirs.named_buffers()]
    for (k, a), (_, b) in zip(mine.named_buffers(), theirs.named_buffers()):
        assert tuple(a.shape) == tuple(b.shape), k
        assert abs(float(a.norm()) - 1.0) < 1e-5  # unit start vectors


@pytest.mark.parametrize("kind", sorted(LAYERS))
@pytest.mark.parametrize("n_power_iterations", [1, 3])
def test_training_steps_match_torch(kind, n_power_iterations):
    mine, theirs, shape = _pair(kind, n_power_iterations)
    opt_mine = cynn.optim.SGD(mine.parameters(), lr=0.1)
    opt_theirs = torch.optim.SGD(theirs.parameters(), lr=0.1)
    rng = np.random.default_rng(1)
    for _ in range(3):
        x = rng.standard_normal(shape).astype(np.float32)
        y_mine, y_theirs = mine(cynn.from_numpy(x)), theirs(torch.from_numpy(x))
        np.testing.assert_allclose(y_mine.detach().numpy(), y_theirs.detach().numpy(),
                                   rtol=1e-4, atol=1e-5)
        opt_mine.zero_grad()
        opt_theirs.zero_grad()
        (y_mine ** 2).sum().backward()
        (y_theirs ** 2).sum().backward()
        np.testing.assert_allclose(mine.weight_orig.grad.numpy(),
                                   theirs.weight_orig.grad.numpy(), rtol=1e-4, atol=1e-5)
        opt_mine.step()
        opt_theirs.step()
    for name in ("weight_u", "weight_v", "weight_orig"):
        np.testing.assert_allclose(getattr(mine, name).detach().numpy(),
                                   getattr(theirs, name).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_eval_mode_does_not_iterate():
    mine, theirs, shape = _pair("linear")
    mine.eval()
    theirs.eval()
    u_before = mine.weight_u.numpy().copy()
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(mine(cynn.from_numpy(x)).detach().numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(mine.weight_u.numpy(), u_before)


def test_normalised_weight_has_unit_spectral_norm_after_converging():
    layer = cynn.nn.utils.spectral_norm(cynn.nn.Linear(6, 5), n_power_iterations=50)
    layer(cynn.ones(1, 6))
    singular_values = np.linalg.svd(layer.weight.detach().numpy().astype(np.float64),
                                    compute_uv=False)
    assert abs(singular_values[0] - 1.0) < 1e-4


def test_gradcheck_through_the_normalisation():
    layer = cynn.nn.utils.spectral_norm(cynn.nn.Linear(3, 4).double()).eval()
    x = cynn.randn(2, 3, dtype=cynn.float64, requires_grad=True)
    assert cynn.autograd.gradcheck(lambda x, w: cynn.nn.functional.linear(
        x, w / cynn.dot(layer.weight_u, w @ layer.weight_v)), (x, layer.weight_orig))


def test_remove_leaves_the_normalised_weight_as_a_parameter():
    mine, theirs, shape = _pair("conv2d")
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    mine(cynn.from_numpy(x))
    theirs(torch.from_numpy(x))
    cynn.nn.utils.remove_spectral_norm(mine)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert [k for k, _ in mine.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    assert list(mine.named_buffers()) == []
    np.testing.assert_allclose(mine.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def _error(call):
    try:
        call()
    except Exception as error:  # noqa: BLE001  (comparing what each library raises)
        return type(error).__name__, str(error).replace("torch", "cynn")
    return None


@pytest.mark.parametrize("case", ["twice", "zero_iterations", "remove_missing"])
def test_errors_match_torch(case):
    def run(lib):
        if case == "twice":
            layer = lib.nn.utils.spectral_norm(lib.nn.Linear(3, 4))
            return _error(lambda: lib.nn.utils.spectral_norm(layer))
        if case == "zero_iterations":
            return _error(lambda: lib.nn.utils.spectral_norm(lib.nn.Linear(3, 4),
                                                             n_power_iterations=0))
        return _error(lambda: lib.nn.utils.remove_spectral_norm(lib.nn.Linear(3, 4)))
    assert run(cynn) == run(torch) is not None
