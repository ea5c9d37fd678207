"""ONNX export of LSTM, GRU and RNN stacks with a symbolic batch (and sequence) axis,
checked by ONNX Runtime against cynn at batch sizes other than the traced one.

The layers are exported as they are: their nested outputs ``(output, (h_n, c_n))``
become three graph outputs, and the initial states are graph inputs when given."""
import onnx
import pytest

import cynn
from cynn import nn
from onnx_export_check import check_dynamic_export, op_types

LAYERS = {
    "lstm": (lambda **kw: nn.LSTM(5, 7, **kw), "LSTM"),
    "lstm_2layer_bidirectional": (
        lambda **kw: nn.LSTM(5, 4, num_layers=2, bidirectional=True, **kw), "LSTM"),
    "lstm_2layer_dropout": (lambda **kw: nn.LSTM(5, 4, num_layers=2, dropout=0.5, **kw), "LSTM"),
    "lstm_proj": (lambda **kw: nn.LSTM(5, 6, proj_size=3, **kw), "MatMul"),
    "lstm_proj_2layer_bidirectional_no_bias": (
        lambda **kw: nn.LSTM(5, 6, num_layers=2, bidirectional=True, proj_size=4, bias=False,
                             **kw), "MatMul"),
    "gru_2layer": (lambda **kw: nn.GRU(5, 6, num_layers=2, **kw), "GRU"),
    "gru_bidirectional_no_bias": (lambda **kw: nn.GRU(5, 3, bidirectional=True, bias=False,
                                                      **kw), "GRU"),
    "rnn_relu": (lambda **kw: nn.RNN(5, 6, nonlinearity="relu", **kw), "RNN"),
    "rnn_tanh_2layer_bidirectional": (
        lambda **kw: nn.RNN(5, 4, bidirectional=True, num_layers=2, **kw), "RNN"),
}
STEPS, FEATURES = 4, 5


class WithInitialState(nn.Module):
    """The layer called with initial states passed in as graph inputs."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x, h0, c0=None):
        return self.rnn(x, h0 if c0 is None else (h0, c0))


def _states(rnn, batch):
    """Random ``h0`` (and ``c0`` for an LSTM) for ``batch`` sequences."""
    rows = rnn.num_layers * (2 if rnn.bidirectional else 1)
    h0 = cynn.randn(rows, batch, rnn.proj_size or rnn.hidden_size)
    if rnn.mode != "LSTM":
        return (h0,)
    return h0, cynn.randn(rows, batch, rnn.hidden_size)


def _symbolic_dims(proto, name):
    value = [v for v in [*proto.graph.input, *proto.graph.output] if v.name == name][0]
    return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]


@pytest.mark.parametrize("initial_state", [False, True], ids=["zero_state", "initial_state"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["time_major", "batch_first"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_recurrent_layer_with_a_dynamic_batch(name, batch_first, initial_state):
    factory, op = LAYERS[name]
    cynn.manual_seed(0)
    rnn = factory(batch_first=batch_first)
    batch_axis = 0 if batch_first else 1

    def make_inputs(batch):
        shape = (batch, STEPS, FEATURES) if batch_first else (STEPS, batch, FEATURES)
        x = cynn.randn(*shape)
        return (x, *_states(rnn, batch)) if initial_state else (x,)

    names = ["x", "h0", "c0"][:len(make_inputs(2))]
    axes = {"x": {batch_axis: "batch"}, "h0": {1: "batch"}, "c0": {1: "batch"}}
    model = WithInitialState(rnn) if initial_state else rnn
    proto = check_dynamic_export(model, make_inputs, (2, 3, 1), names,
                                 {n: axes[n] for n in names})
    assert op in op_types(proto)
    # the batch is symbolic in the outputs too: output, h_n (and c_n)
    assert _symbolic_dims(proto, "output_0")[batch_axis] == "batch"
    assert [_symbolic_dims(proto, f"output_{i}")[1] for i in range(1, len(proto.graph.output))] \
        == ["batch"] * (len(proto.graph.output) - 1)


@pytest.mark.parametrize("name", sorted(n for n in LAYERS if "proj" not in n))
def test_dynamic_batch_and_sequence_length(name):
    factory, op = LAYERS[name]
    cynn.manual_seed(1)
    rnn = factory()
    proto = check_dynamic_export(rnn, lambda size: (cynn.randn(size[1], size[0], FEATURES),),
                                 [(2, 4), (3, 7), (1, 2)], ["x"],
                                 {"x": {0: "steps", 1: "batch"}})
    # one ONNX node per layer, whatever the number of steps
    assert op_types(proto).count(op) == rnn.num_layers
    assert _symbolic_dims(proto, "output_0")[:2] == ["steps", "batch"]


def test_unbatched_sequence_with_a_dynamic_length():
    cynn.manual_seed(2)
    check_dynamic_export(nn.GRU(5, 6, num_layers=2), lambda steps: (cynn.randn(steps, FEATURES),),
                         (4, 6, 1), ["x"], {"x": {0: "steps"}})


def test_a_projected_lstm_is_unrolled_over_the_traced_steps():
    cynn.manual_seed(3)
    rnn = nn.LSTM(5, 6, proj_size=3)
    proto = check_dynamic_export(rnn, lambda batch: (cynn.randn(STEPS, batch, FEATURES),),
                                 (2, 3), ["x"], {"x": {1: "batch"}})
    assert "LSTM" not in op_types(proto)
    # one recurrent product and one projection per step
    assert op_types(proto).count("MatMul") == 1 + (STEPS - 1) + STEPS


def test_a_projected_lstm_with_a_dynamic_sequence_length_is_refused():
    from cynn.onnx.errors import UnsupportedOperatorError
    with pytest.raises(UnsupportedOperatorError, match="proj_size with a dynamic sequence"):
        check_dynamic_export(nn.LSTM(5, 6, proj_size=3),
                             lambda size: (cynn.randn(size, 2, FEATURES),), (4, 5), ["x"],
                             {"x": {0: "steps"}})


def test_a_recurrent_model_traced_without_dynamic_axes_keeps_static_sizes():
    from onnx_export_check import export_to_proto
    proto = export_to_proto(nn.GRU(5, 6), cynn.randn(STEPS, 2, FEATURES), input_names=["x"])
    onnx.checker.check_model(proto, full_check=True)
    assert _symbolic_dims(proto, "output_0") == [STEPS, 2, 6]


class Packed(nn.Module):
    """pack_padded_sequence -> the layer -> pad_packed_sequence, for fixed lengths."""

    def __init__(self, rnn, lengths, enforce_sorted):
        super().__init__()
        self.rnn, self.lengths, self.enforce_sorted = rnn, lengths, enforce_sorted

    def forward(self, x, *state):
        from cynn.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
        packed = pack_padded_sequence(x, self.lengths, batch_first=self.rnn.batch_first,
                                      enforce_sorted=self.enforce_sorted)
        initial = None if not state else state[0] if len(state) == 1 else state
        out, final = self.rnn(packed, initial)
        return pad_packed_sequence(out, batch_first=self.rnn.batch_first)[0], final


@pytest.mark.parametrize("initial_state", [False, True], ids=["zero_state", "initial_state"])
@pytest.mark.parametrize("lengths", [[4, 3, 1], [2, 4, 3]], ids=["sorted", "unsorted"])
@pytest.mark.parametrize("name", sorted(n for n in LAYERS if "proj" not in n))
def test_packed_sequences_of_unequal_lengths(name, lengths, initial_state):
    factory, op = LAYERS[name]
    cynn.manual_seed(4)
    rnn = factory(batch_first=name.startswith("gru"))
    model = Packed(rnn, lengths, enforce_sorted=lengths == sorted(lengths, reverse=True))
    batch = len(lengths)

    def make_inputs(_):
        shape = (batch, STEPS, FEATURES) if rnn.batch_first else (STEPS, batch, FEATURES)
        return (cynn.randn(*shape), *(_states(rnn, batch) if initial_state else ()))

    names = ["x", "h0", "c0"][:len(make_inputs(0))]
    # the lengths are constants: the batch is static, checked on two draws of inputs
    proto = check_dynamic_export(model, make_inputs, (0, 1), names, {})
    assert op in op_types(proto)
    # each sequence's length goes to the node, which stops each sequence there
    node = [n for n in proto.graph.node if n.op_type == op][0]
    assert node.input[4] != ""


def test_packed_sequences_with_a_dynamic_batch_are_refused():
    model = Packed(nn.GRU(5, 3), [4, 2], enforce_sorted=True)
    with pytest.raises(cynn.onnx.OnnxExporterError, match="failed when its inputs' dynamic"):
        check_dynamic_export(model, lambda batch: (cynn.randn(STEPS, batch, FEATURES),), (2, 3),
                             ["x"], {"x": {1: "batch"}})


def test_a_projected_lstm_on_packed_sequences_of_unequal_lengths_is_refused():
    model = Packed(nn.LSTM(5, 6, proj_size=3), [4, 2], enforce_sorted=True)
    with pytest.raises(cynn.onnx.UnsupportedOperatorError, match="proj_size with a packed"):
        check_dynamic_export(model, lambda _: (cynn.randn(STEPS, 2, FEATURES),), (0,), ["x"], {})
