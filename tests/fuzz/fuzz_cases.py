"""One fuzz case, run inside a worker process: build the tensors a spec describes in
cynn and in PyTorch (the oracle), run the op forward and backward in both, compare.

A spec is a plain dict (JSON-able, so a failure prints as a one-line reproducer)::

    {"op": "conv2d", "seed": 7, "dtype": "float32",
     "x": {"shape": [2, 3, 5, 5], "layout": "permuted", "values": "special"},
     "weight": {...}, "bias": None, "stride": [1, 4294967296], ...}

Tensor specs say how the tensor is made, never its data, which comes from ``seed``:

* ``layout``: ``contiguous``; ``permuted`` (every axis reversed); ``strided`` (every
  other element of a wider last axis, at an offset); ``expanded`` (axes ``expand`` are
  broadcast from size 1: zero strides). cynn's op sees the view, PyTorch's a dense
  copy of it; gradients are compared on the leaf the view was taken from.
* ``values``: ``normal``; ``special`` (about 15% NaN, +inf, -inf); ``huge`` (normal
  times 1e15 in float32, 1e150 in float64, so squares and products stay finite);
  ``positive`` (for running variances).

``run(spec)`` raises ``Mismatch`` with every difference found; anything else it raises
is a harness error. Every difference is one of: values or gradients differ beyond
tolerance, shapes or dtypes differ, one side raised and the other did not, both raised
different exception types, or cynn gives different bits at 1 and 2 threads.
"""
import os

import numpy as np
import torch

import cynn

__all__ = ["Mismatch", "run", "CHECK_THREADS", "TOLERANCE"]

# The one switch for the determinism check (1 vs 2 threads must agree bit for bit).
CHECK_THREADS = os.environ.get("CYNN_FUZZ_CHECK_THREADS", "1") not in ("", "0")

TOLERANCE = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-7, atol=1e-9)}
HUGE_SCALE = {"float32": 1e15, "float64": 1e150}
# Larger outputs mean the generator is broken, and running them could exhaust memory.
MAX_ELEMENTS = 2_000_000


class Mismatch(AssertionError):
    """cynn and PyTorch disagree, or cynn disagrees with itself across thread counts."""


# ------------------------------------------------------------------ tensors
def base_shape(t):
    """The shape of the leaf a tensor spec's view is taken from."""
    shape = list(t["shape"])
    layout = t.get("layout", "contiguous")
    if layout == "permuted":
        return shape[::-1]
    if layout == "strided" and shape:
        return shape[:-1] + [2 * shape[-1] + 1]
    if layout == "expanded":
        return [1 if axis in t["expand"] else size for axis, size in enumerate(shape)]
    return shape


def make_array(t, dtype, rng):
    shape = base_shape(t)
    a = rng.standard_normal(shape)
    values = t.get("values", "normal")
    if values == "special":
        special = rng.random(shape) < 0.15
        a[special] = rng.choice([np.nan, np.inf, -np.inf], size=int(special.sum()))
    elif values == "huge":
        a *= HUGE_SCALE[dtype]
    elif values == "positive":   # a running variance
        a = np.abs(a) + 0.1
    return a.astype(dtype)


def view(leaf, t):
    layout = t.get("layout", "contiguous")
    if layout == "permuted":
        return leaf.permute(*reversed(range(leaf.dim())))
    if layout == "strided" and leaf.dim():
        return leaf[..., 1::2]
    if layout == "expanded":
        return leaf.expand(*t["shape"])
    return leaf


# ---------------------------------------------------------------------- ops
def _ints(value):
    return tuple(value) if isinstance(value, list) else value


def _conv(lib, spec, v):
    fn = getattr(lib.nn.functional, spec["op"])
    kw = dict(stride=_ints(spec["stride"]), padding=_ints(spec["padding"]),
              dilation=_ints(spec["dilation"]), groups=spec["groups"])
    if spec["op"].startswith("conv_transpose"):
        kw["output_padding"] = _ints(spec["output_padding"])
    return fn(v["x"], v["weight"], v.get("bias"), **kw)


def _max_pool(lib, spec, v):
    fn = getattr(lib.nn.functional, spec["op"])
    return fn(v["x"], _ints(spec["kernel_size"]), _ints(spec["stride"]), _ints(spec["padding"]),
              _ints(spec["dilation"]), ceil_mode=spec["ceil_mode"],
              return_indices=spec["return_indices"])


def _avg_pool(lib, spec, v):
    fn = getattr(lib.nn.functional, spec["op"])
    kw = dict(ceil_mode=spec["ceil_mode"], count_include_pad=spec["count_include_pad"])
    if spec["op"] == "avg_pool2d":
        kw["divisor_override"] = spec["divisor_override"]
    return fn(v["x"], _ints(spec["kernel_size"]), _ints(spec["stride"]), _ints(spec["padding"]),
              **kw)


def _adaptive(lib, spec, v):
    fn = getattr(lib.nn.functional, spec["op"])
    size = _ints(spec["output_size"])
    if spec["op"] == "adaptive_max_pool2d":
        return fn(v["x"], size, return_indices=spec["return_indices"])
    return fn(v["x"], size)


def _unpool(lib, spec, v):
    """max_pool2d with indices, then max_unpool2d; ``corrupt`` overwrites indices through
    ``.numpy()`` -- which bypasses autograd's version counter -- before the unpooling
    (which must validate them) or after it (its backward reads them again)."""
    F = lib.nn.functional
    k, s, p = _ints(spec["kernel_size"]), _ints(spec["stride"]), _ints(spec["padding"])
    y, idx = F.max_pool2d(v["x"], k, s, p, return_indices=True)
    corrupt = spec.get("corrupt")
    if corrupt and corrupt["when"] == "forward":
        _corrupt(idx, corrupt, spec)
    out = F.max_unpool2d(y, idx, k, s, p, output_size=_ints(spec["output_size"]))
    if corrupt and corrupt["when"] == "backward":
        _corrupt(idx, corrupt, spec)
    return out


def _corrupt(idx, corrupt, spec):
    flat = idx.numpy().reshape(-1)
    if flat.size == 0:
        return
    value = corrupt["value"]
    if value == "plane":   # one past the last valid offset
        value = int(np.prod(spec["plane"]))
    if corrupt["at"] == "all":
        flat[...] = value
    else:
        flat[corrupt["at"] % flat.size] = value


def _pad(lib, spec, v):
    return lib.nn.functional.pad(v["x"], list(spec["pad"]), mode=spec["mode"], value=spec["value"])


def _linear(lib, spec, v):
    return lib.nn.functional.linear(v["x"], v["weight"], v.get("bias"))


def _matmul(lib, spec, v):
    return lib.matmul(v["x"], v["other"])


def _batch_norm(lib, spec, v):
    return lib.nn.functional.batch_norm(
        v["x"], v.get("running_mean"), v.get("running_var"), v.get("weight"), v.get("bias"),
        training=spec["training"], momentum=spec["momentum"], eps=spec["eps"])


OPS = {name: fn for names, fn in [
    (("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
      "conv_transpose3d"), _conv),
    (("max_pool1d", "max_pool2d"), _max_pool),
    (("avg_pool1d", "avg_pool2d"), _avg_pool),
    (("adaptive_avg_pool2d", "adaptive_max_pool2d"), _adaptive),
    (("max_unpool2d",), _unpool),
    (("pad",), _pad),
    (("linear",), _linear),
    (("matmul",), _matmul),
    (("batch_norm",), _batch_norm),
] for name in names}

# Tensors an op updates in place (compared after the call) and that take no gradient.
BUFFERS = ("running_mean", "running_var")


# ------------------------------------------------------------------ running
class Outcome:
    """What one library did with a spec: its arrays by name, or the exception it raised
    and at which stage."""

    def __init__(self):
        self.arrays = {}
        self.error = None   # (stage, exception type name, message)

    def __repr__(self):
        return f"raised {self.error[1]} in {self.error[0]}: {self.error[2]}" if self.error \
            else "returned"


def _side(lib, spec):
    out = Outcome()
    dtype = spec["dtype"]
    rng = np.random.default_rng(spec["seed"])
    leaves, views = {}, {}
    for name, t in spec["tensors"].items():
        if t is None:
            continue
        a = make_array(t, dtype, rng)
        grad = name not in BUFFERS and a.dtype.kind == "f"
        leaves[name] = lib.tensor(a, requires_grad=grad)
        views[name] = view(leaves[name], t)
        if lib is torch and name not in BUFFERS:
            # The oracle sees dense copies: torch 2.13's batch_norm backward is wrong for
            # some permuted inputs (size-1 axes read as channels-last), and its layout
            # paths are not what is under test.
            views[name] = views[name].contiguous()
    try:
        result = OPS[spec["op"]](lib, spec, views)
    except Exception as e:  # the comparison is the exception type, whatever it is
        out.error = ("forward", type(e).__name__, str(e)[:300])
        return out
    results = list(result) if isinstance(result, (tuple, list)) else [result]
    for i, r in enumerate(results):
        out.arrays[f"output {i}"] = np.array(r.detach().numpy(), copy=True)
    for name in BUFFERS:
        if name in leaves:
            out.arrays[name] = np.array(leaves[name].detach().numpy(), copy=True)
    roots = [r for r in results if r.requires_grad]
    if not roots:
        return out
    grads = [lib.tensor(rng.standard_normal(tuple(r.shape)).astype(dtype)) for r in roots]
    try:
        lib.autograd.backward(roots, grads)
    except Exception as e:  # as above
        out.error = ("backward", type(e).__name__, str(e)[:300])
        return out
    for name, leaf in leaves.items():
        if leaf.requires_grad:
            out.arrays[f"grad {name}"] = None if leaf.grad is None else \
                np.array(leaf.grad.detach().numpy(), copy=True)
    return out


def _cynn_side(spec, threads):
    previous = cynn.get_num_threads()
    cynn.set_num_threads(threads)
    try:
        return _side(cynn, spec)
    finally:
        cynn.set_num_threads(previous)


def _compare(got, want, spec, problems, label):
    if want.error or got.error:
        if not (want.error and got.error):
            problems.append(f"{label}: cynn {got!r}, but torch {want!r}")
        # cynn checks pooling indices when it unpools; torch only when it backpropagates
        # through them: the same error, found one step sooner, is agreement
        elif want.error[1] != got.error[1] or not (
                want.error[0] == got.error[0]
                or (got.error[0], want.error[0]) == ("forward", "backward")):
            problems.append(f"{label}: cynn {got!r}, but torch {want!r}")
        return
    if set(got.arrays) != set(want.arrays):
        problems.append(f"{label}: cynn returns {sorted(got.arrays)}, torch "
                        f"{sorted(want.arrays)}")
    for name in sorted(set(got.arrays) & set(want.arrays)):
        problem = _difference(got.arrays[name], want.arrays[name], spec)
        if problem:
            problems.append(f"{label}, {name}: {problem}")


def _difference(a, b, spec):
    """Why array ``a`` (cynn) does not match ``b`` (torch), or None."""
    if a is None or b is None:
        if a is None and b is None:
            return None
        return "gradient is set, torch's is None" if b is None else \
            "gradient is None, torch's is set"
    if a.shape != b.shape:
        return f"shape {a.shape} != torch's {b.shape}"
    if a.dtype != b.dtype:
        return f"dtype {a.dtype} != torch's {b.dtype}"
    if a.dtype.kind in "biu":
        bad = a != b
    else:
        tol = TOLERANCE[str(b.dtype)]
        atol = tol["atol"]
        if any(t and t.get("values") == "huge" for t in spec["tensors"].values()):
            # the absolute tolerance is relative to the data's scale
            finite = np.abs(b[np.isfinite(b)])
            atol *= max(1.0, float(finite.max())) if finite.size else 1.0
        with np.errstate(invalid="ignore", over="ignore"):   # inf - inf: judged below
            same_special = (np.isnan(a) & np.isnan(b)) | (a == b)
            error = np.abs(a.astype(np.float64) - b)
            close = error <= atol + tol["rtol"] * np.abs(b.astype(np.float64))
        bad = ~(same_special | (close & np.isfinite(a) & np.isfinite(b)))
    if not bad.any():
        return None
    where = tuple(int(i) for i in np.argwhere(bad)[0])
    return (f"{int(bad.sum())} of {bad.size} elements differ, first at {list(where)}: "
            f"cynn {a[where]!r}, torch {b[where]!r}")


def _bitwise_difference(one, two):
    if one.error or two.error:
        if (one.error or ())[:2] != (two.error or ())[:2]:
            return f"1 thread {one!r}, 2 threads {two!r}"
        return None
    for name in sorted(one.arrays):
        a, b = one.arrays[name], two.arrays.get(name)
        if a is None or b is None:
            if (a is None) != (b is None):
                return f"{name}: gradient set at one thread count only"
            continue
        if a.shape != b.shape or not np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
            diff = a != b
            return f"{name}: {int(diff.sum())} of {a.size} elements differ between 1 and 2 threads"
    return None


def check_size(spec):
    """Refuse specs whose tensors are too large to run (a generator bug)."""
    for name, t in spec["tensors"].items():
        if t is not None and np.prod(base_shape(t), dtype=np.float64) > MAX_ELEMENTS:
            raise ValueError(f"fuzz spec too large: {name} has shape {base_shape(t)}")
    if spec.get("max_output", 0) > MAX_ELEMENTS:
        raise ValueError(f"fuzz spec too large: output up to {spec['max_output']} elements")


def _torch_truncates(spec):
    """conv_transpose*: PyTorch's CPU path keeps stride, padding, dilation and
    output_padding in 32-bit ints."""
    if not spec["op"].startswith("conv_transpose"):
        return False
    values = [v for k in ("stride", "padding", "dilation", "output_padding")
              for v in (spec[k] if isinstance(spec[k], list) else [])]
    return any(abs(v) >= 2**31 for v in values)


def run(spec):
    """Run ``spec`` in torch and in cynn (at 1 and 2 threads when ``CHECK_THREADS``);
    raise ``Mismatch`` listing every difference. Returns a short summary."""
    if spec["op"].startswith("_selftest"):
        return _selftest(spec)
    check_size(spec)
    if _torch_truncates(spec):
        # PyTorch reads these as 32-bit ints (2**32 becomes stride 0, 2**32 + 1 stride 1),
        # so its answer is no oracle: cynn must only not crash, and agree with itself.
        one, got = _cynn_side(spec, 1), _cynn_side(spec, 2)
        problem = _bitwise_difference(one, got) if CHECK_THREADS else None
        if problem:
            raise Mismatch(f"threads: {problem}")
        return f"cynn {got!r} (torch truncates the arguments)"
    want = _side(torch, spec)
    if CHECK_THREADS:
        one, got = _cynn_side(spec, 1), _cynn_side(spec, 2)
    else:
        one = got = _side(cynn, spec)
    problems = []
    _compare(got, want, spec, problems, "cynn vs torch")
    if one is not got:
        problem = _bitwise_difference(one, got)
        if problem:
            problems.append(f"threads: {problem}")
    if problems:
        raise Mismatch("\n".join(problems))
    return f"torch {want!r}"


def _selftest(spec):
    """Ops that exercise the harness itself (see test_harness.py)."""
    kind = spec["op"]
    if kind == "_selftest_segfault":
        import ctypes
        ctypes.string_at(0)
    if kind == "_selftest_abort":
        os.abort()
    if kind == "_selftest_hang":
        import time
        time.sleep(3600)
    if kind == "_selftest_mismatch":
        want, got = Outcome(), Outcome()
        want.arrays["output 0"] = np.ones(3, np.float32)
        got.arrays["output 0"] = np.array([1, 1, 1.5], np.float32)
        problems = []
        _compare(got, want, {"tensors": {}}, problems, "cynn vs torch")
        raise Mismatch("\n".join(problems))
    return "selftest ok"


def configure_torch():
    # one torch thread: the workers share two cores with the test process
    torch.set_num_threads(1)
