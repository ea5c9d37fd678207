"""``cynn.typename`` (``torch.typename``): how error messages name an object's type."""
from ._tensor import Tensor

__all__ = ["typename"]


def typename(obj):
    """``cynn.FloatTensor`` for tensors, the qualified class name for anything else."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    if cls.__module__ in ("", "builtins"):
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"
