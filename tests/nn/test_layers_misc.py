"""Hardshrink/Softshrink, RMSNorm, LocalResponseNorm, CrossMapLRN2d, Bilinear and
gumbel_softmax against torch; float64 gradchecks."""
import numpy as np
import pytest

import cynn
from helpers import check_gradcheck, helper_test_exception, helper_test_op, torch_module

torch = torch_module()


@pytest.mark.parametrize("lambd", [0.0, 0.5, 1.2])
def test_shrinks(lambd):
    for name in ("hardshrink", "softshrink"):
        helper_test_op([(3, 5)], lambda x: getattr(torch.nn.functional, name)(x, lambd),
                       lambda x: getattr(cynn.nn.functional, name)(x, lambd),
                       check_grad_fn=False)
    for name in ("Hardshrink", "Softshrink"):
        c, t = getattr(cynn.nn, name)(lambd), getattr(torch.nn, name)(lambd)
        assert repr(c) == repr(t)
        helper_test_op([(4,)], t, c, check_grad_fn=False)
    helper_test_exception(lambda lib: lib.nn.functional.softshrink(lib.ones(2), -1.0),
                          RuntimeError, match="lambda must be in range")


@pytest.mark.parametrize("shape,eps,affine", [((5,), None, True), ((3, 5), 1e-3, True),
                                              ((5,), 0.1, False)])
def test_rms_norm(shape, eps, affine):
    c = cynn.nn.RMSNorm(shape, eps, affine)
    t = torch.nn.RMSNorm(shape, eps, affine)
    assert repr(c) == repr(t)
    if affine:
        w = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        c.weight.data.copy_(cynn.tensor(w))
        t.weight.data.copy_(torch.tensor(w))
    helper_test_op([(2, 4, 3, 5)], t, c, check_grad_fn=False)
    check_gradcheck(lambda x: cynn.nn.functional.rms_norm(x, shape, eps=eps), [(2, 3, 5)])


@pytest.mark.parametrize("size", [1, 2, 3, 5])
@pytest.mark.parametrize("shape", [(2, 7, 3), (2, 7, 3, 4), (1, 6, 2, 3, 2)])
def test_local_response_norm(size, shape):
    helper_test_op([shape], lambda x: torch.nn.functional.local_response_norm(x, size, 0.3, 0.6, 2.0),
                   lambda x: cynn.nn.functional.local_response_norm(x, size, 0.3, 0.6, 2.0),
                   check_grad_fn=False, low=0.1)
    assert repr(cynn.nn.LocalResponseNorm(size)) == repr(torch.nn.LocalResponseNorm(size))


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_cross_map_lrn2d_forward_matches_torch_and_gradient_is_exact(size):
    # torch 2.13's own CrossMapLRN2d backward fails on these shapes (narrow out of
    # range), so the gradient is checked by finite differences only
    helper_test_op([(2, 9, 3, 4)], torch.nn.CrossMapLRN2d(size, 0.3, 0.75, 2.0),
                   cynn.nn.CrossMapLRN2d(size, 0.3, 0.75, 2.0), grad=False)
    check_gradcheck(cynn.nn.CrossMapLRN2d(size, 0.3, 0.75, 2.0), [(1, 5, 2, 2)])


def test_bilinear():
    c = cynn.nn.Bilinear(3, 4, 5)
    t = torch.nn.Bilinear(3, 4, 5)
    assert repr(c) == repr(t)
    t.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in c.state_dict().items()})
    helper_test_op([(2, 6, 3), (2, 6, 4)], t, c, check_grad_fn=False)
    check_gradcheck(lambda a, b, w: cynn.nn.functional.bilinear(a, b, w), [(2, 3), (2, 4),
                                                                          (5, 3, 4)])
    helper_test_exception(lambda lib: lib.nn.functional.bilinear(
        lib.ones(2, 3), lib.ones(2, 4), lib.ones(5, 2, 4)), RuntimeError,
        match="input1 size does not match weight size")


def test_gumbel_softmax_is_a_distribution_and_hard_is_one_hot():
    cynn.manual_seed(0)
    logits = cynn.randn(6, 4, requires_grad=True)
    soft = cynn.nn.functional.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.detach().numpy().sum(1), 1.0, rtol=1e-6)
    hard = cynn.nn.functional.gumbel_softmax(logits, hard=True)
    values = hard.detach().numpy()
    assert set(np.unique(values)) <= {0.0, 1.0} and (values.sum(1) == 1).all()
    hard.sum().backward()
    assert logits.grad is not None
    cynn.manual_seed(3)
    a = cynn.nn.functional.gumbel_softmax(logits.detach()).numpy()
    cynn.manual_seed(3)
    np.testing.assert_array_equal(cynn.nn.functional.gumbel_softmax(logits.detach()).numpy(), a)
