"""cynn-activations: SiLU, Swish, Mish, GELU and Hardswish as cynn plugin layers.

Installing this distribution registers the five layers in cynn's ``cynn.layers``
entry-point group; ``cynn.registry.get("Mish")`` imports this package on first
request. They are pure Python: forward and backward are numpy expressions inside
``cynn.autograd.Function`` subclasses (``cynn_activations.functional``).
"""
from . import functional
from .modules import GELU, Hardswish, Mish, SiLU, Swish

__version__ = "0.1"
__all__ = ["SiLU", "Swish", "Mish", "GELU", "Hardswish", "functional"]
