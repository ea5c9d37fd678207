"""Run one sample of one op in cynn and in PyTorch (the oracle) and describe how they
differ, in one line, or return None when they agree.

A sample says how its inputs are made, never what the op should return: every expected
value, shape, dtype, gradient and error comes from torch at run time.

* ``T(shape_or_values, dtype, view=..., grad=...)`` is a tensor argument. Its data is a
  numpy array (random from the sample's seed, or the values given); ``view`` names a
  view taken of the leaf before the op sees it (``"T"`` transposed, ``"step"`` every
  other column at an offset, ``"expand"`` size-1 axes broadcast), so the op gets a
  non-contiguous tensor while gradients are compared on the leaf.
* Anything else in ``args`` / ``kwargs`` is passed as it is (Python scalars, dims, ...);
  ``Lib(fn)`` is computed per library (a dtype, say).

What is compared: whether each side raised, the exception's builtin type and the first
line of its message; otherwise the structure of the result, every tensor's shape, dtype
and values (NaN and +-inf positions exactly, the rest at rtol 1e-4 / atol 1e-5 in
float32 and 1e-7 / 1e-9 in float64), the inputs after the call (an op that writes into
an input must write the same thing), and with ``grad`` the gradient of every floating
leaf for a fixed random upstream gradient (or the error backward raises).
"""
import ast
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch

import cynn

TOLERANCE = {"float16": (1e-3, 1e-3), "bfloat16": (1e-2, 1e-2), "float32": (1e-4, 1e-5),
             "float64": (1e-7, 1e-9)}

# +-0, +-inf, nan, subnormals, +-1 (the kinks of hardtanh and clamp's usual bounds), a
# value near float32's top and ordinary values on both sides
SPECIAL_VALUES = (0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -1e-40, 1.0, -1.0, 0.5, -2.5,
                  3e38)


@dataclass
class T:
    """A tensor argument: ``data`` is a shape (random values) or explicit values."""
    data: object
    dtype: str = "float32"
    view: str = None
    grad: bool = True
    low: float = -2.0
    high: float = 2.0

    def array(self, rng):
        if self.is_shape():
            shape = self.base_shape(self.data)
            if self.dtype == "bool":
                return rng.random(shape) < 0.5
            if np.dtype(self.dtype).kind in "iu":
                return rng.integers(int(self.low), int(self.high), size=shape).astype(self.dtype)
            return rng.uniform(self.low, self.high, size=shape).astype(self.dtype)
        return np.array(self.data, dtype=self.dtype)

    def is_shape(self):
        return isinstance(self.data, tuple) and all(type(n) is int for n in self.data)

    def base_shape(self, shape):
        """The leaf's shape, from which ``view`` gives a tensor of ``shape``."""
        shape = list(shape)
        if self.view == "T":
            return tuple(shape[:-2] + [shape[-1], shape[-2]])
        if self.view == "step":
            return tuple(shape[:-1] + [2 * shape[-1] + 1])
        if self.view == "expand":
            return tuple(1 if i == 0 else s for i, s in enumerate(shape))
        return tuple(shape)


@dataclass
class Lib:
    """An argument computed per library: ``fn(lib)`` with ``lib`` = torch or cynn."""
    fn: object


@dataclass
class Sample:
    case: str
    args: list
    kwargs: dict = field(default_factory=dict)
    grad: bool = True
    seed: int = 0
    # an upstream gradient of ones instead of random values: at special points a random
    # sign would only move nans about
    ones_upstream: bool = False


def _view(lib_tensor, spec, target_shape):
    if spec.view == "T":
        return lib_tensor.transpose(-1, -2)
    if spec.view == "step":
        return lib_tensor[..., 1::2]
    if spec.view == "expand":
        return lib_tensor.expand(*target_shape)
    return lib_tensor


def materialize(lib, sample):
    """The sample's arguments for ``lib``, plus the leaves whose gradients are compared
    and the tensors handed to the op (to check what the op wrote into them)."""
    rng = np.random.default_rng(sample.seed)
    leaves, handed = [], []

    def build(value):
        if isinstance(value, T):
            array = value.array(rng)
            wants_grad = bool(sample.grad and value.grad and array.dtype.kind == "f")
            dtype = getattr(lib, str(array.dtype))
            leaf = lib.tensor(array.copy(), dtype=dtype, requires_grad=wants_grad)
            shape = value.data if value.is_shape() else array.shape
            arg = _view(leaf, value, shape)
            leaves.append(leaf)
            handed.append(arg)
            return arg
        if isinstance(value, Lib):
            return value.fn(lib)
        if isinstance(value, list):
            return [build(v) for v in value]
        if isinstance(value, tuple):
            return tuple(build(v) for v in value)
        return value

    args = [build(a) for a in sample.args]
    kwargs = {k: build(v) for k, v in sample.kwargs.items()}
    return args, kwargs, leaves, handed


@dataclass
class Outcome:
    error: BaseException = None
    outputs: list = None
    inputs_after: list = None
    grads: list = None
    grad_error: BaseException = None
    requires_grad: list = None


def _is_tensor(x):
    return isinstance(x, (cynn.Tensor, torch.Tensor))


def _flatten(out):
    """Tensors and plain values of a result, in order (tuples, lists, named tuples)."""
    if _is_tensor(out):
        return [out]
    if isinstance(out, (tuple, list)) and not isinstance(out, (torch.Size, cynn.Size)):
        flat = []
        for item in out:
            flat.extend(_flatten(item))
        return flat
    return [out]


def _record(x):
    """A library-neutral picture of one output: a tensor as (shape, dtype, values)."""
    if _is_tensor(x):
        if getattr(x, "is_sparse", False):
            x = x.to_dense()
        # force: torch's gradients can be ZeroTensors, which numpy() alone refuses
        values = x.detach().numpy(force=True) if isinstance(x, torch.Tensor) else \
            x.detach().numpy()
        return ("tensor", tuple(x.shape), str(x.dtype).split(".")[-1],
                np.array(values, copy=True))
    if isinstance(x, (torch.Size, cynn.Size)):
        return ("size", tuple(x))
    if isinstance(x, (torch.dtype, cynn.dtype)):
        return ("dtype", str(x).split(".")[-1])
    return ("value", x)


def run(lib, op, sample):
    args, kwargs, leaves, handed = materialize(lib, sample)
    try:
        # both libraries warn alike (a broadcast loss target, say); what is compared
        # here is the result
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = op(lib)(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 -- the error itself is what gets compared
        return Outcome(error=error)
    flat = _flatten(out)
    outcome = Outcome(outputs=[_record(x) for x in flat],
                      inputs_after=[_record(t) for t in handed],
                      requires_grad=[_is_tensor(x) and x.requires_grad for x in flat])
    roots = [x for x in flat if _is_tensor(x) and x.requires_grad]
    if not sample.grad or not roots or not any(leaf.requires_grad for leaf in leaves):
        return outcome
    rng = np.random.default_rng(sample.seed + 1)
    upstream = []
    for root in roots:
        dtype = str(root.dtype).split(".")[-1]
        values = (np.ones(tuple(root.shape)) if sample.ones_upstream
                  else rng.standard_normal(tuple(root.shape)))
        upstream.append(lib.tensor(values.astype(dtype)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lib.autograd.backward(roots, upstream)
    except Exception as error:  # noqa: BLE001
        outcome.grad_error = error
        return outcome
    outcome.grads = [None if leaf.grad is None else _record(leaf.grad)
                     for leaf in leaves if leaf.requires_grad]
    return outcome


def _builtin_type(error):
    return next(k for k in type(error).__mro__ if k.__module__ == "builtins")


def _first_line(error):
    text = str(error).strip().splitlines()
    return text[0].strip() if text else ""


def _neutral(message):
    """A message with the library's name taken out: ``torch.Size([2])`` and
    ``cynn.Size([2])`` say the same thing."""
    return message.replace("torch.", "").replace("cynn.", "")


def _short(error):
    return f"{type(error).__name__}({_first_line(error)[:110]!r})"


def _compare_record(c, t, what, floor="float64"):
    if c[0] != t[0]:
        return f"{what}: cynn gives {c[0]} {c[1:3] if c[0] == 'tensor' else c[1]!r}, " \
               f"torch gives {t[0]} {t[1:3] if t[0] == 'tensor' else t[1]!r}"
    if c[0] != "tensor":
        same = c[1] == t[1] or (isinstance(c[1], float) and isinstance(t[1], float)
                                and np.isclose(c[1], t[1], equal_nan=True))
        if not same or type(c[1]) is not type(t[1]) and not isinstance(t[1], (int, float)):
            return f"{what}: cynn gives {c[1]!r}, torch gives {t[1]!r}"
        return None
    _, c_shape, c_dtype, c_values = c
    _, t_shape, t_dtype, t_values = t
    if c_shape != t_shape:
        return f"{what}: shape {c_shape}, torch {t_shape}"
    if c_dtype != t_dtype:
        return f"{what}: dtype {c_dtype}, torch {t_dtype}"
    if t_values.dtype.kind in "biu":
        bad = c_values != t_values
    else:
        # a float64 result computed from float32 inputs (a float64 0-d operand's
        # gradient, say) carries float32 rounding: compare at the inputs' precision
        rtol, atol = max(TOLERANCE.get(t_dtype, (1e-4, 1e-5)), TOLERANCE[floor])
        bad = ~np.isclose(c_values.astype(np.float64), t_values.astype(np.float64),
                          rtol=rtol, atol=atol, equal_nan=True)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        return f"{what}: {int(bad.sum())}/{bad.size} values differ, at {index} cynn " \
               f"{c_values[index]!r} torch {t_values[index]!r}"
    return None


def compare(c, t, check_message=True, floor="float64"):
    """One line on how the cynn outcome ``c`` differs from torch's ``t``, or None;
    ``floor`` is the least precise floating dtype among the inputs."""
    if t.error is not None or c.error is not None:
        if c.error is None:
            return f"torch raises {_short(t.error)}, cynn does not"
        if t.error is None:
            return f"cynn raises {_short(c.error)}, torch does not"
        expected = _builtin_type(t.error)
        if not isinstance(c.error, expected):
            return f"cynn raises {_short(c.error)}, torch {_short(t.error)}"
        if check_message and _neutral(_first_line(t.error)) not in _neutral(str(c.error)):
            return f"message: cynn {_first_line(c.error)[:110]!r}, " \
                   f"torch {_first_line(t.error)[:110]!r}"
        return None
    if len(c.outputs) != len(t.outputs):
        return f"cynn returns {len(c.outputs)} outputs, torch {len(t.outputs)}"
    for i, (co, to) in enumerate(zip(c.outputs, t.outputs)):
        problem = _compare_record(co, to, f"output {i}", floor)
        if problem:
            return problem
    for i, (cr, tr) in enumerate(zip(c.requires_grad, t.requires_grad)):
        if cr != tr:
            return f"output {i}: requires_grad {cr}, torch {tr}"
    for i, (ci, ti) in enumerate(zip(c.inputs_after, t.inputs_after)):
        problem = _compare_record(ci, ti, f"input {i} after the call")
        if problem:
            return problem
    if t.grad_error is not None or c.grad_error is not None:
        if c.grad_error is None:
            return f"backward: torch raises {_short(t.grad_error)}, cynn does not"
        if t.grad_error is None:
            return f"backward: cynn raises {_short(c.grad_error)}, torch does not"
        return None
    if (t.grads is None) != (c.grads is None):
        return f"gradients: cynn {'none' if c.grads is None else 'computed'}, torch " \
               f"{'none' if t.grads is None else 'computed'}"
    for i, (cg, tg) in enumerate(zip(c.grads or [], t.grads or [])):
        if (cg is None) != (tg is None):
            return f"grad {i}: cynn {'None' if cg is None else 'a tensor'}, torch " \
                   f"{'None' if tg is None else 'a tensor'}"
        if cg is not None:
            problem = _compare_record(cg, tg, f"grad {i}", floor)
            if problem:
                return problem
    return None


def difference(op, sample, check_message=True):
    """How ``op`` (``lib -> callable``) differs between cynn and torch on ``sample``."""
    try:
        t = run(torch, op, sample)
    except Exception as error:  # noqa: BLE001 -- a harness error shows as a difference
        return f"harness: torch side failed to run: {_short(error)}"
    try:
        c = run(cynn, op, sample)
    except Exception as error:  # noqa: BLE001
        return f"cynn crashed outside the op: {_short(error)}"
    found = compare(c, t, check_message, _least_precise(sample))
    return _with_inputs_at(found, sample, t) if found else found


def _with_inputs_at(found, sample, expected):
    """Name the input values at a differing index when the sample's inputs are explicit
    values of the differing tensor's shape (the special-value samples of pointwise ops):
    "... at (4,) ..." gains "for inputs there (nan,)", which says which IEEE point differs."""
    match = re.match(r"(output|grad) (\d+): .* at (\([\d, ]*\)) ", found)
    values = [np.array(a.data, dtype=a.dtype) for a in sample.args
              if isinstance(a, T) and not a.is_shape()]
    if not match or not values:
        return found
    if match[1] == "output":
        shape = expected.outputs[int(match[2])][1]
    else:
        shape = values[0].shape
    if any(v.shape != shape for v in values):
        return found
    picked = [v[ast.literal_eval(match[3])].item() for v in values]
    return f"{found} for inputs there {tuple(picked)}"


def _least_precise(sample):
    dtypes = set()

    def visit(value):
        if isinstance(value, T):
            dtypes.add(value.dtype)
        elif isinstance(value, (list, tuple)):
            for item in value:
                visit(item)
    visit(list(sample.args) + list(sample.kwargs.values()))
    return "float64" if dtypes <= {"float64"} else "float32"
