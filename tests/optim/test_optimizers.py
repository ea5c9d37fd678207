"""cynn.optim SGD / Adam / AdamW against torch.optim: trajectories, param groups,
state_dict, repr, validation errors, and the optimizer's contract with autograd."""
import copy

import numpy as np
import pytest

import cynn
from helpers import FLOAT32_TOL, helper_test_exception, torch_module

torch = torch_module()

N_STEPS = 20

# A least-squares problem ||X W + b - Y||^2 plus a sine term so that gradient
# components change sign along the trajectory (exercises amsgrad's running max).
_rng = np.random.default_rng(1234)
X = _rng.normal(size=(8, 4))
Y = _rng.normal(size=(8, 3))
W0 = _rng.normal(size=(4, 3))
B0 = _rng.normal(size=(3,))


def loss_grads(w, b):
    """Gradients of ||X w + b - Y||^2 + sum(sin(3 w)) with respect to (w, b), in float64."""
    residual = X @ w + b - Y
    return 2 * X.T @ residual + 3 * np.cos(3 * w), 2 * residual.sum(axis=0)


def make_params(lib, dtype):
    """Fresh leaf tensors (W, b, frozen) with identical starting values in either library."""
    arrays = [W0.astype(dtype), B0.astype(dtype), np.ones(2, dtype=dtype)]
    return [lib.from_numpy(a.copy()).requires_grad_() for a in arrays]


def set_grads(lib, params):
    """Gradients computed in numpy from each library's current weights (the third
    parameter never gets one, so optimizers must skip it)."""
    w, b = (p.detach().numpy().astype(np.float64) for p in params[:2])
    for p, g in zip(params[:2], loss_grads(w, b)):
        p.grad = lib.from_numpy(g.astype(p.detach().numpy().dtype))


def trajectory(lib, opt_name, kwargs, dtype, n_steps=N_STEPS, groups=None):
    """Parameter values after each of ``n_steps`` steps."""
    params = make_params(lib, dtype)
    spec = params if groups is None else [dict(g, params=[params[i] for i in g["params"]])
                                          for g in groups]
    optimizer = getattr(lib.optim, opt_name)(spec, **kwargs)
    out = []
    for _ in range(n_steps):
        optimizer.zero_grad()
        set_grads(lib, params)
        optimizer.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out, optimizer, params


def assert_trajectories_close(got, expected, dtype):
    tol = {"rtol": 1e-10, "atol": 1e-12} if dtype == np.float64 else FLOAT32_TOL
    for step, (g_params, e_params) in enumerate(zip(got, expected)):
        for i, (g, e) in enumerate(zip(g_params, e_params)):
            assert g.dtype == e.dtype
            np.testing.assert_allclose(g, e, err_msg=f"step {step + 1}, param {i}", **tol)


CONFIGS = [
    ("SGD", {"lr": 0.01}),
    ("SGD", {}),  # torch 2.x default lr 1e-3
    ("SGD", {"lr": 0.01, "momentum": 0.9}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.01, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.005, "momentum": 0.8, "weight_decay": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.001, "momentum": 0.5, "dampening": 0.1, "weight_decay": 0.05,
             "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "maximize": True}),
    ("Adam", {"lr": 0.05, "betas": (0.5, 0.6)}),  # 1 - beta1 >= 0.5: lerp's other branch
    ("Adam", {"lr": 0.05, "eps": 0.5}),  # a large eps shows where it is added
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.9), "weight_decay": 0.01, "amsgrad": True,
              "maximize": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.0}),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("opt_name,kwargs", CONFIGS,
                         ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}"
                              for n, kw in CONFIGS])
def test_trajectory_matches_torch(opt_name, kwargs, dtype):
    got, optimizer, params = trajectory(cynn, opt_name, kwargs, dtype)
    expected, _, _ = trajectory(torch, opt_name, kwargs, dtype)
    assert_trajectories_close(got, expected, dtype)
    # the parameter without a gradient is neither updated nor given state
    np.testing.assert_array_equal(got[-1][2], np.ones(2, dtype=dtype))
    assert params[2] not in optimizer.state


@pytest.mark.parametrize("opt_name,kwargs", [
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.05}),
])
def test_param_groups_with_their_own_options_match_torch(opt_name, kwargs):
    groups = [{"params": [0], "lr": 0.002}, {"params": [1, 2]}]
    if opt_name == "SGD":
        groups[1]["momentum"] = 0.5
    else:
        groups[1]["weight_decay"] = 0.3
    got, optimizer, _ = trajectory(cynn, opt_name, kwargs, np.float64, groups=groups)
    expected, torch_optimizer, _ = trajectory(torch, opt_name, kwargs, np.float64,
                                              groups=groups)
    assert_trajectories_close(got, expected, np.float64)
    assert len(optimizer.param_groups) == 2
    assert optimizer.param_groups[0]["lr"] == 0.002
    assert optimizer.param_groups[1]["lr"] == kwargs["lr"]
    assert repr(optimizer) == repr(torch_optimizer)


def test_add_param_group_fills_defaults_and_matches_torch():
    got, expected = [], []
    for lib, out in ((cynn, got), (torch, expected)):
        params = make_params(lib, np.float64)
        optimizer = lib.optim.SGD([params[0]], lr=0.1, momentum=0.9)
        optimizer.add_param_group({"params": params[1], "lr": 0.01})
        assert len(optimizer.param_groups[1]["params"]) == 1
        assert optimizer.param_groups[1]["params"][0] is params[1]
        assert optimizer.param_groups[1]["momentum"] == 0.9
        for _ in range(5):
            set_grads(lib, params)
            optimizer.step()
        out.append([p.detach().numpy().copy() for p in params[:2]])
    assert_trajectories_close(got, expected, np.float64)


def test_backward_through_cynn_autograd_matches_torch():
    """The usual loop: loss.backward() fills .grad, step() reads it."""
    results = []
    for lib in (cynn, torch):
        w = lib.from_numpy(W0.astype(np.float32).copy()).requires_grad_()
        b = lib.from_numpy(B0.astype(np.float32).copy()).requires_grad_()
        x, y = lib.from_numpy(X.astype(np.float32)), lib.from_numpy(Y.astype(np.float32))
        optimizer = lib.optim.Adam([w, b], lr=0.05)
        losses = []
        for _ in range(10):
            optimizer.zero_grad()
            loss = ((x @ w + b - y) ** 2).mean()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        results.append((w.detach().numpy().copy(), b.detach().numpy().copy(), losses))
    for got, expected in zip(results[0], results[1]):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    assert results[0][2][-1] < results[0][2][0]


# ---------------------------------------------------------------------- state_dict
@pytest.mark.parametrize("opt_name,kwargs", [
    ("SGD", {"lr": 0.01, "momentum": 0.9}),
    ("SGD", {"lr": 0.01}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1}),
])
def test_state_dict_structure_matches_torch(opt_name, kwargs):
    _, optimizer, _ = trajectory(cynn, opt_name, kwargs, np.float32, n_steps=3)
    _, torch_optimizer, _ = trajectory(torch, opt_name, kwargs, np.float32, n_steps=3)
    sd, torch_sd = optimizer.state_dict(), torch_optimizer.state_dict()
    assert list(sd) == list(torch_sd) == ["state", "param_groups"]
    assert list(sd["state"]) == list(torch_sd["state"])
    for pid, param_state in sd["state"].items():
        torch_state = torch_sd["state"][pid]
        assert list(param_state) == list(torch_state)
        for key, value in param_state.items():
            assert isinstance(value, cynn.Tensor)
            assert value.dtype.name == str(torch_state[key].dtype).replace("torch.", "")
            assert tuple(value.shape) == tuple(torch_state[key].shape)
            np.testing.assert_allclose(value.numpy(), torch_state[key].numpy(), rtol=1e-4,
                                       atol=1e-5)
    assert sd["param_groups"] == torch_sd["param_groups"]


@pytest.mark.parametrize("opt_name,kwargs", [
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.05}),
])
def test_state_dict_round_trip_continues_the_same_trajectory(opt_name, kwargs):
    expected, _, _ = trajectory(torch, opt_name, kwargs, np.float64, n_steps=2 * N_STEPS)
    first, optimizer, params = trajectory(cynn, opt_name, kwargs, np.float64)

    saved = copy.deepcopy(optimizer.state_dict())
    resumed_params = [cynn.from_numpy(p.detach().numpy().copy()).requires_grad_()
                      for p in params]
    resumed = getattr(cynn.optim, opt_name)(resumed_params, lr=123.0)
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == kwargs["lr"]

    continued = []
    for _ in range(N_STEPS):
        for opt, ps in ((optimizer, params), (resumed, resumed_params)):
            opt.zero_grad()
            set_grads(cynn, ps)
            opt.step()
        np.testing.assert_array_equal(resumed_params[0].detach().numpy(),
                                      params[0].detach().numpy())
        continued.append([p.detach().numpy().copy() for p in resumed_params])
    assert_trajectories_close(first + continued, expected, np.float64)


def test_load_state_dict_copies_the_state():
    _, optimizer, params = trajectory(cynn, "SGD", {"lr": 0.1, "momentum": 0.9}, np.float64,
                                      n_steps=2)
    sd = optimizer.state_dict()
    other = cynn.optim.SGD(make_params(cynn, np.float64), lr=0.1, momentum=0.9)
    other.load_state_dict(sd)
    before = other.state[other.param_groups[0]["params"][0]]["momentum_buffer"].numpy().copy()
    set_grads(cynn, params)
    optimizer.step()
    after = other.state[other.param_groups[0]["params"][0]]["momentum_buffer"].numpy()
    np.testing.assert_array_equal(before, after)


def test_load_state_dict_casts_buffers_to_the_parameter_dtype_but_not_step():
    _, optimizer, _ = trajectory(cynn, "Adam", {"lr": 0.05}, np.float64, n_steps=2)
    target = cynn.optim.Adam(make_params(cynn, np.float32), lr=0.05)
    target.load_state_dict(optimizer.state_dict())
    state = target.state[target.param_groups[0]["params"][0]]
    assert state["exp_avg"].dtype == cynn.float32
    assert state["step"].dtype == cynn.float32 and state["step"].item() == 2.0


def test_load_torch_state_dict_converted_to_numpy_continues_torch_trajectory():
    """A torch checkpoint whose tensors were turned into arrays loads into cynn."""
    expected, _, _ = trajectory(torch, "Adam", {"lr": 0.05}, np.float64, n_steps=2 * N_STEPS)
    _, torch_optimizer, torch_params = trajectory(torch, "Adam", {"lr": 0.05}, np.float64)
    torch_sd = torch_optimizer.state_dict()
    as_numpy = {"state": {pid: {k: v.numpy() for k, v in s.items()}
                          for pid, s in torch_sd["state"].items()},
                "param_groups": torch_sd["param_groups"]}
    params = [cynn.from_numpy(p.detach().numpy().copy()).requires_grad_() for p in torch_params]
    optimizer = cynn.optim.Adam(params)
    optimizer.load_state_dict(as_numpy)
    for step in range(N_STEPS):
        set_grads(cynn, params)
        optimizer.step()
        np.testing.assert_allclose(params[0].detach().numpy(), expected[N_STEPS + step][0],
                                   rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("make_saved,match", [
    (lambda lib, ps: lib.optim.SGD([{"params": [ps[0]]}, {"params": [ps[1]]}]).state_dict(),
     "different number of parameter groups"),
    (lambda lib, ps: lib.optim.SGD(ps[:1]).state_dict(),
     "doesn't match the size of optimizer's group"),
])
def test_load_state_dict_mismatched_groups_raise_like_torch(make_saved, match):
    def load(lib):
        params = make_params(lib, np.float32)
        lib.optim.SGD(params[:2]).load_state_dict(make_saved(lib, params))
    helper_test_exception(load, ValueError, match=match)


# ---------------------------------------------------------------------- repr
@pytest.mark.parametrize("opt_name,kwargs", [
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {}),
    ("Adam", {"betas": (0.8, 0.9)}),
    ("AdamW", {"amsgrad": True}),
])
def test_repr_matches_torch(opt_name, kwargs):
    optimizer = getattr(cynn.optim, opt_name)(make_params(cynn, np.float32), **kwargs)
    torch_optimizer = getattr(torch.optim, opt_name)(make_params(torch, np.float32), **kwargs)
    assert repr(optimizer) == repr(torch_optimizer)
    assert repr(optimizer).startswith(f"{opt_name} (\nParameter Group 0\n")


# ---------------------------------------------------------------------- validation
def _leaf(lib):
    return lib.zeros(3, requires_grad=True)


@pytest.mark.parametrize("build,exception,match", [
    (lambda lib: lib.optim.SGD([_leaf(lib)], lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    (lambda lib: lib.optim.SGD([_leaf(lib)], momentum=-1), ValueError, "Invalid momentum value"),
    (lambda lib: lib.optim.SGD([_leaf(lib)], weight_decay=-1e-3), ValueError,
     "Invalid weight_decay value: -0.001"),
    (lambda lib: lib.optim.SGD([_leaf(lib)], nesterov=True), ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda lib: lib.optim.SGD([_leaf(lib)], momentum=0.9, dampening=0.1, nesterov=True),
     ValueError, "Nesterov momentum requires a momentum and zero dampening"),
    (lambda lib: lib.optim.SGD([]), ValueError, "optimizer got an empty parameter list"),
    (lambda lib: lib.optim.Adam([_leaf(lib)], lr=-1.0), ValueError, "Invalid learning rate"),
    (lambda lib: lib.optim.Adam([_leaf(lib)], eps=-1.0), ValueError, "Invalid epsilon value"),
    (lambda lib: lib.optim.Adam([_leaf(lib)], betas=(1.0, 0.9)), ValueError,
     r"Invalid beta parameter at index 0: 1.0"),
    (lambda lib: lib.optim.Adam([_leaf(lib)], betas=(0.9, -0.1)), ValueError,
     r"Invalid beta parameter at index 1: -0.1"),
    (lambda lib: lib.optim.AdamW([_leaf(lib)], weight_decay=-0.5), ValueError,
     "Invalid weight_decay value"),
    (lambda lib: lib.optim.SGD([{"params": {_leaf(lib)}}]), TypeError, "ordered collections"),
    (lambda lib: lib.optim.SGD([_leaf(lib) * 2]), ValueError, "can't optimize a non-leaf Tensor"),
    (lambda lib: lib.optim.SGD([np.zeros(3)]), TypeError, "optimizer can only optimize Tensors"),
    (lambda lib: lib.optim.SGD(_leaf(lib)), TypeError,
     "params argument given to the optimizer should be an iterable of Tensors or dicts"),
])
def test_constructor_errors_match_torch(build, exception, match):
    helper_test_exception(build, exception, match=match)


def test_same_parameter_in_two_groups_raises_like_torch():
    def build(lib):
        p = _leaf(lib)
        lib.optim.SGD([{"params": [p]}, {"params": [p], "lr": 0.1}])
    helper_test_exception(build, ValueError,
                          match="some parameters appear in more than one parameter group")


def test_named_parameters_are_accepted_and_saved_as_param_names():
    w, b = make_params(cynn, np.float32)[:2]
    optimizer = cynn.optim.SGD([("weight", w), ("bias", b)], lr=0.1)
    group_params = optimizer.param_groups[0]["params"]
    assert len(group_params) == 2 and group_params[0] is w and group_params[1] is b
    assert optimizer.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]


# ---------------------------------------------------------------------- contract with autograd
def test_step_updates_in_place_bumps_version_and_records_no_graph():
    w = cynn.randn(3, 4, requires_grad=True)
    storage = w._data
    optimizer = cynn.optim.SGD([w], lr=0.1, momentum=0.9)
    for expected_version in (1, 2):
        (w * w).sum().backward()
        optimizer.step()
        assert w._data is storage
        assert w._version[0] == expected_version
        assert w.is_leaf and w.grad_fn is None and w.requires_grad
        optimizer.zero_grad()


def test_backward_through_a_graph_that_saved_the_old_weights_fails():
    w = cynn.randn(3, requires_grad=True)
    optimizer = cynn.optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    w.grad = cynn.ones(3)
    optimizer.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_step_leaves_grad_untouched():
    w = cynn.from_numpy(W0.copy()).requires_grad_()
    grad = np.full_like(W0, 0.5)
    w.grad = cynn.from_numpy(grad.copy())
    optimizer = cynn.optim.SGD([w], lr=0.1, momentum=0.9, weight_decay=0.1, maximize=True)
    optimizer.step()
    optimizer.step()
    np.testing.assert_array_equal(w.grad.numpy(), grad)


def test_zero_grad_set_to_none_and_to_zero():
    w = cynn.randn(3, requires_grad=True)
    optimizer = cynn.optim.SGD([w], lr=0.1)
    w.sum().backward()
    grad = w.grad
    optimizer.zero_grad(set_to_none=False)
    assert w.grad is grad
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros(3, dtype=np.float32))
    optimizer.zero_grad()
    assert w.grad is None


def test_closure_is_evaluated_with_grad_enabled_and_its_loss_returned():
    w = cynn.from_numpy(np.array([1.0, -2.0])).requires_grad_()
    optimizer = cynn.optim.SGD([w], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with cynn.no_grad():
        loss = optimizer.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_allclose(w.detach().numpy(), [0.5, -1.0])


def test_step_hooks_run_around_step_and_can_be_removed():
    calls = []
    w = cynn.randn(2, requires_grad=True)
    optimizer = cynn.optim.Adam([w])
    pre = optimizer.register_step_pre_hook(lambda opt, args, kwargs: calls.append("pre"))
    post = optimizer.register_step_post_hook(lambda opt, args, kwargs: calls.append("post"))
    w.sum().backward()
    optimizer.step()
    assert calls == ["pre", "post"]
    pre.remove()
    post.remove()
    optimizer.step()
    assert calls == ["pre", "post"]


def test_tensor_learning_rate_is_accepted():
    got, _, _ = trajectory(cynn, "SGD", {"lr": cynn.tensor(0.01), "momentum": 0.9}, np.float64,
                           n_steps=5)
    expected, _, _ = trajectory(torch, "SGD", {"lr": torch.tensor(0.01), "momentum": 0.9},
                                np.float64, n_steps=5)
    assert_trajectories_close(got, expected, np.float64)


def test_unsupported_modes_are_refused_clearly():
    with pytest.raises(ValueError, match="capturable=True needs CUDA"):
        cynn.optim.Adam([_leaf(cynn)], capturable=True)
