"""RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, ASGD and Rprop against torch.optim:
50-step trajectories of a small CNN for a matrix of options, state and state_dict
layout, loading torch's state, the fused kernel against the numpy fallback, thread
independence, differentiable steps, and torch's argument errors."""
import copy

import numpy as np
import pytest

import cynn
from helpers import helper_test_exception, torch_module

torch = torch_module()

N_STEPS = 50


@pytest.fixture(autouse=True)
def one_thread():
    """Both libraries on one thread (the two cores are shared with other jobs); the
    thread tests set their own counts."""
    previous = cynn.get_num_threads(), torch.get_num_threads()
    cynn.set_num_threads(1)
    torch.set_num_threads(1)
    yield
    cynn.set_num_threads(previous[0])
    torch.set_num_threads(previous[1])


# ---------------------------------------------------------------------- the CNN
# conv(1->4, 3x3) -> relu -> max_pool 2 -> linear(36 -> 5), cross-entropy on 8 images
_rng = np.random.default_rng(2024)
IMAGES = _rng.normal(size=(8, 1, 8, 8))
TARGETS = _rng.integers(0, 5, size=8)
WEIGHTS = [_rng.normal(scale=0.3, size=s) for s in [(4, 1, 3, 3), (4,), (5, 36), (5,)]]


def make_params(lib, dtype):
    """The CNN's weights as leaf tensors, plus a tensor that never gets a gradient."""
    arrays = [w.astype(dtype) for w in WEIGHTS] + [np.ones(3, dtype=dtype)]
    return [lib.from_numpy(a.copy()).requires_grad_() for a in arrays]


def cnn_loss(lib, params):
    F = lib.nn.functional
    w1, b1, w2, b2 = params[:4]
    x = lib.from_numpy(IMAGES.astype(w1.detach().numpy().dtype))
    h = F.max_pool2d(F.relu(F.conv2d(x, w1, b1)), 2).flatten(1)
    return F.cross_entropy(F.linear(h, w2, b2), lib.from_numpy(TARGETS))


def trajectory(lib, name, kwargs, dtype, n_steps=N_STEPS, params=None, optimizer=None):
    """Parameter values after each step, the optimizer and its parameters."""
    params = make_params(lib, dtype) if params is None else params
    if optimizer is None:
        optimizer = getattr(lib.optim, name)(params, **kwargs)
    out = []
    for _ in range(n_steps):
        optimizer.zero_grad()
        cnn_loss(lib, params).backward()
        optimizer.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out, optimizer, params


# float32: torch's vectorised CPU kernels contract some `a + b * c` into an FMA and
# its conv sums in another order, so each step differs by a rounding or two; 50
# steps of a model whose gradients depend on the weights grow that to ~1e-5 relative.
TOL = {np.float32: {"rtol": 1e-4, "atol": 1e-5}, np.float64: {"rtol": 1e-9, "atol": 1e-11}}


def assert_trajectories_close(got, expected, dtype):
    for step, (g_params, e_params) in enumerate(zip(got, expected)):
        for i, (g, e) in enumerate(zip(g_params, e_params)):
            assert g.dtype == e.dtype
            np.testing.assert_allclose(g, e, err_msg=f"step {step + 1}, param {i}", **TOL[dtype])


CONFIGS = [
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.9}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.005, "centered": True}),
    ("RMSprop", {"lr": 0.002, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.002, "eps": 0.1, "maximize": True, "foreach": False}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.05, "lr_decay": 0.05}),
    ("Adagrad", {"lr": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.5}),
    ("Adagrad", {"lr": 0.05, "eps": 0.1, "maximize": True}),
    ("Adagrad", {"lr": 0.05, "fused": True}),
    ("Adagrad", {"lr": 0.05, "foreach": False}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5}),
    ("Adadelta", {"lr": 0.5, "eps": 1e-3, "weight_decay": 0.1}),
    ("Adadelta", {"maximize": True, "foreach": False}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.01, "betas": (0.5, 0.9)}),  # 1 - beta1 >= 0.5: lerp's other form
    ("Adamax", {"lr": 0.01, "weight_decay": 0.1, "eps": 1e-3}),
    ("Adamax", {"maximize": True, "foreach": False}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "momentum_decay": 0.05}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {"betas": (0.5, 0.9), "maximize": True, "foreach": False}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.01, "betas": (0.9, 0.9)}),  # rectified from step 5 on
    ("RAdam", {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.01, "betas": (0.9, 0.9), "weight_decay": 0.1,
               "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.01, "betas": (0.9, 0.95), "maximize": True, "foreach": False}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.05, "t0": 10}),  # averaging starts inside the run
    ("ASGD", {"lr": 0.05, "lambd": 0.1, "alpha": 0.5, "t0": 0, "weight_decay": 0.1}),
    ("ASGD", {"lr": 0.02, "t0": 5, "maximize": True, "foreach": False}),
]
# Rprop reacts to the sign of grad * prev only: where a gradient component of the CNN
# is zero up to rounding (dead ReLUs, cancelling terms), torch's and cynn's last-bit
# differences pick different branches and the runs part for good. Its trajectory is
# checked below on gradients computed identically for both libraries.
RPROP_CONFIGS = [
    {},
    {"lr": 0.001, "etas": (0.3, 1.5)},
    {"lr": 0.001, "step_sizes": (1e-4, 0.01)},
    {"lr": 0.001, "maximize": True, "foreach": False},
]
CONFIG_IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}"
              for n, kw in CONFIGS]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=CONFIG_IDS)
def test_cnn_trajectory_matches_torch(name, kwargs, dtype):
    got, optimizer, params = trajectory(cynn, name, kwargs, dtype)
    expected, torch_optimizer, torch_params = trajectory(torch, name, kwargs, dtype)
    assert_trajectories_close(got, expected, dtype)
    np.testing.assert_array_equal(got[-1][4], np.ones(3, dtype=dtype))
    # same state entries, dtypes and values as torch's
    for p, tp in zip(params, torch_params):
        state, torch_state = optimizer.state.get(p, {}), torch_optimizer.state.get(tp, {})
        assert list(state) == list(torch_state)
        for key, value in state.items():
            expected_value = torch_state[key].numpy()
            assert value.numpy().dtype == expected_value.dtype, key
            assert value.shape == tuple(expected_value.shape), key
            if key == "step":
                assert value.item() == expected_value
            else:
                # states accumulate the trajectory's rounding differences (and ASGD's
                # average, Rprop's step sizes amplify them); compared more loosely
                np.testing.assert_allclose(value.numpy(), expected_value, rtol=1e-3,
                                           atol=1e-5 if dtype == np.float32 else 1e-10,
                                           err_msg=key)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("kwargs", RPROP_CONFIGS,
                         ids=["-".join(f"{k}={v}" for k, v in kw.items()) or "defaults"
                              for kw in RPROP_CONFIGS])
def test_rprop_trajectory_matches_torch_exactly(kwargs, dtype):
    """Rprop's update has no rounding beyond its step-size products, so with the same
    gradients (numpy's, from each library's own weights) the runs agree bitwise."""
    rng = np.random.default_rng(6)
    arrays = [rng.normal(size=s).astype(dtype) for s in [(4, 1, 3, 3), (4,), (5, 36)]]
    results = []
    for lib in (cynn, torch):
        params = [lib.from_numpy(a.copy()).requires_grad_() for a in arrays]
        optimizer = lib.optim.Rprop(params, **kwargs)
        for _ in range(N_STEPS):
            for p, g in zip(params, _grads_for([cynn.from_numpy(p.detach().numpy())
                                               for p in params])):
                p.grad = lib.from_numpy(g)
            optimizer.step()
        results.append([p.detach().numpy().copy() for p in params]
                       + [optimizer.state[p][k].numpy().copy() for p in params
                          for k in ("prev", "step_size")])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name,kwargs", [c for c in CONFIGS if not c[1]] + [("Rprop", {})],
                         ids=[i for c, i in zip(CONFIGS, CONFIG_IDS) if not c[1]] + ["Rprop"])
def test_state_dict_layout_matches_torch(name, kwargs):
    _, optimizer, _ = trajectory(cynn, name, kwargs, np.float32, n_steps=3)
    _, torch_optimizer, _ = trajectory(torch, name, kwargs, np.float32, n_steps=3)
    sd, torch_sd = optimizer.state_dict(), torch_optimizer.state_dict()
    assert list(sd) == ["state", "param_groups"]
    assert list(sd["state"]) == list(torch_sd["state"])
    assert sd["param_groups"] == torch_sd["param_groups"]
    for pid, state in sd["state"].items():
        assert list(state) == list(torch_sd["state"][pid])
    assert repr(optimizer) == repr(torch_optimizer)


@pytest.mark.parametrize("name,kwargs", [
    ("RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.9}),
    ("Adagrad", {"lr": 0.05, "lr_decay": 0.01}),
    ("Adadelta", {"lr": 0.5}),
    ("Adamax", {"lr": 0.01}),
    ("NAdam", {"lr": 0.01}),
    ("RAdam", {"lr": 0.01, "betas": (0.9, 0.9)}),
    ("ASGD", {"lr": 0.05, "t0": 10}),
    ("Rprop", {"lr": 0.001}),
])
def test_round_trip_and_torch_state_dict_continue_like_torch(name, kwargs):
    """Resuming from cynn's own state_dict, or from torch's (tensors turned into numpy
    arrays), continues the run as torch resumed from its state_dict does. (Loading
    casts 0-dim states such as ASGD's eta or NAdam's mu_product to the parameter's
    dtype, so a resumed run differs slightly from an uninterrupted one, in torch too.)"""
    half, rest = N_STEPS // 2, N_STEPS - N_STEPS // 2

    def resume(lib, saved, start):
        params = [lib.from_numpy(p.detach().numpy().copy()).requires_grad_() for p in start]
        optimizer = getattr(lib.optim, name)(params, lr=123.0)
        optimizer.load_state_dict(saved)
        assert optimizer.param_groups[0]["lr"] == kwargs["lr"]
        return trajectory(lib, name, None, np.float64, n_steps=rest, params=params,
                          optimizer=optimizer)[0]

    _, optimizer, params = trajectory(cynn, name, kwargs, np.float64, n_steps=half)
    _, torch_optimizer, torch_params = trajectory(torch, name, kwargs, np.float64,
                                                  n_steps=half)
    torch_sd = torch_optimizer.state_dict()
    # copies first: torch's load_state_dict keeps same-dtype state tensors (no copy)
    as_numpy = {"state": {pid: {k: v.numpy().copy() for k, v in s.items()}
                          for pid, s in torch_sd["state"].items()},
                "param_groups": copy.deepcopy(torch_sd["param_groups"])}
    expected = resume(torch, torch_sd, torch_params)
    assert_trajectories_close(resume(cynn, as_numpy, torch_params), expected, np.float64)
    saved = copy.deepcopy(optimizer.state_dict())
    assert_trajectories_close(resume(cynn, saved, params), expected, np.float64)


# ---------------------------------------------------------------------- kernel paths
def _grads_for(params):
    """Gradients from the weights (float64 maths, cast back), so that the values at
    each step depend on every earlier update and change sign along the way."""
    return [(np.sin(3 * p._data.astype(np.float64)) + 0.1 * (i + 1)).astype(p._data.dtype)
            for i, p in enumerate(params)]


def _run_arrays(name, kwargs, arrays, n_steps=12):
    params = [cynn.from_numpy(a).requires_grad_() for a in arrays]
    optimizer = getattr(cynn.optim, name)(params, **kwargs)
    for _ in range(n_steps):
        for p, g in zip(params, _grads_for(params)):
            p.grad = cynn.from_numpy(g)
        optimizer.step()
    return [np.ascontiguousarray(p.detach().numpy()) for p in params], optimizer


FALLBACK_CONFIGS = [
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.9, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.1, "maximize": True}),
    ("Adadelta", {"lr": 0.5, "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.01, "betas": (0.4, 0.9)}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.01, "betas": (0.9, 0.9), "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.01, "betas": (0.9, 0.9), "decoupled_weight_decay": True,
               "weight_decay": 0.1}),
    ("ASGD", {"lr": 0.05, "t0": 3, "lambd": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("Rprop", {"lr": 0.01, "etas": (0.4, 1.3), "step_sizes": (1e-3, 0.1)}),
    # the first optimizers follow the same rule
    ("Adam", {"lr": 0.01, "betas": (0.4, 0.9), "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
]
FALLBACK_IDS = [f"{n}-{i}" for i, (n, _) in enumerate(FALLBACK_CONFIGS)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", FALLBACK_CONFIGS, ids=FALLBACK_IDS)
def test_fused_kernel_equals_numpy_fallback_bitwise(name, kwargs, dtype):
    """Transposed (non-contiguous) parameters go through the numpy form of the update,
    contiguous ones through the kernel: the same operations, rounded the same way."""
    rng = np.random.default_rng(3)
    base = [rng.normal(size=(7, 5)).astype(dtype), rng.normal(size=(6, 9)).astype(dtype)]
    kernel, _ = _run_arrays(name, kwargs, [np.ascontiguousarray(a.T) for a in base])
    fallback, _ = _run_arrays(name, kwargs, [a.copy().T for a in base])
    assert not cynn.from_numpy(base[0].T).is_contiguous()
    for k, f in zip(kernel, fallback):
        np.testing.assert_array_equal(k, f)


@pytest.mark.parametrize("name,kwargs", FALLBACK_CONFIGS, ids=FALLBACK_IDS)
def test_float16_takes_the_numpy_path_close_to_torch(name, kwargs):
    rng = np.random.default_rng(4)
    arrays = [rng.normal(size=(4, 6)).astype(np.float16)]
    got, _ = _run_arrays(name, kwargs, [a.copy() for a in arrays], n_steps=5)
    params = [torch.from_numpy(a.copy()).requires_grad_() for a in arrays]
    optimizer = getattr(torch.optim, name)(params, **kwargs)
    for _ in range(5):
        for i, p in enumerate(params):
            w = p.detach().numpy().astype(np.float64)
            p.grad = torch.from_numpy((np.sin(3 * w) + 0.1 * (i + 1)).astype(np.float16))
        optimizer.step()
    assert got[0].dtype == np.float16
    # torch computes half updates in float32 and rounds once; numpy rounds each op
    np.testing.assert_allclose(got[0].astype(np.float32),
                               params[0].detach().numpy().astype(np.float32),
                               rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("foreach", [None, False])
@pytest.mark.parametrize("name,kwargs", FALLBACK_CONFIGS, ids=FALLBACK_IDS)
def test_one_and_two_threads_bitwise_identical(name, kwargs, foreach):
    """Large enough (> 65536 elements in one call) that two threads are really used."""
    rng = np.random.default_rng(5)
    base = [rng.normal(size=70001).astype(np.float32), rng.normal(size=(3, 5)).astype(np.float32),
            rng.normal(size=9000).astype(np.float64)]
    results = []
    for threads in (1, 2):
        cynn.set_num_threads(threads)
        got, _ = _run_arrays(name, dict(kwargs, foreach=foreach), [a.copy() for a in base],
                             n_steps=4)
        results.append(got)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_kernel_refuses_bad_lists_before_writing():
    from cynn._kernels import optim as kernels
    p = np.zeros(5, dtype=np.float32)
    with pytest.raises(ValueError, match="array 0 of parameter 0"):
        kernels.rmsprop_update([p], [np.zeros(4, dtype=np.float32)], [np.zeros(5, np.float32)],
                               None, None, 0.1, 0.9, 1e-8, 0.0, 0.0, False, 1)
    with pytest.raises(TypeError, match="neither float32 nor float64"):
        kernels.adadelta_update([p.astype(np.float16)], [p], [p], [p], 1.0, 0.9, 1e-6, 0.0,
                                False, 1)
    with pytest.raises(ValueError, match="differ in length"):
        kernels.rprop_update([p], [p], [p, p], [p], 0.5, 1.2, 1e-6, 50, False, 1)
    with pytest.raises(ValueError, match="shape"):
        kernels.asgd_update([p], [p], [p], np.zeros((2, 4)), 0.0, False, 1)
    with pytest.raises(ValueError, match="read-only"):
        ro = np.zeros(5, dtype=np.float32)
        ro.flags.writeable = False
        kernels.adagrad_update([p], [p], [ro], np.ones(1), 0.0, 1e-10, False, 1)
    np.testing.assert_array_equal(p, 0)


def test_params_without_grad_and_mixed_dtypes_in_one_group():
    params = [cynn.from_numpy(np.ones(3, dtype=np.float32)).requires_grad_(),
              cynn.from_numpy(np.ones(4, dtype=np.float64)).requires_grad_(),
              cynn.from_numpy(np.ones(2, dtype=np.float32)).requires_grad_()]
    torch_params = [torch.from_numpy(p.detach().numpy().copy()).requires_grad_()
                    for p in params]
    for lib, ps in ((cynn, params), (torch, torch_params)):
        optimizer = lib.optim.NAdam(ps, lr=0.1)
        for _ in range(3):
            ps[0].grad = lib.from_numpy(np.full(3, 0.5, dtype=np.float32))
            ps[1].grad = lib.from_numpy(np.full(4, -0.25, dtype=np.float64))
            optimizer.step()
    for p, tp in zip(params, torch_params):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-6)
    np.testing.assert_array_equal(params[2].detach().numpy(), 1)


# ---------------------------------------------------------------------- differentiable
DIFF_CONFIGS = [
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, weight_decay=0.1, maximize=True)),
    ("Adamax", dict(lr=0.1, weight_decay=0.1)),
    ("NAdam", dict(lr=0.1)),
    ("NAdam", dict(lr=0.1, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.1)),
    ("RAdam", dict(lr=0.1, betas=(0.9, 0.5), weight_decay=0.1, decoupled_weight_decay=True)),
    ("ASGD", dict(lr=0.1, weight_decay=0.1)),
    ("Rprop", dict(lr=0.1, maximize=True)),
]
# torch takes a Tensor lr in its differentiable path only where the lr enters through
# a Tensor op (NAdam, RAdam, ASGD); elsewhere it raises TypeError inside addcdiv_,
# while cynn differentiates with respect to it (checked by finite differences).
TENSOR_LR = {"NAdam", "RAdam", "ASGD"}


def _differentiable_run(lib, name, options, tensor_lr, n_steps):
    rng = np.random.default_rng(0)
    w = lib.tensor(rng.standard_normal(6), dtype=lib.float64, requires_grad=True)
    grads = [lib.tensor(rng.standard_normal(6), dtype=lib.float64, requires_grad=True)
             for _ in range(n_steps)]
    options = dict(options)
    lr = None
    if tensor_lr:
        lr = lib.tensor(options["lr"], dtype=lib.float64, requires_grad=True)
        options["lr"] = lr
    p = w * 1.0
    optimizer = getattr(lib.optim, name)([p], differentiable=True, **options)
    for g in grads:
        p.grad = g
        optimizer.step()
    (p ** 2).sum().backward()
    values = [p.detach().numpy().copy(), w.grad.numpy().copy()]
    values += [None if g.grad is None else g.grad.numpy().copy() for g in grads]
    if tensor_lr:
        values.append(None if lr.grad is None else lr.grad.numpy().copy())
    return values


@pytest.mark.parametrize("tensor_lr", [False, True])
@pytest.mark.parametrize("name,options", DIFF_CONFIGS,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(DIFF_CONFIGS)])
def test_differentiable_step_gradients_match_torch(name, options, tensor_lr):
    mine = _differentiable_run(cynn, name, options, tensor_lr, 1)
    theirs = _differentiable_run(torch, name, options, tensor_lr and name in TENSOR_LR, 1)
    if tensor_lr and name not in TENSOR_LR:
        # cynn keeps the lr in the graph here too: check d loss / d lr numerically
        lr_grad = mine.pop()

        def loss_at(lr):
            rng = np.random.default_rng(0)
            p = cynn.tensor(rng.standard_normal(6), dtype=cynn.float64, requires_grad=True)
            optimizer = getattr(cynn.optim, name)([p], **dict(options, lr=lr))
            p.grad = cynn.tensor(rng.standard_normal(6), dtype=cynn.float64)
            optimizer.step()
            return float((p.detach().numpy() ** 2).sum())

        h = 1e-3 * options["lr"]  # one step is at most quadratic in lr: no truncation
        numeric = (loss_at(options["lr"] + h) - loss_at(options["lr"] - h)) / (2 * h)
        np.testing.assert_allclose(lr_grad, numeric, rtol=1e-6, atol=1e-9)
    # torch's differentiable NAdam computes its momentum products in float32 tensors
    tol = {"rtol": 1e-6, "atol": 1e-8} if name == "NAdam" else {"rtol": 1e-12, "atol": 1e-14}
    for a, b in zip(mine, theirs):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, **tol)


@pytest.mark.parametrize("name,options", DIFF_CONFIGS,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(DIFF_CONFIGS)])
def test_differentiable_steps_follow_the_kernel_trajectory(name, options):
    """Several differentiable steps give the parameters the fused kernel gives."""
    rng = np.random.default_rng(1)
    start, grads = rng.standard_normal(6), rng.standard_normal((4, 6))
    finals = []
    for differentiable in (False, True):
        p = cynn.tensor(start, dtype=cynn.float64, requires_grad=True)
        q = p * 1.0 if differentiable else p
        optimizer = getattr(cynn.optim, name)([q], differentiable=differentiable, **options)
        for g in grads:
            q.grad = cynn.tensor(g, dtype=cynn.float64)
            optimizer.step()
        finals.append(q.detach().numpy().copy())
    np.testing.assert_allclose(finals[1], finals[0], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["RAdam", "ASGD"])
def test_differentiable_steps_backward_through_several_steps(name):
    """Gradient of the final parameters with respect to the first ones, by float64
    central differences of the kernel path."""
    rng = np.random.default_rng(2)
    start, grads = rng.standard_normal(4), rng.standard_normal((3, 4))
    options = dict(lr=0.1, weight_decay=0.2)

    def final(x, differentiable):
        p = cynn.tensor(x, dtype=cynn.float64, requires_grad=True)
        q = p * 1.0 if differentiable else p.detach()
        optimizer = getattr(cynn.optim, name)([q], differentiable=differentiable, **options)
        for g in grads:
            q.grad = cynn.tensor(g, dtype=cynn.float64)
            optimizer.step()
        return p, q

    p, q = final(start, True)
    q.sum().backward()
    numeric = np.empty(4)
    for i in range(4):
        e = np.zeros(4)
        e[i] = 1e-6
        numeric[i] = (final(start + e, False)[1].detach().numpy().sum()
                      - final(start - e, False)[1].detach().numpy().sum()) / 2e-6
    np.testing.assert_allclose(p.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------- errors
def _one_param(lib):
    return [lib.zeros(2, requires_grad=True)]


ERROR_CASES = [
    ("RMSprop", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("RMSprop", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("RMSprop", {"momentum": -0.5}, "Invalid momentum value: -0.5"),
    ("RMSprop", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("RMSprop", {"alpha": -0.1}, "Invalid alpha value: -0.1"),
    ("Adagrad", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("Adagrad", {"lr_decay": -1.0}, "Invalid lr_decay value: -1.0"),
    ("Adagrad", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("Adagrad", {"initial_accumulator_value": -1.0},
     "Invalid initial_accumulator_value value: -1.0"),
    ("Adagrad", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("Adadelta", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("Adadelta", {"rho": 1.5}, "Invalid rho value: 1.5"),
    ("Adadelta", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("Adadelta", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("Adamax", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("Adamax", {"betas": (1.0, 0.9)}, "Invalid beta parameter at index 0: 1.0"),
    ("Adamax", {"betas": (0.9, -0.1)}, r"Invalid beta parameter at index 1: -0.1"),
    ("Adamax", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("NAdam", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("NAdam", {"momentum_decay": -1.0}, "Invalid momentum_decay value: -1.0"),
    ("NAdam", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("NAdam", {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
    ("RAdam", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("RAdam", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("RAdam", {"betas": (-0.5, 0.9)}, r"Invalid beta parameter at index 0: -0.5"),
    ("ASGD", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("ASGD", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("Rprop", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("Rprop", {"etas": (1.5, 1.2)}, "Invalid eta values: 1.5, 1.2"),
    ("Rprop", {"etas": (0.5, 0.9)}, "Invalid eta values: 0.5, 0.9"),
]


@pytest.mark.parametrize("name,kwargs,match", ERROR_CASES,
                         ids=[f"{n}-{list(k)[0]}-{i}" for i, (n, k, _) in enumerate(ERROR_CASES)])
def test_bad_arguments_raise_like_torch(name, kwargs, match):
    helper_test_exception(lambda lib: getattr(lib.optim, name)(_one_param(lib), **kwargs),
                          ValueError, match=match)


def test_tensor_lr_must_have_one_element():
    for name in ("RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD",
                 "Rprop", "LBFGS"):
        helper_test_exception(lambda lib: getattr(lib.optim, name)(
            _one_param(lib), lr=lib.tensor([0.1, 0.2])), ValueError,
            match="Tensor lr must be 1-element")


@pytest.mark.parametrize("kwargs,match", [
    ({"fused": True, "foreach": True}, "`fused` and `foreach` cannot be `True` together."),
    ({"fused": True, "differentiable": True}, "`fused` does not support `differentiable`"),
])
def test_adagrad_fused_refusals_match_torch(kwargs, match):
    helper_test_exception(lambda lib: lib.optim.Adagrad(_one_param(lib), **kwargs),
                          RuntimeError, match=match)


@pytest.mark.parametrize("name", ["RMSprop", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD",
                                  "Rprop"])
def test_capturable_needs_cuda_graphs(name):
    with pytest.raises(ValueError, match="capturable=True"):
        getattr(cynn.optim, name)(_one_param(cynn), capturable=True)


@pytest.mark.parametrize("name", ["RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
                                  "ASGD", "Rprop", "Adam"])
def test_differentiable_with_foreach_raises_at_step_like_torch(name):
    def run(lib):
        p = lib.zeros(3, requires_grad=True) * 1.0
        optimizer = getattr(lib.optim, name)([p], foreach=True, differentiable=True)
        p.grad = lib.ones(3)
        optimizer.step()
    helper_test_exception(run, AssertionError, match="_foreach ops don't support autograd")


def test_empty_parameter_list_raises_like_torch():
    helper_test_exception(lambda lib: lib.optim.RAdam([]), ValueError,
                          match="optimizer got an empty parameter list")


def test_adagrad_creates_state_at_construction_like_torch():
    for lib in (cynn, torch):
        params = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
        optimizer = lib.optim.Adagrad(params, initial_accumulator_value=0.25, fused=True)
        assert list(optimizer.state[params[1]]) == ["step", "sum"]
        assert optimizer.state[params[1]]["step"].dtype == lib.float32
        np.testing.assert_array_equal(optimizer.state[params[1]]["sum"].numpy(), 0.25)


def test_step_counter_is_float64_under_float64_default_dtype():
    for lib in (cynn, torch):
        previous = lib.get_default_dtype()
        lib.set_default_dtype(lib.float64)
        try:
            p = lib.zeros(2, requires_grad=True)
            optimizer = lib.optim.NAdam([p])
            p.grad = lib.ones(2)
            optimizer.step()
            assert optimizer.state[p]["step"].dtype == lib.float64
            assert optimizer.state[p]["mu_product"].dtype == lib.float64
        finally:
            lib.set_default_dtype(previous)
