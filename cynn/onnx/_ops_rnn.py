"""ONNX export of the recurrent stacks (``autograd/functions/rnn.py``) as ONNX's LSTM,
GRU and RNN nodes, one node per layer (bidirectional layers in one node).

ONNX orders the gates differently (LSTM ``i o f c`` for torch's ``i f g o``; GRU
``z r h`` for torch's ``r z n``), keeps both directions' weights in one tensor and
wants ``(seq, batch, features)`` input: the weights are rearranged here, as constants,
and the packed ``(steps * batch, features)`` rows the stack takes are reshaped back.
GRU uses ``linear_before_reset=1``, torch's formula (``r * (W_hn h + b_hn)``). Packed
sequences of unequal lengths, LSTM projections and training-time dropout have no
ONNX counterpart and raise.
"""
import numpy as np

from ..autograd.functions import rnn as RNN
from ._ops import _ints, _unsupported
from ._table import builtin
from .graph import Value

# the rows of torch's stacked gate weights, in the order ONNX wants them
_ONNX_GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


def _gates(array, mode, hidden):
    blocks = array.reshape((len(_ONNX_GATE_ORDER[mode]), hidden) + array.shape[1:])
    return np.concatenate([blocks[i] for i in _ONNX_GATE_ORDER[mode]], axis=0)


def _constant(value, what):
    if value.constant is None:
        raise _unsupported("RNN", f"{what} must be a parameter (a constant of the graph)")
    return value.constant


@builtin(RNN.RNNStack, RNN.LSTMStack, RNN.GRUStack, RNN.RNNTanhStack, RNN.RNNReluStack)
def _rnn_stack(g, x, h0, c0, *weights, mode, num_layers, bidirectional, batch_sizes, has_bias,
               proj_size, dropout_masks=None):
    if proj_size:
        raise _unsupported("LSTM", "proj_size (ONNX's LSTM has no projection)")
    if dropout_masks is not None:
        raise _unsupported("RNN", "dropout between layers in training mode (export in eval)")
    sizes = np.asarray(batch_sizes.constant if isinstance(batch_sizes, Value) else batch_sizes)
    if sizes.size and np.any(sizes != sizes[0]):
        raise _unsupported("RNN", "a packed sequence of unequal lengths")
    steps = int(sizes.size)
    directions = 2 if bidirectional else 1
    per_direction = (4 if has_bias else 2)
    gates = RNN.gate_count(mode)
    hidden = weights[1].shape[1]
    dtype = x.dtype
    # (steps * batch, in) -> (steps, batch, in); the batch stays dynamic
    layer_input = g.op("Reshape", x, _ints(g, [steps, -1, x.shape[-1]]))
    h_finals, c_finals = [], []
    for layer in range(num_layers):
        Ws, Rs, Bs = [], [], []
        for d in range(directions):
            base = (layer * directions + d) * per_direction
            w_ih = _constant(weights[base], "weight_ih")
            w_hh = _constant(weights[base + 1], "weight_hh")
            Ws.append(_gates(w_ih, mode, hidden))
            Rs.append(_gates(w_hh, mode, hidden))
            if has_bias:
                b_ih = _constant(weights[base + 2], "bias_ih")
                b_hh = _constant(weights[base + 3], "bias_hh")
                Bs.append(np.concatenate([_gates(b_ih, mode, hidden),
                                          _gates(b_hh, mode, hidden)]))
        inputs = [layer_input, g.constant(np.stack(Ws).astype(dtype)),
                  g.constant(np.stack(Rs).astype(dtype)),
                  g.constant(np.stack(Bs).astype(dtype)) if has_bias else None, None]
        rows = _ints(g, [layer * directions]), _ints(g, [(layer + 1) * directions])
        inputs.append(g.op("Slice", h0, *rows, _ints(g, [0])) if h0 is not None else None)
        if mode == "LSTM":
            inputs.append(g.op("Slice", c0, *rows, _ints(g, [0])) if c0 is not None else None)
        attributes = dict(hidden_size=hidden,
                          direction="bidirectional" if bidirectional else "forward")
        if mode == "GRU":
            attributes["linear_before_reset"] = 1
        if mode in ("RNN_TANH", "RNN_RELU"):
            attributes["activations"] = ["Tanh" if mode == "RNN_TANH" else "Relu"] * directions
        op_type = {"LSTM": "LSTM", "GRU": "GRU"}.get(mode, "RNN")
        outputs = g.op(op_type, *inputs, outputs=3 if mode == "LSTM" else 2, **attributes)
        y, y_h = outputs[0], outputs[1]
        # Y (seq, directions, batch, hidden) -> (seq, batch, directions * hidden)
        y = g.op("Transpose", y, perm=[0, 2, 1, 3])
        layer_input = g.op("Reshape", y, _ints(g, [0, 0, -1]))
        h_finals.append(y_h)
        if mode == "LSTM":
            c_finals.append(outputs[2])
    out = g.op("Reshape", layer_input, _ints(g, [-1, directions * hidden]))
    h_n = h_finals[0] if num_layers == 1 else g.op("Concat", *h_finals, axis=0)
    if mode != "LSTM":
        return out, h_n
    c_n = c_finals[0] if num_layers == 1 else g.op("Concat", *c_finals, axis=0)
    return out, h_n, c_n
