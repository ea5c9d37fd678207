"""Parity table entries: reductions and scans. See parity_opinfo for the helpers."""
import parity_samples as S
from parity_engine import Sample, T
from parity_opinfo import add, forms, reduce, function_of

# ------------------------------------------------------------ reductions
for _name in ["sum", "nansum"]:
    reduce(_name, dtype_kwarg=True)
reduce("mean", dtype_kwarg=True, ints=False)
reduce("nanmean", ints=False)
reduce("prod", tuple_dims=False, dtype_kwarg=True)
for _name in ["amax", "amin"]:
    reduce(_name)
for _name in ["max", "min"]:
    reduce(_name, tuple_dims=False, out=False)
for _name in ["argmax", "argmin"]:
    reduce(_name, tuple_dims=False, grad=False, out=False)
for _name in ["median", "nanmedian"]:
    reduce(_name, tuple_dims=False, out=False)
reduce("mode", tuple_dims=False, out=False)
for _name in ["all", "any"]:
    reduce(_name, grad=False, out=False)
reduce("logsumexp", needs_dim=True)
reduce("count_nonzero", keepdim=False, grad=False, out=False)
for _name in ["var", "std", "var_mean", "std_mean"]:
    reduce(_name, ints=False, bools=False, out=_name in ("var", "std"))
    add(f"{_name}(correction=0)", (lambda n: lambda lib: (
        lambda x, *a, **k: getattr(lib, n)(x, *a, correction=0, **k)))(_name),
        lambda: S.reduction(ints=False, bools=False, tuple_dims=False))
    add(f"{_name}(unbiased=False)", (lambda n: lambda lib: (
        lambda x, *a, **k: getattr(lib, n)(x, *a, unbiased=False, **k)))(_name),
        lambda: [s for s in S.reduction(ints=False, bools=False) if s.case in
                 ("dim1", "dims_tuple", "keepdim", "0d", "empty")])
add("aminmax", function_of("aminmax"),
    lambda: [Sample("all", [T((3, 4))], grad=False), Sample("dim", [T((3, 4))], {"dim": 1},
                                                          grad=False),
             Sample("keepdim", [T((3, 4))], {"dim": 0, "keepdim": True}, grad=False),
             Sample("0d", [T(())], grad=False), Sample("empty", [T((0, 3))], grad=False),
             Sample("special", [T(list(S.SPECIAL_VALUES))], grad=False)])
add("norm", function_of("norm"),
    lambda: [s for s in S.reduction(ints=False, bools=False, dim_keyword=True)
             if s.case not in ("axis_alias", "keepdims_alias")])
for _p in [1, 2, float("inf"), 0, 3]:
    add(f"norm(p={_p})", (lambda p: lambda lib: (lambda x, *a, **k: lib.norm(x, p, *a, **k)))(_p),
        lambda: [s for s in S.reduction(ints=False, bools=False, tuple_dims=False,
                                        dim_keyword=True)
                 if s.case in ("all", "0d", "empty", "special", "dim1", "keepdim", "ties",
                               "dim_ties", "dim_0d", "dim_empty_reduced")]
        + [Sample("zeros", [T([0.0, 0.0, 0.0])], ones_upstream=True)])

# ------------------------------------------------------------ scans
forms("cumsum", lambda: S.scan(dtype_kwarg=True), lambda: S.scan(grad=False))
forms("cumprod", lambda: S.scan(dtype_kwarg=True) + [
    Sample("zeros", [T([[1.0, 0.0, 2.0, 0.0, 3.0]]), 1], ones_upstream=True)],
    lambda: S.scan(grad=False))
for _name in ["cummax", "cummin", "logcumsumexp"]:
    forms(_name, lambda: S.scan(ints=False), inplace=False)
add("diff", function_of("diff"),
    lambda: [Sample("default", [T((3, 4))]), Sample("dim0", [T((3, 4))], {"dim": 0}),
             Sample("n2", [T((3, 5))], {"n": 2}), Sample("empty", [T((0, 3))]),
             Sample("prepend", [T((3, 4))], {"prepend": T((3, 1))}),
             Sample("0d", [T(())], grad=False), Sample("int64", [T((5,), "int64")], grad=False),
             Sample("bool", [T((5,), "bool")], grad=False)])
