"""Lookup-table layers: ``Embedding`` and ``EmbeddingBag``."""
from ... import _creation
from ...autograd.grad_mode import no_grad
from .. import init
from ..functional import sparse as F
from ..parameter import Parameter
from .linear import _check_features
from .module import Module

__all__ = ["Embedding", "EmbeddingBag"]


def _refuse_sparse(cls_name):
    raise NotImplementedError(
        f"{cls_name}(sparse=True) asks for sparse weight gradients, and cynn computes dense "
        "gradients only (sparse gradients are excluded, see docs/coverage.md); use "
        "sparse=False, the default")


def _make_weight(num_embeddings, embedding_dim, _weight, requires_grad, device, dtype):
    """A new ``(num_embeddings, embedding_dim)`` Parameter (None: to be initialised), or
    ``_weight`` as one, sharing its storage, after PyTorch's shape check."""
    if _weight is None:
        rows, cols = _check_features(embedding_dim, num_embeddings)
        data = _creation.empty((rows, cols), dtype=dtype, device=device)
        return Parameter(data, requires_grad=requires_grad), True
    assert list(_weight.shape) == [num_embeddings, embedding_dim], \
        "Shape of weight does not match num_embeddings and embedding_dim"
    return Parameter(_weight, requires_grad=requires_grad), False



def _row_index(padding_idx, num_embeddings, name):
    """``padding_idx`` as a row in ``[0, num_embeddings)`` (negative counts from the
    end); torch's AssertionError otherwise."""
    if padding_idx is None:
        return None
    if padding_idx > 0:
        assert padding_idx < num_embeddings, f"{name} must be within num_embeddings"
    elif padding_idx < 0:
        assert padding_idx >= -num_embeddings, f"{name} must be within num_embeddings"
        padding_idx = num_embeddings + padding_idx
    return padding_idx

class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``: each index
    of the input is replaced by its row of ``weight``.

    Args:
        num_embeddings (int): size of the table.
        embedding_dim (int): size of each vector.
        padding_idx (int, optional): this row (negative counts from the end) starts as
            zeros and gets no gradient, so it stays fixed in training.
        max_norm (float, optional): rows looked up whose ``norm_type``-norm exceeds this
            are rescaled to norm ``max_norm``, in place in ``weight``, at each forward.
        norm_type (float): the p of that norm. Default: ``2``.
        scale_grad_by_freq (bool): divide each row's gradient by how often it occurs in
            the mini-batch. Default: ``False``.
        sparse (bool): must be ``False``: cynn's gradients are dense (``True`` raises
            NotImplementedError).

    Shape:
        input ``(*)`` int64 or int32 indices in ``[0, num_embeddings)``; output
        ``(*, embedding_dim)``.

    Attributes:
        weight: ``(num_embeddings, embedding_dim)``, initialised from N(0, 1) (the
            ``padding_idx`` row zeroed).

    Example::

        >>> embedding = nn.Embedding(10, 3)
        >>> embedding(cynn.tensor([[1, 2, 4, 5], [4, 3, 2, 9]])).shape
        cynn.Size([2, 4, 3])
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        # torch's message, capitalised as torch has it for this class
        padding_idx = _row_index(padding_idx, num_embeddings, "Padding_idx")
        if sparse:
            _refuse_sparse("Embedding")
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.weight, fresh = _make_weight(num_embeddings, embedding_dim, _weight,
                                          not _freeze, device, dtype)
        if fresh:
            self.reset_parameters()
        self.sparse = sparse

    def reset_parameters(self):
        """Re-draw ``weight`` from N(0, 1) and zero the ``padding_idx`` row."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self):
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input):  # noqa: A002 -- PyTorch's argument name
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm,
                           self.norm_type, self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An ``Embedding`` whose weight is ``embeddings`` (``(num_embeddings,
        embedding_dim)``, storage shared; the ``padding_idx`` row is left as given), frozen
        (no gradient) unless ``freeze=False``.

        Example::

            >>> weight = cynn.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
            >>> nn.Embedding.from_pretrained(weight)(cynn.tensor([1]))
            tensor([[4.0000, 5.1000, 6.3000]])
        """
        assert embeddings.dim() == 2, "Embeddings parameter is expected to be 2-dimensional"
        rows, cols = embeddings.shape
        return cls(num_embeddings=rows, embedding_dim=cols, _weight=embeddings, _freeze=freeze,
                   padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


class EmbeddingBag(Module):
    """Sums, averages or takes the per-column maximum of bags of embeddings, without
    building the per-index lookup in between.

    Args:
        num_embeddings (int): size of the table.
        embedding_dim (int): size of each vector.
        max_norm, norm_type, scale_grad_by_freq: as in ``Embedding`` (no
            ``scale_grad_by_freq`` with ``mode='max'``).
        mode (str): ``'sum'``, ``'mean'`` (default) or ``'max'``.
        sparse (bool): must be ``False``: cynn's gradients are dense.
        include_last_offset (bool): ``offsets`` has one more entry, the end of the last
            bag. Default: ``False``.
        padding_idx (int, optional): entries equal to this row are left out of their bag
            (not summed, not counted in the mean); the row starts as zeros and gets no
            gradient.

    Shape:
        input ``(B, N)`` (``B`` bags of ``N`` indices; no ``offsets``), or ``(n,)`` with
        ``offsets`` ``(B,)`` (``(B + 1,)`` with ``include_last_offset``) the start of each
        bag; ``per_sample_weights`` (``mode='sum'`` only) the input's shape; output
        ``(B, embedding_dim)``, an empty bag giving zeros.

    Attributes:
        weight: ``(num_embeddings, embedding_dim)``, initialised from N(0, 1) (the
            ``padding_idx`` row zeroed).

    Example::

        >>> bag = nn.EmbeddingBag(10, 3, mode="sum")
        >>> input = cynn.tensor([1, 2, 4, 5, 4, 3, 2, 9])
        >>> bag(input, cynn.tensor([0, 4])).shape
        cynn.Size([2, 3])
    """

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
                 include_last_offset=False, padding_idx=None, device=None, dtype=None):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        padding_idx = _row_index(padding_idx, num_embeddings, "padding_idx")
        if sparse:
            _refuse_sparse("EmbeddingBag")
        self.padding_idx = padding_idx
        self.weight, fresh = _make_weight(num_embeddings, embedding_dim, _weight, True,
                                          device, dtype)
        if fresh:
            self.reset_parameters()
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    # the same table, drawn and padded as Embedding's
    reset_parameters = Embedding.reset_parameters
    _fill_padding_idx_with_zero = Embedding._fill_padding_idx_with_zero

    def forward(self, input, offsets=None, per_sample_weights=None):  # noqa: A002
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               self.scale_grad_by_freq, self.mode, self.sparse,
                               per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, mode="mean", sparse=False,
                        include_last_offset=False, padding_idx=None):
        """An ``EmbeddingBag`` whose weight is ``embeddings`` (``(num_embeddings,
        embedding_dim)``, storage shared), frozen unless ``freeze=False``.

        Example::

            >>> weight = cynn.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
            >>> bag = nn.EmbeddingBag.from_pretrained(weight, mode="max")
            >>> bag(cynn.tensor([[1, 0]]))
            tensor([[4.0000, 5.1000, 6.3000]])
        """
        assert embeddings.dim() == 2, "Embeddings parameter is expected to be 2-dimensional"
        rows, cols = embeddings.shape
        bag = cls(num_embeddings=rows, embedding_dim=cols, _weight=embeddings,
                  max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq,
                  mode=mode, sparse=sparse, include_last_offset=include_last_offset,
                  padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag
