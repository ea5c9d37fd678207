"""Every known way cynn differs from torch 2.13 on the parity table's samples.

Key: (op entry name, sample case) as in parity_table / parity_samples. Value: one line,
"<class>: <what torch does>; <what cynn does>", where class is
  bug         cynn gives a wrong value, shape, dtype, gradient or error,
  missing     cynn lacks an overload, keyword or dtype that torch accepts,
  deliberate  cynn differs on purpose (the reason follows).
The parity test fails when a listed entry stops differing, so a fix removes its line.
"""

KNOWN_DIFFERENCES = {
    ('abs', 'special_float32'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 0.0, cynn nan (1/12 differ)',
    ('abs', 'special_float64'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 0.0, cynn nan (1/14 differ)',
    ('abs', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.abs() got an unexpected keyword argument \'out\'")',
    ('abs', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("abs() missing 1 required positional argument: \'input\'")',
    ('Tensor.abs', 'special_float32'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 0.0, cynn nan (1/12 differ)',
    ('Tensor.abs', 'special_float64'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 0.0, cynn nan (1/14 differ)',
    ('absolute', 'special_float32'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 0.0, cynn nan (1/12 differ)',
    ('absolute', 'special_float64'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 0.0, cynn nan (1/14 differ)',
    ('absolute', 'out'):
        'missing: torch returns a result; cynn raises TypeError("absolute() got an unexpected keyword argument \'out\'")',
    ('absolute', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("absolute() got an unexpected keyword argument \'x\'")',
    ('Tensor.absolute', 'special_float32'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 0.0, cynn nan (1/12 differ)',
    ('Tensor.absolute', 'special_float64'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 0.0, cynn nan (1/14 differ)',
    ('neg', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.neg() got an unexpected keyword argument \'out\'")',
    ('neg', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("neg() missing 1 required positional argument: \'input\'")',
    ('negative', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.neg() got an unexpected keyword argument \'out\'")',
    ('negative', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("negative() missing 1 required positional argument: \'input\'")',
    ('exp', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.exp() got an unexpected keyword argument \'out\'")',
    ('exp', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("exp() missing 1 required positional argument: \'input\'")',
    ('exp2', 'out'):
        "missing: torch returns a result; cynn raises TypeError('exp2(): the out= argument is not supported by cynn')",
    ('exp2', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("exp2() got an unexpected keyword argument \'x\'")',
    ('expm1', 'out'):
        "missing: torch returns a result; cynn raises TypeError('expm1(): the out= argument is not supported by cynn')",
    ('expm1', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("expm1() got an unexpected keyword argument \'x\'")',
    ('sin', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.sin() got an unexpected keyword argument \'out\'")',
    ('sin', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("sin() missing 1 required positional argument: \'input\'")',
    ('cos', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.cos() got an unexpected keyword argument \'out\'")',
    ('cos', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("cos() missing 1 required positional argument: \'input\'")',
    ('tan', 'out'):
        "missing: torch returns a result; cynn raises TypeError('tan(): the out= argument is not supported by cynn')",
    ('tan', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("tan() got an unexpected keyword argument \'x\'")',
    ('atan', 'out'):
        "missing: torch returns a result; cynn raises TypeError('atan(): the out= argument is not supported by cynn')",
    ('atan', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("atan() got an unexpected keyword argument \'x\'")',
    ('arctan', 'out'):
        "missing: torch returns a result; cynn raises TypeError('atan(): the out= argument is not supported by cynn')",
    ('arctan', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("atan() got an unexpected keyword argument \'x\'")',
    ('sinh', 'out'):
        "missing: torch returns a result; cynn raises TypeError('sinh(): the out= argument is not supported by cynn')",
    ('sinh', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("sinh() got an unexpected keyword argument \'x\'")',
    ('cosh', 'out'):
        "missing: torch returns a result; cynn raises TypeError('cosh(): the out= argument is not supported by cynn')",
    ('cosh', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("cosh() got an unexpected keyword argument \'x\'")',
    ('tanh', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.tanh() got an unexpected keyword argument \'out\'")',
    ('tanh', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("tanh() missing 1 required positional argument: \'input\'")',
    ('asinh', 'out'):
        "missing: torch returns a result; cynn raises TypeError('asinh(): the out= argument is not supported by cynn')",
    ('asinh', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("asinh() got an unexpected keyword argument \'x\'")',
    ('arcsinh', 'out'):
        "missing: torch returns a result; cynn raises TypeError('asinh(): the out= argument is not supported by cynn')",
    ('arcsinh', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("asinh() got an unexpected keyword argument \'x\'")',
    ('sigmoid', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.sigmoid() got an unexpected keyword argument \'out\'")',
    ('sigmoid', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("sigmoid() missing 1 required positional argument: \'input\'")',
    ('square', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.square() got an unexpected keyword argument \'out\'")',
    ('square', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("square() missing 1 required positional argument: \'input\'")',
    ('erf', '0d'):
        'bug: output 0 shape: torch (), cynn (1,)',
    ('erf', 'out'):
        "missing: torch returns a result; cynn raises TypeError('erf(): the out= argument is not supported by cynn')",
    ('erf', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("erf() got an unexpected keyword argument \'x\'")',
    ('Tensor.erf', '0d'):
        'bug: output 0 shape: torch (), cynn (1,)',
    ('Tensor.erf_', '0d'):
        'bug: torch returns a result; cynn raises RuntimeError("output with shape [] doesn\'t match the broadcast shape [1]")',
    ('erf_', '0d'):
        'bug: torch returns a result; cynn raises RuntimeError("output with shape [] doesn\'t match the broadcast shape [1]")',
    ('erfc', '0d'):
        'bug: output 0 shape: torch (), cynn (1,)',
    ('erfc', 'out'):
        "missing: torch returns a result; cynn raises TypeError('erfc(): the out= argument is not supported by cynn')",
    ('erfc', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("erfc() got an unexpected keyword argument \'x\'")',
    ('Tensor.erfc', '0d'):
        'bug: output 0 shape: torch (), cynn (1,)',
    ('Tensor.erfc_', '0d'):
        'bug: torch returns a result; cynn raises RuntimeError("output with shape [] doesn\'t match the broadcast shape [1]")',
    ('erfc_', '0d'):
        'bug: torch returns a result; cynn raises RuntimeError("output with shape [] doesn\'t match the broadcast shape [1]")',
    ('sign', '0d'):
        'bug: torch returns a result; cynn raises TypeError("\'numpy.float32\' object does not support item assignment")',
    ('sign', 'bool'):
        'bug: torch returns a result; cynn raises UFuncTypeError("ufunc \'sign\' did not contain a loop with signature matching types <class \'numpy.dtypes.BoolDType\'> -> None")',
    ('sign', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.sign() got an unexpected keyword argument \'out\'")',
    ('sign', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("sign() missing 1 required positional argument: \'input\'")',
    ('Tensor.sign', '0d'):
        'bug: torch returns a result; cynn raises TypeError("\'numpy.float32\' object does not support item assignment")',
    ('Tensor.sign', 'bool'):
        'bug: torch returns a result; cynn raises UFuncTypeError("ufunc \'sign\' did not contain a loop with signature matching types <class \'numpy.dtypes.BoolDType\'> -> None")',
    ('Tensor.sign_', '0d'):
        'bug: torch returns a result; cynn raises TypeError("\'numpy.float32\' object does not support item assignment")',
    ('Tensor.sign_', 'bool'):
        'bug: torch returns a result; cynn raises UFuncTypeError("ufunc \'sign\' did not contain a loop with signature matching types <class \'numpy.dtypes.BoolDType\'> -> None")',
    ('sgn', '0d'):
        'bug: torch returns a result; cynn raises TypeError("\'numpy.float32\' object does not support item assignment")',
    ('sgn', 'bool'):
        'bug: torch returns a result; cynn raises UFuncTypeError("ufunc \'sign\' did not contain a loop with signature matching types <class \'numpy.dtypes.BoolDType\'> -> None")',
    ('sgn', 'out'):
        'missing: torch returns a result; cynn raises TypeError("sgn() got an unexpected keyword argument \'out\'")',
    ('sgn', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("sgn() got an unexpected keyword argument \'x\'")',
    ('Tensor.sgn', '0d'):
        'bug: torch returns a result; cynn raises TypeError("\'numpy.float32\' object does not support item assignment")',
    ('Tensor.sgn', 'bool'):
        'bug: torch returns a result; cynn raises UFuncTypeError("ufunc \'sign\' did not contain a loop with signature matching types <class \'numpy.dtypes.BoolDType\'> -> None")',
    ('Tensor.sgn_', '0d'):
        'bug: torch returns a result; cynn raises TypeError("\'numpy.float32\' object does not support item assignment")',
    ('Tensor.sgn_', 'bool'):
        'bug: torch returns a result; cynn raises UFuncTypeError("ufunc \'sign\' did not contain a loop with signature matching types <class \'numpy.dtypes.BoolDType\'> -> None")',
    ('deg2rad', 'out'):
        'missing: torch returns a result; cynn raises TypeError("deg2rad() got an unexpected keyword argument \'out\'")',
    ('deg2rad', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("deg2rad() got an unexpected keyword argument \'x\'")',
    ('rad2deg', 'out'):
        'missing: torch returns a result; cynn raises TypeError("rad2deg() got an unexpected keyword argument \'out\'")',
    ('rad2deg', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("rad2deg() got an unexpected keyword argument \'x\'")',
    ('sinc', 'out'):
        "missing: torch returns a result; cynn raises TypeError('sinc(): the out= argument is not supported by cynn')",
    ('sinc', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("sinc() got an unexpected keyword argument \'x\'")',
    ('positive', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("positive() got an unexpected keyword argument \'x\'")',
    ('reciprocal', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.reciprocal() got an unexpected keyword argument \'out\'")',
    ('reciprocal', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("reciprocal() missing 1 required positional argument: \'input\'")',
    ('log', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.log() got an unexpected keyword argument \'out\'")',
    ('log', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("log() missing 1 required positional argument: \'input\'")',
    ('log2', 'out'):
        "missing: torch returns a result; cynn raises TypeError('log2(): the out= argument is not supported by cynn')",
    ('log2', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("log2() got an unexpected keyword argument \'x\'")',
    ('log10', 'out'):
        "missing: torch returns a result; cynn raises TypeError('log10(): the out= argument is not supported by cynn')",
    ('log10', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("log10() got an unexpected keyword argument \'x\'")',
    ('sqrt', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.sqrt() got an unexpected keyword argument \'out\'")',
    ('sqrt', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("sqrt() missing 1 required positional argument: \'input\'")',
    ('rsqrt', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.rsqrt() got an unexpected keyword argument \'out\'")',
    ('rsqrt', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("rsqrt() missing 1 required positional argument: \'input\'")',
    ('lgamma', '0d'):
        'bug: output 0 shape: torch (), cynn (1,)',
    ('lgamma', 'out'):
        "missing: torch returns a result; cynn raises TypeError('lgamma(): the out= argument is not supported by cynn')",
    ('lgamma', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("lgamma() got an unexpected keyword argument \'x\'")',
    ('Tensor.lgamma', '0d'):
        'bug: output 0 shape: torch (), cynn (1,)',
    ('Tensor.lgamma_', '0d'):
        'bug: torch returns a result; cynn raises RuntimeError("output with shape [] doesn\'t match the broadcast shape [1]")',
    ('digamma', '0d'):
        'bug: output 0 shape: torch (), cynn (1,)',
    ('digamma', 'special_float32'):
        'bug: gradient of input 0 at (3,) for inputs (-inf,): torch nan, cynn inf (2/12 differ)',
    ('digamma', 'special_float64'):
        'bug: gradient of input 0 at (3,) for inputs (-inf,): torch nan, cynn inf (2/14 differ)',
    ('digamma', 'out'):
        "missing: torch returns a result; cynn raises TypeError('digamma(): the out= argument is not supported by cynn')",
    ('digamma', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("digamma() got an unexpected keyword argument \'x\'")',
    ('Tensor.digamma', '0d'):
        'bug: output 0 shape: torch (), cynn (1,)',
    ('Tensor.digamma', 'special_float32'):
        'bug: gradient of input 0 at (3,) for inputs (-inf,): torch nan, cynn inf (2/12 differ)',
    ('Tensor.digamma', 'special_float64'):
        'bug: gradient of input 0 at (3,) for inputs (-inf,): torch nan, cynn inf (2/14 differ)',
    ('Tensor.digamma_', '0d'):
        'bug: torch returns a result; cynn raises RuntimeError("output with shape [] doesn\'t match the broadcast shape [1]")',
    ('log1p', 'out'):
        "missing: torch returns a result; cynn raises TypeError('log1p(): the out= argument is not supported by cynn')",
    ('log1p', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("log1p() got an unexpected keyword argument \'x\'")',
    ('asin', 'out'):
        "missing: torch returns a result; cynn raises TypeError('asin(): the out= argument is not supported by cynn')",
    ('asin', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("asin() got an unexpected keyword argument \'x\'")',
    ('acos', 'out'):
        "missing: torch returns a result; cynn raises TypeError('acos(): the out= argument is not supported by cynn')",
    ('acos', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("acos() got an unexpected keyword argument \'x\'")',
    ('atanh', 'out'):
        "missing: torch returns a result; cynn raises TypeError('atanh(): the out= argument is not supported by cynn')",
    ('atanh', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("atanh() got an unexpected keyword argument \'x\'")',
    ('arcsin', 'out'):
        "missing: torch returns a result; cynn raises TypeError('asin(): the out= argument is not supported by cynn')",
    ('arcsin', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("asin() got an unexpected keyword argument \'x\'")',
    ('arccos', 'out'):
        "missing: torch returns a result; cynn raises TypeError('acos(): the out= argument is not supported by cynn')",
    ('arccos', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("acos() got an unexpected keyword argument \'x\'")',
    ('arctanh', 'out'):
        "missing: torch returns a result; cynn raises TypeError('atanh(): the out= argument is not supported by cynn')",
    ('arctanh', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("atanh() got an unexpected keyword argument \'x\'")',
    ('erfinv', '0d'):
        'bug: output 0 shape: torch (), cynn (1,)',
    ('erfinv', 'out'):
        "missing: torch returns a result; cynn raises TypeError('erfinv(): the out= argument is not supported by cynn')",
    ('erfinv', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("erfinv() got an unexpected keyword argument \'x\'")',
    ('Tensor.erfinv', '0d'):
        'bug: output 0 shape: torch (), cynn (1,)',
    ('Tensor.erfinv_', '0d'):
        'bug: torch returns a result; cynn raises RuntimeError("output with shape [] doesn\'t match the broadcast shape [1]")',
    ('acosh', 'out'):
        "missing: torch returns a result; cynn raises TypeError('acosh(): the out= argument is not supported by cynn')",
    ('acosh', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("acosh() got an unexpected keyword argument \'x\'")',
    ('arccosh', 'out'):
        "missing: torch returns a result; cynn raises TypeError('acosh(): the out= argument is not supported by cynn')",
    ('arccosh', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("acosh() got an unexpected keyword argument \'x\'")',
    ('logit', 'special_float32'):
        'bug: gradient of input 0 at (1,) for inputs (-0.0,): torch inf, cynn -inf (1/12 differ)',
    ('logit', 'out'):
        'missing: torch returns a result; cynn raises TypeError("logit() got an unexpected keyword argument \'out\'")',
    ('logit', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("logit() got an unexpected keyword argument \'x\'")',
    ('Tensor.logit', 'special_float32'):
        'bug: gradient of input 0 at (1,) for inputs (-0.0,): torch inf, cynn -inf (1/12 differ)',
    ('i0', 'f32'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('i0', 'f64'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('i0', '0d'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('i0', 'empty'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('i0', 'size1'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('i0', 'T'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('i0', 'step'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('i0', 'expand'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('i0', 'special_float32'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('i0', 'special_float64'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('i0', 'out'):
        'missing: torch returns a result; cynn raises TypeError("i0() got an unexpected keyword argument \'out\'")',
    ('i0', 'input_keyword'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('i0', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("i0() got an unexpected keyword argument \'x\'")',
    ('Tensor.i0', 'f32'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('Tensor.i0', 'f64'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('Tensor.i0', '0d'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('Tensor.i0', 'empty'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('Tensor.i0', 'size1'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('Tensor.i0', 'T'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('Tensor.i0', 'step'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('Tensor.i0', 'expand'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('Tensor.i0', 'special_float32'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('Tensor.i0', 'special_float64'):
        "missing: torch differentiates i0; cynn's output does not require grad (no derivative formula)",
    ('floor', 'bool'):
        'bug: torch raises NotImplementedError(\'"floor_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('floor', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.floor() got an unexpected keyword argument \'out\'")',
    ('floor', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("floor() missing 1 required positional argument: \'input\'")',
    ('Tensor.floor', 'bool'):
        'bug: torch raises NotImplementedError(\'"floor_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.floor_', 'bool'):
        'bug: torch raises NotImplementedError(\'"floor_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('floor_', 'bool'):
        'bug: torch raises NotImplementedError(\'"floor_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('ceil', 'bool'):
        'bug: torch raises NotImplementedError(\'"ceil_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('ceil', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.ceil() got an unexpected keyword argument \'out\'")',
    ('ceil', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("ceil() missing 1 required positional argument: \'input\'")',
    ('Tensor.ceil', 'bool'):
        'bug: torch raises NotImplementedError(\'"ceil_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.ceil_', 'bool'):
        'bug: torch raises NotImplementedError(\'"ceil_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('ceil_', 'bool'):
        'bug: torch raises NotImplementedError(\'"ceil_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('round', 'bool'):
        'bug: torch raises NotImplementedError(\'"round_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('round', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.round() got an unexpected keyword argument \'out\'")',
    ('round', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("round() missing 1 required positional argument: \'input\'")',
    ('Tensor.round', 'bool'):
        'bug: torch raises NotImplementedError(\'"round_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.round_', 'bool'):
        'bug: torch raises NotImplementedError(\'"round_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn raises RuntimeError("result type Half can\'t be cast to the desired output type Bool")',
    ('round_', 'bool'):
        'bug: torch raises NotImplementedError(\'"round_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn raises RuntimeError("result type Half can\'t be cast to the desired output type Bool")',
    ('trunc', 'bool'):
        'bug: torch raises NotImplementedError(\'"trunc_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('trunc', 'out'):
        'missing: torch returns a result; cynn raises TypeError("trunc() got an unexpected keyword argument \'out\'")',
    ('trunc', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("trunc() got an unexpected keyword argument \'x\'")',
    ('Tensor.trunc', 'bool'):
        'bug: torch raises NotImplementedError(\'"trunc_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.trunc_', 'bool'):
        'bug: torch raises NotImplementedError(\'"trunc_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('trunc_', 'bool'):
        'bug: torch raises NotImplementedError(\'"trunc_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('fix', 'bool'):
        'bug: torch raises NotImplementedError(\'"trunc_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('fix', 'out'):
        'missing: torch returns a result; cynn raises TypeError("trunc() got an unexpected keyword argument \'out\'")',
    ('fix', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("trunc() got an unexpected keyword argument \'x\'")',
    ('Tensor.fix', 'bool'):
        'bug: torch raises NotImplementedError(\'"trunc_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.fix_', 'bool'):
        'bug: torch raises NotImplementedError(\'"trunc_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('fix_', 'bool'):
        'bug: torch raises NotImplementedError(\'"trunc_vml_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('frac', 'out'):
        'missing: torch returns a result; cynn raises TypeError("frac() got an unexpected keyword argument \'out\'")',
    ('frac', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("frac() got an unexpected keyword argument \'x\'")',
    ('isnan', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("isnan() missing 1 required positional argument: \'input\'")',
    ('isinf', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("isinf() missing 1 required positional argument: \'input\'")',
    ('isfinite', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("isfinite() missing 1 required positional argument: \'input\'")',
    ('isposinf', 'out'):
        'missing: torch returns a result; cynn raises TypeError("isposinf() got an unexpected keyword argument \'out\'")',
    ('isposinf', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("isposinf() got an unexpected keyword argument \'x\'")',
    ('isneginf', 'out'):
        'missing: torch returns a result; cynn raises TypeError("isneginf() got an unexpected keyword argument \'out\'")',
    ('isneginf', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("isneginf() got an unexpected keyword argument \'x\'")',
    ('signbit', 'out'):
        'missing: torch returns a result; cynn raises TypeError("signbit() got an unexpected keyword argument \'out\'")',
    ('signbit', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("signbit() got an unexpected keyword argument \'x\'")',
    ('isreal', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("isreal() got an unexpected keyword argument \'x\'")',
    ('logical_not', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.logical_not() got an unexpected keyword argument \'out\'")',
    ('logical_not', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("logical_not() missing 1 required positional argument: \'input\'")',
    ('bitwise_not', 'out'):
        'missing: torch raises RuntimeError(\'Found dtype Long but expected Float\'); cynn raises TypeError("bitwise_not() got an unexpected keyword argument \'out\'")',
    ('bitwise_not', 'x_alias'):
        'missing: torch raises NotImplementedError(\'"bitwise_not_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("bitwise_not() got an unexpected keyword argument \'x\'")',
    ('relu', 'special_float32'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn 0.0 (1/12 differ)',
    ('relu', 'special_float64'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn 0.0 (1/14 differ)',
    ('relu', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("relu() missing 1 required positional argument: \'input\'")',
    ('Tensor.relu', 'special_float32'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn 0.0 (1/12 differ)',
    ('Tensor.relu', 'special_float64'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn 0.0 (1/14 differ)',
    ('Tensor.relu_', 'special_float32'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn 0.0 (1/12 differ)',
    ('Tensor.relu_', 'special_float64'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn 0.0 (1/14 differ)',
    ('relu_', 'special_float32'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn 0.0 (1/12 differ)',
    ('relu_', 'special_float64'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn 0.0 (1/14 differ)',
    ('F.relu', 'special_float32'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn 0.0 (1/12 differ)',
    ('F.relu', 'special_float64'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn 0.0 (1/14 differ)',
    ('nan_to_num', 'out'):
        'missing: torch returns a result; cynn raises TypeError("nan_to_num() got an unexpected keyword argument \'out\'")',
    ('nan_to_num', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("nan_to_num() got an unexpected keyword argument \'x\'")',
    ('nan_to_num(nan,posinf,neginf)', 'out'):
        'missing: torch returns a result; cynn raises TypeError("nan_to_num() got an unexpected keyword argument \'out\'")',
    ('nan_to_num(nan,posinf,neginf)', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("nan_to_num() got an unexpected keyword argument \'x\'")',
    ('clamp', 'int64'):
        'bug: output 0 dtype: torch float32, cynn int64',
    ('clamp', 'bool'):
        'bug: output 0 dtype: torch float32, cynn bool',
    ('clamp', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.clamp() got an unexpected keyword argument \'out\'")',
    ('Tensor.clamp', 'int64'):
        'bug: output 0 dtype: torch float32, cynn int64',
    ('Tensor.clamp', 'bool'):
        'bug: output 0 dtype: torch float32, cynn bool',
    ('Tensor.clamp_', 'int64'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type long int"); cynn returns a result',
    ('Tensor.clamp_', 'bool'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type bool"); cynn returns a result',
    ('clamp_', 'int64'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type long int"); cynn returns a result',
    ('clamp_', 'bool'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type bool"); cynn returns a result',
    ('clamp(min=)', 'int64'):
        'bug: output 0 dtype: torch float32, cynn int64',
    ('clamp(min=)', 'bool'):
        'bug: output 0 dtype: torch float32, cynn bool',
    ('clamp(min=)', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.clamp() got an unexpected keyword argument \'out\'")',
    ('clamp(min=)', 'x_alias'):
        'missing: torch returns a result; cynn raises TypeError("clamp() missing 1 required positional argument: \'input\'")',
    ('Tensor.clamp(min=)', 'int64'):
        'bug: output 0 dtype: torch float32, cynn int64',
    ('Tensor.clamp(min=)', 'bool'):
        'bug: output 0 dtype: torch float32, cynn bool',
    ('Tensor.clamp_(min=)', 'int64'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type long int"); cynn returns a result',
    ('Tensor.clamp_(min=)', 'bool'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type bool"); cynn returns a result',
    ('clamp_(min=)', 'int64'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type long int"); cynn returns a result',
    ('clamp_(min=)', 'bool'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type bool"); cynn returns a result',
    ('clip', 'int64'):
        'bug: output 0 dtype: torch float32, cynn int64',
    ('clip', 'bool'):
        'bug: output 0 dtype: torch float32, cynn bool',
    ('clip', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.clamp() got an unexpected keyword argument \'out\'")',
    ('Tensor.clip', 'int64'):
        'bug: output 0 dtype: torch float32, cynn int64',
    ('Tensor.clip', 'bool'):
        'bug: output 0 dtype: torch float32, cynn bool',
    ('Tensor.clip_', 'int64'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type long int"); cynn returns a result',
    ('Tensor.clip_', 'bool'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type bool"); cynn returns a result',
    ('clip_', 'int64'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type long int"); cynn returns a result',
    ('clip_', 'bool'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type bool"); cynn returns a result',
    ('clamp_min', 'int64'):
        'bug: output 0 dtype: torch float32, cynn int64',
    ('clamp_min', 'bool'):
        'bug: output 0 dtype: torch float32, cynn bool',
    ('clamp_min', 'out'):
        'missing: torch returns a result; cynn raises TypeError("clamp_min() got an unexpected keyword argument \'out\'")',
    ('Tensor.clamp_min', 'int64'):
        'bug: output 0 dtype: torch float32, cynn int64',
    ('Tensor.clamp_min', 'bool'):
        'bug: output 0 dtype: torch float32, cynn bool',
    ('Tensor.clamp_min_', 'int64'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type long int"); cynn returns a result',
    ('Tensor.clamp_min_', 'bool'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type bool"); cynn returns a result',
    ('clamp_min_', 'int64'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type long int"); cynn returns a result',
    ('clamp_min_', 'bool'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type bool"); cynn returns a result',
    ('clamp_max', 'int64'):
        'bug: output 0 dtype: torch float32, cynn int64',
    ('clamp_max', 'bool'):
        'bug: output 0 dtype: torch float32, cynn bool',
    ('clamp_max', 'out'):
        'missing: torch returns a result; cynn raises TypeError("clamp_max() got an unexpected keyword argument \'out\'")',
    ('Tensor.clamp_max', 'int64'):
        'bug: output 0 dtype: torch float32, cynn int64',
    ('Tensor.clamp_max', 'bool'):
        'bug: output 0 dtype: torch float32, cynn bool',
    ('Tensor.clamp_max_', 'int64'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type long int"); cynn returns a result',
    ('Tensor.clamp_max_', 'bool'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type bool"); cynn returns a result',
    ('clamp_max_', 'int64'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type long int"); cynn returns a result',
    ('clamp_max_', 'bool'):
        'bug: torch raises RuntimeError("result type Float can\'t be cast to the desired output type bool"); cynn returns a result',
    ('pow(x,2)', 'out'):
        'missing: torch returns a result; cynn raises TypeError("pow() got an unexpected keyword argument \'out\'")',
    ('pow(x,0.5)', 'out'):
        'missing: torch returns a result; cynn raises TypeError("pow() got an unexpected keyword argument \'out\'")',
    ('pow(x,-1.5)', 'out'):
        'missing: torch returns a result; cynn raises TypeError("pow() got an unexpected keyword argument \'out\'")',
    ('float_power(x,2)', 'out'):
        'missing: torch raises RuntimeError("the output given to float_power has dtype Float but the operation\'s result requires dtype Double"); cynn raises TypeError("float_power() got an unexpected keyword argument \'out\'")',
    ('Tensor.float_power_(x,2)', 'f32'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_(x,2)', '0d'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_(x,2)', 'empty'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_(x,2)', 'size1'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_(x,2)', 'T'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_(x,2)', 'step'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_(x,2)', 'int64'):
        'bug: torch\'s message "the base given to float_power_ has dtype Long but the operation\'s result requires dtype Double"; cynn\'s "result type Double can\'t be cast to the desired output type Long"',
    ('Tensor.float_power_(x,2)', 'bool'):
        'bug: torch\'s message "the base given to float_power_ has dtype Bool but the operation\'s result requires dtype Double"; cynn\'s "result type Double can\'t be cast to the desired output type Bool"',
    ('Tensor.float_power_(x,2)', 'special_float32'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('xlogy(x,2.0)', 'special_float32'):
        'bug: gradient of input 0 at (0,) for inputs (0.0,): torch 0.6931472, cynn 0.0 (2/12 differ)',
    ('xlogy(x,2.0)', 'special_float64'):
        'bug: gradient of input 0 at (0,) for inputs (0.0,): torch 0.6931471805599453, cynn 0.0 (2/14 differ)',
    ('xlogy(x,2.0)', 'out'):
        "missing: torch returns a result; cynn raises TypeError('xlogy(): the out= argument is not supported by cynn')",
    ('Tensor.xlogy(x,2.0)', 'special_float32'):
        'bug: gradient of input 0 at (0,) for inputs (0.0,): torch 0.6931472, cynn 0.0 (2/12 differ)',
    ('Tensor.xlogy(x,2.0)', 'special_float64'):
        'bug: gradient of input 0 at (0,) for inputs (0.0,): torch 0.6931471805599453, cynn 0.0 (2/14 differ)',
    ('threshold', 'bool'):
        'bug: torch raises NotImplementedError(\'"threshold_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('threshold', 'special_float32'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn -1.0 (1/12 differ)',
    ('threshold', 'special_float64'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn -1.0 (1/14 differ)',
    ('threshold', 'out'):
        'missing: torch returns a result; cynn raises TypeError("threshold() got an unexpected keyword argument \'out\'")',
    ('threshold_', 'bool'):
        'bug: torch raises NotImplementedError(\'"threshold_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('threshold_', 'special_float32'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn -1.0 (1/12 differ)',
    ('threshold_', 'special_float64'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn -1.0 (1/14 differ)',
    ('F.threshold', 'bool'):
        'bug: torch raises NotImplementedError(\'"threshold_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('F.threshold', 'special_float32'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn -1.0 (1/12 differ)',
    ('F.threshold', 'special_float64'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn -1.0 (1/14 differ)',
    ('polygamma(1,x)', 'int64'):
        'bug: output 0 at (0, 3): torch 3.2284242e+14, cynn inf (6/12 differ)',
    ('polygamma(1,x)', 'special_float32'):
        'bug: output 0 at (3,) for inputs (-inf,): torch nan, cynn inf (2/12 differ)',
    ('polygamma(1,x)', 'special_float64'):
        'bug: output 0 at (3,) for inputs (-inf,): torch nan, cynn inf (2/14 differ)',
    ('mvlgamma(p=2)', '0d'):
        'bug: output 0 shape: torch (), cynn (1,)',
    ('mvlgamma(p=2)', 'int64'):
        "bug: torch returns a result; cynn raises RuntimeError('All elements must be greater than (p-1)/2')",
    ('mvlgamma(p=2)', 'bool'):
        "bug: torch's message 'The input tensor may not be a boolean tensor.'; cynn's 'All elements must be greater than (p-1)/2'",
    ('mvlgamma(p=2)', 'special_float32'):
        "bug: torch returns a result; cynn raises RuntimeError('All elements must be greater than (p-1)/2')",
    ('mvlgamma(p=2)', 'special_float64'):
        "bug: torch returns a result; cynn raises RuntimeError('All elements must be greater than (p-1)/2')",
    ('F.relu6', 'special_float32'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 1.0, cynn 0.0 (1/12 differ)',
    ('F.elu', 'special_float32'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 1.0, cynn nan (1/12 differ)',
    ('F.elu(0.5)', 'special_float32'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 1.0, cynn nan (1/12 differ)',
    ('F.selu', 'special_float32'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 1.050701, cynn nan (1/12 differ)',
    ('F.celu', 'special_float32'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 1.0, cynn nan (1/12 differ)',
    ('F.hardtanh', 'special_float32'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 1.0, cynn 0.0 (1/12 differ)',
    ('F.hardswish', 'special_float64'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch nan, cynn 1.0 (1/14 differ)',
    ('F.hardswish', 'kinks'):
        'bug: gradient of input 0 at (1,) for inputs (-3.0,): torch 0.0, cynn -0.5 (2/7 differ)',
    ('F.hardswish', 'kinks_float64'):
        'bug: gradient of input 0 at (1,) for inputs (-3.0,): torch 0.0, cynn -0.5 (2/7 differ)',
    ('F.softshrink', 'special_float64'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 0.0, cynn 1.0 (1/14 differ)',
    ('F.hardshrink', 'special_float32'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 1.0, cynn 0.0 (1/12 differ)',
    ('softmax', 'dtype_float64'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.softmax() got an unexpected keyword argument \'dtype\'")',
    ('Tensor.softmax', 'dtype_float64'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.softmax() got an unexpected keyword argument \'dtype\'")',
    ('log_softmax', 'dtype_float64'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.log_softmax() got an unexpected keyword argument \'dtype\'")',
    ('Tensor.log_softmax', 'dtype_float64'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.log_softmax() got an unexpected keyword argument \'dtype\'")',
    ('add', 'out'):
        'missing: torch returns a result; cynn raises TypeError("add() got an unexpected keyword argument \'out\'")',
    ('add', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("add() got an unexpected keyword argument \'x1\'")',
    ('Tensor.add_', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'); cynn raises ValueError('shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is between arg 0 with shape (2, 4) an')",
    ('sub', 'out'):
        'missing: torch returns a result; cynn raises TypeError("sub() got an unexpected keyword argument \'out\'")',
    ('sub', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("sub() got an unexpected keyword argument \'x1\'")',
    ('Tensor.sub_', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'); cynn raises ValueError('shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is between arg 0 with shape (2, 4) an')",
    ('Tensor.sub_', 'bool+int_scalar'):
        'bug: torch\'s message \'Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use th\'; cynn\'s "result type Long can\'t be cast to the desired output type Bool"',
    ('Tensor.sub_', 'bool'):
        "bug: torch raises RuntimeError('Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator'); cynn raises TypeError('numpy boolean subtract, the `-` operator, is not supported, use the bitwise_xor, the `^` operator, or the logi')",
    ('Tensor.sub_', 'bool+float32'):
        'bug: torch\'s message \'Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use th\'; cynn\'s "result type Float can\'t be cast to the desired output type Bool"',
    ('mul', 'out'):
        'missing: torch returns a result; cynn raises TypeError("mul() got an unexpected keyword argument \'out\'")',
    ('mul', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("mul() got an unexpected keyword argument \'x1\'")',
    ('Tensor.mul_', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'); cynn raises ValueError('shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is between arg 0 with shape (2, 4) an')",
    ('subtract', 'out'):
        'missing: torch returns a result; cynn raises TypeError("sub() got an unexpected keyword argument \'out\'")',
    ('subtract', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("sub() got an unexpected keyword argument \'x1\'")',
    ('multiply', 'out'):
        'missing: torch returns a result; cynn raises TypeError("mul() got an unexpected keyword argument \'out\'")',
    ('multiply', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("mul() got an unexpected keyword argument \'x1\'")',
    ('div', 'out'):
        'missing: torch returns a result; cynn raises TypeError("div() got an unexpected keyword argument \'out\'")',
    ('div', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("div() got an unexpected keyword argument \'x1\'")',
    ('Tensor.div_', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'); cynn raises ValueError('shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is between arg 0 with shape (2, 4) an')",
    ('divide', 'out'):
        'missing: torch returns a result; cynn raises TypeError("div() got an unexpected keyword argument \'out\'")',
    ('divide', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("div() got an unexpected keyword argument \'x1\'")',
    ('true_divide', 'out'):
        'missing: torch returns a result; cynn raises TypeError("div() got an unexpected keyword argument \'out\'")',
    ('true_divide', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("div() got an unexpected keyword argument \'x1\'")',
    ('div(rounding_mode=floor)', 'bool'):
        'bug: torch raises NotImplementedError(\'"div_floor_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('div(rounding_mode=trunc)', 'bool'):
        'bug: torch raises NotImplementedError(\'"div_trunc_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('add(alpha=2)', 'bool'):
        'bug: output 0 dtype: torch bool, cynn int64',
    ('add(alpha=2)', 'special'):
        'bug: output 0 at (47,) for inputs (-inf, 3.0000000054977558e+38): torch -inf, cynn nan (1/144 differ)',
    ('pow', 'bool'):
        'bug: torch raises NotImplementedError(\'"pow" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('pow', 'out'):
        'missing: torch returns a result; cynn raises TypeError("pow() got an unexpected keyword argument \'out\'")',
    ('pow', 'other_keyword'):
        'bug: torch\'s message \'pow() received an invalid combination of arguments - got (Tensor, other=Tensor), but expected one of:\'; cynn\'s "pow() got an unexpected keyword argument \'other\'"',
    ('pow', 'x1_x2_alias'):
        'bug: torch\'s message \'pow() received an invalid combination of arguments - got (x2=Tensor, x1=Tensor, ), but expected one of:\'; cynn\'s "pow() got an unexpected keyword argument \'x1\'"',
    ('Tensor.pow', 'bool'):
        'bug: torch raises NotImplementedError(\'"pow" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.pow_', 'bool'):
        'bug: torch raises NotImplementedError(\'"pow" not implemented for \\\'Bool\\\'\'); cynn raises RuntimeError("result type Char can\'t be cast to the desired output type Bool")',
    ('float_power', 'out'):
        'missing: torch raises RuntimeError("the output given to float_power has dtype Float but the operation\'s result requires dtype Double"); cynn raises TypeError("float_power() got an unexpected keyword argument \'out\'")',
    ('float_power', 'other_keyword'):
        'bug: torch\'s message \'float_power() received an invalid combination of arguments - got (Tensor, other=Tensor), but expected one of:\'; cynn\'s "float_power() got an unexpected keyword argument \'other\'"',
    ('float_power', 'x1_x2_alias'):
        'bug: torch\'s message \'float_power() received an invalid combination of arguments - got (x2=Tensor, x1=Tensor, ), but expected one of\'; cynn\'s "float_power() got an unexpected keyword argument \'x1\'"',
    ('Tensor.float_power_', 'same'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_', 'broadcast_rank'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_', '0d_rhs'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_', '0d_both'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_', 'empty'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_', 'T_step'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_', 'shape_mismatch'):
        'bug: torch\'s message "the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"; cynn\'s \'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'',
    ('Tensor.float_power_', 'float_scalar'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_', 'int_scalar'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_', 'int64+float_scalar'):
        'bug: torch\'s message "the base given to float_power_ has dtype Long but the operation\'s result requires dtype Double"; cynn\'s "result type Double can\'t be cast to the desired output type Long"',
    ('Tensor.float_power_', 'int64+int_scalar'):
        'bug: torch\'s message "the base given to float_power_ has dtype Long but the operation\'s result requires dtype Double"; cynn\'s "result type Double can\'t be cast to the desired output type Long"',
    ('Tensor.float_power_', 'bool+int_scalar'):
        'bug: torch\'s message "the base given to float_power_ has dtype Bool but the operation\'s result requires dtype Double"; cynn\'s "result type Double can\'t be cast to the desired output type Bool"',
    ('Tensor.float_power_', 'int64'):
        'bug: torch\'s message "the base given to float_power_ has dtype Long but the operation\'s result requires dtype Double"; cynn\'s "result type Double can\'t be cast to the desired output type Long"',
    ('Tensor.float_power_', 'int64+float32'):
        'bug: torch\'s message "the base given to float_power_ has dtype Long but the operation\'s result requires dtype Double"; cynn\'s "result type Double can\'t be cast to the desired output type Long"',
    ('Tensor.float_power_', 'float32+int64'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_', 'bool'):
        'bug: torch\'s message "the base given to float_power_ has dtype Bool but the operation\'s result requires dtype Double"; cynn\'s "result type Double can\'t be cast to the desired output type Bool"',
    ('Tensor.float_power_', 'bool+float32'):
        'bug: torch\'s message "the base given to float_power_ has dtype Bool but the operation\'s result requires dtype Double"; cynn\'s "result type Double can\'t be cast to the desired output type Bool"',
    ('Tensor.float_power_', 'float32+float64'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_', 'float32+0d_float64'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('Tensor.float_power_', 'int64+0d_float64'):
        'bug: torch\'s message "the base given to float_power_ has dtype Long but the operation\'s result requires dtype Double"; cynn\'s "result type Double can\'t be cast to the desired output type Long"',
    ('Tensor.float_power_', 'special'):
        'bug: torch raises RuntimeError("the base given to float_power_ has dtype Float but the operation\'s result requires dtype Double"); cynn returns a result',
    ('atan2', 'float_scalar'):
        'bug: torch raises TypeError("atan2(): argument \'other\' (position 2) must be Tensor, not float"); cynn returns a result',
    ('atan2', 'int_scalar'):
        'bug: torch raises TypeError("atan2(): argument \'other\' (position 2) must be Tensor, not int"); cynn returns a result',
    ('atan2', 'int64+float_scalar'):
        'bug: torch raises TypeError("atan2(): argument \'other\' (position 2) must be Tensor, not float"); cynn returns a result',
    ('atan2', 'int64+int_scalar'):
        'bug: torch raises TypeError("atan2(): argument \'other\' (position 2) must be Tensor, not int"); cynn returns a result',
    ('atan2', 'bool+int_scalar'):
        'bug: torch raises TypeError("atan2(): argument \'other\' (position 2) must be Tensor, not int"); cynn returns a result',
    ('atan2', 'special'):
        'bug: gradient of input 0 at (0,) for inputs (0.0, 0.0): torch 0.0, cynn nan (16/144 differ)',
    ('atan2', 'special_float64'):
        'bug: gradient of input 0 at (0,) for inputs (0.0, 0.0): torch 0.0, cynn nan (9/196 differ)',
    ('atan2', 'out'):
        "missing: torch returns a result; cynn raises TypeError('atan2(): the out= argument is not supported by cynn')",
    ('atan2', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("atan2() got an unexpected keyword argument \'x1\'")',
    ('Tensor.atan2', 'float_scalar'):
        'bug: torch raises TypeError("atan2(): argument \'other\' (position 1) must be Tensor, not float"); cynn returns a result',
    ('Tensor.atan2', 'int_scalar'):
        'bug: torch raises TypeError("atan2(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.atan2', 'int64+float_scalar'):
        'bug: torch raises TypeError("atan2(): argument \'other\' (position 1) must be Tensor, not float"); cynn returns a result',
    ('Tensor.atan2', 'int64+int_scalar'):
        'bug: torch raises TypeError("atan2(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.atan2', 'bool+int_scalar'):
        'bug: torch raises TypeError("atan2(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.atan2', 'special'):
        'bug: gradient of input 0 at (0,) for inputs (0.0, 0.0): torch 0.0, cynn nan (16/144 differ)',
    ('Tensor.atan2', 'special_float64'):
        'bug: gradient of input 0 at (0,) for inputs (0.0, 0.0): torch 0.0, cynn nan (9/196 differ)',
    ('Tensor.atan2_', 'float_scalar'):
        'bug: torch raises TypeError("atan2_(): argument \'other\' (position 1) must be Tensor, not float"); cynn returns a result',
    ('Tensor.atan2_', 'int_scalar'):
        'bug: torch raises TypeError("atan2_(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.atan2_', 'int64+float_scalar'):
        'bug: torch raises TypeError("atan2_(): argument \'other\' (position 1) must be Tensor, not float"); cynn raises RuntimeError("result type Float can\'t be cast to the desired output type Long")',
    ('Tensor.atan2_', 'int64+int_scalar'):
        'bug: torch raises TypeError("atan2_(): argument \'other\' (position 1) must be Tensor, not int"); cynn raises RuntimeError("result type Float can\'t be cast to the desired output type Long")',
    ('Tensor.atan2_', 'bool+int_scalar'):
        'bug: torch raises TypeError("atan2_(): argument \'other\' (position 1) must be Tensor, not int"); cynn raises RuntimeError("result type Float can\'t be cast to the desired output type Bool")',
    ('arctan2', 'special'):
        'bug: gradient of input 0 at (0,) for inputs (0.0, 0.0): torch 0.0, cynn nan (16/144 differ)',
    ('arctan2', 'special_float64'):
        'bug: gradient of input 0 at (0,) for inputs (0.0, 0.0): torch 0.0, cynn nan (9/196 differ)',
    ('arctan2', 'out'):
        "missing: torch returns a result; cynn raises TypeError('atan2(): the out= argument is not supported by cynn')",
    ('arctan2', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("atan2() got an unexpected keyword argument \'x1\'")',
    ('Tensor.arctan2', 'special'):
        'bug: gradient of input 0 at (0,) for inputs (0.0, 0.0): torch 0.0, cynn nan (16/144 differ)',
    ('Tensor.arctan2', 'special_float64'):
        'bug: gradient of input 0 at (0,) for inputs (0.0, 0.0): torch 0.0, cynn nan (9/196 differ)',
    ('maximum', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.maximum() got an unexpected keyword argument \'out\'")',
    ('maximum', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("maximum() missing 1 required positional argument: \'input\'")',
    ('minimum', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.minimum() got an unexpected keyword argument \'out\'")',
    ('minimum', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("minimum() missing 1 required positional argument: \'input\'")',
    ('fmax', 'out'):
        "missing: torch returns a result; cynn raises TypeError('fmax(): the out= argument is not supported by cynn')",
    ('fmax', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("fmax() got an unexpected keyword argument \'x1\'")',
    ('fmin', 'out'):
        "missing: torch returns a result; cynn raises TypeError('fmin(): the out= argument is not supported by cynn')",
    ('fmin', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("fmin() got an unexpected keyword argument \'x1\'")',
    ('hypot', 'int64'):
        'bug: torch raises NotImplementedError(\'"hypot_cpu" not implemented for \\\'Long\\\'\'); cynn returns a result',
    ('hypot', 'bool'):
        'bug: torch raises NotImplementedError(\'"hypot_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('hypot', 'out'):
        "missing: torch returns a result; cynn raises TypeError('hypot(): the out= argument is not supported by cynn')",
    ('hypot', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("hypot() got an unexpected keyword argument \'x1\'")',
    ('Tensor.hypot', 'int64'):
        'bug: torch raises NotImplementedError(\'"hypot_cpu" not implemented for \\\'Long\\\'\'); cynn returns a result',
    ('Tensor.hypot', 'bool'):
        'bug: torch raises NotImplementedError(\'"hypot_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.hypot_', 'int64'):
        'bug: torch raises NotImplementedError(\'"hypot_cpu" not implemented for \\\'Long\\\'\'); cynn raises RuntimeError("result type Float can\'t be cast to the desired output type Long")',
    ('Tensor.hypot_', 'bool'):
        'bug: torch raises NotImplementedError(\'"hypot_cpu" not implemented for \\\'Bool\\\'\'); cynn raises RuntimeError("result type Float can\'t be cast to the desired output type Bool")',
    ('copysign', 'special'):
        'bug: gradient of input 0 at (24,) for inputs (inf, 0.0): torch nan, cynn 1.0 (24/144 differ)',
    ('copysign', 'special_float64'):
        'bug: gradient of input 0 at (28,) for inputs (inf, 0.0): torch nan, cynn 1.0 (28/196 differ)',
    ('copysign', 'out'):
        "missing: torch returns a result; cynn raises TypeError('copysign(): the out= argument is not supported by cynn')",
    ('copysign', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("copysign() got an unexpected keyword argument \'x1\'")',
    ('Tensor.copysign', 'special'):
        'bug: gradient of input 0 at (24,) for inputs (inf, 0.0): torch nan, cynn 1.0 (24/144 differ)',
    ('Tensor.copysign', 'special_float64'):
        'bug: gradient of input 0 at (28,) for inputs (inf, 0.0): torch nan, cynn 1.0 (28/196 differ)',
    ('logaddexp', 'int64'):
        'bug: torch raises NotImplementedError(\'"logaddexp_cpu" not implemented for \\\'Long\\\'\'); cynn returns a result',
    ('logaddexp', 'bool'):
        'bug: torch raises NotImplementedError(\'"logaddexp_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('logaddexp', 'special'):
        'bug: gradient of input 0 at (24,) for inputs (inf, 0.0): torch 1.0, cynn nan (11/144 differ)',
    ('logaddexp', 'special_float64'):
        'bug: gradient of input 0 at (28,) for inputs (inf, 0.0): torch 1.0, cynn nan (14/196 differ)',
    ('logaddexp', 'out'):
        "missing: torch returns a result; cynn raises TypeError('logaddexp(): the out= argument is not supported by cynn')",
    ('logaddexp', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("logaddexp() got an unexpected keyword argument \'x1\'")',
    ('Tensor.logaddexp', 'int64'):
        'bug: torch raises NotImplementedError(\'"logaddexp_cpu" not implemented for \\\'Long\\\'\'); cynn returns a result',
    ('Tensor.logaddexp', 'bool'):
        'bug: torch raises NotImplementedError(\'"logaddexp_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.logaddexp', 'special'):
        'bug: gradient of input 0 at (24,) for inputs (inf, 0.0): torch 1.0, cynn nan (11/144 differ)',
    ('Tensor.logaddexp', 'special_float64'):
        'bug: gradient of input 0 at (28,) for inputs (inf, 0.0): torch 1.0, cynn nan (14/196 differ)',
    ('logaddexp2', 'int64'):
        'bug: torch raises NotImplementedError(\'"logaddexp2_cpu" not implemented for \\\'Long\\\'\'); cynn returns a result',
    ('logaddexp2', 'bool'):
        'bug: torch raises NotImplementedError(\'"logaddexp2_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('logaddexp2', 'special'):
        'bug: gradient of input 0 at (24,) for inputs (inf, 0.0): torch 1.0, cynn nan (11/144 differ)',
    ('logaddexp2', 'special_float64'):
        'bug: gradient of input 0 at (28,) for inputs (inf, 0.0): torch 1.0, cynn nan (14/196 differ)',
    ('logaddexp2', 'out'):
        "missing: torch returns a result; cynn raises TypeError('logaddexp2(): the out= argument is not supported by cynn')",
    ('logaddexp2', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("logaddexp2() got an unexpected keyword argument \'x1\'")',
    ('Tensor.logaddexp2', 'int64'):
        'bug: torch raises NotImplementedError(\'"logaddexp2_cpu" not implemented for \\\'Long\\\'\'); cynn returns a result',
    ('Tensor.logaddexp2', 'bool'):
        'bug: torch raises NotImplementedError(\'"logaddexp2_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.logaddexp2', 'special'):
        'bug: gradient of input 0 at (24,) for inputs (inf, 0.0): torch 1.0, cynn nan (11/144 differ)',
    ('Tensor.logaddexp2', 'special_float64'):
        'bug: gradient of input 0 at (28,) for inputs (inf, 0.0): torch 1.0, cynn nan (14/196 differ)',
    ('fmod', 'bool'):
        'bug: torch raises NotImplementedError(\'"fmod_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('fmod', 'special'):
        'deliberate: torch 2.13 is wrong here: its vectorized fmod overflows a/b for a subnormal divisor and returns nan for fmod(1, 1e-40) (its one-element path returns the exact 8.4e-42); cynn returns the exact IEEE remainder',
    ('fmod', 'special_float64'):
        'deliberate: torch 2.13 is wrong here: its vectorized fmod overflows a/b for a subnormal divisor and returns nan for fmod(1, 1e-40) (its one-element path returns the exact 8.4e-42); cynn returns the exact IEEE remainder',
    ('fmod', 'out'):
        "missing: torch returns a result; cynn raises TypeError('fmod(): the out= argument is not supported by cynn')",
    ('fmod', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("fmod() got an unexpected keyword argument \'x1\'")',
    ('Tensor.fmod', 'bool'):
        'bug: torch raises NotImplementedError(\'"fmod_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.fmod', 'special'):
        'deliberate: torch 2.13 is wrong here: its vectorized fmod overflows a/b for a subnormal divisor and returns nan for fmod(1, 1e-40) (its one-element path returns the exact 8.4e-42); cynn returns the exact IEEE remainder',
    ('Tensor.fmod', 'special_float64'):
        'deliberate: torch 2.13 is wrong here: its vectorized fmod overflows a/b for a subnormal divisor and returns nan for fmod(1, 1e-40) (its one-element path returns the exact 8.4e-42); cynn returns the exact IEEE remainder',
    ('Tensor.fmod_', 'bool'):
        'bug: torch raises NotImplementedError(\'"fmod_cpu" not implemented for \\\'Bool\\\'\'); cynn raises RuntimeError("result type Char can\'t be cast to the desired output type Bool")',
    ('Tensor.fmod_', 'special'):
        'deliberate: torch 2.13 is wrong here: its vectorized fmod overflows a/b for a subnormal divisor and returns nan for fmod(1, 1e-40) (its one-element path returns the exact 8.4e-42); cynn returns the exact IEEE remainder',
    ('Tensor.fmod_', 'special_float64'):
        'deliberate: torch 2.13 is wrong here: its vectorized fmod overflows a/b for a subnormal divisor and returns nan for fmod(1, 1e-40) (its one-element path returns the exact 8.4e-42); cynn returns the exact IEEE remainder',
    ('remainder', 'bool'):
        'bug: torch raises NotImplementedError(\'"remainder_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('remainder', 'special'):
        'deliberate: torch 2.13 is wrong here: its vectorized fmod overflows a/b for a subnormal divisor and returns nan for fmod(1, 1e-40) (its one-element path returns the exact 8.4e-42); cynn returns the exact IEEE remainder',
    ('remainder', 'special_float64'):
        'deliberate: torch 2.13 is wrong here: its vectorized fmod overflows a/b for a subnormal divisor and returns nan for fmod(1, 1e-40) (its one-element path returns the exact 8.4e-42); cynn returns the exact IEEE remainder',
    ('remainder', 'out'):
        'missing: torch returns a result; cynn raises TypeError("remainder() got an unexpected keyword argument \'out\'")',
    ('remainder', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("remainder() got an unexpected keyword argument \'x1\'")',
    ('Tensor.remainder', 'bool'):
        'bug: torch raises NotImplementedError(\'"remainder_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.remainder', 'special'):
        'deliberate: torch 2.13 is wrong here: its vectorized fmod overflows a/b for a subnormal divisor and returns nan for fmod(1, 1e-40) (its one-element path returns the exact 8.4e-42); cynn returns the exact IEEE remainder',
    ('Tensor.remainder', 'special_float64'):
        'deliberate: torch 2.13 is wrong here: its vectorized fmod overflows a/b for a subnormal divisor and returns nan for fmod(1, 1e-40) (its one-element path returns the exact 8.4e-42); cynn returns the exact IEEE remainder',
    ('Tensor.remainder_', 'bool'):
        'bug: torch raises NotImplementedError(\'"remainder_cpu" not implemented for \\\'Bool\\\'\'); cynn raises RuntimeError("result type Char can\'t be cast to the desired output type Bool")',
    ('Tensor.remainder_', 'special'):
        'deliberate: torch 2.13 is wrong here: its vectorized fmod overflows a/b for a subnormal divisor and returns nan for fmod(1, 1e-40) (its one-element path returns the exact 8.4e-42); cynn returns the exact IEEE remainder',
    ('Tensor.remainder_', 'special_float64'):
        'deliberate: torch 2.13 is wrong here: its vectorized fmod overflows a/b for a subnormal divisor and returns nan for fmod(1, 1e-40) (its one-element path returns the exact 8.4e-42); cynn returns the exact IEEE remainder',
    ('floor_divide', 'bool'):
        'bug: torch raises NotImplementedError(\'"div_floor_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('floor_divide', 'out'):
        'missing: torch returns a result; cynn raises TypeError("floor_divide() got an unexpected keyword argument \'out\'")',
    ('floor_divide', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("floor_divide() got an unexpected keyword argument \'x1\'")',
    ('Tensor.floor_divide', 'bool'):
        'bug: torch raises NotImplementedError(\'"div_floor_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.floor_divide_', 'bool'):
        'bug: torch raises NotImplementedError(\'"div_floor_cpu" not implemented for \\\'Bool\\\'\'); cynn raises RuntimeError("result type Char can\'t be cast to the desired output type Bool")',
    ('xlogy', 'special'):
        'bug: gradient of input 0 at (2,) for inputs (0.0, inf): torch inf, cynn 0.0 (8/144 differ)',
    ('xlogy', 'special_float64'):
        'bug: gradient of input 0 at (2,) for inputs (0.0, inf): torch inf, cynn 0.0 (12/196 differ)',
    ('xlogy', 'out'):
        "missing: torch returns a result; cynn raises TypeError('xlogy(): the out= argument is not supported by cynn')",
    ('xlogy', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("xlogy() got an unexpected keyword argument \'x1\'")',
    ('Tensor.xlogy', 'special'):
        'bug: gradient of input 0 at (2,) for inputs (0.0, inf): torch inf, cynn 0.0 (8/144 differ)',
    ('Tensor.xlogy', 'special_float64'):
        'bug: gradient of input 0 at (2,) for inputs (0.0, inf): torch inf, cynn 0.0 (12/196 differ)',
    ('nextafter', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'); cynn raises ValueError('operands could not be broadcast together with shapes (3,4) (2,4)')",
    ('nextafter', 'float32+0d_float64'):
        'bug: output 0 dtype: torch float32, cynn float64',
    ('nextafter', 'out'):
        'missing: torch returns a result; cynn raises TypeError("nextafter() got an unexpected keyword argument \'out\'")',
    ('nextafter', 'other_keyword'):
        'bug: output 0: requires_grad False, torch True',
    ('nextafter', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("nextafter() got an unexpected keyword argument \'x1\'")',
    ('Tensor.nextafter', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'); cynn raises ValueError('operands could not be broadcast together with shapes (3,4) (2,4)')",
    ('Tensor.nextafter', 'float32+0d_float64'):
        'bug: output 0 dtype: torch float32, cynn float64',
    ('Tensor.nextafter_', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'); cynn raises ValueError('operands could not be broadcast together with shapes (3,4) (2,4)')",
    ('heaviside', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'); cynn raises ValueError('operands could not be broadcast together with shapes (3,4) (2,4)')",
    ('heaviside', 'int64+float32'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('heaviside', 'float32+int64'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('heaviside', 'bool+float32'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('heaviside', 'float32+float64'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('heaviside', 'float32+0d_float64'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('heaviside', 'int64+0d_float64'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('heaviside', 'special'):
        'bug: output 0 at (48,) for inputs (nan, 0.0): torch 0.0, cynn nan (12/144 differ)',
    ('heaviside', 'special_float64'):
        'bug: output 0 at (56,) for inputs (nan, 0.0): torch 0.0, cynn nan (14/196 differ)',
    ('heaviside', 'out'):
        'missing: torch returns a result; cynn raises TypeError("heaviside() got an unexpected keyword argument \'out\'")',
    ('heaviside', 'other_keyword'):
        'bug: torch\'s message \'heaviside() missing 1 required positional arguments: "values"\'; cynn\'s "heaviside() got an unexpected keyword argument \'other\'"',
    ('heaviside', 'x1_x2_alias'):
        'bug: torch\'s message \'heaviside() missing 1 required positional arguments: "values"\'; cynn\'s "heaviside() got an unexpected keyword argument \'x1\'"',
    ('Tensor.heaviside', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'); cynn raises ValueError('operands could not be broadcast together with shapes (3,4) (2,4)')",
    ('Tensor.heaviside', 'int64+float32'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('Tensor.heaviside', 'float32+int64'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('Tensor.heaviside', 'bool+float32'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('Tensor.heaviside', 'float32+float64'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('Tensor.heaviside', 'float32+0d_float64'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('Tensor.heaviside', 'int64+0d_float64'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('Tensor.heaviside', 'special'):
        'bug: output 0 at (48,) for inputs (nan, 0.0): torch 0.0, cynn nan (12/144 differ)',
    ('Tensor.heaviside', 'special_float64'):
        'bug: output 0 at (56,) for inputs (nan, 0.0): torch 0.0, cynn nan (14/196 differ)',
    ('Tensor.heaviside_', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'); cynn raises ValueError('operands could not be broadcast together with shapes (3,4) (2,4)')",
    ('Tensor.heaviside_', 'int64+float32'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('Tensor.heaviside_', 'float32+int64'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('Tensor.heaviside_', 'bool+float32'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('Tensor.heaviside_', 'float32+float64'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('Tensor.heaviside_', 'float32+0d_float64'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('Tensor.heaviside_', 'int64+0d_float64'):
        "bug: torch's message 'heaviside is not yet implemented for tensors with different dtypes.'; cynn's 'heaviside is not yet implemented for tensors with different dtypes'",
    ('Tensor.heaviside_', 'special'):
        'bug: output 0 at (48,) for inputs (nan, 0.0): torch 0.0, cynn nan (12/144 differ)',
    ('Tensor.heaviside_', 'special_float64'):
        'bug: output 0 at (56,) for inputs (nan, 0.0): torch 0.0, cynn nan (14/196 differ)',
    ('ldexp', 'special'):
        'bug: gradient of input 1 at (141,) for inputs (3.0000000054977558e+38, 0.5): torch inf, cynn 2.9407744e+38 (1/144 differ)',
    ('ldexp', 'out'):
        'missing: torch returns a result; cynn raises TypeError("ldexp() got an unexpected keyword argument \'out\'")',
    ('ldexp', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("ldexp() got an unexpected keyword argument \'x1\'")',
    ('Tensor.ldexp', 'special'):
        'bug: gradient of input 1 at (141,) for inputs (3.0000000054977558e+38, 0.5): torch inf, cynn 2.9407744e+38 (1/144 differ)',
    ('Tensor.ldexp_', 'int64'):
        'bug: torch\'s message "ldexp can\'t be cast to the desired output type Long"; cynn\'s "result type Float can\'t be cast to the desired output type Long"',
    ('Tensor.ldexp_', 'int64+float32'):
        'bug: torch\'s message "ldexp can\'t be cast to the desired output type Long"; cynn\'s "result type Float can\'t be cast to the desired output type Long"',
    ('Tensor.ldexp_', 'bool'):
        'bug: torch\'s message "ldexp can\'t be cast to the desired output type Bool"; cynn\'s "result type Float can\'t be cast to the desired output type Bool"',
    ('Tensor.ldexp_', 'bool+float32'):
        'bug: torch\'s message "ldexp can\'t be cast to the desired output type Bool"; cynn\'s "result type Float can\'t be cast to the desired output type Bool"',
    ('Tensor.ldexp_', 'int64+0d_float64'):
        'bug: torch\'s message "ldexp can\'t be cast to the desired output type Long"; cynn\'s "result type Double can\'t be cast to the desired output type Long"',
    ('ldexp_', 'int64'):
        'bug: torch\'s message "ldexp can\'t be cast to the desired output type Long"; cynn\'s "result type Float can\'t be cast to the desired output type Long"',
    ('ldexp_', 'int64+float32'):
        'bug: torch\'s message "ldexp can\'t be cast to the desired output type Long"; cynn\'s "result type Float can\'t be cast to the desired output type Long"',
    ('ldexp_', 'bool'):
        'bug: torch\'s message "ldexp can\'t be cast to the desired output type Bool"; cynn\'s "result type Float can\'t be cast to the desired output type Bool"',
    ('ldexp_', 'bool+float32'):
        'bug: torch\'s message "ldexp can\'t be cast to the desired output type Bool"; cynn\'s "result type Float can\'t be cast to the desired output type Bool"',
    ('ldexp_', 'int64+0d_float64'):
        'bug: torch\'s message "ldexp can\'t be cast to the desired output type Long"; cynn\'s "result type Double can\'t be cast to the desired output type Long"',
    ('eq', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.eq() got an unexpected keyword argument \'out\'")',
    ('eq', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("eq() missing 1 required positional argument: \'input\'")',
    ('ne', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.ne() got an unexpected keyword argument \'out\'")',
    ('ne', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("ne() missing 1 required positional argument: \'input\'")',
    ('lt', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.lt() got an unexpected keyword argument \'out\'")',
    ('lt', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("lt() missing 1 required positional argument: \'input\'")',
    ('le', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.le() got an unexpected keyword argument \'out\'")',
    ('le', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("le() missing 1 required positional argument: \'input\'")',
    ('gt', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.gt() got an unexpected keyword argument \'out\'")',
    ('gt', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("gt() missing 1 required positional argument: \'input\'")',
    ('ge', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.ge() got an unexpected keyword argument \'out\'")',
    ('ge', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("ge() missing 1 required positional argument: \'input\'")',
    ('greater', 'out'):
        'missing: torch returns a result; cynn raises TypeError("greater() got an unexpected keyword argument \'out\'")',
    ('greater', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("greater() got an unexpected keyword argument \'x1\'")',
    ('greater_equal', 'out'):
        'missing: torch returns a result; cynn raises TypeError("greater_equal() got an unexpected keyword argument \'out\'")',
    ('greater_equal', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("greater_equal() got an unexpected keyword argument \'x1\'")',
    ('less', 'out'):
        'missing: torch returns a result; cynn raises TypeError("less() got an unexpected keyword argument \'out\'")',
    ('less', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("less() got an unexpected keyword argument \'x1\'")',
    ('less_equal', 'out'):
        'missing: torch returns a result; cynn raises TypeError("less_equal() got an unexpected keyword argument \'out\'")',
    ('less_equal', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("less_equal() got an unexpected keyword argument \'x1\'")',
    ('not_equal', 'out'):
        'missing: torch returns a result; cynn raises TypeError("not_equal() got an unexpected keyword argument \'out\'")',
    ('not_equal', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("not_equal() got an unexpected keyword argument \'x1\'")',
    ('logical_and', 'float_scalar'):
        'bug: torch raises TypeError("logical_and(): argument \'other\' (position 2) must be Tensor, not float"); cynn returns a result',
    ('logical_and', 'int_scalar'):
        'bug: torch raises TypeError("logical_and(): argument \'other\' (position 2) must be Tensor, not int"); cynn returns a result',
    ('logical_and', 'int64+float_scalar'):
        'bug: torch raises TypeError("logical_and(): argument \'other\' (position 2) must be Tensor, not float"); cynn returns a result',
    ('logical_and', 'int64+int_scalar'):
        'bug: torch raises TypeError("logical_and(): argument \'other\' (position 2) must be Tensor, not int"); cynn returns a result',
    ('logical_and', 'bool+int_scalar'):
        'bug: torch raises TypeError("logical_and(): argument \'other\' (position 2) must be Tensor, not int"); cynn returns a result',
    ('logical_and', 'out'):
        'missing: torch returns a result; cynn raises TypeError("logical_and() got an unexpected keyword argument \'out\'")',
    ('logical_and', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("logical_and() got an unexpected keyword argument \'x1\'")',
    ('Tensor.logical_and', 'float_scalar'):
        'bug: torch raises TypeError("logical_and(): argument \'other\' (position 1) must be Tensor, not float"); cynn returns a result',
    ('Tensor.logical_and', 'int_scalar'):
        'bug: torch raises TypeError("logical_and(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.logical_and', 'int64+float_scalar'):
        'bug: torch raises TypeError("logical_and(): argument \'other\' (position 1) must be Tensor, not float"); cynn returns a result',
    ('Tensor.logical_and', 'int64+int_scalar'):
        'bug: torch raises TypeError("logical_and(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.logical_and', 'bool+int_scalar'):
        'bug: torch raises TypeError("logical_and(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.logical_and_', 'float_scalar'):
        'bug: torch raises TypeError("logical_and_(): argument \'other\' (position 1) must be Tensor, not float"); cynn returns a result',
    ('Tensor.logical_and_', 'int_scalar'):
        'bug: torch raises TypeError("logical_and_(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.logical_and_', 'int64+float_scalar'):
        'bug: torch raises TypeError("logical_and_(): argument \'other\' (position 1) must be Tensor, not float"); cynn returns a result',
    ('Tensor.logical_and_', 'int64+int_scalar'):
        'bug: torch raises TypeError("logical_and_(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.logical_and_', 'bool+int_scalar'):
        'bug: torch raises TypeError("logical_and_(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('logical_or', 'float_scalar'):
        'bug: torch raises TypeError("logical_or(): argument \'other\' (position 2) must be Tensor, not float"); cynn returns a result',
    ('logical_or', 'int_scalar'):
        'bug: torch raises TypeError("logical_or(): argument \'other\' (position 2) must be Tensor, not int"); cynn returns a result',
    ('logical_or', 'int64+float_scalar'):
        'bug: torch raises TypeError("logical_or(): argument \'other\' (position 2) must be Tensor, not float"); cynn returns a result',
    ('logical_or', 'int64+int_scalar'):
        'bug: torch raises TypeError("logical_or(): argument \'other\' (position 2) must be Tensor, not int"); cynn returns a result',
    ('logical_or', 'bool+int_scalar'):
        'bug: torch raises TypeError("logical_or(): argument \'other\' (position 2) must be Tensor, not int"); cynn returns a result',
    ('logical_or', 'out'):
        'missing: torch returns a result; cynn raises TypeError("logical_or() got an unexpected keyword argument \'out\'")',
    ('logical_or', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("logical_or() got an unexpected keyword argument \'x1\'")',
    ('Tensor.logical_or', 'float_scalar'):
        'bug: torch raises TypeError("logical_or(): argument \'other\' (position 1) must be Tensor, not float"); cynn returns a result',
    ('Tensor.logical_or', 'int_scalar'):
        'bug: torch raises TypeError("logical_or(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.logical_or', 'int64+float_scalar'):
        'bug: torch raises TypeError("logical_or(): argument \'other\' (position 1) must be Tensor, not float"); cynn returns a result',
    ('Tensor.logical_or', 'int64+int_scalar'):
        'bug: torch raises TypeError("logical_or(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.logical_or', 'bool+int_scalar'):
        'bug: torch raises TypeError("logical_or(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.logical_or_', 'float_scalar'):
        'bug: torch raises TypeError("logical_or_(): argument \'other\' (position 1) must be Tensor, not float"); cynn returns a result',
    ('Tensor.logical_or_', 'int_scalar'):
        'bug: torch raises TypeError("logical_or_(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.logical_or_', 'int64+float_scalar'):
        'bug: torch raises TypeError("logical_or_(): argument \'other\' (position 1) must be Tensor, not float"); cynn returns a result',
    ('Tensor.logical_or_', 'int64+int_scalar'):
        'bug: torch raises TypeError("logical_or_(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.logical_or_', 'bool+int_scalar'):
        'bug: torch raises TypeError("logical_or_(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('logical_xor', 'float_scalar'):
        'bug: torch raises TypeError("logical_xor(): argument \'other\' (position 2) must be Tensor, not float"); cynn returns a result',
    ('logical_xor', 'int_scalar'):
        'bug: torch raises TypeError("logical_xor(): argument \'other\' (position 2) must be Tensor, not int"); cynn returns a result',
    ('logical_xor', 'int64+float_scalar'):
        'bug: torch raises TypeError("logical_xor(): argument \'other\' (position 2) must be Tensor, not float"); cynn returns a result',
    ('logical_xor', 'int64+int_scalar'):
        'bug: torch raises TypeError("logical_xor(): argument \'other\' (position 2) must be Tensor, not int"); cynn returns a result',
    ('logical_xor', 'bool+int_scalar'):
        'bug: torch raises TypeError("logical_xor(): argument \'other\' (position 2) must be Tensor, not int"); cynn returns a result',
    ('logical_xor', 'out'):
        'missing: torch returns a result; cynn raises TypeError("logical_xor() got an unexpected keyword argument \'out\'")',
    ('logical_xor', 'x1_x2_alias'):
        'missing: torch returns a result; cynn raises TypeError("logical_xor() got an unexpected keyword argument \'x1\'")',
    ('Tensor.logical_xor', 'float_scalar'):
        'bug: torch raises TypeError("logical_xor(): argument \'other\' (position 1) must be Tensor, not float"); cynn returns a result',
    ('Tensor.logical_xor', 'int_scalar'):
        'bug: torch raises TypeError("logical_xor(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.logical_xor', 'int64+float_scalar'):
        'bug: torch raises TypeError("logical_xor(): argument \'other\' (position 1) must be Tensor, not float"); cynn returns a result',
    ('Tensor.logical_xor', 'int64+int_scalar'):
        'bug: torch raises TypeError("logical_xor(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.logical_xor', 'bool+int_scalar'):
        'bug: torch raises TypeError("logical_xor(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.logical_xor_', 'float_scalar'):
        'bug: torch raises TypeError("logical_xor_(): argument \'other\' (position 1) must be Tensor, not float"); cynn returns a result',
    ('Tensor.logical_xor_', 'int_scalar'):
        'bug: torch raises TypeError("logical_xor_(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.logical_xor_', 'int64+float_scalar'):
        'bug: torch raises TypeError("logical_xor_(): argument \'other\' (position 1) must be Tensor, not float"); cynn returns a result',
    ('Tensor.logical_xor_', 'int64+int_scalar'):
        'bug: torch raises TypeError("logical_xor_(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.logical_xor_', 'bool+int_scalar'):
        'bug: torch raises TypeError("logical_xor_(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('bitwise_and', 'shape_mismatch'):
        'bug: torch\'s message \'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'; cynn\'s \'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'',
    ('Tensor.bitwise_and', 'shape_mismatch'):
        'bug: torch\'s message \'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'; cynn\'s \'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'',
    ('bitwise_or', 'shape_mismatch'):
        'bug: torch\'s message \'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'; cynn\'s \'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'',
    ('Tensor.bitwise_or', 'shape_mismatch'):
        'bug: torch\'s message \'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'; cynn\'s \'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'',
    ('bitwise_xor', 'shape_mismatch'):
        'bug: torch\'s message \'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'; cynn\'s \'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'',
    ('Tensor.bitwise_xor', 'shape_mismatch'):
        'bug: torch\'s message \'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'; cynn\'s \'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'',
    ('gcd', 'shape_mismatch'):
        'bug: torch\'s message \'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'; cynn\'s \'"gcd_cpu" not implemented for \\\'Float\\\'\'',
    ('gcd', 'int_scalar'):
        'bug: torch raises TypeError("gcd(): argument \'other\' (position 2) must be Tensor, not int"); cynn raises NotImplementedError(\'"gcd_cpu" not implemented for \\\'Float\\\'\')',
    ('gcd', 'int64+int_scalar'):
        'bug: torch raises TypeError("gcd(): argument \'other\' (position 2) must be Tensor, not int"); cynn returns a result',
    ('gcd', 'bool+int_scalar'):
        'bug: torch raises TypeError("gcd(): argument \'other\' (position 2) must be Tensor, not int"); cynn returns a result',
    ('gcd', 'bool'):
        'bug: torch raises NotImplementedError(\'"gcd_cpu" not implemented for \\\'Bool\\\'\'); cynn raises UFuncTypeError("ufunc \'gcd\' did not contain a loop with signature matching types (<class \'numpy.dtypes.BoolDType\'>, <class \'nu")',
    ('Tensor.gcd', 'shape_mismatch'):
        'bug: torch\'s message \'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'; cynn\'s \'"gcd_cpu" not implemented for \\\'Float\\\'\'',
    ('Tensor.gcd', 'int_scalar'):
        'bug: torch raises TypeError("gcd(): argument \'other\' (position 1) must be Tensor, not int"); cynn raises NotImplementedError(\'"gcd_cpu" not implemented for \\\'Float\\\'\')',
    ('Tensor.gcd', 'int64+int_scalar'):
        'bug: torch raises TypeError("gcd(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.gcd', 'bool+int_scalar'):
        'bug: torch raises TypeError("gcd(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.gcd', 'bool'):
        'bug: torch raises NotImplementedError(\'"gcd_cpu" not implemented for \\\'Bool\\\'\'); cynn raises UFuncTypeError("ufunc \'gcd\' did not contain a loop with signature matching types (<class \'numpy.dtypes.BoolDType\'>, <class \'nu")',
    ('lcm', 'shape_mismatch'):
        'bug: torch\'s message \'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'; cynn\'s \'"lcm_cpu" not implemented for \\\'Float\\\'\'',
    ('lcm', 'int_scalar'):
        'bug: torch raises TypeError("lcm(): argument \'other\' (position 2) must be Tensor, not int"); cynn raises NotImplementedError(\'"lcm_cpu" not implemented for \\\'Float\\\'\')',
    ('lcm', 'int64+int_scalar'):
        'bug: torch raises TypeError("lcm(): argument \'other\' (position 2) must be Tensor, not int"); cynn returns a result',
    ('lcm', 'bool+int_scalar'):
        'bug: torch raises TypeError("lcm(): argument \'other\' (position 2) must be Tensor, not int"); cynn returns a result',
    ('lcm', 'bool'):
        'bug: torch raises NotImplementedError(\'"lcm_cpu" not implemented for \\\'Bool\\\'\'); cynn raises UFuncTypeError("ufunc \'lcm\' did not contain a loop with signature matching types (<class \'numpy.dtypes.BoolDType\'>, <class \'nu")',
    ('Tensor.lcm', 'shape_mismatch'):
        'bug: torch\'s message \'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'; cynn\'s \'"lcm_cpu" not implemented for \\\'Float\\\'\'',
    ('Tensor.lcm', 'int_scalar'):
        'bug: torch raises TypeError("lcm(): argument \'other\' (position 1) must be Tensor, not int"); cynn raises NotImplementedError(\'"lcm_cpu" not implemented for \\\'Float\\\'\')',
    ('Tensor.lcm', 'int64+int_scalar'):
        'bug: torch raises TypeError("lcm(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.lcm', 'bool+int_scalar'):
        'bug: torch raises TypeError("lcm(): argument \'other\' (position 1) must be Tensor, not int"); cynn returns a result',
    ('Tensor.lcm', 'bool'):
        'bug: torch raises NotImplementedError(\'"lcm_cpu" not implemented for \\\'Bool\\\'\'); cynn raises UFuncTypeError("ufunc \'lcm\' did not contain a loop with signature matching types (<class \'numpy.dtypes.BoolDType\'>, <class \'nu")',
    ('bitwise_left_shift', 'shape_mismatch'):
        'bug: torch\'s message \'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'; cynn\'s \'"lshift_cpu" not implemented for \\\'Float\\\'\'',
    ('bitwise_left_shift', 'bool'):
        'bug: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.bitwise_left_shift', 'shape_mismatch'):
        'bug: torch\'s message \'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'; cynn\'s \'"lshift_cpu" not implemented for \\\'Float\\\'\'',
    ('Tensor.bitwise_left_shift', 'bool'):
        'bug: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('bitwise_right_shift', 'shape_mismatch'):
        'bug: torch\'s message \'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'; cynn\'s \'"rshift_cpu" not implemented for \\\'Float\\\'\'',
    ('bitwise_right_shift', 'bool'):
        'bug: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.bitwise_right_shift', 'shape_mismatch'):
        'bug: torch\'s message \'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'; cynn\'s \'"rshift_cpu" not implemented for \\\'Float\\\'\'',
    ('Tensor.bitwise_right_shift', 'bool'):
        'bug: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.__rsub__', 'same'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rsub__', 'f64'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rsub__', 'broadcast_rank'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rsub__', '0d_rhs'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rsub__', '0d_both'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rsub__', 'empty'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rsub__', 'T_step'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rsub__', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0'); cynn raises ValueError('operands could not be broadcast together with shapes (2,4) (3,4)')",
    ('Tensor.__rsub__', 'broadcast_both'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rsub__', '0d_lhs'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rsub__', 'expand'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rsub__', 'float32+float64'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rsub__', 'float32+0d_float64'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rsub__', 'special'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rsub__', 'special_float64'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rtruediv__', 'same'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rtruediv__', 'f64'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rtruediv__', 'broadcast_rank'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rtruediv__', '0d_rhs'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rtruediv__', '0d_both'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rtruediv__', 'empty'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rtruediv__', 'T_step'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rtruediv__', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'); cynn raises ValueError('operands could not be broadcast together with shapes (3,4) (2,4)')",
    ('Tensor.__rtruediv__', 'broadcast_both'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rtruediv__', '0d_lhs'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rtruediv__', 'expand'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rtruediv__', 'float32+float64'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rtruediv__', 'float32+0d_float64'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rtruediv__', 'int64+0d_float64'):
        'bug: output 0 dtype: torch float32, cynn float64',
    ('Tensor.__rtruediv__', 'special'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rtruediv__', 'special_float64'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__floordiv__', 'bool'):
        'bug: torch raises NotImplementedError(\'"div_floor_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.__rfloordiv__', 'bool+int_scalar'):
        "bug: torch raises RuntimeError('ZeroDivisionError'); cynn returns a result",
    ('Tensor.__rfloordiv__', 'int64+float32'):
        'bug: output 0 dtype: torch float32, cynn int64',
    ('Tensor.__rfloordiv__', 'bool'):
        'bug: torch raises NotImplementedError(\'"div_floor_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.__rfloordiv__', 'bool+float32'):
        'bug: output 0 dtype: torch float32, cynn int64',
    ('Tensor.__rfloordiv__', 'float32+float64'):
        'bug: output 0 dtype: torch float64, cynn float32',
    ('Tensor.__rfloordiv__', 'int64+0d_float64'):
        'bug: output 0 dtype: torch float64, cynn int64',
    ('Tensor.__mod__', 'bool'):
        'bug: torch raises NotImplementedError(\'"remainder_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.__mod__', 'special'):
        'bug: output 0 at (89,) for inputs (1.0, 9.99994610111476e-41): torch nan, cynn 8.45e-42 (11/144 differ)',
    ('Tensor.__mod__', 'special_float64'):
        'bug: output 0 at (110,) for inputs (1.0, 1e-310): torch nan, cynn 3.5074317610433e-311 (7/196 differ)',
    ('Tensor.__pow__', 'bool'):
        'bug: torch raises NotImplementedError(\'"pow" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.__rpow__', 'same'):
        "bug: torch's backward works; cynn's raises ValueError('The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()')",
    ('Tensor.__rpow__', 'f64'):
        "bug: torch's backward works; cynn's raises ValueError('The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()')",
    ('Tensor.__rpow__', 'broadcast_rank'):
        "bug: torch's backward works; cynn's raises ValueError('The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()')",
    ('Tensor.__rpow__', '0d_rhs'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rpow__', '0d_both'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rpow__', 'empty'):
        "bug: torch's backward works; cynn's raises ValueError('The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()')",
    ('Tensor.__rpow__', 'T_step'):
        "bug: torch's backward works; cynn's raises ValueError('The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()')",
    ('Tensor.__rpow__', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0'); cynn raises ValueError('operands could not be broadcast together with shapes (2,4) (3,4)')",
    ('Tensor.__rpow__', 'broadcast_both'):
        "bug: torch's backward works; cynn's raises ValueError('The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()')",
    ('Tensor.__rpow__', '0d_lhs'):
        "bug: torch's backward works; cynn's raises ValueError('The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()')",
    ('Tensor.__rpow__', 'expand'):
        "bug: torch's backward works; cynn's raises ValueError('The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()')",
    ('Tensor.__rpow__', 'float32+int64'):
        "bug: torch's backward works; cynn's raises ValueError('The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()')",
    ('Tensor.__rpow__', 'bool'):
        'bug: torch raises NotImplementedError(\'"pow" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.__rpow__', 'float32+float64'):
        "bug: torch's backward works; cynn's raises ValueError('The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()')",
    ('Tensor.__rpow__', 'float32+0d_float64'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('Tensor.__rpow__', 'special'):
        "bug: torch's backward works; cynn's raises ValueError('The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()')",
    ('Tensor.__rpow__', 'special_float64'):
        "bug: torch's backward works; cynn's raises ValueError('The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()')",
    ('Tensor.__and__', 'same'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'f64'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Double\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'broadcast_rank'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', '0d_rhs'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', '0d_both'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'empty'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'T_step'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'shape_mismatch'):
        'bug: torch raises RuntimeError(\'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'broadcast_both'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', '0d_lhs'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'expand'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'float_scalar'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'int_scalar'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'int64+float_scalar'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'int64+float32'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'float32+int64'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'bool+float32'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'float32+float64'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Double\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'float32+0d_float64'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'int64+0d_float64'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Double\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'special'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__and__', 'special_float64'):
        'bug: torch raises NotImplementedError(\'"bitwise_and_cpu" not implemented for \\\'Double\\\'\'); cynn raises TypeError("ufunc \'bitwise_and\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__or__', 'same'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'f64'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Double\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'broadcast_rank'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', '0d_rhs'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', '0d_both'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'empty'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'T_step'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'shape_mismatch'):
        'bug: torch raises RuntimeError(\'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'broadcast_both'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', '0d_lhs'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'expand'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'float_scalar'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'int_scalar'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'int64+float_scalar'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'int64+float32'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'float32+int64'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'bool+float32'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'float32+float64'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Double\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'float32+0d_float64'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'int64+0d_float64'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Double\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'special'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__or__', 'special_float64'):
        'bug: torch raises NotImplementedError(\'"bitwise_or_cpu" not implemented for \\\'Double\\\'\'); cynn raises TypeError("ufunc \'bitwise_or\' not supported for the input types, and the inputs could not be safely coerced to any suppor")',
    ('Tensor.__xor__', 'same'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'f64'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Double\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'broadcast_rank'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', '0d_rhs'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', '0d_both'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'empty'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'T_step'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'shape_mismatch'):
        'bug: torch raises RuntimeError(\'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'broadcast_both'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', '0d_lhs'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'expand'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'float_scalar'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'int_scalar'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'int64+float_scalar'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'int64+float32'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'float32+int64'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'bool+float32'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'float32+float64'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Double\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'float32+0d_float64'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'int64+0d_float64'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Double\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'special'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Float\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__xor__', 'special_float64'):
        'bug: torch raises NotImplementedError(\'"bitwise_xor_cpu" not implemented for \\\'Double\\\'\'); cynn raises TypeError("ufunc \'bitwise_xor\' not supported for the input types, and the inputs could not be safely coerced to any suppo")',
    ('Tensor.__lshift__', 'same'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'f64'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Double\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'broadcast_rank'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', '0d_rhs'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', '0d_both'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'empty'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'T_step'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'shape_mismatch'):
        'missing: torch raises RuntimeError(\'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'broadcast_both'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', '0d_lhs'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'expand'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'float_scalar'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'int_scalar'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'int64+float_scalar'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'int64+int_scalar'):
        'missing: torch returns a result; cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'bool+int_scalar'):
        'missing: torch returns a result; cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'int64'):
        'missing: torch returns a result; cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'int64+float32'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'float32+int64'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'bool'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Bool\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'bool+float32'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'float32+float64'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Double\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'float32+0d_float64'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'int64+0d_float64'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Double\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'special'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__lshift__', 'special_float64'):
        'missing: torch raises NotImplementedError(\'"lshift_cpu" not implemented for \\\'Double\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__lshift__\'")',
    ('Tensor.__rshift__', 'same'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'f64'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Double\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'broadcast_rank'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', '0d_rhs'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', '0d_both'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'empty'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'T_step'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'shape_mismatch'):
        'missing: torch raises RuntimeError(\'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'broadcast_both'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', '0d_lhs'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'expand'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'float_scalar'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'int_scalar'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'int64+float_scalar'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'int64+int_scalar'):
        'missing: torch returns a result; cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'bool+int_scalar'):
        'missing: torch returns a result; cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'int64'):
        'missing: torch returns a result; cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'int64+float32'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'float32+int64'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'bool'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Bool\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'bool+float32'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'float32+float64'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Double\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'float32+0d_float64'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'int64+0d_float64'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Double\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'special'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Float\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__rshift__', 'special_float64'):
        'missing: torch raises NotImplementedError(\'"rshift_cpu" not implemented for \\\'Double\\\'\'); cynn raises AttributeError("\'Tensor\' object has no attribute \'__rshift__\'")',
    ('Tensor.__abs__', 'special_float32'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 0.0, cynn nan (1/12 differ)',
    ('Tensor.__abs__', 'special_float64'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 0.0, cynn nan (1/14 differ)',
    ('Tensor.__invert__', 'f32'):
        'bug: torch\'s message \'~ (operator.invert) is only implemented on integer and Boolean-type tensors\'; cynn\'s "ufunc \'invert\' not supported for the input types, and the inputs could not be safely coerced to any supported "',
    ('Tensor.__iadd__', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'); cynn raises ValueError('shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is between arg 0 with shape (2, 4) an')",
    ('Tensor.__isub__', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'); cynn raises ValueError('shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is between arg 0 with shape (2, 4) an')",
    ('Tensor.__isub__', 'bool+int_scalar'):
        'bug: torch\'s message \'Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use th\'; cynn\'s "result type Long can\'t be cast to the desired output type Bool"',
    ('Tensor.__isub__', 'bool'):
        "bug: torch raises RuntimeError('Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator'); cynn raises TypeError('numpy boolean subtract, the `-` operator, is not supported, use the bitwise_xor, the `^` operator, or the logi')",
    ('Tensor.__isub__', 'bool+float32'):
        'bug: torch\'s message \'Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use th\'; cynn\'s "result type Float can\'t be cast to the desired output type Bool"',
    ('Tensor.__imul__', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'); cynn raises ValueError('shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is between arg 0 with shape (2, 4) an')",
    ('Tensor.__itruediv__', 'shape_mismatch'):
        "bug: torch raises RuntimeError('The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'); cynn raises ValueError('shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is between arg 0 with shape (2, 4) an')",
    ('lerp', 'dtype_mismatch'):
        "bug: torch raises RuntimeError('expected dtype float for `end` but got dtype double'); cynn returns a result",
    ('addcmul', 'shape_mismatch'):
        "bug: torch's message 'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'; cynn's 'The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0'",
    ('addcdiv', 'int64'):
        "bug: torch's message 'Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a true div'; cynn's 'Integer division with addcdiv is no longer supported, and in a future release addcdiv will perform a true divi'",
    ('addcdiv', 'shape_mismatch'):
        "bug: torch's message 'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0'; cynn's 'The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0'",
    ('sum', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("sum() missing 1 required positional argument: \'input\'")',
    ('sum', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.sum() got an unexpected keyword argument \'out\'")',
    ('nansum', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("nansum() missing 1 required positional argument: \'self\'")',
    ('nansum', 'out'):
        'missing: torch returns a result; cynn raises TypeError("nansum() got an unexpected keyword argument \'out\'")',
    ('mean', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("mean() missing 1 required positional argument: \'input\'")',
    ('mean', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.mean() got an unexpected keyword argument \'out\'")',
    ('nanmean', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("nanmean() missing 1 required positional argument: \'self\'")',
    ('nanmean', 'out'):
        'missing: torch returns a result; cynn raises TypeError("nanmean() got an unexpected keyword argument \'out\'")',
    ('prod', 'empty'):
        "bug: torch's backward works; cynn's raises ValueError('cannot reshape array of size 1 into shape (0,3)')",
    ('prod', 'special'):
        'bug: gradient of input 0 at (0, 0) for inputs (0.0,): torch 0.0, cynn nan (12/12 differ)',
    ('prod', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("prod() missing 1 required positional argument: \'input\'")',
    ('prod', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.prod() got an unexpected keyword argument \'out\'")',
    ('Tensor.prod', 'empty'):
        "bug: torch's backward works; cynn's raises ValueError('cannot reshape array of size 1 into shape (0,3)')",
    ('Tensor.prod', 'special'):
        'bug: gradient of input 0 at (0, 0) for inputs (0.0,): torch 0.0, cynn nan (12/12 differ)',
    ('amax', 'empty'):
        'bug: torch raises RuntimeError("amax(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the \'dim"); cynn raises IndexError(\'amax(): Expected reduction dim 0 to have non-zero size.\')',
    ('amax', 'special'):
        'bug: gradient of input 0 at (0, 0) for inputs (0.0,): torch nan, cynn 0.0 (12/12 differ)',
    ('amax', 'dim_special'):
        'bug: gradient of input 0 at (0, 0) for inputs (0.0,): torch nan, cynn 0.0 (24/24 differ)',
    ('amax', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("amax() missing 1 required positional argument: \'self\'")',
    ('amax', 'out'):
        'missing: torch returns a result; cynn raises TypeError("_amax_amin.<locals>.reduce() got an unexpected keyword argument \'out\'")',
    ('Tensor.amax', 'empty'):
        'bug: torch raises RuntimeError("amax(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the \'dim"); cynn raises IndexError(\'amax(): Expected reduction dim 0 to have non-zero size.\')',
    ('Tensor.amax', 'special'):
        'bug: gradient of input 0 at (0, 0) for inputs (0.0,): torch nan, cynn 0.0 (12/12 differ)',
    ('Tensor.amax', 'dim_special'):
        'bug: gradient of input 0 at (0, 0) for inputs (0.0,): torch nan, cynn 0.0 (24/24 differ)',
    ('amin', 'empty'):
        'bug: torch raises RuntimeError("amin(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the \'dim"); cynn raises IndexError(\'amin(): Expected reduction dim 0 to have non-zero size.\')',
    ('amin', 'special'):
        'bug: gradient of input 0 at (0, 0) for inputs (0.0,): torch nan, cynn 0.0 (12/12 differ)',
    ('amin', 'dim_special'):
        'bug: gradient of input 0 at (0, 0) for inputs (0.0,): torch nan, cynn 0.0 (24/24 differ)',
    ('amin', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("amin() missing 1 required positional argument: \'self\'")',
    ('amin', 'out'):
        'missing: torch returns a result; cynn raises TypeError("_amax_amin.<locals>.reduce() got an unexpected keyword argument \'out\'")',
    ('Tensor.amin', 'empty'):
        'bug: torch raises RuntimeError("amin(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the \'dim"); cynn raises IndexError(\'amin(): Expected reduction dim 0 to have non-zero size.\')',
    ('Tensor.amin', 'special'):
        'bug: gradient of input 0 at (0, 0) for inputs (0.0,): torch nan, cynn 0.0 (12/12 differ)',
    ('Tensor.amin', 'dim_special'):
        'bug: gradient of input 0 at (0, 0) for inputs (0.0,): torch nan, cynn 0.0 (24/24 differ)',
    ('max', 'special'):
        'bug: gradient of input 0 at (0, 0) for inputs (0.0,): torch 0.0, cynn nan (12/12 differ)',
    ('max', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("max() missing 1 required positional argument: \'input\'")',
    ('Tensor.max', 'special'):
        'bug: gradient of input 0 at (0, 0) for inputs (0.0,): torch 0.0, cynn nan (12/12 differ)',
    ('min', 'special'):
        'bug: gradient of input 0 at (0, 0) for inputs (0.0,): torch 0.0, cynn nan (12/12 differ)',
    ('min', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("min() missing 1 required positional argument: \'input\'")',
    ('Tensor.min', 'special'):
        'bug: gradient of input 0 at (0, 0) for inputs (0.0,): torch 0.0, cynn nan (12/12 differ)',
    ('argmax', 'empty'):
        "bug: torch raises IndexError('argmax(): Expected reduction dim to be specified for input.numel() == 0.'); cynn raises ValueError('attempt to get argmax of an empty sequence')",
    ('argmax', 'bool'):
        "bug: torch raises RuntimeError('argmax(): does not support bool input'); cynn returns a result",
    ('argmax', 'dim_empty_reduced'):
        "bug: torch raises IndexError('argmax(): Expected reduction dim 0 to have non-zero size.'); cynn raises ValueError('attempt to get argmax of an empty sequence')",
    ('argmax', 'dim_bool'):
        "bug: torch raises RuntimeError('argmax(): does not support bool input'); cynn returns a result",
    ('argmax', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("argmax() missing 1 required positional argument: \'input\'")',
    ('Tensor.argmax', 'empty'):
        "bug: torch raises IndexError('argmax(): Expected reduction dim to be specified for input.numel() == 0.'); cynn raises ValueError('attempt to get argmax of an empty sequence')",
    ('Tensor.argmax', 'bool'):
        "bug: torch raises RuntimeError('argmax(): does not support bool input'); cynn returns a result",
    ('Tensor.argmax', 'dim_empty_reduced'):
        "bug: torch raises IndexError('argmax(): Expected reduction dim 0 to have non-zero size.'); cynn raises ValueError('attempt to get argmax of an empty sequence')",
    ('Tensor.argmax', 'dim_bool'):
        "bug: torch raises RuntimeError('argmax(): does not support bool input'); cynn returns a result",
    ('argmin', 'empty'):
        "bug: torch raises IndexError('argmin(): Expected reduction dim to be specified for input.numel() == 0.'); cynn raises ValueError('attempt to get argmin of an empty sequence')",
    ('argmin', 'bool'):
        "bug: torch raises RuntimeError('argmin(): does not support bool input'); cynn returns a result",
    ('argmin', 'dim_empty_reduced'):
        "bug: torch raises IndexError('argmin(): Expected reduction dim 0 to have non-zero size.'); cynn raises ValueError('attempt to get argmin of an empty sequence')",
    ('argmin', 'dim_bool'):
        "bug: torch raises RuntimeError('argmin(): does not support bool input'); cynn returns a result",
    ('argmin', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("argmin() missing 1 required positional argument: \'input\'")',
    ('Tensor.argmin', 'empty'):
        "bug: torch raises IndexError('argmin(): Expected reduction dim to be specified for input.numel() == 0.'); cynn raises ValueError('attempt to get argmin of an empty sequence')",
    ('Tensor.argmin', 'bool'):
        "bug: torch raises RuntimeError('argmin(): does not support bool input'); cynn returns a result",
    ('Tensor.argmin', 'dim_empty_reduced'):
        "bug: torch raises IndexError('argmin(): Expected reduction dim 0 to have non-zero size.'); cynn raises ValueError('attempt to get argmin of an empty sequence')",
    ('Tensor.argmin', 'dim_bool'):
        "bug: torch raises RuntimeError('argmin(): does not support bool input'); cynn returns a result",
    ('median', 'bool'):
        'bug: torch raises NotImplementedError(\'"median_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('median', 'dim_expand'):
        'deliberate: torch 2.13 is wrong here: median over a dim of stride 0 (an expanded tensor) returns values that are not in the input; cynn returns the true median',
    ('median', 'dim_bool'):
        'bug: torch raises NotImplementedError(\'"median_out" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('median', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("median() missing 1 required positional argument: \'self\'")',
    ('Tensor.median', 'bool'):
        'bug: torch raises NotImplementedError(\'"median_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.median', 'dim_expand'):
        'deliberate: torch 2.13 is wrong here: median over a dim of stride 0 (an expanded tensor) returns values that are not in the input; cynn returns the true median',
    ('Tensor.median', 'dim_bool'):
        'bug: torch raises NotImplementedError(\'"median_out" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('nanmedian', 'bool'):
        'bug: torch raises NotImplementedError(\'"median_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('nanmedian', 'dim_expand'):
        'deliberate: torch 2.13 is wrong here: median over a dim of stride 0 (an expanded tensor) returns values that are not in the input; cynn returns the true median',
    ('nanmedian', 'dim_bool'):
        'bug: torch raises NotImplementedError(\'"median_out" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('nanmedian', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("nanmedian() missing 1 required positional argument: \'self\'")',
    ('Tensor.nanmedian', 'bool'):
        'bug: torch raises NotImplementedError(\'"median_cpu" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('Tensor.nanmedian', 'dim_expand'):
        'deliberate: torch 2.13 is wrong here: median over a dim of stride 0 (an expanded tensor) returns values that are not in the input; cynn returns the true median',
    ('Tensor.nanmedian', 'dim_bool'):
        'bug: torch raises NotImplementedError(\'"median_out" not implemented for \\\'Bool\\\'\'); cynn returns a result',
    ('mode', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("mode() got an unexpected keyword argument \'axis\'")',
    ('mode', 'keepdims_alias'):
        'missing: torch returns a result; cynn raises TypeError("mode() got an unexpected keyword argument \'keepdims\'")',
    ('mode', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("mode() got an unexpected keyword argument \'a\'")',
    ('Tensor.mode', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("mode() got an unexpected keyword argument \'axis\'")',
    ('Tensor.mode', 'keepdims_alias'):
        'missing: torch returns a result; cynn raises TypeError("mode() got an unexpected keyword argument \'keepdims\'")',
    ('all', 'dims_tuple'):
        "missing: torch returns a result; cynn raises TypeError('dim must be an int, not tuple')",
    ('all', 'dims_tuple_keepdim'):
        "missing: torch returns a result; cynn raises TypeError('dim must be an int, not tuple')",
    ('all', 'dims_empty_tuple'):
        "missing: torch returns a result; cynn raises TypeError('dim must be an int, not tuple')",
    ('all', 'dims_repeated'):
        "missing: torch raises RuntimeError('dim 1 appears multiple times in the list of dims'); cynn raises TypeError('dim must be an int, not tuple')",
    ('all', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("all() missing 1 required positional argument: \'input\'")',
    ('Tensor.all', 'dims_tuple'):
        "missing: torch returns a result; cynn raises TypeError('dim must be an int, not tuple')",
    ('Tensor.all', 'dims_tuple_keepdim'):
        "missing: torch returns a result; cynn raises TypeError('dim must be an int, not tuple')",
    ('Tensor.all', 'dims_empty_tuple'):
        "missing: torch returns a result; cynn raises TypeError('dim must be an int, not tuple')",
    ('Tensor.all', 'dims_repeated'):
        "missing: torch raises RuntimeError('dim 1 appears multiple times in the list of dims'); cynn raises TypeError('dim must be an int, not tuple')",
    ('any', 'dims_tuple'):
        "missing: torch returns a result; cynn raises TypeError('dim must be an int, not tuple')",
    ('any', 'dims_tuple_keepdim'):
        "missing: torch returns a result; cynn raises TypeError('dim must be an int, not tuple')",
    ('any', 'dims_empty_tuple'):
        "missing: torch returns a result; cynn raises TypeError('dim must be an int, not tuple')",
    ('any', 'dims_repeated'):
        "missing: torch raises RuntimeError('dim 1 appears multiple times in the list of dims'); cynn raises TypeError('dim must be an int, not tuple')",
    ('any', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("any() missing 1 required positional argument: \'input\'")',
    ('Tensor.any', 'dims_tuple'):
        "missing: torch returns a result; cynn raises TypeError('dim must be an int, not tuple')",
    ('Tensor.any', 'dims_tuple_keepdim'):
        "missing: torch returns a result; cynn raises TypeError('dim must be an int, not tuple')",
    ('Tensor.any', 'dims_empty_tuple'):
        "missing: torch returns a result; cynn raises TypeError('dim must be an int, not tuple')",
    ('Tensor.any', 'dims_repeated'):
        "missing: torch raises RuntimeError('dim 1 appears multiple times in the list of dims'); cynn raises TypeError('dim must be an int, not tuple')",
    ('logsumexp', 'dim_empty_reduced'):
        "bug: torch returns a result; cynn raises IndexError('amax(): Expected reduction dim 0 to have non-zero size.')",
    ('logsumexp', 'dims_empty_tuple'):
        'deliberate: torch 2.13 is wrong here: dim=() raises an internal shape error ("output with shape [] doesn\'t match the broadcast shape [1, 1]"); cynn reduces over every dim, as sum(dim=()) does',
    ('logsumexp', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("logsumexp() missing 1 required positional argument: \'self\'")',
    ('logsumexp', 'out'):
        'missing: torch returns a result; cynn raises TypeError("logsumexp() got an unexpected keyword argument \'out\'")',
    ('Tensor.logsumexp', 'dim_empty_reduced'):
        "bug: torch returns a result; cynn raises IndexError('amax(): Expected reduction dim 0 to have non-zero size.')",
    ('Tensor.logsumexp', 'dims_empty_tuple'):
        'deliberate: torch 2.13 is wrong here: dim=() raises an internal shape error ("output with shape [] doesn\'t match the broadcast shape [1, 1]"); cynn reduces over every dim, as sum(dim=()) does',
    ('count_nonzero', 'dim_0d'):
        "bug: torch returns a result; cynn raises AxisError('axis 0 is out of bounds for array of dimension 0')",
    ('count_nonzero', 'dim_0d_-1'):
        "bug: torch returns a result; cynn raises AxisError('axis 0 is out of bounds for array of dimension 0')",
    ('count_nonzero', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("count_nonzero() got an unexpected keyword argument \'axis\'")',
    ('count_nonzero', 'dims_tuple_keepdim'):
        'bug: torch\'s message \'count_nonzero() received an invalid combination of arguments - got (Tensor, tuple, keepdim=bool), but expected\'; cynn\'s "count_nonzero() got an unexpected keyword argument \'keepdim\'"',
    ('count_nonzero', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("count_nonzero() got an unexpected keyword argument \'a\'")',
    ('Tensor.count_nonzero', 'dim_0d'):
        "bug: torch returns a result; cynn raises AxisError('axis 0 is out of bounds for array of dimension 0')",
    ('Tensor.count_nonzero', 'dim_0d_-1'):
        "bug: torch returns a result; cynn raises AxisError('axis 0 is out of bounds for array of dimension 0')",
    ('Tensor.count_nonzero', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("count_nonzero() got an unexpected keyword argument \'axis\'")',
    ('Tensor.count_nonzero', 'dims_tuple_keepdim'):
        'bug: torch\'s message \'count_nonzero() received an invalid combination of arguments - got (tuple, keepdim=bool), but expected one of:\'; cynn\'s "count_nonzero() got an unexpected keyword argument \'keepdim\'"',
    ('var', 'dims_empty_tuple'):
        "deliberate: torch 2.13 is wrong here: with dim=() the value reduces over every dim but the backward divides by zero and gives inf; cynn's gradient is the full reduction's",
    ('var', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("var() missing 1 required positional argument: \'input\'")',
    ('var', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.var() got an unexpected keyword argument \'out\'")',
    ('Tensor.var', 'dims_empty_tuple'):
        "deliberate: torch 2.13 is wrong here: with dim=() the value reduces over every dim but the backward divides by zero and gives inf; cynn's gradient is the full reduction's",
    ('std', 'dim_expand'):
        'bug: gradient of input 0 at (0, 0): torch 0.0, cynn nan (4/4 differ)',
    ('std', 'dim_ties'):
        'bug: gradient of input 0 at (1, 0) for inputs (2.0,): torch 0.0, cynn nan (4/12 differ)',
    ('std', 'dims_empty_tuple'):
        "deliberate: torch 2.13 is wrong here: with dim=() the value reduces over every dim but the backward divides by zero and gives inf; cynn's gradient is the full reduction's",
    ('std', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("std() missing 1 required positional argument: \'input\'")',
    ('std', 'out'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.std() got an unexpected keyword argument \'out\'")',
    ('Tensor.std', 'dim_expand'):
        'bug: gradient of input 0 at (0, 0): torch 0.0, cynn nan (4/4 differ)',
    ('Tensor.std', 'dim_ties'):
        'bug: gradient of input 0 at (1, 0) for inputs (2.0,): torch 0.0, cynn nan (4/12 differ)',
    ('Tensor.std', 'dims_empty_tuple'):
        "deliberate: torch 2.13 is wrong here: with dim=() the value reduces over every dim but the backward divides by zero and gives inf; cynn's gradient is the full reduction's",
    ('std(correction=0)', '0d'):
        'bug: gradient of input 0 at (): torch 0.0, cynn nan (1/1 differ)',
    ('std(correction=0)', 'dim_size1'):
        'bug: gradient of input 0 at (0, 0): torch 0.0, cynn nan (3/3 differ)',
    ('std(correction=0)', 'dim_expand'):
        'bug: gradient of input 0 at (0, 0): torch 0.0, cynn nan (4/4 differ)',
    ('std(correction=0)', 'dim_ties'):
        'bug: gradient of input 0 at (1, 0) for inputs (2.0,): torch 0.0, cynn nan (4/12 differ)',
    ('std(correction=0)', 'dim_0d'):
        'bug: gradient of input 0 at (): torch 0.0, cynn nan (1/1 differ)',
    ('std(correction=0)', 'dim_0d_-1'):
        'bug: gradient of input 0 at (): torch 0.0, cynn nan (1/1 differ)',
    ('std(correction=0)', 'keepdim_0d'):
        'bug: gradient of input 0 at (): torch 0.0, cynn nan (1/1 differ)',
    ('std(unbiased=False)', '0d'):
        'bug: gradient of input 0 at (): torch 0.0, cynn nan (1/1 differ)',
    ('var_mean', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("var_mean() got an unexpected keyword argument \'axis\'")',
    ('var_mean', 'keepdims_alias'):
        'missing: torch returns a result; cynn raises TypeError("var_mean() got an unexpected keyword argument \'keepdims\'")',
    ('var_mean', 'dims_empty_tuple'):
        "deliberate: torch 2.13 is wrong here: with dim=() the value reduces over every dim but the backward divides by zero and gives inf; cynn's gradient is the full reduction's",
    ('var_mean', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("var_mean() got an unexpected keyword argument \'a\'")',
    ('var_mean(correction=0)', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("var_mean() got an unexpected keyword argument \'axis\'")',
    ('var_mean(correction=0)', 'keepdims_alias'):
        'missing: torch returns a result; cynn raises TypeError("var_mean() got an unexpected keyword argument \'keepdims\'")',
    ('std_mean', 'dim_expand'):
        'bug: gradient of input 0 at (0, 0): torch 0.9053559, cynn nan (4/4 differ)',
    ('std_mean', 'dim_ties'):
        'bug: gradient of input 0 at (1, 0) for inputs (2.0,): torch 0.22633897, cynn nan (4/12 differ)',
    ('std_mean', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("std_mean() got an unexpected keyword argument \'axis\'")',
    ('std_mean', 'keepdims_alias'):
        'missing: torch returns a result; cynn raises TypeError("std_mean() got an unexpected keyword argument \'keepdims\'")',
    ('std_mean', 'dims_empty_tuple'):
        "deliberate: torch 2.13 is wrong here: with dim=() the value reduces over every dim but the backward divides by zero and gives inf; cynn's gradient is the full reduction's",
    ('std_mean', 'a_alias'):
        'missing: torch returns a result; cynn raises TypeError("std_mean() got an unexpected keyword argument \'a\'")',
    ('std_mean(correction=0)', '0d'):
        'bug: gradient of input 0 at (): torch 0.82161814, cynn nan (1/1 differ)',
    ('std_mean(correction=0)', 'dim_size1'):
        'bug: gradient of input 0 at (0, 0): torch -1.3031572, cynn nan (3/3 differ)',
    ('std_mean(correction=0)', 'dim_expand'):
        'bug: gradient of input 0 at (0, 0): torch 0.9053559, cynn nan (4/4 differ)',
    ('std_mean(correction=0)', 'dim_ties'):
        'bug: gradient of input 0 at (1, 0) for inputs (2.0,): torch 0.22633897, cynn nan (4/12 differ)',
    ('std_mean(correction=0)', 'dim_0d'):
        'bug: gradient of input 0 at (): torch 0.82161814, cynn nan (1/1 differ)',
    ('std_mean(correction=0)', 'dim_0d_-1'):
        'bug: gradient of input 0 at (): torch 0.82161814, cynn nan (1/1 differ)',
    ('std_mean(correction=0)', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("std_mean() got an unexpected keyword argument \'axis\'")',
    ('std_mean(correction=0)', 'keepdim_0d'):
        'bug: gradient of input 0 at (): torch 0.82161814, cynn nan (1/1 differ)',
    ('std_mean(correction=0)', 'keepdims_alias'):
        'missing: torch returns a result; cynn raises TypeError("std_mean() got an unexpected keyword argument \'keepdims\'")',
    ('std_mean(unbiased=False)', '0d'):
        'bug: gradient of input 0 at (): torch 0.82161814, cynn nan (1/1 differ)',
    ('norm(p=1)', 'special'):
        'bug: gradient of input 0 at (0, 4) for inputs (nan,): torch 0.0, cynn nan (1/12 differ)',
    ('norm(p=inf)', 'empty'):
        "bug: torch raises RuntimeError('linalg.vector_norm cannot compute the inf norm on an empty tensor because the operation does not have an ident'); cynn raises ValueError('zero-size array to reduction operation maximum which has no identity')",
    ('norm(p=inf)', 'special'):
        'bug: gradient of input 0 at (0, 0) for inputs (0.0,): torch 0.0, cynn nan (12/12 differ)',
    ('norm(p=inf)', 'dim_empty_reduced'):
        "bug: torch raises RuntimeError('linalg.vector_norm cannot compute the inf norm on the dimension 0because this dimension is empty and the opera'); cynn raises ValueError('zero-size array to reduction operation maximum which has no identity')",
    ('norm(p=0)', 'all'):
        'bug: torch gives input 0 no gradient (None); cynn gives a tensor',
    ('norm(p=0)', '0d'):
        'bug: torch gives input 0 no gradient (None); cynn gives a tensor',
    ('norm(p=0)', 'ties'):
        'bug: torch gives input 0 no gradient (None); cynn gives a tensor',
    ('norm(p=0)', 'empty'):
        'bug: torch gives input 0 no gradient (None); cynn gives a tensor',
    ('norm(p=0)', 'special'):
        'bug: torch gives input 0 no gradient (None); cynn gives a tensor',
    ('norm(p=0)', 'dim1'):
        'bug: torch gives input 0 no gradient (None); cynn gives a tensor',
    ('norm(p=0)', 'dim_ties'):
        'bug: torch gives input 0 no gradient (None); cynn gives a tensor',
    ('norm(p=0)', 'dim_0d'):
        'bug: torch gives input 0 no gradient (None); cynn gives a tensor',
    ('norm(p=0)', 'dim_empty_reduced'):
        'bug: torch gives input 0 no gradient (None); cynn gives a tensor',
    ('norm(p=0)', 'keepdim'):
        'bug: torch gives input 0 no gradient (None); cynn gives a tensor',
    ('norm(p=0)', 'zeros'):
        'bug: torch gives input 0 no gradient (None); cynn gives a tensor',
    ('Tensor.cumsum_', 'bool'):
        'bug: torch raises NotImplementedError(\'"cumsum_out_cpu" not implemented for \\\'Bool\\\'\'); cynn raises RuntimeError("result type Long can\'t be cast to the desired output type Bool")',
    ('cumprod', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("cumprod() got an unexpected keyword argument \'axis\'")',
    ('Tensor.cumprod', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("cumprod() got an unexpected keyword argument \'axis\'")',
    ('Tensor.cumprod_', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("cumprod() got an unexpected keyword argument \'axis\'")',
    ('Tensor.cumprod_', 'bool'):
        'bug: torch raises NotImplementedError(\'"cumprod_out_cpu" not implemented for \\\'Bool\\\'\'); cynn raises RuntimeError("result type Long can\'t be cast to the desired output type Bool")',
    ('cummax', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("cummax() got an unexpected keyword argument \'axis\'")',
    ('Tensor.cummax', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("cummax() got an unexpected keyword argument \'axis\'")',
    ('cummin', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("cummin() got an unexpected keyword argument \'axis\'")',
    ('Tensor.cummin', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("cummin() got an unexpected keyword argument \'axis\'")',
    ('logcumsumexp', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("logcumsumexp() got an unexpected keyword argument \'axis\'")',
    ('Tensor.logcumsumexp', 'axis_alias'):
        'missing: torch returns a result; cynn raises TypeError("logcumsumexp() got an unexpected keyword argument \'axis\'")',
    ('reshape', 'empty'):
        'bug: torch\'s message \'cannot reshape tensor of 0 elements into shape [2, 0, -1] because the unspecified dimension size -1 can be any\'; cynn\'s "shape \'[2, 0, -1]\' is invalid for input of size 0"',
    ('Tensor.reshape', 'empty'):
        'bug: torch\'s message \'cannot reshape tensor of 0 elements into shape [2, 0, -1] because the unspecified dimension size -1 can be any\'; cynn\'s "shape \'[2, 0, -1]\' is invalid for input of size 0"',
    ('Tensor.view', 'dtype_view'):
        "missing: torch returns a result; cynn raises NotImplementedError('view(dtype) is not supported by cynn')",
    ('select', 'oob'):
        "bug: torch's message 'select(): index 3 out of range for tensor of size [3, 4] at dimension 0'; cynn's 'index 3 is out of bounds for dimension 0 with size 3'",
    ('Tensor.select', 'oob'):
        "bug: torch's message 'select(): index 3 out of range for tensor of size [3, 4] at dimension 0'; cynn's 'index 3 is out of bounds for dimension 0 with size 3'",
    ('unflatten', 'bad'):
        'bug: torch\'s message "unflatten: Provided sizes [3, 2] don\'t multiply up to the size of dim 1 (4) in the input tensor"; cynn\'s "shape \'[3, 3, 2]\' is invalid for input of size 12"',
    ('Tensor.unflatten', 'bad'):
        'bug: torch\'s message "unflatten: Provided sizes [3, 2] don\'t multiply up to the size of dim 1 (4) in the input tensor"; cynn\'s "shape \'[3, 3, 2]\' is invalid for input of size 12"',
    ('cat', 'legacy_empty'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('cat', '0d'):
        "bug: torch raises RuntimeError('zero-dimensional tensor (at position 0) cannot be concatenated'); cynn raises IndexError('tuple index out of range')",
    ('concat', 'legacy_empty'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('concat', '0d'):
        "bug: torch raises RuntimeError('zero-dimensional tensor (at position 0) cannot be concatenated'); cynn raises IndexError('tuple index out of range')",
    ('concatenate', 'legacy_empty'):
        'bug: torch gives input 1 a gradient; cynn gives None',
    ('concatenate', '0d'):
        "bug: torch raises RuntimeError('zero-dimensional tensor (at position 0) cannot be concatenated'); cynn raises IndexError('tuple index out of range')",
    ('broadcast_tensors', 'bad'):
        "bug: torch's message 'The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0'; cynn's 'Shape mismatch: objects cannot be broadcast to a single shape'",
    ('index_select', 'oob'):
        "bug: torch raises IndexError('index out of range in self'); cynn raises RuntimeError('INDICES element is out of DATA bounds, id=3 axis_dim=3')",
    ('Tensor.index_select', 'oob'):
        "bug: torch raises IndexError('index out of range in self'); cynn raises RuntimeError('INDICES element is out of DATA bounds, id=3 axis_dim=3')",
    ('scatter', 'reduce_add'):
        "deliberate: torch's backward raises RuntimeError('derivative for aten::scatter is not implemented'); cynn differentiates it (cynn implements a derivative torch lacks)",
    ('Tensor.scatter', 'reduce_add'):
        "deliberate: torch's backward raises RuntimeError('derivative for aten::scatter is not implemented'); cynn differentiates it (cynn implements a derivative torch lacks)",
    ('topk', 'ties'):
        'deliberate: torch documents no order among equal values (its partial sort returns a later index of a tie); cynn returns the first',
    ('Tensor.topk', 'ties'):
        'deliberate: torch documents no order among equal values (its partial sort returns a later index of a tie); cynn returns the first',
    ('kthvalue', 'ties'):
        'deliberate: torch documents no order among equal values (its partial sort returns a later index of a tie); cynn returns the first',
    ('Tensor.kthvalue', 'ties'):
        'deliberate: torch documents no order among equal values (its partial sort returns a later index of a tie); cynn returns the first',
    ('unique', 'sorted'):
        "bug: torch's output requires grad (its backward then raises that the derivative of _unique2 is not implemented); cynn's output does not require grad",
    ('unique', 'counts'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.unique() got an unexpected keyword argument \'return_inverse\'")',
    ('unique', 'dim'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.unique() got an unexpected keyword argument \'dim\'")',
    ('unique', '0d'):
        "bug: torch's output requires grad (its backward then raises that the derivative of _unique2 is not implemented); cynn's output does not require grad",
    ('unique', 'empty'):
        "bug: torch's output requires grad (its backward then raises that the derivative of _unique2 is not implemented); cynn's output does not require grad",
    ('Tensor.unique', 'sorted'):
        "bug: torch's output requires grad (its backward then raises that the derivative of _unique2 is not implemented); cynn's output does not require grad",
    ('Tensor.unique', 'counts'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.unique() got an unexpected keyword argument \'return_inverse\'")',
    ('Tensor.unique', 'dim'):
        'missing: torch returns a result; cynn raises TypeError("Tensor.unique() got an unexpected keyword argument \'dim\'")',
    ('Tensor.unique', '0d'):
        "bug: torch's output requires grad (its backward then raises that the derivative of _unique2 is not implemented); cynn's output does not require grad",
    ('Tensor.unique', 'empty'):
        "bug: torch's output requires grad (its backward then raises that the derivative of _unique2 is not implemented); cynn's output does not require grad",
    ('bincount', 'weights'):
        "bug: with float weights torch's output requires grad (its backward then raises that the derivative of bincount is not implemented); cynn's does not",
    ('Tensor.bincount', 'weights'):
        "bug: with float weights torch's output requires grad (its backward then raises that the derivative of bincount is not implemented); cynn's does not",
    ('Tensor.__getitem__', 'float_index'):
        "bug: torch's message 'only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got float)'; cynn's 'only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer or boolean arrays are valid '",
    ('Tensor.__getitem__', '0d_int'):
        "bug: torch's message 'invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim'; cynn's 'too many indices for tensor of dimension 0'",
    ('Tensor.__setitem__', 'bad_value_shape'):
        "bug: torch's message 'The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 0.  Target siz'; cynn's 'shape mismatch: value tensor of shape [3] cannot be broadcast to indexing result of shape [4]'",
    ('matmul', 'float32+float64'):
        "bug: torch raises RuntimeError('expected m1 and m2 to have the same dtype, but got: float != double'); cynn returns a result",
    ('Tensor.matmul', 'float32+float64'):
        "bug: torch raises RuntimeError('expected m1 and m2 to have the same dtype, but got: float != double'); cynn returns a result",
    ('Tensor.__matmul__', 'float32+float64'):
        "bug: torch raises RuntimeError('expected m1 and m2 to have the same dtype, but got: float != double'); cynn returns a result",
    ('mm', 'float32+float64'):
        "bug: torch raises RuntimeError('expected m1 and m2 to have the same dtype, but got: float != double'); cynn returns a result",
    ('Tensor.mm', 'float32+float64'):
        "bug: torch raises RuntimeError('expected m1 and m2 to have the same dtype, but got: float != double'); cynn returns a result",
    ('bmm', 'float32+float64'):
        "bug: torch raises RuntimeError('expected scalar type Float but found Double'); cynn returns a result",
    ('Tensor.bmm', 'float32+float64'):
        "bug: torch raises RuntimeError('expected scalar type Float but found Double'); cynn returns a result",
    ('mv', 'float32+float64'):
        "bug: torch raises RuntimeError('addmv input tensors must have the same dtype, but got Double, Float, and Double'); cynn returns a result",
    ('Tensor.mv', 'float32+float64'):
        "bug: torch raises RuntimeError('addmv input tensors must have the same dtype, but got Double, Float, and Double'); cynn returns a result",
    ('dot', 'float32+float64'):
        "bug: torch raises RuntimeError('dot : expected both vectors to have same dtype, but found Float and Double'); cynn returns a result",
    ('Tensor.dot', 'float32+float64'):
        "bug: torch raises RuntimeError('dot : expected both vectors to have same dtype, but found Float and Double'); cynn returns a result",
    ('vdot', 'float32+float64'):
        "bug: torch raises RuntimeError('dot : expected both vectors to have same dtype, but found Float and Double'); cynn returns a result",
    ('Tensor.vdot', 'float32+float64'):
        "bug: torch raises RuntimeError('dot : expected both vectors to have same dtype, but found Float and Double'); cynn returns a result",
    ('inner', 'float32+float64'):
        "bug: torch raises RuntimeError('both inputs should have same dtype'); cynn returns a result",
    ('Tensor.inner', 'float32+float64'):
        "bug: torch raises RuntimeError('both inputs should have same dtype'); cynn returns a result",
    ('addmm', 'float32+float64'):
        "bug: torch raises RuntimeError('self and mat2 must have the same dtype, but got Float and Double'); cynn returns a result",
    ('Tensor.addmm', 'float32+float64'):
        "bug: torch raises RuntimeError('self and mat2 must have the same dtype, but got Float and Double'); cynn returns a result",
    ('addmv', 'float32+float64'):
        "bug: torch raises RuntimeError('addmv input tensors must have the same dtype, but got Float, Double, and Double'); cynn returns a result",
    ('Tensor.addmv', 'float32+float64'):
        "bug: torch raises RuntimeError('addmv input tensors must have the same dtype, but got Float, Double, and Double'); cynn returns a result",
    ('baddbmm', 'float32+float64'):
        "bug: torch raises RuntimeError('Input dtypes must be the same, got: input float, batch1: double, batch2: double'); cynn returns a result",
    ('Tensor.baddbmm', 'float32+float64'):
        "bug: torch raises RuntimeError('Input dtypes must be the same, got: input float, batch1: double, batch2: double'); cynn returns a result",
    ('addbmm', 'float32+float64'):
        "bug: torch raises RuntimeError('self and mat2 must have the same dtype, but got Float and Double'); cynn returns a result",
    ('Tensor.addbmm', 'float32+float64'):
        "bug: torch raises RuntimeError('self and mat2 must have the same dtype, but got Float and Double'); cynn returns a result",
    ('tensordot', 'mismatch'):
        "bug: torch's message 'contracted dimensions need to match, but first has size 3 in dim -1 and second has size 2 in dim 0'; cynn's 'contracted dimensions need to match, but first has size 3 in dim 1 and second has size 2 in dim 0'",
    ('einsum', 'bad'):
        "bug: torch's message 'einsum(): subscript j has size 3 for operand 1 which does not broadcast with previously seen size 4'; cynn's 'einsum(): operands do not broadcast with remapped shapes (original->remapped): [3, 2]'",
    ('dist', 'int64'):
        "bug: torch's message 'norm(): input dtype should be either floating point or complex. Got Long instead.'; cynn's 'linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long'",
    ('Tensor.dist', 'int64'):
        "bug: torch's message 'norm(): input dtype should be either floating point or complex. Got Long instead.'; cynn's 'linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long'",
    ('linalg.vector_norm', 'empty_inf'):
        "bug: torch raises RuntimeError('linalg.vector_norm cannot compute the inf norm on an empty tensor because the operation does not have an ident'); cynn raises IndexError('amax(): Expected reduction dim 0 to have non-zero size.')",
    ('linalg.vector_norm', 'int64'):
        "bug: torch's message 'linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long'; cynn's 'linalg.vector_norm: Expected a floating point or complex tensor as input. Got Int64'",
    ('linalg.det', 'singular'):
        'deliberate: torch 2.13 is wrong here: the gradient of det at a singular matrix is its adjugate ([[4, -2], [-2, 1]] for [[1, 2], [2, 4]]); torch returns zeros, cynn the adjugate',
    ('linalg.inv', 'singular'):
        "bug: torch's message 'linalg.inv: The diagonal element 2 is zero, the inversion could not be completed because the input matrix is s'; cynn's 'linalg.inv: The diagonal element 1 is zero, the inversion could not be completed because the input matrix is s'",
    ('linalg.slogdet', '3x3'):
        'bug: output 0: requires_grad False, torch True',
    ('linalg.slogdet', 'batched'):
        'bug: output 0: requires_grad False, torch True',
    ('linalg.slogdet', 'f64'):
        'bug: output 0: requires_grad False, torch True',
    ('linalg.pinv', '1d'):
        "bug: torch's message 'linalg.pinv(Float{[3]}): expected a tensor with 2 or more dimensions of float, double, cfloat or cdouble types'; cynn's 'linalg.pinv: The input tensor A must have at least 2 dimensions.'",
    ('linalg.matrix_rank', '1d'):
        "bug: torch's message 'torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions.'; cynn's 'linalg.matrix_rank: The input tensor A must have at least 2 dimensions.'",
    ('linalg.cond', '1d'):
        "bug: torch's message 'linalg.cond: The input tensor must have at least 2 dimensions.'; cynn's 'linalg.cond: The input tensor A must have at least 2 dimensions.'",
    ('linalg.cond', 'empty'):
        "bug: torch returns a result; cynn raises IndexError('amax(): Expected reduction dim 0 to have non-zero size.')",
    ('linalg.cholesky', 'not_spd'):
        "bug: torch's message 'linalg.cholesky: The factorization could not be completed because the input is not positive-definite (the lead'; cynn's 'linalg.cholesky: The factorization could not be completed because the input is not positive-definite (the lead'",
    ('linalg.lstsq', 'tall'):
        'bug: output 2 shape: torch (), cynn (0,)',
    ('F.l1_loss', 'special'):
        'bug: gradient of input 0 at (4,) for inputs (nan, 1.0): torch 0.0, cynn nan (2/12 differ)',
    ('F.binary_cross_entropy', 'special'):
        "bug: torch's message 'all elements of target should be between 0 and 1'; cynn's 'all elements of input should be between 0 and 1'",
    ('F.kl_div', 'special'):
        'bug: output 0 at (1,) for inputs (-0.0, -2.5): torch nan, cynn -0.0 (3/12 differ)',
    ('F.kl_div', 'zero_target'):
        'bug: gradient of input 1 at (0,) for inputs (-1.0, 0.0): torch nan, cynn 0.34558418 (1/2 differ)',
    ('F.linear', 'float32+float64'):
        "bug: torch's message 'mat1 and mat2 must have the same dtype, but got Float and Double'; cynn's 'expected m1 and m2 to have the same dtype, but got: float != double'",
    ('F.conv2d', 'dtype_mismatch'):
        "bug: torch's message 'expected scalar type Float but found Double'; cynn's 'Input type (cynn.FloatTensor) and weight type (cynn.DoubleTensor) should be the same'",
    ('nn.L1Loss', 'special'):
        'bug: gradient of input 0 at (4,) for inputs (nan, 1.0): torch 0.0, cynn nan (2/12 differ)',
    ('nn.BCELoss', 'special'):
        "bug: torch's message 'all elements of target should be between 0 and 1'; cynn's 'all elements of input should be between 0 and 1'",
    ('nn.KLDivLoss', 'special'):
        'bug: output 0 at (1,) for inputs (-0.0, -2.5): torch nan, cynn -0.0 (3/12 differ)',
    ('nn.KLDivLoss', 'zero_target'):
        'bug: gradient of input 1 at (0,) for inputs (-1.0, 0.0): torch nan, cynn 0.34558418 (1/2 differ)',
    ('Tensor.hardshrink', 'special_float32'):
        'bug: gradient of input 0 at (4,) for inputs (nan,): torch 1.0, cynn 0.0 (1/12 differ)',
    ('angle', 'f32'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('angle', 'f64'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('angle', '0d'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('angle', 'empty'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('angle', 'size1'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('angle', 'T'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('angle', 'step'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('angle', 'expand'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('angle', 'special_float32'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('angle', 'special_float64'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('Tensor.angle', 'f32'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('Tensor.angle', 'f64'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('Tensor.angle', '0d'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('Tensor.angle', 'empty'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('Tensor.angle', 'size1'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('Tensor.angle', 'T'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('Tensor.angle', 'step'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('Tensor.angle', 'expand'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('Tensor.angle', 'special_float32'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('Tensor.angle', 'special_float64'):
        "missing: torch differentiates angle; cynn's output does not require grad (no derivative formula)",
    ('F.relu_', 'special_float32'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn 0.0 (1/12 differ)',
    ('F.relu_', 'special_float64'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn 0.0 (1/14 differ)',
    ('F.threshold_', 'special_float32'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn -1.0 (1/12 differ)',
    ('F.threshold_', 'special_float64'):
        'bug: output 0 at (4,) for inputs (nan,): torch nan, cynn -1.0 (1/14 differ)',
    ('Tensor.index_add_', 'int64_self'):
        "bug: torch's message 'index_add_(): self (Long) and source (Float) must have the same scalar type'; cynn's 'index_add_(): self (cynn.int64) and source (cynn.float32) must have the same scalar type'",
    ('Tensor.index_copy_', 'int64_self'):
        "bug: torch's message 'index_copy_(): self and source expected to have the same dtype, but got (self) Long and (source) Float'; cynn's 'index_copy_(): self (cynn.int64) and source (cynn.float32) must have the same scalar type'",
    ('Tensor.scatter_add_', 'int64_self'):
        "bug: torch's message 'scatter(): Expected self.dtype to be equal to src.dtype'; cynn's 'scatter_add(): Expected self.dtype to be equal to src.dtype'",
    ('Tensor.size(dim)', '0d'):
        "bug: torch's message 'Dimension specified as 0 but tensor has no dimensions'; cynn's 'tuple index out of range'",
    ('Tensor.mT', '0d'):
        "bug: torch returns a result; cynn raises IndexError('Dimension out of range (expected to be in range of [-1, 0], but got -2)')",
    ('Tensor.mT', '1d'):
        "bug: torch raises RuntimeError('tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.'); cynn raises IndexError('Dimension out of range (expected to be in range of [-1, 0], but got -2)')",
    ('Tensor.H', '3d'):
        "bug: torch raises RuntimeError('tensor.H is only supported on matrices (2-D tensors). Got 3-D tensor. For batches of matrices, consider using '); cynn returns a result",
    ('Tensor.H', '1d'):
        "bug: torch raises RuntimeError('tensor.H is only supported on matrices (2-D tensors). Got 1-D tensor.'); cynn returns a result",
    ('Tensor.mH', '0d'):
        "bug: torch returns a result; cynn raises IndexError('Dimension out of range (expected to be in range of [-1, 0], but got -2)')",
    ('Tensor.mH', '1d'):
        "bug: torch raises RuntimeError('tensor.mH is only supported on matrices or batches of matrices. Got 1-D tensor.'); cynn raises IndexError('Dimension out of range (expected to be in range of [-1, 0], but got -2)')",
    ('Tensor.sum_to_size', 'bad'):
        "bug: torch's message 'size {[2, 4]} is not expandable to size {[3, 4]}.'; cynn's 'size {2, 4} is not expandable to size {3, 4}.'",
    ('full', 'negative'):
        "bug: torch raises RuntimeError('Trying to create tensor with negative dimension -2: [-2]'); cynn raises ValueError('negative dimensions are not allowed')",
    ('arange', 'wrong_sign'):
        "bug: torch's message 'upper bound and lower bound inconsistent with step sign'; cynn's 'upper bound and larger bound inconsistent with step sign'",
    ('linspace', 'negative_steps'):
        "bug: torch raises RuntimeError('number of steps must be non-negative'); cynn raises ValueError('Number of samples, -1, must be non-negative.')",
    ('eye', 'negative'):
        "bug: torch raises RuntimeError('n must be greater or equal to 0, got -1'); cynn raises ValueError('negative dimensions are not allowed')",
    ('tensor', 'ragged'):
        "bug: torch's message 'expected sequence of length 2 at dim 1 (got 1)'; cynn's 'setting an array element with a sequence. The requested array has an inhomogeneous shape after 1 dimensions. T'",
    ('broadcast_shapes', 'bad'):
        "bug: torch's message 'Attempting to broadcast a dimension of length 4 at -1! Mismatching argument at index 1 had (4,); but expected '; cynn's 'Shape mismatch: objects cannot be broadcast to a single shape'",

}
