"""Indexing (basic, integer-array, bool mask), index assignment, and view semantics."""
import numpy as np
import pytest

import cynn
from helpers import assert_same_tensor, helper_test_op, torch_module

BASE = np.arange(60, dtype=np.float32).reshape(3, 4, 5)

GET = {
    "int": lambda lib: 1,
    "neg_int": lambda lib: -1,
    "tuple_ints": lambda lib: (0, 2, 4),
    "slice": lambda lib: slice(1, None),
    "neg_step_free_slice": lambda lib: (slice(None), slice(-3, -1)),
    "step": lambda lib: (slice(None, None, 2), slice(1, None, 3)),
    "ellipsis": lambda lib: (Ellipsis, 1),
    "none": lambda lib: (None, 1, None),
    "empty_slice": lambda lib: slice(2, 2),
    "list": lambda lib: [2, 0, 2],
    "tensor_long": lambda lib: lib.tensor([1, 1, 0]),
    "tensor_int32": lambda lib: lib.tensor([2, 0], dtype=lib.int32),
    "tensor_2d": lambda lib: lib.tensor([[0, 1], [2, 0]]),
    "tensor_0d": lambda lib: lib.tensor(2),
    "two_arrays": lambda lib: (lib.tensor([0, 2]), lib.tensor([1, 3])),
    "broadcast_arrays": lambda lib: (lib.tensor([[0], [2]]), lib.tensor([1, 3])),
    "array_slice_array": lambda lib: (lib.tensor([0, 2]), slice(None), lib.tensor([4, 0])),
    "slice_array": lambda lib: (slice(0, 2), [3, 1]),
    "int_array": lambda lib: (1, lib.tensor([0, 3, 3])),
    "ellipsis_array": lambda lib: (Ellipsis, lib.tensor([0, 0])),
    "mask_full": lambda lib: lib.tensor(BASE) > 30,
    "mask_rows": lambda lib: lib.tensor([True, False, True]),
    "mask_2d": lambda lib: lib.tensor(BASE[:, :, 0]) % 2 == 0,
    "mask_then_slice": lambda lib: (lib.tensor([False, True, True]), slice(1, 3)),
    "all_false_mask": lambda lib: lib.tensor([False, False, False]),
}


@pytest.mark.parametrize("index", list(GET.values()), ids=list(GET))
def test_getitem_matches_torch(index):
    torch = torch_module()
    expected = torch.tensor(BASE)[index(torch)]
    got = cynn.tensor(BASE)[index(cynn)]
    assert_same_tensor(got, expected)


@pytest.mark.parametrize("index", list(GET.values()), ids=list(GET))
def test_getitem_gradients_match_torch(index):
    torch = torch_module()
    helper_test_op(None, lambda x: x[index(torch)] * 2, lambda x: x[index(cynn)] * 2,
                   inputs=[BASE / 10])


SET = {
    "int_scalar": (lambda lib: 1, lambda lib: 7.0),
    "slice_scalar": (lambda lib: (slice(None), 2), lambda lib: -1.0),
    "int_tensor_broadcast": (lambda lib: 0, lambda lib: lib.arange(5.0)),
    "slice_tensor": (lambda lib: (slice(0, 2), slice(1, 3)), lambda lib: lib.ones(2, 2, 5)),
    "ellipsis": (lambda lib: (Ellipsis, 0), lambda lib: lib.zeros(3, 4)),
    "step": (lambda lib: (slice(None, None, 2),), lambda lib: 3.0),
    "list": (lambda lib: [0, 2], lambda lib: lib.full((4, 5), 2.0)),
    "tensor_index": (lambda lib: lib.tensor([2, 1]), lambda lib: 9.0),
    "two_arrays": (lambda lib: (lib.tensor([0, 2]), lib.tensor([1, 3])), lambda lib: 5.0),
    "mask": (lambda lib: lib.tensor(BASE) > 40, lambda lib: 0.0),
    "mask_rows_tensor": (lambda lib: lib.tensor([True, False, True]),
                         lambda lib: lib.full((4, 5), -2.0)),
    "int_value_into_float": (lambda lib: 0, lambda lib: 3),
    "0d_tensor_value": (lambda lib: (1, 1), lambda lib: lib.tensor(4.5)),
}


@pytest.mark.parametrize("index, value", list(SET.values()), ids=list(SET))
def test_setitem_matches_torch(index, value):
    torch = torch_module()
    expected = torch.tensor(BASE)
    expected[index(torch)] = value(torch)
    got = cynn.tensor(BASE)
    version = got._version_counter
    got[index(cynn)] = value(cynn)
    assert_same_tensor(got, expected)
    assert got._version_counter == version + 1


@pytest.mark.parametrize("index", [
    lambda lib: 1, lambda lib: (slice(None), slice(1, 3)), lambda lib: [0, 2],
    lambda lib: (lib.tensor([0, 2]), lib.tensor([1, 3])), lambda lib: (Ellipsis, 0)],
    ids=["int", "slices", "list", "arrays", "ellipsis"])
def test_setitem_gradients_flow_to_base_and_value(index):
    torch = torch_module()

    def fn(lib, x, v):
        z = x * 1
        target = z[index(lib)]
        z[index(lib)] = v.expand(target.shape) * 3 if target.dim() else (v * 3).sum()
        return z * z

    helper_test_op([(3, 4, 5), (1,)], lambda x, v: fn(torch, x, v), lambda x, v: fn(cynn, x, v))


def test_setitem_mask_gradient_like_torch():
    torch = torch_module()

    def fn(lib, x):
        z = x.clone()
        z[z > 0] = 0.0
        return z.exp()

    helper_test_op([(4, 3)], lambda x: fn(torch, x), lambda x: fn(cynn, x))


def test_setitem_under_no_grad_on_a_leaf():
    w = cynn.zeros(3, requires_grad=True)
    with cynn.no_grad():
        w[1] = 5.0
    assert w.tolist() == [0.0, 5.0, 0.0] and w.is_leaf and w.requires_grad


# -- views share storage and the version counter -----------------------------------
VIEWS = {
    "view": lambda t: t.view(6, 2),
    "reshape": lambda t: t.reshape(-1),
    "flatten": lambda t: t.flatten(),
    "transpose": lambda t: t.transpose(0, 1),
    "t": lambda t: t.t(),
    "T": lambda t: t.T,
    "permute": lambda t: t.permute(1, 0),
    "unsqueeze": lambda t: t.unsqueeze(0),
    "squeeze": lambda t: t.unsqueeze(1).squeeze(1),
    "expand": lambda t: t.unsqueeze(0).expand(2, 3, 4),
    "slice": lambda t: t[1:],
    "select": lambda t: t[1],
    "narrow": lambda t: t.narrow(1, 1, 2),
    "chunk": lambda t: t.chunk(2, 1)[1],
    "split": lambda t: t.split(1)[2],
    "unbind": lambda t: t.unbind(1)[3],
    "detach": lambda t: t.detach(),
    "data": lambda t: t.data,
    "contiguous_noop": lambda t: t.contiguous(),
}


@pytest.mark.parametrize("make_view", list(VIEWS.values()), ids=list(VIEWS))
def test_views_share_storage(make_view):
    base = cynn.arange(12.0).reshape(3, 4)
    view = make_view(base)
    assert np.shares_memory(view.numpy(), base.numpy())
    base.add_(100)
    assert view.numpy().min() >= 100


@pytest.mark.parametrize("make_view", [v for k, v in VIEWS.items() if k != "data"],
                         ids=[k for k in VIEWS if k != "data"])
def test_views_share_the_version_counter(make_view):
    base = cynn.arange(12.0).reshape(3, 4)
    view = make_view(base)
    before = base._version_counter
    base.mul_(2)
    assert view._version_counter == before + 1


@pytest.mark.parametrize("make_copy", [
    lambda t: t[[0, 2]], lambda t: t[t > 3], lambda t: t.t().reshape(-1), lambda t: t.clone(),
    lambda t: t.t().contiguous(), lambda t: t.flip(0), lambda t: t.repeat(2, 1),
    lambda t: t.double(), lambda t: cynn.cat([t, t]), lambda t: cynn.stack([t])],
    ids=["int_array", "mask", "reshape_copy", "clone", "contiguous", "flip", "repeat",
         "double", "cat", "stack"])
def test_copies_do_not_share_storage(make_copy):
    base = cynn.arange(12.0).reshape(3, 4)
    out = make_copy(base)
    assert not np.shares_memory(out.numpy(), base.numpy())


@pytest.mark.parametrize("n, chunks, dim", [(5, 2, 0), (5, 3, 0), (6, 4, 0), (7, 7, 0),
                                            (3, 5, 0), (6, 3, 1), (0, 2, 0)])
def test_chunk_and_split_sizes_match_torch(n, chunks, dim):
    torch = torch_module()
    shape = (n, 2) if dim == 0 else (2, n)
    expected = [tuple(c.shape) for c in torch.zeros(shape).chunk(chunks, dim)]
    assert [tuple(c.shape) for c in cynn.zeros(shape).chunk(chunks, dim)] == expected
    expected = [tuple(c.shape) for c in torch.zeros(shape).split(max(chunks, 1), dim)]
    assert [tuple(c.shape) for c in cynn.zeros(shape).split(max(chunks, 1), dim)] == expected


def test_iteration_yields_rows():
    t = cynn.arange(6).reshape(3, 2)
    rows = list(t)
    assert len(rows) == 3 and rows[2].tolist() == [4, 5]
