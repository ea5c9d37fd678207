"""Loss layers: each stores ``reduction`` (and weights) and calls one ``F`` loss.

``forward(input, target)``; class weights are registered as buffers (so they
follow ``state_dict`` and ``.to(dtype)``), as in PyTorch.
"""
import dataclasses
import math
import re

from ... import _warnings
from ..functional import loss as F
from ..functional.loss import _legacy_get_string
from .distance import PairwiseDistance
from .linear import Linear
from .module import Module

__all__ = ["L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
           "NLLLoss", "CrossEntropyLoss", "KLDivLoss", "NLLLoss2d", "PoissonNLLLoss",
           "GaussianNLLLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "CosineEmbeddingLoss",
           "TripletMarginLoss", "TripletMarginWithDistanceLoss", "MultiMarginLoss",
           "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss", "SoftMarginLoss", "CTCLoss",
           "LinearCrossEntropyLoss", "LinearCrossEntropyOptions"]


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = _legacy_get_string(size_average, reduce)
        else:
            self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """Mean (or sum, or none) of ``|input - target|``."""

    def forward(self, input, target):  # noqa: A002 -- PyTorch's argument name
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean (or sum, or none) of ``(input - target)^2``.

    Example::

        >>> loss = nn.MSELoss()
        >>> loss(cynn.zeros(3), cynn.ones(3))
        tensor(1.)
    """

    def forward(self, input, target):  # noqa: A002
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Squared error below ``beta``, absolute error above (``F.smooth_l1_loss``)."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):  # noqa: A002
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Squared error below ``delta``, ``delta``-scaled absolute error above."""

    def __init__(self, reduction="mean", delta=1.0):
        if not isinstance(delta, (float, int)):
            raise TypeError(f"delta must be a float or int, got: {type(delta)}")
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):  # noqa: A002
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities ``input`` in [0, 1] against ``target``;
    logs are clamped at -100."""

    def forward(self, input, target):  # noqa: A002
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid plus binary cross entropy in one numerically stable step;
    ``pos_weight`` (e.g. one per class) weights the positive examples."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices under log-probabilities ``input``
    ``(N, C)`` or ``(N, C, d1, ...)``; ``weight`` per class, ``ignore_index``
    targets contribute nothing."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):  # noqa: A002
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """``log_softmax`` over dimension 1 followed by ``nll_loss`` (class-index targets)
    or by the cross entropy against class probabilities (targets of the input's
    shape); ``label_smoothing`` mixes in the uniform distribution.

    Example::

        >>> loss = nn.CrossEntropyLoss()
        >>> logits = cynn.randn(3, 5, requires_grad=True)
        >>> loss(logits, cynn.tensor([1, 0, 4])).backward()
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):  # noqa: A002
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of ``target`` from ``exp(input)`` (``input`` holds
    log-probabilities); use ``reduction='batchmean'`` for the true KL value."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):  # noqa: A002
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class NLLLoss2d(NLLLoss):
    """``NLLLoss`` under its old name for spatial inputs; deprecated, as in PyTorch.

    Shape: input ``(N, C, d1, ..., dK)``, target ``(N, d1, ..., dK)``; output scalar, or
    the target's shape for ``reduction='none'``.
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        _warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a "
                       "drop-in replacement and see https://pytorch.org/docs/main/nn.html"
                       "#torch.nn.NLLLoss for more details.", FutureWarning)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class PoissonNLLLoss(_Loss):
    """Negative log-likelihood of ``target`` under a Poisson distribution whose rate is
    ``exp(input)`` (``log_input=True``) or ``input`` (``F.poisson_nll_loss``).

    Shape: input ``(*)``, target ``(*)`` (broadcastable); output scalar, or ``(*)`` for
    ``reduction='none'``.

    Example::

        >>> loss = nn.PoissonNLLLoss()
        >>> loss(cynn.zeros(3), cynn.ones(3))
        tensor(1.)
    """

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                 reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                  eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Negative log-likelihood of ``target`` under a Gaussian with mean ``input`` and
    variance ``var`` (``F.gaussian_nll_loss``).

    Shape: input ``(N, *)`` or ``(*)``; target like input; var like input, or with the
    last dimension 1 or dropped, or a float; output scalar, or the input's shape for
    ``reduction='none'``.

    Example::

        >>> loss = nn.GaussianNLLLoss()
        >>> loss(cynn.zeros(2, 3), cynn.zeros(2, 3), cynn.ones(2, 1))
        tensor(0.)
    """

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input, target, var):  # noqa: A002
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                   reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """``max(0, -y (x1 - x2) + margin)`` for rankings ``y`` in {1, -1}.

    Shape: input1, input2, target ``(N)`` or ``()``; output scalar, or ``(N)`` for
    ``reduction='none'``.

    Example::

        >>> loss = nn.MarginRankingLoss(margin=0.5)
        >>> loss(cynn.tensor([1., 0.]), cynn.tensor([0., 0.]), cynn.tensor([1., -1.]))
        tensor(0.2500)
    """

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin,
                                     reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """``x`` for pairs labelled 1, ``max(0, margin - x)`` for pairs labelled -1, with
    ``x`` a distance (``F.hinge_embedding_loss``).

    Shape: input ``(*)``, target ``(*)``; output scalar, or ``(*)`` for
    ``reduction='none'``.
    """

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):  # noqa: A002
        return F.hinge_embedding_loss(input, target, margin=self.margin,
                                      reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos(x1, x2)`` for pairs labelled 1, ``max(0, cos(x1, x2) - margin)`` for
    pairs labelled -1.

    Shape: input1, input2 ``(N, D)`` or ``(D)``; target ``(N)`` or ``()``; output scalar,
    or ``(N)`` for ``reduction='none'``.
    """

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                       reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``max(0, d(a, p) - d(a, n) + margin)`` with the ``p``-norm pairwise distance
    ``d``; ``swap`` takes ``min(d(a, n), d(p, n))`` as the negative distance.

    Shape: anchor, positive, negative ``(N, D)`` or ``(D)``; output scalar, or ``(N)``
    for ``reduction='none'``.

    Example::

        >>> loss = nn.TripletMarginLoss(margin=1.0)
        >>> a, p, n = cynn.randn(8, 4, requires_grad=True), cynn.randn(8, 4), cynn.randn(8, 4)
        >>> loss(a, p, n).backward()
    """

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None,
                 reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got "
                             f"{margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                     eps=self.eps, swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """``TripletMarginLoss`` with any ``distance_function(x1, x2)`` (default
    ``PairwiseDistance()``); a module given as the distance function is a submodule.

    Shape: anchor, positive, negative ``(N, *)`` or ``(*)``; output scalar, or the
    distances' shape for ``reduction='none'``.
    """

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        super().__init__(None, None, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater "
                             f"than 0, got {margin} instead")
        self.distance_function = (distance_function if distance_function is not None
                                  else PairwiseDistance())
        self.margin = margin
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(anchor, positive, negative,
                                                   distance_function=self.distance_function,
                                                   margin=self.margin, swap=self.swap,
                                                   reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss: ``sum over j != y of w[y] max(0, margin - x[y] + x[j])^p /
    C`` per sample (``p`` is 1 or 2).

    Shape: input ``(N, C)`` or ``(C)``; target ``(N)`` or ``()`` class indices; output
    scalar, or ``(N)`` for ``reduction='none'``.
    """

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got "
                             f"{weight.dim()}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input, target):  # noqa: A002
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                   weight=self.weight, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss between every target class and every other class; a
    target row lists class indices up to its first -1.

    Shape: input ``(N, C)`` or ``(C)``; target like input (int64); output scalar, or
    ``(N)`` for ``reduction='none'``.
    """

    def forward(self, input, target):  # noqa: A002
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """One-versus-all logistic loss averaged over the C classes, with an optional
    weight per class.

    Shape: input ``(N, C)``, target ``(N, C)``; output scalar, or ``(N)`` for
    ``reduction='none'``.
    """

    def forward(self, input, target):  # noqa: A002
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                             reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-y x))`` for targets ``y`` in {1, -1}.

    Shape: input ``(*)``, target ``(*)``; output scalar, or ``(*)`` for
    ``reduction='none'``.
    """

    def forward(self, input, target):  # noqa: A002
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class CTCLoss(_Loss):
    """Connectionist Temporal Classification loss (``F.ctc_loss``).

    Shape:
        log_probs ``(T, N, C)`` or ``(T, C)``; targets ``(N, S)`` padded or
        ``(sum(target_lengths),)`` concatenated; input_lengths and target_lengths
        ``(N)``; output scalar, or ``(N)`` for ``reduction='none'``.

    Example::

        >>> ctc = nn.CTCLoss()
        >>> log_probs = cynn.randn(50, 16, 20).log_softmax(2).detach().requires_grad_()
        >>> targets = cynn.randint(1, 20, (16, 30))
        >>> loss = ctc(log_probs, targets, (50,) * 16, tuple(range(10, 26)))
        >>> loss.backward()
    """

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                          self.reduction, self.zero_infinity)


@dataclasses.dataclass
class LinearCrossEntropyOptions:
    """How ``F.linear_cross_entropy`` evaluates the batch in chunks (pass one as its
    ``options``; ``None`` there means the reference path, all logits at once).

    Attributes:
        allow_retain_graph (bool): accepted for PyTorch's signature; cynn's chunked
            backward recomputes each chunk, so a graph can always be retained.
        batch_chunk_size (int or None): rows per chunk; None derives it from
            ``chunking_method``.
        chunking_method (str or None): ``'auto'``, ``'aspect_ratio'`` or
            ``'aspect_ratio:k'`` (k * in_features rows per chunk, k = 2 by default), or
            None.
        acc_policy (str): ``'accurate'``, ``'balanced'``, ``'compact'`` or ``'auto'``;
            PyTorch's choice of accumulation precision on accelerators. cynn accumulates
            in the input's dtype under every policy.
        acc_dtype: accepted for PyTorch's signature, as ``acc_policy``.

    Shape: see ``F.linear_cross_entropy``.
    """

    allow_retain_graph: bool = False
    batch_chunk_size: "int | None" = None
    chunking_method: "str | None" = "auto"
    acc_policy: str = "auto"
    acc_dtype: object = None

    def __post_init__(self):
        size = self.batch_chunk_size
        if size is not None and (isinstance(size, bool) or not isinstance(size, int)
                                 or size <= 0):
            raise ValueError(f"batch_chunk_size must be positive int or None, got {size}")
        method = self.chunking_method
        if method is not None and not (method in ("auto", "aspect_ratio") or re.fullmatch(
                r"aspect_ratio:[1-9][0-9]*", str(method))):
            raise ValueError(f"invalid chunking_method: {method!r}")
        if self.acc_policy not in ("accurate", "balanced", "compact", "auto"):
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")


class LinearCrossEntropyLoss(_WeightedLoss):
    """A linear layer to ``num_classes`` logits (times ``out_features`` for a
    K-dimensional loss) followed by ``cross_entropy`` (``F.linear_cross_entropy``).

    Attributes:
        linear (Linear): ``in_features -> num_classes * prod(out_features)``; its weight
            is stored flat, ``(C * prod(out_features), in_features)``.

    Shape: input ``(in_features)`` or ``(N, in_features)``; target ``()``, ``(N)`` or
    ``(N, *out_features)`` class indices, or class probabilities ``(C)`` /
    ``(N, C, *out_features)``; output scalar, or the per-sample shape for
    ``reduction='none'``.
    """

    def __init__(self, in_features, num_classes, *, out_features=(), bias=False, device=None,
                 dtype=None, reduction="mean", weight=None, ignore_index=None,
                 label_smoothing=0.0, options=None):
        super().__init__(weight, None, None, reduction)
        self.num_classes = num_classes
        self.out_features = tuple(out_features)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.options = options
        self.linear = Linear(in_features, num_classes * math.prod(self.out_features), bias=bias,
                             device=device, dtype=dtype)

    def forward(self, input, target):  # noqa: A002
        class_shape = (self.num_classes, *self.out_features)
        w = self.linear.weight.reshape(*class_shape, self.linear.in_features)
        b = None if self.linear.bias is None else self.linear.bias.reshape(*class_shape)
        return F.linear_cross_entropy(input, w, target, linear_bias=b, weight=self.weight,
                                      reduction=self.reduction, ignore_index=self.ignore_index,
                                      label_smoothing=self.label_smoothing, options=self.options)

    def extra_repr(self):
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
                f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
                f"label_smoothing={self.label_smoothing}, options={self.options}")
