"""cynn-lrn: AlexNet's local response normalisation as a cynn plugin layer.

Installing this distribution registers ``LocalResponseNorm`` in cynn's ``cynn.layers``
entry-point group: ``cynn.registry.get("LocalResponseNorm")`` or
``cynn.nn.build({"type": "LocalResponseNorm", "args": [5]})`` find it, and
``cynn.onnx.export`` exports it (``onnx_mapping``).
"""
from . import onnx_mapping  # noqa: F401 -- registers the layer's ONNX mapping
from .functional import local_response_norm
from .module import LocalResponseNorm

__version__ = "0.1"
__all__ = ["LocalResponseNorm", "local_response_norm"]
