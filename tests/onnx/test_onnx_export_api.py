"""cynn.onnx.export's arguments, names, errors and tracing rules."""
import io
import pathlib
import sys

import numpy as np
import pytest

import cynn
from cynn import nn
from cynn.autograd import Function
from cynn.nn import functional as F
from onnx_export_check import check_export, export_to_proto, op_types, ort

import cynn.onnx  # noqa: E402
from cynn.onnx import UnsupportedOperatorError, register_op


def run(proto, *inputs):
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    return session.run(None, {n: x.numpy() for n, x in zip(names, inputs)})


class Fn(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, x):
        return self.f(x)


# ---------------------------------------------------------------- what cannot be exported
@pytest.mark.parametrize("forward, op", [
    (lambda x: x.cumsum(1), "'Cumsum' (CumsumBackward0)"),
    (lambda x: F.mse_loss(x, cynn.zeros(2, 3)), "'MseLoss' (MseLossBackward0)"),
    (lambda x: x.var(1), "'Var' (VarBackward0)"),
])
def test_an_op_without_mapping_is_named(forward, op):
    with pytest.raises(UnsupportedOperatorError, match=re_escape(f"cannot export the op {op}")):
        export_to_proto(Fn(forward), cynn.randn(2, 3))


@pytest.mark.parametrize("forward, method", [
    (lambda x: x if x.sum() > 0 else -x, "Tensor.bool()"),
    (lambda x: x * float(x.sum()), "Tensor.float()"),
    (lambda x: cynn.from_numpy(x.numpy() * 2), "Tensor.numpy()"),
    (lambda x: x * x.mean().item(), "Tensor.item()"),
])
def test_reading_a_traced_value_into_python_is_refused(forward, method):
    with pytest.raises(UnsupportedOperatorError, match=rf"cannot export {re_escape(method)}"):
        export_to_proto(Fn(forward), cynn.randn(2, 3))
    # and the Tensor class is left as it was
    assert float(cynn.ones(()) * 2) == 2.0 and cynn.ones(2).numpy().tolist() == [1.0, 1.0]


def re_escape(text):
    import re
    return re.escape(text)


def test_a_model_in_training_mode_is_exported_in_eval_mode_and_restored():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5))
    with cynn.no_grad():
        model(cynn.randn(16, 3) + 1)     # running statistics away from 0 and 1
    weight = model[0].weight.detach().numpy().copy()
    proto = export_to_proto(model, cynn.randn(2, 3))
    assert model.training and model[1].training
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), weight)
    assert op_types(proto) == ["Gemm", "BatchNormalization"]
    x = cynn.randn(2, 3)
    model.eval()
    with cynn.no_grad():
        expected = model(x).numpy()
    np.testing.assert_allclose(run(proto, x)[0], expected, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- names and files
def test_initializers_take_the_state_dict_names():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 1))
    proto = export_to_proto(model, cynn.randn(1, 1, 4, 4))
    names = {i.name for i in proto.graph.initializer if not i.name.startswith("onnx_const")}
    assert names == {"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                     "1.running_var", "3.weight", "3.bias"}
    stored = {i.name: i for i in proto.graph.initializer}
    from onnx import numpy_helper
    np.testing.assert_array_equal(numpy_helper.to_array(stored["3.weight"]),
                                  model[3].weight.detach().numpy())


def test_default_names_follow_forward_and_output_count():
    class TwoOut(nn.Module):
        def forward(self, image, mask):
            return image * mask, image + mask

    proto = export_to_proto(TwoOut(), (cynn.randn(2), cynn.randn(2)))
    assert [i.name for i in proto.graph.input] == ["image", "mask"]
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1"]


@pytest.mark.parametrize("kind", ["str", "pathlike", "file"])
def test_writes_to_paths_and_files(tmp_path, kind):
    import onnx
    model = nn.Linear(3, 2)
    path = tmp_path / "m.onnx"
    target = {"str": str(path), "pathlike": path, "file": None}[kind]
    if kind == "file":
        with open(path, "wb") as f:
            returned = cynn.onnx.export(model, cynn.randn(1, 3), f)
    else:
        returned = cynn.onnx.export(model, cynn.randn(1, 3), target)
    assert onnx.load(str(path)) == returned


def test_dynamic_axes_as_a_list_name_the_dimensions():
    proto = export_to_proto(nn.Linear(3, 2), cynn.randn(4, 3), input_names=["x"],
                            dynamic_axes={"x": [0], "output": {0: "n"}})
    x_dims = proto.graph.input[0].type.tensor_type.shape.dim
    y_dims = proto.graph.output[0].type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in x_dims] == ["x_dynamic_axes_1", 3]
    assert [d.dim_param or d.dim_value for d in y_dims] == ["n", 2]


def test_static_shapes_without_dynamic_axes():
    proto = export_to_proto(nn.Linear(3, 2), cynn.randn(4, 3))
    assert [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim] == [4, 3]


def test_dynamic_axes_errors():
    with pytest.warns(UserWarning, match="Provided key y for dynamic axes is not a valid"):
        export_to_proto(nn.Linear(3, 2), cynn.randn(4, 3), dynamic_axes={"y": [0]})
    with pytest.raises(ValueError, match=r"dynamic_axes\['input'\] names axis 2"):
        export_to_proto(nn.Linear(3, 2), cynn.randn(4, 3), dynamic_axes={"input": [2]})


@pytest.mark.parametrize("opset, error", [(16, ValueError), (21, ValueError), ("18", TypeError)])
def test_opset_is_checked(opset, error):
    with pytest.raises(error, match="opset"):
        export_to_proto(nn.Linear(3, 2), cynn.randn(1, 3), opset_version=opset)


def test_default_opset_is_pinned():
    proto = export_to_proto(nn.Linear(3, 2), cynn.randn(1, 3))
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", 18)]
    assert cynn.onnx.DEFAULT_OPSET == 18


def test_without_onnx_export_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"pip install 'cynn-nn\[onnx\]'"):
        cynn.onnx.export(nn.Linear(3, 2), cynn.randn(1, 3), io.BytesIO())


# ---------------------------------------------------------------- tracing rules
def test_in_place_ops_on_the_input_and_on_activations():
    def forward(x):
        x.mul_(2)
        y = x.view(x.size(0), -1) - 1
        return F.relu(y, inplace=True).add_(1)
    check_export(Fn(forward), (2, 3))


def test_an_in_place_op_on_a_view_is_refused_by_name():
    # cynn rewrites it as CopySlices of the base, which has no mapping yet
    with pytest.raises(UnsupportedOperatorError, match="'CopySlices'"):
        export_to_proto(Fn(lambda x: x.exp().view(-1).relu_()), cynn.randn(2, 3))


def test_computations_on_parameters_alone_are_folded():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.log_scale = nn.Parameter(cynn.tensor([0.5, -1.0, 2.0]))

        def forward(self, x):
            return x * self.log_scale.exp() + cynn.ones(3).sum()
    proto = check_export(Scaled(), (3,))
    assert op_types(proto) == ["Mul", "Add"]


def test_comparisons_argmax_and_detach_are_traced():
    def forward(x):
        positive = (x > 0) & ~(x > 1)
        return cynn.where(positive, x.detach(), x * 0.5).argmax(1)
    model = Fn(forward)
    proto = check_export(model, (5,))
    assert {"Greater", "Not", "And", "ArgMax"} <= set(op_types(proto))


def test_outputs_that_are_inputs_or_constants():
    proto = export_to_proto(Fn(lambda x: (x, cynn.ones(2), x.relu())), cynn.randn(2))
    x = cynn.randn(2)
    got = run(proto, x)
    np.testing.assert_array_equal(got[0], x.numpy())
    np.testing.assert_array_equal(got[1], np.ones(2, np.float32))
    np.testing.assert_array_equal(got[2], np.maximum(x.numpy(), 0))


def test_a_non_tensor_output_is_refused():
    with pytest.raises(cynn.onnx.OnnxExporterError, match="returned int as output 1"):
        export_to_proto(Fn(lambda x: (x, 3)), cynn.randn(2))


# ---------------------------------------------------------------- registering mappings
class Swish(Function):
    @staticmethod
    def forward(ctx, x, beta):
        return x / (1 + np.exp(-beta * x))


def test_a_registered_mapping_exports_a_custom_function():
    @register_op(Swish)
    def swish_to_onnx(g, x, beta):
        scaled = g.op("Mul", x, g.constant(beta, x.dtype))
        return g.op("Mul", x, g.op("Sigmoid", scaled))

    try:
        proto = check_export(Fn(lambda x: Swish.apply(x, 1.5)), (4,))
        assert op_types(proto) == ["Mul", "Sigmoid", "Mul"]
        with pytest.raises(ValueError, match="already has an ONNX mapping"):
            register_op(Swish)(lambda g, x, beta: g.op("Identity", x))
        register_op(Swish, override=True)(lambda g, x, beta: g.op("Identity", x))
        assert op_types(export_to_proto(Fn(lambda x: Swish.apply(x, 1.5)),
                                        cynn.randn(1, 4))) == ["Identity"]
    finally:
        from cynn.onnx import registry
        registry._MAPPINGS.pop(Swish)


def test_an_unregistered_function_suggests_register_op():
    with pytest.raises(UnsupportedOperatorError,
                       match=r"'Swish' \(SwishBackward0\).*register_op\(Swish\)"):
        export_to_proto(Fn(lambda x: Swish.apply(x, 1.5)), cynn.randn(1, 4))


def test_register_op_takes_function_classes_only():
    with pytest.raises(TypeError, match="must be a cynn.autograd.Function subclass"):
        register_op(nn.ReLU)
