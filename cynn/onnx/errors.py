"""The exceptions of ``cynn.onnx`` (PyTorch's names, in ``torch.onnx.errors``)."""

__all__ = ["OnnxExporterError", "UnsupportedOperatorError"]


class OnnxExporterError(RuntimeError):
    """The model cannot be exported as asked (an argument, an unsupported use of an op)."""


class UnsupportedOperatorError(OnnxExporterError):
    """An op met while tracing has no ONNX mapping (or none for the arguments it got)."""
