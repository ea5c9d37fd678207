"""cynn.optim.LBFGS against torch.optim.LBFGS: iterates, evaluation counts and state
with and without the strong-Wolfe line search, state_dict round trips, errors."""
import copy

import numpy as np
import pytest

import cynn
from helpers import helper_test_exception, torch_module

torch = torch_module()

# A small nonlinear least-squares problem with a quartic penalty: curved enough that
# the line search brackets and zooms, small enough to run many steps.
_rng = np.random.default_rng(11)
A = _rng.normal(size=(20, 6))
Y = _rng.normal(size=(20,))


def make_problem(lib, dtype):
    w = lib.from_numpy(np.zeros(6, dtype=dtype)).requires_grad_()
    b = lib.from_numpy(np.ones(1, dtype=dtype)).requires_grad_()
    x, y = lib.from_numpy(A.astype(dtype)), lib.from_numpy(Y.astype(dtype))

    def loss_fn():
        r = (x @ w + b).tanh() * 2 - y
        return (r * r).mean() + (w ** 4).sum() * 0.1
    return [w, b], loss_fn


def run(lib, dtype, kwargs, n_steps=5, params=None, loss_fn=None, optimizer=None):
    if params is None:
        params, loss_fn = make_problem(lib, dtype)
    if optimizer is None:
        optimizer = lib.optim.LBFGS(params, **kwargs)

    def closure():
        optimizer.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    history = []
    for _ in range(n_steps):
        loss = optimizer.step(closure)
        history.append((loss.item(), [p.detach().numpy().copy() for p in params]))
    return history, optimizer, params, loss_fn


CONFIGS = [
    {},
    {"line_search_fn": "strong_wolfe"},
    {"lr": 0.5, "history_size": 3, "max_iter": 7},
    {"line_search_fn": "strong_wolfe", "history_size": 2, "max_iter": 10, "max_eval": 12},
    {"lr": 0.2, "max_iter": 3, "tolerance_change": 1e-5},
    {"line_search_fn": "strong_wolfe", "tolerance_grad": 1e-3},
]
IDS = ["-".join(f"{k}={v}" for k, v in kw.items()) or "defaults" for kw in CONFIGS]


@pytest.mark.parametrize("kwargs", CONFIGS, ids=IDS)
def test_float64_iterates_and_counters_match_torch(kwargs):
    got, optimizer, params, _ = run(cynn, np.float64, kwargs)
    expected, torch_optimizer, torch_params, _ = run(torch, np.float64, kwargs)
    for (loss, values), (torch_loss, torch_values) in zip(got, expected):
        np.testing.assert_allclose(loss, torch_loss, rtol=1e-10, atol=1e-12)
        for v, tv in zip(values, torch_values):
            np.testing.assert_allclose(v, tv, rtol=1e-9, atol=1e-11)
    state, torch_state = optimizer.state[params[0]], torch_optimizer.state[torch_params[0]]
    assert list(state) == list(torch_state)
    assert state["func_evals"] == torch_state["func_evals"]
    assert state["n_iter"] == torch_state["n_iter"]
    assert len(state["old_dirs"]) == len(torch_state["old_dirs"])
    np.testing.assert_allclose(state["d"].numpy(), torch_state["d"].numpy(), rtol=1e-8,
                               atol=1e-11)
    np.testing.assert_allclose(float(state["H_diag"]), float(torch_state["H_diag"]),
                               rtol=1e-8)
    assert params[1] not in optimizer.state


@pytest.mark.parametrize("kwargs", CONFIGS[:4], ids=IDS[:4])
def test_float32_reaches_torch_losses(kwargs):
    """float32 iterates round differently (numpy's dot products sum in another order),
    and near convergence a tolerance test may stop one iteration apart: the losses
    agree, the weights to a float32 optimum's accuracy."""
    got, _, _, _ = run(cynn, np.float32, kwargs)
    expected, _, _, _ = run(torch, np.float32, kwargs)
    for (loss, values), (torch_loss, torch_values) in zip(got, expected):
        assert isinstance(values[0], np.ndarray) and values[0].dtype == np.float32
        np.testing.assert_allclose(loss, torch_loss, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(values[0], torch_values[0], rtol=1e-2, atol=1e-3)


def _to_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.numpy().copy()
    if isinstance(value, list):
        return [_to_numpy(v) for v in value]
    return value


@pytest.mark.parametrize("kwargs", [CONFIGS[1], CONFIGS[2]], ids=[IDS[1], IDS[2]])
def test_state_dict_round_trip_and_torch_state_continue_like_torch(kwargs):
    expected, _, _, _ = run(torch, np.float64, kwargs, n_steps=4)
    _, optimizer, params, _ = run(cynn, np.float64, kwargs, n_steps=2)
    _, torch_optimizer, torch_params, _ = run(torch, np.float64, kwargs, n_steps=2)
    torch_sd = torch_optimizer.state_dict()
    as_numpy = {"state": {pid: {k: _to_numpy(v) for k, v in s.items()}
                          for pid, s in torch_sd["state"].items()},
                "param_groups": copy.deepcopy(torch_sd["param_groups"])}
    for saved, start in ((copy.deepcopy(optimizer.state_dict()), params),
                         (as_numpy, torch_params)):
        new_params, loss_fn = make_problem(cynn, np.float64)
        for p, s in zip(new_params, start):
            p._data[...] = s.detach().numpy()
        resumed = cynn.optim.LBFGS(new_params, lr=7.0)
        resumed.load_state_dict(saved)
        assert resumed.param_groups[0]["lr"] == kwargs.get("lr", 1)
        got, _, _, _ = run(cynn, np.float64, kwargs, n_steps=2, params=new_params,
                           loss_fn=loss_fn, optimizer=resumed)
        for (loss, values), (torch_loss, torch_values) in zip(got, expected[2:]):
            np.testing.assert_allclose(loss, torch_loss, rtol=1e-10)
            np.testing.assert_allclose(values[0], torch_values[0], rtol=1e-9, atol=1e-11)


def test_converged_start_returns_without_iterating():
    for lib in (cynn, torch):
        p = lib.zeros(3, requires_grad=True)
        optimizer = lib.optim.LBFGS([p])

        def closure():
            optimizer.zero_grad()
            loss = (p * 0).sum()
            loss.backward()
            return loss
        optimizer.step(closure)
        assert optimizer.state[p]["func_evals"] == 1 and optimizer.state[p]["n_iter"] == 0


def test_closure_is_required():
    helper_test_exception(lambda lib: lib.optim.LBFGS([lib.zeros(2, requires_grad=True)]).step(),
                          TypeError)


def test_bad_arguments_raise_like_torch():
    helper_test_exception(lambda lib: lib.optim.LBFGS([lib.zeros(2, requires_grad=True)],
                                                      lr=-1.0),
                          ValueError, match="Invalid learning rate: -1.0")
    helper_test_exception(
        lambda lib: lib.optim.LBFGS([{"params": [lib.zeros(2, requires_grad=True)]},
                                     {"params": [lib.zeros(2, requires_grad=True)]}]),
        ValueError, match=r"LBFGS doesn't support per-parameter options \(parameter groups\)")

    def unknown_line_search(lib):
        params, loss_fn = make_problem(lib, np.float64)
        optimizer = lib.optim.LBFGS(params, line_search_fn="armijo")

        def closure():
            optimizer.zero_grad()
            loss = loss_fn()
            loss.backward()
            return loss
        optimizer.step(closure)
    helper_test_exception(unknown_line_search, RuntimeError,
                          match="only 'strong_wolfe' is supported")


def test_defaults_and_repr_match_torch():
    mine = cynn.optim.LBFGS([cynn.zeros(2, requires_grad=True)], max_iter=8)
    theirs = torch.optim.LBFGS([torch.zeros(2, requires_grad=True)], max_iter=8)
    assert mine.defaults == theirs.defaults
    assert mine.defaults["max_eval"] == 10
    assert repr(mine) == repr(theirs)
