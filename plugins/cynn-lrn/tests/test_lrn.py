"""cynn-lrn against torch.nn.LocalResponseNorm (forward and backward), float64 gradcheck,
errors, threads, and discovery through cynn's registry (run against the installed plugin)."""
import importlib.metadata

import numpy as np
import pytest

import cynn
from cynn_lrn import LocalResponseNorm, local_response_norm

torch = pytest.importorskip("torch", reason="torch is the parity oracle for cynn-lrn")

TOLERANCE = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}


def check_against_torch(shape, size, dtype, alpha=1e-4, beta=0.75, k=1.0, scale=1.0, seed=0):
    """Output and input gradient of cynn-lrn equal torch's for one random input."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * scale).astype(dtype)
    gy = rng.standard_normal(shape).astype(dtype)

    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.LocalResponseNorm(size, alpha, beta, k)(xt)
    yt.backward(torch.tensor(gy))

    xc = cynn.tensor(x, requires_grad=True)
    yc = LocalResponseNorm(size, alpha, beta, k)(xc)
    yc.backward(cynn.tensor(gy))

    assert tuple(yc.shape) == tuple(yt.shape)
    assert yc.dtype == (cynn.float32 if dtype == np.float32 else cynn.float64)
    np.testing.assert_allclose(yc.detach().numpy(), yt.detach().numpy(), **TOLERANCE[dtype])
    np.testing.assert_allclose(xc.grad.numpy(), xt.grad.numpy(), **TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("shape", [(2, 7, 5, 6), (3, 4, 10), (1, 6, 2, 3, 4), (2, 3, 300)])
def test_matches_torch(shape, size, dtype):
    # large alpha so that the normalisation term matters; size 8 exceeds some channel counts
    check_against_torch(shape, size, dtype, alpha=0.5, beta=0.75, k=2.0, scale=3.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch_alexnet_settings(dtype):
    # AlexNet: size 5, alpha 1e-4, beta 0.75, k 2 on post-ReLU activations of a realistic scale
    check_against_torch((4, 16, 13, 13), 5, dtype, alpha=1e-4, beta=0.75, k=2.0, scale=30.0)


def test_empty_batch():
    check_against_torch((0, 3, 4, 4), 3, np.float32)


@pytest.mark.parametrize("size", [1, 2, 4, 5])
def test_gradcheck_float64(size):
    x = cynn.randn(2, 6, 3, 3, dtype=cynn.float64, requires_grad=True)
    assert cynn.autograd.gradcheck(
        lambda t: local_response_norm(t, size, alpha=0.7, beta=0.6, k=1.5), (x,))


def test_non_contiguous_input_matches_contiguous_copy():
    x = cynn.randn(2, 5, 4, 6).permute(0, 1, 3, 2)
    np.testing.assert_array_equal(local_response_norm(x, 3).numpy(),
                                  local_response_norm(x.contiguous(), 3).numpy())


def test_one_thread_and_many_threads_agree():
    # big enough to run the parallel path
    x = cynn.randn(4, 16, 32, 32, requires_grad=True)
    gy = cynn.randn(4, 16, 32, 32)
    before = cynn.get_num_threads()
    results = []
    try:
        for n in (1, 2, 3):
            cynn.set_num_threads(n)
            x.grad = None
            y = local_response_norm(x, 5, alpha=0.1)
            y.backward(gy)
            results.append((y.detach().numpy(), x.grad.numpy()))
    finally:
        cynn.set_num_threads(before)
    for y, gx in results[1:]:
        np.testing.assert_array_equal(y, results[0][0])
        np.testing.assert_array_equal(gx, results[0][1])


def test_grad_fn_name():
    y = local_response_norm(cynn.randn(1, 3, 2, 2, requires_grad=True), 2)
    assert type(y.grad_fn).__name__ == "LocalResponseNormBackward0"


@pytest.mark.parametrize("size", [1, 5])
def test_repr_matches_torch(size):
    assert repr(LocalResponseNorm(size)) == repr(torch.nn.LocalResponseNorm(size))
    assert (repr(LocalResponseNorm(size, alpha=0.5, beta=2, k=3))
            == repr(torch.nn.LocalResponseNorm(size, alpha=0.5, beta=2, k=3)))


def test_fewer_than_three_dims_raises_value_error_like_torch():
    with pytest.raises(ValueError):
        torch.nn.LocalResponseNorm(2)(torch.randn(3, 4))
    with pytest.raises(ValueError, match=r"3D or higher.*got 2 dimensions.*\(3, 4\)"):
        LocalResponseNorm(2)(cynn.randn(3, 4))


@pytest.mark.parametrize("size", [0, -1, 2.5])
def test_bad_size_raises_runtime_error(size):
    with pytest.raises(RuntimeError, match="size"):
        local_response_norm(cynn.randn(1, 3, 2, 2), size)


@pytest.mark.parametrize("dtype", ["int32", "bool"])
def test_non_float_inputs_raise_not_implemented_like_torch(dtype):
    with pytest.raises(NotImplementedError):
        torch.nn.LocalResponseNorm(2)(torch.ones(1, 3, 2, 2, dtype=getattr(torch, dtype)))
    with pytest.raises(NotImplementedError, match=dtype):
        LocalResponseNorm(2)(cynn.ones(1, 3, 2, 2, dtype=getattr(cynn, dtype)))


def test_int64_input_raises_not_implemented():
    # PyTorch floors the window average of int64 inputs in integer arithmetic; refused here
    with pytest.raises(NotImplementedError, match=r"int64.*float32 or float64"):
        LocalResponseNorm(2)(cynn.ones(1, 3, 2, 2, dtype=cynn.int64))


def test_installed_entry_point_names_the_layer():
    (entry_point,) = [ep for ep in importlib.metadata.entry_points(group="cynn.layers")
                      if ep.name == "LocalResponseNorm" and ep.dist.name == "cynn-lrn"]
    assert entry_point.load() is LocalResponseNorm


def test_registry_finds_and_builds_the_layer():
    # cynn has its own LocalResponseNorm now: the built-in keeps the bare name, and the
    # plugin's layer is reached by its qualified name
    assert cynn.registry.layers()["LocalResponseNorm"].origin == "cynn"
    info = cynn.registry.layers()["cynn-lrn:LocalResponseNorm"]
    assert info.origin.startswith("cynn-lrn ")
    assert cynn.registry.get("cynn-lrn:LocalResponseNorm") is LocalResponseNorm
    layer = cynn.nn.build({"type": "cynn-lrn:LocalResponseNorm", "args": [3],
                           "kwargs": {"k": 2.0}})
    assert isinstance(layer, LocalResponseNorm) and (layer.size, layer.k) == (3, 2.0)