"""``check_export``: export a model, check the file, run it in ONNX Runtime and compare
with cynn at several batch sizes."""
import io

import numpy as np
import pytest

import cynn

# onnx.helper, not onnx: without the package, "onnx" would find this test directory
pytest.importorskip("onnx.helper")
ort = pytest.importorskip("onnxruntime")
import onnx  # noqa: E402

import cynn.onnx  # noqa: E402


def export_to_proto(model, example, **kwargs):
    """Export into memory; returns the loaded (not the returned) ModelProto."""
    buffer = io.BytesIO()
    cynn.onnx.export(model, example, buffer, **kwargs)
    return onnx.load_from_string(buffer.getvalue())


def check_export(model, input_shape, batch_sizes=(2, 3), rtol=1e-4, atol=1e-5, opset=None,
                 dtype=cynn.float32):
    """Export ``model`` for inputs of ``input_shape`` (without the batch axis) with a
    dynamic batch axis; check it fully; run it in ONNX Runtime at ``batch_sizes`` and
    compare with the model's own eval-mode output. Returns the ModelProto."""
    example = cynn.randn(batch_sizes[0], *input_shape, dtype=dtype)
    proto = export_to_proto(model, example, input_names=["x"], output_names=["y"],
                            dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
                            opset_version=opset)
    onnx.checker.check_model(proto, full_check=True)
    session = ort.InferenceSession(proto.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    model.eval()
    for n in batch_sizes:
        x = cynn.randn(n, *input_shape, dtype=dtype)
        fed = x.numpy().copy()   # before the model runs: it may change its input in place
        with cynn.no_grad():
            expected = model(x).numpy()
        (got,) = session.run(None, {"x": fed})
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    return proto


def op_types(proto):
    return [node.op_type for node in proto.graph.node]
