"""``AdaptiveLogSoftmaxWithLoss``: the efficient softmax approximation of Grave et al.
(2016) for large, frequency-sorted vocabularies."""
from collections import namedtuple

import numpy as np

from ... import _creation
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    r"""Log-probabilities of targets in a vocabulary split by ``cutoffs``: the frequent
    classes (below ``cutoffs[0]``) and one token per tail cluster share a head softmax;
    each tail cluster has its own softmax over a projection of size
    ``in_features // div_value ** (i + 1)``.
    ``log p(c) = log p_head(cluster(c)) + log p_cluster(c)`` for a tail class.

    Args:
        in_features (int): features of the input.
        n_classes (int): number of classes.
        cutoffs (Sequence[int]): increasing, unique, in ``[1, n_classes - 1]``.
        div_value (float): shrink factor of the cluster projections. Default: 4.0.
        head_bias (bool): bias in the head. Default: ``False``.

    Shape:
        input ``(N, in_features)`` or ``(in_features,)``; target ``(N,)`` or ``()`` with
        values in ``[0, n_classes - 1]``. ``forward`` returns ``(output, loss)``:
        ``output`` ``(N,)`` (or ``()``) holds the target log-probabilities, ``loss`` is
        the mean negative log-likelihood (scalar). ``log_prob``: ``(N, n_classes)``;
        ``predict``: ``(N,)``.

    Attributes:
        head: ``Linear(in_features, cutoffs[0] + n_clusters)``.
        tail: ``ModuleList`` of ``Sequential(Linear(in_features, h_i, bias=False),
            Linear(h_i, cluster_size_i, bias=False))``.

    Example::

        >>> asm = nn.AdaptiveLogSoftmaxWithLoss(16, 100, cutoffs=[10, 40])
        >>> out = asm(cynn.randn(8, 16), cynn.randint(0, 100, (8,)))
        >>> out.output.shape, out.loss.shape
        (cynn.Size([8]), cynn.Size([]))
    """

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False,
                 device=None, dtype=None):
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs)) or (min(cutoffs) <= 0) or \
                (max(cutoffs) > (n_classes - 1)) or (len(set(cutoffs)) != len(cutoffs)) or \
                any(int(c) != c for c in cutoffs):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted "
                             "in an increasing order, where each value is between 1 and "
                             "n_classes-1")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        kw = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **kw)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False, **kw),
                                        Linear(hsz, osz, bias=False, **kw)))

    def reset_parameters(self):
        """Re-draw every layer's parameters with ``Linear``'s default initialisation."""
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_, target_):
        """``(output, loss)``: the target log-probabilities and their mean negative."""
        targ_dim = target_.dim()
        if targ_dim == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError("Input and target should have the same size in the batch "
                                   "dimension.")
            if input_.dim() != 2:
                raise RuntimeError("1D target tensor expects 2D input tensors, but found "
                                   f"inputs with size {input_.size()}")
        elif targ_dim == 0:
            if input_.dim() != 1:
                raise RuntimeError("0D target tensor expects 1D input tensors, but found "
                                   f"inputs with size {input_.size()}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        is_batched = targ_dim > 0
        x = input_ if is_batched else input_.unsqueeze(0)
        target = target_ if is_batched else target_.unsqueeze(0)
        t = np.asarray(target._data)
        batch_size = t.shape[0]

        output = x.new_zeros(batch_size)
        gather_inds = np.zeros(batch_size, dtype=np.int64)
        used_rows = 0
        bounds = [0] + self.cutoffs
        for i in range(len(bounds) - 1):
            low, high = bounds[i], bounds[i + 1]
            rows = np.nonzero((t >= low) & (t < high))[0]
            if rows.size == 0:
                continue
            used_rows += rows.size
            if i == 0:
                gather_inds[rows] = t[rows]
                continue
            gather_inds[rows] = self.shortlist_size + i - 1
            rows_t = _creation.from_numpy(rows.astype(np.int64))
            cluster_logprob = self.tail[i - 1](x.index_select(0, rows_t)).log_softmax(1)
            relative = _creation.from_numpy((t[rows] - low).astype(np.int64)[:, None])
            local = cluster_logprob.gather(1, relative).squeeze(1)
            output = output.index_copy(0, rows_t, local)
        if used_rows != batch_size:
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but "
                               f"values in range [{t.min()}, {t.max()}] were found. ")
        head_logprob = self.head(x).log_softmax(1)
        output = output + head_logprob.gather(
            1, _creation.from_numpy(gather_inds[:, None])).squeeze(1)
        loss = (-output).mean()
        if not is_batched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    def _get_full_log_prob(self, x, head_output):
        head_logprob = head_output.log_softmax(1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster_logprob = self.tail[i](x).log_softmax(1)
            parts.append(cluster_logprob +
                         head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return _creation.cat(parts, dim=1)

    def log_prob(self, input):  # noqa: A002 -- PyTorch's name
        """Log-probabilities of every class.

        Shape: input ``(N, in_features)``, output ``(N, n_classes)``.
        """
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input):  # noqa: A002 -- PyTorch's name
        """The most likely class of each row; the tail clusters are evaluated only for
        rows whose head prediction is a cluster token.

        Shape: input ``(N, in_features)``, output ``(N,)``.
        """
        head_output = self.head(input)
        output = head_output.argmax(dim=1)
        out = np.array(output._data, copy=True)
        in_tail = out >= self.shortlist_size
        if not in_tail.any():
            return output
        if in_tail.all():
            return self._get_full_log_prob(input, head_output).argmax(dim=1)
        rows = _creation.from_numpy(np.nonzero(in_tail)[0].astype(np.int64))
        log_prob = self._get_full_log_prob(input.index_select(0, rows),
                                           head_output.index_select(0, rows))
        out[in_tail] = np.asarray(log_prob.argmax(dim=1)._data)
        return _creation.from_numpy(out)
