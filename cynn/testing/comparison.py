"""``assert_close``: are two (nests of) tensors, arrays or numbers equal up to tolerances?

Inputs pair up recursively: sequences item by item, mappings key by key, then each leaf
pair is compared: two tensors, two numpy arrays, two numbers, two bools or two Nones.
Other pairings (a tensor against a list, an array against a tensor) are TypeErrors, as in
PyTorch. Failures are AssertionErrors with PyTorch's messages, naming the item of the
nest that failed.
"""
import collections.abc
import numbers

import numpy as np

from .. import _dtype
from .._tensor import Size, Tensor

__all__ = ["assert_close", "default_tolerances"]

# (rtol, atol) per floating dtype; integers and bools compare exactly.
_DTYPE_PRECISIONS = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
                     np.dtype(np.float64): (1e-7, 1e-7), np.dtype(np.complex64): (1.3e-6, 1e-5),
                     np.dtype(np.complex128): (1e-7, 1e-7)}


class _Mismatch(Exception):
    """A failed leaf comparison: the exception type to raise and PyTorch's message."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind, self.message = kind, message


def default_tolerances(*dtypes):
    """The loosest (rtol, atol) among ``dtypes`` (numpy dtypes)."""
    pairs = [_DTYPE_PRECISIONS.get(np.dtype(d), (0.0, 0.0)) for d in dtypes]
    return max(r for r, _ in pairs), max(a for _, a in pairs)


def _tolerances(dtypes, rtol, atol):
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {'rtol' if rtol is None else 'atol'}.")
    if rtol is None:
        return default_tolerances(*dtypes)
    return rtol, atol


def _mismatch_message(identifier, equality, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx,
                      rtol):
    def diff_line(kind, diff, index, tol):
        line = (f"{kind.title()} difference: {diff}" if index is None else
                f"Greatest {kind} difference: {diff} at index {index}")
        return line + ("" if equality else f" (up to {tol} allowed)") + "\n"

    message = f"{identifier} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    message += diff_line("absolute", abs_diff, abs_idx, atol)
    message += diff_line("relative", rel_diff, rel_idx, rtol)
    return message.strip()


def _scalar_message(actual, expected, rtol, atol, identifier="Scalars"):
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_message(identifier, rtol == 0 and atol == 0,
                             f"Expected {expected} but got {actual}.", abs_diff, None, atol,
                             rel_diff, None, rtol)


def _close(actual, expected, rtol, atol, equal_nan):
    """Elementwise ``|a - e| <= atol + rtol * |e|``, exact where either is infinite, in the
    arrays' own dtype (as ``torch.isclose``)."""
    if actual.dtype.kind not in "fc":
        return actual == expected
    with np.errstate(invalid="ignore", over="ignore"):
        close = actual == expected
        finite = np.isfinite(actual) & np.isfinite(expected)
        close |= finite & (np.abs(actual - expected) <= atol + rtol * np.abs(expected))
    if equal_nan:
        close |= np.isnan(actual) & np.isnan(expected)
    return close


def _tensor_message(actual, expected, close, rtol, atol):
    total = close.size
    mismatched = total - int(np.count_nonzero(close))
    extra = f"Mismatched elements: {mismatched} / {total} ({mismatched / total:.1%})"
    a, e, matches = actual.reshape(-1), expected.reshape(-1), close.reshape(-1)
    if a.dtype.kind not in "fc":  # integer differences cannot overflow in int64
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        abs_diff = np.abs(a - e)
        abs_diff[matches] = 0
        denominator = np.abs(e)
        if denominator.dtype.kind not in "fc":  # true division gives the default float
            abs_float = abs_diff.astype(_dtype.get_default_dtype().numpy)
            denominator = denominator.astype(abs_float.dtype)
        else:
            abs_float = abs_diff
        rel_diff = abs_float / denominator
    rel_diff[matches] = 0
    abs_at, rel_at = int(np.argmax(abs_diff)), int(np.argmax(rel_diff))
    return _mismatch_message("Tensor-likes", rtol == 0 and atol == 0, extra,
                             abs_diff[abs_at].item(), _index(abs_at, close.shape), atol,
                             rel_diff[rel_at].item(), _index(rel_at, close.shape), rtol)


def _index(flat_index, shape):
    """The multi-index of element ``flat_index`` as a tuple of Python ints."""
    return tuple(int(i) for i in np.unravel_index(flat_index, shape))


def _as_array(value):
    return value.detach().numpy() if isinstance(value, Tensor) else value


def _strides(value):
    if isinstance(value, Tensor):
        return tuple(value.stride())
    return tuple(s // value.itemsize for s in value.strides)


def _attribute_mismatch(name, a, e):
    return _Mismatch(AssertionError, f"The values for attribute '{name}' do not match: "
                                     f"{a} != {e}.")


def _compare_tensors(actual, expected, rtol, atol, equal_nan, check_dtype, check_stride):
    a, e = _as_array(actual), _as_array(expected)
    if a.shape != e.shape:
        raise _attribute_mismatch("shape", Size(a.shape), Size(e.shape))
    if check_dtype and a.dtype != e.dtype:
        raise _attribute_mismatch("dtype", _dtype.from_numpy_dtype(a.dtype),
                                  _dtype.from_numpy_dtype(e.dtype))
    if check_stride and _strides(actual) != _strides(expected):
        raise _attribute_mismatch("stride()", _strides(actual), _strides(expected))
    rtol, atol = _tolerances((a.dtype, e.dtype), rtol, atol)
    if a.dtype != e.dtype:
        common = _dtype.result_type(a, e)
        a, e = a.astype(common), e.astype(common)
    close = _close(a, e, rtol, atol, equal_nan)
    if close.all():
        return
    if a.ndim == 0:
        raise _Mismatch(AssertionError, _scalar_message(a.item(), e.item(), rtol, atol))
    message = _tensor_message(a, e, close, rtol, atol)
    raise _Mismatch(AssertionError, message)


_PYTHON_NUMBER_DTYPES = {int: np.int64, float: np.float64, complex: np.complex128}


def _compare_numbers(actual, expected, rtol, atol, equal_nan, check_dtype):
    kinds = [next(k for k in (int, float, complex) if isinstance(v, k)) for v in (actual,
                                                                                 expected)]
    if check_dtype and kinds[0] is not kinds[1]:
        raise _Mismatch(AssertionError, f"The (d)types do not match: {kinds[0]} != {kinds[1]}.")
    rtol, atol = _tolerances([_PYTHON_NUMBER_DTYPES[k] for k in kinds], rtol, atol)
    if actual == expected or (equal_nan and actual != actual and expected != expected):
        return
    finite = all(np.isfinite(v) for v in (actual, expected))
    if finite and abs(actual - expected) <= atol + rtol * abs(expected):
        return
    raise _Mismatch(AssertionError, _scalar_message(actual, expected, rtol, atol))


def _is_number(value):
    return isinstance(value, numbers.Number) and not isinstance(value, (bool, np.bool_)) \
        and not isinstance(value, np.ndarray)


def _is_sequence(value):
    return isinstance(value, collections.abc.Sequence) and not isinstance(value, (str, bytes))


def _compare(actual, expected, path, options):
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, f"The length of the sequences mismatch: "
                                            f"{len(actual)} != {len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, path + [i], options)
        return
    if isinstance(actual, collections.abc.Mapping) and \
            isinstance(expected, collections.abc.Mapping):
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            raise _Mismatch(AssertionError, "The keys of the mappings do not match:\n"
                                            f"Missing keys in the actual mapping: "
                                            f"{sorted(missing)}\nAdditional keys in the actual "
                                            f"mapping: {sorted(extra)}")
        for key in expected:
            _compare(actual[key], expected[key], path + [key], options)
        return
    try:
        _compare_leaves(actual, expected, options)
    except _Mismatch as failure:
        if path:
            where = "".join(f"[{k!r}]" for k in path)
            failure.message += f"\n\nThe failure occurred for item {where}"
        raise


def _compare_leaves(actual, expected, options):
    rtol, atol, equal_nan, check_dtype, check_stride = options
    if actual is None or expected is None:
        if actual is expected:
            return
        raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}")
    if isinstance(actual, bool) and isinstance(expected, bool):
        if actual is not expected:
            raise _Mismatch(AssertionError, f"Booleans mismatch: {actual} is not {expected}")
        return
    if _is_number(actual) and _is_number(expected):
        _compare_numbers(actual, expected, rtol, atol, equal_nan, check_dtype)
        return
    both_tensors = isinstance(actual, Tensor) and isinstance(expected, Tensor)
    both_arrays = isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray)
    if both_tensors or both_arrays:
        _compare_tensors(actual, expected, rtol, atol, equal_nan, check_dtype, check_stride)
        return
    raise _Mismatch(TypeError, f"No comparison pair was able to handle inputs of type "
                               f"{type(actual)} and {type(expected)}.")


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    r"""Assert that ``actual`` and ``expected`` are close.

    Tensors (or numpy arrays) are close when they have the same shape and, by default,
    dtype, and every element satisfies

    .. math:: |actual - expected| \le atol + rtol \cdot |expected|

    with equal infinities close and NaNs close only with ``equal_nan=True``. Python
    numbers compare the same way; sequences and mappings compare item by item. Without
    ``rtol`` and ``atol`` the tolerances follow the dtype:

    =============  ===========  ========
    dtype          ``rtol``     ``atol``
    =============  ===========  ========
    float16        ``1e-3``     ``1e-5``
    float32        ``1.3e-6``   ``1e-5``
    float64        ``1e-7``     ``1e-7``
    other          ``0.0``      ``0.0``
    =============  ===========  ========

    Args:
        actual: the value under test: a Tensor, numpy array, number, or a sequence or
            mapping of these.
        expected: the reference, of the same structure.
        allow_subclasses (bool): accepted for PyTorch compatibility. Default: True.
        rtol (float, optional): relative tolerance; give it together with ``atol``.
        atol (float, optional): absolute tolerance; give it together with ``rtol``.
        equal_nan (bool): NaNs compare equal. Default: False.
        check_device (bool): compare devices (always the CPU in cynn). Default: True.
        check_dtype (bool): require equal dtypes; when False both sides are promoted to
            a common dtype first. Default: True.
        check_layout (bool): compare layouts (always strided in cynn). Default: True.
        check_stride (bool): require equal strides. Default: False.
        msg (str or callable, optional): the failure message, or a function taking the
            generated message and returning the one to raise.

    Raises:
        ValueError: only one of ``rtol`` and ``atol`` is given.
        TypeError: an input pairing that cannot be compared (a tensor and a list, ...).
        AssertionError: the inputs differ; the message counts the mismatched elements
            and gives the greatest absolute and relative differences and their indices.

    Example::

        >>> import cynn
        >>> expected = cynn.tensor([1.0, 2.0, 3.0])
        >>> cynn.testing.assert_close(expected + 1e-7, expected)
        >>> cynn.testing.assert_close([expected, 1.0], [expected, 1.0])
    """
    options = (rtol, atol, equal_nan, check_dtype, check_stride)
    if (rtol is None) != (atol is None):
        _tolerances((), rtol, atol)
    try:
        _compare(actual, expected, [], options)
    except _Mismatch as failure:
        message = failure.message
        if failure.kind is AssertionError and msg is not None:
            message = msg(message) if callable(msg) else msg
        raise failure.kind(message) from None
