"""cynn._ops.misc against torch: aliases, bitwise and number-theory functions,
statistics, windows, dtype queries, copies of views, module-level in-place forms."""
import numpy as np
import pytest

import cynn
from helpers import check_gradcheck, helper_test_exception, helper_test_op, torch_module

torch = torch_module()


def _same(got, want, rtol=1e-6):
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    for g, w in zip(got, want):
        assert str(g.dtype).split(".")[1] == str(w.dtype).split(".")[1]
        np.testing.assert_allclose(g.detach().numpy(), w.detach().numpy(), rtol=rtol, atol=1e-12)


def test_comparison_aliases_and_division():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 1.0])
    for name in ("greater", "greater_equal", "less", "less_equal", "not_equal"):
        _same(getattr(cynn, name)(cynn.tensor(a), cynn.tensor(b)),
              getattr(torch, name)(torch.tensor(a), torch.tensor(b)))
    i, j = np.array([7, -7, 5]), np.array([2, 2, -3])
    for name in ("floor_divide", "remainder"):
        _same(getattr(cynn, name)(cynn.tensor(i), cynn.tensor(j)),
              getattr(torch, name)(torch.tensor(i), torch.tensor(j)))
    helper_test_op([(3, 4)], torch.absolute, cynn.absolute, check_grad_fn=False)


def test_bitwise_and_integer_functions():
    a, b = np.array([12, 10, 7, 0]), np.array([10, 6, 3, 5])
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
                 "bitwise_right_shift", "gcd", "lcm"):
        right = np.array([1, 2, 0, 3]) if "shift" in name else b
        _same(getattr(cynn, name)(cynn.tensor(a), cynn.tensor(right)),
              getattr(torch, name)(torch.tensor(a), torch.tensor(right)))
    _same(cynn.bitwise_not(cynn.tensor(a)), torch.bitwise_not(torch.tensor(a)))
    _same(cynn.tensor([True, False]).bitwise_xor(cynn.tensor([True, True])),
          torch.tensor([True, False]).bitwise_xor(torch.tensor([True, True])))
    helper_test_exception(lambda lib: lib.bitwise_and(lib.ones(2), lib.ones(2)), NotImplementedError,
                          match="not implemented for 'Float'")


def test_special_and_float_functions():
    x = np.array([0.3, 1.5, 4.0, 9.5])
    for n in (0, 1, 2, 3):
        _same(cynn.polygamma(n, cynn.tensor(x)), torch.polygamma(n, torch.tensor(x)), rtol=1e-9)
    _same(cynn.mvlgamma(cynn.tensor(x + 2), 3), torch.mvlgamma(torch.tensor(x + 2), 3), rtol=1e-9)
    _same(cynn.i0(cynn.tensor(x)), torch.i0(torch.tensor(x)), rtol=1e-9)
    _same(cynn.frexp(cynn.tensor(x)), torch.frexp(torch.tensor(x)))
    _same(cynn.nextafter(cynn.tensor(x), cynn.tensor(-x)),
          torch.nextafter(torch.tensor(x), torch.tensor(-x)))
    _same(cynn.angle(cynn.tensor([-1.0, 0.0, 2.0])), torch.angle(torch.tensor([-1.0, 0.0, 2.0])))


def test_statistics():
    rng = np.random.default_rng(0)
    m = rng.standard_normal((3, 6))
    _same(cynn.cov(cynn.tensor(m)), torch.cov(torch.tensor(m)), rtol=1e-9)
    _same(cynn.cov(cynn.tensor(m), correction=0), torch.cov(torch.tensor(m), correction=0),
          rtol=1e-9)
    fw, aw = np.array([1, 2, 1, 3, 1, 1]), rng.uniform(0.5, 2, 6)
    _same(cynn.cov(cynn.tensor(m), fweights=cynn.tensor(fw), aweights=cynn.tensor(aw)),
          torch.cov(torch.tensor(m), fweights=torch.tensor(fw), aweights=torch.tensor(aw)),
          rtol=1e-9)
    _same(cynn.corrcoef(cynn.tensor(m)), torch.corrcoef(torch.tensor(m)), rtol=1e-9)
    helper_test_op([(3, 4), (3, 4)], lambda a, b: torch.dist(a, b, 3),
                   lambda a, b: cynn.dist(a, b, 3), check_grad_fn=False)
    helper_test_op([(3, 4)], lambda a: torch.renorm(a, 2, 0, 1.0),
                   lambda a: cynn.renorm(a, 2, 0, 1.0), check_grad_fn=False)
    check_gradcheck(lambda a: cynn.cov(a), [(2, 5)])


@pytest.mark.parametrize("name,kwargs", [("hann_window", {}), ("hamming_window", {}),
                                         ("bartlett_window", {}), ("blackman_window", {}),
                                         ("kaiser_window", {}), ("hann_window",
                                                                 {"periodic": False})])
def test_windows(name, kwargs):
    for n in (0, 1, 8, 9):
        # torch evaluates the window in float32 (blackman's ends come out as -3e-8)
        got, want = getattr(cynn, name)(n, **kwargs), getattr(torch, name)(n, **kwargs)
        assert got.dtype == cynn.float32 and tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


def test_grids_and_integrals():
    _same(cynn.logspace(-1, 2, 5), torch.logspace(-1, 2, 5), rtol=1e-6)
    _same(cynn.logspace(0, 3, 4, base=2.0), torch.logspace(0, 3, 4, base=2.0))
    x = np.array([1.0, 2.0, 3.0])
    _same(cynn.vander(cynn.tensor(x)), torch.vander(torch.tensor(x)))
    _same(cynn.vander(cynn.tensor(x), 4, True), torch.vander(torch.tensor(x), 4, True))
    got = cynn.unravel_index(cynn.tensor([0, 5, 7, -1]), (2, 4))
    want = torch.unravel_index(torch.tensor([0, 5, 7, -1]), (2, 4))
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), w.numpy())
    y = np.random.default_rng(1).standard_normal((3, 5))
    xs = np.sort(np.random.default_rng(2).uniform(0, 4, 5))
    _same(cynn.trapezoid(cynn.tensor(y)), torch.trapezoid(torch.tensor(y)))
    _same(cynn.trapezoid(cynn.tensor(y), cynn.tensor(xs)),
          torch.trapezoid(torch.tensor(y), torch.tensor(xs)))
    _same(cynn.trapz(cynn.tensor(y), dx=0.5, dim=0), torch.trapz(torch.tensor(y), dx=0.5, dim=0))
    _same(cynn.cumulative_trapezoid(cynn.tensor(y), cynn.tensor(xs)),
          torch.cumulative_trapezoid(torch.tensor(y), torch.tensor(xs)))


def test_dtype_queries_and_constants():
    for dt in ("float32", "float64", "float16"):
        c, t = cynn.finfo(getattr(cynn, dt)), torch.finfo(getattr(torch, dt))
        assert (c.bits, c.eps, c.max, c.min, c.tiny, c.resolution) == \
            (t.bits, t.eps, t.max, t.min, t.tiny, t.resolution)
    for dt in ("int8", "uint8", "int16", "int32", "int64"):
        c, t = cynn.iinfo(getattr(cynn, dt)), torch.iinfo(getattr(torch, dt))
        assert (c.bits, c.max, c.min) == (t.bits, t.max, t.min)
    for a, b in [("int64", "float32"), ("uint8", "int8"), ("bool", "int32"),
                 ("float16", "float64")]:
        assert str(cynn.promote_types(getattr(cynn, a), getattr(cynn, b))).split(".")[1] == \
            str(torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[1]
        assert cynn.can_cast(getattr(cynn, a), getattr(cynn, b)) == \
            torch.can_cast(getattr(torch, a), getattr(torch, b))
    assert str(cynn.result_type(cynn.tensor([1]), 2.5)).split(".")[1] == \
        str(torch.result_type(torch.tensor([1]), 2.5)).split(".")[1]
    assert (cynn.pi, cynn.e, cynn.inf) == (torch.pi, torch.e, torch.inf)
    assert np.isnan(cynn.nan) and cynn.newaxis is None
    assert cynn.is_signed(cynn.ones(1)) and not cynn.is_signed(cynn.ones(1, dtype=cynn.uint8))
    assert cynn.is_nonzero(cynn.tensor([2.0]))
    helper_test_exception(lambda lib: lib.is_nonzero(lib.tensor([1.0, 2.0])), RuntimeError,
                          match="more than one value is ambiguous")


def test_copies_of_views_and_inplace_forms():
    x = cynn.tensor(np.arange(6.0).reshape(2, 3))
    for fn, args in [(cynn.transpose_copy, (0, 1)), (cynn.t_copy, ()),
                     (cynn.permute_copy, ((1, 0),)), (cynn.unsqueeze_copy, (0,)),
                     (cynn.view_copy, ((3, 2),)), (cynn.diagonal_copy, ())]:
        out = fn(x, *args)
        assert not np.shares_memory(out.numpy(), x.numpy())
        t = getattr(torch, fn.__name__)(torch.tensor(x.numpy()), *args)
        np.testing.assert_array_equal(out.numpy(), t.numpy())
    y = cynn.tensor([0.5, 1.5])
    assert cynn.exp_(y) is y
    np.testing.assert_allclose(y.numpy(), np.exp([0.5, 1.5]), rtol=1e-6)
    z = cynn.tensor([1.0, 2.0, 3.0])
    z.gt_(1.5)
    np.testing.assert_array_equal(z.numpy(), [0.0, 1.0, 1.0])
    w = cynn.tensor([0.1, 0.2])
    w.cos_()
    np.testing.assert_allclose(w.numpy(), np.cos([0.1, 0.2]).astype(np.float32), rtol=1e-6)
