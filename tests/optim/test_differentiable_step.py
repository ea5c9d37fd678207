"""differentiable=True: the step is recorded by autograd, so a loss of the updated
parameters has gradients with respect to the parameters, the gradients and a Tensor
learning rate before the steps.

One step is compared with torch. torch's differentiable Adam computes its bias
corrections from the float32 step counter in float32 (cynn in double precision, as in
its kernels), hence rtol 1e-5 there. Over several steps torch's own differentiable path
raises (it updates momentum buffers and moments in place while an earlier step's
backward still needs them; cynn makes new state tensors), so several steps are checked
by finite differences instead."""
import numpy as np
import pytest
import torch

import cynn

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True, betas=(0.8, 0.9))),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
]


def _run(lib, name, options, tensor_lr, n_steps=1):
    """Steps on a non-leaf parameter p = w * 1 with given gradients (leaves too); returns
    the gradients of sum(p_final ** 2) with respect to w, each step's gradient, and lr."""
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
    def value(t):  # None where no path leads (torch's first momentum buffer is detached)
        return None if t is None else t.numpy().copy()
    return ([p.detach().numpy().copy(), w.grad.numpy().copy()]
            + [value(g.grad) for g in grads] + ([value(lr.grad)] if tensor_lr else []))


@pytest.mark.parametrize("name, options", CONFIGS,
                         ids=[f"{n}-{'-'.join(o)}" for n, o in CONFIGS])
@pytest.mark.parametrize("tensor_lr", [False, True])
def test_gradients_through_a_step_match_torch(name, options, tensor_lr):
    mine = _run(cynn, name, options, tensor_lr)
    theirs = _run(torch, name, options, tensor_lr)
    assert len(mine) == len(theirs)
    rtol = 1e-5 if name.startswith("Adam") else 1e-7
    for a, b in zip(mine, theirs):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-9)


# SGD's first momentum buffer is a detached copy of the gradient (torch's rule), so with
# momentum autograd's answer is not the derivative finite differences measure
SMOOTH = [(n, o) for n, o in CONFIGS if not o.get("momentum")]


@pytest.mark.parametrize("name, options", SMOOTH,
                         ids=[f"{n}-{'-'.join(o)}" for n, o in SMOOTH])
def test_gradients_through_several_steps_by_finite_differences(name, options):
    rng = np.random.default_rng(2)
    w = cynn.tensor(rng.standard_normal(4), dtype=cynn.float64, requires_grad=True)
    grads = [cynn.tensor(rng.standard_normal(4), dtype=cynn.float64, requires_grad=True)
             for _ in range(3)]
    lr = cynn.tensor(options["lr"], dtype=cynn.float64, requires_grad=True)

    def final_loss(w, g0, g1, g2, lr):
        p = w * 1.0
        optimizer = getattr(cynn.optim, name)([p], differentiable=True,
                                              **dict(options, lr=lr))
        for g in (g0, g1, g2):
            p.grad = g
            optimizer.step()
        return (p ** 2).sum()

    assert cynn.autograd.gradcheck(final_loss, (w, *grads, lr), eps=1e-6, atol=1e-5)


def test_the_recorded_step_equals_the_kernel_step():
    rng = np.random.default_rng(1)
    start = rng.standard_normal((3, 4)).astype(np.float32)
    grads = [rng.standard_normal((3, 4)).astype(np.float32) for _ in range(4)]
    results = []
    for differentiable in (False, True):
        leaf = cynn.nn.Parameter(cynn.from_numpy(start.copy()))
        # a recorded step writes into its parameter with grad mode on, so (as in torch)
        # the parameter must not be a leaf that requires grad
        p = leaf * 1.0 if differentiable else leaf
        optimizer = cynn.optim.Adam([p], lr=0.05, amsgrad=True, differentiable=differentiable)
        for g in grads:
            p.grad = cynn.from_numpy(g)
            optimizer.step()
        results.append(p.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)


def test_a_leaf_parameter_is_refused_as_torch_does():
    messages = []
    for lib in (cynn, torch):
        p = lib.nn.Parameter(lib.ones(3))
        p.grad = lib.ones(3)
        with pytest.raises(RuntimeError) as error:
            lib.optim.Adam([p], lr=0.1, differentiable=True).step()
        messages.append(str(error.value))
    assert messages[0] == messages[1]


def test_non_leaf_parameters_need_differentiable():
    p = cynn.ones(3, requires_grad=True) * 2
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        cynn.optim.SGD([p], lr=0.1)
    cynn.optim.SGD([p], lr=0.1, differentiable=True)
