"""nn.RNNCell, nn.LSTMCell, nn.GRUCell against torch: values and every gradient (batched,
unbatched, with and without a state, with and without bias), float64 finite
differences, parameters, init, repr, state dicts and PyTorch's errors."""
import math

import numpy as np
import pytest

import cynn
from cynn.nn.modules import rnn as modules
from _nn_parity import assert_close, assert_same_error, normalise_repr, rng, torch

CELLS = ["RNNCell", "RNNCell-relu", "LSTMCell", "GRUCell"]


def _build(name, lib, *args, **kwargs):
    nn = torch.nn if lib is torch else modules
    if name == "RNNCell-relu":
        return nn.RNNCell(*args, nonlinearity="relu", **kwargs)
    return getattr(nn, name)(*args, **kwargs)


def _pair(name, input_size=3, hidden_size=4, **options):
    c = _build(name, cynn, input_size, hidden_size, **options)
    t = _build(name, torch, input_size, hidden_size, **options)
    t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in c.state_dict().items()})
    return c, t


def _outputs(result):
    return list(result) if isinstance(result, tuple) else [result]


@pytest.mark.parametrize("name", CELLS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
def test_cell_matches_torch(name, bias, batched, with_state):
    c, t = _pair(name, bias=bias)
    g = rng(0)
    lead = (5,) if batched else ()
    x = g.standard_normal(lead + (3,)).astype(np.float32)
    states = [g.standard_normal(lead + (4,)).astype(np.float32)
              for _ in range(2 if name == "LSTMCell" else 1)] if with_state else []
    c_x, t_x = cynn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    c_s = [cynn.tensor(s, requires_grad=True) for s in states]
    t_s = [torch.tensor(s, requires_grad=True) for s in states]

    def hx(s):
        if not s:
            return None
        return tuple(s) if name == "LSTMCell" else s[0]

    c_out, t_out = _outputs(c(c_x, hx(c_s))), _outputs(t(t_x, hx(t_s)))
    assert len(c_out) == len(t_out)
    c_loss = t_loss = 0
    for i, (co, to) in enumerate(zip(c_out, t_out)):
        assert_close(co, to, what=f"output {i}")
        w = g.standard_normal(tuple(to.shape)).astype(np.float32)
        c_loss = c_loss + (co * cynn.tensor(w)).sum()
        t_loss = t_loss + (to * torch.tensor(w)).sum()
    c_loss.backward()
    t_loss.backward()
    assert_close(c_x.grad, t_x.grad, what="input grad")
    for i, (cs, ts) in enumerate(zip(c_s, t_s)):
        assert_close(cs.grad, ts.grad, what=f"state {i} grad")
    t_params = dict(t.named_parameters())
    for pname, p in c.named_parameters():
        assert_close(p.grad, t_params[pname].grad, what=f"grad of {pname}")


@pytest.mark.parametrize("name", CELLS)
def test_cell_gradcheck_float64(name):
    """Input, state(s) and every parameter, by swapping float64 tensors in for the
    parameters."""
    cell = _build(name, cynn, 3, 4, dtype=cynn.float64)
    names = [n for n, _ in cell.named_parameters()]
    g = rng(1)
    n_states = 2 if name == "LSTMCell" else 1
    arrays = [g.standard_normal((2, 3))] + [g.standard_normal((2, 4)) for _ in range(n_states)]
    arrays += [p.detach().numpy().copy() for p in cell.parameters()]
    inputs = [cynn.tensor(a, requires_grad=True) for a in arrays]

    def f(x, *rest):
        states, params = rest[:n_states], rest[n_states:]
        for pname, value in zip(names, params):
            cell._parameters[pname] = value
        out = cell(x, tuple(states) if name == "LSTMCell" else states[0])
        return out

    assert cynn.autograd.gradcheck(f, inputs)


@pytest.mark.parametrize("name", CELLS)
def test_empty_batch_like_torch(name):
    c, t = _pair(name)
    c_out, t_out = _outputs(c(cynn.zeros(0, 3))), _outputs(t(torch.zeros(0, 3)))
    assert [tuple(o.shape) for o in c_out] == [tuple(o.shape) for o in t_out]


@pytest.mark.parametrize("name,chunks", [("RNNCell", 1), ("LSTMCell", 4), ("GRUCell", 3)])
def test_parameters_init_repr_and_state_dict(name, chunks):
    c, t = _pair(name, 5, 16)
    assert [(n, tuple(p.shape)) for n, p in c.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert c.weight_ih.shape[0] == chunks * 16
    bound = 1 / math.sqrt(16)
    values = np.concatenate([p.detach().numpy().ravel() for p in c.parameters()])
    assert values.min() >= -bound and values.max() <= bound and values.max() > 0.8 * bound
    assert repr(c) == normalise_repr(repr(t))
    no_bias = _build(name, cynn, 5, 16, bias=False)
    assert no_bias.bias_ih is None and no_bias.bias_hh is None
    assert repr(no_bias) == normalise_repr(repr(_build(name, torch, 5, 16, bias=False)))
    other = _build(name, torch, 5, 16)
    c.load_state_dict({k: cynn.tensor(v.numpy()) for k, v in other.state_dict().items()})
    x = rng(0).standard_normal((2, 5)).astype(np.float32)
    for co, to in zip(_outputs(c(cynn.tensor(x))), _outputs(other(torch.tensor(x)))):
        assert_close(co, to)


def test_rnn_cell_repr_shows_relu():
    assert repr(modules.RNNCell(3, 4, nonlinearity="relu")) == \
        "RNNCell(3, 4, nonlinearity=relu)"
    assert repr(modules.RNNCellBase(3, 4, True, 2)) == "RNNCellBase(3, 4)"


def _errors():
    def hid(name, lib, shape):
        if name == "LSTMCell":
            return (lib.zeros(*shape), lib.zeros(*shape))
        return lib.zeros(*shape)

    cases = []
    for name in ("RNNCell", "LSTMCell", "GRUCell"):
        def cell(lib, name=name):
            return _build(name, lib, 10, 20)
        cases += [
            (f"{name} input size", lambda lib, cell=cell: cell(lib)(lib.zeros(3, 7))),
            (f"{name} hidden size", lambda lib, cell=cell, n=name: cell(lib)(
                lib.zeros(3, 10), hid(n, lib, (3, 7)))),
            (f"{name} batch", lambda lib, cell=cell, n=name: cell(lib)(
                lib.zeros(3, 10), hid(n, lib, (2, 20)))),
            (f"{name} 3-d input", lambda lib, cell=cell: cell(lib)(lib.zeros(2, 3, 10))),
            (f"{name} 3-d hidden", lambda lib, cell=cell, n=name: cell(lib)(
                lib.zeros(3, 10), hid(n, lib, (1, 3, 20)))),
            (f"{name} unbatched input, batched hidden", lambda lib, cell=cell, n=name: cell(lib)(
                lib.zeros(10), hid(n, lib, (3, 20)))),
            (f"{name} batched input, 1-d hidden", lambda lib, cell=cell, n=name: cell(lib)(
                lib.zeros(3, 10), hid(n, lib, (20,)))),
            (f"{name} float64 input", lambda lib, cell=cell: cell(lib)(
                lib.zeros(3, 10, dtype=lib.float64))),
            (f"{name} int64 input", lambda lib, cell=cell: cell(lib)(
                lib.zeros(3, 10, dtype=lib.int64))),
        ]
    cases.append(("RNNCell unknown nonlinearity", lambda lib: _build(
        "RNNCell", lib, 10, 20, nonlinearity="x")(lib.zeros(3, 10))))
    return cases


@pytest.mark.parametrize("call", [c for _, c in _errors()], ids=[n for n, _ in _errors()])
def test_errors_match_torch(call):
    assert_same_error(lambda: call(cynn), lambda: call(torch))


def test_cell_equals_one_step_of_the_layer():
    """Same parameters, one step: the cell is the layer's step (and both match torch)."""
    layer = modules.LSTM(3, 4)
    cell = modules.LSTMCell(3, 4)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = cynn.randn(2, 3)
    out, (h, c) = layer(x.unsqueeze(0))
    h1, c1 = cell(x)
    np.testing.assert_array_equal(h1.detach().numpy(), h[0].detach().numpy())
    np.testing.assert_array_equal(c1.detach().numpy(), c[0].detach().numpy())
