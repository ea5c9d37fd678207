"""``GradientLogger``: per-parameter (and per-module) gradient statistics through hooks.

How it listens
    Parameters: a tensor hook (``Tensor.register_hook``) on every parameter that
    requires grad, as ``wandb.watch`` does. The hook sits on the parameter's
    gradient sink, so in-place ops anywhere downstream (``ReLU(inplace=True)``) do
    not affect it; it sees the gradient of this backward pass (what is about to be
    added into ``.grad``). Modules (``modules=True``): a full backward hook
    (``register_full_backward_hook``) on every leaf module, recording the gradient
    of the loss with respect to the module's output (its ``grad_output``), i.e. the
    activation gradient. As in PyTorch, full backward hooks make a module's inputs
    and outputs views that must not be modified in place (the in-place op raises
    RuntimeError): with ``modules=True``, ``exclude`` both an in-place module such as
    ``ReLU(inplace=True)`` and the module whose output it overwrites, or keep
    ``modules=False`` (the default), which in-place ops never disturb.

What a step is
    One backward pass through the model. The first hook that fires after the
    model's ``forward`` ran (or after a parameter's gradient arrived a second time
    without a forward in between, as with ``retain_graph=True``) opens step
    ``logger.step_count``; steps are numbered from 0, and step ``s`` is logged when
    ``s % every == 0``. A step closes when the model's next forward starts, when a
    new step opens, or when its results are read (``records``, ``global_norms``,
    ``flush()``, ``to_jsonl``/``to_csv``/``plot``, ``remove()``). Closing a logged
    step appends its records (parameters in ``named_parameters`` order, then
    modules in ``named_modules`` order), its global norm, and issues the warnings.

Update-to-weight ratio
    ``update_ratio = ||w_after - w_before|| / ||w_before||`` per parameter and logged
    step: how far the optimizer step that followed the step's backward moved the
    weights, relative to their size (a learning-rate health check; around 1e-3 is
    the usual rule of thumb, much larger means a too-large learning rate, much
    smaller a stalled layer). ``w_before`` is copied when the parameter's gradient
    arrives in the logged backward; ``w_after`` is read at the model's next forward
    (training or evaluation) or, without one, at the next backward, whichever comes
    first, i.e. after ``optimizer.step()`` in the usual loop, which needs no change.
    Until then the record's ``update_ratio`` is None, and the record (the same dict
    already in ``records``) is filled in place when it is measured. ``remove()``
    (also the end of a ``with`` block) measures a pending ratio too: call it after
    the last ``optimizer.step()``. Gradient accumulation (several backward passes
    per optimizer step) gives 0 for the backward passes the optimizer did not
    follow. Weights that were all zero give ``inf`` if they moved, 0 if not; a
    parameter without a gradient in the step, and modules, have None.

TensorBoard
    ``tensorboard="runs/x"`` (or a ``SummaryWriter``) writes every record's statistics
    as scalars when its step closes, the update ratio when it is measured, and with
    ``histograms=True`` the gradient and weight histograms of every parameter whose
    gradient arrived, at logged steps only. Tags: ``cynn/hooks/tensorboard.py``.
    ``to_tensorboard(dir)`` exports the scalars recorded so far afterwards.

Cost
    Unlogged steps cost a set insertion per hook. A logged parameter costs about
    six vectorised numpy passes over its gradient (``dot``, ``sum``, ``abs`` with
    its ``sum`` and ``max``, ``count_nonzero``) and one ``dot`` over its weights;
    NaN/Inf are counted only when the sum of squares is not finite. The update ratio
    adds a copy of each logged parameter's weights (held until the next forward or
    backward), then a subtraction and a ``dot``. Histograms add a ``np.histogram``
    of each gradient and weight array, only with ``histograms=True``.
    ``benchmarks/bench_logger.py`` measures the overhead on LeNet.
"""
import csv
import fnmatch
import json
import math
import warnings
import weakref
from collections import namedtuple

import numpy as np

from .. import _warnings
from ..nn import Module
from .tensorboard import TensorBoardWriter

__all__ = ["GradientLogger", "GradientWarning", "VanishingGradientWarning",
           "ExplodingGradientWarning", "RECORD_FIELDS", "read_jsonl", "read_csv"]

#: The keys of every record, in the column order of ``to_csv``.
RECORD_FIELDS = ("step", "name", "kind", "has_grad", "norm", "mean", "std", "max_abs",
                 "mean_abs", "zero_frac", "nan", "inf", "weight_norm", "update_ratio")
_INT_FIELDS = ("step", "nan", "inf")
_FLOAT_FIELDS = ("norm", "mean", "std", "max_abs", "mean_abs", "zero_frac", "weight_norm",
                 "update_ratio")

# Every module with an attached logger (and every submodule of it): attaching twice
# would register every hook twice and count every step double.
_WATCHED = weakref.WeakSet()


class GradientWarning(UserWarning):
    """Base class of the gradient warnings a ``GradientLogger`` issues."""


class VanishingGradientWarning(GradientWarning):
    """A layer's gradient L2 norm fell below ``vanish_threshold``."""


class ExplodingGradientWarning(GradientWarning):
    """A layer's gradient L2 norm exceeded ``explode_threshold``, or has NaN/Inf values."""


# ------------------------------------------------------------------ statistics
# A gradient is summarised by mergeable moments, so that a module called several
# times in one forward (a shared ReLU) gets one record over all its output gradients.
# m2 = sum (g - mean)^2, merged with Chan et al.'s pairwise update.
_Moments = namedtuple("_Moments", "n sumsq total abs_sum max_abs nonzero nan inf m2")
_EMPTY = _Moments(0, 0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0.0)


def _moments(g):
    """Moments of a flat float array ``g`` (n,) in a few vectorised passes."""
    n = g.size
    if n == 0:
        return _EMPTY
    sumsq = float(np.dot(g, g))
    if math.isfinite(sumsq):
        total = float(g.sum())
        a = np.abs(g)
        mean = total / n
        m2 = sumsq - n * mean * mean
        if n * mean * mean > 0.5 * sumsq:
            # sumsq - n mean^2 would cancel most of its digits: take the second pass.
            d = g - g.dtype.type(mean)
            m2 = float(np.dot(d, d))
        return _Moments(n, sumsq, total, float(a.sum()), float(a.max()),
                        int(np.count_nonzero(g)), 0, 0, max(m2, 0.0))
    # NaN or Inf present (or the squares overflowed): count them, and let every
    # statistic be what numpy gives (NaN/Inf propagate).
    with np.errstate(all="ignore"):
        a = np.abs(g)
        return _Moments(n, sumsq, float(g.sum(dtype=np.float64)), float(a.sum()),
                        float(a.max()), int(np.count_nonzero(g)),
                        int(np.count_nonzero(np.isnan(g))), int(np.count_nonzero(np.isinf(g))),
                        float(np.var(g, dtype=np.float64)) * n)


def _merge(a, b):
    if a.n == 0:
        return b
    if b.n == 0:
        return a
    n = a.n + b.n
    delta = b.total / b.n - a.total / a.n
    max_abs = math.nan if math.isnan(a.max_abs) or math.isnan(b.max_abs) else max(a.max_abs,
                                                                                  b.max_abs)
    return _Moments(n, a.sumsq + b.sumsq, a.total + b.total, a.abs_sum + b.abs_sum, max_abs,
                    a.nonzero + b.nonzero, a.nan + b.nan, a.inf + b.inf,
                    a.m2 + b.m2 + delta * delta * a.n * b.n / n)


def _statistics(m):
    """The record fields of merged moments ``m``."""
    if m.n == 0:
        return dict(norm=0.0, mean=math.nan, std=math.nan, max_abs=math.nan,
                    mean_abs=math.nan, zero_frac=math.nan, nan=0, inf=0)
    return dict(norm=math.sqrt(m.sumsq) if m.sumsq >= 0 else math.nan, mean=m.total / m.n,
                std=math.sqrt(m.m2 / m.n) if m.m2 >= 0 else math.nan, max_abs=m.max_abs,
                mean_abs=m.abs_sum / m.n, zero_frac=(m.n - m.nonzero) / m.n, nan=m.nan,
                inf=m.inf)


def _l2(array):
    flat = array.reshape(-1)
    return math.sqrt(float(np.dot(flat, flat)))


def _update_ratio(before, after):
    """||after - before|| / ||before||; inf for weights that were all zero and moved."""
    if before.shape != after.shape:
        return None  # the parameter's data was replaced by another shape: no comparison
    moved = _l2(after - before)
    size = _l2(before)
    if size == 0:
        return math.inf if moved > 0 else 0.0
    return moved / size


def _no_grad_record(step, name, kind, weight_norm):
    record = dict.fromkeys(RECORD_FIELDS)
    record.update(step=step, name=name, kind=kind, has_grad=False, weight_norm=weight_norm)
    return record


def _patterns(value, argument):
    if value is None:
        return None
    patterns = (value,) if isinstance(value, str) else tuple(value)
    for p in patterns:
        if not isinstance(p, str):
            raise TypeError(f"GradientLogger(): argument '{argument}' must be a glob pattern "
                            f"string or a list of them, got an element of type "
                            f"{type(p).__name__}")
    return patterns


# ------------------------------------------------------------------ the logger
class GradientLogger:
    """Log gradient statistics of ``model``'s parameters (and optionally modules).

    Args:
        model (Module): the model to watch; its hooks are attached at once.
        every (int): log steps ``0, every, 2*every, ...`` (a step = one backward
            pass, see the module docstring). Default: 1.
        include (str or list of str, optional): glob patterns (``fnmatch``, case
            sensitive) on record names (``"conv1.weight"``, or ``"conv1"`` for a
            module); only matching names are watched. Default: everything.
        exclude (str or list of str, optional): glob patterns of names not to watch;
            applied after ``include``.
        modules (bool): also log activation gradients (``grad_output``) of every leaf
            module through full backward hooks (records of kind ``"module"``).
            Default: ``False``.
        vanish_threshold (float or None): warn (``VanishingGradientWarning``) when a
            gradient's L2 norm is below this. ``None`` disables. Default: 1e-7.
        explode_threshold (float or None): warn (``ExplodingGradientWarning``) when a
            gradient's L2 norm is above this or has NaN/Inf values. ``None``
            disables the norm check. Default: 1e3.
        tensorboard (str, os.PathLike or SummaryWriter, optional): also write the
            records to TensorBoard as their steps close: a log directory (a
            tensorboardX ``SummaryWriter`` is created there and closed by
            ``remove()``) or a writer of yours (tensorboardX or
            ``torch.utils.tensorboard``; ``remove()`` only flushes it). Needs
            ``pip install "cynn-nn[tensorboard]"``. Default: None.
        histograms (bool): with ``tensorboard``, also write histograms of every
            parameter's gradient and weights (``grad/<name>``, ``weight/<name>``) at
            logged steps. Default: ``False``.

    The warnings of a step are gathered: at most one ``ExplodingGradientWarning``
    and one ``VanishingGradientWarning`` per step, each naming all the layers with
    that problem, attributed to the user's line that closed the step (``backward()``,
    the next forward, or reading the records). Each layer is named at most once per
    kind of problem; every occurrence is in the records.

    Attributes:
        records (list of dict): one per watched parameter (and module) per logged
            step, keys ``RECORD_FIELDS``: ``step``, ``name``, ``kind`` (``"param"``
            or ``"module"``), ``has_grad`` (False when no gradient arrived in that
            step: then every statistic is None), ``norm`` (L2), ``mean``, ``std``
            (population, ``ddof=0``), ``max_abs``, ``mean_abs``, ``zero_frac``
            (fraction of exact zeros), ``nan`` and ``inf`` (counts), ``weight_norm``
            (L2 of the parameter when its gradient arrived; None for modules),
            ``update_ratio`` (``||w_after - w_before|| / ||w_before||`` across the
            optimizer step after this backward; None until measured, see the module
            docstring).
        global_norms (dict): step -> L2 norm over all watched parameter gradients.
        step_count (int): backward passes seen so far, logged or not.

    Example::

        >>> model = cynn.nn.Sequential(cynn.nn.Linear(4, 3), cynn.nn.ReLU(inplace=True),
        ...                            cynn.nn.Linear(3, 1))
        >>> with GradientLogger(model, every=10, exclude="*.bias") as logger:
        ...     for _ in range(20):
        ...         model(cynn.randn(8, 4)).sum().backward()
        >>> [(r["step"], r["name"]) for r in logger.records]
        [(0, '0.weight'), (0, '2.weight'), (10, '0.weight'), (10, '2.weight')]
        >>> logger.to_csv("grads.csv")

    With an optimizer, the update ratios and TensorBoard (``tensorboard --logdir runs``)::

        >>> optimizer = cynn.optim.SGD(model.parameters(), lr=0.1)
        >>> with GradientLogger(model, tensorboard="runs/sgd", histograms=True) as logger:
        ...     for _ in range(3):
        ...         optimizer.zero_grad()
        ...         model(cynn.randn(8, 4)).sum().backward()
        ...         optimizer.step()
        >>> sorted({r["step"] for r in logger.records if r["update_ratio"] is not None})
        [0, 1, 2]
    """

    def __init__(self, model, every=1, include=None, exclude=None, modules=False,
                 vanish_threshold=1e-7, explode_threshold=1e3, tensorboard=None,
                 histograms=False):
        if not isinstance(model, Module):
            raise TypeError(f"GradientLogger(): argument 'model' must be a cynn.nn.Module, "
                            f"not {type(model).__name__}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"GradientLogger(): argument 'every' must be a positive int, "
                             f"got {every!r}")
        for argument, value in (("vanish_threshold", vanish_threshold),
                                ("explode_threshold", explode_threshold)):
            if value is not None and not (isinstance(value, (int, float)) and value >= 0):
                raise ValueError(f"GradientLogger(): argument '{argument}' must be a "
                                 f"non-negative number or None, got {value!r}")
        tree = list(model.modules())
        if any(m in _WATCHED for m in tree):
            raise RuntimeError(f"GradientLogger: this {type(model).__name__} is already watched "
                               f"by another GradientLogger (attached to it, to a module inside "
                               f"it or to a model containing it); call .remove() on that "
                               f"logger first")
        if histograms and tensorboard is None:
            raise ValueError("GradientLogger(): histograms=True is written to TensorBoard only; "
                             "pass tensorboard='<log dir>' as well")
        # before any hook is attached: a missing tensorboardX leaves the model untouched
        self._tensorboard = None
        if tensorboard is not None:
            self._tensorboard = TensorBoardWriter(tensorboard)
            # tensorboardX holds events in a queue until its writer closes: a logger
            # never removed still gets them to disk when collected or at exit
            weakref.finalize(self, self._tensorboard.close)
        self.histograms = bool(histograms)
        self.every = every
        self.include = _patterns(include, "include")
        self.exclude = _patterns(exclude, "exclude")
        self.vanish_threshold = vanish_threshold
        self.explode_threshold = explode_threshold
        self._model_name = type(model).__name__
        self._records = []
        self._global_norms = {}
        self._warned = set()
        self.step_count = 0
        self._open = False          # a step is in progress
        self._logged = False        # ... and it is a logged one
        self._seen = set()          # parameter names whose gradient arrived in this step
        self._param_moments = {}    # name -> (moments, weight norm), this step
        self._module_moments = {}   # name -> moments, this step
        self._weights_before = {}   # name -> copy of the weights at the gradient, this step
        self._pending_updates = []  # (record, parameter, weights before) of the last logged step

        self._params = [(name, p) for name, p in model.named_parameters()
                        if p.requires_grad and self._watched(name)]
        self._modules = []
        if modules:
            for name, module in model.named_modules():
                if next(module.children(), None) is not None:
                    continue  # containers: their grad_output is their last child's
                name = name or type(module).__name__
                if self._watched(name):
                    self._modules.append((name, module))
        self._handles = [model.register_forward_pre_hook(self._on_forward)]
        for name, param in self._params:
            self._handles.append(param.register_hook(self._param_hook(name, param)))
        for name, module in self._modules:
            self._handles.append(module.register_full_backward_hook(self._module_hook(name)))
        self._tree = weakref.WeakSet(tree)
        _WATCHED.update(tree)
        self.attached = True

    # -------------------------------------------------------------- hooks
    def _watched(self, name):
        if self.include is not None and not any(fnmatch.fnmatchcase(name, p)
                                                for p in self.include):
            return False
        return self.exclude is None or not any(fnmatch.fnmatchcase(name, p)
                                               for p in self.exclude)

    def _on_forward(self, module, args):
        self._close_step()
        self._measure_updates()

    def _param_hook(self, name, param):
        def hook(grad):
            if not self._open or name in self._seen:
                self._open_step()
            self._seen.add(name)
            if self._logged:
                g = grad._data.reshape(-1)
                # optimizers update in place: keep a copy for the update ratio
                before = param._data.copy()
                moments, weight_norm = _moments(g), _l2(before)
                self._param_moments[name] = (moments, weight_norm)
                self._weights_before[name] = before
                if self.histograms:
                    self._tensorboard.histograms(self.step_count - 1, name, g, before,
                                                 grad_finite=math.isfinite(moments.sumsq),
                                                 weight_finite=math.isfinite(weight_norm))
        return hook

    def _module_hook(self, name):
        def hook(module, grad_input, grad_output):
            if not self._open:
                self._open_step()
            if self._logged:
                for g in grad_output:
                    if g is None:
                        continue
                    m = _moments(g._data.reshape(-1))
                    previous = self._module_moments.get(name)
                    self._module_moments[name] = m if previous is None else _merge(previous, m)
        return hook

    # -------------------------------------------------------------- steps
    def _open_step(self):
        self._close_step()
        self._measure_updates()
        step = self.step_count
        self.step_count += 1
        self._open = True
        self._logged = step % self.every == 0
        self._seen = set()
        self._param_moments = {}
        self._module_moments = {}
        self._weights_before = {}

    def _close_step(self):
        if not self._open:
            return
        self._open = False
        if not self._logged:
            return
        step = self.step_count - 1
        new = []
        sumsq = 0.0
        for name, param in self._params:
            entry = self._param_moments.get(name)
            if entry is None:
                new.append(_no_grad_record(step, name, "param", _l2(param._data)))
                continue
            moments, weight_norm = entry
            sumsq += moments.sumsq
            record = dict(step=step, name=name, kind="param", has_grad=True,
                          **_statistics(moments), weight_norm=weight_norm, update_ratio=None)
            new.append(record)
            self._pending_updates.append((record, param, self._weights_before[name]))
        for name, _module in self._modules:
            moments = self._module_moments.get(name)
            if moments is None:
                new.append(_no_grad_record(step, name, "module", None))
            else:
                new.append(dict(step=step, name=name, kind="module", has_grad=True,
                                **_statistics(moments), weight_norm=None, update_ratio=None))
        self._records.extend(new)
        global_norm = math.sqrt(sumsq) if sumsq >= 0 else math.nan
        self._global_norms[step] = global_norm
        self._param_moments = {}
        self._module_moments = {}
        self._weights_before = {}
        if self._tensorboard is not None:
            self._tensorboard.records(new)
            self._tensorboard.global_norm(step, global_norm)
        self._warn(new, step)

    def _measure_updates(self):
        """Fill in the update ratios of the last closed logged step from the weights now
        (after the optimizer step, see "Update-to-weight ratio" in the module docstring)."""
        for record, param, before in self._pending_updates:
            with np.errstate(all="ignore"):   # inf - inf in diverged weights: NaN, recorded
                ratio = _update_ratio(before, param._data)
            record["update_ratio"] = ratio
            if self._tensorboard is not None and ratio is not None:
                self._tensorboard.update_ratio(record["step"], record["name"], ratio)
        self._pending_updates = []

    def _warn(self, records, step):
        """One warning per kind of problem for the whole step, naming every layer that has
        it, so that a model whose gradients vanish everywhere gives one line, not one per
        parameter. A layer is reported once per problem; later steps are in the records."""
        exploding, vanishing = [], []
        for r in records:
            if not r["has_grad"]:
                continue
            norm = r["norm"]
            if r["nan"] or r["inf"]:
                problem, detail = "nonfinite", f"{r['nan']} NaN and {r['inf']} Inf values"
            elif self.explode_threshold is not None and norm > self.explode_threshold:
                problem, detail = "explode", f"L2 norm {norm:.3g}"
            elif self.vanish_threshold is not None and norm < self.vanish_threshold:
                problem, detail = "vanish", f"L2 norm {norm:.3g}"
            else:
                continue
            key = (r["kind"], r["name"], problem)
            if key in self._warned:
                continue
            self._warned.add(key)
            label = repr(r["name"]) + (" (activation gradient)" if r["kind"] == "module" else "")
            (vanishing if problem == "vanish" else exploding).append(f"{label} {detail}")
        if exploding:
            self._issue(ExplodingGradientWarning, step, exploding,
                        f"exploding gradients (L2 norm > explode_threshold "
                        f"{self.explode_threshold:g}, or NaN/Inf values)"
                        if self.explode_threshold is not None
                        else "exploding gradients (NaN/Inf values)")
        if vanishing:
            self._issue(VanishingGradientWarning, step, vanishing,
                        f"vanishing gradients (L2 norm < vanish_threshold "
                        f"{self.vanish_threshold:g})")

    def _issue(self, category, step, layers, problem):
        count = f"{len(layers)} layer" + ("s" if len(layers) > 1 else "")
        # cynn._warnings.warn: the step closes inside backward(), a forward or a read of
        # the records, so no fixed stacklevel reaches the user's line on every path.
        _warnings.warn(f"GradientLogger({self._model_name}) step {step}: {problem} in "
                       f"{count}: {', '.join(layers)}. Each layer is reported once per "
                       f"problem; the records have every step.", category)

    def flush(self):
        """Close the step in progress now: its records, global norm and warnings appear,
        and the TensorBoard events written so far reach the disk. Its update ratios stay
        pending: the optimizer step may not have run yet."""
        self._close_step()
        if self._tensorboard is not None:
            self._tensorboard.flush()

    # -------------------------------------------------------------- results
    @property
    def records(self):
        """The records of every logged step so far (closes the step in progress)."""
        self._close_step()
        return self._records

    @property
    def global_norms(self):
        """``{step: L2 norm of all watched parameter gradients together}`` per logged step."""
        self._close_step()
        return self._global_norms

    def to_jsonl(self, path):
        """Write the records to ``path``, one strict JSON object per line; ``read_jsonl``
        reads them back.

        JSON has no NaN or Infinity, so a non-finite statistic is written as ``null``;
        each line adds ``"nonfinite"``, the number of such fields, and
        ``"nonfinite_fields"``, which maps each of them to ``"NaN"``, ``"Infinity"`` or
        ``"-Infinity"``. A ``null`` not listed there is a statistic that does not exist
        (``has_grad`` false, or ``weight_norm`` of a module)::

            {"step": 0, "name": "weight", "kind": "param", "has_grad": true, "norm": null,
             "mean": null, "std": null, "max_abs": null, "mean_abs": null, "zero_frac": 0.0,
             "nan": 0, "inf": 1, "weight_norm": 1.41, "nonfinite": 5,
             "nonfinite_fields": {"norm": "Infinity", "mean": "Infinity", "std": "NaN",
                                  "max_abs": "Infinity", "mean_abs": "Infinity"}}
        """
        with open(path, "w", encoding="utf-8") as f:
            for r in self.records:
                f.write(json.dumps(_strict_json_record(r), allow_nan=False) + "\n")

    def to_csv(self, path):
        """Write the records to ``path`` as CSV with columns ``RECORD_FIELDS`` (an empty
        cell for None); ``read_csv`` reads them back with their types."""
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=RECORD_FIELDS)
            writer.writeheader()
            writer.writerows(self.records)

    def to_tensorboard(self, log_dir):
        """Write the records so far to a TensorBoard run in ``log_dir`` (a directory or a
        ``SummaryWriter``, as the ``tensorboard`` argument): every statistic as a scalar
        (tags in ``cynn/hooks/tensorboard.py``, step = the logger's step) and the global
        norms. Histograms need the gradients themselves, which the records do not keep:
        ask for them when attaching (``tensorboard=..., histograms=True``). Needs
        ``pip install "cynn-nn[tensorboard]"``.
        """
        writer = TensorBoardWriter(log_dir, what="GradientLogger.to_tensorboard()")
        try:
            writer.records(self.records)
            for step, norm in self.global_norms.items():
                writer.global_norm(step, norm)
        finally:
            writer.close()

    def plot(self, path):
        """Save a gradient-flow figure to ``path`` (PNG, or any format matplotlib infers
        from the suffix) and return ``path``.

        Top: per parameter, in model order, the mean over logged steps of mean |grad|
        and the max over logged steps of max |grad| (log scale; the classic
        gradient-flow bar chart). Middle: each parameter's gradient L2 norm and the
        global norm across steps. Bottom (with ``modules=True``): the same bars for the
        modules' activation gradients. Needs matplotlib (``pip install 'cynn-nn[plot]'``).
        """
        return _plot_gradient_flow(self.records, self.global_norms, path,
                                   title=f"Gradient flow: {self._model_name}")

    # -------------------------------------------------------------- life cycle
    def remove(self):
        """Detach every hook (idempotent). The records stay; later backward passes add none.

        Measures the pending update ratios of the last logged step (call it after the
        last ``optimizer.step()``) and closes the TensorBoard writer the logger created.
        """
        if not self.attached:
            return
        self._close_step()
        self._measure_updates()
        for handle in self._handles:
            handle.remove()
        self._handles = []
        for module in list(self._tree):
            _WATCHED.discard(module)
        self.attached = False
        if self._tensorboard is not None:
            self._tensorboard.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()

    def __repr__(self):
        state = "attached" if self.attached else "removed"
        return (f"GradientLogger({self._model_name}, params={len(self._params)}, "
                f"modules={len(self._modules)}, every={self.every}, "
                f"steps={self.step_count}, {state})")


# ------------------------------------------------------------------ figure
def _require_matplotlib(what):
    """matplotlib's object-oriented API (no pyplot: no global state, no GUI backend)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(f"{what} needs matplotlib, which is not installed: "
                          f"pip install 'cynn-nn[plot]' (or pip install matplotlib)") from exc
    return Figure, FigureCanvasAgg


def _per_layer(records, kind):
    """Names in model order, with the mean over steps of mean |g| and the max of max |g|
    (NaN for a layer that never received a gradient; its label says so)."""
    mean_abs, max_abs = {}, {}
    for r in records:
        if r["kind"] != kind:
            continue
        mean_abs.setdefault(r["name"], [])
        max_abs.setdefault(r["name"], [])
        if r["has_grad"]:
            mean_abs[r["name"]].append(r["mean_abs"])
            max_abs[r["name"]].append(r["max_abs"])
    names = list(mean_abs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN layers plot as gaps
        means = [float(np.nanmean(mean_abs[n])) if mean_abs[n] else math.nan for n in names]
        maxes = [float(np.nanmax(max_abs[n])) if max_abs[n] else math.nan for n in names]
    labels = [n if max_abs[n] else f"{n} (no grad)" for n in names]
    return names, labels, means, maxes


def _bars(ax, labels, means, maxes, title):
    x = np.arange(len(labels))
    ax.bar(x, maxes, width=0.8, color="c", alpha=0.6, label="max |grad| (over steps)")
    ax.bar(x, means, width=0.8, color="b", alpha=0.8, label="mean |grad| (mean over steps)")
    ax.set_xticks(x, labels, rotation=60, ha="right", fontsize=7)
    ax.set_yscale("log", nonpositive="clip")
    ax.set_title(title, fontsize=9)
    ax.set_ylabel("|grad|")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="best")


def _plot_gradient_flow(records, global_norms, path, title):
    Figure, FigureCanvasAgg = _require_matplotlib("GradientLogger.plot()")
    names, labels, means, maxes = _per_layer(records, "param")
    module_names, module_labels, module_means, module_maxes = _per_layer(records, "module")
    rows = 3 if module_names else 2
    fig = Figure(figsize=(max(8.0, 0.45 * max(len(names), len(module_names)) + 3), 4 * rows),
                 layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, 1)
    fig.suptitle(title)
    _bars(axes[0], labels, means, maxes, "parameter gradients per layer")

    ax = axes[1]
    for name in names:
        steps = [r["step"] for r in records if r["kind"] == "param" and r["name"] == name]
        norms = [r["norm"] if r["has_grad"] else math.nan
                 for r in records if r["kind"] == "param" and r["name"] == name]
        ax.plot(steps, norms, marker=".", markersize=3, linewidth=0.8, label=name)
    if global_norms:
        ax.plot(list(global_norms), list(global_norms.values()), color="k", marker=".",
                linewidth=2, label="global norm")
    ax.set_yscale("log", nonpositive="clip")
    ax.set_xlabel("step (backward pass)")
    ax.set_ylabel("gradient L2 norm")
    ax.set_title("gradient norms across steps", fontsize=9)
    ax.grid(True, alpha=0.3)
    if names:
        ax.legend(fontsize=6, ncol=max(1, len(names) // 8 + 1), loc="best")
    if module_names:
        _bars(axes[2], module_labels, module_means, module_maxes,
              "activation gradients (grad_output) per module")
    fig.savefig(path, dpi=110)
    return path


# ------------------------------------------------------------------ reading files back
_NONFINITE_NAMES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _strict_json_record(record):
    """``record`` with its non-finite floats as None, counted and named for ``read_jsonl``."""
    out, nonfinite = {}, {}
    for key, value in record.items():
        if isinstance(value, float) and not math.isfinite(value):
            nonfinite[key] = "NaN" if math.isnan(value) else ("Infinity" if value > 0
                                                               else "-Infinity")
            value = None
        out[key] = value
    out["nonfinite"] = len(nonfinite)
    out["nonfinite_fields"] = nonfinite
    return out


def _from_strict_json(record):
    """Undo ``_strict_json_record``; lines without ``nonfinite_fields`` pass unchanged."""
    record.pop("nonfinite", None)
    for key, name in record.pop("nonfinite_fields", {}).items():
        if name not in _NONFINITE_NAMES:
            raise ValueError(f"read_jsonl(): 'nonfinite_fields' maps {key!r} to {name!r}, "
                             f"expected one of {', '.join(_NONFINITE_NAMES)}")
        record[key] = _NONFINITE_NAMES[name]
    return record


def _typed(record):
    out = {}
    for key, value in record.items():
        if value is None or value == "":
            out[key] = None
        elif key in _INT_FIELDS:
            out[key] = int(value)
        elif key in _FLOAT_FIELDS:
            out[key] = float(value)
        elif key == "has_grad":
            out[key] = value if isinstance(value, bool) else value == "True"
        else:
            out[key] = value
    return out


def read_jsonl(path):
    """The records a ``GradientLogger.to_jsonl`` wrote to ``path``, as a list of dicts,
    with NaN and infinities restored where the file has ``null``."""
    with open(path, encoding="utf-8") as f:
        return [_typed(_from_strict_json(json.loads(line))) for line in f if line.strip()]


def read_csv(path):
    """The records a ``GradientLogger.to_csv`` wrote to ``path``, with their types
    (ints, floats, bools, None for empty cells)."""
    with open(path, encoding="utf-8", newline="") as f:
        return [_typed(row) for row in csv.DictReader(f)]
