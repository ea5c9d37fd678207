"""torch's top-level forms of nn.functional ops with ATen's signatures (cynn/_aten_forms.py):
values and gradients against torch, float64 gradchecks, and the errors ATen raises."""
import numpy as np
import pytest

import cynn
from helpers import (assert_same_tensor, check_gradcheck, helper_test_exception, helper_test_op,
                     torch_module)


def _pair(arrays, requires_grad=True):
    torch = torch_module()
    t = [torch.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f") for a in arrays]
    c = [cynn.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f") for a in arrays]
    return t, c


def _backward_and_compare(t_out, c_out, t_in, c_in, seed=1):
    torch = torch_module()
    t_out = t_out if isinstance(t_out, (tuple, list)) else [t_out]
    c_out = c_out if isinstance(c_out, (tuple, list)) else [c_out]
    rng = np.random.default_rng(seed)
    t_roots, t_grads, c_roots, c_grads = [], [], [], []
    for t, c in zip(t_out, c_out):
        assert_same_tensor(c, t)
        if t.requires_grad:
            g = rng.standard_normal(tuple(t.shape)).astype(str(t.dtype).split(".")[1])
            t_roots.append(t), t_grads.append(torch.tensor(g))
            c_roots.append(c), c_grads.append(cynn.tensor(g))
    torch.autograd.backward(t_roots, t_grads)
    cynn.autograd.backward(c_roots, c_grads)
    for i, (t, c) in enumerate(zip(t_in, c_in)):
        if isinstance(t, torch.Tensor) and t.grad is not None:
            assert_same_tensor(c.grad, t.grad, what=f"gradient of input {i}")


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_takes_weight_before_the_running_stats(training):
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((4, 3, 5), (3,), (3,)))
    mean, var = np.zeros(3, np.float32), np.ones(3, np.float32)
    torch = torch_module()
    (tx, tw, tb), (cx, cw, cb) = _pair([x, w, b])
    tm, tv, cm, cv = (torch.tensor(mean), torch.tensor(var), cynn.tensor(mean),
                      cynn.tensor(var))
    t_out = torch.batch_norm(tx, tw, tb, tm, tv, training, 0.1, 1e-5, False)
    c_out = cynn.batch_norm(cx, cw, cb, cm, cv, training, 0.1, 1e-5, False)
    _backward_and_compare(t_out, c_out, [tx, tw, tb], [cx, cw, cb])
    assert_same_tensor(cm, tm, what="running_mean")
    assert_same_tensor(cv, tv, what="running_var")


def test_instance_norm_in_aten_order():
    helper_test_op([(2, 3, 6), (3,), (3,)],
                   lambda x, w, b: torch_module().instance_norm(x, w, b, None, None, True, 0.1,
                                                                1e-5, False),
                   lambda x, w, b: cynn.instance_norm(x, w, b, None, None, True, 0.1, 1e-5,
                                                      False))


@pytest.mark.parametrize("padding_idx", [-1, 2])
def test_embedding_takes_the_weight_first(padding_idx):
    torch = torch_module()
    w = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    idx = np.array([[0, 2, 5], [2, 1, 2]])
    (tw,), (cw,) = _pair([w])
    t_out = torch.embedding(tw, torch.tensor(idx), padding_idx, True)
    c_out = cynn.embedding(cw, cynn.tensor(idx), padding_idx, True)
    _backward_and_compare(t_out, c_out, [tw], [cw])


def test_embedding_renorm_rescales_named_rows_in_place():
    torch = torch_module()
    w = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32) * 3
    t, c = torch.tensor(w), cynn.tensor(w)
    idx = np.array([0, 3, 3])
    assert torch.embedding_renorm_(t, torch.tensor(idx), 1.0, 2.0) is t
    assert cynn.embedding_renorm_(c, cynn.tensor(idx), 1.0, 2.0) is c
    assert_same_tensor(c, t)
    assert not np.allclose(c.numpy(), w)


@pytest.mark.parametrize("mode", [0, 1, 2])
@pytest.mark.parametrize("padding_idx", [None, 4])
def test_embedding_bag_returns_aten_bookkeeping(mode, padding_idx):
    torch = torch_module()
    w = np.random.default_rng(0).standard_normal((10, 3)).astype(np.float32)
    idx, offsets = np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 4])
    (tw,), (cw,) = _pair([w])
    t_out = torch.embedding_bag(tw, torch.tensor(idx), torch.tensor(offsets), False, mode,
                                False, None, False, padding_idx)
    c_out = cynn.embedding_bag(cw, cynn.tensor(idx), cynn.tensor(offsets), False, mode,
                               False, None, False, padding_idx)
    for i, (c, t) in enumerate(zip(c_out[1:], t_out[1:])):
        assert_same_tensor(c, t, what=f"output {i + 1}")
    _backward_and_compare(t_out[0], c_out[0], [tw], [cw])


def test_embedding_bag_needs_offsets_tensor():
    w = [[0.0, 1.0]] * 3
    helper_test_exception(lambda lib: lib.embedding_bag(lib.tensor(w), lib.tensor([[0, 1]]),
                                                        None),
                          TypeError, match="argument 'offsets' \\(position 3\\) must be Tensor")


@pytest.mark.parametrize("reduction", [0, 1, 2])
def test_ctc_loss_integer_reduction(reduction):
    torch = torch_module()
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((6, 2, 4)).astype(np.float32)
    targets = np.array([[1, 2, 1], [3, 1, 0]])
    (tl,), (cl,) = _pair([logits])
    t_out = torch.ctc_loss(tl.log_softmax(2), torch.tensor(targets), [6, 5], [3, 2], 0,
                           reduction)
    c_out = cynn.ctc_loss(cl.log_softmax(2), cynn.tensor(targets), [6, 5], [3, 2], 0,
                          reduction)
    _backward_and_compare(t_out, c_out, [tl], [cl])


@pytest.mark.parametrize("reduction", [0, 1, 2])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_integer_reduction(reduction, log_target):
    helper_test_op([(3, 4), (3, 4)],
                   lambda x, y: torch_module().kl_div(x, y, reduction, log_target=log_target),
                   lambda x, y: cynn.kl_div(x, y, reduction, log_target=log_target),
                   low=0.1, high=1.0)


@pytest.mark.parametrize("pad", [(1, 2), (1, 0, 2, 1), (-1, 2)])
def test_constant_pad_nd(pad):
    helper_test_op([(2, 3, 4)],
                   lambda x: torch_module().constant_pad_nd(x, pad, 1.5),
                   lambda x: cynn.constant_pad_nd(x, pad, 1.5))


@pytest.mark.parametrize("shape, weight, transposed, stride, padding, out_pad, groups", [
    ((2, 4, 9), (6, 2, 3), False, [2], [1], [0], 2),
    ((2, 3, 7, 6), (4, 3, 3, 2), False, [1, 2], [1, 0], [0, 0], 1),
    ((1, 2, 4, 5, 4), (3, 2, 2, 2, 2), False, [1], [0], [0], 1),
    ((2, 4, 5, 5), (4, 3, 3, 3), True, [2, 2], [1, 1], [1, 1], 1),
    ((2, 4, 7), (4, 2, 3), True, [2], [0], [1], 2),
])
def test_convolution_dispatches_by_weight_rank(shape, weight, transposed, stride, padding,
                                               out_pad, groups):
    bias = (weight[1] * groups if transposed else weight[0],)
    helper_test_op(
        [shape, weight, bias],
        lambda x, w, b: torch_module().convolution(x, w, b, stride, padding, [1],
                                                   transposed, out_pad, groups),
        lambda x, w, b: cynn.convolution(x, w, b, stride, padding, [1], transposed,
                                         out_pad, groups), check_grad_fn=False)


def test_convolution_rejects_a_low_rank_weight():
    helper_test_exception(lambda lib: lib.convolution(lib.zeros(2, 3, 4), lib.zeros(3), None,
                                                      [1], [0], [1], False, [0], 1),
                          RuntimeError, match="weight should have at least three dimensions")


@pytest.mark.parametrize("pad", [0, 1])
def test_conv_tbc(pad):
    helper_test_op([(7, 2, 3), (3, 3, 5), (5,)],
                   lambda x, w, b: torch_module().conv_tbc(x, w, b, pad),
                   lambda x, w, b: cynn.conv_tbc(x, w, b, pad), check_grad_fn=False)
    check_gradcheck(lambda x, w, b: cynn.conv_tbc(x, w, b, pad), [(5, 2, 2), (2, 2, 3), (3,)])


@pytest.mark.parametrize("build, message", [
    (lambda lib: lib.conv_tbc(lib.zeros(2, 3), lib.zeros(3, 3, 3), lib.zeros(3)),
     "Input must have 3 dims: time, batch, in_channel"),
    (lambda lib: lib.conv_tbc(lib.zeros(2, 3, 3), lib.zeros(3, 3), lib.zeros(3)),
     "Weight tensor must have 3 dims"),
    (lambda lib: lib.conv_tbc(lib.zeros(2, 3, 4), lib.zeros(3, 3, 3), lib.zeros(3)),
     "Input dim 2 \\(input channels\\) is not == dim 1 in the weight tensor"),
    (lambda lib: lib.conv_tbc(lib.zeros(2, 3, 3), lib.zeros(3, 3, 3), lib.zeros(4)),
     "Bias size must equal dim 2 in the weight tensor"),
])
def test_conv_tbc_errors(build, message):
    helper_test_exception(build, RuntimeError, match=message)


@pytest.mark.parametrize("interp", [0, 1, 2])
@pytest.mark.parametrize("padding_mode", [0, 1, 2])
def test_grid_sampler_integer_modes(interp, padding_mode):
    torch = torch_module()
    fn = torch.grid_sampler_2d if interp != 1 else torch.grid_sampler
    cfn = getattr(cynn, fn.__name__)
    helper_test_op([(2, 2, 5, 4), (2, 3, 3, 2)],
                   lambda x, g: fn(x, g, interp, padding_mode, False),
                   lambda x, g: cfn(x, g, interp, padding_mode, False),
                   low=-1.1, high=1.1, check_grad_fn=False)


def test_grid_sampler_3d():
    helper_test_op([(1, 2, 3, 4, 3), (1, 2, 2, 3, 3)],
                   lambda x, g: torch_module().grid_sampler_3d(x, g, 0, 0, True),
                   lambda x, g: cynn.grid_sampler_3d(x, g, 0, 0, True),
                   low=-1.0, high=1.0, check_grad_fn=False)


def test_grid_sampler_2d_wants_4d():
    helper_test_exception(lambda lib: lib.grid_sampler_2d(lib.zeros(1, 1, 3, 3, 3),
                                                          lib.zeros(1, 2, 2, 2, 3), 0, 0, False),
                          RuntimeError, match="expected 4D input and grid with same number")


@pytest.mark.parametrize("size", [(2, 1, 4, 5), (2, 1, 3, 4, 2)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_generator(size, align_corners):
    theta = (2, 2, 3) if len(size) == 4 else (2, 3, 4)
    helper_test_op([theta],
                   lambda t: torch_module().affine_grid_generator(t, size, align_corners),
                   lambda t: cynn.affine_grid_generator(t, size, align_corners),
                   check_grad_fn=False)


@pytest.mark.parametrize("p, dim", [(2, 0), (2, 1), (3, 2), (2, -1), (1, -2)])
def test_norm_except_dim(p, dim):
    helper_test_op([(3, 4, 5)], lambda v: torch_module().norm_except_dim(v, p, dim),
                   lambda v: cynn.norm_except_dim(v, p, dim), check_grad_fn=False)
    check_gradcheck(lambda v: cynn.norm_except_dim(v, p, dim), [(2, 3, 2)])


# --- recurrent layers with ATen's signatures --------------------------------------------
def _rnn_params(rng, mode, input_size, hidden, layers, directions, bias, proj=0):
    gates = {"lstm": 4, "gru": 3}.get(mode, 1)
    params = []
    h_out = proj or hidden
    for layer in range(layers):
        for _ in range(directions):
            in_size = input_size if layer == 0 else h_out * directions
            params += [rng.uniform(-0.5, 0.5, (gates * hidden, in_size)),
                       rng.uniform(-0.5, 0.5, (gates * hidden, h_out))]
            if bias:
                params += [rng.uniform(-0.5, 0.5, gates * hidden),
                           rng.uniform(-0.5, 0.5, gates * hidden)]
            if proj:
                params.append(rng.uniform(-0.5, 0.5, (proj, hidden)))
    return [p.astype(np.float32) for p in params]


@pytest.mark.parametrize("mode", ["rnn_tanh", "rnn_relu", "gru", "lstm"])
@pytest.mark.parametrize("layers, bidirectional, batch_first, bias", [
    (1, False, False, True), (2, True, True, True), (2, False, False, False)])
def test_recurrent_stacks_match_torch(mode, layers, bidirectional, batch_first, bias):
    torch = torch_module()
    rng = np.random.default_rng(0)
    directions = 2 if bidirectional else 1
    x = rng.standard_normal((3, 4, 5) if batch_first else (4, 3, 5)).astype(np.float32)
    h0 = rng.standard_normal((layers * directions, 3, 6)).astype(np.float32)
    c0 = rng.standard_normal((layers * directions, 3, 6)).astype(np.float32)
    params = _rnn_params(rng, mode, 5, 6, layers, directions, bias)
    t_in, c_in = _pair([x, h0, c0] + params)
    t_hx = (t_in[1], t_in[2]) if mode == "lstm" else t_in[1]
    c_hx = (c_in[1], c_in[2]) if mode == "lstm" else c_in[1]
    t_out = getattr(torch, mode)(t_in[0], t_hx, t_in[3:], bias, layers, 0.0, False,
                                 bidirectional, batch_first)
    c_out = getattr(cynn, mode)(c_in[0], c_hx, c_in[3:], bias, layers, 0.0, False,
                                bidirectional, batch_first)
    assert len(c_out) == len(t_out)
    if mode != "lstm":
        t_in, c_in = t_in[:2] + t_in[3:], c_in[:2] + c_in[3:]
    _backward_and_compare(t_out, c_out, t_in, c_in)


def test_lstm_with_projections():
    torch = torch_module()
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 2, 3)).astype(np.float32)
    h0 = rng.standard_normal((1, 2, 2)).astype(np.float32)
    c0 = rng.standard_normal((1, 2, 5)).astype(np.float32)
    params = _rnn_params(rng, "lstm", 3, 5, 1, 1, True, proj=2)
    t_in, c_in = _pair([x, h0, c0] + params)
    t_out = torch.lstm(t_in[0], (t_in[1], t_in[2]), t_in[3:], True, 1, 0.0, False, False,
                       False)
    c_out = cynn.lstm(c_in[0], (c_in[1], c_in[2]), c_in[3:], True, 1, 0.0, False, False,
                      False)
    _backward_and_compare(t_out, c_out, t_in, c_in)


@pytest.mark.parametrize("mode", ["gru", "lstm", "rnn_tanh"])
def test_recurrent_packed_form(mode):
    torch = torch_module()
    rng = np.random.default_rng(1)
    sizes = np.array([3, 2, 2, 1])
    data = rng.standard_normal((sizes.sum(), 4)).astype(np.float32)
    h0 = rng.standard_normal((1, 3, 5)).astype(np.float32)
    params = _rnn_params(rng, mode, 4, 5, 1, 1, True)
    t_in, c_in = _pair([data, h0] + params)
    t_hx = (t_in[1], t_in[1] * 0.5) if mode == "lstm" else t_in[1]
    c_hx = (c_in[1], c_in[1] * 0.5) if mode == "lstm" else c_in[1]
    t_out = getattr(torch, mode)(t_in[0], torch.tensor(sizes), t_hx, t_in[2:], True, 1, 0.0,
                                 False, False)
    c_out = getattr(cynn, mode)(c_in[0], cynn.tensor(sizes), c_hx, c_in[2:], True, 1, 0.0,
                                False, False)
    _backward_and_compare(t_out, c_out, t_in, c_in)


@pytest.mark.parametrize("mode", ["rnn_tanh_cell", "rnn_relu_cell", "gru_cell", "lstm_cell"])
@pytest.mark.parametrize("bias", [True, False])
def test_cells_match_torch(mode, bias):
    torch = torch_module()
    rng = np.random.default_rng(2)
    gates = {"lstm_cell": 4, "gru_cell": 3}.get(mode, 1)
    lead = (3,)
    arrays = [rng.standard_normal(lead + (4,)), rng.standard_normal(lead + (5,)),
              rng.standard_normal(lead + (5,)), rng.uniform(-.5, .5, (gates * 5, 4)),
              rng.uniform(-.5, .5, (gates * 5, 5)), rng.uniform(-.5, .5, gates * 5),
              rng.uniform(-.5, .5, gates * 5)]
    t_in, c_in = _pair([a.astype(np.float32) for a in arrays])

    def run(lib, v):
        hx = (v[1], v[2]) if mode == "lstm_cell" else v[1]
        biases = v[5:] if bias else [None, None]
        return getattr(lib, mode)(v[0], hx, v[3], v[4], *biases)
    _backward_and_compare(run(torch, t_in), run(cynn, c_in), t_in, c_in)


def test_lstm_cell_gradcheck():
    def fn(x, h, c, w_ih, w_hh, b_ih, b_hh):
        return cynn.lstm_cell(x, (h, c), w_ih, w_hh, b_ih, b_hh)
    check_gradcheck(fn, [(2, 3), (2, 2), (2, 2), (8, 3), (8, 2), (8,), (8,)], low=-0.5,
                    high=0.5)


@pytest.mark.parametrize("mode", ["gru_cell", "rnn_tanh_cell"])
def test_cells_take_batches_only(mode):
    rows = 15 if mode == "gru_cell" else 5
    helper_test_exception(lambda lib: getattr(lib, mode)(lib.zeros(4), lib.zeros(5),
                                                         lib.zeros(rows, 4), lib.zeros(rows, 5)),
                          IndexError, match="Dimension out of range")


@pytest.mark.parametrize("build", [
    lambda lib: lib.conv_tbc(lib.zeros(5, 0, 3), lib.ones(2, 3, 4), lib.ones(4), 1),
    lambda lib: lib.kl_div(lib.zeros(0, 3), lib.zeros(0, 3), 2),
    lambda lib: lib.constant_pad_nd(lib.zeros(0, 3), (1, 1), 2.0),
    lambda lib: lib.norm_except_dim(lib.zeros(0, 3), 2, 1),
    lambda lib: lib.gru_cell(lib.zeros(0, 4), lib.zeros(0, 5), lib.ones(15, 4),
                             lib.ones(15, 5)),
    lambda lib: lib.embedding(lib.ones(4, 3), lib.zeros(0, 2, dtype=lib.int64)),
], ids=["conv_tbc", "kl_div", "constant_pad_nd", "norm_except_dim", "gru_cell", "embedding"])
def test_empty_batches_as_torch(build):
    assert_same_tensor(build(cynn), build(torch_module()))


def test_gru_stack_gradcheck():
    rng = np.random.default_rng(5)
    params = [p.astype(np.float64) for p in _rnn_params(rng, "gru", 3, 2, 1, 1, True)]

    def fn(x, h, *weights):
        return cynn.gru(x, h, list(weights), True, 1, 0.0, False, False, False)[0]
    check_gradcheck(fn, [(3, 2, 3), (1, 2, 2)] + [p.shape for p in params],
                    inputs=[rng.standard_normal((3, 2, 3)), rng.standard_normal((1, 2, 2))]
                    + params)
