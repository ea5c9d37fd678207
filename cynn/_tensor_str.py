"""``repr(tensor)`` in PyTorch's format: ``tensor([[1., 2.]], requires_grad=True)``.

One formatter for all elements decides the width and the notation: integer-valued
floats print as ``1.``, others with 4 decimals, and scientific notation when the
magnitudes span more than 1000x or leave [1e-4, 1e8]. Tensors over 1000 elements
show 3 edge items per dimension around ``...``; lines wrap at 80 characters.
"""
import math

import numpy as np

LINEWIDTH = 80
THRESHOLD = 1000
EDGEITEMS = 3
PRECISION = 4
SCI_MODE = None  # None: decided per tensor by the rules above

_PROFILES = {"default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
             "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
             "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """How tensors print, as ``torch.set_printoptions``: ``precision`` (decimals),
    ``threshold`` (elements above which the middle is summarised), ``edgeitems``
    (items kept at each end), ``linewidth``, ``profile`` (``"default"``, ``"short"``,
    ``"full"``: sets the four first) and ``sci_mode`` (True/False forces scientific
    notation on or off; None lets each tensor decide)."""
    global LINEWIDTH, THRESHOLD, EDGEITEMS, PRECISION, SCI_MODE
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"Unknown profile: {profile}")
        chosen = _PROFILES[profile]
        PRECISION, THRESHOLD = chosen["precision"], chosen["threshold"]
        EDGEITEMS, LINEWIDTH = chosen["edgeitems"], chosen["linewidth"]
    if precision is not None:
        PRECISION = int(precision)
    if threshold is not None:
        THRESHOLD = threshold
    if edgeitems is not None:
        EDGEITEMS = int(edgeitems)
    if linewidth is not None:
        LINEWIDTH = int(linewidth)
    SCI_MODE = sci_mode


def get_printoptions():
    """The current print options, as a dict with ``set_printoptions``'s keywords."""
    return dict(precision=PRECISION, threshold=THRESHOLD, edgeitems=EDGEITEMS,
                linewidth=LINEWIDTH, sci_mode=SCI_MODE)


class _Formatter:
    """PyTorch's rules: the width comes from the non-zero finite values (at least 1);
    zeros, nan and inf are padded to it."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not self.floating:
            self.max_width = max((len(str(v)) for v in flat.tolist()), default=1)
            return
        finite = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if finite.size == 0:
            return
        absv = np.abs(finite)
        lo, hi = float(absv.min()), float(absv.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8
        else:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        if SCI_MODE is not None:
            self.sci_mode = bool(SCI_MODE)
        if self.sci_mode:
            widths = (len(f"{v:.{PRECISION}e}") for v in finite.tolist())
        elif self.int_mode:
            widths = (len(f"{v:.0f}") + 1 for v in finite.tolist())
        else:
            widths = (len(f"{v:.{PRECISION}f}") for v in finite.tolist())
        self.max_width = max(widths)

    def format(self, v):
        if not self.floating:
            s = str(v)
        elif self.sci_mode:
            s = f"{v:.{PRECISION}e}"
        elif self.int_mode:
            s = f"{v:.0f}"
            if not (math.isinf(v) or math.isnan(v)):
                s += "."
        else:
            s = f"{v:.{PRECISION}f}"
        return " " * (self.max_width - len(s)) + s


def _summarized(a: np.ndarray) -> np.ndarray:
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * EDGEITEMS:
        a = np.concatenate([a[:EDGEITEMS], a[-EDGEITEMS:]])
    return np.stack([_summarized(x) for x in a]) if a.ndim > 1 else a


def _vector(a, indent, fmt, summarize):
    element_length = fmt.max_width + 2
    per_line = max(1, int(math.floor((LINEWIDTH - indent) / element_length)))
    if summarize and a.shape[0] > 2 * EDGEITEMS:
        data = ([fmt.format(v) for v in a[:EDGEITEMS].tolist()] + [" ..."]
                + [fmt.format(v) for v in a[-EDGEITEMS:].tolist()])
    else:
        data = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a, indent, fmt, summarize):
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, fmt, summarize)
    if summarize and a.shape[0] > 2 * EDGEITEMS:
        slices = ([_nested(a[i], indent + 1, fmt, summarize) for i in range(EDGEITEMS)]
                  + ["..."]
                  + [_nested(a[i], indent + 1, fmt, summarize)
                     for i in range(a.shape[0] - EDGEITEMS, a.shape[0])])
    else:
        slices = [_nested(a[i], indent + 1, fmt, summarize) for i in range(a.shape[0])]
    sep = "," + "\n" * (a.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(slices) + "]"


def array_str(a: np.ndarray, indent: int) -> str:
    """The bracketed body of a tensor repr, starting at column ``indent``."""
    summarize = a.size > THRESHOLD
    fmt = _Formatter(_summarized(a) if summarize else a)
    return _nested(a, indent, fmt, summarize)


def tensor_repr(t, prefix="tensor(") -> str:
    from ._dtype import get_default_dtype
    a = t._data
    indent = len(prefix)
    suffixes = []
    if a.size == 0:
        body = "[]"
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        # no element shows the dtype of an empty tensor: name it unless it is the default
        if a.dtype != get_default_dtype().numpy:
            suffixes.append(f"dtype={t.dtype!r}")
    else:
        body = array_str(a, indent)
        if a.dtype not in (get_default_dtype().numpy, np.dtype(np.int64), np.dtype(np.bool_)):
            suffixes.append(f"dtype={t.dtype!r}")
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t._grad_fn).__name__}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    out = prefix + body
    # PyTorch counts the last line as its length + 2 (the ", " about to be added)
    last_line = len(out) - out.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > LINEWIDTH:
            out += ",\n" + " " * indent + suffix
            last_line = indent + len(suffix)
        else:
            out += ", " + suffix
            last_line += len(suffix) + 2
    return out + ")"
