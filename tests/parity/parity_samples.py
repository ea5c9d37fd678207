"""Sample generators, one per family of ops. Each returns a list of ``Sample``; a case
name says what the sample probes (``0d``, ``empty``, ``T`` = transposed input,
``special`` = IEEE special values, ``int64+float32`` = type promotion, ...), so that a
known difference names the narrowest input that shows it.

Sizes are tiny on purpose: the whole table runs in CI on two cores.
"""
import itertools

import numpy as np

from parity_engine import SPECIAL_VALUES, Lib, Sample, T

SPECIAL_F64 = SPECIAL_VALUES + (1e-310, 1e300)


def _layouts(shape2d=(3, 4), low=-2.0, high=2.0):
    """One tensor in every layout and rank the edges need."""
    r = dict(low=low, high=high)
    return [
        ("f32", T(shape2d, **r)),
        ("f64", T((2, 3), "float64", **r)),
        ("0d", T((), **r)),
        ("empty", T((0, 3), **r)),
        ("size1", T((1, 3, 1), **r)),
        ("T", T(shape2d, view="T", **r)),
        ("step", T((3, 2), view="step", **r)),
        ("expand", T(shape2d, view="expand", **r)),
    ]


def unary(low=-2.0, high=2.0, grad=True, ints=True, special=True, extra=(), kwargs=None,
          inplace=False):
    """Pointwise ops of one tensor: layouts, integer and bool inputs (type promotion),
    IEEE special values (with gradients at them)."""
    kwargs = dict(kwargs or {})
    extra = list(extra)
    cases = _layouts(low=low, high=high)
    if inplace:  # writing into a broadcast view is an error in torch
        cases = [c for c in cases if c[0] != "expand"]
    samples = [Sample(name, [t, *extra], dict(kwargs), grad=grad and not inplace)
               for name, t in cases]
    if ints:
        samples.append(Sample("int64", [T((3, 4), "int64", low=-3, high=4), *extra],
                              dict(kwargs), grad=False))
        samples.append(Sample("bool", [T((2, 3), "bool"), *extra], dict(kwargs), grad=False))
    if special:
        for dtype, values in (("float32", SPECIAL_VALUES), ("float64", SPECIAL_F64)):
            samples.append(Sample(f"special_{dtype}", [T(values, dtype), *extra],
                                  dict(kwargs), grad=grad and not inplace,
                                  ones_upstream=True))
    return samples


def unary_function_forms(low, high, extra, kwargs, out_dtype):
    """What only the torch.X form takes: ``out=`` (an empty tensor torch resizes) and
    the input by keyword, also under numpy's name ``x``."""
    kw = dict(kwargs or {})
    r = dict(low=low, high=high)
    s = [Sample("out", [T((3, 4), **r), *extra], {**kw, "out": T((0,), out_dtype)}, grad=False)]
    if not extra:
        s += [Sample("input_keyword", [], {"input": T((3, 4), **r), **kw}),
              Sample("x_alias", [], {"x": T((3, 4), **r), **kw})]
    return s


def binary_function_forms(out_dtype):
    """``out=``, and numpy's ``x1`` / ``x2`` for ``input`` / ``other``."""
    return [Sample("out", [T((3, 4)), T((3, 4), low=0.5)], {"out": T((0,), out_dtype)},
                   grad=False),
            Sample("other_keyword", [T((3, 4))], {"other": T((3, 4), low=0.5)}),
            Sample("x1_x2_alias", [], {"x1": T((3, 4)), "x2": T((3, 4), low=0.5)})]


def reduction_function_forms(out, grad):
    """``out=`` with a dim, and numpy's ``a`` for ``input``."""
    s = [Sample("a_alias", [], {"a": T((3, 4)), "axis": 1}, grad=grad)]
    if out:
        s.append(Sample("out", [T((3, 4)), 1], {"out": T((0,))}, grad=False))
    return s


def kinks(points, grad=True, extra=(), kwargs=None):
    """Values at and either side of an op's kinks (relu at 0, hardtanh at +-1, ...):
    torch's one-sided derivative conventions."""
    values = sorted({v + d for v in points for d in (-0.25, 0.0, 0.25)} | {-0.0})
    return [Sample("kinks", [T(values, "float32"), *extra], dict(kwargs or {}), grad=grad,
                   ones_upstream=True),
            Sample("kinks_float64", [T(values, "float64"), *extra], dict(kwargs or {}),
                   grad=grad, ones_upstream=True)]


def binary(low=-2.0, high=2.0, grad=True, ints=True, bools=True, scalars=True,
           special=True, rlow=None, rhigh=None, inplace=False, tensor_rhs=True):
    """Pointwise ops of two tensors: broadcasting, 0-d operands, empty tensors,
    non-contiguous operands, Python scalars, promotion across int64/bool/float32/
    float64, IEEE special values on both sides, and mismatched shapes."""
    a = dict(low=low, high=high)
    b = dict(low=low if rlow is None else rlow, high=high if rhigh is None else rhigh)
    g = grad and not inplace
    s = [
        Sample("same", [T((3, 4), **a), T((3, 4), **b)], grad=g),
        Sample("f64", [T((2, 3), "float64", **a), T((2, 3), "float64", **b)], grad=g),
        Sample("broadcast_rank", [T((2, 3, 4), **a), T((4,), **b)], grad=g),
        Sample("0d_rhs", [T((3, 4), **a), T((), **b)], grad=g),
        Sample("0d_both", [T((), **a), T((), **b)], grad=g),
        Sample("empty", [T((0, 4), **a), T((4,), **b)], grad=g),
        Sample("T_step", [T((3, 2), view="T", **a), T((3, 2), view="step", **b)], grad=g),
        Sample("shape_mismatch", [T((3, 4), **a), T((2, 4), **b)], grad=False),
    ]
    if not inplace:
        s += [Sample("broadcast_both", [T((3, 1), **a), T((1, 4), **b)], grad=g),
              Sample("0d_lhs", [T((), **a), T((3, 4), **b)], grad=g),
              Sample("expand", [T((3, 4), view="expand", **a), T((3, 4), **b)], grad=g)]
    if scalars:
        s += [Sample("float_scalar", [T((3, 4), **a), 1.5], grad=g),
              Sample("int_scalar", [T((3, 4), **a), 2], grad=g),
              Sample("int64+float_scalar", [T((3, 4), "int64", low=1, high=5), 1.5],
                     grad=False),
              Sample("int64+int_scalar", [T((3, 4), "int64", low=1, high=5), 2], grad=False),
              Sample("bool+int_scalar", [T((3, 4), "bool"), 2], grad=False)]
    if ints:
        s += [Sample("int64", [T((3, 4), "int64", low=1, high=5),
                               T((3, 4), "int64", low=1, high=5)], grad=False),
              Sample("int64+float32", [T((3, 4), "int64", low=1, high=5), T((3, 4), **b)],
                     grad=False),
              Sample("float32+int64", [T((3, 4), **a), T((3, 4), "int64", low=1, high=5)],
                     grad=g)]
    if bools:
        s += [Sample("bool", [T((3, 4), "bool"), T((3, 4), "bool")], grad=False),
              Sample("bool+float32", [T((3, 4), "bool"), T((3, 4), **b)], grad=False)]
    s += [Sample("float32+float64", [T((3, 4), **a), T((3, 4), "float64", **b)], grad=g),
          # a 0-d tensor does not promote a dimensioned one within its category
          Sample("float32+0d_float64", [T((3, 4), **a), T((), "float64", **b)], grad=g),
          Sample("int64+0d_float64", [T((3, 4), "int64", low=1, high=5),
                                      T((), "float64", **b)], grad=False)]
    if special:
        left, right = zip(*itertools.product(SPECIAL_VALUES, SPECIAL_VALUES))
        s.append(Sample("special", [T(list(left)), T(list(right))], grad=g,
                        ones_upstream=True))
        left, right = zip(*itertools.product(SPECIAL_F64, SPECIAL_F64))
        s.append(Sample("special_float64", [T(list(left), "float64"),
                                            T(list(right), "float64")], grad=g,
                        ones_upstream=True))
    if not tensor_rhs:
        s = [x for x in s if not any(isinstance(v, T) for v in x.args[1:])]
    return s


def reduction(*, dims=True, tuple_dims=True, keepdim=True, dtype_kwarg=False, ints=True,
              bools=True, special=True, grad=True, low=-2.0, high=2.0, needs_dim=False,
              empty_full=True, dim_name="dim", dim_keyword=False):
    """Reductions: whole tensor, one dim, several dims, keepdim, 0-d and empty inputs,
    ties (for max/min/median and their index conventions), special values, the numpy
    keyword aliases, and bad dims (out of range, repeated)."""
    r = dict(low=low, high=high)
    ties = [[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 2.0, 2.0], [-1.0, 0.0, -1.0, 0.0]]
    s = []
    if not needs_dim:
        s += [Sample("all", [T((3, 4), **r)], grad=grad),
              Sample("0d", [T((), **r)], grad=grad),
              Sample("T", [T((3, 4), view="T", **r)], grad=grad),
              Sample("ties", [T(ties)], grad=grad),
              Sample("f64", [T((2, 3), "float64", **r)], grad=grad)]
        if empty_full:
            s.append(Sample("empty", [T((0, 3), **r)], grad=grad))
        if ints:
            s.append(Sample("int64", [T((3, 4), "int64", low=-3, high=4)], grad=False))
        if bools:
            s.append(Sample("bool", [T((3, 4), "bool")], grad=False))
        if special:
            s.append(Sample("special", [T([list(SPECIAL_VALUES)])], grad=grad,
                            ones_upstream=True))
    if dims:
        d = dim_name
        s += [Sample("dim1", [T((3, 4), **r), 1], grad=grad),
              Sample("dim-2", [T((3, 4), **r)], {d: -2}, grad=grad),
              Sample("dim_size1", [T((3, 1), **r), 1], grad=grad),
              Sample("dim_step", [T((3, 2), view="step", **r), 0], grad=grad),
              Sample("dim_expand", [T((3, 4), view="expand", **r), 0], grad=grad),
              Sample("dim_ties", [T(ties), 1], grad=grad),
              Sample("dim_ties0", [T(ties), 0], grad=grad),
              Sample("dim_0d", [T((), **r), 0], grad=grad),
              Sample("dim_0d_-1", [T((), **r), -1], grad=grad),
              Sample("dim_empty_other", [T((0, 3), **r), 1], grad=grad),
              Sample("dim_empty_reduced", [T((0, 3), **r), 0], grad=grad),
              Sample("dim_out_of_range", [T((3, 4), **r), 2], grad=False),
              Sample("dim_out_of_range_neg", [T((3, 4), **r), -3], grad=False),
              Sample("axis_alias", [T((3, 4), **r)], {"axis": 1}, grad=grad)]
        if ints:
            s.append(Sample("dim_int64", [T((3, 4), "int64", low=-3, high=4), 1], grad=False))
        if bools:
            s.append(Sample("dim_bool", [T((3, 4), "bool"), 0], grad=False))
        if special:
            s.append(Sample("dim_special", [T([list(SPECIAL_VALUES)] * 2), 1], grad=grad,
                            ones_upstream=True))
        if keepdim:
            s += [Sample("keepdim", [T((3, 4), **r), 1], {"keepdim": True}, grad=grad),
                  Sample("keepdim_0d", [T((), **r), 0], {"keepdim": True}, grad=grad),
                  Sample("keepdims_alias", [T((3, 4), **r)], {d: 0, "keepdims": True},
                         grad=grad)]
        if tuple_dims:
            s += [Sample("dims_tuple", [T((2, 3, 4), **r), (0, 2)], grad=grad),
                  Sample("dims_tuple_keepdim", [T((2, 3, 4), **r), (-1, 0)],
                         {"keepdim": True}, grad=grad),
                  Sample("dims_empty_tuple", [T((2, 3), **r), ()], grad=grad),
                  Sample("dims_repeated", [T((2, 3), **r), (1, -1)], grad=False)]
    if dtype_kwarg:
        s += [Sample("dtype_float64", [T((3, 4), **r)],
                     {"dtype": Lib(lambda lib: lib.float64)}, grad=grad),
              Sample("int64_dtype_float32", [T((3, 4), "int64", low=-3, high=4)],
                     {"dtype": Lib(lambda lib: lib.float32)}, grad=False)]
    if dim_keyword:  # ops whose second positional argument is not the dim (norm's p)
        for sample in s:
            if len(sample.args) == 2:
                sample.kwargs = {dim_name: sample.args.pop(), **sample.kwargs}
    return s


def scan(dtype_kwarg=False, grad=True, low=-2.0, high=2.0, ints=True):
    """Scans along a dim (cumsum, cummax, ...)."""
    r = dict(low=low, high=high)
    ties = [[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 2.0, 2.0]]
    s = [Sample("dim1", [T((3, 4), **r), 1], grad=grad),
         Sample("dim0", [T((3, 4), **r)], {"dim": 0}, grad=grad),
         Sample("0d", [T((), **r), 0], grad=grad),
         Sample("empty", [T((0, 3), **r), 0], grad=grad),
         Sample("T", [T((3, 4), view="T", **r), 1], grad=grad),
         Sample("step", [T((3, 2), view="step", **r), 1], grad=grad),
         Sample("ties", [T(ties), 1], grad=grad),
         Sample("special", [T([list(SPECIAL_VALUES)]), 1], grad=grad, ones_upstream=True),
         Sample("f64", [T((2, 3), "float64", **r), 1], grad=grad),
         Sample("axis_alias", [T((3, 4), **r)], {"axis": 1}, grad=grad),
         Sample("dim_out_of_range", [T((3, 4), **r), 2], grad=False)]
    if ints:
        s += [Sample("int64", [T((3, 4), "int64", low=-3, high=4), 1], grad=False),
              Sample("bool", [T((3, 4), "bool"), 1], grad=False)]
    if dtype_kwarg:
        s.append(Sample("dtype_float64", [T((3, 4), **r), 1],
                        {"dtype": Lib(lambda lib: lib.float64)}, grad=grad))
    return s


def dim_op(grad=True, ints=False, extra_kwargs=None):
    """Ops over one dim that keep the shape (softmax, normalize-like)."""
    kw = dict(extra_kwargs or {})
    s = [Sample("dim1", [T((3, 4)), 1], dict(kw), grad=grad),
         Sample("dim0", [T((3, 4))], {"dim": 0, **kw}, grad=grad),
         Sample("0d", [T(()), 0], dict(kw), grad=grad),
         Sample("empty", [T((0, 3)), 1], dict(kw), grad=grad),
         Sample("T", [T((3, 4), view="T"), 1], dict(kw), grad=grad),
         Sample("f64", [T((2, 3), "float64"), -1], dict(kw), grad=grad),
         Sample("special", [T([list(SPECIAL_VALUES)]), 1], dict(kw), grad=grad,
                ones_upstream=True),
         Sample("dim_out_of_range", [T((3, 4)), 2], dict(kw), grad=False),
         Sample("dtype_float64", [T((3, 4)), 1], {"dtype": Lib(lambda lib: lib.float64),
                                                   **kw}, grad=grad)]
    if ints:
        s.append(Sample("int64", [T((3, 4), "int64", low=-3, high=4), 1], dict(kw),
                        grad=False))
    return s


def matrix(shapes_by_case, grad=True, errors=()):
    """Matrix products: one sample per (case, input shapes); ``errors`` are shape
    combinations torch rejects."""
    s = [Sample(case, [T(shape) for shape in shapes], grad=grad)
         for case, shapes in shapes_by_case.items()]
    first = next(iter(shapes_by_case.values()))
    s.append(Sample("f64", [T(shape, "float64") for shape in first], grad=grad))
    s.append(Sample("int64", [T(shape, "int64", low=-3, high=4) for shape in first],
                    grad=False))
    s.append(Sample("float32+float64", [T(shape, "float64" if i else "float32")
                                        for i, shape in enumerate(first)], grad=False))
    s.append(Sample("T", [T(shape, view="T") if len(shape) >= 2 else T(shape)
                          for shape in first], grad=grad))
    for i, shapes in enumerate(errors):
        s.append(Sample(f"shape_error{i}", [T(shape) for shape in shapes], grad=False))
    return s


def regression_loss(kwargs=None, low=-2.0, high=2.0, tlow=None, thigh=None, grad_target=True):
    """Losses of (input, target) of one shape: every reduction, 0-d, empty (the mean of
    nothing is nan), non-contiguous, float64, special values, mismatched shapes."""
    kw = dict(kwargs or {})
    i = dict(low=low, high=high)
    t = dict(low=low if tlow is None else tlow, high=high if thigh is None else thigh)
    s = []
    for reduction in ("mean", "sum", "none"):
        s.append(Sample(f"reduction_{reduction}", [T((3, 4), **i), T((3, 4), grad=grad_target,
                                                                     **t)],
                        {"reduction": reduction, **kw}))
    s += [Sample("0d", [T((), **i), T((), grad=grad_target, **t)], dict(kw)),
          Sample("empty_mean", [T((0, 4), **i), T((0, 4), grad=grad_target, **t)], dict(kw)),
          Sample("empty_sum", [T((0, 4), **i), T((0, 4), grad=grad_target, **t)],
                 {"reduction": "sum", **kw}),
          Sample("T_step", [T((3, 2), view="T", **i),
                            T((3, 2), view="step", grad=grad_target, **t)], dict(kw)),
          Sample("f64", [T((2, 3), "float64", **i), T((2, 3), "float64", grad=grad_target,
                                                      **t)], dict(kw)),
          Sample("special", [T(list(SPECIAL_VALUES)), T(list(SPECIAL_VALUES[::-1]),
                                                        grad=grad_target)],
                 {"reduction": "none", **kw}, ones_upstream=True),
          Sample("bad_reduction", [T((3,), **i), T((3,), **t)], {"reduction": "avg", **kw},
                 grad=False)]
    return s
