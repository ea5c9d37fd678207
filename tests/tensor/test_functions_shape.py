"""cynn._ops.shape against torch: values, gradients, errors, float64 finite differences."""
import warnings

import numpy as np
import pytest

import cynn
from helpers import check_gradcheck, helper_test_exception, helper_test_op, torch_module

torch = torch_module()


@pytest.mark.parametrize("shifts,dims", [(2, None), (1, 0), ((1, -2), (0, 2)), (-7, -1)])
def test_roll(shifts, dims):
    helper_test_op([(3, 4, 5)], lambda x: torch.roll(x, shifts, dims),
                   lambda x: cynn.roll(x, shifts, dims))


@pytest.mark.parametrize("k,dims", [(1, (0, 1)), (2, (1, 2)), (3, (2, 0)), (-1, (0, 2))])
def test_rot90(k, dims):
    helper_test_op([(3, 4, 5)], lambda x: x.rot90(k, dims))


def test_tile_repeat_interleave_broadcast():
    helper_test_op([(2, 3)], lambda x: x.tile((2,)), check_grad_fn=False)
    helper_test_op([(2, 3)], lambda x: torch.tile(x, (2, 1, 2)),
                   lambda x: cynn.tile(x, (2, 1, 2)), check_grad_fn=False)
    helper_test_op([(2, 3)], lambda x: x.repeat_interleave(2), check_grad_fn=False)
    helper_test_op([(2, 3)], lambda x: x.repeat_interleave(3, dim=1), check_grad_fn=False)
    helper_test_op([], lambda x, r: x.repeat_interleave(r, dim=0),
                   inputs=[np.ones((3, 2), np.float32), np.array([2, 0, 1])], check_grad_fn=False)
    np.testing.assert_array_equal(cynn.repeat_interleave(cynn.tensor([1, 0, 3])).numpy(),
                                  torch.repeat_interleave(torch.tensor([1, 0, 3])).numpy())
    helper_test_op([(3, 1)], lambda x: torch.broadcast_to(x, (2, 3, 4)),
                   lambda x: cynn.broadcast_to(x, (2, 3, 4)))
    helper_test_op([(3, 1), (1, 4)], lambda a, b: torch.broadcast_tensors(a, b),
                   lambda a, b: cynn.broadcast_tensors(a, b))
    assert tuple(cynn.broadcast_shapes((3, 1), (4,), (2, 1, 1))) == (2, 3, 4)


@pytest.mark.parametrize("name", ["hstack", "vstack", "dstack", "column_stack", "row_stack"])
@pytest.mark.parametrize("shapes", [[(3,), (3,)], [(2, 3), (2, 3)], [(2, 3, 1), (2, 3, 2)]])
def test_stacks(name, shapes):
    if name in ("vstack", "row_stack") and shapes[0] == (2, 3, 1):
        shapes = [(2, 3, 1), (1, 3, 1)]
    if name in ("column_stack", "hstack") and len(shapes[0]) == 3:
        shapes = [(2, 3, 1), (2, 1, 1)]
    helper_test_op(shapes, lambda a, b: getattr(torch, name)([a, b]),
                   lambda a, b: getattr(cynn, name)([a, b]), check_grad_fn=False)


def test_block_diag_meshgrid_cartesian_combinations():
    helper_test_op([(2, 2), (3,), (), (1, 3)], lambda *t: torch.block_diag(*t),
                   lambda *t: cynn.block_diag(*t), check_grad_fn=False)
    for indexing in ("ij", "xy"):
        helper_test_op([(3,), (4,), (2,)], lambda *t: torch.meshgrid(*t, indexing=indexing),
                       lambda *t: cynn.meshgrid(*t, indexing=indexing), check_grad_fn=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cynn.meshgrid(cynn.ones(2), cynn.ones(3))
    assert any("indexing argument" in str(w.message) for w in caught)
    helper_test_op([(3,), (2,)], lambda a, b: torch.cartesian_prod(a, b),
                   lambda a, b: cynn.cartesian_prod(a, b), check_grad_fn=False)
    for r, rep in [(2, False), (3, False), (2, True)]:
        helper_test_op([(4,)], lambda x: torch.combinations(x, r, rep),
                       lambda x: cynn.combinations(x, r, rep), check_grad_fn=False)


def test_movedim_swapaxes_flips_ravel():
    helper_test_op([(2, 3, 4, 5)], lambda x: x.movedim((0, 1), (3, 0)), check_grad_fn=False)
    helper_test_op([(2, 3, 4)], lambda x: torch.moveaxis(x, -1, 0),
                   lambda x: cynn.moveaxis(x, -1, 0), check_grad_fn=False)
    helper_test_op([(2, 3, 4)], lambda x: x.swapaxes(0, 2), check_grad_fn=False)
    helper_test_op([(2, 3, 4)], lambda x: x.swapdims(1, 2), check_grad_fn=False)
    helper_test_op([(2, 3)], lambda x: x.fliplr(), check_grad_fn=False)
    helper_test_op([(2, 3)], lambda x: x.flipud(), check_grad_fn=False)
    helper_test_op([(2, 3)], lambda x: x.t().ravel(), check_grad_fn=False)
    helper_test_exception(lambda lib: lib.ones(3).fliplr(), RuntimeError, match="Input must be >= 2-d")
    helper_test_exception(lambda lib: lib.ones(2, 3).movedim((0, 0), (1, 0)), RuntimeError,
                          match="repeated dim in `source`")


@pytest.mark.parametrize("spec", [3, 4, [1, 4], (0, 2, 2, 9)])
def test_tensor_split_and_friends(spec):
    helper_test_op([(7, 4)], lambda x: x.tensor_split(spec), check_grad_fn=False)
    helper_test_op([(4, 7)], lambda x: torch.tensor_split(x, spec, 1),
                   lambda x: cynn.tensor_split(x, spec, 1), check_grad_fn=False)


def test_h_v_d_split():
    helper_test_op([(4, 6, 2)], lambda x: x.hsplit(3), check_grad_fn=False)
    helper_test_op([(4, 6, 2)], lambda x: x.vsplit([1, 3]), check_grad_fn=False)
    helper_test_op([(4, 6, 2)], lambda x: x.dsplit(2), check_grad_fn=False)
    helper_test_op([(6,)], lambda x: x.hsplit(2), check_grad_fn=False)
    helper_test_exception(lambda lib: lib.ones(4, 6).hsplit(4), RuntimeError,
                          match="not divisible by the split_size")
    helper_test_exception(lambda lib: lib.ones(6).vsplit(2), RuntimeError,
                          match="at least 2 dimension")


@pytest.mark.parametrize("diagonal", [0, 1, -2, 5])
def test_tril_triu(diagonal):
    helper_test_op([(2, 4, 5)], lambda x: x.tril(diagonal))
    helper_test_op([(4, 5)], lambda x: torch.triu(x, diagonal), lambda x: cynn.triu(x, diagonal))
    for fn in ("tril_indices", "triu_indices"):
        np.testing.assert_array_equal(getattr(cynn, fn)(4, 5, diagonal).numpy(),
                                      getattr(torch, fn)(4, 5, diagonal).numpy())


def test_tril_inplace_and_infinities():
    x = np.array([[np.inf, np.inf], [np.inf, np.nan]])
    helper_test_op([], lambda t: t.triu(), inputs=[x], dtype="float64", grad=False)
    t = cynn.ones(3, 3)
    assert t.tril_() is t
    np.testing.assert_array_equal(t.numpy(), np.tril(np.ones((3, 3))))


@pytest.mark.parametrize("offset,dim1,dim2", [(0, 0, 1), (1, 1, 2), (-1, 2, 0), (3, 0, 2)])
def test_diagonal_family(offset, dim1, dim2):
    helper_test_op([(3, 4, 5)], lambda x: x.diagonal(offset, dim1, dim2))
    helper_test_op([(3, 4)], lambda x: torch.diag_embed(x, offset, dim1 % 3, dim2 % 3),
                   lambda x: cynn.diag_embed(x, offset, dim1 % 3, dim2 % 3))


def test_diag_diagflat_trace_scatters():
    for k in (0, 1, -2):
        helper_test_op([(4,)], lambda x: torch.diag(x, k), lambda x: cynn.diag(x, k),
                       check_grad_fn=False)
        helper_test_op([(4, 3)], lambda x: x.diag(k), check_grad_fn=False)
        helper_test_op([(2, 2)], lambda x: x.diagflat(k), check_grad_fn=False)
    helper_test_op([(4, 3)], lambda x: x.trace(), check_grad_fn=False)
    helper_test_op([(3, 4), (3,)], lambda x, s: x.diagonal_scatter(s, 1), check_grad_fn=False)
    helper_test_op([(3, 4), (3,)], lambda x, s: torch.select_scatter(x, s, 1, -1),
                   lambda x, s: cynn.select_scatter(x, s, 1, -1), check_grad_fn=False)
    helper_test_op([(6, 4), (2, 4)], lambda x, s: x.slice_scatter(s, 0, 1, 5, 2),
                   check_grad_fn=False)
    helper_test_exception(lambda lib: lib.ones(2, 2, 2).diag(), RuntimeError,
                          match="Supports 1D or 2D")
    helper_test_exception(lambda lib: lib.ones(3, 4).diagonal_scatter(lib.ones(4)), RuntimeError,
                          match="expected src to have a size equal to the slice")


def test_gradcheck_float64():
    check_gradcheck(lambda x: x.roll((1, 2), (0, 1)), [(3, 4)])
    check_gradcheck(lambda x: x.rot90(1, (0, 1)), [(3, 4)])
    check_gradcheck(lambda x: x.tril(-1), [(3, 4)])
    check_gradcheck(lambda x: x.diagonal(1), [(3, 4)])
    check_gradcheck(lambda x: cynn.diag_embed(x, -1), [(2, 3)])
    check_gradcheck(lambda x, s: x.diagonal_scatter(s), [(3, 3), (3,)])
    check_gradcheck(lambda x: x.repeat_interleave(2, 1), [(2, 3)])


def test_empty_and_errors():
    helper_test_op([(0, 3)], lambda x: x.roll(1, 1))
    helper_test_op([(0, 3)], lambda x: x.tril())
    helper_test_exception(lambda lib: lib.ones(3).tril(), RuntimeError,
                          match="at least 2 dimensions")
    helper_test_exception(lambda lib: lib.ones(2, 3).roll((1, 2), 0), RuntimeError,
                          match="shifts and dimensions must align")
    helper_test_exception(lambda lib: lib.ones(2, 3).rot90(1, (0, 0)), RuntimeError,
                          match="expected rotation dims to be different")
