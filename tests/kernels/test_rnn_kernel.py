"""pyx/rnn.pyx directly: the fused LSTM / GRU / Elman step kernels, forward and backward,
against torch's autograd of the same gate formulas, per dtype; 1 and 2 threads give the
same bits; inconsistent sizes raise instead of reading out of bounds."""
import numpy as np
import pytest

from cynn._kernels import rnn as kernel

torch = pytest.importorskip("torch", reason="torch is the oracle")

DTYPES = [np.float32, np.float64]
# float32: the project's parity tolerance (1 - tanh^2 near saturation turns one ulp of
# tanh into a large relative difference, in torch's backward as in ours)
TOL = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-12, atol=1e-13)}
SIZES = [(3, 5), (1, 1), (0, 4), (64, 300)]   # (rows, hidden); the last one runs threaded


def _rand(shape, dtype, seed, scale=1.5):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


def _t(a):
    return torch.tensor(a, requires_grad=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,H", SIZES)
def test_lstm_cell_forward_and_backward(dtype, n, H):
    pre, c_prev = _rand((n, 4 * H), dtype, 0), _rand((n, H), dtype, 1)
    gh, gc = _rand((n, H), dtype, 2), _rand((n, H), dtype, 3)
    # oracle: torch autograd of the gate equations
    t_pre, t_cp = _t(pre), _t(c_prev)
    i, f, g, o = [t_pre[:, k * H:(k + 1) * H] for k in range(4)]
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    t_c = f * t_cp + i * g
    t_h = o * t_c.tanh()
    (t_h * torch.tensor(gh)).sum().add((t_c * torch.tensor(gc)).sum()).backward()

    gates, c, h = pre.copy(), np.empty((n, H), dtype), np.empty((n, H), dtype)
    kernel.lstm_cell_forward(gates, c_prev, c, h, 2)
    np.testing.assert_allclose(c, t_c.detach().numpy(), **TOL[dtype])
    np.testing.assert_allclose(h, t_h.detach().numpy(), **TOL[dtype])
    acts = torch.cat([i, f, g, o], dim=1).detach().numpy()
    np.testing.assert_allclose(gates, acts, **TOL[dtype])

    ggates, gc_io = np.empty((n, 4 * H), dtype), gc.copy()
    kernel.lstm_cell_backward(gates, c_prev, c, gh, gc_io, ggates, 2)
    np.testing.assert_allclose(ggates, t_pre.grad.numpy(), **TOL[dtype])
    np.testing.assert_allclose(gc_io, t_cp.grad.numpy(), **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,H", SIZES)
def test_gru_cell_forward_and_backward(dtype, n, H):
    gi, gh = _rand((n, 3 * H), dtype, 0), _rand((n, 3 * H), dtype, 1)
    h_prev = _rand((n, H), dtype, 2)
    dh = _rand((n, H), dtype, 3)
    t_gi, t_gh, t_hp = _t(gi), _t(gh), _t(h_prev)
    part = [slice(k * H, (k + 1) * H) for k in range(3)]
    r = (t_gi[:, part[0]] + t_gh[:, part[0]]).sigmoid()
    z = (t_gi[:, part[1]] + t_gh[:, part[1]]).sigmoid()
    nn = (t_gi[:, part[2]] + r * t_gh[:, part[2]]).tanh()
    t_h = (1 - z) * nn + z * t_hp
    (t_h * torch.tensor(dh)).sum().backward()

    gates, h = gi.copy(), np.empty((n, H), dtype)
    kernel.gru_cell_forward(gates, gh, h_prev, h, 2)
    np.testing.assert_allclose(h, t_h.detach().numpy(), **TOL[dtype])
    np.testing.assert_allclose(gates, torch.cat([r, z, nn], 1).detach().numpy(), **TOL[dtype])

    dgi, dgh, dhp = (np.empty((n, 3 * H), dtype), np.empty((n, 3 * H), dtype),
                     np.empty((n, H), dtype))
    kernel.gru_cell_backward(gates, gh, h_prev, dh, dgi, dgh, dhp, 2)
    np.testing.assert_allclose(dgi, t_gi.grad.numpy(), **TOL[dtype])
    np.testing.assert_allclose(dgh, t_gh.grad.numpy(), **TOL[dtype])
    # the kernel gives h_prev's direct term; the rest flows through gh (W_hh)
    np.testing.assert_allclose(dhp, t_hp.grad.numpy(), **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,H", SIZES)
@pytest.mark.parametrize("relu", [False, True])
def test_rnn_cell_forward_and_backward(dtype, n, H, relu):
    pre, dh = _rand((n, H), dtype, 0), _rand((n, H), dtype, 1)
    t_pre = _t(pre)
    t_h = t_pre.relu() if relu else t_pre.tanh()
    (t_h * torch.tensor(dh)).sum().backward()
    h = pre.copy()
    kernel.rnn_cell_forward(h, relu, 2)
    np.testing.assert_allclose(h, t_h.detach().numpy(), **TOL[dtype])
    dpre = np.empty((n, H), dtype)
    kernel.rnn_cell_backward(h, dh, dpre, relu, 2)
    np.testing.assert_allclose(dpre, t_pre.grad.numpy(), **TOL[dtype])


def _all_kernels(dtype, n, H, threads):
    """Every kernel once on fixed inputs; every output array."""
    out = []
    gates = _rand((n, 4 * H), dtype, 0)
    c_prev = _rand((n, H), dtype, 1)
    c, h = np.empty((n, H), dtype), np.empty((n, H), dtype)
    kernel.lstm_cell_forward(gates, c_prev, c, h, threads)
    gc, gg = _rand((n, H), dtype, 2), np.empty((n, 4 * H), dtype)
    kernel.lstm_cell_backward(gates, c_prev, c, _rand((n, H), dtype, 3), gc, gg, threads)
    out += [gates, c, h, gc, gg]
    gi, gh = _rand((n, 3 * H), dtype, 4), _rand((n, 3 * H), dtype, 5)
    hg = np.empty((n, H), dtype)
    kernel.gru_cell_forward(gi, gh, c_prev, hg, threads)
    dgi, dgh, dhp = np.empty_like(gi), np.empty_like(gh), np.empty((n, H), dtype)
    kernel.gru_cell_backward(gi, gh, c_prev, _rand((n, H), dtype, 6), dgi, dgh, dhp, threads)
    out += [gi, hg, dgi, dgh, dhp]
    pre = _rand((n, H), dtype, 7)
    kernel.rnn_cell_forward(pre, False, threads)
    dpre = np.empty_like(pre)
    kernel.rnn_cell_backward(pre, _rand((n, H), dtype, 8), dpre, False, threads)
    return out + [pre, dpre]


@pytest.mark.parametrize("dtype", DTYPES)
def test_one_and_two_threads_give_identical_bits(dtype):
    for a, b in zip(_all_kernels(dtype, 96, 320, 1), _all_kernels(dtype, 96, 320, 2)):
        np.testing.assert_array_equal(a, b)


def test_float32_gates_are_accurate_over_the_whole_range():
    """The float32 kernels use their own vectorisable exp and tanh: within a few ulps of
    float64 maths from -90 to 90, saturating cleanly, NaN propagated."""
    x = np.linspace(-90, 90, 400001).astype(np.float32)
    t = x[None, :].copy()
    kernel.rnn_cell_forward(t, False, 1)
    exact_tanh = np.tanh(x.astype(np.float64))
    ulp = np.spacing(np.abs(exact_tanh).astype(np.float32))
    assert np.max(np.abs(t[0] - exact_tanh) / ulp) <= 4
    gates = np.zeros((1, 4 * x.size), np.float32)
    gates[0, :x.size] = x                                  # input gate: sigmoid(x)
    zeros = np.zeros((1, x.size), np.float32)
    kernel.lstm_cell_forward(gates, zeros, np.empty_like(zeros), np.empty_like(zeros), 1)
    exact_sigmoid = 1 / (1 + np.exp(-x.astype(np.float64)))
    assert np.max(np.abs(gates[0, :x.size] - exact_sigmoid)) < 1.2e-7
    moderate = np.abs(x) < 80     # relative accuracy where the result is not denormal
    rel = np.abs(gates[0, :x.size] - exact_sigmoid) / exact_sigmoid
    assert np.max(rel[moderate]) < 1e-6
    special = np.array([[np.nan, np.inf, -np.inf, 0.0, -0.0]], np.float32)
    kernel.rnn_cell_forward(special, False, 1)
    assert np.isnan(special[0, 0])
    np.testing.assert_array_equal(special[0, 1:], [1, -1, 0, 0])


def test_inconsistent_sizes_raise_value_error():
    f = np.float32
    with pytest.raises(ValueError, match="lstm_cell_forward"):
        kernel.lstm_cell_forward(np.zeros((3, 8), f), np.zeros((3, 2), f), np.zeros((2, 2), f),
                                 np.zeros((3, 2), f), 1)
    with pytest.raises(ValueError, match="lstm_cell_backward"):
        kernel.lstm_cell_backward(np.zeros((3, 8), f), np.zeros((3, 2), f), np.zeros((3, 2), f),
                                  np.zeros((3, 2), f), np.zeros((3, 2), f), np.zeros((3, 7), f), 1)
    with pytest.raises(ValueError, match="gru_cell_forward"):
        kernel.gru_cell_forward(np.zeros((3, 6), f), np.zeros((3, 5), f), np.zeros((3, 2), f),
                                np.zeros((3, 2), f), 1)
    with pytest.raises(ValueError, match="gru_cell_backward"):
        kernel.gru_cell_backward(np.zeros((3, 6), f), np.zeros((3, 6), f), np.zeros((3, 2), f),
                                 np.zeros((4, 2), f), np.zeros((3, 6), f), np.zeros((3, 6), f),
                                 np.zeros((3, 2), f), 1)
    with pytest.raises(ValueError, match="rnn_cell_backward"):
        kernel.rnn_cell_backward(np.zeros((3, 2), f), np.zeros((3, 3), f), np.zeros((3, 2), f),
                                 False, 1)
    with pytest.raises(ValueError):   # mixed dtypes: no fused specialisation matches
        kernel.rnn_cell_backward(np.zeros((3, 2), f), np.zeros((3, 2)), np.zeros((3, 2), f),
                                 False, 1)
