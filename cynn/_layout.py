"""Tensor layouts and memory formats as torch names them; cynn's tensors are numpy
arrays, always strided (``cynn.strided``)."""

__all__ = ["layout", "strided", "memory_format", "contiguous_format", "channels_last",
           "channels_last_3d", "preserve_format"]


class layout:
    """A tensor layout; cynn has only ``strided``."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"


strided = layout("strided")


class memory_format:
    """A memory format; cynn's tensors are numpy arrays, always C-ordered when made."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
