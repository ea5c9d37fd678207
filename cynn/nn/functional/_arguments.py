"""The argument check that the loss and distance functions share."""
from ..._tensor import Tensor

__all__ = ["check_tensor"]


def check_tensor(value, name, position, fn):
    """PyTorch's TypeError when argument ``name`` (at ``position``) of ``fn`` is not a Tensor."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")
