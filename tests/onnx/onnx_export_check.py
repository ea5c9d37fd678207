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


def check_dynamic_export(model, make_inputs, sizes, input_names, dynamic_axes, rtol=1e-4,
                         atol=1e-5, opset=None):
    """Export ``model`` on ``make_inputs(sizes[0])`` with ``dynamic_axes``, check it
    fully, run it in ONNX Runtime on ``make_inputs(size)`` for every size of ``sizes``
    and compare every output (nested outputs flattened) with the model's own in eval
    mode. Returns the ModelProto."""
    proto = export_to_proto(model, make_inputs(sizes[0]), input_names=input_names,
                            dynamic_axes=dynamic_axes, opset_version=opset)
    onnx.checker.check_model(proto, full_check=True)
    session = ort.InferenceSession(proto.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    model.eval()
    for size in sizes:
        inputs = make_inputs(size)
        feed = {name: x.numpy().copy() for name, x in zip(input_names, inputs)}
        with cynn.no_grad():
            expected = flatten_outputs(model(*inputs))
        got = session.run(None, feed)
        assert len(got) == len(expected)
        for value, reference in zip(got, expected):
            assert value.shape == tuple(reference.shape), size
            np.testing.assert_allclose(value, reference.numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"at size {size}")
    return proto


def flatten_outputs(result):
    """The outputs as the export flattens them: nested tuples in order, Nones left out."""
    if isinstance(result, (tuple, list)):
        return [t for part in result for t in flatten_outputs(part)]
    return [] if result is None else [result]
