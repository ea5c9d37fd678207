"""LocalResponseNorm exports through its registered ONNX mapping: checked with onnx's full
checker and run in ONNX Runtime, equal to the plugin's own output (installed plugin)."""
import io

import numpy as np
import pytest

import cynn
from cynn_lrn import LocalResponseNorm

pytest.importorskip("onnx.helper")
ort = pytest.importorskip("onnxruntime")
import onnx  # noqa: E402

import cynn.onnx  # noqa: E402


@pytest.mark.parametrize("size, shape", [(5, (3, 7, 6, 5)), (2, (3, 7, 6, 5)), (3, (4, 9)),
                                         (4, (2, 3, 2, 3))])
def test_exported_lrn_matches_the_plugin_at_two_batch_sizes(size, shape):
    model = LocalResponseNorm(size, alpha=0.3, beta=0.75, k=2.0)
    buffer = io.BytesIO()
    cynn.onnx.export(model, cynn.randn(2, *shape), buffer, input_names=["x"],
                     dynamic_axes={"x": {0: "batch"}, "output": {0: "batch"}})
    proto = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    ops = [node.op_type for node in proto.graph.node]
    # ONNX's LRN centres an even window differently and ONNX Runtime's takes 4-d only
    assert (ops == ["LRN"]) == (size % 2 == 1 and len(shape) == 3)
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    for n in (2, 5):
        x = cynn.randn(n, *shape) * 2
        with cynn.no_grad():
            expected = model(x).numpy()
        np.testing.assert_allclose(session.run(None, {"x": x.numpy()})[0], expected,
                                   rtol=1e-4, atol=1e-5)
