"""``cynn.testing``: ``assert_close`` and ``make_tensor``, as in ``torch.testing``.

Example::

    >>> import cynn
    >>> x = cynn.testing.make_tensor(2, 3, dtype=cynn.float32, device="cpu")
    >>> cynn.testing.assert_close(x * 1.0, x)
"""
from .comparison import assert_close
from .creation import make_tensor

__all__ = ["assert_close", "make_tensor"]
