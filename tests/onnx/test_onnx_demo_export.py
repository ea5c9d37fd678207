"""``python -m cynn.demo --export model.onnx`` writes the trained LeNet, which ONNX
Runtime runs to cynn's logits at any batch size."""
import io

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the demo's data set ships with scikit-learn")
pytest.importorskip("matplotlib", reason="the demo writes matplotlib figures")
from onnx_export_check import onnx, ort  # noqa: E402

import cynn  # noqa: E402
from cynn import demo  # noqa: E402


def test_export_flag_writes_a_model_that_runs_like_the_trained_one(tmp_path, capsys):
    path = tmp_path / "lenet.onnx"
    assert demo.main(["--epochs", "1", "--out", str(tmp_path), "--export", str(path)]) == 0
    assert f"wrote {path} (ONNX)" in capsys.readouterr().out
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    assert [i.name for i in proto.graph.input] == ["image"]
    assert [o.name for o in proto.graph.output] == ["logits"]


def test_exported_logits_equal_the_trained_model(tmp_path):
    result = demo.run(epochs=1, limit=300, out=str(tmp_path), stream=io.StringIO())
    model, path = result["model"], tmp_path / "lenet.onnx"
    demo.export_onnx(model, path, stream=io.StringIO())
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    images, _ = demo.load_digits_tensors(limit=37)
    model.eval()
    for batch in (images[:1], images):
        with cynn.no_grad():
            expected = model(batch).numpy()
        (logits,) = session.run(None, {"image": batch.numpy()})
        np.testing.assert_allclose(logits, expected, rtol=1e-4, atol=1e-5)
