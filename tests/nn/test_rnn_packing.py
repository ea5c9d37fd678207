"""nn.utils.rnn against torch.nn.utils.rnn: PackedSequence's fields and conversions,
pack_padded_sequence (sorted or not, batch_first), pad_packed_sequence (batch_first,
padding_value, total_length), pack_sequence, pad_sequence (padding_side),
unpad_sequence, unpack_sequence: values, index tensors, gradients and errors."""
import numpy as np
import pytest

import cynn
from cynn.nn.utils import rnn as R
from _nn_parity import assert_close, assert_same_error, rng, torch

TR = torch.nn.utils.rnn


def _same_packed(c, t):
    assert_close(c.data, t.data, what="data")
    for field in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        cv, tv = getattr(c, field), getattr(t, field)
        if tv is None:
            assert cv is None, field
        else:
            assert cv.dtype == cynn.int64, field
            np.testing.assert_array_equal(cv.numpy(), tv.numpy(), err_msg=field)


def _backward_both(c_out, t_out, c_in, t_in, seed=5):
    w = rng(seed).standard_normal(tuple(t_out.shape)).astype(np.float32)
    (c_out * cynn.tensor(w)).sum().backward()
    (t_out * torch.tensor(w)).sum().backward()
    for i, (ci, ti) in enumerate(zip(c_in, t_in)):
        assert_close(ci.grad, ti.grad, what=f"grad {i}")


@pytest.mark.parametrize("lengths,enforce_sorted", [
    ([4, 3, 1], True), ([4, 4, 4], True), ([2, 4, 3], False), ([1, 4, 1, 4], False),
    ([3], True)])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_padded_sequence_matches_torch(lengths, enforce_sorted, batch_first, as_tensor):
    shape = (len(lengths), 4, 2) if batch_first else (4, len(lengths), 2)
    x = rng(0).standard_normal(shape).astype(np.float32)
    c_x, t_x = cynn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    c_len = cynn.tensor(lengths) if as_tensor else lengths
    t_len = torch.tensor(lengths) if as_tensor else lengths
    c = R.pack_padded_sequence(c_x, c_len, batch_first, enforce_sorted)
    t = TR.pack_padded_sequence(t_x, t_len, batch_first, enforce_sorted)
    assert type(c).__name__ == "PackedSequence" and c._fields == t._fields
    _same_packed(c, t)
    _backward_both(c.data, t.data, [c_x], [t_x])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_value", [0.0, -1.5])
@pytest.mark.parametrize("total_length", [None, 6])
def test_pad_packed_sequence_round_trip(batch_first, padding_value, total_length):
    lengths = [2, 5, 3]
    x = rng(1).standard_normal((5, 3, 2)).astype(np.float32)
    c_x, t_x = cynn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    c = R.pack_padded_sequence(c_x, lengths, enforce_sorted=False)
    t = TR.pack_padded_sequence(t_x, lengths, enforce_sorted=False)
    c_pad, c_len = R.pad_packed_sequence(c, batch_first, padding_value, total_length)
    t_pad, t_len = TR.pad_packed_sequence(t, batch_first, padding_value, total_length)
    assert_close(c_pad, t_pad, what="padded")
    np.testing.assert_array_equal(c_len.numpy(), t_len.numpy())
    assert c_len.dtype == cynn.int64
    _backward_both(c_pad, t_pad, [c_x], [t_x])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("padding_value", [0.0, 2.5])
def test_pad_sequence_matches_torch(batch_first, padding_side, padding_value):
    g = rng(2)
    seqs = [g.standard_normal((n, 3)).astype(np.float32) for n in (2, 4, 1)]
    c_in = [cynn.tensor(s, requires_grad=True) for s in seqs]
    t_in = [torch.tensor(s, requires_grad=True) for s in seqs]
    c = R.pad_sequence(c_in, batch_first, padding_value, padding_side)
    t = TR.pad_sequence(t_in, batch_first, padding_value, padding_side)
    assert_close(c, t)
    _backward_both(c, t, c_in, t_in)


def test_pad_sequence_of_a_tensor_and_of_scalars_per_step():
    x = rng(3).standard_normal((2, 3)).astype(np.float32)
    assert_close(R.pad_sequence(cynn.tensor(x)), TR.pad_sequence(torch.tensor(x)))
    seqs = [np.array([1.0, 2.0], np.float32), np.array([3.0], np.float32)]
    assert_close(R.pad_sequence([cynn.tensor(s) for s in seqs]),
                 TR.pad_sequence([torch.tensor(s) for s in seqs]))


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack_sequence(enforce_sorted):
    g = rng(4)
    lengths = (4, 3, 1) if enforce_sorted else (1, 4, 3)
    seqs = [g.standard_normal((n, 2)).astype(np.float32) for n in lengths]
    c_in = [cynn.tensor(s, requires_grad=True) for s in seqs]
    t_in = [torch.tensor(s, requires_grad=True) for s in seqs]
    c = R.pack_sequence(c_in, enforce_sorted)
    t = TR.pack_sequence(t_in, enforce_sorted)
    _same_packed(c, t)
    c_back, t_back = R.unpack_sequence(c), TR.unpack_sequence(t)
    assert len(c_back) == len(t_back)
    for cb, tb, s in zip(c_back, t_back, seqs):
        assert_close(cb, tb)
        np.testing.assert_array_equal(cb.detach().numpy(), s)
    _backward_both(c.data, t.data, c_in, t_in)


@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_sequence_matches_torch(batch_first):
    x = rng(5).standard_normal((3, 4, 2) if batch_first else (4, 3, 2)).astype(np.float32)
    lengths = [4, 1, 3]
    c_x, t_x = cynn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    c = R.unpad_sequence(c_x, cynn.tensor(lengths), batch_first)
    assert tuple(c_x.shape) == x.shape
    # torch transposes its argument in place (transpose_) when not batch_first, which a
    # leaf refuses: torch gets a copy, cynn leaves its argument alone
    t = TR.unpad_sequence(t_x.clone(), torch.tensor(lengths), batch_first)
    assert len(c) == len(t)
    for a, b in zip(c, t):
        assert_close(a, b)
    c_total = sum((a * (i + 1)).sum() for i, a in enumerate(c))
    t_total = sum((b * (i + 1)).sum() for i, b in enumerate(t))
    c_total.backward()
    t_total.backward()
    assert_close(c_x.grad, t_x.grad)


def test_packed_sequence_construction_and_conversions():
    data = cynn.ones(3, 2)
    p = R.PackedSequence(data, cynn.tensor([2, 1]))
    assert p.sorted_indices is None and p.unsorted_indices is None
    assert tuple(p) == (p.data, p.batch_sizes, None, None)
    pair = R.PackedSequence((data, cynn.tensor([2, 1])))
    assert pair.data is data
    sorted_indices = cynn.tensor([1, 0, 2])
    q = R.PackedSequence(data, cynn.tensor([2, 1]), sorted_indices)
    np.testing.assert_array_equal(q.unsorted_indices.numpy(), [1, 0, 2])
    assert p.float() is p and p.to("cpu") is p and p.cpu() is p
    d = p.double()
    assert type(d) is R.PackedSequence and d.data.dtype == cynn.float64
    assert d.batch_sizes is p.batch_sizes and d.sorted_indices is None
    assert p.to(cynn.float64).data.dtype == cynn.float64
    assert p.long().data.dtype == cynn.int64
    assert p.is_cuda is False
    assert repr(R.pack_sequence([cynn.tensor([1., 2.]), cynn.tensor([3.])])) == \
        ("PackedSequence(data=tensor([1., 3., 2.]), batch_sizes=tensor([2, 1]), "
         "sorted_indices=None, unsorted_indices=None)")
    perm = cynn.tensor([2, 0, 1])
    np.testing.assert_array_equal(R.invert_permutation(perm).numpy(),
                                  TR.invert_permutation(torch.tensor([2, 0, 1])).numpy())
    assert R.invert_permutation(None) is None


def _errors():
    def x(lib):
        return lib.zeros(4, 3, 2)
    return [
        ("unsorted", lambda lib, U: U.pack_padded_sequence(x(lib), [4, 2, 3])),
        ("zero length", lambda lib, U: U.pack_padded_sequence(x(lib), [4, 3, 0])),
        ("negative length", lambda lib, U: U.pack_padded_sequence(x(lib), [4, 3, -1])),
        ("too few lengths", lambda lib, U: U.pack_padded_sequence(x(lib), [4, 3])),
        ("batch_first lengths", lambda lib, U: U.pack_padded_sequence(x(lib), [3, 3, 2],
                                                                      batch_first=True)),
        ("2-d lengths", lambda lib, U: U.pack_padded_sequence(x(lib), lib.tensor([[4, 3, 2]]))),
        ("total_length too short", lambda lib, U: U.pad_packed_sequence(
            U.pack_padded_sequence(x(lib), [4, 3, 2]), total_length=3)),
        ("empty list", lambda lib, U: U.pad_sequence([])),
        ("padding side", lambda lib, U: U.pad_sequence([lib.ones(2, 3)], padding_side="middle")),
        ("trailing sizes", lambda lib, U: U.pad_sequence([lib.ones(2, 3), lib.ones(3, 4)])),
        ("unpad lengths mismatch", lambda lib, U: U.unpad_sequence(x(lib), lib.tensor([4, 3]))),
        ("pack_sequence unsorted", lambda lib, U: U.pack_sequence([lib.ones(2), lib.ones(3)])),
    ]


@pytest.mark.parametrize("call", [c for _, c in _errors()], ids=[n for n, _ in _errors()])
def test_errors_match_torch(call):
    assert_same_error(lambda: call(cynn, R), lambda: call(torch, TR))


def test_length_beyond_the_padded_steps_is_refused():
    # torch reads past the tensor here; cynn refuses before any gather
    with pytest.raises(RuntimeError, match="exceeds"):
        R.pack_padded_sequence(cynn.zeros(4, 3, 2), [5, 3, 2])
