"""``Tensor.register_post_accumulate_grad_hook`` and ``engine.queue_callback``: the two
places DistributedDataParallel hooks into backward, checked against torch."""
import numpy as np
import pytest
import torch

import cynn
from cynn.autograd import engine


def _seen_grads_after_two_uses(lib):
    """The .grad a post-accumulate hook sees for a leaf used twice, over two backwards."""
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    a.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.detach().clone().numpy()))
    for _ in range(2):
        (a * 3 + a * a).sum().backward()
    return seen


def test_hook_runs_once_per_backward_after_accumulation_as_torch():
    ours, theirs = _seen_grads_after_two_uses(cynn), _seen_grads_after_two_uses(torch)
    assert len(ours) == len(theirs) == 2
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o, t)


def test_hook_is_not_run_by_autograd_grad():
    a = cynn.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    a.register_post_accumulate_grad_hook(calls.append)
    cynn.autograd.grad((a * 2).sum(), a)
    assert calls == [] and a.grad is None


def test_removed_hook_no_longer_runs():
    a = cynn.tensor([1.0], requires_grad=True)
    calls = []
    handle = a.register_post_accumulate_grad_hook(calls.append)
    (a * 2).sum().backward()
    handle.remove()
    (a * 2).sum().backward()
    assert len(calls) == 1 and calls[0] is a


@pytest.mark.parametrize("lib", [cynn, torch])
def test_registration_errors_as_torch(lib):
    with pytest.raises(RuntimeError, match="non-leaf"):
        (lib.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(print)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        lib.ones(2).register_post_accumulate_grad_hook(print)


def test_hook_returning_a_value_raises_type_error_as_torch():
    a = cynn.ones(2, requires_grad=True)
    a.register_post_accumulate_grad_hook(lambda t: 5)
    with pytest.raises(TypeError, match="int"):
        (a * 2).sum().backward()


def test_queued_callbacks_run_after_the_last_grad_in_order():
    a = cynn.ones(2, requires_grad=True)
    b = cynn.ones(2, requires_grad=True)
    events = []

    def queue_from_hook(grad):
        events.append("hook")
        engine.queue_callback(lambda: events.append(("first", b.grad is not None)))
        engine.queue_callback(lambda: engine.queue_callback(lambda: events.append("nested")))

    a.register_hook(queue_from_hook)
    (a * b).sum().backward()
    assert events == ["hook", ("first", True), "nested"]
    (a * b).sum().backward()   # each pass queues afresh: nothing left from the first
    assert events.count("nested") == 2


def test_queue_callback_outside_backward_raises_as_torch():
    with pytest.raises(RuntimeError, match="only be installed during backward pass"):
        engine.queue_callback(lambda: None)
    with pytest.raises(RuntimeError, match="only be installed during backward pass"):
        torch.autograd.Variable._execution_engine.queue_callback(lambda: None)


def test_backward_inside_a_hook_keeps_its_own_callbacks():
    outer, inner = cynn.ones(1, requires_grad=True), cynn.ones(1, requires_grad=True)
    events = []

    def nested_backward(grad):
        engine.queue_callback(lambda: events.append("outer"))
        with cynn.enable_grad():  # hooks run with grad mode off
            (inner * 2).sum().backward()
        events.append("inner done")

    inner.register_hook(lambda g: engine.queue_callback(lambda: events.append("inner")))
    outer.register_hook(nested_backward)
    (outer * 2).sum().backward()
    assert events == ["inner", "inner done", "outer"]
