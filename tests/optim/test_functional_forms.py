"""The functional forms (``cynn.optim.rmsprop.rmsprop`` ...) against torch's: the
same in-place updates of parameters and state lists, kernel and differentiable paths."""
import importlib

import numpy as np
import pytest

import cynn
from helpers import torch_module

torch = torch_module()

SHAPES = [(3, 4), (5,)]


def _zeros(lib, value=0.0):
    return [lib.from_numpy(np.full(s, value, dtype=np.float64)) for s in SHAPES]


def _scalars(lib, value):
    return [lib.tensor(value, dtype=lib.float32) for _ in SHAPES]


# name -> (positional state lists as (kind, value), keyword options)
CASES = {
    "rmsprop": ([("zeros", 0), ("zeros", 0), ("zeros", 0), ("step", 0)],
                dict(lr=0.01, alpha=0.9, eps=1e-8, weight_decay=0.1, momentum=0.5,
                     centered=True)),
    "adagrad": ([("zeros", 0.1), ("step", 0)],
                dict(lr=0.1, weight_decay=0.1, lr_decay=0.01, eps=1e-10, maximize=True)),
    "adadelta": ([("zeros", 0), ("zeros", 0), ("step", 0)],
                 dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.1, maximize=False)),
    "adamax": ([("zeros", 0), ("zeros", 0), ("step", 0)],
               dict(eps=1e-8, beta1=0.9, beta2=0.99, lr=0.01, weight_decay=0.1)),
    "nadam": ([("zeros", 0), ("zeros", 0), ("step", 1.0), ("step", 0)],
              dict(beta1=0.9, beta2=0.99, lr=0.01, weight_decay=0.1, momentum_decay=4e-3,
                   eps=1e-8)),
    "radam": ([("zeros", 0), ("zeros", 0), ("step", 0)],
              dict(beta1=0.9, beta2=0.9, lr=0.01, weight_decay=0.1, eps=1e-8,
                   decoupled_weight_decay=True)),
    "asgd": ([("zeros", 0), ("step", 1.0), ("step", 0.05), ("step", 0)],
             dict(lambd=1e-2, lr=0.05, t0=2, alpha=0.75, weight_decay=0.1)),
    "rprop": ([("zeros", 0), ("zeros", 0.01), ("step", 0)],
              dict(step_size_min=1e-6, step_size_max=1.0, etaminus=0.5, etaplus=1.2)),
}
MODULES = {"adafactor": "_adafactor"}


def _run(lib, name, differentiable, n_steps=4):
    args, kwargs = CASES[name]
    rng = np.random.default_rng(0)
    params = [lib.from_numpy(rng.normal(size=s)) for s in SHAPES]
    lists = [_zeros(lib, v) if kind == "zeros" else _scalars(lib, v) for kind, v in args]
    fn = getattr(importlib.import_module(f"{lib.__name__}.optim.{name}"), name)
    for _ in range(n_steps):
        grads = [lib.from_numpy(rng.normal(size=s)) for s in SHAPES]
        if differentiable:
            fn(params, grads, *lists, differentiable=True, **kwargs)
        else:
            fn(params, grads, *lists, **kwargs)
    return [p.detach().numpy().copy() for p in params] + \
        [t.detach().numpy().copy() for lst in lists for t in lst]


@pytest.mark.parametrize("differentiable", [False, True])
@pytest.mark.parametrize("name", list(CASES))
def test_functional_form_matches_torch(name, differentiable):
    with torch.no_grad():
        expected = _run(torch, name, differentiable)
    got = _run(cynn, name, differentiable)
    # torch's differentiable NAdam keeps its momentum products in float32 tensors
    tol = {"rtol": 1e-6} if name == "nadam" and differentiable else {"rtol": 1e-12,
                                                                    "atol": 1e-14}
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype
        np.testing.assert_allclose(g, e, **tol)


def test_adafactor_functional_form_matches_torch():
    results = []
    for lib in (cynn, torch):
        rng = np.random.default_rng(1)
        params = [lib.from_numpy(rng.normal(size=s)) for s in SHAPES]
        row_vars = [lib.zeros(3, 1, dtype=lib.float64), None]
        col_vars = [lib.zeros(1, 4, dtype=lib.float64), None]
        variances = [None, lib.zeros(5, dtype=lib.float64)]
        steps = [lib.tensor(0.0), lib.tensor(0.0)]
        module = importlib.import_module(f"{lib.__name__}.optim._adafactor")
        for _ in range(4):
            grads = [lib.from_numpy(rng.normal(size=s)) for s in SHAPES]
            module.adafactor(params, grads, row_vars, col_vars, variances, steps, d=1.0,
                             lr=0.01, beta2_decay=-0.8, weight_decay=0.1, eps1=None,
                             eps2=1e-3, maximize=False)
        results.append([p.numpy().copy() for p in params]
                       + [row_vars[0].numpy().copy(), variances[1].numpy().copy()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_functional_forms_are_exported_like_torch():
    for name in list(CASES) + ["adafactor"]:
        module = MODULES.get(name, name)
        ours = importlib.import_module(f"cynn.optim.{module}")
        theirs = importlib.import_module(f"torch.optim.{module}")
        assert sorted(ours.__all__) == sorted(theirs.__all__)
