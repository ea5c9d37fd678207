"""Argument checks shared by the tensor-function families."""
from .._tensor import Tensor


def check_tensor(fn, value, arg="input", position=1):
    """torch's TypeError when ``value`` is not a Tensor."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {position}) must be Tensor, "
                        f"not {type(value).__name__}")
