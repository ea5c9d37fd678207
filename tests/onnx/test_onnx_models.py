"""Whole models exported, checked with onnx's full checker, run in ONNX Runtime and
compared with cynn at two batch sizes through a dynamic batch axis."""
import pytest

import cynn
from cynn.demo import LeNet as DemoLeNet
from helpers import lenet
from onnx_export_check import check_export, op_types
from onnx_models import AlexNet, ConvZoo


def test_lenet_with_a_functional_forward():
    proto = check_export(lenet(cynn), (3, 32, 32))
    assert op_types(proto) == ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Reshape",
                               "Gemm", "Relu", "Gemm", "Relu", "Gemm"]


def test_the_demo_model_with_in_place_relus():
    proto = check_export(DemoLeNet(), (1, 16, 16))
    assert op_types(proto).count("Relu") == 4


def test_alexnet():
    proto = check_export(AlexNet(num_classes=10), (3, 224, 224), batch_sizes=(1, 2))
    # dropout is the identity in eval mode, so it leaves no node
    assert op_types(proto) == (["Conv", "Relu", "MaxPool"] * 2 + ["Conv", "Relu"] * 3
                               + ["MaxPool", "AveragePool", "Reshape"]
                               + ["Gemm", "Relu"] * 2 + ["Gemm"])


def _trained_statistics(model, input_shape):
    """One training-mode forward, so that batch norm's running statistics are not 0 and 1."""
    model.train()
    with cynn.no_grad():
        model(cynn.randn(8, *input_shape) * 2 + 0.5)
    return model


@pytest.mark.parametrize("size", [(20, 20), (21, 19)], ids=["even", "odd"])
def test_grouped_dilated_transposed_conv_net(size):
    model = _trained_statistics(ConvZoo(), (4, *size))
    proto = check_export(model, (4, *size))
    assert {"ConvTranspose", "BatchNormalization", "AveragePool", "MaxPool"} <= set(
        op_types(proto))
    grouped = [n for n in proto.graph.node if n.op_type == "Conv"][0]
    attributes = {a.name: list(a.ints) or a.i for a in grouped.attribute}
    assert attributes["group"] == 2 and attributes["dilations"] == [2, 2]


@pytest.mark.parametrize("opset", [17, 18, 19, 20])
def test_every_supported_opset(opset):
    proto = check_export(_trained_statistics(ConvZoo(), (4, 20, 20)), (4, 20, 20), opset=opset)
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", opset)]
