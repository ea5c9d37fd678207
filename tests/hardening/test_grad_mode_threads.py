"""Grad mode is per thread (as in PyTorch): inference under ``no_grad`` in one thread
must not change what another thread's training records."""
import sys
import threading

import numpy as np
import pytest

import cynn
from cynn import nn

STEPS = 300


@pytest.fixture
def fast_switching():
    # Switch threads every few microseconds, so that the two threads interleave
    # inside single ops rather than only between steps.
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def _model(seed):
    cynn.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))


def _data():
    rng = np.random.default_rng(1)
    return (cynn.tensor(rng.standard_normal((16, 4)).astype(np.float32)),
            cynn.tensor(rng.standard_normal((16, 1)).astype(np.float32)))


def _train(model, errors, record):
    """300 SGD steps; every exception is kept in ``errors`` (a thread cannot raise
    into the test), the losses and final parameters in ``record``."""
    opt = cynn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x, y = _data()
    for _ in range(STEPS):
        try:
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            missing = [n for n, p in model.named_parameters() if p.grad is None]
            assert not missing, f"no .grad after backward for {missing}"
            opt.step()
            record["losses"].append(loss.item())
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
    record["params"] = [p.detach().numpy().copy() for p in model.parameters()]


def _infer(model, stop, errors, counts):
    x, _ = _data()
    try:
        while not stop.is_set():
            with cynn.no_grad():
                out = model(x)
                assert not out.requires_grad
            counts[0] += 1
    except Exception as exc:  # noqa: BLE001
        errors.append(exc)


def test_training_beside_no_grad_inference_equals_training_alone(fast_switching):
    alone_errors, alone = [], {"losses": []}
    _train(_model(0), alone_errors, alone)
    assert not alone_errors

    errors, record, stop, counts = [], {"losses": []}, threading.Event(), [0]
    infer_errors = []
    # both models are built here: cynn's generator is one per process (as torch's), so
    # seeding and drawing initial weights in two threads at once would interleave
    trainer = threading.Thread(target=_train, args=(_model(0), errors, record))
    inferer = threading.Thread(target=_infer, args=(_model(1), stop, infer_errors, counts))
    inferer.start()
    trainer.start()
    trainer.join()
    stop.set()
    inferer.join()

    assert not errors, f"{len(errors)} of {STEPS} training steps raised, first: {errors[0]!r}"
    assert not infer_errors, infer_errors[0]
    assert counts[0] > 0, "the inference thread never ran beside the training"
    assert record["losses"] == alone["losses"]
    for got, expected in zip(record["params"], alone["params"]):
        np.testing.assert_array_equal(got, expected)
    assert alone["losses"][-1] < alone["losses"][0]


def _mode_in_new_thread():
    seen = []
    t = threading.Thread(target=lambda: seen.append(
        (cynn.is_grad_enabled(), cynn.is_inference_mode_enabled())))
    t.start()
    t.join()
    return seen[0]


@pytest.mark.parametrize("context", [cynn.no_grad, cynn.inference_mode,
                                     lambda: cynn.set_grad_enabled(False)])
def test_a_new_thread_starts_with_grad_enabled(context):
    with context():
        assert _mode_in_new_thread() == (True, False)
    cynn.set_grad_enabled(False)
    try:
        assert _mode_in_new_thread() == (True, False)
    finally:
        cynn.set_grad_enabled(True)


def test_no_grad_in_another_thread_leaves_this_thread_recording():
    x = cynn.ones(3, requires_grad=True)
    inside, release = threading.Event(), threading.Event()

    def hold_no_grad():
        with cynn.no_grad():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=hold_no_grad)
    t.start()
    try:
        assert inside.wait(10)
        assert cynn.is_grad_enabled()
        y = (x * 2).sum()
        assert y.requires_grad
        y.backward()
        assert x.grad.tolist() == [2.0, 2.0, 2.0]
    finally:
        release.set()
        t.join()
    assert cynn.is_grad_enabled()


def test_one_context_object_entered_by_two_threads_restores_each_threads_mode():
    # A module-level `no_grad()` shared by threads: each exit restores its own
    # thread's previous mode, not the other thread's.
    shared = cynn.no_grad()
    entered, release = threading.Barrier(2), threading.Event()
    after = {}

    def run(name, initial):
        cynn.set_grad_enabled(initial)
        with shared:
            entered.wait(10)
            if name == "a":
                release.wait(10)
        after[name] = cynn.is_grad_enabled()
        if name == "b":
            release.set()

    threads = [threading.Thread(target=run, args=("a", True)),
               threading.Thread(target=run, args=("b", False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert after == {"a": True, "b": False}


def test_backward_from_two_threads_into_shared_leaves_loses_no_gradient(fast_switching):
    # numpy's in-place add releases the GIL on large arrays: without a lock around the
    # accumulation, concurrent backward calls overwrite each other's sums
    w = cynn.zeros(200_000, requires_grad=True)
    x = cynn.ones(200_000)
    steps, errors = 60, []

    def run():
        try:
            for _ in range(steps):
                (w * x).sum().backward()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    for _ in range(3):
        w.grad = None
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors[0]
        np.testing.assert_array_equal(w.grad.numpy(), np.full(200_000, 2.0 * steps, np.float32))
