"""TensorBoard output of a ``GradientLogger``, written through ``tensorboardX``.

tensorboardX is an optional extra (``pip install "cynn-nn[tensorboard]"``): it is
imported only when a logger is asked for TensorBoard output, never by ``import cynn``.

Tags
    A record's statistics go under ``<section>/<name>``, the section naming the
    statistic, so that TensorBoard groups one chart per parameter under each:

    ==========================  ===================================================
    parameter (kind "param")    ``grad_norm``, ``grad_mean``, ``grad_std``,
                                ``grad_max_abs``, ``grad_mean_abs``,
                                ``grad_zero_frac``, ``grad_nan``, ``grad_inf``,
                                ``weight_norm``, ``update_ratio``
    module (kind "module")      ``activation_grad_norm``, ``activation_grad_mean``,
                                ... (the same gradient statistics)
    the whole model             ``global_grad_norm`` (no name part)
    histograms                  ``grad/<name>``, ``weight/<name>``
    ==========================  ===================================================

    e.g. ``grad_norm/conv1.weight``, ``update_ratio/fc2.bias``. The step of every
    value is the logger's step (the backward pass it belongs to). A statistic that
    does not exist (no gradient in that step, an update ratio not yet measured) is
    not written; NaN and infinities are written as they are.
"""

import numpy as np

__all__ = ["GLOBAL_NORM_TAG", "TensorBoardWriter", "record_scalars", "require_tensorboardx"]

GLOBAL_NORM_TAG = "global_grad_norm"

_GRADIENT_FIELDS = ("norm", "mean", "std", "max_abs", "mean_abs", "zero_frac", "nan", "inf")
_SECTION_PREFIX = {"param": "grad_", "module": "activation_grad_"}


def require_tensorboardx(what):
    """tensorboardX's ``SummaryWriter``, or a ModuleNotFoundError naming the extra."""
    try:
        from tensorboardX import SummaryWriter
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            f"{what} needs tensorboardX, which is not installed: "
            'pip install "cynn-nn[tensorboard]" (or pip install tensorboardX)',
            name="tensorboardX") from exc
    return SummaryWriter


def record_scalars(record):
    """``(tag, value)`` for every statistic of ``record`` that exists (is not None)."""
    name, kind = record["name"], record["kind"]
    prefix = _SECTION_PREFIX[kind]
    for field in _GRADIENT_FIELDS:
        if record[field] is not None:
            yield f"{prefix}{field}/{name}", record[field]
    if kind == "param":
        for field in ("weight_norm", "update_ratio"):
            if record.get(field) is not None:
                yield f"{field}/{name}", record[field]


def _finite(values, known_finite):
    """``values`` without NaN/Inf: a histogram's buckets need finite limits (the NaN and
    Inf counts are in the ``grad_nan`` / ``grad_inf`` scalars)."""
    return values if known_finite else values[np.isfinite(values)]


class TensorBoardWriter:
    """Write a ``GradientLogger``'s records to one TensorBoard run.

    Args:
        target (str, os.PathLike or SummaryWriter): a log directory, for which
            tensorboardX ``SummaryWriter`` objects are created (and closed by
            ``flush()`` and ``close()``), or a writer of your own with
            ``add_scalar``/``add_histogram`` (tensorboardX or
            ``torch.utils.tensorboard``), which ``flush()`` and ``close()`` only
            flush, so that you can keep writing your own curves to the same run.
        what (str): who asks, for the error message when tensorboardX is missing.

    tensorboardX writes events from a background queue, and its ``flush()`` does not
    wait for that queue; only closing the writer does. So ``flush()`` on a log
    directory closes the current writer, and the next event opens a new event file
    in the same directory (suffix ``.000001``, ``.000002``, ... in the order written,
    which is the order TensorBoard reads them).
    """

    def __init__(self, target, what="GradientLogger(tensorboard=...)"):
        if hasattr(target, "add_scalar"):
            self._writer, self._log_dir = target, None
            return
        self._SummaryWriter = require_tensorboardx(what)
        self._log_dir = str(target)
        self._files = 0
        self._writer = None
        self._current()   # the run directory exists from the start

    def _current(self):
        if self._writer is None:
            suffix = f".{self._files:06d}" if self._files else ""
            self._writer = self._SummaryWriter(logdir=self._log_dir, filename_suffix=suffix)
            self._files += 1
        return self._writer

    def records(self, records):
        """Every existing statistic of ``records`` (dicts with ``RECORD_FIELDS``)."""
        writer = self._current()
        for record in records:
            for tag, value in record_scalars(record):
                writer.add_scalar(tag, value, record["step"])

    def global_norm(self, step, norm):
        """The L2 norm of all watched parameter gradients of ``step``."""
        self._current().add_scalar(GLOBAL_NORM_TAG, norm, step)

    def update_ratio(self, step, name, ratio):
        """``||w_after - w_before|| / ||w_before||`` of parameter ``name`` at ``step``."""
        self._current().add_scalar(f"update_ratio/{name}", ratio, step)

    def histograms(self, step, name, grad, weight, grad_finite=True, weight_finite=True):
        """Histograms of a parameter's gradient and weights (numpy arrays); pass
        ``*_finite=False`` unless the array is known to hold no NaN or Inf."""
        writer = self._current()
        grad = _finite(grad, grad_finite)
        if grad.size:
            writer.add_histogram(f"grad/{name}", grad, step)
        weight = _finite(weight, weight_finite)
        if weight.size:
            writer.add_histogram(f"weight/{name}", weight, step)

    def flush(self):
        """Put every event written so far on disk."""
        if self._log_dir is None:
            self._writer.flush()
        else:
            self.close()

    def close(self):
        """Close the writer made for a log directory (reopened by the next event);
        flush a writer that was given."""
        if self._log_dir is None:
            self._writer.flush()
        elif self._writer is not None:
            self._writer.close()
            self._writer = None
