"""Parity table entries: Tensor methods beyond the functions (in-place forms, dtype
conversions, metadata) and the factories. See parity_opinfo for the helpers."""
import parity_samples as S
from parity_engine import Lib, Sample, T
from parity_opinfo import add, forms, cases, creation, function_of, method_of, functional_of

# ------------------------------------------------------------ more methods and in-place forms
for _name in ["addcmul", "addcdiv"]:
    add(f"Tensor.{_name}", method_of(_name),
        lambda: [Sample("same", [T((3, 4)), T((3, 4)), T((3, 4), low=0.5)], {"value": 0.5}),
                 Sample("broadcast", [T((3, 1)), T((4,)), T((), low=0.5)])])
    add(f"Tensor.{_name}_", method_of(_name + "_"),
        lambda: [Sample("same", [T((3, 4)), T((3, 4)), T((3, 4), low=0.5)], grad=False),
                 Sample("broadcast_self", [T((3, 1)), T((4,)), T((4,), low=0.5)], grad=False)])
add("Tensor.lerp", method_of("lerp"), lambda: [Sample("scalar", [T((3, 4)), T((3, 4)), 0.3])])
add("Tensor.lerp_", method_of("lerp_"),
    lambda: [Sample("scalar", [T((3, 4)), T((3, 4)), 0.3], grad=False)])
add("Tensor.where", method_of("where"),
    lambda: [Sample("same", [T((3, 4)), T((3, 4), "bool"), T((3, 4))]),
             Sample("scalar", [T((3, 4)), T((3, 4), "bool"), 0.0])])
add("Tensor.diff", method_of("diff"), lambda: [Sample("default", [T((3, 4))])])
add("Tensor.aminmax", method_of("aminmax"), lambda: [Sample("dim", [T((3, 4))], {"dim": 0},
                                                          grad=False)])
add("Tensor.hardshrink", method_of("hardshrink"), lambda: S.unary(ints=False)
    + S.kinks((-0.5, 0.5)))
add("Tensor.norm", method_of("norm"),
    lambda: [Sample("all", [T((3, 4))]), Sample("p1_dim", [T((3, 4)), 1, 0]),
             Sample("zeros", [T([0.0, 0.0])], ones_upstream=True)])
add("Tensor.mvlgamma", method_of("mvlgamma"), lambda: [Sample("p2", [T((3,), low=1.2, high=3.0),
                                                                     2])])
add("Tensor.polygamma", method_of("polygamma"),
    lambda: [Sample("n1", [T((3,), low=0.2, high=3.0), 1])])
forms("angle", lambda: S.unary(), inplace=False)
forms("frexp", lambda: [Sample("f32", [T((3, 4), low=-5, high=5)], grad=False),
                        Sample("special", [T(list(S.SPECIAL_VALUES))], grad=False),
                        Sample("int64", [T((3,), "int64")], grad=False)], inplace=False)
for _name in ["relu_", "elu_", "leaky_relu_", "hardtanh_", "selu_", "celu_", "threshold_",
              "rrelu_"]:
    _extra = (0.5, -1.0) if _name == "threshold_" else ()
    _kw = {"training": False} if _name == "rrelu_" else {}
    add(f"F.{_name}", functional_of(_name),
        (lambda e=_extra, k=_kw: S.unary(ints=False, extra=e, kwargs=k, inplace=True)))
for _name in ["masked_fill_", "index_fill_", "index_add_", "index_copy_", "scatter_",
              "scatter_add_"]:
    _base = _name.rstrip("_")
    _src = {"masked_fill_": [T((3, 4), "bool", grad=False), 0.5],
            "index_fill_": [1, T([0, 3], "int64"), -1.0],
            "index_add_": [0, T([0, 2, 0], "int64"), T((3, 4), grad=False)],
            "index_copy_": [0, T([2, 0], "int64"), T((2, 4), grad=False)],
            "scatter_": [1, T([[0, 2], [1, 3]], "int64"), T((2, 2), grad=False)],
            "scatter_add_": [1, T([[0, 0], [3, 3]], "int64"), T((2, 2), grad=False)]}[_name]
    add(f"Tensor.{_name}", method_of(_name),
        (lambda src=_src: [Sample("plain", [T((3, 4)), *src], grad=False),
                           Sample("T", [T((3, 4), view="T"), *src], grad=False),
                           Sample("int64_self", [T((3, 4), "int64"), *src], grad=False)]))
add("Tensor.fill_", method_of("fill_"),
    lambda: [Sample("float", [T((3, 4)), 1.5], grad=False),
             Sample("int_tensor_float", [T((3,), "int64"), 2.7], grad=False),
             Sample("0d_tensor_value", [T((3,)), T(2.0, grad=False)], grad=False),
             Sample("1d_tensor_value", [T((3,)), T([2.0], grad=False)], grad=False),
             Sample("bool", [T((3,), "bool"), 0], grad=False),
             Sample("T", [T((3, 4), view="T"), -1.0], grad=False)])
add("Tensor.zero_", method_of("zero_"),
    lambda: [Sample("plain", [T((3, 4))], grad=False), Sample("0d", [T(())], grad=False),
             Sample("step", [T((3, 2), view="step")], grad=False)])
add("Tensor.copy_", method_of("copy_"),
    lambda: [Sample("same", [T((3, 4)), T((3, 4), grad=False)], grad=False),
             Sample("broadcast", [T((3, 4)), T((4,), grad=False)], grad=False),
             Sample("float_to_int", [T((3,), "int64"), T([1.7, -1.7, 2.5], grad=False)],
                    grad=False),
             Sample("to_bool", [T((3,), "bool"), T([0.0, 0.5, -0.0], grad=False)], grad=False),
             Sample("T", [T((3, 4), view="T"), T((3, 4), grad=False)], grad=False),
             Sample("bad_shape", [T((3, 4)), T((2, 4), grad=False)], grad=False)])
add("Tensor.copy_(grad)", lambda lib: (lambda a, b: a.clone().copy_(b)),
    lambda: [Sample("broadcast", [T((3, 4)), T((4,))]),
             Sample("float64_src", [T((3, 4)), T((3, 4), "float64")])])

# ------------------------------------------------------------ dtype conversions
for _name in ["float", "double", "long", "int", "bool", "short", "char", "byte"]:
    add(f"Tensor.{_name}", method_of(_name),
        lambda: [Sample("f32", [T((3, 4), low=-3.0, high=3.0)]), Sample("0d", [T(())]),
                 Sample("int64", [T((3,), "int64")], grad=False),
                 Sample("bool", [T((3,), "bool")], grad=False),
                 Sample("T", [T((3, 4), view="T")])])
add("Tensor.to(dtype)", lambda lib: (lambda x, d: x.to(d)),
    lambda: [Sample("f32_f64", [T((3, 4)), Lib(lambda lib: lib.float64)]),
             Sample("f64_f32", [T((3, 4), "float64"), Lib(lambda lib: lib.float32)]),
             Sample("f32_int64", [T((3, 4), low=-3, high=3), Lib(lambda lib: lib.int64)]),
             Sample("int_bool", [T((3,), "int64", low=-1, high=2), Lib(lambda lib: lib.bool)]),
             Sample("special_f64", [T(list(S.SPECIAL_VALUES)), Lib(lambda lib: lib.float64)],
                    ones_upstream=True),
             Sample("same", [T((3,)), Lib(lambda lib: lib.float32)])])
add("Tensor.to(kwargs)", lambda lib: (lambda x: x.to(dtype=lib.float64, copy=True)),
    lambda: [Sample("copy", [T((3,))])])
add("Tensor.to(other)", lambda lib: (lambda x, y: x.to(y)),
    lambda: [Sample("like", [T((3,)), T((2,), "float64", grad=False)])])
add("Tensor.to(cpu)", lambda lib: (lambda x: x.to("cpu")), lambda: [Sample("cpu", [T((3,))])])
add("Tensor.type_as", method_of("type_as"),
    lambda: [Sample("to_int", [T((3,)), T((2,), "int64")]),
             Sample("to_f64", [T((3,)), T((2,), "float64", grad=False)])])
add("Tensor.type(dtype)", lambda lib: (lambda x: x.type(lib.float64)),
    lambda: [Sample("f64", [T((3,))])])

# ------------------------------------------------------------ metadata
for _name in ["dim", "ndimension", "numel", "nelement", "is_contiguous", "is_floating_point",
              "element_size", "size", "tolist", "is_signed", "is_nonzero", "item"]:
    add(f"Tensor.{_name}", method_of(_name),
        (lambda n=_name: [Sample(case, [t], grad=False) for case, t in [
            ("2d", T((3, 4))), ("0d", T(())), ("one", T((1,))), ("empty", T((0, 3))),
            ("T", T((3, 4), view="T")), ("int64", T((2, 2), "int64")),
            ("bool", T((2,), "bool"))]]))
add("Tensor.size(dim)", lambda lib: (lambda x, d: x.size(d)),
    lambda: [Sample("dim", [T((3, 4)), -1], grad=False),
             Sample("oob", [T((3, 4)), 2], grad=False),
             Sample("0d", [T(()), 0], grad=False)])
for _name in ["shape", "ndim", "dtype", "T", "mT", "H", "mH", "is_leaf", "requires_grad",
              "itemsize", "nbytes"]:
    add(f"Tensor.{_name}", (lambda n: lambda lib: (lambda x: getattr(x, n)))(_name),
        lambda: [Sample(case, [t], grad=False) for case, t in [
            ("2d", T((3, 4))), ("0d", T(())), ("3d", T((2, 3, 4))),
            ("int64", T((2, 2), "int64")), ("1d", T((3,)))]])
add("Tensor.expand_as", method_of("expand_as"),
    lambda: [Sample("2d", [T((1, 4)), T((3, 4))]), Sample("bad", [T((2, 4)), T((3, 4))])])
add("Tensor.reshape_as", method_of("reshape_as"), lambda: [Sample("2d", [T((3, 4)), T((4, 3))])])
add("Tensor.view_as", method_of("view_as"), lambda: [Sample("2d", [T((3, 4)), T((4, 3))])])
add("Tensor.detach", method_of("detach"), lambda: [Sample("2d", [T((3, 4))])])
add("Tensor.unfold", method_of("unfold"),
    lambda: [Sample("1d", [T((7,)), 0, 3, 2]), Sample("2d", [T((3, 5)), 1, 2, 1]),
             Sample("too_big", [T((3,)), 0, 4, 1], grad=False)])
add("Tensor.sum_to_size", method_of("sum_to_size"),
    lambda: [Sample("2d", [T((3, 4)), 1, 4]), Sample("bad", [T((3, 4)), 2, 4], grad=False)])
for _name in ["squeeze_", "unsqueeze_", "t_", "transpose_", "tril_", "triu_", "swapaxes_"]:
    _args = {"squeeze_": [], "unsqueeze_": [0], "t_": [], "transpose_": [0, 1], "tril_": [],
             "triu_": [1], "swapaxes_": [0, 1]}[_name]
    add(f"Tensor.{_name}", method_of(_name),
        (lambda a=_args: [Sample("2d", [T((1, 3)), *a], grad=False),
                          Sample("square", [T((3, 3)), *a], grad=False)]))
for _name in ["new_zeros", "new_ones", "new_empty"]:
    add(f"Tensor.{_name}" if _name != "new_empty" else "Tensor.new_empty(shape)",
        (lambda n: lambda lib: (lambda x, *a, **k: (
            lambda y: (y.shape, y.dtype) if n == "new_empty" else y)(getattr(x, n)(*a, **k))))(
            _name),
        lambda: [Sample("tuple", [T((2,), "int64"), (2, 3)], grad=False),
                 Sample("varargs", [T((2,)), 2, 3], grad=False),
                 Sample("dtype", [T((2,)), (2,)], {"dtype": Lib(lambda lib: lib.float64)},
                        grad=False)])
add("Tensor.new_full", method_of("new_full"),
    lambda: [Sample("float", [T((2,), "int64"), (2, 3), 1.5], grad=False),
             Sample("int", [T((2,)), (2,), 3], grad=False)])
add("Tensor.new_tensor", method_of("new_tensor"),
    lambda: [Sample("list", [T((2,), "int64"), [1.5, 2.0]], grad=False),
             Sample("ints", [T((2,)), [1, 2]], grad=False)])

# ------------------------------------------------------------ creation
_F64 = Lib(lambda lib: lib.float64)
_I64 = Lib(lambda lib: lib.int64)
for _name in ["zeros", "ones"]:
    creation(_name, ("varargs", [2, 3], {}), ("tuple", [(2, 3)], {}), ("empty_dim", [(0, 3)], {}),
             ("scalar", [()], {}), ("dtype", [(2,)], {"dtype": _I64}),
             ("negative", [(-1, 3)], {}), ("list", [[2, 1]], {}))
creation("full", ("float", [(2, 3), 1.5], {}), ("int", [(2,), 7], {}), ("bool", [(2,), True], {}),
         ("dtype", [(2,), 1], {"dtype": _F64}), ("0d", [(), 2.0], {}),
         ("negative", [(-2,), 1.0], {}))
creation("arange", ("int_end", [5], {}), ("float_end", [2.5], {}), ("start_end", [1, 4], {}),
         ("step", [0, 1, 0.25], {}), ("negative_step", [3, 0, -1], {}),
         ("dtype", [4], {"dtype": _F64}), ("zero_step", [0, 3, 0], {}),
         ("wrong_sign", [0, 3, -1], {}), ("empty", [3, 3], {}))
creation("range", ("step", [0, 2, 0.5], {}))
creation("linspace", ("five", [0, 1, 5], {}), ("one", [2, 3, 1], {}), ("zero", [0, 1, 0], {}),
         ("desc", [1, -1, 4], {}), ("int_dtype", [0, 10, 4], {"dtype": _I64}),
         ("negative_steps", [0, 1, -1], {}))
creation("logspace", ("five", [0, 2, 5], {}), ("base2", [0, 3, 4], {"base": 2.0}))
creation("eye", ("square", [3], {}), ("rect", [2, 4], {}), ("zero", [0], {}),
         ("dtype", [2], {"dtype": _I64}), ("negative", [-1], {}))
creation("tensor", ("ints", [[1, 2]], {}), ("floats", [[1, 2.5]], {}), ("bools", [[True,
                                                                                   False]], {}),
         ("mixed_bool_int", [[True, 2]], {}), ("scalar_int", [3], {}), ("scalar_float", [3.5], {}),
         ("scalar_bool", [True], {}), ("nested", [[[1.0], [2.0]]], {}), ("empty", [[]], {}),
         ("ragged", [[[1, 2], [3]]], {}), ("dtype", [[1, 2]], {"dtype": _F64}),
         ("special", [[float("nan"), float("inf"), -0.0]], {}))
creation("scalar_tensor", ("float", [2.5], {}), ("int", [2], {}), ("bool", [True], {}))
creation("tril_indices", ("square", [3, 3], {}), ("offset", [3, 4, 1], {}))
creation("triu_indices", ("square", [3, 3], {}), ("offset", [3, 4, -1], {}))
for _name in ["zeros_like", "ones_like"]:
    cases(_name, ("f32", [T((2, 3))], {}), ("int64", [T((2,), "int64")], {}),
          ("dtype", [T((2,))], {"dtype": _F64}), ("0d", [T(())], {}), method=False)
cases("full_like", ("f32", [T((2, 3)), 1.5], {}), ("int64_float_value", [T((2,), "int64"), 2.7],
                                                   {}),
      ("bool", [T((2,), "bool"), 1], {}), method=False)
add("result_type", function_of("result_type"),
    lambda: [Sample("tensors", [T((2,), "int64"), T((2,))], grad=False),
             Sample("0d_float64", [T((2,)), T((), "float64")], grad=False),
             Sample("int_tensor_float_scalar", [T((2,), "int64"), 2.5], grad=False),
             Sample("bool_int_scalar", [T((2,), "bool"), 2], grad=False),
             Sample("float_scalar_bool", [T((2,), "bool"), 2.5], grad=False),
             Sample("scalars", [2, 2.5], grad=False)])
add("promote_types", function_of("promote_types"),
    lambda: [Sample(f"{a}_{b}", [Lib(lambda lib, a=a: getattr(lib, a)),
                                 Lib(lambda lib, b=b: getattr(lib, b))], grad=False)
             for a, b in [("int64", "float32"), ("bool", "int64"), ("float32", "float64"),
                          ("int32", "int64"), ("bool", "bool"), ("int32", "float32")]])
add("can_cast", function_of("can_cast"),
    lambda: [Sample(f"{a}_{b}", [Lib(lambda lib, a=a: getattr(lib, a)),
                                 Lib(lambda lib, b=b: getattr(lib, b))], grad=False)
             for a, b in [("float32", "int64"), ("int64", "float32"), ("float64", "float32"),
                          ("bool", "int64"), ("int64", "bool")]])
add("broadcast_shapes", function_of("broadcast_shapes"),
    lambda: [Sample("two", [(3, 1), (4,)], grad=False), Sample("bad", [(3,), (4,)], grad=False),
             Sample("0d", [(), (2,)], grad=False)])
