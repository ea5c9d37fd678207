"""Anomaly detection, as ``torch.autograd.detect_anomaly``: while enabled, a backward
step that produces nan raises ``RuntimeError`` naming the node, instead of letting the
nan reach the parameters silently."""
import contextlib
import threading

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "check_nan"]


class _State(threading.local):
    enabled = False
    check_nan = True


_state = _State()


def is_anomaly_enabled():
    return _state.enabled


def is_anomaly_check_nan_enabled():
    return _state.check_nan


class set_detect_anomaly:
    """Turn anomaly detection on or off (a context manager, or a plain call)."""

    def __init__(self, mode, check_nan=True):
        self.previous = (_state.enabled, _state.check_nan)
        _state.enabled, _state.check_nan = bool(mode), bool(check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state.enabled, _state.check_nan = self.previous
        return False


class detect_anomaly(contextlib.ContextDecorator):
    """Context manager (and decorator) enabling anomaly detection for its block."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        from .. import _warnings
        _warnings.warn("Anomaly Detection has been enabled. This mode will increase the "
                       "runtime and should only be enabled for debugging.")
        self.previous = (_state.enabled, _state.check_nan)
        _state.enabled, _state.check_nan = True, self.check_nan
        return self

    def __exit__(self, *exc):
        _state.enabled, _state.check_nan = self.previous
        return False


def check_nan(node, grads):
    """Raise if any gradient ``node`` returned holds nan (anomaly mode only)."""
    import numpy as np
    for i, g in enumerate(grads):
        data = getattr(g, "_data", g)
        if isinstance(data, np.ndarray) and data.dtype.kind == "f" and np.isnan(data).any():
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th "
                               f"output.")
