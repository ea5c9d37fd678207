"""cynn.optim.lr_scheduler against torch.optim.lr_scheduler: lr sequences step by step,
state_dict, resuming, and the call-order warning."""
import math
import warnings

import pytest

import cynn
from helpers import helper_test_exception, torch_module

torch = torch_module()

N_EPOCHS = 40


def make_optimizer(lib, opt_name="SGD", lrs=(0.1, 0.05)):
    """An optimizer with one group per lr (each with its own 2-element parameter)."""
    groups = [{"params": [lib.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    return getattr(lib.optim, opt_name)(groups, lr=lrs[0])


def scheduler_of(lib, name, kwargs, optimizer):
    return getattr(lib.optim.lr_scheduler, name)(optimizer, **kwargs)


def lr_sequence(lib, name, kwargs, n_epochs=N_EPOCHS, opt_name="SGD"):
    """``get_last_lr()`` and the groups' lrs after creation and after each epoch."""
    optimizer = make_optimizer(lib, opt_name)
    scheduler = scheduler_of(lib, name, kwargs, optimizer)
    seq = [(scheduler.get_last_lr(), [g["lr"] for g in optimizer.param_groups])]
    for _ in range(n_epochs):
        optimizer.step()
        scheduler.step()
        seq.append((scheduler.get_last_lr(), [g["lr"] for g in optimizer.param_groups]))
    return seq, scheduler, optimizer


SCHEDULERS = [
    ("StepLR", {"step_size": 7}),
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [5, 12, 12, 30], "gamma": 0.3}),
    ("MultiStepLR", {"milestones": [2, 4]}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}),
    ("CosineAnnealingLR", {"T_max": 1, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": lambda epoch: 0.95 ** epoch}),
    ("LambdaLR", {"lr_lambda": [lambda epoch: epoch // 3, lambda epoch: 1 / (1 + epoch)]}),
    ("MultiplicativeLR", {"lr_lambda": lambda epoch: 0.9}),
    ("ConstantLR", {"factor": 0.5, "total_iters": 4}),
    ("LinearLR", {"start_factor": 0.1, "total_iters": 8}),
    ("LinearLR", {"start_factor": 1.0, "end_factor": 0.2, "total_iters": 5}),
]
_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items() if k != 'lr_lambda')}"
        f"{'-lambda' if 'lr_lambda' in kw else ''}{i}" for i, (name, kw) in enumerate(SCHEDULERS)]


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=_IDS)
def test_lr_sequence_matches_torch(name, kwargs):
    got, _, _ = lr_sequence(cynn, name, kwargs)
    expected, _, _ = lr_sequence(torch, name, kwargs)
    # same double-precision recursions, so the floats agree exactly
    assert got == expected


def test_cosine_annealing_follows_the_closed_form_through_several_periods():
    t_max, eta_min, base = 10, 0.001, 0.1
    seq, _, _ = lr_sequence(cynn, "CosineAnnealingLR", {"T_max": t_max, "eta_min": eta_min},
                            n_epochs=5 * t_max)
    for epoch, (last_lr, _) in enumerate(seq):
        closed = eta_min + (base - eta_min) * (1 + math.cos(math.pi * epoch / t_max)) / 2
        assert last_lr[0] == pytest.approx(closed, rel=1e-9, abs=1e-12)
    assert seq[t_max][0][0] == pytest.approx(eta_min)
    assert seq[2 * t_max][0][0] == pytest.approx(base)


@pytest.mark.parametrize("name,kwargs", [
    ("StepLR", {"step_size": 3}),
    ("MultiStepLR", {"milestones": [2, 5, 5]}),
    ("ExponentialLR", {"gamma": 0.8}),
    ("CosineAnnealingLR", {"T_max": 6, "eta_min": 0.01}),
    ("LinearLR", {"start_factor": 0.25, "total_iters": 4}),
])
def test_step_with_explicit_epoch_uses_closed_form_like_torch(name, kwargs):
    results = []
    for lib in (cynn, torch):
        optimizer = make_optimizer(lib)
        scheduler = scheduler_of(lib, name, kwargs, optimizer)
        lrs = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in (4, 9, 1, 7):
                optimizer.step()
                scheduler.step(epoch)
                lrs.append(scheduler.get_last_lr())
        results.append(lrs)
    assert results[0] == results[1]


def test_initial_lr_is_recorded_in_param_groups():
    optimizer = make_optimizer(cynn)
    scheduler = cynn.optim.lr_scheduler.StepLR(optimizer, step_size=2)
    assert [g["initial_lr"] for g in optimizer.param_groups] == [0.1, 0.05]
    assert scheduler.base_lrs == [0.1, 0.05]
    assert scheduler.last_epoch == 0
    assert "initial_lr: 0.1" in repr(optimizer)


@pytest.mark.parametrize("name,kwargs", [
    ("StepLR", {"step_size": 4, "gamma": 0.5}),
    ("CosineAnnealingLR", {"T_max": 9, "eta_min": 0.002}),
    ("MultiStepLR", {"milestones": [3, 8]}),
])
def test_state_dict_keys_match_torch_and_resume_continues(name, kwargs):
    _, scheduler, optimizer = lr_sequence(cynn, name, kwargs, n_epochs=6)
    _, torch_scheduler, _ = lr_sequence(torch, name, kwargs, n_epochs=6)
    sd = scheduler.state_dict()
    assert sorted(sd) == sorted(torch_scheduler.state_dict())
    assert sd["last_epoch"] == 6

    # a fresh optimizer + scheduler restored from the checkpoints go on identically
    resumed_optimizer = make_optimizer(cynn)
    resumed = scheduler_of(cynn, name, kwargs, resumed_optimizer)
    resumed_optimizer.load_state_dict(optimizer.state_dict())
    resumed.load_state_dict(sd)
    for _ in range(20):
        for opt, sched in ((optimizer, scheduler), (resumed_optimizer, resumed)):
            opt.step()
            sched.step()
        assert resumed.get_last_lr() == scheduler.get_last_lr()
        assert [g["lr"] for g in resumed_optimizer.param_groups] == \
            [g["lr"] for g in optimizer.param_groups]


def test_resuming_with_last_epoch_without_initial_lr_raises_like_torch():
    helper_test_exception(
        lambda lib: lib.optim.lr_scheduler.StepLR(make_optimizer(lib), 3, last_epoch=5),
        KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]")


def test_scheduler_needs_an_optimizer():
    helper_test_exception(lambda lib: lib.optim.lr_scheduler.StepLR(object(), 3), TypeError,
                          match="object is not an Optimizer")


def test_lambda_lr_wrong_number_of_lambdas_raises_like_torch():
    helper_test_exception(
        lambda lib: lib.optim.lr_scheduler.LambdaLR(make_optimizer(lib), [lambda e: 1.0]),
        ValueError, match="Expected 2 lr_lambdas, but got 1")


def test_warns_when_scheduler_steps_before_optimizer():
    optimizer = make_optimizer(cynn)
    scheduler = cynn.optim.lr_scheduler.StepLR(optimizer, step_size=2)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before"):
        scheduler.step()


def test_no_warning_in_the_right_order():
    optimizer = make_optimizer(cynn)
    scheduler = cynn.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            optimizer.step()
            scheduler.step()
    assert scheduler.get_last_lr() == [0.1 * 0.5 ** 3, 0.05 * 0.5 ** 3]


def test_two_schedulers_on_one_optimizer_compose_like_torch():
    results = []
    for lib in (cynn, torch):
        optimizer = make_optimizer(lib)
        warmup = lib.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.2, total_iters=4)
        decay = lib.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
        lrs = []
        for _ in range(12):
            optimizer.step()
            warmup.step()
            decay.step()
            lrs.append([g["lr"] for g in optimizer.param_groups])
        results.append(lrs)
    assert results[0] == results[1]


def test_adam_learning_rate_follows_the_scheduler():
    optimizer = make_optimizer(cynn, "Adam")
    scheduler = cynn.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    optimizer.step()
    scheduler.step()
    assert [g["lr"] for g in optimizer.param_groups] == [0.05, 0.025]


@pytest.mark.parametrize("kwargs", [
    {},
    {"mode": "max", "factor": 0.5, "patience": 1, "cooldown": 1},
    {"patience": 2, "threshold": 0.1, "threshold_mode": "abs", "min_lr": [0.02, 0.001]},
])
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    metrics = [1.0, 0.9, 0.95, 0.95, 0.97, 0.89, 0.92, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99,
               0.99, 0.99, 0.99, 0.99, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.0, 1.0]
    results = []
    for lib in (cynn, torch):
        optimizer = make_optimizer(lib)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **kwargs)
        lrs = []
        for metric in metrics:
            optimizer.step()
            scheduler.step(lib.tensor(metric))
            lrs.append(scheduler.get_last_lr())
        results.append(lrs)
    assert results[0] == results[1]
    assert results[0][-1] != results[0][0]
