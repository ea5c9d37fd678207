"""``cynn.backends.cuda``: PyTorch's CUDA switches, with no CUDA behind them.

``is_built()`` is False. ``matmul.allow_tf32`` is, as in PyTorch, another view of
``cynn.set_float32_matmul_precision``: True means ``"high"``, False ``"highest"``. The
reduced-precision reduction switches can be set and read back; cynn's float32 products
accumulate in float32 whatever they say.

Example::

    >>> import cynn
    >>> cynn.backends.cuda.matmul.allow_tf32 = True
    >>> cynn.get_float32_matmul_precision()
    'high'
    >>> cynn.backends.cuda.matmul.allow_tf32 = False
"""
from .. import _matmul_precision

__all__ = ["is_built", "matmul"]


def is_built():
    """Whether cynn was built with CUDA support: no."""
    return False


def _reduction_flag(value, name):
    valid = isinstance(value, bool) or (isinstance(value, (tuple, list)) and value and
                                        all(isinstance(v, bool) for v in value))
    if not valid:
        raise TypeError(f"{name} expects a bool or a tuple/list of bools, but got "
                        f"{type(value)}")
    return value


class CublasFlags:
    """``cynn.backends.cuda.matmul``: the cuBLAS switches. An unknown name is an
    AttributeError, so a misspelt flag is not silently stored."""

    _FLAGS = ("allow_tf32", "allow_fp16_reduced_precision_reduction",
              "allow_bf16_reduced_precision_reduction")

    def __init__(self):
        object.__setattr__(self, "_reduced", {"allow_fp16_reduced_precision_reduction": True,
                                              "allow_bf16_reduced_precision_reduction": True})

    def __getattr__(self, name):
        if name == "allow_tf32":
            return _matmul_precision.get_float32_matmul_precision() != "highest"
        if name in self._reduced:
            return self._reduced[name]
        raise AttributeError(f"Unknown attribute {name}")

    def __setattr__(self, name, value):
        if name == "allow_tf32":
            if not isinstance(value, bool):
                raise RuntimeError(f"set_allow_tf32_cublas expects a bool, but got "
                                   f"{type(value).__name__}")
            _matmul_precision.set_float32_matmul_precision("high" if value else "highest")
        elif name in self._reduced:
            self._reduced[name] = _reduction_flag(value, name)
        else:
            raise AttributeError(f"Unknown attribute {name}")


matmul = CublasFlags()
