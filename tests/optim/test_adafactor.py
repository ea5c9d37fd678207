"""cynn.optim.Adafactor against torch.optim.Adafactor on the small CNN of
test_elementwise_optimizers: trajectories, state layout, round trip, errors."""
import copy

import numpy as np
import pytest

import cynn
from helpers import helper_test_exception, torch_module
from test_elementwise_optimizers import (N_STEPS, assert_trajectories_close, make_params,
                                         trajectory)

torch = torch_module()

CONFIGS = [
    {},
    {"lr": 0.05, "weight_decay": 0.1},
    {"beta2_decay": -0.5, "eps": (1e-3, 1e-2), "d": 2.0},
    {"lr": 0.005, "maximize": True, "foreach": False},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("kwargs", CONFIGS,
                         ids=["-".join(f"{k}={v}" for k, v in kw.items()) or "defaults"
                              for kw in CONFIGS])
def test_cnn_trajectory_and_state_match_torch(kwargs, dtype):
    got, optimizer, params = trajectory(cynn, "Adafactor", kwargs, dtype)
    expected, torch_optimizer, torch_params = trajectory(torch, "Adafactor", kwargs, dtype)
    assert_trajectories_close(got, expected, dtype)
    for p, tp in zip(params, torch_params):
        state, torch_state = optimizer.state.get(p, {}), torch_optimizer.state.get(tp, {})
        assert list(state) == list(torch_state)
        for key, value in state.items():
            assert value.shape == tuple(torch_state[key].shape), key
            np.testing.assert_allclose(value.numpy(), torch_state[key].numpy(), rtol=1e-3,
                                       atol=1e-7, err_msg=key)
    assert optimizer.state_dict()["param_groups"] == torch_optimizer.state_dict()["param_groups"]
    assert repr(optimizer) == repr(torch_optimizer)


def test_state_dict_round_trip_continues_the_run():
    expected, _, _ = trajectory(cynn, "Adafactor", {"lr": 0.05}, np.float64)
    half = N_STEPS // 2
    _, optimizer, params = trajectory(cynn, "Adafactor", {"lr": 0.05}, np.float64,
                                      n_steps=half)
    resumed_params = [cynn.from_numpy(p.detach().numpy().copy()).requires_grad_()
                      for p in params]
    resumed = cynn.optim.Adafactor(resumed_params)
    resumed.load_state_dict(copy.deepcopy(optimizer.state_dict()))
    got, _, _ = trajectory(cynn, "Adafactor", None, np.float64, n_steps=N_STEPS - half,
                           params=resumed_params, optimizer=resumed)
    for g, e in zip(got, expected[half:]):
        for a, b in zip(g, e):
            np.testing.assert_array_equal(a, b)


def test_torch_state_dict_continues_like_torch():
    half, rest = N_STEPS // 2, N_STEPS - N_STEPS // 2
    _, torch_optimizer, torch_params = trajectory(torch, "Adafactor", {"lr": 0.05},
                                                  np.float64, n_steps=half)
    torch_sd = torch_optimizer.state_dict()
    as_numpy = {"state": {pid: {k: v.numpy().copy() for k, v in s.items()}
                          for pid, s in torch_sd["state"].items()},
                "param_groups": copy.deepcopy(torch_sd["param_groups"])}
    runs = []
    for lib, saved in ((torch, torch_sd), (cynn, as_numpy)):
        params = [lib.from_numpy(p.detach().numpy().copy()).requires_grad_()
                  for p in torch_params]
        optimizer = lib.optim.Adafactor(params)
        optimizer.load_state_dict(saved)
        runs.append(trajectory(lib, "Adafactor", None, np.float64, n_steps=rest,
                               params=params, optimizer=optimizer)[0])
    assert_trajectories_close(runs[1], runs[0], np.float64)


@pytest.mark.parametrize("kwargs,match", [
    ({"lr": -1.0}, "Learning rate should be >= 0 but is: -1.0"),
    ({"beta2_decay": 0.5}, "beta2_decay should be <= 0 but is: 0.5"),
    ({"eps": (-1.0, 1e-3)}, "epsilon1 should be >= 0 but is: -1.0"),
    ({"eps": (None, -1.0)}, "epsilon2 should be >= 0 but is: -1.0"),
    ({"d": 0.5}, "Clipping threshold d should be >= 1 but is: 0.5"),
    ({"weight_decay": -0.1}, "weight_decay should be >= 0 but is: -0.1"),
])
def test_bad_arguments_raise_like_torch(kwargs, match):
    helper_test_exception(lambda lib: lib.optim.Adafactor(make_params(lib, np.float32),
                                                          **kwargs),
                          ValueError, match=match)


def test_no_differentiable_option_as_torch():
    helper_test_exception(lambda lib: lib.optim.Adafactor(make_params(lib, np.float32),
                                                          differentiable=True), TypeError)
