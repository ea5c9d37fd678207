"""cynn._ops.methods against torch: unfold, where, sum_to_size, in-place transposes,
samplers, fill_diagonal_, apply_/map_, resize_, index_reduce, properties."""
import numpy as np
import pytest

import cynn
from helpers import check_gradcheck, helper_test_exception, helper_test_op, torch_module

torch = torch_module()


@pytest.mark.parametrize("dim,size,step", [(0, 2, 1), (1, 3, 2), (-1, 5, 1), (1, 1, 3)])
def test_unfold(dim, size, step):
    helper_test_op([(3, 5, 4)], lambda x: x.unfold(dim, size if dim != -1 else 4, step),
                   check_grad_fn=False)
    check_gradcheck(lambda x: x.unfold(1, 2, 1), [(2, 4)])
    helper_test_exception(lambda lib: lib.ones(2, 3).unfold(1, 4, 1), RuntimeError,
                          match="maximum size for tensor at dimension 1 is 3 but size is 4")


def test_where_and_sum_to_size():
    helper_test_op([(3, 4), (4,)], lambda x, y: x.where(x > 0, y), check_grad_fn=False)
    helper_test_op([(2, 3, 4)], lambda x: x.sum_to_size(3, 1), check_grad_fn=False)
    helper_test_op([(2, 3, 4)], lambda x: x.sum_to_size((1, 3, 4)), check_grad_fn=False)
    helper_test_exception(lambda lib: lib.ones(2, 3).sum_to_size(4), RuntimeError,
                          match="is not expandable to size")


def test_inplace_transposes():
    for name, args in [("t_", ()), ("transpose_", (0, 1)), ("swapaxes_", (1, 0)),
                       ("swapdims_", (0, 1))]:
        c = cynn.tensor(np.arange(6.0).reshape(2, 3))
        t = torch.tensor(np.arange(6.0).reshape(2, 3))
        assert getattr(c, name)(*args) is c
        getattr(t, name)(*args)
        np.testing.assert_array_equal(c.numpy(), t.numpy())
    leaf = cynn.ones(2, 3, requires_grad=True)
    x = leaf * 2
    x.t_()
    (x * cynn.tensor(np.arange(6.0).reshape(3, 2).astype(np.float32))).sum().backward()
    np.testing.assert_array_equal(leaf.grad.numpy(), 2 * np.arange(6.0).reshape(3, 2).T)


def test_samplers_are_reproducible_and_valid():
    cynn.manual_seed(1)
    w = cynn.tensor([[0.0, 1.0, 3.0], [1.0, 1.0, 0.0]])
    draws = w.multinomial(2)
    assert tuple(draws.shape) == (2, 2)
    assert set(draws.numpy()[0]) == {1, 2} and set(draws.numpy()[1]) == {0, 1}
    many = cynn.tensor([0.2, 0.8]).multinomial(4000, True).numpy()
    assert abs(many.mean() - 0.8) < 0.03
    helper_test_exception(lambda lib: lib.tensor([0.5, 0.5]).multinomial(3), RuntimeError,
                          match="cannot sample n_sample > prob_dist.size")
    b = cynn.full((2000,), 0.3).bernoulli().numpy()
    assert abs(b.mean() - 0.3) < 0.04 and set(np.unique(b)) <= {0.0, 1.0}
    x = cynn.empty(1000)
    assert x.log_normal_(0.0, 0.5) is x and (x.numpy() > 0).all()
    assert x.geometric_(0.5) is x and (x.numpy() >= 1).all()
    x.cauchy_()
    cynn.manual_seed(2)
    first = cynn.empty(5).cauchy_().numpy()
    cynn.manual_seed(2)
    np.testing.assert_array_equal(cynn.empty(5).cauchy_().numpy(), first)


def test_fill_diagonal_apply_map_resize_index_reduce():
    for shape, wrap in [((3, 3), False), ((5, 3), False), ((7, 3), True), ((3, 5), False),
                        ((3, 3, 3), False)]:
        c, t = cynn.zeros(*shape), torch.zeros(*shape)
        c.fill_diagonal_(2.0, wrap)
        t.fill_diagonal_(2.0, wrap)
        np.testing.assert_array_equal(c.numpy(), t.numpy())
    c = cynn.tensor([1.0, 2.0, 3.0])
    c.apply_(lambda v: v * 10)
    np.testing.assert_array_equal(c.numpy(), [10, 20, 30])
    c.map_(cynn.tensor([1.0, 2.0, 3.0]), lambda a, b: a - b)
    np.testing.assert_array_equal(c.numpy(), [9, 18, 27])
    r = cynn.tensor([1.0, 2.0, 3.0, 4.0])
    r.resize_(2, 3)
    assert tuple(r.shape) == (2, 3) and list(r.numpy().reshape(-1)[:4]) == [1, 2, 3, 4]
    x = np.arange(12.0).reshape(4, 3)
    src = np.random.default_rng(0).uniform(1, 2, (3, 3))
    for reduce in ("prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            got = cynn.tensor(x).index_reduce(0, cynn.tensor([0, 2, 0]), cynn.tensor(src),
                                              reduce, include_self=include_self)
            want = torch.tensor(x).index_reduce(0, torch.tensor([0, 2, 0]), torch.tensor(src),
                                                reduce, include_self=include_self)
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_properties_and_conversions():
    for dt in ("float32", "float64", "int64", "uint8"):
        c, t = cynn.ones(2, 3, dtype=getattr(cynn, dt)), torch.ones(2, 3, dtype=getattr(torch, dt))
        assert (c.itemsize, c.nbytes) == (t.itemsize, t.nbytes)
    c, t = cynn.ones(2, 3), torch.ones(2, 3)
    assert (c.is_cpu, c.is_sparse, c.is_nested, c.is_pinned(), c.get_device()) == \
        (t.is_cpu, t.is_sparse, t.is_nested, t.is_pinned(), t.get_device())
    assert repr(c.layout) == repr(t.layout)
    assert c.short().dtype == cynn.int16 and c.char().dtype == cynn.int8
    np.testing.assert_array_equal(cynn.arange(6.0).reshape(2, 3).H.numpy(),
                                  torch.arange(6.0).reshape(2, 3).H.numpy())
    np.testing.assert_array_equal(cynn.arange(12.0).reshape(2, 2, 3).mH.numpy(),
                                  torch.arange(12.0).reshape(2, 2, 3).mH.numpy())
