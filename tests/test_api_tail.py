"""Small API surface added for torch parity: anomaly detection, Tensor linear-algebra
methods, StackDataset, DistributedSampler's export, testing.assert_allclose."""
import warnings

import numpy as np
import pytest

import cynn
from helpers import torch_module

torch = torch_module()


def test_detect_anomaly_names_the_node_like_torch():
    for lib in (cynn, torch):
        x = lib.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autograd.detect_anomaly():
                with pytest.raises(RuntimeError, match="Function 'LogBackward0' returned nan "
                                                       "values in its 0th output"):
                    (x.sqrt() * 0 + x.log() * 0).sum().backward()
    assert not cynn.is_anomaly_enabled()
    with cynn.autograd.set_detect_anomaly(True):
        assert cynn.autograd.is_anomaly_enabled()
    assert not cynn.autograd.is_anomaly_enabled()


def test_tensor_linalg_methods():
    a = np.random.default_rng(0).uniform(size=(4, 3))
    np.testing.assert_allclose(cynn.tensor(a).pinverse().numpy(),
                               torch.tensor(a).pinverse().numpy(), atol=1e-12)
    u, s, v = cynn.tensor(a).svd()
    ut, st, vt = torch.tensor(a).svd()
    np.testing.assert_allclose(s.numpy(), st.numpy())
    np.testing.assert_allclose(((u * s) @ v.t()).numpy(), a, atol=1e-12)
    spd = a.T @ a + np.eye(3)
    low = np.linalg.cholesky(spd)
    b = np.random.default_rng(1).uniform(size=(3, 2))
    np.testing.assert_allclose(cynn.tensor(b).cholesky_solve(cynn.tensor(low)).numpy(),
                               torch.tensor(b).cholesky_solve(torch.tensor(low)).numpy(),
                               atol=1e-12)
    np.testing.assert_allclose(cynn.tensor(low).cholesky_inverse().numpy(),
                               torch.tensor(low).cholesky_inverse().numpy(), atol=1e-12)
    np.testing.assert_allclose(cynn.tensor(a[:3] / 3).matrix_exp().numpy(),
                               torch.tensor(a[:3] / 3).matrix_exp().numpy(), atol=1e-12)
    x = cynn.tensor([3.0, 4.0])
    x.mvlgamma_(2)
    np.testing.assert_allclose(x.numpy(), torch.tensor([3.0, 4.0]).mvlgamma_(2).numpy(),
                               rtol=1e-6)
    np.testing.assert_array_equal(
        cynn.tensor([[0, 1], [2, 0]]).nonzero_static(size=3).numpy(),
        torch.tensor([[0, 1], [2, 0]]).nonzero_static(size=3).numpy())


def test_stack_dataset_and_exports():
    from cynn.utils.data import DistributedSampler, StackDataset, TensorDataset
    a, b = TensorDataset(cynn.ones(4, 2)), TensorDataset(cynn.arange(4))
    pair = StackDataset(a, b)[2]
    assert isinstance(pair, tuple) and pair[1][0].item() == 2
    named = StackDataset(x=a, y=b)
    assert set(named[0]) == {"x", "y"} and len(named) == 4
    with pytest.raises(ValueError, match="Size mismatch"):
        StackDataset(a, TensorDataset(cynn.arange(3)))
    assert DistributedSampler is cynn.utils.data.distributed.DistributedSampler


def test_assert_allclose():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cynn.testing.assert_allclose(cynn.tensor([1.0, 2.0]), [1.0, 2.0000001])
        with pytest.raises(AssertionError):
            cynn.testing.assert_allclose(cynn.tensor([1.0, 2.0]), [1.0, 2.1])
