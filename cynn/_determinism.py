"""``cynn.use_deterministic_algorithms`` and the deterministic debug mode.

cynn's kernels are already deterministic: every reduction runs in a fixed order, whatever
the thread count (see ``_threads``), and no op scatters with atomics. So the switch
changes no result; it is kept, validated and reported as PyTorch does, for scripts that
set it and for code that reads it back.
"""
__all__ = ["use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled", "set_deterministic_debug_mode",
           "get_deterministic_debug_mode"]

_enabled = False
_warn_only = False

_DEBUG_MODES = ("default", "warn", "error")


def _require_bool(value, name, position=None):
    if not isinstance(value, bool):
        where = f" (position {position})" if position is not None else ""
        raise TypeError(f"_set_deterministic_algorithms(): argument '{name}'{where} must be "
                        f"bool, not {type(value).__name__}")


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Ask for deterministic algorithms (``mode=True``) or allow any (``False``).

    In PyTorch an op without a deterministic implementation then raises (or warns, with
    ``warn_only=True``). Every cynn op is deterministic, so nothing raises or warns;
    the setting is recorded for ``are_deterministic_algorithms_enabled()``.

    Args:
        mode (bool): whether to require deterministic algorithms.
        warn_only (bool): warn instead of raising for nondeterministic ops. Default: False.

    Example::

        >>> import cynn
        >>> cynn.use_deterministic_algorithms(True)
        >>> cynn.are_deterministic_algorithms_enabled()
        True
        >>> cynn.use_deterministic_algorithms(False)
    """
    global _enabled, _warn_only
    _require_bool(mode, "mode", 1)
    _require_bool(warn_only, "warn_only")
    _enabled, _warn_only = mode, warn_only


def are_deterministic_algorithms_enabled():
    """Whether ``use_deterministic_algorithms(True)`` is in effect."""
    return _enabled


def is_deterministic_algorithms_warn_only_enabled():
    """Whether ``use_deterministic_algorithms`` was last called with ``warn_only=True``."""
    return _warn_only


def set_deterministic_debug_mode(debug_mode):
    """Set the deterministic mode by name or number: ``"default"`` / 0 (off), ``"warn"`` /
    1 (on, warn only), ``"error"`` / 2 (on).

    Example::

        >>> import cynn
        >>> cynn.set_deterministic_debug_mode("warn")
        >>> cynn.get_deterministic_debug_mode()
        1
        >>> cynn.set_deterministic_debug_mode(0)
    """
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, "
                               f"`warn`, `error`, but got {debug_mode}")
        debug_mode = _DEBUG_MODES.index(debug_mode)
    elif not isinstance(debug_mode, int):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got "
                           f"{debug_mode}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    """0 when deterministic algorithms are off, 1 when on with ``warn_only``, else 2."""
    if not _enabled:
        return 0
    return 1 if _warn_only else 2
