"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their single-step cells.

A layer's whole forward (all layers, both directions, every time step) is one
autograd Function (``cynn/autograd/functions/rnn.py``) whose backward runs through
time; a cell is the same Function over one step of one layer. Parameter names,
shapes, order and initialisation are PyTorch's, so state dicts load either way.
"""
import math
import numbers

import numpy as np

from ... import _creation
from ... import _random
from ... import _warnings
from ..._tensor import Tensor, _torch_type_name
from ...autograd.functions import rnn as _fn
from .. import init
from ..parameter import Parameter
from ..sequence_packing import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_STACKS = {"LSTM": _fn.LSTMStack, "GRU": _fn.GRUStack, "RNN_TANH": _fn.RNNTanhStack,
           "RNN_RELU": _fn.RNNReluStack}


def _check_size(value, name):
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be greater than zero")


class RNNBase(Module):
    """The parameters and the forward shared by ``RNN``, ``LSTM`` and ``GRU``.

    Args:
        mode (str): ``'LSTM'``, ``'GRU'``, ``'RNN_TANH'`` or ``'RNN_RELU'``.
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
        proj_size: as documented on ``LSTM``.

    Shape:
        as documented on ``RNN``, ``LSTM`` and ``GRU``.

    Attributes:
        weight_ih_l[k], weight_hh_l[k], bias_ih_l[k], bias_hh_l[k] (and ``weight_hr_l[k]``
        with ``proj_size``; ``_reverse`` for the backward direction): see ``LSTM``.
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        _check_size(input_size, "input_size")
        if dropout > 0 and num_layers == 1:
            _warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                           "non-zero dropout expects num_layers greater than 1, but got "
                           f"dropout={dropout} and num_layers={num_layers}")
        _check_size(hidden_size, "hidden_size")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _STACKS:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gate_size = _fn.gate_count(mode) * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size

        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for stem, shape in shapes:
                    name = f"{stem}_l{layer}{suffix}"
                    setattr(self, name, Parameter(_creation.empty(shape, dtype=dtype,
                                                                  device=device)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters per layer and direction: ``[[weight_ih_l0, weight_hh_l0, ...], ...]``."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self):
        """Nothing to do: cynn's kernels read the parameters where they are (PyTorch
        compacts them into one buffer for cuDNN)."""

    def reset_parameters(self):
        """Re-draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    # -- PyTorch's checks, in its order ------------------------------------------
    def check_input(self, input, batch_sizes):  # noqa: A002 -- PyTorch's argument name
        weight_dtype = self.weight_ih_l0.dtype
        if input.dtype != weight_dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight_dtype}). "
                f"Convert input: input.to({weight_dtype}), or convert model: "
                f"model.to({input.dtype})")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.shape[-1]:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")

    def get_expected_hidden_size(self, input, batch_sizes):  # noqa: A002
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.shape[0] if self.batch_first else input.shape[1]
        directions = 2 if self.bidirectional else 1
        hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * directions, mini_batch, hidden)

    def check_hidden_size(self, hx, expected_hidden_size,
                          msg="Expected hidden size {}, got {}"):
        if tuple(hx.shape) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(tuple(expected_hidden_size), list(hx.shape)))
        if hx.dtype != self.weight_ih_l0.dtype:
            raise RuntimeError(
                "mat1 and mat2 must have the same dtype, but got "
                f"{_torch_type_name(hx._data.dtype)} and "
                f"{_torch_type_name(self.weight_ih_l0._data.dtype)}")

    def check_forward_args(self, input, hidden, batch_sizes):  # noqa: A002
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return hx[:, permutation]

    # -- the shared forward -------------------------------------------------------
    def _prepare(self, input):  # noqa: A002
        """The packed data, batch sizes and permutations of ``input``; whether it was
        batched; PyTorch's dimension check first."""
        if isinstance(input, PackedSequence):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            return data, batch_sizes, sorted_indices, unsorted_indices, True
        if not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__}.forward(): input must be a Tensor or a "
                            f"PackedSequence, not {type(input).__name__}")
        if input.dim() not in (2, 3):
            kind = " tensor" if self.mode.startswith("RNN") else ""
            name = "RNN" if self.mode.startswith("RNN") else self.mode
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D"
                             f"{kind} instead")
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        return input, None, None, None, batched

    def _run(self, input, batch_sizes, h0, c0, sorted_indices,  # noqa: A002
             unsorted_indices, batched):
        """The stack's Function on the checked inputs; output and final states shaped
        (and permuted) as the input was."""
        if batch_sizes is None:
            x = input.transpose(0, 1) if self.batch_first else input
            steps, batch = x.shape[0], x.shape[1]
            if steps == 0:
                raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
            data = x.reshape(steps * batch, x.shape[2])
            sizes = np.full(steps, batch, dtype=np.int64)
        else:
            data = input
            sizes = np.asarray(batch_sizes.numpy(), dtype=np.int64)
            # a hand-made PackedSequence: the kernels index rows by these sizes
            if (sizes.ndim != 1 or sizes.shape[0] == 0 or sizes[-1] <= 0
                    or np.any(sizes[1:] > sizes[:-1]) or sizes.sum() != data.shape[0]):
                raise RuntimeError(
                    "PackedSequence: batch_sizes must be a non-empty, non-increasing sequence "
                    f"of positive sizes summing to data.size(0) ({data.shape[0]}), got "
                    f"{sizes.tolist()}")
        h0 = self.permute_hidden(h0, sorted_indices) if h0 is not None else None
        c0 = self.permute_hidden(c0, sorted_indices) if c0 is not None else None
        directions = 2 if self.bidirectional else 1
        hidden = self.proj_size or self.hidden_size
        masks = None
        if self.training and self.dropout > 0 and self.num_layers > 1:
            masks = _dropout_masks(self.num_layers - 1, (data.shape[0], directions * hidden),
                                   self.dropout, data._data.dtype)
        outs = _STACKS[self.mode].apply(
            data, h0, c0, *self._flat_weights, mode=self.mode, num_layers=self.num_layers,
            bidirectional=self.bidirectional, batch_sizes=sizes, has_bias=bool(self.bias),
            proj_size=self.proj_size, dropout_masks=masks)
        y, states = outs[0], [self.permute_hidden(s, unsorted_indices) for s in outs[1:]]
        if batch_sizes is not None:
            return PackedSequence(y, batch_sizes, sorted_indices, unsorted_indices), states
        y = y.reshape(steps, batch, y.shape[1])
        if self.batch_first:
            y = y.transpose(0, 1)
        if not batched:
            y = y.squeeze(0 if self.batch_first else 1)
            states = [s.squeeze(1) for s in states]
        return y, states

    def _hidden_3d(self, hx, batched, batch_sizes):
        """PyTorch's dimension rule for a single hidden state ``hx`` (RNN, GRU)."""
        if hx is None or batch_sizes is not None:
            return hx
        if batched:
            if hx.dim() != 3:
                raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got "
                                   f"{hx.dim()}-D tensor")
            return hx
        if hx.dim() != 2:
            raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got "
                               f"{hx.dim()}-D tensor")
        return hx.unsqueeze(1)

    def _forward_one_state(self, input, hx):  # noqa: A002
        """``(output, h_n)`` of the Elman RNN and GRU. (RNNBase itself has no forward, as
        in PyTorch.)"""
        data, batch_sizes, sorted_indices, unsorted_indices, batched = self._prepare(input)
        hx = self._hidden_3d(hx, batched, batch_sizes)
        if hx is not None:
            self.check_forward_args(data, hx, batch_sizes)
        else:
            self.check_input(data, batch_sizes)
        out, (h_n,) = self._run(data, batch_sizes, hx, None, sorted_indices, unsorted_indices,
                                batched)
        return out, h_n

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


def _dropout_masks(count, shape, p, dtype):
    """Training dropout between layers: ``count`` masks of ``shape``, each element kept
    with probability ``1 - p`` and scaled by ``1 / (1 - p)`` (cynn's seeded generator)."""
    if p >= 1:
        return [np.zeros(shape, dtype) for _ in range(count)]
    scale = np.asarray(1.0 / (1 - p), dtype)
    return [(_random.generator().random(shape, dtype=np.float32) < 1 - p).astype(dtype) * scale
            for _ in range(count)]


class RNN(RNNBase):
    """A multi-layer Elman RNN: for each layer and time step
    ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (``relu`` with
    ``nonlinearity='relu'``), ``x_t`` being the input for layer 0 and the previous
    layer's ``h_t`` (after dropout, in training) above it.

    Args:
        input_size (int): features of ``x``.
        hidden_size (int): features of ``h``.
        num_layers (int): stacked layers. Default: ``1``.
        nonlinearity (str): ``'tanh'`` (default) or ``'relu'``.
        bias (bool): learn ``b_ih`` and ``b_hh``. Default: ``True``.
        batch_first (bool): input and output are ``(N, L, *)`` rather than ``(L, N, *)``
            (not the hidden states). Default: ``False``.
        dropout (float): dropout probability on each layer's output but the last, in
            training. Default: ``0``.
        bidirectional (bool): add a layer running backwards in time per layer; outputs
            of both directions are concatenated. Default: ``False``.

    Shape:
        input ``(L, N, H_in)``, ``(N, L, H_in)`` with ``batch_first``, ``(L, H_in)``
        unbatched, or a ``PackedSequence``; ``hx`` ``(D * num_layers, N, H_out)`` or
        ``(D * num_layers, H_out)`` unbatched (zeros if not given), ``D`` = 2 if
        bidirectional else 1. Output ``(L, N, D * H_out)`` (packed like the input if it
        was), ``h_n`` ``(D * num_layers, N, H_out)``.

    Attributes:
        weight_ih_l[k]: ``(hidden_size, input_size)`` for k = 0, else
            ``(hidden_size, D * hidden_size)``.
        weight_hh_l[k]: ``(hidden_size, hidden_size)``.
        bias_ih_l[k], bias_hh_l[k]: ``(hidden_size,)``; all drawn from U(-1/sqrt(hidden_size),
            1/sqrt(hidden_size)). ``*_reverse``: the backward direction's.

    Example::

        >>> rnn = nn.RNN(10, 20, 2)
        >>> output, hn = rnn(cynn.randn(5, 3, 10), cynn.randn(2, 3, 20))
        >>> output.shape, hn.shape
        (cynn.Size([5, 3, 20]), cynn.Size([2, 3, 20]))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' "
                             "or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx=None):  # noqa: A002
        """``(output, h_n)``; see the class docstring."""
        return self._forward_one_state(input, hx)


class LSTM(RNNBase):
    """A multi-layer long short-term memory RNN: for each layer and time step

        i = sigmoid(x W_ii^T + b_ii + h W_hi^T + b_hi)      (input gate)
        f = sigmoid(x W_if^T + b_if + h W_hf^T + b_hf)      (forget gate)
        g = tanh(x W_ig^T + b_ig + h W_hg^T + b_hg)         (cell candidate)
        o = sigmoid(x W_io^T + b_io + h W_ho^T + b_ho)      (output gate)
        c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)    (times W_hr^T with proj_size)

    Args:
        input_size (int): features of ``x``.
        hidden_size (int): features of the cell state ``c`` (and of ``h`` without
            ``proj_size``).
        num_layers (int): stacked layers. Default: ``1``.
        bias (bool): learn ``b_ih`` and ``b_hh``. Default: ``True``.
        batch_first (bool): input and output are ``(N, L, *)``. Default: ``False``.
        dropout (float): dropout probability on each layer's output but the last, in
            training. Default: ``0``.
        bidirectional (bool): a second direction per layer. Default: ``False``.
        proj_size (int): if > 0, ``h_t`` is projected to this many features by
            ``weight_hr``. Default: ``0``.

    Shape:
        input ``(L, N, H_in)``, ``(N, L, H_in)`` with ``batch_first``, ``(L, H_in)``
        unbatched, or a ``PackedSequence``; ``(h_0, c_0)`` of ``(D * num_layers, N, H_out)``
        and ``(D * num_layers, N, H_cell)`` (without ``N`` unbatched; zeros if not given),
        with ``H_out = proj_size or hidden_size``, ``H_cell = hidden_size``, ``D`` = 2 if
        bidirectional else 1. Output ``(L, N, D * H_out)``, ``(h_n, c_n)`` shaped as
        ``(h_0, c_0)``.

    Attributes:
        weight_ih_l[k]: ``(4 * hidden_size, input_size)`` for k = 0, else
            ``(4 * hidden_size, D * H_out)``, gates in the order i, f, g, o.
        weight_hh_l[k]: ``(4 * hidden_size, H_out)``.
        bias_ih_l[k], bias_hh_l[k]: ``(4 * hidden_size,)``.
        weight_hr_l[k]: ``(proj_size, hidden_size)`` (only with ``proj_size > 0``).
        All drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)); ``*_reverse``: the
        backward direction's.

    Example::

        >>> rnn = nn.LSTM(10, 20, 2)
        >>> output, (hn, cn) = rnn(cynn.randn(5, 3, 10))
        >>> output.shape, hn.shape, cn.shape
        (cynn.Size([5, 3, 20]), cynn.Size([2, 3, 20]), cynn.Size([2, 3, 20]))
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input, batch_sizes):  # noqa: A002
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.shape[0] if self.batch_first else input.shape[1]
        directions = 2 if self.bidirectional else 1
        return (self.num_layers * directions, mini_batch, self.hidden_size)

    def check_forward_args(self, input, hidden, batch_sizes):  # noqa: A002
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def forward(self, input, hx=None):  # noqa: A002
        """``(output, (h_n, c_n))``; see the class docstring."""
        data, batch_sizes, sorted_indices, unsorted_indices, batched = self._prepare(input)
        if hx is not None and batch_sizes is None:
            if batched:
                if hx[0].dim() != 3 or hx[1].dim() != 3:
                    raise RuntimeError("For batched 3-D input, hx and cx should also be 3-D but "
                                       f"got ({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            else:
                if hx[0].dim() != 2 or hx[1].dim() != 2:
                    raise RuntimeError("For unbatched 2-D input, hx and cx should also be 2-D "
                                       f"but got ({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
                hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        if hx is not None:
            self.check_forward_args(data, hx, batch_sizes)
            h0, c0 = hx[0], hx[1]
        else:
            self.check_input(data, batch_sizes)
            h0 = c0 = None
        out, (h_n, c_n) = self._run(data, batch_sizes, h0, c0, sorted_indices,
                                    unsorted_indices, batched)
        return out, (h_n, c_n)


class GRU(RNNBase):
    """A multi-layer gated recurrent unit RNN: for each layer and time step

        r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)              (reset gate)
        z = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)              (update gate)
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))           (candidate)
        h_t = (1 - z) * n + z * h_{t-1}

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional:
            as for ``RNN``.

    Shape:
        as for ``RNN``: input ``(L, N, H_in)`` (``(N, L, H_in)`` with ``batch_first``,
        ``(L, H_in)`` unbatched, or packed), ``h_0`` ``(D * num_layers, N, H_out)``;
        output ``(L, N, D * H_out)``, ``h_n`` ``(D * num_layers, N, H_out)``.

    Attributes:
        weight_ih_l[k]: ``(3 * hidden_size, input_size)`` for k = 0, else
            ``(3 * hidden_size, D * hidden_size)``, gates in the order r, z, n.
        weight_hh_l[k]: ``(3 * hidden_size, hidden_size)``.
        bias_ih_l[k], bias_hh_l[k]: ``(3 * hidden_size,)``; all from
            U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Example::

        >>> rnn = nn.GRU(10, 20, 2)
        >>> output, hn = rnn(cynn.randn(5, 3, 10), cynn.randn(2, 3, 20))
        >>> output.shape
        cynn.Size([5, 3, 20])
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):  # noqa: A002
        """``(output, h_n)``; see the class docstring."""
        return self._forward_one_state(input, hx)


# -- cells ------------------------------------------------------------------------

def _dtype_error(a, b):
    return RuntimeError("mat1 and mat2 must have the same dtype, but got "
                        f"{_torch_type_name(a._data.dtype)} and "
                        f"{_torch_type_name(b._data.dtype)}")


class RNNCellBase(Module):
    """The parameters shared by the cells: ``weight_ih`` ``(num_chunks * hidden_size,
    input_size)``, ``weight_hh`` ``(num_chunks * hidden_size, hidden_size)``, and with
    ``bias`` ``bias_ih``, ``bias_hh`` ``(num_chunks * hidden_size,)``, all from
    U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Shape:
        see ``RNNCell``, ``LSTMCell``, ``GRUCell``.
    """

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(_creation.empty((num_chunks * hidden_size, input_size),
                                                   dtype=dtype, device=device))
        self.weight_hh = Parameter(_creation.empty((num_chunks * hidden_size, hidden_size),
                                                   dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(_creation.empty(num_chunks * hidden_size, dtype=dtype,
                                                     device=device))
            self.bias_hh = Parameter(_creation.empty(num_chunks * hidden_size, dtype=dtype,
                                                     device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if getattr(self, "bias", True) is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self):
        """Re-draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    # -- one step through the stack Function ---------------------------------------
    def _cell_input(self, input, states, names):  # noqa: A002
        """PyTorch's checks; the input and states as 2-d batches; whether batched."""
        cls = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{cls}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        for s, name in zip(states, names):
            if s is not None and s.dim() not in (1, 2):
                raise ValueError(f"{cls}: Expected {name} to be 1D or 2D, got {s.dim()}D "
                                 "instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
            states = [None if s is None else s.unsqueeze(0) for s in states]
        w = self.weight_ih
        if input.dtype != w.dtype:
            raise _dtype_error(input, w)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} "
                               f"expected {self.input_size}")
        for k, s in enumerate(states):
            if s is None:
                continue
            if s.shape[0] != input.shape[0]:
                raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match "
                                   f"hidden{k} batch size {s.shape[0]}")
            if s.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got "
                                   f"{s.shape[1]}, expected {self.hidden_size}")
            if s.dtype != w.dtype:
                raise _dtype_error(s, w)
        return input, states, batched

    def _step(self, mode, input, states):  # noqa: A002
        """One step of one layer: the final states, each ``(N, hidden_size)``."""
        batch = input.shape[0]
        weights = [self.weight_ih, self.weight_hh]
        if self.bias:
            weights += [self.bias_ih, self.bias_hh]
        h0 = None if states[0] is None else states[0].unsqueeze(0)
        c0 = None if len(states) < 2 or states[1] is None else states[1].unsqueeze(0)
        outs = _STACKS[mode].apply(
            input, h0, c0, *weights, mode=mode, num_layers=1, bidirectional=False,
            batch_sizes=np.array([batch], dtype=np.int64), has_bias=bool(self.bias),
            proj_size=0, dropout_masks=None)
        # the output of a one-step layer is its final hidden state
        return [outs[0]] + [s.reshape(batch, self.hidden_size) for s in outs[2:]]


class RNNCell(RNNCellBase):
    """One Elman RNN step: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu).

    Args:
        input_size (int): features of ``x``.
        hidden_size (int): features of ``h``.
        bias (bool): learn ``b_ih`` and ``b_hh``. Default: ``True``.
        nonlinearity (str): ``'tanh'`` (default) or ``'relu'``.

    Shape:
        input ``(N, H_in)`` or ``(H_in)``; hidden ``(N, H_out)`` or ``(H_out)`` (zeros if
        not given); output ``(N, H_out)`` or ``(H_out)``.

    Attributes:
        weight_ih: ``(hidden_size, input_size)``; weight_hh: ``(hidden_size, hidden_size)``;
        bias_ih, bias_hh: ``(hidden_size,)``; all from U(-1/sqrt(hidden_size),
        1/sqrt(hidden_size)).

    Example::

        >>> cell = nn.RNNCell(10, 20)
        >>> cell(cynn.randn(3, 10), cynn.randn(3, 20)).shape
        cynn.Size([3, 20])
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):  # noqa: A002
        x, (h,), batched = self._cell_input(input, [hx], ["hidden"])
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        (h,) = self._step(mode, x, [h])
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step (gates as in ``LSTM``): ``(h', c')`` from ``x`` and ``(h, c)``.

    Args:
        input_size (int): features of ``x``.
        hidden_size (int): features of ``h`` and ``c``.
        bias (bool): learn ``b_ih`` and ``b_hh``. Default: ``True``.

    Shape:
        input ``(N, H_in)`` or ``(H_in)``; ``(h_0, c_0)`` each ``(N, H)`` or ``(H)`` (zeros
        if not given); output ``(h_1, c_1)`` shaped alike.

    Attributes:
        weight_ih: ``(4 * hidden_size, input_size)``; weight_hh: ``(4 * hidden_size,
        hidden_size)``; bias_ih, bias_hh: ``(4 * hidden_size,)``; gates i, f, g, o; all from
        U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Example::

        >>> cell = nn.LSTMCell(10, 20)
        >>> h, c = cell(cynn.randn(3, 10))
        >>> h.shape, c.shape
        (cynn.Size([3, 20]), cynn.Size([3, 20]))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):  # noqa: A002
        states = [None, None] if hx is None else [hx[0], hx[1]]
        x, states, batched = self._cell_input(input, states, ["hx[0]", "hx[1]"])
        h, c = self._step("LSTM", x, states)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step (gates as in ``GRU``): ``h'`` from ``x`` and ``h``.

    Args:
        input_size (int): features of ``x``.
        hidden_size (int): features of ``h``.
        bias (bool): learn ``b_ih`` and ``b_hh``. Default: ``True``.

    Shape:
        input ``(N, H_in)`` or ``(H_in)``; hidden ``(N, H_out)`` or ``(H_out)`` (zeros if
        not given); output shaped as the hidden state.

    Attributes:
        weight_ih: ``(3 * hidden_size, input_size)``; weight_hh: ``(3 * hidden_size,
        hidden_size)``; bias_ih, bias_hh: ``(3 * hidden_size,)``; gates r, z, n; all from
        U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Example::

        >>> cell = nn.GRUCell(10, 20)
        >>> cell(cynn.randn(3, 10)).shape
        cynn.Size([3, 20])
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):  # noqa: A002
        x, (h,), batched = self._cell_input(input, [hx], ["hidden"])
        (h,) = self._step("GRU", x, [h])
        return h if batched else h.squeeze(0)
