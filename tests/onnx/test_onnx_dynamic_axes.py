"""Dynamic axes: sizes that follow a dynamic input axis are computed by the graph.

cynn's ops see sizes as Python ints; the exporter tells which follow a dynamic axis
by running the model a second time at other sizes (see cynn/onnx/_sizes.py). Each
model here writes such a size in a different way, and is run by ONNX Runtime at
sizes other than the traced one."""
import numpy as np
import pytest

import cynn
from cynn import nn
from onnx_export_check import check_dynamic_export, export_to_proto, op_types


class Fn(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, *xs):
        return self.f(*xs)


def _dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def batch_and_length(size):
    batch, length = size
    return (cynn.randn(batch, length, 6),)


BOTH_DYNAMIC = {"x": {0: "batch", 1: "length"}}
SIZES = [(2, 3), (3, 5), (1, 1)]


def test_a_reshape_reads_two_dynamic_sizes_from_the_input():
    linear = nn.Linear(6, 4)
    model = Fn(lambda x: linear(x.reshape(-1, 6)).view(x.size(0), x.size(1), 2, 2))
    proto = check_dynamic_export(model, batch_and_length, SIZES, ["x"], BOTH_DYNAMIC)
    assert "Shape" in op_types(proto)


def test_a_size_that_is_a_multiple_or_a_product_of_dynamic_sizes():
    model = Fn(lambda x: x.reshape(x.size(0) * 2, x.size(1), 3).transpose(0, 1)
               .reshape(x.size(1), x.size(0), 6) * 2)
    check_dynamic_export(model, batch_and_length, SIZES, ["x"], BOTH_DYNAMIC)


def test_a_parameter_expanded_to_the_batch_is_not_folded():
    class ClassToken(nn.Module):
        def __init__(self):
            super().__init__()
            self.token = nn.Parameter(cynn.randn(1, 1, 6))

        def forward(self, x):
            return cynn.cat([self.token.expand(x.size(0), -1, -1), x], 1)

    proto = check_dynamic_export(ClassToken(), batch_and_length, SIZES, ["x"], BOTH_DYNAMIC)
    assert "Expand" in op_types(proto)
    assert _dims(proto.graph.output[0])[0] == "batch"


def test_a_constant_of_one_value_made_at_the_batch_size():
    model = Fn(lambda x: x * cynn.full((x.size(0), 1, 6), 3.0)
               + cynn.zeros(x.size(0), x.size(1), 6))
    proto = check_dynamic_export(model, batch_and_length, SIZES, ["x"], BOTH_DYNAMIC)
    assert "Expand" in op_types(proto)


def test_a_constant_of_several_values_at_a_dynamic_size_is_refused():
    model = Fn(lambda x: x + cynn.arange(x.size(0)).float().view(-1, 1, 1))
    with pytest.raises(cynn.onnx.UnsupportedOperatorError,
                       match=r"ToCopy.*shape \[2\] follows a dynamic axis \(\[5\] at other"):
        check_dynamic_export(model, batch_and_length, SIZES, ["x"], {"x": {0: "batch"}})


def test_control_flow_on_a_dynamic_size_is_refused():
    model = Fn(lambda x: x * 2 if x.size(0) < 4 else x + 1)
    with pytest.raises(cynn.onnx.OnnxExporterError, match="ran other ops .* control flow"):
        check_dynamic_export(model, batch_and_length, SIZES, ["x"], {"x": {0: "batch"}})


def test_output_axes_that_follow_a_dynamic_axis_are_symbolic():
    model = Fn(lambda x: (x.sum(1), cynn.cat([x, x], 0), x[0]))
    proto = export_to_proto(model, cynn.randn(2, 3, 6), input_names=["x"],
                            output_names=["total", "twice", "first"],
                            dynamic_axes={"x": {0: "batch", 1: "length"}})
    # named as the input axis it equals, else after the output; sizes that do not
    # follow a dynamic axis stay numbers
    assert [_dims(o) for o in proto.graph.output] == [
        ["batch", 6], ["twice_dim_0", "length", 6], ["length", 6]]


def test_the_second_run_leaves_the_random_generator_as_one_forward_does():
    model = Fn(lambda x: x + cynn.rand(6))
    draws = []
    for dynamic_axes in (None, {"x": {0: "batch"}}):
        cynn.manual_seed(7)
        export_to_proto(model, cynn.randn(2, 3, 6), input_names=["x"],
                        dynamic_axes=dynamic_axes)
        draws.append(cynn.rand(3).numpy())
    np.testing.assert_array_equal(draws[0], draws[1])


def test_a_model_that_only_works_at_the_traced_size_says_so():
    model = Fn(lambda x: x.view(2, 18))
    with pytest.raises(cynn.onnx.OnnxExporterError,
                       match=r"failed when its inputs' dynamic axes had other sizes \(\[5, 3, 6\]"):
        export_to_proto(model, cynn.randn(2, 3, 6), input_names=["x"],
                        dynamic_axes={"x": {0: "batch"}})


@pytest.mark.parametrize("forward, op, shown", [
    (lambda x: x.sum(0) / x.size(0), "Div", "is 2 here but 5 when"),
    # the length grows from 3 to 8 in the second run
    (lambda x: x[:, :x.size(1) - 1], "Slice", "slice(None, 2, None)) here but "
                                              "(slice(None, None, None), slice(None, 7, None))"),
], ids=["mean_by_hand", "slice_end"])
def test_a_number_computed_from_a_dynamic_size_is_refused(forward, op, shown):
    # the graph would hold the traced number: refused rather than exported wrong
    with pytest.raises(cynn.onnx.UnsupportedOperatorError, match=rf"'{op}'.*argument") as error:
        export_to_proto(Fn(forward), cynn.randn(2, 3, 6), input_names=["x"],
                        dynamic_axes={"x": {0: "batch", 1: "length"}})
    assert shown in str(error.value)
