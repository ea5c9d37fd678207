"""Shared helpers of the cynn.nn layer / functional / loss tests: run the same
computation in cynn and in torch (the oracle) and compare values, gradients and
exceptions. Imported by the ``test_functional_*``, ``test_layers_*`` and
``test_losses`` modules."""
import re

import numpy as np
import pytest

import cynn

torch = pytest.importorskip("torch", reason="torch is the parity oracle")

RTOL, ATOL = 1e-4, 1e-5


def rng(seed=0):
    return np.random.default_rng(seed)


def cy(array, requires_grad=False):
    """A cynn tensor over a private copy of ``array``."""
    t = cynn.from_numpy(np.array(array, copy=True))
    return t.requires_grad_() if requires_grad else t


def th(array, requires_grad=False):
    """A torch tensor over a private copy of ``array``."""
    t = torch.from_numpy(np.array(array, copy=True))
    return t.requires_grad_() if requires_grad else t


def to_numpy(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return t.detach().numpy()


def assert_close(got, expected, rtol=RTOL, atol=ATOL, what="value"):
    got, expected = to_numpy(got), to_numpy(expected)
    assert got.shape == expected.shape, f"{what}: shape {got.shape} != {expected.shape}"
    assert got.dtype == expected.dtype, f"{what}: dtype {got.dtype} != {expected.dtype}"
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=what)


def _outputs(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def check_parity(cynn_fn, torch_fn, arrays, grad=None, rtol=RTOL, atol=ATOL, seed=1):
    """Run ``cynn_fn(*tensors)`` and ``torch_fn(*tensors)`` on the same ``arrays``;
    compare every output and, for the floating inputs listed in ``grad`` (default:
    all floating ones), the gradient of ``sum(out * g)`` for a random ``g``."""
    if grad is None:
        grad = [i for i, a in enumerate(arrays) if np.asarray(a).dtype.kind == "f"]
    c_in = [cy(a, i in grad) for i, a in enumerate(arrays)]
    t_in = [th(a, i in grad) for i, a in enumerate(arrays)]
    c_out, t_out = _outputs(cynn_fn(*c_in)), _outputs(torch_fn(*t_in))
    assert len(c_out) == len(t_out)
    for k, (c, t) in enumerate(zip(c_out, t_out)):
        assert_close(c, t, rtol, atol, what=f"output {k}")
    if not grad:
        return c_out, t_out
    g = rng(seed)
    c_total, t_total = None, None
    for c, t in zip(c_out, t_out):
        if not t.requires_grad:
            continue
        weights = g.standard_normal(tuple(t.shape)).astype(to_numpy(t).dtype)
        c_term, t_term = (c * cy(weights)).sum(), (t * th(weights)).sum()
        c_total = c_term if c_total is None else c_total + c_term
        t_total = t_term if t_total is None else t_total + t_term
    if t_total is None:
        return c_out, t_out
    c_total.backward()
    t_total.backward()
    for i in grad:
        if t_in[i].grad is None:
            assert c_in[i].grad is None or not np.any(c_in[i].grad.numpy()), f"grad {i}"
            continue
        assert c_in[i].grad is not None, f"input {i} got no gradient"
        assert_close(c_in[i].grad, t_in[i].grad, rtol, atol, what=f"grad of input {i}")
    return c_out, t_out


def gradcheck(fn, arrays, grad=None, **kwargs):
    """cynn.autograd.gradcheck of ``fn`` on float64 copies of ``arrays``."""
    if grad is None:
        grad = [i for i, a in enumerate(arrays) if np.asarray(a).dtype.kind == "f"]
    inputs = []
    for i, a in enumerate(arrays):
        a = np.asarray(a)
        if a.dtype.kind == "f":
            a = a.astype(np.float64)
        inputs.append(cy(a, i in grad))
    assert cynn.autograd.gradcheck(fn, tuple(inputs), **kwargs)


def copy_state(cynn_module, torch_module):
    """Give the torch module exactly the cynn module's parameters and buffers."""
    c_state = dict(cynn_module.named_parameters())
    c_state.update(dict(cynn_module.named_buffers()))
    t_params = dict(torch_module.named_parameters())
    t_buffers = dict(torch_module.named_buffers())
    assert set(c_state) == set(t_params) | set(t_buffers)
    for name, value in c_state.items():
        target = t_params.get(name, t_buffers.get(name))
        target.data = torch.from_numpy(value.detach().numpy().copy())


def check_module_parity(cynn_module, torch_module, *arrays, rtol=RTOL, atol=ATOL):
    """Same parameters, same inputs: same outputs, input grads and parameter grads."""
    copy_state(cynn_module, torch_module)
    check_parity(cynn_module, torch_module, arrays, rtol=rtol, atol=atol)
    t_params = dict(torch_module.named_parameters())
    for name, p in cynn_module.named_parameters():
        if t_params[name].grad is None:
            assert p.grad is None, name
        else:
            assert_close(p.grad, t_params[name].grad, rtol, atol, what=f"grad of {name}")
    t_buffers = dict(torch_module.named_buffers())
    for name, b in cynn_module.named_buffers():
        np.testing.assert_allclose(b.numpy(), t_buffers[name].numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"buffer {name}")


def _normalise_message(message):
    return message.replace("torch.", "cynn.")


def assert_same_error(cynn_call, torch_call, match_message=True):
    """Both calls raise the same exception type with the same message (``torch.`` read
    as ``cynn.``)."""
    with pytest.raises(Exception) as expected:
        torch_call()
    with pytest.raises(type(expected.value)) as got:
        cynn_call()
    assert type(got.value) is type(expected.value), (type(got.value), type(expected.value))
    if match_message:
        assert str(got.value) == _normalise_message(str(expected.value))


def normalise_repr(text):
    return re.sub(r"\btorch\.", "cynn.", text)
