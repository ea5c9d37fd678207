"""``inference_mode`` and the grad-mode decorators, against PyTorch's behaviour."""
import pytest

import cynn
from helpers import torch_module


def _observe(lib):
    """(is_grad_enabled, is_inference_mode_enabled, does x * 2 record) in a series of
    nested modes; the same script for cynn and torch."""
    x = lib.ones(2, requires_grad=True)
    seen = []

    def look():
        seen.append((lib.is_grad_enabled(), lib.is_inference_mode_enabled(),
                     (x * 2).requires_grad))

    look()
    with lib.inference_mode():
        look()
        with lib.enable_grad():
            look()
        with lib.inference_mode(False):
            look()
        with lib.no_grad():
            look()
        look()
    with lib.no_grad():
        with lib.inference_mode(False):
            look()
        with lib.inference_mode(True):
            look()
        look()
    with lib.inference_mode(mode=False):
        look()
    look()
    return seen


def test_nested_modes_match_torch():
    assert _observe(cynn) == _observe(torch_module())


def _decorated(lib):
    x = lib.ones(2, requires_grad=True)

    def body():
        return (lib.is_grad_enabled(), lib.is_inference_mode_enabled(), (x * 2).requires_grad)

    forms = [lib.inference_mode(body), lib.inference_mode()(body),
             lib.inference_mode(False)(body), lib.no_grad(body), lib.no_grad()(body),
             lib.enable_grad()(body), lib.set_grad_enabled(False)(body)]
    results = []
    for f in forms:
        results.append(f())
        results.append((lib.is_grad_enabled(), lib.is_inference_mode_enabled()))
    with lib.no_grad():
        results.append(lib.enable_grad(body)())
        results.append(lib.inference_mode(False)(body)())
    return results


def test_decorators_match_torch_and_restore_the_mode():
    assert _decorated(cynn) == _decorated(torch_module())


def test_set_grad_enabled_used_as_decorator_does_not_leave_grad_off():
    @cynn.set_grad_enabled(False)
    def frozen():
        return cynn.is_grad_enabled()

    assert cynn.is_grad_enabled()
    assert frozen() is False
    assert cynn.is_grad_enabled()


def test_decorated_generator_runs_each_step_in_the_mode_and_the_caller_outside():
    def steps(lib):
        x = lib.ones(1, requires_grad=True)

        @lib.no_grad()
        def gen():
            for _ in range(2):
                yield (x * 2).requires_grad, lib.is_grad_enabled()

        out = []
        for inside in gen():
            out.append((inside, lib.is_grad_enabled()))
        return out

    assert steps(cynn) == steps(torch_module()) == [((False, False), True)] * 2


def test_inference_mode_restores_after_an_exception():
    with pytest.raises(ValueError):
        with cynn.inference_mode():
            raise ValueError
    assert cynn.is_grad_enabled() and not cynn.is_inference_mode_enabled()


def test_tensors_made_in_inference_mode_do_not_require_grad():
    torch = torch_module()
    lin = cynn.nn.Linear(3, 2)
    tlin = torch.nn.Linear(3, 2)
    with cynn.inference_mode():
        out = lin(cynn.ones(1, 3))
    with torch.inference_mode():
        tout = tlin(torch.ones(1, 3))
    assert out.requires_grad == tout.requires_grad is False
    assert out.grad_fn is None and tout.grad_fn is None
    assert cynn.autograd.inference_mode is cynn.inference_mode


def test_backward_inside_inference_mode_raises_like_no_grad():
    torch = torch_module()
    for lib in (cynn, torch):
        x = lib.ones(2, requires_grad=True)
        with lib.inference_mode():
            y = (x * 2).sum()
        with pytest.raises(RuntimeError, match="does not require grad"):
            y.backward()
