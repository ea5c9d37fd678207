"""Export cynn models to ONNX: ``cynn.onnx.export`` (PyTorch's ``torch.onnx.export``).

The exporter traces the model's forward through cynn's autograd Functions and maps
each op to ONNX nodes; ``register_op`` gives a plugin's Function its mapping. See
docs/onnx.md. Writing a model needs the ``onnx`` package (``pip install
'cynn-nn[onnx]'``); importing this package and registering mappings do not.
"""
from ._export import DEFAULT_OPSET, SUPPORTED_OPSETS, export
from .errors import OnnxExporterError, UnsupportedOperatorError
from .graph import GraphBuilder, Value
from .registry import register_op

__all__ = ["export", "register_op", "OnnxExporterError", "UnsupportedOperatorError",
           "GraphBuilder", "Value", "DEFAULT_OPSET", "SUPPORTED_OPSETS"]
