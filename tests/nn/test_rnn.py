"""nn.RNN, nn.LSTM, nn.GRU against torch: outputs, final states and the gradients of the
input, the initial states and every parameter over the option matrix (mode x layers x
bidirectional x batch_first x bias x proj_size x unbatched / padded / packed), float64
finite differences of the layer Function, parameter names, init and state dicts both
ways, dropout between layers, PyTorch's errors and warnings, empty batches, and one
graph node per forward."""
import math
import warnings

import numpy as np
import pytest

import cynn
from cynn.autograd.functions import rnn as rnn_fn
from cynn.nn.modules import rnn as modules
from cynn.nn.utils import rnn as rnn_utils
from _nn_parity import assert_close, assert_same_error, normalise_repr, rng, torch

TR = torch.nn.utils.rnn
# torch's note that oneDNN lacks projections (it then uses its default implementation)
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")

# float32 through a few layers and steps of sums: gradients accumulate over time
RTOL, ATOL = 1e-4, 2e-5
MODES = ["LSTM", "GRU", "RNN_TANH", "RNN_RELU"]
LENGTHS = [5, 2, 4]   # unsorted: packing has to sort and unsort the batch


def _classes(mode, lib):
    nn = lib.nn if lib is torch else modules
    kw = {}
    if mode.startswith("RNN"):
        kw["nonlinearity"] = "relu" if mode == "RNN_RELU" else "tanh"
        return nn.RNN, kw
    return getattr(nn, mode), kw


def _pair(mode, input_size=3, hidden_size=4, **options):
    """A cynn layer and a torch layer with the cynn layer's parameters."""
    c_cls, kw = _classes(mode, cynn)
    t_cls, _ = _classes(mode, torch)
    c = c_cls(input_size, hidden_size, **kw, **options)
    t = t_cls(input_size, hidden_size, **kw, **options)
    t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in c.state_dict().items()})
    return c, t


def _states(mode, layers, directions, batch, hidden, proj, seed):
    """Random initial states ((h0,) or (h0, c0)), unbatched when ``batch`` is None."""
    g = rng(seed)
    lead = (layers * directions,) if batch is None else (layers * directions, batch)
    h = g.standard_normal(lead + (proj or hidden,)).astype(np.float32)
    if mode != "LSTM":
        return [h]
    return [h, g.standard_normal(lead + (hidden,)).astype(np.float32)]


def _wrap_hx(mode, states):
    if not states:
        return None
    return tuple(states) if mode == "LSTM" else states[0]


def _flatten(out, mode):
    """[output (data if packed), h_n, (c_n)] of a layer's result."""
    y, hx = out
    if isinstance(y, (rnn_utils.PackedSequence, TR.PackedSequence)):
        y = y.data
    return [y] + (list(hx) if mode == "LSTM" else [hx])


def _compare(mode, c, t, x, states, kind, batch_first, seed=3):
    """Run both layers on ``x`` (padded (T, B, I), or B-first) as ``kind`` ('padded',
    'unbatched', 'packed') and compare results and every gradient."""
    c_x, t_x = cynn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    c_s = [cynn.tensor(s, requires_grad=True) for s in states]
    t_s = [torch.tensor(s, requires_grad=True) for s in states]

    def run(layer, inp, st, lib_utils):
        if kind == "packed":
            inp = lib_utils.pack_padded_sequence(inp, LENGTHS, batch_first=batch_first,
                                                 enforce_sorted=False)
        return _flatten(layer(inp, _wrap_hx(mode, st)), mode)

    c_out = run(c, c_x, c_s, rnn_utils)
    t_out = run(t, t_x, t_s, TR)
    g = rng(seed)
    c_loss = t_loss = 0
    for i, (co, to) in enumerate(zip(c_out, t_out)):
        assert_close(co, to, RTOL, ATOL, what=f"output {i}")
        w = g.standard_normal(tuple(to.shape)).astype(np.float32)
        c_loss = c_loss + (co * cynn.tensor(w)).sum()
        t_loss = t_loss + (to * torch.tensor(w)).sum()
    c_loss.backward()
    t_loss.backward()
    assert_close(c_x.grad, t_x.grad, RTOL, ATOL, what="input grad")
    for i, (cs, ts) in enumerate(zip(c_s, t_s)):
        assert_close(cs.grad, ts.grad, RTOL, ATOL, what=f"state {i} grad")
    t_params = dict(t.named_parameters())
    for name, p in c.named_parameters():
        assert_close(p.grad, t_params[name].grad, RTOL, ATOL, what=f"grad of {name}")


def _input(kind, batch_first, steps=5, batch=3, features=3, seed=0):
    g = rng(seed)
    if kind == "unbatched":
        return g.standard_normal((steps, features)).astype(np.float32)
    shape = (batch, steps, features) if batch_first else (steps, batch, features)
    return g.standard_normal(shape).astype(np.float32)


MATRIX = [(mode, layers, bidi, bf, bias, proj)
          for mode in MODES for layers in (1, 2) for bidi in (False, True)
          for bf in (False, True) for bias in (True, False)
          for proj in ((0, 2) if mode == "LSTM" else (0,))]


def _id(case):
    mode, layers, bidi, bf, bias, proj = case
    return (f"{mode}-L{layers}{'-bidi' if bidi else ''}{'-bf' if bf else ''}"
            f"{'' if bias else '-nobias'}{f'-proj{proj}' if proj else ''}")


@pytest.mark.parametrize("kind", ["padded", "unbatched", "packed"])
@pytest.mark.parametrize("case", MATRIX, ids=[_id(c) for c in MATRIX])
def test_layer_matches_torch(case, kind):
    mode, layers, bidi, bf, bias, proj = case
    options = dict(num_layers=layers, bidirectional=bidi, batch_first=bf, bias=bias)
    if proj:
        options["proj_size"] = proj
    c, t = _pair(mode, **options)
    x = _input(kind, bf)
    states = _states(mode, layers, 2 if bidi else 1, None if kind == "unbatched" else 3,
                     4, proj, seed=1)
    _compare(mode, c, t, x, states, kind, bf)


@pytest.mark.parametrize("kind", ["padded", "unbatched", "packed"])
@pytest.mark.parametrize("mode", MODES)
def test_without_initial_state_starts_from_zeros(mode, kind):
    c, t = _pair(mode, num_layers=2, bidirectional=True)
    _compare(mode, c, t, _input(kind, False), [], kind, False)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("packed", [False, True])
def test_large_batch_matches_torch(mode, packed):
    """Batches above and below rnn_fn._TRANSPOSED_BELOW: the recurrent product is taken in
    the other order there. Packed, the batch shrinks across the threshold within one
    sequence."""
    batch = rnn_fn._TRANSPOSED_BELOW + 12
    c, t = _pair(mode, num_layers=2, bidirectional=True)
    lengths = list(np.linspace(6, 1, batch).round().astype(int))
    x = rng(0).standard_normal((6, batch, 3)).astype(np.float32)
    c_x, t_x = cynn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    c_in, t_in = c_x, t_x
    if packed:
        c_in = rnn_utils.pack_padded_sequence(c_x, lengths)
        t_in = TR.pack_padded_sequence(t_x, lengths)
    c_out, t_out = _flatten(c(c_in), mode), _flatten(t(t_in), mode)
    for i, (co, to) in enumerate(zip(c_out, t_out)):
        assert_close(co, to, RTOL, ATOL, what=f"output {i}")
    sum((o * o).sum() for o in c_out).backward()
    sum((o * o).sum() for o in t_out).backward()
    assert_close(c_x.grad, t_x.grad, RTOL, ATOL, what="input grad")
    t_params = dict(t.named_parameters())
    for name, p in c.named_parameters():
        assert_close(p.grad, t_params[name].grad, RTOL, ATOL, what=f"grad of {name}")


@pytest.mark.parametrize("mode", MODES)
def test_float64_layer_matches_torch(mode):
    c, t = _pair(mode, num_layers=2, bidirectional=True)
    c.double()
    t.double()
    x = rng(2).standard_normal((4, 2, 3))
    c_y = _flatten(c(cynn.tensor(x)), mode)
    t_y = _flatten(t(torch.tensor(x)), mode)
    for co, to in zip(c_y, t_y):
        assert_close(co, to, 1e-10, 1e-12)


def _stack_inputs(mode, layers, bidi, bias, proj, steps=3, batch=2, features=3, hidden=3):
    """float64 inputs of the layer Function: x (packed layout), h0, c0 and the weights."""
    c, _ = _pair(mode, features, hidden, num_layers=layers, bidirectional=bidi, bias=bias,
                 **({"proj_size": proj} if proj else {}))
    g = rng(7)
    directions = 2 if bidi else 1
    x = g.standard_normal((steps * batch, features))
    h0 = g.standard_normal((layers * directions, batch, proj or hidden))
    c0 = g.standard_normal((layers * directions, batch, hidden)) if mode == "LSTM" else None
    weights = [p.detach().numpy().astype(np.float64) for p in c._flat_weights]
    return x, h0, c0, weights


@pytest.mark.parametrize("mode,layers,bidi,bias,proj", [
    ("LSTM", 2, True, True, 0), ("LSTM", 1, False, False, 2), ("LSTM", 2, True, True, 2),
    ("GRU", 2, True, True, 0), ("GRU", 1, False, False, 0),
    ("RNN_TANH", 2, True, True, 0), ("RNN_RELU", 1, True, False, 0)])
@pytest.mark.parametrize("packed", [False, True])
def test_layer_function_gradcheck(mode, layers, bidi, bias, proj, packed):
    steps, batch = 3, 3
    x, h0, c0, weights = _stack_inputs(mode, layers, bidi, bias, proj, steps, batch)
    sizes = np.array([3, 2, 1] if packed else [batch] * steps, dtype=np.int64)
    x = x[:sizes.sum()]
    stack = modules._STACKS[mode]

    def f(x, h0, *rest):
        c0, ws = (rest[0], rest[1:]) if mode == "LSTM" else (None, rest)
        return stack.apply(x, h0, c0, *ws, mode=mode, num_layers=layers, bidirectional=bidi,
                           batch_sizes=sizes, has_bias=bias, proj_size=proj)

    arrays = [x, h0] + ([c0] if mode == "LSTM" else []) + weights
    inputs = [cynn.tensor(a, requires_grad=True) for a in arrays]
    assert cynn.autograd.gradcheck(f, inputs)


@pytest.mark.parametrize("mode", MODES)
def test_module_gradcheck_float64(mode):
    """Through the module (reshapes, batch_first, unsorted packing): input and h0."""
    layer = _classes(mode, cynn)[0](3, 3, num_layers=2, batch_first=True,
                                    dtype=cynn.float64, **_classes(mode, cynn)[1])
    g = rng(4)
    x = cynn.tensor(g.standard_normal((3, 4, 3)), requires_grad=True)
    h0 = cynn.tensor(g.standard_normal((2, 3, 3)), requires_grad=True)
    c0 = cynn.tensor(g.standard_normal((2, 3, 3)), requires_grad=True)

    def f(x, h0, c0):
        packed = rnn_utils.pack_padded_sequence(x, [2, 4, 3], batch_first=True,
                                                enforce_sorted=False)
        out, hx = layer(packed, (h0, c0) if mode == "LSTM" else h0)
        return (out.data,) + (tuple(hx) if mode == "LSTM" else (hx,))

    assert cynn.autograd.gradcheck(f, [x, h0, c0] if mode == "LSTM" else [x, h0, c0.detach()])


@pytest.mark.parametrize("mode", MODES)
def test_weight_changed_in_place_after_forward_refuses_backward(mode):
    c_cls, kw = _classes(mode, cynn)
    layer = c_cls(3, 4, **kw)
    out = layer(cynn.randn(2, 1, 3))[0]
    with cynn.no_grad():
        layer.weight_hh_l0.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_no_graph_and_no_saved_buffers_without_grad():
    layer = modules.LSTM(3, 4, num_layers=2)
    with cynn.no_grad():
        out, (h, c) = layer(cynn.randn(5, 2, 3))
    assert out.grad_fn is None and h.grad_fn is None and not out.requires_grad


def test_one_graph_node_for_a_long_sequence():
    lstm = modules.LSTM(4, 8, num_layers=2)
    x = cynn.randn(100, 2, 4, requires_grad=True)
    out, (h, c) = lstm(x)
    node = out.grad_fn
    # the reshape over the stack node, nothing per time step
    assert node.name() in ("ViewBackward0", "UnsafeViewBackward0")
    stack = node.next_functions[0][0]
    assert stack.name() == "LSTMBackward0"
    assert h.grad_fn is stack and c.grad_fn is stack


# -- parameters, init, state dicts -------------------------------------------------------

@pytest.mark.parametrize("mode,options", [
    ("LSTM", dict(num_layers=2, bidirectional=True, proj_size=2)),
    ("LSTM", dict(num_layers=3, bias=False)),
    ("GRU", dict(num_layers=2, bidirectional=True)),
    ("RNN_RELU", dict(bias=False, bidirectional=True)),
    ("RNN_TANH", dict(num_layers=2, batch_first=True, dropout=0.3))])
def test_parameter_names_shapes_order_and_repr_match_torch(mode, options):
    c, t = _pair(mode, 5, 6, **options)
    c_named = [(n, tuple(p.shape)) for n, p in c.named_parameters()]
    t_named = [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert c_named == t_named
    assert c._flat_weights_names == t._flat_weights_names
    assert [[tuple(p.shape) for p in w] for w in c.all_weights] == \
        [[tuple(p.shape) for p in w] for w in t.all_weights]
    assert repr(c) == normalise_repr(repr(t))
    assert c.flatten_parameters() is None
    for attr in ("mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                 "dropout", "bidirectional", "proj_size"):
        assert getattr(c, attr) == getattr(t, attr), attr


@pytest.mark.parametrize("mode", MODES)
def test_state_dict_loads_both_ways(mode):
    options = dict(num_layers=2, bidirectional=True)
    if mode == "LSTM":
        options["proj_size"] = 2
    c_cls, kw = _classes(mode, cynn)
    t_cls, _ = _classes(mode, torch)
    t = t_cls(3, 4, **kw, **options)
    c = c_cls(3, 4, **kw, **options)
    result = c.load_state_dict({k: cynn.tensor(v.numpy()) for k, v in t.state_dict().items()})
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    x = rng(0).standard_normal((4, 2, 3)).astype(np.float32)
    for co, to in zip(_flatten(c(cynn.tensor(x)), mode), _flatten(t(torch.tensor(x)), mode)):
        assert_close(co, to, RTOL, ATOL)
    t2 = t_cls(3, 4, **kw, **options)
    t2.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in c.state_dict().items()})
    for name, p in t2.named_parameters():
        np.testing.assert_array_equal(p.detach().numpy(), t.state_dict()[name].numpy())


@pytest.mark.parametrize("mode", MODES)
def test_init_is_uniform_within_one_over_sqrt_hidden(mode):
    c_cls, kw = _classes(mode, cynn)
    layer = c_cls(7, 64, num_layers=2, bidirectional=True, **kw)
    bound = 1 / math.sqrt(64)
    values = np.concatenate([p.detach().numpy().ravel() for p in layer.parameters()])
    assert values.min() >= -bound and values.max() <= bound
    # spread over the whole interval, not a constant or a narrower law
    assert values.min() < -0.9 * bound and values.max() > 0.9 * bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.05 * bound


def test_device_and_dtype_arguments():
    layer = modules.GRU(3, 4, device="cpu", dtype=cynn.float64)
    assert all(p.dtype == cynn.float64 for p in layer.parameters())
    out, h = layer(cynn.randn(2, 1, 3, dtype=cynn.float64))
    assert out.dtype == cynn.float64 and h.dtype == cynn.float64


# -- dropout ------------------------------------------------------------------------------

def test_dropout_between_layers_only_in_training():
    c, t = _pair("LSTM", num_layers=3, dropout=0.5)
    x = rng(0).standard_normal((6, 2, 3)).astype(np.float32)
    c.train()
    a = c(cynn.tensor(x))[0].detach().numpy()
    b = c(cynn.tensor(x))[0].detach().numpy()
    assert not np.allclose(a, b)   # fresh masks each call
    c.eval()
    t.eval()
    assert_close(c(cynn.tensor(x))[0], t(torch.tensor(x))[0], RTOL, ATOL)


def test_dropout_one_zeroes_the_inputs_of_upper_layers():
    # p = 1 drops every output of layer 0: layer 1 sees zeros, as torch's does
    c, t = _pair("GRU", num_layers=2, dropout=1.0)
    x = rng(0).standard_normal((4, 2, 3)).astype(np.float32)
    c.train()
    t.train()
    assert_close(c(cynn.tensor(x))[0], t(torch.tensor(x))[0], RTOL, ATOL)


def test_dropout_gradient_flows_through_the_kept_units():
    layer = modules.RNN(3, 64, num_layers=2, dropout=0.5)
    x = cynn.randn(3, 2, 3, requires_grad=True)
    layer(x)[0].sum().backward()
    assert np.all(np.isfinite(x.grad.numpy())) and np.any(x.grad.numpy() != 0)
    # the same masks give the same result through the Function directly (mask = 0 or 2)
    masks = modules._dropout_masks(1, (6, 64), 0.5, np.float32)
    assert set(np.unique(masks[0])) <= {0.0, 2.0}
    assert 0.3 < (masks[0] == 0).mean() < 0.7


def test_dropout_warning_with_one_layer():
    for lib_cls in (modules.LSTM, torch.nn.LSTM):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib_cls(3, 4, dropout=0.2)
        messages = [str(w.message) for w in caught if w.category is UserWarning]
        assert messages == ["dropout option adds dropout after all but last recurrent layer, "
                            "so non-zero dropout expects num_layers greater than 1, but got "
                            "dropout=0.2 and num_layers=1"]


# -- errors ---------------------------------------------------------------------------------

def _constructor_errors():
    return [
        ("dropout > 1", lambda nn: nn.LSTM(3, 4, dropout=1.5)),
        ("dropout bool", lambda nn: nn.LSTM(3, 4, dropout=True)),
        ("dropout str", lambda nn: nn.GRU(3, 4, dropout="0.1")),
        ("hidden 0", lambda nn: nn.LSTM(3, 0)),
        ("hidden float", lambda nn: nn.LSTM(3, 4.0)),
        ("input 0", lambda nn: nn.GRU(0, 4)),
        ("input float", lambda nn: nn.RNN(3.5, 4)),
        ("layers 0", lambda nn: nn.LSTM(3, 4, 0)),
        ("layers float", lambda nn: nn.LSTM(3, 4, num_layers=1.5)),
        ("proj negative", lambda nn: nn.LSTM(3, 4, proj_size=-1)),
        ("proj too large", lambda nn: nn.LSTM(3, 4, proj_size=4)),
        ("GRU proj", lambda nn: nn.GRU(3, 4, proj_size=2)),
        ("RNN proj 0", lambda nn: nn.RNN(3, 4, proj_size=0)),
        ("nonlinearity", lambda nn: nn.RNN(3, 4, nonlinearity="sigmoid")),
        ("positional nonlinearity", lambda nn: nn.RNN(3, 4, 2, "gelu")),
        ("unknown keyword", lambda nn: nn.GRU(3, 4, foo=1)),
        ("mode", lambda nn: nn.RNNBase("FOO", 3, 4)),
        ("RNNBase has no forward", lambda nn: nn.RNNBase("LSTM", 3, 4)(
            (cynn if nn is modules else torch).zeros(2, 1, 3))),
    ]


@pytest.mark.parametrize("build", [b for _, b in _constructor_errors()],
                         ids=[n for n, _ in _constructor_errors()])
def test_constructor_errors_match_torch(build):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_error(lambda: build(modules), lambda: build(torch.nn))


def _forward_errors():
    def lstm(lib, *a):
        return (modules if lib is cynn else torch.nn).LSTM(10, 20, *a)

    def gru(lib, *a):
        return (modules if lib is cynn else torch.nn).GRU(10, 20, *a)

    def rnn(lib, *a):
        return (modules if lib is cynn else torch.nn).RNN(10, 20, *a)

    return [
        ("LSTM input size", lambda lib: lstm(lib)(lib.zeros(5, 3, 7))),
        ("LSTM h0 size", lambda lib: lstm(lib)(lib.zeros(5, 3, 10),
                                                (lib.zeros(1, 3, 7), lib.zeros(1, 3, 20)))),
        ("LSTM c0 size", lambda lib: lstm(lib)(lib.zeros(5, 3, 10),
                                                (lib.zeros(1, 3, 20), lib.zeros(1, 2, 20)))),
        ("LSTM 2-layer h0", lambda lib: lstm(lib, 2)(lib.zeros(5, 3, 10),
                                                     (lib.zeros(1, 3, 20), lib.zeros(2, 3, 20)))),
        ("LSTM unbatched 3-d hx", lambda lib: lstm(lib)(
            lib.zeros(5, 10), (lib.zeros(1, 3, 20), lib.zeros(1, 3, 20)))),
        ("LSTM batched 2-d hx", lambda lib: lstm(lib)(lib.zeros(5, 3, 10),
                                                       (lib.zeros(1, 20), lib.zeros(1, 20)))),
        ("LSTM mixed hx", lambda lib: lstm(lib)(lib.zeros(5, 3, 10),
                                                 (lib.zeros(1, 3, 20), lib.zeros(1, 20)))),
        ("LSTM 1-d input", lambda lib: lstm(lib)(lib.zeros(10))),
        ("LSTM 4-d input", lambda lib: lstm(lib)(lib.zeros(2, 5, 3, 10))),
        ("LSTM float64 input", lambda lib: lstm(lib)(lib.zeros(5, 3, 10, dtype=lib.float64))),
        ("LSTM int64 input", lambda lib: lstm(lib)(lib.zeros(5, 3, 10, dtype=lib.int64))),
        ("LSTM empty sequence", lambda lib: lstm(lib)(lib.zeros(0, 3, 10))),
        ("GRU input size", lambda lib: gru(lib)(lib.zeros(5, 3, 7))),
        ("GRU h0 size", lambda lib: gru(lib)(lib.zeros(5, 3, 10), lib.zeros(1, 3, 7))),
        ("GRU unbatched 3-d h0", lambda lib: gru(lib)(lib.zeros(5, 10), lib.zeros(1, 3, 20))),
        ("GRU batched 2-d h0", lambda lib: gru(lib)(lib.zeros(5, 3, 10), lib.zeros(1, 20))),
        ("GRU 1-d input", lambda lib: gru(lib)(lib.zeros(10))),
        ("GRU float64 h0", lambda lib: gru(lib)(lib.zeros(5, 3, 10),
                                                 lib.zeros(1, 3, 20, dtype=lib.float64))),
        ("RNN input size", lambda lib: rnn(lib)(lib.zeros(5, 3, 7))),
        ("RNN layers in h0", lambda lib: rnn(lib)(lib.zeros(5, 3, 10), lib.zeros(2, 3, 20))),
        ("RNN 1-d input", lambda lib: rnn(lib)(lib.zeros(10))),
        ("RNN unbatched h0", lambda lib: rnn(lib)(lib.zeros(5, 10), lib.zeros(1, 1, 20))),
        ("packed h0 size", lambda lib: gru(lib)(
            _utils(lib).pack_sequence([lib.zeros(3, 10), lib.zeros(2, 10)]),
            lib.zeros(1, 3, 20))),
    ]


def _utils(lib):
    return rnn_utils if lib is cynn else TR


@pytest.mark.parametrize("call", [c for _, c in _forward_errors()],
                         ids=[n for n, _ in _forward_errors()])
def test_forward_errors_match_torch(call):
    assert_same_error(lambda: call(cynn), lambda: call(torch))


@pytest.mark.parametrize("batch_sizes", [[2, 3], [2, 0], [3, 1], [], [[2, 1]]], ids=str)
def test_inconsistent_hand_made_packed_sequence_is_refused(batch_sizes):
    layer = modules.GRU(3, 4)
    packed = rnn_utils.PackedSequence(cynn.zeros(5, 3), cynn.tensor(batch_sizes,
                                                                    dtype=cynn.int64))
    with pytest.raises(RuntimeError, match="batch_sizes must be"):
        layer(packed)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("batch_first", [False, True])
def test_empty_batch_like_torch(mode, batch_first):
    c, t = _pair(mode, num_layers=2, bidirectional=True, batch_first=batch_first)
    shape = (0, 5, 3) if batch_first else (5, 0, 3)
    c_x = cynn.zeros(*shape, requires_grad=True)
    t_x = torch.zeros(*shape, requires_grad=True)
    c_out, t_out = _flatten(c(c_x), mode), _flatten(t(t_x), mode)
    for co, to in zip(c_out, t_out):
        assert tuple(co.shape) == tuple(to.shape)
    sum(o.sum() for o in c_out).backward()
    assert tuple(c_x.grad.shape) == shape
    assert all(p.grad is not None and not np.any(p.grad.numpy()) for p in c.parameters())


# -- threads ---------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("batch,hidden,layers", [(72, 256, 2), (16, 1024, 1)],
                         ids=["batch72", "batch16"])
def test_one_and_two_threads_give_identical_bits(mode, batch, hidden, layers):
    """Large enough that the kernels and GEMMs split the work (B * H >= 2^14), with the
    recurrent product in both of its orders (a batch above and below
    _TRANSPOSED_BELOW)."""
    c_cls, kw = _classes(mode, cynn)
    layer = c_cls(16, hidden, num_layers=layers, bidirectional=True, **kw)
    x_np = rng(0).standard_normal((3, batch, 16)).astype(np.float32)
    previous = cynn.get_num_threads()
    results = []
    try:
        for n in (1, 2):
            cynn.set_num_threads(n)
            layer.zero_grad()
            x = cynn.tensor(x_np, requires_grad=True)
            out = _flatten(layer(x), mode)
            sum((o * o).sum() for o in out).backward()
            results.append([o.detach().numpy().copy() for o in out] + [x.grad.numpy().copy()]
                           + [p.grad.numpy().copy() for p in layer.parameters()])
    finally:
        cynn.set_num_threads(previous)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
