"""Variable-length sequences for the recurrent layers (mirrors ``torch.nn.utils.rnn``).

A ``PackedSequence`` stores a batch of sequences step by step: ``data`` holds, for
each time step ``t``, the elements of the ``batch_sizes[t]`` sequences that are at
least ``t + 1`` long, the batch sorted by decreasing length. An LSTM, GRU or RNN then
runs each step on exactly the sequences still going, and each sequence's final
state is taken at its own last step.

Every conversion here is a gather (``cat`` + integer indexing) over the same index
maps, so gradients flow back to the padded or listed inputs.
"""
import collections
import operator

import numpy as np

from .. import _creation
from .. import _dtype as _dtypes
from .._tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]


def _index_tensor(array):
    return _creation.tensor(np.asarray(array, dtype=np.int64))


def invert_permutation(permutation):
    """The permutation that undoes ``permutation`` (a 1-d int64 tensor), or None."""
    if permutation is None:
        return None
    perm = np.asarray(permutation.numpy() if isinstance(permutation, Tensor) else permutation,
                      dtype=np.int64)
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.shape[0], dtype=np.int64)
    return _index_tensor(inverse)


_PackedSequenceBase = collections.namedtuple(
    "PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_PackedSequenceBase):
    """A batch of variable-length sequences packed step by step; build it with
    ``pack_padded_sequence`` or ``pack_sequence``, never by hand.

    Attributes:
        data (Tensor): ``(sum of lengths, *)``, step ``t``'s ``batch_sizes[t]``
            elements after those of the steps before.
        batch_sizes (Tensor): int64 ``(max length,)``, how many sequences each step has.
        sorted_indices (Tensor, optional): int64 ``(B,)``, the original batch position of
            each packed column (None: the batch was already sorted by length).
        unsorted_indices (Tensor, optional): its inverse permutation.

    Shape:
        ``data`` ``(L_1 + ... + L_B, *)`` for sequences of lengths ``L_1 >= ... >= L_B``.

    Example::

        >>> seqs = [cynn.tensor([1., 2., 3.]), cynn.tensor([4., 5.])]
        >>> pack_sequence(seqs)
        PackedSequence(data=tensor([1., 4., 2., 5., 3.]), batch_sizes=tensor([2, 2, 1]), sorted_indices=None, unsorted_indices=None)
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            # PackedSequence((data, batch_sizes)): the pair as one argument
            assert isinstance(data, (list, tuple)) and len(data) == 2
            data, batch_sizes = data
        elif getattr(batch_sizes, "device", None) is None:
            raise AttributeError(f"'{type(batch_sizes).__name__}' object has no attribute "
                                 "'device'")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """The same packing with ``data.to(*args, **kwargs)``; ``self`` when that is
        ``data`` itself (the index tensors never change dtype)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self, *args, **kwargs):
        return self.to("cpu")

    def cuda(self, *args, **kwargs):
        return type(self)(self.data.cuda(*args, **kwargs), self.batch_sizes,
                          self.sorted_indices, self.unsorted_indices)

    def pin_memory(self):
        return self

    def is_pinned(self):
        return False

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def double(self):
        return self.to(dtype=_dtype("float64"))

    def float(self):
        return self.to(dtype=_dtype("float32"))

    def half(self):
        return self.to(dtype=_dtype("float16"))

    def long(self):
        return self.to(dtype=_dtype("int64"))

    def int(self):
        return self.to(dtype=_dtype("int32"))

    def short(self):
        return self.to(dtype=_dtype("int16"))

    def char(self):
        return self.to(dtype=_dtype("int8"))

    def byte(self):
        return self.to(dtype=_dtype("uint8"))


def _dtype(name):
    return getattr(_dtypes, name)


def _lengths_array(lengths):
    """``lengths`` (a tensor or a sequence of ints) as an int64 numpy array, with
    PyTorch's complaint about a tensor that is not 1-d."""
    if isinstance(lengths, Tensor):
        values = lengths.detach().numpy()
        if values.ndim != 1:
            kind = {np.dtype(np.int64): "Long", np.dtype(np.int32): "Int",
                    np.dtype(np.float32): "Float", np.dtype(np.float64): "Double"}.get(
                        values.dtype, str(values.dtype))
            raise RuntimeError("'lengths' argument should be a 1D CPU int64 tensor, but got "
                               f"{values.ndim}D cpu {kind} tensor")
        return values.astype(np.int64)
    values = np.asarray([operator.index(v) if not isinstance(v, float) else int(v)
                         for v in lengths], dtype=np.int64)
    return values


def _batch_sizes(sorted_lengths):
    """How many of the (decreasing) lengths exceed each step ``t``."""
    steps = int(sorted_lengths[0]) if len(sorted_lengths) else 0
    return (sorted_lengths[None, :] > np.arange(steps)[:, None]).sum(axis=1).astype(np.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):  # noqa: A002
    """Pack a padded batch of sequences.

    Args:
        input (Tensor): ``(T, B, *)``, or ``(B, T, *)`` with ``batch_first``.
        lengths (Tensor or list of int): the ``B`` lengths, each in ``[1, T]``.
        batch_first (bool): the batch is ``input``'s first dimension. Default: ``False``.
        enforce_sorted (bool): require ``lengths`` in decreasing order; ``False`` sorts
            the batch and records the permutation. Default: ``True``.

    Shape:
        output ``data``: ``(sum(lengths), *)``.

    Example::

        >>> x = cynn.arange(6.).view(3, 2)
        >>> pack_padded_sequence(x, [3, 1]).batch_sizes
        tensor([2, 1, 1])
    """
    lengths = _lengths_array(lengths)
    if enforce_sorted:
        sorted_indices = None
        order = np.arange(lengths.shape[0])
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = _index_tensor(order)
    x = input.transpose(0, 1) if batch_first else input
    steps, batch = x.shape[0], x.shape[1]
    if lengths.shape[0] != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.shape[0]} (batch_size={batch})")
    if batch == 0 or lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if np.any(lengths[1:] > lengths[:-1]):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
            "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
            "pack_sequence to sidestep this requirement if you do not need ONNX "
            "exportability.")
    if lengths[0] > steps:
        raise RuntimeError(f"a length of {int(lengths[0])} exceeds the input's "
                           f"{steps} time steps")
    batch_sizes = _batch_sizes(lengths)
    t_idx = np.repeat(np.arange(batch_sizes.shape[0]), batch_sizes)
    column = np.concatenate([np.arange(n) for n in batch_sizes])
    data = x[_index_tensor(t_idx), _index_tensor(order[column])]
    return PackedSequence(data, _index_tensor(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo ``pack_padded_sequence``: the padded batch (in the original batch order) and
    each sequence's length.

    Args:
        sequence (PackedSequence): the batch to unpack.
        batch_first (bool): return ``(B, T, *)`` rather than ``(T, B, *)``.
        padding_value (float): value of the padded elements. Default: ``0.0``.
        total_length (int, optional): pad to this many steps (at least the longest
            length) rather than to the longest length.

    Shape:
        output ``(T, B, *)`` or ``(B, T, *)``; lengths int64 ``(B,)``.

    Example::

        >>> packed = pack_sequence([cynn.tensor([1., 2.]), cynn.tensor([3.])])
        >>> pad_packed_sequence(packed, batch_first=True, padding_value=-1.0)
        (tensor([[ 1.,  2.],
                [ 3., -1.]]), tensor([2, 1]))
    """
    data, batch_sizes = sequence.data, sequence.batch_sizes
    sizes = np.asarray(batch_sizes.numpy() if isinstance(batch_sizes, Tensor) else batch_sizes,
                       dtype=np.int64)
    steps = sizes.shape[0]
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps}")
        steps = total_length
    batch = int(sizes[0]) if sizes.shape[0] else 0
    offsets = np.concatenate(([0], np.cumsum(sizes)))[:-1]
    pad_row = data.shape[0]
    index = np.full((steps, batch), pad_row, dtype=np.int64)
    for t, (o, n) in enumerate(zip(offsets, sizes)):
        index[t, :n] = o + np.arange(n)
    sorted_lengths = (sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1)
    if sequence.unsorted_indices is not None:
        unsorted = np.asarray(sequence.unsorted_indices.numpy(), dtype=np.int64)
        index = index[:, unsorted]
        sorted_lengths = sorted_lengths[unsorted]
    if batch_first:
        index = index.T
    padding = _creation.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    padded = _creation.cat([data, padding])[_index_tensor(index)]
    return padded, _index_tensor(sorted_lengths)


def _trailing_check(sequences):
    """PyTorch's broadcast complaint when two sequences' element shapes differ."""
    if any(s.dim() == 0 for s in sequences):
        raise RuntimeError("pad_sequence: every sequence needs at least one dimension "
                           "(its length)")
    first = tuple(sequences[0].shape[1:])
    for s in sequences[1:]:
        other = tuple(s.shape[1:])
        if other == first:
            continue
        if len(other) != len(first):
            raise RuntimeError(f"pad_sequence: sequences have elements of shape {list(first)} "
                               f"and {list(other)}")
        dim = next(i for i, (a, b) in enumerate(zip(first, other)) if a != b)
        raise RuntimeError(f"The size of tensor a ({first[dim]}) must match the size of tensor "
                           f"b ({other[dim]}) at non-singleton dimension {dim + 1}")


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of different lengths into one padded tensor.

    Args:
        sequences (list of Tensor): ``B`` tensors ``(L_i, *)`` with the same ``*``.
        batch_first (bool): return ``(B, T, *)`` rather than ``(T, B, *)``.
        padding_value (float): value of the padded elements. Default: ``0.0``.
        padding_side (str): ``'right'`` (default) pads after each sequence, ``'left'``
            before it.

    Shape:
        output ``(T, B, *)`` or ``(B, T, *)`` with ``T = max L_i``; the dtype of the
        first sequence.

    Example::

        >>> pad_sequence([cynn.ones(2), cynn.ones(3)], batch_first=True)
        tensor([[1., 1., 0.],
                [1., 1., 1.]])
    """
    if isinstance(sequences, Tensor):
        sequences = list(sequences)
    sequences = list(sequences)
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    _trailing_check(sequences)
    dtype = sequences[0].dtype
    sequences = [s if s.dtype == dtype else s.to(dtype) for s in sequences]
    lengths = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    steps = int(lengths.max())
    starts = np.concatenate(([0], np.cumsum(lengths)))[:-1]
    pad_row = int(lengths.sum())
    t = np.arange(steps)[:, None]
    shift = 0 if padding_side == "right" else steps - lengths[None, :]
    inside = (t >= shift) & (t < shift + lengths[None, :])
    index = np.where(inside, starts[None, :] + t - shift, pad_row)
    if batch_first:
        index = index.T
    padding = _creation.full((1,) + tuple(sequences[0].shape[1:]), padding_value, dtype=dtype)
    return _creation.cat(sequences + [padding])[_index_tensor(index)]


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into its sequences: ``[padded[:l, i] for each i]``.

    Shape:
        input ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``), lengths ``(B,)``;
        output ``B`` tensors ``(L_i, *)``.

    Example::

        >>> unpad_sequence(cynn.arange(6.).view(3, 2), cynn.tensor([3, 1]))
        [tensor([0., 2., 4.]), tensor([1.])]
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lengths = _lengths_array(lengths)
    rows = range(padded_sequences.shape[0])
    return [padded_sequences[i, :int(n)] for i, n in zip(rows, lengths, strict=True)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences ``(L_i, *)`` (decreasing lengths unless
    ``enforce_sorted=False``) into a ``PackedSequence``.

    Shape:
        output ``data`` ``(sum L_i, *)``.

    Example::

        >>> pack_sequence([cynn.tensor([1., 2.]), cynn.tensor([3.])]).data
        tensor([1., 3., 2.])
    """
    lengths = _index_tensor([s.shape[0] for s in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences a ``PackedSequence`` holds, in the original batch order.

    Shape:
        output ``B`` tensors ``(L_i, *)``.

    Example::

        >>> packed = pack_sequence([cynn.tensor([1.]), cynn.tensor([2., 3.])], False)
        >>> unpack_sequence(packed)
        [tensor([1.]), tensor([2., 3.])]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
