"""F.embedding and nn.Embedding against torch: values, weight gradients (padding_idx,
scale_grad_by_freq), in-place max_norm renormalisation, errors, index checks, the
Module's repr / init / from_pretrained, and the scatter-add kernel's determinism."""
import doctest

import numpy as np
import pytest

import cynn
from cynn._kernels import embedding as kernel
from cynn.nn.functional import sparse as F
from cynn.nn.modules import sparse as modules
from _nn_parity import (assert_close, assert_same_error, check_module_parity, check_parity,
                        cy, gradcheck, rng, th, torch)

TF = torch.nn.functional


def _weight(rows=7, cols=4, seed=0, dtype=np.float32):
    return rng(seed).standard_normal((rows, cols)).astype(dtype)


def _indices(shape, rows=7, seed=1, dtype=np.int64):
    return rng(seed).integers(0, rows, size=shape).astype(dtype)


OPTIONS = [
    dict(),
    dict(padding_idx=0),
    dict(padding_idx=-1),
    dict(padding_idx=3),
    dict(scale_grad_by_freq=True),
    dict(padding_idx=2, scale_grad_by_freq=True),
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "plain")
@pytest.mark.parametrize("shape", [(9,), (3, 5), (2, 3, 4), ()], ids=str)
@pytest.mark.parametrize("index_dtype", [np.int64, np.int32], ids=["int64", "int32"])
def test_embedding_matches_torch(options, shape, index_dtype):
    # 7 rows, up to 24 lookups: rows repeat, so gradients accumulate
    check_parity(lambda i, w: F.embedding(i, w, **options),
                 lambda i, w: TF.embedding(i, w, **options),
                 [_indices(shape, dtype=index_dtype), _weight()])


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "plain")
def test_embedding_gradcheck(options):
    # the padding row's gradient is zero by definition, not by calculus: it is not looked up
    idx = _indices((3, 5))
    if "padding_idx" in options:
        idx = np.where(idx == options["padding_idx"] % 7, 1, idx)
    if options.get("scale_grad_by_freq"):
        # a heuristic, not a derivative: it agrees with calculus only for rows seen once
        idx = np.array([4, 1, 0, 6, 5])
    gradcheck(lambda i, w: F.embedding(i, w, **options), [idx, _weight()])


def test_padding_row_gets_no_gradient_and_repeats_accumulate():
    w = cy(_weight(), requires_grad=True)
    F.embedding(cy(np.array([2, 2, 2, 5, 0])), w, padding_idx=5).sum().backward()
    g = w.grad.numpy()
    np.testing.assert_array_equal(g[2], np.full(4, 3.0, np.float32))
    np.testing.assert_array_equal(g[5], np.zeros(4, np.float32))
    np.testing.assert_array_equal(g[[1, 3, 4, 6]], np.zeros((4, 4), np.float32))


def test_float64_weight_and_integer_weight_forward():
    check_parity(F.embedding, TF.embedding, [_indices((4,)), _weight(dtype=np.float64)])
    table = np.arange(12, dtype=np.int64).reshape(4, 3)
    check_parity(F.embedding, TF.embedding, [np.array([3, 0, 3]), table])


def test_non_contiguous_weight():
    w = _weight(4, 7)
    check_parity(lambda i, w: F.embedding(i, w.t()), lambda i, w: TF.embedding(i, w.t()),
                 [_indices((6,)), w])


def test_empty_indices_give_empty_output_and_zero_gradient():
    check_parity(F.embedding, TF.embedding, [np.zeros((0, 3), np.int64), _weight()])


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_max_norm_renormalises_rows_in_place_like_torch(norm_type):
    w = _weight(seed=4) * 3
    idx = np.array([[1, 4, 4], [6, 1, 0]])
    c_w, t_w = cy(w, requires_grad=True), th(w, requires_grad=True)
    version = c_w._version[0]
    c_out = F.embedding(cy(idx), c_w, max_norm=1.5, norm_type=norm_type)
    t_out = TF.embedding(th(idx), t_w, max_norm=1.5, norm_type=norm_type)
    assert_close(c_out, t_out)
    assert_close(c_w, t_w, what="renormalised weight")
    assert c_w._version[0] > version
    # rows not looked up keep their values; looked-up rows end at norm <= max_norm
    untouched = [2, 3, 5]
    np.testing.assert_array_equal(c_w.detach().numpy()[untouched], w[untouched])
    norms = np.linalg.norm(c_w.detach().numpy()[[0, 1, 4, 6]], ord=norm_type, axis=1)
    assert np.all(norms <= 1.5 + 1e-5) and np.any(np.linalg.norm(w, ord=norm_type, axis=1) > 1.5)
    g = rng(5).standard_normal(t_out.shape).astype(np.float32)
    (c_out * cy(g)).sum().backward()
    (t_out * th(g)).sum().backward()
    assert_close(c_w.grad, t_w.grad, what="weight grad")


def test_max_norm_through_the_module_matches_torch():
    c = modules.Embedding(6, 5, max_norm=1.0, padding_idx=1)
    t = torch.nn.Embedding(6, 5, max_norm=1.0, padding_idx=1)
    check_module_parity(c, t, np.array([[0, 1, 2], [2, 5, 5]]))
    assert_close(c.weight, t.weight, what="renormalised weight")


def test_output_has_embedding_backward_node_with_one_edge():
    w = cy(_weight(), requires_grad=True)
    out = F.embedding(cy(np.array([1, 2])), w)
    assert type(out.grad_fn).__name__ == "EmbeddingBackward0"
    assert len(out.grad_fn.next_functions) == 1
    assert F.embedding(cy(np.array([1])), cy(_weight())).grad_fn is None


def test_second_backward_without_retain_graph_raises():
    w = cy(_weight(), requires_grad=True)
    out = F.embedding(cy(np.array([1, 2])), w).sum()
    out.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.backward()


def test_indices_changed_after_forward_do_not_change_the_gradient():
    idx = cy(np.array([1, 1, 3]))
    w = cy(_weight(), requires_grad=True)
    out = F.embedding(idx, w)
    idx.numpy()[:] = 0
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [0, 2, 0, 1, 0, 0, 0])


@pytest.mark.parametrize("bad", [7, 2**40, -1, -2**40])
def test_out_of_range_index_raises_index_error_and_writes_nothing(bad):
    w = _weight()
    c_w = cy(w)
    for options in (dict(), dict(max_norm=0.1)):
        with pytest.raises(IndexError):
            F.embedding(cy(np.array([0, bad, 2])), c_w, **options)
        np.testing.assert_array_equal(c_w.numpy(), w)


def _errors():
    w, idx = _weight(), np.array([0, 2])
    return [
        ("index too large", lambda M, T: M.embedding(T(np.array([0, 7])), T(w))),
        ("negative index", lambda M, T: M.embedding(T(np.array([-1])), T(w))),
        ("float indices", lambda M, T: M.embedding(T(idx.astype(np.float32)), T(w))),
        ("int16 indices", lambda M, T: M.embedding(T(idx.astype(np.int16)), T(w))),
        ("uint8 indices", lambda M, T: M.embedding(T(idx.astype(np.uint8)), T(w))),
        ("bool indices", lambda M, T: M.embedding(T(np.array([True])), T(w))),
        ("1-d weight", lambda M, T: M.embedding(T(idx), T(w[0]))),
        ("3-d weight", lambda M, T: M.embedding(T(idx), T(w[None]))),
        ("padding_idx too large", lambda M, T: M.embedding(T(idx), T(w), padding_idx=7)),
        ("padding_idx too small", lambda M, T: M.embedding(T(idx), T(w), padding_idx=-8)),
        ("indices not a tensor", lambda M, T: M.embedding([0, 1], T(w))),
        ("weight not a tensor", lambda M, T: M.embedding(T(idx), w.tolist())),
        ("max_norm index too large", lambda M, T: M.embedding(T(np.array([0, 9])), T(w),
                                                              max_norm=1.0)),
        ("max_norm float indices", lambda M, T: M.embedding(T(idx.astype(np.float32)), T(w),
                                                            max_norm=1.0)),
    ]


@pytest.mark.parametrize("call", [c for _, c in _errors()], ids=[n for n, _ in _errors()])
def test_errors_match_torch(call):
    assert_same_error(lambda: call(F, cy), lambda: call(TF, th))


def _module_errors():
    return [
        ("padding_idx too large", lambda nn: nn.Embedding(5, 3, padding_idx=5)),
        ("padding_idx too small", lambda nn: nn.Embedding(5, 3, padding_idx=-6)),
        ("weight shape", lambda nn, lib: nn.Embedding(5, 3, _weight=lib.ones(4, 3))),
        ("negative size", lambda nn: nn.Embedding(-1, 3)),
        ("float size", lambda nn: nn.Embedding(2.5, 3)),
        ("pretrained 1-d", lambda nn, lib: nn.Embedding.from_pretrained(lib.ones(4))),
    ]


@pytest.mark.parametrize("build", [b for _, b in _module_errors()],
                         ids=[n for n, _ in _module_errors()])
def test_module_errors_match_torch(build):
    def run(nn, lib):
        return build(nn, lib) if build.__code__.co_argcount == 2 else build(nn)
    assert_same_error(lambda: run(modules, cynn), lambda: run(torch.nn, torch))


def test_sparse_true_is_refused_with_a_clear_error():
    with pytest.raises(NotImplementedError, match="sparse=True.*dense"):
        modules.Embedding(5, 3, sparse=True)
    with pytest.raises(NotImplementedError, match="sparse=True.*dense"):
        modules.Embedding.from_pretrained(cynn.ones(5, 3), sparse=True)
    with pytest.raises(NotImplementedError, match="sparse=True.*dense"):
        F.embedding(cy(np.array([1])), cy(_weight()), sparse=True)


@pytest.mark.parametrize("kwargs", [
    dict(), dict(padding_idx=0), dict(padding_idx=-1, max_norm=1.0),
    dict(max_norm=2.0, norm_type=1.0, scale_grad_by_freq=True), dict(norm_type=2),
])
def test_module_repr_state_dict_and_attributes_match_torch(kwargs):
    c, t = modules.Embedding(5, 3, **kwargs), torch.nn.Embedding(5, 3, **kwargs)
    assert repr(c) == repr(t)
    assert list(c.state_dict()) == list(t.state_dict())
    for name in ("num_embeddings", "embedding_dim", "padding_idx", "max_norm", "norm_type",
                 "scale_grad_by_freq", "sparse"):
        assert getattr(c, name) == getattr(t, name), name
    assert c.weight.requires_grad and c.weight.dtype == cynn.float32


def test_default_init_is_standard_normal_with_padding_row_zero():
    cynn.manual_seed(0)
    w = modules.Embedding(4000, 50, padding_idx=-3).weight.detach().numpy()
    np.testing.assert_array_equal(w[3997], np.zeros(50, np.float32))
    rest = np.delete(w, 3997, axis=0)
    assert abs(rest.mean()) < 0.01 and abs(rest.std() - 1.0) < 0.01
    cynn.manual_seed(0)
    again = modules.Embedding(4000, 50, padding_idx=-3).weight.detach().numpy()
    np.testing.assert_array_equal(w, again)


def test_module_dtype_argument():
    assert modules.Embedding(3, 2, dtype=cynn.float64).weight.dtype == cynn.float64


@pytest.mark.parametrize("kwargs", [dict(), dict(padding_idx=2), dict(scale_grad_by_freq=True)])
def test_module_forward_and_backward_match_torch(kwargs):
    check_module_parity(modules.Embedding(6, 4, **kwargs), torch.nn.Embedding(6, 4, **kwargs),
                        np.array([[0, 2, 2, 5], [1, 2, 0, 0]]))


def test_from_pretrained_shares_storage_and_freezes_by_default():
    data = cynn.from_numpy(_weight(4, 3))
    frozen = modules.Embedding.from_pretrained(data, padding_idx=1)
    assert repr(frozen) == "Embedding(4, 3, padding_idx=1)"
    assert not frozen.weight.requires_grad
    # the padding row of pretrained weights is kept as given, as in torch
    np.testing.assert_array_equal(frozen.weight.detach().numpy(), _weight(4, 3))
    data.numpy()[0, 0] = 42.0
    assert frozen.weight.detach().numpy()[0, 0] == 42.0
    assert frozen(cy(np.array([0, 3]))).grad_fn is None
    trainable = modules.Embedding.from_pretrained(cynn.from_numpy(_weight(4, 3)), freeze=False)
    trainable(cy(np.array([0, 0]))).sum().backward()
    np.testing.assert_array_equal(trainable.weight.grad.numpy()[0], np.full(3, 2, np.float32))


def _scatter_reference(src, dst, n_rows, skip_row, scale_by_count):
    out = np.zeros((n_rows, src.shape[1]), np.float64)
    keep = dst != skip_row
    np.add.at(out, dst[keep], src[keep].astype(np.float64))
    if scale_by_count:
        out /= np.maximum(np.bincount(dst[keep], minlength=n_rows), 1)[:, None]
    return out


@pytest.mark.parametrize("dtype,rtol", [(np.float32, 1e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("skip_row,scale_by_count", [(-1, False), (3, False), (3, True)])
def test_scatter_kernel_matches_numpy_add_at(dtype, rtol, skip_row, scale_by_count):
    g = rng(7)
    dst = g.integers(0, 50, size=3000).astype(np.int64)
    src = g.standard_normal((3000, 33)).astype(dtype)
    row_start, order = np.empty(51, np.int64), np.empty(3000, np.int64)
    kept = kernel.group_by_row(dst, skip_row, row_start, order)
    assert kept == np.count_nonzero(dst != skip_row)
    out = np.zeros((50, 33), dtype)
    kernel.scatter_add_rows(src, np.arange(3000), np.empty(0, dtype), row_start, order,
                            scale_by_count, out, 2)
    np.testing.assert_allclose(out, _scatter_reference(src, dst, 50, skip_row, scale_by_count),
                               rtol=rtol, atol=rtol)


def test_weight_gradient_is_bitwise_identical_for_any_thread_count():
    # few rows, many hits each: every row's sum is long, so a change of order would show
    idx = _indices((4000,), rows=40, seed=3)
    gy = rng(4).standard_normal((4000, 64)).astype(np.float32)
    previous = cynn.get_num_threads()
    grads = []
    try:
        for threads in (1, 2, 3):
            cynn.set_num_threads(threads)
            w = cy(_weight(40, 64), requires_grad=True)
            F.embedding(cy(idx), w, scale_grad_by_freq=True).backward(cy(gy))
            grads.append(w.grad.numpy())
    finally:
        cynn.set_num_threads(previous)
    for g in grads[1:]:
        np.testing.assert_array_equal(g, grads[0])


def test_docstring_examples_run():
    globs = {"cynn": cynn, "F": F, "nn": modules}
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for obj in (F.embedding, modules.Embedding):
        for test in doctest.DocTestFinder().find(obj, globs=dict(globs)):
            runner.run(test)
    assert runner.failures == 0 and runner.tries >= 3
