"""``cynn.cpu``: torch.cpu's device-module API for the one device cynn has, so that
device-agnostic code (``cynn.get_device_module("cpu").synchronize()``) runs.

Streams and events are the CPU's trivial ones: work runs when it is called, so
waiting and synchronising return at once.
"""
import contextlib

__all__ = ["is_available", "is_initialized", "synchronize", "current_device",
           "current_stream", "stream", "set_device", "device_count", "Stream", "StreamContext",
           "Event"]


def is_available():
    """Always True."""
    return True


def is_initialized():
    """Always True: the CPU needs no initialisation."""
    return True


def synchronize(device=None):
    """Nothing to wait for: cynn's ops have finished when they return."""


def current_device():
    """``"cpu"``, as torch.cpu reports it."""
    return "cpu"


def set_device(device):
    """Accepted for device-agnostic code; there is one CPU device."""


def device_count():
    """1."""
    return 1


class Stream:
    """The CPU's stream: work on it is already done."""

    def __init__(self, priority=-1):
        self.priority = priority

    def wait_stream(self, stream):
        """Nothing to wait for."""

    def synchronize(self):
        """Nothing to wait for."""

    def query(self):
        return True


class Event:
    """The CPU's event: always complete."""

    def query(self):
        return True

    def record(self, stream=None):
        """Nothing to record: work finishes in order."""

    def synchronize(self):
        """Nothing to wait for."""

    def wait(self, stream=None):
        """Nothing to wait for."""


_default_stream = Stream()


def current_stream(device=None):
    """The CPU's one stream."""
    return _default_stream


class StreamContext(contextlib.AbstractContextManager):
    """``with cynn.cpu.stream(s):``: a no-op context on the CPU."""

    def __init__(self, stream):
        self.stream = stream

    def __exit__(self, *exc):
        return False


def stream(stream):
    return StreamContext(stream)
