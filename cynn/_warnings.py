"""Warnings that point at the user's line, not at cynn's.

A fixed ``stacklevel`` is right for one call path only: ``F.softmax(x)`` and
``nn.Softmax()(x)`` reach the same warning through different numbers of cynn
frames. ``warn`` instead attributes the warning to the first frame outside the
cynn package, whatever the path (Python 3.12's ``skip_file_prefixes`` does the
same, but cynn supports 3.10).
"""
import os
import sys
import warnings

__all__ = ["warn"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _outside_cynn(filename):
    return not os.path.abspath(filename).startswith(_PACKAGE_DIR)


def warn(message, category=UserWarning):
    """``warnings.warn(message, category)`` attributed to the nearest caller outside cynn."""
    frame, level = sys._getframe(1), 2
    while frame is not None and not _outside_cynn(frame.f_code.co_filename):
        frame, level = frame.f_back, level + 1
    if frame is None:  # called from cynn's own top level (e.g. python -m cynn.demo)
        level = 2
    warnings.warn(message, category, stacklevel=level)
