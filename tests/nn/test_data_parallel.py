"""cynn.nn.parallel.DataParallel against torch's on this CPU-only build, and the
scatter / replicate / parallel_apply / gather building blocks on CPU tensors (torch
implements those for CUDA only, so their oracle is torch's chunk / cat / the module)."""
import collections

import numpy as np
import pytest
import torch

import cynn
from cynn.nn.parallel._functions import (gather, parallel_apply, replicate, scatter,
                                         scatter_kwargs)
from cynn.nn.parallel.data_parallel import DataParallel, data_parallel


def pair_of_models():
    """The same small CNN in torch and cynn, with torch's weights."""
    def build(nn):
        return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                             nn.Linear(2 * 4 * 4, 3))
    t = build(torch.nn)
    c = build(cynn.nn)
    c.load_state_dict({k: cynn.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return t, c


def close(c, t):
    np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)


# -- DataParallel ---------------------------------------------------------------------
def test_wraps_and_runs_the_module_like_torch():
    t_model, c_model = pair_of_models()
    t_dp, c_dp = torch.nn.DataParallel(t_model), DataParallel(c_model)
    assert c_dp.module is c_model
    assert c_dp.device_ids == t_dp.device_ids == []
    assert repr(c_dp) == repr(t_dp)
    assert list(c_dp.state_dict()) == list(t_dp.state_dict())
    assert [n for n, _ in c_dp.named_parameters()] == [n for n, _ in t_dp.named_parameters()]
    assert hasattr(c_dp, "dim") == hasattr(t_dp, "dim")
    x = np.random.default_rng(0).standard_normal((4, 1, 6, 6)).astype(np.float32)
    t_out, c_out = t_dp(torch.tensor(x)), c_dp(cynn.tensor(x))
    close(c_out, t_out)
    t_out.sum().backward()
    c_out.sum().backward()
    for (name, tp), cp in zip(t_dp.named_parameters(), c_dp.parameters()):
        close(cp.grad, tp.grad)
    close(c_model[1].running_mean, t_model[1].running_mean)


def test_device_ids_accepted_without_devices():
    t_dp = torch.nn.DataParallel(torch.nn.Linear(2, 2), device_ids=[0], output_device=0, dim=1)
    c_dp = DataParallel(cynn.nn.Linear(2, 2), device_ids=[0], output_device=0, dim=1)
    assert c_dp.device_ids == t_dp.device_ids == []


def test_state_dict_round_trip_with_torch():
    t_model, c_model = pair_of_models()
    t_sd = torch.nn.DataParallel(t_model).state_dict()
    fresh = DataParallel(cynn.nn.Sequential(
        cynn.nn.Conv2d(1, 2, 3), cynn.nn.BatchNorm2d(2), cynn.nn.ReLU(), cynn.nn.Flatten(),
        cynn.nn.Linear(32, 3)))
    result = fresh.load_state_dict({k: cynn.tensor(v.numpy()) for k, v in t_sd.items()})
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), t_sd[k].numpy())


def test_forwards_args_and_kwargs():
    class Two(cynn.nn.Module):
        def forward(self, a, b=1, *, scale=1.0):
            return (a + b) * scale

    dp = DataParallel(Two())
    x = cynn.ones(2)
    np.testing.assert_array_equal(dp(x, 2, scale=3.0).numpy(), [9, 9])
    np.testing.assert_array_equal(dp(a=x).numpy(), [2, 2])
    with pytest.raises(TypeError):
        dp(x, bogus=1)


def test_train_eval_reach_the_module():
    dp = DataParallel(cynn.nn.Sequential(cynn.nn.Dropout(0.5)))
    dp.eval()
    assert not dp.module.training and not dp.module[0].training
    dp.train()
    assert dp.module[0].training


def test_data_parallel_function_runs_the_module():
    # torch raises "device type could not be determined" here (no CUDA); cynn runs
    # the module as DataParallel does
    _, c_model = pair_of_models()
    x = cynn.randn(2, 1, 6, 6)
    c_model.eval()
    close(data_parallel(c_model, x), c_model(x))
    close(data_parallel(c_model, (x,), module_kwargs={}), c_model(x))


# -- scatter / gather ------------------------------------------------------------------
@pytest.mark.parametrize("rows, n, dim", [(5, 2, 0), (6, 3, 0), (2, 3, 0), (4, 2, 1)])
def test_scatter_splits_like_chunk(rows, n, dim):
    x = np.arange(rows * 4, dtype=np.float32).reshape(rows, 4)
    got = scatter(cynn.tensor(x), list(range(n)), dim)
    want = torch.tensor(x).chunk(n, dim)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        close(g, w)


def test_scatter_containers():
    Pair = collections.namedtuple("Pair", "x y")
    x = cynn.arange(4.).view(4, 1)
    pieces = scatter((x, 7, [x], {"k": x}, Pair(x, "s")), ["cpu", "cpu"])
    assert len(pieces) == 2
    for i, (a, seven, lst, d, pair) in enumerate(pieces):
        rows = [[2. * i], [2. * i + 1]]
        np.testing.assert_array_equal(a.numpy(), rows)
        assert seven == 7 and isinstance(lst, list) and isinstance(pair, Pair)
        np.testing.assert_array_equal(lst[0].numpy(), rows)
        np.testing.assert_array_equal(d["k"].numpy(), rows)
        assert pair.y == "s"
    assert scatter(x, []) == []


def test_scatter_kwargs_pads():
    x = cynn.ones(4, 2)
    inputs, kwargs = scatter_kwargs((x,), {}, [0, 1])
    assert len(inputs) == 2 and kwargs == ({}, {})
    inputs, kwargs = scatter_kwargs((), {"a": x}, [0, 1])
    assert inputs == ((), ()) and [k["a"].shape for k in kwargs] == [(2, 2), (2, 2)]


def test_scatter_is_differentiable():
    x = cynn.arange(6., requires_grad=True)
    a, b = scatter(x, [0, 1])
    (a.sum() * 2 + b.sum() * 3).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, 2, 2, 3, 3, 3])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_concatenates_like_cat(dim):
    parts = [np.random.default_rng(i).standard_normal((2, 3)).astype(np.float32)
             for i in range(3)]
    close(gather([cynn.tensor(p) for p in parts], "cpu", dim),
          torch.cat([torch.tensor(p) for p in parts], dim))


def test_gather_containers_and_scalars():
    Out = collections.namedtuple("Out", "a b")
    outs = [Out(cynn.ones(1, 2), {"x": cynn.zeros(1)}), Out(cynn.ones(2, 2), {"x": cynn.ones(1)})]
    got = gather(outs, 0)
    assert isinstance(got, Out) and got.a.shape == (3, 2)
    np.testing.assert_array_equal(got.b["x"].numpy(), [0, 1])
    assert gather([None, None], 0) is None
    with pytest.warns(UserWarning, match="all input tensors were scalars"):
        np.testing.assert_array_equal(gather([cynn.tensor(1.), cynn.tensor(2.)], 0).numpy(),
                                      [1, 2])
    with pytest.raises(ValueError, match="All dicts must have the same number of keys"):
        gather([{"a": cynn.ones(1)}, {"a": cynn.ones(1), "b": cynn.ones(1)}], 0)


# -- replicate / parallel_apply ---------------------------------------------------------
def test_replicate_shares_parameters():
    _, model = pair_of_models()
    replicas = replicate(model, [0, 1])
    assert len(replicas) == 2 and all(r is not model for r in replicas)
    assert replicas[0] is not replicas[1] and replicas[0][0] is not model[0]
    for r in replicas:
        assert [p is q for p, q in zip(r.parameters(), model.parameters())] == [True] * 6
        assert r[1].running_mean is model[1].running_mean
    replicas[0].eval()
    assert model.training and replicas[1].training  # each replica has its own flags


def test_replicate_detach():
    model = cynn.nn.Linear(2, 1)
    (replica,) = replicate(model, ["cpu"], detach=True)
    out = replica(cynn.ones(1, 2)).sum()
    assert not out.requires_grad
    np.testing.assert_array_equal(replica.weight.numpy(), model.weight.detach().numpy())


def test_parallel_apply_matches_sequential_and_grads_accumulate():
    t_model, c_model = pair_of_models()
    t_model.eval()
    c_model.eval()
    x = np.random.default_rng(1).standard_normal((6, 1, 6, 6)).astype(np.float32)
    devices = [0, 1, 2]
    inputs = scatter(cynn.tensor(x), devices)
    replicas = replicate(c_model, devices)
    outputs = parallel_apply(replicas, inputs, devices=devices)
    out = gather(outputs, "cpu")
    t_out = t_model(torch.tensor(x))
    close(out, t_out)
    out.square().sum().backward()
    t_out.square().sum().backward()
    for cp, tp in zip(c_model.parameters(), t_model.parameters()):
        close(cp.grad, tp.grad)


def test_parallel_apply_kwargs_and_grad_mode():
    class Affine(cynn.nn.Module):
        def forward(self, x, shift=0.0):
            return x * 2 + shift

    m = Affine()
    x = cynn.ones(2, requires_grad=True)
    outs = parallel_apply([m, m], [x, (x,)], [{"shift": 1.0}, {}])
    np.testing.assert_array_equal(outs[0].detach().numpy(), [3, 3])
    np.testing.assert_array_equal(outs[1].detach().numpy(), [2, 2])
    assert all(o.requires_grad for o in outs)
    with cynn.no_grad():
        outs = parallel_apply([m, m], [x, x])
    assert not any(o.requires_grad for o in outs)


def test_parallel_apply_reraises_worker_error():
    class Fails(cynn.nn.Module):
        def forward(self, x):
            raise KeyError("boom")

    with pytest.raises(KeyError, match="Caught KeyError in replica 1"):
        parallel_apply([cynn.nn.Identity(), Fails()], [cynn.ones(1), cynn.ones(1)])
    with pytest.raises(AssertionError, match="The number of modules 2 is not equal to the "
                                             "number of inputs 1"):
        parallel_apply([cynn.nn.Identity()] * 2, [cynn.ones(1)])


def test_namespace_matches_torch():
    import cynn.nn.parallel as parallel
    assert sorted(parallel.__all__) == sorted(torch.nn.parallel.__all__)
    assert parallel.DataParallel is DataParallel and parallel.scatter is scatter
    assert cynn.nn.DataParallel is DataParallel
