"""``cynn.device``: cynn runs on the CPU; other devices raise a clear error."""

__all__ = ["device"]


class device:
    """A device name; only ``"cpu"`` exists in cynn."""

    def __init__(self, type="cpu", index=None):  # noqa: A002 -- PyTorch's argument name
        if isinstance(type, device):
            type, index = type.type, type.index
        name = str(type)
        if ":" in name:
            name, idx = name.split(":", 1)
            index = int(idx)
        if name != "cpu":
            raise RuntimeError(f"cynn runs on the CPU only; device {str(type)!r} is not "
                               "available. Use device='cpu'.")
        self.type = name
        self.index = index

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and other.type == self.type

    def __hash__(self):
        return hash(self.type)
