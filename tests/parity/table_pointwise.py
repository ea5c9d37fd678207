"""Parity table entries: unary pointwise functions, activations, binary pointwise
functions and the Tensor operators. See parity_opinfo for the helpers."""
import parity_samples as S
from parity_engine import Sample, T
from parity_opinfo import (add, binop, forms, function_of, functional, functional_of,
                           method_of, pointwise)

# ------------------------------------------------------------ unary pointwise
for _name in ["abs", "absolute", "neg", "negative", "exp", "exp2", "expm1", "sin", "cos", "tan",
              "atan", "arctan", "sinh", "cosh", "tanh", "asinh", "arcsinh", "sigmoid",
              "square", "erf", "erfc", "sign", "sgn", "deg2rad", "rad2deg", "sinc",
              "positive", "reciprocal"]:
    pointwise(_name, kink_points=(0.0,) if _name in ("abs", "absolute", "sign", "sgn") else ())
for _name in ["log", "log2", "log10", "sqrt", "rsqrt", "lgamma", "digamma"]:
    pointwise(_name, low=0.2, high=3.0)
pointwise("log1p", low=-0.5, high=3.0)
for _name in ["asin", "acos", "atanh", "arcsin", "arccos", "arctanh", "erfinv"]:
    pointwise(_name, low=-0.9, high=0.9)
for _name in ["acosh", "arccosh"]:
    pointwise(_name, low=1.2, high=3.0)
pointwise("logit", low=0.1, high=0.9)
pointwise("i0", low=-2.0, high=2.0)
for _name in ["floor", "ceil", "round", "trunc", "fix", "frac"]:
    pointwise(_name, low=-3.0, high=3.0, kink_points=(0.5, 1.0, -0.5, 2.5))
for _name in ["isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit", "isreal",
              "logical_not"]:
    pointwise(_name, grad=False, out_dtype="bool")
pointwise("bitwise_not", grad=False, out_dtype="int64")
pointwise("relu", kink_points=(0.0,), functional=True)
pointwise("nan_to_num")
pointwise("nan_to_num", kwargs={"nan": 1.0, "posinf": 2.0, "neginf": -3.0},
          variant="(nan,posinf,neginf)")
pointwise("clamp", extra=(-0.5, 0.5), kink_points=(-0.5, 0.5))
pointwise("clamp", kwargs={"min": -0.5}, kink_points=(-0.5,), variant="(min=)")
pointwise("clip", extra=(-0.5, 0.5), kink_points=(-0.5, 0.5))
pointwise("clamp_min", extra=(0.0,), kink_points=(0.0,))
pointwise("clamp_max", extra=(0.0,), kink_points=(0.0,))
pointwise("pow", extra=(2,), kink_points=(0.0,), variant="(x,2)")
pointwise("pow", extra=(0.5,), low=0.1, kink_points=(0.0,), variant="(x,0.5)")
pointwise("pow", extra=(-1.5,), low=0.1, kink_points=(0.0,), variant="(x,-1.5)")
pointwise("float_power", extra=(2,), variant="(x,2)")
pointwise("xlogy", extra=(2.0,), low=0.0, variant="(x,2.0)")
pointwise("threshold", extra=(0.5, -1.0), kink_points=(0.5,), functional=True)
add("polygamma(1,x)", lambda lib: (lambda x: lib.polygamma(1, x)),
    lambda: S.unary(0.2, 3.0))
add("mvlgamma(p=2)", lambda lib: (lambda x: lib.mvlgamma(x, 2)), lambda: S.unary(1.2, 3.0))

# ------------------------------------------------------------ activations
for _name, _kinks, _kw in [
        ("relu6", (0.0, 6.0), None), ("leaky_relu", (0.0,), None),
        ("leaky_relu", (0.0,), {"negative_slope": 0.2}), ("elu", (0.0,), None),
        ("elu", (0.0,), {"alpha": 0.5}), ("selu", (0.0,), None), ("celu", (0.0,), None),
        ("gelu", (), None), ("gelu", (), {"approximate": "tanh"}), ("silu", (), None),
        ("mish", (), None), ("softplus", (), None),
        ("softplus", (), {"beta": 2.0, "threshold": 1.0}), ("softsign", (0.0,), None),
        ("hardtanh", (-1.0, 1.0), None), ("hardsigmoid", (-3.0, 3.0), None),
        ("hardswish", (-3.0, 3.0), None), ("logsigmoid", (), None),
        ("tanhshrink", (), None), ("softshrink", (-0.5, 0.5), None),
        ("hardshrink", (-0.5, 0.5), None), ("sigmoid", (), None), ("tanh", (), None)]:
    add(f"F.{_name}" + (f"({','.join(map(str, _kw.values()))})" if _kw else ""),
        functional_of(_name),
        (lambda k=_kinks, kw=_kw: S.unary(kwargs=kw, ints=False)
         + (S.kinks(k, kwargs=kw) if k else [])))
add("F.rrelu(eval)", lambda lib: (lambda x: lib.nn.functional.rrelu(x, training=False)),
    lambda: S.unary(ints=False) + S.kinks((0.0,)))
for _name in ["softmax", "log_softmax", "softmin"]:
    add(f"F.{_name}", functional_of(_name), S.dim_op)
for _name in ["softmax", "log_softmax"]:
    forms(_name, S.dim_op, inplace=False)
add("F.glu", functional_of("glu"),
    lambda: [Sample("dim-1", [T((3, 4))]), Sample("dim0", [T((4, 3))], {"dim": 0}),
             Sample("odd", [T((3, 5))]), Sample("0d", [T(())]),
             Sample("T", [T((4, 2), view="T")]), Sample("empty", [T((0, 4))])])
add("F.normalize", functional_of("normalize"),
    lambda: [Sample("default", [T((3, 4))]), Sample("p1_dim0", [T((3, 4))], {"p": 1, "dim": 0}),
             Sample("zeros_row", [T([[0.0, 0.0], [3.0, 4.0]])]), Sample("0d", [T(())], {"dim": 0}),
             Sample("empty", [T((0, 4))]), Sample("T", [T((3, 4), view="T")])])
add("F.prelu", functional_of("prelu"),
    lambda: [Sample("scalar_weight", [T((2, 3, 4)), T((1,))]),
             Sample("channel_weight", [T((2, 3, 4)), T((3,))]),
             Sample("kinks", [T([[-1.0, 0.0, -0.0, 1.0]]), T([0.25])], ones_upstream=True),
             Sample("0d", [T(()), T((1,))]),
             Sample("wrong_channels", [T((2, 3, 4)), T((2,))], grad=False)])

# ------------------------------------------------------------ binary pointwise
for _name in ["add", "sub", "mul", "subtract", "multiply"]:
    binop(_name)
for _name in ["div", "divide", "true_divide"]:
    binop(_name, rlow=0.5, rhigh=2.0)
add("div(rounding_mode=floor)", lambda lib: (lambda a, b: lib.div(a, b, rounding_mode="floor")),
    lambda: S.binary(grad=False, rlow=0.5, rhigh=2.0))
add("div(rounding_mode=trunc)", lambda lib: (lambda a, b: lib.div(a, b, rounding_mode="trunc")),
    lambda: S.binary(grad=False, rlow=0.5, rhigh=2.0))
add("add(alpha=2)", lambda lib: (lambda a, b: lib.add(a, b, alpha=2)), lambda: S.binary())
binop("pow", low=0.2, high=2.0)
binop("float_power", low=0.2, high=2.0)
for _name in ["atan2", "arctan2", "maximum", "minimum", "fmax", "fmin", "hypot", "copysign",
              "logaddexp", "logaddexp2"]:
    binop(_name, scalars=_name in ("atan2", "copysign"))
binop("fmod", grad=True, rlow=0.5, rhigh=2.0)
binop("remainder", grad=True, rlow=0.5, rhigh=2.0)
binop("floor_divide", grad=False, rlow=0.5, rhigh=2.0)
binop("xlogy", low=0.0, high=2.0, rlow=0.2, rhigh=2.0)
binop("nextafter", grad=False, ints=False, bools=False, scalars=False)
binop("heaviside", grad=False, scalars=False)
binop("ldexp", grad=True, scalars=False, rlow=-2, rhigh=3)
for _name in ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
              "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor"]:
    binop(_name, grad=False, out_dtype="bool")
for _name in ["bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "lcm",
              "bitwise_left_shift", "bitwise_right_shift"]:
    forms(_name, lambda: [s for s in S.binary(grad=False) if "float" not in s.case
                          and s.case not in ("same", "f64", "broadcast_rank", "0d_rhs",
                                             "0d_both", "empty", "T_step", "broadcast_both",
                                             "0d_lhs", "expand")],
          inplace=False)
for _op in ["__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
            "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__",
            "__pow__", "__rpow__", "__matmul__", "__and__", "__or__", "__xor__", "__lt__",
            "__le__", "__gt__", "__ge__", "__eq__", "__ne__", "__lshift__", "__rshift__"]:
    if _op == "__matmul__":
        continue
    _grad = _op not in ("__floordiv__", "__rfloordiv__", "__and__", "__or__", "__xor__",
                        "__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__",
                        "__lshift__", "__rshift__")
    _low = 0.2 if "pow" in _op else -2.0
    add(f"Tensor.{_op}", method_of(_op),
        (lambda g=_grad, lo=_low: S.binary(grad=g, low=lo, rlow=0.5 if lo > 0 else None)))
add("Tensor.__neg__", method_of("__neg__"), lambda: S.unary())
add("Tensor.__abs__", method_of("__abs__"), lambda: S.unary() + S.kinks((0.0,)))
add("Tensor.__invert__", method_of("__invert__"),
    lambda: [s for s in S.unary(grad=False) if s.case in ("int64", "bool", "f32")])
for _name in ["iadd", "isub", "imul", "itruediv"]:
    add(f"Tensor.__{_name}__", method_of(f"__{_name}__"),
        lambda: S.binary(inplace=True))
add("lerp", function_of("lerp"),
    lambda: [Sample("weight_scalar", [T((3, 4)), T((3, 4)), 0.3]),
             Sample("weight_tensor", [T((3, 4)), T((3, 4)), T((3, 4))]),
             Sample("broadcast", [T((3, 1)), T((4,)), T(())]),
             Sample("0d", [T(()), T(()), 0.5]),
             Sample("empty", [T((0, 4)), T((4,)), 0.5]),
             Sample("f64", [T((2, 3), "float64"), T((2, 3), "float64"), 0.7]),
             Sample("dtype_mismatch", [T((3,)), T((3,), "float64"), 0.5], grad=False)])
for _name in ["addcmul", "addcdiv"]:
    add(_name, function_of(_name),
        lambda: [Sample("same", [T((3, 4)), T((3, 4)), T((3, 4), low=0.5)]),
                 Sample("value", [T((3, 4)), T((3, 4)), T((3, 4), low=0.5)], {"value": 0.5}),
                 Sample("broadcast", [T((3, 1)), T((4,)), T((), low=0.5)]),
                 Sample("0d", [T(()), T(()), T((), low=0.5)]),
                 Sample("empty", [T((0, 4)), T((4,)), T((4,), low=0.5)]),
                 Sample("T", [T((3, 4), view="T"), T((4, 3)), T((4, 3), low=0.5)]),
                 Sample("int64", [T((3,), "int64"), T((3,), "int64"), T((3,), "int64", low=1)],
                        grad=False),
                 Sample("shape_mismatch", [T((3, 4)), T((2, 4)), T((3, 4))], grad=False)])
add("where", function_of("where"),
    lambda: [Sample("same", [T((3, 4), "bool"), T((3, 4)), T((3, 4))]),
             Sample("broadcast", [T((3, 1), "bool"), T((4,)), T(())]),
             Sample("scalar_other", [T((3, 4), "bool"), T((3, 4)), 0.0]),
             Sample("scalars", [T((3, 4), "bool"), 1.0, 0.0]),
             Sample("int64+float32", [T((3, 4), "bool"), T((3, 4), "int64"), T((3, 4))]),
             Sample("float32+float64", [T((3, 4), "bool"), T((3, 4)), T((3, 4), "float64")]),
             Sample("0d", [T((), "bool"), T(()), T(())]),
             Sample("empty", [T((0, 4), "bool"), T((0, 4)), T((4,))]),
             Sample("nonbool_condition", [T((3,)), T((3,)), T((3,))], grad=False),
             Sample("shape_mismatch", [T((3, 4), "bool"), T((2, 4)), T((3, 4))], grad=False),
             Sample("nan_in_other_branch",
                    [T([True, False, True], "bool"), T([1.0, 0.0, 4.0]),
                     T([float("nan"), 1.0, float("inf")])], ones_upstream=True)])
add("where(cond)", lambda lib: (lambda c: lib.where(c)),
    lambda: [Sample("2d", [T((3, 4), "bool")]), Sample("0d", [T(True, "bool")]),
             Sample("empty", [T((0, 4), "bool")]), Sample("float", [T([[0.0, 1.5], [-0.0, 2.0]])],
                                                             grad=False)])
