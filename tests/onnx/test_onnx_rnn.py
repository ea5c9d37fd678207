"""ONNX export of LSTM, GRU and RNN stacks (ONNX's own recurrent nodes), checked by
ONNX Runtime against cynn. The layers reshape between (steps, batch) and packed rows
with the traced sizes, so a recurrent model exports for the example's batch size."""
import pytest

import cynn
from cynn import nn
from onnx_export_check import check_export, op_types


class Last(nn.Module):
    """The recurrent layer's output and final state, summed into one tensor."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        out, state = self.rnn(x)
        h = state[0] if isinstance(state, tuple) else state
        per_sample = out.sum(1 if self.rnn.batch_first else 0)
        return cynn.cat([per_sample, h.permute(1, 0, 2).flatten(1)], 1)


CASES = {
    "lstm": (lambda: nn.LSTM(5, 7), (6, 5), "LSTM"),
    "lstm_2layer_bidirectional_batch_first": (
        lambda: nn.LSTM(5, 4, num_layers=2, bidirectional=True, batch_first=True), (6, 5),
        "LSTM"),
    "gru_2layer": (lambda: nn.GRU(5, 6, num_layers=2), (4, 5), "GRU"),
    "gru_bidirectional_no_bias": (lambda: nn.GRU(5, 3, bidirectional=True, bias=False), (4, 5),
                                  "GRU"),
    "rnn_relu": (lambda: nn.RNN(5, 6, nonlinearity="relu"), (3, 5), "RNN"),
    "rnn_tanh_bidirectional": (lambda: nn.RNN(5, 4, bidirectional=True, num_layers=2), (3, 5),
                               "RNN"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_recurrent_layers_export(name):
    factory, shape, op = CASES[name]
    cynn.manual_seed(0)
    rnn = factory()
    model = Last(rnn)
    if not rnn.batch_first:
        model = TimeMajor(model)
    proto = check_export(model, shape, batch_sizes=(2,))
    assert op in op_types(proto)


class TimeMajor(nn.Module):
    """Feeds a batch-first example to a time-major layer (the export's dynamic axis is 0)."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x.transpose(0, 1))


def test_projection_is_refused_with_a_clear_error():
    from cynn.onnx.errors import UnsupportedOperatorError
    with pytest.raises(UnsupportedOperatorError, match="proj_size"):
        check_export(Last(nn.LSTM(5, 6, proj_size=3, batch_first=True)), (4, 5),
                     batch_sizes=(2,))
