"""torch's top-level odds and ends (cynn._toplevel) against torch."""
import warnings

import numpy as np
import pytest

import cynn
from helpers import helper_test_exception, torch_module

torch = torch_module()


def test_functional_aliases_are_nn_functional():
    for name in ("conv2d", "max_pool2d", "layer_norm", "prelu", "pixel_shuffle"):
        if hasattr(cynn.nn.functional, name):
            assert getattr(cynn, name) is getattr(cynn.nn.functional, name)
    x = np.random.default_rng(0).standard_normal((1, 2, 5, 5)).astype(np.float32)
    w = np.random.default_rng(1).standard_normal((3, 2, 3, 3)).astype(np.float32)
    np.testing.assert_allclose(cynn.conv2d(cynn.tensor(x), cynn.tensor(w)).numpy(),
                               torch.conv2d(torch.tensor(x), torch.tensor(w)).numpy(),
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["dropout", "alpha_dropout", "feature_alpha_dropout",
                                  "feature_dropout"])
def test_dropout_forms_take_train_positionally(name):
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    np.testing.assert_array_equal(getattr(cynn, name)(cynn.tensor(x), 0.5, False).numpy(),
                                  getattr(torch, name)(torch.tensor(x), 0.5, False).numpy())
    cynn.manual_seed(0)
    out = getattr(cynn, name)(cynn.tensor(x), 0.5, True).numpy()
    assert out.shape == x.shape and not np.array_equal(out, x)


def test_creation_helpers():
    a = np.arange(6.0)
    t = cynn.asarray(a)
    assert np.shares_memory(t.numpy(), a)
    assert not np.shares_memory(cynn.asarray(a, copy=True).numpy(), a)
    assert cynn.asarray(a, dtype=cynn.float32).dtype == cynn.float32
    np.testing.assert_array_equal(cynn.asarray([[1, 2]]).numpy(), torch.asarray([[1, 2]]).numpy())
    buf = bytearray(np.arange(4, dtype=np.float32).tobytes())
    np.testing.assert_array_equal(cynn.frombuffer(buf, dtype=cynn.float32).numpy(),
                                  torch.frombuffer(buf, dtype=torch.float32).numpy())
    assert tuple(cynn.empty_strided((2, 3), (3, 1)).shape) == (2, 3)
    assert tuple(cynn.empty_permuted((2, 3, 4), (0, 2, 1)).shape) == (2, 3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(cynn.range(1, 4).numpy(), torch.range(1, 4).numpy())
        np.testing.assert_array_equal(cynn.range(0, 1, 0.25).numpy(),
                                      torch.range(0, 1, 0.25).numpy())
    np.testing.assert_array_equal(cynn.fill(cynn.ones(2, 2), 3.0).numpy(), np.full((2, 2), 3.0))
    assert cynn.ShortTensor([1, 2]).dtype == cynn.int16 == cynn.short
    assert cynn.ByteTensor(2, 3).dtype == cynn.uint8


def test_runtime_switches():
    assert str(cynn.get_default_device()) == "cpu"
    cynn.set_default_device("cpu")
    with pytest.raises(RuntimeError, match="CPU-only"):
        cynn.set_default_device("cuda")
    before = cynn.get_num_interop_threads()
    cynn.set_num_interop_threads(2)
    assert cynn.get_num_interop_threads() == 2
    cynn.set_num_interop_threads(before)
    cynn.set_warn_always(True)
    assert cynn.is_warn_always_enabled()
    cynn.set_warn_always(False)
    assert cynn.set_flush_denormal(True) is False
    assert cynn.get_device(cynn.ones(1)) == -1
    assert repr(cynn.strided) == repr(torch.strided)
    try:
        cynn.set_default_tensor_type(cynn.DoubleTensor if False else "torch.DoubleTensor")
        assert cynn.get_default_dtype() == cynn.float64
    finally:
        cynn.set_default_dtype(cynn.float32)


def test_random_samplers():
    cynn.manual_seed(0)
    rates = cynn.tensor([0.5, 4.0, 20.0])
    draws = np.stack([cynn.poisson(rates).numpy() for _ in range(400)])
    np.testing.assert_allclose(draws.mean(0), rates.numpy(), rtol=0.15)
    counts = cynn.binomial(cynn.tensor([10.0, 10.0]), cynn.tensor([0.0, 1.0]))
    np.testing.assert_array_equal(counts.numpy(), [0.0, 10.0])
