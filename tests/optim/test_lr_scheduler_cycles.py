"""OneCycleLR, CyclicLR, CosineAnnealingWarmRestarts, PolynomialLR, SequentialLR and
ChainedScheduler against torch.optim.lr_scheduler: lr (and momentum) sequences,
state_dict round trips, and torch's errors for bad arguments."""
import copy
import warnings

import numpy as np
import pytest

import cynn
from helpers import helper_test_exception, torch_module

torch = torch_module()

N_STEPS = 60


def make_optimizer(lib, opt_name="SGD", lrs=(0.1, 0.05)):
    groups = [{"params": [lib.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    kwargs = {"momentum": 0.9} if opt_name == "SGD" else {}
    return getattr(lib.optim, opt_name)(groups, lr=lrs[0], **kwargs)


def _momentum(group):
    return group["betas"][0] if "betas" in group else group["momentum"]


BUILDERS = {
    "PolynomialLR": lambda s, o: s.PolynomialLR(o, total_iters=17, power=2.0),
    "PolynomialLR-linear": lambda s, o: s.PolynomialLR(o),
    "CyclicLR": lambda s, o: s.CyclicLR(o, 0.01, [0.1, 0.2], step_size_up=3,
                                        step_size_down=5),
    "CyclicLR-triangular2": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=4,
                                                    mode="triangular2"),
    "CyclicLR-exp_range": lambda s, o: s.CyclicLR(o, [0.01, 0.02], 0.1, step_size_up=4,
                                                  mode="exp_range", gamma=0.95,
                                                  base_momentum=0.7, max_momentum=0.95),
    "CyclicLR-scale_fn": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=2,
                                                 scale_fn=lambda x: 1 / (1 + x),
                                                 scale_mode="iterations",
                                                 cycle_momentum=False),
    "CosineAnnealingWarmRestarts": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=5),
    "CosineAnnealingWarmRestarts-mult": lambda s, o: s.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.001),
    "OneCycleLR": lambda s, o: s.OneCycleLR(o, max_lr=[0.5, 1.0], total_steps=N_STEPS),
    "OneCycleLR-linear-3phase": lambda s, o: s.OneCycleLR(
        o, max_lr=0.5, epochs=6, steps_per_epoch=10, three_phase=True,
        anneal_strategy="linear", div_factor=10.0, final_div_factor=100.0),
    "OneCycleLR-no-momentum": lambda s, o: s.OneCycleLR(o, max_lr=0.3, total_steps=N_STEPS,
                                                         pct_start=0.5, cycle_momentum=False),
    "SequentialLR": lambda s, o: s.SequentialLR(
        o, [s.LinearLR(o, start_factor=0.1, total_iters=3), s.ExponentialLR(o, gamma=0.9),
            s.StepLR(o, 3)], milestones=[3, 10]),
    "SequentialLR-cosine": lambda s, o: s.SequentialLR(
        o, [s.ConstantLR(o, factor=0.5, total_iters=2),
            s.CosineAnnealingLR(o, T_max=8)], milestones=[5]),
    "ChainedScheduler": lambda s, o: s.ChainedScheduler(
        [s.ConstantLR(o, factor=0.1, total_iters=2), s.ExponentialLR(o, gamma=0.9)]),
    "ChainedScheduler-poly": lambda s, o: s.ChainedScheduler(
        [s.PolynomialLR(o, total_iters=20), s.MultiStepLR(o, milestones=[5, 9])], optimizer=o),
}


def lr_sequence(lib, builder, opt_name="SGD", n_steps=N_STEPS):
    """Per step: get_last_lr(), the groups' lrs and momentums (or beta1)."""
    optimizer = make_optimizer(lib, opt_name)
    scheduler = builder(lib.optim.lr_scheduler, optimizer)

    def record():
        return (list(scheduler.get_last_lr()), [g["lr"] for g in optimizer.param_groups],
                [_momentum(g) for g in optimizer.param_groups])
    seq = [record()]
    for _ in range(n_steps):
        optimizer.step()
        scheduler.step()
        seq.append(record())
    return seq, scheduler, optimizer


def assert_sequences_equal(got, expected):
    for step, (g, e) in enumerate(zip(got, expected)):
        for a, b in zip(g, e):
            np.testing.assert_allclose(np.array(a, dtype=float), np.array(b, dtype=float),
                                       rtol=1e-12, atol=1e-15, err_msg=f"step {step}")
    assert len(got) == len(expected)


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
@pytest.mark.parametrize("name", list(BUILDERS))
def test_sequence_matches_torch(name, opt_name):
    got, scheduler, _ = lr_sequence(cynn, BUILDERS[name], opt_name)
    expected, torch_scheduler, _ = lr_sequence(torch, BUILDERS[name], opt_name)
    assert_sequences_equal(got, expected)
    assert sorted(scheduler.state_dict()) == sorted(torch_scheduler.state_dict())
    assert isinstance(scheduler, cynn.optim.lr_scheduler.LRScheduler)


@pytest.mark.parametrize("name", list(BUILDERS))
def test_state_dict_round_trip_resumes_the_sequence(name):
    """Save half way, load into a fresh scheduler (and optimizer), continue: the same
    lrs as the uninterrupted run."""
    expected, _, _ = lr_sequence(cynn, BUILDERS[name])
    optimizer = make_optimizer(cynn)
    scheduler = BUILDERS[name](cynn.optim.lr_scheduler, optimizer)
    half = N_STEPS // 2
    for _ in range(half):
        optimizer.step()
        scheduler.step()
    saved_scheduler = copy.deepcopy(scheduler.state_dict())
    saved_optimizer = copy.deepcopy(optimizer.state_dict())

    fresh_optimizer = make_optimizer(cynn)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fresh = BUILDERS[name](cynn.optim.lr_scheduler, fresh_optimizer)
    fresh_optimizer.load_state_dict(saved_optimizer)
    fresh.load_state_dict(saved_scheduler)
    assert fresh.get_last_lr() == expected[half][0]
    for step in range(half, N_STEPS):
        fresh_optimizer.step()
        fresh.step()
        np.testing.assert_allclose(fresh.get_last_lr(), expected[step + 1][0], rtol=1e-12)


def test_cosine_warm_restarts_fractional_and_jumping_epochs_match_torch():
    sequences = []
    for lib in (cynn, torch):
        optimizer = make_optimizer(lib)
        scheduler = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=4,
                                                                       T_mult=2)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the epoch argument's deprecation warning
            for epoch in [0.5, 1.25, 3.9, 4.0, 11.5, 30, 2]:
                optimizer.step()
                scheduler.step(epoch)
                seq.append((scheduler.get_last_lr(), scheduler.T_cur, scheduler.T_i,
                            scheduler.last_epoch))
            scheduler.step()
            seq.append((scheduler.get_last_lr(), scheduler.T_cur, scheduler.T_i,
                        scheduler.last_epoch))
        sequences.append(seq)
    for a, b in zip(*sequences):
        np.testing.assert_allclose(a[0], b[0], rtol=1e-12)
        assert a[1:] == pytest.approx(b[1:])


def test_cyclic_lr_callable_scale_fn_state_is_saved():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, x):
            return self.rate ** x

    optimizer = make_optimizer(cynn)
    fn = Decay()
    scheduler = cynn.optim.lr_scheduler.CyclicLR(optimizer, 0.01, 0.1, scale_fn=fn)
    fn.rate = 0.25
    state = scheduler.state_dict()
    assert state["_scale_fn_custom"] == {"rate": 0.25}
    assert "_scale_fn_ref" not in state
    other = Decay()
    fresh = cynn.optim.lr_scheduler.CyclicLR(make_optimizer(cynn), 0.01, 0.1, scale_fn=other)
    fresh.load_state_dict(state)
    assert other.rate == 0.25
    plain = cynn.optim.lr_scheduler.CyclicLR(make_optimizer(cynn), 0.01, 0.1)
    assert plain.state_dict()["_scale_fn_custom"] is None


def test_one_cycle_raises_past_total_steps_like_torch():
    def run(lib):
        optimizer = make_optimizer(lib)
        scheduler = lib.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=3)
        for _ in range(4):
            optimizer.step()
            scheduler.step()
    helper_test_exception(run, ValueError,
                          match="Tried to step 4 times. The specified number of total steps "
                                "is 3")


def _sched(name, **kwargs):
    return lambda lib: getattr(lib.optim.lr_scheduler, name)(make_optimizer(lib), **kwargs)


ERRORS = [
    (_sched("OneCycleLR", max_lr=0.1), "You must define either total_steps OR"),
    (_sched("OneCycleLR", max_lr=0.1, total_steps=0),
     "Expected positive integer total_steps, but got 0"),
    (_sched("OneCycleLR", max_lr=0.1, epochs=0, steps_per_epoch=3),
     "Expected positive integer epochs, but got 0"),
    (_sched("OneCycleLR", max_lr=0.1, epochs=2, steps_per_epoch=-1),
     "Expected positive integer steps_per_epoch, but got -1"),
    (_sched("OneCycleLR", max_lr=0.1, total_steps=10, pct_start=1.5),
     "Expected float between 0 and 1 pct_start, but got 1.5"),
    (_sched("OneCycleLR", max_lr=0.1, total_steps=10, anneal_strategy="step"),
     "anneal_strategy must be one of 'cos' or 'linear', instead got step"),
    (_sched("OneCycleLR", max_lr=[0.1, 0.2, 0.3], total_steps=10),
     "max_lr must have the same length as optimizer.param_groups"),
    (_sched("CyclicLR", base_lr=0.01, max_lr=0.1, mode="sawtooth"),
     "mode is invalid and scale_fn is None"),
    (_sched("CyclicLR", base_lr=[0.01], max_lr=0.1),
     "base_lr must have the same length as optimizer.param_groups"),
    (_sched("CosineAnnealingWarmRestarts", T_0=0), "Expected positive integer T_0, but got 0"),
    (_sched("CosineAnnealingWarmRestarts", T_0=2.5),
     "Expected positive integer T_0, but got 2.5"),
    (_sched("CosineAnnealingWarmRestarts", T_0=2, T_mult=0),
     "Expected integer T_mult >= 1, but got 0"),
    (_sched("CosineAnnealingWarmRestarts", T_0=2, eta_min="0"),
     "Expected float or int eta_min, but got 0"),
    (_sched("SequentialLR", schedulers=[], milestones=[]),
     "SequentialLR expects at least one scheduler, but got no scheduler."),
    (lambda lib: lib.optim.lr_scheduler.ChainedScheduler([]),
     "ChainedScheduler expects at least one scheduler to be chained"),
]


@pytest.mark.parametrize("build,match", ERRORS, ids=[m[:40] for _, m in ERRORS])
def test_bad_arguments_raise_like_torch(build, match):
    helper_test_exception(build, ValueError, match=match)


def test_one_cycle_and_cyclic_need_momentum_to_cycle_it():
    def build(lib, name, **kwargs):
        optimizer = lib.optim.Adagrad([lib.zeros(2, requires_grad=True)])
        return getattr(lib.optim.lr_scheduler, name)(optimizer, **kwargs)
    for name, kwargs in (("OneCycleLR", {"max_lr": 0.1, "total_steps": 5}),
                         ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1})):
        helper_test_exception(lambda lib: build(lib, name, **kwargs), ValueError,
                              match="optimizer must support momentum or beta1 with "
                                    "`cycle_momentum` option enabled")


def test_composite_schedulers_check_their_parts_like_torch():
    def mixed(lib):
        first, second = make_optimizer(lib), make_optimizer(lib)
        s = lib.optim.lr_scheduler
        return s.SequentialLR(first, [s.ExponentialLR(first, 0.9), s.ExponentialLR(second, 0.9)],
                              milestones=[2])
    helper_test_exception(mixed, ValueError,
                          match="expects all schedulers to belong to the same optimizer")

    def plateau(lib):
        optimizer = make_optimizer(lib)
        s = lib.optim.lr_scheduler
        return s.ChainedScheduler([s.ReduceLROnPlateau(optimizer)])
    helper_test_exception(plateau, ValueError,
                          match="does not support `ReduceLROnPlateau` scheduler")

    def milestones(lib):
        optimizer = make_optimizer(lib)
        s = lib.optim.lr_scheduler
        return s.SequentialLR(optimizer, [s.ExponentialLR(optimizer, 0.9)], milestones=[3])
    helper_test_exception(milestones, ValueError,
                          match="Sequential Schedulers expects number of schedulers provided "
                                "to be one more than the number of milestone points")

    def not_a_scheduler(lib):
        optimizer = make_optimizer(lib)
        return lib.optim.lr_scheduler.ChainedScheduler([object()], optimizer=optimizer)
    helper_test_exception(not_a_scheduler, TypeError,
                          match="ChainedScheduler at index 0 should have `optimizer` as its "
                                "attribute.")


def test_all_of_torch_schedulers_exist():
    assert sorted(cynn.optim.lr_scheduler.__all__) == sorted(torch.optim.lr_scheduler.__all__)
