"""ONNX export of the recurrent stacks (``autograd/functions/rnn.py``) as ONNX's LSTM,
GRU and RNN nodes, one node per layer (bidirectional layers in one node).

ONNX orders the gates differently (LSTM ``i o f c`` for torch's ``i f g o``; GRU
``z r h`` for torch's ``r z n``), keeps both directions' weights in one tensor and
wants ``(seq, batch, features)`` input: the weights are rearranged here, as constants,
and the packed ``(steps * batch, features)`` rows the stack takes are reshaped back.
GRU uses ``linear_before_reset=1``, torch's formula (``r * (W_hn h + b_hn)``). An
LSTM with ``proj_size`` has no ONNX node: it is unrolled over the traced steps. A
packed sequence of unequal lengths is padded for the nodes, which take each
sequence's length (``sequence_lens``). Training-time dropout raises.
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
    if value is None or value.constant is None:
        raise _unsupported("RNN", f"{what} must be a parameter (a constant of the graph)")
    return value.constant


@builtin(RNN.RNNStack, RNN.LSTMStack, RNN.GRUStack, RNN.RNNTanhStack, RNN.RNNReluStack)
def _rnn_stack(g, x, h0, c0, *weights, mode, num_layers, bidirectional, batch_sizes, has_bias,
               proj_size, dropout_masks=None):
    if dropout_masks is not None:
        raise _unsupported("RNN", "dropout between layers in training mode (export in eval)")
    sizes = np.asarray(batch_sizes.constant if isinstance(batch_sizes, Value) else batch_sizes)
    steps = int(sizes.size)
    other_steps = batch_sizes.other_shape[0] if isinstance(batch_sizes, Value) else steps
    if sizes.size and np.any(sizes != sizes[0]):
        return _packed_stack(g, x, h0, c0, weights, mode, num_layers, bidirectional,
                             sizes, has_bias, proj_size, other_steps)
    if proj_size and other_steps != steps:
        raise _unsupported("LSTM", "proj_size with a dynamic sequence axis (ONNX's LSTM has "
                                   "no projection, so the layer is unrolled over the traced "
                                   "steps)")
    directions = 2 if bidirectional else 1
    per_direction = 2 + 2 * has_bias + (proj_size > 0)
    hidden = weights[1].shape[0] // RNN.gate_count(mode)
    # (steps * batch, in) -> (steps, batch, in), with the run-time steps and batch when
    # they follow dynamic axes
    sequence = Value(None, (steps, x.shape[0] // max(steps, 1), x.shape[-1]), x.dtype,
                     other_shape=(other_steps, x.other_shape[0] // max(other_steps, 1),
                                  x.shape[-1]))
    layer_input = g.op("Reshape", x, g.sizes.shape_of(sequence, reshape_of=x))
    h_finals, c_finals = [], []
    for layer in range(num_layers):
        params = _layer_weights(weights, layer, directions, per_direction)
        first_h, first_c = _layer_states(g, h0, c0, layer, directions)
        if proj_size:
            layer_input, h_n, c_n = _projected_lstm_layer(g, layer_input, first_h, first_c,
                                                          params, has_bias, steps, hidden,
                                                          x.dtype)
        else:
            layer_input, h_n, c_n = _onnx_layer(g, layer_input, first_h, first_c, params,
                                                mode, has_bias, hidden, x.dtype)
        h_finals.append(h_n)
        c_finals.append(c_n)
    out = g.op("Reshape", layer_input, _ints(g, [-1, directions * (proj_size or hidden)]))
    return _with_final_states(g, out, h_finals, c_finals, mode)


def _with_final_states(g, out, h_finals, c_finals, mode):
    """The stack's outputs: ``out``, then every layer's final ``h`` (and ``c`` for an
    LSTM) stacked along the layers."""
    def stacked(finals):
        return finals[0] if len(finals) == 1 else g.op("Concat", *finals, axis=0)
    return (out, stacked(h_finals)) if mode != "LSTM" else \
        (out, stacked(h_finals), stacked(c_finals))


def _layer_weights(weights, layer, directions, per_direction):
    """Each direction's weight arrays of ``layer``, in torch's flat order."""
    return [[_constant(w, "the weights") for w in
             weights[k * per_direction:(k + 1) * per_direction]]
            for k in range(layer * directions, (layer + 1) * directions)]


def _layer_states(g, h0, c0, layer, directions):
    """The rows of ``h0`` and ``c0`` (None: zeros) that start ``layer``."""
    rows = _ints(g, [layer * directions]), _ints(g, [(layer + 1) * directions])
    return tuple(g.op("Slice", state, *rows, _ints(g, [0])) if state is not None else None
                 for state in (h0, c0))


def _packed_stack(g, x, h0, c0, weights, mode, num_layers, bidirectional, sizes, has_bias,
                  proj_size, other_steps):
    """The stack over a packed sequence of unequal lengths (``sizes``, the rows of each
    step): the packed rows are gathered into a zero-padded ``(steps, batch, in)``
    sequence, each layer's node is told every sequence's length (ONNX's
    ``sequence_lens``, which also makes ``Y_h`` each sequence's last state), and the
    last layer's output is gathered back into packed rows. The lengths are constants,
    so the batch and the steps stay as traced."""
    if proj_size:
        raise _unsupported("LSTM", "proj_size with a packed sequence of unequal lengths")
    if x.dynamic or other_steps != sizes.size:
        raise _unsupported("RNN", "a packed sequence of unequal lengths with dynamic axes "
                                  "(its lengths are constants of the graph)")
    steps, batch = int(sizes.size), int(sizes[0])
    lengths = (sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    valid = np.arange(batch)[None, :] < sizes[:, None]                  # (steps, batch)
    # row of packed x for each (step, sequence); the extra zero row pads
    rows = np.where(valid, offsets[:, None] + np.arange(batch)[None, :], x.shape[0])
    padded = g.op("Gather", g.op("Concat", x, g.constant(np.zeros((1, x.shape[1]), x.dtype)),
                                 axis=0), g.constant(rows.astype(np.int64)), axis=0)
    directions = 2 if bidirectional else 1
    per_direction = 2 + 2 * has_bias
    hidden = weights[1].shape[0] // RNN.gate_count(mode)
    sequence_lens = g.constant(lengths.astype(np.int32))
    layer_input, h_finals, c_finals = padded, [], []
    for layer in range(num_layers):
        params = _layer_weights(weights, layer, directions, per_direction)
        first_h, first_c = _layer_states(g, h0, c0, layer, directions)
        layer_input, h_n, c_n = _onnx_layer(g, layer_input, first_h, first_c, params, mode,
                                            has_bias, hidden, x.dtype, sequence_lens)
        h_finals.append(h_n)
        c_finals.append(c_n)
    flat = g.op("Reshape", layer_input, _ints(g, [steps * batch, directions * hidden]))
    packed_rows = (np.arange(steps)[:, None] * batch + np.arange(batch)[None, :])[valid]
    out = g.op("Gather", flat, g.constant(packed_rows.astype(np.int64)), axis=0)
    return _with_final_states(g, out, h_finals, c_finals, mode)


def _onnx_layer(g, layer_input, h0, c0, params, mode, has_bias, hidden, dtype,
                sequence_lens=None):
    """One layer (both directions) as ONNX's LSTM, GRU or RNN node: ``(output (steps,
    batch, directions * hidden), h_n, c_n or None)``."""
    directions = len(params)
    Ws = [_gates(p[0], mode, hidden) for p in params]
    Rs = [_gates(p[1], mode, hidden) for p in params]
    Bs = [np.concatenate([_gates(p[2], mode, hidden), _gates(p[3], mode, hidden)])
          for p in params] if has_bias else None
    inputs = [layer_input, g.constant(np.stack(Ws).astype(dtype)),
              g.constant(np.stack(Rs).astype(dtype)),
              g.constant(np.stack(Bs).astype(dtype)) if has_bias else None, sequence_lens, h0]
    if mode == "LSTM":
        inputs.append(c0)
    attributes = dict(hidden_size=hidden,
                      direction="bidirectional" if directions == 2 else "forward")
    if mode == "GRU":
        attributes["linear_before_reset"] = 1
    if mode in ("RNN_TANH", "RNN_RELU"):
        attributes["activations"] = ["Tanh" if mode == "RNN_TANH" else "Relu"] * directions
    op_type = {"LSTM": "LSTM", "GRU": "GRU"}.get(mode, "RNN")
    outputs = g.op(op_type, *inputs, outputs=3 if mode == "LSTM" else 2, **attributes)
    # Y (seq, directions, batch, hidden) -> (seq, batch, directions * hidden)
    y = g.op("Transpose", outputs[0], perm=[0, 2, 1, 3])
    y = g.op("Reshape", y, _ints(g, [0, 0, -1]))
    return y, outputs[1], outputs[2] if mode == "LSTM" else None


def _projected_lstm_layer(g, layer_input, h0, c0, params, has_bias, steps, hidden, dtype):
    """One LSTM layer with ``proj_size`` (both directions), unrolled over the ``steps``
    time steps (ONNX's LSTM has no projection):

        G = x_t W_ih^T + b_ih + h W_hh^T + b_hh,   i, f, g, o = split(G)
        c = sigmoid(f) c + sigmoid(i) tanh(g),     h = (sigmoid(o) tanh(c)) W_hr^T

    The input side of every step is one MatMul over the whole sequence."""
    outputs, h_finals, c_finals = [], [], []
    for d, p in enumerate(params):
        w_ih, w_hh = p[0].astype(dtype), p[1].astype(dtype)
        w_hr = p[-1].astype(dtype)
        gates = g.op("MatMul", layer_input, g.constant(np.ascontiguousarray(w_ih.T)))
        if has_bias:
            gates = g.op("Add", gates, g.constant((p[2] + p[3]).astype(dtype)))
        w_hh_t = g.constant(np.ascontiguousarray(w_hh.T))
        w_hr_t = g.constant(np.ascontiguousarray(w_hr.T))
        state = _direction_state(g, h0, d), _direction_state(g, c0, d)
        ys = [None] * steps
        for t in (range(steps - 1, -1, -1) if d == 1 else range(steps)):
            step = g.op("Gather", gates, g.constant(np.array(t, np.int64)), axis=0)
            h, c = state
            if h is not None:
                step = g.op("Add", step, g.op("MatMul", h, w_hh_t))
            i, f, cell, o = g.op("Split", step, _ints(g, [hidden] * 4), axis=-1, outputs=4)
            candidate = g.op("Mul", g.op("Sigmoid", i), g.op("Tanh", cell))
            c = candidate if c is None else \
                g.op("Add", g.op("Mul", g.op("Sigmoid", f), c), candidate)
            h = g.op("MatMul", g.op("Mul", g.op("Sigmoid", o), g.op("Tanh", c)), w_hr_t)
            state = h, c
            ys[t] = g.op("Unsqueeze", h, _ints(g, [0]))
        outputs.append(g.op("Concat", *ys, axis=0))
        h_finals.append(g.op("Unsqueeze", state[0], _ints(g, [0])))
        c_finals.append(g.op("Unsqueeze", state[1], _ints(g, [0])))
    if len(params) == 1:
        return outputs[0], h_finals[0], c_finals[0]
    return (g.op("Concat", *outputs, axis=-1), g.op("Concat", *h_finals, axis=0),
            g.op("Concat", *c_finals, axis=0))


def _direction_state(g, state, d):
    """Direction ``d``'s ``(batch, size)`` slice of a layer's ``(directions, batch, size)``
    initial state; None (zeros: the first step then skips its recurrent terms)."""
    if state is None:
        return None
    return g.op("Gather", state, g.constant(np.array(d, np.int64)), axis=0)
