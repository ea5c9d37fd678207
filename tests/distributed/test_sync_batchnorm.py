"""SyncBatchNorm: on 2 ranks against torch's BatchNorm over the whole batch; on one
process (no process group) exactly BatchNorm; conversion as torch's."""
import sys

import numpy as np
import pytest
import torch

import cynn
import cynn.nn as nn
from _mpi_launch import WORKERS, run_workers
from cynn.nn.modules.sync_batchnorm import SyncBatchNorm

sys.path.insert(0, WORKERS)
from sync_batchnorm_parts import CHANNELS, whole_batch  # noqa: E402


@pytest.mark.parametrize("dims,split", [("2d", "4,4"), ("2d", "2,5"), ("1d", "3,6")])
def test_two_ranks_match_torch_batchnorm_over_the_whole_batch(tmp_path, dims, split):
    finished = run_workers("sync_batchnorm_parts.py", dims, split, tmp_path, timeout=120)
    assert finished.returncode == 0, finished.describe()
    ranks = [np.load(tmp_path / f"rank{r}.npz") for r in range(2)]
    sizes = [int(s) for s in split.split(",")]
    x, upstream, weight, bias = whole_batch(dims, sum(sizes))
    bn = torch.nn.BatchNorm1d(CHANNELS, momentum=0.3) if dims == "1d" else \
        torch.nn.BatchNorm2d(CHANNELS, momentum=0.3)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(weight))
        bn.bias.copy_(torch.from_numpy(bias))
    tx = torch.from_numpy(x).requires_grad_()
    ty = bn(tx)
    ty.backward(torch.from_numpy(upstream))
    close = dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.concatenate([r["y"] for r in ranks]), ty.detach().numpy(),
                               **close)
    np.testing.assert_allclose(np.concatenate([r["gx"] for r in ranks]), tx.grad.numpy(),
                               **close)
    # weight and bias gradients are each rank's own sums (DDP then averages them)
    np.testing.assert_allclose(ranks[0]["gw"] + ranks[1]["gw"], bn.weight.grad.numpy(), **close)
    np.testing.assert_allclose(ranks[0]["gb"] + ranks[1]["gb"], bn.bias.grad.numpy(), **close)
    for r in ranks:
        np.testing.assert_allclose(r["running_mean"], bn.running_mean.numpy(), **close)
        np.testing.assert_allclose(r["running_var"], bn.running_var.numpy(), **close)
        assert int(r["num_batches_tracked"]) == int(bn.num_batches_tracked)


@pytest.mark.parametrize("training", [True, False])
def test_without_a_process_group_it_is_batchnorm(training):
    cynn.manual_seed(0)
    sync, plain = SyncBatchNorm(4, momentum=0.2), nn.BatchNorm2d(4, momentum=0.2)
    sync.train(training)
    plain.train(training)
    x = cynn.randn(6, 4, 3, 3, requires_grad=True)
    ys, yp = sync(x), plain(x)
    np.testing.assert_array_equal(ys.detach().numpy(), yp.detach().numpy())
    gs = cynn.autograd.grad(ys.sum() * 2, x)[0]
    gp = cynn.autograd.grad(yp.sum() * 2, x)[0]
    np.testing.assert_array_equal(gs.numpy(), gp.numpy())
    np.testing.assert_array_equal(sync.running_var.numpy(), plain.running_var.numpy())


@pytest.mark.parametrize("lib", [cynn, torch])
def test_input_errors_as_torch(lib):
    cls = SyncBatchNorm if lib is cynn else torch.nn.SyncBatchNorm
    with pytest.raises(ValueError, match=r"expected at least 2D input \(got 1D input\)"):
        cls(3)(lib.ones(3))
    with pytest.raises(ValueError, match="number of input channels should be non-zero"):
        cls(3)(lib.ones(2, 0, 3))


def convert(lib, cls):
    model = lib.nn.Sequential(lib.nn.Conv2d(3, 4, 3), lib.nn.BatchNorm2d(4),
                              lib.nn.Sequential(lib.nn.BatchNorm1d(5, affine=False)),
                              lib.nn.InstanceNorm2d(4), lib.nn.Linear(2, 2))
    with lib.no_grad():
        model[1].running_mean.add_(1.5)
    model[1].eval()
    return model, cls.convert_sync_batchnorm(model)


def test_convert_sync_batchnorm_as_torch():
    model, converted = convert(cynn, SyncBatchNorm)
    torch_model, torch_converted = convert(torch, torch.nn.SyncBatchNorm)
    assert repr(converted) == repr(torch_converted)
    assert isinstance(converted[1], SyncBatchNorm) and not isinstance(converted[3], SyncBatchNorm)
    assert converted[1].weight is model[1].weight   # the same Parameter: optimizers keep it
    assert converted[1].running_mean is model[1].running_mean
    assert converted[1].training is False
    assert list(converted.state_dict()) == list(torch_converted.state_dict())
    top = SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm1d(3))
    assert repr(top) == repr(torch.nn.SyncBatchNorm.convert_sync_batchnorm(
        torch.nn.BatchNorm1d(3)))
