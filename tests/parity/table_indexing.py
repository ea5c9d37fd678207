"""Parity table entries: indexing, search and sort, and subscripts (``x[key]``,
``x[key] = v``). See parity_opinfo for the helpers."""
import parity_samples as S
from parity_engine import Sample, T
from parity_opinfo import add, cases

# ------------------------------------------------------------ indexing and search
_IDX = T([[0, 2], [1, 0], [2, 1]], "int64")
cases("gather", ("dim1", [T((3, 4)), 1, _IDX], {}), ("dim0", [T((3, 4)), 0, _IDX], {}),
      ("0d", [T(()), 0, T(0, "int64")], {}), ("oob", [T((3, 4)), 1, T([[5]], "int64")], {}),
      ("int32_index", [T((3, 4)), 1, T([[0]], "int32")], {}),
      ("repeated_index", [T((3, 4)), 1, T([[1, 1, 1]], "int64")], {}))
cases("take_along_dim", ("dim", [T((3, 4)), _IDX, 1], {}), ("flat", [T((3, 4)), T([0, 11, 5],
                                                                                 "int64")], {}))
cases("index_select", ("dim0", [T((3, 4)), 0, T([2, 0, 2], "int64")], {}),
      ("dim1", [T((3, 4)), 1, T([3], "int64")], {}), ("0d", [T(()), 0, T([0], "int64")], {}),
      ("oob", [T((3, 4)), 0, T([3], "int64")], {}),
      ("float_index", [T((3, 4)), 0, T([0.0])], {}))
cases("take", ("flat", [T((3, 4)), T([[0, 11], [-1, 5]], "int64")], {}),
      ("oob", [T((3, 4)), T([12], "int64")], {}))
cases("masked_select", ("same", [T((3, 4)), T((3, 4), "bool")], {}),
      ("broadcast", [T((3, 4)), T((4,), "bool")], {}),
      ("float_mask", [T((3, 4)), T((3, 4))], {}))
cases("masked_fill", ("scalar", [T((3, 4)), T((3, 4), "bool"), 0.5], {}),
      ("broadcast", [T((3, 4)), T((4,), "bool"), -1.0], {}),
      ("0d_value", [T((3, 4)), T((3, 4), "bool"), T(2.0, grad=False)], {}),
      ("int_tensor_float_value", [T((3, 4), "int64"), T((3, 4), "bool"), 1.5], {}),
      ("value_1d", [T((3, 4)), T((3, 4), "bool"), T([2.0], grad=False)], {}))
cases("index_add", ("dim0", [T((3, 4)), 0, T([0, 2, 0], "int64"), T((3, 4))], {}),
      ("alpha", [T((3, 4)), 1, T([1], "int64"), T((3, 1))], {"alpha": 2.0}))
cases("index_copy", ("dim0", [T((3, 4)), 0, T([2, 0], "int64"), T((2, 4))], {}))
cases("index_fill", ("dim1", [T((3, 4)), 1, T([0, 3], "int64"), -1.0], {}))
cases("scatter", ("src", [T((3, 4)), 1, T([[0, 2], [1, 3]], "int64"), T((2, 2))], {}),
      ("value", [T((3, 4)), 0, T([[0, 2], [1, 0]], "int64"), 5.0], {}),
      ("reduce_add", [T((3, 4)), 1, T([[0, 0]], "int64"), T((1, 2))], {"reduce": "add"}),
      ("oob", [T((3, 4)), 1, T([[4]], "int64"), T((1, 1))], {}))
cases("scatter_add", ("dup", [T((3, 4)), 1, T([[0, 0], [3, 3]], "int64"), T((2, 2))], {}),
      ("0d", [T(()), 0, T(0, "int64"), T(())], {}))
for _reduce in ["sum", "prod", "mean", "amax", "amin"]:
    add(f"scatter_reduce({_reduce})", (lambda r: lambda lib: (
        lambda *a, **k: lib.scatter_reduce(*a, reduce=r, **k)))(_reduce),
        lambda: [Sample("self", [T((3, 4)), 1, T([[0, 0, 2], [3, 3, 3]], "int64"), T((2, 3))]),
                 Sample("exclude_self", [T((3, 4)), 1, T([[0, 0, 2]], "int64"), T((1, 3))],
                        {"include_self": False})])
for _name in ["nonzero", "argwhere"]:
    cases(_name, ("2d", [T([[0.0, 1.0], [-0.0, 2.0]])], {}), ("0d_true", [T(2.0)], {}),
          ("0d_false", [T(0.0)], {}), ("empty", [T((0, 3))], {}), ("bool", [T((3, 4), "bool")],
                                                                   {}),
          ("nan", [T([float("nan"), 0.0])], {}))
add("nonzero(as_tuple)", lambda lib: (lambda x: lib.nonzero(x, as_tuple=True)),
    lambda: [Sample("2d", [T([[0.0, 1.0], [-0.0, 2.0]])]), Sample("0d", [T(2.0)]),
             Sample("0d_false", [T(0.0)]), Sample("empty", [T((0, 3))])])
for _name in ["sort", "argsort"]:
    cases(_name, ("default", [T((3, 4))], {}), ("dim0_desc", [T((3, 4)), 0, True], {}),
          ("stable_ties", [T([3.0, 1.0, 3.0, 1.0, 2.0])], {"stable": True}),
          ("descending_kw", [T((3, 4))], {"descending": True}),
          ("special", [T(list(S.SPECIAL_VALUES))], {}), ("0d", [T(())], {}),
          ("empty", [T((0, 3))], {}), ("int64", [T((3, 4), "int64")], {}),
          ("bool", [T((5,), "bool")], {}), ("oob", [T((3, 4)), 2], {}),
          ("axis_alias", [T((3, 4))], {"axis": 0}))
cases("msort", ("2d", [T((3, 4))], {}))
cases("topk", ("k2", [T((3, 4)), 2], {}), ("smallest", [T((3, 4)), 2, 0, False], {}),
      ("ties", [T([1.0, 3.0, 3.0, 2.0, 3.0]), 2], {}), ("k0", [T((3, 4)), 0], {}),
      ("too_big", [T((3, 4)), 5], {}), ("0d", [T(()), 1], {}),
      ("special", [T(list(S.SPECIAL_VALUES)), 3], {}))
cases("kthvalue", ("k2", [T((3, 4)), 2], {}), ("dim0", [T((3, 4)), 1, 0], {}),
      ("ties", [T([1.0, 3.0, 3.0, 2.0, 3.0]), 3], {}), ("too_big", [T((3, 4)), 5], {}),
      ("keepdim", [T((3, 4)), 1, 1, True], {}), ("0d", [T(()), 1], {}))
cases("unique", ("sorted", [T([3.0, 1.0, 3.0, 2.0])], {}),
      ("counts", [T([3, 1, 3, 2], "int64")], {"return_inverse": True, "return_counts": True}),
      ("dim", [T([[1.0, 2.0], [1.0, 2.0], [0.0, 1.0]])], {"dim": 0}),
      ("0d", [T(2.0)], {}), ("empty", [T((0,))], {}))
cases("unique_consecutive", ("1d", [T([1, 1, 2, 2, 1], "int64")], {"return_counts": True}))
cases("searchsorted", ("1d", [T([1.0, 2.0, 3.0]), T([0.5, 2.0, 4.0])], {}),
      ("right", [T([1.0, 2.0, 3.0]), T([2.0])], {"right": True}), method=False)
cases("bucketize", ("1d", [T([0.5, 2.0, 4.0]), T([1.0, 2.0, 3.0])], {}), method=False)
cases("bincount", ("plain", [T([0, 1, 1, 3], "int64")], {}),
      ("weights", [T([0, 1, 1], "int64"), T([0.5, 1.0, 2.0])], {}),
      ("negative", [T([-1, 0], "int64")], {}))
cases("isin", ("1d", [T([1, 2, 3], "int64"), T([2, 5], "int64")], {}), method=False)
cases("histc", ("default", [T((10,))], {"bins": 4}), ("range", [T((10,)), 4, -1.0, 1.0], {}))
cases("isclose", ("default", [T([1.0, float("nan"), 2.0]), T([1.00001, float("nan"), 2.1])],
                  {}), ("equal_nan", [T([float("nan")]), T([float("nan")])], {"equal_nan": True}))
cases("allclose", ("default", [T((3,)), T((3,))], {}), ("mismatch", [T((3,)), T((2, 3))], {}))
cases("equal", ("same", [T([1.0, 2.0]), T([1.0, 2.0])], {}),
      ("shape", [T([1.0, 2.0]), T([[1.0, 2.0]])], {}))


# ------------------------------------------------------------ indexing by subscript
_KEYS = {
    "int": 1, "negative_int": -1, "slice": slice(1, None), "step": slice(None, None, 2),
    "negative_slice": slice(-2, None), "tuple": (1, slice(0, 2)), "none": (None, 0),
    "ellipsis": (Ellipsis, 1), "list": [0, 2, 0], "long_tensor": T([2, 0], "int64"),
    "bool_mask": T([True, False, True], "bool"), "2d_mask": T((3, 4), "bool"),
    "two_tensors": (T([0, 2], "int64"), T([1, 3], "int64")),
    "int_and_tensor": (1, T([0, 3, 3], "int64")), "0d_index": T(1, "int64"),
    "out_of_range": 3, "too_many": (0, 0, 0), "empty_list": T((0,), "int64"),
    "slice_out_of_range": slice(5, 10), "float_index": 1.5,
}
add("Tensor.__getitem__", lambda lib: (lambda x, key: x[key]),
    lambda: [Sample(case, [T((3, 4)), key]) for case, key in _KEYS.items()]
    + [Sample("0d_ellipsis", [T(()), Ellipsis]), Sample("0d_none", [T(()), None]),
       Sample("0d_int", [T(()), 0])])


def _setitem(x, key, value):
    y = x.clone()
    y[key] = value
    return y


add("Tensor.__setitem__", lambda lib: _setitem,
    lambda: [Sample(case, [T((3, 4)), key, 0.5]) for case, key in _KEYS.items()
             if case not in ("float_index",)]
    + [Sample("tensor_value", [T((3, 4)), 1, T((4,))]),
       Sample("broadcast_value", [T((3, 4)), slice(None), T((1, 4))]),
       Sample("bad_value_shape", [T((3, 4)), 0, T((3,))], grad=False),
       Sample("int_tensor_float_value", [T((3, 4), "int64"), 0, 2.7], grad=False),
       Sample("mask_tensor_value", [T((3, 4)), T([True, False, True], "bool"), T((4,))]),
       Sample("duplicate_indices", [T((3, 4)), T([0, 0], "int64"), T((2, 4))])])
