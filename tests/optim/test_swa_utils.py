"""cynn.optim.swa_utils (AveragedModel, SWALR, update_bn, averaging functions) and
swap_in_optimizer_params_and_state against torch."""
import copy

import numpy as np
import pytest

import cynn
from helpers import helper_test_exception, torch_module

torch = torch_module()

_rng = np.random.default_rng(8)
X = _rng.normal(size=(16, 4)).astype(np.float32)
Y = _rng.normal(size=(16, 2)).astype(np.float32)


def make_model(lib):
    """Linear -> BatchNorm -> ReLU -> Linear with the same weights in either library."""
    nn = lib.nn
    model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))
    rng = np.random.default_rng(9)
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.from_numpy(rng.normal(size=tuple(p.shape)).astype(np.float32)))
    return model


def train_and_average(lib, make_averaged, n_epochs=6, **swalr):
    """SGD epochs on the model, folding it into the averaged model after each; returns
    the averaged state, n_averaged and the lrs."""
    model = make_model(lib)
    averaged = make_averaged(lib, model)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
    scheduler = lib.optim.swa_utils.SWALR(optimizer, **swalr) if swalr else None
    lrs = []
    x, y = lib.from_numpy(X), lib.from_numpy(Y)
    for _ in range(n_epochs):
        optimizer.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        optimizer.step()
        averaged.update_parameters(model)
        if scheduler is not None:
            scheduler.step()
            lrs.append(scheduler.get_last_lr())
    state = {k: v.detach().numpy().copy() for k, v in averaged.state_dict().items()}
    return state, lrs, averaged


AVERAGERS = {
    "swa": lambda lib, m: lib.optim.swa_utils.AveragedModel(m),
    "swa-buffers": lambda lib, m: lib.optim.swa_utils.AveragedModel(m, use_buffers=True),
    "ema-multi": lambda lib, m: lib.optim.swa_utils.AveragedModel(
        m, multi_avg_fn=lib.optim.swa_utils.get_ema_multi_avg_fn(0.9)),
    "ema-multi-buffers": lambda lib, m: lib.optim.swa_utils.AveragedModel(
        m, multi_avg_fn=lib.optim.swa_utils.get_ema_multi_avg_fn(0.6), use_buffers=True),
    "swa-multi": lambda lib, m: lib.optim.swa_utils.AveragedModel(
        m, multi_avg_fn=lib.optim.swa_utils.get_swa_multi_avg_fn()),
    "ema-fn": lambda lib, m: lib.optim.swa_utils.AveragedModel(
        m, avg_fn=lib.optim.swa_utils.get_ema_avg_fn(0.8)),
    "swa-fn": lambda lib, m: lib.optim.swa_utils.AveragedModel(
        m, avg_fn=lib.optim.swa_utils.get_swa_avg_fn()),
}


@pytest.mark.parametrize("name", list(AVERAGERS))
def test_averaged_model_matches_torch(name):
    mine, _, averaged = train_and_average(cynn, AVERAGERS[name])
    theirs, _, _ = train_and_average(torch, AVERAGERS[name])
    assert list(mine) == list(theirs)
    for key in mine:
        assert mine[key].dtype == theirs[key].dtype, key
        np.testing.assert_allclose(mine[key], theirs[key], rtol=1e-5, atol=1e-6, err_msg=key)
    assert averaged.n_averaged.item() == 6 and averaged.n_averaged.dtype == cynn.int64
    out = averaged(cynn.from_numpy(X))
    assert tuple(out.shape) == (16, 2)


@pytest.mark.parametrize("swalr", [
    {"swa_lr": 0.01, "anneal_epochs": 3},
    {"swa_lr": [0.02], "anneal_epochs": 4, "anneal_strategy": "linear"},
    {"swa_lr": 0.2, "anneal_epochs": 0},
])
def test_swalr_sequence_matches_torch(swalr):
    _, mine, _ = train_and_average(cynn, AVERAGERS["swa"], n_epochs=8, **swalr)
    _, theirs, _ = train_and_average(torch, AVERAGERS["swa"], n_epochs=8, **swalr)
    np.testing.assert_allclose(np.array(mine), np.array(theirs), rtol=1e-12)


def test_swalr_state_dict_round_trip():
    optimizer = cynn.optim.SGD([cynn.zeros(2, requires_grad=True)], lr=0.1)
    scheduler = cynn.optim.swa_utils.SWALR(optimizer, swa_lr=0.01, anneal_epochs=5,
                                           anneal_strategy="linear")
    for _ in range(2):
        optimizer.step()
        scheduler.step()
    state = scheduler.state_dict()
    assert "anneal_func" not in state and "optimizer" not in state
    other_optimizer = cynn.optim.SGD([cynn.zeros(2, requires_grad=True)], lr=0.1)
    other = cynn.optim.swa_utils.SWALR(other_optimizer, swa_lr=0.5)
    other_optimizer.load_state_dict(optimizer.state_dict())
    other.load_state_dict(copy.deepcopy(state))
    for _ in range(4):
        for opt, sched in ((optimizer, scheduler), (other_optimizer, other)):
            opt.step()
            sched.step()
        assert other.get_last_lr() == scheduler.get_last_lr()
    assert other.anneal_func(0.5) == 0.5  # linear, restored from the state


def test_update_bn_recomputes_running_stats_like_torch():
    results = []
    for lib in (cynn, torch):
        model = make_model(lib)
        model.eval()
        momentum = model[1].momentum
        loader = [(lib.from_numpy(X[i:i + 4]), None) for i in range(0, 16, 4)]
        lib.optim.swa_utils.update_bn(loader, model)
        assert not model.training and model[1].momentum == momentum
        results.append([model[1].running_mean.numpy().copy(),
                        model[1].running_var.numpy().copy(),
                        int(model[1].num_batches_tracked.item())])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_update_bn_without_batch_norm_does_nothing():
    model = cynn.nn.Linear(2, 2)
    cynn.optim.swa_utils.update_bn([cynn.ones(1, 2)], model)


@pytest.mark.parametrize("build,exception,match", [
    (lambda lib: lib.optim.swa_utils.get_ema_multi_avg_fn(1.5), ValueError,
     r"Invalid decay value 1.5 provided. Please provide a value in \[0,1\] range."),
    (lambda lib: lib.optim.swa_utils.get_ema_avg_fn(-0.1), ValueError, "Invalid decay value"),
    (lambda lib: lib.optim.swa_utils.SWALR(lib.optim.SGD([lib.zeros(1, requires_grad=True)]),
                                           swa_lr=0.1, anneal_strategy="step"),
     ValueError, "anneal_strategy must be one of 'cos' or 'linear', instead got step"),
    (lambda lib: lib.optim.swa_utils.SWALR(lib.optim.SGD([lib.zeros(1, requires_grad=True)]),
                                           swa_lr=0.1, anneal_epochs=-1),
     ValueError, "anneal_epochs must be equal or greater than 0, got -1"),
    (lambda lib: lib.optim.swa_utils.AveragedModel(
        lib.nn.Linear(1, 1), avg_fn=lib.optim.swa_utils.get_swa_avg_fn(),
        multi_avg_fn=lib.optim.swa_utils.get_swa_multi_avg_fn()),
     AssertionError, "Only one of avg_fn and multi_avg_fn should be provided"),
])
def test_bad_arguments_raise_like_torch(build, exception, match):
    helper_test_exception(build, exception, match=match)


# ---------------------------------------------------------------------- swap-in
def _adam_after_steps(lib, n=2):
    params = [lib.from_numpy(np.array([1.0, -2.0], dtype=np.float32)).requires_grad_(),
              lib.from_numpy(np.array([0.5], dtype=np.float32)).requires_grad_()]
    optimizer = lib.optim.Adam(params, lr=0.1)
    for _ in range(n):
        for p in params:
            p.grad = lib.ones(p.shape)
        optimizer.step()
    return optimizer, params


def test_swap_in_steps_the_given_tensors_and_restores_the_live_optimizer():
    results = []
    for lib in (cynn, torch):
        optimizer, params = _adam_after_steps(lib)
        live = [p.detach().numpy().copy() for p in params]
        live_state = copy.deepcopy(optimizer.state_dict())
        shadow = {f"p{i}": lib.from_numpy(p.detach().numpy().copy()).requires_grad_()
                  for i, p in enumerate(params)}
        for s in shadow.values():
            s.grad = lib.full(s.shape, -1.0)
        shadow_state = copy.deepcopy(optimizer.state_dict())
        shadow_state["param_groups"][0]["lr"] = 0.5
        groups_before = optimizer.param_groups[0]["params"]
        with lib.optim.swap_in_optimizer_params_and_state(optimizer, shadow, shadow_state):
            assert optimizer.param_groups[0]["lr"] == 0.5
            optimizer.step()
        assert optimizer.param_groups[0]["params"] is groups_before
        assert optimizer.param_groups[0]["lr"] == 0.1
        for p, before in zip(params, live):
            np.testing.assert_array_equal(p.detach().numpy(), before)
        after = optimizer.state_dict()["state"]
        for pid, s in live_state["state"].items():
            for key, value in s.items():
                np.testing.assert_array_equal(after[pid][key].numpy(), value.numpy())
        results.append([s.detach().numpy().copy() for s in shadow.values()]
                       + [shadow_state["state"][0]["exp_avg"].numpy().copy(),
                          shadow_state["state"][0]["step"].numpy().copy()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("mutate,match", [
    (lambda sd: sd.update(state=[]), "to be a dict mapping packed parameter ids"),
    (lambda sd: sd["state"].update({0: 1.0}), "state entries to be dictionaries"),
    (lambda sd: sd.update(param_groups={}), "to be a list of param-group dicts"),
    (lambda sd: sd["param_groups"].append({}), "different number of parameter groups"),
    (lambda sd: sd["param_groups"][0].update(params=[0]), "different number of params"),
    (lambda sd: sd["param_groups"][0].pop("lr"), r"Keys only in live: \['lr'\]"),
    (lambda sd: sd["state"].update({7: {}}), r"got extra keys \[7\]"),
])
def test_swap_in_refuses_mismatched_state_like_torch(mutate, match):
    def run(lib):
        optimizer, params = _adam_after_steps(lib, 1)
        saved = copy.deepcopy(optimizer.state_dict())
        mutate(saved)
        with lib.optim.swap_in_optimizer_params_and_state(
                optimizer, {f"p{i}": p for i, p in enumerate(params)}, saved):
            pass
    helper_test_exception(run, RuntimeError, match=match)


def test_swap_in_needs_initialized_state():
    def run(lib):
        p = lib.zeros(2, requires_grad=True)
        optimizer = lib.optim.SGD([p], lr=0.1)
        with lib.optim.swap_in_optimizer_params_and_state(optimizer, {"p": p},
                                                          optimizer.state_dict()):
            pass
    helper_test_exception(run, RuntimeError, match="requires initialized optimizer state")


def test_optim_all_matches_torch_but_the_excluded():
    missing = set(torch.optim.__all__) - set(cynn.optim.__all__)
    assert missing == {"SparseAdam", "Muon"}
    assert set(cynn.optim.__all__) <= set(torch.optim.__all__)
    assert sorted(cynn.optim.swa_utils.__all__) == sorted(torch.optim.swa_utils.__all__)
