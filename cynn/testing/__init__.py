"""``cynn.testing``: ``assert_close`` and ``make_tensor``, as in ``torch.testing``.

Example::

    >>> import cynn
    >>> x = cynn.testing.make_tensor(2, 3, dtype=cynn.float32, device="cpu")
    >>> cynn.testing.assert_close(x * 1.0, x)
"""
from .comparison import assert_close
from .creation import make_tensor

__all__ = ["assert_close", "assert_allclose", "make_tensor"]


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """Deprecated in torch for ``assert_close``: the same check without the dtype and
    device comparison (numbers and sequences are turned into tensors first)."""
    from .. import _warnings
    _warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be "
                   "removed in a future release. Please use `torch.testing.assert_close()` "
                   "instead. You can find detailed upgrade instructions in "
                   "https://github.com/pytorch/pytorch/issues/61844.", FutureWarning)
    from .._tensor import Tensor
    from .._creation import tensor
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        from .comparison import default_tolerances
        rtol, atol = default_tolerances(actual._data.dtype, expected._data.dtype)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                 check_dtype=False, msg=msg or None)
