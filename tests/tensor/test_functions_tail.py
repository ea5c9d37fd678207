"""The last tensor functions and methods torch has: igamma/igammac/polygamma, gradient,
histogramdd, index_reduce/nonzero_static at top level, hash_tensor, stft/istft (real
layout), the unsigned dtypes, and the compatibility members (name, volatile,
grad_dtype, module_load, as_subclass, record_stream, ...). Values, gradients and errors
against torch; float64 gradchecks for the differentiable ones."""
import warnings

import numpy as np
import pytest

import cynn
from helpers import (assert_same_tensor, check_gradcheck, helper_test_exception, helper_test_op,
                     torch_module)


# --- incomplete gamma and polygamma ------------------------------------------------------
@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_incomplete_gamma_values_and_gradient_in_other(name):
    torch = torch_module()
    rng = np.random.default_rng(0)
    a = rng.uniform(0.2, 4.0, (3, 4)).astype(np.float32)
    x = rng.uniform(0.05, 6.0, (3, 4)).astype(np.float32)
    tx, cx = torch.tensor(x, requires_grad=True), cynn.tensor(x, requires_grad=True)
    t_out = getattr(torch, name)(torch.tensor(a), tx)
    c_out = getattr(cynn, name)(cynn.tensor(a), cx)
    assert_same_tensor(c_out, t_out)
    assert c_out.grad_fn.name() == t_out.grad_fn.name()
    g = rng.standard_normal((3, 4)).astype(np.float32)
    t_out.backward(torch.tensor(g))
    c_out.backward(cynn.tensor(g))
    assert_same_tensor(cx.grad, tx.grad)
    assert_same_tensor(getattr(cynn.tensor(a), name)(cynn.tensor(x)), t_out.detach())


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_incomplete_gamma_gradcheck_first_and_second_order(name):
    a = cynn.tensor(np.array([0.5, 1.5, 3.0]))
    fn = lambda x: getattr(cynn, name)(a, x)  # noqa: E731
    check_gradcheck(fn, [(3,)], low=0.3, high=4.0)
    x = cynn.tensor(np.array([0.4, 2.0, 3.5]), requires_grad=True)
    assert cynn.autograd.gradgradcheck(fn, [x])


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_incomplete_gamma_has_no_derivative_in_input(name):
    def run(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        getattr(lib, name)(a, lib.tensor([0.5, 3.0])).sum().backward()
    helper_test_exception(run, NotImplementedError,
                          match=f"the derivative for '{name}: input' is not implemented")


@pytest.mark.parametrize("a, x", [
    ([-1.0, 0.0, 1.0, 0.0, 2.0, 2.0], [1.0, 0.0, -1.0, 1.0, float("inf"), 0.0])])
@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_incomplete_gamma_at_the_domain_edges(name, a, x):
    torch = torch_module()
    assert_same_tensor(getattr(cynn, name)(cynn.tensor(a), cynn.tensor(x)),
                       getattr(torch, name)(torch.tensor(a), torch.tensor(x)))


@pytest.mark.parametrize("build, exc, match", [
    (lambda lib: lib.igamma(lib.tensor([1, 2]), lib.tensor([1, 2])), NotImplementedError,
     "\"igamma_cpu\" not implemented for 'Long'"),
    (lambda lib: lib.igamma(lib.tensor([1.0]), 2.0), TypeError,
     "argument 'other' \\(position 2\\) must be Tensor"),
    (lambda lib: lib.tensor([1, 2]).igammac_(lib.tensor([1.0, 1.0])), RuntimeError,
     "result type Float can't be cast to the desired output type Long"),
])
def test_incomplete_gamma_errors(build, exc, match):
    helper_test_exception(build, exc, match=match)


def test_incomplete_gamma_in_place_and_promotion():
    torch = torch_module()
    t, c = torch.tensor([1.0, 2.0]), cynn.tensor([1.0, 2.0])
    t.igamma_(torch.tensor([1.0, 1.0]))
    assert c.igamma_(cynn.tensor([1.0, 1.0])) is c
    assert_same_tensor(c, t)
    assert_same_tensor(cynn.igammac(cynn.tensor([1.0, 2.0], dtype=cynn.float64),
                                    cynn.tensor([1, 2])),
                       torch.igammac(torch.tensor([1.0, 2.0], dtype=torch.float64),
                                     torch.tensor([1, 2])))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
def test_polygamma_values_and_gradient(n):
    helper_test_op([(4, 3)], lambda x: torch_module().polygamma(n, x),
                   lambda x: cynn.polygamma(n, x), low=0.3, high=5.0)
    helper_test_op([(4, 3)], lambda x: x.polygamma(n), low=0.3, high=5.0)
    check_gradcheck(lambda x: cynn.polygamma(n, x), [(5,)], low=0.5, high=4.0)
    x = cynn.tensor(np.linspace(0.6, 3.0, 4), requires_grad=True)
    assert cynn.autograd.gradgradcheck(lambda v: cynn.polygamma(n, v), [x])


def test_polygamma_in_place_and_integers():
    torch = torch_module()
    t, c = torch.tensor([0.5, 1.5]), cynn.tensor([0.5, 1.5])
    t.polygamma_(2)
    assert c.polygamma_(2) is c
    assert_same_tensor(c, t)
    assert_same_tensor(cynn.polygamma(1, cynn.tensor([1, 2])),
                       torch.polygamma(1, torch.tensor([1, 2])))
    helper_test_exception(lambda lib: lib.tensor([1, 2]).polygamma_(1), RuntimeError,
                          match="result type Float can't be cast to the desired output type Long")


# --- gradient ------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {}, {"spacing": 2.0, "dim": 1, "edge_order": 2}, {"dim": [0, 1], "spacing": [0.5, 2.0]},
    {"dim": -1, "edge_order": 2}, {"dim": 0}])
def test_gradient_uniform_spacing(kwargs):
    torch = torch_module()
    helper_test_op([(4, 5)], lambda x: torch.gradient(x, **kwargs),
                   lambda x: cynn.gradient(x, **kwargs), check_grad_fn=False)


@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient_with_coordinates(edge_order):
    torch = torch_module()
    coords = np.array([0.0, 1.0, 3.0, 4.5, 7.0], dtype=np.float32)
    helper_test_op([(5, 3)],
                   lambda x: torch.gradient(x, spacing=[torch.tensor(coords)], dim=0,
                                            edge_order=edge_order),
                   lambda x: cynn.gradient(x, spacing=[cynn.tensor(coords)], dim=0,
                                           edge_order=edge_order), check_grad_fn=False)
    check_gradcheck(lambda x, c: cynn.gradient(x, spacing=[c], dim=0, edge_order=edge_order),
                    [(5, 2)], inputs=[np.random.default_rng(1).standard_normal((5, 2)),
                                      np.cumsum([0.5, 1.0, 0.7, 1.3, 0.9])])


def test_gradient_of_integers_promotes():
    torch = torch_module()
    assert_same_tensor(cynn.gradient(cynn.tensor([1, 2, 4]))[0],
                       torch.gradient(torch.tensor([1, 2, 4]))[0])


@pytest.mark.parametrize("build, match", [
    (lambda lib: lib.gradient(lib.tensor([1.0])), "at least edge_order\\+1"),
    (lambda lib: lib.gradient(lib.tensor([1.0, 2.0]), edge_order=2), "at least edge_order\\+1"),
    (lambda lib: lib.gradient(lib.zeros(3, 3), spacing=[1.0, 2.0], dim=0),
     "got a spacing argument of length 2 and a dim argument of length 1"),
])
def test_gradient_errors(build, match):
    helper_test_exception(build, RuntimeError, match=match)


# --- histogramdd, index_reduce, nonzero_static, hash_tensor -------------------------------
@pytest.mark.parametrize("kwargs", [
    {"bins": [2, 3]}, {"bins": 4, "range": [0.0, 1.0, 0.2, 0.8]},
    {"bins": [3, 2], "density": True}, {"bins": [2, 2], "weight": True}])
def test_histogramdd(kwargs):
    torch = torch_module()
    points = np.random.default_rng(0).random((20, 2)).astype(np.float32)
    weights = np.random.default_rng(1).random(20).astype(np.float32)
    t_kw, c_kw = dict(kwargs), dict(kwargs)
    if kwargs.get("weight"):
        t_kw["weight"], c_kw["weight"] = torch.tensor(weights), cynn.tensor(weights)
    t = torch.histogramdd(torch.tensor(points), **t_kw)
    c = cynn.histogramdd(cynn.tensor(points), **c_kw)
    assert_same_tensor(c.hist, t.hist)
    assert isinstance(c.bin_edges, tuple) and len(c.bin_edges) == len(t.bin_edges)
    for ce, te in zip(c.bin_edges, t.bin_edges):
        assert_same_tensor(ce, te)


def test_histogramdd_with_edges():
    torch = torch_module()
    points = np.random.default_rng(0).random((6, 2)).astype(np.float32)
    edges = [np.array([0.0, 0.5, 1.0], np.float32), np.array([0.0, 1.0], np.float32)]
    t = torch.histogramdd(torch.tensor(points), bins=[torch.tensor(e) for e in edges])
    c = cynn.histogramdd(cynn.tensor(points), bins=[cynn.tensor(e) for e in edges])
    assert_same_tensor(c.hist, t.hist)


@pytest.mark.parametrize("build, exc, match", [
    (lambda lib: lib.histogramdd(lib.rand(10), bins=[3]), RuntimeError,
     "input tensor should have at least 2 dimensions"),
    (lambda lib: lib.histogramdd(lib.rand(10, 2), bins=[3]), RuntimeError,
     "The size of bins must be equal to the innermost dimension"),
    (lambda lib: lib.histogramdd(lib.rand(10, 2), bins=3, range=[0.0, 1.0]), RuntimeError,
     "range should have 4 elements, but got 2"),
    (lambda lib: lib.histogramdd(lib.tensor([[1, 2]]), bins=2), NotImplementedError,
     "\"histogramdd\" not implemented for 'Long'"),
])
def test_histogramdd_errors(build, exc, match):
    helper_test_exception(build, exc, match=match)


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce_at_top_level(reduce, include_self):
    torch = torch_module()
    index = np.array([0, 2, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # torch: "index_reduce() is in beta"
        helper_test_op([(3, 2), (3, 2)],
                       lambda x, s: torch.index_reduce(x, 0, torch.tensor(index), s, reduce,
                                                       include_self=include_self),
                       lambda x, s: cynn.index_reduce(x, 0, cynn.tensor(index), s, reduce,
                                                      include_self=include_self),
                       check_grad_fn=False, grad=False)


@pytest.mark.parametrize("size, fill_value", [(5, -1), (1, 9), (3, 0)])
def test_nonzero_static_at_top_level(size, fill_value):
    torch = torch_module()
    data = np.array([[0, 1], [1, 1]])
    assert_same_tensor(cynn.nonzero_static(cynn.tensor(data), size=size, fill_value=fill_value),
                       torch.nonzero_static(torch.tensor(data), size=size,
                                            fill_value=fill_value))


@pytest.mark.parametrize("data, dim, keepdim", [
    ([[1.0, 2.0], [3.0, 4.0]], None, False), ([[1.0, 2.0], [3.0, -4.0]], 1, False),
    ([[1, 2], [3, 4]], 0, True), ([True, False, True], None, False),
    ([[1.5, -0.0], [2.0, 7.0]], (0, 1), True)])
def test_hash_tensor(data, dim, keepdim):
    torch = torch_module()
    t = torch.hash_tensor(torch.tensor(data), dim, keepdim=keepdim) if dim is not None else \
        torch.hash_tensor(torch.tensor(data))
    c = cynn.hash_tensor(cynn.tensor(data), dim, keepdim=keepdim) if dim is not None else \
        cynn.hash_tensor(cynn.tensor(data))
    assert_same_tensor(c, t)
    assert_same_tensor(cynn.tensor(data).hash_tensor(dim, keepdim=keepdim), t)


@pytest.mark.parametrize("build, exc, match", [
    (lambda lib: lib.hash_tensor(lib.zeros(0)), RuntimeError,
     "Expected reduction dim to be specified for input.numel\\(\\) == 0"),
    (lambda lib: lib.hash_tensor(lib.zeros(0, 3), 0), IndexError,
     "Expected reduction dim 0 to have non-zero size"),
])
def test_hash_tensor_errors(build, exc, match):
    helper_test_exception(build, exc, match=match)


# --- unsigned dtypes ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["uint16", "uint32", "uint64"])
def test_unsigned_dtypes_hold_values_and_refuse_promotion(name):
    torch = torch_module()
    dt = getattr(cynn, name)
    assert repr(dt) == f"cynn.{name}" and dt.itemsize == getattr(torch, name).itemsize
    values = [0, 1, 60000]
    c, t = cynn.tensor(values, dtype=dt), torch.tensor(values, dtype=getattr(torch, name))
    assert_same_tensor(c, t)
    assert_same_tensor(c.sum(), t.sum())
    assert_same_tensor(c + cynn.tensor([0.5, 0.5, 0.5]), t + torch.tensor([0.5, 0.5, 0.5]))
    for other in ("int32", "uint8", "bool"):
        helper_test_exception(
            lambda lib: lib.tensor(values, dtype=getattr(lib, name)) + lib.tensor(
                [1, 0, 1], dtype=getattr(lib, other)),
            RuntimeError, match="Promotion for uint16, uint32, uint64 types is not supported")
    assert cynn.from_numpy(np.array(values, dtype=name)).dtype is dt


# --- stft / istft ----------------------------------------------------------------------------
STFT_CASES = [
    (64, {"n_fft": 16}), (64, {"n_fft": 16, "hop_length": 5, "win_length": 10,
                               "normalized": True}),
    (50, {"n_fft": 15, "center": False}), (64, {"n_fft": 16, "onesided": False,
                                                "pad_mode": "constant"}),
    (40, {"n_fft": 12, "pad_mode": "circular"}), (40, {"n_fft": 12, "pad_mode": "replicate"}),
    (64, {"n_fft": 16, "center": False, "win_length": 8, "align_to_window": True}),
]


def _hann(n):
    return np.hanning(n + 2)[1:-1].astype(np.float32)


@pytest.mark.parametrize("length, kwargs", STFT_CASES)
@pytest.mark.parametrize("batched", [True, False])
def test_stft_matches_torchs_view_as_real(length, kwargs, batched):
    torch = torch_module()
    win = kwargs.get("win_length", kwargs["n_fft"])
    shape = (2, length) if batched else (length,)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    w = _hann(win)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    cx, cw = cynn.tensor(x, requires_grad=True), cynn.tensor(w, requires_grad=True)
    t_out = torch.view_as_real(torch.stft(tx, window=tw, return_complex=True, **kwargs))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c_out = cynn.stft(cx, window=cw, return_complex=False, **kwargs)
    assert any("return_complex=False is deprecated" in str(w.message) for w in caught)
    assert_same_tensor(c_out, t_out, atol=2e-5)
    g = np.random.default_rng(1).standard_normal(tuple(t_out.shape)).astype(np.float32)
    t_out.backward(torch.tensor(g))
    c_out.backward(cynn.tensor(g))
    assert_same_tensor(cx.grad, tx.grad, atol=2e-5)
    assert_same_tensor(cw.grad, tw.grad, atol=5e-5)


def test_stft_gradcheck_in_signal_and_window():
    def fn(x, w):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return cynn.stft(x, 8, hop_length=3, window=w, return_complex=False)
    check_gradcheck(fn, [(20,), (8,)])
    x = cynn.tensor(np.random.default_rng(0).standard_normal(12), requires_grad=True)
    w = cynn.tensor(_hann(8).astype(np.float64), requires_grad=True)
    assert cynn.autograd.gradgradcheck(lambda a, b: fn(a, b) ** 2, [x, w])


@pytest.mark.parametrize("length, kwargs", [c for c in STFT_CASES
                                            if not c[1].get("align_to_window")])
def test_istft_inverts_stft_as_torch(length, kwargs):
    torch = torch_module()
    win = kwargs.get("win_length", kwargs["n_fft"])
    x = np.random.default_rng(2).standard_normal((2, length)).astype(np.float32)
    w = _hann(win)
    inverse_kw = {k: v for k, v in kwargs.items() if k != "pad_mode"}
    if kwargs.get("center", True):
        inverse_kw["length"] = length
    spectrum = torch.stft(torch.tensor(x), window=torch.tensor(w), return_complex=True,
                          **kwargs)
    real_layout = torch.view_as_real(spectrum).detach().numpy()
    ts = torch.tensor(real_layout, requires_grad=True)
    cs = cynn.tensor(real_layout, requires_grad=True)
    tw, cw = torch.tensor(w, requires_grad=True), cynn.tensor(w, requires_grad=True)
    t_out = torch.istft(torch.view_as_complex(ts), window=tw, **inverse_kw)
    c_out = cynn.istft(cs, window=cw, **inverse_kw)
    assert_same_tensor(c_out, t_out, atol=2e-5)
    g = np.random.default_rng(3).standard_normal(tuple(t_out.shape)).astype(np.float32)
    t_out.backward(torch.tensor(g))
    c_out.backward(cynn.tensor(g))
    assert_same_tensor(cs.grad, ts.grad, atol=2e-5)
    assert_same_tensor(cw.grad, tw.grad, atol=5e-5)


def test_istft_gradcheck():
    spectrum = np.random.default_rng(4).standard_normal((5, 7, 2))
    window = _hann(8).astype(np.float64)
    check_gradcheck(lambda s, w: cynn.istft(s, 8, hop_length=2, window=w),
                    [(5, 7, 2), (8,)], inputs=[spectrum, window])


def test_istft_pads_to_a_longer_length():
    torch = torch_module()
    x = np.random.default_rng(5).standard_normal(40).astype(np.float32)
    w = _hann(8)
    spectrum = torch.stft(torch.tensor(x), 8, window=torch.tensor(w), return_complex=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.istft(spectrum, 8, window=torch.tensor(w), length=50)
        c = cynn.istft(cynn.tensor(torch.view_as_real(spectrum).numpy()), 8,
                       window=cynn.tensor(w), length=50)
    assert_same_tensor(c, t)


@pytest.mark.parametrize("kwargs, match", [
    ({"n_fft": 16}, "stft requires the return_complex parameter be given for real inputs"),
    ({"n_fft": 16, "win_length": 20, "return_complex": False},
     "expected 0 < win_length <= n_fft, but got win_length=20"),
    ({"n_fft": 16, "hop_length": 0, "return_complex": False},
     "expected hop_length > 0, but got hop_length=0"),
    ({"n_fft": 64, "center": False, "return_complex": False},
     "expected 0 < n_fft < 40, but got n_fft=64"),
    ({"n_fft": 16, "window_size": 10, "return_complex": False},
     "expected a 1D window tensor of size equal to win_length=16"),
    ({"n_fft": 16, "align_to_window": True, "return_complex": False},
     "align_to_window should only be set when center = false"),
])
def test_stft_errors(kwargs, match):
    kwargs = dict(kwargs)
    size = kwargs.pop("window_size", None)

    def run(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            window = None if size is None else lib.ones(size)
            return lib.stft(lib.zeros(40), window=window, **kwargs)
    helper_test_exception(run, RuntimeError, match=match)


def test_stft_complex_output_is_refused_honestly():
    with pytest.raises(NotImplementedError, match="cynn has no complex dtype"):
        cynn.stft(cynn.zeros(40), 16, window=cynn.ones(16), return_complex=True)
    with pytest.raises(RuntimeError, match="istft requires a complex-valued input"):
        cynn.istft(cynn.zeros(9, 5), 16)


def test_istft_nola_violation():
    torch = torch_module()
    spectrum = np.zeros((9, 5, 2), np.float32)
    window = np.zeros(16, np.float32)
    with pytest.raises(RuntimeError, match="window overlap add min"):
        torch.istft(torch.view_as_complex(torch.tensor(spectrum)), 16,
                    window=torch.tensor(window))
    with pytest.raises(RuntimeError, match="window overlap add min"):
        cynn.istft(cynn.tensor(spectrum), 16, window=cynn.tensor(window))


# --- compatibility members ---------------------------------------------------------------
def test_tensor_compat_attributes_as_torch():
    torch = torch_module()
    for lib in (torch, cynn):
        x = lib.randn(2, requires_grad=True)
        assert x.name is None
        assert x.is_distributed() is False and lib.is_distributed(x) is False
        assert x.grad_dtype == x.dtype
        with pytest.warns(UserWarning, match="volatile was removed"):
            assert x.volatile is False
        with pytest.raises(RuntimeError, match="reinforce\\(\\) was removed"):
            x.reinforce(1.0)
        assert lib.resolve_neg(x) is x
        with pytest.raises(RuntimeError, match="grad_dtype can only be accessed on leaf"):
            (x * 2).grad_dtype
        x.grad_dtype = None
        assert x.grad_dtype is None


def test_grad_dtype_other_than_the_own_is_refused():
    x = cynn.randn(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match="grad_dtype"):
        x.grad_dtype = cynn.float64


def test_imag_of_a_real_tensor():
    helper_test_exception(lambda lib: lib.imag(lib.randn(2)), RuntimeError,
                          match="imag is not implemented for tensors with non-complex dtypes")


def test_record_stream_is_not_for_cpu_tensors():
    with pytest.raises(NotImplementedError, match="aten::record_stream"):
        cynn.randn(2).record_stream(None)


@pytest.mark.parametrize("assign", [False, True])
def test_module_load(assign):
    torch = torch_module()
    for lib in (torch, cynn):
        param, value = lib.zeros(3), lib.arange(3.0, requires_grad=True)
        out = param.module_load(value, assign=assign)
        assert out is not param and out is not value and not out.requires_grad
        np.testing.assert_array_equal(np.asarray(out.detach()), [0.0, 1.0, 2.0])
        assert param.detach().tolist() == ([0.0, 0.0, 0.0] if assign else [0.0, 1.0, 2.0])


def test_as_subclass_shares_memory_and_graph():
    class Tagged(cynn.Tensor):
        pass
    x = cynn.arange(3.0, requires_grad=True)
    y = x * 2
    tagged = y.as_subclass(Tagged)
    assert isinstance(tagged, Tagged) and tagged.grad_fn is y.grad_fn
    tagged.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    assert np.shares_memory(tagged.detach().numpy(), y.detach().numpy())
    with pytest.raises(TypeError, match="must be a subclass of Tensor"):
        x.as_subclass(int)


def test_addmv_in_place_at_top_level():
    torch = torch_module()
    rng = np.random.default_rng(0)
    v, m, w = (rng.standard_normal(s).astype(np.float32) for s in ((3,), (3, 4), (4,)))
    t, c = torch.tensor(v), cynn.tensor(v)
    torch.addmv_(t, torch.tensor(m), torch.tensor(w), beta=0.5, alpha=2.0)
    assert cynn.addmv_(c, cynn.tensor(m), cynn.tensor(w), beta=0.5, alpha=2.0) is c
    assert_same_tensor(c, t)


def test_device_modules():
    torch = torch_module()
    assert cynn.get_device_module().__name__ == "cynn.cpu"
    assert cynn.get_device_module("cpu").device_count() == torch.get_device_module(
        "cpu").device_count()
    assert cynn.get_device_module("cpu").current_device() == "cpu"
    assert cynn.get_device_module("cuda:0").is_available() is False
    with pytest.raises(RuntimeError, match="does not have a corresponding module"):
        cynn.get_device_module("fpga")


def test_from_file_maps_memory(tmp_path):
    torch = torch_module()
    path = tmp_path / "values.bin"
    np.arange(6, dtype=np.float64).tofile(path)
    private = cynn.from_file(str(path), shared=False, size=6, dtype=cynn.float64)
    assert_same_tensor(private, torch.from_file(str(path), shared=False, size=6,
                                                dtype=torch.float64))
    private[0] = 100.0
    assert np.fromfile(path)[0] == 0.0
    shared = cynn.from_file(str(path), shared=True, size=6, dtype=cynn.float64)
    shared[1] = -5.0
    del shared
    assert np.fromfile(path)[1] == -5.0


def test_runtime_leftovers():
    torch = torch_module()
    assert issubclass(cynn.FatalError, Exception) and not issubclass(cynn.FatalError,
                                                                        RuntimeError)
    assert cynn.thread_safe_generator() is torch.thread_safe_generator() is None


# --- empty inputs ----------------------------------------------------------------------------
@pytest.mark.parametrize("build", [
    lambda lib: lib.igamma(lib.zeros(0, 3), lib.ones(0, 3)),
    lambda lib: lib.igammac(lib.zeros(2, 0), lib.ones(2, 0)),
    lambda lib: lib.polygamma(2, lib.zeros(0)),
    lambda lib: lib.gradient(lib.zeros(0, 3), dim=1)[0],
    lambda lib: lib.hash_tensor(lib.zeros(0, 3), 1),
    lambda lib: lib.histogramdd(lib.zeros(0, 2), bins=[2, 3]).hist,
], ids=["igamma", "igammac", "polygamma", "gradient", "hash_tensor", "histogramdd"])
def test_empty_inputs_as_torch(build):
    torch = torch_module()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = build(torch)
        got = build(cynn)
    assert_same_tensor(got, expected)


def test_stft_of_an_empty_batch():
    """torch 2.13 fails here inside MKL ("Inconsistent configuration parameters", or a
    padding error with center=True); the empty result has the shape of the formula."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = cynn.stft(cynn.zeros(0, 40), 16, window=cynn.ones(16), return_complex=False)
    assert tuple(out.shape) == (0, 9, 11, 2)
